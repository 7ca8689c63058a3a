//! The hot path on each store: a jira-search with the in-process cache on the SQLite database
//! of the world and one on a PostgreSQL database of its own (same org, token and integration of
//! the fast jira-sim), measured in the same run: cache hits under many connections and cache
//! misses on one connection, the stores taking turns, and the instructions per cache hit under callgrind.

use crate::callgrind::{self, Fixture};
use crate::load;
use crate::measure::{
    measure_interleaved, path_fn, take_turns, unique_paths, Contender, Watched, TURN,
};
use crate::postgres::BenchDatabase;
use crate::procs::Bins;
use crate::results::{ByStore, CacheKind, StoreInstructions, StoreKind, Stores};
use crate::world::{search_path, Db, World, HIT_QUERY};

/// Keep-alive connections of the cache-hit runs (as in the throughput section).
const CONNECTIONS: usize = 32;

/// One store's database: where it is, its caller token and the fast jira-sim's integration.
struct OnStore<'a> {
    store: StoreKind,
    url: &'a str,
    token: &'a str,
    integration: &'a str,
}

/// Measures both stores; each timed run takes `seconds` (`seconds` turns for the misses).
pub async fn run(world: &World, bins: &Bins, seconds: u64) -> Result<Stores, String> {
    eprintln!("bench: the hot path on SQLite and on PostgreSQL");
    // Declared first, dropped last: after the services using it, on error too.
    let pg = BenchDatabase::create()?;
    eprintln!("bench: created PostgreSQL database {}", pg.name());
    let pg_db = Db::on(bins, pg.url.clone())?;
    let pg_integration = pg_db.integration_for(bins, &world.fast)?;
    let stores = [
        OnStore {
            store: StoreKind::Sqlite,
            url: &world.db.url,
            token: &world.token,
            integration: &world.fast.integration,
        },
        OnStore {
            store: StoreKind::Postgres,
            url: &pg_db.url,
            token: &pg_db.token,
            integration: &pg_integration,
        },
    ];
    let by_store = timed(world, &stores, seconds).await?;
    let callgrind = instructions(bins, &stores).await?;
    Ok(Stores {
        connections: CONNECTIONS,
        seconds,
        turn: TURN,
        turns: seconds,
        by_store,
        callgrind: Some(callgrind),
    })
}

/// Cache hits ([`CONNECTIONS`] connections) and cache misses (one connection) through a fresh
/// service per store, the stores taking turns of [`TURN`], `seconds` times over.
async fn timed(
    world: &World,
    stores: &[OnStore<'_>],
    seconds: u64,
) -> Result<Vec<ByStore>, String> {
    let sim = &world.fast;
    let services = stores
        .iter()
        .map(|s| world.service_on(CacheKind::InProcess, s.url))
        .collect::<Result<Vec<_>, String>>()?;
    let mut hit_contenders = Vec::new();
    for (s, svc) in stores.iter().zip(&services) {
        let path = search_path(s.integration, HIT_QUERY);
        let target = svc.search(s.token, path_fn(move |_| path.clone()));
        let first = load::once(&target, 0).await?;
        if first.status != 200 {
            return Err(format!(
                "the cache-hit search on {} answered {}",
                s.store.label(),
                first.status
            ));
        }
        hit_contenders.push(Contender {
            target,
            watched: svc.watched_with(sim),
        });
    }
    let hit_refs: Vec<&Contender> = hit_contenders.iter().collect();
    let hits = take_turns(&hit_refs, CONNECTIONS, seconds).await;
    let tag = world.run_tag.clone();
    let floor = Contender {
        target: sim.target(unique_paths(move |n| {
            format!("/rest/api/2/user/search?username=s{tag}x{n}")
        })),
        watched: Watched {
            service: None,
            sim: sim.pid(),
        },
    };
    let contenders: Vec<Contender> = stores
        .iter()
        .zip(&services)
        .map(|(s, svc)| {
            let (integration, tag, name) = (
                s.integration.to_owned(),
                world.run_tag.clone(),
                s.store.label(),
            );
            Contender {
                target: svc.search(
                    s.token,
                    unique_paths(move |n| search_path(&integration, &format!("s{tag}{name}x{n}"))),
                ),
                watched: svc.watched_with(sim),
            }
        })
        .collect();
    let misses = measure_interleaved(&floor, &contenders, seconds).await;
    Ok(stores
        .iter()
        .zip(hits.iter().zip(&misses.services))
        .map(|(s, (hit, miss))| ByStore {
            store: s.store,
            hit: hit.rate(),
            miss: miss.latency(),
            miss_errors: miss.out.errors,
        })
        .collect())
}

/// Instructions per cache hit under callgrind, on each store (the other services stopped).
async fn instructions(bins: &Bins, stores: &[OnStore<'_>]) -> Result<StoreInstructions, String> {
    let mut counted = Vec::new();
    for s in stores {
        eprintln!("bench: callgrind on {}", s.store.label());
        let fixture = Fixture {
            bins,
            database_url: s.url,
            token: s.token,
            hit_path: search_path(s.integration, HIT_QUERY),
        };
        counted.push(callgrind::measure_hits(&fixture, callgrind::K1, callgrind::K2).await?);
    }
    match counted[..] {
        [sqlite, postgres] => Ok(StoreInstructions {
            k1: callgrind::K1,
            k2: callgrind::K2,
            sqlite,
            postgres,
        }),
        _ => Err("callgrind: one count per store expected".to_owned()),
    }
}
