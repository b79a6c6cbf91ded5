//! The two stores: `Directory` (durable records, one trait per aggregate) and `Ephemeral`
//! (expiring, single-use state), each with one backend per deployment shape, chosen from the
//! configured URL.

mod directory;
mod measured;
mod memory;
mod pg;
pub mod prelude;
mod redis;
mod sql;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use directory::{
    ApiKeys, Apis, AuditLog, Bridges, Clients, Consents, Directory, EmbeddedApps, Identities, Passkeys, RefreshToken,
    RefreshTokens, Rotation, Sessions, Upstreams, Users,
};
pub use memory::MemoryEphemeral;
pub use pg::PgDirectory;
pub use redis::RedisEphemeral;
pub use sqlite::SqliteDirectory;

use crate::clock::Clock;

/// A store could not do what was asked. Callers answer 503 (`temporarily_unavailable`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("already exists")]
    Conflict,
    #[error("stored record is corrupt: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Expiring state. Every key has a TTL; `take` is the atomic single-use read.
#[async_trait]
pub trait Ephemeral: Send + Sync {
    async fn ping(&self) -> StoreResult<()>;
    async fn put(&self, key: &str, value: Vec<u8>, ttl_secs: u64) -> StoreResult<()>;
    /// Stores only if the key is absent; `false` if it was present (single-use markers).
    async fn put_new(&self, key: &str, value: Vec<u8>, ttl_secs: u64) -> StoreResult<bool>;
    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Returns and deletes in one step: of two concurrent takers, exactly one gets the value.
    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>>;
    async fn delete(&self, key: &str) -> StoreResult<()>;
    /// Adds one and returns the new count; a new counter expires after `ttl_secs`.
    async fn incr(&self, key: &str, ttl_secs: u64) -> StoreResult<u64>;
    /// Counts limits in order, each `(key, window, max)` as `incr` would, and stops at the first
    /// whose count is then over its max: its index, or `None` when all are within. A refused
    /// event counts against that limit and those before it, never the ones after, so a source
    /// refused by its own limit cannot spend a shared one. One round trip where the backend can.
    async fn incr_until_over(&self, counters: &[(&str, u64, u64)]) -> StoreResult<Option<usize>> {
        incr_in_turn(self, counters).await
    }
}

/// `incr_until_over` as one `incr` per counter: the rule for backends without a single call.
pub(crate) async fn incr_in_turn<E: Ephemeral + ?Sized>(
    store: &E,
    counters: &[(&str, u64, u64)],
) -> StoreResult<Option<usize>> {
    for (i, (key, ttl_secs, max)) in counters.iter().enumerate() {
        if store.incr(key, *ttl_secs).await? > *max {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

impl dyn Ephemeral {
    pub async fn put_json<T: Serialize>(&self, key: &str, value: &T, ttl_secs: u64) -> StoreResult<()> {
        self.put(key, to_json(value)?, ttl_secs).await
    }

    pub async fn get_json<T: DeserializeOwned>(&self, key: &str) -> StoreResult<Option<T>> {
        self.get(key).await?.map(|b| from_json(&b)).transpose()
    }

    pub async fn take_json<T: DeserializeOwned>(&self, key: &str) -> StoreResult<Option<T>> {
        self.take(key).await?.map(|b| from_json(&b)).transpose()
    }
}

fn to_json<T: Serialize>(value: &T) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> StoreResult<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Opens the directory named by `url`: `sqlite:` or `postgres://`.
pub async fn open_directory(url: &str) -> StoreResult<Arc<dyn Directory>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgDirectory::open(url).await?))
    } else {
        Ok(Arc::new(SqliteDirectory::open(url).await?))
    }
}

/// Wraps the directory so every operation is timed in `metrics`.
pub fn measured_directory(
    inner: Arc<dyn Directory>,
    config: &crate::config::Config,
    metrics: &Arc<crate::metrics::Metrics>,
) -> Arc<dyn Directory> {
    let backend = if config.directory.url.starts_with("postgres") { "postgres" } else { "sqlite" };
    Arc::new(measured::Measured::new(inner, "directory", backend, metrics.clone()))
}

/// Wraps the ephemeral store so every operation is timed in `metrics`.
pub fn measured_ephemeral(
    inner: Arc<dyn Ephemeral>,
    config: &crate::config::Config,
    metrics: &Arc<crate::metrics::Metrics>,
) -> Arc<dyn Ephemeral> {
    let e = &config.ephemeral;
    let backend = if !e.cluster_nodes.is_empty() {
        "redis-cluster"
    } else if e.url == "memory://" {
        "memory"
    } else {
        "redis"
    };
    Arc::new(measured::Measured::new(inner, "ephemeral", backend, metrics.clone()))
}

/// Opens the ephemeral store the configuration names: in-process, one Redis, or a Redis Cluster.
pub async fn open_ephemeral(config: &crate::config::EphemeralConfig, clock: Clock) -> StoreResult<Arc<dyn Ephemeral>> {
    if config.url == "memory://" && config.cluster_nodes.is_empty() {
        return Ok(Arc::new(MemoryEphemeral::new(clock)));
    }
    Ok(Arc::new(RedisEphemeral::open(&config.url, &config.cluster_nodes, &config.prefix).await?))
}

#[cfg(test)]
mod conformance;
