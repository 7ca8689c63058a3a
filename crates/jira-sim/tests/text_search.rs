//! Jira's text search (Lucene syntax inside `text ~ "..."`), the single-issue endpoint and
//! Cloud's assignable search by project id or key, over HTTP in both flavours.

mod common;

use common::{get, Resp};
use jira_sim::{start, Fault, Flavor, SimConfig, SimHandle, SimIssue, SimProject, SimUser};
use serde_json::{json, Value};

const FLAVORS: [Flavor; 2] = [Flavor::Server, Flavor::Cloud];

fn issue(n: usize, summary: &str) -> SimIssue {
    SimIssue {
        id: (30000 + n).to_string(),
        key: format!("HSP-{n}"),
        summary: summary.into(),
        project_key: "HSP".into(),
    }
}

/// Only these issues (no generated project), created in this order.
fn fixture_issues() -> Vec<SimIssue> {
    vec![
        issue(1, "Login failure on Safari"),
        issue(2, "Logout button missing"),
        issue(3, "Fix the audit log export"),
        issue(4, r#"say "hi" to the C:\ drive"#),
        issue(5, "Payment page times out"),
        issue(6, "The login page of the app"),
    ]
}

fn user(name: &str, display: &str, projects: &[&str]) -> SimUser {
    SimUser {
        name: name.into(),
        key: format!("JIRAUSER9{name}"),
        account_id: format!("acc-{name}"),
        display_name: display.into(),
        email: Some(format!("{name}@example.org")),
        active: true,
        projects: projects.iter().map(|p| p.to_string()).collect(),
    }
}

async fn sim(flavor: Flavor) -> SimHandle {
    start(SimConfig {
        flavor,
        users: 30,
        projects: 0,
        extra_projects: vec![SimProject {
            id: "20000".into(),
            key: "HSP".into(),
            name: "Hosted Support".into(),
        }],
        issues_per_project: 0,
        extra_issues: fixture_issues(),
        extra_users: vec![
            user("jdoe", "Jane Doe", &["HSP"]),
            user("jother", "Jane Other", &["ELSEWHERE"]),
        ],
        ..SimConfig::default()
    })
    .await
    .expect("sim starts")
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The flavour's issue search, as the client sends it: `fields=summary`, `maxResults`.
async fn search(sim: &SimHandle, jql: &str, max: usize) -> Resp {
    let path = match sim.flavor() {
        Flavor::Server => "search",
        Flavor::Cloud => "search/jql",
    };
    get(&format!(
        "{}/rest/api/2/{path}?jql={}&fields=summary&maxResults={max}",
        sim.base_url(),
        enc(jql)
    ))
    .await
}

/// The keys a search finds, newest first; panics on anything but 200.
async fn keys(sim: &SimHandle, jql: &str) -> Vec<String> {
    let r = search(sim, jql, 50).await;
    assert_eq!(r.status, 200, "{:?} {jql}: {}", sim.flavor(), r.body);
    r.json()["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect()
}

/// Words as the simulator's index splits them: runs of letters and digits, lower-cased.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[tokio::test]
async fn terms_match_whole_words_with_prefix_and_single_character_wildcards() {
    for flavor in FLAVORS {
        let sim = sim(flavor).await;
        let cases: [(&str, &[&str]); 10] = [
            (r#"text ~ "log""#, &["HSP-3"]),
            (r#"text ~ "log*""#, &["HSP-6", "HSP-3", "HSP-2", "HSP-1"]),
            (r#"text ~ "login fai*""#, &["HSP-1"]),
            (r#"text ~ "login fai""#, &[]),
            (r#"text ~ "LOGIN""#, &["HSP-6", "HSP-1"]),
            (r#"text ~ "log?n""#, &["HSP-6", "HSP-1"]),
            (r#"text ~ "lo?""#, &["HSP-3"]),
            (r#"summary ~ "pay*""#, &["HSP-5"]),
            (r#"text ~ "ogin""#, &[]),
            (r#"text ~ "login OR payment""#, &["HSP-6", "HSP-5", "HSP-1"]),
        ];
        for (jql, expected) in cases {
            assert_eq!(keys(&sim, jql).await, expected, "{flavor:?} {jql}");
        }
    }
}

#[tokio::test]
async fn lucene_syntax_errors_are_jiras_400() {
    // (JQL as sent, the text Jira names, whether it is the leading-wildcard refusal)
    let cases = [
        (r#"text ~ "foo:""#, "foo:", false),
        (r#"text ~ "(draft""#, "(draft", false),
        (r#"text ~ "draft)""#, "draft)", false),
        (r#"text ~ "C:\\""#, r"C:\", false),
        (r#"text ~ "a/b""#, "a/b", false),
        (r#"text ~ "[a TO b]""#, "[a TO b]", false),
        (r#"text ~ "x^""#, "x^", false),
        (r#"text ~ "login -""#, "login -", false),
        (r#"text ~ "login AND""#, "login AND", false),
        (r#"text ~ "say \"hi""#, "say \"hi", false),
        (r#"text ~ "?x""#, "?x", true),
        (r#"text ~ "login *ail""#, "login *ail", true),
        (r#"summary ~ "*""#, "*", true),
    ];
    for flavor in FLAVORS {
        let sim = sim(flavor).await;
        for (jql, text, leading) in cases {
            let field = jql.split(' ').next().unwrap();
            let message = if leading {
                format!("The text query '{text}' for field '{field}' is not allowed to start with a wildcard ('*' or '?').")
            } else {
                format!("Unable to parse the text '{text}' for field '{field}'.")
            };
            let r = search(&sim, jql, 20).await;
            assert_eq!(r.status, 400, "{flavor:?} {jql}: {}", r.body);
            assert_eq!(
                r.json(),
                json!({"errorMessages": [message], "errors": {}}),
                "{flavor:?} {jql}"
            );
        }
        // A single backslash before `:` is not a JQL escape at all.
        let r = search(&sim, r#"text ~ "C\:""#, 20).await;
        assert_eq!(r.status, 400);
        assert!(r.json()["errorMessages"][0]
            .as_str()
            .unwrap()
            .starts_with("Error in the JQL Query: "));
    }
}

#[tokio::test]
async fn escaped_reserved_characters_are_taken_literally() {
    for flavor in FLAVORS {
        let sim = sim(flavor).await;
        // In the JQL string literal Lucene's backslash is written as two.
        for jql in [
            r#"text ~ "C\\:\\\\""#,
            r#"text ~ "C\\:\\\\ drive""#,
            r#"text ~ "\\(hi\\)""#,
            r#"text ~ "say \"hi\"""#,
            r#"text ~ "\"to the C drive\"""#,
        ] {
            assert_eq!(keys(&sim, jql).await, ["HSP-4"], "{flavor:?} {jql}");
        }
        // Escaped punctuation alone searches for no word.
        assert!(keys(&sim, r#"text ~ "\\:""#).await.is_empty());
    }
}

#[tokio::test]
async fn stop_words_match_nothing_on_their_own() {
    for flavor in FLAVORS {
        let sim = sim(flavor).await;
        for jql in [
            r#"text ~ "the""#,
            r#"text ~ "the of to""#,
            r#"text ~ "THE""#,
        ] {
            assert!(keys(&sim, jql).await.is_empty(), "{flavor:?} {jql}");
        }
        assert_eq!(
            keys(&sim, r#"text ~ "the login""#).await,
            ["HSP-6", "HSP-1"]
        );
        assert_eq!(keys(&sim, r#"text ~ "and pepper*""#).await, [] as [&str; 0]);
        assert_eq!(keys(&sim, r#"text ~ "and pay*""#).await, ["HSP-5"]);
    }
}

/// Enough generated issues to page through.
async fn generated(flavor: Flavor) -> SimHandle {
    start(SimConfig {
        flavor,
        projects: 10,
        issues_per_project: 20,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts")
}

#[tokio::test]
async fn max_results_and_fields_are_honoured() {
    for flavor in FLAVORS {
        let sim = generated(flavor).await;
        let verbs = ["fix", "add", "remove"];
        let has_verb = |summary: &str| words(summary).iter().any(|w| verbs.contains(&w.as_str()));
        let fixes: Vec<SimIssue> = sim
            .issues()
            .into_iter()
            .filter(|i| has_verb(&i.summary))
            .collect();
        assert!(fixes.len() > 20, "{}", fixes.len());
        let jql = r#"text ~ "fix OR add OR remove""#;
        let r = search(&sim, jql, 20).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let body = r.json();
        let issues = body["issues"].as_array().unwrap();
        assert_eq!(issues.len(), 20, "{flavor:?}");
        for i in issues {
            assert_eq!(
                i["fields"].as_object().unwrap().keys().collect::<Vec<_>>(),
                ["summary"]
            );
            assert!(has_verb(i["fields"]["summary"].as_str().unwrap()), "{i}");
        }
        match flavor {
            Flavor::Server => {
                assert_eq!(body["maxResults"], 20);
                assert_eq!(body["total"], fixes.len());
            }
            Flavor::Cloud => {
                assert_eq!(body["isLast"], false);
                assert!(body["nextPageToken"].is_string());
            }
        }
        let r = search(&sim, jql, 3).await;
        assert_eq!(r.json()["issues"].as_array().unwrap().len(), 3);
    }
}

#[tokio::test]
async fn generated_summaries_make_prefix_search_worth_a_demo() {
    let sim = generated(Flavor::Server).await;
    let r = search(&sim, r#"text ~ "log*""#, 1000).await;
    let found: Vec<String> = r.json()["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fields"]["summary"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = sim
        .issues()
        .into_iter()
        .rev()
        .map(|i| i.summary)
        .filter(|s| words(s).iter().any(|w| w.starts_with("log")))
        .collect();
    assert_eq!(found, expected);
    for word in ["login", "logout", "log"] {
        assert!(
            found.iter().any(|s| words(s).contains(&word.to_string())),
            "{word}: {found:?}"
        );
    }
    let payments = search(&sim, r#"text ~ "pay*""#, 1000).await.json();
    assert!(payments["total"].as_u64().unwrap() > 0);
}

fn not_found() -> Value {
    json!({"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}})
}

#[tokio::test]
async fn one_issue_by_key_in_any_case_or_by_id() {
    for flavor in FLAVORS {
        let sim = sim(flavor).await;
        let base = sim.base_url();
        for id_or_key in ["HSP-1", "hsp-1", "Hsp-1", "30001"] {
            let r = get(&format!(
                "{base}/rest/api/2/issue/{id_or_key}?fields=summary"
            ))
            .await;
            assert_eq!(r.status, 200, "{flavor:?} {id_or_key}: {}", r.body);
            let body = r.json();
            assert_eq!(body["id"], "30001");
            assert_eq!(body["key"], "HSP-1");
            assert_eq!(body["self"], format!("{base}/rest/api/2/issue/30001"));
            assert_eq!(
                body["fields"],
                json!({"summary": "Login failure on Safari"})
            );
        }
        // Without `fields`, every navigable field.
        let r = get(&format!("{base}/rest/api/2/issue/HSP-2")).await;
        assert_eq!(r.json()["fields"]["summary"], "Logout button missing");
        assert!(r.json()["fields"]["status"].is_object());
        for unknown in ["HSP-99", "NOPE-1", "99999", "not a key"] {
            let r = get(&format!(
                "{base}/rest/api/2/issue/{}?fields=summary",
                enc(unknown)
            ))
            .await;
            assert_eq!(r.status, 404, "{flavor:?} {unknown}");
            assert_eq!(r.json(), not_found(), "{flavor:?} {unknown}");
        }
        let v3 = get(&format!("{base}/rest/api/3/issue/HSP-5?fields=summary")).await;
        match flavor {
            Flavor::Cloud => {
                assert_eq!(v3.status, 200);
                assert_eq!(v3.json()["self"], format!("{base}/rest/api/3/issue/30005"));
            }
            Flavor::Server => assert_eq!(v3.status, 404, "no API 3 on Server"),
        }
    }
}

#[tokio::test]
async fn the_issue_endpoint_is_recorded_and_takes_faults() {
    let sim = sim(Flavor::Cloud).await;
    let base = sim.base_url();
    sim.add_fault(
        Fault::rate_limited(Some(7))
            .on("/rest/api/2/issue/")
            .times(1),
    );
    let r = get(&format!("{base}/rest/api/2/issue/HSP-1?fields=summary")).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("Retry-After"), Some("7"));
    // The fault is keyed by path: the text search beside it is untouched.
    assert_eq!(keys(&sim, r#"text ~ "login""#).await, ["HSP-6", "HSP-1"]);
    let r = get(&format!("{base}/rest/api/2/issue/HSP-1?fields=summary")).await;
    assert_eq!(r.status, 200);
    let log = sim.requests_to("/rest/api/2/issue/");
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|q| q.path == "/rest/api/2/issue/HSP-1"
        && q.query == [("fields".to_string(), "summary".to_string())]));
}

#[tokio::test]
async fn cloud_assignable_search_takes_a_project_id_or_key() {
    let sim = sim(Flavor::Cloud).await;
    let base = sim.base_url();
    for v in ["2", "3"] {
        let url = |project: &str, query: &str| {
            format!("{base}/rest/api/{v}/user/assignable/search?project={project}&query={query}")
        };
        let by_id = get(&url("20000", "jane")).await;
        let by_key = get(&url("HSP", "jane")).await;
        assert_eq!(by_id.status, 200, "{}", by_id.body);
        assert_eq!(by_key.status, 200, "{}", by_key.body);
        let ids = by_id.field("accountId");
        assert!(ids.contains(&"acc-jdoe".to_string()), "{ids:?}");
        assert!(
            !ids.contains(&"acc-jother".to_string()),
            "not assignable in HSP"
        );
        assert_eq!(ids, by_key.field("accountId"));
        // `query` filters on Cloud.
        assert!(get(&url("HSP", "nobodyatall"))
            .await
            .field("accountId")
            .is_empty());
        // Keys are case-sensitive on Cloud; an unknown id or key is Jira's 404.
        for unknown in ["hsp", "99999", "NOPE"] {
            let r = get(&url(unknown, "jane")).await;
            assert_eq!(r.status, 404, "{unknown}");
            assert_eq!(
                r.json(),
                json!({"errorMessages":[format!("No project could be found with key '{unknown}'.")],"errors":{}})
            );
        }
    }
}

#[tokio::test]
async fn server_assignable_search_takes_a_key_only() {
    let sim = sim(Flavor::Server).await;
    let base = sim.base_url();
    let url = |project: &str| {
        format!("{base}/rest/api/2/user/assignable/search?project={project}&username=jane")
    };
    let r = get(&url("HSP")).await;
    assert_eq!(r.status, 200);
    assert!(r.field("name").contains(&"jdoe".to_string()));
    let r = get(&url("20000")).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"errorMessages":["No project could be found with key '20000'."],"errors":{}})
    );
}
