//! Users, the consents they gave, and the queries and changes the directory takes for them.

use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;

use super::{Email, Identifier, Phone, UserId};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub email: Option<Email>,
    pub email_verified: bool,
    #[serde(default)]
    pub phone: Option<Phone>,
    #[serde(default)]
    pub phone_verified: bool,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
    pub active: bool,
    #[serde(default)]
    pub last_login_at: Option<UnixTime>,
    #[serde(default)]
    pub login_count: i64,
    /// The operator's own data about the user: a JSON object, never shown to the user.
    #[serde(default = "empty_object")]
    pub metadata: serde_json::Value,
    /// The user's id in the system they were imported from, if they were imported.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Granted the operator role (the console), by the CLI or the management API. The config's
    /// `[console] operators` can name more; `domain::operators` decides with both.
    #[serde(default)]
    pub operator: bool,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

/// Scopes a user granted a third-party client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent {
    pub client_id: String,
    pub scopes: Vec<String>,
    pub granted_at: UnixTime,
}

/// A page of users, in id order after a cursor, filtered.
#[derive(Clone, Debug, Default)]
pub struct UserQuery {
    pub after: Option<String>,
    pub limit: u32,
    pub active: Option<bool>,
    /// Created at or after.
    pub created_since: Option<UnixTime>,
    /// Created before.
    pub created_until: Option<UnixTime>,
}

impl UserQuery {
    /// Whether `user` passes the filters (the cursor and limit aside).
    pub fn admits(&self, user: &User) -> bool {
        self.active.is_none_or(|a| a == user.active)
            && self.created_since.is_none_or(|t| user.created_at >= t)
            && self.created_until.is_none_or(|t| user.created_at < t)
    }
}

/// A change to a user. `Some(None)` removes an identifier; a new identifier is unverified.
#[derive(Clone, Debug, Default)]
pub struct UserChange {
    pub email: Option<Option<Email>>,
    pub phone: Option<Option<Phone>>,
    pub metadata: Option<serde_json::Value>,
}

impl User {
    /// Where to reach the user: the email address, else the phone number.
    pub fn identifier(&self) -> Option<Identifier> {
        match (&self.email, &self.phone) {
            (Some(e), _) => Some(Identifier::Email(e.clone())),
            (None, Some(p)) => Some(Identifier::Phone(p.clone())),
            (None, None) => None,
        }
    }

    /// Whether `identifier` is this user's email address or phone number.
    pub fn owns(&self, identifier: &Identifier) -> bool {
        match identifier {
            Identifier::Email(e) => self.email.as_ref() == Some(e),
            Identifier::Phone(p) => self.phone.as_ref() == Some(p),
        }
    }
}

/// A user as an import brings them: identifiers with their proof, metadata and passkeys, all
/// written in one transaction. `id` is kept when it is free (a passkey's user handle names it).
#[derive(Clone, Debug)]
pub struct ImportedUser {
    pub external_id: String,
    pub id: Option<UserId>,
    pub email: Option<Email>,
    pub email_verified: bool,
    pub phone: Option<Phone>,
    pub phone_verified: bool,
    pub active: bool,
    pub created_at: Option<UnixTime>,
    pub metadata: serde_json::Value,
    pub passkeys: Vec<ImportedPasskey>,
}

/// A passkey as an import brings it: the webauthn-rs `Passkey` built from its public key.
#[derive(Clone, Debug)]
pub struct ImportedPasskey {
    pub cred_id: String,
    pub name: String,
    pub passkey: String,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub created_at: Option<UnixTime>,
    pub last_used_at: Option<UnixTime>,
}

/// What importing one user did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Imported {
    Created(UserId),
    /// A user with this external id exists already; nothing was written.
    Existing(UserId),
}

/// A browser SSO session: who signed in, when, and how (OIDC Core §2 `auth_time`, `amr`, `acr`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub user_id: UserId,
    /// When the user signed in (OIDC `auth_time`); also when the session began.
    pub auth_time: UnixTime,
    pub amr: Vec<String>,
    pub acr: String,
    pub expires_at: UnixTime,
    /// How the user signed in, as `login::finish` names it (`email_code`, `passkey`, ...); empty
    /// for sessions older than this field.
    #[serde(default)]
    pub method: String,
    /// The browser's `User-Agent`, cut to `device::STORED_LEN` characters.
    #[serde(default)]
    pub user_agent: String,
    /// When the session was last used; updated at most once a minute (`session::seen`).
    #[serde(default)]
    pub last_seen: UnixTime,
}
