//! The domain's store contract (`crates/domain/src/testing/contract/store/`) against
//! SQLite: on files, as the service runs, and in memory.

use std::sync::atomic::{AtomicUsize, Ordering};

use domain::testing::contract::store::the_store_contract;
use store_sqlite::{SecretKey, SqliteStore};

/// A fresh database file per check, all in one temporary directory.
async fn on_files(key: Option<SecretKey>) {
    let dir = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    the_store_contract(|| {
        let file = dir
            .path()
            .join(format!("check-{}.db", n.fetch_add(1, Ordering::Relaxed)));
        let url = format!("sqlite://{}", file.display());
        let key = key.clone();
        async move { SqliteStore::open_with_key(&url, key).await.unwrap() }
    })
    .await;
    assert!(
        n.load(Ordering::Relaxed) > 1,
        "the contract made a store per check"
    );
}

#[tokio::test]
async fn a_file_database_keeps_the_store_contract() {
    on_files(None).await;
}

#[tokio::test]
async fn a_file_database_with_sealed_secrets_keeps_the_store_contract() {
    on_files(Some(SecretKey::generate())).await;
}

#[tokio::test]
async fn an_in_memory_database_keeps_the_store_contract() {
    the_store_contract(|| async { SqliteStore::open("sqlite::memory:").await.unwrap() }).await;
}
