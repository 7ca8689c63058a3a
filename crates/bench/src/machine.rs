//! The machine and the method: cores, CPU model, commit.

use std::time::Duration;

use crate::results::Setup;

/// What this machine is, and how long each scenario runs after a warm-up of `warm_up`.
pub fn setup(seconds: u64, warm_up: Duration) -> Setup {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    Setup {
        cores,
        cpu_model,
        commit,
        seconds,
        warm_up,
    }
}
