//! Redirect URI registration (`check_redirect_uri`): never a panic, and what it accepts is a URL
//! that parses to itself, with no fragment (RFC 6749 §3.1.2) and no character a parser drops.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|uri: &str| {
    if tessera::config::check_redirect_uri(uri).is_ok() {
        let url = url::Url::parse(uri).expect("an accepted redirect URI parses");
        assert!(url.fragment().is_none(), "{uri:?} has a fragment");
        assert!(!uri.contains(['\r', '\n', '\t']), "{uri:?} holds a character the parser drops");
    }
});
