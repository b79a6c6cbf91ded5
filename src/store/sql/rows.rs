//! Row mapping shared by the SQL directories: one `Columns` reader per driver, one mapping per
//! record, so SQLite and PostgreSQL cannot read a record differently.

use std::str::FromStr;

use sqlx::Row;

use crate::model::{
    ApiKey, AuditEvent, AuthMethod, Client, Email, Phone, Session, SigningAlg, StoredPasskey, User, UserId,
};
use crate::store::{RefreshToken, StoreError, StoreResult};

pub(in crate::store) fn db(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict,
        _ => StoreError::Unavailable(e.to_string()),
    }
}

pub(in crate::store) fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Typed column reads, the same for every SQL driver.
pub(in crate::store) trait Columns {
    fn text(&self, col: &str) -> StoreResult<String>;
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>>;
    fn int(&self, col: &str) -> StoreResult<i64>;
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>>;
    fn flag(&self, col: &str) -> StoreResult<bool>;
    fn opt_flag(&self, col: &str) -> StoreResult<Option<bool>>;
    fn opt_bytes(&self, col: &str) -> StoreResult<Option<Vec<u8>>>;
}

macro_rules! columns_for {
    ($row:ty) => {
        impl Columns for $row {
            fn text(&self, col: &str) -> StoreResult<String> {
                self.try_get(col).map_err(db)
            }
            fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
                self.try_get(col).map_err(db)
            }
            fn int(&self, col: &str) -> StoreResult<i64> {
                self.try_get(col).map_err(db)
            }
            fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
                self.try_get(col).map_err(db)
            }
            fn flag(&self, col: &str) -> StoreResult<bool> {
                self.try_get(col).map_err(db)
            }
            fn opt_flag(&self, col: &str) -> StoreResult<Option<bool>> {
                self.try_get(col).map_err(db)
            }
            fn opt_bytes(&self, col: &str) -> StoreResult<Option<Vec<u8>>> {
                self.try_get(col).map_err(db)
            }
        }
    };
}

columns_for!(sqlx::sqlite::SqliteRow);
columns_for!(sqlx::postgres::PgRow);

fn json_list(row: &impl Columns, col: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(&row.text(col)?).map_err(corrupt)
}

fn hash32(bytes: Option<Vec<u8>>) -> StoreResult<[u8; 32]> {
    bytes.unwrap_or_default().try_into().map_err(|_| corrupt("hash length"))
}

pub(in crate::store) fn user(row: &impl Columns) -> StoreResult<User> {
    Ok(User {
        id: UserId(row.text("id")?),
        email: row.opt_text("email")?.map(|e| e.parse::<Email>().map_err(corrupt)).transpose()?,
        email_verified: row.opt_flag("verified")?.unwrap_or(false),
        phone: row.opt_text("phone")?.map(|p| Phone::parse(&p, None).map_err(corrupt)).transpose()?,
        phone_verified: row.opt_flag("phone_verified")?.unwrap_or(false),
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
        active: row.flag("active")?,
        last_login_at: row.opt_int("last_login_at")?,
        login_count: row.int("login_count")?,
        metadata: serde_json::from_str(&row.text("metadata")?).map_err(corrupt)?,
        external_id: row.opt_text("external_id")?,
        operator: row.flag("operator")?,
    })
}

pub(in crate::store) fn client(row: &impl Columns) -> StoreResult<Client> {
    Ok(Client {
        id: row.text("id")?,
        name: row.text("name")?,
        secret_hash: row.opt_bytes("secret_hash")?.map(|h| hash32(Some(h))).transpose()?,
        redirect_uris: json_list(row, "redirect_uris")?,
        post_logout_redirect_uris: json_list(row, "post_logout_redirect_uris")?,
        auth_method: AuthMethod::from_str(&row.text("auth_method")?).map_err(corrupt)?,
        signing_alg: SigningAlg::from_str(&row.text("signing_alg")?).map_err(corrupt)?,
        jwks_uri: row.opt_text("jwks_uri")?,
        jwks: row.opt_text("jwks")?,
        backchannel_logout_uri: row.opt_text("backchannel_logout_uri")?,
        backchannel_logout_session_required: row.flag("backchannel_logout_session_required")?,
        client_credentials_scopes: json_list(row, "client_credentials_scopes")?,
        email_sends: row.opt_text("email_sends")?.map(|s| s.parse().map_err(corrupt)).transpose()?,
        cross_device_links: row.opt_flag("cross_device_links")?,
        passwordless: row.flag("passwordless")?,
        verify_callback_url: row.opt_text("verify_callback_url")?,
        logo_uri: row.opt_text("logo_uri")?,
        primary_color: row.opt_text("primary_color")?,
        third_party: row.flag("third_party")?,
        options: serde_json::from_str(&row.text("options")?).map_err(corrupt)?,
    })
}

pub(in crate::store) fn session(row: &impl Columns) -> StoreResult<Session> {
    session_as(row, "id")
}

/// A session whose id is in column `id_column` (a query that also reads its user's `id`).
pub(in crate::store) fn session_as(row: &impl Columns, id_column: &str) -> StoreResult<Session> {
    Ok(Session {
        id: row.text(id_column)?,
        user_id: UserId(row.text("user_id")?),
        auth_time: row.int("auth_time")?,
        amr: json_list(row, "amr")?,
        acr: row.text("acr")?,
        expires_at: row.int("expires_at")?,
        method: row.text("method")?,
        user_agent: row.text("user_agent")?,
        last_seen: row.int("last_seen_at")?,
    })
}

pub(in crate::store) fn refresh(row: &impl Columns) -> StoreResult<RefreshToken> {
    Ok(RefreshToken {
        hash: hash32(row.opt_bytes("hash")?)?,
        family_id: row.text("family_id")?,
        client_id: row.text("client_id")?,
        user_id: UserId(row.text("user_id")?),
        scope: row.text("scope")?,
        auth_time: row.int("auth_time")?,
        amr: json_list(row, "amr")?,
        acr: row.text("acr")?,
        session_id: row.opt_text("session_id")?,
        claims: row.opt_text("claims")?,
        dpop_jkt: row.opt_text("dpop_jkt")?,
        audience: row.opt_text("audience")?,
        created_at: row.int("created_at")?,
        expires_at: row.int("expires_at")?,
    })
}

pub(in crate::store) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(corrupt)
}

pub(in crate::store) fn audit_event(row: &impl Columns) -> StoreResult<AuditEvent> {
    Ok(AuditEvent {
        id: row.text("id")?,
        at: row.int("at")?,
        kind: row.text("kind")?,
        user_id: row.opt_text("user_id")?,
        client_id: row.opt_text("client_id")?,
        ip: row.opt_text("ip")?,
        detail: serde_json::from_str(&row.text("detail")?).map_err(corrupt)?,
    })
}

pub(in crate::store) fn api_key(row: &impl Columns) -> StoreResult<ApiKey> {
    Ok(ApiKey {
        id: row.text("id")?,
        name: row.text("name")?,
        hash: hash32(row.opt_bytes("hash")?)?,
        scopes: json_list(row, "scopes")?,
        created_at: row.int("created_at")?,
        revoked_at: row.opt_int("revoked_at")?,
    })
}

pub(in crate::store) fn identity(row: &impl Columns) -> StoreResult<crate::model::LinkedIdentity> {
    Ok(crate::model::LinkedIdentity {
        provider: row.text("provider")?,
        subject: row.text("subject")?,
        user_id: UserId(row.text("user_id")?),
        email: row.opt_text("email")?,
        created_at: row.int("created_at")?,
    })
}

pub(in crate::store) fn passkey(row: &impl Columns) -> StoreResult<StoredPasskey> {
    Ok(StoredPasskey {
        cred_id: row.text("cred_id")?,
        user_id: UserId(row.text("user_id")?),
        name: row.text("name")?,
        passkey: row.text("passkey")?,
        backup_eligible: row.flag("backup_eligible")?,
        backup_state: row.flag("backup_state")?,
        created_at: row.int("created_at")?,
        last_used_at: row.opt_int("last_used_at")?,
    })
}
