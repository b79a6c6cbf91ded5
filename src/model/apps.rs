//! Applications with embedded passkeys: the application's relying party (RP id and the origins
//! its pages and apps run on), its keys, and the passkeys and aliases of its own users, whose
//! ids are the application's strings, not Tessera users.

use serde::{Deserialize, Serialize};

use crate::clock::UnixTime;

/// An application that runs passkey ceremonies on its own pages (the Passwordless.dev model).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmbeddedApp {
    /// Also the prefix of its keys: `{id}:public:…`, `{id}:secret:…`.
    pub id: String,
    pub name: String,
    /// The WebAuthn relying-party id its passkeys are bound to (a domain).
    pub rp_id: String,
    /// Exact origins the ceremonies may run on: web origins, `android:apk-key-hash:…`.
    pub origins: Vec<String>,
    /// Sent by browsers (`ApiKey`); not secret.
    pub public_key: String,
    /// SHA-256 of the backend's `ApiSecret`.
    pub secret_hash: [u8; 32],
    /// Whether the backend may mint a sign-in token for a user (`/signin/generate-token`).
    pub generate_sign_in_tokens: bool,
    /// Its user ids are Tessera user ids: its passkeys then also sign in on Tessera's own pages
    /// (when the RP ids match) and show on the account page.
    #[serde(default)]
    pub tessera_users: bool,
    pub created_at: UnixTime,
}

/// A passkey of one application's user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppPasskey {
    pub app_id: String,
    /// Base64url without padding; unique within the application.
    pub cred_id: String,
    /// The application's own user id.
    pub user_id: String,
    /// The webauthn-rs `Passkey` as JSON (public key, counter, flags).
    pub passkey: String,
    /// The WebAuthn user handle the credential was made with (base64url).
    pub user_handle: String,
    pub nickname: Option<String>,
    /// Where it was registered: the RP id and the origin of the page.
    pub rp_id: String,
    pub origin: String,
    /// The browser or device that registered it, from its `User-Agent`.
    pub device: String,
    pub aaguid: String,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub discoverable: Option<bool>,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}

/// An alias (an email, a username) that names one user of an application. Only its hash is kept
/// unless the application asked for the plain text too.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppAlias {
    pub hash: String,
    pub plaintext: Option<String>,
}

/// One application user, as the users listing shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppUser {
    pub user_id: String,
    pub credentials: u32,
    pub aliases: Vec<String>,
    pub alias_count: u32,
    pub last_used_at: Option<UnixTime>,
}
