//! The units the results are counted in, shared by every section's results: latencies, a
//! load's rate, and callgrind's instruction counts.

/// Two percentiles of a run's latencies, in milliseconds (NaN when nothing was answered).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Latency {
    /// Median.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
}

impl Latency {
    /// Percentile by percentile, what `self` takes over `base`.
    pub fn minus(self, base: Latency) -> Latency {
        Latency {
            p50_ms: self.p50_ms - base.p50_ms,
            p99_ms: self.p99_ms - base.p99_ms,
        }
    }
}

/// What a load of many requests achieved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    /// Answers with status 200 per second.
    pub requests_per_s: f64,
    /// Per request.
    pub latency: Latency,
    /// The load generator's share (0..=1) of the CPU time the processes used.
    pub loadgen_cpu_share: f64,
    /// Answers other than 200 and failed requests.
    pub errors: u64,
}

/// The instructions callgrind counted over a whole service's life, in its two runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instructions {
    /// With `Callgrind::k1` requests.
    pub at_k1: u64,
    /// With `Callgrind::k2` requests.
    pub at_k2: u64,
}
