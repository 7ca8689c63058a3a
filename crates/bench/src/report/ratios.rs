//! The two ratio figures of issue #14, each a section of docs/benchmarks.md with its goal and
//! the value measured before the changes (fixed text in its template): a cold Jira
//! Cloud user search with a project against one direct Jira call, and the instructions per
//! cache hit against those per `/healthz` under callgrind.

use super::format::{count, ms, ratio, seconds, times, whole_count};
use super::table::{figure, text, Column, Table};
use super::targets::{CLOUD_COLD_VS_DIRECT_AT_MOST, HIT_INSTRUCTIONS_VS_HEALTHZ_AT_MOST};
use super::template::{TemplateError, Values};
use super::{CALLGRIND, CLOUD_COLD};
use crate::results::{CacheKind, Callgrind, CloudCold};

const CLOUD_COLUMNS: &[Column] = &[
    text("scenario"),
    text("cache"),
    figure("p50"),
    figure("p99"),
    figure("Jira calls per search"),
    figure("errors"),
    figure("vs one direct Jira call (p50)"),
];

/// Cold Cloud searches with a project against one direct Jira call.
pub fn cloud_cold(c: &CloudCold) -> Result<String, TemplateError> {
    let mut table = Table::new(CLOUD_COLUMNS);
    table.row([
        "one direct Jira call (assignable search with the project id)".to_owned(),
        String::new(),
        ms(c.direct.p50_ms),
        ms(c.direct.p99_ms),
        "1".to_owned(),
        String::new(),
        // The baseline of the last column.
        ratio(1.0),
    ]);
    for s in &c.by_cache {
        table.row([
            "cold Cloud user search with a project id, through jira-search".to_owned(),
            s.cache.label().to_owned(),
            ms(s.service.p50_ms),
            ms(s.service.p99_ms),
            s.jira_calls.to_string(),
            s.errors.to_string(),
            ratio(c.vs_direct(s)),
        ]);
    }
    let this_run = |cache: CacheKind| {
        c.by_cache
            .iter()
            .find(|s| s.cache == cache)
            .map_or("not measured".to_owned(), |s| {
                format!(
                    "{} ({} against {}, {} Jira {})",
                    ratio(c.vs_direct(s)),
                    ms(s.service.p50_ms),
                    ms(c.direct.p50_ms),
                    s.jira_calls,
                    if s.jira_calls == 1 { "call" } else { "calls" }
                )
            })
    };
    CLOUD_COLD.fill(
        &Values::new()
            .set("jira_latency", c.jira)
            .set("projects", count(c.projects))
            .set("turn", seconds(c.turn))
            .set("turns", times(c.turns))
            .set("table", table.render())
            .set("goal", format!("{CLOUD_COLD_VS_DIRECT_AT_MOST}x"))
            .set("in_process", this_run(CacheKind::InProcess))
            .set("redis", this_run(CacheKind::Redis)),
    )
}

const CALLGRIND_COLUMNS: &[Column] = &[
    text("target"),
    figure("instructions, short run"),
    figure("instructions, long run"),
    figure("per request"),
];

/// Instructions per cache hit against those per `/healthz`.
pub fn callgrind(c: &Callgrind) -> Result<String, TemplateError> {
    let mut table = Table::new(CALLGRIND_COLUMNS);
    for (label, runs) in [
        ("cache-hit user search (in-process cache)", c.hit),
        ("`/healthz`", c.healthz),
    ] {
        table.row([
            label.to_owned(),
            whole_count(runs.at_k1 as f64),
            whole_count(runs.at_k2 as f64),
            whole_count(c.per_request(runs)),
        ]);
    }
    CALLGRIND.fill(
        &Values::new()
            .set("k1", count(c.k1 as usize))
            .set("k2", count(c.k2 as usize))
            .set("table", table.render())
            .set("goal", format!("{HIT_INSTRUCTIONS_VS_HEALTHZ_AT_MOST}x"))
            .set("ratio", ratio(c.hit_vs_healthz()))
            .set("hit", whole_count(c.per_request(c.hit)))
            .set("healthz", whole_count(c.per_request(c.healthz))),
    )
}

/// What `jira-search-bench callgrind` prints: the two figures and their ratio, one a line.
pub fn callgrind_summary(c: &Callgrind) -> String {
    format!(
        "instructions per request (callgrind; runs of {} and {} requests, each after one warm-up)\n\
         cache hit: {}\n\
         /healthz:  {}\n\
         ratio:     {} (goal: at most {HIT_INSTRUCTIONS_VS_HEALTHZ_AT_MOST}x)",
        count(c.k1 as usize),
        count(c.k2 as usize),
        whole_count(c.per_request(c.hit)),
        whole_count(c.per_request(c.healthz)),
        ratio(c.hit_vs_healthz()),
    )
}
