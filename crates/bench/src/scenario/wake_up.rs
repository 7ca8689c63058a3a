//! The cost of waking an idle service, whatever it does: `/healthz` on one connection back to
//! back, then with a pause before each request as long as the slow jira-sim's latency (the
//! silence between the calls of a search behind it).

use std::time::Duration;

use crate::load;
use crate::measure::latency;
use crate::results::{WakeUp, WakeUps};
use crate::world::{Service, SLOW_JIRA};

/// The back-to-back run lasts `--seconds`, but at most this long.
const BACK_TO_BACK_SECONDS_AT_MOST: u64 = 2;

/// The paced run lasts `--seconds`, but at most this long.
const IDLE_SECONDS_AT_MOST: u64 = 3;

/// Measures each service back to back, then after an idle pause.
pub async fn run(services: &[Service], seconds: u64) -> WakeUps {
    let idle_pause = SLOW_JIRA.duration();
    let mut by_cache = Vec::new();
    for svc in services {
        let target = svc.healthz();
        let back_to_back = load::run(
            &target,
            1,
            Duration::from_secs(seconds.min(BACK_TO_BACK_SECONDS_AT_MOST)),
        )
        .await;
        let after_idle = load::run_paced(
            &target,
            1,
            Duration::from_secs(seconds.min(IDLE_SECONDS_AT_MOST)),
            idle_pause,
        )
        .await;
        by_cache.push(WakeUp {
            cache: svc.cache,
            back_to_back: latency(&back_to_back),
            after_idle: latency(&after_idle),
        });
    }
    WakeUps {
        idle_pause,
        by_cache,
    }
}
