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

#[tokio::test]
async fn prints_base_url_then_serves() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_jira-sim"))
            .args([
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
    let base = line.trim_end().to_string();
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
    let out = Command::new(env!("CARGO_BIN_EXE_jira-sim"))
        .args(["--flavor", "onprem"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_jira-sim"))
        .args(["--accept-basic", "nocolon"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
