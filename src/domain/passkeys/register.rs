//! Registering a passkey: options bound to this browser, then the verified credential stored
//! for the signed-in user or the ticket's user.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use webauthn_rs::prelude::{CredentialID, RegisterPublicKeyCredential};

use super::tickets;
use super::{Ceremony, PasskeyError, RegisterOptions, begin, clean_name, take, user_uuid, webauthn};
use crate::domain::Core;
use crate::model::{StoredPasskey, User, UserId};
use crate::store::StoreError;

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
