//! Per-integration protection: a cap on concurrent calls, so one tenant's slow Jira cannot
//! hold every connection and task, and a circuit breaker, so a Jira that keeps failing is
//! answered for at once instead of being waited on for every search.
//!
//! The breaker counts consecutive failures that say "this Jira is unwell": timeouts,
//! unreachable hosts and 5xx answers. A 4xx is Jira answering (a bad credential, an unknown
//! project) and resets the count. After `failures` of them in a row the breaker opens: calls
//! fail at once with the last failure (so the caller gets the branch's usual message) for
//! the cool-down; then one call goes through as a probe. Its success closes the breaker, its
//! failure opens it again for another cool-down.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::{IntegrationId, JiraError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Settings of the per-integration protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardSettings {
    /// Most calls in flight to one integration's Jira at once (`JIRA_MAX_CONCURRENCY`);
    /// further calls wait for a free slot within their deadline.
    pub max_concurrent: usize,
    /// Consecutive failures that open the breaker (`JIRA_BREAKER_FAILURES`); 0 turns the
    /// breaker off.
    pub breaker_failures: u32,
    /// How long an open breaker fails calls at once before letting a probe through
    /// (`JIRA_BREAKER_COOLDOWN_SECONDS`).
    pub breaker_cooldown: Duration,
}

impl Default for GuardSettings {
    fn default() -> Self {
        Self {
            max_concurrent: 16,
            breaker_failures: 5,
            breaker_cooldown: Duration::from_secs(30),
        }
    }
}

/// The state of one integration's breaker, as metrics report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls fail at once.
    Open,
    /// One probe is in flight; other calls fail at once.
    HalfOpen,
}

impl BreakerState {
    /// `closed`, `open` or `half_open`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }
}

/// Whether an error says the Jira is unwell (counts toward opening the breaker).
pub fn is_failure(e: &JiraError) -> bool {
    match e {
        JiraError::Timeout | JiraError::Unreachable { .. } => true,
        JiraError::Status { status, .. } => (500..=599).contains(status),
        JiraError::InvalidBody(_) | JiraError::Config(_) => false,
    }
}

#[derive(Debug)]
struct Breaker {
    state: BreakerState,
    failures: u32,
    opened_at: Instant,
    last_error: Option<JiraError>,
}

/// One integration's slots and breaker.
#[derive(Debug)]
pub(crate) struct Guard {
    permits: Arc<Semaphore>,
    breaker: Mutex<Breaker>,
    settings: GuardSettings,
}

/// A call let through by the breaker. Dropping a probe that never reported (its caller went
/// away) lets the next call probe at once, so a breaker cannot stay half-open forever.
pub(crate) struct Ticket {
    guard: Arc<Guard>,
    probe: bool,
    reported: bool,
}

/// The breaker's answer to a call, and its new state when asking changed it (an open
/// breaker letting a probe through turns half-open).
pub(crate) struct Decision {
    pub(crate) admission: Admission,
    pub(crate) breaker_change: Option<BreakerState>,
}

/// What the breaker says about a call.
pub(crate) enum Admission {
    /// Go ahead.
    Call(Ticket),
    /// Fail at once with this error (the one that opened the breaker).
    Reject(JiraError),
}

impl Guard {
    fn new(settings: GuardSettings) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(settings.max_concurrent.max(1))),
            breaker: Mutex::new(Breaker {
                state: BreakerState::Closed,
                failures: 0,
                opened_at: Instant::now(),
                last_error: None,
            }),
            settings,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Breaker> {
        self.breaker.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks the breaker whether a call may go ahead.
    pub(crate) fn admit(self: &Arc<Self>) -> Decision {
        let ticket = |probe| Ticket {
            guard: self.clone(),
            probe,
            reported: false,
        };
        let mut b = self.lock();
        match b.state {
            BreakerState::Closed => Decision {
                admission: Admission::Call(ticket(false)),
                breaker_change: None,
            },
            BreakerState::Open if b.opened_at.elapsed() >= self.settings.breaker_cooldown => {
                b.state = BreakerState::HalfOpen;
                Decision {
                    admission: Admission::Call(ticket(true)),
                    breaker_change: Some(BreakerState::HalfOpen),
                }
            }
            BreakerState::Open | BreakerState::HalfOpen => Decision {
                admission: Admission::Reject(b.last_error.clone().unwrap_or(JiraError::Timeout)),
                breaker_change: None,
            },
        }
    }

    /// Waits for a free slot until `deadline`.
    pub(crate) async fn slot(&self, deadline: Instant) -> Option<OwnedSemaphorePermit> {
        tokio::time::timeout_at(deadline, self.permits.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
    }
}

impl Ticket {
    /// Reports how the call ended; returns the breaker's new state when it changed.
    pub(crate) fn report<T>(mut self, result: &Result<T, JiraError>) -> Option<BreakerState> {
        self.reported = true;
        let settings = self.guard.settings;
        if settings.breaker_failures == 0 {
            return None;
        }
        let mut b = self.guard.lock();
        let failure = result.as_ref().err().filter(|e| is_failure(e));
        match (b.state, failure) {
            (BreakerState::Closed, None) => {
                b.failures = 0;
                None
            }
            (BreakerState::Closed, Some(e)) => {
                b.failures += 1;
                b.last_error = Some(e.clone());
                (b.failures >= settings.breaker_failures).then(|| {
                    b.state = BreakerState::Open;
                    b.opened_at = Instant::now();
                    BreakerState::Open
                })
            }
            (BreakerState::HalfOpen, None) if self.probe => {
                b.state = BreakerState::Closed;
                b.failures = 0;
                b.last_error = None;
                Some(BreakerState::Closed)
            }
            (BreakerState::HalfOpen, Some(e)) if self.probe => {
                b.state = BreakerState::Open;
                b.opened_at = Instant::now();
                b.last_error = Some(e.clone());
                Some(BreakerState::Open)
            }
            // A call that started before the breaker opened: its outcome changes nothing.
            _ => None,
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.probe && !self.reported {
            let mut b = self.guard.lock();
            if b.state == BreakerState::HalfOpen {
                b.state = BreakerState::Open;
                // Let the next call probe without waiting another cool-down.
                b.opened_at = Instant::now()
                    .checked_sub(self.guard.settings.breaker_cooldown)
                    .unwrap_or(b.opened_at);
            }
        }
    }
}

/// Every integration's guard, made on first use.
#[derive(Debug, Default)]
pub(crate) struct Guards {
    map: Mutex<HashMap<IntegrationId, Arc<Guard>>>,
    settings: GuardSettings,
}

impl Guards {
    pub(crate) fn new(settings: GuardSettings) -> Self {
        Self {
            map: Mutex::default(),
            settings,
        }
    }

    pub(crate) fn settings(&self) -> GuardSettings {
        self.settings
    }

    pub(crate) fn of(&self, id: IntegrationId) -> Arc<Guard> {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(id)
            .or_insert_with(|| Arc::new(Guard::new(self.settings)))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(failures: u32) -> GuardSettings {
        GuardSettings {
            max_concurrent: 2,
            breaker_failures: failures,
            breaker_cooldown: Duration::from_secs(30),
        }
    }

    fn call(g: &Arc<Guard>) -> Ticket {
        match g.admit().admission {
            Admission::Call(t) => t,
            Admission::Reject(e) => panic!("rejected: {e}"),
        }
    }

    fn unreachable() -> JiraError {
        JiraError::Unreachable {
            host: "jira.example".into(),
            detail: "refused".into(),
        }
    }

    #[test]
    fn which_errors_count() {
        let status = |s| JiraError::Status {
            status: s,
            error_messages: vec![],
            errors: vec![],
        };
        assert!(is_failure(&JiraError::Timeout));
        assert!(is_failure(&unreachable()));
        assert!(is_failure(&status(500)));
        assert!(is_failure(&status(503)));
        assert!(!is_failure(&status(429)));
        assert!(!is_failure(&status(401)));
        assert!(!is_failure(&status(404)));
        assert!(!is_failure(&JiraError::InvalidBody("x".into())));
    }

    #[tokio::test(start_paused = true)]
    async fn opens_after_consecutive_failures_then_probes_after_the_cooldown() {
        let g = Arc::new(Guard::new(settings(3)));
        // A success in between resets the count.
        for _ in 0..2 {
            assert_eq!(call(&g).report::<()>(&Err(JiraError::Timeout)), None);
        }
        assert_eq!(call(&g).report::<()>(&Ok(())), None);
        // A 4xx is Jira answering: it does not count.
        let forbidden = JiraError::Status {
            status: 403,
            error_messages: vec![],
            errors: vec![],
        };
        assert_eq!(call(&g).report::<()>(&Err(forbidden)), None);
        assert_eq!(call(&g).report::<()>(&Err(JiraError::Timeout)), None);
        assert_eq!(call(&g).report::<()>(&Err(JiraError::Timeout)), None);
        assert_eq!(
            call(&g).report::<()>(&Err(unreachable())),
            Some(BreakerState::Open)
        );
        // Open: rejected with the last failure.
        match g.admit().admission {
            Admission::Reject(e) => assert_eq!(e, unreachable()),
            Admission::Call(_) => panic!("an open breaker let a call through"),
        }
        tokio::time::advance(Duration::from_secs(29)).await;
        assert!(matches!(g.admit().admission, Admission::Reject(_)));
        tokio::time::advance(Duration::from_secs(1)).await;
        // One probe; others are still rejected while it runs.
        let decision = g.admit();
        assert_eq!(decision.breaker_change, Some(BreakerState::HalfOpen));
        let Admission::Call(probe) = decision.admission else {
            panic!("no probe after the cool-down")
        };
        assert!(matches!(g.admit().admission, Admission::Reject(_)));
        // The probe fails: open for another cool-down.
        assert_eq!(
            probe.report::<()>(&Err(JiraError::Timeout)),
            Some(BreakerState::Open)
        );
        assert!(matches!(g.admit().admission, Admission::Reject(_)));
        tokio::time::advance(Duration::from_secs(30)).await;
        let Admission::Call(probe) = g.admit().admission else {
            panic!("no second probe")
        };
        assert_eq!(probe.report::<()>(&Ok(())), Some(BreakerState::Closed));
        call(&g).report::<()>(&Ok(()));
    }

    #[tokio::test(start_paused = true)]
    async fn an_abandoned_probe_lets_the_next_call_probe() {
        let g = Arc::new(Guard::new(settings(1)));
        call(&g).report::<()>(&Err(JiraError::Timeout));
        tokio::time::advance(Duration::from_secs(31)).await;
        let Admission::Call(probe) = g.admit().admission else {
            panic!("no probe")
        };
        drop(probe); // the caller went away
        let Admission::Call(probe) = g.admit().admission else {
            panic!("the breaker stayed half-open after an abandoned probe")
        };
        assert_eq!(probe.report::<()>(&Ok(())), Some(BreakerState::Closed));
    }

    #[tokio::test(start_paused = true)]
    async fn zero_failures_means_no_breaker() {
        let g = Arc::new(Guard::new(settings(0)));
        for _ in 0..100 {
            assert_eq!(call(&g).report::<()>(&Err(JiraError::Timeout)), None);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn slots_are_limited_per_integration() {
        let guards = Guards::new(settings(3));
        let a = guards.of(IntegrationId(1));
        let deadline = Instant::now() + Duration::from_secs(1);
        let p1 = a.slot(deadline).await.expect("slot 1");
        let _p2 = a.slot(deadline).await.expect("slot 2");
        // Full: the third waits until the deadline and gets nothing.
        assert!(a.slot(deadline).await.is_none());
        // Another integration has slots of its own.
        let b = guards.of(IntegrationId(2));
        assert!(b.slot(deadline).await.is_some());
        // A freed slot is taken.
        drop(p1);
        let deadline = Instant::now() + Duration::from_secs(1);
        assert!(a.slot(deadline).await.is_some());
    }
}
