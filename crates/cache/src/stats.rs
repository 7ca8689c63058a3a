//! Hit, miss and error counters shared by the adapters.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A snapshot of a cache's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Reads that found a value.
    pub hits: u64,
    /// Reads that found nothing.
    pub misses: u64,
    /// Reads and writes that failed (including those skipped while the breaker was open).
    pub errors: u64,
    /// Whether the adapter's breaker is open (Redis only; the in-process cache never fails).
    pub breaker_open: bool,
}

/// The live counters (cheap to clone: clones share them).
#[derive(Debug, Clone, Default)]
pub(crate) struct Counters(Arc<[AtomicU64; 3]>);

impl Counters {
    pub(crate) fn hit(&self) {
        self.0[0].fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn miss(&self) {
        self.0[1].fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn error(&self) {
        self.0[2].fetch_add(1, Ordering::Relaxed);
    }
    /// Counts the outcome of a read.
    pub(crate) fn read<T, E>(&self, r: &Result<Option<T>, E>) {
        match r {
            Ok(Some(_)) => self.hit(),
            Ok(None) => self.miss(),
            Err(_) => self.error(),
        }
    }
    pub(crate) fn snapshot(&self) -> CacheStats {
        CacheStats {
            hits: self.0[0].load(Ordering::Relaxed),
            misses: self.0[1].load(Ordering::Relaxed),
            errors: self.0[2].load(Ordering::Relaxed),
            breaker_open: false,
        }
    }
}
