//! The cache port: a key-value cache with expiry, shared (Redis) or in-process.

use std::future::Future;
use std::time::Duration;

use super::error::BoxError;

/// A failure of the cache; the search treats it as a miss.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The cache did not answer in time, refused, or failed.
    #[error("cache unavailable")]
    Unavailable(#[source] BoxError),
    /// The adapter did not try: its breaker is open, or too many calls are already waiting.
    #[error("cache call skipped: {0}")]
    Skipped(&'static str),
}

impl CacheError {
    /// Wraps an adapter's own error.
    pub fn unavailable(source: impl Into<BoxError>) -> Self {
        Self::Unavailable(source.into())
    }
}

/// A snapshot of a cache adapter's counters, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Reads that found a value.
    pub hits: u64,
    /// Reads that found nothing.
    pub misses: u64,
    /// Reads and writes that failed (including those skipped while a breaker was open).
    pub errors: u64,
    /// Whether the adapter's breaker is open (an adapter without one never reports it).
    pub breaker_open: bool,
}

/// A key-value cache with expiry.
///
/// `crate::testing::contract::cache` states the contract as runnable checks.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
pub trait SearchCache: Send + Sync + 'static {
    /// The value stored under `key`, if present and not expired.
    ///
    /// # Errors
    /// [`CacheError`] when the cache cannot answer quickly; callers treat it as a miss.
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<String>, CacheError>> + Send;

    /// Stores `value` under `key` for `ttl`, replacing what was there. A later `get` from the
    /// same process sees it.
    ///
    /// # Errors
    /// [`CacheError`] when the cache cannot store; callers go on without it.
    fn set(
        &self,
        key: &str,
        value: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<(), CacheError>> + Send;

    /// A short bounded name for readiness reports and metric labels (`redis`, `memory`).
    fn kind(&self) -> &'static str {
        "custom"
    }

    /// Whether the cache answers now (`/readyz`). An in-process cache always does.
    ///
    /// # Errors
    /// [`CacheError`] when it does not answer within the adapter's deadline.
    fn ping(&self) -> impl Future<Output = Result<(), CacheError>> + Send {
        async { Ok(()) }
    }

    /// Hits, misses and errors since start, for metrics (zeros when the adapter counts
    /// nothing).
    fn stats(&self) -> CacheStats {
        CacheStats::default()
    }
}
