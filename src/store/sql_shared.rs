//! Directory statements that read the same in SQLite and PostgreSQL (`$N` placeholders, which
//! both accept), written once and compiled for each pool: the user listing and changes, client
//! writes, and bridges registered at run time.

/// The user columns every user query reads, identifiers joined in.
macro_rules! user_select {
    ($where:literal) => {
        concat!(
            "SELECT u.id, u.active, u.created_at, u.updated_at, u.last_login_at, u.login_count, u.metadata, \
             i.value AS email, i.verified, p.value AS phone, p.verified AS phone_verified \
             FROM users u LEFT JOIN identifiers i ON i.user_id = u.id AND i.kind = 'email' \
             LEFT JOIN identifiers p ON p.user_id = u.id AND p.kind = 'phone' ",
            $where
        )
    };
}
pub(super) use user_select;

/// Inherent methods on a SQL directory with a `pool` field and a `forget_user(&UserId)` method
/// (dropping any cached copy); the `Directory` impls delegate to them.
macro_rules! shared_statements {
    ($directory:ty, $db:ty) => {
        impl $directory {
            pub(super) async fn list_users(&self, q: &crate::model::UserQuery) -> StoreResult<Vec<User>> {
                let rows = sqlx::query(user_select!(
                    "WHERE u.id > $1 AND ($2 IS NULL OR u.active = $2) AND ($3 IS NULL OR u.created_at >= $3) \
                     AND ($4 IS NULL OR u.created_at < $4) ORDER BY u.id LIMIT $5"
                ))
                .bind(q.after.as_deref().unwrap_or(""))
                .bind(q.active)
                .bind(q.created_since)
                .bind(q.created_until)
                .bind(i64::from(q.limit))
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(rows::user).collect()
            }

            /// Replaces one kind of identifier; an unchanged value keeps its verified flag.
            async fn replace_identifier<'c>(
                tx: &mut sqlx::Transaction<'c, $db>,
                user: &UserId,
                kind: &str,
                value: Option<&str>,
            ) -> StoreResult<()> {
                let current: Option<(String,)> =
                    sqlx::query_as("SELECT value FROM identifiers WHERE user_id = $1 AND kind = $2")
                        .bind(&user.0)
                        .bind(kind)
                        .fetch_optional(&mut **tx)
                        .await
                        .map_err(db)?;
                if current.as_ref().map(|c| c.0.as_str()) == value {
                    return Ok(());
                }
                sqlx::query("DELETE FROM identifiers WHERE user_id = $1 AND kind = $2")
                    .bind(&user.0)
                    .bind(kind)
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
                if let Some(value) = value {
                    // Unique (kind, value): another owner makes this a Conflict.
                    sqlx::query("INSERT INTO identifiers (kind, value, user_id, verified) VALUES ($1, $2, $3, FALSE)")
                        .bind(kind)
                        .bind(value)
                        .bind(&user.0)
                        .execute(&mut **tx)
                        .await
                        .map_err(db)?;
                }
                Ok(())
            }

            pub(super) async fn change_user(
                &self,
                id: &UserId,
                change: &crate::model::UserChange,
                now: UnixTime,
            ) -> StoreResult<Option<User>> {
                let mut tx = self.pool.begin().await.map_err(db)?;
                let metadata = change.metadata.as_ref().map(|m| m.to_string());
                let done = sqlx::query(
                    "UPDATE users SET updated_at = $1, metadata = COALESCE($2, metadata) WHERE id = $3",
                )
                .bind(now)
                .bind(metadata)
                .bind(&id.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                if done.rows_affected() == 0 {
                    return Ok(None);
                }
                if let Some(email) = &change.email {
                    Self::replace_identifier(&mut tx, id, "email", email.as_ref().map(|e| e.as_str())).await?;
                }
                if let Some(phone) = &change.phone {
                    Self::replace_identifier(&mut tx, id, "phone", phone.as_ref().map(|p| p.as_str())).await?;
                }
                tx.commit().await.map_err(db)?;
                self.forget_user(id);
                self.user(id).await
            }

            /// A new user owning `identifier` (verified) with `metadata`, in one transaction;
            /// `Conflict` if someone owns the identifier already.
            pub(super) async fn add_user(
                &self,
                identifier: &Identifier,
                metadata: &serde_json::Value,
                now: UnixTime,
            ) -> StoreResult<User> {
                let id = UserId::new();
                let mut tx = self.pool.begin().await.map_err(db)?;
                sqlx::query("INSERT INTO users (id, created_at, updated_at, metadata) VALUES ($1, $2, $2, $3)")
                    .bind(&id.0)
                    .bind(now)
                    .bind(metadata.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                sqlx::query("INSERT INTO identifiers (kind, value, user_id, verified) VALUES ($1, $2, $3, TRUE)")
                    .bind(identifier.kind())
                    .bind(identifier.as_str())
                    .bind(&id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                tx.commit().await.map_err(db)?;
                self.user(&id).await?.ok_or(StoreError::Conflict)
            }

            /// Deletes the user; identifiers, passkeys, sessions and refresh tokens go with it
            /// (`ON DELETE CASCADE`).
            pub(super) async fn remove_user(&self, id: &UserId) -> StoreResult<bool> {
                let done =
                    sqlx::query("DELETE FROM users WHERE id = $1").bind(&id.0).execute(&self.pool).await.map_err(db)?;
                self.forget_user(id);
                Ok(done.rows_affected() > 0)
            }

            pub(super) async fn write_client(&self, c: &Client, now: UnixTime, new: bool) -> StoreResult<bool> {
                let sql = if new {
                    "INSERT INTO clients (name, secret_hash, redirect_uris, post_logout_redirect_uris, auth_method, \
                     signing_alg, jwks_uri, jwks, backchannel_logout_uri, backchannel_logout_session_required, \
                     client_credentials_scopes, email_sends, cross_device_links, passwordless, verify_callback_url, \
                     logo_uri, primary_color, third_party, id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
                } else {
                    "UPDATE clients SET name = $1, secret_hash = $2, redirect_uris = $3, \
                     post_logout_redirect_uris = $4, auth_method = $5, signing_alg = $6, jwks_uri = $7, jwks = $8, \
                     backchannel_logout_uri = $9, backchannel_logout_session_required = $10, \
                     client_credentials_scopes = $11, email_sends = $12, cross_device_links = $13, \
                     passwordless = $14, verify_callback_url = $15, logo_uri = $16, primary_color = $17, \
                     third_party = $18 WHERE id = $19"
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
                    .bind(&c.id);
                let query = if new { query.bind(now) } else { query };
                let done = query.execute(&self.pool).await.map_err(db)?;
                Ok(done.rows_affected() > 0)
            }

            pub(super) async fn read_consent(
                &self,
                user: &UserId,
                client_id: &str,
            ) -> StoreResult<Option<crate::model::Consent>> {
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

            pub(super) async fn read_consents(&self, user: &UserId) -> StoreResult<Vec<crate::model::Consent>> {
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

            pub(super) async fn write_consent(&self, user: &UserId, c: &crate::model::Consent) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO consents (user_id, client_id, scopes, granted_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, \
                     granted_at = excluded.granted_at",
                )
                .bind(&user.0)
                .bind(&c.client_id)
                .bind(to_json(&c.scopes)?)
                .bind(c.granted_at)
                .execute(&self.pool)
                .await
                .map_err(db)?;
                Ok(())
            }

            pub(super) async fn remove_consent(&self, user: &UserId, client_id: &str, now: UnixTime) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(db)?;
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

            pub(super) async fn read_bridge(&self, id: &str) -> StoreResult<Option<BridgeConfig>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT spec FROM bridges WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                row.map(|(spec,)| serde_json::from_str(&spec).map_err(rows::corrupt)).transpose()
            }

            pub(super) async fn read_bridges(&self) -> StoreResult<Vec<BridgeConfig>> {
                let rows: Vec<(String,)> =
                    sqlx::query_as("SELECT spec FROM bridges ORDER BY id").fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(|(spec,)| serde_json::from_str(spec).map_err(rows::corrupt)).collect()
            }

            pub(super) async fn write_bridge(&self, b: &BridgeConfig, now: UnixTime, new: bool) -> StoreResult<bool> {
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

            pub(super) async fn remove_bridge(&self, id: &str) -> StoreResult<bool> {
                let done =
                    sqlx::query("DELETE FROM bridges WHERE id = $1").bind(id).execute(&self.pool).await.map_err(db)?;
                Ok(done.rows_affected() > 0)
            }
        }
    };
}
pub(super) use shared_statements;

pub(super) fn consent_row(
    (client_id, scopes, granted_at): (String, String, i64),
) -> crate::store::StoreResult<crate::model::Consent> {
    let scopes = serde_json::from_str(&scopes).map_err(crate::store::rows::corrupt)?;
    Ok(crate::model::Consent { client_id, scopes, granted_at })
}
