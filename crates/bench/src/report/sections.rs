//! One function per section of docs/benchmarks.md: its table from the typed results, its prose
//! from its template.

use super::format::{
    bytes_as_mb, count, kib_as_mb, millis, ms, percent, ratio, ratio_coarse, seconds, times, whole,
};
use super::table::{figure, text, Column, Table};
use super::template::{TemplateError, Values};
use super::{BURST, COLD, HEADER, MEMORY, MISSES, THROUGHPUT, THROUGHPUT_ERRORS, WAKE_UPS};
use crate::results::{Burst, CacheMisses, ColdSearches, Memory, Rate, Setup, Throughput, WakeUps};

/// Title, provenance, the machine and the method.
pub fn header(setup: &Setup) -> Result<String, TemplateError> {
    HEADER.fill(
        &Values::new()
            .set("cores", setup.cores)
            .set("cpu_model", &setup.cpu_model)
            .set("commit", &setup.commit)
            .set("seconds", setup.seconds)
            .set("warm_up", seconds(setup.warm_up)),
    )
}

const THROUGHPUT_COLUMNS: &[Column] = &[
    text("scenario"),
    text("cache"),
    figure("req/s"),
    figure("p50"),
    figure("p99"),
    figure("vs ceiling"),
    figure("load generator CPU"),
];

/// A row of the throughput table.
fn rate_row(label: &str, cache: &str, rate: &Rate, vs_ceiling: String) -> [String; 7] {
    [
        label.to_owned(),
        cache.to_owned(),
        whole(rate.requests_per_s),
        ms(rate.latency.p50_ms),
        ms(rate.latency.p99_ms),
        vs_ceiling,
        percent(rate.loadgen_cpu_share),
    ]
}

/// Ceiling, floor and cache hits.
pub fn throughput(t: &Throughput) -> Result<String, TemplateError> {
    let mut table = Table::new(THROUGHPUT_COLUMNS);
    table.row(rate_row(
        "floor: user search straight to jira-sim",
        "",
        &t.floor,
        String::new(),
    ));
    let mut errors = Vec::new();
    for c in &t.by_cache {
        let cache = c.cache.label();
        table.row(rate_row(
            "ceiling: `/healthz`",
            cache,
            &c.ceiling,
            String::new(),
        ));
        table.row(rate_row(
            "cache-hit search",
            cache,
            &c.hit,
            ratio(c.hit_vs_ceiling()),
        ));
        if c.ceiling.errors + c.hit.errors > 0 {
            errors.push(
                THROUGHPUT_ERRORS.fill(
                    &Values::new()
                        .set("cache", cache)
                        .set("ceiling_errors", c.ceiling.errors)
                        .set("hit_errors", c.hit.errors),
                )?,
            );
        }
    }
    THROUGHPUT.fill(
        &Values::new()
            .set("connections", t.connections)
            .set("seconds", t.seconds)
            .set("query", &t.query)
            .set("users", t.users_per_answer)
            .set("table", table.render())
            .set("errors", errors.join("\n")),
    )
}

const MISSES_COLUMNS: &[Column] = &[
    text("jira-sim latency"),
    text("cache"),
    figure("floor p50"),
    figure("floor p99"),
    figure("service p50"),
    figure("service p99"),
    figure("added p50"),
    figure("added p99"),
    figure("service CPU per search"),
    figure("load generator CPU"),
];

/// Cache misses against the floor.
pub fn misses(m: &CacheMisses) -> Result<String, TemplateError> {
    let mut table = Table::new(MISSES_COLUMNS);
    for at in &m.at {
        for miss in &at.by_cache {
            let added = at.added(miss);
            table.row([
                at.jira.to_string(),
                miss.cache.label().to_owned(),
                ms(at.floor.p50_ms),
                ms(at.floor.p99_ms),
                ms(miss.service.p50_ms),
                ms(miss.service.p99_ms),
                ms(added.p50_ms),
                ms(added.p99_ms),
                ms(miss.service_cpu_per_search_ms),
                percent(miss.loadgen_cpu_share),
            ]);
        }
    }
    MISSES.fill(
        &Values::new()
            .set("turn", seconds(m.turn))
            .set("turns", times(m.turns))
            .set("table", table.render()),
    )
}

const WAKE_UP_COLUMNS: &[Column] = &[
    text("`/healthz`, one connection"),
    text("cache"),
    figure("p50"),
    figure("p99"),
];

/// What waking an idle service costs.
pub fn wake_ups(w: &WakeUps) -> Result<String, TemplateError> {
    let idle_pause = millis(w.idle_pause);
    let mut table = Table::new(WAKE_UP_COLUMNS);
    for c in &w.by_cache {
        let cache = c.cache.label();
        for (label, latency) in [
            ("back to back".to_owned(), c.back_to_back),
            (format!("after {idle_pause} idle"), c.after_idle),
        ] {
            table.row([
                label,
                cache.to_owned(),
                ms(latency.p50_ms),
                ms(latency.p99_ms),
            ]);
        }
    }
    WAKE_UPS.fill(
        &Values::new()
            .set("idle_pause", idle_pause)
            .set("table", table.render()),
    )
}

const COLD_COLUMNS: &[Column] = &[
    text("jira-sim latency"),
    text("scenario"),
    text("cache"),
    figure("p50"),
    figure("p99"),
    figure("vs one direct user search (p50)"),
];

/// Cold searches against one direct user search and Sentry's way.
pub fn cold(c: &ColdSearches) -> Result<String, TemplateError> {
    let mut table = Table::new(COLD_COLUMNS);
    for at in &c.at {
        let jira = at.jira.to_string();
        table.row([
            jira.clone(),
            "one direct user search (assignable, with a project key)".to_owned(),
            String::new(),
            ms(at.direct.p50_ms),
            ms(at.direct.p99_ms),
            // The baseline of the last column.
            ratio(1.0),
        ]);
        table.row([
            jira.clone(),
            "one direct user search (instance-wide)".to_owned(),
            String::new(),
            ms(at.direct_instance_wide.p50_ms),
            ms(at.direct_instance_wide.p99_ms),
            ratio(at.instance_wide_vs_direct()),
        ]);
        table.row([
            jira.clone(),
            format!(
                "Sentry's way: the project list ({}, best of {}), then the search",
                bytes_as_mb(at.project_list.bytes),
                at.project_list.tries
            ),
            String::new(),
            ms(at.sentry_ms()),
            String::new(),
            ratio_coarse(at.sentry_vs_direct()),
        ]);
        for s in &at.by_cache {
            let cache = s.cache.label().to_owned();
            table.row([
                jira.clone(),
                "cold search with a project id (project lookup, then the assignable search)"
                    .to_owned(),
                cache.clone(),
                ms(s.with_project.p50_ms),
                ms(s.with_project.p99_ms),
                ratio(at.with_project_vs_direct(s)),
            ]);
            table.row([
                jira.clone(),
                "cold search without a project (instance-wide search)".to_owned(),
                cache,
                ms(s.without_project.p50_ms),
                ms(s.without_project.p99_ms),
                format!(
                    "{} of the direct instance-wide search",
                    ratio(at.without_project_vs_direct(s))
                ),
            ]);
        }
    }
    COLD.fill(
        &Values::new()
            .set("projects", count(c.projects))
            .set("seconds", c.seconds)
            .set("table", table.render()),
    )
}

const BURST_COLUMNS: &[Column] = &[
    text("cache"),
    figure("answers 200"),
    text("identical answers"),
    figure("project lookups at Jira"),
    figure("user searches at Jira"),
];

/// Identical cold searches at once.
pub fn burst(b: &Burst) -> Result<String, TemplateError> {
    let mut table = Table::new(BURST_COLUMNS);
    for c in &b.by_cache {
        table.row([
            c.cache.label().to_owned(),
            c.answered_ok.to_string(),
            if c.identical { "yes" } else { "no" }.to_owned(),
            c.project_lookups.to_string(),
            c.user_searches.to_string(),
        ]);
    }
    BURST.fill(
        &Values::new()
            .set("searches", count(b.searches))
            .set("jira_latency", b.jira)
            .set("table", table.render()),
    )
}

const MEMORY_COLUMNS: &[Column] = &[
    text("cache"),
    figure("RSS at rest"),
    figure("connections open"),
    figure("searches answered"),
    figure("errors"),
    figure("peak RSS"),
];

/// Memory under many connections.
pub fn memory(m: &Memory) -> Result<String, TemplateError> {
    let mut table = Table::new(MEMORY_COLUMNS);
    for c in &m.by_cache {
        table.row([
            c.cache.label().to_owned(),
            kib_as_mb(c.rss_at_rest_kib),
            c.connections_open.to_string(),
            c.answered.to_string(),
            c.errors.to_string(),
            kib_as_mb(c.peak_rss_kib),
        ]);
    }
    MEMORY.fill(
        &Values::new()
            .set("connections", count(m.connections))
            .set("seconds", m.seconds)
            .set("table", table.render()),
    )
}
