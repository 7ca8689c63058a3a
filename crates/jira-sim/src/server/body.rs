//! Reading request bodies (control routes, the token endpoint, the authorization servers'
//! forms), with a size limit.

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::Request;

/// Largest request body read.
const MAX_BODY: usize = 1 << 20;

/// The whole body, or why it could not be read (`cannot read body: ...`).
pub(super) async fn read_body(body: Incoming) -> Result<Bytes, String> {
    Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|e| format!("cannot read body: {e}"))
}

/// The decoded pairs of a `application/x-www-form-urlencoded` POST body; nothing for another
/// method, another content type, or a body that cannot be read.
pub(super) async fn read_form(req: Request<Incoming>) -> Vec<(String, String)> {
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        });
    if req.method() != hyper::Method::POST || !is_form {
        return Vec::new();
    }
    match read_body(req.into_body()).await {
        Ok(body) => url::form_urlencoded::parse(&body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        Err(_) => Vec::new(),
    }
}
