//! Signing in with a passkey: a discoverable (or identifier-first) challenge, then the
//! assertion checked against the stored credential, whose counter and use time are updated.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use webauthn_rs::prelude::{Passkey, PublicKeyCredential, Uuid, WebauthnError};

use super::{Ceremony, PasskeyError, begin, parse_passkey, take, webauthn};
use crate::domain::Core;
use crate::domain::embedded_passkeys::hosted;
use crate::model::{AppPasskey, StoredPasskey, User, UserId};

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
        Some(u) => {
            let mut mine = state.directory.passkeys_of_user(&u.id).await?;
            mine.extend(hosted::of_user(state, &u.id).await?);
            mine
        }
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

/// The stored credential: Tessera's own, or one made on the page of an application whose users
/// and RP id are Tessera's (`embedded_passkeys::hosted`), returned too so its use is recorded there.
async fn registered(state: &Core, cred_id: &str) -> Result<(StoredPasskey, Option<AppPasskey>), PasskeyError> {
    if let Some(stored) = state.directory.passkey(cred_id).await? {
        return Ok((stored, None));
    }
    match hosted::find(state, cred_id).await? {
        Some(p) => Ok((hosted::as_stored(&p), Some(p))),
        None => Err(PasskeyError::Invalid("not_registered")),
    }
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
    let (stored, embedded) = registered(state, &cred_id).await?;
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
    match embedded {
        Some(p) => hosted::used(state, p, json, result.backup_state()).await?,
        None => state.directory.passkey_used(&cred_id, &json, result.backup_state(), state.clock.now()).await?,
    }
    let synced = result.backup_eligible();
    let mut amr = vec![if synced { "swk" } else { "hwk" }.to_string(), "user".to_string()];
    if result.user_verified() {
        amr.push("mfa".into());
    }
    let acr = if synced { crate::model::ACR_PHR } else { crate::model::ACR_PHRH };
    Ok(Verified { user_id: stored.user_id, amr, acr })
}
