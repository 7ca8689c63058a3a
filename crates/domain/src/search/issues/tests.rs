//! The issue branch's own helpers: the exact issue's place and the join of two calls.

use std::time::Duration;

use serde_json::json;
use tokio::sync::oneshot;

use super::*;

fn issue(key: &str) -> Choice {
    Choice {
        value: json!(key),
        label: format!("({key}) summary of {key}"),
    }
}

#[test]
fn the_exact_issue_comes_first_and_only_once() {
    let found = vec![issue("HSP-2"), issue("HSP-1"), issue("HSP-10")];
    assert_eq!(exact_first(None, found.clone()), found);
    assert_eq!(
        exact_first(Some(issue("HSP-1")), found.clone()),
        vec![issue("HSP-1"), issue("HSP-2"), issue("HSP-10")]
    );
    assert_eq!(
        exact_first(Some(issue("ABC-7")), found),
        vec![
            issue("ABC-7"),
            issue("HSP-2"),
            issue("HSP-1"),
            issue("HSP-10")
        ]
    );
    assert_eq!(exact_first(Some(issue("X-1")), vec![]), vec![issue("X-1")]);
}

#[test]
fn an_answer_that_is_not_an_issue_is_invalid() {
    let request = jira_request::issue("HSP-1");
    let got = issue_or_invalid(
        &json!({"key": "HSP-1", "fields": {"summary": "s"}}),
        &request,
    );
    assert_eq!(got.unwrap(), choice("HSP-1", "(HSP-1) s"));
    for body in [json!({}), json!([]), json!({"key": 1}), json!(null)] {
        let err = issue_or_invalid(&body, &request).unwrap_err();
        assert!(matches!(err, JiraError::InvalidBody(_)), "{body}: {err:?}");
    }
}

fn choice(key: &str, label: &str) -> Choice {
    Choice {
        value: json!(key),
        label: label.to_owned(),
    }
}

#[tokio::test(start_paused = true)]
async fn join_runs_both_at_the_same_time_and_keeps_their_order() {
    // Each side signals, then waits for the other's signal: run one after the other, the
    // first would wait forever (the timeout, on paused time, says so at once).
    let (to_b, from_a) = oneshot::channel::<&str>();
    let (to_a, from_b) = oneshot::channel::<&str>();
    let a = async move {
        to_b.send("from a").unwrap();
        from_b.await.unwrap()
    };
    let b = async move {
        to_a.send("from b").unwrap();
        from_a.await.unwrap()
    };
    let got = tokio::time::timeout(Duration::from_secs(1), join(a, b)).await;
    assert_eq!(got.expect("both ran at once"), ("from b", "from a"));
}

#[tokio::test(start_paused = true)]
async fn join_waits_for_the_slower_side_and_polls_a_finished_one_no_more() {
    // An `async` block panics when polled after it finished, so a second poll would show.
    let quick = async { 1 };
    let slow = async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        "slow"
    };
    let started = tokio::time::Instant::now();
    assert_eq!(join(quick, slow).await, (1, "slow"));
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    let slow = async {
        tokio::time::sleep(Duration::from_secs(3)).await;
        "slow"
    };
    assert_eq!(join(slow, async { 2 }).await, ("slow", 2));
}
