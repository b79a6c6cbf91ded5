//! `Apis` for both SQL directories: every statement reads the same in both dialects. An API is
//! stored as its configuration's JSON, so the record keeps the shape of `[[apis]]`.

/// Implements `Apis` for a SQL directory with a `pool` field.
macro_rules! implement {
    ($directory:ty) => {
        const _: () = {
            use async_trait::async_trait;

            use crate::clock::UnixTime;
            use crate::config::ApiConfig;
            use crate::store::sql::rows::{self, db};
            use crate::store::{Apis, StoreResult};

            impl $directory {
                async fn write_api(&self, a: &ApiConfig, now: UnixTime, new: bool) -> StoreResult<bool> {
                    let spec = serde_json::to_string(a).map_err(rows::corrupt)?;
                    let sql = if new {
                        "INSERT INTO apis (identifier, spec, created_at, updated_at) VALUES ($1, $2, $3, $3)"
                    } else {
                        "UPDATE apis SET spec = $2, updated_at = $3 WHERE identifier = $1"
                    };
                    let done = sqlx::query(sql)
                        .bind(&a.identifier)
                        .bind(spec)
                        .bind(now)
                        .execute(self.writes())
                        .await
                        .map_err(db)?;
                    Ok(done.rows_affected() > 0)
                }
            }

            #[async_trait]
            impl Apis for $directory {
                async fn api(&self, identifier: &str) -> StoreResult<Option<ApiConfig>> {
                    let row: Option<(String,)> = sqlx::query_as("SELECT spec FROM apis WHERE identifier = $1")
                        .bind(identifier)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db)?;
                    row.map(|(spec,)| serde_json::from_str(&spec).map_err(rows::corrupt)).transpose()
                }

                async fn apis(&self) -> StoreResult<Vec<ApiConfig>> {
                    let rows: Vec<(String,)> = sqlx::query_as("SELECT spec FROM apis ORDER BY identifier")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db)?;
                    rows.iter().map(|(spec,)| serde_json::from_str(spec).map_err(rows::corrupt)).collect()
                }

                async fn insert_api(&self, api: &ApiConfig, now: UnixTime) -> StoreResult<()> {
                    self.write_api(api, now, true).await.map(|_| ())
                }

                async fn update_api(&self, api: &ApiConfig, now: UnixTime) -> StoreResult<bool> {
                    self.write_api(api, now, false).await
                }

                async fn delete_api(&self, identifier: &str) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM apis WHERE identifier = $1")
                        .bind(identifier)
                        .execute(self.writes())
                        .await
                        .map_err(db)?;
                    Ok(done.rows_affected() > 0)
                }
            }
        };
    };
}
pub(in crate::store) use implement;
