//! Rules of the search use case, with mocks for interactions and fakes for behaviour.

use mockall::predicate::always;
use serde_json::json;

use super::*;
use crate::model::IntegrationId;
use crate::ports::{CacheError, MockJiraApi, MockSearchCache};
use crate::testing::{InMemoryCache, InMemoryStore, Reply, ScriptedJira};

mod issues;
mod users;

const TOKEN: &str = "jst_good";
const OTHER_TOKEN: &str = "jst_other_org";

/// A store with two orgs (1 `acme` owning `TOKEN`, 2 `umbrella` owning `OTHER_TOKEN`) and
/// integrations 10 (Server, acme), 11 (Cloud, acme), 12 (Server, acme, disabled),
/// 20 (Server, umbrella).
fn store() -> InMemoryStore {
    let store = InMemoryStore::new();
    let acme = store.seed_org("acme");
    let umbrella = store.seed_org("umbrella");
    store.seed_token(acme.id, TOKEN);
    store.seed_token(umbrella.id, OTHER_TOKEN);
    store.seed_integration(acme.id, integration(10, Provider::JiraServer, true));
    store.seed_integration(acme.id, integration(11, Provider::JiraCloud, true));
    store.seed_integration(acme.id, integration(12, Provider::JiraServer, false));
    store.seed_integration(umbrella.id, integration(20, Provider::JiraServer, true));
    store
}

use crate::testing::pat_integration as integration;

/// A scripted Jira fed rows of `path?k=v&...` → result; calls are read back in that form.
#[derive(Default)]
struct FakeJira(ScriptedJira);

fn describe(r: &JiraRequest) -> String {
    let q: Vec<String> = r.query().iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{}?{}", r.path(), q.join("&"))
}

impl FakeJira {
    fn answer(self, call: &str, result: Result<Value, JiraError>) -> Self {
        let (path, query) = call.split_once('?').unwrap_or((call, ""));
        let params: Vec<(&str, &str)> = query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| kv.split_once('=').unwrap_or((kv, "")))
            .collect();
        let reply = match result {
            Ok(v) => Reply::Json(v),
            Err(e) => Reply::Error(e),
        };
        self.0.on_with(path, &params, reply);
        self
    }
    fn calls(&self) -> Vec<String> {
        self.0
            .calls()
            .iter()
            .map(|c| describe(&c.request))
            .collect()
    }
}

impl JiraApi for FakeJira {
    async fn get_json(&self, i: &Integration, r: &JiraRequest) -> Result<Value, JiraError> {
        self.0.get_json(i, r).await
    }
}

impl<J: JiraApi, C: SearchCache> SearchService<J, InMemoryStore, C> {
    /// One search, its answer decoded.
    async fn search_list(
        &self,
        provider: Provider,
        req: &SearchRequest,
    ) -> Result<Vec<Choice>, SearchError> {
        let json = self.search(provider, req, &SearchTrace::default()).await?;
        Ok(json.choices().expect("a list of choices"))
    }

    /// One search of `query` in `field` on integration `id`, as acme, its answer decoded.
    async fn find(
        &self,
        provider: Provider,
        id: i64,
        field: &str,
        query: &str,
    ) -> Result<Vec<Choice>, SearchError> {
        self.search_list(provider, &request(id, Some(field), Some(query)))
            .await
    }
}

fn choice(value: &str, label: &str) -> Choice {
    Choice {
        value: json!(value),
        label: label.into(),
    }
}

fn request(integration_id: i64, field: Option<&str>, query: Option<&str>) -> SearchRequest {
    SearchRequest {
        token: Some(TOKEN.into()),
        org: OrgRef::parse("acme"),
        integration_id: Some(IntegrationId(integration_id)),
        field: field.map(Into::into),
        query: query.map(Into::into),
        project: None,
    }
}

fn service<J: JiraApi>(jira: J) -> SearchService<J, InMemoryStore, InMemoryCache> {
    SearchService::new(
        jira,
        store(),
        InMemoryCache::new(),
        SearchSettings::default(),
    )
}

fn not_found() -> JiraError {
    JiraError::Status {
        status: 404,
        error_messages: vec!["No project could be found with key '99'.".into()],
        errors: vec![],
    }
}

fn kind(e: &SearchError) -> String {
    match e {
        SearchError::Jira { message, .. } => format!("Jira: {message}"),
        other => format!("{other:?}"),
    }
}

#[tokio::test]
async fn checks_run_in_the_spec_order() {
    // Each case breaks one check and every later one, so only the first can answer.
    let svc = service(FakeJira::default());
    let cases: Vec<(SearchRequest, Provider, &str)> = vec![
        (
            SearchRequest {
                token: None,
                field: None,
                ..request(10, None, None)
            },
            Provider::JiraServer,
            "Unauthenticated",
        ),
        (
            SearchRequest {
                token: Some("jst_unknown".into()),
                ..request(10, None, None)
            },
            Provider::JiraServer,
            "Unauthenticated",
        ),
        (
            SearchRequest {
                org: OrgRef::parse("nope"),
                ..request(99, None, None)
            },
            Provider::JiraServer,
            "OrgNotFound",
        ),
        (
            // The org exists, but the token is another org's.
            SearchRequest {
                org: OrgRef::parse("umbrella"),
                ..request(20, None, None)
            },
            Provider::JiraServer,
            "OrgNotFound",
        ),
        (
            SearchRequest {
                org: OrgRef::parse("1"),
                ..request(99, None, None)
            },
            Provider::JiraServer,
            "IntegrationNotFound",
        ),
        // Linked, but of the other provider.
        (
            request(11, None, None),
            Provider::JiraServer,
            "IntegrationNotFound",
        ),
        (
            request(10, None, None),
            Provider::JiraCloud,
            "IntegrationNotFound",
        ),
        // Disabled.
        (
            request(12, Some("assignee"), Some("bob")),
            Provider::JiraServer,
            "IntegrationNotFound",
        ),
        // Digits too many for any id: no integration, found only after the org check.
        (
            SearchRequest {
                integration_id: None,
                ..request(10, Some("assignee"), Some("bob"))
            },
            Provider::JiraServer,
            "IntegrationNotFound",
        ),
        (
            SearchRequest {
                token: None,
                integration_id: None,
                ..request(10, Some("assignee"), Some("bob"))
            },
            Provider::JiraServer,
            "Unauthenticated",
        ),
        // Another org's integration.
        (
            request(20, Some("assignee"), Some("bob")),
            Provider::JiraServer,
            "IntegrationNotFound",
        ),
        (
            request(10, None, None),
            Provider::JiraServer,
            "FieldRequired",
        ),
        (
            request(10, Some("assignee"), None),
            Provider::JiraServer,
            "QueryRequired",
        ),
        (
            request(10, Some("assignee"), Some("")),
            Provider::JiraServer,
            "QueryRequired",
        ),
        // An empty field is present: the query check comes next, then the branch.
        (
            request(10, Some(""), None),
            Provider::JiraServer,
            "QueryRequired",
        ),
    ];
    for (req, provider, want) in cases {
        let err = svc.search_list(provider, &req).await.unwrap_err();
        assert_eq!(kind(&err), want, "{req:?} on {provider:?}");
    }
}

#[tokio::test]
async fn org_by_numeric_id_and_whitespace_query_are_accepted() {
    let jira = FakeJira::default().answer("/rest/api/2/user/search?username= ", Ok(json!([])));
    let svc = service(jira);
    let req = SearchRequest {
        org: OrgRef::parse("1"),
        ..request(10, Some("reporter"), Some(" "))
    };
    assert_eq!(
        svc.search_list(Provider::JiraServer, &req).await.unwrap(),
        vec![]
    );
}

#[tokio::test]
async fn server_without_project_uses_the_instance_search_with_username() {
    let jira = FakeJira::default().answer(
        "/rest/api/2/user/search?username=bo",
        Ok(json!([{"name":"bob","displayName":"Bobby","emailAddress":"bob@example.org"},{"displayName":"no id"}])),
    );
    let svc = service(jira);
    let got = svc
        .find(Provider::JiraServer, 10, "assignee", "bo")
        .await
        .unwrap();
    assert_eq!(got, vec![choice("bob", "Bobby - bob@example.org (bob)")]);
}

#[tokio::test]
async fn cloud_without_project_uses_find_users_with_query() {
    let jira = FakeJira::default().answer(
        "/rest/api/3/user/search?query=mi",
        Ok(json!([{"accountId":"5b10","displayName":"Mia Krystof","emailAddress":"mia@example.com"}])),
    );
    let svc = service(jira);
    let got = svc
        .find(Provider::JiraCloud, 11, "reporter", "mi")
        .await
        .unwrap();
    assert_eq!(got, vec![choice("5b10", "Mia Krystof - mia@example.com")]);
}

#[tokio::test]
async fn on_server_a_project_id_is_resolved_to_its_key_then_the_assignable_search_runs() {
    let jira = FakeJira::default()
        .answer(
            "/rest/api/2/project/10000?",
            Ok(json!({"id":"10000","key":"HSP","name":"x"})),
        )
        .answer(
            "/rest/api/2/user/assignable/search?project=HSP&username=bo",
            Ok(json!([{"name":"bob"}])),
        )
        .answer(
            "/rest/api/2/user/assignable/search?project=HSP&username=al",
            Ok(json!([])),
        );
    let svc = service(jira);
    let req = SearchRequest {
        project: Some("10000".into()),
        ..request(10, Some("assignee"), Some("bo"))
    };
    let got = svc.search_list(Provider::JiraServer, &req).await.unwrap();
    assert_eq!(got, vec![choice("bob", "bob (bob)")]);
    // Exactly one lookup and one search; the same search again reaches Jira no more.
    assert_eq!(
        svc.jira.calls(),
        [
            "/rest/api/2/project/10000?",
            "/rest/api/2/user/assignable/search?project=HSP&username=bo"
        ]
    );
    svc.search_list(Provider::JiraServer, &req).await.unwrap();
    assert_eq!(svc.jira.calls().len(), 2, "{:?}", svc.jira.calls());
    // Another query in that project: the key comes from the cache, only the search goes out.
    let other = SearchRequest {
        query: Some("al".into()),
        ..req
    };
    svc.search_list(Provider::JiraServer, &other).await.unwrap();
    assert_eq!(
        svc.jira.calls()[2..],
        ["/rest/api/2/user/assignable/search?project=HSP&username=al".to_owned()]
    );
}

#[tokio::test]
async fn an_unknown_project_id_gives_no_key_and_the_search_still_goes_out() {
    let jira = FakeJira::default()
        .answer("/rest/api/2/project/99?", Err(not_found()))
        .answer(
            "/rest/api/2/user/search?username=bo",
            Ok(json!([{"name":"bob"}])),
        )
        .answer("/rest/api/2/user/search?username=bob", Ok(json!([])));
    let svc = service(jira);
    let req = SearchRequest {
        project: Some("99".into()),
        ..request(10, Some("assignee"), Some("bo"))
    };
    let got = svc.search_list(Provider::JiraServer, &req).await.unwrap();
    assert_eq!(got, vec![choice("bob", "bob (bob)")]);
    // The unknown id is remembered too: a different query asks no project lookup.
    let req2 = SearchRequest {
        query: Some("bob".into()),
        ..req.clone()
    };
    let jira_calls_before = svc.jira.calls().len();
    svc.search_list(Provider::JiraServer, &req2).await.unwrap();
    let calls = svc.jira.calls();
    assert_eq!(
        calls[jira_calls_before..],
        ["/rest/api/2/user/search?username=bob".to_string()]
    );
}

#[tokio::test]
async fn a_project_that_is_not_digits_is_unknown_without_asking_and_never_changes_the_path() {
    for project in ["../../myself", "HSP", "10000?x=1", "1/2", ""] {
        let jira = FakeJira::default().answer("/rest/api/2/user/search?username=bo", Ok(json!([])));
        let svc = service(jira);
        let req = SearchRequest {
            project: Some(project.into()),
            ..request(10, Some("assignee"), Some("bo"))
        };
        svc.search_list(Provider::JiraServer, &req).await.unwrap();
        assert_eq!(
            svc.jira.calls(),
            vec!["/rest/api/2/user/search?username=bo".to_string()],
            "{project}"
        );
    }
}

#[tokio::test]
async fn every_jira_failure_is_the_users_message() {
    let failures = [
        (
            "/rest/api/2/project/1?",
            Err(JiraError::Status {
                status: 401,
                error_messages: vec![],
                errors: vec![],
            }),
        ),
        ("/rest/api/2/project/1?", Err(JiraError::Timeout)),
        ("/rest/api/2/project/1?", Ok(json!({"id":"1"}))),
        (
            "/rest/api/2/user/search?username=bo",
            Err(JiraError::Status {
                status: 429,
                error_messages: vec![],
                errors: vec![],
            }),
        ),
        (
            "/rest/api/2/user/search?username=bo",
            Err(JiraError::InvalidBody("not json".into())),
        ),
        (
            "/rest/api/2/user/search?username=bo",
            Err(JiraError::Unreachable {
                host: "jira".into(),
                detail: "refused".into(),
            }),
        ),
        (
            "/rest/api/2/user/search?username=bo",
            Ok(json!({"not":"an array"})),
        ),
    ];
    for (call, result) in failures {
        let jira = FakeJira::default()
            .answer("/rest/api/2/project/1?", Err(not_found()))
            .answer(call, result.clone());
        let svc = service(jira);
        let req = SearchRequest {
            project: Some("1".into()),
            ..request(10, Some("assignee"), Some("bo"))
        };
        let err = svc
            .search_list(Provider::JiraServer, &req)
            .await
            .unwrap_err();
        assert_eq!(
            kind(&err),
            "Jira: Unable to fetch users from Jira",
            "{call} {result:?}"
        );
        // Errors are never cached: the next identical search asks Jira again.
        let n = svc.jira.calls().len();
        let _ = svc.search_list(Provider::JiraServer, &req).await;
        assert!(svc.jira.calls().len() > n, "an error was cached for {call}");
    }
}

#[tokio::test]
async fn a_cache_hit_makes_no_jira_call() {
    let mut jira = MockJiraApi::new();
    jira.expect_get_json().never();
    let mut cache = MockSearchCache::new();
    let cached = serde_json::to_string(&vec![choice("bob", "cached")]).unwrap();
    cache
        .expect_get()
        .with(always())
        .times(1)
        .returning(move |_| {
            let v = cached.clone();
            Box::pin(async move { Ok(Some(v)) })
        });
    cache.expect_set().never();
    let svc = SearchService::new(jira, store(), cache, SearchSettings::default());
    let got = svc
        .find(Provider::JiraServer, 10, "assignee", "bo")
        .await
        .unwrap();
    assert_eq!(got[0].label, "cached");
}

#[tokio::test]
async fn a_failing_cache_is_a_miss_and_the_answer_still_comes_from_jira() {
    let mut jira = MockJiraApi::new();
    jira.expect_get_json()
        .times(1)
        .returning(|_, _| Box::pin(async { Ok(json!([{"name":"bob"}])) }));
    let mut cache = MockSearchCache::new();
    cache
        .expect_get()
        .returning(|_| Box::pin(async { Err(CacheError::Skipped("down")) }));
    cache
        .expect_set()
        .times(1)
        .returning(|_, _, _| Box::pin(async { Err(CacheError::Skipped("down")) }));
    let svc = SearchService::new(jira, store(), cache, SearchSettings::default());
    let got = svc
        .find(Provider::JiraServer, 10, "assignee", "bo")
        .await
        .unwrap();
    assert_eq!(got, vec![choice("bob", "bob (bob)")]);
}

#[tokio::test]
async fn cache_writes_use_the_configured_ttl_and_integration_scoped_keys() {
    let mut jira = MockJiraApi::new();
    jira.expect_get_json()
        .returning(|_, _| Box::pin(async { Ok(json!([])) }));
    let mut cache = MockSearchCache::new();
    cache
        .expect_get()
        .returning(|_| Box::pin(async { Ok(None) }));
    cache
        .expect_set()
        .withf(|key, value, ttl| {
            key.starts_with("jira-search:v1:10:users:")
                && value == "[]"
                && *ttl == Duration::from_secs(7)
        })
        .times(1)
        .returning(|_, _, _| Box::pin(async { Ok(()) }));
    let svc = SearchService::new(
        jira,
        store(),
        cache,
        SearchSettings {
            cache_ttl: Duration::from_secs(7),
        },
    );
    svc.find(Provider::JiraServer, 10, "assignee", "bo")
        .await
        .unwrap();
}

#[test]
fn user_search_requests_per_provider() {
    let d = |p, k: Option<&str>| describe(&jira_request::user_search(p, k, "a b&c"));
    assert_eq!(
        d(Provider::JiraServer, Some("HSP")),
        "/rest/api/2/user/assignable/search?project=HSP&username=a b&c"
    );
    assert_eq!(
        d(Provider::JiraCloud, Some("HSP")),
        "/rest/api/2/user/assignable/search?project=HSP&query=a b&c"
    );
    assert_eq!(
        d(Provider::JiraServer, None),
        "/rest/api/2/user/search?username=a b&c"
    );
    assert_eq!(
        d(Provider::JiraCloud, None),
        "/rest/api/3/user/search?query=a b&c"
    );
}

fn status(status: u16, messages: &[&str], errors: &[(&str, &str)]) -> JiraError {
    JiraError::Status {
        status,
        error_messages: messages.iter().map(|s| s.to_string()).collect(),
        errors: errors
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[tokio::test]
async fn an_empty_field_after_the_query_check_is_an_autocomplete_of_that_field() {
    let jira = FakeJira::default().answer(
        "/rest/api/2/jql/autocompletedata/suggestions?fieldName=&fieldValue=x",
        Ok(json!({"results": []})),
    );
    let svc = service(jira);
    let got = svc.find(Provider::JiraServer, 10, "", "x").await.unwrap();
    assert_eq!(got, vec![]);
}

#[tokio::test]
async fn autocomplete_names_custom_fields_and_is_cached() {
    let jira = FakeJira::default().answer(
        "/rest/api/2/jql/autocompletedata/suggestions?fieldName=cf[0123]&fieldValue=sp",
        Ok(json!({"results":[{"value":"1","displayName":"<b>Sp</b>rint 1 (1)"}]})),
    );
    let svc = service(jira);
    for _ in 0..2 {
        let got = svc
            .find(Provider::JiraServer, 10, "customfield_0123", "sp")
            .await
            .unwrap();
        assert_eq!(got, vec![choice("1", "Sprint 1 (1)")]);
    }
    assert_eq!(svc.jira.calls().len(), 1);
}

#[tokio::test]
async fn autocomplete_errors_name_the_field_as_sent() {
    let svc = service(FakeJira::default().answer(
        "/rest/api/2/jql/autocompletedata/suggestions?fieldName=cf[10100]&fieldValue=x",
        Err(status(500, &[], &[])),
    ));
    let err = svc
        .find(Provider::JiraServer, 10, "customfield_10100", "x")
        .await
        .unwrap_err();
    assert_eq!(
        kind(&err),
        "Jira: Unable to fetch autocomplete for customfield_10100 from Jira"
    );
}

#[tokio::test]
async fn project_is_a_project_search_on_cloud_and_an_autocomplete_field_on_server() {
    let jira = FakeJira::default()
        .answer(
            "/rest/api/2/project/search?query=ex",
            Ok(json!({"values":[{"id":"10000","key":"EX","name":"Example"}],"isLast":true})),
        )
        .answer(
            "/rest/api/2/jql/autocompletedata/suggestions?fieldName=project&fieldValue=ex",
            Ok(json!({"results":[{"value":"EX","displayName":"<b>Ex</b>ample (EX)"}]})),
        );
    let svc = service(jira);
    for _ in 0..2 {
        let cloud = svc
            .find(Provider::JiraCloud, 11, "project", "ex")
            .await
            .unwrap();
        assert_eq!(cloud, vec![choice("10000", "EX - Example")]);
    }
    let server = svc
        .find(Provider::JiraServer, 10, "project", "ex")
        .await
        .unwrap();
    assert_eq!(server, vec![choice("EX", "Example (EX)")]);
    assert_eq!(
        svc.jira.calls().len(),
        2,
        "the second Cloud project search came from the cache"
    );

    let svc = service(FakeJira::default().answer(
        "/rest/api/2/project/search?query=ex",
        Err(JiraError::Timeout),
    ));
    let err = svc
        .find(Provider::JiraCloud, 11, "project", "ex")
        .await
        .unwrap_err();
    assert_eq!(kind(&err), "Jira: Unable to fetch projects from Jira");
}

#[tokio::test]
async fn the_trace_counts_jira_calls_and_the_cache_outcome() {
    let users = json!([{"name": "bob", "displayName": "Bob"}]);
    let jira = FakeJira::default()
        .answer("/rest/api/2/project/10000?", Ok(json!({"key": "HSP"})))
        .answer(
            "/rest/api/2/user/assignable/search?project=HSP&username=bo",
            Ok(users),
        )
        .answer(
            "/rest/api/2/search?jql=text ~ \"bo*\"",
            Ok(json!({"issues": []})),
        );
    let svc = service(jira);
    let mut req = request(10, Some("assignee"), Some("bo"));
    req.project = Some("10000".into());
    let run = |req: SearchRequest| {
        let svc = &svc;
        async move {
            let trace = SearchTrace::default();
            let r = svc.search(Provider::JiraServer, &req, &trace).await;
            (r.is_ok(), trace.jira_calls(), trace.cache())
        }
    };
    // Cold: the project lookup and the user search.
    assert_eq!(run(req.clone()).await, (true, 2, CacheOutcome::Miss));
    // Warm: both from the cache.
    assert_eq!(run(req.clone()).await, (true, 0, CacheOutcome::Hit));
    // Issues are never cached.
    let issues = request(10, Some("externalIssue"), Some("bo"));
    assert_eq!(run(issues).await, (true, 1, CacheOutcome::Bypass));
    // A failed check: nothing was asked.
    let mut anonymous = req.clone();
    anonymous.token = None;
    assert_eq!(run(anonymous).await, (false, 0, CacheOutcome::None));
}

#[test]
fn branches_by_field_and_provider() {
    let s = Provider::JiraServer;
    let c = Provider::JiraCloud;
    for (provider, field, branch) in [
        (s, "assignee", Branch::Users),
        (c, "reporter", Branch::Users),
        (s, "externalIssue", Branch::Issues),
        (c, "parent", Branch::Issues),
        (c, "project", Branch::Projects),
        (s, "project", Branch::Autocomplete),
        (s, "customfield_10020", Branch::Autocomplete),
        (c, "", Branch::Autocomplete),
    ] {
        assert_eq!(Branch::of(provider, field), branch, "{provider:?} {field}");
    }
    assert_eq!(Branch::Projects.name(), "projects");
}

#[tokio::test]
async fn an_undecodable_cache_entry_is_a_miss_and_is_replaced() {
    let jira = FakeJira::default().answer(
        "/rest/api/2/user/search?username=bo",
        Ok(json!([{"name": "bob", "displayName": "Bob"}])),
    );
    let svc = service(jira);
    let key = cache_key(IntegrationId(10), "users", &["", "bo"]);
    svc.cache
        .set(&key, "{not a list", Duration::from_secs(60))
        .await
        .unwrap();
    let trace = SearchTrace::default();
    let got = svc
        .search(
            Provider::JiraServer,
            &request(10, Some("assignee"), Some("bo")),
            &trace,
        )
        .await
        .unwrap();
    assert_eq!(got.choices().unwrap().len(), 1);
    assert_eq!((trace.jira_calls(), trace.cache()), (1, CacheOutcome::Miss));
    let stored = svc.cache.get(&key).await.unwrap().unwrap();
    assert!(
        stored.starts_with('[') && stored.contains("bob"),
        "{stored}"
    );
}
