//! `Upstreams` for both SQL directories: every statement reads the same in both dialects. An
//! upstream is stored as its configuration's JSON, so the record keeps the shape of
//! `[[upstreams]]` (secrets included: the sign-in needs them, the API never shows them).

/// Implements `Upstreams` for a SQL directory with a `pool` field.
macro_rules! implement {
    ($directory:ty) => {
        const _: () = {
            use async_trait::async_trait;

            use crate::clock::UnixTime;
            use crate::config::UpstreamConfig;
            use crate::store::sql::rows::{self, db};
            use crate::store::{StoreResult, Upstreams};

            impl $directory {
                async fn write_upstream(&self, u: &UpstreamConfig, now: UnixTime, new: bool) -> StoreResult<bool> {
                    let spec = serde_json::to_string(u).map_err(rows::corrupt)?;
                    let sql = if new {
                        "INSERT INTO upstreams (id, spec, created_at, updated_at) VALUES ($1, $2, $3, $3)"
                    } else {
                        "UPDATE upstreams SET spec = $2, updated_at = $3 WHERE id = $1"
                    };
                    let done =
                        sqlx::query(sql).bind(&u.id).bind(spec).bind(now).execute(&self.pool).await.map_err(db)?;
                    Ok(done.rows_affected() > 0)
                }
            }

            #[async_trait]
            impl Upstreams for $directory {
                async fn upstream(&self, id: &str) -> StoreResult<Option<UpstreamConfig>> {
                    let row: Option<(String,)> = sqlx::query_as("SELECT spec FROM upstreams WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db)?;
                    row.map(|(spec,)| serde_json::from_str(&spec).map_err(rows::corrupt)).transpose()
                }

                async fn upstreams(&self) -> StoreResult<Vec<UpstreamConfig>> {
                    let rows: Vec<(String,)> = sqlx::query_as("SELECT spec FROM upstreams ORDER BY id")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db)?;
                    rows.iter().map(|(spec,)| serde_json::from_str(spec).map_err(rows::corrupt)).collect()
                }

                async fn insert_upstream(&self, upstream: &UpstreamConfig, now: UnixTime) -> StoreResult<()> {
                    self.write_upstream(upstream, now, true).await.map(|_| ())
                }

                async fn update_upstream(&self, upstream: &UpstreamConfig, now: UnixTime) -> StoreResult<bool> {
                    self.write_upstream(upstream, now, false).await
                }

                async fn delete_upstream(&self, id: &str) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM upstreams WHERE id = $1")
                        .bind(id)
                        .execute(&self.pool)
                        .await
                        .map_err(db)?;
                    Ok(done.rows_affected() > 0)
                }
            }
        };
    };
}
pub(in crate::store) use implement;
