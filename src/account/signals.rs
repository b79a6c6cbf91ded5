//! What the account page's script tells the browser's passkey provider through the WebAuthn
//! Signal API (`assets/passkey.js`): the passkeys the account still accepts, and one just removed.

use crate::domain::passkeys;
use crate::model::{Session, StoredPasskey};
use crate::state::AppState;
use crate::web::PageError;

/// What the Signal API is told.
pub struct Signals {
    pub rp_id: String,
    pub user_id: String,
    /// Credential ids, space-separated.
    pub accepted: String,
    pub removed: Option<String>,
}

/// What the Signal API is told, when passkeys are on. A removed credential is named only if no
/// account holds it any more: the URL cannot make a browser forget a passkey that still works.
pub async fn gather(
    state: &AppState,
    current: &Session,
    passkeys: &[StoredPasskey],
    gone: Option<String>,
) -> Result<Option<Signals>, PageError> {
    let (Some((rp_id, _)), Some(user_id)) = (state.config.webauthn_rp(), passkeys::user_handle(&current.user_id))
    else {
        return Ok(None);
    };
    // A credential id: base64url of at most 1023 bytes (WebAuthn §5.8.3).
    let base64url = |id: &str| id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let gone = gone.filter(|id| !id.is_empty() && id.len() <= 1364 && base64url(id));
    let removed = match gone {
        Some(id) if state.directory.passkey(&id).await?.is_none() => Some(id),
        _ => None,
    };
    let accepted = passkeys.iter().map(|p| p.cred_id.as_str()).collect::<Vec<_>>().join(" ");
    Ok(Some(Signals { rp_id, user_id, accepted, removed }))
}
