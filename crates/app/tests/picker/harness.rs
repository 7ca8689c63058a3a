//! What the picker test runs: the real binary with CORS on for the picker's origin, both
//! simulators and org `acme` (common's [`World`]), a signing key made through the admin API,
//! and examples/picker/server.py (python3) serving the page and minting its tokens; plus
//! small waits on the page's own state.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use browser::Browser;
use serde_json::{json, Value};

use crate::common::{closed_port, send, CacheKind, Service, World};

/// examples/picker/server.py.
fn server_py() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/picker/server.py")
}

/// The whole stack. Dropping it stops server.py and the service (by their PIDs).
pub struct Stack {
    pub world: World,
    pub service: Service,
    /// The page's URL (`http://127.0.0.1:PORT/`), also its origin with the slash.
    pub page: String,
    /// The Server simulator's project the assignee picker searches in.
    pub project: jira_sim::SimProject,
    picker: Child,
    /// Holds the signing key file for the life of the stack.
    _keys: tempfile::TempDir,
}

impl Stack {
    pub async fn start() -> Self {
        let world = World::new().await;
        let admin = world
            .db
            .ok(&["token", "add", "--admin", "--name", "picker backend"], "");
        let service_port = closed_port();
        let picker_port = closed_port();
        let origin = format!("http://127.0.0.1:{picker_port}");
        let service = Service::start(
            &world.db,
            CacheKind::Memory,
            &[
                ("LISTEN_ADDR", &format!("127.0.0.1:{service_port}")),
                ("CORS_ALLOWED_ORIGINS", &origin),
            ],
        );
        let key = send(
            "POST",
            &service.url("/api/v1/orgs/acme/signing-keys"),
            &[
                ("authorization", &format!("Bearer {admin}")),
                ("content-type", "application/json"),
            ],
            json!({"name": "picker page"}).to_string().into_bytes(),
        )
        .await;
        assert_eq!(key.status, 201, "{}", key.text());
        let keys = tempfile::tempdir().unwrap();
        let key_file = keys.path().join("signing-key.json");
        std::fs::write(&key_file, &key.body).unwrap();
        let project = world.server_sim.projects()[0].clone();
        let mut picker = Command::new("python3")
            .arg(server_py())
            .args(["--service", &format!("http://127.0.0.1:{service_port}")])
            .args(["--org", "acme"])
            .args(["--server-integration", &world.server_id])
            .args(["--cloud-integration", &world.cloud_id])
            .args(["--project", &project.id])
            .args(["--port", &picker_port.to_string()])
            .env("PICKER_KEY_FILE", &key_file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs examples/picker/server.py");
        let mut line = String::new();
        BufReader::new(picker.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let page = line
            .trim()
            .strip_prefix("picker: listening on ")
            .unwrap_or_else(|| panic!("server.py printed {line:?}"))
            .to_owned();
        assert_eq!(page, format!("{origin}/"));
        Self {
            world,
            service,
            page,
            project,
            picker,
            _keys: keys,
        }
    }

    /// The search the page makes, made here with the org's caller token: the list the page
    /// must show, as `(value, label)`.
    pub async fn expected(
        &self,
        route: &str,
        integration: &str,
        params: &str,
    ) -> Vec<(String, String)> {
        let url = self.service.url(&format!(
            "/extensions/{route}/search/acme/{integration}/?{params}"
        ));
        let a = crate::common::get(&url, Some(&self.world.token)).await;
        assert_eq!(a.status, 200, "{url}: {}", a.text());
        a.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["value"].as_str().unwrap().to_owned(),
                    c["label"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = self.picker.kill();
        let _ = self.picker.wait();
    }
}

/// Runs `script` (a JavaScript function body that returns a value) until it returns something
/// other than `null`, `false` or `undefined`, for at most `timeout`; that value.
pub async fn wait_until(b: &Browser, what: &str, script: &str, timeout: Duration) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let got = b
            .webdriver()
            .execute(script, vec![])
            .await
            .unwrap()
            .json()
            .clone();
        if !matches!(got, Value::Null | Value::Bool(false)) {
            return got;
        }
        if Instant::now() > deadline {
            let shot = b.screenshot("timeout").await.ok();
            panic!("waited {timeout:?} for {what}; screenshot {shot:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What a picker shows: its status text, whether its list is open, and its options as
/// `(value, label)`.
pub async fn shown(b: &Browser, picker: &str) -> (String, bool, Vec<(String, String)>) {
    let script = format!(
        r#"const list = document.getElementById("{picker}-list");
        return [document.getElementById("{picker}-status").textContent, !list.hidden,
          Array.from(list.querySelectorAll("[role=option]"), o => [o.dataset.value, o.textContent])];"#
    );
    let v = b
        .webdriver()
        .execute(script, vec![])
        .await
        .unwrap()
        .json()
        .clone();
    let options = v[2]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o[0].as_str().unwrap().to_owned(),
                o[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (
        v[0].as_str().unwrap().to_owned(),
        v[1].as_bool().unwrap(),
        options,
    )
}

/// Waits until the picker's last request for `query` has ended (`ok` or `error`); its entry
/// of the page's request log.
pub async fn settled(b: &Browser, picker: &str, query: &str) -> Value {
    let script = format!(
        r#"const e = window.pickerLog.filter(e => e.picker === "{picker}" && e.query === {q}).pop();
        return e && e.outcome !== "pending" ? e : null;"#,
        q = json!(query)
    );
    wait_until(
        b,
        &format!("{picker}'s search for {query:?}"),
        &script,
        Duration::from_secs(15),
    )
    .await
}

/// The page's request log of one picker: `(query, outcome)` in the order they were sent.
pub async fn log_of(b: &Browser, picker: &str) -> Vec<(String, String)> {
    let script = format!(
        r#"return window.pickerLog.filter(e => e.picker === "{picker}").map(e => [e.query, e.outcome]);"#
    );
    let v = b
        .webdriver()
        .execute(script, vec![])
        .await
        .unwrap()
        .json()
        .clone();
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e[0].as_str().unwrap().to_owned(),
                e[1].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}
