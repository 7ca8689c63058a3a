//! The admin API and the connect routes of docs/openapi.yaml against a real run: every
//! documented (route, method, status) occurs, every answer is documented, every JSON body
//! matches its schema. A consent is given to jira-sim over HTTP (no browser) so the site
//! choice page and the redirects back to the product occur too.

use jira_sim::{Flavor, SimConfig, SimSite};
use serde_json::{json, Value};

use crate::common::{closed_port, Answer, CacheKind, Service, World};
use crate::{check_op, documented, is_admin, spec, Seen};

const RETURN_PREFIX: &str = "https://product.example.com/settings";
const CLIENT: (&str, &str) = ("oas-3lo-client", "oas-3lo-secret");
const PRIVATE_PEM: &str = include_str!("../fixtures/oauth1-test-private.pem");

/// One request: method, URL, headers, body.
async fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
    crate::common::send(method, url, headers, body).await
}

/// The run: a service, the document, what was seen.
struct Run<'a> {
    doc: Value,
    seen: Seen,
    svc: &'a Service,
    admin: String,
}

impl Run<'_> {
    /// Sends `method path` with these headers and body, checks the answer against the
    /// document under `template`, and returns it.
    async fn raw(
        &mut self,
        method: &str,
        template: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Answer {
        let a = send(method, &self.svc.url(path), headers, body).await;
        check_op(&self.doc, &mut self.seen, method, template, &a);
        a
    }

    /// With the admin token and, when given, a JSON body; asserts the status.
    async fn admin(
        &mut self,
        status: u16,
        method: &str,
        template: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        let auth = format!("Bearer {}", self.admin);
        let mut headers = vec![("authorization", auth.as_str())];
        let bytes = match body {
            Some(b) => {
                headers.push(("content-type", "application/json"));
                b.to_string().into_bytes()
            }
            None => Vec::new(),
        };
        let a = self.raw(method, template, path, &headers, bytes).await;
        assert_eq!(a.status, status, "{method} {path}: {}", a.text());
        a
    }
}

/// Every operation: (method, template, a concrete path, a body it takes).
fn operations(w: &World) -> Vec<(&'static str, &'static str, String, Option<Value>)> {
    let org = Some(json!({"slug": "x-org"}));
    vec![
        ("GET", "/api/v1/orgs", "/api/v1/orgs".into(), None),
        ("POST", "/api/v1/orgs", "/api/v1/orgs".into(), org),
        (
            "GET",
            "/api/v1/orgs/{org}",
            "/api/v1/orgs/acme".into(),
            None,
        ),
        (
            "DELETE",
            "/api/v1/orgs/{org}",
            "/api/v1/orgs/acme".into(),
            None,
        ),
        (
            "GET",
            "/api/v1/orgs/{org}/integrations",
            "/api/v1/orgs/acme/integrations".into(),
            None,
        ),
        (
            "POST",
            "/api/v1/orgs/{org}/integrations",
            "/api/v1/orgs/acme/integrations".into(),
            Some(json!({})),
        ),
        (
            "GET",
            "/api/v1/integrations/{id}",
            format!("/api/v1/integrations/{}", w.server_id),
            None,
        ),
        (
            "PATCH",
            "/api/v1/integrations/{id}",
            format!("/api/v1/integrations/{}", w.server_id),
            Some(json!({})),
        ),
        (
            "DELETE",
            "/api/v1/integrations/{id}",
            format!("/api/v1/integrations/{}", w.server_id),
            None,
        ),
        (
            "PUT",
            "/api/v1/integrations/{id}/credentials",
            format!("/api/v1/integrations/{}/credentials", w.server_id),
            Some(json!({})),
        ),
        (
            "POST",
            "/api/v1/integrations/{id}/check",
            format!("/api/v1/integrations/{}/check", w.server_id),
            None,
        ),
        (
            "GET",
            "/api/v1/orgs/{org}/tokens",
            "/api/v1/orgs/acme/tokens".into(),
            None,
        ),
        (
            "POST",
            "/api/v1/orgs/{org}/tokens",
            "/api/v1/orgs/acme/tokens".into(),
            None,
        ),
        (
            "GET",
            "/api/v1/orgs/{org}/signing-keys",
            "/api/v1/orgs/acme/signing-keys".into(),
            None,
        ),
        (
            "POST",
            "/api/v1/orgs/{org}/signing-keys",
            "/api/v1/orgs/acme/signing-keys".into(),
            None,
        ),
        (
            "DELETE",
            "/api/v1/signing-keys/{key_id}",
            "/api/v1/signing-keys/jsk_000000000000".into(),
            None,
        ),
        (
            "DELETE",
            "/api/v1/tokens/{prefix}",
            "/api/v1/tokens/jst_00000000".into(),
            None,
        ),
        ("GET", "/api/v1/apps", "/api/v1/apps".into(), None),
        (
            "POST",
            "/api/v1/apps",
            "/api/v1/apps".into(),
            Some(json!({})),
        ),
        (
            "GET",
            "/api/v1/apps/{app_id}",
            "/api/v1/apps/1".into(),
            None,
        ),
        (
            "DELETE",
            "/api/v1/apps/{app_id}",
            "/api/v1/apps/1".into(),
            None,
        ),
        (
            "POST",
            "/api/v1/orgs/{org}/connections",
            "/api/v1/orgs/acme/connections".into(),
            Some(json!({})),
        ),
    ]
}

#[tokio::test]
async fn every_documented_admin_and_connect_status_and_body_occurs() {
    let w = World::new().await;
    let consent = jira_sim::start(SimConfig {
        flavor: Flavor::Cloud,
        oauth2_clients: vec![(CLIENT.0.into(), CLIENT.1.into(), String::new())],
        cloud_sites: vec![
            SimSite::new("cloud-id-one", "first-site"),
            SimSite::new("cloud-id-two", "second-site"),
        ],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let svc = Service::start(
        &w.db,
        CacheKind::Memory,
        &[
            ("PUBLIC_URL", "https://jira-search.example.com"),
            ("CONNECT_RETURN_URLS", RETURN_PREFIX),
            ("ATLASSIAN_AUTH_URL", &consent.base_url()),
            ("ATLASSIAN_API_URL", &consent.base_url()),
        ],
    );
    let off = Service::start(&w.db, CacheKind::Memory, &[("PUBLIC_URL", "")]);
    let admin = w.db.ok(&["token", "add", "--admin"], "");
    let mut run = Run {
        doc: spec(),
        seen: Seen::new(),
        svc: &svc,
        admin,
    };
    let json_ct = ("content-type", "application/json");
    let caller = format!("Bearer {}", w.token);
    let admin_auth = format!("Bearer {}", run.admin);

    // Every operation: no token (401), a caller token (403), a target over 8 KiB (414), a
    // head of 101 fields (431); the body ones a body over 64 KiB (413) and one not JSON (415).
    let long = format!("?x={}", "q".repeat(9000));
    let many: Vec<(String, String)> = (0..101)
        .map(|i| (format!("x-field-{i}"), "a".to_owned()))
        .collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let big = format!("{{\"slug\":\"{}\"}}", "a".repeat(70 * 1024)).into_bytes();
    for (method, template, path, body) in operations(&w) {
        let a = run.raw(method, template, &path, &[], Vec::new()).await;
        assert_eq!(a.status, 401, "{method} {path}");
        let a = run
            .raw(
                method,
                template,
                &path,
                &[("authorization", &caller)],
                Vec::new(),
            )
            .await;
        assert_eq!(a.status, 403, "{method} {path}");
        let a = run
            .raw(method, template, &format!("{path}{long}"), &[], Vec::new())
            .await;
        assert_eq!(a.status, 414, "{method} {path}");
        let a = run.raw(method, template, &path, &many, Vec::new()).await;
        assert_eq!(a.status, 431, "{method} {path}");
        let body_optional = template.ends_with("/tokens") || template.ends_with("/signing-keys");
        if body.is_some() || body_optional && method == "POST" {
            let auth = [("authorization", admin_auth.as_str()), json_ct];
            let a = run.raw(method, template, &path, &auth, big.clone()).await;
            assert_eq!(a.status, 413, "{method} {path}");
            let text = [
                ("authorization", admin_auth.as_str()),
                ("content-type", "text/plain"),
            ];
            let a = run
                .raw(method, template, &path, &text, b"{}".to_vec())
                .await;
            assert_eq!(a.status, 415, "{method} {path}");
        }
    }

    // Orgs.
    let o = "/api/v1/orgs";
    let oo = "/api/v1/orgs/{org}";
    run.admin(200, "GET", o, o, None).await;
    run.admin(405, "PUT", o, o, None).await;
    run.admin(201, "POST", o, o, Some(json!({"slug": "doomed"})))
        .await;
    run.admin(409, "POST", o, o, Some(json!({"slug": "doomed"})))
        .await;
    run.admin(400, "POST", o, o, Some(json!({"slug": "Bad Slug"})))
        .await;
    run.admin(200, "GET", oo, "/api/v1/orgs/acme", None).await;
    run.admin(404, "GET", oo, "/api/v1/orgs/nobody", None).await;
    run.admin(405, "POST", oo, "/api/v1/orgs/acme", None).await;
    run.admin(204, "DELETE", oo, "/api/v1/orgs/doomed", None)
        .await;
    run.admin(404, "DELETE", oo, "/api/v1/orgs/doomed", None)
        .await;

    // Integrations.
    let oi = "/api/v1/orgs/{org}/integrations";
    let i = "/api/v1/integrations/{id}";
    let ic = "/api/v1/integrations/{id}/credentials";
    let ik = "/api/v1/integrations/{id}/check";
    run.admin(200, "GET", oi, "/api/v1/orgs/acme/integrations", None)
        .await;
    run.admin(404, "GET", oi, "/api/v1/orgs/nobody/integrations", None)
        .await;
    run.admin(405, "DELETE", oi, "/api/v1/orgs/acme/integrations", None)
        .await;
    let pat = json!({"provider": "jira_server", "base_url": "https://jira.example.com",
                     "auth": {"method": "pat", "token": "s3cret"}});
    let made = run
        .admin(
            201,
            "POST",
            oi,
            "/api/v1/orgs/acme/integrations",
            Some(pat.clone()),
        )
        .await
        .json();
    for auth in [
        json!({"method": "oauth1", "consumer_key": "ck", "private_key": PRIVATE_PEM,
               "access_token": "a", "access_token_secret": "b"}),
        json!({"method": "oauth2", "client_id": "c", "client_secret": "s", "refresh_token": "r",
               "token_url": "https://jira.example.com/rest/oauth2/latest/token"}),
    ] {
        let body = json!({"provider": "jira_server", "base_url": "https://jira.example.com",
                          "name": "Another", "verify_tls": false, "auth": auth});
        run.admin(
            201,
            "POST",
            oi,
            "/api/v1/orgs/acme/integrations",
            Some(body),
        )
        .await;
    }
    run.admin(
        201,
        "POST",
        oi,
        "/api/v1/orgs/umbrella/integrations",
        Some(
            json!({"provider": "jira", "base_url": "https://acme.atlassian.net",
                    "auth": {"method": "connect-jwt", "shared_secret": "s"}}),
        ),
    )
    .await;
    let mut wrong = pat.clone();
    wrong["auth"]["user"] = json!("bob");
    run.admin(
        400,
        "POST",
        oi,
        "/api/v1/orgs/acme/integrations",
        Some(wrong),
    )
    .await;
    run.admin(
        404,
        "POST",
        oi,
        "/api/v1/orgs/nobody/integrations",
        Some(pat),
    )
    .await;
    let id = made["id"].to_string();
    let path = format!("/api/v1/integrations/{id}");
    run.admin(200, "GET", i, &path, None).await;
    run.admin(404, "GET", i, "/api/v1/integrations/999", None)
        .await;
    run.admin(405, "POST", i, &path, None).await;
    run.admin(
        200,
        "PATCH",
        i,
        &path,
        Some(json!({"name": "New name", "enabled": false})),
    )
    .await;
    run.admin(400, "PATCH", i, &path, Some(json!({"enabled": "no"})))
        .await;
    run.admin(404, "PATCH", i, "/api/v1/integrations/999", Some(json!({})))
        .await;
    let cpath = format!("{path}/credentials");
    let new = json!({"auth": {"method": "basic", "user": "bob", "password": "pw"}});
    run.admin(204, "PUT", ic, &cpath, Some(new.clone())).await;
    run.admin(
        400,
        "PUT",
        ic,
        &cpath,
        Some(json!({"auth": {"method": "pat"}})),
    )
    .await;
    run.admin(
        404,
        "PUT",
        ic,
        "/api/v1/integrations/999/credentials",
        Some(new),
    )
    .await;
    run.admin(405, "GET", ic, &cpath, None).await;
    let ok = run
        .admin(
            200,
            "POST",
            ik,
            &format!("/api/v1/integrations/{}/check", w.server_id),
            None,
        )
        .await;
    assert_eq!(ok.json()["ok"], true, "{}", ok.text());
    let refused = run
        .admin(200, "POST", ik, &format!("{path}/check"), None)
        .await;
    assert_eq!(refused.json()["ok"], false, "{}", refused.text());
    run.admin(404, "POST", ik, "/api/v1/integrations/999/check", None)
        .await;
    run.admin(405, "GET", ik, &format!("{path}/check"), None)
        .await;
    run.admin(204, "DELETE", i, &path, None).await;
    run.admin(404, "DELETE", i, &path, None).await;

    // Caller tokens.
    let ot = "/api/v1/orgs/{org}/tokens";
    let t = "/api/v1/tokens/{prefix}";
    run.admin(200, "GET", ot, "/api/v1/orgs/acme/tokens", None)
        .await;
    run.admin(404, "GET", ot, "/api/v1/orgs/nobody/tokens", None)
        .await;
    run.admin(405, "DELETE", ot, "/api/v1/orgs/acme/tokens", None)
        .await;
    let token = run
        .admin(
            201,
            "POST",
            ot,
            "/api/v1/orgs/acme/tokens",
            Some(json!({"name": "oas"})),
        )
        .await
        .json();
    run.admin(201, "POST", ot, "/api/v1/orgs/acme/tokens", None)
        .await;
    run.admin(
        400,
        "POST",
        ot,
        "/api/v1/orgs/acme/tokens",
        Some(json!({"name": 1})),
    )
    .await;
    run.admin(404, "POST", ot, "/api/v1/orgs/nobody/tokens", None)
        .await;
    let tpath = format!("/api/v1/tokens/{}", token["prefix"].as_str().unwrap());
    run.admin(204, "DELETE", t, &tpath, None).await;
    run.admin(404, "DELETE", t, &tpath, None).await;
    run.admin(400, "DELETE", t, "/api/v1/tokens/jst_1", None)
        .await;
    run.admin(405, "GET", t, &tpath, None).await;

    // Signing keys of browser tokens.
    let ok = "/api/v1/orgs/{org}/signing-keys";
    let k = "/api/v1/signing-keys/{key_id}";
    run.admin(200, "GET", ok, "/api/v1/orgs/acme/signing-keys", None)
        .await;
    run.admin(404, "GET", ok, "/api/v1/orgs/nobody/signing-keys", None)
        .await;
    run.admin(405, "DELETE", ok, "/api/v1/orgs/acme/signing-keys", None)
        .await;
    let key = run
        .admin(
            201,
            "POST",
            ok,
            "/api/v1/orgs/acme/signing-keys",
            Some(json!({"name": "oas"})),
        )
        .await
        .json();
    run.admin(201, "POST", ok, "/api/v1/orgs/acme/signing-keys", None)
        .await;
    run.admin(
        400,
        "POST",
        ok,
        "/api/v1/orgs/acme/signing-keys",
        Some(json!({"name": 1})),
    )
    .await;
    run.admin(404, "POST", ok, "/api/v1/orgs/nobody/signing-keys", None)
        .await;
    let kpath = format!("/api/v1/signing-keys/{}", key["id"].as_str().unwrap());
    run.admin(204, "DELETE", k, &kpath, None).await;
    run.admin(404, "DELETE", k, &kpath, None).await;
    run.admin(405, "GET", k, &kpath, None).await;

    // Apps.
    let a = "/api/v1/apps";
    let ai = "/api/v1/apps/{app_id}";
    run.admin(405, "DELETE", a, a, None).await;
    let three_lo = run
        .admin(
            201,
            "POST",
            a,
            a,
            Some(json!({"kind": "atlassian-3lo", "client_id": CLIENT.0,
                                               "client_secret": CLIENT.1})),
        )
        .await
        .json()["id"]
        .clone();
    run.admin(
        201,
        "POST",
        a,
        a,
        Some(
            json!({"kind": "dc-oauth2", "base_url": "https://jira.example.com",
                                              "client_id": "c", "client_secret": "s",
                                              "verify_tls": false}),
        ),
    )
    .await;
    let closed = format!("http://127.0.0.1:{}", closed_port());
    let oauth1 = run
        .admin(
            201,
            "POST",
            a,
            a,
            Some(json!({"kind": "server-oauth1", "base_url": closed,
                                               "consumer_key": "ck", "private_key": PRIVATE_PEM})),
        )
        .await
        .json()["id"]
        .clone();
    let doomed = run
        .admin(
            201,
            "POST",
            a,
            a,
            Some(
                json!({"kind": "server-oauth1", "base_url": "https://jira.example.com",
                                               "consumer_key": "ck2"}),
            ),
        )
        .await
        .json()["id"]
        .clone();
    run.admin(
        400,
        "POST",
        a,
        a,
        Some(json!({"kind": "atlassian-3lo", "client_id": "c"})),
    )
    .await;
    run.admin(200, "GET", a, a, None).await;
    run.admin(200, "GET", ai, &format!("/api/v1/apps/{three_lo}"), None)
        .await;
    run.admin(405, "PUT", ai, &format!("/api/v1/apps/{three_lo}"), None)
        .await;
    run.admin(204, "DELETE", ai, &format!("/api/v1/apps/{doomed}"), None)
        .await;
    run.admin(404, "DELETE", ai, &format!("/api/v1/apps/{doomed}"), None)
        .await;
    run.admin(404, "GET", ai, &format!("/api/v1/apps/{doomed}"), None)
        .await;

    // Connections, and the browser's routes.
    let c = "/api/v1/orgs/{org}/connections";
    let cpath = "/api/v1/orgs/acme/connections";
    let return_url = format!("{RETURN_PREFIX}/jira");
    let start = |app: &Value| json!({"app": app, "return_url": return_url});
    run.admin(
        400,
        "POST",
        c,
        cpath,
        Some(json!({"app": three_lo, "return_url": "https://evil.example.com/"})),
    )
    .await;
    run.admin(
        404,
        "POST",
        c,
        "/api/v1/orgs/nobody/connections",
        Some(start(&three_lo)),
    )
    .await;
    run.admin(405, "GET", c, cpath, None).await;
    run.admin(502, "POST", c, cpath, Some(start(&oauth1))).await;
    let started = run
        .admin(201, "POST", c, cpath, Some(start(&three_lo)))
        .await
        .json();
    // Without PUBLIC_URL: the connections route and the browser's routes are not there.
    let a = send(
        "POST",
        &off.url(cpath),
        &[("authorization", &admin_auth), json_ct],
        start(&three_lo).to_string().into_bytes(),
    )
    .await;
    check_op(&run.doc, &mut run.seen, "POST", c, &a);
    assert_eq!(a.status, 404, "{}", a.text());
    for (method, template, path) in [
        (
            "GET",
            "/connect/callback",
            "/connect/callback?state=x&code=y",
        ),
        ("POST", "/connect/site", "/connect/site"),
    ] {
        let a = send(method, &off.url(path), &[], Vec::new()).await;
        check_op(&run.doc, &mut run.seen, method, template, &a);
        assert_eq!(a.status, 404, "{path}");
    }

    // The customer allows at the simulator: the grant covers two sites, so the callback
    // answers the site choice page, whose form posts back the choice: 303 to the product.
    let authorize = url::Url::parse(started["authorize_url"].as_str().unwrap()).unwrap();
    let mut form = authorize.query().unwrap().to_owned();
    form.push_str("&decision=allow&login=alice");
    let at_sim = send(
        "POST",
        &format!("{}/authorize", consent.base_url()),
        &[("content-type", "application/x-www-form-urlencoded")],
        form.into_bytes(),
    )
    .await;
    let back = url::Url::parse(at_sim.headers["location"].to_str().unwrap()).unwrap();
    let cb = "/connect/callback";
    let page = run
        .raw(
            "GET",
            cb,
            &format!("{cb}?{}", back.query().unwrap()),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(page.text().contains("second-site"), "{}", page.text());
    let state: String = authorize
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let form_ct = [("content-type", "application/x-www-form-urlencoded")];
    let site = "/connect/site";
    let done = run
        .raw(
            "POST",
            site,
            site,
            &form_ct,
            format!("state={state}&site=cloud-id-two").into_bytes(),
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.text());
    assert!(done.headers["location"]
        .to_str()
        .unwrap()
        .contains("status=connected"));
    let a = run
        .raw(
            "POST",
            site,
            site,
            &form_ct,
            format!("state={state}&site=cloud-id-two").into_bytes(),
        )
        .await;
    assert_eq!(a.status, 400, "a state is used once");
    assert_eq!(
        run.raw("GET", site, site, &[], Vec::new()).await.status,
        405
    );
    // The customer declines: 303 back with the error; an unknown state: the 400 page.
    let declined = run
        .admin(201, "POST", c, cpath, Some(start(&three_lo)))
        .await
        .json();
    let state2 = url::Url::parse(declined["authorize_url"].as_str().unwrap())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let a = run
        .raw(
            "GET",
            cb,
            &format!("{cb}?error=access_denied&state={state2}"),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(a.status, 303);
    assert!(a.headers["location"]
        .to_str()
        .unwrap()
        .contains("error=access_denied"));
    let a = run
        .raw(
            "GET",
            cb,
            &format!("{cb}?state=unknown&code=x"),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(run.raw("POST", cb, cb, &[], Vec::new()).await.status, 405);
    for (method, template) in [("GET", cb), ("POST", site)] {
        let a = run
            .raw(
                method,
                template,
                &format!("{template}{long}"),
                &[],
                Vec::new(),
            )
            .await;
        assert_eq!(a.status, 414);
        let a = run.raw(method, template, template, &many, Vec::new()).await;
        assert_eq!(a.status, 431);
    }

    // The database goes away: every admin route answers 503 (the token cannot be checked),
    // and the browser's routes a 503 page.
    let pool = sqlx::SqlitePool::connect(&w.db.url).await.unwrap();
    for stmt in [
        "PRAGMA foreign_keys = OFF",
        "DROP TABLE admin_tokens",
        "DROP TABLE connections",
    ] {
        sqlx::query(stmt).execute(&pool).await.unwrap();
    }
    pool.close().await;
    let headers = [("authorization", admin_auth.as_str()), json_ct];
    for (method, template, path, body) in operations(&w) {
        let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        let a = run.raw(method, template, &path, &headers, body).await;
        assert_eq!(a.status, 503, "{method} {path}: {}", a.text());
    }
    let a = run
        .raw("GET", cb, &format!("{cb}?state=x&code=y"), &[], Vec::new())
        .await;
    assert_eq!(a.status, 503, "{}", a.text());
    let a = run
        .raw("POST", site, site, &form_ct, b"state=x&site=y".to_vec())
        .await;
    assert_eq!(a.status, 503, "{}", a.text());

    let missing: Vec<_> = documented(&run.doc, is_admin)
        .difference(&run.seen)
        .cloned()
        .collect();
    assert!(missing.is_empty(), "documented but never seen: {missing:?}");
}
