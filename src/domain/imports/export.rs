//! The export: every user with identifiers, proof, metadata and passkeys, one Tessera line each,
//! in id order a page at a time, so memory stays flat whatever the number of users.

use serde_json::{Value, json};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::cose;
use crate::model::{StoredPasskey, User, UserQuery};
use crate::store::{Directory, StoreError};

const PAGE: u32 = 500;

/// Writes every user to `out` as NDJSON; returns how many.
pub async fn export(directory: &dyn Directory, out: &mut (impl AsyncWrite + Unpin)) -> Result<u64, StoreError> {
    let mut query = UserQuery { limit: PAGE, ..Default::default() };
    let mut written = 0;
    loop {
        let page = directory.users(&query).await?;
        for user in &page {
            let passkeys = directory.passkeys_of_user(&user.id).await?;
            let mut line = serde_json::to_vec(&line_of(user, &passkeys)?).map_err(corrupt)?;
            line.push(b'\n');
            out.write_all(&line).await.map_err(|e| StoreError::Unavailable(format!("writing the export: {e}")))?;
            written += 1;
        }
        match page.last() {
            Some(last) if page.len() == PAGE as usize => query.after = Some(last.id.0.clone()),
            _ => break,
        }
    }
    out.flush().await.map_err(|e| StoreError::Unavailable(format!("writing the export: {e}")))?;
    Ok(written)
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// One user as a Tessera line. The external id is the one it was imported with, else its id.
pub fn line_of(user: &User, passkeys: &[StoredPasskey]) -> Result<Value, StoreError> {
    let passkeys = passkeys.iter().map(|p| {
        let portable = cose::from_stored(&p.passkey).map_err(corrupt)?;
        Ok(json!({
            "credential_id": p.cred_id,
            "public_key": crate::crypto::b64url(&portable.public_key),
            "sign_count": portable.sign_count,
            "transports": portable.transports,
            "backup_eligible": p.backup_eligible,
            "backup_state": p.backup_state,
            "user_verified": portable.user_verified,
            "aaguid": portable.aaguid,
            "name": p.name,
            "created_at": p.created_at,
            "last_used_at": p.last_used_at,
        }))
    });
    Ok(json!({
        "id": user.id.0,
        "external_id": user.external_id.as_deref().unwrap_or(&user.id.0),
        "email": user.email.as_ref().map(|e| e.as_str()),
        "email_verified": user.email_verified,
        "phone": user.phone.as_ref().map(|p| p.as_str()),
        "phone_verified": user.phone_verified,
        "active": user.active,
        "created_at": user.created_at,
        "metadata": user.metadata,
        "passkeys": passkeys.collect::<Result<Vec<_>, StoreError>>()?,
    }))
}
