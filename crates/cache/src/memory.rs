//! The in-process cache: bounded, with a TTL per entry (moka).

use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{CacheError, CacheStats, SearchCache};
use moka::sync::Cache;
use moka::Expiry;

use crate::stats::Counters;

/// A value with the lifetime it was stored for.
#[derive(Clone)]
struct Entry {
    value: Arc<str>,
    ttl: Duration,
}

/// Expires each entry after the TTL given to its `set`.
struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _key: &String, entry: &Entry, _now: Instant) -> Option<Duration> {
        Some(entry.ttl)
    }

    fn expire_after_update(
        &self,
        _key: &String,
        entry: &Entry,
        _now: Instant,
        _current: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }
}

/// An in-process cache holding at most `max_entries` entries (least recently used go first).
#[derive(Clone)]
pub struct MemoryCache {
    inner: Cache<String, Entry>,
    counters: Counters,
}

impl std::fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryCache")
            .field("entries", &self.inner.entry_count())
            .finish()
    }
}

impl MemoryCache {
    /// A cache of at most `max_entries` entries.
    pub fn new(max_entries: u64) -> Self {
        Self {
            inner: Cache::builder()
                .max_capacity(max_entries)
                .expire_after(PerEntryTtl)
                .build(),
            counters: Counters::default(),
        }
    }

    /// Entries held (after pending evictions run).
    pub fn len(&self) -> u64 {
        self.inner.run_pending_tasks();
        self.inner.entry_count()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value under `key`, if present and not expired. Counts nothing: the near copy of
    /// crates/cache/src/redis_cache.rs reads through this, and counts in its own counters.
    pub(crate) fn lookup(&self, key: &str) -> Option<String> {
        self.inner.get(key).map(|entry| entry.value.to_string())
    }

    /// Stores `value` under `key` for `ttl`, replacing what was there. Cannot fail.
    pub(crate) fn insert(&self, key: &str, value: &str, ttl: Duration) {
        self.inner.insert(
            key.to_owned(),
            Entry {
                value: value.into(),
                ttl,
            },
        );
    }
}

impl SearchCache for MemoryCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        let found = self.lookup(key);
        if found.is_some() {
            self.counters.hit();
        } else {
            self.counters.miss();
        }
        Ok(found)
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        self.insert(key, value, ttl);
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "memory"
    }

    /// In process: it always answers.
    async fn ping(&self) -> Result<(), CacheError> {
        Ok(())
    }

    /// Hits and misses since creation; it never fails and has no breaker.
    fn stats(&self) -> CacheStats {
        self.counters.snapshot()
    }
}
