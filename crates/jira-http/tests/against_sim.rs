//! The Jira adapter against jira-sim on 127.0.0.1:0: the real HTTP stack, no mock of itself.

mod common;

use std::time::Duration;

use domain::jira_request::{myself, user_search};
use domain::{
    BaseUrl, Credentials, Integration, IntegrationId, JiraApi, JiraError, JiraRequest, Provider,
    Secret,
};
use jira_http::{HyperJira, JiraHttpConfig};
use jira_sim::{AuthKind, Fault, Flavor, SimConfig, SimHandle};

const PAT: &str = "pat-secret-123";
const BASIC_USER: &str = "fred@example.com";
const BASIC_SECRET: &str = "api-token-456";

async fn sim(flavor: Flavor, context_path: &str) -> SimHandle {
    jira_sim::start(SimConfig {
        flavor,
        context_path: context_path.into(),
        accept_tokens: vec![PAT.into()],
        accept_basic: vec![(BASIC_USER.into(), BASIC_SECRET.into())],
        ..SimConfig::default()
    })
    .await
    .expect("jira-sim starts")
}

fn integration(sim: &SimHandle, provider: Provider, credentials: Credentials) -> Integration {
    Integration {
        id: IntegrationId(1),
        provider,
        name: "sim".into(),
        base_url: BaseUrl::parse(&sim.base_url(), true).unwrap(),
        verify_tls: true,
        enabled: true,
        credentials,
    }
}

fn pat() -> Credentials {
    Credentials::Pat {
        token: Secret::new(PAT),
    }
}

fn basic(secret: &str) -> Credentials {
    Credentials::Basic {
        user: BASIC_USER.into(),
        secret: Secret::new(secret),
    }
}

fn client(timeout: Duration) -> HyperJira {
    HyperJira::new(JiraHttpConfig {
        timeout,
        ..JiraHttpConfig::default()
    })
    .unwrap()
}

#[tokio::test]
async fn auth_headers_of_each_scheme_reach_jira() {
    let sim = sim(Flavor::Server, "").await;
    let jira = client(Duration::from_secs(5));
    let req = myself();
    jira.get_json(&integration(&sim, Provider::JiraServer, pat()), &req)
        .await
        .unwrap();
    jira.get_json(
        &integration(&sim, Provider::JiraServer, basic(BASIC_SECRET)),
        &req,
    )
    .await
    .unwrap();
    let log = sim.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].auth, AuthKind::Bearer);
    assert_eq!(log[1].auth, AuthKind::Basic);
    assert_eq!(log[1].auth_user.as_deref(), Some(BASIC_USER));
}

#[tokio::test]
async fn bad_credentials_are_a_401_with_no_messages_from_the_html_page() {
    let sim = sim(Flavor::Server, "").await;
    let jira = client(Duration::from_secs(5));
    let err = jira
        .get_json(
            &integration(&sim, Provider::JiraServer, basic("wrong")),
            &myself(),
        )
        .await
        .unwrap_err();
    assert_eq!(err, common::bare_401());
    assert!(!format!("{err:?} {err}").contains("wrong"));
}

#[tokio::test]
async fn server_searches_by_username_and_cloud_by_query() {
    for (flavor, provider, text_param, ignored_param) in [
        (Flavor::Server, Provider::JiraServer, "username", "query"),
        (Flavor::Cloud, Provider::JiraCloud, "query", "username"),
    ] {
        let sim = sim(flavor, "").await;
        let target = sim
            .users()
            .into_iter()
            .find(|u| u.active && u.email.is_some())
            .unwrap();
        let prefix: String = target.display_name.chars().take(3).collect();
        let jira = client(Duration::from_secs(5));
        let integ = integration(&sim, provider, basic(BASIC_SECRET));
        let body = jira
            .get_json(&integ, &user_search(provider, None, &prefix))
            .await
            .unwrap();
        let users = body.as_array().unwrap();
        assert!(!users.is_empty(), "{flavor:?}: no user for {prefix}");
        assert!(
            users.len() < sim.users().len(),
            "{flavor:?}: the search was not filtered"
        );
        let id_field = provider.user_id_field();
        let want = match provider {
            Provider::JiraServer => &target.name,
            Provider::JiraCloud => &target.account_id,
        };
        assert!(
            users.iter().any(|u| u[id_field] == want.as_str()),
            "{flavor:?}: {want} missing"
        );
        let last = sim.requests().pop().unwrap();
        assert_eq!(last.param(text_param), Some(prefix.as_str()));
        assert_eq!(last.param(ignored_param), None);
    }
}

#[tokio::test]
async fn query_values_are_encoded_and_cannot_change_the_path() {
    let sim = sim(Flavor::Server, "").await;
    let jira = client(Duration::from_secs(5));
    let integ = integration(&sim, Provider::JiraServer, pat());
    let tricky = "a b&project=X/../#?+é";
    jira.get_json(&integ, &user_search(Provider::JiraServer, None, tricky))
        .await
        .unwrap();
    let err = jira
        .get_json(
            &integ,
            &JiraRequest::get("rest/api/2/project").segment("../myself"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, JiraError::Status { status: 404, .. }),
        "{err:?}"
    );
    let log = sim.requests();
    assert_eq!(log[0].path, "/rest/api/2/user/search");
    assert_eq!(log[0].param("username"), Some(tricky));
    assert_eq!(log[0].param("project"), None);
    assert_eq!(log[1].path, "/rest/api/2/project/..%2Fmyself");
}

#[tokio::test]
async fn a_base_url_with_a_context_path_is_kept() {
    let sim = sim(Flavor::Server, "/jira").await;
    assert!(sim.base_url().ends_with("/jira"));
    let jira = client(Duration::from_secs(5));
    let project = sim.projects()[0].clone();
    let body = jira
        .get_json(
            &integration(&sim, Provider::JiraServer, pat()),
            &JiraRequest::get("rest/api/2/project").segment(project.id.clone()),
        )
        .await
        .unwrap();
    assert_eq!(body["key"], project.key.as_str());
    assert_eq!(
        sim.requests()[0].path,
        format!("/jira/rest/api/2/project/{}", project.id)
    );
}

#[tokio::test]
async fn json_error_collections_are_read() {
    let sim = sim(Flavor::Server, "").await;
    let jira = client(Duration::from_secs(5));
    let err = jira
        .get_json(
            &integration(&sim, Provider::JiraServer, pat()),
            &JiraRequest::get("rest/api/2/user/search"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        JiraError::Status {
            status: 400,
            error_messages: vec!["The username query parameter was not provided".into()],
            errors: vec![],
        }
    );
}

#[tokio::test]
async fn html_error_pages_and_malformed_json_are_survived() {
    let sim = sim(Flavor::Cloud, "").await;
    let jira = client(Duration::from_secs(5));
    let integ = integration(&sim, Provider::JiraCloud, basic(BASIC_SECRET));
    let req = user_search(Provider::JiraCloud, None, "a");
    sim.add_fault(Fault::html(502, "<html><body><h1>502 Bad Gateway</h1></body></html>").times(1));
    let err = jira.get_json(&integ, &req).await.unwrap_err();
    assert_eq!(
        err,
        JiraError::Status {
            status: 502,
            error_messages: vec![],
            errors: vec![]
        }
    );
    sim.add_fault(Fault::malformed_json().times(1));
    let err = jira.get_json(&integ, &req).await.unwrap_err();
    assert!(matches!(err, JiraError::InvalidBody(_)), "{err:?}");
    // Faults spent: the next call succeeds on a pooled connection.
    jira.get_json(&integ, &req).await.unwrap();
}

#[tokio::test]
async fn a_jira_that_never_answers_times_out_at_the_deadline() {
    let sim = sim(Flavor::Server, "").await;
    sim.add_fault(Fault::never_answer());
    let jira = client(Duration::from_millis(300));
    let started = std::time::Instant::now();
    let err = jira
        .get_json(&integration(&sim, Provider::JiraServer, pat()), &myself())
        .await
        .unwrap_err();
    assert_eq!(err, JiraError::Timeout);
    // The deadline holds (generous bound: this is a behaviour check, not a benchmark).
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_unreachable_host_and_a_reset_connection_name_the_host() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let jira = client(Duration::from_secs(5));
    let integ = Integration {
        id: IntegrationId(9),
        provider: Provider::JiraServer,
        name: "closed".into(),
        base_url: BaseUrl::parse(&format!("http://127.0.0.1:{port}/jira"), true).unwrap(),
        verify_tls: true,
        enabled: true,
        credentials: pat(),
    };
    let err = jira.get_json(&integ, &myself()).await.unwrap_err();
    match err {
        JiraError::Unreachable { host, .. } => assert_eq!(host, "127.0.0.1"),
        other => panic!("expected Unreachable, got {other:?}"),
    }

    let sim = sim(Flavor::Server, "").await;
    sim.add_fault(Fault::reset_connection());
    let err = jira
        .get_json(&integration(&sim, Provider::JiraServer, pat()), &myself())
        .await
        .unwrap_err();
    assert!(matches!(err, JiraError::Unreachable { .. }), "{err:?}");
    assert!(!err.to_string().contains(PAT));
}

#[tokio::test]
async fn tls_to_a_plain_http_port_fails_cleanly() {
    // An https URL pointed at a plain-HTTP server: the handshake fails; no panic, no hang.
    let sim = sim(Flavor::Server, "").await;
    let https = sim.base_url().replace("http://", "https://");
    let mut integ = integration(&sim, Provider::JiraServer, pat());
    integ.base_url = BaseUrl::parse(&https, false).unwrap();
    for verify in [true, false] {
        integ.verify_tls = verify;
        let err = client(Duration::from_secs(5))
            .get_json(&integ, &myself())
            .await
            .unwrap_err();
        assert!(matches!(err, JiraError::Unreachable { .. }), "{err:?}");
    }
}

#[tokio::test]
async fn rate_limits_are_waited_out_when_the_wait_fits_the_deadline() {
    let sim = sim(Flavor::Cloud, "").await;
    let jira = client(Duration::from_secs(5));
    let integ = integration(&sim, Provider::JiraCloud, basic(BASIC_SECRET));
    let req = user_search(Provider::JiraCloud, None, "a");

    // 429 with Retry-After: 1, then Jira answers: the call succeeds after the wait.
    sim.add_fault(Fault::rate_limited(Some(1)).times(1));
    let started = std::time::Instant::now();
    jira.get_json(&integ, &req).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sim.requests().len(), 2);

    // A 503 twice, then an answer: two retries are allowed.
    sim.clear_requests();
    sim.add_fault(
        Fault::html(503, "<html>busy</html>")
            .header("Retry-After", "0")
            .times(2),
    );
    jira.get_json(&integ, &req).await.unwrap();
    assert_eq!(sim.requests().len(), 3);

    // Three in a row: after two retries the 503 is the answer.
    sim.clear_requests();
    sim.add_fault(
        Fault::html(503, "<html>busy</html>")
            .header("Retry-After", "0")
            .times(3),
    );
    let err = jira.get_json(&integ, &req).await.unwrap_err();
    assert!(
        matches!(err, JiraError::Status { status: 503, .. }),
        "{err:?}"
    );
    assert_eq!(sim.requests().len(), 3);
    sim.clear_faults();

    // A wait beyond the deadline: no wait at all, the 429 comes back at once.
    sim.clear_requests();
    sim.add_fault(Fault::rate_limited(Some(120)).times(1));
    let started = std::time::Instant::now();
    let err = jira.get_json(&integ, &req).await.unwrap_err();
    assert!(
        matches!(err, JiraError::Status { status: 429, .. }),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sim.requests().len(), 1);

    // Retry-After as an HTTP date, and Cloud's X-RateLimit-Reset (ISO 8601): waited out too.
    let in_two_seconds = std::time::SystemTime::now() + Duration::from_secs(2);
    let iso = |t: std::time::SystemTime| {
        time::OffsetDateTime::from(t)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    for (name, value) in [
        ("Retry-After", httpdate::fmt_http_date(in_two_seconds)),
        ("X-RateLimit-Reset", iso(in_two_seconds)),
    ] {
        sim.clear_requests();
        sim.add_fault(Fault::rate_limited(None).header(name, &value).times(1));
        jira.get_json(&integ, &req)
            .await
            .unwrap_or_else(|e| panic!("{name}: {value}: {e:?}"));
        assert_eq!(sim.requests().len(), 2, "{name}: {value}");
    }
    // A reset beyond the deadline: the 429 at once.
    sim.clear_requests();
    let later = iso(std::time::SystemTime::now() + Duration::from_secs(600));
    sim.add_fault(
        Fault::rate_limited(None)
            .header("X-RateLimit-Reset", &later)
            .times(1),
    );
    let err = jira.get_json(&integ, &req).await.unwrap_err();
    assert!(
        matches!(err, JiraError::Status { status: 429, .. }),
        "{err:?}"
    );
    assert_eq!(sim.requests().len(), 1);

    // No Retry-After (some gateways): no retry.
    sim.clear_requests();
    sim.add_fault(Fault::rate_limited(None).times(1));
    let err = jira.get_json(&integ, &req).await.unwrap_err();
    assert!(
        matches!(err, JiraError::Status { status: 429, .. }),
        "{err:?}"
    );
    assert_eq!(sim.requests().len(), 1);
}
