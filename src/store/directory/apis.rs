//! `Apis`: APIs (resource servers) registered at run time (configured ones are not here).

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::config::ApiConfig;
use crate::store::StoreResult;

#[async_trait]
pub trait Apis: Send + Sync {
    async fn api(&self, identifier: &str) -> StoreResult<Option<ApiConfig>>;
    async fn apis(&self) -> StoreResult<Vec<ApiConfig>>;
    /// `Conflict` if the identifier is taken.
    async fn insert_api(&self, api: &ApiConfig, now: UnixTime) -> StoreResult<()>;
    /// `false` if there is no such API.
    async fn update_api(&self, api: &ApiConfig, now: UnixTime) -> StoreResult<bool>;
    async fn delete_api(&self, identifier: &str) -> StoreResult<bool>;
}
