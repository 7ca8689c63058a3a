//! `jira-search db copy`: a deployment made through the CLI and the admin API (every kind of
//! row, see `db_copy/world.rs`) goes from SQLite to PostgreSQL and back with every row
//! identical, with and without SECRET_KEY (the copies run without it); the service then
//! searches through the copied integrations with the copied tokens, and new rows take ids
//! past every copied one. Refusals: a target that holds a row, the same database twice, a
//! URL of another database, a missing source file (exit 2, nothing written); an unreachable
//! target (exit 1). No message shows a password.

mod common;
mod db_copy {
    pub mod world;
}

use common::{assert_success, closed_port, code, stderr, CacheKind, Db, Service, SERVER_PAT};
use db_copy::world::{cli, env, pairs, search, Made, World};
use store_common::dump::Dump;

async fn dump(url: &str) -> Dump {
    let store = app::store::open_store(url, None).await.unwrap();
    store.export_dump().await.unwrap()
}

/// `db copy --from from --to to`, without SECRET_KEY.
fn copy(from: &str, to: &str) -> std::process::Output {
    Db::new().cli(&["db", "copy", "--from", from, "--to", to], "")
}

/// What the CLI lists of a deployment.
fn listings(db: &Db, env: &[(&'static str, String)]) -> String {
    let mut all = cli(db, env, &["org", "list"], "");
    all.push_str(&cli(db, env, &["integration", "list"], ""));
    for org in ["acme", "umbrella"] {
        all.push_str(&cli(db, env, &["signing-key", "list", "--org", org], ""));
    }
    all
}

/// Searches through `made` on `svc`: each answers users.
async fn searches(svc: &Service, world: &World, made: &[&(Made, String)]) {
    for (m, token) in made {
        let sim = if m.route == "jira" {
            &world.cloud
        } else {
            &world.server
        };
        let (status, users) = search(svc, sim, m, token).await;
        assert_eq!(status, 200, "{m:?}: {users}");
        assert!(!users.as_array().unwrap().is_empty(), "{m:?}: {users}");
    }
}

/// A new org with an integration and a token on `db`: their ids follow the copied ones,
/// deleted ones included, and the service searches through it.
async fn new_rows_follow(db: &Db, env: &[(&'static str, String)], copied: &Dump, world: &World) {
    let org = cli(db, env, &["org", "add", "newcomer"], "");
    assert_eq!(org, (copied.tables[0].last_id + 1).to_string());
    let base = world.server.base_url();
    let mut args = common::integration_add("newcomer", "jira_server", &base, &["pat"]);
    args.push("--allow-http");
    let id = cli(db, env, &args, &format!("{SERVER_PAT}\n"));
    assert_eq!(id, (copied.tables[1].last_id + 1).to_string());
    let token = cli(db, env, &["token", "add", "--org", "newcomer"], "");
    let svc = Service::start(db, CacheKind::Memory, &pairs(env));
    let made = Made {
        org: "newcomer".into(),
        route: "jira-server",
        id,
        rotates: false,
    };
    searches(&svc, world, &[&(made, token)]).await;
    svc.terminate();
}

async fn round_trip(key: Option<String>) {
    let world = World::new(key.clone()).await;
    let env = env(&world.key, &world.cloud);
    let (a, pg, b) = (&world.db, Db::postgres().await, Db::new());
    let out = copy(&a.url, &pg.url);
    assert_success(&out);
    let said = stderr(&out);
    assert!(said.contains(&format!("copied {} to", a.url)), "{said}");
    assert!(said.contains("org_integrations"), "{said}");
    assert_success(&copy(&pg.url, &b.url));
    let (source, middle, back) = (dump(&a.url).await, dump(&pg.url).await, dump(&b.url).await);
    assert_eq!(source.first_difference(&middle), None);
    assert_eq!(source.first_difference(&back), None);
    assert_eq!(source, back);
    for (table, n) in source.counts() {
        assert!(n > 0, "nothing in {table} to copy");
        assert!(said.contains(&format!("{table}  ")), "{table}: {said}");
    }
    let (sealed, plain) = source.secret_counts();
    assert_eq!(sealed > 0, key.is_some(), "{sealed} sealed, {plain} plain");
    assert_eq!(plain > 0, key.is_none(), "{sealed} sealed, {plain} plain");
    let listed = listings(a, &env);
    assert_eq!(listings(&pg, &env), listed);
    assert_eq!(listings(&b, &env), listed);

    // The service on the PostgreSQL copy: every copied integration, the copied tokens.
    let svc = Service::start(&pg, CacheKind::Memory, &pairs(&env));
    let all: Vec<_> = world.made.iter().collect();
    searches(&svc, &world, &all).await;
    let (status, _) = search(&svc, &world.server, &world.made[0].0, &world.revoked).await;
    assert_eq!(status, 401, "a revoked token stays revoked");
    svc.terminate();
    new_rows_follow(&pg, &env, &middle, &world).await;

    // The service on the SQLite copy of the copy. An OAuth 2.0 refresh token is used once
    // (the PostgreSQL copy renewed them), so only credentials that do not rotate.
    let svc = Service::start(&b, CacheKind::Memory, &pairs(&env));
    let fixed: Vec<_> = world.made.iter().filter(|(m, _)| !m.rotates).collect();
    assert!(fixed.len() >= 5, "{fixed:?}");
    searches(&svc, &world, &fixed).await;
    svc.terminate();
    new_rows_follow(&b, &env, &back, &world).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_to_postgres_and_back_keeps_every_row_and_the_copies_serve_searches() {
    round_trip(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sealed_deployment_is_copied_without_its_key_and_the_copies_open_with_it() {
    round_trip(Some(app_key())).await;
}

fn app_key() -> String {
    let out = Db::new().cli(&["secret-key", "generate"], "");
    assert_success(&out);
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A small deployment: two orgs, a token, a signing key.
fn small(db: &Db) {
    db.ok(&["org", "add", "acme"], "");
    db.ok(&["org", "add", "umbrella"], "");
    db.ok(&["token", "add", "--org", "acme"], "");
    db.ok(&["signing-key", "add", "--org", "acme"], "");
}

#[tokio::test]
async fn copies_between_two_databases_of_a_kind_work_too() {
    let (a, b) = (Db::new(), Db::new());
    small(&a);
    assert_success(&copy(&a.url, &b.url));
    let source = dump(&a.url).await;
    assert_eq!(source.first_difference(&dump(&b.url).await), None);
    let (p, q) = (Db::postgres().await, Db::postgres().await);
    small(&p);
    assert_success(&copy(&p.url, &q.url));
    let source = dump(&p.url).await;
    assert_eq!(source.first_difference(&dump(&q.url).await), None);
    assert_eq!(q.ok(&["org", "list"], ""), p.ok(&["org", "list"], ""));
}

#[tokio::test]
async fn a_target_that_holds_a_row_is_refused_with_exit_2_and_left_as_it_was() {
    let (a, pg) = (Db::new(), Db::postgres().await);
    small(&a);
    pg.ok(&["org", "add", "already"], "");
    pg.ok(&["token", "add", "--org", "already"], "");
    let before = dump(&pg.url).await;
    let out = copy(&a.url, &pg.url);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not empty (orgs: 1 row, api_tokens: 1 row)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(dump(&pg.url).await, before);
    // And into SQLite.
    let out = copy(&pg.url, &a.url);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("orgs: 2 rows"), "{}", stderr(&out));
}

#[tokio::test]
async fn urls_that_cannot_be_copied_are_refused_with_exit_2_and_create_nothing() {
    let a = Db::new();
    small(&a);
    let missing = Db::new();
    let pg = Db::postgres().await;
    let cases = [
        (a.url.clone(), a.url.clone(), "the same database"),
        (
            a.url.clone(),
            format!("sqlite://{}/./js.db", a.dir.path().display()),
            "the same database",
        ),
        (
            a.url.clone(),
            "mysql://u:hunter2@db/js".into(),
            "neither a SQLite URL",
        ),
        (
            "sqlite::memory:".into(),
            pg.url.clone(),
            "names no database file",
        ),
        (missing.url.clone(), pg.url.clone(), "does not exist"),
    ];
    for (from, to, said) in cases {
        let out = copy(&from, &to);
        let err = stderr(&out);
        assert_eq!(code(&out), 2, "{from} -> {to}: {err}");
        assert!(err.contains(said), "{from} -> {to}: {err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
    assert!(!missing.path().exists(), "a missing source is not created");
    assert!(dump(&pg.url).await.counts().iter().all(|(_, n)| *n == 0));
}

#[tokio::test]
async fn an_unreachable_target_fails_with_exit_1_without_its_password() {
    let a = Db::new();
    small(&a);
    let to = format!("postgres://js:hunter2@127.0.0.1:{}/js", closed_port());
    let out = copy(&a.url, &to);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("--to") && err.contains("127.0.0.1"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}
