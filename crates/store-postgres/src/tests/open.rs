//! Database URLs, connecting, the pool's settings, migrations, `ping`, and the test
//! databases themselves.

use std::error::Error as _;

use domain::{AdminStore, IntegrationStore, StoreError};

use super::{slug, Db};
use crate::testing::{server_url, TestDatabase};
use crate::{check_database_url, PgStore, PgStoreError};

/// What `open` (and `check_database_url`) say about a URL they refuse.
async fn refused(url: &str) -> String {
    let checked = check_database_url(url).unwrap_err();
    let err = PgStore::open(url).await.unwrap_err();
    assert!(matches!(err, PgStoreError::Store(_)), "{url:?}: {err}");
    assert!(err.is_user_error(), "{url:?}");
    assert_eq!(err.to_string(), checked.to_string(), "{url:?}");
    err.to_string()
}

#[tokio::test]
async fn urls_that_are_not_postgres_urls_are_refused_before_connecting() {
    assert_eq!(
        refused("").await,
        r#"DATABASE_URL "" is empty: use e.g. postgres://jira-search@db.example.com/jira-search"#
    );
    assert!(refused("  ").await.contains("is empty"));
    for url in [
        "sqlite://jira-search.db",
        "mysql://db/x",
        "POSTGRES://db/x",
        "postgres:db",
        "db.example.com/js",
    ] {
        let msg = refused(url).await;
        assert!(msg.contains("is not a PostgreSQL URL"), "{url}: {msg}");
        assert!(
            msg.contains("postgres://USER:PASSWORD@HOST"),
            "{url}: {msg}"
        );
    }
    assert!(refused("postgres://db:notaport/x")
        .await
        .contains("cannot be used"));
    assert!(refused("postgres://db/x?sslmode=bogus")
        .await
        .contains("cannot be used"));
    // A password typed into a URL does not come back, wherever it is.
    for (url, shown) in [
        (
            "mysql://admin:hunter2@db.example.com/js",
            "mysql://***@db.example.com/js",
        ),
        ("admin:hunter2@db.example.com/js", "***@db.example.com/js"),
        (
            "postgres://admin:hunter2@db.example.com:bad/js",
            "postgres://***@db.example.com:bad/js",
        ),
        (
            "postgres://db/js?password=hunter2&sslmode=bogus",
            "postgres://db/js?password=***&sslmode=bogus",
        ),
    ] {
        let msg = refused(url).await;
        assert!(!msg.contains("hunter2") && !msg.contains("admin"), "{msg}");
        assert!(msg.contains(shown), "{msg}");
    }
}

#[test]
fn postgres_and_postgresql_urls_are_accepted() {
    for url in [
        "postgres://db.example.com/js",
        "postgresql://u:p@db.example.com:6543/js?sslmode=require",
        "postgres://u@localhost",
        "postgres:///js?host=/run/postgresql",
    ] {
        check_database_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    }
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_and_said_without_the_password() {
    // A port nobody listens on: bound, then closed.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("postgres://admin:hunter2@127.0.0.1:{port}/js");
    let err = PgStore::open(&url).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, PgStoreError::Connect { .. }), "{msg}");
    assert!(!err.is_user_error());
    assert!(
        msg.starts_with(&format!(
            "cannot connect to PostgreSQL at 127.0.0.1:{port}/js: "
        )),
        "{msg}"
    );
    let all = format!("{msg} {err:?}");
    assert!(!all.contains("hunter2") && !all.contains("admin"), "{all}");
    let port_error = StoreError::from(err);
    assert!(
        matches!(port_error, StoreError::Unavailable(_)),
        "{port_error:?}"
    );
    assert_eq!(port_error.source().unwrap().to_string(), msg);
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_echoing_it() {
    let db = TestDatabase::create().await;
    // The test server may trust every user (then the password is ignored): a user that
    // does not exist is refused either way.
    let mut url = url::Url::parse(db.url()).unwrap();
    url.set_username("no_such_user_js").unwrap();
    url.set_password(Some("hunter2")).unwrap();
    let err = PgStore::open(url.as_str()).await.unwrap_err();
    let all = format!("{err} {err:?}");
    assert!(matches!(err, PgStoreError::Connect { .. }), "{all}");
    assert!(!all.contains("hunter2"), "{all}");
    db.remove().await;
}

#[tokio::test]
async fn a_store_shows_no_password_in_its_debug_output() {
    let db = TestDatabase::create().await;
    // The test server trusts its user (`make test`'s does) or its URL holds the password.
    let mut url = url::Url::parse(db.url()).unwrap();
    if url.password().is_none() {
        url.set_password(Some("hunter2")).unwrap();
    }
    let password = url.password().unwrap().to_owned();
    let store = PgStore::open(url.as_str()).await.unwrap();
    let debug = format!("{store:?}");
    assert!(debug.contains("PgStore"), "{debug}");
    assert!(!debug.contains(&password), "{debug}");
    store.close().await;
    db.remove().await;
}

#[tokio::test]
async fn migrations_apply_once_and_opening_again_changes_nothing() {
    let db = Db::new().await;
    db.store.create_org(&slug("acme")).await.unwrap();
    let versions: Vec<(i64, bool)> =
        sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&db.store.pool)
            .await
            .unwrap();
    let every: Vec<(i64, bool)> = crate::open::MIGRATOR
        .iter()
        .map(|m| (m.version, true))
        .collect();
    assert_eq!(versions, every);
    // Opened again (another replica, a restart), and the migrator run again by hand.
    for _ in 0..2 {
        let again = db.replica(None).await;
        assert_eq!(again.list_orgs().await.unwrap().len(), 1);
        again.close().await;
    }
    crate::open::MIGRATOR.run(&db.store.pool).await.unwrap();
    assert_eq!(db.count("_sqlx_migrations").await, every.len() as i64);
    assert_eq!(db.store.list_orgs().await.unwrap().len(), 1);
    db.remove().await;
}

#[tokio::test]
async fn replicas_starting_together_migrate_once() {
    let db = TestDatabase::create().await;
    let opened = futures_join(db.url()).await;
    for store in &opened {
        store.ping().await.unwrap();
    }
    let migrated: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&opened[0].pool)
        .await
        .unwrap();
    assert_eq!(migrated, crate::open::MIGRATOR.iter().count() as i64);
    for store in opened {
        store.close().await;
    }
    db.remove().await;
}

/// Opens four stores on `url` at once.
async fn futures_join(url: &str) -> Vec<PgStore> {
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let url = url.to_owned();
            tokio::spawn(async move { PgStore::open(&url).await })
        })
        .collect();
    let mut stores = Vec::new();
    for task in tasks {
        stores.push(task.await.unwrap().unwrap());
    }
    stores
}

#[tokio::test]
async fn connections_are_named_and_the_pool_is_bounded() {
    let db = Db::new().await;
    let name: String = sqlx::query_scalar("SELECT current_setting('application_name')")
        .fetch_one(&db.store.pool)
        .await
        .unwrap();
    assert_eq!(name, "jira-search");
    assert_eq!(db.store.pool.options().get_max_connections(), 10);
    db.remove().await;
}

#[tokio::test]
async fn ping_fails_when_the_schema_is_gone() {
    let db = Db::new().await;
    db.store.ping().await.unwrap();
    db.exec("DROP TABLE orgs CASCADE").await;
    let err = db.store.ping().await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(format!("{err:?}").contains("does not exist"), "{err:?}");
    db.remove().await;
}

/// The panic of a test database's creation, as text.
async fn panic_of_create_on(server: String) -> String {
    let res = tokio::spawn(async move { TestDatabase::create_on(&server).await }).await;
    let payload = res.unwrap_err().into_panic();
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

#[tokio::test]
async fn test_databases_are_dropped_and_an_absent_server_fails_the_test_saying_what_to_do() {
    let db = TestDatabase::create().await;
    let name = db.name().to_owned();
    assert!(name.starts_with(&format!("jira_search_test_{}_", std::process::id())));
    // The catalog, read on the server's own database (not opened as a store: that would
    // migrate it).
    let exists = |name: String| async move {
        let mut conn: sqlx::PgConnection = sqlx::Connection::connect(&server_url()).await.unwrap();
        let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
            .bind(name)
            .fetch_optional(&mut conn)
            .await
            .unwrap();
        found.is_some()
    };
    assert!(exists(name.clone()).await);
    // Dropped when the value is dropped, an open store on it notwithstanding.
    let store = PgStore::open(db.url()).await.unwrap();
    drop(db);
    assert!(!exists(name).await);
    assert!(store.ping().await.is_err());

    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let msg = panic_of_create_on(format!("postgres://postgres:hunter2@127.0.0.1:{port}/x")).await;
    assert!(msg.contains("set TEST_POSTGRES_URL"), "{msg}");
    assert!(msg.contains("run `make test`"), "{msg}");
    assert!(!msg.contains("hunter2"), "{msg}");
}
