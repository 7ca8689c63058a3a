//! One attempt at a call: authenticate (OAuth 2.0 through the token manager, every other
//! scheme through [`crate::auth`]), send the GET, read the answer. Retries, the deadline and
//! the guard are the caller's (`with_retries` and `guarded` in
//! crates/jira-http/src/hyper_jira.rs). An [`Attempter`] borrows from the client only what an
//! attempt needs.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use domain::ports::CredentialUpdates;
use domain::{Integration, JiraError, JiraRequest};
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{HeaderValue, ACCEPT, AUTHORIZATION, USER_AGENT};
use hyper::{Method, Request};

use crate::auth;
use crate::client::{HttpsClient, MAX_BODY_BYTES};
use crate::errors;
use crate::oauth1;
use crate::oauth2;
use crate::url;

/// One attempt at a call: Jira's answer, and the wait it asked for when it answered 429 or
/// 503 (`Retry-After`, `X-RateLimit-Reset`).
pub(crate) struct Attempt {
    pub(crate) result: Result<serde_json::Value, JiraError>,
    pub(crate) retry_after: Option<Duration>,
}

impl Attempt {
    /// A failure before Jira answered (credentials, the token endpoint): nothing to wait for.
    pub(crate) fn failed(e: JiraError) -> Self {
        Self {
            result: Err(e),
            retry_after: None,
        }
    }
}

/// What attempts at calls to one integration need from the client.
pub(crate) struct Attempter<'a, U> {
    /// The pooled client for the integration (verifying TLS or not).
    pub(crate) http: &'a HttpsClient,
    /// Sent as `User-Agent`.
    pub(crate) user_agent: &'a str,
    /// Parsed OAuth 1.0a signing keys.
    pub(crate) oauth1_keys: &'a oauth1::KeyCache,
    /// The OAuth 2.0 access tokens.
    pub(crate) oauth2: &'a oauth2::TokenManager,
    /// Where rotated OAuth 2.0 refresh tokens are saved; `None` refuses OAuth 2.0.
    pub(crate) updates: Option<&'a Arc<U>>,
}

impl<U: CredentialUpdates> Attempter<'_, U> {
    /// One authenticated attempt.
    pub(crate) async fn call(&self, integration: &Integration, request: &JiraRequest) -> Attempt {
        match oauth2::Grant::of(integration) {
            Some(grant) => self
                .call_with_oauth2(integration, request, &grant)
                .await
                .unwrap_or_else(Attempt::failed),
            None => {
                let target = auth::RequestTarget {
                    method: Method::GET.as_str(),
                    base: &integration.base_url,
                    request,
                };
                match auth::authorization_for(&integration.credentials, target, self.oauth1_keys) {
                    Ok(auth) => self.send(integration, request, auth).await,
                    Err(e) => Attempt::failed(e),
                }
            }
        }
    }

    /// One attempt with an OAuth 2.0 access token. `Err` when no token could be had; a token
    /// Jira refuses (401) is renewed once and the request sent once more.
    async fn call_with_oauth2(
        &self,
        integration: &Integration,
        request: &JiraRequest,
        grant: &oauth2::Grant<'_>,
    ) -> Result<Attempt, JiraError> {
        let Some(updates) = self.updates else {
            // Fail before the token endpoint rotates a refresh token nobody could save.
            return Err(JiraError::Config(
                "OAuth 2.0 needs a credential store to persist rotated refresh tokens, and this Jira client has no credential store"
                    .to_owned(),
            ));
        };
        let http = self.http;
        let ua = self.user_agent;
        let token = self
            .oauth2
            .access_token(http, ua, grant, updates, None)
            .await?;
        let attempt = self.send(integration, request, auth::bearer(&token)?).await;
        if !matches!(attempt.result, Err(JiraError::Status { status: 401, .. })) {
            return Ok(attempt);
        }
        // The token died early (revoked, expired server-side): renew once and retry once.
        let token = self
            .oauth2
            .access_token(http, ua, grant, updates, Some(&token))
            .await?;
        Ok(self.send(integration, request, auth::bearer(&token)?).await)
    }

    async fn send(
        &self,
        integration: &Integration,
        request: &JiraRequest,
        auth: HeaderValue,
    ) -> Attempt {
        let uri = url::request_url(&integration.base_url, request);
        let host = integration.base_url.host();
        let req = Request::builder()
            .method(Method::GET)
            .uri(&uri)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(
                USER_AGENT,
                HeaderValue::from_str(self.user_agent)
                    .unwrap_or_else(|_| HeaderValue::from_static("jira-search")),
            )
            .header(AUTHORIZATION, auth)
            .body(Full::new(Bytes::new()));
        let req = match req {
            Ok(req) => req,
            Err(e) => {
                return Attempt::failed(JiraError::Config(format!(
                    "cannot build a request to {host}: {e}"
                )))
            }
        };
        let unreachable = |detail: String| JiraError::Unreachable {
            host: host.to_owned(),
            detail,
        };
        let response = match self.http.request(req).await {
            Ok(response) => response,
            Err(e) => return Attempt::failed(unreachable(errors::describe_client_error(&e))),
        };
        let status = response.status();
        let retry_after = match status.as_u16() {
            429 | 503 => errors::retry_after(response.headers()),
            _ => None,
        };
        let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| unreachable(format!("reading the answer failed: {e}")))
            .map(|collected| collected.to_bytes());
        let result = body.and_then(|body| {
            if status.is_success() {
                serde_json::from_slice(&body).map_err(|e| {
                    JiraError::InvalidBody(format!(
                        "HTTP {} with a body that is not JSON: {e}",
                        status.as_u16()
                    ))
                })
            } else {
                Err(JiraError::from_error_answer(status.as_u16(), &body))
            }
        });
        Attempt {
            result,
            retry_after,
        }
    }
}
