//! Hit, miss and error counters shared by the adapters. The snapshot they give is the
//! domain's [`CacheStats`] (crates/domain/src/ports/cache.rs).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use domain::CacheStats;

/// The three counts, each its own atomic.
#[derive(Debug, Default)]
struct Counts {
    hits: AtomicU64,
    misses: AtomicU64,
    errors: AtomicU64,
}

/// The live counters of one adapter (cheap to clone: clones share the counts).
#[derive(Debug, Clone, Default)]
pub(crate) struct Counters {
    counts: Arc<Counts>,
}

impl Counters {
    /// A read found a value.
    pub(crate) fn hit(&self) {
        self.counts.hits.fetch_add(1, Ordering::Relaxed);
    }

    /// A read found nothing.
    pub(crate) fn miss(&self) {
        self.counts.misses.fetch_add(1, Ordering::Relaxed);
    }

    /// A read or a write failed, or was skipped.
    pub(crate) fn error(&self) {
        self.counts.errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts the outcome of a read: a hit, a miss or an error.
    pub(crate) fn read<T, E>(&self, outcome: &Result<Option<T>, E>) {
        match outcome {
            Ok(Some(_)) => self.hit(),
            Ok(None) => self.miss(),
            Err(_) => self.error(),
        }
    }

    /// The counts now, with `breaker_open` false: an adapter with a breaker sets it.
    pub(crate) fn snapshot(&self) -> CacheStats {
        CacheStats {
            hits: self.counts.hits.load(Ordering::Relaxed),
            misses: self.counts.misses.load(Ordering::Relaxed),
            errors: self.counts.errors.load(Ordering::Relaxed),
            breaker_open: false,
        }
    }
}
