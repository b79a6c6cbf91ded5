//! `EmbeddedApps`: applications registered at run time (configured ones are not here), and the
//! passkeys and aliases of every application's users (configured applications' too).

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::model::{AppAlias, AppPasskey, AppUser, EmbeddedApp};
use crate::store::StoreResult;

#[async_trait]
pub trait EmbeddedApps: Send + Sync {
    async fn embedded_app(&self, id: &str) -> StoreResult<Option<EmbeddedApp>>;
    async fn embedded_apps(&self) -> StoreResult<Vec<EmbeddedApp>>;
    /// `Conflict` if the id is taken.
    async fn insert_embedded_app(&self, app: &EmbeddedApp, now: UnixTime) -> StoreResult<()>;
    /// `false` if there is no such application.
    async fn update_embedded_app(&self, app: &EmbeddedApp, now: UnixTime) -> StoreResult<bool>;
    /// Removes the application with its users' passkeys and aliases; `false` if there was none.
    async fn delete_embedded_app(&self, id: &str) -> StoreResult<bool>;

    /// `Conflict` if the application has this credential id already.
    async fn insert_app_passkey(&self, passkey: &AppPasskey) -> StoreResult<()>;
    async fn app_passkey(&self, app_id: &str, cred_id: &str) -> StoreResult<Option<AppPasskey>>;
    /// A user's passkeys, oldest first.
    async fn app_passkeys_of_user(&self, app_id: &str, user_id: &str) -> StoreResult<Vec<AppPasskey>>;
    /// Records a sign-in: the updated credential (counter, flags) and when it was used.
    async fn app_passkey_used(&self, passkey: &AppPasskey, now: UnixTime) -> StoreResult<()>;
    /// `false` if the application has no such passkey.
    async fn delete_app_passkey(&self, app_id: &str, cred_id: &str) -> StoreResult<bool>;

    /// Replaces the user's aliases with `aliases`, all or nothing: `Conflict` (and no change) if
    /// one of them names another user of the application.
    async fn set_app_aliases(&self, app_id: &str, user_id: &str, aliases: &[AppAlias]) -> StoreResult<()>;
    async fn app_aliases_of_user(&self, app_id: &str, user_id: &str) -> StoreResult<Vec<AppAlias>>;
    /// The user an alias (by hash) names.
    async fn app_alias_owner(&self, app_id: &str, hash: &str) -> StoreResult<Option<String>>;

    /// Users with a passkey or an alias, by id.
    async fn app_users(&self, app_id: &str) -> StoreResult<Vec<AppUser>>;
    /// Removes the user's passkeys and aliases; `false` if there were none.
    async fn delete_app_user(&self, app_id: &str, user_id: &str) -> StoreResult<bool>;
}
