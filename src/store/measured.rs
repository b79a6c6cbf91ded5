//! `Measured`: wraps a Directory or Ephemeral backend and records the latency and failures of
//! every operation in the instance's metrics, labelled by store, backend and operation.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::config::{ApiConfig, BridgeConfig};
use crate::metrics::Metrics;
use crate::model::{
    ApiKey, AuditEvent, AuditQuery, Client, Consent, Identifier, Imported, ImportedUser, Session, StoredPasskey, User,
    UserChange, UserId, UserQuery,
};
use crate::store::{
    ApiKeys, Apis, AuditLog, Bridges, Clients, Consents, Directory, Ephemeral, Passkeys, RefreshToken, RefreshTokens,
    Rotation, Sessions, StoreResult, Users,
};

pub struct Measured<T: ?Sized> {
    inner: Arc<T>,
    store: &'static str,
    backend: &'static str,
    metrics: Arc<Metrics>,
}

impl<T: ?Sized> Measured<T> {
    pub fn new(inner: Arc<T>, store: &'static str, backend: &'static str, metrics: Arc<Metrics>) -> Self {
        Measured { inner, store, backend, metrics }
    }

    fn record<R>(&self, operation: &'static str, started: Instant, result: &StoreResult<R>) {
        let labels = [("store", self.store), ("backend", self.backend), ("operation", operation)];
        self.metrics.observe("tessera_store_duration_seconds", &labels, started.elapsed());
        if result.is_err() {
            self.metrics.inc("tessera_store_errors_total", &[("store", self.store), ("backend", self.backend)]);
        }
    }
}

/// Times one delegated call.
macro_rules! measure {
    ($self:ident, $operation:ident ( $($arg:expr),* )) => {{
        let started = Instant::now();
        let result = $self.inner.$operation($($arg),*).await;
        $self.record(stringify!($operation), started, &result);
        result
    }};
}

#[async_trait]
impl Directory for Measured<dyn Directory> {
    async fn ping(&self) -> StoreResult<()> {
        measure!(self, ping())
    }
}

#[async_trait]
impl Users for Measured<dyn Directory> {
    async fn user_by_identifier(&self, identifier: &Identifier) -> StoreResult<Option<User>> {
        measure!(self, user_by_identifier(identifier))
    }
    async fn user(&self, id: &UserId) -> StoreResult<Option<User>> {
        measure!(self, user(id))
    }
    async fn create_user_with_identifier(&self, identifier: &Identifier, now: UnixTime) -> StoreResult<User> {
        measure!(self, create_user_with_identifier(identifier, now))
    }
    async fn insert_user(
        &self,
        identifier: &Identifier,
        metadata: &serde_json::Value,
        now: UnixTime,
    ) -> StoreResult<User> {
        measure!(self, insert_user(identifier, metadata, now))
    }
    async fn record_login(&self, id: &UserId, now: UnixTime) -> StoreResult<()> {
        measure!(self, record_login(id, now))
    }
    async fn users(&self, query: &UserQuery) -> StoreResult<Vec<User>> {
        measure!(self, users(query))
    }
    async fn update_user(&self, id: &UserId, change: &UserChange, now: UnixTime) -> StoreResult<Option<User>> {
        measure!(self, update_user(id, change, now))
    }
    async fn delete_user(&self, id: &UserId) -> StoreResult<bool> {
        measure!(self, delete_user(id))
    }
    async fn set_identifier_verified(&self, user: &UserId, identifier: &Identifier) -> StoreResult<bool> {
        measure!(self, set_identifier_verified(user, identifier))
    }
    async fn set_user_active(&self, id: &UserId, active: bool, now: UnixTime) -> StoreResult<bool> {
        measure!(self, set_user_active(id, active, now))
    }
    async fn set_operator(&self, id: &UserId, operator: bool, now: UnixTime) -> StoreResult<bool> {
        measure!(self, set_operator(id, operator, now))
    }
    async fn user_by_external_id(&self, external_id: &str) -> StoreResult<Option<User>> {
        measure!(self, user_by_external_id(external_id))
    }
    async fn import_user(&self, user: &ImportedUser, now: UnixTime) -> StoreResult<Imported> {
        measure!(self, import_user(user, now))
    }
}

#[async_trait]
impl Clients for Measured<dyn Directory> {
    async fn client(&self, id: &str) -> StoreResult<Option<Client>> {
        measure!(self, client(id))
    }
    async fn insert_client(&self, client: &Client, now: UnixTime) -> StoreResult<()> {
        measure!(self, insert_client(client, now))
    }
    async fn clients(&self) -> StoreResult<Vec<Client>> {
        measure!(self, clients())
    }
    async fn update_client(&self, client: &Client, now: UnixTime) -> StoreResult<bool> {
        measure!(self, update_client(client, now))
    }
    async fn delete_client(&self, id: &str) -> StoreResult<bool> {
        measure!(self, delete_client(id))
    }
}

#[async_trait]
impl Bridges for Measured<dyn Directory> {
    async fn bridge(&self, id: &str) -> StoreResult<Option<BridgeConfig>> {
        measure!(self, bridge(id))
    }
    async fn bridges(&self) -> StoreResult<Vec<BridgeConfig>> {
        measure!(self, bridges())
    }
    async fn insert_bridge(&self, bridge: &BridgeConfig, now: UnixTime) -> StoreResult<()> {
        measure!(self, insert_bridge(bridge, now))
    }
    async fn update_bridge(&self, bridge: &BridgeConfig, now: UnixTime) -> StoreResult<bool> {
        measure!(self, update_bridge(bridge, now))
    }
    async fn delete_bridge(&self, id: &str) -> StoreResult<bool> {
        measure!(self, delete_bridge(id))
    }
}

#[async_trait]
impl Apis for Measured<dyn Directory> {
    async fn api(&self, identifier: &str) -> StoreResult<Option<ApiConfig>> {
        measure!(self, api(identifier))
    }
    async fn apis(&self) -> StoreResult<Vec<ApiConfig>> {
        measure!(self, apis())
    }
    async fn insert_api(&self, api: &ApiConfig, now: UnixTime) -> StoreResult<()> {
        measure!(self, insert_api(api, now))
    }
    async fn update_api(&self, api: &ApiConfig, now: UnixTime) -> StoreResult<bool> {
        measure!(self, update_api(api, now))
    }
    async fn delete_api(&self, identifier: &str) -> StoreResult<bool> {
        measure!(self, delete_api(identifier))
    }
}

#[async_trait]
impl Sessions for Measured<dyn Directory> {
    async fn insert_session(&self, token_hash: &[u8; 32], session: &Session, now: UnixTime) -> StoreResult<()> {
        measure!(self, insert_session(token_hash, session, now))
    }
    async fn session_by_token(&self, token_hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<Session>> {
        measure!(self, session_by_token(token_hash, now))
    }
    async fn session_and_user(&self, token_hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<(Session, User)>> {
        measure!(self, session_and_user(token_hash, now))
    }
    async fn revoke_session(&self, id: &str, now: UnixTime) -> StoreResult<Option<Session>> {
        measure!(self, revoke_session(id, now))
    }
    async fn touch_session(&self, id: &str, now: UnixTime) -> StoreResult<()> {
        measure!(self, touch_session(id, now))
    }
    async fn sessions_of_user(&self, user_id: &UserId, now: UnixTime) -> StoreResult<Vec<Session>> {
        measure!(self, sessions_of_user(user_id, now))
    }
    async fn live_sessions(&self, now: UnixTime) -> StoreResult<u64> {
        measure!(self, live_sessions(now))
    }
    async fn add_session_client(&self, session_id: &str, client_id: &str) -> StoreResult<()> {
        measure!(self, add_session_client(session_id, client_id))
    }
    async fn session_clients(&self, session_id: &str) -> StoreResult<Vec<String>> {
        measure!(self, session_clients(session_id))
    }
}

#[async_trait]
impl RefreshTokens for Measured<dyn Directory> {
    async fn insert_refresh(&self, token: &RefreshToken) -> StoreResult<()> {
        measure!(self, insert_refresh(token))
    }
    async fn live_refresh_token(&self, hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<RefreshToken>> {
        measure!(self, live_refresh_token(hash, now))
    }
    async fn rotate_refresh(
        &self,
        presented: &[u8; 32],
        client_id: &str,
        next_hash: &[u8; 32],
        next_expires_at: UnixTime,
        now: UnixTime,
    ) -> StoreResult<Rotation> {
        measure!(self, rotate_refresh(presented, client_id, next_hash, next_expires_at, now))
    }
    async fn revoke_family(&self, family_id: &str, now: UnixTime) -> StoreResult<()> {
        measure!(self, revoke_family(family_id, now))
    }
    async fn revoke_refresh_of_user(&self, id: &UserId, now: UnixTime) -> StoreResult<u64> {
        measure!(self, revoke_refresh_of_user(id, now))
    }
}

#[async_trait]
impl Consents for Measured<dyn Directory> {
    async fn consent(&self, user: &UserId, client_id: &str) -> StoreResult<Option<Consent>> {
        measure!(self, consent(user, client_id))
    }
    async fn grant_consent(&self, user: &UserId, consent: &Consent) -> StoreResult<()> {
        measure!(self, grant_consent(user, consent))
    }
    async fn revoke_consent(&self, user: &UserId, client_id: &str, now: UnixTime) -> StoreResult<bool> {
        measure!(self, revoke_consent(user, client_id, now))
    }
    async fn consents_of_user(&self, user: &UserId) -> StoreResult<Vec<Consent>> {
        measure!(self, consents_of_user(user))
    }
}

#[async_trait]
impl Passkeys for Measured<dyn Directory> {
    async fn insert_passkey(&self, passkey: &StoredPasskey) -> StoreResult<()> {
        measure!(self, insert_passkey(passkey))
    }
    async fn passkey(&self, cred_id: &str) -> StoreResult<Option<StoredPasskey>> {
        measure!(self, passkey(cred_id))
    }
    async fn passkeys_of_user(&self, user_id: &UserId) -> StoreResult<Vec<StoredPasskey>> {
        measure!(self, passkeys_of_user(user_id))
    }
    async fn passkey_used(&self, cred_id: &str, passkey: &str, backup_state: bool, now: UnixTime) -> StoreResult<()> {
        measure!(self, passkey_used(cred_id, passkey, backup_state, now))
    }
    async fn rename_passkey(&self, user_id: &UserId, cred_id: &str, name: &str) -> StoreResult<bool> {
        measure!(self, rename_passkey(user_id, cred_id, name))
    }
    async fn delete_passkey(&self, user_id: &UserId, cred_id: &str) -> StoreResult<bool> {
        measure!(self, delete_passkey(user_id, cred_id))
    }
}

#[async_trait]
impl AuditLog for Measured<dyn Directory> {
    async fn insert_audit_events(&self, events: &[AuditEvent]) -> StoreResult<()> {
        measure!(self, insert_audit_events(events))
    }
    async fn audit_events(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEvent>> {
        measure!(self, audit_events(query))
    }
    async fn purge_audit_events(&self, before: UnixTime, limit: u32) -> StoreResult<u64> {
        measure!(self, purge_audit_events(before, limit))
    }
}

#[async_trait]
impl ApiKeys for Measured<dyn Directory> {
    async fn insert_api_key(&self, key: &ApiKey) -> StoreResult<()> {
        measure!(self, insert_api_key(key))
    }
    async fn api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        measure!(self, api_keys())
    }
    async fn api_key_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<ApiKey>> {
        measure!(self, api_key_by_hash(hash))
    }
    async fn revoke_api_key(&self, id: &str, now: UnixTime) -> StoreResult<bool> {
        measure!(self, revoke_api_key(id, now))
    }
}

#[async_trait]
impl Ephemeral for Measured<dyn Ephemeral> {
    async fn ping(&self) -> StoreResult<()> {
        measure!(self, ping())
    }
    async fn put(&self, key: &str, value: Vec<u8>, ttl_secs: u64) -> StoreResult<()> {
        measure!(self, put(key, value, ttl_secs))
    }
    async fn put_new(&self, key: &str, value: Vec<u8>, ttl_secs: u64) -> StoreResult<bool> {
        measure!(self, put_new(key, value, ttl_secs))
    }
    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        measure!(self, get(key))
    }
    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        measure!(self, take(key))
    }
    async fn delete(&self, key: &str) -> StoreResult<()> {
        measure!(self, delete(key))
    }
    async fn incr(&self, key: &str, ttl_secs: u64) -> StoreResult<u64> {
        measure!(self, incr(key, ttl_secs))
    }
    async fn incr_until_over(&self, counters: &[(&str, u64, u64)]) -> StoreResult<Option<usize>> {
        measure!(self, incr_until_over(counters))
    }
}

/// `EmbeddedApps`, in a file of its own.
mod embedded_apps;
mod identities;
mod upstreams;
