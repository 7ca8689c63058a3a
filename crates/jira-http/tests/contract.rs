//! The Jira port's contract (crates/domain/src/testing/contract/jira.rs) against `HyperJira`,
//! over real HTTP to a small server of this test's own on 127.0.0.1:0 that answers what the
//! suite chooses and records what it receives, decoded as Jira's servlet container decodes
//! it. jira-sim is not used: it answers as Jira would, and the suite needs canned answers
//! (an `errors` object in a chosen order, garbage with a 200) for any path.

mod common;

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use domain::testing::contract::jira::{the_jira_contract, CannedAnswer, JiraRig, ReceivedRequest};
use domain::{BaseUrl, Credentials, Integration, IntegrationId, JiraRequest, Provider, Secret};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use jira_http::{GuardSettings, HyperJira, JiraHttpConfig};
use tokio::net::TcpListener;

/// The base URL's context path: the server removes it before decoding the segments.
const CONTEXT_PATH: &str = "/jira";
const PAT: &str = "contract-pat";

/// What the server answers (by decoded path segments) and what it received.
#[derive(Default)]
struct Canned {
    answers: Mutex<HashMap<Vec<String>, CannedAnswer>>,
    received: Mutex<Vec<ReceivedRequest>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct HttpRig {
    jira: HyperJira,
    base_url: BaseUrl,
    canned: Arc<Canned>,
}

impl HttpRig {
    async fn start() -> Self {
        let canned = Arc::new(Canned::default());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(serve(listener, canned.clone()));
        let jira = HyperJira::new(JiraHttpConfig {
            // The suite waits this out once, on a Jira that never answers.
            timeout: Duration::from_secs(1),
            guard: GuardSettings {
                // No breaker: the suite's 5xx and timeout must not turn later checks into
                // the breaker's answer.
                breaker_failures: 0,
                ..GuardSettings::default()
            },
            ..JiraHttpConfig::default()
        })
        .unwrap();
        let base_url =
            BaseUrl::parse(&format!("http://127.0.0.1:{port}{CONTEXT_PATH}"), false).unwrap();
        Self {
            jira,
            base_url,
            canned,
        }
    }
}

impl JiraRig for HttpRig {
    type Jira = HyperJira;

    fn jira(&self) -> &HyperJira {
        &self.jira
    }

    fn integration(&self) -> Integration {
        Integration {
            id: IntegrationId(1),
            provider: Provider::JiraServer,
            name: "contract".into(),
            base_url: self.base_url.clone(),
            verify_tls: true,
            enabled: true,
            credentials: Credentials::Pat {
                token: Secret::new(PAT),
            },
        }
    }

    fn answer_with(&self, request: &JiraRequest, answer: CannedAnswer) {
        lock(&self.canned.answers).insert(request.segments().to_vec(), answer);
    }

    fn received(&self) -> Vec<ReceivedRequest> {
        lock(&self.canned.received).clone()
    }
}

async fn serve(listener: TcpListener, canned: Arc<Canned>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let canned = canned.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| answer(canned.clone(), req));
            // A connection the client dropped (after a timeout) ends with an error: ignored.
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(tcp), service)
                .await;
        });
    }
}

async fn answer(
    canned: Arc<Canned>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let received = decode(&req);
    let canned_answer = lock(&canned.answers).get(&received.segments).cloned();
    lock(&canned.received).push(received);
    let authorized = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == format!("Bearer {PAT}").as_bytes());
    if !authorized {
        return Ok(respond(
            401,
            "text/plain",
            "no PAT, or another one".to_owned(),
        ));
    }
    Ok(match canned_answer {
        Some(CannedAnswer::Json { status, body }) => respond(status, "application/json", body),
        Some(CannedAnswer::Html { status, body }) => respond(status, "text/html", body),
        Some(CannedAnswer::Hang) => std::future::pending().await,
        None => respond(
            404,
            "application/json",
            r#"{"errorMessages":["no canned answer for this path"],"errors":{}}"#.to_owned(),
        ),
    })
}

fn respond(status: u16, content_type: &str, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", format!("{content_type};charset=UTF-8"))
        .body(Full::new(Bytes::from(body)))
        .expect("a valid canned response")
}

/// The request as Jira decodes it: the context path removed, each segment percent-decoded
/// once, the query as `application/x-www-form-urlencoded`.
fn decode(req: &Request<Incoming>) -> ReceivedRequest {
    let path = req.uri().path();
    let below_context = path
        .strip_prefix(CONTEXT_PATH)
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
        .unwrap_or(path);
    let segments = below_context
        .split('/')
        .skip(1)
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let query = req
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    ReceivedRequest { segments, query }
}

#[tokio::test]
async fn hyper_jira_keeps_the_jira_contract() {
    let rig = HttpRig::start().await;
    the_jira_contract(&rig).await;
}

#[tokio::test]
async fn the_rig_answers_401_without_the_pat() {
    // The rig's Jira does check the credentials the suite relies on.
    let rig = HttpRig::start().await;
    let mut integration = rig.integration();
    integration.credentials = Credentials::Pat {
        token: Secret::new("another-pat"),
    };
    let request = domain::jira_request::myself();
    rig.answer_with(
        &request,
        CannedAnswer::Json {
            status: 200,
            body: "{}".into(),
        },
    );
    let err = domain::JiraApi::get_json(&rig.jira, &integration, &request)
        .await
        .unwrap_err();
    assert_eq!(err, common::bare_401());
}
