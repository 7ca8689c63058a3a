//! The domain's [`JiraApi`] port over hyper-util's pooled client and rustls.
//!
//! One module per concern: [`url`] builds request URLs, [`auth`] turns credentials into an
//! `Authorization` header per request (with [`oauth1`], [`connect_jwt`] and the OAuth 2.0 token
//! manager in [`oauth2`]), [`tls`] builds the two TLS configurations (verifying, and not
//! verifying for Server instances added with `--no-verify-tls`), [`errors`] reads Jira's
//! error bodies, which are often not JSON.

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
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{HeaderValue, ACCEPT, AUTHORIZATION, USER_AGENT};
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

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

/// The [`CredentialUpdates`] of a client built without a store: it cannot persist a rotated
/// refresh token, so OAuth 2.0 renewals fail loudly instead of losing the grant.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCredentialUpdates;

impl CredentialUpdates for NoCredentialUpdates {
    async fn save_refresh_token(
        &self,
        _integration: IntegrationId,
        _refresh_token: &Secret,
    ) -> Result<(), StoreError> {
        Err(StoreError(
            "this Jira client has no credential store, so a rotated OAuth 2.0 refresh token cannot be persisted"
                .to_owned(),
        ))
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
    updates: Arc<U>,
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
        Self::with_credential_updates(config, NoCredentialUpdates)
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
        let observer: Arc<dyn JiraObserver> = Arc::new(NoObserver);
        Ok(HyperJira {
            verifying: client(tls::verifying_config()?, config.timeout),
            insecure: client(tls::insecure_config()?, config.timeout),
            guards: Arc::new(guard::Guards::new(config.guard)),
            config,
            oauth1_keys: Arc::default(),
            oauth2: Arc::new(oauth2::TokenManager::new(observer.clone())),
            updates: Arc::new(updates),
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

impl<U: CredentialUpdates> HyperJira<U> {
    /// One authenticated attempt. `retry_after` receives the wait a 429 or 503 asked for.
    async fn call(
        &self,
        integration: &Integration,
        request: &JiraRequest,
        retry_after: &mut Option<Duration>,
    ) -> Result<serde_json::Value, JiraError> {
        let Some(grant) = oauth2::Grant::of(integration) else {
            let target = auth::RequestTarget {
                method: Method::GET.as_str(),
                base: &integration.base_url,
                request,
            };
            let auth =
                auth::authorization_for(&integration.credentials, target, &self.oauth1_keys)?;
            return self.send(integration, request, auth, retry_after).await;
        };
        if std::any::TypeId::of::<U>() == std::any::TypeId::of::<NoCredentialUpdates>() {
            // Fail before the token endpoint rotates a refresh token nobody could save.
            return Err(JiraError::Config(
                "OAuth 2.0 needs a credential store to persist rotated refresh tokens, and this Jira client has no credential store"
                    .to_owned(),
            ));
        }
        let http = self.http_for(integration);
        let ua = &self.config.user_agent;
        let token = self
            .oauth2
            .access_token(http, ua, &grant, &self.updates, None)
            .await?;
        match self
            .send(integration, request, auth::bearer(&token)?, retry_after)
            .await
        {
            // The token died early (revoked, expired server-side): renew once and retry once.
            Err(JiraError::Status { status: 401, .. }) => {
                let token = self
                    .oauth2
                    .access_token(http, ua, &grant, &self.updates, Some(&token))
                    .await?;
                self.send(integration, request, auth::bearer(&token)?, retry_after)
                    .await
            }
            other => other,
        }
    }

    async fn send(
        &self,
        integration: &Integration,
        request: &JiraRequest,
        auth: HeaderValue,
        retry_after: &mut Option<Duration>,
    ) -> Result<serde_json::Value, JiraError> {
        let uri = url::request_url(&integration.base_url, request);
        let host = url::host_of(&integration.base_url);
        let req = Request::builder()
            .method(Method::GET)
            .uri(&uri)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(
                USER_AGENT,
                HeaderValue::from_str(&self.config.user_agent)
                    .unwrap_or_else(|_| HeaderValue::from_static("jira-search")),
            )
            .header(AUTHORIZATION, auth)
            .body(Full::new(Bytes::new()))
            .map_err(|e| JiraError::Config(format!("cannot build a request to {host}: {e}")))?;
        let unreachable = |detail: String| JiraError::Unreachable {
            host: host.clone(),
            detail,
        };
        let response = self
            .http_for(integration)
            .request(req)
            .await
            .map_err(|e| unreachable(errors::describe_client_error(&e)))?;
        let status = response.status();
        if status.as_u16() == 429 || status.as_u16() == 503 {
            *retry_after = errors::retry_after(response.headers());
        }
        let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| unreachable(format!("reading the answer failed: {e}")))?
            .to_bytes();
        if status.is_success() {
            serde_json::from_slice(&body).map_err(|e| {
                JiraError::InvalidBody(format!(
                    "HTTP {} with a body that is not JSON: {e}",
                    status.as_u16()
                ))
            })
        } else {
            Err(errors::status_error(status, &body))
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
        let (result, outcome) = self.guarded(integration, request, &endpoint).await;
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

impl<U: CredentialUpdates> HyperJira<U> {
    /// The call behind the integration's breaker and slots, within one deadline.
    async fn guarded(
        &self,
        integration: &Integration,
        request: &JiraRequest,
        endpoint: &str,
    ) -> (Result<serde_json::Value, JiraError>, CallOutcome) {
        // One deadline for the whole call: waiting for a slot, retries included.
        let deadline = tokio::time::Instant::now() + self.config.timeout;
        let guard = self.guards.of(integration.id);
        let (admission, change) = guard.admit();
        self.breaker_changed(integration, change);
        let ticket = match admission {
            guard::Admission::Call(ticket) => ticket,
            guard::Admission::Reject(e) => return (Err(e), CallOutcome::BreakerOpen),
        };
        let Some(_slot) = guard.slot(deadline).await else {
            tracing::warn!(
                integration = integration.id.0,
                limit = self.guards.settings().max_concurrent,
                "every slot of this integration stayed busy until the deadline"
            );
            // Not Jira's answer: the breaker is not told.
            drop(ticket);
            return (Err(JiraError::Timeout), CallOutcome::QueueTimeout);
        };
        let result = self
            .with_retries(integration, request, endpoint, deadline)
            .await;
        let change = ticket.report(&result);
        self.breaker_changed(integration, change);
        let outcome = CallOutcome::of(&result);
        (result, outcome)
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
            let mut retry_after = None;
            let result = tokio::time::timeout_at(
                deadline,
                self.call(integration, request, &mut retry_after),
            )
            .await
            .unwrap_or(Err(JiraError::Timeout));
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
