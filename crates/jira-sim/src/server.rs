//! The HTTP side: listener, connections (HTTP/1.1 and cleartext HTTP/2), authentication,
//! the request log, faults and the `/_sim/` control routes.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::{JoinHandle, JoinSet};

use crate::auth::{self, ConnectJwt, OAuth1, OAuth2, TokenRequest};
use crate::data::{self, DataSet};
use crate::jira::{Identity, Instance, Reply, HTML, JSON, TEXT};
use crate::text::{encode_component, parse_query};
use crate::{
    AuthKind, Fault, FaultKind, Flavor, RecordedRequest, SimConfig, SimIssue, SimProject, SimUser,
};

/// The request log keeps at most this many entries (oldest dropped), so long benchmarks do not
/// grow memory without bound.
const MAX_LOG: usize = 100_000;

/// Largest control-route body accepted.
const MAX_CONTROL_BODY: usize = 1 << 20;

struct ActiveFault {
    fault: Fault,
    remaining: Option<u32>,
}

/// State shared by every connection.
struct Shared {
    flavor: Flavor,
    context_path: String,
    latency_ms: u64,
    accept_tokens: Vec<String>,
    accept_basic: Vec<(String, String)>,
    /// No credentials configured: anonymous requests are served.
    open: bool,
    oauth1: OAuth1,
    jwt: ConnectJwt,
    oauth2: OAuth2,
    /// `IP:PORT` it listens on, for requests without a `Host` header.
    host_fallback: String,
    instance: Instance,
    log: Mutex<VecDeque<RecordedRequest>>,
    faults: Mutex<Vec<ActiveFault>>,
    request_ids: AtomicU64,
}

/// Locks a mutex, carrying on with the data if a panicking thread poisoned it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running simulator. Dropping it stops the server as well.
pub struct SimHandle {
    addr: SocketAddr,
    base_url: String,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("addr", &self.addr)
            .field("base_url", &self.base_url)
            .field("flavor", &self.shared.flavor)
            .finish()
    }
}

impl SimHandle {
    /// `http://127.0.0.1:PORT` followed by the context path: what a client configures as Jira's
    /// base URL.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The flavour it plays.
    pub fn flavor(&self) -> Flavor {
        self.shared.flavor
    }

    /// The normalised context path (`""` or `/jira`).
    pub fn context_path(&self) -> &str {
        &self.shared.context_path
    }

    /// Every Jira request received so far, in order (control routes excluded).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).iter().cloned().collect()
    }

    /// The requests whose path, after the context path, starts with `jira_path_prefix`.
    pub fn requests_to(&self, jira_path_prefix: &str) -> Vec<RecordedRequest> {
        let ctx = &self.shared.context_path;
        lock(&self.shared.log)
            .iter()
            .filter(|r| r.path_without_context(ctx).starts_with(jira_path_prefix))
            .cloned()
            .collect()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Adds a fault after the existing ones (the first matching fault wins).
    pub fn add_fault(&self, fault: Fault) {
        self.shared.add_fault(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// The users of the data set, in creation order (generated, then extra).
    pub fn users(&self) -> Vec<SimUser> {
        self.shared.instance.data.users.clone()
    }

    /// The projects of the data set, in creation order (generated, then extra).
    pub fn projects(&self) -> Vec<SimProject> {
        self.shared.instance.data.projects.clone()
    }

    /// The issues of the data set, in creation order (generated, then extra).
    pub fn issues(&self) -> Vec<SimIssue> {
        self.shared.instance.data.issues.clone()
    }

    /// Expires every OAuth 2.0 access token issued so far (they then get the 401 of bad
    /// credentials); refresh tokens stay valid.
    pub fn expire_access_tokens(&self) {
        self.shared.oauth2.expire_all();
    }

    /// How many refresh-token grants succeeded.
    pub fn oauth2_refresh_count(&self) -> u64 {
        self.shared.oauth2.refreshes()
    }

    /// How many reuses of an already-rotated refresh token were refused (each revoked its
    /// token family).
    pub fn oauth2_reuse_rejections(&self) -> u64 {
        self.shared.oauth2.reuse_rejections()
    }

    /// Stops accepting, closes every connection (including held ones) and waits for the server
    /// task to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

fn normalize_context_path(raw: &str) -> String {
    let trimmed = raw.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else if trimmed.starts_with('/') {
        trimmed.to_string()
    } else {
        format!("/{trimmed}")
    }
}

/// Builds the data set: generated projects, users, issues and suggestions, then the extras.
pub(crate) fn build_data(cfg: &SimConfig) -> DataSet {
    let mut projects = data::generate_projects(cfg.projects, cfg.seed);
    let generated_keys: Vec<String> = projects.iter().map(|p| p.key.clone()).collect();
    projects.extend(cfg.extra_projects.iter().cloned());
    let mut users = data::generate_users(cfg.users, cfg.seed, &generated_keys);
    users.extend(cfg.extra_users.iter().cloned());
    let mut issues = data::generate_issues(&projects, cfg.issues_per_project, cfg.seed);
    issues.extend(cfg.extra_issues.iter().cloned());
    let mut suggestions = data::generate_suggestions(cfg.projects.clamp(3, 50));
    suggestions.extend(cfg.extra_suggestions.iter().cloned());
    DataSet {
        users,
        projects,
        issues,
        suggestions,
    }
}

/// Starts a simulator and returns once it accepts connections.
///
/// # Errors
///
/// When the listen address cannot be bound.
pub async fn start(cfg: SimConfig) -> io::Result<SimHandle> {
    let context_path = normalize_context_path(&cfg.context_path);
    let oauth1 = OAuth1::new(&cfg.oauth1_consumers, &cfg.oauth1_tokens)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let listener = TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    let mut shown = addr;
    if shown.ip().is_unspecified() {
        shown.set_ip(if addr.is_ipv4() {
            [127, 0, 0, 1].into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let base_url = format!("http://{shown}{context_path}");
    let data = build_data(&cfg);
    let shared = Arc::new(Shared {
        flavor: cfg.flavor,
        context_path,
        latency_ms: cfg.latency_ms,
        accept_tokens: cfg.accept_tokens.clone(),
        accept_basic: cfg.accept_basic.clone(),
        open: cfg.is_open(),
        oauth1,
        jwt: ConnectJwt::new(&cfg.connect_apps),
        oauth2: OAuth2::new(&cfg.oauth2_clients, cfg.oauth2_access_ttl_secs),
        host_fallback: shown.to_string(),
        instance: Instance::new(cfg.flavor, cfg.hide_emails, base_url.clone(), data),
        log: Mutex::new(VecDeque::new()),
        faults: Mutex::new(Vec::new()),
        request_ids: AtomicU64::new(1),
    });
    let (shutdown, rx) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, shared.clone(), rx));
    Ok(SimHandle {
        addr,
        base_url,
        shared,
        shutdown,
        task: Some(task),
    })
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            // A send or a dropped handle both end the loop.
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, shared.clone()));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Aborts held (NeverAnswer) and idle keep-alive connections alike.
    connections.shutdown().await;
}

/// Per-connection switch a handler flips to have the connection reset instead of answered.
struct ConnControl {
    reset: AtomicBool,
    notify: Notify,
}

/// The TCP stream, which sends an RST instead of a FIN when dropped after a reset request.
struct ResettableStream {
    inner: TcpStream,
    control: Arc<ConnControl>,
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.control.reset.load(Ordering::SeqCst) {
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let control = Arc::new(ConnControl {
        reset: AtomicBool::new(false),
        notify: Notify::new(),
    });
    let io = TokioIo::new(ResettableStream {
        inner: stream,
        control: control.clone(),
    });
    let handler_control = control.clone();
    let service =
        hyper::service::service_fn(move |req| handle(shared.clone(), handler_control.clone(), req));
    let builder = auto::Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection(io, service);
    tokio::select! {
        _ = connection => {}
        // Dropping the connection drops the stream, which then resets.
        _ = control.notify.notified() => {}
    }
}

async fn handle(
    shared: Arc<Shared>,
    control: Arc<ConnControl>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_string();
    if path == "/_sim" || path.starts_with("/_sim/") {
        return Ok(into_response(control_route(&shared, req).await));
    }
    let method = req.method().as_str().to_string();
    let raw_query = req.uri().query().map(str::to_string);
    let query = parse_query(raw_query.as_deref());
    let credentials = Credentials::from_headers(req.headers());
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_string()))
        .unwrap_or_else(|| shared.host_fallback.clone());
    let jira_path = shared.jira_path(&path).map(str::to_string);
    let is_token_endpoint = method == "POST"
        && (path == "/oauth/token" || jira_path.as_deref() == Some("/rest/oauth2/latest/token"));
    let token_request = if is_token_endpoint {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let basic = match &credentials {
            Credentials::Basic { user, secret } => Some((user.clone(), secret.clone())),
            _ => None,
        };
        let body = Limited::new(req.into_body(), MAX_CONTROL_BODY)
            .collect()
            .await
            .map(|c| c.to_bytes());
        Some(match body {
            Ok(body) => TokenRequest::parse(content_type.as_deref(), &body, basic),
            Err(e) => Err(format!("cannot read body: {e}")),
        })
    } else {
        drop(req);
        None
    };
    shared.record(RecordedRequest {
        method: method.clone(),
        path: path.clone(),
        // The token endpoint's query is not kept: a careless client may put secrets there.
        query: if is_token_endpoint {
            Vec::new()
        } else {
            query.clone()
        },
        raw_query: if is_token_endpoint { None } else { raw_query },
        auth: credentials.kind(),
        auth_user: credentials.user(),
        auth_nonce: credentials.nonce(),
    });
    let request = RequestInfo {
        method,
        path,
        host,
        query,
    };
    let fault = shared.take_fault(jira_path.as_deref().unwrap_or(&request.path));
    if shared.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(shared.latency_ms)).await;
    }
    let request_id = shared.request_ids.fetch_add(1, Ordering::Relaxed);
    let respond = || match &token_request {
        Some(token_request) => shared.token_answer(token_request),
        None => shared.answer(&request, jira_path.as_deref(), &credentials),
    };
    if let Some(fault) = fault {
        if fault.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
        }
        match fault.kind {
            FaultKind::Respond => {
                let mut reply = Reply::new(fault.status, Some(&fault.content_type), fault.body);
                reply.headers = fault.headers;
                return Ok(into_response(reply));
            }
            FaultKind::NeverAnswer => {
                // Held until the simulator shuts down and aborts the connection.
                let never: Infallible = std::future::pending().await;
                match never {}
            }
            FaultKind::ResetConnection => {
                control.reset.store(true, Ordering::SeqCst);
                control.notify.notify_one();
                let never: Infallible = std::future::pending().await;
                match never {}
            }
            FaultKind::MalformedJson => {
                let body = if fault.body.is_empty() {
                    truncate_json(&respond().body)
                } else {
                    Bytes::from(fault.body)
                };
                let mut reply = Reply::new(200, Some(JSON), body);
                reply.headers = fault.headers;
                return Ok(into_response(reply));
            }
        }
    }
    let reply = respond().header(
        "X-AREQUESTID",
        format!("{}x{request_id}x1", 600 + request_id % 840),
    );
    Ok(into_response(reply))
}

/// What authentication needs to know about a request besides its credentials.
struct RequestInfo {
    method: String,
    /// The raw path, context path included.
    path: String,
    /// The `Host` header (or the listen address).
    host: String,
    /// Decoded query pairs.
    query: Vec<(String, String)>,
}

/// Cuts a JSON body about in half, on a character boundary, so it can no longer parse.
fn truncate_json(body: &[u8]) -> Bytes {
    let text = String::from_utf8_lossy(body);
    // Half of anything of two bytes or more is a strict, non-empty prefix.
    let mut cut = text.len() / 2;
    while cut > 0 && !text.is_char_boundary(cut) {
        cut -= 1;
    }
    Bytes::from(text[..cut].to_string())
}

fn into_response(reply: Reply) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(reply.status);
    if let Some(ct) = &reply.content_type {
        builder = builder.header(CONTENT_TYPE, ct.as_str());
    }
    for (name, value) in &reply.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder.body(Full::new(reply.body)).unwrap_or_else(|e| {
        let mut response = Response::new(Full::new(Bytes::from(format!(
            "jira-sim: invalid fault response: {e}"
        ))));
        *response.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        response
    })
}

/// What the `Authorization` header carried.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Credentials {
    None,
    Basic {
        user: String,
        secret: String,
    },
    /// A Basic header that does not decode to `user:secret`.
    BadBasic,
    Bearer(String),
    /// `JWT <token>`.
    Jwt(String),
    /// `OAuth ...` with its decoded parameters (`None` when they do not parse).
    OAuth(Option<Vec<(String, String)>>),
    Other,
}

impl Credentials {
    fn from_headers(headers: &HeaderMap) -> Self {
        let Some(value) = headers.get(AUTHORIZATION) else {
            return Credentials::None;
        };
        let Ok(value) = value.to_str() else {
            return Credentials::Other;
        };
        let value = value.trim();
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        let rest = rest.trim();
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => {
                let engine = base64::engine::general_purpose::STANDARD;
                engine
                    .decode(rest)
                    .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(rest))
                    .ok()
                    .and_then(|raw| String::from_utf8(raw).ok())
                    .and_then(|pair| {
                        pair.split_once(':').map(|(u, s)| Credentials::Basic {
                            user: u.to_string(),
                            secret: s.to_string(),
                        })
                    })
                    .unwrap_or(Credentials::BadBasic)
            }
            "bearer" => Credentials::Bearer(rest.to_string()),
            "jwt" => Credentials::Jwt(rest.to_string()),
            "oauth" => Credentials::OAuth(auth::parse_oauth_header(rest)),
            _ => Credentials::Other,
        }
    }

    fn kind(&self) -> AuthKind {
        match self {
            Credentials::None => AuthKind::None,
            Credentials::Basic { .. } | Credentials::BadBasic => AuthKind::Basic,
            Credentials::Bearer(_) => AuthKind::Bearer,
            Credentials::Jwt(_) => AuthKind::Jwt,
            Credentials::OAuth(_) => AuthKind::OAuth,
            Credentials::Other => AuthKind::Other,
        }
    }

    /// The OAuth 1.0a `oauth_nonce` (single-use, not a secret); nothing for other schemes.
    fn nonce(&self) -> Option<String> {
        match self {
            Credentials::OAuth(Some(params)) => params
                .iter()
                .find(|(k, _)| k == "oauth_nonce")
                .map(|(_, v)| v.clone()),
            _ => None,
        }
    }

    /// The Basic user name (not a secret); nothing for other schemes.
    fn user(&self) -> Option<String> {
        match self {
            Credentials::Basic { user, .. } => Some(user.clone()),
            _ => None,
        }
    }
}

/// Jira Server's page for a failed login on a REST call.
const SERVER_401_PAGE: &str = "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Unauthorized (401)</title>\n</head>\n<body id=\"jira\" class=\"aui-layout aui-style-default page-type-message\">\n<div class=\"aui-page-panel\"><div class=\"aui-page-panel-inner\"><section class=\"aui-page-panel-content\">\n<div class=\"aui-message aui-message-warning warning\">\n<h1>Unauthorized (401)</h1>\n<p>Encountered a <code>&quot;401 - Unauthorized&quot;</code> error while loading this page.</p>\n<p>Basic Authentication Failure - Reason : AUTHENTICATED_FAILED</p>\n<p><a href=\"/secure/MyJiraHome.jspa\">Go to Jira home</a></p>\n</div>\n</section></div></div>\n</body>\n</html>\n";

/// Tomcat's answer for a path outside Jira's context path.
const TOMCAT_404_PAGE: &str = "<!doctype html><html lang=\"en\"><head><title>HTTP Status 404 – Not Found</title></head><body><h1>HTTP Status 404 – Not Found</h1><hr class=\"line\" /><p><b>Type</b> Status Report</p><p><b>Description</b> The origin server did not find a current representation for the target resource or is not willing to disclose that one exists.</p><hr class=\"line\" /><h3>Apache Tomcat</h3></body></html>";

impl Shared {
    fn record(&self, request: RecordedRequest) {
        let mut log = lock(&self.log);
        if log.len() >= MAX_LOG {
            log.pop_front();
        }
        log.push_back(request);
    }

    fn add_fault(&self, fault: Fault) {
        let remaining = fault.times;
        lock(&self.faults).push(ActiveFault { fault, remaining });
    }

    /// The path inside Jira's context path, or `None` when the request is outside it.
    fn jira_path<'a>(&self, path: &'a str) -> Option<&'a str> {
        if self.context_path.is_empty() {
            return Some(path);
        }
        match path.strip_prefix(self.context_path.as_str()) {
            Some("") => Some("/"),
            Some(rest) if rest.starts_with('/') => Some(rest),
            _ => None,
        }
    }

    /// The first fault matching the path, with one use consumed.
    fn take_fault(&self, jira_path: &str) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let index = faults
            .iter()
            .position(|f| f.remaining != Some(0) && f.fault.matches(jira_path))?;
        let active = &mut faults[index];
        let fault = active.fault.clone();
        if let Some(n) = active.remaining.as_mut() {
            *n -= 1;
            if *n == 0 {
                faults.remove(index);
            }
        }
        Some(fault)
    }

    fn answer(
        &self,
        request: &RequestInfo,
        jira_path: Option<&str>,
        credentials: &Credentials,
    ) -> Reply {
        let Some(jira_path) = jira_path else {
            // Outside the webapp: Tomcat answers, no Jira authentication involved.
            return Reply::new(404, Some(HTML), TOMCAT_404_PAGE);
        };
        match self.authenticate(request, jira_path, credentials) {
            Ok(identity) => {
                self.instance
                    .answer(&request.method, jira_path, &request.query, &identity)
            }
            Err(reply) => reply,
        }
    }

    /// Answers the OAuth 2.0 token endpoint in the words of Atlassian's.
    fn token_answer(&self, request: &Result<TokenRequest, String>) -> Reply {
        let (status, body) = match request {
            Ok(request) => self.oauth2.token(request),
            Err(e) => (
                400,
                json!({ "error": "invalid_request", "error_description": e }),
            ),
        };
        Reply::json(status, &body)
            .header("Cache-Control", "no-store")
            .header("Pragma", "no-cache")
    }

    fn authenticate(
        &self,
        request: &RequestInfo,
        jira_path: &str,
        credentials: &Credentials,
    ) -> Result<Identity, Reply> {
        if self.open {
            return Ok(match credentials {
                Credentials::Basic { user, .. } => Identity::Basic(user.clone()),
                Credentials::Bearer(_) => Identity::Bearer,
                _ => Identity::Anonymous,
            });
        }
        match credentials {
            Credentials::Basic { user, secret }
                if self
                    .accept_basic
                    .iter()
                    .any(|(u, s)| u.eq_ignore_ascii_case(user) && s == secret) =>
            {
                Ok(Identity::Basic(user.clone()))
            }
            Credentials::Bearer(token) if self.accept_tokens.iter().any(|t| t == token) => {
                Ok(Identity::Bearer)
            }
            Credentials::Bearer(token) if self.oauth2.access_ok(token) => Ok(Identity::OAuth2),
            Credentials::OAuth(Some(params)) if !self.oauth1.is_empty() => {
                let base_uri = auth::base_string_uri("http", &request.host, &request.path);
                self.oauth1
                    .verify(
                        &request.method,
                        &base_uri,
                        &request.query,
                        params,
                        auth::now_secs(),
                    )
                    .map(|_consumer| Identity::OAuth1)
                    .map_err(|_reason| self.unauthorized(true))
            }
            Credentials::Jwt(token) if !self.jwt.is_empty() => self
                .jwt
                .verify(
                    token,
                    &request.method,
                    jira_path,
                    &request.query,
                    auth::now_secs(),
                )
                .map(Identity::Jwt)
                .map_err(|_reason| self.unauthorized(true)),
            Credentials::None => Err(self.unauthorized(false)),
            _ => Err(self.unauthorized(true)),
        }
    }

    /// 401 in the flavour's words; `failed` when credentials were sent but refused.
    fn unauthorized(&self, failed: bool) -> Reply {
        let realm = format!(
            "OAuth realm=\"{}\"",
            encode_component(&self.instance.base_url)
        );
        match (self.flavor, failed) {
            (Flavor::Server, true) => Reply::new(401, Some(HTML), SERVER_401_PAGE)
                .header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
                .header("WWW-Authenticate", realm),
            (Flavor::Server, false) => Reply::errors(
                401,
                "You are not authenticated. Authentication required to perform this operation.",
            )
            .header("WWW-Authenticate", realm),
            (Flavor::Cloud, true) => Reply::new(
                401,
                Some(TEXT),
                "Client must be authenticated to access this resource.",
            )
            .header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
            .header("WWW-Authenticate", realm),
            (Flavor::Cloud, false) => Reply::new(
                401,
                Some(TEXT),
                "Client must be authenticated to access this resource.",
            )
            .header("WWW-Authenticate", realm),
        }
    }
}

async fn control_route(shared: &Shared, req: Request<Incoming>) -> Reply {
    let method = req.method().clone();
    let path = req.uri().path().trim_end_matches('/').to_string();
    match (method, path.as_str()) {
        (Method::GET, "/_sim/requests") => {
            let log: Vec<RecordedRequest> = lock(&shared.log).iter().cloned().collect();
            Reply::json(200, &json!(log))
        }
        (Method::DELETE, "/_sim/requests") => {
            lock(&shared.log).clear();
            Reply::empty(204)
        }
        (Method::GET, "/_sim/faults") => {
            let faults: Vec<Fault> = lock(&shared.faults)
                .iter()
                .map(|f| Fault {
                    times: f.remaining,
                    ..f.fault.clone()
                })
                .collect();
            Reply::json(200, &json!(faults))
        }
        (Method::POST, "/_sim/faults") => {
            let body = match Limited::new(req.into_body(), MAX_CONTROL_BODY)
                .collect()
                .await
            {
                Ok(collected) => collected.to_bytes(),
                Err(e) => return control_error(400, &format!("cannot read body: {e}")),
            };
            // One fault, or an array of them.
            let faults = serde_json::from_slice::<Fault>(&body)
                .map(|f| vec![f])
                .or_else(|_| serde_json::from_slice::<Vec<Fault>>(&body));
            match faults {
                Ok(faults) => {
                    let count = faults.len();
                    for fault in faults {
                        shared.add_fault(fault);
                    }
                    Reply::json(201, &json!({ "added": count }))
                }
                Err(e) => control_error(400, &format!("invalid fault: {e}")),
            }
        }
        (Method::DELETE, "/_sim/faults") => {
            lock(&shared.faults).clear();
            Reply::empty(204)
        }
        (Method::GET, "/_sim/data") => {
            let data = &shared.instance.data;
            Reply::json(
                200,
                &json!({
                    "flavor": shared.flavor,
                    "base_url": shared.instance.base_url,
                    "context_path": shared.context_path,
                    "users": data.users,
                    "projects": data.projects,
                    "issues": data.issues,
                    "suggestions": data.suggestions,
                }),
            )
        }
        (Method::GET, "/_sim/health") => Reply::json(200, &json!({ "status": "ok" })),
        (Method::POST, "/_sim/oauth2/expire") => {
            let expired = shared.oauth2.expire_all();
            Reply::json(200, &json!({ "expired": expired }))
        }
        (Method::GET, "/_sim/oauth2/stats") => Reply::json(
            200,
            &json!({
                "refreshes": shared.oauth2.refreshes(),
                "reuse_rejections": shared.oauth2.reuse_rejections(),
            }),
        ),
        _ => control_error(404, "unknown control route"),
    }
}

fn control_error(status: u16, message: &str) -> Reply {
    Reply::json(status, &json!({ "error": message }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_paths_normalise() {
        assert_eq!(normalize_context_path(""), "");
        assert_eq!(normalize_context_path("/"), "");
        assert_eq!(normalize_context_path("jira/"), "/jira");
        assert_eq!(normalize_context_path("/jira"), "/jira");
    }

    #[test]
    fn truncated_json_does_not_parse() {
        for body in [
            &b"[]"[..],
            b"{}",
            br#"[{"name":"Zo\xc3\xab"}]"#,
            b"{\"a\":1}",
        ] {
            let cut = truncate_json(body);
            assert!(cut.len() < body.len());
            assert!(serde_json::from_slice::<serde_json::Value>(&cut).is_err());
        }
    }

    #[test]
    fn credentials_parse_without_keeping_secrets_in_kind() {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, "Basic Ym9iOnMzY3IzdA==".parse().unwrap());
        let c = Credentials::from_headers(&h);
        assert_eq!(
            c,
            Credentials::Basic {
                user: "bob".into(),
                secret: "s3cr3t".into()
            }
        );
        assert_eq!(c.kind(), AuthKind::Basic);
        assert_eq!(c.user().as_deref(), Some("bob"));
        h.insert(AUTHORIZATION, "JWT abc".parse().unwrap());
        assert_eq!(Credentials::from_headers(&h).kind(), AuthKind::Jwt);
        h.insert(
            AUTHORIZATION,
            "OAuth oauth_consumer_key=\"x\"".parse().unwrap(),
        );
        assert_eq!(Credentials::from_headers(&h).kind(), AuthKind::OAuth);
        h.insert(AUTHORIZATION, "Digest x".parse().unwrap());
        assert_eq!(Credentials::from_headers(&h).kind(), AuthKind::Other);
        h.insert(AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert_eq!(Credentials::from_headers(&h), Credentials::BadBasic);
    }
}
