//! The store comparison: the hot path with the SQLite store and with the PostgreSQL store side
//! by side, and PostgreSQL's figures over SQLite's.

use super::format::{count, ms, ratio, seconds, times, whole, whole_count};
use super::table::{figure, text, Column, Table};
use super::template::{TemplateError, Values};
use super::STORES;
use crate::results::{ByStore, StoreKind, Stores};

const COLUMNS: &[Column] = &[
    text("hot path (in-process cache)"),
    figure("SQLite"),
    figure("PostgreSQL"),
    figure("PostgreSQL / SQLite"),
];

/// A row: one figure of each store, written by `show`, and their ratio.
fn row(table: &mut Table, label: &str, sqlite: f64, postgres: f64, show: impl Fn(f64) -> String) {
    table.row([
        label.to_owned(),
        show(sqlite),
        show(postgres),
        ratio(postgres / sqlite),
    ]);
}

/// The section, when both stores were measured (a table needs both columns).
pub fn stores(s: &Stores) -> Result<String, TemplateError> {
    let mut table = Table::new(COLUMNS);
    let mut errors = Vec::new();
    if let (Some(sqlite), Some(postgres)) = (s.of(StoreKind::Sqlite), s.of(StoreKind::Postgres)) {
        let figure = |f: fn(&ByStore) -> f64| (f(sqlite), f(postgres));
        let hit = format!("cache-hit search, {} connections", s.connections);
        for (label, (a, b), show) in [
            (
                format!("{hit}: req/s"),
                figure(|x| x.hit.requests_per_s),
                whole as fn(f64) -> String,
            ),
            (format!("{hit}: p50"), figure(|x| x.hit.latency.p50_ms), ms),
            (format!("{hit}: p99"), figure(|x| x.hit.latency.p99_ms), ms),
            (
                "cache miss, one connection: p50".to_owned(),
                figure(|x| x.miss.p50_ms),
                ms,
            ),
            (
                "cache miss, one connection: p99".to_owned(),
                figure(|x| x.miss.p99_ms),
                ms,
            ),
        ] {
            row(&mut table, &label, a, b, show);
        }
        if let Some(c) = &s.callgrind {
            row(
                &mut table,
                "instructions per cache hit (callgrind)",
                c.per_hit(c.sqlite),
                c.per_hit(c.postgres),
                whole_count,
            );
        }
        for x in [sqlite, postgres] {
            if x.hit.errors + x.miss_errors > 0 {
                errors.push(format!(
                    "**{}: {} cache hits and {} cache misses were not answered 200.**",
                    x.store.label(),
                    x.hit.errors,
                    x.miss_errors
                ));
            }
        }
    }
    let (k1, k2) = s
        .callgrind
        .map_or((0, 0), |c| (c.k1 as usize, c.k2 as usize));
    STORES.fill(
        &Values::new()
            .set("connections", s.connections)
            .set("seconds", s.seconds)
            .set("turn", seconds(s.turn))
            .set("turns", times(s.turns))
            .set("k1", count(k1))
            .set("k2", count(k2))
            .set("table", table.render())
            .set("errors", errors.join("\n")),
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::results::{Instructions, Latency, Rate, StoreInstructions};

    fn by_store(store: StoreKind, rps: f64, p50: f64, miss_p99: f64) -> ByStore {
        ByStore {
            store,
            hit: Rate {
                requests_per_s: rps,
                latency: Latency {
                    p50_ms: p50,
                    p99_ms: 2.0 * p50,
                },
                loadgen_cpu_share: 0.4,
                errors: 0,
            },
            miss: Latency {
                p50_ms: 1.0,
                p99_ms: miss_p99,
            },
            miss_errors: 0,
        }
    }

    fn sample() -> Stores {
        Stores {
            connections: 32,
            seconds: 5,
            turn: Duration::from_secs(1),
            turns: 5,
            by_store: vec![
                by_store(StoreKind::Sqlite, 10_000.0, 3.0, 2.0),
                by_store(StoreKind::Postgres, 9_000.0, 3.3, 3.0),
            ],
            callgrind: Some(StoreInstructions {
                k1: 100,
                k2: 2100,
                sqlite: Instructions {
                    at_k1: 1_000_000,
                    at_k2: 101_000_000,
                },
                postgres: Instructions {
                    at_k1: 2_000_000,
                    at_k2: 112_000_000,
                },
            }),
        }
    }

    #[test]
    fn puts_the_stores_side_by_side_with_their_ratio() {
        let md = stores(&sample()).unwrap();
        assert!(
            md.contains("## Hot path: SQLite against PostgreSQL"),
            "{md}"
        );
        for line in [
            "| cache-hit search, 32 connections: req/s | 10000 | 9000 | 0.90x |",
            "| cache-hit search, 32 connections: p50 | 3.000 ms | 3.300 ms | 1.10x |",
            "| cache miss, one connection: p99 | 2.000 ms | 3.000 ms | 1.50x |",
            "| instructions per cache hit (callgrind) | 50,000 | 55,000 | 1.10x |",
        ] {
            assert!(md.contains(line), "{line} missing from\n{md}");
        }
        assert!(!md.contains("not answered 200"), "{md}");
    }

    #[test]
    fn says_when_requests_failed() {
        let mut s = sample();
        s.by_store[1].miss_errors = 3;
        let md = stores(&s).unwrap();
        assert!(
            md.contains("PostgreSQL: 0 cache hits and 3 cache misses were not answered 200."),
            "{md}"
        );
    }
}
