//! Records kept for operators and devices: audit events, management API keys, passkeys.

use serde::{Deserialize, Serialize};

use super::UserId;
use crate::clock::UnixTime;

/// Something that happened and that an operator may have to account for: a sign-in, a refused
/// attempt, a code sent, a session ended, an administrative change. Never holds a secret; email
/// addresses are masked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub id: String,
    pub at: UnixTime,
    /// `sign_in`, `sign_in_failed`, `code_sent`, `rate_limited`, `session_revoked`, `admin` ...
    pub kind: String,
    pub user_id: Option<String>,
    pub client_id: Option<String>,
    pub ip: Option<String>,
    /// Kind-specific facts, such as `{"method": "email_code", "reason": "wrong_code"}`.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// Which audit events to list, newest first.
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub user_id: Option<String>,
    pub kind: Option<String>,
    pub since: Option<UnixTime>,
    pub until: Option<UnixTime>,
    pub limit: u32,
}

/// A management API key: only the SHA-256 of the key is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub hash: [u8; 32],
    pub scopes: Vec<String>,
    pub created_at: UnixTime,
    pub revoked_at: Option<UnixTime>,
}

/// The scopes a management API key can hold.
pub const API_SCOPES: &[&str] = &[
    "users:read",
    "users:write",
    "sessions:write",
    "devices:write",
    "clients:read",
    "clients:write",
    "links:write",
    "events:read",
    "operators:write",
    "upstreams:read",
    "upstreams:write",
];

/// A registered passkey: the WebAuthn credential (as webauthn-rs serialises it) and what the
/// account page shows about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredPasskey {
    /// The credential id, base64url without padding; unique across every user.
    pub cred_id: String,
    pub user_id: UserId,
    pub name: String,
    /// The webauthn-rs `Passkey`, as JSON (public key, counter, flags).
    pub passkey: String,
    /// Backup eligible: a synced passkey rather than a device-bound one.
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub created_at: UnixTime,
    pub last_used_at: Option<UnixTime>,
}
