//! Rate-limit headers: the wait a 429 or 503 asks for (`Retry-After` in seconds or as an HTTP
//! date, Jira Cloud's `X-RateLimit-Reset`), its jitter, and whether a retry after it fits the
//! deadline (`jira_http::errors::{retry_after_at, jittered, retry_fits}`).
//!
//! Input: lines `Retry-After` value, `X-RateLimit-Reset` value, the clock in seconds since
//! the Unix epoch, the deadline in milliseconds from now; a missing line is an absent header
//! (or 2024-05-14T12:00:00Z, or 10 s). Checks: a number of seconds is
//! read exactly; a date in the past is "now"; jitter never shortens a wait nor adds more than
//! a fifth; a retry fits only when it starts before the deadline.
#![no_main]

use std::time::{Duration, SystemTime};

use hyper::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use jira_http::errors::{jittered, retry_after_at, retry_fits};
use libfuzzer_sys::fuzz_target;

/// 2024-05-14T12:00:00Z.
const NOW: u64 = 1_715_688_000;

fuzz_target!(|data: &[u8]| {
    let mut lines = data.split(|&b| b == b'\n');
    let (retry_after, reset) = (lines.next(), lines.next());
    let number = |line: Option<&[u8]>| {
        line.and_then(|l| std::str::from_utf8(l).ok())
            .and_then(|l| l.trim().parse::<u32>().ok())
    };
    let now = number(lines.next()).map_or(NOW, u64::from);
    let deadline_ms = number(lines.next()).map_or(10_000, u64::from);
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(now);
    let mut headers = HeaderMap::new();
    for (name, value) in [
        (RETRY_AFTER.as_str(), retry_after),
        ("x-ratelimit-reset", reset),
    ] {
        // Bytes no header can hold never reach the client.
        if let Some(Ok(value)) = value.map(HeaderValue::from_bytes) {
            headers.insert(name, value);
        }
    }
    let wait = retry_after_at(&headers, now);
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if let Some(secs) = retry_after.and_then(|v| v.parse::<u64>().ok()) {
        assert_eq!(
            wait,
            Some(Duration::from_secs(secs)),
            "seconds read exactly"
        );
    }
    if let Some(date) = retry_after.and_then(|v| httpdate::parse_http_date(v).ok()) {
        if retry_after.and_then(|v| v.parse::<u64>().ok()).is_none() {
            let want = date.duration_since(now).unwrap_or_default();
            assert_eq!(wait, Some(want), "a date is the time until it, or now");
        }
    }
    if headers.is_empty() {
        assert_eq!(wait, None);
    }
    let Some(wait) = wait else { return };

    let grown = jittered(wait);
    assert!(grown >= wait, "jitter shortened {wait:?} to {grown:?}");
    if grown != Duration::MAX {
        let most = wait.as_secs_f64() * 1.2;
        assert!(
            grown.as_secs_f64() <= most + most * 1e-9 + 1e-9,
            "jitter grew {wait:?} to {grown:?}"
        );
    }

    let start = tokio::time::Instant::now();
    let deadline = start + Duration::from_millis(deadline_ms);
    for w in [wait, grown] {
        let fits = retry_fits(start, w, deadline);
        let starts = start.checked_add(w);
        assert_eq!(fits, starts.is_some_and(|at| at < deadline), "{w:?}");
    }
});
