//! Sign-in at an upstream OpenID provider ("Continue with …"), Tessera as its relying party:
//! discovery, the authorization request, the verified answer, and the account it signs in.
//!
//! ```text
//! login page --begin--> Pending (Ephemeral, by hash of `state`, 10 min, taken once)
//!            --302--> upstream /authorize (code flow, PKCE S256, state, nonce)
//! callback  --take Pending--> code exchange --> ID token verified (openidconnect)
//!           --> accounts::resolve --> SignIn(user) | ProveFirst(identity) | NoAccount
//! ```

pub mod accounts;
pub mod apple;
mod client;
mod flow;
mod github;
mod microsoft;
mod mixup;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

pub use flow::{begin, complete, take};
pub use mixup::issuer_matches;

use crate::clock::UnixTime;

/// The label of upstream sign-ins in metrics and audit events.
pub const METHOD: &str = "upstream";

/// `amr` of an upstream sign-in: "fed", federated authentication. RFC 8176 registers no value
/// for it, and §1 leaves unregistered values to agreement; the upstream's own `amr` values
/// follow it when it sends some.
pub const AMR_FEDERATED: &str = "fed";

/// How long an authorization request at an upstream may take (its `state` lives this long).
pub const PENDING_SECS: u64 = 600;

/// What the callback needs of the request it answers; stored under the hash of `state`.
#[derive(Serialize, Deserialize)]
pub struct Pending {
    pub provider: String,
    pub interaction: String,
    pub nonce: String,
    pub verifier: String,
}

/// What the upstream asserted about the person, from a verified ID token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asserted {
    pub provider: String,
    pub subject: String,
    pub email: Option<String>,
    /// OIDC Core §5.1 `email_verified`; absent counts as false.
    pub email_verified: bool,
    /// The upstream's `amr` (RFC 8176), when it says how the person authenticated.
    pub amr: Vec<String>,
    /// The person's name, when the upstream sends it beside the token (Apple, first time only).
    pub name: Option<String>,
}

/// Why an upstream sign-in cannot go on; each names what the page tells the person.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// RFC 6749 §4.1.2.1: the upstream answered with an error (`access_denied`, …).
    Denied,
    /// Discovery, keys or the token endpoint could not be reached or answered outside the spec.
    Unreachable,
    /// OIDC Core §3.1.3.7: the ID token failed a check (signature, `iss`, `aud`, `nonce`, `exp`).
    BadToken,
}

/// Discovered provider metadata (with its keys), kept an hour per issuer; a failed token check
/// drops it, so keys rotated at the upstream are fetched again on the next try.
#[derive(Default)]
pub struct Discovered(Mutex<HashMap<String, (UnixTime, Arc<client::Metadata>)>>);

const DISCOVERY_SECS: i64 = 3600;

impl Discovered {
    fn get(&self, issuer: &str, now: UnixTime) -> Option<Arc<client::Metadata>> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(issuer).filter(|(at, _)| now - at < DISCOVERY_SECS).map(|(_, m)| m.clone())
    }

    fn put(&self, issuer: &str, now: UnixTime, metadata: Arc<client::Metadata>) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(issuer.to_string(), (now, metadata));
    }

    fn forget(&self, issuer: &str) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(issuer);
    }
}

fn pending_key(state: &str) -> String {
    format!("upstream:{}", crate::crypto::sha256_hex(state.as_bytes()))
}
