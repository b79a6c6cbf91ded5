//! A small read cache for the single-process SQLite directory: hot rows (sessions, users) are
//! served from memory for a few seconds, and every write through the directory updates or drops
//! them at once, so revocation in this process is exact and an outside edit is seen within TTL.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a row read from disk is reused.
const TTL: Duration = Duration::from_secs(5);
/// Entries kept at most; the cache is cleared when full (it refills from hot rows).
const CAPACITY: usize = 50_000;

pub struct RowCache<K, V> {
    rows: Mutex<HashMap<K, (V, Instant)>>,
    /// Bumped by every invalidation: a read that started before one must not cache its row.
    generation: AtomicU64,
}

impl<K: Eq + Hash, V: Clone> RowCache<K, V> {
    pub fn new() -> Self {
        RowCache { rows: Mutex::new(HashMap::new()), generation: AtomicU64::new(0) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (V, Instant)>> {
        self.rows.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached value, if it was read less than TTL ago.
    pub fn get(&self, key: &K) -> Option<V> {
        self.lock().get(key).filter(|(_, at)| at.elapsed() < TTL).map(|(v, _)| v.clone())
    }

    /// Taken before reading from disk, and handed back to `put`.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Caches a row read from disk, unless something was invalidated since `generation`.
    pub fn put(&self, generation: u64, key: K, value: V) {
        let mut rows = self.lock();
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if rows.len() >= CAPACITY {
            rows.clear();
        }
        rows.insert(key, (value, Instant::now()));
    }

    /// Drops every entry for which `stale` holds (used where only the value identifies a row).
    pub fn forget_where(&self, stale: impl Fn(&V) -> bool) {
        let mut rows = self.lock();
        self.generation.fetch_add(1, Ordering::SeqCst);
        rows.retain(|_, (v, _)| !stale(v));
    }
}

#[cfg(test)]
mod tests {
    use super::RowCache;

    #[test]
    fn forgotten_rows_are_read_again() {
        let cache = RowCache::new();
        cache.put(cache.generation(), "a", 1);
        assert_eq!(cache.get(&"a"), Some(1));
        cache.forget_where(|v| *v == 1);
        assert_eq!(cache.get(&"a"), None);
        cache.put(cache.generation(), "b", 2);
        cache.forget_where(|v| *v == 2);
        assert_eq!(cache.get(&"b"), None);
    }

    #[test]
    fn a_read_that_raced_an_invalidation_is_not_cached() {
        let cache = RowCache::new();
        let before = cache.generation();
        cache.forget_where(|_| true);
        cache.put(before, "a", 1);
        assert_eq!(cache.get(&"a"), None);
    }
}
