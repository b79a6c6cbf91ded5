//! The line formats an import reads: Tessera's own (what `export` writes) and Auth0's bulk user
//! export. Each turns one NDJSON line into an `ImportedUser`, or says what is wrong with it.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::cose::{self, Portable};
use crate::model::{Email, ImportedPasskey, ImportedUser, Phone, UserId};

/// A Tessera export line (`docs/import.md`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TesseraUser {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: bool,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub phone_verified: bool,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    #[serde(default)]
    pub passkeys: Vec<TesseraPasskey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TesseraPasskey {
    pub credential_id: String,
    pub public_key: String,
    #[serde(default)]
    pub sign_count: u32,
    #[serde(default)]
    pub transports: Vec<String>,
    #[serde(default)]
    pub backup_eligible: bool,
    #[serde(default)]
    pub backup_state: bool,
    #[serde(default = "yes")]
    pub user_verified: bool,
    #[serde(default)]
    pub aaguid: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub last_used_at: Option<i64>,
}

fn yes() -> bool {
    true
}

pub(super) fn tessera(line: &str) -> Result<ImportedUser, String> {
    let u: TesseraUser = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let external_id = u.external_id.or(u.id.clone()).ok_or("external_id: missing (or id)")?;
    let passkeys =
        u.passkeys.iter().enumerate().map(|(i, p)| tessera_passkey(p).map_err(|e| format!("passkeys[{i}].{e}")));
    Ok(ImportedUser {
        external_id: bounded_id(external_id)?,
        id: u.id.as_deref().and_then(keepable_id),
        email: email(u.email.as_deref())?,
        email_verified: u.email_verified,
        phone: phone(u.phone.as_deref())?,
        phone_verified: u.phone_verified,
        active: u.active,
        created_at: u.created_at,
        metadata: Value::Object(u.metadata.unwrap_or_default()),
        passkeys: passkeys.collect::<Result<_, _>>()?,
    })
}

fn tessera_passkey(p: &TesseraPasskey) -> Result<ImportedPasskey, String> {
    let portable = Portable {
        cred_id: bytes(&p.credential_id).ok_or("credential_id: not base64url")?,
        public_key: bytes(&p.public_key).ok_or("public_key: not base64url")?,
        sign_count: p.sign_count,
        transports: p.transports.clone(),
        backup_eligible: p.backup_eligible,
        backup_state: p.backup_state,
        user_verified: p.user_verified,
        aaguid: p.aaguid.as_deref().map(aaguid).transpose()?,
    };
    passkey(&portable, p.name.as_deref(), p.created_at, p.last_used_at)
}

/// A stored passkey from its portable form.
pub(super) fn passkey(
    p: &Portable,
    name: Option<&str>,
    created_at: Option<i64>,
    last_used_at: Option<i64>,
) -> Result<ImportedPasskey, String> {
    Ok(ImportedPasskey {
        cred_id: crate::crypto::b64url(&p.cred_id),
        name: crate::domain::passkeys::clean_name(name.unwrap_or_default()),
        passkey: cose::to_stored(p)?,
        backup_eligible: p.backup_eligible,
        backup_state: p.backup_state,
        created_at,
        last_used_at,
    })
}

/// An Auth0 bulk user export line (`GET /api/v2/jobs/{id}` → the job's `location`, NDJSON).
#[derive(Deserialize)]
struct Auth0User {
    user_id: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: bool,
    #[serde(default)]
    phone_number: Option<String>,
    #[serde(default)]
    phone_verified: bool,
    #[serde(default)]
    blocked: bool,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    user_metadata: Option<Value>,
    #[serde(default)]
    app_metadata: Option<Value>,
}

pub(super) fn auth0(line: &str) -> Result<ImportedUser, String> {
    let u: Auth0User = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let mut metadata = Map::new();
    for (key, value) in [("user_metadata", u.user_metadata), ("app_metadata", u.app_metadata)] {
        if let Some(value) = value.filter(|v| !v.is_null()) {
            metadata.insert(key.into(), value);
        }
    }
    Ok(ImportedUser {
        external_id: bounded_id(u.user_id)?,
        id: None,
        email: email(u.email.as_deref())?,
        email_verified: u.email_verified,
        phone: phone(u.phone_number.as_deref())?,
        phone_verified: u.phone_verified,
        active: !u.blocked,
        created_at: u.created_at.as_deref().map(rfc3339).transpose()?,
        metadata: Value::Object(metadata),
        passkeys: vec![],
    })
}

/// An external id: 1 to 255 characters.
pub(super) fn bounded_id(id: String) -> Result<String, String> {
    match id.chars().count() {
        1..=255 => Ok(id),
        _ => Err("external id: must be 1 to 255 characters".into()),
    }
}

/// A source user id Tessera can keep as its own: a UUID, the form of its user ids and handles.
pub(super) fn keepable_id(id: &str) -> Option<UserId> {
    uuid::Uuid::parse_str(id).ok().map(|u| UserId(u.to_string()))
}

pub(super) fn email(value: Option<&str>) -> Result<Option<Email>, String> {
    value.filter(|v| !v.is_empty()).map(|v| v.parse().map_err(|e: &str| format!("email: {e}"))).transpose()
}

pub(super) fn phone(value: Option<&str>) -> Result<Option<Phone>, String> {
    value.filter(|v| !v.is_empty()).map(|v| Phone::parse(v, None).map_err(|e| format!("phone: {e}"))).transpose()
}

pub(super) fn aaguid(value: &str) -> Result<webauthn_rs::prelude::Uuid, String> {
    webauthn_rs::prelude::Uuid::parse_str(value).map_err(|_| format!("aaguid: not a UUID: {value:.40}"))
}

/// Base64 in any of its spellings (standard or URL-safe, padded or not), as vendors differ.
pub(super) fn bytes(value: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let trimmed = value.trim_end_matches('=');
    URL_SAFE_NO_PAD.decode(trimmed).or_else(|_| STANDARD_NO_PAD.decode(trimmed)).ok()
}

/// An RFC 3339 date as Unix seconds.
pub(super) fn rfc3339(value: &str) -> Result<i64, String> {
    let parsed = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339);
    parsed.map(|t| t.unix_timestamp()).map_err(|_| format!("date: not RFC 3339: {value:.40}"))
}
