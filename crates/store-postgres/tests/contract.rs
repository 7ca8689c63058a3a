//! The domain's store contract (`crates/domain/src/testing/contract/store/`) against a real
//! PostgreSQL (`TEST_POSTGRES_URL`): a database of its own per check, without and with a key
//! that seals secrets.

use std::sync::Mutex;

use domain::testing::contract::store::the_store_contract;
use store_postgres::testing::TestDatabase;
use store_postgres::{PgStore, SecretKey};

/// The database of the check that runs, and a handle on its store.
type Current = Mutex<Option<(TestDatabase, PgStore)>>;

/// Closes the store (so that the database drops at once, no connection left to end) and
/// drops its database.
async fn finish(current: &Current) {
    let done = current.lock().unwrap().take();
    if let Some((db, store)) = done {
        store.close().await;
        db.remove().await;
    }
}

/// A fresh database per check, dropped when the next check starts (checks run one after
/// the other), the last one at the end; or when a check panics.
async fn on_databases(key: Option<SecretKey>) {
    let current: Current = Mutex::new(None);
    let made = Mutex::new(0);
    the_store_contract(|| {
        let (key, current, made) = (key.clone(), &current, &made);
        async move {
            finish(current).await;
            let db = TestDatabase::create().await;
            let store = PgStore::open_with_key(db.url(), key).await.unwrap();
            *current.lock().unwrap() = Some((db, store.clone()));
            *made.lock().unwrap() += 1;
            store
        }
    })
    .await;
    finish(&current).await;
    assert!(
        made.into_inner().unwrap() > 1,
        "the contract made a store per check"
    );
}

#[tokio::test]
async fn a_postgres_database_keeps_the_store_contract() {
    on_databases(None).await;
}

#[tokio::test]
async fn a_postgres_database_with_sealed_secrets_keeps_the_store_contract() {
    on_databases(Some(SecretKey::generate())).await;
}
