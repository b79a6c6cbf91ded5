//! `ApiKeys` for both SQL directories: every statement reads the same in both dialects.

/// Implements `ApiKeys` for a SQL directory with a `pool` field.
macro_rules! implement {
    ($directory:ty) => {
        const _: () = {
            use async_trait::async_trait;

            use crate::clock::UnixTime;
            use crate::model::ApiKey;
            use crate::store::sql::rows::{self, db, to_json};
            use crate::store::{ApiKeys, StoreResult};

            #[async_trait]
            impl ApiKeys for $directory {
                async fn insert_api_key(&self, k: &ApiKey) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO api_keys (id, name, hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&k.id)
                    .bind(&k.name)
                    .bind(&k.hash[..])
                    .bind(to_json(&k.scopes)?)
                    .bind(k.created_at)
                    .execute(self.writes())
                    .await
                    .map_err(db)?;
                    Ok(())
                }

                async fn api_keys(&self) -> StoreResult<Vec<ApiKey>> {
                    let rows =
                        sqlx::query("SELECT * FROM api_keys ORDER BY created_at, id").fetch_all(&self.pool).await;
                    rows.map_err(db)?.iter().map(rows::api_key).collect()
                }

                async fn api_key_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<ApiKey>> {
                    let row = sqlx::query("SELECT * FROM api_keys WHERE hash = $1 AND revoked_at IS NULL")
                        .bind(&hash[..])
                        .fetch_optional(&self.pool)
                        .await;
                    row.map_err(db)?.as_ref().map(rows::api_key).transpose()
                }

                async fn revoke_api_key(&self, id: &str, now: UnixTime) -> StoreResult<bool> {
                    let done = sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                        .bind(now)
                        .bind(id)
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
