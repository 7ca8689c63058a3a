//! What the admin API tests share: the real binary over a real SQLite file, an admin token
//! and a caller token made by the CLI, org `acme`, and a client that sends any method, token,
//! content type and body.

use std::io::{Read, Write};

use serde_json::Value;

use crate::common::{Answer, CacheKind, Db, Service};

/// Where connections may return to, in the services that have them on.
pub const RETURN_PREFIX: &str = "https://product.example.com/settings";
/// The service's public address, in the services that have connections on.
pub const PUBLIC_URL: &str = "https://jira-search.example.com";
/// The OAuth 1.0a key pair of the fixtures.
pub const PRIVATE_PEM: &str = include_str!("../fixtures/oauth1-test-private.pem");
pub const PUBLIC_PEM: &str = include_str!("../fixtures/oauth1-test-public.pem");
/// A PEM private key that is not RSA.
pub const NOT_RSA_PEM: &str = include_str!("../fixtures/not-rsa.pem");

/// One service with connections on, its database, and tokens.
pub struct Api {
    pub db: Db,
    pub service: Service,
    pub admin: String,
    pub caller: String,
}

impl Api {
    /// The service with connections on (PUBLIC_URL, CONNECT_RETURN_URLS set), org `acme`, an
    /// admin token and a caller token of `acme`.
    pub fn start() -> Self {
        Self::start_with(&[
            ("PUBLIC_URL", PUBLIC_URL),
            ("CONNECT_RETURN_URLS", RETURN_PREFIX),
        ])
    }

    /// The service with this environment (connections off unless it sets PUBLIC_URL).
    pub fn start_with(env: &[(&str, &str)]) -> Self {
        let db = Db::new();
        db.ok(&["org", "add", "acme"], "");
        let admin = db.ok(&["token", "add", "--admin", "--name", "backend"], "");
        let caller = db.ok(&["token", "add", "--org", "acme"], "");
        let mut env = env.to_vec();
        if !env.iter().any(|(k, _)| *k == "PUBLIC_URL") {
            env.push(("PUBLIC_URL", ""));
        }
        let service = Service::start(&db, CacheKind::Memory, &env);
        Self {
            db,
            service,
            admin,
            caller,
        }
    }

    /// A call with the admin token and, when given, a JSON body.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        let (ct, bytes) = match body {
            Some(b) => (Some("application/json"), b.to_string().into_bytes()),
            None => (None, Vec::new()),
        };
        self.send(method, path, Some(&self.admin), ct, bytes).await
    }

    /// A call with the admin token that must answer `status`; its JSON body (null if none).
    pub async fn expect(
        &self,
        status: u16,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let a = self.call(method, path, body).await;
        assert_eq!(a.status, status, "{method} {path}: {}", a.text());
        if a.body.is_empty() {
            Value::Null
        } else {
            a.json()
        }
    }

    /// A list the admin API answers (200), as its raw body and its items.
    pub async fn list(&self, path: &str) -> (String, Vec<Value>) {
        let a = self.call("GET", path, None).await;
        assert_eq!(a.status, 200, "GET {path}: {}", a.text());
        (a.text(), a.json().as_array().unwrap().clone())
    }

    /// Any request: method, path, bearer token, content type and body as given.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Answer {
        send(&self.service.url(path), method, token, content_type, body).await
    }

    /// A search through integration `id` of `acme` with the caller token; the status.
    pub async fn search(&self, provider: &str, id: &str, query: &str) -> Answer {
        crate::common::get(
            &self.service.url(&format!(
                "/extensions/{provider}/search/acme/{id}/?field=assignee&query={query}"
            )),
            Some(&self.caller),
        )
        .await
    }

    /// Sends a chunked body (no Content-Length) of `len` bytes on a raw connection; the
    /// status line and the whole answer.
    pub fn send_chunked(&self, path: &str, len: usize) -> (String, String) {
        let mut s = std::net::TcpStream::connect(self.service.addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: test\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n",
            self.admin
        );
        s.write_all(head.as_bytes()).unwrap();
        let chunk = vec![b' '; 8192];
        let mut sent = 0;
        while sent < len {
            let n = chunk.len().min(len - sent);
            let mut piece = format!("{n:x}\r\n").into_bytes();
            piece.extend_from_slice(&chunk[..n]);
            piece.extend_from_slice(b"\r\n");
            // The service may answer and close before the whole body is in.
            if s.write_all(&piece).is_err() {
                break;
            }
            sent += n;
        }
        let _ = s.write_all(b"0\r\n\r\n");
        let mut answer = Vec::new();
        let _ = s.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let status = answer.lines().next().unwrap_or("").to_owned();
        (status, answer)
    }
}

/// One request with a body.
pub async fn send(
    url: &str,
    method: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut headers = Vec::new();
    if let Some(b) = &bearer {
        headers.push(("authorization", b.as_str()));
    }
    if let Some(ct) = content_type {
        headers.push(("content-type", ct));
    }
    crate::common::send(method, url, &headers, body).await
}

/// Asserts a 400 of invalid input naming `field` in `errors`; its message.
pub fn invalid(a: &Answer, field: &str) -> String {
    assert_eq!(a.status, 400, "expected 400 for {field}: {}", a.text());
    assert_eq!(
        a.headers["content-type"].to_str().unwrap(),
        "application/json"
    );
    let body = a.json();
    let message = body["errors"][field]
        .as_str()
        .unwrap_or_else(|| panic!("no errors.{field} in {body}"))
        .to_owned();
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.starts_with("invalid input: "), "{body}");
    assert!(
        detail.contains(&message) && detail.contains(field),
        "{body}"
    );
    message
}

/// Asserts an answer with a `detail` and that status; the detail.
pub fn refused(a: &Answer, status: u16) -> String {
    assert_eq!(a.status, status, "{}", a.text());
    a.json()["detail"].as_str().unwrap().to_owned()
}

/// Whether a time is RFC 3339 in UTC, whole seconds (`2026-12-03T12:00:00Z`).
pub fn is_rfc3339_utc(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        s.len() == 20
            && s.ends_with('Z')
            && time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .is_ok()
    })
}
