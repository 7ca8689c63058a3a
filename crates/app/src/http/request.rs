//! What every answer of the HTTP layer shares: the request id, the bearer token, the bound on
//! request targets, and HEAD's answer made from GET's.

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Body;
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_LENGTH};
use hyper::{Request, Response};

/// Longest request target (path and query) served; longer ones get 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The request's bearer token, if any.
pub(super) fn bearer<B>(req: &Request<B>) -> Option<String> {
    req.headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| rest.trim().to_owned())
        })
        .filter(|t| !t.is_empty())
}

/// The request id header, accepted from the caller or generated, and returned.
pub(super) const X_REQUEST_ID: &str = "x-request-id";

/// The caller's `X-Request-Id` when it is 1 to 128 visible ASCII characters, else a new
/// random one (32 hex digits), so a log line can be tied to what the caller saw.
pub(super) fn request_id<B>(req: &Request<B>) -> String {
    req.headers()
        .get(X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{:032x}", rand::random::<u128>()))
}

/// The answer to a HEAD request: GET's status and headers, with `Content-Length` the length
/// of GET's body, and no body.
pub(super) fn without_body(response: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    let (mut parts, body) = response.into_parts();
    if let Some(len) = body.size_hint().exact() {
        parts.headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    }
    Response::from_parts(parts, Full::new(Bytes::new()))
}
