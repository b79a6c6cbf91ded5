//! `Passkeys` for both SQL directories: every statement reads the same in both dialects.

/// Implements `Passkeys` for a SQL directory with a `pool` field.
macro_rules! implement {
    ($directory:ty) => {
        const _: () = {
            use async_trait::async_trait;

            use crate::clock::UnixTime;
            use crate::model::{StoredPasskey, UserId};
            use crate::store::sql::rows::{self, db};
            use crate::store::{Passkeys, StoreResult};

            #[async_trait]
            impl Passkeys for $directory {
                async fn insert_passkey(&self, p: &StoredPasskey) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO passkeys (cred_id, user_id, name, passkey, backup_eligible, backup_state, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&p.cred_id)
                    .bind(&p.user_id.0)
                    .bind(&p.name)
                    .bind(&p.passkey)
                    .bind(p.backup_eligible)
                    .bind(p.backup_state)
                    .bind(p.created_at)
                    .execute(self.writes())
                    .await
                    .map_err(db)?;
                    Ok(())
                }

                async fn passkey(&self, cred_id: &str) -> StoreResult<Option<StoredPasskey>> {
                    let row =
                        sqlx::query("SELECT * FROM passkeys WHERE cred_id = $1").bind(cred_id).fetch_optional(&self.pool).await;
                    row.map_err(db)?.as_ref().map(rows::passkey).transpose()
                }

                async fn passkeys_of_user(&self, user_id: &UserId) -> StoreResult<Vec<StoredPasskey>> {
                    let rows = sqlx::query("SELECT * FROM passkeys WHERE user_id = $1 ORDER BY created_at, cred_id")
                        .bind(&user_id.0)
                        .fetch_all(&self.pool)
                        .await;
                    rows.map_err(db)?.iter().map(rows::passkey).collect()
                }

                async fn passkey_used(&self, cred_id: &str, passkey: &str, backup_state: bool, now: UnixTime) -> StoreResult<()> {
                    sqlx::query("UPDATE passkeys SET passkey = $1, backup_state = $2, last_used_at = $3 WHERE cred_id = $4")
                        .bind(passkey)
                        .bind(backup_state)
                        .bind(now)
                        .bind(cred_id)
                        .execute(self.writes())
                        .await
                        .map_err(db)?;
                    Ok(())
                }

                async fn rename_passkey(&self, user_id: &UserId, cred_id: &str, name: &str) -> StoreResult<bool> {
                    let done = sqlx::query("UPDATE passkeys SET name = $1 WHERE user_id = $2 AND cred_id = $3")
                        .bind(name)
                        .bind(&user_id.0)
                        .bind(cred_id)
                        .execute(self.writes())
                        .await
                        .map_err(db)?;
                    Ok(done.rows_affected() == 1)
                }

                async fn delete_passkey(&self, user_id: &UserId, cred_id: &str) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM passkeys WHERE user_id = $1 AND cred_id = $2")
                        .bind(&user_id.0)
                        .bind(cred_id)
                        .execute(self.writes())
                        .await
                        .map_err(db)?;
                    Ok(done.rows_affected() == 1)
                }
            }
        };
    };
}
pub(in crate::store) use implement;
