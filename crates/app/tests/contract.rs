//! Contract test: every Jira call of every search branch on Cloud, and jira-sim's own answers,
//! held against Atlassian's OpenAPI description of Jira Cloud by Stoplight Prism.
//!
//! service → recorder → Prism (proxy, `--errors`) → jira-sim (Cloud)
//!
//! Prism checks the request against the document, forwards it, and checks the answer; it
//! reports what disagrees in its `sl-violations` header (and turns error-level violations into
//! a 500). The recorder, a small proxy of this test, keeps those headers. Any violation fails
//! the test unless `tests/contract/allowed.md` lists it with the reason it is the document's
//! defect; an entry that matches nothing fails too, so the list cannot rot.
//!
//! The document describes `/rest/api/3/...`; the operations we call under `/rest/api/2/...`
//! are the same, so the test derives (in a temporary directory, never committed) a copy that
//! also has each of them under `/rest/api/2`.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use common::{CacheKind, Db, Service, CLOUD_EMAIL, CLOUD_TOKEN};
use http_body_util::{BodyExt, Empty, Full};
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use jira_sim::{Fault, SimHandle};
use serde_json::Value;

const SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/contract/jira-cloud-platform.v3.json"
);
const ALLOWED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/contract/allowed.md");

/// The operations we rely on: (operationId, the path we call, the document's path).
const OPERATIONS: &[(&str, &str, &str)] = &[
    (
        "findUsers",
        "/rest/api/3/user/search",
        "/rest/api/3/user/search",
    ),
    (
        "findAssignableUsers",
        "/rest/api/2/user/assignable/search",
        "/rest/api/3/user/assignable/search",
    ),
    (
        "getIssue",
        "/rest/api/2/issue/{issueIdOrKey}",
        "/rest/api/3/issue/{issueIdOrKey}",
    ),
    (
        "searchProjects",
        "/rest/api/2/project/search",
        "/rest/api/3/project/search",
    ),
    (
        "getFieldAutoCompleteForQueryString",
        "/rest/api/2/jql/autocompletedata/suggestions",
        "/rest/api/3/jql/autocompletedata/suggestions",
    ),
    (
        "searchAndReconsileIssuesUsingJql",
        "/rest/api/2/search/jql",
        "/rest/api/3/search/jql",
    ),
    ("getCurrentUser", "/rest/api/2/myself", "/rest/api/3/myself"),
];

/// The operation a called path belongs to: an exact path first, then a templated one whose
/// last segment is the id.
fn operation_of(path: &str) -> &'static str {
    let path = path.split('?').next().unwrap_or(path);
    let exact = OPERATIONS.iter().find(|(_, called, _)| path == *called);
    let templated = || {
        OPERATIONS.iter().find(|(_, called, _)| {
            called.ends_with('}')
                && called.rfind('{').is_some_and(|at| {
                    path.starts_with(&called[..at]) && path.len() > at && !path[at..].contains('/')
                })
        })
    };
    exact.or_else(templated).map_or("unknown", |(op, _, _)| op)
}

/// The document with each operation we rely on also under the path we call; only those paths
/// are kept (Prism starts in a second instead of ten), every component stays.
fn derived_spec(dir: &Path) -> PathBuf {
    let mut spec: Value = serde_json::from_str(&std::fs::read_to_string(SPEC).unwrap()).unwrap();
    let paths = spec["paths"].as_object().unwrap().clone();
    let mut kept = serde_json::Map::new();
    for (op, called, documented) in OPERATIONS {
        let item = paths
            .get(*documented)
            .unwrap_or_else(|| panic!("the document has no {documented}"));
        assert_eq!(
            item["get"]["operationId"], *op,
            "{documented} is not {op} in the document"
        );
        kept.insert((*documented).to_owned(), item.clone());
        kept.insert((*called).to_owned(), item.clone());
    }
    spec["paths"] = Value::Object(kept);
    let out = dir.join("jira-cloud-as-called.json");
    std::fs::write(&out, serde_json::to_vec(&spec).unwrap()).unwrap();
    out
}

fn prism_bin() -> PathBuf {
    let bin = std::env::var("PRISM_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/prism/node_modules/.bin/prism")
        });
    assert!(
        bin.exists(),
        "{} is missing: run `make prism` (`make test` does)",
        bin.display()
    );
    bin
}

/// Prism in proxy mode in front of `upstream`, stopped by its PID when dropped.
struct Prism {
    child: Child,
    addr: SocketAddr,
}

impl Prism {
    fn start(spec: &Path, upstream: &str) -> Self {
        let port = common::closed_port();
        let mut child = Command::new(prism_bin())
            .args(["proxy", spec.to_str().unwrap(), upstream, "--errors"])
            .args(["-h", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("prism starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("Prism is listening") {
                    let _ = tx.send(());
                }
            }
        });
        let prism = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        rx.recv_timeout(Duration::from_secs(60))
            .expect("Prism did not start within 60 s");
        prism
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One call as Prism judged it.
#[derive(Debug, Clone)]
struct Call {
    path: String,
    status: u16,
    violations: Vec<(String, String)>,
}

/// A proxy that forwards to Prism and keeps each answer's `sl-violations`.
async fn recorder(prism: SocketAddr) -> (SocketAddr, Arc<Mutex<Vec<Call>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let calls = Arc::new(Mutex::new(Vec::new()));
    let log = calls.clone();
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (client, log) = (client.clone(), log.clone());
            let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let (client, log) = (client.clone(), log.clone());
                async move {
                    let pq = req
                        .uri()
                        .path_and_query()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_default();
                    let mut fwd = hyper::Request::builder()
                        .method(req.method())
                        .uri(format!("http://{prism}{pq}"));
                    for (k, v) in req.headers() {
                        if k != hyper::header::HOST {
                            fwd = fwd.header(k, v);
                        }
                    }
                    let resp = client.request(fwd.body(Empty::new()).unwrap()).await;
                    let resp = match resp {
                        Ok(r) => r,
                        Err(e) => panic!("Prism did not answer {pq}: {e}"),
                    };
                    let (parts, body) = resp.into_parts();
                    let body = body.collect().await.unwrap().to_bytes();
                    let violations = parts
                        .headers
                        .get("sl-violations")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| serde_json::from_str::<Vec<Value>>(v).ok())
                        .unwrap_or_default()
                        .iter()
                        .map(|v| {
                            let location = v["location"]
                                .as_array()
                                .map(|l| {
                                    l.iter()
                                        .filter_map(Value::as_str)
                                        .collect::<Vec<_>>()
                                        .join(".")
                                })
                                .unwrap_or_default();
                            (
                                format!("{} {}", v["severity"].as_str().unwrap_or(""), location),
                                v["message"].as_str().unwrap_or("").to_owned(),
                            )
                        })
                        .collect();
                    log.lock().unwrap().push(Call {
                        path: pq,
                        status: parts.status.as_u16(),
                        violations,
                    });
                    let mut out = hyper::Response::new(Full::new(body));
                    *out.status_mut() = parts.status;
                    for (k, v) in &parts.headers {
                        if k != hyper::header::CONTENT_LENGTH
                            && k != hyper::header::TRANSFER_ENCODING
                        {
                            out.headers_mut().insert(k, v.clone());
                        }
                    }
                    Ok::<_, std::convert::Infallible>(out)
                }
            });
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, calls)
}

/// One entry of allowed.md: the operation (or `*`), a text the violation contains, and why.
#[derive(Debug)]
struct Allowed {
    operation: String,
    violation: String,
}

fn allowed() -> Vec<Allowed> {
    std::fs::read_to_string(ALLOWED)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| operation"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            assert!(cells.len() >= 3, "allowed.md: a row needs 3 cells: {l}");
            Allowed {
                operation: cells[0].trim_matches('`').to_owned(),
                violation: cells[1].trim_matches('`').to_owned(),
            }
        })
        .collect()
}

/// Every violation not allowed, and every allow-list entry that matched nothing.
fn judge(calls: &[Call], allowed: &[Allowed]) -> (Vec<String>, Vec<String>) {
    let mut used = BTreeSet::new();
    let mut bad = Vec::new();
    for call in calls {
        let op = operation_of(&call.path);
        for (place, message) in &call.violations {
            let text = format!("{place}: {message}");
            match allowed.iter().position(|a| {
                (a.operation == "*" || a.operation == op) && text.contains(&a.violation)
            }) {
                Some(i) => {
                    used.insert(i);
                }
                None => bad.push(format!("{op} {} (HTTP {}): {text}", call.path, call.status)),
            }
        }
    }
    let stale = allowed
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, a)| format!("{} / {}", a.operation, a.violation))
        .collect();
    (bad, stale)
}

struct Rig {
    _dir: tempfile::TempDir,
    sim: SimHandle,
    _prism: Prism,
    recorder: SocketAddr,
    calls: Arc<Mutex<Vec<Call>>>,
}

async fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let sim = common::sim(jira_sim::Flavor::Cloud).await;
    let spec = derived_spec(dir.path());
    let prism = Prism::start(&spec, &sim.base_url());
    let (recorder, calls) = recorder(prism.addr).await;
    Rig {
        _dir: dir,
        sim,
        _prism: prism,
        recorder,
        calls,
    }
}

fn basic() -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLOUD_EMAIL}:{CLOUD_TOKEN}"))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cloud_call_agrees_with_atlassians_openapi() {
    let rig = rig().await;
    let base = format!("http://{}", rig.recorder);
    let db = Db::new();
    db.ok(&["org", "add", "acme"], "");
    let add = |secret: &str| {
        db.add_integration(
            "acme",
            "jira",
            &base,
            &["basic", "--user", CLOUD_EMAIL],
            secret,
        )
    };
    let id = add(CLOUD_TOKEN);
    let wrong = add("not-the-token");
    let token = db.ok(&["token", "add", "--org", "acme"], "");
    let svc = Service::start(&db, CacheKind::Memory, &[("JIRA_BREAKER_FAILURES", "0")]);
    let search = |integration: &str, params: &str| {
        svc.url(&format!(
            "/extensions/jira/search/acme/{integration}/?{params}"
        ))
    };
    let user = rig.sim.users().into_iter().find(|u| u.active).unwrap();
    let q: String = user.display_name.chars().take(3).collect();
    let project = rig.sim.projects()[0].clone();
    let issue = rig.sim.issues()[0].clone();
    let ok = [
        // users: instance-wide, with a project id (the assignable search takes it), unknown
        // project (the assignable search's 404, then the instance-wide search)
        format!("field=assignee&query={q}"),
        format!("field=reporter&query={q}&project={}", project.id),
        format!("field=assignee&query={q}&project=99999"),
        // issues: words (a half-typed one), a key that exists, one that does not (404)
        "field=externalIssue&query=test%20iss".to_owned(),
        format!("field=parent&query={}", issue.key.to_lowercase()),
        "field=parent&query=NOPE-999999".to_owned(),
        // Cloud project search, autocomplete of a custom field and of labels
        "field=project&query=a".to_owned(),
        "field=customfield_0123&query=Spr".to_owned(),
        "field=labels&query=R".to_owned(),
    ];
    for params in &ok {
        let a = common::get(&search(&id, params), Some(&token)).await;
        assert_eq!(a.status, 200, "{params}: {}", a.text());
    }
    // Error shapes: 401 (wrong credentials), 400 (Jira's error collection), 429 (rate limit,
    // waited out), 5xx (an HTML page from a proxy in front of Jira).
    let a = common::get(&search(&wrong, "field=assignee&query=zz"), Some(&token)).await;
    assert_eq!(a.status, 400);
    rig.sim.add_fault(
        Fault::json(
            400,
            r#"{"errorMessages":["Error in the JQL Query: the character '~' is a reserved JQL character."],"errors":{}}"#,
        )
        .on("/rest/api/2/search/jql")
        .times(1),
    );
    let a = common::get(&search(&id, "field=externalIssue&query=oops"), Some(&token)).await;
    assert_eq!(a.status, 400);
    rig.sim.add_fault(
        Fault::rate_limited(Some(0))
            .on("/rest/api/3/user/search")
            .times(1),
    );
    let a = common::get(&search(&id, "field=assignee&query=rl"), Some(&token)).await;
    assert_eq!(a.status, 200, "{}", a.text());
    rig.sim.add_fault(
        Fault::html(503, "<html>Service Unavailable</html>")
            .on("/rest/api/3/user/search")
            .times(1),
    );
    let a = common::get(&search(&id, "field=assignee&query=down"), Some(&token)).await;
    assert_eq!(a.status, 400);

    // jira-sim's own endpoints, called directly: findUsers (the second seed) by query and by
    // accountId, project search pages, myself.
    let direct = [
        format!("/rest/api/3/user/search?query={q}&startAt=0&maxResults=2"),
        format!("/rest/api/3/user/search?accountId={}", user.account_id),
        "/rest/api/2/project/search?startAt=0&maxResults=2".to_owned(),
        "/rest/api/2/project/search?startAt=2&maxResults=2".to_owned(),
        "/rest/api/2/myself".to_owned(),
    ];
    for path in &direct {
        let a = common::request_with(
            "GET",
            &format!("{base}{path}"),
            &[("authorization", &basic())],
        )
        .await;
        assert_eq!(a.status, 200, "{path}: {}", a.text());
    }

    let calls = rig.calls.lock().unwrap().clone();
    // Every operation we rely on was exercised.
    let seen: BTreeSet<&str> = calls.iter().map(|c| operation_of(&c.path)).collect();
    for (op, _, _) in OPERATIONS {
        assert!(seen.contains(op), "{op} was never called: {calls:#?}");
    }
    assert!(!seen.contains("unknown"), "{calls:#?}");
    let (bad, stale) = judge(&calls, &allowed());
    assert!(
        bad.is_empty(),
        "violations of Atlassian's OpenAPI not in tests/contract/allowed.md:\n{}",
        bad.join("\n")
    );
    assert!(
        stale.is_empty(),
        "allowed.md entries that matched nothing (remove them):\n{}",
        stale.join("\n")
    );
    println!("{} calls checked against Atlassian's OpenAPI", calls.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_where_jira_sends_a_string_id_fails_the_contract() {
    let rig = rig().await;
    rig.sim.add_fault(
        Fault::json(200, r#"{"accountId":5,"active":true,"displayName":"Bob"}"#)
            .on("/rest/api/2/myself")
            .times(1),
    );
    let a = common::request_with(
        "GET",
        &format!("http://{}/rest/api/2/myself", rig.recorder),
        &[("authorization", &basic())],
    )
    .await;
    // Prism refuses the answer, and the judge reports it.
    assert_eq!(a.status, 500, "{}", a.text());
    let calls = rig.calls.lock().unwrap().clone();
    let (bad, _) = judge(&calls, &allowed());
    assert!(
        bad.iter().any(|b| b.contains("accountId must be string")),
        "{bad:?}"
    );
}

#[test]
fn an_allow_list_entry_that_matches_nothing_is_reported_and_the_list_names_known_operations() {
    let calls = vec![Call {
        path: "/rest/api/2/myself".to_owned(),
        status: 200,
        violations: vec![],
    }];
    let entries = vec![Allowed {
        operation: "getCurrentUser".to_owned(),
        violation: "anything".to_owned(),
    }];
    let (bad, stale) = judge(&calls, &entries);
    assert!(bad.is_empty());
    assert_eq!(stale, vec!["getCurrentUser / anything".to_owned()]);
    for a in allowed() {
        assert!(
            a.operation == "*" || OPERATIONS.iter().any(|(op, _, _)| *op == a.operation),
            "allowed.md names an operation we do not call: {}",
            a.operation
        );
    }
    assert_eq!(
        operation_of("/rest/api/2/issue/HSP-1?fields=summary"),
        "getIssue"
    );
    assert_eq!(operation_of("/rest/api/2/issue/HSP-1/comment"), "unknown");
    assert_eq!(operation_of("/rest/api/2/issue/"), "unknown");
    assert_eq!(operation_of("/rest/api/2/project/10000"), "unknown");
    assert_eq!(
        operation_of("/rest/api/2/project/search?query=a"),
        "searchProjects"
    );
    assert_eq!(operation_of("/rest/api/3/user/search?query=a"), "findUsers");
}
