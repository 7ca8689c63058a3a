//! Unit tests of routing and of reading a search request.

use super::*;
use hyper::header::AUTHORIZATION;

#[test]
fn routes() {
    let search = |p, org: &str, id| Route::Search {
        provider: p,
        org: OrgRef::parse(org),
        integration_id: Some(IntegrationId(id)),
    };
    let cases = [
        ("/healthz", Route::Healthz),
        ("/readyz", Route::Readyz),
        ("/metrics", Route::Metrics),
        (
            "/extensions/jira-server/search/acme/1/",
            search(Provider::JiraServer, "acme", 1),
        ),
        (
            "/extensions/jira-server/search/acme/1",
            search(Provider::JiraServer, "acme", 1),
        ),
        (
            "/extensions/jira/search/7/42/",
            search(Provider::JiraCloud, "7", 42),
        ),
        ("/extensions/jira/search/acme/x/", Route::NotFound),
        ("/extensions/jira/search/acme/-1/", Route::NotFound),
        (
            // Too many digits for any id: still the search route, so the token and the
            // org are checked before the integration is found missing.
            "/extensions/jira/search/acme/99999999999999999999/",
            Route::Search {
                provider: Provider::JiraCloud,
                org: OrgRef::parse("acme"),
                integration_id: None,
            },
        ),
        ("/extensions/jira/search/acme/", Route::NotFound),
        ("/extensions/jira/search//1/", Route::NotFound),
        ("/extensions/jira/search/acme/1/extra", Route::NotFound),
        ("/extensions/jira/search/acme/1//", Route::NotFound),
        ("/extensions/github/search/acme/1/", Route::NotFound),
        ("/healthz/", Route::NotFound),
        ("/", Route::NotFound),
    ];
    for (path, want) in cases {
        assert_eq!(Route::parse(path), want, "{path}");
    }
}

#[test]
fn parameters_last_value_wins_and_bearer_is_read() {
    let req = Request::builder()
        .uri("/x?field=a&query=b+c&field=assignee&project=1&query=%20&other=z")
        .header(AUTHORIZATION, "bearer jst_abc")
        .body(())
        .unwrap();
    let s = search_request(&req, OrgRef::parse("acme"), Some(IntegrationId(3)));
    assert_eq!(s.field.as_deref(), Some("assignee"));
    assert_eq!(s.query.as_deref(), Some(" "));
    assert_eq!(s.project.as_deref(), Some("1"));
    assert_eq!(s.token.as_deref(), Some("jst_abc"));
    let req = Request::builder()
        .uri("/x?field=")
        .header(AUTHORIZATION, "Basic abc")
        .body(())
        .unwrap();
    let s = search_request(&req, OrgRef::parse("acme"), Some(IntegrationId(3)));
    assert_eq!(s.field.as_deref(), Some(""));
    assert_eq!(s.query, None);
    assert_eq!(s.token, None);
}
