//! `Clients` for both SQL directories: every statement reads the same in both dialects.

/// Implements `Clients` for a SQL directory with a `pool` field.
macro_rules! implement {
    ($directory:ty) => {
        const _: () = {
            use async_trait::async_trait;

            use crate::clock::UnixTime;
            use crate::model::Client;
            use crate::store::sql::rows::{self, db, to_json};
            use crate::store::{Clients, StoreResult};

            impl $directory {
                async fn write_client(&self, c: &Client, now: UnixTime, new: bool) -> StoreResult<bool> {
                    let sql = if new {
                        "INSERT INTO clients (name, secret_hash, redirect_uris, post_logout_redirect_uris, auth_method, \
                         signing_alg, jwks_uri, jwks, backchannel_logout_uri, backchannel_logout_session_required, \
                         client_credentials_scopes, email_sends, cross_device_links, passwordless, verify_callback_url, \
                         logo_uri, primary_color, third_party, options, id, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"
                    } else {
                        "UPDATE clients SET name = $1, secret_hash = $2, redirect_uris = $3, \
                         post_logout_redirect_uris = $4, auth_method = $5, signing_alg = $6, jwks_uri = $7, jwks = $8, \
                         backchannel_logout_uri = $9, backchannel_logout_session_required = $10, \
                         client_credentials_scopes = $11, email_sends = $12, cross_device_links = $13, \
                         passwordless = $14, verify_callback_url = $15, logo_uri = $16, primary_color = $17, \
                         third_party = $18, options = $19 WHERE id = $20"
                    };
                    let query = sqlx::query(sql)
                        .bind(&c.name)
                        .bind(c.secret_hash.as_ref().map(|h| h.to_vec()))
                        .bind(to_json(&c.redirect_uris)?)
                        .bind(to_json(&c.post_logout_redirect_uris)?)
                        .bind(c.auth_method.as_str())
                        .bind(c.signing_alg.as_str())
                        .bind(&c.jwks_uri)
                        .bind(&c.jwks)
                        .bind(&c.backchannel_logout_uri)
                        .bind(c.backchannel_logout_session_required)
                        .bind(to_json(&c.client_credentials_scopes)?)
                        .bind(c.email_sends.map(|m| format!("{m:?}").to_ascii_lowercase()))
                        .bind(c.cross_device_links)
                        .bind(c.passwordless)
                        .bind(&c.verify_callback_url)
                        .bind(&c.logo_uri)
                        .bind(&c.primary_color)
                        .bind(c.third_party)
                        .bind(to_json(&c.options)?)
                        .bind(&c.id);
                    let query = if new { query.bind(now) } else { query };
                    let done = query.execute(self.writes()).await.map_err(db)?;
                    Ok(done.rows_affected() > 0)
                }
            }

            #[async_trait]
            impl Clients for $directory {
                async fn client(&self, id: &str) -> StoreResult<Option<Client>> {
                    let row = sqlx::query("SELECT * FROM clients WHERE id = $1").bind(id).fetch_optional(&self.pool).await;
                    row.map_err(db)?.as_ref().map(rows::client).transpose()
                }

                async fn insert_client(&self, c: &Client, now: UnixTime) -> StoreResult<()> {
                    self.write_client(c, now, true).await.map(|_| ())
                }

                async fn clients(&self) -> StoreResult<Vec<Client>> {
                    let rows = sqlx::query("SELECT * FROM clients ORDER BY id").fetch_all(&self.pool).await.map_err(db)?;
                    rows.iter().map(rows::client).collect()
                }

                async fn update_client(&self, c: &Client, now: UnixTime) -> StoreResult<bool> {
                    self.write_client(c, now, false).await
                }

                async fn delete_client(&self, id: &str) -> StoreResult<bool> {
                    let mut tx = self.writes().begin().await.map_err(db)?;
                    let done = sqlx::query("DELETE FROM clients WHERE id = $1").bind(id).execute(&mut *tx).await.map_err(db)?;
                    for sql in ["DELETE FROM consents WHERE client_id = $1", "DELETE FROM refresh_families WHERE client_id = $1"] {
                        sqlx::query(sql).bind(id).execute(&mut *tx).await.map_err(db)?;
                    }
                    tx.commit().await.map_err(db)?;
                    Ok(done.rows_affected() > 0)
                }
            }
        };
    };
}
pub(in crate::store) use implement;
