//! [`HyperJira`], the domain's [`JiraApi`] port: the guard, the retries and the deadline
//! around each attempt (crates/jira-http/src/attempt.rs makes one authenticated GET).

use std::sync::Arc;
use std::time::Duration;

use domain::ports::CredentialUpdates;
use domain::{Integration, IntegrationId, JiraApi, JiraError, JiraRequest, Secret, StoreError};

use crate::attempt::{Attempt, Attempter};
use crate::client::{self, HttpsClient};
use crate::config::{JiraHttpConfig, JiraHttpError};
use crate::errors;
use crate::guard::{self, BreakerState, GuardSettings};
use crate::oauth1;
use crate::oauth2;
use crate::observer::{CallOutcome, JiraObserver, NoObserver};
use crate::tls;

/// Retries after a 429 or 503 that says when to come back.
const MAX_RETRIES: u32 = 2;

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

    async fn begin_renewal(
        &self,
        _integration: IntegrationId,
    ) -> Result<domain::ports::RenewalLease, StoreError> {
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
        let timeout = config.timeout;
        Ok(HyperJira {
            verifying: client::build(tls::verifying_config()?, config.timeout),
            insecure: client::build(tls::insecure_config()?, config.timeout),
            guards: Arc::new(guard::Guards::new(config.guard)),
            config,
            oauth1_keys: Arc::default(),
            oauth2: Arc::new(oauth2::TokenManager::new(observer.clone()).with_timeout(timeout)),
            updates,
            observer,
        })
    }

    /// Reports calls, retries, renewals and breaker changes to `observer` (metrics).
    #[must_use]
    pub fn with_observer(mut self, observer: Arc<dyn JiraObserver>) -> Self {
        self.oauth2 =
            Arc::new(oauth2::TokenManager::new(observer.clone()).with_timeout(self.config.timeout));
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

    /// What attempts at calls to `integration` need.
    fn attempter(&self, integration: &Integration) -> Attempter<'_, U> {
        Attempter {
            http: self.http_for(integration),
            user_agent: &self.config.user_agent,
            oauth1_keys: &self.oauth1_keys,
            oauth2: &self.oauth2,
            updates: self.updates.as_ref(),
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
        let attempter = self.attempter(integration);
        let mut retries = 0;
        loop {
            let Attempt {
                result,
                retry_after,
            } = tokio::time::timeout_at(deadline, attempter.call(integration, request))
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
            if !errors::retry_fits(tokio::time::Instant::now(), wait, deadline) {
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
