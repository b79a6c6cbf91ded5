//! Passkeys (WebAuthn through webauthn-rs): registration and authentication ceremonies whose
//! state lives only in Ephemeral (bound to the browser, single use, 5 minutes), the stored
//! credentials, and what a passkey sign-in proves (`amr`, `acr`). Pages and routes that use
//! them live in `login::passkey`, `account` and `embedded::passkey_tickets`.

mod register;
mod sign_in;
pub mod tickets;

pub use register::{Registrant, finish_registration, start_registration};
pub use sign_in::{Verified, finish_authentication, start_authentication};

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration, Uuid, Webauthn, WebauthnBuilder,
};

use crate::domain::Core;
use crate::model::{StoredPasskey, UserId};
use crate::store::StoreError;

/// How long a ceremony may take, in seconds.
const CEREMONY_TTL: u64 = 300;

/// Builds the WebAuthn relying party from the configuration, when passkeys are available.
pub fn relying_party(config: &crate::config::Config) -> Option<Webauthn> {
    let (rp_id, origins) = config.webauthn_rp()?;
    let mut builder = WebauthnBuilder::new(&rp_id, origins.first()?).ok()?.rp_name(&config.login.product_name);
    for origin in &origins[1..] {
        builder = builder.append_allowed_origin(origin);
    }
    builder.build().ok()
}

/// Why a ceremony failed; each answer says what the user can do.
#[derive(Debug)]
pub enum PasskeyError {
    Unavailable,
    /// The ceremony is unknown, expired, used already, or belongs to another browser.
    Expired,
    /// Refused; the code names the message (`passkey.<code>` in the catalogs) the page shows.
    Invalid(&'static str),
    Store(StoreError),
}

impl From<StoreError> for PasskeyError {
    fn from(e: StoreError) -> Self {
        PasskeyError::Store(e)
    }
}

impl IntoResponse for PasskeyError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            PasskeyError::Unavailable => (StatusCode::NOT_FOUND, "unavailable"),
            PasskeyError::Expired => (StatusCode::BAD_REQUEST, "expired"),
            PasskeyError::Invalid(code) => (StatusCode::BAD_REQUEST, code),
            PasskeyError::Store(e) => {
                let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": "busy"}))).into_response();
                response.extensions_mut().insert(crate::web::ErrorCause(e.to_string()));
                return response;
            }
        };
        (status, Json(json!({ "error": message }))).into_response()
    }
}

/// Options a registration can ask of the authenticator (registration tickets set them).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RegisterOptions {
    /// `false` allows a non-discoverable credential (sign-in then needs the username first).
    #[serde(default = "yes")]
    pub discoverable: bool,
    /// `platform` or `cross-platform`; any when absent.
    #[serde(default)]
    pub attachment: Option<String>,
}

fn yes() -> bool {
    true
}

impl Default for RegisterOptions {
    /// A discoverable credential on any authenticator.
    fn default() -> Self {
        RegisterOptions { discoverable: true, attachment: None }
    }
}

/// A ceremony in progress, kept in Ephemeral under `webauthn:{id}`.
#[derive(Serialize, Deserialize)]
enum Ceremony {
    /// `ticket`: the `jti` of the registration ticket that started it, if one did.
    Register {
        user_id: String,
        ticket: Option<String>,
        state: PasskeyRegistration,
    },
    Discover {
        state: DiscoverableAuthentication,
    },
    ForUser {
        user_id: String,
        state: PasskeyAuthentication,
    },
}

#[derive(Serialize, Deserialize)]
struct Pending {
    browser: String,
    ceremony: Ceremony,
}

fn key(id: &str) -> String {
    format!("webauthn:{id}")
}

fn webauthn(state: &Core) -> Result<&Webauthn, PasskeyError> {
    state.webauthn.as_ref().ok_or(PasskeyError::Unavailable)
}

async fn begin(state: &Core, browser: &[u8; 32], ceremony: Ceremony) -> Result<String, PasskeyError> {
    let id = crate::crypto::random_token();
    let pending = Pending { browser: crate::crypto::b64url(browser), ceremony };
    state.ephemeral.put_json(&key(&id), &pending, CEREMONY_TTL).await?;
    Ok(id)
}

/// Takes the ceremony (single use) and checks it was started by this browser.
async fn take(state: &Core, id: &str, browser: &[u8; 32]) -> Result<Ceremony, PasskeyError> {
    if id.is_empty() || id.len() > 64 {
        return Err(PasskeyError::Expired);
    }
    let pending: Pending = state.ephemeral.take_json(&key(id)).await?.ok_or(PasskeyError::Expired)?;
    if !crate::crypto::constant_time_eq(pending.browser.as_bytes(), crate::crypto::b64url(browser).as_bytes()) {
        return Err(PasskeyError::Expired);
    }
    Ok(pending.ceremony)
}

fn user_uuid(user: &UserId) -> Result<Uuid, PasskeyError> {
    Uuid::parse_str(&user.0).map_err(|_| PasskeyError::Invalid("account_cannot"))
}

/// The WebAuthn user handle the user's passkeys were created with (base64url), as the Signal
/// API names the account.
pub fn user_handle(user: &UserId) -> Option<String> {
    user_uuid(user).ok().map(|id| URL_SAFE_NO_PAD.encode(id.as_bytes()))
}

fn parse_passkey(stored: &StoredPasskey) -> Result<Passkey, PasskeyError> {
    serde_json::from_str(&stored.passkey).map_err(|e| PasskeyError::Store(StoreError::Corrupt(e.to_string())))
}

/// A passkey name: trimmed, at most 64 characters, never empty.
pub fn clean_name(name: &str) -> String {
    let name: String = name.trim().chars().filter(|c| !c.is_control()).take(64).collect();
    if name.is_empty() { "Passkey".into() } else { name }
}

/// The JSON body of a ceremony's second step.
#[derive(Deserialize)]
pub struct FinishBody {
    pub ceremony: String,
    pub credential: Value,
    #[serde(default)]
    pub name: Option<String>,
    /// Registration tickets only.
    #[serde(default)]
    pub ticket: Option<String>,
}

/// Parses a JSON request body into `T`, answering 400 with a message when it does not fit.
pub fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, PasskeyError> {
    serde_json::from_slice(body).map_err(|_| PasskeyError::Invalid("bad_request"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passkey_names_are_trimmed_bounded_and_never_empty() {
        assert_eq!(clean_name("  Work laptop \n"), "Work laptop");
        assert_eq!(clean_name(""), "Passkey");
        assert_eq!(clean_name(&"x".repeat(200)).len(), 64);
    }
}
