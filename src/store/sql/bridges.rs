//! `Bridges` for both SQL directories: every statement reads the same in both dialects. A bridge
//! is stored as its configuration's JSON, so the record keeps the shape of `[[bridges]]`.

/// Implements `Bridges` for a SQL directory with a `pool` field.
macro_rules! implement {
    ($directory:ty) => {
        const _: () = {
            use async_trait::async_trait;

            use crate::clock::UnixTime;
            use crate::config::BridgeConfig;
            use crate::store::sql::rows::{self, db};
            use crate::store::{Bridges, StoreResult};

            impl $directory {
                async fn write_bridge(&self, b: &BridgeConfig, now: UnixTime, new: bool) -> StoreResult<bool> {
                    let spec = serde_json::to_string(b).map_err(rows::corrupt)?;
                    let sql = if new {
                        "INSERT INTO bridges (id, spec, created_at, updated_at) VALUES ($1, $2, $3, $3)"
                    } else {
                        "UPDATE bridges SET spec = $2, updated_at = $3 WHERE id = $1"
                    };
                    let done =
                        sqlx::query(sql).bind(&b.id).bind(spec).bind(now).execute(&self.pool).await.map_err(db)?;
                    Ok(done.rows_affected() > 0)
                }
            }

            #[async_trait]
            impl Bridges for $directory {
                async fn bridge(&self, id: &str) -> StoreResult<Option<BridgeConfig>> {
                    let row: Option<(String,)> = sqlx::query_as("SELECT spec FROM bridges WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db)?;
                    row.map(|(spec,)| serde_json::from_str(&spec).map_err(rows::corrupt)).transpose()
                }

                async fn bridges(&self) -> StoreResult<Vec<BridgeConfig>> {
                    let rows: Vec<(String,)> = sqlx::query_as("SELECT spec FROM bridges ORDER BY id")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db)?;
                    rows.iter().map(|(spec,)| serde_json::from_str(spec).map_err(rows::corrupt)).collect()
                }

                async fn insert_bridge(&self, bridge: &BridgeConfig, now: UnixTime) -> StoreResult<()> {
                    self.write_bridge(bridge, now, true).await.map(|_| ())
                }

                async fn update_bridge(&self, bridge: &BridgeConfig, now: UnixTime) -> StoreResult<bool> {
                    self.write_bridge(bridge, now, false).await
                }

                async fn delete_bridge(&self, id: &str) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM bridges WHERE id = $1")
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
