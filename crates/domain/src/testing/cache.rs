//! [`InMemoryCache`]: the cache port as a map with expiry.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::ports::{CacheError, CacheStats, SearchCache};

/// A cache in a map: entries expire after their TTL; it never fails unless told to
/// ([`InMemoryCache::set_down`]), which makes every call fail like a dead cache.
#[derive(Debug, Default)]
pub struct InMemoryCache {
    entries: Mutex<HashMap<String, (String, Instant)>>,
    down: std::sync::atomic::AtomicBool,
    hits: AtomicU64,
    misses: AtomicU64,
    errors: AtomicU64,
}

/// Why a fake cache that was told to be down fails.
#[derive(Debug, thiserror::Error)]
#[error("the in-memory cache was told to be down")]
pub struct Down;

impl InMemoryCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// From now on every call fails (`true`) or works again (`false`).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::Relaxed);
    }

    /// How many live entries it holds.
    pub fn len(&self) -> usize {
        let now = Instant::now();
        lock(&self.entries)
            .values()
            .filter(|(_, until)| *until > now)
            .count()
    }

    /// Whether it holds no live entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fails when told to be down.
    fn check(&self) -> Result<(), CacheError> {
        if self.down.load(Ordering::Relaxed) {
            Err(CacheError::unavailable(Down))
        } else {
            Ok(())
        }
    }

    /// Like [`Self::check`], counting a failure as an error: for reads and writes (a failed
    /// `ping` is neither, see `CacheStats::errors` in crates/domain/src/ports/cache.rs).
    fn check_counted(&self) -> Result<(), CacheError> {
        let outcome = self.check();
        if outcome.is_err() {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        outcome
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl SearchCache for InMemoryCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        self.check_counted()?;
        let now = Instant::now();
        let found = lock(&self.entries)
            .get(key)
            .filter(|(_, until)| *until > now)
            .map(|(value, _)| value.clone());
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(found)
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        self.check_counted()?;
        lock(&self.entries).insert(key.to_owned(), (value.to_owned(), Instant::now() + ttl));
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "in-memory-fake"
    }

    async fn ping(&self) -> Result<(), CacheError> {
        self.check()
    }

    fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            breaker_open: false,
        }
    }
}
