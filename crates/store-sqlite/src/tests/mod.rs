//! SQLite-specific tests, through the real migrations on temporary files and in memory:
//! opening and URLs, the stored form of every row, corrupt rows, atomic and concurrent
//! writes, the memo across processes, sealing and rotation. What every store does is the
//! domain's contract, run by `tests/contract.rs`.

use domain::{BaseUrl, Credentials, IntegrationName, NewIntegration, Provider, Secret, Slug};

use crate::SqliteStore;

mod apps;
mod memo;
mod migration;
mod open;
mod renewal;
mod rows;
mod secrets;
mod signing_keys;
mod writes;

pub(super) const SECRET: &str = "s3cr3t-pat-value";
pub(super) const PASSWORD: &str = "hunter2-password";

pub(super) fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

pub(super) fn name(s: &str) -> IntegrationName {
    IntegrationName::parse(s).unwrap()
}

pub(super) fn tok(n: u8) -> String {
    domain::token::token_from_random(&[n; 32])
}

pub(super) fn pat(n: &str) -> NewIntegration {
    NewIntegration {
        provider: Provider::JiraServer,
        name: name(n),
        base_url: BaseUrl::parse("https://jira.example.com/", false).unwrap(),
        verify_tls: false,
        credentials: Credentials::Pat {
            token: Secret::new(SECRET),
        },
    }
}

pub(super) fn basic(n: &str) -> NewIntegration {
    NewIntegration {
        provider: Provider::JiraCloud,
        name: name(n),
        base_url: BaseUrl::parse("https://acme.atlassian.net", false).unwrap(),
        verify_tls: true,
        credentials: Credentials::Basic {
            user: "bob@example.com".into(),
            secret: Secret::new(PASSWORD),
        },
    }
}

pub(super) async fn memory() -> SqliteStore {
    SqliteStore::open("sqlite::memory:").await.unwrap()
}

pub(super) fn url_in(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("t.db").display())
}

/// A store on a fresh file; keep the directory alive as long as the store.
pub(super) async fn file_store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&url_in(&dir)).await.unwrap();
    (dir, store)
}

pub(super) async fn count(store: &SqliteStore, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&store.pool)
        .await
        .unwrap()
}
