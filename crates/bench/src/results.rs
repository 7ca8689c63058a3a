//! The typed results of a run: one struct per scenario, filled by `crate::scenario` and turned
//! into docs/benchmarks.md by `crate::report`. Figures are kept unrounded (milliseconds as
//! `f64`, memory in KiB); rounding and wording are the report's business.

mod stores;
mod units;

use std::fmt;
use std::time::Duration;

pub use stores::{ByStore, StoreInstructions, StoreKind, Stores};
pub use units::{Instructions, Latency, Rate};

/// The cache adapter a service runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheKind {
    /// The in-process cache (no `REDIS_URL`).
    InProcess,
    /// The Redis cache.
    Redis,
}

impl CacheKind {
    /// Both adapters, in the order every table lists them.
    pub const ALL: [CacheKind; 2] = [CacheKind::InProcess, CacheKind::Redis];

    /// How the tables name it; also part of its Redis key prefix and of its unique queries.
    pub fn label(self) -> &'static str {
        match self {
            CacheKind::InProcess => "in-process",
            CacheKind::Redis => "Redis",
        }
    }
}

/// How long jira-sim waits before it answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JiraLatency {
    /// In milliseconds.
    pub ms: u64,
}

impl JiraLatency {
    /// As a duration.
    pub fn duration(self) -> Duration {
        Duration::from_millis(self.ms)
    }
}

impl fmt::Display for JiraLatency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ms", self.ms)
    }
}

/// Everything one run measured; a section left out by `--only` is `None`.
#[derive(Clone, Debug)]
pub struct Report {
    /// The machine and the method.
    pub setup: Setup,
    /// Section `throughput`.
    pub throughput: Option<Throughput>,
    /// Section `misses`, first table.
    pub misses: Option<CacheMisses>,
    /// Section `misses`, second table.
    pub wake_ups: Option<WakeUps>,
    /// Section `cold`.
    pub cold: Option<ColdSearches>,
    /// Section `cloud`.
    pub cloud_cold: Option<CloudCold>,
    /// Section `burst`.
    pub burst: Option<Burst>,
    /// Section `memory`.
    pub memory: Option<Memory>,
    /// Section `callgrind`.
    pub callgrind: Option<Callgrind>,
    /// Section `stores`.
    pub stores: Option<Stores>,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

/// The machine and how the load generator measures.
#[derive(Clone, Debug)]
pub struct Setup {
    /// Cores available to the processes.
    pub cores: usize,
    /// The CPU's model name from /proc/cpuinfo.
    pub cpu_model: String,
    /// The short commit hash of the working tree.
    pub commit: String,
    /// Length of each timed scenario (`--seconds`).
    pub seconds: u64,
    /// The warm-up before each timed run.
    pub warm_up: Duration,
}

/// Ceiling, floor and cache hits under many keep-alive connections.
#[derive(Clone, Debug)]
pub struct Throughput {
    /// Keep-alive connections of each run.
    pub connections: usize,
    /// Length of each run.
    pub seconds: u64,
    /// The user search's query.
    pub query: String,
    /// Users in jira-sim's answer to that query.
    pub users_per_answer: usize,
    /// The same user search straight to jira-sim.
    pub floor: Rate,
    /// Per adapter.
    pub by_cache: Vec<ThroughputByCache>,
}

/// Ceiling and cache hits of one adapter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThroughputByCache {
    /// The adapter.
    pub cache: CacheKind,
    /// `/healthz`: bare hyper, no work.
    pub ceiling: Rate,
    /// The user search, answered from the cache.
    pub hit: Rate,
}

impl ThroughputByCache {
    /// Cache hits per second as a share of the ceiling's requests per second.
    pub fn hit_vs_ceiling(&self) -> f64 {
        self.hit.requests_per_s / self.ceiling.requests_per_s
    }
}

/// Cache misses on one connection, the floor and the services taking turns.
#[derive(Clone, Debug)]
pub struct CacheMisses {
    /// How long each takes its turn.
    pub turn: Duration,
    /// How many turns each takes.
    pub turns: u64,
    /// Per jira-sim latency.
    pub at: Vec<MissesAt>,
}

/// Cache misses behind one jira-sim latency.
#[derive(Clone, Debug)]
pub struct MissesAt {
    /// jira-sim's latency.
    pub jira: JiraLatency,
    /// The unique-query user search straight to jira-sim.
    pub floor: Latency,
    /// Per adapter.
    pub by_cache: Vec<MissByCache>,
}

/// Cache misses of one adapter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MissByCache {
    /// The adapter.
    pub cache: CacheKind,
    /// The unique-query search through the service.
    pub service: Latency,
    /// The service's CPU time per answered search, in milliseconds.
    pub service_cpu_per_search_ms: f64,
    /// The load generator's share (0..=1) of the CPU time the processes used.
    pub loadgen_cpu_share: f64,
}

impl MissesAt {
    /// What the service adds over the floor.
    pub fn added(&self, miss: &MissByCache) -> Latency {
        miss.service.minus(self.floor)
    }
}

/// `/healthz` on one connection, back to back and after an idle pause.
#[derive(Clone, Debug)]
pub struct WakeUps {
    /// The pause before each request of the idle run (that of the slow jira-sim).
    pub idle_pause: Duration,
    /// Per adapter.
    pub by_cache: Vec<WakeUp>,
}

/// The wake-up cost of one service.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WakeUp {
    /// The adapter.
    pub cache: CacheKind,
    /// Requests back to back.
    pub back_to_back: Latency,
    /// Requests after the idle pause.
    pub after_idle: Latency,
}

impl WakeUp {
    /// What waking from the pause adds at p50, in milliseconds.
    pub fn cost_p50_ms(&self) -> f64 {
        self.after_idle.p50_ms - self.back_to_back.p50_ms
    }
}

impl WakeUps {
    /// The largest wake-up cost at p50 over the adapters (NaN when none was measured).
    pub fn max_cost_p50_ms(&self) -> f64 {
        self.by_cache
            .iter()
            .map(WakeUp::cost_p50_ms)
            .fold(f64::NAN, f64::max)
    }
}

/// Cold searches on a jira-sim with many projects.
#[derive(Clone, Debug)]
pub struct ColdSearches {
    /// Length of each run.
    pub seconds: u64,
    /// Projects on each jira-sim.
    pub projects: usize,
    /// Per jira-sim latency.
    pub at: Vec<ColdAt>,
}

/// Cold searches behind one jira-sim latency.
#[derive(Clone, Debug)]
pub struct ColdAt {
    /// jira-sim's latency.
    pub jira: JiraLatency,
    /// The assignable search with a project key straight to jira-sim: the baseline.
    pub direct: Latency,
    /// The instance-wide user search straight to jira-sim.
    pub direct_instance_wide: Latency,
    /// `GET /rest/api/2/project`, the start of Sentry's way.
    pub project_list: ProjectList,
    /// Per adapter.
    pub by_cache: Vec<ColdByCache>,
}

/// The whole project list, fetched a few times.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProjectList {
    /// How many times it was fetched.
    pub tries: u64,
    /// The fastest fetch, in milliseconds.
    pub best_ms: f64,
    /// Size of the answer.
    pub bytes: usize,
}

/// Cold searches of one adapter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ColdByCache {
    /// The adapter.
    pub cache: CacheKind,
    /// With a project id: the project lookup, then the assignable search.
    pub with_project: Latency,
    /// Without a project: the instance-wide search.
    pub without_project: Latency,
}

impl ColdAt {
    /// `direct_instance_wide` against the baseline, at p50.
    pub fn instance_wide_vs_direct(&self) -> f64 {
        self.direct_instance_wide.p50_ms / self.direct.p50_ms
    }

    /// Sentry's way: the best project-list fetch plus the baseline's p50, in milliseconds.
    pub fn sentry_ms(&self) -> f64 {
        self.project_list.best_ms + self.direct.p50_ms
    }

    /// Sentry's way against the baseline.
    pub fn sentry_vs_direct(&self) -> f64 {
        self.sentry_ms() / self.direct.p50_ms
    }

    /// A cold search with a project id against the baseline, at p50.
    pub fn with_project_vs_direct(&self, cold: &ColdByCache) -> f64 {
        cold.with_project.p50_ms / self.direct.p50_ms
    }

    /// A cold search without a project against the direct instance-wide search, at p50.
    pub fn without_project_vs_direct(&self, cold: &ColdByCache) -> f64 {
        cold.without_project.p50_ms / self.direct_instance_wide.p50_ms
    }
}

/// Cold Jira Cloud user searches with a project id, against one direct Jira call.
#[derive(Clone, Debug)]
pub struct CloudCold {
    /// How long each takes its turn.
    pub turn: Duration,
    /// How many turns each takes.
    pub turns: u64,
    /// Projects on the Cloud jira-sim.
    pub projects: usize,
    /// The Cloud jira-sim's latency.
    pub jira: JiraLatency,
    /// The assignable search with the project id straight to jira-sim: the baseline.
    pub direct: Latency,
    /// Per adapter.
    pub by_cache: Vec<CloudColdByCache>,
}

/// Cold Cloud user searches of one adapter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CloudColdByCache {
    /// The adapter.
    pub cache: CacheKind,
    /// The search through the service.
    pub service: Latency,
    /// Answers other than 200 and failed requests.
    pub errors: u64,
    /// Jira calls one more such search made, counted from jira-sim's request log.
    pub jira_calls: usize,
}

impl CloudCold {
    /// A search through the service against the baseline, at p50.
    pub fn vs_direct(&self, cold: &CloudColdByCache) -> f64 {
        cold.service.p50_ms / self.direct.p50_ms
    }
}

/// Instructions per request counted by callgrind: a cache hit against `/healthz`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Callgrind {
    /// Requests of the short run (after one warm-up request).
    pub k1: u64,
    /// Requests of the long run (after one warm-up request).
    pub k2: u64,
    /// The cache-hit user search.
    pub hit: Instructions,
    /// `/healthz`.
    pub healthz: Instructions,
}

impl Callgrind {
    /// Instructions per request: what the `k2 - k1` more requests cost, each (start-up and
    /// shutdown cancel out).
    pub fn per_request(&self, runs: Instructions) -> f64 {
        (runs.at_k2 as f64 - runs.at_k1 as f64) / (self.k2 as f64 - self.k1 as f64)
    }

    /// Instructions per cache hit against those per `/healthz`.
    pub fn hit_vs_healthz(&self) -> f64 {
        self.per_request(self.hit) / self.per_request(self.healthz)
    }
}

/// Many identical cold searches at once.
#[derive(Clone, Debug)]
pub struct Burst {
    /// Searches sent at once, each on its own connection.
    pub searches: usize,
    /// jira-sim's latency.
    pub jira: JiraLatency,
    /// Per adapter.
    pub by_cache: Vec<BurstByCache>,
}

/// What one adapter's burst did, counted from jira-sim's request log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BurstByCache {
    /// The adapter.
    pub cache: CacheKind,
    /// Searches answered with status 200.
    pub answered_ok: usize,
    /// Whether every answer's body was the same.
    pub identical: bool,
    /// `GET /rest/api/2/project/{id}` calls that reached jira-sim.
    pub project_lookups: usize,
    /// Assignable user searches that reached jira-sim.
    pub user_searches: usize,
}

/// Memory of a fresh service under many connections.
#[derive(Clone, Debug)]
pub struct Memory {
    /// Keep-alive connections opened at once.
    pub connections: usize,
    /// How long they send cache-hit searches.
    pub seconds: u64,
    /// Per adapter.
    pub by_cache: Vec<MemoryByCache>,
}

/// Memory of one adapter's service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryByCache {
    /// The adapter.
    pub cache: CacheKind,
    /// `VmRSS` after one search, before the load.
    pub rss_at_rest_kib: u64,
    /// Connections established.
    pub connections_open: usize,
    /// Searches answered with status 200.
    pub answered: u64,
    /// Other answers and failed requests.
    pub errors: u64,
    /// `VmHWM` after the load: the resident set's high-water mark.
    pub peak_rss_kib: u64,
}
