//! Memory: a fresh service per adapter, many keep-alive connections opened at once, each sending
//! cache-hit searches; the kernel's high-water mark of the resident set afterwards.

use std::time::Duration;

use crate::load;
use crate::procs::status_kib;
use crate::results::{CacheKind, Memory, MemoryByCache};
use crate::world::World;

use super::throughput::hit_search;

/// Keep-alive connections opened at once.
const CONNECTIONS: usize = 1000;

/// Measures a fresh service per adapter, one after the other.
pub async fn run(world: &World, seconds: u64) -> Result<Memory, String> {
    eprintln!("bench: peak RSS with {CONNECTIONS} connections");
    let mut by_cache = Vec::new();
    for cache in CacheKind::ALL {
        let svc = world.service(cache)?;
        let target = hit_search(world, &svc);
        load::once(&target, 0).await?;
        let rss_at_rest_kib = status_kib(svc.pid(), "VmRSS");
        let held = load::hold(&target, CONNECTIONS, Duration::from_secs(seconds)).await;
        let peak_rss_kib = status_kib(svc.pid(), "VmHWM");
        by_cache.push(MemoryByCache {
            cache,
            rss_at_rest_kib,
            connections_open: held.established,
            answered: held.outcome.ok,
            errors: held.outcome.errors,
            peak_rss_kib,
        });
    }
    Ok(Memory {
        connections: CONNECTIONS,
        seconds,
        by_cache,
    })
}
