//! PostgreSQL-specific tests against a real server (`TEST_POSTGRES_URL`), each in a
//! database of its own, through the real migrations: opening and URLs, migrations, the
//! stored form of rows, corrupt rows, sealing and rotation, concurrent writers, the memo
//! across replicas and its listening connection. What every store does is the domain's
//! contract, run by `tests/contract.rs`.

use domain::{BaseUrl, Credentials, IntegrationName, NewIntegration, Provider, Secret, Slug};

use crate::testing::TestDatabase;
use crate::{PgStore, SecretKey};

mod concurrency;
mod listener;
mod memo;
mod open;
mod proxy;
mod rows;
mod secrets;

pub(super) const SECRET: &str = "s3cr3t-pat-value";

/// A store on a database of its own; the database is dropped with the [`Db`].
pub(super) struct Db {
    pub(super) store: PgStore,
    pub(super) db: TestDatabase,
}

impl Db {
    pub(super) async fn new() -> Self {
        Self::with_key(None).await
    }

    pub(super) async fn with_key(key: Option<SecretKey>) -> Self {
        let db = TestDatabase::create().await;
        let store = PgStore::open_with_key(db.url(), key).await.unwrap();
        Self { store, db }
    }

    /// Another store on the same database (another replica), with `key`.
    pub(super) async fn replica(&self, key: Option<SecretKey>) -> PgStore {
        PgStore::open_with_key(self.db.url(), key).await.unwrap()
    }

    /// Closes the store, then drops the database.
    pub(super) async fn remove(self) {
        self.store.close().await;
        self.db.remove().await;
    }

    pub(super) async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&self.store.pool)
            .await
            .unwrap()
    }

    /// Every `secret` column of `table`, by id (or state hash).
    pub(super) async fn raw_secrets(&self, table: &str) -> Vec<String> {
        let order = if table == "connections" {
            "state_hash"
        } else {
            "id"
        };
        sqlx::query_scalar(&format!("SELECT secret FROM {table} ORDER BY {order}"))
            .fetch_all(&self.store.pool)
            .await
            .unwrap()
    }

    pub(super) async fn exec(&self, sql: &str) {
        sqlx::query(sql).execute(&self.store.pool).await.unwrap();
    }
}

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

pub(super) fn oauth2(n: &str, refresh_token: &str) -> NewIntegration {
    NewIntegration {
        provider: Provider::JiraCloud,
        name: name(n),
        base_url: BaseUrl::parse("https://acme.atlassian.net", false).unwrap(),
        verify_tls: true,
        credentials: Credentials::OAuth2 {
            client_id: "client".into(),
            token_url: "https://auth.example.com/oauth/token".into(),
            client_secret: Secret::new("oauth2-client-secret-3b4c"),
            refresh_token: Secret::new(refresh_token),
        },
    }
}

/// Compiles only if the adapter's own futures are `Send` (the CLI and the server await
/// them on a multi-threaded runtime). The ports' futures are `Send` by their signatures.
#[allow(dead_code)]
fn the_adapters_own_futures_are_send(store: &PgStore) {
    fn send<T: Send>(_: T) {}
    send(PgStore::open(""));
    send(PgStore::open_with_key("", None));
    send(store.secrets_report());
    send(store.rotate_secrets(None));
    send(store.close());
    send(TestDatabase::create());
    send(async { TestDatabase::create().await.remove().await });
}
