//! `ApiKeys`: keys for the management API, stored as SHA-256 hashes, revoked but never deleted.

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::model::ApiKey;
use crate::store::StoreResult;

#[async_trait]
pub trait ApiKeys: Send + Sync {
    async fn insert_api_key(&self, key: &ApiKey) -> StoreResult<()>;
    async fn api_keys(&self) -> StoreResult<Vec<ApiKey>>;
    /// A live (unrevoked) key whose SHA-256 is `hash`.
    async fn api_key_by_hash(&self, hash: &[u8; 32]) -> StoreResult<Option<ApiKey>>;
    /// `false` if there is no such live key.
    async fn revoke_api_key(&self, id: &str, now: UnixTime) -> StoreResult<bool>;
}
