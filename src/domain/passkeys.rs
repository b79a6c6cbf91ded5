//! Passkeys (WebAuthn through webauthn-rs): registration and authentication ceremonies whose
//! state lives only in Ephemeral (bound to the browser, single use, 5 minutes), the stored
//! credentials, and what a passkey sign-in proves (`amr`, `acr`). Pages and routes that use
//! them live in `login::passkey`, `account` and `passkeys::tickets`.

pub mod tickets;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use webauthn_rs::prelude::{
    CredentialID, DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Uuid, Webauthn, WebauthnBuilder, WebauthnError,
};

use crate::domain::Core;
use crate::model::{StoredPasskey, User, UserId};
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

/// Starts registering a passkey for `user`; returns the ceremony id and the options for
/// `PublicKeyCredential.parseCreationOptionsFromJSON`.
pub async fn start_registration(
    state: &Core,
    browser: &[u8; 32],
    user: &User,
    username: &str,
    options: &RegisterOptions,
    ticket: Option<&str>,
) -> Result<(String, Value), PasskeyError> {
    let wa = webauthn(state)?;
    let existing = state.directory.passkeys_of_user(&user.id).await?;
    let exclude: Vec<CredentialID> = existing.iter().filter_map(|p| URL_SAFE_NO_PAD.decode(&p.cred_id).ok()).collect();
    let (challenge, registration) = wa
        .start_passkey_registration(user_uuid(&user.id)?, username, username, Some(exclude))
        .map_err(|_| PasskeyError::Invalid("account_cannot"))?;
    let mut public_key = serde_json::to_value(&challenge.public_key).map_err(|_| PasskeyError::Unavailable)?;
    // webauthn-rs asks for a non-discoverable key; sign-in without a username needs a resident one.
    let selection = &mut public_key["authenticatorSelection"];
    selection["residentKey"] = json!(if options.discoverable { "required" } else { "discouraged" });
    selection["requireResidentKey"] = json!(options.discoverable);
    if let Some(attachment) = &options.attachment {
        selection["authenticatorAttachment"] = json!(attachment);
    }
    let ceremony =
        Ceremony::Register { user_id: user.id.0.clone(), ticket: ticket.map(str::to_owned), state: registration };
    let id = begin(state, browser, ceremony).await?;
    Ok((id, public_key))
}

/// Finishes a registration: verifies the attestation against the ceremony and stores the passkey.
/// Who may finish a registration: the signed-in user (no ticket), or a ticket's holder.
pub enum Registrant<'a> {
    User(&'a UserId),
    /// The ticket's user and `jti`; spent here, once the attestation has been verified.
    Ticket {
        user: &'a UserId,
        jti: &'a str,
        spend: &'a tickets::Spend,
    },
}

pub async fn finish_registration(
    state: &Core,
    browser: &[u8; 32],
    ceremony: &str,
    credential: Value,
    name: String,
    registrant: Registrant<'_>,
) -> Result<StoredPasskey, PasskeyError> {
    let wa = webauthn(state)?;
    let Ceremony::Register { user_id, ticket, state: registration } = take(state, ceremony, browser).await? else {
        return Err(PasskeyError::Expired);
    };
    // The ceremony must be finished by whoever started it: the same user, the same ticket.
    let matches = match &registrant {
        Registrant::User(user) => ticket.is_none() && user.0 == user_id,
        Registrant::Ticket { user, jti, .. } => ticket.as_deref() == Some(*jti) && user.0 == user_id,
    };
    if !matches {
        return Err(PasskeyError::Expired);
    }
    let credential: RegisterPublicKeyCredential =
        serde_json::from_value(credential).map_err(|_| PasskeyError::Invalid("unreadable"))?;
    let passkey = wa.finish_passkey_registration(&credential, &registration).map_err(|e| {
        tracing::info!(error = %e, "passkey registration refused");
        PasskeyError::Invalid("not_verified")
    })?;
    let json = serde_json::to_value(&passkey).map_err(|_| PasskeyError::Unavailable)?;
    let flag = |name: &str| json["cred"][name].as_bool().unwrap_or(false);
    let stored = StoredPasskey {
        cred_id: URL_SAFE_NO_PAD.encode(passkey.cred_id()),
        user_id: UserId(user_id),
        name: clean_name(&name),
        passkey: json.to_string(),
        backup_eligible: flag("backup_eligible"),
        backup_state: flag("backup_state"),
        created_at: state.clock.now(),
        last_used_at: None,
    };
    if let Registrant::Ticket { spend, .. } = registrant
        && !spend.spend(state).await?
    {
        return Err(PasskeyError::Invalid(tickets::SPENT));
    }
    match state.directory.insert_passkey(&stored).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => return Err(PasskeyError::Invalid("duplicate")),
        Err(e) => return Err(e.into()),
    }
    let detail = json!({"cred_id": stored.cred_id, "name": stored.name, "synced": stored.backup_eligible});
    state.audit("passkey_added", Some(&stored.user_id), None, None, detail);
    Ok(stored)
}

/// Starts a sign-in. Without a typed identifier, any discoverable passkey. With one, only the
/// passkeys of its user; an address with no user or no passkey gets a decoy credential id
/// derived from the address, so the answer has the same shape either way.
pub async fn start_authentication(
    state: &Core,
    browser: &[u8; 32],
    typed: Option<(&str, Option<&User>)>,
) -> Result<(String, Value), PasskeyError> {
    let wa = webauthn(state)?;
    let user = typed.and_then(|(_, u)| u);
    let mine = match user {
        Some(u) => state.directory.passkeys_of_user(&u.id).await?,
        None => Vec::new(),
    };
    if let (Some((identifier, _)), true) = (typed, mine.is_empty()) {
        let (challenge, auth) = wa.start_discoverable_authentication().map_err(|_| PasskeyError::Unavailable)?;
        let mut options = serde_json::to_value(&challenge.public_key).map_err(|_| PasskeyError::Unavailable)?;
        // Shaped like the options for a user's own passkeys, which carry no extensions.
        if let Some(fields) = options.as_object_mut() {
            fields.remove("extensions");
        }
        options["allowCredentials"] = decoy_credentials(&state.secret, identifier);
        return Ok((begin(state, browser, Ceremony::Discover { state: auth }).await?, options));
    }
    let (id, options) = match (user, mine.is_empty()) {
        (Some(user), false) => {
            let keys: Vec<Passkey> = mine.iter().map(parse_passkey).collect::<Result<_, _>>()?;
            let (challenge, auth) = wa.start_passkey_authentication(&keys).map_err(|_| PasskeyError::Unavailable)?;
            let ceremony = Ceremony::ForUser { user_id: user.id.0.clone(), state: auth };
            (begin(state, browser, ceremony).await?, challenge.public_key)
        }
        _ => {
            let (challenge, auth) = wa.start_discoverable_authentication().map_err(|_| PasskeyError::Unavailable)?;
            (begin(state, browser, Ceremony::Discover { state: auth }).await?, challenge.public_key)
        }
    };
    Ok((id, serde_json::to_value(&options).map_err(|_| PasskeyError::Unavailable)?))
}

/// One or two credential ids derived from the identifier (the same every time), described as
/// the stored passkeys are: a type and a 32-byte id.
fn decoy_credentials(secret: &[u8], identifier: &str) -> Value {
    let seed = crate::crypto::keyed_hash(secret, &[b"decoy-credential", identifier.as_bytes()]);
    let count = 1 + usize::from(seed[0].is_multiple_of(3));
    let ids = (0..count as u8).map(|i| {
        let id = crate::crypto::keyed_hash(secret, &[b"decoy-credential", identifier.as_bytes(), &[i]]);
        json!({"type": "public-key", "id": URL_SAFE_NO_PAD.encode(id)})
    });
    Value::Array(ids.collect())
}

/// What a verified passkey assertion proves.
pub struct Verified {
    pub user_id: UserId,
    pub amr: Vec<String>,
    pub acr: &'static str,
}

/// Finishes a sign-in: the credential must be registered, belong to the user its handle names
/// (and the ceremony expected), carry a valid signature over this ceremony's challenge from an
/// allowed origin, and not move its counter backwards.
pub async fn finish_authentication(
    state: &Core,
    browser: &[u8; 32],
    ceremony: &str,
    credential: Value,
) -> Result<Verified, PasskeyError> {
    let wa = webauthn(state)?;
    let ceremony = take(state, ceremony, browser).await?;
    let credential: PublicKeyCredential =
        serde_json::from_value(credential).map_err(|_| PasskeyError::Invalid("unreadable"))?;
    let refused = PasskeyError::Invalid("not_verified");
    let cred_id = URL_SAFE_NO_PAD.encode(credential.get_credential_id());
    let Some(stored) = state.directory.passkey(&cred_id).await? else {
        return Err(PasskeyError::Invalid("not_registered"));
    };
    let mut passkey = parse_passkey(&stored)?;
    let handle: Option<Vec<u8>> = credential.response.user_handle.as_ref().map(|h| h.to_vec());
    if handle.is_some_and(|h| Uuid::from_slice(&h).ok() != Uuid::parse_str(&stored.user_id.0).ok()) {
        tracing::warn!(cred_id = %cred_id, "passkey assertion names another user than the credential's owner");
        return Err(refused);
    }
    let result = match ceremony {
        Ceremony::Discover { state: auth } => wa.finish_discoverable_authentication_v2(&credential, auth, &passkey),
        Ceremony::ForUser { user_id, state: auth } if user_id == stored.user_id.0 => {
            wa.finish_passkey_authentication(&credential, &auth)
        }
        _ => return Err(refused),
    };
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            let reason = match e {
                WebauthnError::CredentialPossibleCompromise => "counter_went_backwards",
                WebauthnError::InvalidRPOrigin => "wrong_origin",
                WebauthnError::MismatchedChallenge => "wrong_challenge",
                _ => "verification_failed",
            };
            tracing::warn!(cred_id = %cred_id, error = %e, reason, "passkey sign-in refused");
            let detail = json!({"method": "passkey", "reason": reason, "cred_id": cred_id});
            state.audit("sign_in_failed", Some(&stored.user_id), None, None, detail);
            return Err(refused);
        }
    };
    passkey.update_credential(&result);
    let json = serde_json::to_string(&passkey).map_err(|_| PasskeyError::Unavailable)?;
    state.directory.passkey_used(&cred_id, &json, result.backup_state(), state.clock.now()).await?;
    let synced = result.backup_eligible();
    let mut amr = vec![if synced { "swk" } else { "hwk" }.to_string(), "user".to_string()];
    if result.user_verified() {
        amr.push("mfa".into());
    }
    let acr = if synced { crate::model::ACR_PHR } else { crate::model::ACR_PHRH };
    Ok(Verified { user_id: stored.user_id, amr, acr })
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

/// Turns a `303 See Other` (with its cookies) into `200 {"redirect": …}` for a script that
/// navigates itself.
pub fn redirect_as_json(response: Response) -> Response {
    let (mut parts, _) = response.into_parts();
    let location = parts.headers.remove(axum::http::header::LOCATION);
    let to = location.as_ref().and_then(|l| l.to_str().ok()).unwrap_or("/").to_string();
    parts.status = StatusCode::OK;
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let body = Json(json!({ "redirect": to })).into_response();
    let (body_parts, body) = body.into_parts();
    parts.headers.extend(body_parts.headers);
    Response::from_parts(parts, body)
}

/// The `x-csrf-token` header, compared in constant time with `expected`.
pub fn csrf_ok(headers: &axum::http::HeaderMap, expected: &str) -> bool {
    let token = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
    !token.is_empty() && crate::crypto::constant_time_eq(token.as_bytes(), expected.as_bytes())
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
