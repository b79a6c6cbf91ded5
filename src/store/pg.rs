//! PostgreSQL `Directory`: pooled connections, its own migrations, transactions where a change
//! spans rows, and row locks where two replicas could race (refresh rotation).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::PgPool;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions};

use crate::clock::UnixTime;
use crate::config::BridgeConfig;
use crate::model::{
    ApiKey, AuditEvent, AuditQuery, Client, Consent, Identifier, Session, StoredPasskey, User, UserChange, UserId,
    UserQuery,
};
use crate::store::rows::{self, db, to_json};
use crate::store::sql_records::shared_records;
use crate::store::sql_shared::{consent_row, shared_statements, user_select};
use crate::store::{Directory, RefreshToken, Rotation, StoreError, StoreResult};

pub struct PgDirectory {
    pool: PgPool,
}

impl PgDirectory {
    /// Connects to `url` and runs pending migrations. A `search_path` given in the URL's
    /// `options` selects the schema, so several deployments (or tests) can share one database.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url).map_err(unavailable)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options)
            .await
            .map_err(unavailable)?;
        sqlx::migrate!("migrations/postgres").run(&pool).await.map_err(unavailable)?;
        Ok(PgDirectory { pool })
    }
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Postgres, PgArguments>;

fn insert_refresh(t: &RefreshToken) -> StoreResult<Query<'_>> {
    Ok(sqlx::query(
        "INSERT INTO refresh_tokens (hash, family_id, client_id, user_id, scope, auth_time, amr, acr, session_id, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&t.hash[..])
    .bind(&t.family_id)
    .bind(&t.client_id)
    .bind(&t.user_id.0)
    .bind(&t.scope)
    .bind(t.auth_time)
    .bind(to_json(&t.amr)?)
    .bind(&t.acr)
    .bind(&t.session_id)
    .bind(t.created_at)
    .bind(t.expires_at))
}

impl PgDirectory {
    /// Nothing is cached: every replica reads the database.
    fn forget_user(&self, _id: &UserId) {}
}

shared_records!(PgDirectory);
shared_statements!(PgDirectory, sqlx::Postgres);

#[async_trait]
impl Directory for PgDirectory {
    async fn ping(&self) -> StoreResult<()> {
        self.shared_ping().await
    }

    async fn user_by_identifier(&self, identifier: &Identifier) -> StoreResult<Option<User>> {
        self.shared_user_by_identifier(identifier).await
    }

    async fn user(&self, id: &UserId) -> StoreResult<Option<User>> {
        let row = sqlx::query(user_select!("WHERE u.id = $1")).bind(&id.0).fetch_optional(&self.pool).await;
        row.map_err(db)?.as_ref().map(rows::user).transpose()
    }

    async fn create_user_with_identifier(&self, identifier: &Identifier, now: UnixTime) -> StoreResult<User> {
        let id = UserId::new();
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("INSERT INTO users (id, created_at, updated_at) VALUES ($1, $2, $3)")
            .bind(&id.0)
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let inserted =
            sqlx::query("INSERT INTO identifiers (kind, value, user_id, verified) VALUES ($1, $2, $3, TRUE)")
                .bind(identifier.kind())
                .bind(identifier.as_str())
                .bind(&id.0)
                .execute(&mut *tx)
                .await;
        match inserted.map_err(db) {
            Ok(_) => tx.commit().await.map_err(db)?,
            // Another request created the owner first: that user is the answer.
            Err(StoreError::Conflict) => {
                tx.rollback().await.map_err(db)?;
                return self.user_by_identifier(identifier).await?.ok_or(StoreError::Conflict);
            }
            Err(e) => return Err(e),
        }
        let (email, phone) = match identifier {
            Identifier::Email(e) => (Some(e.clone()), None),
            Identifier::Phone(p) => (None, Some(p.clone())),
        };
        Ok(User {
            id,
            email_verified: email.is_some(),
            email,
            phone_verified: phone.is_some(),
            phone,
            created_at: now,
            updated_at: now,
            active: true,
            last_login_at: None,
            login_count: 0,
            metadata: serde_json::json!({}),
        })
    }

    async fn insert_user(
        &self,
        identifier: &Identifier,
        metadata: &serde_json::Value,
        now: UnixTime,
    ) -> StoreResult<User> {
        self.add_user(identifier, metadata, now).await
    }

    async fn record_login(&self, id: &UserId, now: UnixTime) -> StoreResult<()> {
        self.shared_record_login(id, now).await
    }

    async fn client(&self, id: &str) -> StoreResult<Option<Client>> {
        self.shared_client(id).await
    }

    async fn insert_client(&self, c: &Client, now: UnixTime) -> StoreResult<()> {
        self.write_client(c, now, true).await.map(|_| ())
    }

    async fn update_client(&self, c: &Client, now: UnixTime) -> StoreResult<bool> {
        self.write_client(c, now, false).await
    }

    async fn clients(&self) -> StoreResult<Vec<Client>> {
        self.shared_clients().await
    }

    async fn delete_client(&self, id: &str) -> StoreResult<bool> {
        self.shared_delete_client(id).await
    }

    async fn consent(&self, user: &UserId, client_id: &str) -> StoreResult<Option<Consent>> {
        self.read_consent(user, client_id).await
    }

    async fn grant_consent(&self, user: &UserId, consent: &Consent) -> StoreResult<()> {
        self.write_consent(user, consent).await
    }

    async fn revoke_consent(&self, user: &UserId, client_id: &str, now: UnixTime) -> StoreResult<bool> {
        self.remove_consent(user, client_id, now).await
    }

    async fn consents_of_user(&self, user: &UserId) -> StoreResult<Vec<Consent>> {
        self.read_consents(user).await
    }

    async fn bridge(&self, id: &str) -> StoreResult<Option<BridgeConfig>> {
        self.read_bridge(id).await
    }

    async fn bridges(&self) -> StoreResult<Vec<BridgeConfig>> {
        self.read_bridges().await
    }

    async fn insert_bridge(&self, bridge: &BridgeConfig, now: UnixTime) -> StoreResult<()> {
        self.write_bridge(bridge, now, true).await.map(|_| ())
    }

    async fn update_bridge(&self, bridge: &BridgeConfig, now: UnixTime) -> StoreResult<bool> {
        self.write_bridge(bridge, now, false).await
    }

    async fn delete_bridge(&self, id: &str) -> StoreResult<bool> {
        self.remove_bridge(id).await
    }

    async fn insert_session(&self, token_hash: &[u8; 32], s: &Session, now: UnixTime) -> StoreResult<()> {
        self.shared_insert_session(token_hash, s, now).await
    }

    async fn session_by_token(&self, token_hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<Session>> {
        let row = sqlx::query(
            "SELECT id, user_id, auth_time, amr, acr, expires_at, method, user_agent, last_seen_at FROM sessions \
             WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(&token_hash[..])
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(rows::session).transpose()
    }

    async fn revoke_session(&self, id: &str, now: UnixTime) -> StoreResult<Option<Session>> {
        let row = sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL AND expires_at > $3 \
             RETURNING id, user_id, auth_time, amr, acr, expires_at, method, user_agent, last_seen_at",
        )
        .bind(now)
        .bind(id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(rows::session).transpose()
    }

    async fn touch_session(&self, id: &str, now: UnixTime) -> StoreResult<()> {
        self.shared_touch_session(id, now).await
    }

    async fn sessions_of_user(&self, user_id: &UserId, now: UnixTime) -> StoreResult<Vec<Session>> {
        self.shared_sessions_of_user(user_id, now).await
    }

    async fn add_session_client(&self, session_id: &str, client_id: &str) -> StoreResult<()> {
        sqlx::query("INSERT INTO session_clients (session_id, client_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(session_id)
            .bind(client_id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn session_clients(&self, session_id: &str) -> StoreResult<Vec<String>> {
        self.shared_session_clients(session_id).await
    }

    async fn insert_refresh(&self, t: &RefreshToken) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query("INSERT INTO refresh_families (id, client_id, user_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(&t.family_id)
            .bind(&t.client_id)
            .bind(&t.user_id.0)
            .bind(t.created_at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        insert_refresh(t)?.execute(&mut *tx).await.map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn live_refresh_token(&self, hash: &[u8; 32], now: UnixTime) -> StoreResult<Option<RefreshToken>> {
        self.shared_live_refresh_token(hash, now).await
    }

    async fn rotate_refresh(
        &self,
        presented: &[u8; 32],
        client_id: &str,
        next_hash: &[u8; 32],
        next_expires_at: UnixTime,
        now: UnixTime,
    ) -> StoreResult<Rotation> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let row = sqlx::query(
            "SELECT t.*, t.used_at IS NOT NULL AS used, f.revoked_at IS NOT NULL AS revoked \
             FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id WHERE t.hash = $1 \
             FOR UPDATE OF t, f",
        )
        .bind(&presented[..])
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(row) = row else { return Ok(Rotation::Invalid) };
        let current = rows::refresh(&row)?;
        let (used, revoked) = (rows::Columns::flag(&row, "used")?, rows::Columns::flag(&row, "revoked")?);
        // RFC 6749 §6: the token must have been issued to the authenticated client.
        if current.client_id != client_id || revoked || current.expires_at <= now {
            return Ok(Rotation::Invalid);
        }
        if used {
            // RFC 9700 §4.14.2: reuse of a rotated token revokes the whole family.
            sqlx::query("UPDATE refresh_families SET revoked_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&current.family_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            tx.commit().await.map_err(db)?;
            return Ok(Rotation::Reused { family_id: current.family_id });
        }
        sqlx::query("UPDATE refresh_tokens SET used_at = $1 WHERE hash = $2")
            .bind(now)
            .bind(&presented[..])
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let next = RefreshToken { hash: *next_hash, created_at: now, expires_at: next_expires_at, ..current.clone() };
        insert_refresh(&next)?.execute(&mut *tx).await.map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(Rotation::Rotated(current))
    }

    async fn revoke_family(&self, family_id: &str, now: UnixTime) -> StoreResult<()> {
        self.shared_revoke_family(family_id, now).await
    }

    async fn users(&self, query: &UserQuery) -> StoreResult<Vec<User>> {
        self.list_users(query).await
    }

    async fn update_user(&self, id: &UserId, change: &UserChange, now: UnixTime) -> StoreResult<Option<User>> {
        self.change_user(id, change, now).await
    }

    async fn delete_user(&self, id: &UserId) -> StoreResult<bool> {
        self.remove_user(id).await
    }

    async fn set_identifier_verified(&self, user: &UserId, identifier: &Identifier) -> StoreResult<bool> {
        let done =
            sqlx::query("UPDATE identifiers SET verified = TRUE WHERE user_id = $1 AND kind = $2 AND value = $3")
                .bind(&user.0)
                .bind(identifier.kind())
                .bind(identifier.as_str())
                .execute(&self.pool)
                .await
                .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_user_active(&self, id: &UserId, active: bool, now: UnixTime) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE users SET active = $1, updated_at = $2 WHERE id = $3")
            .bind(active)
            .bind(now)
            .bind(&id.0)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn revoke_refresh_of_user(&self, id: &UserId, now: UnixTime) -> StoreResult<u64> {
        self.shared_revoke_refresh_of_user(id, now).await
    }

    async fn insert_audit_events(&self, events: &[AuditEvent]) -> StoreResult<()> {
        self.shared_insert_audit_events(events).await
    }

    async fn audit_events(&self, q: &AuditQuery) -> StoreResult<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT * FROM audit_events WHERE ($1::text IS NULL OR user_id = $1) AND ($2::text IS NULL OR kind = $2) \
             AND at >= $3 AND at <= $4 ORDER BY at DESC, id DESC LIMIT $5",
        )
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

    async fn purge_audit_events(&self, before: UnixTime) -> StoreResult<u64> {
        self.shared_purge_audit_events(before).await
    }

    async fn insert_api_key(&self, k: &ApiKey) -> StoreResult<()> {
        self.shared_insert_api_key(k).await
    }

    async fn api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        self.shared_api_keys().await
    }

    async fn api_key_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<ApiKey>> {
        self.shared_api_key_by_hash(hash).await
    }

    async fn revoke_api_key(&self, id: &str, now: UnixTime) -> StoreResult<bool> {
        self.shared_revoke_api_key(id, now).await
    }

    async fn insert_passkey(&self, p: &StoredPasskey) -> StoreResult<()> {
        self.shared_insert_passkey(p).await
    }

    async fn passkey(&self, cred_id: &str) -> StoreResult<Option<StoredPasskey>> {
        self.shared_passkey(cred_id).await
    }

    async fn passkeys_of_user(&self, user_id: &UserId) -> StoreResult<Vec<StoredPasskey>> {
        self.shared_passkeys_of_user(user_id).await
    }

    async fn passkey_used(&self, cred_id: &str, passkey: &str, backup_state: bool, now: UnixTime) -> StoreResult<()> {
        self.shared_passkey_used(cred_id, passkey, backup_state, now).await
    }

    async fn rename_passkey(&self, user_id: &UserId, cred_id: &str, name: &str) -> StoreResult<bool> {
        self.shared_rename_passkey(user_id, cred_id, name).await
    }

    async fn delete_passkey(&self, user_id: &UserId, cred_id: &str) -> StoreResult<bool> {
        self.shared_delete_passkey(user_id, cred_id).await
    }
}
