//! The domain's [`JiraApi`] port over hyper-util's pooled client and rustls.
//!
//! One module per concern: `attempt` makes one authenticated GET (this file adds the guard,
//! the retries and the deadline around it), [`url`] builds request URLs, [`auth`] turns
//! credentials into an `Authorization` header per request (with [`oauth1`], [`connect_jwt`]
//! and the OAuth 2.0 token manager in [`oauth2`]), [`tls`] builds the two TLS configurations
//! (verifying, and not verifying for Server instances added with `--no-verify-tls`),
//! [`errors`] reads the wait a 429 or 503 asks for and describes client errors. Jira's error
//! bodies, which are often not JSON, are read by the domain (`JiraError::from_error_answer`).

mod attempt;
pub mod auth;
pub mod connect_jwt;
pub mod errors;
pub mod guard;
pub mod oauth1;
pub mod oauth2;
pub mod observer;
pub mod tls;
pub mod url;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use domain::ports::CredentialUpdates;
use domain::{Integration, IntegrationId, JiraApi, JiraError, JiraRequest, Secret, StoreError};
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use attempt::Attempt;
pub use guard::{BreakerState, GuardSettings};
pub use observer::{CallOutcome, JiraObserver, NoObserver};

/// Retries after a 429 or 503 that says when to come back.
const MAX_RETRIES: u32 = 2;

/// Largest Jira answer read, so a misbehaving server cannot exhaust memory.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Settings of the Jira client.
#[derive(Debug, Clone)]
pub struct JiraHttpConfig {
    /// Overall deadline of one call: connect, send, and read the whole body
    /// (`JIRA_TIMEOUT_SECONDS`).
    pub timeout: Duration,
    /// Sent as `User-Agent`.
    pub user_agent: String,
    /// The per-integration limit on concurrent calls and the breaker.
    pub guard: GuardSettings,
}

impl Default for JiraHttpConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            user_agent: concat!("jira-search/", env!("CARGO_PKG_VERSION")).to_owned(),
            guard: GuardSettings::default(),
        }
    }
}

/// Errors building the client.
#[derive(Debug, thiserror::Error)]
pub enum JiraHttpError {
    /// The TLS configuration could not be built.
    #[error("TLS setup failed: {0}")]
    Tls(#[from] rustls::Error),
}

pub(crate) type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The credential store type of a client built with [`HyperJira::new`], which has none. It
/// has no values, so no such store can be handed to [`HyperJira::with_credential_updates`]:
/// a client of this type never holds a store, and fails OAuth 2.0 integrations before their
/// token endpoint rotates a refresh token nobody could save.
#[derive(Debug, Clone, Copy)]
pub enum NoCredentialUpdates {}

impl CredentialUpdates for NoCredentialUpdates {
    async fn save_refresh_token(
        &self,
        _integration: IntegrationId,
        _refresh_token: &Secret,
    ) -> Result<(), StoreError> {
        match *self {}
    }
}

/// Calls Jira over HTTP/1.1 or HTTP/2 (negotiated by ALPN), with pooled connections per
/// host and a deadline on every call. `U` saves rotated OAuth 2.0 refresh tokens.
pub struct HyperJira<U = NoCredentialUpdates> {
    verifying: HttpsClient,
    insecure: HttpsClient,
    config: JiraHttpConfig,
    oauth1_keys: Arc<oauth1::KeyCache>,
    oauth2: Arc<oauth2::TokenManager>,
    /// Where rotated OAuth 2.0 refresh tokens are saved; `None` for a client built with
    /// [`HyperJira::new`], which refuses OAuth 2.0 integrations.
    updates: Option<Arc<U>>,
    guards: Arc<guard::Guards>,
    observer: Arc<dyn JiraObserver>,
}

impl<U> Clone for HyperJira<U> {
    fn clone(&self) -> Self {
        Self {
            verifying: self.verifying.clone(),
            insecure: self.insecure.clone(),
            config: self.config.clone(),
            oauth1_keys: self.oauth1_keys.clone(),
            oauth2: self.oauth2.clone(),
            updates: self.updates.clone(),
            guards: self.guards.clone(),
            observer: self.observer.clone(),
        }
    }
}

impl<U> std::fmt::Debug for HyperJira<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperJira")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl HyperJira {
    /// Builds the client (no connection is made yet). OAuth 2.0 integrations fail with it:
    /// use [`HyperJira::with_credential_updates`] to persist rotated refresh tokens.
    ///
    /// # Errors
    /// [`JiraHttpError::Tls`] if the TLS configuration cannot be built.
    pub fn new(config: JiraHttpConfig) -> Result<Self, JiraHttpError> {
        Self::build(config, None)
    }
}

impl<U> HyperJira<U> {
    /// Builds the client; rotated OAuth 2.0 refresh tokens are saved through `updates`
    /// before the new access token is used.
    ///
    /// # Errors
    /// [`JiraHttpError::Tls`] if the TLS configuration cannot be built.
    pub fn with_credential_updates(
        config: JiraHttpConfig,
        updates: U,
    ) -> Result<HyperJira<U>, JiraHttpError> {
        Self::build(config, Some(Arc::new(updates)))
    }

    fn build(
        config: JiraHttpConfig,
        updates: Option<Arc<U>>,
    ) -> Result<HyperJira<U>, JiraHttpError> {
        let observer: Arc<dyn JiraObserver> = Arc::new(NoObserver);
        Ok(HyperJira {
            verifying: client(tls::verifying_config()?, config.timeout),
            insecure: client(tls::insecure_config()?, config.timeout),
            guards: Arc::new(guard::Guards::new(config.guard)),
            config,
            oauth1_keys: Arc::default(),
            oauth2: Arc::new(oauth2::TokenManager::new(observer.clone())),
            updates,
            observer,
        })
    }

    /// Reports calls, retries, renewals and breaker changes to `observer` (metrics).
    #[must_use]
    pub fn with_observer(mut self, observer: Arc<dyn JiraObserver>) -> Self {
        self.oauth2 = Arc::new(oauth2::TokenManager::new(observer.clone()));
        self.observer = observer;
        self
    }

    /// The per-integration limit and breaker settings in force.
    pub fn guard_settings(&self) -> GuardSettings {
        self.guards.settings()
    }

    /// The deadline of one call.
    pub fn timeout(&self) -> Duration {
        self.config.timeout
    }

    /// How many OAuth 2.0 access-token renewals this client (and its clones) made.
    pub fn oauth2_renewals(&self) -> u64 {
        self.oauth2.renewals()
    }

    fn http_for(&self, integration: &Integration) -> &HttpsClient {
        if integration.verify_tls {
            &self.verifying
        } else {
            &self.insecure
        }
    }
}

impl<U: CredentialUpdates> JiraApi for HyperJira<U> {
    async fn get_json(
        &self,
        integration: &Integration,
        request: &JiraRequest,
    ) -> Result<serde_json::Value, JiraError> {
        let started = std::time::Instant::now();
        let endpoint = request.endpoint();
        let GuardedCall { result, outcome } = self.guarded(integration, request, &endpoint).await;
        let elapsed = started.elapsed();
        self.observer
            .call_finished(integration.id, &endpoint, outcome, elapsed);
        tracing::debug!(
            integration = integration.id.0,
            endpoint = %endpoint,
            outcome = %outcome.label(),
            elapsed_ms = elapsed.as_millis() as u64,
            "jira call"
        );
        result
    }
}

/// How a call behind the guard ended: the caller's result and the outcome metrics report.
struct GuardedCall {
    result: Result<serde_json::Value, JiraError>,
    outcome: CallOutcome,
}

impl<U: CredentialUpdates> HyperJira<U> {
    /// The call behind the integration's breaker and slots, within one deadline.
    async fn guarded(
        &self,
        integration: &Integration,
        request: &JiraRequest,
        endpoint: &str,
    ) -> GuardedCall {
        // One deadline for the whole call: waiting for a slot, retries included.
        let deadline = tokio::time::Instant::now() + self.config.timeout;
        let guard = self.guards.of(integration.id);
        let decision = guard.admit();
        self.breaker_changed(integration, decision.breaker_change);
        let ticket = match decision.admission {
            guard::Admission::Call(ticket) => ticket,
            guard::Admission::Reject(e) => {
                return GuardedCall {
                    result: Err(e),
                    outcome: CallOutcome::BreakerOpen,
                }
            }
        };
        let Some(_slot) = guard.slot(deadline).await else {
            tracing::warn!(
                integration = integration.id.0,
                limit = self.guards.settings().max_concurrent,
                "every slot of this integration stayed busy until the deadline"
            );
            // Not Jira's answer: the breaker is not told.
            drop(ticket);
            return GuardedCall {
                result: Err(JiraError::Timeout),
                outcome: CallOutcome::QueueTimeout,
            };
        };
        let result = self
            .with_retries(integration, request, endpoint, deadline)
            .await;
        let change = ticket.report(&result);
        self.breaker_changed(integration, change);
        let outcome = CallOutcome::of(&result);
        GuardedCall { result, outcome }
    }

    fn breaker_changed(&self, integration: &Integration, change: Option<BreakerState>) {
        let Some(state) = change else { return };
        match state {
            BreakerState::Open => tracing::warn!(
                integration = integration.id.0,
                cooldown_s = self.guards.settings().breaker_cooldown.as_secs(),
                "Jira keeps failing: breaker open, calls fail at once until a probe succeeds"
            ),
            BreakerState::HalfOpen => {
                tracing::info!(
                    integration = integration.id.0,
                    "breaker half-open: probing Jira"
                )
            }
            BreakerState::Closed => {
                tracing::info!(
                    integration = integration.id.0,
                    "Jira answers again: breaker closed"
                )
            }
        }
        self.observer.breaker_changed(integration.id, state);
    }

    /// Attempts until success, a final failure, or the deadline. A 429 or 503 that says when
    /// to come back (`Retry-After`, `X-RateLimit-Reset`) is retried after that wait plus
    /// jitter when it fits in the deadline, at most [`MAX_RETRIES`] times; else it is the
    /// answer at once. Every attempt is signed afresh (OAuth 1.0a nonces are single-use).
    async fn with_retries(
        &self,
        integration: &Integration,
        request: &JiraRequest,
        endpoint: &str,
        deadline: tokio::time::Instant,
    ) -> Result<serde_json::Value, JiraError> {
        let mut retries = 0;
        loop {
            let Attempt {
                result,
                retry_after,
            } = tokio::time::timeout_at(deadline, self.call(integration, request))
                .await
                .unwrap_or_else(|_| Attempt::failed(JiraError::Timeout));
            let wait = match (&result, retry_after) {
                (
                    Err(JiraError::Status {
                        status: 429 | 503, ..
                    }),
                    Some(wait),
                ) if retries < MAX_RETRIES => errors::jittered(wait),
                _ => return result,
            };
            if tokio::time::Instant::now() + wait >= deadline {
                return result;
            }
            tracing::debug!(
                integration = integration.id.0,
                wait_ms = wait.as_millis() as u64,
                "Jira asked to retry later"
            );
            tokio::time::sleep(wait).await;
            self.observer.retried(integration.id, endpoint);
            retries += 1;
        }
    }
}

fn client(tls: rustls::ClientConfig, timeout: Duration) -> HttpsClient {
    let mut http = HttpConnector::new();
    // hyper-rustls decides the scheme; the plain connector must let https URLs through.
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(timeout));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    Client::builder(TokioExecutor::new())
        // Without a timer the idle timeout below does nothing.
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(64)
        .build(https)
}
