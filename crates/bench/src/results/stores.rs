//! The store comparison's results: the hot path (a cache hit, a cache miss) with the SQLite
//! store and with the PostgreSQL store, both with the in-process cache.

use std::time::Duration;

use super::units::{Instructions, Latency, Rate};

/// The store a service runs on (`DATABASE_URL`'s scheme).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    /// One SQLite file (the default).
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

impl StoreKind {
    /// How the tables name it.
    pub fn label(self) -> &'static str {
        match self {
            StoreKind::Sqlite => "SQLite",
            StoreKind::Postgres => "PostgreSQL",
        }
    }
}

/// The hot path on each store.
#[derive(Clone, Debug)]
pub struct Stores {
    /// Keep-alive connections of the cache-hit runs.
    pub connections: usize,
    /// Length of each cache-hit run.
    pub seconds: u64,
    /// How long each takes its turn in the cache-miss runs.
    pub turn: Duration,
    /// How many turns each takes in the cache-miss runs.
    pub turns: u64,
    /// Per store: SQLite, then PostgreSQL.
    pub by_store: Vec<ByStore>,
    /// Instructions per cache hit under callgrind, per store (when measured).
    pub callgrind: Option<StoreInstructions>,
}

/// The hot path on one store.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ByStore {
    /// The store.
    pub store: StoreKind,
    /// The cache-hit search under many connections.
    pub hit: Rate,
    /// The unique-query search (a cache miss) on one connection, behind the fast jira-sim.
    pub miss: Latency,
    /// Cache misses answered other than with 200, or failed.
    pub miss_errors: u64,
}

/// Instructions per cache hit on each store, counted as in the callgrind section.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StoreInstructions {
    /// Requests of the short run.
    pub k1: u64,
    /// Requests of the long run.
    pub k2: u64,
    /// With the SQLite store.
    pub sqlite: Instructions,
    /// With the PostgreSQL store.
    pub postgres: Instructions,
}

impl StoreInstructions {
    /// Instructions per cache hit of `runs` (start-up and shutdown cancel out).
    pub fn per_hit(&self, runs: Instructions) -> f64 {
        (runs.at_k2 as f64 - runs.at_k1 as f64) / (self.k2 as f64 - self.k1 as f64)
    }
}

impl Stores {
    /// The figures of `store`, when measured.
    pub fn of(&self, store: StoreKind) -> Option<&ByStore> {
        self.by_store.iter().find(|s| s.store == store)
    }
}
