//! An answer before it becomes an HTTP response, and the content types Jira uses.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::CONTENT_TYPE;
use hyper::Response;
use serde_json::{json, Value};

/// Jira's usual JSON content type.
pub(crate) const JSON: &str = "application/json;charset=UTF-8";
/// Jira's HTML content type.
pub(crate) const HTML: &str = "text/html;charset=UTF-8";
/// Plain text.
pub(crate) const TEXT: &str = "text/plain;charset=UTF-8";

/// An answer before it becomes an HTTP response.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
}

impl Reply {
    pub(crate) fn new(status: u16, content_type: Option<&str>, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            content_type: content_type.map(str::to_string),
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub(crate) fn json(status: u16, value: &Value) -> Self {
        Self::new(status, Some(JSON), value.to_string())
    }

    /// Jira's error collection: `{"errorMessages":[..],"errors":{}}`.
    pub(crate) fn errors(status: u16, message: impl Into<String>) -> Self {
        Self::json(
            status,
            &json!({"errorMessages": [message.into()], "errors": {}}),
        )
    }

    pub(crate) fn empty(status: u16) -> Self {
        Self::new(status, None, Bytes::new())
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// The HTTP response; a 500 naming the problem when a header (from a fault) is invalid.
    pub(crate) fn into_response(self) -> Response<Full<Bytes>> {
        let mut builder = Response::builder().status(self.status);
        if let Some(ct) = &self.content_type {
            builder = builder.header(CONTENT_TYPE, ct.as_str());
        }
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder.body(Full::new(self.body)).unwrap_or_else(|e| {
            let mut response = Response::new(Full::new(Bytes::from(format!(
                "jira-sim: invalid fault response: {e}"
            ))));
            *response.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
            response
        })
    }
}
