//! The contract of the Jira port ([`JiraApi`]): what an adapter makes of Jira's answers, and
//! what Jira receives from it.
//!
//! A real adapter needs a Jira to talk to, so the suite runs against a [`JiraRig`]: the
//! adapter's test provides the adapter, an integration pointing at a Jira the test controls,
//! a way to choose that Jira's answer, and the requests that Jira received, as it decoded
//! them. [`the_jira_contract`] is the whole suite; a failed check panics with a message
//! that names it: `jira contract: <check>: ...`.
//!
//! - `crates/jira-http/tests/contract.rs` runs it against `HyperJira` and a small HTTP server
//!   of its own on 127.0.0.1.
//! - The tests at the end of this file run it against [`crate::testing::ScriptedJira`], and
//!   show that a Jira port with a flaw fails it.
//!
//! Not covered here, because a fake has nothing to check them with: the `Authorization` of
//! each scheme and the TLS setting. `crates/jira-http/tests/auth_schemes.rs` and
//! `crates/jira-http/tests/tls.rs` check the HTTP adapter's.

use serde_json::Value;

use crate::jira_request::{self, JiraRequest};
use crate::model::{Integration, Provider};
use crate::ports::{JiraApi, JiraError};

/// What the rig's Jira answers to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CannedAnswer {
    /// This status with this body as `application/json`. The body is kept as text, so the
    /// order of the keys of Jira's `errors` object is the order written here.
    Json {
        /// The HTTP status.
        status: u16,
        /// The body, sent byte for byte (it need not be valid JSON).
        body: String,
    },
    /// This status with this body as `text/html`: Jira Server's login page, a proxy's 5xx.
    Html {
        /// The HTTP status.
        status: u16,
        /// The page.
        body: String,
    },
    /// No answer, ever: the request is received and the connection stays open and silent.
    Hang,
}

/// A request as the rig's Jira received and decoded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// The path segments below the base URL (its context path removed), each decoded once.
    pub segments: Vec<String>,
    /// The query pairs in the order sent, decoded as Jira's servlet container does
    /// (`application/x-www-form-urlencoded`: `%XX`, and `+` as a space).
    pub query: Vec<(String, String)>,
}

/// The Jira port under test, with a Jira the test controls.
pub trait JiraRig: Send + Sync {
    /// The adapter under test.
    type Jira: JiraApi;

    /// The adapter, configured with a short deadline (a second or less): the suite waits it
    /// out once, on a Jira that never answers.
    fn jira(&self) -> &Self::Jira;

    /// An enabled integration whose Jira is the rig's, with credentials that Jira accepts.
    fn integration(&self) -> Integration;

    /// From now on, Jira answers `request` (its path; the query is not looked at) with
    /// `answer`, until another answer is set for the same path.
    fn answer_with(&self, request: &JiraRequest, answer: CannedAnswer);

    /// Every request Jira received so far, in order.
    fn received(&self) -> Vec<ReceivedRequest>;
}

/// Runs every check of the Jira contract against `rig`.
///
/// # Panics
/// When a check fails, with a message naming the check and what differed.
pub async fn the_jira_contract<R: JiraRig>(rig: &R) {
    a_json_answer_is_the_parsed_value(rig).await;
    jira_receives_the_segments_and_query_losslessly(rig).await;
    a_404_error_collection_is_read(rig).await;
    errors_keep_jiras_order(rig).await;
    an_html_error_page_is_the_status_alone(rig).await;
    a_success_that_is_not_json_is_an_invalid_body(rig).await;
    a_silent_jira_is_a_timeout(rig).await;
}

/// One call: what the adapter returned and what Jira received meanwhile.
struct Exchange {
    result: Result<Value, JiraError>,
    received: Vec<ReceivedRequest>,
}

async fn exchange<R: JiraRig>(rig: &R, request: &JiraRequest, answer: CannedAnswer) -> Exchange {
    rig.answer_with(request, answer);
    let before = rig.received().len();
    let result = rig.jira().get_json(&rig.integration(), request).await;
    let mut received = rig.received();
    Exchange {
        result,
        received: received.split_off(before.min(received.len())),
    }
}

fn json(status: u16, body: &str) -> CannedAnswer {
    CannedAnswer::Json {
        status,
        body: body.to_owned(),
    }
}

fn html(status: u16, body: &str) -> CannedAnswer {
    CannedAnswer::Html {
        status,
        body: body.to_owned(),
    }
}

fn status(status: u16, error_messages: &[&str], errors: &[(&str, &str)]) -> JiraError {
    JiraError::Status {
        status,
        error_messages: error_messages.iter().map(|m| (*m).to_owned()).collect(),
        errors: errors
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

async fn a_json_answer_is_the_parsed_value<R: JiraRig>(rig: &R) {
    let object = r#"{"id":"10000","key":"HSP","name":"Hosted \"Support\" é","lead":{"active":true},"components":[],"avatar":null,"score":1.5}"#;
    let array = r#"[{"name":"fred","displayName":"Fred F. ✓"},{"name":"jane"}]"#;
    for (request, body) in [
        (jira_request::project("10000"), object),
        (
            jira_request::user_search(Provider::JiraServer, None, "fr"),
            array,
        ),
    ] {
        let want: Value = serde_json::from_str(body).expect("the suite's body is JSON");
        let got = exchange(rig, &request, json(200, body)).await.result;
        assert_eq!(
            got,
            Ok(want),
            "jira contract: a 200 JSON answer is the parsed value: {}",
            request.path()
        );
    }
}

async fn jira_receives_the_segments_and_query_losslessly<R: JiraRig>(rig: &R) {
    let requests = [
        JiraRequest::get("rest/api/2/project")
            .segment("../x?y=1#z")
            .param("username", "a b&c=d+é/")
            .param("project", "HSP"),
        JiraRequest::get("rest/api/2/project")
            .segment("%2F%41 é;x=1")
            .param("jql", "text ~ \"100%\" AND summary ~ %41")
            .param("a", "1")
            .param("a", "2")
            .param("empty", "")
            .param("k=&?#+", "v;,/:@!$'()*")
            .param("ключ", "значение ✓"),
        jira_request::myself(),
    ];
    for request in requests {
        let exchange = exchange(rig, &request, json(200, "{}")).await;
        assert_eq!(
            exchange.result,
            Ok(serde_json::json!({})),
            "jira contract: Jira receives the request losslessly: the call of {} failed",
            request.path()
        );
        let want = ReceivedRequest {
            segments: request.segments().to_vec(),
            query: request.query().to_vec(),
        };
        assert_eq!(
            exchange.received,
            [want],
            "jira contract: Jira receives the request losslessly: exactly the segments and \
             query of {}, once",
            request.path()
        );
    }
}

async fn a_404_error_collection_is_read<R: JiraRig>(rig: &R) {
    let message = "No project could be found with id '10000'.";
    let body = serde_json::json!({"errorMessages": [message], "errors": {}}).to_string();
    let got = exchange(rig, &jira_request::project("10000"), json(404, &body))
        .await
        .result;
    assert_eq!(
        got,
        Err(status(404, &[message], &[])),
        "jira contract: a 404 error collection is Status with its messages"
    );
}

async fn errors_keep_jiras_order<R: JiraRig>(rig: &R) {
    // Alphabetical order would be assignee, project, summary.
    let body = r#"{"errorMessages":["Field errors.","See below."],"errors":{"summary":"You must specify a summary.","project":"project is required","assignee":"User 'x' does not exist."}}"#;
    let request = jira_request::issue_search(Provider::JiraCloud, "login");
    let got = exchange(rig, &request, json(400, body)).await.result;
    assert_eq!(
        got,
        Err(status(
            400,
            &["Field errors.", "See below."],
            &[
                ("summary", "You must specify a summary."),
                ("project", "project is required"),
                ("assignee", "User 'x' does not exist."),
            ]
        )),
        "jira contract: a 400 keeps the order of Jira's errors"
    );
}

async fn an_html_error_page_is_the_status_alone<R: JiraRig>(rig: &R) {
    let pages = [
        (
            503,
            "<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>",
        ),
        (
            401,
            "<!DOCTYPE html><html><body><form id=\"login-form\">Log in</form></body></html>",
        ),
    ];
    for (code, page) in pages {
        let got = exchange(rig, &jira_request::myself(), html(code, page))
            .await
            .result;
        assert_eq!(
            got,
            Err(status(code, &[], &[])),
            "jira contract: an HTML error page is Status {code} with no messages"
        );
    }
}

async fn a_success_that_is_not_json_is_an_invalid_body<R: JiraRig>(rig: &R) {
    for answer in [
        html(200, "<html><body>Please log in</body></html>"),
        json(200, r#"{"key":"HSP","#),
    ] {
        let got = exchange(rig, &jira_request::myself(), answer.clone())
            .await
            .result;
        assert!(
            matches!(got, Err(JiraError::InvalidBody(_))),
            "jira contract: a 200 that is not JSON is InvalidBody: {answer:?} gave {got:?}"
        );
    }
}

async fn a_silent_jira_is_a_timeout<R: JiraRig>(rig: &R) {
    let got = exchange(rig, &jira_request::myself(), CannedAnswer::Hang)
        .await
        .result;
    assert_eq!(
        got,
        Err(JiraError::Timeout),
        "jira contract: a Jira that never answers is a Timeout at the deadline"
    );
}

#[cfg(test)]
mod tests {
    //! The suite against [`ScriptedJira`].
    //!
    //! `ScriptedJira` has no deadline of its own: a caller's deadline is what turns its
    //! pause into a timeout. The rig's Jira is the fake wrapped in `tokio::time::timeout`
    //! (its [`DEADLINE`]), mapped to [`JiraError::Timeout`] as an adapter's deadline is; a
    //! [`CannedAnswer::Hang`] is a pause of an hour. Time is paused in these tests, so the
    //! deadline passes at once.

    use std::time::Duration;

    use super::*;
    use crate::model::{BaseUrl, Credentials, IntegrationId};
    use crate::secret::Secret;
    use crate::testing::{Reply, ScriptedJira};

    const DEADLINE: Duration = Duration::from_millis(500);
    const HANG: Duration = Duration::from_secs(3600);

    /// A way to break the rig's Jira port, to show that the suite catches it.
    #[derive(Debug, Clone, Copy)]
    enum Flaw {
        /// Sends the request without its last query parameter.
        DropsTheLastParameter,
        /// Reads `errors` sorted by field.
        SortsErrors,
        /// Reads a 2xx body that is not JSON as `null`.
        ReadsGarbageAsNull,
        /// Waits for Jira however long it takes.
        NoDeadline,
    }

    /// `ScriptedJira` within a deadline, with at most one flaw.
    struct DeadlineJira {
        scripted: ScriptedJira,
        flaw: Option<Flaw>,
    }

    impl JiraApi for DeadlineJira {
        async fn get_json(
            &self,
            integration: &Integration,
            request: &JiraRequest,
        ) -> Result<Value, JiraError> {
            let sent = match self.flaw {
                Some(Flaw::DropsTheLastParameter) => without_last_parameter(request),
                _ => request.clone(),
            };
            let call = self.scripted.get_json(integration, &sent);
            let result = match self.flaw {
                Some(Flaw::NoDeadline) => call.await,
                _ => tokio::time::timeout(DEADLINE, call)
                    .await
                    .unwrap_or(Err(JiraError::Timeout)),
            };
            match (self.flaw, result) {
                (
                    Some(Flaw::SortsErrors),
                    Err(JiraError::Status {
                        status,
                        error_messages,
                        mut errors,
                    }),
                ) => {
                    errors.sort();
                    Err(JiraError::Status {
                        status,
                        error_messages,
                        errors,
                    })
                }
                (Some(Flaw::ReadsGarbageAsNull), Err(JiraError::InvalidBody(_))) => Ok(Value::Null),
                (_, result) => result,
            }
        }
    }

    fn without_last_parameter(request: &JiraRequest) -> JiraRequest {
        let mut sent = JiraRequest::get("");
        for segment in request.segments() {
            sent = sent.segment(segment.clone());
        }
        let query = request.query();
        for (name, value) in &query[..query.len().saturating_sub(1)] {
            sent = sent.param(name, value.clone());
        }
        sent
    }

    struct ScriptedRig {
        jira: DeadlineJira,
    }

    impl ScriptedRig {
        fn new(flaw: Option<Flaw>) -> Self {
            Self {
                jira: DeadlineJira {
                    scripted: ScriptedJira::new(),
                    flaw,
                },
            }
        }
    }

    impl JiraRig for ScriptedRig {
        type Jira = DeadlineJira;

        fn jira(&self) -> &DeadlineJira {
            &self.jira
        }

        fn integration(&self) -> Integration {
            Integration {
                id: IntegrationId(1),
                provider: Provider::JiraServer,
                name: "scripted".into(),
                base_url: BaseUrl::parse("https://jira.example.com/jira", false)
                    .expect("a valid base URL"),
                verify_tls: true,
                enabled: true,
                credentials: Credentials::Pat {
                    token: Secret::new("pat"),
                },
            }
        }

        fn answer_with(&self, request: &JiraRequest, answer: CannedAnswer) {
            let path = request.path();
            match answer {
                CannedAnswer::Json { status, body } | CannedAnswer::Html { status, body } => {
                    self.jira.scripted.on(&path, Reply::Http { status, body });
                }
                CannedAnswer::Hang => {
                    self.jira
                        .scripted
                        .on_after(&path, HANG, Reply::Json(Value::Null));
                }
            }
        }

        fn received(&self) -> Vec<ReceivedRequest> {
            self.jira
                .scripted
                .calls()
                .into_iter()
                .map(|call| ReceivedRequest {
                    segments: call.request.segments().to_vec(),
                    query: call.request.query().to_vec(),
                })
                .collect()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn scripted_jira_keeps_the_jira_contract() {
        the_jira_contract(&ScriptedRig::new(None)).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_jira_port_with_a_flaw_fails_the_check_that_names_it() {
        for (flaw, check) in [
            (
                Flaw::DropsTheLastParameter,
                "Jira receives the request losslessly",
            ),
            (Flaw::SortsErrors, "a 400 keeps the order of Jira's errors"),
            (
                Flaw::ReadsGarbageAsNull,
                "a 200 that is not JSON is InvalidBody",
            ),
            (Flaw::NoDeadline, "a Jira that never answers is a Timeout"),
        ] {
            let run = tokio::spawn(async move {
                the_jira_contract(&ScriptedRig::new(Some(flaw))).await;
            })
            .await;
            let Err(failure) = run else {
                panic!("the contract passed a Jira port that {flaw:?}");
            };
            let payload = failure.into_panic();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or_default();
            assert!(
                message.contains(&format!("jira contract: {check}")),
                "{flaw:?} should fail \"{check}\", it failed: {message}"
            );
        }
    }
}
