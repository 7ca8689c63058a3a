//! How a failed call is read beyond its body: the wait a 429 or 503 asks for, and what a
//! client error says. Jira's error bodies (JSON error collections, HTML pages) are read by
//! `JiraError::from_error_answer` in crates/domain/src/ports/jira.rs.

/// The wait a 429 or 503 asks for: `Retry-After` in seconds or as an HTTP date, else Jira
/// Cloud's `X-RateLimit-Reset` (an ISO 8601 instant). `None` when neither says (the call then
/// fails at once). A date in the past means "now".
pub fn retry_after(headers: &hyper::HeaderMap) -> Option<std::time::Duration> {
    retry_after_at(headers, std::time::SystemTime::now())
}

/// [`retry_after`] as seen at `now`.
pub fn retry_after_at(
    headers: &hyper::HeaderMap,
    now: std::time::SystemTime,
) -> Option<std::time::Duration> {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let until = |t: std::time::SystemTime| t.duration_since(now).unwrap_or_default();
    if let Some(v) = header(hyper::header::RETRY_AFTER.as_str()) {
        if let Ok(secs) = v.parse::<u64>() {
            return Some(std::time::Duration::from_secs(secs));
        }
        if let Ok(t) = httpdate::parse_http_date(v) {
            return Some(until(t));
        }
    }
    let reset = header("x-ratelimit-reset")?;
    // ISO 8601, with or without seconds (Atlassian writes e.g. `2024-05-14T12:00Z`).
    let t = time::OffsetDateTime::parse(
        reset,
        &time::format_description::well_known::Iso8601::DEFAULT,
    )
    .ok()?;
    Some(until(t.into()))
}

/// The wait plus up to 20% random jitter, so many callers told the same time do not all
/// come back at once; never shorter than Jira asked, and [`Duration::MAX`] for a wait too long
/// to grow (a `Retry-After` of 18446744073709551615 seconds must not panic).
///
/// [`Duration::MAX`]: std::time::Duration::MAX
pub fn jittered(wait: std::time::Duration) -> std::time::Duration {
    let factor = 1.0 + rand::random::<f64>() * 0.2;
    std::time::Duration::try_from_secs_f64(wait.as_secs_f64() * factor)
        .map_or(std::time::Duration::MAX, |jittered| jittered.max(wait))
}

/// Whether a retry after `wait`, seen at `now`, starts before `deadline`. Any wait is
/// compared without adding it to an instant, so no wait can overflow one.
pub fn retry_fits(
    now: tokio::time::Instant,
    wait: std::time::Duration,
    deadline: tokio::time::Instant,
) -> bool {
    wait < deadline.saturating_duration_since(now)
}

/// A short description of a client error and its causes, for logs (no URL, so no query
/// text and no secret).
pub fn describe_client_error(e: &hyper_util::client::legacy::Error) -> String {
    let what = if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    match std::error::Error::source(e) {
        Some(cause) => format!("{what}: {}", domain::error_chain(cause)),
        None => what.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_read_with_their_causes() {
        let e = domain::StoreError::unavailable("database is locked");
        assert_eq!(
            domain::error_chain(&e),
            "store unavailable: database is locked"
        );
    }

    #[test]
    fn retry_after_in_seconds_as_a_date_or_from_the_rate_limit_reset() {
        use std::time::{Duration, SystemTime};
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_715_688_000); // 2024-05-14T12:00:00Z
        let wait = |pairs: &[(&'static str, &str)]| {
            let mut h = hyper::HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, v.parse().unwrap());
            }
            retry_after_at(&h, now)
        };
        assert_eq!(wait(&[("retry-after", "7")]), Some(Duration::from_secs(7)));
        assert_eq!(
            wait(&[("retry-after", "Tue, 14 May 2024 12:00:30 GMT")]),
            Some(Duration::from_secs(30))
        );
        // A date in the past: retry now.
        assert_eq!(
            wait(&[("retry-after", "Tue, 14 May 2024 11:00:00 GMT")]),
            Some(Duration::ZERO)
        );
        // Retry-After wins over X-RateLimit-Reset.
        assert_eq!(
            wait(&[
                ("retry-after", "3"),
                ("x-ratelimit-reset", "2024-05-14T12:05:00Z")
            ]),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            wait(&[("x-ratelimit-reset", "2024-05-14T12:02Z")]),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            wait(&[("x-ratelimit-reset", "2024-05-14T12:00:45.500Z")]),
            Some(Duration::from_millis(45_500))
        );
        assert_eq!(
            wait(&[("x-ratelimit-reset", "2024-05-14T14:01:00+02:00")]),
            Some(Duration::from_secs(60))
        );
        assert_eq!(wait(&[]), None);
        assert_eq!(wait(&[("retry-after", "soon")]), None);
        assert_eq!(wait(&[("x-ratelimit-reset", "tomorrow")]), None);
    }
}
