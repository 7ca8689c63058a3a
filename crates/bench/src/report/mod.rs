//! docs/benchmarks.md from the typed results of a run. The prose lives in the Markdown templates
//! under crates/bench/src/report/template/ (compiled in); every figure and verdict in it comes
//! from a placeholder filled here, and the tables are built from the same results.

mod format;
mod obstacles;
mod ratios;
mod sections;
mod stores;
mod table;
mod targets;
mod template;

#[cfg(test)]
mod tests;

use crate::results::{Callgrind, Report};
pub use template::TemplateError;
use template::{Template, Values};

/// Declares a template compiled in from crates/bench/src/report/template/.
macro_rules! template {
    ($file:literal) => {
        Template {
            name: $file,
            text: include_str!(concat!("template/", $file)),
        }
    };
}

// The templates, in the document's order.
const HEADER: Template = template!("header.md");
const THROUGHPUT: Template = template!("throughput.md");
const THROUGHPUT_ERRORS: Template = template!("throughput_errors.md");
const MISSES: Template = template!("misses.md");
const WAKE_UPS: Template = template!("wake_ups.md");
const COLD: Template = template!("cold.md");
const CLOUD_COLD: Template = template!("cloud_cold.md");
const BURST: Template = template!("burst.md");
const MEMORY: Template = template!("memory.md");
const CALLGRIND: Template = template!("callgrind.md");
const STORES: Template = template!("stores.md");
const TARGETS: Template = template!("targets.md");
const OBSTACLES: Template = template!("obstacles.md");
const OBSTACLE_WAKE_UP: Template = template!("obstacle_wake_up.md");
const OBSTACLE_COLD: Template = template!("obstacle_cold.md");
const FOOTER: Template = template!("footer.md");

/// What `jira-search-bench callgrind` prints: the instructions per cache hit and per
/// `/healthz` and their ratio, one a line.
pub fn callgrind_summary(c: &Callgrind) -> String {
    ratios::callgrind_summary(c)
}

/// The whole of docs/benchmarks.md: the sections the run measured, in order, one blank line
/// between blocks.
pub fn render(report: &Report) -> Result<String, TemplateError> {
    let mut blocks = vec![sections::header(&report.setup)?];
    if let Some(throughput) = &report.throughput {
        blocks.push(sections::throughput(throughput)?);
    }
    if let Some(misses) = &report.misses {
        blocks.push(sections::misses(misses)?);
    }
    if let Some(wake_ups) = &report.wake_ups {
        blocks.push(sections::wake_ups(wake_ups)?);
    }
    if let Some(cold) = &report.cold {
        blocks.push(sections::cold(cold)?);
    }
    if let Some(cloud_cold) = &report.cloud_cold {
        blocks.push(ratios::cloud_cold(cloud_cold)?);
    }
    if let Some(burst) = &report.burst {
        blocks.push(sections::burst(burst)?);
    }
    if let Some(memory) = &report.memory {
        blocks.push(sections::memory(memory)?);
    }
    if let Some(callgrind) = &report.callgrind {
        blocks.push(ratios::callgrind(callgrind)?);
    }
    if let Some(s) = &report.stores {
        blocks.push(stores::stores(s)?);
    }
    if let Some(table) = targets::table(report) {
        blocks.push(TARGETS.fill(&Values::new().set("table", table.render()))?);
    }
    if let Some(obstacles) = obstacles::render(report)? {
        blocks.push(obstacles);
    }
    blocks.push(
        FOOTER.fill(&Values::new().set("elapsed", format::whole(report.elapsed.as_secs_f64())))?,
    );
    let blocks: Vec<&str> = blocks.iter().map(|b| b.trim_end()).collect();
    Ok(format!("{}\n", blocks.join("\n\n")))
}
