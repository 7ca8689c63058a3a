//! The scenarios of docs/benchmarks.md, one module each, run in the document's order against one
//! [`World`]; `--only SECTION` runs one section.

mod burst;
mod cloud;
mod cold;
mod memory;
mod misses;
mod stores;
mod throughput;
mod wake_up;

use std::time::Instant;

use crate::callgrind::{self, Fixture};
use crate::machine;
use crate::measure::WARM_UP;
use crate::procs::Bins;
use crate::results::Report;
use crate::world::{World, HIT_QUERY};

/// The Redis of the Redis adapter when `REDIS_URL` names none.
const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

/// A section of docs/benchmarks.md that `--only` can pick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// Ceiling, floor and cache hits.
    Throughput,
    /// Cache misses, and the cost of waking an idle process.
    Misses,
    /// Cold searches on a Jira with many projects.
    Cold,
    /// Cold Jira Cloud user searches with a project against one direct Jira call.
    Cloud,
    /// Concurrent identical cold searches (coalescing).
    Burst,
    /// Memory with many connections.
    Memory,
    /// Instructions per request under callgrind: a cache hit against `/healthz`.
    Callgrind,
    /// The hot path with the SQLite store against the PostgreSQL store.
    Stores,
}

impl Section {
    /// Every section, in the document's order.
    pub const ALL: [Section; 8] = [
        Section::Throughput,
        Section::Misses,
        Section::Cold,
        Section::Cloud,
        Section::Burst,
        Section::Memory,
        Section::Callgrind,
        Section::Stores,
    ];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Section::Throughput => "throughput",
            Section::Misses => "misses",
            Section::Cold => "cold",
            Section::Cloud => "cloud",
            Section::Burst => "burst",
            Section::Memory => "memory",
            Section::Callgrind => "callgrind",
            Section::Stores => "stores",
        }
    }

    /// The section named `name` on the command line.
    pub fn parse(name: &str) -> Result<Section, String> {
        Section::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Section::ALL.iter().map(|s| s.name()).collect();
                format!("unknown section {name} (one of {})", names.join(", "))
            })
    }
}

/// Starts the world from the binaries in `bins` and runs every section (or `only` one), each
/// timed scenario for `seconds`.
pub async fn run_all(bins: &Bins, seconds: u64, only: Option<Section>) -> Result<Report, String> {
    let started = Instant::now();
    let redis_url = std::env::var("REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS_URL.to_owned());
    let world = World::start(bins, redis_url)?;
    let services = world.services()?;
    let setup = machine::setup(seconds, WARM_UP);
    let wanted = |section: Section| only.is_none_or(|o| o == section);

    let throughput = if wanted(Section::Throughput) {
        Some(throughput::run(&world, &services, seconds).await?)
    } else {
        None
    };
    let misses = if wanted(Section::Misses) {
        Some(misses::run(&world, &services, seconds).await)
    } else {
        None
    };
    // Part of the misses section: it explains what the rows behind the slow jira-sim pay.
    let wake_ups = if wanted(Section::Misses) {
        Some(wake_up::run(&services, seconds).await)
    } else {
        None
    };
    let cold = if wanted(Section::Cold) {
        Some(cold::run(&world, &services, seconds).await?)
    } else {
        None
    };
    let cloud_cold = if wanted(Section::Cloud) {
        Some(cloud::run(&world, &services, seconds).await?)
    } else {
        None
    };
    let burst = if wanted(Section::Burst) {
        Some(burst::run(&world, &services).await?)
    } else {
        None
    };
    // The memory scenario starts a fresh service per adapter, alone.
    drop(services);
    let memory = if wanted(Section::Memory) {
        Some(memory::run(&world, seconds).await?)
    } else {
        None
    };
    // Alone too: a service of its own under callgrind, the others stopped.
    let callgrind = if wanted(Section::Callgrind) {
        let fixture = Fixture {
            bins,
            database_url: &world.db.url,
            token: &world.token,
            hit_path: world.fast.search_path(HIT_QUERY),
        };
        Some(callgrind::measure(&fixture, callgrind::K1, callgrind::K2).await?)
    } else {
        None
    };
    // Services of its own (one per store), the others stopped; needs a PostgreSQL.
    let stores = if wanted(Section::Stores) {
        Some(stores::run(&world, bins, seconds).await?)
    } else {
        None
    };
    Ok(Report {
        setup,
        throughput,
        misses,
        wake_ups,
        cold,
        cloud_cold,
        burst,
        memory,
        callgrind,
        stores,
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_parses_from_its_name() {
        for section in Section::ALL {
            assert_eq!(Section::parse(section.name()), Ok(section));
        }
        let err = Section::parse("latency").unwrap_err();
        assert!(
            err.contains("throughput, misses, cold, cloud, burst, memory, callgrind, stores"),
            "{err}"
        );
    }
}
