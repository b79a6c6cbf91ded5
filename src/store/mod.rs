//! The two stores: `Directory` (durable records) and `Ephemeral` (expiring, single-use state),
//! each a trait with one backend per deployment shape, chosen from the configured URL.

mod cache;
mod measured;
mod memory;
mod pg;
mod redis;
mod rows;
mod sql_records;
mod sql_shared;
mod sqlite;
mod sqlite_writer;

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use memory::MemoryEphemeral;
pub use pg::PgDirectory;
pub use redis::RedisEphemeral;
pub use sqlite::SqliteDirectory;

use crate::clock::{Clock, UnixTime};
use crate::config::BridgeConfig;
use crate::model::{
    ApiKey, AuditEvent, AuditQuery, Client, Consent, Email, Identifier, Session, StoredPasskey, User, UserChange,
    UserId, UserQuery,
};

/// A store could not do what was asked. Callers answer 503 (`temporarily_unavailable`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("already exists")]
    Conflict,
    #[error("stored record is corrupt: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// One rotation of a refresh token (RFC 6749 §6, OAuth 2.0 Security BCP §4.14).
#[derive(Debug)]
pub enum Rotation {
    /// The presented token was live; it is now used and `new` replaces it.
    Rotated(RefreshToken),
    /// The presented token had already been used: its whole family is now revoked.
    Reused { family_id: String },
    /// Unknown, expired or revoked.
    Invalid,
}

/// A stored refresh token: the hash of the token and the grant it continues.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct RefreshToken {
    pub hash: [u8; 32],
    pub family_id: String,
    pub client_id: String,
    pub user_id: UserId,
    pub scope: String,
    pub auth_time: UnixTime,
    pub amr: Vec<String>,
    pub acr: String,
    pub session_id: Option<String>,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
}

/// Durable records: users, clients, SSO sessions, refresh-token families.
#[async_trait]
pub trait Directory: Send + Sync {
    async fn ping(&self) -> StoreResult<()>;

    /// The user who owns an email address or phone number.
    async fn user_by_identifier(&self, identifier: &Identifier) -> StoreResult<Option<User>>;
    async fn user(&self, id: &UserId) -> StoreResult<Option<User>>;
    /// Creates a user owning `identifier` (verified), or returns the user that already owns it.
    async fn create_user_with_identifier(&self, identifier: &Identifier, now: UnixTime) -> StoreResult<User>;
    /// Creates a user owning `identifier` (verified) with `metadata`; `Conflict` if the
    /// identifier has an owner already, so of two concurrent creations one fails.
    async fn insert_user(
        &self,
        identifier: &Identifier,
        metadata: &serde_json::Value,
        now: UnixTime,
    ) -> StoreResult<User>;

    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        self.user_by_identifier(&Identifier::Email(email.clone())).await
    }
    async fn create_user_with_email(&self, email: &Email, now: UnixTime) -> StoreResult<User> {
        self.create_user_with_identifier(&Identifier::Email(email.clone()), now).await
    }
    async fn record_login(&self, id: &UserId, now: UnixTime) -> StoreResult<()>;

    async fn client(&self, id: &str) -> StoreResult<Option<Client>>;
    async fn insert_client(&self, client: &Client, now: UnixTime) -> StoreResult<()>;
    async fn clients(&self) -> StoreResult<Vec<Client>>;
    /// Replaces a client's registration; `false` if there is no such client.
    async fn update_client(&self, client: &Client, now: UnixTime) -> StoreResult<bool>;
    async fn delete_client(&self, id: &str) -> StoreResult<bool>;

    /// Bridges registered at run time (configured ones are not here).
    async fn bridge(&self, id: &str) -> StoreResult<Option<BridgeConfig>>;
    async fn bridges(&self) -> StoreResult<Vec<BridgeConfig>>;
    /// `Conflict` if the id is taken.
    async fn insert_bridge(&self, bridge: &BridgeConfig, now: UnixTime) -> StoreResult<()>;
    /// `false` if there is no such bridge.
    async fn update_bridge(&self, bridge: &BridgeConfig, now: UnixTime) -> StoreResult<bool>;
    async fn delete_bridge(&self, id: &str) -> StoreResult<bool>;

    async fn insert_session(&self, token_hash: &[u8; 32], session: &Session, now: UnixTime) -> StoreResult<()>;
    /// The live session whose cookie hashes to `token_hash`.
    async fn session_by_token(&self, token_hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<Session>>;
    /// Ends a session; returns it if it was live (so its clients can be told).
    async fn revoke_session(&self, id: &str, now: UnixTime) -> StoreResult<Option<Session>>;
    /// Records that a session was used at `now` (never moves `last_seen` back).
    async fn touch_session(&self, id: &str, now: UnixTime) -> StoreResult<()>;
    /// The live sessions of a user, newest first.
    async fn sessions_of_user(&self, user_id: &UserId, now: UnixTime) -> StoreResult<Vec<Session>>;
    /// Records that `client_id` received tokens from `session_id` (for back-channel logout).
    async fn add_session_client(&self, session_id: &str, client_id: &str) -> StoreResult<()>;
    async fn session_clients(&self, session_id: &str) -> StoreResult<Vec<String>>;

    async fn insert_refresh(&self, token: &RefreshToken) -> StoreResult<()>;
    /// A refresh token that is unused, unexpired, and whose family is not revoked.
    async fn live_refresh_token(&self, hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<RefreshToken>>;
    /// Atomically marks `presented` used and stores its successor under `next_hash`, expiring at
    /// `next_expires_at`. A token of another client is `Invalid` and stays untouched; a second
    /// use of the same token revokes the family.
    async fn rotate_refresh(
        &self,
        presented: &[u8; 32],
        client_id: &str,
        next_hash: &[u8; 32],
        next_expires_at: UnixTime,
        now: UnixTime,
    ) -> StoreResult<Rotation>;
    async fn revoke_family(&self, family_id: &str, now: UnixTime) -> StoreResult<()>;

    /// Users ordered by id, after the query's cursor, filtered by status and creation time.
    async fn users(&self, query: &UserQuery) -> StoreResult<Vec<User>>;
    /// Applies `change`: `None` if there is no such user, `Conflict` if another user owns a new
    /// identifier. A changed identifier is unverified.
    async fn update_user(&self, id: &UserId, change: &UserChange, now: UnixTime) -> StoreResult<Option<User>>;
    /// Deletes a user with identifiers, passkeys, sessions and refresh tokens; `false` if none.
    async fn delete_user(&self, id: &UserId) -> StoreResult<bool>;
    /// Marks an identifier of `user` verified; `false` if the user does not own it.
    async fn set_identifier_verified(&self, user: &UserId, identifier: &Identifier) -> StoreResult<bool>;
    /// Activates or deactivates a user; `false` if there is no such user.
    async fn set_user_active(&self, id: &UserId, active: bool, now: UnixTime) -> StoreResult<bool>;
    /// Revokes every refresh-token family of a user; returns how many were live.
    async fn revoke_refresh_of_user(&self, id: &UserId, now: UnixTime) -> StoreResult<u64>;

    /// Stores a batch of events in one transaction.
    async fn insert_audit_events(&self, events: &[AuditEvent]) -> StoreResult<()>;
    async fn audit_events(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEvent>>;
    /// Deletes events older than `before`; returns how many.
    async fn purge_audit_events(&self, before: UnixTime) -> StoreResult<u64>;

    async fn insert_api_key(&self, key: &ApiKey) -> StoreResult<()>;
    async fn api_keys(&self) -> StoreResult<Vec<ApiKey>>;
    /// A live (unrevoked) key whose SHA-256 is `hash`.
    async fn api_key_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<ApiKey>>;
    /// `false` if there is no such live key.
    async fn revoke_api_key(&self, id: &str, now: UnixTime) -> StoreResult<bool>;

    /// The consent `user` gave `client_id`, if any.
    async fn consent(&self, user: &UserId, client_id: &str) -> StoreResult<Option<Consent>>;
    /// Records a consent, replacing an earlier one of the same user and client.
    async fn grant_consent(&self, user: &UserId, consent: &Consent) -> StoreResult<()>;
    /// Takes a consent back and revokes the client's refresh tokens for the user; `false` if
    /// there was none.
    async fn revoke_consent(&self, user: &UserId, client_id: &str, now: UnixTime) -> StoreResult<bool>;
    /// A user's consents, newest first.
    async fn consents_of_user(&self, user: &UserId) -> StoreResult<Vec<Consent>>;

    /// Stores a new passkey; `Conflict` if its credential id is registered already (to anyone).
    async fn insert_passkey(&self, passkey: &StoredPasskey) -> StoreResult<()>;
    async fn passkey(&self, cred_id: &str) -> StoreResult<Option<StoredPasskey>>;
    /// A user's passkeys, oldest first.
    async fn passkeys_of_user(&self, user_id: &UserId) -> StoreResult<Vec<StoredPasskey>>;
    /// Records a sign-in: the updated credential (counter, flags) and when it was used.
    async fn passkey_used(&self, cred_id: &str, passkey: &str, backup_state: bool, now: UnixTime) -> StoreResult<()>;
    /// `false` if the user has no such passkey.
    async fn rename_passkey(&self, user_id: &UserId, cred_id: &str, name: &str) -> StoreResult<bool>;
    /// `false` if the user has no such passkey.
    async fn delete_passkey(&self, user_id: &UserId, cred_id: &str) -> StoreResult<bool>;
}

/// Expiring state. Every key has a TTL; `take` is the atomic single-use read.
#[async_trait]
pub trait Ephemeral: Send + Sync {
    async fn ping(&self) -> StoreResult<()>;
    async fn put(&self, key: &str, value: Vec<u8>, ttl_secs: u64) -> StoreResult<()>;
    /// Stores only if the key is absent; `false` if it was present (single-use markers).
    async fn put_new(&self, key: &str, value: Vec<u8>, ttl_secs: u64) -> StoreResult<bool>;
    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Returns and deletes in one step: of two concurrent takers, exactly one gets the value.
    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    async fn delete(&self, key: &str) -> StoreResult<()>;
    /// Adds one and returns the new count; a new counter expires after `ttl_secs`.
    async fn incr(&self, key: &str, ttl_secs: u64) -> StoreResult<u64>;
}

impl dyn Ephemeral {
    pub async fn put_json<T: Serialize>(&self, key: &str, value: &T, ttl_secs: u64) -> StoreResult<()> {
        self.put(key, to_json(value)?, ttl_secs).await
    }

    pub async fn get_json<T: DeserializeOwned>(&self, key: &str) -> StoreResult<Option<T>> {
        self.get(key).await?.map(|b| from_json(&b)).transpose()
    }

    pub async fn take_json<T: DeserializeOwned>(&self, key: &str) -> StoreResult<Option<T>> {
        self.take(key).await?.map(|b| from_json(&b)).transpose()
    }
}

fn to_json<T: Serialize>(value: &T) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> StoreResult<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Opens the directory named by `url`: `sqlite:` or `postgres://`.
pub async fn open_directory(url: &str) -> StoreResult<Arc<dyn Directory>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgDirectory::open(url).await?))
    } else {
        Ok(Arc::new(SqliteDirectory::open(url).await?))
    }
}

/// Wraps the directory so every operation is timed in `metrics`.
pub fn measured_directory(
    inner: Arc<dyn Directory>,
    config: &crate::config::Config,
    metrics: &Arc<crate::metrics::Metrics>,
) -> Arc<dyn Directory> {
    let backend = if config.directory.url.starts_with("postgres") { "postgres" } else { "sqlite" };
    Arc::new(measured::Measured::new(inner, "directory", backend, metrics.clone()))
}

/// Wraps the ephemeral store so every operation is timed in `metrics`.
pub fn measured_ephemeral(
    inner: Arc<dyn Ephemeral>,
    config: &crate::config::Config,
    metrics: &Arc<crate::metrics::Metrics>,
) -> Arc<dyn Ephemeral> {
    let e = &config.ephemeral;
    let backend = if !e.cluster_nodes.is_empty() {
        "redis-cluster"
    } else if e.url == "memory://" {
        "memory"
    } else {
        "redis"
    };
    Arc::new(measured::Measured::new(inner, "ephemeral", backend, metrics.clone()))
}

/// Opens the ephemeral store the configuration names: in-process, one Redis, or a Redis Cluster.
pub async fn open_ephemeral(config: &crate::config::EphemeralConfig, clock: Clock) -> StoreResult<Arc<dyn Ephemeral>> {
    if config.url == "memory://" && config.cluster_nodes.is_empty() {
        return Ok(Arc::new(MemoryEphemeral::new(clock)));
    }
    Ok(Arc::new(RedisEphemeral::open(&config.url, &config.cluster_nodes, &config.prefix).await?))
}

#[cfg(test)]
pub(crate) mod conformance;
