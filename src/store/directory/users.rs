//! `Users`: people and the identifiers (email, phone) they own, with their status and metadata.

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::model::{Email, Identifier, Imported, ImportedUser, User, UserChange, UserId, UserQuery};
use crate::store::StoreResult;

#[async_trait]
pub trait Users: Send + Sync {
    /// The user who owns an email address or phone number.
    async fn user_by_identifier(&self, identifier: &Identifier) -> StoreResult<Option<User>>;
    async fn user(&self, id: &UserId) -> StoreResult<Option<User>>;
    /// Creates a user owning `identifier` (verified), or returns the user that already owns it.
    async fn create_user_with_identifier(&self, identifier: &Identifier, now: UnixTime) -> StoreResult<User>;
    /// Creates a user owning `identifier` (verified) with `metadata`; `Conflict` if the
    /// identifier has an owner already, so of two concurrent creations one fails.
    async fn insert_user(
        &self,
        identifier: &Identifier,
        metadata: &serde_json::Value,
        now: UnixTime,
    ) -> StoreResult<User>;

    async fn user_by_email(&self, email: &Email) -> StoreResult<Option<User>> {
        self.user_by_identifier(&Identifier::Email(email.clone())).await
    }
    async fn create_user_with_email(&self, email: &Email, now: UnixTime) -> StoreResult<User> {
        self.create_user_with_identifier(&Identifier::Email(email.clone()), now).await
    }
    async fn record_login(&self, id: &UserId, now: UnixTime) -> StoreResult<()>;

    /// Users ordered by id, after the query's cursor, filtered by status and creation time.
    async fn users(&self, query: &UserQuery) -> StoreResult<Vec<User>>;
    /// Applies `change`: `None` if there is no such user, `Conflict` if another user owns a new
    /// identifier. A changed identifier is unverified.
    async fn update_user(&self, id: &UserId, change: &UserChange, now: UnixTime) -> StoreResult<Option<User>>;
    /// Deletes a user with identifiers, passkeys, sessions and refresh tokens; `false` if none.
    async fn delete_user(&self, id: &UserId) -> StoreResult<bool>;
    /// Marks an identifier of `user` verified; `false` if the user does not own it.
    async fn set_identifier_verified(&self, user: &UserId, identifier: &Identifier) -> StoreResult<bool>;
    /// The user imported with `external_id`.
    async fn user_by_external_id(&self, external_id: &str) -> StoreResult<Option<User>>;
    /// Writes an imported user with identifiers and passkeys in one transaction: `Existing` (and
    /// nothing written) if a user has its external id, `Conflict` (nothing written) if one of its
    /// identifiers, credential ids or its user id belongs to someone else.
    async fn import_user(&self, user: &ImportedUser, now: UnixTime) -> StoreResult<Imported>;
    /// Activates or deactivates a user; `false` if there is no such user.
    async fn set_user_active(&self, id: &UserId, active: bool, now: UnixTime) -> StoreResult<bool>;
    /// Grants or takes back the operator role; `false` if there is no such user.
    async fn set_operator(&self, id: &UserId, operator: bool, now: UnixTime) -> StoreResult<bool>;
}
