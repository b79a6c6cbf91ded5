//! `Sessions`: SSO sessions found by the hash of their cookie, and the clients each one served.

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::model::{Session, User, UserId};
use crate::store::StoreResult;

#[async_trait]
pub trait Sessions: Send + Sync {
    async fn insert_session(&self, token_hash: &[u8; 32], session: &Session, now: UnixTime) -> StoreResult<()>;
    /// The live session whose cookie hashes to `token_hash`.
    async fn session_by_token(&self, token_hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<Session>>;
    /// The live session whose cookie hashes to `token_hash`, with its user: one read where a
    /// request needs both (an authorization request answered from the session).
    async fn session_and_user(&self, token_hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<(Session, User)>>;
    /// Ends a session; returns it if it was live (so its clients can be told).
    async fn revoke_session(&self, id: &str, now: UnixTime) -> StoreResult<Option<Session>>;
    /// Records that a session was used at `now` (never moves `last_seen` back).
    async fn touch_session(&self, id: &str, now: UnixTime) -> StoreResult<()>;
    /// The live sessions of a user, newest first.
    async fn sessions_of_user(&self, user_id: &UserId, now: UnixTime) -> StoreResult<Vec<Session>>;
    /// How many sessions are live at `now`, of every user.
    async fn live_sessions(&self, now: UnixTime) -> StoreResult<u64>;
    /// Records that `client_id` received tokens from `session_id` (for back-channel logout).
    async fn add_session_client(&self, session_id: &str, client_id: &str) -> StoreResult<()>;
    async fn session_clients(&self, session_id: &str) -> StoreResult<Vec<String>>;
}
