//! `Upstreams` timed like every other directory aggregate.

use std::time::Instant;

use async_trait::async_trait;

use super::Measured;
use crate::clock::UnixTime;
use crate::config::UpstreamConfig;
use crate::store::{Directory, StoreResult, Upstreams};

#[async_trait]
impl Upstreams for Measured<dyn Directory> {
    async fn upstream(&self, id: &str) -> StoreResult<Option<UpstreamConfig>> {
        measure!(self, upstream(id))
    }
    async fn upstreams(&self) -> StoreResult<Vec<UpstreamConfig>> {
        measure!(self, upstreams())
    }
    async fn insert_upstream(&self, upstream: &UpstreamConfig, now: UnixTime) -> StoreResult<()> {
        measure!(self, insert_upstream(upstream, now))
    }
    async fn update_upstream(&self, upstream: &UpstreamConfig, now: UnixTime) -> StoreResult<bool> {
        measure!(self, update_upstream(upstream, now))
    }
    async fn delete_upstream(&self, id: &str) -> StoreResult<bool> {
        measure!(self, delete_upstream(id))
    }
}
