//! "What stands in the way where a target is not met": one template of bullets per section it
//! draws its figures from, each left out when the run did not measure its section.

use super::format::{millis, ms, per_cache, ratio};
use super::template::{TemplateError, Values};
use super::{OBSTACLES, OBSTACLE_COLD, OBSTACLE_WAKE_UP};
use crate::results::{CacheMisses, ColdAt, ColdSearches, MissesAt, Report, WakeUps};

/// The heading and its bullets, or `None` when the run measured none of their sections.
pub fn render(report: &Report) -> Result<Option<String>, TemplateError> {
    let mut bullets = Vec::new();
    if let (Some(wake_ups), Some(misses)) = (&report.wake_ups, &report.misses) {
        if let Some(bullet) = wake_up(wake_ups, misses)? {
            bullets.push(bullet);
        }
    }
    if let Some(cold_searches) = &report.cold {
        if let Some(bullet) = cold(cold_searches)? {
            bullets.push(bullet);
        }
    }
    if bullets.is_empty() {
        return Ok(None);
    }
    let bullets: Vec<&str> = bullets.iter().map(|b| b.trim_end()).collect();
    OBSTACLES
        .fill(&Values::new().set("bullets", bullets.join("\n")))
        .map(Some)
}

/// The fastest and the slowest jira-sim a section measured behind.
struct FastAndSlow<'a, T> {
    fast: &'a T,
    slow: &'a T,
}

fn fast_and_slow<T>(at: &[T], latency_ms: impl Fn(&T) -> u64) -> Option<FastAndSlow<'_, T>> {
    Some(FastAndSlow {
        fast: at.iter().min_by_key(|a| latency_ms(a))?,
        slow: at.iter().max_by_key(|a| latency_ms(a))?,
    })
}

/// Waking an idle process, against what a cache miss adds behind the fast jira-sim.
fn wake_up(wake_ups: &WakeUps, misses: &CacheMisses) -> Result<Option<String>, TemplateError> {
    let Some(at) = fast_and_slow(&misses.at, |a: &MissesAt| a.jira.ms) else {
        return Ok(None);
    };
    let fast_added_p50 = per_cache(
        at.fast
            .by_cache
            .iter()
            .map(|m| (m.cache, ms(at.fast.added(m).p50_ms))),
    );
    OBSTACLE_WAKE_UP
        .fill(
            &Values::new()
                .set("wake_up_cost", ms(wake_ups.max_cost_p50_ms()))
                .set("idle_pause", millis(wake_ups.idle_pause))
                .set("slow_jira", at.slow.jira)
                .set("fast_jira", at.fast.jira)
                .set("fast_added_p50", fast_added_p50),
        )
        .map(Some)
}

/// Two dependent Jira calls, and our own hop behind a jira-sim that answers at once.
fn cold(cold_searches: &ColdSearches) -> Result<Option<String>, TemplateError> {
    let Some(at) = fast_and_slow(&cold_searches.at, |a: &ColdAt| a.jira.ms) else {
        return Ok(None);
    };
    let with_project = |at: &ColdAt| {
        per_cache(
            at.by_cache
                .iter()
                .map(|c| (c.cache, ratio(at.with_project_vs_direct(c)))),
        )
    };
    let without_project = |at: &ColdAt| {
        per_cache(
            at.by_cache
                .iter()
                .map(|c| (c.cache, ratio(at.without_project_vs_direct(c)))),
        )
    };
    OBSTACLE_COLD
        .fill(
            &Values::new()
                .set("slow_jira", at.slow.jira)
                .set("slow_with_project", with_project(at.slow))
                .set("slow_without_project", without_project(at.slow))
                .set("fast_direct_p50", ms(at.fast.direct.p50_ms))
                .set("fast_jira", at.fast.jira)
                .set("fast_without_project", without_project(at.fast)),
        )
        .map(Some)
}
