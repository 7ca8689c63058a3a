//! Which answers a soak run counts as expected: the documented answer (docs/api.md) to a fault
//! that was injected before the request ended and, for faults that end, had not yet drained
//! when it started. Everything else that is not a 200 with a JSON array is unexpected.
//!
//! A window's start is taken before the fault is injected and its end after it is cleared, so
//! a request is judged when its answer arrives: every window that can excuse it has started by
//! then, and one still open is active.

use std::time::Duration;

/// The two simulated Jiras.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// Jira Server / Data Center (route `/extensions/jira-server/...`).
    Server,
    /// Jira Cloud (route `/extensions/jira/...`).
    Cloud,
}

impl Flavor {
    /// The provider's name in the issue search's error message.
    fn provider(self) -> &'static str {
        match self {
            Flavor::Server => "Jira Server",
            Flavor::Cloud => "Jira",
        }
    }
}

/// What a Jira fault makes the simulator do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JiraFault {
    /// 429 with `Retry-After: 1`.
    RateLimited,
    /// 500 or 502 with an HTML page.
    ServerError,
    /// Answers after the service's deadline.
    Timeout,
}

/// One injected fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The simulator of one flavour fails every Jira call.
    Jira(Flavor, JiraFault),
    /// The Redis server is killed and started again: nothing may fail.
    RedisRestart,
    /// A caller token (by index) is revoked, for good.
    TokenRevoked(usize),
    /// An integration (by index) is disabled, then enabled again.
    Disabled(usize),
}

impl Fault {
    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Jira(_, JiraFault::RateLimited) => "Jira 429",
            Fault::Jira(_, JiraFault::ServerError) => "Jira 5xx",
            Fault::Jira(_, JiraFault::Timeout) => "Jira timeout",
            Fault::RedisRestart => "Redis restart",
            Fault::TokenRevoked(_) => "token revoked",
            Fault::Disabled(_) => "integration disabled",
        }
    }
}

/// When a fault was active, in time since the run started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// The fault.
    pub fault: Fault,
    /// Taken before it was injected.
    pub start: Duration,
    /// Taken after it was cleared; `None` while it lasts (a revocation lasts for good).
    pub end: Option<Duration>,
}

/// The search branches the traffic takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Branch {
    /// `assignee` / `reporter`.
    Users,
    /// `externalIssue` / `parent`.
    Issues,
    /// `project` on Cloud.
    Projects,
    /// Any other field: JQL autocomplete, with the field as sent.
    Autocomplete(String),
}

/// What one request was.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The integration (index into the world's list).
    pub integration: usize,
    /// Its Jira.
    pub flavor: Flavor,
    /// The caller token (index into the world's list).
    pub token: usize,
    /// The branch.
    pub branch: Branch,
    /// When it was sent, since the run started.
    pub start: Duration,
    /// When its answer arrived (or it failed).
    pub end: Duration,
}

/// How a request ended.
#[derive(Clone, Debug)]
pub enum Answered {
    /// An HTTP answer.
    Http {
        /// Its status.
        status: u16,
        /// Its body.
        body: String,
    },
    /// No answer: connection refused or reset, or the client's own deadline.
    Failed(String),
}

/// How long after a fault ends its answers may still come: for Jira faults the breaker's
/// cooldown and one call's deadline (an open breaker answers the failure until its probe
/// succeeds); for the others, the time a request already past its checks takes to finish.
#[derive(Clone, Copy, Debug)]
pub struct Grace {
    /// After a Jira fault.
    pub jira: Duration,
    /// After an integration is enabled again.
    pub admin: Duration,
}

/// The verdict on one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// 200 with a JSON array.
    Ok,
    /// The documented answer to this fault.
    Expected(Fault),
    /// Anything else.
    Unexpected,
}

const UNAUTHENTICATED: &str = r#"{"detail":"Authentication credentials were not provided."}"#;

/// Judges one request against the fault windows.
pub fn judge(sent: &Sent, answered: &Answered, windows: &[Window], grace: Grace) -> Verdict {
    let Answered::Http { status, body } = answered else {
        return Verdict::Unexpected;
    };
    let covers = |w: &Window, after: Duration| {
        w.start <= sent.end && w.end.is_none_or(|end| sent.start <= end + after)
    };
    let excused = |fits: &dyn Fn(Fault) -> bool, after: Duration| {
        windows
            .iter()
            .find(|w| fits(w.fault) && covers(w, after))
            .map_or(Verdict::Unexpected, |w| Verdict::Expected(w.fault))
    };
    match *status {
        200 if body.trim_start().starts_with('[') => Verdict::Ok,
        // A revoked token stays revoked, whenever its window was closed.
        401 if body == UNAUTHENTICATED => windows
            .iter()
            .find(|w| w.fault == Fault::TokenRevoked(sent.token) && w.start <= sent.end)
            .map_or(Verdict::Unexpected, |w| Verdict::Expected(w.fault)),
        404 if body.is_empty() => excused(&|f| f == Fault::Disabled(sent.integration), grace.admin),
        400 if is_jira_failure(&sent.branch, sent.flavor, body) => excused(
            &|f| matches!(f, Fault::Jira(flavor, _) if flavor == sent.flavor),
            grace.jira,
        ),
        _ => Verdict::Unexpected,
    }
}

/// Whether `body` is the branch's documented answer to a failed Jira call.
fn is_jira_failure(branch: &Branch, flavor: Flavor, body: &str) -> bool {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
        return false;
    };
    let Some(detail) = value.get("detail").and_then(|d| d.as_str()) else {
        return false;
    };
    match branch {
        Branch::Users => detail == "Unable to fetch users from Jira",
        Branch::Projects => detail == "Unable to fetch projects from Jira",
        Branch::Autocomplete(field) => {
            detail == format!("Unable to fetch autocomplete for {field} from Jira")
        }
        Branch::Issues => detail
            .strip_prefix("Error Communicating with ")
            .and_then(|rest| rest.strip_prefix(flavor.provider()))
            .is_some_and(|rest| rest.starts_with(" (HTTP ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    const GRACE: Grace = Grace {
        jira: Duration::from_secs(8),
        admin: Duration::from_secs(1),
    };

    fn sent(branch: Branch, start: u64, end: u64) -> Sent {
        Sent {
            integration: 2,
            flavor: Flavor::Server,
            token: 1,
            branch,
            start: secs(start),
            end: secs(end),
        }
    }

    fn http(status: u16, body: &str) -> Answered {
        Answered::Http {
            status,
            body: body.to_owned(),
        }
    }

    fn window(fault: Fault, start: u64, end: Option<u64>) -> Window {
        Window {
            fault,
            start: secs(start),
            end: end.map(secs),
        }
    }

    #[test]
    fn a_200_with_an_array_is_ok_whatever_the_faults() {
        let s = sent(Branch::Users, 10, 11);
        assert_eq!(judge(&s, &http(200, "[]"), &[], GRACE), Verdict::Ok);
        assert_eq!(
            judge(&s, &http(200, r#"{"oops":1}"#), &[], GRACE),
            Verdict::Unexpected
        );
    }

    #[test]
    fn a_jira_failure_is_expected_only_on_the_faulty_flavour_within_the_grace() {
        let users = http(400, r#"{"detail":"Unable to fetch users from Jira"}"#);
        let server = [window(
            Fault::Jira(Flavor::Server, JiraFault::Timeout),
            20,
            Some(30),
        )];
        let cloud = [window(
            Fault::Jira(Flavor::Cloud, JiraFault::Timeout),
            20,
            Some(30),
        )];
        let during = sent(Branch::Users, 25, 26);
        assert_eq!(
            judge(&during, &users, &server, GRACE),
            Verdict::Expected(server[0].fault)
        );
        assert_eq!(judge(&during, &users, &cloud, GRACE), Verdict::Unexpected);
        // Sent 7 s after the end: the breaker may still be open.
        assert_ne!(
            judge(&sent(Branch::Users, 37, 37), &users, &server, GRACE),
            Verdict::Unexpected
        );
        // Before the fault, and long after it.
        assert_eq!(
            judge(&sent(Branch::Users, 5, 6), &users, &server, GRACE),
            Verdict::Unexpected
        );
        assert_eq!(
            judge(&sent(Branch::Users, 39, 39), &users, &server, GRACE),
            Verdict::Unexpected
        );
        // A request that was in flight when the fault began.
        assert_ne!(
            judge(&sent(Branch::Users, 19, 21), &users, &server, GRACE),
            Verdict::Unexpected
        );
    }

    #[test]
    fn only_the_branchs_own_message_is_the_documented_failure() {
        let server = [window(
            Fault::Jira(Flavor::Server, JiraFault::ServerError),
            0,
            None,
        )];
        let field = |f: &str| sent(Branch::Autocomplete(f.to_owned()), 1, 2);
        let sprint = http(
            400,
            r#"{"detail":"Unable to fetch autocomplete for sprint from Jira"}"#,
        );
        assert_ne!(
            judge(&field("sprint"), &sprint, &server, GRACE),
            Verdict::Unexpected
        );
        assert_eq!(
            judge(&field("labels"), &sprint, &server, GRACE),
            Verdict::Unexpected
        );
        let issues = sent(Branch::Issues, 1, 2);
        let ok = http(
            400,
            r#"{"detail":"Error Communicating with Jira Server (HTTP 502): unknown error"}"#,
        );
        let wrong = http(
            400,
            r#"{"detail":"Error Communicating with Jira (HTTP 502): unknown error"}"#,
        );
        assert_ne!(judge(&issues, &ok, &server, GRACE), Verdict::Unexpected);
        assert_eq!(judge(&issues, &wrong, &server, GRACE), Verdict::Unexpected);
        assert_eq!(
            judge(&issues, &http(500, ""), &server, GRACE),
            Verdict::Unexpected
        );
        assert_eq!(
            judge(
                &issues,
                &http(400, "Unable to fetch users from Jira"),
                &server,
                GRACE
            ),
            Verdict::Unexpected
        );
    }

    #[test]
    fn a_401_is_expected_only_for_the_revoked_token_once_revocation_began() {
        let revoked = [window(Fault::TokenRevoked(1), 50, Some(51))];
        let unauthenticated = http(401, UNAUTHENTICATED);
        assert_eq!(
            judge(
                &sent(Branch::Users, 60, 60),
                &unauthenticated,
                &revoked,
                GRACE
            ),
            Verdict::Expected(Fault::TokenRevoked(1))
        );
        assert_eq!(
            judge(
                &sent(Branch::Users, 40, 41),
                &unauthenticated,
                &revoked,
                GRACE
            ),
            Verdict::Unexpected
        );
        let mut other = sent(Branch::Users, 60, 60);
        other.token = 0;
        assert_eq!(
            judge(&other, &unauthenticated, &revoked, GRACE),
            Verdict::Unexpected
        );
    }

    #[test]
    fn an_empty_404_is_expected_only_while_that_integration_is_disabled() {
        let disabled = [window(Fault::Disabled(2), 100, Some(105))];
        let gone = http(404, "");
        assert_eq!(
            judge(&sent(Branch::Users, 103, 103), &gone, &disabled, GRACE),
            Verdict::Expected(Fault::Disabled(2))
        );
        assert_eq!(
            judge(&sent(Branch::Users, 108, 108), &gone, &disabled, GRACE),
            Verdict::Unexpected
        );
        let mut other = sent(Branch::Users, 103, 103);
        other.integration = 0;
        assert_eq!(judge(&other, &gone, &disabled, GRACE), Verdict::Unexpected);
        assert_eq!(
            judge(
                &sent(Branch::Users, 103, 103),
                &http(404, "x"),
                &disabled,
                GRACE
            ),
            Verdict::Unexpected
        );
    }

    #[test]
    fn no_answer_and_a_redis_restart_excuse_nothing() {
        let redis = [window(Fault::RedisRestart, 0, None)];
        let s = sent(Branch::Users, 1, 2);
        assert_eq!(
            judge(&s, &Answered::Failed("reset".into()), &redis, GRACE),
            Verdict::Unexpected
        );
        assert_eq!(
            judge(
                &s,
                &http(400, r#"{"detail":"Unable to fetch users from Jira"}"#),
                &redis,
                GRACE
            ),
            Verdict::Unexpected
        );
    }
}
