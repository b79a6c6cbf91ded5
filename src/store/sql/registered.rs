//! `Bridges` and `Upstreams` for both SQL directories: records registered at run time and kept
//! as their configuration's JSON, so each keeps the shape of its `[[bridges]]` or `[[upstreams]]`
//! entry (an upstream's secrets included: its sign-in needs them, the API never shows them).
//! Every statement reads the same in both dialects.

/// Implements the aggregate `$aggregate` of `$config` records in `$table` (`id`, `spec`,
/// `created_at`, `updated_at`) for a SQL directory with a `pool` field; the rest name the
/// aggregate's methods: one, all, insert, update, delete.
macro_rules! implement {
    ($directory:ty, $aggregate:ident, $config:ty, $table:literal,
     $one:ident, $all:ident, $insert:ident, $update:ident, $delete:ident) => {
        const _: () = {
            use async_trait::async_trait;

            use crate::clock::UnixTime;
            use crate::store::sql::rows::{self, db};
            use crate::store::{StoreResult, $aggregate};

            #[async_trait]
            impl $aggregate for $directory {
                async fn $one(&self, id: &str) -> StoreResult<Option<$config>> {
                    let row: Option<(String,)> = sqlx::query_as(concat!("SELECT spec FROM ", $table, " WHERE id = $1"))
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db)?;
                    row.map(|(spec,)| serde_json::from_str(&spec).map_err(rows::corrupt)).transpose()
                }

                async fn $all(&self) -> StoreResult<Vec<$config>> {
                    let rows: Vec<(String,)> = sqlx::query_as(concat!("SELECT spec FROM ", $table, " ORDER BY id"))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db)?;
                    rows.iter().map(|(spec,)| serde_json::from_str(spec).map_err(rows::corrupt)).collect()
                }

                async fn $insert(&self, record: &$config, now: UnixTime) -> StoreResult<()> {
                    let spec = serde_json::to_string(record).map_err(rows::corrupt)?;
                    sqlx::query(concat!(
                        "INSERT INTO ",
                        $table,
                        " (id, spec, created_at, updated_at) VALUES ($1, $2, $3, $3)"
                    ))
                    .bind(&record.id)
                    .bind(spec)
                    .bind(now)
                    .execute(self.writes())
                    .await
                    .map_err(db)?;
                    Ok(())
                }

                async fn $update(&self, record: &$config, now: UnixTime) -> StoreResult<bool> {
                    let spec = serde_json::to_string(record).map_err(rows::corrupt)?;
                    let done = sqlx::query(concat!("UPDATE ", $table, " SET spec = $2, updated_at = $3 WHERE id = $1"))
                        .bind(&record.id)
                        .bind(spec)
                        .bind(now)
                        .execute(self.writes())
                        .await
                        .map_err(db)?;
                    Ok(done.rows_affected() > 0)
                }

                async fn $delete(&self, id: &str) -> StoreResult<bool> {
                    let done = sqlx::query(concat!("DELETE FROM ", $table, " WHERE id = $1"))
                        .bind(id)
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
