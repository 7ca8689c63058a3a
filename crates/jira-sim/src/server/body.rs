//! Reading request bodies (control routes, the token endpoint), with a size limit.

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

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
