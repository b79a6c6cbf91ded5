//! Passkeys of applications whose users are Tessera's (`tessera_users`) and whose RP id is
//! Tessera's: they were made on the application's pages, for a Tessera user's handle, so they
//! also sign in on Tessera's own pages (and through OIDC), and show on the account page. An
//! application can so start embedded and add single sign-on later without new passkeys.

use serde_json::json;

use super::apps;
use crate::domain::Core;
use crate::model::{AppPasskey, EmbeddedApp, StoredPasskey, UserId};
use crate::store::StoreResult;

/// The applications whose passkeys Tessera's pages accept.
async fn eligible(core: &Core) -> StoreResult<Vec<EmbeddedApp>> {
    let Some((rp_id, _)) = core.config.webauthn_rp() else { return Ok(Vec::new()) };
    Ok(apps::all(core).await?.into_iter().filter(|a| a.tessera_users && a.rp_id == rp_id).collect())
}

/// The application passkey with this credential id, if Tessera's pages accept it.
pub async fn find(core: &Core, cred_id: &str) -> StoreResult<Option<AppPasskey>> {
    for app in eligible(core).await? {
        if let Some(found) = core.directory.app_passkey(&app.id, cred_id).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// An application passkey in the shape of Tessera's own.
pub fn as_stored(p: &AppPasskey) -> StoredPasskey {
    StoredPasskey {
        cred_id: p.cred_id.clone(),
        user_id: UserId(p.user_id.clone()),
        name: p.nickname.clone().unwrap_or_else(|| p.device.clone()),
        passkey: p.passkey.clone(),
        backup_eligible: p.backup_eligible,
        backup_state: p.backup_state,
        created_at: p.created_at,
        last_used_at: p.last_used_at,
    }
}

/// The user's passkeys made on applications' pages, oldest first.
pub async fn of_user(core: &Core, user: &UserId) -> StoreResult<Vec<StoredPasskey>> {
    let mut out = Vec::new();
    for app in eligible(core).await? {
        out.extend(core.directory.app_passkeys_of_user(&app.id, &user.0).await?.iter().map(as_stored));
    }
    Ok(out)
}

/// Records a sign-in on Tessera's pages with an application passkey.
pub async fn used(core: &Core, p: AppPasskey, passkey: String, backup_state: bool) -> StoreResult<()> {
    let detail = json!({"app": p.app_id, "cred_id": p.cred_id});
    let updated = AppPasskey { passkey, backup_state, ..p };
    core.directory.app_passkey_used(&updated, core.clock.now()).await?;
    core.audit("embedded_passkey_used_on_hosted_pages", Some(&UserId(updated.user_id.clone())), None, None, detail);
    Ok(())
}

/// Removes one of the user's application passkeys (from the account page); `false` if none.
pub async fn remove(core: &Core, user: &UserId, cred_id: &str) -> StoreResult<bool> {
    for app in eligible(core).await? {
        let mine = core.directory.app_passkey(&app.id, cred_id).await?.is_some_and(|p| p.user_id == user.0);
        if mine && core.directory.delete_app_passkey(&app.id, cred_id).await? {
            return Ok(true);
        }
    }
    Ok(false)
}
