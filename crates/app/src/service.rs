//! The service built from any adapters, served on any listener: what `serve` runs in
//! production and what a black-box test runs in-process (docs/testing.md).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use domain::{IntegrationStore, JiraApi, SearchCache, SearchService, SearchSettings};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Semaphore};
use tokio::task::JoinHandle;

use crate::http::handle;
use crate::metrics::Metrics;
use crate::state::AppState;

/// Largest request head (request line and headers) served; a larger one gets 431.
pub const MAX_HEAD_BYTES: usize = 32 * 1024;

/// How the server treats its clients (`serve`'s flags of the same names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServingSettings {
    /// How long a client may take to send a request's headers.
    pub header_read_timeout: Duration,
    /// Most client connections served at once; further ones wait in the listen backlog.
    pub max_connections: usize,
    /// How long a shutdown waits for in-flight requests.
    pub shutdown_grace: Duration,
}

impl Default for ServingSettings {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// The whole HTTP service over adapters of the caller's choice.
pub struct Service<J, S, C> {
    state: Arc<AppState<J, S, C>>,
}

impl<J: JiraApi, S: IntegrationStore, C: SearchCache> Service<J, S, C> {
    /// The service over these adapters, with fresh metrics.
    pub fn new(jira: J, store: S, cache: C, settings: SearchSettings) -> Self {
        Self::with_metrics(
            SearchService::new(jira, store, cache, settings),
            Metrics::new(),
        )
    }

    /// The service over a search use case already wired, reporting into `metrics` (whose
    /// Jira observer the production Jira adapter was given).
    pub fn with_metrics(search: SearchService<J, S, C>, metrics: Metrics) -> Self {
        let search = Arc::new(search);
        let watched = search.clone();
        metrics.watch_cache(Arc::new(move || {
            (watched.cache().kind(), watched.cache().stats())
        }));
        Self {
            state: Arc::new(AppState {
                search,
                metrics,
                admin: None,
                cors: None,
            }),
        }
    }

    /// The service with the admin API and connect routes ([`crate::api::AdminApi`]).
    /// The service is not shared before it serves, so its state is still its own.
    pub fn with_admin(mut self, admin: Arc<dyn crate::api::AdminRoutes>) -> Self {
        match Arc::get_mut(&mut self.state) {
            Some(state) => state.admin = Some(admin),
            None => tracing::error!("the admin API was added to a service already serving"),
        }
        self
    }

    /// The service with CORS on the search routes (`None`: none, the default).
    /// The service is not shared before it serves, so its state is still its own.
    pub fn with_cors(mut self, cors: Option<crate::http::cors::Cors>) -> Self {
        match Arc::get_mut(&mut self.state) {
            Some(state) => state.cors = cors,
            None => tracing::error!("CORS was set on a service already serving"),
        }
        self
    }

    /// The search use case (its adapters: `search().store()`, `search().cache()`).
    pub fn search(&self) -> &SearchService<J, S, C> {
        &self.state.search
    }

    /// Serves on `listener` until `shutdown` resolves, then drains in-flight requests for
    /// at most `settings.shutdown_grace`.
    pub async fn serve_until(
        self,
        listener: TcpListener,
        settings: ServingSettings,
        shutdown: impl Future<Output = ()>,
    ) {
        serve_until(self.state, listener, settings, shutdown).await;
    }

    /// Serves on `listener` on a task of its own; the handle tells the base URL and stops
    /// it. What a test runs in-process.
    ///
    /// # Errors
    /// When the listener's address cannot be read.
    pub fn spawn(
        self,
        listener: TcpListener,
        settings: ServingSettings,
    ) -> std::io::Result<RunningService> {
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(self.serve_until(listener, settings, async {
            let _ = stopped.await;
        }));
        Ok(RunningService { addr, stop, task })
    }
}

/// A service serving on a task of its own ([`Service::spawn`]).
#[derive(Debug)]
pub struct RunningService {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl RunningService {
    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, drains in-flight requests (within the grace period) and waits until
    /// it has stopped.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

async fn serve_until<J: JiraApi, S: IntegrationStore, C: SearchCache>(
    state: Arc<AppState<J, S, C>>,
    listener: TcpListener,
    settings: ServingSettings,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // HTTP/1.1 with keep-alive, and HTTP/2 (prior knowledge, h2c) on the same port.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(settings.header_read_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(MAX_HEAD_BYTES as u32)
        .max_concurrent_streams(256);
    let graceful = GracefulShutdown::new();
    let connections = Arc::new(Semaphore::new(settings.max_connections));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // At the cap, stop accepting: new clients wait in the kernel's backlog.
        let permit = tokio::select! {
            p = connections.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a little, keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let open = state.metrics.connection();
                let for_requests = state.clone();
                // Set once a request head has arrived (HTTP/1.1 or an HTTP/2 stream).
                let served = Arc::new(AtomicBool::new(false));
                let served_by_service = served.clone();
                let service = service_fn(move |req| {
                    served_by_service.store(true, Ordering::Relaxed);
                    let state = for_requests.clone();
                    async move { Ok::<_, std::convert::Infallible>(handle(state, req).await) }
                });
                let conn = builder.serve_connection(TokioIo::new(stream), service).into_owned();
                let conn = graceful.watch(conn);
                let for_errors = state.clone();
                let header_read_timeout = settings.header_read_timeout;
                tokio::spawn(async move {
                    let _slot = (permit, open);
                    // hyper's header timeout starts once the first bytes are in, and HTTP/2
                    // has none: a connection with no request head within the timeout of
                    // opening (silent, or an HTTP/2 preface alone) is dropped, freeing its
                    // slot. It has no request in flight to lose.
                    let first_request = async {
                        tokio::time::sleep(header_read_timeout).await;
                        if served.load(Ordering::Relaxed) {
                            std::future::pending::<()>().await;
                        }
                    };
                    tokio::select! {
                        ended = conn => if let Err(e) = ended {
                            connection_ended(&for_errors.metrics, peer, &*e, served.load(Ordering::Relaxed));
                        },
                        () = first_request => {
                            for_errors.metrics.rejected(HEADER_TIMEOUT);
                            tracing::info!(reason = HEADER_TIMEOUT, "request rejected");
                        }
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!(
        grace_seconds = settings.shutdown_grace.as_secs(),
        "shutting down: draining in-flight requests"
    );
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("drained; bye"),
        () = tokio::time::sleep(settings.shutdown_grace) => tracing::warn!("grace period over; closing remaining connections"),
    }
}

/// The reason a connection closed without a complete request head in time.
const HEADER_TIMEOUT: &str = "header_timeout";

/// Counts and logs (one line) what the HTTP layer refused on a connection: a malformed head
/// (hyper answered 400), a head too large or with over 100 headers (431), or a first head
/// not complete in time. Other endings (a client going away) are logged at debug only.
fn connection_ended(
    metrics: &Metrics,
    peer: SocketAddr,
    e: &(dyn std::error::Error + 'static),
    served: bool,
) {
    let Some(h) = e.downcast_ref::<hyper::Error>() else {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
        return;
    };
    let (reason, status) = if h.is_parse_too_large() {
        ("too_large", 431)
    } else if h.is_parse() {
        ("malformed", 400)
    } else if h.is_timeout() && !served {
        metrics.rejected(HEADER_TIMEOUT);
        tracing::info!(reason = HEADER_TIMEOUT, error = %e, "request rejected");
        return;
    } else {
        // Includes an idle kept-alive connection closed by the header timeout.
        tracing::debug!(%peer, error = %e, "connection ended with an error");
        return;
    };
    metrics.rejected(reason);
    tracing::info!(reason, status, error = %e, "request rejected");
}
