//! `serve` and `healthcheck`: the composition root that builds the production adapters from
//! the configuration, and the signals that stop the server.

use std::time::Duration;

use cache::{AnyCache, MemoryCache, RedisCache};
use domain::{Keyring, SearchService, SearchSettings};
use hyper_util::rt::TokioExecutor;
use jira_http::{ConsentClient, GuardSettings, HyperJira, JiraHttpConfig};
use std::sync::Arc;
use tokio::net::TcpListener;

use crate::config::ServeArgs;
use crate::error::{error_chain, CliError};
use crate::metrics::Metrics;
use crate::service::{Service, ServingSettings};
use crate::store::AnyStore;
use crate::telemetry;

/// How often `serve` reloads the signing keys of browser tokens from the database, so a
/// `signing-key revoke` run by another process (the CLI) takes effect within this interval.
/// Keys made or revoked through this server's admin API take effect at once.
pub const KEYRING_REFRESH: Duration = Duration::from_secs(5);

/// The service as wired in production.
pub type ProductionService = Service<Arc<HyperJira<AnyStore>>, AnyStore, AnyCache>;

/// Runs the server until SIGINT or SIGTERM, then drains in-flight requests for at most
/// `SHUTDOWN_GRACE_SECONDS`.
pub async fn serve(database_url: &str, args: ServeArgs) -> Result<(), CliError> {
    telemetry::init(args.log_format);
    let service = build(database_url, &args).await?;
    let listener = TcpListener::bind(args.listen_addr)
        .await
        .map_err(|e| CliError::Failure(format!("cannot listen on {}: {e}", args.listen_addr)))?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::Failure(format!("cannot read the listening address: {e}")))?;
    tracing::info!(
        addr = %local,
        cache = domain::SearchCache::kind(service.search().cache()),
        "listening on http://{local}"
    );
    let settings = ServingSettings {
        header_read_timeout: Duration::from_secs(args.header_read_timeout_seconds),
        max_connections: args.max_connections as usize,
        shutdown_grace: Duration::from_secs(args.shutdown_grace_seconds),
    };
    service
        .serve_until(listener, settings, shutdown_signal())
        .await;
    Ok(())
}

/// The composition root: every production adapter built from the configuration.
async fn build(database_url: &str, args: &ServeArgs) -> Result<ProductionService, CliError> {
    let key = crate::admin::secret_key_from_env()?;
    let sealed = key.is_some();
    let store = crate::admin::open_store(database_url, key).await?;
    // Fail fast, before listening, when stored secrets cannot be opened with this key.
    let report = store
        .secrets_report()
        .await
        .map_err(|e| CliError::Failure(format!("cannot start: {}", error_chain(&e))))?;
    if !sealed {
        tracing::warn!(
            "SECRET_KEY is not set: Jira credentials are stored in plain text in the database (see docs/operations.md)"
        );
    } else if report.plain > 0 {
        tracing::warn!(
            plain = report.plain,
            "some stored secrets (of integrations, apps or connections) are still in plain text: run `jira-search secret-key rotate` to seal them"
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
    let connect = crate::connect_config::settings(args)?;
    let cors = crate::http::cors::Cors::from_settings(
        &args.cors_allowed_origins,
        args.cors_max_age_seconds,
    )
    .map_err(CliError::Usage)?;
    let metrics = Metrics::new();
    let jira_config = JiraHttpConfig {
        timeout: Duration::from_secs(args.jira_timeout_seconds),
        guard: GuardSettings {
            max_concurrent: args.jira_max_concurrency as usize,
            breaker_failures: args.jira_breaker_failures,
            breaker_cooldown: Duration::from_secs(args.jira_breaker_cooldown_seconds),
        },
        ..JiraHttpConfig::default()
    };
    let consent =
        ConsentClient::new(jira_config.clone()).map_err(|e| CliError::Failure(e.to_string()))?;
    // One Jira client for searches and `check`: a rotating refresh token has one owner.
    let jira = Arc::new(
        HyperJira::with_credential_updates(jira_config, store.clone())
            .map_err(|e| CliError::Failure(e.to_string()))?
            .with_observer(metrics.jira()),
    );
    let keyring = keyring(&store).await?;
    let admin = crate::api::AdminApi::new(store.clone(), jira.clone(), consent, connect)
        .with_keyring(keyring.clone());
    let search = SearchService::new(jira, store, cache, settings).with_keyring(keyring);
    Ok(Service::with_metrics(search, metrics)
        .with_admin(Arc::new(admin))
        .with_cors(cors))
}

/// The keyring of browser tokens: loaded now (a failure stops the start, as an unreadable
/// secret does), then reloaded every [`KEYRING_REFRESH`] on a task of its own. A failed
/// reload is logged and keeps the keys held.
async fn keyring(store: &AnyStore) -> Result<Arc<Keyring>, CliError> {
    let keyring = Arc::new(Keyring::new(unix_now));
    let n = keyring
        .reload(store)
        .await
        .map_err(|e| CliError::Failure(format!("cannot start: {}", error_chain(&e))))?;
    tracing::debug!(signing_keys = n, "browser token keyring loaded");
    let (held, store) = (keyring.clone(), store.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(KEYRING_REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = held.reload(&store).await {
                tracing::warn!(
                    error = %error_chain(&e),
                    "cannot reload the signing keys of browser tokens; keeping those held"
                );
            }
        }
    });
    Ok(keyring)
}

/// Seconds since the Unix epoch, by the system's clock.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
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
