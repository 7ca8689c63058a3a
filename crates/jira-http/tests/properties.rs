//! Property tests of jira-http's pure rules (issue #12): request URLs and the waits a 429 or
//! 503 asks for. Each holds for any input, checked on a bounded number of generated cases.

use std::time::{Duration, SystemTime};

use domain::{BaseUrl, JiraRequest};
use hyper::header::HeaderValue;
use hyper::HeaderMap;
use jira_http::errors::{jittered, retry_after_at, retry_fits};
use jira_http::url::request_url;
use proptest::prelude::*;

/// Cases per property: quick on two cores, enough for these small rules.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

/// A caller's segment: anything but a dot segment. `.` and `..` are RFC 3986's dot segments,
/// which any URL parser (and Jira's servlet container) resolves whether they are written
/// plainly or percent-encoded; `request_url` does not guard against them, its callers do
/// (the one segment from a caller, a project id, is checked by `is_jira_id` first).
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[/?#&=+%. a-z]{0,8}",
        Just("%2e%2e".to_owned()),
        Just("..%2F".to_owned()),
    ]
    .prop_filter("a dot segment", |s| s != "." && s != "..")
}

/// A query key or value: anything, with the characters that could split or end a query often.
fn component() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[/?#&=+%; a-zé]{0,8}"]
}

fn base() -> impl Strategy<Value = (String, Vec<String>)> {
    (
        prop_oneof![
            Just("https://example.com"),
            Just("https://jira.example.org:8443"),
            Just("http://127.0.0.1:8080"),
        ],
        proptest::collection::vec("[a-z0-9]{1,6}", 0..3),
        any::<bool>(),
    )
        .prop_map(|(origin, context, slash)| {
            let mut url = origin.to_owned();
            for c in &context {
                url.push('/');
                url.push_str(c);
            }
            if slash {
                url.push('/');
            }
            (url, context)
        })
}

proptest! {
    #![proptest_config(config())]

    /// No segment or query value can change a URL's path: parsed back, the URL has the base's
    /// path followed by exactly the request's segments (decoded back equal), the query pairs
    /// decode back to the originals in order, and there is no fragment.
    #[test]
    fn no_value_changes_the_path_of_a_url(
        (base_text, context) in base(),
        fixed in proptest::collection::vec("[a-z0-9]{1,6}", 0..4),
        segments in proptest::collection::vec(segment(), 0..4),
        query in proptest::collection::vec((component(), component()), 0..4),
    ) {
        let base = BaseUrl::from_stored(&base_text).expect("a valid base URL");
        let mut request = JiraRequest::get(&fixed.join("/"));
        for s in &segments {
            request = request.segment(s.clone());
        }
        for (k, v) in &query {
            request = request.param(k, v.clone());
        }
        let text = request_url(&base, &request);
        let url = url::Url::parse(&text).expect("a URL");

        let mut want: Vec<String> =
            context.iter().chain(&fixed).chain(&segments).cloned().collect();
        if want.is_empty() {
            want.push(String::new()); // the root path `/`
        }
        let got: Vec<String> = url
            .path_segments()
            .expect("a path")
            .map(|s| {
                let decoded = percent_encoding::percent_decode_str(s).decode_utf8();
                decoded.expect("UTF-8").into_owned()
            })
            .collect();
        prop_assert_eq!(got, want, "{}", text);

        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        prop_assert_eq!(&pairs, &query, "{}", text);
        prop_assert_eq!(url.fragment(), None);
        prop_assert_eq!(url.origin(), url::Url::parse(&base_text).unwrap().origin());
    }
}

/// 2024-05-14T12:00:00Z.
fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_715_688_000)
}

/// An instant from seconds since the Unix epoch (from 1970 to 9999, as HTTP dates can say).
fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

const YEAR_9999: u64 = 253_402_300_799;

/// What a `Retry-After` or `X-RateLimit-Reset` may hold: seconds (huge ones too), HTTP dates,
/// ISO 8601 instants, garbage.
fn header_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        "[0-9]{15,40}",
        "-?[0-9]{1,5}(\\.[0-9]{1,3})?",
        (0..=YEAR_9999).prop_map(|s| httpdate::fmt_http_date(at(s))),
        (0..=YEAR_9999).prop_map(|s| iso8601(at(s))),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})",
        "[ -~]{0,30}",
        any::<String>(),
    ]
}

fn iso8601(t: SystemTime) -> String {
    time::OffsetDateTime::from(t)
        .format(&time::format_description::well_known::Iso8601::DEFAULT)
        .expect("a formattable instant")
}

/// The headers of an answer with either header or both, those whose text is a header value.
fn headers(retry_after: Option<&str>, reset: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (name, value) in [("retry-after", retry_after), ("x-ratelimit-reset", reset)] {
        if let Some(v) = value.and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()) {
            h.insert(name, v);
        }
    }
    h
}

proptest! {
    #![proptest_config(config())]

    /// No header text makes the wait panic (parsing, jitter, or the deadline check), and a
    /// retry is only taken when its wait ends before the deadline.
    #[test]
    fn no_retry_after_panics_or_waits_past_the_deadline(
        retry_after in proptest::option::of(header_text()),
        reset in proptest::option::of(header_text()),
        left_ms in 0u64..120_000,
    ) {
        let h = headers(retry_after.as_deref(), reset.as_deref());
        let Some(wait) = retry_after_at(&h, now()) else {
            return Ok(());
        };
        let wait = jittered(wait);
        let start = tokio::time::Instant::now();
        let deadline = start + Duration::from_millis(left_ms);
        if retry_fits(start, wait, deadline) {
            prop_assert!(start.checked_add(wait).is_some_and(|end| end < deadline));
        }
    }

    /// Seconds are the wait as written, however large; an HTTP date or an ISO 8601 instant is
    /// the time until it, and "now" for one in the past.
    #[test]
    fn the_wait_is_what_the_header_says(secs in any::<u64>(), then in 0..=YEAR_9999) {
        let wait = |retry_after: Option<&str>, reset: Option<&str>| {
            retry_after_at(&headers(retry_after, reset), now())
        };
        prop_assert_eq!(wait(Some(&secs.to_string()), None), Some(Duration::from_secs(secs)));
        let until = at(then).duration_since(now()).unwrap_or_default();
        prop_assert_eq!(wait(Some(&httpdate::fmt_http_date(at(then))), None), Some(until));
        prop_assert_eq!(wait(None, Some(&iso8601(at(then)))), Some(until));
    }

    /// Jitter never shortens a wait, adds at most 20%, and saturates instead of panicking.
    #[test]
    fn jitter_stays_within_a_fifth(wait in prop_oneof![
        (0u64..86_400_000).prop_map(Duration::from_millis),
        any::<u64>().prop_map(Duration::from_secs),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
    ]) {
        let j = jittered(wait);
        prop_assert!(j >= wait, "{j:?} < {wait:?}");
        if j != Duration::MAX {
            let most = wait.as_secs_f64() * 1.2 * (1.0 + 1e-12);
            prop_assert!(j.as_secs_f64() <= most, "{j:?} for {wait:?}");
        }
    }

    /// A retry fits iff its wait ends strictly before the deadline, for any wait and any
    /// deadline, past ones included.
    #[test]
    fn a_retry_fits_iff_it_ends_before_the_deadline(
        wait in prop_oneof![
            (0u64..10_000).prop_map(Duration::from_millis),
            any::<u64>().prop_map(Duration::from_secs),
            Just(Duration::MAX),
        ],
        left_ms in 0u64..10_000,
        passed in any::<bool>(),
    ) {
        let now = tokio::time::Instant::now();
        let (now, deadline) = if passed {
            (now + Duration::from_millis(left_ms), now)
        } else {
            (now, now + Duration::from_millis(left_ms))
        };
        let ends_before = now.checked_add(wait).is_some_and(|end| end < deadline);
        prop_assert_eq!(retry_fits(now, wait, deadline), ends_before);
    }
}

/// The inputs that panicked before `jittered` saturated and `retry_fits` compared without
/// adding: a `Retry-After` of u64::MAX seconds on a 429.
#[test]
fn a_retry_after_of_u64_max_seconds_neither_panics_nor_fits() {
    let h = headers(Some("18446744073709551615"), None);
    let wait = retry_after_at(&h, now()).expect("seconds");
    assert_eq!(wait, Duration::from_secs(u64::MAX));
    let wait = jittered(wait);
    assert!(wait >= Duration::from_secs(u64::MAX));
    let now = tokio::time::Instant::now();
    assert!(!retry_fits(now, wait, now + Duration::from_secs(30)));
    // Below what overflows the jitter, what overflowed the instant.
    assert!(!retry_fits(
        now,
        Duration::from_secs(i64::MAX as u64),
        now + Duration::from_secs(30)
    ));
}
