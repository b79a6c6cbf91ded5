//! The configuration file: any text either fails with a message or yields a configuration that
//! validates or is refused with one; nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera::config::Config;

fuzz_target!(|text: &str| {
    if let Ok(config) = toml::from_str::<Config>(text) {
        let _ = config.validate();
    }
});
