//! `Consents` for both SQL directories: every statement reads the same in both dialects.

/// Implements `Consents` for a SQL directory with a `pool` field.
macro_rules! implement {
    ($directory:ty) => {
        const _: () = {
            use async_trait::async_trait;

            use crate::clock::UnixTime;
            use crate::model::{Consent, UserId};
            use crate::store::sql::consents::consent_row;
            use crate::store::sql::rows::{db, to_json};
            use crate::store::{Consents, StoreResult};

            #[async_trait]
            impl Consents for $directory {
                async fn consent(&self, user: &UserId, client_id: &str) -> StoreResult<Option<Consent>> {
                    let row: Option<(String, String, i64)> = sqlx::query_as(
                        "SELECT client_id, scopes, granted_at FROM consents WHERE user_id = $1 AND client_id = $2",
                    )
                    .bind(&user.0)
                    .bind(client_id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                    row.map(consent_row).transpose()
                }

                async fn grant_consent(&self, user: &UserId, c: &Consent) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO consents (user_id, client_id, scopes, granted_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, \
                         granted_at = excluded.granted_at",
                    )
                    .bind(&user.0)
                    .bind(&c.client_id)
                    .bind(to_json(&c.scopes)?)
                    .bind(c.granted_at)
                    .execute(self.writes())
                    .await
                    .map_err(db)?;
                    Ok(())
                }

                async fn revoke_consent(&self, user: &UserId, client_id: &str, now: UnixTime) -> StoreResult<bool> {
                    let mut tx = self.writes().begin().await.map_err(db)?;
                    let done = sqlx::query("DELETE FROM consents WHERE user_id = $1 AND client_id = $2")
                        .bind(&user.0)
                        .bind(client_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                    sqlx::query(
                        "UPDATE refresh_families SET revoked_at = $3 WHERE user_id = $1 AND client_id = $2 \
                         AND revoked_at IS NULL",
                    )
                    .bind(&user.0)
                    .bind(client_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                    tx.commit().await.map_err(db)?;
                    Ok(done.rows_affected() > 0)
                }

                async fn consents_of_user(&self, user: &UserId) -> StoreResult<Vec<Consent>> {
                    let rows: Vec<(String, String, i64)> = sqlx::query_as(
                        "SELECT client_id, scopes, granted_at FROM consents WHERE user_id = $1 \
                         ORDER BY granted_at DESC, client_id",
                    )
                    .bind(&user.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                    rows.into_iter().map(consent_row).collect()
                }
            }
        };
    };
}
pub(in crate::store) use implement;

pub(in crate::store) fn consent_row(
    (client_id, scopes, granted_at): (String, String, i64),
) -> crate::store::StoreResult<crate::model::Consent> {
    let scopes = serde_json::from_str(&scopes).map_err(crate::store::sql::rows::corrupt)?;
    Ok(crate::model::Consent { client_id, scopes, granted_at })
}
