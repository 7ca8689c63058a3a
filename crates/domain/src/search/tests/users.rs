//! The user branch on Jira Cloud: the assignable search takes the project id itself (no
//! lookup), and Cloud's 404 for an unknown project falls back to the instance-wide search.

use super::*;

const ASSIGNABLE_10000: &str = "/rest/api/2/user/assignable/search?project=10000&query=mi";
const FIND_USERS: &str = "/rest/api/3/user/search?query=mi";

fn mia() -> Value {
    json!([{"accountId":"5b10","displayName":"Mia Krystof","emailAddress":"mia@example.com"}])
}

fn cloud(project: &str, query: &str) -> SearchRequest {
    SearchRequest {
        project: Some(project.into()),
        ..request(11, Some("assignee"), Some(query))
    }
}

/// One Cloud search, with what it did.
async fn traced<J: JiraApi>(
    svc: &SearchService<J, InMemoryStore, InMemoryCache>,
    req: &SearchRequest,
) -> (Result<Vec<Choice>, SearchError>, u32, CacheOutcome) {
    let trace = SearchTrace::default();
    let got = svc
        .search(Provider::JiraCloud, req, &trace)
        .await
        .map(|json| json.choices().expect("a list of choices"));
    (got, trace.jira_calls(), trace.cache())
}

#[tokio::test]
async fn cloud_sends_the_project_id_to_the_assignable_search_in_one_call_and_caches() {
    let svc = service(FakeJira::default().answer(ASSIGNABLE_10000, Ok(mia())));
    let req = cloud("10000", "mi");
    let (got, calls, cache) = traced(&svc, &req).await;
    assert_eq!(
        got.unwrap(),
        vec![choice("5b10", "Mia Krystof - mia@example.com")]
    );
    assert_eq!((calls, cache), (1, CacheOutcome::Miss));
    assert_eq!(svc.jira.calls(), [ASSIGNABLE_10000], "no project lookup");
    // The same search again: from the cache.
    let (again, calls, cache) = traced(&svc, &req).await;
    assert_eq!(again.unwrap().len(), 1);
    assert_eq!((calls, cache), (0, CacheOutcome::Hit));
    assert_eq!(svc.jira.calls().len(), 1);
}

#[tokio::test]
async fn cloud_falls_back_to_the_instance_search_on_404_and_caches_that_answer() {
    let jira = FakeJira::default().answer(FIND_USERS, Ok(mia()));
    jira.0.on(
        "/rest/api/2/user/assignable/search",
        Reply::not_found("No project could be found with id '99'."),
    );
    let svc = service(jira);
    let req = cloud("99", "mi");
    let (got, calls, _) = traced(&svc, &req).await;
    assert_eq!(
        got.unwrap(),
        vec![choice("5b10", "Mia Krystof - mia@example.com")]
    );
    assert_eq!(calls, 2);
    assert_eq!(
        svc.jira.calls(),
        [
            "/rest/api/2/user/assignable/search?project=99&query=mi",
            FIND_USERS
        ]
    );
    // The fallback's answer is this search's answer, cached like any other.
    let (again, calls, cache) = traced(&svc, &req).await;
    assert_eq!(again.unwrap().len(), 1);
    assert_eq!((calls, cache), (0, CacheOutcome::Hit));
    assert_eq!(svc.jira.calls().len(), 2);
}

#[tokio::test]
async fn cloud_answers_are_cached_per_project_and_query() {
    let jira = FakeJira::default();
    jira.0
        .on("/rest/api/2/user/assignable/search", Reply::Json(mia()))
        .on("/rest/api/3/user/search", Reply::Json(json!([])));
    let svc = service(jira);
    let searches = [
        cloud("10000", "mi"),
        cloud("10001", "mi"),
        cloud("10000", "mia"),
        // No project: the instance-wide search, not any project's answer.
        request(11, Some("reporter"), Some("mi")),
        cloud("", "mi"),
        cloud("100", "00mi"),
        cloud("10000", "mi"),
        cloud("1000", "0mi"),
    ];
    for req in &searches {
        traced(&svc, req).await.0.unwrap();
    }
    assert_eq!(
        svc.jira.calls(),
        [
            ASSIGNABLE_10000,
            "/rest/api/2/user/assignable/search?project=10001&query=mi",
            "/rest/api/2/user/assignable/search?project=10000&query=mia",
            FIND_USERS,
            "/rest/api/2/user/assignable/search?project=100&query=00mi",
            "/rest/api/2/user/assignable/search?project=1000&query=0mi",
        ],
        "each different search asked once, the repeated ones came from the cache"
    );
}

#[tokio::test]
async fn on_cloud_a_project_that_is_not_an_id_is_unknown_without_asking() {
    for project in [
        "HSP",
        "../../myself",
        "10000?x=1",
        "1/2",
        " 1",
        "1234567890123456789",
    ] {
        let svc = service(FakeJira::default().answer(FIND_USERS, Ok(mia())));
        let got = svc
            .search_list(Provider::JiraCloud, &cloud(project, "mi"))
            .await
            .unwrap();
        assert_eq!(got.len(), 1, "{project}");
        assert_eq!(svc.jira.calls(), [FIND_USERS], "{project}");
    }
}

#[tokio::test]
async fn cloud_failures_other_than_404_are_the_users_message_without_fallback() {
    let failures = [
        status(400, &["query and accountId"], &[]),
        status(401, &[], &[]),
        status(429, &["Rate limit exceeded."], &[]),
        status(500, &[], &[]),
        JiraError::Timeout,
        JiraError::InvalidBody("not json".into()),
    ];
    for failure in failures {
        let svc = service(
            FakeJira::default()
                .answer(ASSIGNABLE_10000, Err(failure.clone()))
                .answer(FIND_USERS, Ok(mia())),
        );
        let req = cloud("10000", "mi");
        let (got, _, _) = traced(&svc, &req).await;
        assert_eq!(
            kind(&got.unwrap_err()),
            "Jira: Unable to fetch users from Jira",
            "{failure:?}"
        );
        assert_eq!(svc.jira.calls(), [ASSIGNABLE_10000], "{failure:?}");
        // Never cached: the next identical search asks again.
        let _ = traced(&svc, &req).await;
        assert_eq!(svc.jira.calls().len(), 2, "{failure:?}");
    }
    // A 404, then a failing fallback, is a failure too.
    let svc = service(
        FakeJira::default()
            .answer(ASSIGNABLE_10000, Err(not_found()))
            .answer(FIND_USERS, Err(JiraError::Timeout)),
    );
    let (got, calls, _) = traced(&svc, &cloud("10000", "mi")).await;
    assert_eq!(
        kind(&got.unwrap_err()),
        "Jira: Unable to fetch users from Jira"
    );
    assert_eq!(calls, 2);
}

#[tokio::test(start_paused = true)]
async fn identical_cloud_searches_at_the_same_moment_share_one_call() {
    let jira = FakeJira::default();
    jira.0.on_after(
        "/rest/api/2/user/assignable/search",
        Duration::from_secs(1),
        Reply::Json(mia()),
    );
    let svc = service(jira);
    let req = cloud("10000", "mi");
    let (a, b) = tokio::join!(
        svc.search_list(Provider::JiraCloud, &req),
        svc.search_list(Provider::JiraCloud, &req),
    );
    assert_eq!(a.unwrap(), b.unwrap());
    assert_eq!(svc.jira.calls(), [ASSIGNABLE_10000]);
}
