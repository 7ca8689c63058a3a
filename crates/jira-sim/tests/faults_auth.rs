//! Authentication, the request log, fault injection and the control routes.

mod common;

use std::time::{Duration, Instant};

use common::{basic, get, get_with, send, send_within};
use jira_sim::{start, AuthKind, Fault, FaultKind, Flavor, RecordedRequest, SimConfig, SimUser};
use serde_json::json;

const SECRET: &str = "s3cr3t-Pa55word";
const TOKEN: &str = "pat-TOKEN-123456";

async fn closed(flavor: Flavor) -> jira_sim::SimHandle {
    start(SimConfig {
        flavor,
        users: 5,
        extra_users: vec![SimUser {
            name: "jdoe".into(),
            key: "JIRAUSER99".into(),
            account_id: "acc-jdoe".into(),
            display_name: "Jane Doe".into(),
            email: Some("jane@example.org".into()),
            active: true,
            projects: Vec::new(),
        }],
        accept_tokens: vec![TOKEN.into()],
        accept_basic: vec![
            ("jdoe".into(), SECRET.into()),
            ("jane@example.org".into(), SECRET.into()),
        ],
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn server_auth() {
    let sim = closed(Flavor::Server).await;
    let myself = format!("{}/rest/api/2/myself", sim.base_url());

    let bad = get_with(&myself, &[("Authorization", &basic("jdoe", "wrong"))]).await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.header("content-type"), Some("text/html;charset=UTF-8"));
    assert_eq!(
        bad.header("x-seraph-loginreason"),
        Some("AUTHENTICATED_FAILED")
    );
    assert!(bad.body.contains("<html"));
    let bad_token = get_with(&myself, &[("Authorization", "Bearer nope")]).await;
    assert_eq!(bad_token.status, 401);
    assert_eq!(
        bad_token.header("x-seraph-loginreason"),
        Some("AUTHENTICATED_FAILED")
    );

    let anonymous = get(&myself).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.json(),
        json!({"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}})
    );
    // Jira routes other than /myself are protected too.
    let r = get(&format!("{}/rest/api/2/project", sim.base_url())).await;
    assert_eq!(r.status, 401);

    let ok = get_with(&myself, &[("Authorization", &basic("jdoe", SECRET))]).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["name"], "jdoe");
    assert_eq!(ok.json()["displayName"], "Jane Doe");
    let ok = get_with(&myself, &[("Authorization", &format!("Bearer {TOKEN}"))]).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["name"], "jira-sim");
}

#[tokio::test]
async fn cloud_auth() {
    let sim = closed(Flavor::Cloud).await;
    let myself = format!("{}/rest/api/3/myself", sim.base_url());
    for headers in [
        vec![],
        vec![("Authorization", basic("jane@example.org", "x"))],
    ] {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = get_with(&myself, &headers).await;
        assert_eq!(r.status, 401);
        assert_eq!(
            r.body,
            "Client must be authenticated to access this resource."
        );
        assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    }
    let ok = get_with(
        &myself,
        &[("Authorization", &basic("jane@example.org", SECRET))],
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["accountId"], "acc-jdoe");
    let ok = get_with(&myself, &[("Authorization", &format!("Bearer {TOKEN}"))]).await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn open_instance_accepts_everyone() {
    let sim = start(SimConfig::default()).await.unwrap();
    let r = get(&format!("{}/rest/api/2/myself", sim.base_url())).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["name"], "jira-sim");
    let r = get_with(
        &format!("{}/rest/api/2/project", sim.base_url()),
        &[("Authorization", "JWT whatever")],
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn request_log_records_params_and_auth_kind_but_no_secret() {
    let sim = closed(Flavor::Server).await;
    let base = sim.base_url();
    let auth = basic("jdoe", SECRET);
    get_with(
        &format!(
            "{base}/rest/api/2/user/assignable/search?username=j%C3%B6rg+x%26y&project=A&project=B"
        ),
        &[("Authorization", &auth)],
    )
    .await;
    get_with(
        &format!("{base}/rest/api/2/myself"),
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    )
    .await;
    get_with(
        &format!("{base}/rest/api/2/myself"),
        &[("Authorization", "JWT a.b.c")],
    )
    .await;
    get_with(
        &format!("{base}/rest/api/2/myself"),
        &[("Authorization", "OAuth oauth_token=\"t\"")],
    )
    .await;
    get_with(
        &format!("{base}/rest/api/2/myself"),
        &[("Authorization", "Negotiate abc")],
    )
    .await;
    get(&format!("{base}/rest/api/2/serverInfo")).await;
    // Control routes are never recorded.
    get(&format!("{base}/_sim/requests")).await;

    let log = sim.requests();
    assert_eq!(log.len(), 6);
    let first = &log[0];
    assert_eq!(first.method, "GET");
    assert_eq!(first.path, "/rest/api/2/user/assignable/search");
    assert_eq!(
        first.query,
        vec![
            ("username".to_string(), "jörg x&y".to_string()),
            ("project".to_string(), "A".to_string()),
            ("project".to_string(), "B".to_string()),
        ]
    );
    assert_eq!(
        first.raw_query.as_deref(),
        Some("username=j%C3%B6rg+x%26y&project=A&project=B")
    );
    assert_eq!(first.param("project"), Some("B"));
    assert_eq!(first.param("username"), Some("jörg x&y"));
    assert_eq!(first.auth, AuthKind::Basic);
    assert_eq!(first.auth_user.as_deref(), Some("jdoe"));
    let kinds: Vec<AuthKind> = log.iter().map(|r| r.auth).collect();
    assert_eq!(
        kinds,
        vec![
            AuthKind::Basic,
            AuthKind::Bearer,
            AuthKind::Jwt,
            AuthKind::OAuth,
            AuthKind::Other,
            AuthKind::None
        ]
    );
    let dumped = serde_json::to_string(&log).unwrap();
    assert!(!dumped.contains(SECRET));
    assert!(!dumped.contains(TOKEN));
    assert!(!dumped.contains(auth.trim_start_matches("Basic ")));
    let back: Vec<RecordedRequest> = serde_json::from_str(&dumped).unwrap();
    assert_eq!(back, log);

    sim.clear_requests();
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn respond_faults() {
    let sim = start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    sim.add_fault(
        Fault::html(502, "<html><body>Bad Gateway</body></html>")
            .on("/rest/api/2/project")
            .times(1),
    );
    sim.add_fault(Fault::rate_limited(Some(7)).on("/rest/api/2/user").times(2));
    sim.add_fault(Fault::status(500).on("/rest/api/2/user").times(5));

    let r = get(&format!("{base}/rest/api/2/project")).await;
    assert_eq!(r.status, 502);
    assert_eq!(r.header("content-type"), Some("text/html;charset=UTF-8"));
    assert_eq!(r.body, "<html><body>Bad Gateway</body></html>");
    let r = get(&format!("{base}/rest/api/2/project")).await;
    assert_eq!(r.status, 200, "times(1) is spent");

    // First match wins, in order; the next fault takes over once a fault is spent.
    let url = format!("{base}/rest/api/2/user/search?username=a");
    for _ in 0..2 {
        let r = get(&url).await;
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after"), Some("7"));
    }
    assert_eq!(get(&url).await.status, 500);
    // Unmatched paths are untouched.
    assert_eq!(
        get(&format!("{base}/rest/api/2/serverInfo")).await.status,
        200
    );
    sim.clear_faults();
    assert_eq!(get(&url).await.status, 200);
    // Faulted requests are recorded like any other.
    assert_eq!(sim.requests_to("/rest/api/2/user").len(), 4);
}

#[tokio::test]
async fn delay_and_latency() {
    let sim = start(SimConfig {
        latency_ms: 100,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let url = format!("{}/rest/api/2/serverInfo", sim.base_url());
    let t = Instant::now();
    assert_eq!(get(&url).await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(100));
    sim.add_fault(Fault::status(503).delay(200).times(1));
    let t = Instant::now();
    assert_eq!(get(&url).await.status, 503);
    assert!(t.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn never_answer_reset_and_malformed() {
    let sim = start(SimConfig::default()).await.unwrap();
    let base = sim.base_url();
    let url = format!("{base}/rest/api/2/project");

    sim.add_fault(Fault::never_answer().times(1));
    let r = send_within(Duration::from_millis(300), "GET", &url, &[]).await;
    assert!(r.is_err(), "must time out, got {r:?}");

    sim.add_fault(Fault::reset_connection().times(1));
    let r = send_within(Duration::from_secs(5), "GET", &url, &[])
        .await
        .expect("no hang");
    assert!(r.is_err(), "connection must drop without an answer: {r:?}");

    sim.add_fault(Fault::malformed_json().times(1));
    let r = get(&url).await;
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert!(r.body.starts_with('['));
    assert!(serde_json::from_str::<serde_json::Value>(&r.body).is_err());

    // Back to normal.
    assert_eq!(get(&url).await.status, 200);
}

#[tokio::test]
async fn shutdown_releases_held_connections() {
    let sim = start(SimConfig::default()).await.unwrap();
    sim.add_fault(Fault::never_answer());
    let url = format!("{}/rest/api/2/project", sim.base_url());
    let pending = tokio::spawn(async move { send("GET", &url, &[], "").await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    sim.shutdown().await;
    let r = tokio::time::timeout(Duration::from_secs(5), pending)
        .await
        .expect("released")
        .unwrap();
    assert!(r.is_err());
}

#[tokio::test]
async fn control_routes() {
    let sim = start(SimConfig {
        context_path: "/jira".into(),
        users: 4,
        projects: 2,
        accept_tokens: vec![TOKEN.into()],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let root = format!("http://{}", sim.addr());
    let base = sim.base_url();

    // Never behind the context path, never authenticated.
    let data = get(&format!("{root}/_sim/data")).await;
    assert_eq!(data.status, 200);
    let data = data.json();
    assert_eq!(data["users"].as_array().unwrap().len(), 4);
    assert_eq!(data["projects"].as_array().unwrap().len(), 2);
    assert_eq!(data["flavor"], "server");

    let fault =
        serde_json::to_string(&Fault::html(503, "down").on("/rest/api/2/serverInfo")).unwrap();
    let r = send(
        "POST",
        &format!("{root}/_sim/faults"),
        &[("content-type", "application/json")],
        &fault,
    )
    .await
    .unwrap();
    assert_eq!(r.status, 201);
    let r = send(
        "POST",
        &format!("{root}/_sim/faults"),
        &[],
        r#"{"kind":"MalformedJson","path_prefix":"/rest/api/2/project","times":1}"#,
    )
    .await
    .unwrap();
    assert_eq!(r.status, 201);
    let r = send("POST", &format!("{root}/_sim/faults"), &[], "not json")
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    let faults: Vec<Fault> =
        serde_json::from_str(&get(&format!("{root}/_sim/faults")).await.body).unwrap();
    assert_eq!(faults.len(), 2);
    assert_eq!(faults[1].kind, FaultKind::MalformedJson);

    // Faults come before authentication.
    let r = get(&format!("{base}/rest/api/2/serverInfo")).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.body, "down");
    let r = get_with(
        &format!("{base}/rest/api/2/project"),
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    )
    .await;
    assert!(serde_json::from_str::<serde_json::Value>(&r.body).is_err());

    let log: Vec<RecordedRequest> =
        serde_json::from_str(&get(&format!("{root}/_sim/requests")).await.body).unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].path, "/jira/rest/api/2/serverInfo");
    assert_eq!(log[1].auth, AuthKind::Bearer);

    assert_eq!(
        send("DELETE", &format!("{root}/_sim/requests"), &[], "")
            .await
            .unwrap()
            .status,
        204
    );
    assert_eq!(
        send("DELETE", &format!("{root}/_sim/faults"), &[], "")
            .await
            .unwrap()
            .status,
        204
    );
    assert!(sim.requests().is_empty());
    let r = get_with(
        &format!("{base}/rest/api/2/serverInfo"),
        &[("Authorization", &format!("Bearer {TOKEN}"))],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(get(&format!("{root}/_sim/nope")).await.status, 404);
}
