//! SQLite `Users`: the shared statements behind a cache of users by id, which every write that
//! changes a user clears.

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::model::{Identifier, Imported, ImportedUser, User, UserChange, UserId, UserQuery};
use crate::store::sql::rows::{self, db};
use crate::store::sql::users::{created_user, statements, user_select};
use crate::store::sqlite::SqliteDirectory;
use crate::store::{StoreError, StoreResult, Users};

statements!(SqliteDirectory, sqlx::Sqlite);

#[async_trait]
impl Users for SqliteDirectory {
    async fn user_by_identifier(&self, identifier: &Identifier) -> StoreResult<Option<User>> {
        self.shared_user_by_identifier(identifier).await
    }

    async fn user(&self, id: &UserId) -> StoreResult<Option<User>> {
        if let Some(user) = self.users.get(&id.0) {
            return Ok(Some(user));
        }
        let generation = self.users.generation();
        let row = sqlx::query(user_select!("WHERE u.id = ?")).bind(&id.0).fetch_optional(&self.pool).await;
        let user = row.map_err(db)?.as_ref().map(rows::user).transpose()?;
        if let Some(user) = &user {
            self.users.put(generation, id.0.clone(), user.clone());
        }
        Ok(user)
    }

    async fn create_user_with_identifier(&self, identifier: &Identifier, now: UnixTime) -> StoreResult<User> {
        let id = UserId::new();
        let mut tx = self.writes().begin().await.map_err(db)?;
        sqlx::query("INSERT INTO users (id, created_at, updated_at) VALUES (?, ?, ?)")
            .bind(&id.0)
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let inserted = sqlx::query("INSERT INTO identifiers (kind, value, user_id, verified) VALUES (?, ?, ?, 1)")
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
        Ok(created_user(id, identifier, now))
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
        let done = sqlx::query("UPDATE identifiers SET verified = 1 WHERE user_id = ?1 AND kind = ?2 AND value = ?3")
            .bind(&user.0)
            .bind(identifier.kind())
            .bind(identifier.as_str())
            .execute(self.writes())
            .await
            .map_err(db)?;
        self.users.forget_where(|u| u.id == *user);
        Ok(done.rows_affected() == 1)
    }

    async fn user_by_external_id(&self, external_id: &str) -> StoreResult<Option<User>> {
        self.shared_user_by_external_id(external_id).await
    }

    async fn import_user(&self, user: &ImportedUser, now: UnixTime) -> StoreResult<Imported> {
        self.shared_import_user(user, now).await
    }

    async fn set_user_active(&self, id: &UserId, active: bool, now: UnixTime) -> StoreResult<bool> {
        self.users.forget_where(|u| u.id == *id);
        let done = sqlx::query("UPDATE users SET active = ?, updated_at = ? WHERE id = ?")
            .bind(active)
            .bind(now)
            .bind(&id.0)
            .execute(self.writes())
            .await
            .map_err(db)?;
        self.users.forget_where(|u| u.id == *id);
        Ok(done.rows_affected() == 1)
    }

    async fn set_operator(&self, id: &UserId, operator: bool, now: UnixTime) -> StoreResult<bool> {
        self.users.forget_where(|u| u.id == *id);
        let done = sqlx::query("UPDATE users SET operator = ?, updated_at = ? WHERE id = ?")
            .bind(operator)
            .bind(now)
            .bind(&id.0)
            .execute(self.writes())
            .await
            .map_err(db)?;
        self.users.forget_where(|u| u.id == *id);
        Ok(done.rows_affected() == 1)
    }
}
