//! `Bridges`: bridges registered at run time (configured ones are not here).

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::config::BridgeConfig;
use crate::store::StoreResult;

#[async_trait]
pub trait Bridges: Send + Sync {
    async fn bridge(&self, id: &str) -> StoreResult<Option<BridgeConfig>>;
    async fn bridges(&self) -> StoreResult<Vec<BridgeConfig>>;
    /// `Conflict` if the id is taken.
    async fn insert_bridge(&self, bridge: &BridgeConfig, now: UnixTime) -> StoreResult<()>;
    /// `false` if there is no such bridge.
    async fn update_bridge(&self, bridge: &BridgeConfig, now: UnixTime) -> StoreResult<bool>;
    async fn delete_bridge(&self, id: &str) -> StoreResult<bool>;
}
