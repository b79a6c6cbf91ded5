//! The `Users` statements both SQL directories share: lookup by identifier, logins, the listing,
//! changes, creation with metadata and deletion. Reads by id and status writes differ (SQLite
//! caches users), so each backend implements `Users` itself.

use crate::clock::UnixTime;
use crate::model::{Identifier, User, UserId};

/// The user columns every user query reads, identifiers joined in.
macro_rules! user_select {
    ($where:literal) => {
        concat!(
            "SELECT ",
            crate::store::sql::users::user_columns!(),
            " FROM users u ",
            crate::store::sql::users::user_identifiers!(),
            " ",
            $where
        )
    };
}
pub(in crate::store) use user_select;

/// The columns `rows::user` reads, of `users u` and its identifiers `i` (email) and `p` (phone).
macro_rules! user_columns {
    () => {
        "u.id, u.active, u.created_at, u.updated_at, u.last_login_at, u.login_count, u.metadata, u.external_id, \
         u.operator, i.value AS email, i.verified, p.value AS phone, p.verified AS phone_verified"
    };
}
pub(in crate::store) use user_columns;

/// The joins that bring `users u` its email address `i` and phone number `p`.
macro_rules! user_identifiers {
    () => {
        "LEFT JOIN identifiers i ON i.user_id = u.id AND i.kind = 'email' \
         LEFT JOIN identifiers p ON p.user_id = u.id AND p.kind = 'phone'"
    };
}
pub(in crate::store) use user_identifiers;

/// Inherent methods on a SQL directory with a `pool` field and a `forget_user(&UserId)` method;
/// its `Users` impl delegates to them.
macro_rules! statements {
    ($directory:ty, $db:ty) => {
        const _: () = {
            use crate::clock::UnixTime;
            use crate::model::{Identifier, Imported, ImportedUser, User, UserChange, UserId, UserQuery};
            use crate::store::sql::rows::{self, db};
            use crate::store::sql::users::user_select;
            use crate::store::{StoreError, StoreResult, Users};

            impl $directory {
                async fn shared_user_by_identifier(&self, identifier: &Identifier) -> StoreResult<Option<User>> {
                    let row = sqlx::query(user_select!(
                        "WHERE u.id = (SELECT user_id FROM identifiers WHERE kind = $1 AND value = $2)"
                    ))
                    .bind(identifier.kind())
                    .bind(identifier.as_str())
                    .fetch_optional(&self.pool)
                    .await;
                    row.map_err(db)?.as_ref().map(rows::user).transpose()
                }

                async fn shared_record_login(&self, id: &UserId, now: UnixTime) -> StoreResult<()> {
                    sqlx::query("UPDATE users SET last_login_at = $1, login_count = login_count + 1 WHERE id = $2")
                        .bind(now)
                        .bind(&id.0)
                        .execute(self.writes())
                        .await
                        .map_err(db)?;
                    Ok(())
                }

                async fn list_users(&self, q: &UserQuery) -> StoreResult<Vec<User>> {
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
                        sqlx::query(
                            "INSERT INTO identifiers (kind, value, user_id, verified) VALUES ($1, $2, $3, FALSE)",
                        )
                        .bind(kind)
                        .bind(value)
                        .bind(&user.0)
                        .execute(&mut **tx)
                        .await
                        .map_err(db)?;
                    }
                    Ok(())
                }

                async fn change_user(
                    &self,
                    id: &UserId,
                    change: &UserChange,
                    now: UnixTime,
                ) -> StoreResult<Option<User>> {
                    let mut tx = self.writes().begin().await.map_err(db)?;
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
                async fn add_user(
                    &self,
                    identifier: &Identifier,
                    metadata: &serde_json::Value,
                    now: UnixTime,
                ) -> StoreResult<User> {
                    let id = UserId::new();
                    let mut tx = self.writes().begin().await.map_err(db)?;
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

                async fn shared_user_by_external_id(&self, external_id: &str) -> StoreResult<Option<User>> {
                    let row = sqlx::query(user_select!("WHERE u.external_id = $1"))
                        .bind(external_id)
                        .fetch_optional(&self.pool)
                        .await;
                    row.map_err(db)?.as_ref().map(rows::user).transpose()
                }

                /// Writes an imported user, identifiers and passkeys in one transaction, unless a
                /// user has its external id already; `Conflict` (nothing written) if an identifier,
                /// a credential id or the user id is taken.
                async fn shared_import_user(&self, u: &ImportedUser, now: UnixTime) -> StoreResult<Imported> {
                    if let Some(user) = self.shared_user_by_external_id(&u.external_id).await? {
                        return Ok(Imported::Existing(user.id));
                    }
                    let id = u.id.clone().unwrap_or_default();
                    let mut tx = self.writes().begin().await.map_err(db)?;
                    match Self::write_imported(&mut tx, &id, u, now).await {
                        Ok(()) => tx.commit().await.map_err(db)?,
                        Err(StoreError::Conflict) => {
                            tx.rollback().await.map_err(db)?;
                            // A concurrent import of the same user got there first.
                            return match self.shared_user_by_external_id(&u.external_id).await? {
                                Some(user) => Ok(Imported::Existing(user.id)),
                                None => Err(StoreError::Conflict),
                            };
                        }
                        Err(e) => return Err(e),
                    }
                    Ok(Imported::Created(id))
                }

                async fn write_imported<'c>(
                    tx: &mut sqlx::Transaction<'c, $db>,
                    id: &UserId,
                    u: &ImportedUser,
                    now: UnixTime,
                ) -> StoreResult<()> {
                    sqlx::query(
                        "INSERT INTO users (id, active, created_at, updated_at, metadata, external_id) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(&id.0)
                    .bind(u.active)
                    .bind(u.created_at.unwrap_or(now))
                    .bind(now)
                    .bind(u.metadata.to_string())
                    .bind(&u.external_id)
                    .execute(&mut **tx)
                    .await
                    .map_err(db)?;
                    let identifiers = [
                        ("email", u.email.as_ref().map(|e| e.as_str()), u.email_verified),
                        ("phone", u.phone.as_ref().map(|p| p.as_str()), u.phone_verified),
                    ];
                    for (kind, value, verified) in identifiers {
                        let Some(value) = value else { continue };
                        sqlx::query("INSERT INTO identifiers (kind, value, user_id, verified) VALUES ($1, $2, $3, $4)")
                            .bind(kind)
                            .bind(value)
                            .bind(&id.0)
                            .bind(verified)
                            .execute(&mut **tx)
                            .await
                            .map_err(db)?;
                    }
                    for p in &u.passkeys {
                        sqlx::query(
                            "INSERT INTO passkeys (cred_id, user_id, name, passkey, backup_eligible, backup_state, \
                             created_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(&p.cred_id)
                        .bind(&id.0)
                        .bind(&p.name)
                        .bind(&p.passkey)
                        .bind(p.backup_eligible)
                        .bind(p.backup_state)
                        .bind(p.created_at.unwrap_or(now))
                        .bind(p.last_used_at)
                        .execute(&mut **tx)
                        .await
                        .map_err(db)?;
                    }
                    Ok(())
                }

                /// Deletes the user; identifiers, passkeys, sessions and refresh tokens go with it
                /// (`ON DELETE CASCADE`).
                async fn remove_user(&self, id: &UserId) -> StoreResult<bool> {
                    let done = sqlx::query("DELETE FROM users WHERE id = $1")
                        .bind(&id.0)
                        .execute(self.writes())
                        .await
                        .map_err(db)?;
                    self.forget_user(id);
                    Ok(done.rows_affected() > 0)
                }
            }
        };
    };
}
pub(in crate::store) use statements;

/// The user `create_user_with_identifier` just inserted: `identifier` verified, nothing else.
pub(in crate::store) fn created_user(id: UserId, identifier: &Identifier, now: UnixTime) -> User {
    let (email, phone) = match identifier {
        Identifier::Email(e) => (Some(e.clone()), None),
        Identifier::Phone(p) => (None, Some(p.clone())),
    };
    User {
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
        external_id: None,
        operator: false,
    }
}
