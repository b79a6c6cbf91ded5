//! `[oauth]`: protocol extensions that apply to every client (each client may also opt in).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OAuthConfig {
    /// RFC 9126 §5: every authorization request must come through the PAR endpoint.
    pub require_pushed_authorization_requests: bool,
    /// How long a `request_uri` from the PAR endpoint may be used (RFC 9126 §2.2: short).
    pub pushed_request_lifetime_secs: u64,
    /// RFC 9449 §8: DPoP proofs at the token and PAR endpoints must carry a server nonce.
    pub dpop_nonces: bool,
    /// RFC 7591: clients may register themselves at `/register`.
    pub registration: bool,
    /// RFC 7591 §3: the initial access tokens `/register` requires; none means open registration.
    pub registration_tokens: Vec<String>,
}

impl Default for OAuthConfig {
    fn default() -> Self {
        OAuthConfig {
            require_pushed_authorization_requests: false,
            pushed_request_lifetime_secs: 60,
            dpop_nonces: false,
            registration: false,
            registration_tokens: Vec::new(),
        }
    }
}
