//! docs/testing.md, example 2: a cache adapter of a team's own, held to the same contract
//! suite our Redis and in-process caches pass. Swap in your adapter; keep the two tests.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use domain::testing::contract::cache::{the_cache_contract, the_down_cache_contract};
use domain::{CacheError, CacheStats, SearchCache};

/// The team's adapter: a map with expiry behind a mutex, which can be switched off to play
/// a cache that is down.
#[derive(Default)]
struct TeamCache {
    entries: Mutex<HashMap<String, (String, Instant)>>,
    unplugged: AtomicBool,
    hits: AtomicU64,
    misses: AtomicU64,
    errors: AtomicU64,
}

/// Why the team's cache failed.
#[derive(Debug)]
struct Unplugged;

impl std::fmt::Display for Unplugged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the team cache is unplugged")
    }
}

impl std::error::Error for Unplugged {}

impl TeamCache {
    fn reachable(&self) -> Result<(), CacheError> {
        if self.unplugged.load(Ordering::Relaxed) {
            Err(CacheError::unavailable(Unplugged))
        } else {
            Ok(())
        }
    }

    fn count(&self, counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

impl SearchCache for TeamCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        if let Err(e) = self.reachable() {
            self.count(&self.errors);
            return Err(e);
        }
        let now = Instant::now();
        let entries = self.entries.lock().expect("not poisoned");
        let found = entries
            .get(key)
            .filter(|(_, until)| *until > now)
            .map(|(value, _)| value.clone());
        self.count(if found.is_some() {
            &self.hits
        } else {
            &self.misses
        });
        Ok(found)
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        if let Err(e) = self.reachable() {
            self.count(&self.errors);
            return Err(e);
        }
        self.entries
            .lock()
            .expect("not poisoned")
            .insert(key.to_owned(), (value.to_owned(), Instant::now() + ttl));
        Ok(())
    }

    fn kind(&self) -> &'static str {
        "team"
    }

    async fn ping(&self) -> Result<(), CacheError> {
        self.reachable()
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

#[tokio::test]
async fn the_team_cache_keeps_the_cache_contract() {
    the_cache_contract(&TeamCache::default(), "team-cache-example:").await;
}

#[tokio::test]
async fn the_team_cache_fails_quickly_when_down() {
    let cache = TeamCache::default();
    cache.unplugged.store(true, Ordering::Relaxed);
    the_down_cache_contract(&cache).await;
}
