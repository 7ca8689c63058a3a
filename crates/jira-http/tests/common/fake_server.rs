//! A tiny HTTP server of a test's own on 127.0.0.1:0: it answers every request with the
//! canned answer of the moment and records each request whole (method, target, headers,
//! body), so a test can assert the exact request a client made.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{HeaderMap, Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// `GET`, `POST`.
    pub method: String,
    /// The path as sent (percent-encoded).
    pub path: String,
    /// The query as sent, if any.
    pub query: Option<String>,
    /// Every header.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Received {
    /// A header's value as text (`None` when absent).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The body read as `application/x-www-form-urlencoded`, pairs in order.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
pub enum Canned {
    /// This status, `Content-Type` and body.
    Answer {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
    },
    /// A redirect to `location` (which clients must not follow).
    Redirect { status: u16, location: String },
    /// Never answers.
    Hang,
}

/// `status` with a body of `content_type`.
pub fn answer(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Canned {
    Canned::Answer {
        status,
        content_type,
        body: body.into(),
    }
}

/// The server; it stops with the test's runtime.
pub struct FakeServer {
    addr: SocketAddr,
    canned: Arc<Mutex<Canned>>,
    received: Arc<Mutex<Vec<Received>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl FakeServer {
    /// Starts a server answering `canned`.
    pub async fn start(canned: Canned) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = Self {
            addr: listener.local_addr().unwrap(),
            canned: Arc::new(Mutex::new(canned)),
            received: Arc::default(),
        };
        let (canned, received) = (server.canned.clone(), server.received.clone());
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let (canned, received) = (canned.clone(), received.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        respond(lock(&canned).clone(), received.clone(), req)
                    });
                    // A connection the client dropped (after its deadline) ends in an error.
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tcp), service)
                        .await;
                });
            }
        });
        server
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:<port>`, as a client sends it in `Host`.
    pub fn authority(&self) -> String {
        self.addr.to_string()
    }

    /// Answers `canned` from now on.
    pub fn answer_with(&self, canned: Canned) {
        *lock(&self.canned) = canned;
    }

    /// Every request received so far, and forgets them.
    pub fn take(&self) -> Vec<Received> {
        std::mem::take(&mut *lock(&self.received))
    }

    /// The one request received since the last look; fails when there were more or none.
    pub fn only_request(&self) -> Received {
        let mut received = self.take();
        assert_eq!(received.len(), 1, "{received:#?}");
        received.remove(0)
    }
}

async fn respond(
    canned: Canned,
    received: Arc<Mutex<Vec<Received>>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    lock(&received).push(Received {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    });
    let response = match canned {
        Canned::Answer {
            status,
            content_type,
            body,
        } => Response::builder()
            .status(status)
            .header("content-type", content_type)
            .body(Full::new(Bytes::from(body))),
        Canned::Redirect { status, location } => Response::builder()
            .status(status)
            .header("location", location)
            .body(Full::new(Bytes::new())),
        Canned::Hang => std::future::pending().await,
    };
    Ok(response.expect("a valid canned response"))
}

/// A port nothing listens on.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}
