//! An application's users as its backend manages them: their passkeys (listed, deleted), their
//! aliases (set as a whole, listed; kept as keyed hashes, with the plain text only when asked),
//! and the users themselves (listed, deleted with everything they have).

use serde::Serialize;
use serde_json::{Value, json};

use super::{Embedded, EmbeddedError, apps, rfc3339};
use crate::domain::Core;
use crate::model::{AppAlias, AppPasskey, AppUser, EmbeddedApp};

/// At most this many aliases per user, each at most this long (Passwordless.dev's limits).
const MAX_ALIASES: usize = 10;
const MAX_ALIAS_LEN: usize = 250;

/// An application's user id: 1 to 256 characters, none of them control characters.
pub fn check_user_id(user_id: &str) -> Embedded<()> {
    if user_id.is_empty() {
        return Err(EmbeddedError::bad("missing_userid", "The UserId field is required."));
    }
    if user_id.chars().count() > 256 || user_id.chars().any(char::is_control) {
        return Err(EmbeddedError::argument("The UserId must be 1-256 characters without control characters."));
    }
    Ok(())
}

pub fn check_aliases(aliases: &[String]) -> Embedded<()> {
    if aliases.len() > MAX_ALIASES {
        return Err(EmbeddedError::argument(format!("At most {MAX_ALIASES} aliases are allowed.")));
    }
    if aliases.iter().any(|a| a.is_empty() || a.chars().count() > MAX_ALIAS_LEN) {
        return Err(EmbeddedError::argument(format!("An alias must be 1-{MAX_ALIAS_LEN} characters.")));
    }
    Ok(())
}

/// The aliases as stored: hashed, with the plain text only when hashing is off.
pub fn hashed(core: &Core, app_id: &str, aliases: &[String], hashing: bool) -> Vec<AppAlias> {
    let mut out: Vec<AppAlias> = aliases
        .iter()
        .map(|a| AppAlias { hash: apps::alias_hash(core, app_id, a), plaintext: (!hashing).then(|| a.clone()) })
        .collect();
    out.sort_by(|a, b| a.hash.cmp(&b.hash));
    out.dedup_by(|a, b| a.hash == b.hash);
    out
}

/// Replaces the user's aliases; `alias_conflict` (and no change) if one is another user's.
pub async fn store_aliases(core: &Core, app_id: &str, user_id: &str, aliases: &[AppAlias]) -> Embedded<()> {
    match core.directory.set_app_aliases(app_id, user_id, aliases).await {
        Err(crate::store::StoreError::Conflict) => {
            Err(EmbeddedError::status(409, "alias_conflict", "Alias is already in use by another userid"))
        }
        other => Ok(other?),
    }
}

/// `POST /alias`.
pub async fn set_aliases(
    core: &Core,
    app: &EmbeddedApp,
    user_id: &str,
    aliases: &[String],
    hashing: bool,
) -> Embedded<()> {
    check_user_id(user_id)?;
    check_aliases(aliases)?;
    store_aliases(core, &app.id, user_id, &hashed(core, &app.id, aliases, hashing)).await?;
    core.audit("embedded_aliases_set", None, Some(&app.id), None, json!({"app_user": user_id, "count": aliases.len()}));
    Ok(())
}

/// One alias as `/alias/list` shows it: Passwordless.dev's `AliasPointer`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AliasPointer {
    pub user_id: String,
    pub alias: String,
    pub plaintext: Option<String>,
}

pub async fn list_aliases(core: &Core, app: &EmbeddedApp, user_id: &str) -> Embedded<Vec<AliasPointer>> {
    check_user_id(user_id)?;
    let aliases = core.directory.app_aliases_of_user(&app.id, user_id).await?;
    let pointer = |a: AppAlias| AliasPointer { user_id: user_id.into(), alias: a.hash, plaintext: a.plaintext };
    Ok(aliases.into_iter().map(pointer).collect())
}

/// One passkey as `/credentials/list` shows it: Passwordless.dev's `StoredCredential`.
pub fn credential_view(p: &AppPasskey) -> Value {
    let stored: Value = serde_json::from_str(&p.passkey).unwrap_or_default();
    json!({
        "descriptor": {"type": "public-key", "id": p.cred_id},
        "userHandle": p.user_handle,
        "signatureCounter": stored["cred"]["counter"],
        "attestationFmt": "none",
        "createdAt": rfc3339(p.created_at),
        "lastUsedAt": p.last_used_at.map(rfc3339),
        "aaGuid": p.aaguid,
        "rpid": p.rp_id,
        "origin": p.origin,
        "country": "",
        "device": p.device,
        "nickname": p.nickname,
        "userId": p.user_id,
        "backupState": p.backup_state,
        "isBackupEligible": p.backup_eligible,
        "isDiscoverable": p.discoverable,
    })
}

pub async fn credentials(core: &Core, app: &EmbeddedApp, user_id: &str) -> Embedded<Vec<Value>> {
    check_user_id(user_id)?;
    Ok(core.directory.app_passkeys_of_user(&app.id, user_id).await?.iter().map(credential_view).collect())
}

/// `POST /credentials/delete`. Deleting an unknown credential succeeds, as Passwordless.dev's.
pub async fn delete_credential(core: &Core, app: &EmbeddedApp, cred_id: &str) -> Embedded<()> {
    if cred_id.is_empty() {
        return Err(EmbeddedError::argument("The CredentialId field is required."));
    }
    if core.directory.delete_app_passkey(&app.id, cred_id).await? {
        core.audit("embedded_passkey_removed", None, Some(&app.id), None, json!({"cred_id": cred_id}));
    }
    Ok(())
}

/// One user as `/users/list` shows it: Passwordless.dev's `UserSummary`.
pub fn user_view(u: &AppUser) -> Value {
    json!({
        "userId": u.user_id,
        "aliasCount": u.alias_count,
        "aliases": u.aliases,
        "credentialsCount": u.credentials,
        "lastUsedAt": u.last_used_at.map(rfc3339),
    })
}

pub async fn list_users(core: &Core, app: &EmbeddedApp) -> Embedded<Vec<Value>> {
    Ok(core.directory.app_users(&app.id).await?.iter().map(user_view).collect())
}

/// `POST /users/delete`: the user's passkeys and aliases.
pub async fn delete_user(core: &Core, app: &EmbeddedApp, user_id: &str) -> Embedded<()> {
    check_user_id(user_id)?;
    core.directory.delete_app_user(&app.id, user_id).await?;
    core.audit("embedded_user_deleted", None, Some(&app.id), None, json!({"app_user": user_id}));
    Ok(())
}
