//! HTTP as clients speak it: HEAD wherever GET works, 405 naming both, silent connections
//! closed, requests the HTTP layer rejects counted and logged, and a failed Jira call's
//! warning naming its integration (issue #12).

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{get, request, request_with, CacheKind, Db, Service, World};
use http_body_util::{BodyExt, Empty};

/// Sends raw bytes on a new connection and reads until the server closes (or 10 s pass).
fn raw(svc: &Service, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(svc.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// A raw answer's head (status line and headers, lower-cased names) and body.
fn split(answer: &str) -> (String, Vec<(String, String)>, String) {
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((answer, ""));
    let mut lines = head.lines();
    let status = lines.next().unwrap_or("").to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Whether the server closes `s` (EOF or reset) before `deadline`, skipping what it sends.
fn closed_before(s: &mut TcpStream, deadline: Instant) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        s.set_read_timeout(Some(left)).unwrap();
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false
            }
            Err(_) => return true,
        }
    }
}

/// The JSON log lines whose `message` is `message`, once there are `n` of them (the log is
/// read on a thread of its own) or 10 s have passed.
fn log_lines(svc: &Service, message: &str, n: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let lines: Vec<serde_json::Value> = svc
            .logs()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["message"] == message)
            .collect();
        if lines.len() >= n || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_answers_like_get_without_a_body() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    let id = &w.server_id;
    let search = format!("/extensions/jira-server/search/acme/{id}/?field=assignee&query=a");
    let token = format!("Authorization: Bearer {}\r\n", w.token);
    for (path, auth, status) in [
        ("/healthz", "", "200"),
        ("/readyz", "", "200"),
        ("/nowhere", "", "404"),
        (search.as_str(), "", "401"),
        (search.as_str(), token.as_str(), "200"),
    ] {
        let ask = |method: &str| {
            raw(
                &svc,
                format!("{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}Connection: close\r\n\r\n")
                    .as_bytes(),
            )
        };
        let (get_status, get_headers, get_body) = split(&ask("GET"));
        let (head_status, head_headers, head_body) = split(&ask("HEAD"));
        assert!(get_status.contains(status), "GET {path}: {get_status}");
        assert_eq!(head_status, get_status, "HEAD {path}");
        assert_eq!(head_body, "", "HEAD {path} sent a body");
        for name in ["content-type", "content-length", "www-authenticate"] {
            assert_eq!(
                header(&head_headers, name),
                header(&get_headers, name),
                "HEAD {path}: {name}"
            );
        }
        if !get_body.is_empty() {
            assert_eq!(
                header(&head_headers, "content-length"),
                Some(get_body.len().to_string().as_str()),
                "HEAD {path}"
            );
        }
        assert!(
            header(&head_headers, "x-request-id").is_some(),
            "HEAD {path}"
        );
    }

    // Over HTTP/2 too.
    let client: hyper_util::client::legacy::Client<_, Empty<Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .http2_only(true)
            .build_http();
    let req = hyper::Request::head(svc.url("/healthz"))
        .body(Empty::new())
        .unwrap();
    let resp = client.request(req).await.unwrap();
    assert_eq!(resp.version(), hyper::Version::HTTP_2);
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.headers()["content-length"], "15");
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert!(body.is_empty(), "{body:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_methods_get_405_naming_get_and_head() {
    let db = Db::new();
    let svc = Service::start(&db, CacheKind::Memory, &[]);
    for method in ["OPTIONS", "POST", "DELETE"] {
        let a = request(method, &svc.url("/healthz"), None).await;
        assert_eq!(a.status, 405, "{method}");
        assert_eq!(a.headers["allow"], "GET, HEAD", "{method}");
        assert_eq!(
            a.json()["detail"],
            format!("Method \"{method}\" not allowed."),
            "{method}"
        );
    }
}

#[test]
fn silent_connections_are_closed_and_free_their_slot() {
    let db = Db::new();
    let svc = Service::start(
        &db,
        CacheKind::Memory,
        &[
            ("HEADER_READ_TIMEOUT_SECONDS", "1"),
            ("MAX_CONNECTIONS", "3"),
            ("LOG_FORMAT", "json"),
        ],
    );
    // Two connections that never send a byte, and one HTTP/2 connection that sends its
    // preface and nothing else: every slot taken.
    let mut silent: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(svc.addr).unwrap())
        .collect();
    let mut h2 = TcpStream::connect(svc.addr).unwrap();
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").unwrap();
    silent.push(h2);
    let deadline = Instant::now() + Duration::from_secs(10);
    for (i, s) in silent.iter_mut().enumerate() {
        assert!(closed_before(s, deadline), "connection {i} is still open");
    }
    // The slots are free again.
    let mut s = TcpStream::connect(svc.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let a = String::from_utf8_lossy(&out);
    assert!(a.starts_with("HTTP/1.1 200 OK"), "{a}");
    let closed = log_lines(&svc, "request rejected", 3);
    assert_eq!(
        closed
            .iter()
            .filter(|l| l["reason"] == "header_timeout")
            .count(),
        3,
        "{}",
        svc.logs()
    );
}

/// docs/api.md: a kept-alive HTTP/1.1 connection idle between requests for the header timeout
/// is closed (so pools must drop idle connections sooner), after serving several requests,
/// and that close is not a refusal.
#[test]
fn an_idle_kept_alive_connection_is_closed_after_the_header_timeout() {
    let db = Db::new();
    let svc = Service::start(
        &db,
        CacheKind::Memory,
        &[("HEADER_READ_TIMEOUT_SECONDS", "2"), ("LOG_FORMAT", "json")],
    );
    let mut s = TcpStream::connect(svc.addr).unwrap();
    for _ in 0..2 {
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 1024];
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let n = s.read(&mut buf).unwrap();
        let a = String::from_utf8_lossy(&buf[..n]);
        assert!(a.starts_with("HTTP/1.1 200 OK"), "{a}");
        // Well within the timeout: still open.
        std::thread::sleep(Duration::from_millis(500));
    }
    let idle_since = Instant::now();
    assert!(
        closed_before(&mut s, idle_since + Duration::from_secs(10)),
        "an idle connection stayed open"
    );
    let after = idle_since.elapsed();
    assert!(
        after >= Duration::from_millis(1500),
        "closed after {after:?}"
    );
    let metrics = raw(
        &svc,
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(
        !metrics.contains("jira_search_http_rejected_total{reason=\"header_timeout\"}"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_the_http_layer_rejects_are_counted_and_logged() {
    let db = Db::new();
    let svc = Service::start(&db, CacheKind::Memory, &[("LOG_FORMAT", "json")]);
    let garbage = raw(&svc, b"NOT HTTP AT ALL\r\n\r\n");
    assert!(garbage.starts_with("HTTP/1.1 400 Bad Request"), "{garbage}");
    let big = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "b".repeat(40 * 1024)
    );
    let a = raw(&svc, big.as_bytes());
    assert!(
        a.starts_with("HTTP/1.1 431 Request Header Fields Too Large"),
        "{a}"
    );
    // 100 headers are served; 101 are too many.
    let headers = |n: usize| -> String {
        let mut r = String::from("GET /healthz HTTP/1.1\r\nConnection: close\r\n");
        for i in 0..n - 1 {
            r.push_str(&format!("X-H{i}: v\r\n"));
        }
        r + "\r\n"
    };
    let a = raw(&svc, headers(100).as_bytes());
    assert!(a.starts_with("HTTP/1.1 200 OK"), "{a}");
    let a = raw(&svc, headers(101).as_bytes());
    assert!(
        a.starts_with("HTTP/1.1 431 Request Header Fields Too Large"),
        "{a}"
    );

    // Counted as each connection ends, just after the client has read its answer.
    let deadline = Instant::now() + Duration::from_secs(10);
    let counted = |text: &str| {
        text.contains("jira_search_http_rejected_total{reason=\"malformed\"} 1")
            && text.contains("jira_search_http_rejected_total{reason=\"too_large\"} 2")
    };
    let mut text = get(&svc.url("/metrics"), None).await.text();
    while !counted(&text) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        text = get(&svc.url("/metrics"), None).await.text();
    }
    assert!(counted(&text), "{text}");
    let lines = log_lines(&svc, "request rejected", 3);
    // Each connection logs as it ends: in any order.
    let mut reasons: Vec<(&str, u64)> = lines
        .iter()
        .map(|l| {
            (
                l["reason"].as_str().unwrap_or(""),
                l["status"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    reasons.sort_unstable();
    assert_eq!(
        reasons,
        [("malformed", 400), ("too_large", 431), ("too_large", 431)],
        "{}",
        svc.logs()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_jira_calls_warning_names_the_integration() {
    let w = World::new().await;
    let port = common::closed_port();
    let down = w.db.add_integration(
        "acme",
        "jira_server",
        &format!("http://127.0.0.1:{port}"),
        &["pat"],
        common::SERVER_PAT,
    );
    let svc = Service::start(&w.db, CacheKind::Memory, &[("LOG_FORMAT", "json")]);
    let url = svc.url(&format!(
        "/extensions/jira-server/search/acme/{down}/?field=assignee&query=a"
    ));
    let auth = format!("Bearer {}", w.token);
    let a = request_with(
        "GET",
        &url,
        &[
            ("authorization", &auth),
            ("x-request-id", "req-jira-down-1"),
        ],
    )
    .await;
    assert_eq!(a.status, 400, "{}", a.text());
    let warnings = log_lines(&svc, "jira call failed", 1);
    assert_eq!(warnings.len(), 1, "{}", svc.logs());
    let line = &warnings[0];
    assert_eq!(line["integration"], down.parse::<i64>().unwrap(), "{line}");
    assert_eq!(line["request_id"], "req-jira-down-1", "{line}");
    assert_eq!(line["route"], "search_server", "{line}");
    assert_eq!(line["level"], "WARN", "{line}");
}
