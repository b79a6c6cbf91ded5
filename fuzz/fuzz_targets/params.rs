//! Form and query parameters (`Params::parse`): any bytes parse without a panic, every value
//! read back is one that was sent, and a name sent twice is reported as repeated (RFC 6749 §3.1).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera::web::params::Params;

fuzz_target!(|data: &[u8]| {
    let params = Params::parse(data);
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(data).into_owned().collect();
    for (name, value) in &pairs {
        let times = pairs.iter().filter(|(n, _)| n == name).count();
        assert_eq!(params.is_repeated(name), times > 1, "{name:?} sent {times} times");
        if times == 1 && !value.is_empty() {
            assert_eq!(params.get(name), Some(value.as_str()), "{name:?}");
        }
    }
});
