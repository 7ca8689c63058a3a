//! Cache misses: one connection, a new query every request, the floor (the same unique-query
//! user search straight to jira-sim) and each service taking turns.

use crate::measure::{measure_interleaved, unique_paths, Contender, Watched, TURN};
use crate::results::{CacheMisses, MissByCache, MissesAt};
use crate::world::{search_path, Service, Sim, World};

/// Measures behind the fast and the slow jira-sim; each side takes `turns` turns.
pub async fn run(world: &World, services: &[Service], turns: u64) -> CacheMisses {
    eprintln!("bench: cache misses");
    let mut at = Vec::new();
    for sim in [&world.fast, &world.slow] {
        at.push(misses_at(world, services, sim, turns).await);
    }
    CacheMisses {
        turn: TURN,
        turns,
        at,
    }
}

async fn misses_at(world: &World, services: &[Service], sim: &Sim, turns: u64) -> MissesAt {
    let tag = format!("{}{}", world.run_tag, sim.latency.ms);
    let floor_tag = tag.clone();
    let floor = Contender {
        target: sim.target(unique_paths(move |n| {
            format!("/rest/api/2/user/search?username=f{floor_tag}x{n}")
        })),
        watched: Watched {
            service: None,
            sim: sim.pid(),
        },
    };
    let contenders: Vec<Contender> = services
        .iter()
        .map(|svc| {
            let (integration, tag, name) =
                (sim.integration.clone(), tag.clone(), svc.cache.label());
            Contender {
                target: svc.search(
                    &world.token,
                    unique_paths(move |n| search_path(&integration, &format!("m{tag}{name}x{n}"))),
                ),
                watched: svc.watched_with(sim),
            }
        })
        .collect();
    let runs = measure_interleaved(&floor, &contenders, turns).await;
    let by_cache = services
        .iter()
        .zip(&runs.services)
        .map(|(svc, run)| MissByCache {
            cache: svc.cache,
            service: run.latency(),
            service_cpu_per_search_ms: run.cpu.service_ms_per_request(run.out.ok),
            loadgen_cpu_share: run.cpu.loadgen_share(),
        })
        .collect();
    MissesAt {
        jira: sim.latency,
        floor: runs.floor.latency(),
        by_cache,
    }
}
