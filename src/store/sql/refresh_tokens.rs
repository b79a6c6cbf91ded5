//! The `RefreshTokens` statements both SQL directories share: the live-token read and the
//! revocations. Issue and rotation differ (SQLite batches them in its writer, PostgreSQL locks
//! rows), so each backend implements `RefreshTokens` itself.

/// Inherent `shared_*` methods on a SQL directory with a `pool` field; its `RefreshTokens` impl
/// delegates to them.
macro_rules! statements {
    ($directory:ty) => {
        const _: () = {
            use crate::clock::UnixTime;
            use crate::model::UserId;
            use crate::store::sql::rows::{self, db};
            use crate::store::{RefreshToken, StoreResult};

            impl $directory {
                async fn shared_live_refresh_token(&self, hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<RefreshToken>> {
                    let row = sqlx::query(
                        "SELECT t.* FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id \
                         WHERE t.hash = $1 AND t.used_at IS NULL AND f.revoked_at IS NULL AND t.expires_at > $2",
                    )
                    .bind(&hash[..])
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                    row.as_ref().map(rows::refresh).transpose()
                }

                async fn shared_revoke_family(&self, family_id: &str, now: UnixTime) -> StoreResult<()> {
                    sqlx::query("UPDATE refresh_families SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                        .bind(now)
                        .bind(family_id)
                        .execute(self.writes())
                        .await
                        .map_err(db)?;
                    Ok(())
                }

                async fn shared_revoke_refresh_of_user(&self, id: &UserId, now: UnixTime) -> StoreResult<u64> {
                    let done = sqlx::query("UPDATE refresh_families SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                        .bind(now)
                        .bind(&id.0)
                        .execute(self.writes())
                        .await
                        .map_err(db)?;
                    Ok(done.rows_affected())
                }
            }
        };
    };
}
pub(in crate::store) use statements;
