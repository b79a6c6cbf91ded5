//! Redis `Ephemeral`: one node (`redis://`, `rediss://`) or a Cluster, with a key prefix so
//! deployments can share a server. Single-use reads are GETDEL; counters are one Lua script
//! (several counters one call, on a single node); every key has a TTL; every call is bounded
//! in time, so an outage answers fast.

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;

use crate::store::{Ephemeral, StoreError, StoreResult};

/// Longest time one Redis call may take before the request is answered 503.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// INCR that sets the window's TTL when the counter is created, atomically.
const INCR_WITH_TTL: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n";

/// The same for each of KEYS in turn (ARGV: window and max of each), stopping at the first
/// over its max: one round trip for the several limits a sign-in step counts.
const INCR_UNTIL_OVER: &str = r"
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, ARGV[2 * i - 1]) end
  if n > tonumber(ARGV[2 * i]) then return i end
end
return 0";

#[derive(Clone)]
enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

pub struct RedisEphemeral {
    conn: Conn,
    prefix: String,
    incr: redis::Script,
    incr_until_over: redis::Script,
}

fn unavailable(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("redis: {e}"))
}

impl RedisEphemeral {
    /// Connects lazily: start-up does not wait for Redis, and requests fail fast until it answers.
    pub async fn open(url: &str, cluster_nodes: &[String], prefix: &str) -> StoreResult<Self> {
        let conn = if cluster_nodes.is_empty() {
            let client = redis::Client::open(url).map_err(unavailable)?;
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(Duration::from_secs(1)))
                .set_response_timeout(Some(CALL_TIMEOUT))
                .set_number_of_retries(1)
                .set_max_delay(Duration::from_millis(500));
            Conn::Single(ConnectionManager::new_lazy_with_config(client, config).map_err(unavailable)?)
        } else {
            let client = ClusterClient::builder(cluster_nodes.to_vec())
                .connection_timeout(Duration::from_secs(1))
                .response_timeout(CALL_TIMEOUT)
                .build()
                .map_err(unavailable)?;
            Conn::Cluster(client.get_async_connection().await.map_err(unavailable)?)
        };
        Ok(RedisEphemeral {
            conn,
            prefix: prefix.to_string(),
            incr: redis::Script::new(INCR_WITH_TTL),
            incr_until_over: redis::Script::new(INCR_UNTIL_OVER),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> StoreResult<T> {
        let call = async {
            match self.conn.clone() {
                Conn::Single(mut c) => cmd.query_async(&mut c).await,
                Conn::Cluster(mut c) => cmd.query_async(&mut c).await,
            }
        };
        tokio::time::timeout(CALL_TIMEOUT, call).await.map_err(|_| unavailable("timed out"))?.map_err(unavailable)
    }

    async fn script<C: ConnectionLike>(&self, conn: &mut C, key: &str, ttl: u64) -> redis::RedisResult<u64> {
        self.incr.key(key).arg(ttl.max(1)).invoke_async(conn).await
    }
}

#[async_trait]
impl Ephemeral for RedisEphemeral {
    async fn ping(&self) -> StoreResult<()> {
        self.run::<String>(&redis::cmd("PING")).await.map(drop)
    }

    async fn put(&self, key: &str, value: Vec<u8>, ttl_secs: u64) -> StoreResult<()> {
        let cmd = redis::cmd("SET").arg(self.key(key)).arg(value).arg("EX").arg(ttl_secs.max(1)).clone();
        self.run::<()>(&cmd).await
    }

    async fn put_new(&self, key: &str, value: Vec<u8>, ttl_secs: u64) -> StoreResult<bool> {
        let cmd = redis::cmd("SET").arg(self.key(key)).arg(value).arg("NX").arg("EX").arg(ttl_secs.max(1)).clone();
        Ok(self.run::<Option<String>>(&cmd).await?.is_some())
    }

    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        self.run(&redis::cmd("GET").arg(self.key(key)).clone()).await
    }

    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        // GETDEL is atomic: of two replicas taking the same key, exactly one gets the value.
        self.run(&redis::cmd("GETDEL").arg(self.key(key)).clone()).await
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        self.run::<()>(&redis::cmd("DEL").arg(self.key(key)).clone()).await
    }

    async fn incr(&self, key: &str, ttl_secs: u64) -> StoreResult<u64> {
        let key = self.key(key);
        let call = async {
            match self.conn.clone() {
                Conn::Single(mut c) => self.script(&mut c, &key, ttl_secs).await,
                Conn::Cluster(mut c) => self.script(&mut c, &key, ttl_secs).await,
            }
        };
        tokio::time::timeout(CALL_TIMEOUT, call).await.map_err(|_| unavailable("timed out"))?.map_err(unavailable)
    }

    async fn incr_until_over(&self, counters: &[(&str, u64, u64)]) -> StoreResult<Option<usize>> {
        let Conn::Single(mut c) = self.conn.clone() else {
            // A script's keys must share a Cluster slot, and limits' keys do not: one at a time.
            return crate::store::incr_in_turn(self, counters).await;
        };
        let mut invocation = self.incr_until_over.prepare_invoke();
        for (key, ttl_secs, max) in counters {
            invocation.key(self.key(key)).arg(ttl_secs.max(&1)).arg(max);
        }
        let call = invocation.invoke_async::<usize>(&mut c);
        let over = tokio::time::timeout(CALL_TIMEOUT, call).await.map_err(|_| unavailable("timed out"))?;
        // Lua counts from 1; 0 is "all within".
        Ok(over.map_err(unavailable)?.checked_sub(1))
    }
}
