//! `AuditLog` for both SQL directories. Only the queries differ between the dialects (PostgreSQL
//! needs a type on a parameter that may be NULL), so each backend passes its own.

/// Implements `AuditLog` for a SQL directory with a `pool` field. `$of_user` selects one user's
/// events (`1`), `$of_all` everyone's (`1` is null), by kind (`2`), time window (`3`, `4`) and
/// limit (`5`), newest first.
macro_rules! implement {
    ($directory:ty, $of_user:literal, $of_all:literal) => {
        const _: () = {
            use async_trait::async_trait;

            use crate::clock::UnixTime;
            use crate::model::{AuditEvent, AuditQuery};
            use crate::store::sql::rows::{self, db};
            use crate::store::{AuditLog, StoreResult};

            #[async_trait]
            impl AuditLog for $directory {
                async fn insert_audit_events(&self, events: &[AuditEvent]) -> StoreResult<()> {
                    let mut tx = self.writes().begin().await.map_err(db)?;
                    for e in events {
                        sqlx::query(
                            "INSERT INTO audit_events (id, at, kind, user_id, client_id, ip, detail) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                             ON CONFLICT (id) DO NOTHING",
                        )
                        .bind(&e.id)
                        .bind(e.at)
                        .bind(&e.kind)
                        .bind(&e.user_id)
                        .bind(&e.client_id)
                        .bind(&e.ip)
                        .bind(e.detail.to_string())
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                    }
                    tx.commit().await.map_err(db)
                }

                async fn audit_events(&self, q: &AuditQuery) -> StoreResult<Vec<AuditEvent>> {
                    // One user's events come by the (user_id, at) index: a query whose user
                    // filter may be null cannot use it in SQLite, and scans every event by time.
                    let query = if q.user_id.is_some() { $of_user } else { $of_all };
                    let rows = sqlx::query(query)
                        .bind(&q.user_id)
                        .bind(&q.kind)
                        .bind(q.since.unwrap_or(i64::MIN))
                        .bind(q.until.unwrap_or(i64::MAX))
                        .bind(i64::from(q.limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db)?;
                    rows.iter().map(rows::audit_event).collect()
                }

                async fn purge_audit_events(&self, before: UnixTime, limit: u32) -> StoreResult<u64> {
                    // Oldest first through the `at` index, one bounded batch per call.
                    let done = sqlx::query(
                        "DELETE FROM audit_events WHERE id IN \
                         (SELECT id FROM audit_events WHERE at < $1 ORDER BY at LIMIT $2)",
                    )
                    .bind(before)
                    .bind(i64::from(limit))
                    .execute(self.writes())
                    .await
                    .map_err(db)?;
                    Ok(done.rows_affected())
                }
            }
        };
    };
}
pub(in crate::store) use implement;
