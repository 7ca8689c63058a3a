//! Ceiling, floor and cache hits: many keep-alive connections on `/healthz`, on one user search
//! straight to jira-sim, and on that search answered from the service's cache.

use crate::load::{self, Target};
use crate::measure::{measure, path_fn, Watched};
use crate::results::{Throughput, ThroughputByCache};
use crate::world::{Service, World, HIT_QUERY};

/// Keep-alive connections of each run.
const CONNECTIONS: usize = 32;

/// Measures the floor, then each service's ceiling and cache hits.
pub async fn run(world: &World, services: &[Service], seconds: u64) -> Result<Throughput, String> {
    eprintln!("bench: ceiling, floor and cache hits");
    let sim = &world.fast;
    let floor_target = sim.target(path_fn(|_| {
        format!("/rest/api/2/user/search?username={HIT_QUERY}")
    }));
    let users_per_answer = count_users(&floor_target).await?;
    let floor = measure(
        &floor_target,
        CONNECTIONS,
        seconds,
        Watched {
            service: None,
            sim: sim.pid(),
        },
    )
    .await;
    let mut by_cache = Vec::new();
    for svc in services {
        let ceiling = measure(&svc.healthz(), CONNECTIONS, seconds, svc.watched_with(sim)).await;
        let target = hit_search(world, svc);
        load::once(&target, 0).await?;
        let hit = measure(&target, CONNECTIONS, seconds, svc.watched_with(sim)).await;
        by_cache.push(ThroughputByCache {
            cache: svc.cache,
            ceiling: ceiling.rate(),
            hit: hit.rate(),
        });
    }
    Ok(Throughput {
        connections: CONNECTIONS,
        seconds,
        query: HIT_QUERY.to_owned(),
        users_per_answer,
        floor: floor.rate(),
        by_cache,
    })
}

/// The search a cache hit answers: [`HIT_QUERY`] on the fast jira-sim's integration.
pub fn hit_search(world: &World, svc: &Service) -> Target {
    let path = world.fast.search_path(HIT_QUERY);
    svc.search(&world.token, path_fn(move |_| path.clone()))
}

/// Users in jira-sim's answer to the floor's search (a JSON array of users).
async fn count_users(floor: &Target) -> Result<usize, String> {
    let answer = load::once(floor, 0).await?;
    if answer.status != 200 {
        return Err(format!("jira-sim's user search answered {}", answer.status));
    }
    let users: serde_json::Value =
        serde_json::from_slice(&answer.body).map_err(|e| format!("jira-sim's user search: {e}"))?;
    users
        .as_array()
        .map(Vec::len)
        .ok_or_else(|| "jira-sim's user search did not answer an array".to_owned())
}
