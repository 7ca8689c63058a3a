//! The load generator: keep-alive HTTP/1.1 connections on hyper's client, each sending the
//! next request as soon as the last answer is read, for a fixed time.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::Request;
use hyper_util::rt::TokioIo;

/// Makes the path of the n-th request.
pub type PathFn = Arc<dyn Fn(u64) -> String + Send + Sync>;

/// What a run measured.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Answers with status 200.
    pub ok: u64,
    /// Other answers and failed requests.
    pub errors: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Latency of every answered request, in microseconds, sorted.
    pub latencies_us: Vec<u32>,
}

impl Outcome {
    /// Adds another run's counts, wall time and latencies (left unsorted: sort once at the end).
    pub fn absorb(&mut self, other: Outcome) {
        self.ok += other.ok;
        self.errors += other.errors;
        self.elapsed += other.elapsed;
        self.latencies_us.extend(other.latencies_us);
    }

    /// Answered requests per second.
    pub fn rps(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `q` quantile (0..=1) of the latencies, in milliseconds.
    pub fn ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies_us.len() - 1) as f64 * q).round() as usize;
        f64::from(self.latencies_us[i]) / 1000.0
    }
}

/// One answer: its status and body.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The whole body.
    pub body: Bytes,
}

/// A request target: an address, an optional `Authorization` value, and the paths.
#[derive(Clone)]
pub struct Target {
    /// Where to connect.
    pub addr: SocketAddr,
    /// Sent as `Authorization`.
    pub auth: Option<String>,
    /// The path (and query) of the n-th request.
    pub path: PathFn,
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Empty<Bytes>>, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake {addr}: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(send)
}

async fn send(
    conn: &mut SendRequest<Empty<Bytes>>,
    target: &Target,
    n: u64,
) -> Result<Answer, String> {
    let mut req = Request::get((target.path)(n)).header(HOST, "127.0.0.1");
    if let Some(a) = &target.auth {
        req = req.header(AUTHORIZATION, a);
    }
    let req = req.body(Empty::new()).map_err(|e| e.to_string())?;
    conn.ready().await.map_err(|e| e.to_string())?;
    let resp = conn.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok(Answer { status, body })
}

/// One request on a new connection.
pub async fn once(target: &Target, n: u64) -> Result<Answer, String> {
    let mut conn = connect(target.addr).await?;
    send(&mut conn, target, n).await
}

/// `count` requests back to back on one keep-alive connection, each answered 200 within
/// `timeout`; the first that is not is the error.
pub async fn sequence(target: &Target, count: u64, timeout: Duration) -> Result<(), String> {
    let mut conn = connect(target.addr).await?;
    for n in 0..count {
        let answer = tokio::time::timeout(timeout, send(&mut conn, target, n))
            .await
            .map_err(|_| format!("request {n} not answered within {timeout:?}"))??;
        if answer.status != 200 {
            return Err(format!(
                "request {n} ({}) answered {}",
                (target.path)(n),
                answer.status
            ));
        }
    }
    Ok(())
}

/// `connections` connections sending requests back to back for `duration`.
pub async fn run(target: &Target, connections: usize, duration: Duration) -> Outcome {
    run_paced(target, connections, duration, Duration::ZERO).await
}

/// [`run`] with a pause of `pause` after each answer (an idle service between requests).
pub async fn run_paced(
    target: &Target,
    connections: usize,
    duration: Duration,
    pause: Duration,
) -> Outcome {
    let load = Load::new(target, duration, pause, true);
    let started = Instant::now();
    let tasks = (0..connections)
        .map(|_| tokio::spawn(load.clone().drive(None)))
        .collect();
    merge(tasks, started).await
}

/// What [`hold`] measured.
pub struct Held {
    /// Connections established (of those asked for).
    pub established: usize,
    /// What they answered.
    pub outcome: Outcome,
}

/// Opens `connections` connections at once and keeps each busy until `duration` ends.
/// A connection that fails is not replaced.
pub async fn hold(target: &Target, connections: usize, duration: Duration) -> Held {
    let mut conns = Vec::new();
    for _ in 0..connections {
        if let Ok(c) = connect(target.addr).await {
            conns.push(c);
        }
    }
    let established = conns.len();
    let load = Load::new(target, duration, Duration::ZERO, false);
    let started = Instant::now();
    let tasks = conns
        .into_iter()
        .map(|c| tokio::spawn(load.clone().drive(Some(c))))
        .collect();
    Held {
        established,
        outcome: merge(tasks, started).await,
    }
}

/// What every connection of a run shares.
#[derive(Clone)]
struct Load {
    target: Target,
    counter: Arc<AtomicU64>,
    deadline: Instant,
    pause: Duration,
    reconnect: bool,
}

impl Load {
    fn new(target: &Target, duration: Duration, pause: Duration, reconnect: bool) -> Self {
        Self {
            target: target.clone(),
            counter: Arc::new(AtomicU64::new(0)),
            deadline: Instant::now() + duration,
            pause,
            reconnect,
        }
    }

    /// One connection's loop until the deadline.
    async fn drive(self, mut conn: Option<SendRequest<Empty<Bytes>>>) -> Outcome {
        let mut out = Outcome::default();
        while Instant::now() < self.deadline {
            if conn.is_none() {
                if !self.reconnect {
                    break;
                }
                match connect(self.target.addr).await {
                    Ok(c) => conn = Some(c),
                    Err(_) => {
                        out.errors += 1;
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                }
            }
            let Some(c) = conn.as_mut() else { continue };
            let n = self.counter.fetch_add(1, Ordering::Relaxed);
            let t = Instant::now();
            match send(c, &self.target, n).await {
                Ok(Answer { status: 200, .. }) => {
                    out.ok += 1;
                    let us = t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                    out.latencies_us.push(us);
                    if !self.pause.is_zero() {
                        tokio::time::sleep(self.pause).await;
                    }
                }
                Ok(_) => out.errors += 1,
                Err(_) => {
                    out.errors += 1;
                    conn = None;
                }
            }
        }
        out
    }
}

async fn merge(tasks: Vec<tokio::task::JoinHandle<Outcome>>, started: Instant) -> Outcome {
    let mut total = Outcome::default();
    for t in tasks {
        if let Ok(o) = t.await {
            total.absorb(o);
        }
    }
    // The connections ran side by side: the run's wall time is not the sum of theirs.
    total.elapsed = started.elapsed();
    total.latencies_us.sort_unstable();
    total
}

/// One request with any method on a new connection (the simulator's control routes).
pub async fn call(addr: SocketAddr, method: &str, path: &str) -> Result<Answer, String> {
    call_with(addr, method, path, None).await
}

/// [`call`] with a JSON body (e.g. a fault for `POST /_sim/faults`).
pub async fn call_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    json: Option<String>,
) -> Result<Answer, String> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let (mut conn, driver) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake {addr}: {e}"))?;
    tokio::spawn(driver);
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(HOST, "127.0.0.1");
    if json.is_some() {
        req = req.header(CONTENT_TYPE, "application/json");
    }
    let req = req
        .body(Full::new(Bytes::from(json.unwrap_or_default())))
        .map_err(|e| e.to_string())?;
    let resp = conn.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok(Answer { status, body })
}
