//! PostgreSQL `RefreshTokens`: rotation locks the token and its family (`FOR UPDATE`), so two
//! replicas presenting the same token serialise and the second sees it used.

use async_trait::async_trait;
use sqlx::postgres::PgArguments;

use crate::clock::UnixTime;
use crate::model::UserId;
use crate::store::pg::PgDirectory;
use crate::store::sql::refresh_tokens::statements;
use crate::store::sql::rows::{self, db, to_json};
use crate::store::{RefreshToken, RefreshTokens, Rotation, StoreResult};

statements!(PgDirectory);

type Query<'q> = sqlx::query::Query<'q, sqlx::Postgres, PgArguments>;

fn insert_refresh(t: &RefreshToken) -> StoreResult<Query<'_>> {
    Ok(sqlx::query(
        "INSERT INTO refresh_tokens (hash, family_id, client_id, user_id, scope, auth_time, amr, acr, session_id, \
         claims, dpop_jkt, created_at, expires_at, audience) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
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
    .bind(&t.claims)
    .bind(&t.dpop_jkt)
    .bind(t.created_at)
    .bind(t.expires_at)
    .bind(&t.audience))
}

#[async_trait]
impl RefreshTokens for PgDirectory {
    async fn insert_refresh(&self, t: &RefreshToken) -> StoreResult<()> {
        let mut tx = self.writes().begin().await.map_err(db)?;
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
        let mut tx = self.writes().begin().await.map_err(db)?;
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
        Ok(Rotation::Rotated(Box::new(current)))
    }

    async fn revoke_family(&self, family_id: &str, now: UnixTime) -> StoreResult<()> {
        self.shared_revoke_family(family_id, now).await
    }

    async fn revoke_refresh_of_user(&self, id: &UserId, now: UnixTime) -> StoreResult<u64> {
        self.shared_revoke_refresh_of_user(id, now).await
    }
}
