//! Every way to connect Jira, end to end through the binary against jira-sim, and secrets kept
//! out of the database file, the logs, the CLI and the answers.

mod common;

use std::time::Duration;

use common::{assert_success, code, get, integration_add, stderr, CacheKind, Db, Service};
use jira_sim::{Flavor, SimConfig, SimHandle};

const PRIVATE_PEM: &str = include_str!("fixtures/oauth1-test-private.pem");
const PUBLIC_PEM: &str = include_str!("fixtures/oauth1-test-public.pem");
const OAUTH1_TOKEN: &str = "oauth1-access-t0ken";
const OAUTH1_TOKEN_SECRET: &str = "oauth1-t0ken-secret";
const CONNECT_SECRET: &str = "connect-shared-s3cret";
const CLIENT_ID: &str = "client-id-1";
const CLIENT_SECRET: &str = "client-s3cret";
const REFRESH_TOKEN: &str = "refresh-t0ken-0";

/// Every secret of this file: none may ever be printed, logged, answered or stored in clear
/// under a key.
const SECRETS: [&str; 6] = [
    OAUTH1_TOKEN,
    OAUTH1_TOKEN_SECRET,
    CONNECT_SECRET,
    CLIENT_SECRET,
    REFRESH_TOKEN,
    "MIIEv",
];

async fn sim(flavor: Flavor) -> SimHandle {
    jira_sim::start(SimConfig {
        flavor,
        oauth1_consumers: vec![("jira-search-consumer".into(), PUBLIC_PEM.into())],
        oauth1_tokens: vec![OAUTH1_TOKEN.into()],
        connect_apps: vec![("com.example.jira-search".into(), CONNECT_SECRET.into())],
        oauth2_clients: vec![(CLIENT_ID.into(), CLIENT_SECRET.into(), REFRESH_TOKEN.into())],
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

struct Setup {
    db: Db,
    server: SimHandle,
    cloud: SimHandle,
    token: String,
    ids: Vec<(&'static str, &'static str, String)>, // (route, method, id)
    outputs: String,
}

async fn setup(extra_env: &[(&str, &str)]) -> Setup {
    let db = Db::new();
    let server = sim(Flavor::Server).await;
    let cloud = sim(Flavor::Cloud).await;
    let key_dir = tempfile::tempdir().unwrap();
    let key_path = key_dir.path().join("private.pem");
    std::fs::write(&key_path, PRIVATE_PEM).unwrap();
    let mut outputs = String::new();
    let mut run = |args: &[&str], stdin: &str| -> String {
        let out = db.cli_env(args, stdin, extra_env);
        outputs.push_str(&String::from_utf8_lossy(&out.stdout));
        outputs.push_str(&String::from_utf8_lossy(&out.stderr));
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    };
    run(&["org", "add", "acme"], "");
    let s = server.base_url();
    let c = cloud.base_url();
    let server_token_url = format!("{s}/rest/oauth2/latest/token");
    let cloud_token_url = format!("{c}/oauth/token");
    let key = key_path.to_str().unwrap();
    let mut ids = Vec::new();
    let oauth1 = run(
        &add_oauth1(&s, key),
        &format!("{OAUTH1_TOKEN}:{OAUTH1_TOKEN_SECRET}\n"),
    );
    ids.push(("jira-server", "oauth1", oauth1));
    let server_oauth2 = run(
        &integration_add(
            "acme",
            "jira_server",
            &s,
            &[
                "oauth2",
                "--client-id",
                CLIENT_ID,
                "--token-url",
                &server_token_url,
            ],
        ),
        &format!("{CLIENT_SECRET}:{REFRESH_TOKEN}\n"),
    );
    ids.push(("jira-server", "oauth2", server_oauth2));
    let jwt = run(&add_connect_jwt(&c), &format!("{CONNECT_SECRET}\n"));
    ids.push(("jira", "connect-jwt", jwt));
    let cloud_oauth2 = run(
        &integration_add(
            "acme",
            "jira",
            &c,
            &[
                "oauth2",
                "--client-id",
                CLIENT_ID,
                "--token-url",
                &cloud_token_url,
            ],
        ),
        &format!("{CLIENT_SECRET}:{REFRESH_TOKEN}\n"),
    );
    ids.push(("jira", "oauth2", cloud_oauth2));
    let token = run(&["token", "add", "--org", "acme"], "");
    Setup {
        db,
        server,
        cloud,
        token,
        ids,
        outputs,
    }
}

/// `integration add` of an OAuth 1.0a Server integration signing with the key at `key`.
fn add_oauth1<'a>(base_url: &'a str, key: &'a str) -> Vec<&'a str> {
    integration_add(
        "acme",
        "jira_server",
        base_url,
        &[
            "oauth1",
            "--consumer-key",
            "jira-search-consumer",
            "--private-key-file",
            key,
        ],
    )
}

/// `integration add` of a Connect (JWT) Cloud integration.
fn add_connect_jwt(base_url: &str) -> Vec<&str> {
    integration_add(
        "acme",
        "jira",
        base_url,
        &["connect-jwt", "--client-id", "com.example.jira-search"],
    )
}

fn url(svc: &Service, route: &str, id: &str, q: &str) -> String {
    svc.url(&format!(
        "/extensions/{route}/search/acme/{id}/?field=assignee&query={q}"
    ))
}

fn assert_no_secret(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} contains a secret ({s}): {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scheme_searches_and_checks_end_to_end() {
    let mut st = setup(&[]).await;
    // Debug logs too: no secret at any level.
    let svc = Service::start(&st.db, CacheKind::Memory, &[("RUST_LOG", "debug")]);
    let user = st
        .server
        .users()
        .into_iter()
        .find(|u| u.active && u.projects.is_empty())
        .unwrap();
    let prefix: String = user.display_name.chars().take(3).collect();
    let last: String = user
        .display_name
        .split(' ')
        .next_back()
        .unwrap()
        .chars()
        .take(3)
        .collect();
    for (route, method, id) in &st.ids {
        for q in [prefix.as_str(), last.as_str()] {
            let a = get(&url(&svc, route, id, q), Some(&st.token)).await;
            assert_eq!(a.status, 200, "{method} on {route}: {}", a.text());
            assert!(
                !a.json().as_array().unwrap().is_empty(),
                "{method}: no user for {q}"
            );
            assert_no_secret("an answer", &a.text());
        }
        let out = st.db.cli(&["integration", "check", id], "");
        st.outputs.push_str(&String::from_utf8_lossy(&out.stdout));
        st.outputs.push_str(&String::from_utf8_lossy(&out.stderr));
        assert!(
            out.status.success(),
            "check {method}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stdout).trim().is_empty());
    }
    // Error paths too: Jira failing, Jira refusing, a bad caller token; all output collected.
    for (route, method, id) in &st.ids {
        let sim = if *route == "jira" {
            &st.cloud
        } else {
            &st.server
        };
        for fault in [
            jira_sim::Fault::html(500, "<html>boom</html>").times(1),
            jira_sim::Fault::html(401, "<html>no</html>").times(2),
        ] {
            sim.add_fault(fault);
            let a = get(
                &svc.url(&format!(
                    "/extensions/{route}/search/acme/{id}/?field=externalIssue&query=x"
                )),
                Some(&st.token),
            )
            .await;
            assert_eq!(a.status, 400, "{method}: {}", a.text());
            assert_no_secret("an error answer", &a.text());
            sim.clear_faults();
        }
        let a = get(&url(&svc, route, id, "x"), Some("jst_wrong")).await;
        assert_eq!(a.status, 401);
    }
    // Tampered credentials are refused by Jira, through the binary: a wrong Connect secret and
    // an OAuth 1.0a token Jira does not know.
    let c = st.cloud.base_url();
    let s = st.server.base_url();
    let bad_jwt = st.db.ok(&add_connect_jwt(&c), "not-the-shared-secret\n");
    let key_dir = tempfile::tempdir().unwrap();
    let key_path = key_dir.path().join("k.pem");
    std::fs::write(&key_path, PRIVATE_PEM).unwrap();
    let bad_oauth1 = st.db.ok(
        &add_oauth1(&s, key_path.to_str().unwrap()),
        "unknown-token:whatever\n",
    );
    for (route, id) in [("jira", &bad_jwt), ("jira-server", &bad_oauth1)] {
        let a = get(&url(&svc, route, id, "x"), Some(&st.token)).await;
        assert_eq!(a.status, 400, "{route}: {}", a.text());
        assert_eq!(a.json()["detail"], "Unable to fetch users from Jira");
        let out = st.db.cli(&["integration", "check", id], "");
        assert_eq!(out.status.code(), Some(1), "{route}");
        st.outputs.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    let list = st.db.ok(&["integration", "list"], "");
    assert_no_secret("integration list", &list);
    assert_no_secret("CLI output", &st.outputs);
    let logs = svc.logs();
    assert_no_secret("the logs", &logs);
    // Without SECRET_KEY, exactly one warning says the secrets are in plain text.
    assert_eq!(logs.matches("SECRET_KEY is not set").count(), 1, "{logs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth2_renews_at_expiry_once_for_fifty_concurrent_searches_and_survives_a_restart() {
    let st = setup(&[]).await;
    let svc = Service::start(&st.db, CacheKind::Memory, &[]);
    for (route, method, id) in st.ids.iter().filter(|(_, m, _)| *m == "oauth2") {
        let sim = if *route == "jira" {
            &st.cloud
        } else {
            &st.server
        };
        let a = get(&url(&svc, route, id, "first"), Some(&st.token)).await;
        assert_eq!(a.status, 200, "{method} {route}: {}", a.text());
        let before = sim.oauth2_refresh_count();
        // Every access token expires server-side; 50 searches (distinct queries: no cache) at once.
        sim.expire_access_tokens();
        let mut tasks = Vec::new();
        for i in 0..50 {
            let u = url(&svc, route, id, &format!("q{i}"));
            let t = st.token.clone();
            tasks.push(tokio::spawn(async move { get(&u, Some(&t)).await.status }));
        }
        for t in tasks {
            assert_eq!(
                t.await.unwrap(),
                200,
                "{route}: a search failed across the renewal"
            );
        }
        assert_eq!(
            sim.oauth2_refresh_count() - before,
            1,
            "{route}: exactly one refresh"
        );
    }
    // Each integration got its first token and one renewal, and the metrics say so.
    let metrics = get(&svc.url("/metrics"), None).await.text();
    for (_, _, id) in st.ids.iter().filter(|(_, m, _)| *m == "oauth2") {
        let line = format!(
            "jira_search_jira_token_renewals_total{{integration=\"{id}\",outcome=\"ok\"}} 2"
        );
        assert!(metrics.contains(&line), "{line} missing:\n{metrics}");
    }
    let logs_before = svc.logs();
    drop(svc);
    // After a restart the access token is gone: the rotated refresh token in the database must
    // be the current one (reusing an old one would be refused and revoke the family).
    let svc = Service::start(&st.db, CacheKind::Memory, &[]);
    for (route, _, id) in st.ids.iter().filter(|(_, m, _)| *m == "oauth2") {
        let a = get(&url(&svc, route, id, "after-restart"), Some(&st.token)).await;
        assert_eq!(a.status, 200, "{route} after restart: {}", a.text());
    }
    assert_no_secret("the logs", &(logs_before + &svc.logs()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_secret_key_nothing_is_stored_in_clear_and_rotation_keeps_everything_working() {
    let key1 = generate_key();
    let st = setup(&[("SECRET_KEY", &key1)]).await;
    let env1 = [("SECRET_KEY", key1.as_str())];
    let svc = Service::start(&st.db, CacheKind::Memory, &env1);
    for (route, _, id) in &st.ids {
        assert_eq!(
            get(&url(&svc, route, id, "a"), Some(&st.token))
                .await
                .status,
            200
        );
    }
    drop(svc);
    grep_db(&st.db, false);

    // No key, and the wrong key: serve refuses to start, with a clear message.
    for env in [vec![], vec![("SECRET_KEY", generate_key())]] {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let out = st.db.serve_once(&env);
        let err = stderr(&out);
        assert_eq!(code(&out), 1, "{err}");
        assert!(err.contains("SECRET_KEY"), "{err}");
    }

    // Rotate to a new key: every integration keeps working under it.
    let key2 = generate_key();
    let out = st
        .db
        .cli_env(&["secret-key", "rotate"], &format!("{key2}\n"), &env1);
    assert_success(&out);
    let svc = Service::start(&st.db, CacheKind::Memory, &[("SECRET_KEY", key2.as_str())]);
    for (route, method, id) in &st.ids {
        let a = get(&url(&svc, route, id, "b"), Some(&st.token)).await;
        assert_eq!(a.status, 200, "{method} after rotation: {}", a.text());
    }
    drop(svc);
    grep_db(&st.db, false);
    // And back to plain text (no key on stdin): the grep now finds them, proving it looks.
    let out = st.db.cli_env(
        &["secret-key", "rotate"],
        "\n",
        &[("SECRET_KEY", key2.as_str())],
    );
    assert_success(&out);
    grep_db(&st.db, true);
}

fn generate_key() -> String {
    let out = std::process::Command::new(common::BIN)
        .args(["secret-key", "generate"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Reads the database file and its WAL as bytes: the secrets must be absent (or, to prove the
/// check works, present after unsealing).
fn grep_db(db: &Db, expect_found: bool) {
    let mut bytes = std::fs::read(db.path()).unwrap();
    bytes.extend(std::fs::read(db.dir.path().join("js.db-wal")).unwrap_or_default());
    let found: Vec<&str> = [CONNECT_SECRET, CLIENT_SECRET, OAUTH1_TOKEN]
        .into_iter()
        .filter(|s| bytes.windows(s.len()).any(|w| w == s.as_bytes()))
        .collect();
    if expect_found {
        assert!(
            !found.is_empty(),
            "the byte search finds nothing even in plain text"
        );
    } else {
        assert!(found.is_empty(), "secrets stored in clear: {found:?}");
    }
}

#[test]
fn bad_oauth_input_is_refused_and_nothing_is_stored() {
    let db = Db::new();
    db.ok(&["org", "add", "acme"], "");
    let dir = tempfile::tempdir().unwrap();
    let not_rsa = dir.path().join("ec.pem");
    std::fs::write(&not_rsa, include_str!("fixtures/not-rsa.pem")).unwrap();
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "hello").unwrap();
    let missing = dir.path().join("missing.pem");
    let (not_rsa, garbage, missing) = (
        not_rsa.to_str().unwrap(),
        garbage.to_str().unwrap(),
        missing.to_str().unwrap(),
    );
    let oauth1 = |key: Option<&'static str>, file| {
        let mut auth = vec!["oauth1"];
        if let Some(key) = key {
            auth.extend(["--consumer-key", key]);
        }
        auth.extend(["--private-key-file", file]);
        auth
    };
    // (provider, `--auth` and its flags, standard input, the message expected)
    let cases: Vec<(&str, Vec<&str>, &str, &str)> = vec![
        (
            "jira_server",
            oauth1(Some("ck"), not_rsa),
            "a:b\n",
            "--private-key-file",
        ),
        (
            "jira_server",
            oauth1(Some("ck"), garbage),
            "a:b\n",
            "--private-key-file",
        ),
        (
            "jira_server",
            oauth1(Some("ck"), missing),
            "a:b\n",
            "cannot read --private-key-file",
        ),
        (
            "jira_server",
            oauth1(None, missing),
            "a:b\n",
            "needs --consumer-key",
        ),
        (
            "jira_server",
            vec!["oauth2", "--client-id", "c"],
            "a:b\n",
            "needs --token-url",
        ),
        ("jira", vec!["oauth2"], "a:b\n", "needs --client-id"),
        (
            "jira",
            vec!["oauth2", "--client-id", "c"],
            "only-one-part\n",
            "client_secret:refresh_token",
        ),
        (
            "jira",
            vec![
                "oauth2",
                "--client-id",
                "c",
                "--token-url",
                "http://auth.example.com/token",
            ],
            "a:b\n",
            "invalid --token-url",
        ),
        (
            "jira",
            vec!["connect-jwt", "--user", "x"],
            "s\n",
            "--user does not apply",
        ),
        (
            "jira",
            vec!["connect-jwt"],
            "",
            "no secret on standard input",
        ),
    ];
    for (provider, auth, stdin, message) in cases {
        let args = integration_add("acme", provider, "https://jira.example.com", &auth);
        db.refused(&args, stdin, message);
    }
    assert_eq!(db.ok(&["integration", "list"], ""), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_catches_refused_and_anonymous_credentials() {
    let db = Db::new();
    let sim = common::sim(Flavor::Server).await;
    db.ok(&["org", "add", "acme"], "");
    let base_url = sim.base_url();
    let add_pat = integration_add("acme", "jira_server", &base_url, &["pat"]);
    let good = db.ok(&add_pat, &format!("{}\n", common::SERVER_PAT));
    let bad = db.ok(&add_pat, "wrong-token\n");
    let out = db.cli(&["integration", "check", &good], "");
    assert_success(&out);
    let out = db.cli(&["integration", "check", &bad], "");
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("refused"), "{}", stderr(&out));
    // The Server quirk: bad credentials answered as the anonymous user, with a 200.
    sim.add_fault(
        jira_sim::Fault::json(200, r#"{"self":"x","name":"anonymous","active":true}"#)
            .on("/rest/api/2/myself"),
    );
    let out = db.cli(&["integration", "check", &good], "");
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("anonymous"), "{}", stderr(&out));
    let _ = Duration::ZERO;
}
