//! Passkey vendors' dumps: Passage (a user with its `webauthn_devices`) and Passwordless.dev (one
//! user's credentials as `GET /credentials/list` returns them). Both carry the public keys, so
//! the passkeys keep working once their RP id is this Tessera's.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::cose::Portable;
use super::formats::{aaguid, bounded_id, bytes, email, keepable_id, passkey, phone, rfc3339};
use crate::model::ImportedUser;

/// A Passage user (its Get User answer) with the public keys of its devices.
#[derive(Deserialize)]
struct PassageUser {
    id: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: bool,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    phone_verified: bool,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    user_metadata: Option<Map<String, Value>>,
    #[serde(default)]
    webauthn_devices: Vec<PassageDevice>,
}

#[derive(Deserialize)]
struct PassageDevice {
    cred_id: String,
    public_key: String,
    #[serde(default)]
    sign_count: u32,
    #[serde(default)]
    friendly_name: Option<String>,
    #[serde(default)]
    transports: Vec<String>,
    #[serde(default)]
    backup_eligible: bool,
    #[serde(default)]
    backup_state: bool,
    #[serde(default)]
    aaguid: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    last_login_at: Option<String>,
}

pub(super) fn passage(line: &str) -> Result<ImportedUser, String> {
    let u: PassageUser = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let devices = u.webauthn_devices.iter().enumerate();
    let passkeys = devices.map(|(i, d)| passage_device(d).map_err(|e| format!("webauthn_devices[{i}].{e}")));
    Ok(ImportedUser {
        external_id: bounded_id(u.id)?,
        id: None,
        email: email(u.email.as_deref())?,
        email_verified: u.email_verified,
        phone: phone(u.phone.as_deref())?,
        phone_verified: u.phone_verified,
        active: u.status.as_deref() != Some("inactive"),
        created_at: u.created_at.as_deref().map(rfc3339).transpose()?,
        metadata: Value::Object(u.user_metadata.unwrap_or_default()),
        passkeys: passkeys.collect::<Result<_, _>>()?,
    })
}

fn passage_device(d: &PassageDevice) -> Result<crate::model::ImportedPasskey, String> {
    let portable = Portable {
        cred_id: bytes(&d.cred_id).ok_or("cred_id: not base64")?,
        public_key: bytes(&d.public_key).ok_or("public_key: not base64")?,
        sign_count: d.sign_count,
        transports: d.transports.clone(),
        backup_eligible: d.backup_eligible,
        backup_state: d.backup_state,
        user_verified: true,
        aaguid: d.aaguid.as_deref().map(aaguid).transpose()?,
    };
    let created = d.created_at.as_deref().map(rfc3339).transpose()?;
    let used = d.last_login_at.as_deref().map(rfc3339).transpose()?;
    passkey(&portable, d.friendly_name.as_deref(), created, used)
}

/// Passwordless.dev's `StoredCredential`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Credential {
    descriptor: Descriptor,
    public_key: String,
    #[serde(default)]
    signature_counter: u32,
    #[serde(default)]
    aa_guid: Option<String>,
    #[serde(default)]
    user_handle: Option<String>,
    user_id: String,
    #[serde(default)]
    rpid: Option<String>,
    #[serde(default)]
    nickname: Option<String>,
    #[serde(default)]
    device: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    last_used_at: Option<String>,
    #[serde(default)]
    backup_state: Option<bool>,
    #[serde(default)]
    is_backup_eligible: Option<bool>,
    #[serde(default)]
    transports: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Descriptor {
    id: String,
    #[serde(default)]
    transports: Option<Vec<String>>,
}

/// A line: `{"values": [...]}` as the list answers, or the bare array; all of one user.
#[derive(Deserialize)]
#[serde(untagged)]
enum Listing {
    Answer { values: Vec<Credential> },
    Bare(Vec<Credential>),
}

pub(super) fn passwordless(line: &str, rp_id: Option<&str>) -> Result<ImportedUser, String> {
    let (Listing::Answer { values } | Listing::Bare(values)) = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let first = values.first().ok_or("values: no credentials")?;
    if let Some(other) = values.iter().find(|c| c.user_id != first.user_id) {
        return Err(format!("values: credentials of two users ({:.40} and {:.40})", first.user_id, other.user_id));
    }
    let mut passkeys = Vec::with_capacity(values.len());
    for (i, c) in values.iter().enumerate() {
        passkeys.push(passwordless_credential(c, rp_id).map_err(|e| format!("values[{i}].{e}"))?);
    }
    // The user handle is the id the authenticator returns at sign-in: kept when it is a UUID.
    let handle = first.user_handle.as_deref().and_then(bytes);
    let id = handle.and_then(|h| uuid::Uuid::from_slice(&h).ok()).and_then(|u| keepable_id(&u.to_string()));
    Ok(ImportedUser {
        external_id: bounded_id(first.user_id.clone())?,
        id,
        email: None,
        email_verified: false,
        phone: None,
        phone_verified: false,
        active: true,
        created_at: first.created_at.as_deref().map(rfc3339).transpose()?,
        metadata: Value::Object(Map::new()),
        passkeys,
    })
}

fn passwordless_credential(c: &Credential, rp_id: Option<&str>) -> Result<crate::model::ImportedPasskey, String> {
    if let (Some(theirs), Some(ours)) = (c.rpid.as_deref(), rp_id)
        && theirs != ours
    {
        return Err(format!("rpid: made for {theirs:.60}, this Tessera's RP id is {ours}"));
    }
    let transports = c.transports.as_ref().or(c.descriptor.transports.as_ref()).cloned().unwrap_or_default();
    let portable = Portable {
        cred_id: bytes(&c.descriptor.id).ok_or("descriptor.id: not base64")?,
        public_key: bytes(&c.public_key).ok_or("publicKey: not base64")?,
        sign_count: c.signature_counter,
        transports,
        backup_eligible: c.is_backup_eligible.unwrap_or(false),
        backup_state: c.backup_state.unwrap_or(false),
        user_verified: true,
        aaguid: c.aa_guid.as_deref().map(aaguid).transpose()?,
    };
    let name = c.nickname.as_deref().or(c.device.as_deref());
    let created = c.created_at.as_deref().map(rfc3339).transpose()?;
    let used = c.last_used_at.as_deref().map(rfc3339).transpose()?;
    passkey(&portable, name, created, used)
}
