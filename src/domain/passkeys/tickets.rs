//! Passkey registration tickets: a server-side application (or an operator) mints a
//! short-lived, single-use ticket for one user; the browser redeems it at
//! `/passkeys/register?ticket=…` to create a passkey without signing in first.
//!
//! A ticket is a JWT signed with Tessera's own EdDSA key (`typ: passkey-ticket+jwt`), so any
//! replica can check it without a lookup; its `jti` is spent in Ephemeral when a passkey is
//! created, so it works once.

use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;
use crate::domain::Core;
use crate::domain::jwt;
use crate::domain::keys::KeyRing;
use crate::domain::passkeys::{PasskeyError, RegisterOptions};
pub use crate::domain::single_use::Spend;
use crate::domain::single_use::{self, Refused};
use crate::model::{SigningAlg, UserId};

const TYP: &str = "passkey-ticket+jwt";
/// The longest a ticket may live, in seconds.
pub const MAX_TTL: u64 = 3600;

#[derive(Debug, Serialize, Deserialize)]
pub struct Ticket {
    pub iss: String,
    /// The Tessera user id the passkey will belong to.
    pub sub: String,
    /// Shown by the authenticator when choosing a passkey.
    pub username: String,
    #[serde(flatten)]
    pub options: RegisterOptions,
    pub iat: UnixTime,
    pub exp: UnixTime,
    pub jti: String,
}

/// Mints a ticket for `user` valid for `ttl` seconds (at most an hour).
pub fn mint(
    keys: &KeyRing,
    issuer: &str,
    user: &UserId,
    username: &str,
    options: RegisterOptions,
    ttl: u64,
    now: UnixTime,
) -> Result<String, String> {
    if username.trim().is_empty() {
        return Err("the username must not be empty".into());
    }
    if !(30..=MAX_TTL).contains(&ttl) {
        return Err(format!("the lifetime must be between 30 and {MAX_TTL} seconds"));
    }
    if let Some(a) = &options.attachment
        && a != "platform"
        && a != "cross-platform"
    {
        return Err("attachment must be platform or cross-platform".into());
    }
    let ticket = Ticket {
        iss: issuer.to_string(),
        sub: user.0.clone(),
        username: username.trim().to_string(),
        options,
        iat: now,
        exp: now + ttl as i64,
        jti: crate::crypto::random_id(),
    };
    jwt::sign(keys.active(SigningAlg::EdDSA), TYP, &ticket).map_err(|e| e.to_string())
}

/// The ticket, if Tessera signed it for this issuer and it has neither expired nor been spent.
pub async fn check(state: &Core, token: &str) -> Result<(Ticket, Spend), PasskeyError> {
    match single_use::check(state, token, TYP).await {
        Ok(checked) => Ok(checked),
        Err(Refused::Invalid) => Err(PasskeyError::Invalid("ticket_invalid")),
        Err(Refused::Spent) => Err(PasskeyError::Invalid(SPENT)),
        Err(Refused::Store(e)) => Err(e.into()),
    }
}

pub const SPENT: &str = "ticket_used";
