//! Issue #14's bad input, black-box: whatever a person can type reaches every branch on both
//! routes (real binary, both jira-sims) and answers 200 with a list or the branch's own
//! documented 400, never a 5xx or anything else. The query goes as raw percent-encoding, so
//! the cases include what no browser form sends: a lone surrogate's UTF-8 bytes, bytes that
//! are not UTF-8 at all, a `%` without two hex digits.

mod common;

use common::{get, CacheKind, Service, World};
use serde_json::Value;

/// What people type, already percent-encoded as it travels in the URL.
fn typed() -> Vec<(&'static str, String)> {
    let long: String = "login ".repeat(167); // 1,002 characters
    vec![
        ("control characters", "%00%01%1F%7F%0A%0D%09".to_owned()),
        (
            "emoji",
            "%F0%9F%94%A5%20fire%20%F0%9F%91%A9%E2%80%8D%F0%9F%92%BB".to_owned(),
        ),
        ("quotes", "say%20%22hi%22%20it%27s".to_owned()),
        ("backslashes", "C%3A%5C%5Cdrive%5C".to_owned()),
        (
            "lucene syntax",
            "foo%3A(bar*%20OR%20%3Fx)%20%5Bto%5D%20~%5E2%20%2B-!".to_owned(),
        ),
        (
            "jql syntax",
            "%22%20OR%20project%20%3D%20HSP%20ORDER%20BY%20key".to_owned(),
        ),
        ("a thousand characters", long.replace(' ', "%20")),
        (
            "lone surrogate (UTF-8 of U+D800)",
            "ab%ED%A0%80cd".to_owned(),
        ),
        ("bytes that are not UTF-8", "%FF%FEx%C3".to_owned()),
        ("a bare percent", "50%25%20off%20%".to_owned()),
        ("a percent without hex", "%zz%4".to_owned()),
        ("only separators", "%20%2D%2D%2D%20%3F".to_owned()),
        ("an issue key", "hsp-1".to_owned()),
        ("a missing key", "ZZZ-99999".to_owned()),
        ("plus signs", "a+b+c".to_owned()),
        (
            "right-to-left and combining",
            "%D7%A9%D7%9C%D7%95%D7%9D%20e%CC%81".to_owned(),
        ),
    ]
}

/// Every `detail` a branch may answer with a 400, per docs/api.md.
fn documented(detail: &str, field: &str) -> bool {
    detail == "Unable to fetch users from Jira"
        || detail == "Unable to fetch projects from Jira"
        || detail == format!("Unable to fetch autocomplete for {field} from Jira")
        || detail == "Invalid integration action"
        || detail.starts_with("Error Communicating with Jira Server (HTTP ")
        || detail.starts_with("Error Communicating with Jira (HTTP ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whatever_is_typed_answers_a_list_or_the_branchs_documented_error() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    let routes = [("jira-server", &w.server_id), ("jira", &w.cloud_id)];
    // Each branch, with and without a project where it takes one.
    let fields = [
        ("assignee", ""),
        ("reporter", "&project=10000"),
        ("externalIssue", ""),
        ("parent", ""),
        ("project", ""),
        ("customfield_10100", ""),
        ("labels", ""),
    ];
    let mut lists = 0;
    for (route, id) in routes {
        for (field, extra) in fields {
            for (what, query) in typed() {
                let url = svc.url(&format!(
                    "/extensions/{route}/search/acme/{id}/?field={field}&query={query}{extra}"
                ));
                let a = get(&url, Some(&w.token)).await;
                let case = format!("{route} {field}{extra}, {what}");
                match a.status {
                    200 => {
                        let body: Value = serde_json::from_slice(&a.body)
                            .unwrap_or_else(|e| panic!("{case}: not JSON ({e}): {}", a.text()));
                        let list = body.as_array().unwrap_or_else(|| panic!("{case}: {body}"));
                        for choice in list {
                            assert!(
                                choice.get("value").is_some() && choice["label"].is_string(),
                                "{case}: {choice}"
                            );
                        }
                        lists += 1;
                    }
                    400 => {
                        let body: Value = serde_json::from_slice(&a.body)
                            .unwrap_or_else(|e| panic!("{case}: not JSON ({e}): {}", a.text()));
                        let detail = body["detail"].as_str().unwrap_or_default();
                        assert!(documented(detail, field), "{case}: 400 {body}");
                    }
                    other => panic!("{case}: {other} {}", a.text()),
                }
            }
        }
    }
    // Most of it is a search Jira answers: the issue branch must not be a wall of 400s.
    assert!(lists > 150, "only {lists} lists");
    // The service is still healthy and logged no panic.
    assert_eq!(get(&svc.url("/healthz"), None).await.status, 200);
    assert!(!svc.logs().contains("panicked"), "{}", svc.logs());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_typed_words_and_typed_punctuation_find_issues_on_both_providers() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    for (route, id) in [("jira-server", &w.server_id), ("jira", &w.cloud_id)] {
        // "this is a test issue summary" (HSP-1): a half-typed word finds it, and so does a
        // word followed by Lucene's reserved characters.
        for query in ["summ", "tes", "test%3A(", "TEST%20ISSUE%20summa", "hsp-1"] {
            let url = svc.url(&format!(
                "/extensions/{route}/search/acme/{id}/?field=externalIssue&query={query}"
            ));
            let a = get(&url, Some(&w.token)).await;
            assert_eq!(a.status, 200, "{route} {query}: {}", a.text());
            let values: Vec<Value> = a.json().as_array().cloned().unwrap_or_default();
            assert!(
                values.iter().any(|c| c["value"] == "HSP-1"),
                "{route} {query}: {values:?}"
            );
        }
    }
}
