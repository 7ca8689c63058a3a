//! The issue branch through the service: the spec's JQL examples, the exact key looked up
//! beside the text search, its errors, and what is never cached.

use proptest::prelude::*;

use super::*;
use crate::testing::ScriptedCall;

const NOT_VISIBLE: &str = "Issue does not exist or you do not have permission to see it.";

/// The text search's path on `provider`.
fn search_path(provider: Provider) -> &'static str {
    match provider {
        Provider::JiraServer => "/rest/api/2/search",
        Provider::JiraCloud => "/rest/api/2/search/jql",
    }
}

/// The text-search call as the fake records it.
fn text_call(provider: Provider, jql: &str) -> String {
    format!(
        "{}?jql={jql}&fields=summary&maxResults=20",
        search_path(provider)
    )
}

fn issues(keys: &[&str]) -> Value {
    let list: Vec<Value> = keys
        .iter()
        .map(|k| json!({"id": "1", "key": k, "fields": {"summary": format!("about {k}")}}))
        .collect();
    json!({"startAt": 0, "maxResults": 20, "total": list.len(), "issues": list})
}

fn issue(key: &str) -> Choice {
    choice(key, &format!("({key}) about {key}"))
}

/// Integration 10 (Server) or 11 (Cloud).
fn id_of(provider: Provider) -> i64 {
    match provider {
        Provider::JiraServer => 10,
        Provider::JiraCloud => 11,
    }
}

const PROVIDERS: [Provider; 2] = [Provider::JiraServer, Provider::JiraCloud];

#[tokio::test]
async fn the_spec_examples_one_by_one() {
    let rows = crate::rules::SPEC_JQL_EXAMPLES;
    for provider in PROVIDERS {
        for (query, jql) in rows {
            let svc = service(FakeJira::default());
            svc.jira
                .0
                .on(search_path(provider), Reply::Json(issues(&["HSP-1"])));
            let got = svc
                .find(provider, id_of(provider), "externalIssue", query)
                .await
                .unwrap();
            match jql {
                Some(jql) => {
                    assert_eq!(svc.jira.calls(), [text_call(provider, jql)], "{query}");
                    assert_eq!(got, vec![issue("HSP-1")], "{query}");
                }
                None => {
                    assert_eq!(svc.jira.calls(), Vec::<String>::new(), "{query}");
                    assert_eq!(got, vec![], "{query}");
                }
            }
        }
    }
}

#[tokio::test]
async fn a_query_without_a_word_touches_neither_jira_nor_the_cache() {
    // Mocks without expectations: any call to either fails the test.
    let svc = SearchService::new(
        MockJiraApi::new(),
        store(),
        MockSearchCache::new(),
        SearchSettings::default(),
    );
    for query in ["?", "---", "\"", " ", "-_-", "(*)", "\\\\"] {
        let trace = SearchTrace::default();
        let req = request(11, Some("parent"), Some(query));
        let got = svc.search(Provider::JiraCloud, &req, &trace).await.unwrap();
        assert_eq!(got.choices().unwrap(), vec![], "{query}");
        assert_eq!(trace.jira_calls(), 0, "{query}");
    }
}

#[tokio::test]
async fn an_issue_key_is_looked_up_beside_the_text_search_and_comes_first_once() {
    for provider in PROVIDERS {
        let jira = FakeJira::default()
            .answer(
                &text_call(provider, r#"text ~ "hsp 1*""#),
                Ok(issues(&["HSP-10", "HSP-1", "HSP-11"])),
            )
            .answer(
                "/rest/api/2/issue/HSP-1?fields=summary",
                Ok(json!({"id": "1", "key": "HSP-1", "fields": {"summary": "about HSP-1"}})),
            );
        let svc = service(jira);
        let trace = SearchTrace::default();
        let req = request(id_of(provider), Some("externalIssue"), Some(" hsp-1"));
        let got = svc.search(provider, &req, &trace).await.unwrap();
        assert_eq!(
            got.choices().unwrap(),
            vec![issue("HSP-1"), issue("HSP-10"), issue("HSP-11")]
        );
        let mut calls = svc.jira.calls();
        calls.sort();
        assert_eq!(
            calls,
            [
                "/rest/api/2/issue/HSP-1?fields=summary".to_owned(),
                text_call(provider, r#"text ~ "hsp 1*""#),
            ]
        );
        assert_eq!(
            (trace.jira_calls(), trace.cache()),
            (2, CacheOutcome::Bypass)
        );
    }
}

#[tokio::test(start_paused = true)]
async fn the_two_calls_are_in_flight_at_the_same_time() {
    let jira = FakeJira::default();
    let pause = Duration::from_secs(3);
    jira.0
        .on_after("/rest/api/2/search", pause, Reply::Json(issues(&[])));
    jira.0.on_after(
        "/rest/api/2/issue/HSP-1",
        pause,
        Reply::Json(json!({"key": "HSP-1", "fields": {"summary": "about HSP-1"}})),
    );
    let svc = service(jira);
    let started = tokio::time::Instant::now();
    let got = svc
        .find(Provider::JiraServer, 10, "parent", "HSP-1")
        .await
        .unwrap();
    assert_eq!(got, vec![issue("HSP-1")]);
    assert_eq!(
        started.elapsed(),
        pause,
        "one pause, not two: the calls overlapped"
    );
}

#[tokio::test]
async fn a_moved_issue_is_shown_under_the_key_jira_answers_and_not_repeated() {
    let jira = FakeJira::default()
        .answer(
            &text_call(Provider::JiraCloud, r#"text ~ "old 7*""#),
            Ok(issues(&["NEW-3", "OLD-70"])),
        )
        .answer(
            "/rest/api/2/issue/OLD-7?fields=summary",
            Ok(json!({"key": "NEW-3", "fields": {"summary": "about NEW-3"}})),
        );
    let svc = service(jira);
    let got = svc
        .find(Provider::JiraCloud, 11, "externalIssue", "old-7")
        .await
        .unwrap();
    assert_eq!(got, vec![issue("NEW-3"), issue("OLD-70")]);
}

#[tokio::test]
async fn a_404_of_the_key_means_no_exact_match_and_the_text_results_answer() {
    for provider in PROVIDERS {
        let svc = service(FakeJira::default());
        svc.jira
            .0
            .on("/rest/api/2/issue/ABC_D-12", Reply::not_found(NOT_VISIBLE));
        svc.jira.0.on_with(
            search_path(provider),
            &[("jql", r#"text ~ "abc d 12*""#)],
            Reply::Json(issues(&["ABC-1"])),
        );
        let got = svc
            .find(provider, id_of(provider), "parent", "abc_d-12")
            .await
            .unwrap();
        assert_eq!(got, vec![issue("ABC-1")], "{provider:?}");
        assert_eq!(svc.jira.calls().len(), 2, "{provider:?}");
    }
}

#[tokio::test]
async fn any_other_failure_of_the_key_fails_the_search_with_the_branch_message() {
    let rows = [
        (
            status(500, &["Oops"], &[]),
            "Error Communicating with Jira (HTTP 500): Oops",
        ),
        (status(401, &[], &[]), crate::messages::UNAUTHORIZED),
        (
            status(400, &[], &[("issueKey", "bad")]),
            "Invalid integration action",
        ),
        (
            status(429, &["Rate limit exceeded."], &[]),
            "Error Communicating with Jira (HTTP 429): Rate limit exceeded.",
        ),
        (
            JiraError::Timeout,
            "Error Communicating with Jira (HTTP 504): unknown error",
        ),
        (
            JiraError::InvalidBody("not json".into()),
            "Error Communicating with Jira (HTTP 200): unknown error",
        ),
    ];
    for (error, message) in rows {
        let jira = FakeJira::default()
            .answer("/rest/api/2/search/jql?", Ok(issues(&["HSP-1"])))
            .answer("/rest/api/2/issue/HSP-1?", Err(error.clone()));
        let svc = service(jira);
        let err = svc
            .find(Provider::JiraCloud, 11, "externalIssue", "HSP-1")
            .await
            .unwrap_err();
        assert_eq!(kind(&err), format!("Jira: {message}"), "{error:?}");
    }
    // A 200 that is not an issue.
    let jira = FakeJira::default()
        .answer("/rest/api/2/search/jql?", Ok(issues(&["HSP-1"])))
        .answer("/rest/api/2/issue/HSP-1?", Ok(json!({"errorMessages": []})));
    let err = service(jira)
        .find(Provider::JiraCloud, 11, "externalIssue", "HSP-1")
        .await
        .unwrap_err();
    assert_eq!(
        kind(&err),
        "Jira: Error Communicating with Jira (HTTP 200): unknown error"
    );
}

#[tokio::test]
async fn text_search_errors_carry_the_spec_messages_even_beside_a_found_key() {
    let rows = [
        (
            status(502, &[], &[]),
            "Error Communicating with Jira Server (HTTP 502): unknown error",
        ),
        (
            status(400, &["Bad JQL"], &[]),
            "Error Communicating with Jira Server (HTTP 400): Bad JQL",
        ),
        (
            status(400, &[], &[("jql", "bad")]),
            "Invalid integration action",
        ),
        (status(401, &[], &[]), crate::messages::UNAUTHORIZED),
        (
            JiraError::Timeout,
            "Error Communicating with Jira Server (HTTP 504): unknown error",
        ),
        (
            JiraError::Unreachable {
                host: "jira.example.com".into(),
                detail: "refused".into(),
            },
            "Unable to reach host: jira.example.com",
        ),
    ];
    let found = json!({"key": "HSP-1", "fields": {"summary": "s"}});
    for (error, message) in rows {
        let jira = FakeJira::default()
            .answer("/rest/api/2/search?", Err(error.clone()))
            .answer("/rest/api/2/issue/HSP-1?", Ok(found.clone()));
        let svc = service(jira);
        let err = svc
            .find(Provider::JiraServer, 10, "externalIssue", "HSP-1")
            .await
            .unwrap_err();
        assert_eq!(kind(&err), format!("Jira: {message}"), "{error:?}");
    }
    // A 200 without an issue list.
    let jira = FakeJira::default().answer("/rest/api/2/search?", Ok(json!({"total": 0})));
    let err = service(jira)
        .find(Provider::JiraServer, 10, "parent", "login")
        .await
        .unwrap_err();
    assert_eq!(
        kind(&err),
        "Jira: Error Communicating with Jira Server (HTTP 200): unknown error"
    );
}

#[tokio::test]
async fn issue_searches_are_never_cached() {
    // A cache mock without expectations: reading or writing it fails the test.
    let jira = FakeJira::default()
        .answer("/rest/api/2/search/jql?", Ok(issues(&["HSP-1"])))
        .answer("/rest/api/2/issue/HSP-1?", Err(status(404, &[], &[])));
    let svc = SearchService::new(
        jira,
        store(),
        MockSearchCache::new(),
        SearchSettings::default(),
    );
    for field in ["externalIssue", "parent", "externalIssue"] {
        let got = svc
            .find(Provider::JiraCloud, 11, field, "test")
            .await
            .unwrap();
        assert_eq!(got, vec![issue("HSP-1")]);
    }
    assert_eq!(svc.jira.calls().len(), 3, "each search asked Jira");
    svc.find(Provider::JiraCloud, 11, "parent", "hsp-1")
        .await
        .unwrap();
    assert_eq!(svc.jira.calls().len(), 5, "the text search and the key");
}

#[tokio::test(start_paused = true)]
async fn searches_asking_the_same_at_the_same_moment_share_the_calls() {
    let jira = FakeJira::default();
    let pause = Duration::from_secs(1);
    jira.0
        .on_after("/rest/api/2/search", pause, Reply::Json(issues(&["HSP-1"])));
    let svc = service(jira);
    // Two spellings of the same words: the same JQL, asked once.
    let (a, b) = tokio::join!(
        svc.find(Provider::JiraServer, 10, "parent", "login fai"),
        svc.find(Provider::JiraServer, 10, "parent", "LOGIN  fai"),
    );
    assert_eq!(a.unwrap(), b.unwrap());
    assert_eq!(
        svc.jira.calls(),
        [text_call(Provider::JiraServer, r#"text ~ "login fai*""#)]
    );
}

/// Any text, biased towards what people and Lucene care about.
fn typed_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        r#"[a-zA-Z0-9 _:()*?"\\+!~&|{}\[\]^/-]{0,16}"#,
        "[A-Za-z][A-Za-z0-9_]{0,3}-[0-9]{1,3}",
        "[ İΣσςÄé東京１٣ǅϒ-]{0,8}",
    ]
}

/// Runs one issue search of `query` on integration 10 and returns the calls it made.
fn calls_of(query: &str) -> Vec<ScriptedCall> {
    let jira = FakeJira::default();
    jira.0.on("/rest/api/2/search", Reply::Json(issues(&[])));
    let svc = service(jira);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let answer = runtime.block_on(svc.find(Provider::JiraServer, 10, "externalIssue", query));
    match answer {
        Ok(_) => {}
        // The one refusal before the branch: an empty query is no query.
        Err(SearchError::QueryRequired) if query.is_empty() => {}
        Err(e) => panic!("{query:?} failed: {e:?}"),
    }
    svc.jira.0.calls()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any text makes no call at all, or a text search whose JQL string holds only
    /// lower-case letters and digits, single spaces and one optional trailing `*`, which
    /// Jira cannot read as Lucene syntax; plus the key lookup exactly when the text is a key.
    #[test]
    fn any_text_is_a_valid_search_or_none(query in typed_text()) {
        let calls = calls_of(&query);
        let has_word = query.chars().any(char::is_alphanumeric);
        let text: Vec<&ScriptedCall> = calls
            .iter()
            .filter(|c| c.request.path() == "/rest/api/2/search")
            .collect();
        prop_assert_eq!(text.len(), usize::from(has_word), "{:?}", calls);
        let lookups = calls.len() - text.len();
        prop_assert_eq!(lookups, usize::from(crate::rules::is_issue_key(query.trim())));
        if let Some(call) = text.first() {
            let jql = &call.request.query()[0].1;
            let inner = jql
                .strip_prefix("text ~ \"")
                .and_then(|j| j.strip_suffix('"'))
                .expect("text ~ \"...\"");
            let words = inner.strip_suffix('*').unwrap_or(inner);
            let ends_in_a_word = query.chars().next_back().is_some_and(char::is_alphanumeric);
            prop_assert_eq!(words.len() < inner.len(), ends_in_a_word, "{}", jql);
            prop_assert!(!words.is_empty() && !words.starts_with(' ') && !words.ends_with(' '));
            prop_assert!(!words.contains("  "), "{}", jql);
            prop_assert!(words.chars().all(|c| c == ' ' || c.is_alphanumeric()), "{}", jql);
            prop_assert_eq!(words.to_lowercase(), words, "{}", jql);
        }
    }
}
