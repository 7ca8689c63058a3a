//! Adapters of the domain's [`SearchCache`] port: [`RedisCache`] (shared between instances)
//! and [`MemoryCache`] (in-process, the embedded default), and [`AnyCache`], the one the app
//! picks at start-up.
//!
//! The cache is an optimisation: every failure is reported as a [`CacheError`], which the
//! domain treats as a miss, and each call is bounded by a short deadline so that a dead or
//! silent Redis costs a request little.

mod memory;
mod redis_cache;
mod stats;
#[cfg(feature = "testing")]
pub mod testing;

use std::time::Duration;

pub use domain::{CacheError, CacheStats, SearchCache};
pub use memory::MemoryCache;
pub use redis_cache::{
    DeadlinePassed, InvalidRedisUrl, RedisCache, RedisTimeouts, MAX_IN_FLIGHT, NEAR_TTL_OF_READS,
    SKIPPED_BREAKER_OPEN, SKIPPED_TOO_MANY_IN_FLIGHT,
};

/// The cache adapter chosen by configuration: Redis when `REDIS_URL` is set, else in-process.
// One instance per process: the size difference of the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum AnyCache {
    /// The shared cache.
    Redis(RedisCache),
    /// The in-process cache.
    Memory(MemoryCache),
}

impl SearchCache for AnyCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        match self {
            Self::Redis(cache) => cache.get(key).await,
            Self::Memory(cache) => cache.get(key).await,
        }
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        match self {
            Self::Redis(cache) => cache.set(key, value, ttl).await,
            Self::Memory(cache) => cache.set(key, value, ttl).await,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Redis(cache) => cache.kind(),
            Self::Memory(cache) => cache.kind(),
        }
    }

    async fn ping(&self) -> Result<(), CacheError> {
        match self {
            Self::Redis(cache) => cache.ping().await,
            Self::Memory(cache) => cache.ping().await,
        }
    }

    fn stats(&self) -> CacheStats {
        match self {
            Self::Redis(cache) => cache.stats(),
            Self::Memory(cache) => cache.stats(),
        }
    }
}
