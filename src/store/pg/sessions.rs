//! PostgreSQL `Sessions`: the shared statements, and the read, revocation and client record
//! whose SQL differs from SQLite's.

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::model::{Session, User, UserId};
use crate::store::pg::PgDirectory;
use crate::store::sql::rows::{self, db};
use crate::store::sql::sessions::statements;
use crate::store::{Sessions, StoreResult};

statements!(PgDirectory);

#[async_trait]
impl Sessions for PgDirectory {
    async fn insert_session(&self, token_hash: &[u8; 32], s: &Session, now: UnixTime) -> StoreResult<()> {
        self.shared_insert_session(token_hash, s, now).await
    }

    async fn session_by_token(&self, token_hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<Session>> {
        let row = sqlx::query(
            "SELECT id, user_id, auth_time, amr, acr, expires_at, method, user_agent, last_seen_at FROM sessions \
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(&token_hash[..])
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(rows::session).transpose()
    }

    async fn session_and_user(&self, token_hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<(Session, User)>> {
        self.shared_session_and_user(token_hash, now).await
    }

    async fn revoke_session(&self, id: &str, now: UnixTime) -> StoreResult<Option<Session>> {
        let row = sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL AND expires_at > $3 \
             RETURNING id, user_id, auth_time, amr, acr, expires_at, method, user_agent, last_seen_at",
        )
        .bind(now)
        .bind(id)
        .bind(now)
        .fetch_optional(self.writes())
        .await
        .map_err(db)?;
        row.as_ref().map(rows::session).transpose()
    }

    async fn touch_session(&self, id: &str, now: UnixTime) -> StoreResult<()> {
        self.shared_touch_session(id, now).await
    }

    async fn sessions_of_user(&self, user_id: &UserId, now: UnixTime) -> StoreResult<Vec<Session>> {
        self.shared_sessions_of_user(user_id, now).await
    }

    async fn live_sessions(&self, now: UnixTime) -> StoreResult<u64> {
        self.shared_live_sessions(now).await
    }

    async fn add_session_client(&self, session_id: &str, client_id: &str) -> StoreResult<()> {
        sqlx::query("INSERT INTO session_clients (session_id, client_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(session_id)
            .bind(client_id)
            .execute(self.writes())
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn session_clients(&self, session_id: &str) -> StoreResult<Vec<String>> {
        self.shared_session_clients(session_id).await
    }
}
