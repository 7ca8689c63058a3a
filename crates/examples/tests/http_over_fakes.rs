//! docs/testing.md, example 1: the real HTTP API over a scripted Jira and an in-memory
//! store, in-process. It asserts a search's answer and the Jira calls it made.

use std::sync::Arc;

use bytes::Bytes;
use domain::admin::IntegrationForm;
use domain::testing::{InMemoryCache, InMemoryStore, Reply, ScriptedJira};
use domain::{Administration, SearchSettings, Secret};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};

/// GET `url` with a bearer token; the status and the JSON body.
async fn get(url: &str, token: &str) -> (u16, Value) {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let request = hyper::Request::get(url)
        .header("Authorization", format!("Bearer {token}"))
        .body(Empty::new())
        .expect("a valid request");
    let response = client.request(request).await.expect("the service answers");
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_user_search_over_a_scripted_jira_and_an_in_memory_store() {
    // 1. The adapters: fakes from the domain's `testing` feature. An `Arc` lets the test keep
    //    a handle on what it gives the service.
    let store = Arc::new(InMemoryStore::new());
    let jira = Arc::new(ScriptedJira::new());

    // 2. Tenants, through the same administration use cases the CLI runs.
    let admin = Administration::new(store.clone());
    admin.create_org("acme").await.unwrap();
    let token = admin.add_token("acme", &[7; 32]).await.unwrap();
    let form = IntegrationForm {
        org: "acme".into(),
        provider: "jira_server".into(),
        base_url: "https://jira.example.com".into(),
        auth: "pat".into(),
        ..IntegrationForm::default()
    };
    let pending = admin.prepare_integration(&form).await.unwrap();
    let integration = admin
        .register_integration(pending, Secret::new("a-personal-access-token"))
        .await
        .unwrap();

    // 3. What Jira answers.
    jira.on_with(
        "/rest/api/2/user/search",
        &[("username", "ali")],
        Reply::Json(json!([
            {"name": "alice", "displayName": "Alice Liddell", "emailAddress": "alice@example.com"}
        ])),
    );

    // 4. The whole HTTP service over those adapters, on a port of the test's own.
    let service = app::Service::new(
        jira.clone(),
        store.clone(),
        InMemoryCache::new(),
        SearchSettings::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let running = service
        .spawn(listener, app::ServingSettings::default())
        .unwrap();

    // 5. A search, as a picker sends it.
    let url = format!(
        "{}/extensions/jira-server/search/acme/{integration}/?field=assignee&query=ali",
        running.base_url()
    );
    let (status, body) = get(&url, &token).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!([{"value": "alice", "label": "Alice Liddell - alice@example.com (alice)"}])
    );
    // The Jira calls it made: one instance-wide user search, for this integration.
    let calls = jira.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].integration, integration);
    assert_eq!(calls[0].describe(), "/rest/api/2/user/search?username=ali");

    // The same search again comes from the cache: Jira is not asked twice.
    let (status, again) = get(&url, &token).await;
    assert_eq!((status, again), (200, body));
    assert_eq!(jira.calls().len(), 1);

    // A wrong token is refused before anything else.
    let (status, body) = get(&url, "jst_not-a-token").await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"detail": "Authentication credentials were not provided."})
    );

    running.shutdown().await;
}
