//! Orgs and caller tokens.

use serde_json::json;

use super::harness::{invalid, is_rfc3339_utc, refused, Api};
use crate::common::SERVER_PAT;
use jira_sim::Flavor;

#[tokio::test]
async fn orgs_are_created_listed_read_and_deleted() {
    let api = Api::start();
    let made = api
        .expect(
            201,
            "POST",
            "/api/v1/orgs",
            Some(json!({"slug": "umbrella"})),
        )
        .await;
    assert_eq!(made, json!({"id": 2, "slug": "umbrella"}));
    let (_, orgs) = api.list("/api/v1/orgs").await;
    assert_eq!(
        orgs,
        vec![json!({"id": 1, "slug": "acme"}), made.clone()],
        "in creation order"
    );
    // By slug or by id, as on the search routes; a trailing slash is fine.
    for path in [
        "/api/v1/orgs/umbrella",
        "/api/v1/orgs/2",
        "/api/v1/orgs/umbrella/",
    ] {
        assert_eq!(api.expect(200, "GET", path, None).await, made, "{path}");
    }
    // The CLI sees what the API made.
    assert_eq!(api.db.ok(&["org", "list"], ""), "1\tacme\n2\tumbrella");

    // 409 for a slug that exists, 400 for a bad one: nothing changes.
    let before = api.list("/api/v1/orgs").await.0;
    let a = api
        .call("POST", "/api/v1/orgs", Some(json!({"slug": "acme"})))
        .await;
    assert_eq!(refused(&a, 409), "organization \"acme\" already exists");
    for bad in ["Acme", "-x", "a_b", "", &"a".repeat(51)] {
        let a = api
            .call("POST", "/api/v1/orgs", Some(json!({"slug": bad})))
            .await;
        assert!(invalid(&a, "slug").starts_with("invalid org slug"), "{bad}");
    }
    for (body, field) in [
        (json!({}), "slug"),
        (json!({"slug": 7}), "slug"),
        (json!({"slug": null}), "slug"),
        (json!({"slug": "ok", "name": "x"}), "name"),
    ] {
        invalid(&api.call("POST", "/api/v1/orgs", Some(body)).await, field);
    }
    assert_eq!(api.list("/api/v1/orgs").await.0, before);

    // Deleting an org takes its tokens and links with it; the integration stays.
    let sim = crate::common::sim(Flavor::Server).await;
    let id = api.db.add_integration(
        "umbrella",
        "jira_server",
        &sim.base_url(),
        &["pat"],
        SERVER_PAT,
    );
    let token = api
        .expect(201, "POST", "/api/v1/orgs/umbrella/tokens", None)
        .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let search = format!("/extensions/jira-server/search/umbrella/{id}/?field=assignee&query=a");
    let a = crate::common::get(&api.service.url(&search), Some(&token)).await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(
        api.call("DELETE", "/api/v1/orgs/umbrella", None)
            .await
            .status,
        204
    );
    let a = api.call("GET", "/api/v1/orgs/umbrella", None).await;
    assert_eq!(refused(&a, 404), "organization \"umbrella\" does not exist");
    let a = crate::common::get(&api.service.url(&search), Some(&token)).await;
    assert_eq!(a.status, 401, "its tokens went with it");
    let i = api
        .expect(200, "GET", &format!("/api/v1/integrations/{id}"), None)
        .await;
    assert_eq!(i["orgs"], json!([]), "its links went with it");
    let a = api.call("DELETE", "/api/v1/orgs/umbrella", None).await;
    refused(&a, 404);
    assert_eq!(api.list("/api/v1/orgs").await.1.len(), 1);
}

#[tokio::test]
async fn caller_tokens_are_made_once_listed_without_secret_and_revoked() {
    let api = Api::start();
    let sim = crate::common::sim(Flavor::Server).await;
    let id = api
        .db
        .add_integration("acme", "jira_server", &sim.base_url(), &["pat"], SERVER_PAT);
    let made = api
        .expect(
            201,
            "POST",
            "/api/v1/orgs/acme/tokens",
            Some(json!({"name": "picker"})),
        )
        .await;
    let token = made["token"].as_str().unwrap().to_owned();
    let prefix = made["prefix"].as_str().unwrap().to_owned();
    assert_eq!(made.as_object().unwrap().len(), 2, "{made}");
    assert!(
        token.starts_with("jst_") && token.starts_with(&prefix),
        "{made}"
    );
    // With no body at all, or an empty object: a token without a name.
    api.expect(201, "POST", "/api/v1/orgs/acme/tokens", None)
        .await;
    api.expect(201, "POST", "/api/v1/orgs/1/tokens", Some(json!({})))
        .await;
    let (raw, list) = api.list("/api/v1/orgs/acme/tokens").await;
    assert_eq!(list.len(), 4, "the harness's, then three: {raw}");
    assert!(!raw.contains(&token), "a token is shown once: {raw}");
    let mine = &list[1];
    assert_eq!(mine["prefix"], prefix.as_str());
    assert_eq!(mine["name"], "picker");
    assert!(is_rfc3339_utc(&mine["created_at"]), "{mine}");
    assert_eq!(mine.as_object().unwrap().len(), 3, "{mine}");
    assert_eq!(list[2]["name"], json!(null));

    // It works on the search routes until revoked, then it does not.
    let search = format!("/extensions/jira-server/search/acme/{id}/?field=assignee&query=a");
    let a = crate::common::get(&api.service.url(&search), Some(&token)).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let gone = api
        .call("DELETE", &format!("/api/v1/tokens/{prefix}"), None)
        .await;
    assert_eq!(gone.status, 204);
    assert!(gone.body.is_empty());
    let a = crate::common::get(&api.service.url(&search), Some(&token)).await;
    assert_eq!(a.status, 401);
    let a = api
        .call("DELETE", &format!("/api/v1/tokens/{prefix}"), None)
        .await;
    assert_eq!(refused(&a, 404), "no active token matches that prefix");
    assert_eq!(api.list("/api/v1/orgs/acme/tokens").await.1.len(), 3);

    // Refusals change nothing.
    let before = api.list("/api/v1/orgs/acme/tokens").await.0;
    for (body, field) in [
        (json!({"name": 5}), "name"),
        (json!({"label": "x"}), "label"),
    ] {
        invalid(
            &api.call("POST", "/api/v1/orgs/acme/tokens", Some(body))
                .await,
            field,
        );
    }
    let a = api.call("DELETE", "/api/v1/tokens/jst_1", None).await;
    assert_eq!(a.status, 400, "a prefix too short to name one token");
    assert!(a.text().contains("at least 8 characters"), "{}", a.text());
    let a = api
        .call("POST", "/api/v1/orgs/nobody/tokens", Some(json!({})))
        .await;
    refused(&a, 404);
    refused(
        &api.call("GET", "/api/v1/orgs/nobody/tokens", None).await,
        404,
    );
    // The admin token is not a caller token: the route does not revoke it.
    let admin_prefix = &api.admin[..12];
    let a = api
        .call("DELETE", &format!("/api/v1/tokens/{admin_prefix}"), None)
        .await;
    refused(&a, 404);
    assert_eq!(api.list("/api/v1/orgs/acme/tokens").await.0, before);
    assert_eq!(api.call("GET", "/api/v1/orgs", None).await.status, 200);
}
