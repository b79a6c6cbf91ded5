//! The `Sessions` statements both SQL directories share: insert, last use, a user's sessions and
//! a session's clients. Reads by token and revocation differ (SQLite caches sessions), so each
//! backend implements `Sessions` itself.

/// Inherent `shared_*` methods on a SQL directory with a `pool` field; its `Sessions` impl
/// delegates to them.
macro_rules! statements {
    ($directory:ty) => {
        const _: () = {
            use crate::clock::UnixTime;
            use crate::model::{Session, UserId};
            use crate::store::StoreResult;
            use crate::store::sql::rows::{self, db, to_json};

            impl $directory {
                async fn shared_insert_session(&self, token_hash: &[u8; 32], s: &Session, now: UnixTime) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO sessions (id, token_hash, user_id, auth_time, amr, acr, created_at, expires_at, method, \
                         user_agent, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    )
                    .bind(&s.id)
                    .bind(&token_hash[..])
                    .bind(&s.user_id.0)
                    .bind(s.auth_time)
                    .bind(to_json(&s.amr)?)
                    .bind(&s.acr)
                    .bind(now)
                    .bind(s.expires_at)
                    .bind(&s.method)
                    .bind(&s.user_agent)
                    .bind(s.last_seen)
                    .execute(self.writes())
                    .await
                    .map_err(db)?;
                    Ok(())
                }

                async fn shared_touch_session(&self, id: &str, now: UnixTime) -> StoreResult<()> {
                    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1")
                        .bind(now)
                        .bind(id)
                        .execute(self.writes())
                        .await
                        .map_err(db)?;
                    Ok(())
                }

                async fn shared_sessions_of_user(&self, user_id: &UserId, now: UnixTime) -> StoreResult<Vec<Session>> {
                    let rows = sqlx::query(
                        "SELECT id, user_id, auth_time, amr, acr, expires_at, method, user_agent, last_seen_at FROM sessions \
                         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY auth_time DESC, id",
                    )
                    .bind(&user_id.0)
                    .bind(now)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                    rows.iter().map(rows::session).collect()
                }

                async fn shared_live_sessions(&self, now: UnixTime) -> StoreResult<u64> {
                    let count: i64 =
                        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > $1")
                            .bind(now)
                            .fetch_one(&self.pool)
                            .await
                            .map_err(db)?;
                    Ok(u64::try_from(count).unwrap_or(0))
                }

                /// The live session of `token_hash` and its user, in one statement.
                async fn shared_session_and_user(
                    &self,
                    token_hash: &[u8; 32],
                    now: UnixTime,
                ) -> StoreResult<Option<(Session, crate::model::User)>> {
                    let row = sqlx::query(concat!(
                        "SELECT s.id AS session_id, s.user_id, s.auth_time, s.amr, s.acr, s.expires_at, s.method, \
                         s.user_agent, s.last_seen_at, ",
                        crate::store::sql::users::user_columns!(),
                        " FROM sessions s JOIN users u ON u.id = s.user_id ",
                        crate::store::sql::users::user_identifiers!(),
                        " WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2"
                    ))
                    .bind(&token_hash[..])
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                    let Some(row) = row else { return Ok(None) };
                    Ok(Some((rows::session_as(&row, "session_id")?, rows::user(&row)?)))
                }

                async fn shared_session_clients(&self, session_id: &str) -> StoreResult<Vec<String>> {
                    let rows = sqlx::query("SELECT client_id FROM session_clients WHERE session_id = $1 ORDER BY client_id")
                        .bind(session_id)
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db)?;
                    rows.iter().map(|r| rows::Columns::text(r, "client_id")).collect()
                }
            }
        };
    };
}
pub(in crate::store) use statements;
