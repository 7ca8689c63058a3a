//! Operations commands: `backup PATH` (a consistent copy of the live database, restorable by
//! pointing DATABASE_URL at it) and `healthcheck` (for container healthchecks).

mod common;

use common::{get, CacheKind, Db, Service, World};

fn run(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new(common::BIN)
        .args(args)
        .env_remove("SECRET_KEY")
        .env_remove("LISTEN_ADDR")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_of_the_live_database_restores_into_a_working_service() {
    let w = World::new().await;
    let svc = Service::start(&w.db, CacheKind::Memory, &[]);
    let copy_dir = tempfile::tempdir().unwrap();
    let copy = copy_dir.path().join("backup.db");
    let copy_str = copy.to_str().unwrap();
    // Taken while the service runs.
    let out = run(&["backup", copy_str], &[("DATABASE_URL", &w.db.url)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    // Never over an existing file, never into a missing directory.
    let again = run(&["backup", copy_str], &[("DATABASE_URL", &w.db.url)]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    let nowhere = copy_dir.path().join("no/such/dir/b.db");
    let out = run(
        &["backup", nowhere.to_str().unwrap()],
        &[("DATABASE_URL", &w.db.url)],
    );
    assert_eq!(out.status.code(), Some(2));
    drop(svc);

    // Restore: the copy is a database of its own, with every org, integration and token.
    let restored = Db {
        dir: copy_dir,
        url: format!("sqlite://{copy_str}"),
        pg: None,
    };
    assert_eq!(restored.ok(&["org", "list"], ""), "1\tacme\n2\tumbrella");
    let svc = Service::start(&restored, CacheKind::Memory, &[]);
    let user = w.server_sim.users().into_iter().find(|u| u.active).unwrap();
    let q: String = user.display_name.chars().take(3).collect();
    let a = get(
        &svc.url(&format!(
            "/extensions/jira-server/search/acme/{}/?field=assignee&query={q}",
            w.server_id
        )),
        Some(&w.token),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text());
}

#[test]
fn healthcheck_follows_the_server() {
    let db = Db::new();
    let svc = Service::start(&db, CacheKind::Memory, &[]);
    let addr = svc.addr.to_string();
    let out = run(&["healthcheck", "--listen", &addr], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // LISTEN_ADDR as the container sets it: 0.0.0.0 is asked on the loopback.
    let any = format!("0.0.0.0:{}", svc.addr.port());
    let out = run(&["healthcheck"], &[("LISTEN_ADDR", &any)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(svc);
    let out = run(&["healthcheck", "--listen", &addr], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/healthz"));
}
