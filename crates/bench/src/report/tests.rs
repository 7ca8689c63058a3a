//! The report rendered from hand-built results: its structure, its figures, and verdicts that
//! follow the figures across their targets.

use std::time::Duration;

use super::render;
use crate::results::{
    Burst, BurstByCache, CacheKind, CacheMisses, Callgrind, CloudCold, CloudColdByCache, ColdAt,
    ColdByCache, ColdSearches, Instructions, JiraLatency, Latency, Memory, MemoryByCache,
    MissByCache, MissesAt, ProjectList, Rate, Report, Setup, Throughput, ThroughputByCache, WakeUp,
    WakeUps,
};

mod ratios;

const FAST: JiraLatency = JiraLatency { ms: 0 };
const SLOW: JiraLatency = JiraLatency { ms: 20 };

fn lat(p50_ms: f64, p99_ms: f64) -> Latency {
    Latency { p50_ms, p99_ms }
}

fn rate(requests_per_s: f64, p50_ms: f64) -> Rate {
    Rate {
        requests_per_s,
        latency: lat(p50_ms, p50_ms * 3.0),
        loadgen_cpu_share: 0.4,
        errors: 0,
    }
}

fn cold_at(jira: JiraLatency, direct_ms: f64, with_project_ms: f64) -> ColdAt {
    ColdAt {
        jira,
        direct: lat(direct_ms, direct_ms * 1.5),
        direct_instance_wide: lat(direct_ms, direct_ms * 1.5),
        project_list: ProjectList {
            tries: 3,
            best_ms: 60.0,
            bytes: 6_000_000,
        },
        by_cache: CacheKind::ALL
            .into_iter()
            .map(|cache| ColdByCache {
                cache,
                with_project: lat(with_project_ms, with_project_ms * 1.5),
                without_project: lat(direct_ms * 1.1, direct_ms * 2.0),
            })
            .collect(),
    }
}

/// Cold Cloud searches: the direct call at `direct_ms`, each adapter at `service_ms` with
/// `jira_calls` Jira calls.
fn cloud_cold(direct_ms: f64, service_ms: f64, jira_calls: usize) -> CloudCold {
    CloudCold {
        turn: Duration::from_secs(1),
        turns: 5,
        projects: 10_000,
        jira: SLOW,
        direct: lat(direct_ms, direct_ms + 1.0),
        by_cache: CacheKind::ALL
            .into_iter()
            .map(|cache| CloudColdByCache {
                cache,
                service: lat(service_ms, service_ms + 2.0),
                errors: 0,
                jira_calls,
            })
            .collect(),
    }
}

/// Callgrind's totals: 1,000,000 instructions of start-up and shutdown, then `hit` per cache
/// hit and `healthz` per `/healthz`, over runs of 50 and 550 requests.
fn callgrind(hit: u64, healthz: u64) -> Callgrind {
    let runs = |per_request: u64| Instructions {
        at_k1: 1_000_000 + 51 * per_request,
        at_k2: 1_000_000 + 551 * per_request,
    };
    Callgrind {
        k1: 50,
        k2: 550,
        hit: runs(hit),
        healthz: runs(healthz),
    }
}

/// A full run: every section, every target met but the cold search with a project (Server and
/// Cloud) and the instructions per cache hit.
fn sample() -> Report {
    Report {
        setup: Setup {
            cores: 2,
            cpu_model: "Test CPU".to_owned(),
            commit: "abc1234".to_owned(),
            seconds: 5,
            warm_up: Duration::from_millis(300),
        },
        throughput: Some(Throughput {
            connections: 32,
            seconds: 5,
            query: "a".to_owned(),
            users_per_answer: 50,
            floor: rate(9711.0, 3.2),
            by_cache: CacheKind::ALL
                .into_iter()
                .map(|cache| ThroughputByCache {
                    cache,
                    ceiling: rate(60_000.0, 0.5),
                    hit: rate(36_000.0, 0.8),
                })
                .collect(),
        }),
        misses: Some(CacheMisses {
            turn: Duration::from_secs(1),
            turns: 5,
            at: [(FAST, 0.15), (SLOW, 21.6)]
                .into_iter()
                .map(|(jira, floor_ms)| MissesAt {
                    jira,
                    floor: lat(floor_ms, floor_ms + 0.5),
                    by_cache: CacheKind::ALL
                        .into_iter()
                        .map(|cache| MissByCache {
                            cache,
                            service: lat(floor_ms + 0.2, floor_ms + 1.0),
                            service_cpu_per_search_ms: 0.17,
                            loadgen_cpu_share: 0.21,
                        })
                        .collect(),
                })
                .collect(),
        }),
        wake_ups: Some(WakeUps {
            idle_pause: Duration::from_millis(20),
            by_cache: vec![
                WakeUp {
                    cache: CacheKind::InProcess,
                    back_to_back: lat(0.087, 0.16),
                    after_idle: lat(0.346, 0.6),
                },
                WakeUp {
                    cache: CacheKind::Redis,
                    back_to_back: lat(0.09, 0.19),
                    after_idle: lat(0.325, 0.45),
                },
            ],
        }),
        cold: Some(ColdSearches {
            seconds: 5,
            projects: 10_000,
            at: vec![cold_at(FAST, 0.135, 0.363), cold_at(SLOW, 21.6, 43.6)],
        }),
        cloud_cold: Some(cloud_cold(21.5, 43.4, 2)),
        burst: Some(Burst {
            searches: 200,
            jira: SLOW,
            by_cache: CacheKind::ALL
                .into_iter()
                .map(|cache| BurstByCache {
                    cache,
                    answered_ok: 200,
                    identical: true,
                    project_lookups: 1,
                    user_searches: 1,
                })
                .collect(),
        }),
        memory: Some(Memory {
            connections: 1000,
            seconds: 5,
            by_cache: CacheKind::ALL
                .into_iter()
                .map(|cache| MemoryByCache {
                    cache,
                    rss_at_rest_kib: 11 * 1024,
                    connections_open: 1000,
                    answered: 152_945,
                    errors: 0,
                    peak_rss_kib: 42_803,
                })
                .collect(),
        }),
        callgrind: Some(callgrind(65_000, 17_500)),
        stores: None,
        elapsed: Duration::from_secs(147),
    }
}

/// The one line of `doc` that starts with `prefix`.
fn line<'a>(doc: &'a str, prefix: &str) -> &'a str {
    let lines: Vec<&str> = doc.lines().filter(|l| l.starts_with(prefix)).collect();
    assert_eq!(
        lines.len(),
        1,
        "one line starting with {prefix:?} in:\n{doc}"
    );
    lines[0]
}

fn headings(doc: &str) -> Vec<&str> {
    doc.lines().filter(|l| l.starts_with('#')).collect()
}

#[test]
fn a_full_run_has_every_section_in_order() {
    let doc = render(&sample()).unwrap();
    assert_eq!(
        headings(&doc),
        [
            "# Benchmarks",
            "## Machine and method",
            "## Throughput: ceiling, floor and cache hits",
            "## Cache misses: latency the service adds over Jira",
            "## Cold searches on a Jira with 10,000 projects",
            "## Cold Jira Cloud user search with a project, against one direct Jira call",
            "## 200 concurrent identical cold searches",
            "## Memory with 1,000 concurrent connections",
            "## Instructions per request (callgrind)",
            "## Targets",
            "### What stands in the way where a target is not met",
        ]
    );
    assert!(!doc.contains("{{"), "an unfilled placeholder in:\n{doc}");
    assert!(
        !doc.contains("\n\n\n"),
        "two blank lines in a row in:\n{doc}"
    );
    assert!(doc.ends_with("The whole run took 147 s.\n"), "{doc}");
    // 2 cells of the throughput table, 1 floor + 2 x 2 rows.
    assert_eq!(doc.matches("| cache-hit search | ").count(), 2);
    assert_eq!(doc.matches("| ceiling: `/healthz` | ").count(), 2);
}

#[test]
fn the_prose_takes_its_figures_from_the_results() {
    let doc = render(&sample()).unwrap();
    assert!(doc.contains("- 2 cores (Test CPU); "), "{doc}");
    assert!(doc.contains("Commit `abc1234`"), "{doc}");
    assert!(
        doc.contains("5 s per scenario after a 0.3 s warm-up"),
        "{doc}"
    );
    assert!(
        doc.contains("32 keep-alive connections, 5 s each."),
        "{doc}"
    );
    assert!(doc.contains("(`username=a`, 50 users)"), "{doc}");
    assert!(doc.contains("take turns, 1 s each, 5 times, so"), "{doc}");
    assert!(
        doc.contains("then with a 20 ms pause before each request"),
        "{doc}"
    );
    assert!(
        doc.contains("jira-sim answers after 20 ms; 200 connections"),
        "{doc}"
    );
    assert!(
        doc.contains("1,000 keep-alive connections opened at once"),
        "{doc}"
    );
    // The largest wake-up: 0.346 - 0.087 = 0.259 ms (in-process) over 0.235 ms (Redis).
    assert!(doc.contains("cost up to 0.259 ms at p50 here"), "{doc}");
    // What a miss adds behind the fast jira-sim: 0.2 ms for both adapters.
    assert!(
        doc.contains("where it adds 0.200 ms (in-process) and 0.200 ms (Redis) at p50"),
        "{doc}"
    );
    // 43.6 / 21.6 with a project, 1.1x without, behind the slow jira-sim.
    assert!(
        doc.contains("whatever we do: 2.02x (in-process) and 2.02x (Redis) here."),
        "{doc}"
    );
    assert!(
        doc.contains(
            "**With jira-sim answering in 0.135 ms** (one direct user search at 0 ms, p50)"
        ),
        "{doc}"
    );
    assert!(doc.contains("the 20 ms rows"), "{doc}");
}

#[test]
fn the_tables_carry_the_figures() {
    let doc = render(&sample()).unwrap();
    assert_eq!(
        line(&doc, "| floor: user search straight to jira-sim |"),
        "| floor: user search straight to jira-sim | | 9711 | 3.200 ms | 9.600 ms | | 40% |"
    );
    assert_eq!(
        line(&doc, "| 0 ms | Redis | "),
        "| 0 ms | Redis | 0.150 ms | 0.650 ms | 0.350 ms | 1.150 ms | 0.200 ms | 0.500 ms | 0.170 ms | 21% |"
    );
    assert_eq!(
        line(&doc, "| after 20 ms idle | in-process |"),
        "| after 20 ms idle | in-process | 0.346 ms | 0.600 ms |"
    );
    assert_eq!(
        line(&doc, "| 0 ms | Sentry's way"),
        "| 0 ms | Sentry's way: the project list (6.0 MB, best of 3), then the search | | 60.135 ms | | 445.4x |"
    );
    assert_eq!(
        line(&doc, "| Redis | 200 |"),
        "| Redis | 200 | yes | 1 | 1 |"
    );
    assert_eq!(
        line(&doc, "| in-process | 11.0 MB |"),
        "| in-process | 11.0 MB | 1000 | 152945 | 0 | 41.8 MB |"
    );
}

#[test]
fn verdicts_follow_the_figures_across_their_targets() {
    let hit_row = "| cache-hit search at least 0.5x the ceiling's req/s (in-process) |";
    let miss_row =
        "| added latency on a cache miss at most 0.3 ms p50 and 1 ms p99 (jira-sim 0 ms, Redis) |";
    let cold_row = "| cold search on 10,000 projects at most 1.2x one direct user search (jira-sim 20 ms, in-process) |";
    let burst_row = "| 200 concurrent identical cold searches: exactly 1 project lookup and 1 user search reach Jira (Redis) |";
    let memory_row = "| peak RSS at most 50 MB with 1,000 concurrent connections (in-process) |";

    let mut report = sample();
    let doc = render(&report).unwrap();
    assert_eq!(line(&doc, hit_row), format!("{hit_row} 0.60x | **met** |"));
    assert_eq!(
        line(&doc, miss_row),
        format!("{miss_row} 0.200 ms p50, 0.500 ms p99 | **met** |")
    );
    assert_eq!(
        line(&doc, cold_row),
        format!("{cold_row} 2.02x with a project id; 1.10x without | **not met** with a project, **met** without |")
    );
    assert_eq!(
        line(&doc, burst_row),
        format!("{burst_row} 1 and 1 | **met** |")
    );
    assert_eq!(
        line(&doc, memory_row),
        format!("{memory_row} 41.8 MB | **met** |")
    );

    // Each figure crosses its target.
    let throughput = report.throughput.as_mut().unwrap();
    throughput.by_cache[0].hit.requests_per_s = 29_000.0; // 0.48x the ceiling
    let misses = report.misses.as_mut().unwrap();
    misses.at[0].by_cache[1].service.p99_ms = 0.15 + 0.5 + 1.1; // adds 1.1 ms at p99
    let cold = report.cold.as_mut().unwrap();
    cold.at[1].by_cache[0].with_project.p50_ms = 21.6 * 1.15;
    cold.at[1].by_cache[0].without_project.p50_ms = 21.6 * 1.25;
    report.burst.as_mut().unwrap().by_cache[1].project_lookups = 2;
    report.memory.as_mut().unwrap().by_cache[0].peak_rss_kib = 50 * 1024 + 1;

    let doc = render(&report).unwrap();
    assert_eq!(
        line(&doc, hit_row),
        format!("{hit_row} 0.48x | **not met** |")
    );
    assert_eq!(
        line(&doc, miss_row),
        format!("{miss_row} 0.200 ms p50, 1.100 ms p99 | **not met** |")
    );
    assert_eq!(
        line(&doc, cold_row),
        format!("{cold_row} 1.15x with a project id; 1.25x without | **met** with a project, **not met** without |")
    );
    assert_eq!(
        line(&doc, burst_row),
        format!("{burst_row} 2 and 1 | **not met** |")
    );
    assert_eq!(
        line(&doc, memory_row),
        format!("{memory_row} 50.0 MB | **not met** |")
    );
}

#[test]
fn a_target_exactly_at_its_threshold_is_met() {
    let mut report = sample();
    let throughput = report.throughput.as_mut().unwrap();
    throughput.by_cache[0].hit.requests_per_s = 30_000.0; // 0.5x the ceiling
    report.memory.as_mut().unwrap().by_cache[0].peak_rss_kib = 50 * 1024;
    let doc = render(&report).unwrap();
    assert!(
        doc.contains("req/s (in-process) | 0.50x | **met** |"),
        "{doc}"
    );
    assert!(doc.contains("(in-process) | 50.0 MB | **met** |"), "{doc}");
}

#[test]
fn nothing_answered_is_not_met() {
    let mut report = sample();
    let throughput = report.throughput.as_mut().unwrap();
    throughput.by_cache[1].ceiling.requests_per_s = 0.0;
    throughput.by_cache[1].hit.requests_per_s = 0.0; // 0 / 0
    let doc = render(&report).unwrap();
    assert!(
        doc.contains("req/s (Redis) | NaNx | **not met** |"),
        "{doc}"
    );
}

#[test]
fn only_one_section_renders_that_section_alone() {
    let full = sample();
    let report = Report {
        throughput: None,
        misses: None,
        wake_ups: None,
        cloud_cold: None,
        burst: None,
        memory: None,
        callgrind: None,
        stores: None,
        ..full
    };
    let doc = render(&report).unwrap();
    assert_eq!(
        headings(&doc),
        [
            "# Benchmarks",
            "## Machine and method",
            "## Cold searches on a Jira with 10,000 projects",
            "## Targets",
            "### What stands in the way where a target is not met",
        ]
    );
    // The wake-up bullet needs the misses section; the cold bullets stay.
    assert!(!doc.contains("Waking an idle process"), "{doc}");
    assert!(doc.contains("two dependent Jira calls"), "{doc}");
    assert!(!doc.contains("cache-hit search at least"), "{doc}");
}

#[test]
fn errors_of_a_throughput_run_are_told_after_the_table() {
    let mut report = sample();
    report.throughput.as_mut().unwrap().by_cache[1]
        .ceiling
        .errors = 3;
    let doc = render(&report).unwrap();
    assert!(
        doc.contains("| 40% |\n\nErrors with the Redis cache: 3 at the ceiling, 0 among the cache hits.\n\n## Cache misses"),
        "{doc}"
    );
    let clean = render(&sample()).unwrap();
    assert!(!clean.contains("Errors with"), "{clean}");
}
