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

pub use domain::{CacheError, SearchCache};
pub use memory::MemoryCache;
pub use redis_cache::{RedisCache, RedisTimeouts, NEAR_TTL_OF_READS};
pub use stats::CacheStats;

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

impl AnyCache {
    /// `redis` or `memory`, for readiness reports and metric labels.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Redis(_) => "redis",
            Self::Memory(_) => "memory",
        }
    }

    /// Whether the cache answers now.
    ///
    /// # Errors
    /// [`CacheError`] when Redis does not answer within its deadline.
    pub async fn ping(&self) -> Result<(), CacheError> {
        match self {
            Self::Redis(c) => c.ping().await,
            Self::Memory(_) => Ok(()),
        }
    }

    /// Counters of hits, misses and errors since start.
    pub fn stats(&self) -> CacheStats {
        match self {
            Self::Redis(c) => c.stats(),
            Self::Memory(c) => c.stats(),
        }
    }
}

impl SearchCache for AnyCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        match self {
            Self::Redis(c) => c.get(key).await,
            Self::Memory(c) => c.get(key).await,
        }
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> Result<(), CacheError> {
        match self {
            Self::Redis(c) => c.set(key, value, ttl).await,
            Self::Memory(c) => c.set(key, value, ttl).await,
        }
    }
}
