//! `serve`: wiring the adapters into the search service, and the hyper server with a
//! graceful drain on SIGINT/SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use cache::{AnyCache, MemoryCache, RedisCache};
use domain::{SearchService, SearchSettings};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use jira_http::{GuardSettings, HyperJira, JiraHttpConfig};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::config::ServeArgs;
use crate::http::{handle, AppState};
use crate::metrics::Metrics;
use crate::{telemetry, CliError};

/// Largest request head (request line and headers) served; a larger one gets 431.
pub const MAX_HEAD_BYTES: usize = 32 * 1024;

/// Runs the server until a shutdown signal, then drains in-flight requests for at most
/// `SHUTDOWN_GRACE_SECONDS`.
pub async fn serve(database_url: &str, args: ServeArgs) -> Result<(), CliError> {
    telemetry::init(args.log_format);
    let state = Arc::new(build_state(database_url, &args).await?);
    let listener = TcpListener::bind(args.listen_addr)
        .await
        .map_err(|e| CliError::Failure(format!("cannot listen on {}: {e}", args.listen_addr)))?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::Failure(format!("cannot read the listening address: {e}")))?;
    tracing::info!(
        addr = %local,
        cache = state.search.cache().kind(),
        "listening on http://{local}"
    );

    let mut builder = auto::Builder::new(TokioExecutor::new());
    // HTTP/1.1 with keep-alive, and HTTP/2 (prior knowledge, h2c) on the same port.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(args.header_read_timeout_seconds))
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(MAX_HEAD_BYTES as u32)
        .max_concurrent_streams(256);
    let graceful = GracefulShutdown::new();
    let connections = Arc::new(Semaphore::new(args.max_connections as usize));
    let mut shutdown = std::pin::pin!(shutdown_signal());
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
                let state_for_conn = state.clone();
                let state = state.clone();
                let service = service_fn(move |req| {
                    let state = state.clone();
                    async move { Ok::<_, std::convert::Infallible>(handle(state, req).await) }
                });
                let conn = builder.serve_connection(TokioIo::new(stream), service).into_owned();
                let conn = graceful.watch(conn);
                let open = state_for_conn.metrics.connection();
                tokio::spawn(async move {
                    let _slot = (permit, open);
                    if let Err(e) = conn.await {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let grace = Duration::from_secs(args.shutdown_grace_seconds);
    tracing::info!(
        grace_seconds = args.shutdown_grace_seconds,
        "shutting down: draining in-flight requests"
    );
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("drained; bye"),
        () = tokio::time::sleep(grace) => tracing::warn!("grace period over; closing remaining connections"),
    }
    Ok(())
}

/// The composition root: every adapter built from the configuration.
async fn build_state(database_url: &str, args: &ServeArgs) -> Result<AppState, CliError> {
    let store = crate::admin::open_store(database_url).await?;
    // Fail fast, before listening, when stored secrets cannot be opened with this key.
    let report = store
        .secrets_report()
        .await
        .map_err(|e| CliError::Failure(format!("cannot start: {}", crate::error_chain(&e))))?;
    if crate::admin::secret_key_from_env()?.is_none() {
        tracing::warn!(
            "SECRET_KEY is not set: Jira credentials are stored in plain text in the database (see docs/operations.md)"
        );
    } else if report.plain > 0 {
        tracing::warn!(
            plain = report.plain,
            "some integrations' secrets are still in plain text: run `jira-search secret-key rotate` to seal them"
        );
    }
    let cache = match args.redis_url.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => AnyCache::Redis(
            RedisCache::new(url, &args.redis_key_prefix)
                .map_err(|e| CliError::Usage(format!("REDIS_URL: {e}")))?
                .with_near_cache(args.cache_max_entries),
        ),
        None => AnyCache::Memory(MemoryCache::new(args.cache_max_entries)),
    };
    let settings = SearchSettings {
        cache_ttl: Duration::from_secs(args.cache_ttl_seconds),
    };
    let stats_source = cache.clone();
    let metrics = Metrics::new(Arc::new(move || {
        (stats_source.kind(), stats_source.stats())
    }));
    let jira = HyperJira::with_credential_updates(
        JiraHttpConfig {
            timeout: Duration::from_secs(args.jira_timeout_seconds),
            guard: GuardSettings {
                max_concurrent: args.jira_max_concurrency as usize,
                breaker_failures: args.jira_breaker_failures,
                breaker_cooldown: Duration::from_secs(args.jira_breaker_cooldown_seconds),
            },
            ..JiraHttpConfig::default()
        },
        store.clone(),
    )
    .map_err(|e| CliError::Failure(e.to_string()))?
    .with_observer(metrics.jira());
    let search = Arc::new(SearchService::new(jira, store, cache, settings));
    Ok(AppState { search, metrics })
}

/// `healthcheck`: exit 0 when the server at `addr` answers 200 on `/healthz` within 2 s.
/// Slim container images have no curl; this is what their `HEALTHCHECK` runs.
pub async fn healthcheck(addr: std::net::SocketAddr) -> Result<(), CliError> {
    use http_body_util::Empty;
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let client: hyper_util::client::legacy::Client<_, Empty<bytes::Bytes>> =
        hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http();
    let uri: hyper::Uri = format!("http://{addr}/healthz")
        .parse()
        .map_err(|e| CliError::Usage(format!("bad address {addr}: {e}")))?;
    match tokio::time::timeout(Duration::from_secs(2), client.get(uri)).await {
        Ok(Ok(r)) if r.status() == hyper::StatusCode::OK => Ok(()),
        Ok(Ok(r)) => Err(CliError::Failure(format!(
            "http://{addr}/healthz answered {}",
            r.status()
        ))),
        Ok(Err(e)) => Err(CliError::Failure(format!("http://{addr}/healthz: {e}"))),
        Err(_) => Err(CliError::Failure(format!(
            "http://{addr}/healthz did not answer within 2 s"
        ))),
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
