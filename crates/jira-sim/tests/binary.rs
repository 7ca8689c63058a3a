//! The `jira-sim` binary: prints its base URL first, then serves.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Kills the child even when an assertion fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const BIN: &str = env!("CARGO_BIN_EXE_jira-sim");

/// Starts the binary with `args` and reads the base URL it prints first.
async fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Child(
        Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn jira-sim"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    (child, line.trim_end().to_string())
}

/// Each command line fails to start the binary.
fn assert_refused(cases: &[&[&str]]) {
    for args in cases {
        let out = Command::new(BIN).args(*args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
    }
}

#[tokio::test]
async fn prints_base_url_then_serves() {
    let (mut child, base) = spawn(&[
        "--flavor",
        "cloud",
        "--users",
        "7",
        "--projects",
        "3",
        "--seed",
        "9",
        "--accept-token",
        "tok",
        "--accept-basic",
        "bob@example.com:pa:ss",
        "--context-path",
        "/jira",
    ])
    .await;
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert!(base.ends_with("/jira"), "{base}");

    let r = common::get_with(
        &format!("{base}/rest/api/3/serverInfo"),
        &[("Authorization", "Bearer tok")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["deploymentType"], "Cloud");
    let r = common::get_with(
        &format!("{base}/rest/api/3/myself"),
        &[("Authorization", &common::basic("bob@example.com", "pa:ss"))],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["emailAddress"], "bob@example.com");
    let r = common::get(&format!("{base}/rest/api/3/myself")).await;
    assert_eq!(r.status, 401);

    let root = base.trim_end_matches("/jira");
    let data = common::get(&format!("{root}/_sim/data")).await.json();
    assert_eq!(data["users"].as_array().unwrap().len(), 7);
    assert_eq!(data["projects"].as_array().unwrap().len(), 3);
    let log = common::get(&format!("{root}/_sim/requests")).await.json();
    assert_eq!(log.as_array().unwrap().len(), 3);

    child.0.kill().unwrap();
    child.0.wait().unwrap();
}

#[test]
fn rejects_bad_flags() {
    assert_refused(&[
        &["--flavor", "onprem"],
        &["--accept-basic", "nocolon"],
        &["--cloud-site", "no-name"],
        &["--cloud-site", "a:b", "--no-cloud-sites"],
    ]);
}

#[tokio::test]
async fn serves_the_oauth_flags() {
    let pem = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/oauth1_public.pem"
    );
    let (mut child, base) = spawn(&[
        "--oauth1-consumer",
        &format!("jira-search:{pem}"),
        "--oauth1-token",
        "at-1",
        "--connect-app",
        "com.example.app:secret",
        "--oauth2-client",
        "cid:csecret:rt-0",
        "--oauth2-access-ttl-secs",
        "120",
    ])
    .await;

    // Configured schemes close the instance.
    let r = common::get(&format!("{base}/rest/api/2/myself")).await;
    assert_eq!(r.status, 401);
    let r = common::send(
        "POST",
        &format!("{base}/oauth/token"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "grant_type=refresh_token&client_id=cid&client_secret=csecret&refresh_token=rt-0",
    )
    .await
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["expires_in"], 120);
    let access = r.json()["access_token"].as_str().unwrap().to_string();
    let r = common::get_with(
        &format!("{base}/rest/api/2/myself"),
        &[("Authorization", &format!("Bearer {access}"))],
    )
    .await;
    assert_eq!(r.status, 200);
    let stats = common::get(&format!("{base}/_sim/oauth2/stats")).await;
    assert_eq!(stats.json()["refreshes"], 1);

    child.0.kill().unwrap();
    child.0.wait().unwrap();
}

#[test]
fn rejects_a_missing_oauth1_key_file() {
    assert_refused(&[
        &["--oauth1-consumer", "k:/nonexistent/key.pem"],
        &["--oauth2-client", "only-id"],
    ]);
}

#[tokio::test]
async fn serves_3lo_with_the_demo_flags() {
    use common::browser::{redirected, submit, value};

    let (mut child, base) = spawn(&[
        "--flavor",
        "cloud",
        "--oauth2-client",
        "demo-client:demo-secret:",
        "--cloud-site",
        "c-1:acme",
        "--oauth2-redirect-uri",
        "http://127.0.0.1:9/callback",
    ])
    .await;
    let authorize = format!("{base}/authorize");
    let page = common::get(&format!(
        "{authorize}?audience=api.atlassian.com&client_id=demo-client\
         &scope=read%3Ajira-user%20read%3Ajira-work%20offline_access\
         &redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcallback&state=s1&response_type=code\
         &prompt=consent"
    ))
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let answer = submit(&authorize, &page, "someone@example.com", "allow").await;
    let (_, pairs) = redirected(&answer);
    let code = value(&pairs, "code").unwrap();
    let tokens = common::send(
        "POST",
        &format!("{base}/oauth/token"),
        &[("Content-Type", "application/json")],
        &serde_json::json!({
            "grant_type": "authorization_code",
            "client_id": "demo-client",
            "client_secret": "demo-secret",
            "code": code,
            "redirect_uri": "http://127.0.0.1:9/callback",
        })
        .to_string(),
    )
    .await
    .unwrap();
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let access = tokens.json()["access_token"].as_str().unwrap().to_string();
    let auth = format!("Bearer {access}");
    let sites = common::get_with(
        &format!("{base}/oauth/token/accessible-resources"),
        &[("Authorization", &auth)],
    )
    .await;
    assert_eq!(sites.field("url"), vec!["https://acme.atlassian.net"]);
    let me = common::get_with(
        &format!("{base}/ex/jira/c-1/rest/api/3/myself"),
        &[("Authorization", &auth)],
    )
    .await;
    assert_eq!(me.status, 200, "{}", me.body);
    // An empty initial refresh token is none.
    let refresh = common::send(
        "POST",
        &format!("{base}/oauth/token"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        "grant_type=refresh_token&client_id=demo-client&client_secret=demo-secret&refresh_token=",
    )
    .await
    .unwrap();
    assert_eq!(refresh.status, 403, "{}", refresh.body);
    let stats = common::get(&format!("{base}/_sim/authorization/stats")).await;
    assert_eq!(stats.json()["consents_allowed"], 1);
    assert_eq!(stats.json()["codes_redeemed"], 1);
    let data = common::get(&format!("{base}/_sim/data")).await.json();
    assert_eq!(data["cloud_sites"][0]["id"], "c-1");

    child.0.kill().unwrap();
    child.0.wait().unwrap();
}
