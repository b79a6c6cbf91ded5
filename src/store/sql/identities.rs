//! `Identities` for both SQL directories: every statement reads the same in both dialects.

/// Implements `Identities` for a SQL directory with a `pool` field.
macro_rules! implement {
    ($directory:ty) => {
        const _: () = {
            use async_trait::async_trait;

            use crate::model::{LinkedIdentity, UserId};
            use crate::store::sql::rows::{self, db};
            use crate::store::{Identities, StoreResult};

            #[async_trait]
            impl Identities for $directory {
                async fn identity(&self, provider: &str, subject: &str) -> StoreResult<Option<LinkedIdentity>> {
                    let row = sqlx::query("SELECT * FROM user_identities WHERE provider = $1 AND subject = $2")
                        .bind(provider)
                        .bind(subject)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db)?;
                    row.as_ref().map(rows::identity).transpose()
                }

                async fn link_identity(&self, i: &LinkedIdentity) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO user_identities (provider, subject, user_id, email, created_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&i.provider)
                    .bind(&i.subject)
                    .bind(&i.user_id.0)
                    .bind(&i.email)
                    .bind(i.created_at)
                    .execute(self.writes())
                    .await
                    .map_err(db)?;
                    Ok(())
                }

                async fn identities_of_user(&self, user_id: &UserId) -> StoreResult<Vec<LinkedIdentity>> {
                    let found = sqlx::query(
                        "SELECT * FROM user_identities WHERE user_id = $1 ORDER BY created_at, provider, subject",
                    )
                    .bind(&user_id.0)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                    found.iter().map(rows::identity).collect()
                }

                async fn unlink_identity(&self, user_id: &UserId, provider: &str, subject: &str) -> StoreResult<bool> {
                    let done = sqlx::query(
                        "DELETE FROM user_identities WHERE user_id = $1 AND provider = $2 AND subject = $3",
                    )
                    .bind(&user_id.0)
                    .bind(provider)
                    .bind(subject)
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
