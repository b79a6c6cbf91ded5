//! SQLite `Sessions`: the shared statements behind a cache of sessions by token hash, cleared
//! before and after every write to a session.

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::model::{Session, User, UserId};
use crate::store::sql::rows::{self, db};
use crate::store::sql::sessions::statements;
use crate::store::sqlite::SqliteDirectory;
use crate::store::{Sessions, StoreResult, Users};

statements!(SqliteDirectory);

#[async_trait]
impl Sessions for SqliteDirectory {
    async fn insert_session(&self, token_hash: &[u8; 32], s: &Session, now: UnixTime) -> StoreResult<()> {
        self.shared_insert_session(token_hash, s, now).await
    }

    async fn session_by_token(&self, token_hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<Session>> {
        if let Some(session) = self.sessions.get(token_hash) {
            return Ok((session.expires_at > now).then_some(session));
        }
        let generation = self.sessions.generation();
        let row = sqlx::query(
            "SELECT id, user_id, auth_time, amr, acr, expires_at, method, user_agent, last_seen_at FROM sessions \
             WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?",
        )
        .bind(&token_hash[..])
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let session = row.as_ref().map(rows::session).transpose()?;
        if let Some(session) = &session {
            self.sessions.put(generation, *token_hash, session.clone());
        }
        Ok(session)
    }

    async fn session_and_user(&self, token_hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<(Session, User)>> {
        if let Some(session) = self.sessions.get(token_hash) {
            if session.expires_at <= now {
                return Ok(None);
            }
            return Ok(self.user(&session.user_id).await?.map(|user| (session, user)));
        }
        let generation = self.sessions.generation();
        let found = self.shared_session_and_user(token_hash, now).await?;
        if let Some((session, _)) = &found {
            self.sessions.put(generation, *token_hash, session.clone());
        }
        Ok(found)
    }

    async fn revoke_session(&self, id: &str, now: UnixTime) -> StoreResult<Option<Session>> {
        self.sessions.forget_where(|s| s.id == id);
        let row = sqlx::query(
            "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL AND expires_at > ? \
             RETURNING id, user_id, auth_time, amr, acr, expires_at, method, user_agent, last_seen_at",
        )
        .bind(now)
        .bind(id)
        .bind(now)
        .fetch_optional(self.writes())
        .await
        .map_err(db)?;
        // Again after the write, for a read that began between the first invalidation and the write.
        self.sessions.forget_where(|s| s.id == id);
        row.as_ref().map(rows::session).transpose()
    }

    async fn touch_session(&self, id: &str, now: UnixTime) -> StoreResult<()> {
        self.sessions.forget_where(|s| s.id == id);
        self.shared_touch_session(id, now).await?;
        // Again after the write, for a read that began between the first invalidation and the write.
        self.sessions.forget_where(|s| s.id == id);
        Ok(())
    }

    async fn sessions_of_user(&self, user_id: &UserId, now: UnixTime) -> StoreResult<Vec<Session>> {
        self.shared_sessions_of_user(user_id, now).await
    }

    async fn live_sessions(&self, now: UnixTime) -> StoreResult<u64> {
        self.shared_live_sessions(now).await
    }

    async fn add_session_client(&self, session_id: &str, client_id: &str) -> StoreResult<()> {
        sqlx::query("INSERT OR IGNORE INTO session_clients (session_id, client_id) VALUES (?, ?)")
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
