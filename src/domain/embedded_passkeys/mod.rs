//! Embedded passkeys: applications that run WebAuthn ceremonies on their own pages, against their
//! own relying party, for their own user ids (the Passwordless.dev model). The application's
//! backend holds a secret, its pages a public key; Tessera keeps the passkeys and hands out
//! short-lived, single-use tokens.
//!
//! ```text
//! backend  --secret--> register token (user id, aliases, options)
//! page     --public--> register/begin (token) -> options + session
//!          --public--> register/complete (session, attestation) -> passkey stored, verify token
//! page     --public--> signin/begin (user id | alias | nothing) -> options + session
//!          --public--> signin/complete (session, assertion) -> verify token
//! backend  --secret--> signin/verify (token) -> who signed in, once
//! ```

pub mod apps;
pub mod credential;
pub mod hosted;
pub mod manage;
pub mod origin;
pub mod register;
pub mod sign_in;
pub mod tokens;
pub mod users;

use crate::store::StoreError;

/// The `method` label of these sign-ins in metrics and audit events.
pub const METHOD: &str = "embedded_passkey";

/// Why a request was refused, in the terms of the Passwordless.dev API: an HTTP status, its
/// `errorCode` (none where Passwordless.dev sends none) and a title saying what to fix.
#[derive(Debug)]
pub enum EmbeddedError {
    Refused {
        status: u16,
        code: Option<&'static str>,
        title: String,
    },
    /// The key header is missing or wrong: `header` names the one expected.
    Unauthenticated {
        header: &'static str,
    },
    Store(StoreError),
}

impl From<StoreError> for EmbeddedError {
    fn from(e: StoreError) -> Self {
        EmbeddedError::Store(e)
    }
}

impl EmbeddedError {
    pub fn bad(code: &'static str, title: impl Into<String>) -> Self {
        EmbeddedError::Refused { status: 400, code: Some(code), title: title.into() }
    }

    pub fn status(status: u16, code: &'static str, title: impl Into<String>) -> Self {
        EmbeddedError::Refused { status, code: Some(code), title: title.into() }
    }

    /// A request field that does not fit (Passwordless.dev's validation answers).
    pub fn argument(title: impl Into<String>) -> Self {
        Self::bad("invalid_argument", title)
    }
}

pub type Embedded<T> = Result<T, EmbeddedError>;

/// What every step is told about the request besides its body.
#[derive(Clone, Copy)]
pub struct Caller<'a> {
    /// The `Origin` header, when the browser sent one.
    pub origin: Option<&'a str>,
    /// The `User-Agent` header, to name the device.
    pub agent: &'a str,
    pub ip: std::net::IpAddr,
}

/// A time as Passwordless.dev's JSON writes it.
fn rfc3339(t: crate::clock::UnixTime) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(t).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
