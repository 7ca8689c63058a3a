//! Database URLs, opening and migrating, the pragmas, `ping` and backups.

use domain::{AdminStore, IntegrationStore, StoreError};

use super::{count, file_store, memory, pat, slug, url_in};
use crate::{check_database_url, SqliteStore, SqliteStoreError};

#[tokio::test]
async fn open_creates_and_migrates_a_file_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let url = url_in(&dir);
    let store = SqliteStore::open(&url).await.unwrap();
    assert!(path.exists());
    store.create_org(&slug("acme")).await.unwrap();
    store.pool.close().await;

    let again = SqliteStore::open(&url).await.unwrap();
    let orgs = again.list_orgs().await.unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].slug.as_str(), "acme");
    assert_eq!(count(&again, "_sqlx_migrations").await, 5);
}

#[tokio::test]
async fn pragmas_wal_foreign_keys_busy_timeout_synchronous() {
    let (_dir, store) = file_store().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    for (pragma, want) in [
        ("foreign_keys", 1),
        ("busy_timeout", 5000),
        ("synchronous", 1),
    ] {
        let got: i64 = sqlx::query_scalar(&format!("PRAGMA {pragma}"))
            .fetch_one(&store.pool)
            .await
            .unwrap();
        // synchronous = 1 is NORMAL.
        assert_eq!(got, want, "{pragma}");
    }
}

/// What `open_with_key` (and `check_database_url`) say about a URL they refuse.
async fn refused(url: &str) -> String {
    let checked = check_database_url(url).unwrap_err();
    let err = SqliteStore::open(url).await.unwrap_err();
    assert!(
        matches!(err, SqliteStoreError::InvalidInput(_)),
        "{url:?}: {err}"
    );
    assert!(err.is_user_error(), "{url:?}");
    assert_eq!(err.to_string(), checked.to_string(), "{url:?}");
    err.to_string()
}

#[tokio::test]
async fn urls_that_name_no_sqlite_file_are_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let cwd_files = || std::fs::read_dir(".").unwrap().count();
    let before = cwd_files();
    assert_eq!(
        refused("").await,
        r#"DATABASE_URL "" is empty: use e.g. sqlite://jira-search.db"#
    );
    assert!(refused("  ").await.contains("is empty"));
    assert_eq!(
        refused("postgres://x").await,
        r#"DATABASE_URL "postgres://x" is not a SQLite URL: use sqlite://FILE or sqlite::memory:"#
    );
    for url in [
        "jira-search.db",
        "mysql://db/x",
        "file:x.db",
        "SQLITE://x.db",
    ] {
        assert!(refused(url).await.contains("is not a SQLite URL"), "{url}");
    }
    for url in ["sqlite://", "sqlite:", "sqlite://?mode=rwc"] {
        let msg = refused(url).await;
        assert!(msg.contains("names no database file"), "{url}: {msg}");
        assert!(msg.contains("sqlite://jira-search.db"), "{url}: {msg}");
    }
    assert!(refused("sqlite://x.db?mode=bogus")
        .await
        .contains("cannot be used"));
    // A password typed into a URL does not come back.
    let msg = refused("postgres://admin:hunter2@db.example.com/js").await;
    assert!(!msg.contains("hunter2") && !msg.contains("admin"), "{msg}");
    assert!(msg.contains("postgres://***@db.example.com/js"), "{msg}");
    // The directory of a file must exist; it is not created. The URL is fine: the machine
    // lacks the directory, which is not the user's typing mistake.
    let missing = format!("sqlite://{}/nope/t.db", dir.path().display());
    let err = SqliteStore::open(&missing).await.unwrap_err();
    assert!(
        matches!(err, SqliteStoreError::DirectoryMissing { .. }),
        "{err}"
    );
    assert!(!err.is_user_error());
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!dir.path().join("nope").exists());
    // Nothing was created in the working directory either.
    assert_eq!(cwd_files(), before);
}

#[tokio::test]
async fn urls_of_files_and_memory_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    for url in [
        "sqlite::memory:".to_owned(),
        "sqlite://:memory:".to_owned(),
        "sqlite://?mode=memory".to_owned(),
        url_in(&dir),
        format!("sqlite:{}", dir.path().join("short.db").display()),
        format!("sqlite://{}?mode=rwc", dir.path().join("rwc.db").display()),
    ] {
        check_database_url(&url).unwrap_or_else(|e| panic!("{url}: {e}"));
        let store = SqliteStore::open(&url)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        store
            .ping()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e:?}"));
        assert!(
            store.create_org(&slug("acme")).await.unwrap().is_some(),
            "{url}"
        );
        assert_eq!(store.list_orgs().await.unwrap().len(), 1, "{url}");
    }
    for file in ["t.db", "short.db", "rwc.db"] {
        assert!(dir.path().join(file).exists(), "{file}");
    }
}

#[tokio::test]
async fn a_memory_database_keeps_its_data_and_each_is_its_own() {
    let store = memory().await;
    for s in ["a", "b", "c"] {
        store.create_org(&slug(s)).await.unwrap();
    }
    assert_eq!(store.list_orgs().await.unwrap().len(), 3);
    assert!(memory().await.list_orgs().await.unwrap().is_empty());
}

#[tokio::test]
async fn ping_fails_when_the_schema_is_gone() {
    let (_dir, store) = file_store().await;
    store.ping().await.unwrap();
    sqlx::query("DROP TABLE orgs")
        .execute(&store.pool)
        .await
        .unwrap();
    let err = store.ping().await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(format!("{err:?}").contains("no such table"), "{err:?}");
}

#[tokio::test]
async fn a_backup_is_a_database_with_the_same_rows_and_never_overwrites() {
    let (dir, store) = file_store().await;
    let org = store.create_org(&slug("acme")).await.unwrap().unwrap();
    let id = store.add_integration(org.id, &pat("a")).await.unwrap();
    let copy = dir.path().join("copy.db");
    store.backup_to(&copy).await.unwrap();

    let restored = SqliteStore::open(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    assert_eq!(restored.list_orgs().await.unwrap(), vec![org.clone()]);
    assert_eq!(
        restored.linked_integration(org.id, id).await.unwrap(),
        store.linked_integration(org.id, id).await.unwrap(),
    );
    assert!(restored
        .linked_integration(org.id, id)
        .await
        .unwrap()
        .is_some());

    let err = store.backup_to(&copy).await.unwrap_err();
    assert!(err.to_string().contains("exists already"), "{err}");
    assert!(err.is_user_error());
    let err = store
        .backup_to(&dir.path().join("nope/copy.db"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}
