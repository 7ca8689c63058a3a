//! One small call to an authorization server (an OAuth 2.0 token endpoint, Atlassian's
//! accessible-resources, Jira's OAuth 1.0a servlets), as the token manager ([`crate::oauth2`])
//! and the consent client (`consent`) make it: sent once over the pooled client, no redirect
//! followed (hyper-util's client follows none: a 3xx is the answer), the answer read up to
//! [`MAX_ANSWER_BYTES`]. The deadline is the caller's.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use hyper::{Method, Request, StatusCode};

use crate::client::HttpsClient;
use crate::errors;

/// Largest answer read from an authorization server: its answers are a few hundred bytes.
pub(crate) const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// What a call sends.
pub(crate) enum Body {
    /// Nothing (`Content-Length: 0`, no `Content-Type`).
    Empty,
    /// `application/x-www-form-urlencoded`, already encoded.
    Form(String),
    /// `application/json`, already serialized.
    Json(String),
}

/// One call to an authorization server.
pub(crate) struct Call<'a> {
    /// GET or POST.
    pub(crate) method: Method,
    /// The whole URL.
    pub(crate) url: &'a str,
    /// Sent as `User-Agent`.
    pub(crate) user_agent: &'a str,
    /// Sent as `Authorization` (marked sensitive by whoever made it).
    pub(crate) authorization: Option<HeaderValue>,
    /// Whether the answer is expected as JSON (`Accept: application/json`).
    pub(crate) accept_json: bool,
    /// The body.
    pub(crate) body: Body,
}

/// What the server answered.
pub(crate) struct Answer {
    /// The status (a 3xx too: redirects are not followed).
    pub(crate) status: StatusCode,
    /// The whole body, at most [`MAX_ANSWER_BYTES`].
    pub(crate) body: Bytes,
}

/// Why there is no answer. The messages name no URL, so no query text and no secret.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CallFailure {
    /// The URL (or a header) cannot make a request.
    #[error("the request could not be built")]
    BadRequest,
    /// No connection, or the request failed.
    #[error("{0}")]
    Unreachable(String),
    /// The answer's body broke off.
    #[error("reading the answer failed: {0}")]
    Read(String),
    /// The answer's body is larger than [`MAX_ANSWER_BYTES`].
    #[error("the answer is larger than {} KiB", MAX_ANSWER_BYTES / 1024)]
    TooLarge,
}

/// Sends `call` and reads the answer.
///
/// # Errors
/// [`CallFailure`].
pub(crate) async fn send(http: &HttpsClient, call: Call<'_>) -> Result<Answer, CallFailure> {
    let (content_type, body) = match call.body {
        Body::Empty => (None, Bytes::new()),
        Body::Form(form) => (Some("application/x-www-form-urlencoded"), Bytes::from(form)),
        Body::Json(json) => (Some("application/json"), Bytes::from(json)),
    };
    let mut req = Request::builder().method(call.method).uri(call.url).header(
        USER_AGENT,
        HeaderValue::from_str(call.user_agent)
            .unwrap_or_else(|_| HeaderValue::from_static("jira-search")),
    );
    if call.accept_json {
        req = req.header(ACCEPT, HeaderValue::from_static("application/json"));
    }
    if let Some(content_type) = content_type {
        req = req.header(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    if let Some(authorization) = call.authorization {
        req = req.header(AUTHORIZATION, authorization);
    }
    let req = req
        .body(Full::new(body))
        .map_err(|_| CallFailure::BadRequest)?;
    let response = http
        .request(req)
        .await
        .map_err(|e| CallFailure::Unreachable(errors::describe_client_error(&e)))?;
    let status = response.status();
    let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<LengthLimitError>().is_some() {
                CallFailure::TooLarge
            } else {
                CallFailure::Read(domain::error_chain(&*e))
            }
        })?
        .to_bytes();
    Ok(Answer { status, body })
}
