//! What a fault taken for a request does: an answer of its own, a held or a reset connection.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;

use super::reset::ConnControl;
use crate::fault::{Fault, FaultKind};
use crate::reply::{Reply, JSON};

/// Waits forever: the connection is held until the simulator shuts down and aborts it.
async fn hold_forever() -> Infallible {
    std::future::pending().await
}

/// The answer a fault gives, after its delay. `real_answer` gives the answer the request would
/// have had (a `MalformedJson` fault truncates it). Never returns for `NeverAnswer` and
/// `ResetConnection`.
pub(super) async fn apply_fault(
    fault: Fault,
    control: &ConnControl,
    real_answer: impl FnOnce() -> Reply,
) -> Reply {
    if fault.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
    }
    match fault.kind {
        FaultKind::Respond => {
            let mut reply = Reply::new(fault.status, Some(&fault.content_type), fault.body);
            reply.headers = fault.headers;
            reply
        }
        FaultKind::NeverAnswer => match hold_forever().await {},
        FaultKind::ResetConnection => {
            control.reset();
            match hold_forever().await {}
        }
        FaultKind::MalformedJson => {
            let body = if fault.body.is_empty() {
                truncate_json(&real_answer().body)
            } else {
                Bytes::from(fault.body)
            };
            let mut reply = Reply::new(200, Some(JSON), body);
            reply.headers = fault.headers;
            reply
        }
    }
}

/// Cuts a JSON body about in half, on a character boundary, so it can no longer parse.
fn truncate_json(body: &[u8]) -> Bytes {
    let text = String::from_utf8_lossy(body);
    // Half of anything of two bytes or more is a strict, non-empty prefix.
    let mut cut = text.len() / 2;
    while cut > 0 && !text.is_char_boundary(cut) {
        cut -= 1;
    }
    Bytes::from(text[..cut].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_json_does_not_parse() {
        for body in [
            &b"[]"[..],
            b"{}",
            br#"[{"name":"Zo\xc3\xab"}]"#,
            b"{\"a\":1}",
        ] {
            let cut = truncate_json(body);
            assert!(cut.len() < body.len());
            assert!(serde_json::from_slice::<serde_json::Value>(&cut).is_err());
        }
    }
}
