//! `EmbeddedApps` for both SQL directories: every statement reads the same in both dialects. An
//! application and a passkey are stored as their records' JSON beside the columns they are found
//! by; aliases are rows of their own, so the primary key keeps one owner per alias.

/// Implements `EmbeddedApps` for a SQL directory with a `pool` field.
macro_rules! implement {
    ($directory:ty) => {
        const _: () = {
            use async_trait::async_trait;

            use crate::clock::UnixTime;
            use crate::model::{AppAlias, AppPasskey, AppUser, EmbeddedApp};
            use crate::store::sql::rows::{self, db};
            use crate::store::{EmbeddedApps, StoreResult};

            fn json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
                serde_json::to_string(value).map_err(rows::corrupt)
            }

            fn parse<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
                serde_json::from_str(text).map_err(rows::corrupt)
            }

            #[async_trait]
            impl EmbeddedApps for $directory {
                async fn embedded_app(&self, id: &str) -> StoreResult<Option<EmbeddedApp>> {
                    let row: Option<(String,)> = sqlx::query_as("SELECT spec FROM embedded_apps WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db)?;
                    row.map(|(spec,)| parse(&spec)).transpose()
                }

                async fn embedded_apps(&self) -> StoreResult<Vec<EmbeddedApp>> {
                    let rows: Vec<(String,)> = sqlx::query_as("SELECT spec FROM embedded_apps ORDER BY id")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(db)?;
                    rows.iter().map(|(spec,)| parse(spec)).collect()
                }

                async fn insert_embedded_app(&self, app: &EmbeddedApp, now: UnixTime) -> StoreResult<()> {
                    sqlx::query("INSERT INTO embedded_apps (id, spec, created_at, updated_at) VALUES ($1, $2, $3, $3)")
                        .bind(&app.id)
                        .bind(json(app)?)
                        .bind(now)
                        .execute(self.writes())
                        .await
                        .map_err(db)?;
                    Ok(())
                }

                async fn update_embedded_app(&self, app: &EmbeddedApp, now: UnixTime) -> StoreResult<bool> {
                    let done = sqlx::query("UPDATE embedded_apps SET spec = $2, updated_at = $3 WHERE id = $1")
                        .bind(&app.id)
                        .bind(json(app)?)
                        .bind(now)
                        .execute(self.writes())
                        .await
                        .map_err(db)?;
                    Ok(done.rows_affected() > 0)
                }

                async fn delete_embedded_app(&self, id: &str) -> StoreResult<bool> {
                    let mut tx = self.writes().begin().await.map_err(db)?;
                    let children =
                        ["DELETE FROM embedded_passkeys WHERE app_id = $1", "DELETE FROM embedded_aliases WHERE app_id = $1"];
                    for statement in children {
                        sqlx::query(statement)
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(db)?;
                    }
                    let done =
                        sqlx::query("DELETE FROM embedded_apps WHERE id = $1").bind(id).execute(&mut *tx).await.map_err(db)?;
                    tx.commit().await.map_err(db)?;
                    Ok(done.rows_affected() > 0)
                }

                async fn insert_app_passkey(&self, p: &AppPasskey) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO embedded_passkeys (app_id, cred_id, user_id, record, created_at, last_used_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&p.app_id)
                    .bind(&p.cred_id)
                    .bind(&p.user_id)
                    .bind(json(p)?)
                    .bind(p.created_at)
                    .bind(p.last_used_at)
                    .execute(self.writes())
                    .await
                    .map_err(db)?;
                    Ok(())
                }

                async fn app_passkey(&self, app_id: &str, cred_id: &str) -> StoreResult<Option<AppPasskey>> {
                    let row: Option<(String,)> =
                        sqlx::query_as("SELECT record FROM embedded_passkeys WHERE app_id = $1 AND cred_id = $2")
                            .bind(app_id)
                            .bind(cred_id)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(db)?;
                    row.map(|(r,)| parse(&r)).transpose()
                }

                async fn app_passkeys_of_user(&self, app_id: &str, user_id: &str) -> StoreResult<Vec<AppPasskey>> {
                    let rows: Vec<(String,)> = sqlx::query_as(
                        "SELECT record FROM embedded_passkeys WHERE app_id = $1 AND user_id = $2 \
                         ORDER BY created_at, cred_id",
                    )
                    .bind(app_id)
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                    rows.iter().map(|(r,)| parse(r)).collect()
                }

                async fn app_passkey_used(&self, p: &AppPasskey, now: UnixTime) -> StoreResult<()> {
                    let used = AppPasskey { last_used_at: Some(now), ..p.clone() };
                    sqlx::query(
                        "UPDATE embedded_passkeys SET record = $3, last_used_at = $4 WHERE app_id = $1 AND cred_id = $2",
                    )
                    .bind(&p.app_id)
                    .bind(&p.cred_id)
                    .bind(json(&used)?)
                    .bind(now)
                    .execute(self.writes())
                    .await
                    .map_err(db)?;
                    Ok(())
                }

                async fn delete_app_passkey(&self, app_id: &str, cred_id: &str) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM embedded_passkeys WHERE app_id = $1 AND cred_id = $2")
                        .bind(app_id)
                        .bind(cred_id)
                        .execute(self.writes())
                        .await
                        .map_err(db)?;
                    Ok(done.rows_affected() > 0)
                }

                async fn set_app_aliases(&self, app_id: &str, user_id: &str, aliases: &[AppAlias]) -> StoreResult<()> {
                    let mut tx = self.writes().begin().await.map_err(db)?;
                    sqlx::query("DELETE FROM embedded_aliases WHERE app_id = $1 AND user_id = $2")
                        .bind(app_id)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                    for alias in aliases {
                        // The primary key refuses an alias another user holds: `Conflict`, and the
                        // transaction is dropped, so nothing changes.
                        sqlx::query(
                            "INSERT INTO embedded_aliases (app_id, alias_hash, user_id, plaintext) VALUES ($1, $2, $3, $4)",
                        )
                        .bind(app_id)
                        .bind(&alias.hash)
                        .bind(user_id)
                        .bind(&alias.plaintext)
                        .execute(&mut *tx)
                        .await
                        .map_err(db)?;
                    }
                    tx.commit().await.map_err(db)
                }

                async fn app_aliases_of_user(&self, app_id: &str, user_id: &str) -> StoreResult<Vec<AppAlias>> {
                    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
                        "SELECT alias_hash, plaintext FROM embedded_aliases WHERE app_id = $1 AND user_id = $2 \
                         ORDER BY alias_hash",
                    )
                    .bind(app_id)
                    .bind(user_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                    Ok(rows.into_iter().map(|(hash, plaintext)| AppAlias { hash, plaintext }).collect())
                }

                async fn app_alias_owner(&self, app_id: &str, hash: &str) -> StoreResult<Option<String>> {
                    let row: Option<(String,)> =
                        sqlx::query_as("SELECT user_id FROM embedded_aliases WHERE app_id = $1 AND alias_hash = $2")
                            .bind(app_id)
                            .bind(hash)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(db)?;
                    Ok(row.map(|(u,)| u))
                }

                async fn app_users(&self, app_id: &str) -> StoreResult<Vec<AppUser>> {
                    let passkeys: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
                        "SELECT user_id, COUNT(*), MAX(last_used_at) FROM embedded_passkeys WHERE app_id = $1 \
                         GROUP BY user_id",
                    )
                    .bind(app_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                    let aliases: Vec<(String, Option<String>)> = sqlx::query_as(
                        "SELECT user_id, plaintext FROM embedded_aliases WHERE app_id = $1 ORDER BY plaintext",
                    )
                    .bind(app_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db)?;
                    Ok(crate::store::sql::embedded_apps::users(passkeys, aliases))
                }

                async fn delete_app_user(&self, app_id: &str, user_id: &str) -> StoreResult<bool> {
                    let mut tx = self.writes().begin().await.map_err(db)?;
                    let mut removed = 0;
                    let statements = [
                        "DELETE FROM embedded_passkeys WHERE app_id = $1 AND user_id = $2",
                        "DELETE FROM embedded_aliases WHERE app_id = $1 AND user_id = $2",
                    ];
                    for statement in statements {
                        let done = sqlx::query(statement)
                            .bind(app_id)
                            .bind(user_id)
                            .execute(&mut *tx)
                            .await
                            .map_err(db)?;
                        removed += done.rows_affected();
                    }
                    tx.commit().await.map_err(db)?;
                    Ok(removed > 0)
                }
            }
        };
    };
}
pub(in crate::store) use implement;

/// Joins the per-user passkey counts and the alias rows into the users listing, by id.
pub(in crate::store) fn users(
    passkeys: Vec<(String, i64, Option<i64>)>,
    aliases: Vec<(String, Option<String>)>,
) -> Vec<crate::model::AppUser> {
    use std::collections::BTreeMap;
    let mut by_id: BTreeMap<String, crate::model::AppUser> = BTreeMap::new();
    let blank = |id: &str| crate::model::AppUser {
        user_id: id.to_string(),
        credentials: 0,
        aliases: Vec::new(),
        alias_count: 0,
        last_used_at: None,
    };
    for (id, count, last) in passkeys {
        let user = by_id.entry(id.clone()).or_insert_with(|| blank(&id));
        user.credentials = u32::try_from(count).unwrap_or(u32::MAX);
        user.last_used_at = last;
    }
    for (id, plaintext) in aliases {
        let user = by_id.entry(id.clone()).or_insert_with(|| blank(&id));
        user.alias_count += 1;
        user.aliases.extend(plaintext);
    }
    by_id.into_values().collect()
}
