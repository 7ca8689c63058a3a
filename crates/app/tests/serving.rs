//! Serving limits: long URIs (414), large heads (431), slow headers, the connection cap,
//! keep-alive and HTTP/2.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{CacheKind, Db, Service};
use http_body_util::{BodyExt, Empty};

/// Sends raw bytes and reads until the server closes or `timeout` passes.
fn raw(svc: &Service, bytes: &[u8], timeout: Duration) -> String {
    let mut s = TcpStream::connect(svc.addr).unwrap();
    s.set_read_timeout(Some(timeout)).unwrap();
    s.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn status_line(answer: &str) -> &str {
    answer.lines().next().unwrap_or("")
}

#[test]
fn a_long_uri_gets_414_and_a_large_head_431() {
    let db = Db::new();
    let svc = Service::start(&db, CacheKind::Memory, &[]);
    let long = format!(
        "GET /extensions/jira/search/acme/1/?field=assignee&query={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(9000)
    );
    let a = raw(&svc, long.as_bytes(), Duration::from_secs(5));
    assert_eq!(status_line(&a), "HTTP/1.1 414 URI Too Long", "{a}");
    assert!(a.contains("URI too long: at most 8192 bytes"), "{a}");
    // Just under the limit: routed as usual (401: no token).
    let fits = format!(
        "GET /extensions/jira/search/acme/1/?field=assignee&query={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(8000)
    );
    let a = raw(&svc, fits.as_bytes(), Duration::from_secs(5));
    assert_eq!(status_line(&a), "HTTP/1.1 401 Unauthorized", "{a}");
    let big_head = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "b".repeat(40 * 1024)
    );
    let a = raw(&svc, big_head.as_bytes(), Duration::from_secs(5));
    assert_eq!(
        status_line(&a),
        "HTTP/1.1 431 Request Header Fields Too Large",
        "{a}"
    );
    // The server still serves.
    let a = raw(
        &svc,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(5),
    );
    assert_eq!(status_line(&a), "HTTP/1.1 200 OK", "{a}");
}

#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let db = Db::new();
    let svc = Service::start(
        &db,
        CacheKind::Memory,
        &[("HEADER_READ_TIMEOUT_SECONDS", "1")],
    );
    let started = Instant::now();
    // Half a request line, then silence: the server closes the connection.
    let a = raw(
        &svc,
        b"GET /healthz HTTP/1.1\r\nHost:",
        Duration::from_secs(10),
    );
    let waited = started.elapsed();
    assert!(!a.contains("200 OK"), "{a}");
    assert!(
        waited < Duration::from_secs(9),
        "the connection was held for {waited:?}"
    );
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let db = Db::new();
    let svc = Service::start(&db, CacheKind::Memory, &[]);
    let mut s = TcpStream::connect(svc.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    for _ in 0..3 {
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = s.read(&mut buf).unwrap();
        let a = String::from_utf8_lossy(&buf[..n]);
        assert!(a.starts_with("HTTP/1.1 200 OK"), "{a}");
        assert!(a.ends_with("{\"status\":\"ok\"}"), "{a}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_with_prior_knowledge_is_served() {
    let db = Db::new();
    let svc = Service::start(&db, CacheKind::Memory, &[]);
    let client: hyper_util::client::legacy::Client<_, Empty<Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .http2_only(true)
            .build_http();
    let resp = client
        .get(svc.url("/healthz").parse().unwrap())
        .await
        .unwrap();
    assert_eq!(resp.version(), hyper::Version::HTTP_2);
    assert_eq!(resp.status(), 200);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"{\"status\":\"ok\"}");
}

#[test]
fn connections_beyond_the_cap_wait_until_one_closes() {
    let db = Db::new();
    let svc = Service::start(&db, CacheKind::Memory, &[("MAX_CONNECTIONS", "2")]);
    let ask = |s: &mut TcpStream| {
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = s.read(&mut buf).unwrap_or(0);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    // Two kept-alive connections take both slots.
    let mut first = TcpStream::connect(svc.addr).unwrap();
    let mut second = TcpStream::connect(svc.addr).unwrap();
    for s in [&mut first, &mut second] {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        assert!(ask(s).starts_with("HTTP/1.1 200"));
    }
    // A third is accepted by the kernel but not served while both are open.
    let mut third = TcpStream::connect(svc.addr).unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 1024];
    let early = third.read(&mut buf);
    assert!(
        early.is_err(),
        "the third connection was served beyond MAX_CONNECTIONS=2: {early:?}"
    );
    // One closes: the third is served.
    drop(first);
    third
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let n = third.read(&mut buf).unwrap();
    let a = String::from_utf8_lossy(&buf[..n]);
    assert!(a.starts_with("HTTP/1.1 200"), "{a}");
    assert!(ask(&mut second).starts_with("HTTP/1.1 200"));
}
