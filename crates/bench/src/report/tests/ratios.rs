//! The two ratio sections of issue #14: their figures, their goals, the "before #14" column
//! that stays as recorded, and the quick callgrind summary.

use super::{callgrind, cloud_cold, line, render, sample};
use crate::report::callgrind_summary;
use crate::results::CacheKind;

const CLOUD_IN_PROCESS: &str = "| in-process cache | at most 1.1x |";
const CLOUD_REDIS: &str = "| Redis cache | at most 1.1x |";
const INSTRUCTIONS: &str = "| instructions per cache hit against per `/healthz` | at most 2x |";
/// The before column, recorded on commit a38a8c8.
const BEFORE_CLOUD_IN_PROCESS: &str = "2.02x (43.413 ms against 21.525 ms, 2 Jira calls)";
const BEFORE_INSTRUCTIONS: &str = "2.39x (66,322 against 27,784)";
const CLOUD_TARGET: &str = "| cold Jira Cloud user search with a project at most 1.1x one direct Jira call (jira-sim 20 ms, in-process) |";
const INSTRUCTIONS_TARGET: &str =
    "| instructions per cache hit at most 2x those per `/healthz` (callgrind) |";

#[test]
fn the_cloud_section_takes_its_figures_from_the_results() {
    let doc = render(&sample()).unwrap();
    assert!(
        doc.contains("The Cloud jira-sim answers after 20 ms and holds 10,000 projects."),
        "{doc}"
    );
    assert!(doc.contains("take turns, 1 s each, 5 times."), "{doc}");
    assert_eq!(
        line(&doc, "| one direct Jira call"),
        "| one direct Jira call (assignable search with the project id) | | 21.500 ms | 22.500 ms | 1 | | 1.00x |"
    );
    assert_eq!(
        line(&doc, "| cold Cloud user search with a project id, through jira-search | Redis |"),
        "| cold Cloud user search with a project id, through jira-search | Redis | 43.400 ms | 45.400 ms | 2 | 0 | 2.02x |"
    );
    // This run's column: 43.4 / 21.5, with the calls counted.
    let row = line(&doc, CLOUD_IN_PROCESS);
    assert!(
        row.ends_with("| 2.02x (43.400 ms against 21.500 ms, 2 Jira calls) |"),
        "{row}"
    );
}

#[test]
fn the_callgrind_section_cancels_start_up_and_shutdown() {
    let doc = render(&sample()).unwrap();
    assert!(
        doc.contains("then 50 requests (the short run) or 550 (the long run)"),
        "{doc}"
    );
    assert!(doc.contains("(long run − short run) / (550 − 50)"), "{doc}");
    // 1,000,000 + 51 x 65,000 and 1,000,000 + 551 x 65,000: 65,000 a request.
    assert_eq!(
        line(&doc, "| cache-hit user search (in-process cache) |"),
        "| cache-hit user search (in-process cache) | 4,315,000 | 36,815,000 | 65,000 |"
    );
    assert_eq!(
        line(&doc, "| `/healthz` |"),
        "| `/healthz` | 1,892,500 | 10,642,500 | 17,500 |"
    );
    let row = line(&doc, INSTRUCTIONS);
    assert!(row.ends_with("| 3.71x (65,000 against 17,500) |"), "{row}");
}

#[test]
fn the_ratio_targets_follow_their_figures() {
    let mut report = sample();
    let doc = render(&report).unwrap();
    assert_eq!(
        line(&doc, CLOUD_TARGET),
        format!("{CLOUD_TARGET} 2.02x | **not met** |")
    );
    assert_eq!(
        line(&doc, INSTRUCTIONS_TARGET),
        format!("{INSTRUCTIONS_TARGET} 3.71x | **not met** |")
    );

    // One Jira call, exactly at the goal; twice the instructions of `/healthz`, exactly.
    report.cloud_cold = Some(cloud_cold(20.0, 22.0, 1));
    report.callgrind = Some(callgrind(35_000, 17_500));
    let doc = render(&report).unwrap();
    assert_eq!(
        line(&doc, CLOUD_TARGET),
        format!("{CLOUD_TARGET} 1.10x | **met** |")
    );
    assert_eq!(
        line(&doc, INSTRUCTIONS_TARGET),
        format!("{INSTRUCTIONS_TARGET} 2.00x | **met** |")
    );
    let row = line(&doc, CLOUD_REDIS);
    assert!(
        row.ends_with("| 1.10x (22.000 ms against 20.000 ms, 1 Jira call) |"),
        "{row}"
    );
    // The before column stays as recorded, whatever this run measured.
    assert_eq!(
        line(&doc, CLOUD_IN_PROCESS),
        format!("{CLOUD_IN_PROCESS} {BEFORE_CLOUD_IN_PROCESS} | 1.10x (22.000 ms against 20.000 ms, 1 Jira call) |")
    );
    assert_eq!(
        line(&doc, INSTRUCTIONS),
        format!("{INSTRUCTIONS} {BEFORE_INSTRUCTIONS} | 2.00x (35,000 against 17,500) |")
    );

    // Just past each goal.
    report.cloud_cold = Some(cloud_cold(20.0, 22.05, 1));
    report.callgrind = Some(callgrind(35_001, 17_500));
    let doc = render(&report).unwrap();
    assert_eq!(
        line(&doc, CLOUD_TARGET),
        format!("{CLOUD_TARGET} 1.10x | **not met** |")
    );
    assert_eq!(
        line(&doc, INSTRUCTIONS_TARGET),
        format!("{INSTRUCTIONS_TARGET} 2.00x | **not met** |")
    );
}

#[test]
fn an_adapter_left_out_is_not_measured() {
    let mut report = sample();
    let cloud = report.cloud_cold.as_mut().unwrap();
    cloud.by_cache.retain(|c| c.cache == CacheKind::InProcess);
    let doc = render(&report).unwrap();
    assert!(
        line(&doc, CLOUD_REDIS).ends_with("| not measured |"),
        "{doc}"
    );
    assert!(!doc.contains("1.1x one direct Jira call (jira-sim 20 ms, Redis)"));
}

#[test]
fn the_quick_summary_prints_the_two_figures_and_the_ratio() {
    assert_eq!(
        callgrind_summary(&callgrind(65_000, 17_500)),
        "instructions per request (callgrind; runs of 50 and 550 requests, each after one warm-up)\n\
         cache hit: 65,000\n\
         /healthz:  17,500\n\
         ratio:     3.71x (goal: at most 2x)"
    );
}
