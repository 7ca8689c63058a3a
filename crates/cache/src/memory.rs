//! The in-process cache: bounded, with a TTL per entry (moka).

use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::{CacheError, SearchCache};
use moka::sync::Cache;
use moka::Expiry;

use crate::stats::{CacheStats, Counters};

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

    /// Counters since creation.
    pub fn stats(&self) -> CacheStats {
        self.counters.snapshot()
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
}

impl SearchCache for MemoryCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        let r: Result<Option<String>, CacheError> =
            Ok(self.inner.get(key).map(|e| e.value.to_string()));
        self.counters.read(&r);
        r
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        self.inner.insert(
            key.to_owned(),
            Entry {
                value: value.into(),
                ttl,
            },
        );
        Ok(())
    }
}
