//! The three consent flows, driven in headless Chromium (Debian's `chromium` and
//! `chromium-driver`, installed by `make test`): the admin API starts a connection, the
//! browser opens `authorize_url`, logs in and clicks Allow (or Deny) on jira-sim's consent
//! page, picks a site where there are several, and lands on the product's return page; then
//! the test checks the integration and searches through it. Screenshots of every page land in
//! `target/browser/connect_flows/<test>/`.

mod common;
// Only the browser tests load it: the browser crate's `Add` impls on `String` would break
// `String + &String` in the other test binaries.
#[path = "common/browser.rs"]
mod headless;
mod connect_flows {
    pub mod harness;
}

use std::time::Duration;

use browser::Browser;
use connect_flows::harness::{
    param, service_calls, Flow, CLIENT_3LO, CLIENT_DC, CONSUMER, PRIVATE_PEM,
};
use jira_sim::SimSite;
use serde_json::json;

async fn browser() -> Browser {
    headless::start().await
}

/// Opens the consent page, logs in as `login` and clicks `button` (`#allow` or `#deny`);
/// where the browser ends up.
async fn consent(b: &Browser, authorize_url: &str, button: &str) -> url::Url {
    b.goto(authorize_url).await.unwrap();
    b.wait_for("#login", Duration::from_secs(15)).await.unwrap();
    b.fill("#login", "alice").await.unwrap();
    b.screenshot("consent-filled").await.unwrap();
    b.click(button).await.unwrap();
    b.current_url().await.unwrap()
}

/// Asserts the browser is back on the return page, connected; the integration id.
async fn connected(flow: &Flow, b: &Browser, at: &url::Url) -> String {
    assert!(
        at.as_str().starts_with(&flow.return_base),
        "landed on {at}, not the return page"
    );
    assert_eq!(param(at, "status").as_deref(), Some("connected"), "{at}");
    assert_eq!(param(at, "org").as_deref(), Some("acme"));
    b.wait_for_text("Back in the product", Duration::from_secs(5))
        .await
        .unwrap();
    param(at, "integration_id").expect("integration_id")
}

#[tokio::test(flavor = "multi_thread")]
async fn atlassian_3lo_with_one_site_connects_and_searches_and_a_replay_is_refused() {
    let flow = Flow::start(vec![SimSite::new("cloud-id-acme", "acme")]).await;
    let app = flow
        .app(json!({"kind": "atlassian-3lo", "client_id": CLIENT_3LO.0, "client_secret": CLIENT_3LO.1}))
        .await;
    let authorize = flow.connect(app).await;
    assert!(authorize.starts_with(&format!(
        "{}/authorize?audience=api.atlassian.com",
        flow.cloud.base_url()
    )));
    let b = browser().await;
    flow.cloud.clear_requests();
    let at = consent(&b, &authorize, "#allow").await;
    let id = connected(&flow, &b, &at).await;
    // What connecting cost in calls to Atlassian: the code exchange and the site list.
    assert_eq!(
        service_calls(&flow.cloud),
        ["POST /oauth/token", "GET /oauth/token/accessible-resources"]
    );
    flow.cloud.clear_requests();
    let list = flow.integrations().await;
    assert_eq!(list.len(), 1);
    let i = &list[0];
    assert_eq!(i["id"].to_string(), id);
    assert_eq!(i["provider"], "jira");
    assert_eq!(i["auth_method"], "oauth2");
    assert_eq!(i["name"], "acme");
    assert_eq!(
        i["base_url"],
        format!("{}/ex/jira/cloud-id-acme", flow.cloud.base_url())
    );
    let (status, users) = flow.search_users("jira", &id, &flow.cloud).await;
    assert_eq!(status, 200, "{users}");
    assert!(!users.as_array().unwrap().is_empty(), "{users}");
    // The first search renews the access token once (only the refresh token is stored), then
    // searches through the site's gateway prefix.
    let calls = service_calls(&flow.cloud);
    assert_eq!(calls[0], "POST /oauth/token", "{calls:?}");
    assert_eq!(
        calls.iter().filter(|c| c.contains("/oauth/token")).count(),
        1,
        "{calls:?}"
    );
    assert!(
        calls[1..]
            .iter()
            .all(|c| c.starts_with("GET /ex/jira/cloud-id-acme/rest/api/")),
        "{calls:?}"
    );
    // The callback again, with the same state: used once, never redirects.
    let state = param(&url::Url::parse(&authorize).unwrap(), "state").unwrap();
    let replay = flow
        .service
        .url(&format!("/connect/callback?state={state}&code=again"));
    let answer = common::get(&replay, None).await;
    assert_eq!(answer.status, 400);
    assert!(answer.headers.get("location").is_none());
    for (header, value) in [
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(answer.headers[header], value, "{header}");
    }
    b.goto(&replay).await.unwrap();
    b.wait_for_text("unknown or was already used", Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(flow.integrations().await.len(), 1);
    b.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn atlassian_3lo_with_several_sites_lets_the_customer_pick_one() {
    let flow = Flow::start(vec![
        SimSite::new("cloud-id-one", "first-site"),
        SimSite::new("cloud-id-two", "second-site"),
    ])
    .await;
    let app = flow
        .app(json!({"kind": "atlassian-3lo", "client_id": CLIENT_3LO.0, "client_secret": CLIENT_3LO.1}))
        .await;
    let authorize = flow.connect(app).await;
    let b = browser().await;
    let at = consent(&b, &authorize, "#allow").await;
    assert_eq!(at.path(), "/connect/callback", "the site choice page: {at}");
    b.wait_for_text("Choose a Jira site", Duration::from_secs(5))
        .await
        .unwrap();
    let text = b.page_text().await.unwrap();
    assert!(
        text.contains("first-site") && text.contains("https://second-site.atlassian.net"),
        "{text}"
    );
    assert!(
        flow.integrations().await.is_empty(),
        "nothing stored before the choice"
    );
    b.click_in_place("#site-1").await.unwrap();
    b.click("#connect").await.unwrap();
    let at = b.current_url().await.unwrap();
    let id = connected(&flow, &b, &at).await;
    let list = flow.integrations().await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["name"], "second-site");
    assert!(list[0]["base_url"]
        .as_str()
        .unwrap()
        .ends_with("/ex/jira/cloud-id-two"));
    let (status, users) = flow.search_users("jira", &id, &flow.cloud).await;
    assert_eq!(status, 200, "{users}");
    b.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn data_center_oauth2_with_pkce_connects_and_a_denial_stores_nothing() {
    let flow = Flow::start(vec![]).await;
    let app = flow
        .app(json!({
            "kind": "dc-oauth2",
            "base_url": flow.server.base_url(),
            "client_id": CLIENT_DC.0,
            "client_secret": CLIENT_DC.1,
        }))
        .await;
    let b = browser().await;
    // Deny first.
    let authorize = flow.connect(app).await;
    assert!(
        authorize.contains("code_challenge_method=S256"),
        "{authorize}"
    );
    let at = consent(&b, &authorize, "#deny").await;
    assert!(at.as_str().starts_with(&flow.return_base), "{at}");
    assert_eq!(param(&at, "status").as_deref(), Some("error"));
    assert_eq!(param(&at, "error").as_deref(), Some("access_denied"));
    assert!(flow.integrations().await.is_empty());
    // Then allow.
    let authorize = flow.connect(app).await;
    flow.server.clear_requests();
    let at = consent(&b, &authorize, "#allow").await;
    let id = connected(&flow, &b, &at).await;
    assert_eq!(
        service_calls(&flow.server),
        ["POST /rest/oauth2/latest/token"]
    );
    flow.server.clear_requests();
    let list = flow.integrations().await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["provider"], "jira_server");
    assert_eq!(list[0]["auth_method"], "oauth2");
    let (status, users) = flow.search_users("jira-server", &id, &flow.server).await;
    assert_eq!(status, 200, "{users}");
    assert!(!users.as_array().unwrap().is_empty());
    let calls = service_calls(&flow.server);
    assert_eq!(
        calls[0], "POST /rest/oauth2/latest/token",
        "one renewal first: {calls:?}"
    );
    assert!(
        calls[1..].iter().all(|c| c.starts_with("GET /rest/api/2/")),
        "{calls:?}"
    );
    b.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn server_oauth1_connects_through_request_and_access_tokens_and_a_denial_stores_nothing() {
    let flow = Flow::start(vec![]).await;
    let app = flow
        .app(json!({
            "kind": "server-oauth1",
            "base_url": flow.server.base_url(),
            "consumer_key": CONSUMER,
            "private_key": PRIVATE_PEM,
        }))
        .await;
    let b = browser().await;
    let authorize = flow.connect(app).await;
    assert!(
        authorize.starts_with(&format!(
            "{}/plugins/servlet/oauth/authorize?oauth_token=",
            flow.server.base_url()
        )),
        "{authorize}"
    );
    let at = consent(&b, &authorize, "#deny").await;
    assert_eq!(
        param(&at, "error").as_deref(),
        Some("access_denied"),
        "{at}"
    );
    assert!(flow.integrations().await.is_empty());
    flow.server.clear_requests();
    let authorize = flow.connect(app).await;
    assert_eq!(
        service_calls(&flow.server),
        ["POST /plugins/servlet/oauth/request-token"]
    );
    flow.server.clear_requests();
    let at = consent(&b, &authorize, "#allow").await;
    let id = connected(&flow, &b, &at).await;
    assert_eq!(
        service_calls(&flow.server),
        ["POST /plugins/servlet/oauth/access-token"]
    );
    flow.server.clear_requests();
    let list = flow.integrations().await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["auth_method"], "oauth1");
    assert_eq!(list[0]["user"], CONSUMER);
    let (status, users) = flow.search_users("jira-server", &id, &flow.server).await;
    assert_eq!(status, 200, "{users}");
    assert!(!users.as_array().unwrap().is_empty());
    let calls = service_calls(&flow.server);
    assert!(
        calls.iter().all(|c| c.starts_with("GET /rest/api/2/")),
        "signed searches alone: {calls:?}"
    );
    // Connecting the same Jira again keeps the integration's id.
    let authorize = flow.connect(app).await;
    let at = consent(&b, &authorize, "#allow").await;
    assert_eq!(connected(&flow, &b, &at).await, id);
    assert_eq!(flow.integrations().await.len(), 1);
    b.close().await.unwrap();
}
