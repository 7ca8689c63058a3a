//! The domain's [`JiraApi`] port over hyper-util's pooled client and rustls.
//!
//! One module per concern: [`url`] builds request URLs, [`auth`] turns credentials into an
//! `Authorization` header, [`tls`] builds the two TLS configurations (verifying, and not
//! verifying for Server instances added with `--no-verify-tls`), [`errors`] reads Jira's
//! error bodies, which are often not JSON.

pub mod auth;
pub mod errors;
pub mod tls;
pub mod url;

use std::time::Duration;

use bytes::Bytes;
use domain::{Integration, JiraApi, JiraError, JiraRequest};
use http_body_util::{BodyExt, Empty, Limited};
use hyper::header::{HeaderValue, ACCEPT, AUTHORIZATION, USER_AGENT};
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

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
}

impl Default for JiraHttpConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            user_agent: concat!("jira-search/", env!("CARGO_PKG_VERSION")).to_owned(),
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

type HttpsClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// Calls Jira over HTTP/1.1 or HTTP/2 (negotiated by ALPN), with pooled connections per
/// host and a deadline on every call.
#[derive(Clone)]
pub struct HyperJira {
    verifying: HttpsClient,
    insecure: HttpsClient,
    config: JiraHttpConfig,
}

impl std::fmt::Debug for HyperJira {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperJira")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl HyperJira {
    /// Builds the client (no connection is made yet).
    ///
    /// # Errors
    /// [`JiraHttpError::Tls`] if the TLS configuration cannot be built.
    pub fn new(config: JiraHttpConfig) -> Result<Self, JiraHttpError> {
        Ok(Self {
            verifying: client(tls::verifying_config()?, config.timeout),
            insecure: client(tls::insecure_config()?, config.timeout),
            config,
        })
    }

    /// The deadline of one call.
    pub fn timeout(&self) -> Duration {
        self.config.timeout
    }

    async fn call(
        &self,
        integration: &Integration,
        request: &JiraRequest,
    ) -> Result<serde_json::Value, JiraError> {
        let uri = url::request_url(&integration.base_url, request);
        let host = url::host_of(&integration.base_url);
        let mut auth = auth::authorization(&integration.credentials)?;
        auth.set_sensitive(true);
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
            .body(Empty::new())
            .map_err(|e| JiraError::Config(format!("cannot build a request to {host}: {e}")))?;
        let client = if integration.verify_tls {
            &self.verifying
        } else {
            &self.insecure
        };
        let unreachable = |detail: String| JiraError::Unreachable {
            host: host.clone(),
            detail,
        };
        let response = client
            .request(req)
            .await
            .map_err(|e| unreachable(errors::describe_client_error(&e)))?;
        let status = response.status();
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

impl JiraApi for HyperJira {
    async fn get_json(
        &self,
        integration: &Integration,
        request: &JiraRequest,
    ) -> Result<serde_json::Value, JiraError> {
        let started = std::time::Instant::now();
        let result = tokio::time::timeout(self.config.timeout, self.call(integration, request))
            .await
            .unwrap_or(Err(JiraError::Timeout));
        tracing::debug!(
            integration = integration.id.0,
            path = %request.path(),
            ok = result.is_ok(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "jira call"
        );
        result
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
