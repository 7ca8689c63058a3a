//! Migration 0003 on a database that 0001 and 0002 made: every row and column kept, the
//! foreign keys and indexes of the rebuilt tables, cascades, and ids never given twice.

use std::str::FromStr;

use domain::token::{hash_token, token_id};
use domain::{AdminStore, IntegrationId, IntegrationStore, OrgId, OrgRef};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

use super::{count, pat, slug, tok};
use crate::SqliteStore;

const MIGRATIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/sqlite");

/// Every column of `integrations`, in a fixed order.
type IntegrationRow = (
    i64,
    String,
    String,
    String,
    bool,
    bool,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
);

/// id, org_id, token_hash, token_id, created_at, revoked_at of `api_tokens`.
type TokenRow = (i64, i64, String, String, String, Option<String>);

const TOKENS: &str = "SELECT id, org_id, token_hash, token_id, created_at, revoked_at \
                      FROM api_tokens ORDER BY id";

const INTEGRATION_COLUMNS: &str = "id, provider, name, base_url, verify_tls, enabled, \
     auth_method, auth_user, secret, created_at, token_url";

/// A database file as a release with 0001 and 0002 left it: three orgs (the newest
/// deleted), integrations of every flavour (the newest deleted), links of two orgs to one
/// integration, tokens active and revoked. Returns its URL.
async fn a_0002_database(dir: &tempfile::TempDir, legacy_alter_table: bool) -> String {
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let old = tempfile::tempdir().unwrap();
    for file in ["0001_initial.sql", "0002_credentials.sql"] {
        std::fs::copy(format!("{MIGRATIONS}/{file}"), old.path().join(file)).unwrap();
    }
    let migrator = sqlx::migrate::Migrator::new(old.path()).await.unwrap();
    let pool = pool(&url, legacy_alter_table).await;
    migrator.run(&pool).await.unwrap();
    for sql in [
        "INSERT INTO orgs (id, slug, created_at) VALUES \
         (1, 'acme', '2024-01-02T03:04:05.678Z'), (2, 'beta', '2024-02-03T04:05:06.789Z'), \
         (3, 'gone', '2024-03-04T05:06:07.890Z')",
        "INSERT INTO integrations (id, provider, name, base_url, verify_tls, enabled, \
         auth_method, auth_user, secret, created_at, token_url) VALUES \
         (1, 'jira_server', 'p', 'https://jira.example.com', 0, 1, 'pat', NULL, \
          'plain:v1:{\"token\":\"t\"}', '2024-01-02T03:04:05.000Z', NULL), \
         (2, 'jira', 'o', 'https://api.atlassian.com/ex/jira/1', 1, 0, 'oauth2', 'cid', \
          'sealed:v1:AAAA', '2024-01-03T00:00:00.000Z', 'https://auth.atlassian.com/oauth/token'), \
         (3, 'jira', 'gone', 'https://gone.atlassian.net', 1, 1, 'pat', NULL, \
          'plain:v1:{\"token\":\"x\"}', '2024-01-04T00:00:00.000Z', NULL)",
        "INSERT INTO org_integrations VALUES (1, 1), (2, 1), (2, 2), (3, 3)",
        "DELETE FROM integrations WHERE id = 3",
        "DELETE FROM orgs WHERE id = 3",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    for (n, org, revoked) in [(1u8, 1i64, None), (2, 2, Some("2024-05-06T07:08:09.000Z"))] {
        let t = tok(n);
        sqlx::query(
            "INSERT INTO api_tokens (id, org_id, token_hash, token_id, created_at, revoked_at) \
             VALUES (?, ?, ?, ?, '2024-04-05T06:07:08.000Z', ?)",
        )
        .bind(i64::from(n) * 10)
        .bind(org)
        .bind(hash_token(&t))
        .bind(token_id(&t))
        .bind(revoked)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;
    url
}

/// A pool with foreign keys on, as the store's (and `legacy_alter_table` as asked).
async fn pool(url: &str, legacy_alter_table: bool) -> SqlitePool {
    let options = SqliteConnectOptions::from_str(url)
        .unwrap()
        .create_if_missing(true)
        .foreign_keys(true)
        .pragma(
            "legacy_alter_table",
            if legacy_alter_table { "ON" } else { "OFF" },
        );
    SqlitePool::connect_with(options).await.unwrap()
}

async fn rows<T>(pool: &SqlitePool, sql: &str) -> Vec<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    sqlx::query_as(sql).fetch_all(pool).await.unwrap()
}

/// (table, from, to, on_delete) of every foreign key of `table`.
async fn foreign_keys(pool: &SqlitePool, table: &str) -> Vec<(String, String, String, String)> {
    let mut keys: Vec<(String, String, String, String)> = rows(
        pool,
        &format!(
            "SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('{table}')"
        ),
    )
    .await;
    keys.sort();
    keys
}

async fn migrates_keeping_everything(legacy_alter_table: bool) {
    let dir = tempfile::tempdir().unwrap();
    let url = a_0002_database(&dir, legacy_alter_table).await;
    let before = pool(&url, legacy_alter_table).await;
    let legacy: bool = sqlx::query_scalar("PRAGMA legacy_alter_table")
        .fetch_one(&before)
        .await
        .unwrap();
    assert_eq!(legacy, legacy_alter_table, "the pragma is as asked");
    let orgs: Vec<(i64, String, String)> =
        rows(&before, "SELECT id, slug, created_at FROM orgs ORDER BY id").await;
    let integrations: Vec<IntegrationRow> = rows(
        &before,
        &format!("SELECT {INTEGRATION_COLUMNS} FROM integrations ORDER BY id"),
    )
    .await;
    let links: Vec<(i64, i64)> =
        rows(&before, "SELECT * FROM org_integrations ORDER BY 1, 2").await;
    let tokens: Vec<TokenRow> = rows(&before, TOKENS).await;
    assert_eq!(
        (orgs.len(), integrations.len(), links.len(), tokens.len()),
        (2, 2, 3, 2)
    );

    // Migrated as the store runs migrations (in a transaction, foreign keys on).
    let migrator = sqlx::migrate::Migrator::new(std::path::Path::new(MIGRATIONS))
        .await
        .unwrap();
    migrator.run(&before).await.unwrap();
    let after = &before;
    assert_eq!(
        rows::<(i64, String, String)>(after, "SELECT id, slug, created_at FROM orgs ORDER BY id")
            .await,
        orgs
    );
    let migrated: Vec<IntegrationRow> = rows(
        after,
        &format!("SELECT {INTEGRATION_COLUMNS} FROM integrations ORDER BY id"),
    )
    .await;
    assert_eq!(migrated, integrations);
    assert_eq!(
        rows::<(i64, i64)>(after, "SELECT * FROM org_integrations ORDER BY 1, 2").await,
        links
    );
    let migrated: Vec<TokenRow> = rows(after, TOKENS).await;
    assert_eq!(migrated, tokens);
    let named: i64 = sqlx::query_scalar("SELECT count(*) FROM api_tokens WHERE name IS NOT NULL")
        .fetch_one(after)
        .await
        .unwrap();
    assert_eq!(named, 0, "the tokens of before have no name");

    // The children reference the rebuilt parents, by name, with their cascades.
    let cascade = |table: &str, from: &str| {
        (
            table.to_owned(),
            from.to_owned(),
            "id".to_owned(),
            "CASCADE".to_owned(),
        )
    };
    assert_eq!(
        foreign_keys(after, "org_integrations").await,
        [
            cascade("integrations", "integration_id"),
            cascade("orgs", "org_id")
        ]
    );
    assert_eq!(
        foreign_keys(after, "api_tokens").await,
        [cascade("orgs", "org_id")]
    );
    assert_eq!(
        foreign_keys(after, "connections").await,
        [cascade("oauth_apps", "app_id"), cascade("orgs", "org_id")]
    );
    let broken: Vec<(String, i64, String, i64)> = rows(after, "PRAGMA foreign_key_check").await;
    assert_eq!(broken, []);
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(after)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    let schema: Vec<(String, String)> = rows(
        after,
        "SELECT type, name FROM sqlite_master \
         WHERE name NOT LIKE 'sqlite_autoindex%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .await;
    let names: Vec<&str> = schema.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "admin_tokens",
            "admin_tokens_token_id",
            "api_tokens",
            "api_tokens_org",
            "api_tokens_token_id",
            "connections",
            "connections_app",
            "connections_expires_at",
            "connections_org",
            "integrations",
            "integrations_jira",
            "oauth_apps",
            "org_integrations",
            "org_integrations_integration",
            "orgs",
            "signing_keys",
            "signing_keys_org",
            "sqlite_sequence",
        ],
        "no table of the rebuild is left over, every index is there"
    );
    for table in ["orgs", "integrations"] {
        let sql: String = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = ?")
            .bind(table)
            .fetch_one(after)
            .await
            .unwrap();
        assert!(sql.contains("AUTOINCREMENT"), "{sql}");
        assert!(!sql.contains("_0003"), "{sql}");
    }
    before.close().await;

    // Through the store: the rows read, cascades work, ids are not given again.
    let store = SqliteStore::open(&url).await.unwrap();
    let acme = OrgId(1);
    let (p, o) = (IntegrationId(1), IntegrationId(2));
    assert!(store
        .linked_integration(OrgId(2), p)
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        store
            .org_for_token_hash(&hash_token(&tok(1)))
            .await
            .unwrap(),
        Some(acme)
    );
    let listed = store.list_integrations(None).await.unwrap();
    let stamps: Vec<_> = listed.iter().map(|s| s.created_at.as_str()).collect();
    assert_eq!(stamps, ["2024-01-02T03:04:05Z", "2024-01-03T00:00:00Z"]);

    // Ids: the newest integration and org were deleted before the migration, so only the
    // ones after the largest copied id are known to be new; after that none is reused.
    let org = store.create_org(&slug("new")).await.unwrap().unwrap();
    assert!(org.id.0 > 2, "{org:?}");
    let added = store.add_integration(org.id, &pat("new")).await.unwrap();
    assert!(added.0 > 2, "{added}");
    assert!(store.remove_integration(added).await.unwrap());
    let again = store.add_integration(org.id, &pat("again")).await.unwrap();
    assert!(again.0 > added.0, "{again} after {added}");
    assert!(store.delete_org(org.id).await.unwrap());
    let next = store.create_org(&slug("next")).await.unwrap().unwrap();
    assert!(next.id.0 > org.id.0, "{next:?} after {org:?}");

    // ON DELETE CASCADE of the rebuilt links and tokens.
    assert!(store.remove_integration(o).await.unwrap());
    assert_eq!(count(&store, "org_integrations").await, 2);
    assert!(store.delete_org(acme).await.unwrap());
    let left: Vec<(i64, i64)> = rows(&store.pool, "SELECT * FROM org_integrations").await;
    assert_eq!(left, [(2, 1)]);
    let tokens: Vec<i64> = rows::<(i64,)>(&store.pool, "SELECT org_id FROM api_tokens")
        .await
        .into_iter()
        .map(|(o,)| o)
        .collect();
    assert_eq!(tokens, [2]);
    assert!(store.find_org(&OrgRef::Id(1)).await.unwrap().is_none());
    assert!(
        store.integration(p).await.unwrap().is_some(),
        "integrations stay"
    );
}

#[tokio::test]
async fn migration_0003_keeps_every_row_and_key() {
    migrates_keeping_everything(false).await;
}

/// With `legacy_alter_table` on, renaming a table does not rewrite the references to it:
/// the rebuild must not rely on that.
#[tokio::test]
async fn migration_0003_keeps_every_row_and_key_with_legacy_alter_table() {
    migrates_keeping_everything(true).await;
}

/// On a fresh database too, deleting the newest row frees no id.
#[tokio::test]
async fn ids_are_not_reused_after_deleting_the_newest() {
    let store = super::memory().await;
    let acme = store.create_org(&slug("acme")).await.unwrap().unwrap();
    let a = store.add_integration(acme.id, &pat("a")).await.unwrap();
    assert!(store.remove_integration(a).await.unwrap());
    let b = store.add_integration(acme.id, &pat("b")).await.unwrap();
    assert_ne!(a, b);
    let beta = store.create_org(&slug("beta")).await.unwrap().unwrap();
    assert!(store.delete_org(beta.id).await.unwrap());
    let gamma = store.create_org(&slug("gamma")).await.unwrap().unwrap();
    assert!(gamma.id.0 > beta.id.0);
}
