//! Browser tokens, black-box: the real binary over a real SQLite file and jira-sim. Tokens are
//! minted by the documented examples (docs/examples/mint_browser_token.py and .mjs, the
//! very files docs/api.md includes) run by `python3` and `node`, never by this service; a
//! missing interpreter fails the test. A token searches its org; expired, tampered, another
//! org's, another integration's and revoked ones (through the API at once, through the CLI
//! within the keyring's refresh interval) answer the search's 401, and the admin API never
//! takes one.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{get, CacheKind, Service, World};
use serde_json::{json, Value};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// The refresh interval of `serve`'s keyring, and what a CLI revocation may take on top.
const REFRESH: Duration = Duration::from_secs(5);
const MARGIN: Duration = Duration::from_secs(10);

/// Which documented example mints.
#[derive(Debug, Clone, Copy)]
enum Minter {
    Python,
    Node,
}

const MINTERS: [Minter; 2] = [Minter::Python, Minter::Node];

impl Minter {
    /// Runs the example: `SIGNING_SECRET` in the environment, the key id, lifetime and
    /// integrations as arguments; the token it prints.
    fn mint(self, kid: &str, secret: &str, lifetime: i64, integrations: &[&str]) -> String {
        let (program, file) = match self {
            Self::Python => ("python3", "docs/examples/mint_browser_token.py"),
            Self::Node => ("node", "docs/examples/mint_browser_token.mjs"),
        };
        let lifetime = lifetime.to_string();
        let out = Command::new(program)
            .arg(Path::new(ROOT).join(file))
            .arg(kid)
            .arg(&lifetime)
            .args(integrations)
            .env("SIGNING_SECRET", secret)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run `{program}` ({e}): the browser token test needs {program} on \
                     PATH to run the documented minting example {file}; install it"
                )
            });
        assert!(
            out.status.success(),
            "{program} {file} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        assert_eq!(token.split('.').count(), 3, "{program} printed {token:?}");
        token
    }
}

/// The world, a running service, and an admin token.
struct Run {
    w: World,
    svc: Service,
    admin: String,
}

impl Run {
    async fn start() -> Self {
        let w = World::new().await;
        let admin = w.db.ok(&["token", "add", "--admin"], "");
        let svc = Service::start(&w.db, CacheKind::Memory, &[]);
        Self { w, svc, admin }
    }

    /// `POST /api/v1/orgs/{org}/signing-keys`: (id, secret).
    async fn key_by_api(&self, org: &str) -> (String, String) {
        let a = common::send(
            "POST",
            &self.svc.url(&format!("/api/v1/orgs/{org}/signing-keys")),
            &[
                ("authorization", &format!("Bearer {}", self.admin)),
                ("content-type", "application/json"),
            ],
            json!({"name": "picker"}).to_string().into_bytes(),
        )
        .await;
        assert_eq!(a.status, 201, "{}", a.text());
        let v = a.json();
        let text = |k: &str| v[k].as_str().unwrap().to_owned();
        (text("id"), text("secret"))
    }

    /// `jira-search signing-key add`: (id, secret) from its two lines.
    fn key_by_cli(&self, org: &str) -> (String, String) {
        let out = self.w.db.ok(&["signing-key", "add", "--org", org], "");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        (lines[0].to_owned(), lines[1].to_owned())
    }

    /// A search of `org` through `integration` (the Server route) with `token`.
    async fn search(&self, org: &str, integration: &str, token: &str) -> common::Answer {
        self.search_on("jira-server", org, integration, token).await
    }

    async fn search_on(
        &self,
        route: &str,
        org: &str,
        integration: &str,
        token: &str,
    ) -> common::Answer {
        let path = format!("/extensions/{route}/search/{org}/{integration}/?field=labels&query=R");
        get(&self.svc.url(&path), Some(token)).await
    }
}

/// Searches until the answer is [`found`]: a key made by the CLI reaches the running server
/// at its next keyring reload.
async fn eventually_found(run: &Run, org: &str, integration: &str, token: &str) {
    let deadline = Instant::now() + REFRESH + MARGIN;
    loop {
        let a = run.search(org, integration, token).await;
        if found(&a) {
            return;
        }
        assert_eq!(a.status, 401, "{}", a.text());
        assert!(
            Instant::now() < deadline,
            "a signing key made by the CLI did not take effect within {REFRESH:?} (and a margin)"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A search that found the sim's label `R&D`.
fn found(a: &common::Answer) -> bool {
    a.status == 200
        && a.json()
            .as_array()
            .is_some_and(|l| l.iter().any(|c| c["value"] == "R&D"))
}

/// The search's one 401.
fn refused(a: &common::Answer, what: &str) {
    assert_eq!(a.status, 401, "{what}: {}", a.text());
    assert_eq!(
        a.json(),
        json!({"detail": "Authentication credentials were not provided."}),
        "{what}"
    );
}

#[tokio::test]
async fn tokens_minted_in_python_and_node_search_their_org_and_nothing_else() {
    let run = Run::start().await;
    let w = &run.w;
    let (kid, secret) = run.key_by_api("acme").await;
    let (other_kid, other_secret) = run.key_by_cli("umbrella");
    assert!(
        !run.svc.logs().contains(&secret),
        "a secret is never logged"
    );
    for m in MINTERS {
        let token = m.mint(&kid, &secret, 600, &[]);
        for org in ["acme", "1"] {
            let a = run.search(org, &w.server_id, &token).await;
            assert!(found(&a), "{m:?} {org}: {} {}", a.status, a.text());
        }
        let a = run.search_on("jira", "acme", &w.cloud_id, &token).await;
        assert!(found(&a), "{m:?} Cloud: {}", a.text());
        // Narrowed to the Server integration: that one only.
        let narrowed = m.mint(&kid, &secret, 3600, &[&w.server_id]);
        assert!(
            found(&run.search("acme", &w.server_id, &narrowed).await),
            "{m:?}"
        );
        let a = run.search_on("jira", "acme", &w.cloud_id, &narrowed).await;
        refused(&a, "another integration than the token's");

        // Expired, too long-lived, tampered, another org's (both ways).
        refused(
            &run.search("acme", &w.server_id, &m.mint(&kid, &secret, -1, &[]))
                .await,
            "expired",
        );
        refused(
            &run.search("acme", &w.server_id, &m.mint(&kid, &secret, 7200, &[]))
                .await,
            "two hours",
        );
        let mut tampered = token.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        refused(
            &run.search("acme", &w.server_id, &tampered).await,
            "tampered",
        );
        refused(
            &run.search("umbrella", &w.other_id, &token).await,
            "acme's token, umbrella's route",
        );
        let theirs = m.mint(&other_kid, &other_secret, 600, &[]);
        eventually_found(&run, "umbrella", &w.other_id, &theirs).await;
        refused(
            &run.search("acme", &w.server_id, &theirs).await,
            "umbrella's token, acme's route",
        );
        refused(
            &run.search("acme", &w.server_id, &m.mint(&kid, "jss_guess", 600, &[]))
                .await,
            "a guessed secret",
        );
        let oversized = format!("{token}{}", "A".repeat(5000));
        refused(
            &run.search("acme", &w.server_id, &oversized).await,
            "oversized",
        );
    }
    // The caller token still works alongside.
    assert!(found(&run.search("acme", &w.server_id, &w.token).await));
}

#[tokio::test]
async fn revoking_a_signing_key_stops_its_tokens() {
    let run = Run::start().await;
    let w = &run.w;
    let (api_kid, api_secret) = run.key_by_api("acme").await;
    let (cli_kid, cli_secret) = run.key_by_cli("acme");
    let by_api = Minter::Python.mint(&api_kid, &api_secret, 600, &[]);
    let by_cli = Minter::Node.mint(&cli_kid, &cli_secret, 600, &[]);
    // A key made by the CLI reaches the running server within the refresh interval.
    eventually_found(&run, "acme", &w.server_id, &by_cli).await;
    assert!(found(&run.search("acme", &w.server_id, &by_api).await));

    // Revoked through the admin API: the very next search is refused.
    let a = common::send(
        "DELETE",
        &run.svc.url(&format!("/api/v1/signing-keys/{api_kid}")),
        &[("authorization", &format!("Bearer {}", run.admin))],
        Vec::new(),
    )
    .await;
    assert_eq!(a.status, 204, "{}", a.text());
    refused(
        &run.search("acme", &w.server_id, &by_api).await,
        "revoked by the API",
    );
    let fresh = Minter::Node.mint(&api_kid, &api_secret, 60, &[]);
    refused(
        &run.search("acme", &w.server_id, &fresh).await,
        "minted after the revocation",
    );

    // Revoked by the CLI (another process): refused within the refresh interval.
    w.db.ok(&["signing-key", "revoke", &cli_kid], "");
    let revoked_at = Instant::now();
    loop {
        let a = run.search("acme", &w.server_id, &by_cli).await;
        if a.status == 401 {
            refused(&a, "revoked by the CLI");
            break;
        }
        assert!(found(&a), "{}", a.text());
        assert!(
            revoked_at.elapsed() < REFRESH + MARGIN,
            "a CLI revocation did not take effect within {REFRESH:?} (and a margin)"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let listed = w.db.ok(&["signing-key", "list", "--org", "acme"], "");
    assert!(listed.is_empty(), "no active key is left: {listed}");
}

#[tokio::test]
async fn the_admin_api_never_takes_a_browser_token() {
    let run = Run::start().await;
    let (kid, secret) = run.key_by_api("acme").await;
    let token = Minter::Python.mint(&kid, &secret, 600, &[]);
    assert!(found(&run.search("acme", &run.w.server_id, &token).await));
    for (method, path) in [
        ("GET", "/api/v1/orgs"),
        ("GET", "/api/v1/orgs/acme/signing-keys"),
        ("POST", "/api/v1/orgs/acme/signing-keys"),
        ("DELETE", &*format!("/api/v1/signing-keys/{kid}")),
        ("GET", "/api/v1/orgs/acme/tokens"),
    ] {
        let a = common::request(method, &run.svc.url(path), Some(&token)).await;
        assert_eq!(a.status, 401, "{method} {path}: {}", a.text());
        let body: Value = a.json();
        assert!(
            body["detail"].as_str().unwrap().contains("admin token"),
            "{body}"
        );
    }
    // Nothing was revoked or made by those calls.
    assert!(found(&run.search("acme", &run.w.server_id, &token).await));
    let listed = run.w.db.ok(&["signing-key", "list", "--org", "acme"], "");
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(listed.starts_with(&format!("{kid}\tpicker\t")), "{listed}");
}

#[test]
fn docs_api_shows_the_tested_examples_verbatim() {
    let api = std::fs::read_to_string(Path::new(ROOT).join("docs/api.md")).unwrap();
    for (file, fence) in [
        ("docs/examples/mint_browser_token.py", "```python\n"),
        ("docs/examples/mint_browser_token.mjs", "```js\n"),
    ] {
        let code = std::fs::read_to_string(Path::new(ROOT).join(file)).unwrap();
        assert!(
            api.contains(&format!("{fence}{code}```")),
            "docs/api.md does not show {file} as it is"
        );
    }
}
