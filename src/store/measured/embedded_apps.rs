//! `EmbeddedApps` timed like every other directory aggregate.

use std::time::Instant;

use async_trait::async_trait;

use super::Measured;
use crate::clock::UnixTime;
use crate::model::{AppAlias, AppPasskey, AppUser, EmbeddedApp};
use crate::store::{Directory, EmbeddedApps, StoreResult};

#[async_trait]
impl EmbeddedApps for Measured<dyn Directory> {
    async fn embedded_app(&self, id: &str) -> StoreResult<Option<EmbeddedApp>> {
        measure!(self, embedded_app(id))
    }
    async fn embedded_apps(&self) -> StoreResult<Vec<EmbeddedApp>> {
        measure!(self, embedded_apps())
    }
    async fn insert_embedded_app(&self, app: &EmbeddedApp, now: UnixTime) -> StoreResult<()> {
        measure!(self, insert_embedded_app(app, now))
    }
    async fn update_embedded_app(&self, app: &EmbeddedApp, now: UnixTime) -> StoreResult<bool> {
        measure!(self, update_embedded_app(app, now))
    }
    async fn delete_embedded_app(&self, id: &str) -> StoreResult<bool> {
        measure!(self, delete_embedded_app(id))
    }
    async fn insert_app_passkey(&self, passkey: &AppPasskey) -> StoreResult<()> {
        measure!(self, insert_app_passkey(passkey))
    }
    async fn app_passkey(&self, app_id: &str, cred_id: &str) -> StoreResult<Option<AppPasskey>> {
        measure!(self, app_passkey(app_id, cred_id))
    }
    async fn app_passkeys_of_user(&self, app_id: &str, user_id: &str) -> StoreResult<Vec<AppPasskey>> {
        measure!(self, app_passkeys_of_user(app_id, user_id))
    }
    async fn app_passkey_used(&self, passkey: &AppPasskey, now: UnixTime) -> StoreResult<()> {
        measure!(self, app_passkey_used(passkey, now))
    }
    async fn delete_app_passkey(&self, app_id: &str, cred_id: &str) -> StoreResult<bool> {
        measure!(self, delete_app_passkey(app_id, cred_id))
    }
    async fn set_app_aliases(&self, app_id: &str, user_id: &str, aliases: &[AppAlias]) -> StoreResult<()> {
        measure!(self, set_app_aliases(app_id, user_id, aliases))
    }
    async fn app_aliases_of_user(&self, app_id: &str, user_id: &str) -> StoreResult<Vec<AppAlias>> {
        measure!(self, app_aliases_of_user(app_id, user_id))
    }
    async fn app_alias_owner(&self, app_id: &str, hash: &str) -> StoreResult<Option<String>> {
        measure!(self, app_alias_owner(app_id, hash))
    }
    async fn app_users(&self, app_id: &str) -> StoreResult<Vec<AppUser>> {
        measure!(self, app_users(app_id))
    }
    async fn delete_app_user(&self, app_id: &str, user_id: &str) -> StoreResult<bool> {
        measure!(self, delete_app_user(app_id, user_id))
    }
}
