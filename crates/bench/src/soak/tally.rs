//! What a soak run counts: per minute, requests by verdict and their latencies; every few
//! seconds, the service's resident memory and open descriptors; and the report made of them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::verdict::{Fault, Verdict, Window};

/// Unexpected answers kept whole for the report.
const KEPT: usize = 20;

/// One minute of traffic.
#[derive(Debug, Default)]
pub struct Minute {
    /// 200s with a JSON array.
    pub ok: u64,
    /// Documented answers to an injected fault.
    pub expected: u64,
    /// Everything else.
    pub unexpected: u64,
    /// Latency of every answered request (whatever the verdict), in microseconds.
    pub latencies_us: Vec<u32>,
}

impl Minute {
    fn requests(&self) -> u64 {
        self.ok + self.expected + self.unexpected
    }

    /// The `q` quantile of the latencies in milliseconds (sorts them).
    fn ms(&mut self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        self.latencies_us.sort_unstable();
        let i = ((self.latencies_us.len() - 1) as f64 * q).round() as usize;
        f64::from(self.latencies_us[i]) / 1000.0
    }
}

/// One reading of the service process.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// Seconds since the run started.
    pub at: f64,
    /// Resident set, KiB.
    pub rss_kib: u64,
    /// Open file descriptors.
    pub fds: u64,
    /// Taken when no fault had touched the traffic for a while ([`SETTLE`]): the bursts of
    /// connections a fault causes are gone, so calm readings are comparable.
    pub calm: bool,
}

/// How long after a fault ends its bursts are gone: the breaker's cooldown and one deadline
/// (7 s), then the client's idle connections closed (5 s).
pub const SETTLE: Duration = Duration::from_secs(12);

/// Whether a reading taken `at` is calm: no fault window (but a revocation, which lasts for
/// good and causes no burst) open or closed within [`SETTLE`] before it.
pub fn is_calm(at: Duration, windows: &[Window]) -> bool {
    windows.iter().all(|w| match (w.fault, w.end) {
        (Fault::TokenRevoked(_), _) => true,
        (_, Some(end)) => end + SETTLE <= at || w.start > at,
        (_, None) => w.start > at,
    })
}

/// Everything counted.
#[derive(Debug, Default)]
pub struct Tally {
    /// By minute since the run started.
    pub minutes: Vec<Minute>,
    /// Expected answers by fault name.
    pub expected_by_fault: BTreeMap<&'static str, u64>,
    /// Faults injected, by name.
    pub injected: BTreeMap<&'static str, u64>,
    /// The first unexpected answers, described.
    pub unexpected_seen: Vec<String>,
    /// Requests the load generator could not send because too many were in flight.
    pub not_sent: u64,
    /// Readings of the service.
    pub samples: Vec<Sample>,
}

impl Tally {
    /// Counts one request that ended `at` after the start and took `latency`.
    pub fn count(
        &mut self,
        at: Duration,
        latency: Duration,
        verdict: Verdict,
        what: impl FnOnce() -> String,
    ) {
        let minute = (at.as_secs() / 60) as usize;
        if self.minutes.len() <= minute {
            self.minutes.resize_with(minute + 1, Minute::default);
        }
        let m = &mut self.minutes[minute];
        m.latencies_us
            .push(latency.as_micros().min(u128::from(u32::MAX)) as u32);
        match verdict {
            Verdict::Ok => m.ok += 1,
            Verdict::Expected(fault) => {
                m.expected += 1;
                *self.expected_by_fault.entry(fault.name()).or_default() += 1;
            }
            Verdict::Unexpected => {
                m.unexpected += 1;
                if self.unexpected_seen.len() < KEPT {
                    self.unexpected_seen
                        .push(format!("{:.1}s {}", at.as_secs_f64(), what()));
                }
            }
        }
    }

    /// Notes an injected fault.
    pub fn injected(&mut self, fault: Fault) {
        *self.injected.entry(fault.name()).or_default() += 1;
    }

    /// Requests answered, by verdict: (ok, expected, unexpected).
    pub fn totals(&self) -> (u64, u64, u64) {
        self.minutes.iter().fold((0, 0, 0), |(o, e, u), m| {
            (o + m.ok, e + m.expected, u + m.unexpected)
        })
    }
}

/// A least-squares line through (x, y): its slope and its value at the first and last x.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trend {
    /// Change of y per unit of x.
    pub slope: f64,
    /// Fitted growth from the first to the last x (slope times the span).
    pub growth: f64,
}

/// The trend of `points`; `None` with fewer than two distinct x.
pub fn trend(points: &[(f64, f64)]) -> Option<Trend> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let slope = sxy / sxx;
    let (lo, hi) = points.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.0), hi.max(p.0))
    });
    Some(Trend {
        slope,
        growth: slope * (hi - lo),
    })
}

/// What the run was, for the report's head.
pub struct RunInfo {
    /// Its length.
    pub duration: Duration,
    /// Requests per second the service answered flat out on the mix, measured first.
    pub capacity_rps: f64,
    /// Requests per second offered.
    pub rate_rps: f64,
    /// Readings before this are warm-up.
    pub warm_up: Duration,
}

/// The resident-set and descriptor trends after warm-up: (rss MiB, fds).
pub fn resource_trends(samples: &[Sample], warm_up: Duration) -> (Option<Trend>, Option<Trend>) {
    let after: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.calm && s.at >= warm_up.as_secs_f64())
        .collect();
    let rss: Vec<(f64, f64)> = after
        .iter()
        .map(|s| (s.at / 60.0, s.rss_kib as f64 / 1024.0))
        .collect();
    let fds: Vec<(f64, f64)> = after.iter().map(|s| (s.at / 60.0, s.fds as f64)).collect();
    (trend(&rss), trend(&fds))
}

/// The Markdown report.
pub fn report(tally: &mut Tally, info: &RunInfo) -> String {
    let (ok, expected, unexpected) = tally.totals();
    let mut out = String::new();
    let _ = writeln!(out, "# Soak run\n");
    let _ = writeln!(
        out,
        "{:.1} minutes of mixed traffic (every branch, both providers, cache hits and misses) at \
         {:.0} requests/s, half of the {:.0} requests/s measured flat out first, with faults \
         injected throughout.\n",
        info.duration.as_secs_f64() / 60.0,
        info.rate_rps,
        info.capacity_rps
    );
    let _ = writeln!(out, "| | count |\n|---|---:|");
    let _ = writeln!(
        out,
        "| requests answered | {} |",
        ok + expected + unexpected
    );
    let _ = writeln!(out, "| 200 | {ok} |");
    let _ = writeln!(
        out,
        "| expected errors (the documented answer to a fault) | {expected} |"
    );
    let _ = writeln!(out, "| **unexpected** | **{unexpected}** |");
    let _ = writeln!(
        out,
        "| not sent (too many in flight) | {} |\n",
        tally.not_sent
    );
    let _ = writeln!(
        out,
        "| fault | injected | expected answers |\n|---|---:|---:|"
    );
    for (name, n) in &tally.injected {
        let answers = tally.expected_by_fault.get(name).copied().unwrap_or(0);
        let _ = writeln!(out, "| {name} | {n} | {answers} |");
    }
    let (rss, fds) = resource_trends(&tally.samples, info.warm_up);
    let _ = writeln!(
        out,
        "\nAfter the {:.1}-minute warm-up, calm readings only (none within {} s of a fault): \
         resident memory {}, open descriptors {}.\n",
        info.warm_up.as_secs_f64() / 60.0,
        SETTLE.as_secs(),
        rss.map_or("n/a".into(), |t| format!(
            "{:+.2} MiB over the run ({:+.3} MiB/min)",
            t.growth, t.slope
        )),
        fds.map_or("n/a".into(), |t| format!(
            "{:+.1} over the run ({:+.3}/min)",
            t.growth, t.slope
        )),
    );
    let _ = writeln!(
        out,
        "| minute | requests | 200 | expected | unexpected | p50 ms | p99 ms | RSS MiB (calm) | fds (calm) |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let samples = tally.samples.clone();
    for (i, m) in tally.minutes.iter_mut().enumerate() {
        let last = samples
            .iter()
            .rfind(|s| s.calm && s.at >= i as f64 * 60.0 && s.at < (i as f64 + 1.0) * 60.0);
        let (p50, p99) = (m.ms(0.5), m.ms(0.99));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {:.2} | {:.2} | {} | {} |",
            i + 1,
            m.requests(),
            m.ok,
            m.expected,
            m.unexpected,
            p50,
            p99,
            last.map_or("".into(), |s| format!("{:.1}", s.rss_kib as f64 / 1024.0)),
            last.map_or("".into(), |s| s.fds.to_string()),
        );
    }
    if !tally.unexpected_seen.is_empty() {
        let _ = writeln!(out, "\nFirst unexpected answers:\n");
        for line in &tally.unexpected_seen {
            let _ = writeln!(out, "- {line}");
        }
    }
    out
}

/// The faults in the order they came, with their windows (for reading the unexpected).
pub fn timeline(windows: &[Window]) -> String {
    let mut out = String::from("\n<details><summary>Fault timeline</summary>\n\n| fault | from s | to s |\n|---|---:|---:|\n");
    for w in windows {
        let target = match w.fault {
            Fault::Jira(flavor, _) => format!(" ({flavor:?})"),
            Fault::TokenRevoked(i) => format!(" (token {i})"),
            Fault::Disabled(i) => format!(" (integration #{i})"),
            Fault::RedisRestart => String::new(),
        };
        let _ = writeln!(
            out,
            "| {}{target} | {:.1} | {} |",
            w.fault.name(),
            w.start.as_secs_f64(),
            w.end
                .map_or("for good".into(), |e| format!("{:.1}", e.as_secs_f64()))
        );
    }
    out.push_str("\n</details>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::soak::verdict::Flavor;
    use crate::soak::verdict::JiraFault;

    #[test]
    fn a_flat_line_has_no_slope_and_a_rising_one_its_rate() {
        let flat = trend(&[(0.0, 5.0), (1.0, 5.0), (2.0, 5.0)]).unwrap();
        assert_eq!(flat.slope, 0.0);
        assert_eq!(flat.growth, 0.0);
        let rising = trend(&[(10.0, 1.0), (11.0, 3.0), (12.0, 5.0)]).unwrap();
        assert!((rising.slope - 2.0).abs() < 1e-9);
        assert!((rising.growth - 4.0).abs() < 1e-9);
        assert_eq!(trend(&[(1.0, 1.0)]), None);
        assert_eq!(trend(&[(1.0, 1.0), (1.0, 2.0)]), None);
    }

    #[test]
    fn warm_up_readings_do_not_count_in_the_trend() {
        let samples: Vec<Sample> = (0..20)
            .map(|i| Sample {
                at: f64::from(i) * 30.0,
                // Grows for the first 5 minutes, then flat.
                rss_kib: 10_240 + 1024 * u64::from(i.min(10) as u32),
                fds: 12,
                calm: true,
            })
            .collect();
        let (rss, fds) = resource_trends(&samples, Duration::from_secs(300));
        assert!(rss.unwrap().growth.abs() < 1e-9, "{rss:?}");
        assert_eq!(fds.unwrap().slope, 0.0);
        let (rss, _) = resource_trends(&samples, Duration::ZERO);
        assert!(rss.unwrap().growth > 5.0, "{rss:?}");
    }

    #[test]
    fn a_reading_is_calm_only_well_after_every_fault_but_a_revocation() {
        let secs = Duration::from_secs;
        let jira = Window {
            fault: Fault::Jira(Flavor::Server, JiraFault::Timeout),
            start: secs(100),
            end: Some(secs(108)),
        };
        let revoked = Window {
            fault: Fault::TokenRevoked(1),
            start: secs(50),
            end: None,
        };
        assert!(is_calm(secs(99), &[jira, revoked]));
        assert!(!is_calm(secs(104), &[jira]));
        assert!(!is_calm(secs(115), &[jira]));
        assert!(is_calm(secs(120), &[jira, revoked]));
        let open = Window { end: None, ..jira };
        assert!(!is_calm(secs(500), &[open]));
    }

    #[test]
    fn counts_by_minute_and_verdict_and_keeps_the_first_unexpected() {
        let mut t = Tally::default();
        let ms = Duration::from_millis;
        t.count(Duration::from_secs(1), ms(2), Verdict::Ok, String::new);
        t.count(Duration::from_secs(61), ms(4), Verdict::Unexpected, || {
            "500 boom".into()
        });
        let fault = Fault::Jira(Flavor::Cloud, JiraFault::RateLimited);
        t.count(
            Duration::from_secs(62),
            ms(6),
            Verdict::Expected(fault),
            String::new,
        );
        t.injected(fault);
        assert_eq!(t.totals(), (1, 1, 1));
        assert_eq!(t.minutes.len(), 2);
        assert_eq!(t.expected_by_fault.get("Jira 429"), Some(&1));
        assert_eq!(t.unexpected_seen, vec!["61.0s 500 boom".to_owned()]);
        let info = RunInfo {
            duration: Duration::from_secs(120),
            capacity_rps: 100.0,
            rate_rps: 50.0,
            warm_up: Duration::from_secs(60),
        };
        let md = report(&mut t, &info);
        assert!(md.contains("| **unexpected** | **1** |"), "{md}");
        assert!(md.contains("| Jira 429 | 1 | 1 |"), "{md}");
        assert!(md.contains("| 2 | 2 | 0 | 1 | 1 | 6.00 | 6.00 |"), "{md}");
        assert!(md.contains("- 61.0s 500 boom"), "{md}");
    }
}
