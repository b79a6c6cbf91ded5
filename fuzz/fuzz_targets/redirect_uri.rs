//! Redirect URI registration (`check_redirect_uri`): never a panic, and what it accepts is a URL
//! that parses, with no fragment (RFC 6749 §3.1.2) and no control or space character (which a
//! parser drops or a `Location` header cannot carry).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|uri: &str| {
    if tessera::config::check_redirect_uri(uri).is_ok() {
        let url = url::Url::parse(uri).expect("an accepted redirect URI parses");
        assert!(url.fragment().is_none(), "{uri:?} has a fragment");
        let bad = uri.chars().any(|c| c.is_control() || c.is_whitespace());
        assert!(!bad, "{uri:?} holds a control or space character, which cannot travel in a Location header");
    }
});
