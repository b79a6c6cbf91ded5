//! In-process `Ephemeral`: sharded maps with expiry read from the `Clock`, for one-replica setups.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;

use async_trait::async_trait;

use crate::clock::{Clock, UnixTime};
use crate::store::{Ephemeral, StoreResult};

const SHARDS: usize = 16;
/// Expired entries are swept from a shard after this many writes to it.
const SWEEP_EVERY: u64 = 4096;

struct Entry {
    value: Vec<u8>,
    expires_at: UnixTime,
}

#[derive(Default)]
struct Shard {
    map: HashMap<String, Entry>,
    writes: u64,
}

pub struct MemoryEphemeral {
    shards: Vec<Mutex<Shard>>,
    hasher: RandomState,
    clock: Clock,
}

impl MemoryEphemeral {
    pub fn new(clock: Clock) -> Self {
        MemoryEphemeral {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            hasher: RandomState::new(),
            clock,
        }
    }

    /// Runs `f` on the key's shard with the lock held; no await happens inside.
    fn with_shard<R>(&self, key: &str, f: impl FnOnce(&mut Shard, UnixTime) -> R) -> R {
        let index = (self.hasher.hash_one(key) as usize) % SHARDS;
        let mut shard = self.shards[index].lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = self.clock.now();
        f(&mut shard, now)
    }

    fn write(&self, key: &str, value: Vec<u8>, ttl_secs: u64, only_if_absent: bool) -> bool {
        self.with_shard(key, |shard, now| {
            shard.writes += 1;
            if shard.writes.is_multiple_of(SWEEP_EVERY) {
                shard.map.retain(|_, e| e.expires_at > now);
            }
            if only_if_absent && shard.map.get(key).is_some_and(|e| e.expires_at > now) {
                return false;
            }
            let expires_at = now.saturating_add(ttl_secs as i64);
            shard.map.insert(key.to_string(), Entry { value, expires_at });
            true
        })
    }
}

#[async_trait]
impl Ephemeral for MemoryEphemeral {
    async fn ping(&self) -> StoreResult<()> {
        Ok(())
    }

    async fn put(&self, key: &str, value: Vec<u8>, ttl_secs: u64) -> StoreResult<()> {
        self.write(key, value, ttl_secs, false);
        Ok(())
    }

    async fn put_new(&self, key: &str, value: Vec<u8>, ttl_secs: u64) -> StoreResult<bool> {
        Ok(self.write(key, value, ttl_secs, true))
    }

    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(self
            .with_shard(key, |shard, now| shard.map.get(key).filter(|e| e.expires_at > now).map(|e| e.value.clone())))
    }

    async fn take(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.with_shard(key, |shard, now| shard.map.remove(key).filter(|e| e.expires_at > now).map(|e| e.value)))
    }

    async fn delete(&self, key: &str) -> StoreResult<()> {
        self.with_shard(key, |shard, _| shard.map.remove(key));
        Ok(())
    }

    async fn incr(&self, key: &str, ttl_secs: u64) -> StoreResult<u64> {
        Ok(self.with_shard(key, |shard, now| {
            let entry = shard
                .map
                .entry(key.to_string())
                .and_modify(|e| {
                    if e.expires_at <= now {
                        *e = Entry { value: 0u64.to_le_bytes().to_vec(), expires_at: now + ttl_secs as i64 };
                    }
                })
                .or_insert_with(|| Entry { value: 0u64.to_le_bytes().to_vec(), expires_at: now + ttl_secs as i64 });
            let count = entry.value.as_slice().try_into().map(u64::from_le_bytes).unwrap_or(0) + 1;
            entry.value = count.to_le_bytes().to_vec();
            count
        }))
    }
}
