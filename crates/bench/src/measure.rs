//! Timed runs of the load generator with the CPU time each process used meanwhile, and the
//! conversions of what they measured into the typed results of `crate::results`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::load::{self, Outcome, PathFn, Target};
use crate::procs::cpu_ticks;
use crate::results::{Latency, Rate};

/// The warm-up before each timed run: connections, pools, caches.
pub const WARM_UP: Duration = Duration::from_millis(300);

/// Connections of a warm-up, at most.
const WARM_UP_CONNECTIONS: usize = 4;

/// Each turn of [`measure_interleaved`].
pub const TURN: Duration = Duration::from_secs(1);

/// Clock ticks per second of /proc's CPU times (USER_HZ).
const TICKS_PER_SECOND: f64 = 100.0;

/// The processes whose CPU time a run reads besides the load generator's own.
#[derive(Clone, Copy)]
pub struct Watched {
    /// jira-search, when the run goes through it (not for a floor straight to jira-sim).
    pub service: Option<u32>,
    /// jira-sim.
    pub sim: u32,
}

/// CPU ticks of the load generator, the service and the simulator.
#[derive(Default, Clone, Copy)]
pub struct Cpu {
    /// This process.
    pub loadgen: u64,
    /// jira-search (0 when not watched).
    pub service: u64,
    /// jira-sim.
    pub sim: u64,
}

impl Cpu {
    fn now(watched: Watched) -> Self {
        Self {
            loadgen: cpu_ticks("self"),
            service: watched.service.map_or(0, |p| cpu_ticks(&p.to_string())),
            sim: cpu_ticks(&watched.sim.to_string()),
        }
    }

    fn since(self, before: Self) -> Self {
        Self {
            loadgen: self.loadgen - before.loadgen,
            service: self.service - before.service,
            sim: self.sim - before.sim,
        }
    }

    fn add(&mut self, other: Self) {
        self.loadgen += other.loadgen;
        self.service += other.service;
        self.sim += other.sim;
    }

    /// The load generator's share (0..=1) of the CPU used by the three processes.
    pub fn loadgen_share(self) -> f64 {
        let total = self.loadgen + self.service + self.sim;
        if total == 0 {
            return 0.0;
        }
        self.loadgen as f64 / total as f64
    }

    /// The service's CPU time per request in milliseconds.
    pub fn service_ms_per_request(self, requests: u64) -> f64 {
        self.service as f64 * 1000.0 / TICKS_PER_SECOND / requests.max(1) as f64
    }
}

/// What a timed run measured.
#[derive(Default)]
pub struct Run {
    /// The load generator's counts and latencies.
    pub out: Outcome,
    /// CPU time used meanwhile.
    pub cpu: Cpu,
}

impl Run {
    /// p50 and p99.
    pub fn latency(&self) -> Latency {
        latency(&self.out)
    }

    /// Requests per second, latency, CPU share and errors.
    pub fn rate(&self) -> Rate {
        Rate {
            requests_per_s: self.out.rps(),
            latency: self.latency(),
            loadgen_cpu_share: self.cpu.loadgen_share(),
            errors: self.out.errors,
        }
    }
}

/// p50 and p99 of an outcome.
pub fn latency(out: &Outcome) -> Latency {
    Latency {
        p50_ms: out.ms(0.5),
        p99_ms: out.ms(0.99),
    }
}

/// `connections` connections on `target` for `seconds`, after a short warm-up.
pub async fn measure(target: &Target, connections: usize, seconds: u64, watched: Watched) -> Run {
    load::run(target, connections.min(WARM_UP_CONNECTIONS), WARM_UP).await;
    let before = Cpu::now(watched);
    let out = load::run(target, connections, Duration::from_secs(seconds)).await;
    Run {
        out,
        cpu: Cpu::now(watched).since(before),
    }
}

/// One side of [`measure_interleaved`]: a target and the processes it loads.
pub struct Contender {
    /// What to send.
    pub target: Target,
    /// Whose CPU time to read.
    pub watched: Watched,
}

/// The merged runs of [`measure_interleaved`].
pub struct Interleaved {
    /// The floor's.
    pub floor: Run,
    /// Each service's, in the order given.
    pub services: Vec<Run>,
}

/// Runs the floor, then each service, on one connection for one [`TURN`] each, `turns` times
/// over, so slow drifts of the machine hit the floor and the services alike.
pub async fn measure_interleaved(
    floor: &Contender,
    services: &[Contender],
    turns: u64,
) -> Interleaved {
    let contenders: Vec<&Contender> = std::iter::once(floor).chain(services).collect();
    let mut runs = take_turns(&contenders, 1, turns).await.into_iter();
    Interleaved {
        floor: runs.next().unwrap_or_default(),
        services: runs.collect(),
    }
}

/// Runs each contender in order on `connections` connections for one [`TURN`], `turns` times
/// over (after a short warm-up of each); one merged run per contender, in the order given.
pub async fn take_turns(contenders: &[&Contender], connections: usize, turns: u64) -> Vec<Run> {
    let mut runs: Vec<Run> = contenders.iter().map(|_| Run::default()).collect();
    for contender in contenders {
        load::run(
            &contender.target,
            connections.min(WARM_UP_CONNECTIONS),
            WARM_UP,
        )
        .await;
    }
    for _ in 0..turns {
        for (contender, run) in contenders.iter().zip(runs.iter_mut()) {
            let before = Cpu::now(contender.watched);
            let out = load::run(&contender.target, connections, TURN).await;
            run.cpu.add(Cpu::now(contender.watched).since(before));
            run.out.absorb(out);
        }
    }
    for run in &mut runs {
        run.out.latencies_us.sort_unstable();
    }
    runs
}

/// A path function of the request number.
pub fn path_fn(f: impl Fn(u64) -> String + Send + Sync + 'static) -> PathFn {
    Arc::new(f)
}

/// A path function numbering its requests itself, so repeated runs never repeat a path.
pub fn unique_paths(f: impl Fn(u64) -> String + Send + Sync + 'static) -> PathFn {
    let counter = AtomicU64::new(0);
    Arc::new(move |_| f(counter.fetch_add(1, Ordering::Relaxed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_cpu_is_ticks_over_requests_in_ms() {
        let cpu = Cpu {
            loadgen: 0,
            service: 3,
            sim: 0,
        };
        // 3 ticks = 30 ms over 100 requests.
        assert!((cpu.service_ms_per_request(100) - 0.3).abs() < 1e-12);
        // No request: per one, never a division by zero.
        assert!((cpu.service_ms_per_request(0) - 30.0).abs() < 1e-12);
    }

    #[test]
    fn loadgen_share_of_nothing_is_zero() {
        assert_eq!(Cpu::default().loadgen_share(), 0.0);
        let cpu = Cpu {
            loadgen: 1,
            service: 2,
            sim: 1,
        };
        assert!((cpu.loadgen_share() - 0.25).abs() < 1e-12);
    }
}
