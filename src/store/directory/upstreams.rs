//! `Upstreams`: upstream identity providers registered at run time (configured ones are not
//! here), each kept whole with its secrets, which only the sign-in reads.

use async_trait::async_trait;

use crate::clock::UnixTime;
use crate::config::UpstreamConfig;
use crate::store::StoreResult;

#[async_trait]
pub trait Upstreams: Send + Sync {
    async fn upstream(&self, id: &str) -> StoreResult<Option<UpstreamConfig>>;
    /// Every registered upstream, by id.
    async fn upstreams(&self) -> StoreResult<Vec<UpstreamConfig>>;
    /// `Conflict` if the id is taken.
    async fn insert_upstream(&self, upstream: &UpstreamConfig, now: UnixTime) -> StoreResult<()>;
    /// `false` if there is no such upstream.
    async fn update_upstream(&self, upstream: &UpstreamConfig, now: UnixTime) -> StoreResult<bool>;
    async fn delete_upstream(&self, id: &str) -> StoreResult<bool>;
}
