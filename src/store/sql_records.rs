//! Directory statements for sessions, refresh tokens, API keys, audit events and passkeys that
//! read the same in SQLite and PostgreSQL (`$N` placeholders), written once and compiled for
//! each pool; the `Directory` impls delegate to them.

/// Inherent `shared_*` methods on a SQL directory with a `pool` field.
macro_rules! shared_records {
    ($directory:ty) => {
        impl $directory {
            pub(super) async fn shared_ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db)?;
                Ok(())
            }

            pub(super) async fn shared_user_by_identifier(&self, identifier: &Identifier) -> StoreResult<Option<User>> {
                let row =
                    sqlx::query(user_select!("WHERE u.id = (SELECT user_id FROM identifiers WHERE kind = $1 AND value = $2)"))
                        .bind(identifier.kind())
                        .bind(identifier.as_str())
                        .fetch_optional(&self.pool)
                        .await;
                row.map_err(db)?.as_ref().map(rows::user).transpose()
            }

            pub(super) async fn shared_record_login(&self, id: &UserId, now: UnixTime) -> StoreResult<()> {
                sqlx::query("UPDATE users SET last_login_at = $1, login_count = login_count + 1 WHERE id = $2")
                    .bind(now)
                    .bind(&id.0)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            pub(super) async fn shared_client(&self, id: &str) -> StoreResult<Option<Client>> {
                let row = sqlx::query("SELECT * FROM clients WHERE id = $1").bind(id).fetch_optional(&self.pool).await;
                row.map_err(db)?.as_ref().map(rows::client).transpose()
            }

            pub(super) async fn shared_clients(&self) -> StoreResult<Vec<Client>> {
                let rows = sqlx::query("SELECT * FROM clients ORDER BY id").fetch_all(&self.pool).await.map_err(db)?;
                rows.iter().map(rows::client).collect()
            }

            /// Deletes a client with its consents and refresh tokens, so a client registered later
            /// under the same id inherits nothing.
            pub(super) async fn shared_delete_client(&self, id: &str) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(db)?;
                let done = sqlx::query("DELETE FROM clients WHERE id = $1").bind(id).execute(&mut *tx).await.map_err(db)?;
                for sql in ["DELETE FROM consents WHERE client_id = $1", "DELETE FROM refresh_families WHERE client_id = $1"] {
                    sqlx::query(sql).bind(id).execute(&mut *tx).await.map_err(db)?;
                }
                tx.commit().await.map_err(db)?;
                Ok(done.rows_affected() > 0)
            }

            pub(super) async fn shared_insert_session(&self, token_hash: &[u8; 32], s: &Session, now: UnixTime) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO sessions (id, token_hash, user_id, auth_time, amr, acr, created_at, expires_at, method, \
                     user_agent, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(&s.id)
                .bind(&token_hash[..])
                .bind(&s.user_id.0)
                .bind(s.auth_time)
                .bind(to_json(&s.amr)?)
                .bind(&s.acr)
                .bind(now)
                .bind(s.expires_at)
                .bind(&s.method)
                .bind(&s.user_agent)
                .bind(s.last_seen)
                .execute(&self.pool)
                .await
                .map_err(db)?;
                Ok(())
            }

            pub(super) async fn shared_touch_session(&self, id: &str, now: UnixTime) -> StoreResult<()> {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1")
                    .bind(now)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            pub(super) async fn shared_sessions_of_user(&self, user_id: &UserId, now: UnixTime) -> StoreResult<Vec<Session>> {
                let rows = sqlx::query(
                    "SELECT id, user_id, auth_time, amr, acr, expires_at, method, user_agent, last_seen_at FROM sessions \
                     WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY auth_time DESC, id",
                )
                .bind(&user_id.0)
                .bind(now)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
                rows.iter().map(rows::session).collect()
            }

            pub(super) async fn shared_session_clients(&self, session_id: &str) -> StoreResult<Vec<String>> {
                let rows = sqlx::query("SELECT client_id FROM session_clients WHERE session_id = $1 ORDER BY client_id")
                    .bind(session_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                rows.iter().map(|r| rows::Columns::text(r, "client_id")).collect()
            }

            pub(super) async fn shared_live_refresh_token(&self, hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<RefreshToken>> {
                let row = sqlx::query(
                    "SELECT t.* FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id \
                     WHERE t.hash = $1 AND t.used_at IS NULL AND f.revoked_at IS NULL AND t.expires_at > $2",
                )
                .bind(&hash[..])
                .bind(now)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
                row.as_ref().map(rows::refresh).transpose()
            }

            pub(super) async fn shared_revoke_family(&self, family_id: &str, now: UnixTime) -> StoreResult<()> {
                sqlx::query("UPDATE refresh_families SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(family_id)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            pub(super) async fn shared_revoke_refresh_of_user(&self, id: &UserId, now: UnixTime) -> StoreResult<u64> {
                let done = sqlx::query("UPDATE refresh_families SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(&id.0)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(done.rows_affected())
            }

            pub(super) async fn shared_insert_audit_events(&self, events: &[AuditEvent]) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(db)?;
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

            pub(super) async fn shared_purge_audit_events(&self, before: UnixTime) -> StoreResult<u64> {
                let done =
                    sqlx::query("DELETE FROM audit_events WHERE at < $1").bind(before).execute(&self.pool).await.map_err(db)?;
                Ok(done.rows_affected())
            }

            pub(super) async fn shared_insert_api_key(&self, k: &ApiKey) -> StoreResult<()> {
                sqlx::query("INSERT INTO api_keys (id, name, hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&k.id)
                    .bind(&k.name)
                    .bind(&k.hash[..])
                    .bind(to_json(&k.scopes)?)
                    .bind(k.created_at)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            pub(super) async fn shared_api_keys(&self) -> StoreResult<Vec<ApiKey>> {
                let rows = sqlx::query("SELECT * FROM api_keys ORDER BY created_at, id").fetch_all(&self.pool).await;
                rows.map_err(db)?.iter().map(rows::api_key).collect()
            }

            pub(super) async fn shared_api_key_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<ApiKey>> {
                let row = sqlx::query("SELECT * FROM api_keys WHERE hash = $1 AND revoked_at IS NULL")
                    .bind(&hash[..])
                    .fetch_optional(&self.pool)
                    .await;
                row.map_err(db)?.as_ref().map(rows::api_key).transpose()
            }

            pub(super) async fn shared_revoke_api_key(&self, id: &str, now: UnixTime) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                    .bind(now)
                    .bind(id)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(done.rows_affected() == 1)
            }

            pub(super) async fn shared_insert_passkey(&self, p: &StoredPasskey) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO passkeys (cred_id, user_id, name, passkey, backup_eligible, backup_state, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&p.cred_id)
                .bind(&p.user_id.0)
                .bind(&p.name)
                .bind(&p.passkey)
                .bind(p.backup_eligible)
                .bind(p.backup_state)
                .bind(p.created_at)
                .execute(&self.pool)
                .await
                .map_err(db)?;
                Ok(())
            }

            pub(super) async fn shared_passkey(&self, cred_id: &str) -> StoreResult<Option<StoredPasskey>> {
                let row =
                    sqlx::query("SELECT * FROM passkeys WHERE cred_id = $1").bind(cred_id).fetch_optional(&self.pool).await;
                row.map_err(db)?.as_ref().map(rows::passkey).transpose()
            }

            pub(super) async fn shared_passkeys_of_user(&self, user_id: &UserId) -> StoreResult<Vec<StoredPasskey>> {
                let rows = sqlx::query("SELECT * FROM passkeys WHERE user_id = $1 ORDER BY created_at, cred_id")
                    .bind(&user_id.0)
                    .fetch_all(&self.pool)
                    .await;
                rows.map_err(db)?.iter().map(rows::passkey).collect()
            }

            pub(super) async fn shared_passkey_used(&self, cred_id: &str, passkey: &str, backup_state: bool, now: UnixTime) -> StoreResult<()> {
                sqlx::query("UPDATE passkeys SET passkey = $1, backup_state = $2, last_used_at = $3 WHERE cred_id = $4")
                    .bind(passkey)
                    .bind(backup_state)
                    .bind(now)
                    .bind(cred_id)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(())
            }

            pub(super) async fn shared_rename_passkey(&self, user_id: &UserId, cred_id: &str, name: &str) -> StoreResult<bool> {
                let done = sqlx::query("UPDATE passkeys SET name = $1 WHERE user_id = $2 AND cred_id = $3")
                    .bind(name)
                    .bind(&user_id.0)
                    .bind(cred_id)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(done.rows_affected() == 1)
            }

            pub(super) async fn shared_delete_passkey(&self, user_id: &UserId, cred_id: &str) -> StoreResult<bool> {
                let done = sqlx::query("DELETE FROM passkeys WHERE user_id = $1 AND cred_id = $2")
                    .bind(&user_id.0)
                    .bind(cred_id)
                    .execute(&self.pool)
                    .await
                    .map_err(db)?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}
pub(super) use shared_records;
