//! The tokens of the embedded flow, in Passwordless.dev's shapes: `register_…` (minted by the
//! backend for one user), `session_…` (one ceremony in progress) and `verify_…` (what a page
//! hands its backend after a ceremony). Each is 256 random bits behind its prefix, kept in
//! Ephemeral under its SHA-256 (never the token itself), bound to one application, and used at
//! most once: the single use is the store's atomic take, so two replicas cannot both accept one.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{Embedded, EmbeddedError};
use crate::clock::UnixTime;
use crate::domain::Core;

/// Passwordless.dev's default lifetime of register and verify tokens, in seconds.
pub const DEFAULT_TTL: i64 = 120;
/// How long a ceremony may take, in seconds.
pub const SESSION_TTL: i64 = 300;
/// How long an expired token is still recognised as expired (rather than unknown).
const REMEMBER_EXPIRED: i64 = 600;

/// The kinds of token, by prefix.
#[derive(Clone, Copy)]
pub enum Kind {
    Register,
    Session,
    Verify,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Register => "register_",
            Kind::Session => "session_",
            Kind::Verify => "verify_",
        }
    }
}

/// What every stored token carries besides its payload.
#[derive(Serialize, Deserialize)]
struct Stored<T> {
    app_id: String,
    expires_at: UnixTime,
    payload: T,
}

fn key(kind: Kind, token: &str) -> String {
    format!("embedded:{}{}", kind.prefix(), crate::crypto::sha256_hex(token.as_bytes()))
}

/// Mints a token of `kind` for `app_id`, valid until `expires_at`.
pub async fn mint<T: Serialize>(
    core: &Core,
    kind: Kind,
    app_id: &str,
    expires_at: UnixTime,
    payload: &T,
) -> Embedded<String> {
    let token = format!("{}{}", kind.prefix(), crate::crypto::random_token());
    let ttl = (expires_at - core.clock.now()).max(1) + REMEMBER_EXPIRED;
    let stored = Stored { app_id: app_id.to_string(), expires_at, payload };
    core.ephemeral.put_json(&key(kind, &token), &stored, ttl as u64).await?;
    Ok(token)
}

/// Checks `token` without using it: issued for this application, not expired.
pub async fn peek<T: DeserializeOwned>(core: &Core, kind: Kind, app_id: &str, token: &str) -> Embedded<T> {
    let stored: Stored<T> = read(core, kind, app_id, token, false).await?;
    Ok(stored.payload)
}

/// Uses `token`: checked as `peek` does, then taken, so of two uses exactly one succeeds.
pub async fn take<T: DeserializeOwned>(core: &Core, kind: Kind, app_id: &str, token: &str) -> Embedded<T> {
    let stored: Stored<T> = read(core, kind, app_id, token, true).await?;
    Ok(stored.payload)
}

async fn read<T: DeserializeOwned>(
    core: &Core,
    kind: Kind,
    app_id: &str,
    token: &str,
    spend: bool,
) -> Embedded<Stored<T>> {
    let prefix = kind.prefix();
    if token.is_empty() {
        return Err(EmbeddedError::bad(
            "missing_token",
            format!("This operation requires a token that starts with '{prefix}' to be passed."),
        ));
    }
    if !token.starts_with(prefix) || token.len() > 128 {
        let start: String = token.chars().take(10).collect();
        return Err(EmbeddedError::bad(
            "invalid_token",
            format!(
                "The token used for this endpoint should start with '{prefix}'. The value you sent started with '{start}'."
            ),
        ));
    }
    let unknown = || {
        EmbeddedError::bad(
            "invalid_token",
            "The token you supplied was not valid. It could be that the token has expired, was used already, \
             or that it was not issued for this application.",
        )
    };
    // Checked before it is taken, so another application's secret cannot spend it.
    let stored: Stored<T> = core.ephemeral.get_json(&key(kind, token)).await?.ok_or_else(unknown)?;
    if !crate::crypto::constant_time_eq(stored.app_id.as_bytes(), app_id.as_bytes()) {
        return Err(unknown());
    }
    let now = core.clock.now();
    if now > stored.expires_at {
        let ago = now - stored.expires_at;
        return Err(EmbeddedError::status(403, "expired_token", format!("The token expired {ago} seconds ago.")));
    }
    if spend && core.ephemeral.take(&key(kind, token)).await?.is_none() {
        return Err(unknown());
    }
    Ok(stored)
}

/// Spends `token` once its use has succeeded; `false` if it was spent meanwhile.
pub async fn spend(core: &Core, kind: Kind, token: &str) -> Embedded<bool> {
    Ok(core.ephemeral.take(&key(kind, token)).await?.is_some())
}
