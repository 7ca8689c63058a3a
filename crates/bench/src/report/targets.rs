//! The targets of docs/benchmarks.md: their thresholds, the verdict of each measured figure,
//! and the table that lists them.

use std::fmt;

use super::format::{count, kib_as_mb, ms, ratio};
use super::table::{text, Column, Table};
use crate::results::{BurstByCache, Callgrind, Latency, MemoryByCache, Report, ThroughputByCache};

/// Cache hits per second at least this share of the ceiling's requests per second.
pub const HIT_VS_CEILING_AT_LEAST: f64 = 0.5;
/// A cache miss adds at most this much at p50, in milliseconds.
pub const MISS_ADDED_P50_AT_MOST_MS: f64 = 0.3;
/// A cache miss adds at most this much at p99, in milliseconds.
pub const MISS_ADDED_P99_AT_MOST_MS: f64 = 1.0;
/// A cold search takes at most this many times one direct user search, at p50.
pub const COLD_VS_DIRECT_AT_MOST: f64 = 1.2;
/// A cold Jira Cloud user search with a project takes at most this many times one direct Jira
/// call, at p50 (issue #14).
pub const CLOUD_COLD_VS_DIRECT_AT_MOST: f64 = 1.1;
/// A cache hit costs at most this many times the instructions of `/healthz` (issue #14).
pub const HIT_INSTRUCTIONS_VS_HEALTHZ_AT_MOST: f64 = 2.0;
/// Of a burst of identical cold searches, exactly this many project lookups and this many user
/// searches reach Jira.
pub const BURST_JIRA_CALLS_EACH: usize = 1;
/// Peak RSS at most this many MB (of 1024 KiB).
pub const PEAK_RSS_AT_MOST_MB: u64 = 50;

/// Whether a figure meets its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It does.
    Met,
    /// It does not (a NaN figure does not).
    NotMet,
}

impl Verdict {
    fn of(met: bool) -> Self {
        if met {
            Verdict::Met
        } else {
            Verdict::NotMet
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Met => "**met**",
            Verdict::NotMet => "**not met**",
        })
    }
}

/// Cache hits against the ceiling.
pub fn hit(t: &ThroughputByCache) -> Verdict {
    Verdict::of(t.hit_vs_ceiling() >= HIT_VS_CEILING_AT_LEAST)
}

/// What a cache miss adds over the floor.
pub fn miss(added: Latency) -> Verdict {
    Verdict::of(
        added.p50_ms <= MISS_ADDED_P50_AT_MOST_MS && added.p99_ms <= MISS_ADDED_P99_AT_MOST_MS,
    )
}

/// A cold search against one direct user search.
pub fn cold(vs_direct: f64) -> Verdict {
    Verdict::of(vs_direct <= COLD_VS_DIRECT_AT_MOST)
}

/// A cold Cloud search with a project against one direct Jira call.
pub fn cloud_cold(vs_direct: f64) -> Verdict {
    Verdict::of(vs_direct <= CLOUD_COLD_VS_DIRECT_AT_MOST)
}

/// Instructions per cache hit against those per `/healthz`.
pub fn instructions(c: &Callgrind) -> Verdict {
    Verdict::of(c.hit_vs_healthz() <= HIT_INSTRUCTIONS_VS_HEALTHZ_AT_MOST)
}

/// The Jira calls of a burst.
pub fn burst(b: &BurstByCache) -> Verdict {
    Verdict::of(
        b.project_lookups == BURST_JIRA_CALLS_EACH && b.user_searches == BURST_JIRA_CALLS_EACH,
    )
}

/// Peak memory.
pub fn memory(m: &MemoryByCache) -> Verdict {
    Verdict::of(m.peak_rss_kib <= PEAK_RSS_AT_MOST_MB * 1024)
}

const COLUMNS: &[Column] = &[text("target"), text("measured"), text("")];

/// The table of every target the run measured, in the sections' order; `None` when it
/// measured none.
pub fn table(report: &Report) -> Option<Table> {
    let mut table = Table::new(COLUMNS);
    if let Some(throughput) = &report.throughput {
        for t in &throughput.by_cache {
            table.row([
                format!(
                    "cache-hit search at least {HIT_VS_CEILING_AT_LEAST}x the ceiling's req/s ({})",
                    t.cache.label()
                ),
                ratio(t.hit_vs_ceiling()),
                hit(t).to_string(),
            ]);
        }
    }
    if let Some(misses) = &report.misses {
        for at in &misses.at {
            for m in &at.by_cache {
                let added = at.added(m);
                table.row([
                    format!(
                        "added latency on a cache miss at most {MISS_ADDED_P50_AT_MOST_MS} ms p50 and {MISS_ADDED_P99_AT_MOST_MS} ms p99 (jira-sim {}, {})",
                        at.jira,
                        m.cache.label()
                    ),
                    format!("{} p50, {} p99", ms(added.p50_ms), ms(added.p99_ms)),
                    miss(added).to_string(),
                ]);
            }
        }
    }
    if let Some(cold_searches) = &report.cold {
        for at in &cold_searches.at {
            for c in &at.by_cache {
                let with_project = at.with_project_vs_direct(c);
                let without_project = at.without_project_vs_direct(c);
                table.row([
                    format!(
                        "cold search on {} projects at most {COLD_VS_DIRECT_AT_MOST}x one direct user search (jira-sim {}, {})",
                        count(cold_searches.projects),
                        at.jira,
                        c.cache.label()
                    ),
                    format!(
                        "{} with a project id; {} without",
                        ratio(with_project),
                        ratio(without_project)
                    ),
                    format!(
                        "{} with a project, {} without",
                        cold(with_project),
                        cold(without_project)
                    ),
                ]);
            }
        }
    }
    if let Some(cloud) = &report.cloud_cold {
        for c in &cloud.by_cache {
            let vs_direct = cloud.vs_direct(c);
            table.row([
                format!(
                    "cold Jira Cloud user search with a project at most {CLOUD_COLD_VS_DIRECT_AT_MOST}x one direct Jira call (jira-sim {}, {})",
                    cloud.jira,
                    c.cache.label()
                ),
                ratio(vs_direct),
                cloud_cold(vs_direct).to_string(),
            ]);
        }
    }
    if let Some(b) = &report.burst {
        for c in &b.by_cache {
            table.row([
                format!(
                    "{} concurrent identical cold searches: exactly {BURST_JIRA_CALLS_EACH} project lookup and {BURST_JIRA_CALLS_EACH} user search reach Jira ({})",
                    count(b.searches),
                    c.cache.label()
                ),
                format!("{} and {}", c.project_lookups, c.user_searches),
                burst(c).to_string(),
            ]);
        }
    }
    if let Some(m) = &report.memory {
        for c in &m.by_cache {
            table.row([
                format!(
                    "peak RSS at most {PEAK_RSS_AT_MOST_MB} MB with {} concurrent connections ({})",
                    count(m.connections),
                    c.cache.label()
                ),
                kib_as_mb(c.peak_rss_kib),
                memory(c).to_string(),
            ]);
        }
    }
    if let Some(c) = &report.callgrind {
        table.row([
            format!(
                "instructions per cache hit at most {HIT_INSTRUCTIONS_VS_HEALTHZ_AT_MOST}x those per `/healthz` (callgrind)"
            ),
            ratio(c.hit_vs_healthz()),
            instructions(c).to_string(),
        ]);
    }
    (!table.is_empty()).then_some(table)
}
