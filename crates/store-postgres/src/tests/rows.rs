//! What the rows hold (the same text as SQLite's, with PostgreSQL's types), the schema's
//! constraints, corrupt rows, and how errors reach the ports.

use std::error::Error as _;

use domain::token::{hash_token, token_id, StoredToken};
use domain::{AdminStore, IntegrationId, IntegrationStore, OrgRef, StoreError};

use super::{pat, slug, tok, Db, SECRET};
use crate::PgStoreError;

#[tokio::test]
async fn rows_hold_the_bundles_and_types_of_the_schema() {
    let db = Db::new().await;
    let store = &db.store;
    let org = store.create_org(&slug("acme")).await.unwrap().unwrap();
    store.add_integration(org.id, &pat("p")).await.unwrap();
    let row: (String, String, bool, bool, String, Option<String>, String) = sqlx::query_as(
        "SELECT provider, base_url, verify_tls, enabled, auth_method, auth_user, secret \
         FROM integrations",
    )
    .fetch_one(&store.pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            "jira_server".into(),
            "https://jira.example.com".into(),
            false,
            true,
            "pat".into(),
            None,
            format!(r#"plain:v1:{{"token":"{SECRET}"}}"#),
        )
    );

    let t = tok(1);
    store.add_token(org.id, &StoredToken::of(&t)).await.unwrap();
    store
        .revoke_token(&domain::admin::revoke_selector(&t).unwrap())
        .await
        .unwrap();
    let token: (i64, String, String, bool) = sqlx::query_as(
        "SELECT org_id, token_hash, token_id, revoked_at >= created_at FROM api_tokens",
    )
    .fetch_one(&store.pool)
    .await
    .unwrap();
    assert_eq!(
        token,
        (org.id.0, hash_token(&t), token_id(&t).to_owned(), true)
    );

    // Every id is a BIGINT identity, every time a TIMESTAMPTZ, every flag a BOOLEAN.
    let columns: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::TEXT, column_name::TEXT, data_type::TEXT \
         FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' \
           AND (column_name IN ('id', 'verify_tls', 'enabled', 'expires_at') \
                OR column_name LIKE '%\\_at' OR column_name LIKE '%\\_id')",
    )
    .fetch_all(&store.pool)
    .await
    .unwrap();
    assert!(columns.len() > 20, "{columns:?}");
    for (table, column, kind) in columns {
        let want = match column.as_str() {
            "verify_tls" | "enabled" => "boolean",
            "expires_at" | "id" | "org_id" | "app_id" | "integration_id" => "bigint",
            "created_at" | "revoked_at" => "timestamp with time zone",
            "token_id" | "key_id" | "client_id" => "text",
            other => panic!("{table}.{other}: {kind}"),
        };
        assert_eq!(kind, want, "{table}.{column}");
    }
    let identities: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.columns \
         WHERE table_schema = 'public' AND column_name = 'id' AND is_identity = 'YES' \
           AND identity_generation = 'ALWAYS'",
    )
    .fetch_one(&store.pool)
    .await
    .unwrap();
    assert_eq!(
        identities, 6,
        "orgs, integrations, both tokens, apps, signing keys"
    );
    db.remove().await;
}

#[tokio::test]
async fn the_schema_refuses_what_sqlite_refuses() {
    let db = Db::new().await;
    let org = db.store.create_org(&slug("acme")).await.unwrap().unwrap();
    for (sql, what) in [
        (
            "INSERT INTO integrations (provider, name, base_url, auth_method, secret) \
             VALUES ('gitlab', 'x', 'https://x', 'pat', 'zzz')"
                .to_owned(),
            "an unknown provider",
        ),
        (
            "INSERT INTO orgs (id, slug) VALUES (100, 'byhand')".to_owned(),
            "an id given by hand",
        ),
        (
            "INSERT INTO org_integrations VALUES (1, 999)".to_owned(),
            "a link to no integration",
        ),
        (
            format!("INSERT INTO orgs (slug) VALUES ('{}')", org.slug.as_str()),
            "a taken slug",
        ),
    ] {
        let res = sqlx::query(&sql).execute(&db.store.pool).await;
        assert!(res.is_err(), "{what}");
    }
    assert_eq!(db.count("integrations").await, 0);
    assert_eq!(db.count("orgs").await, 1);
    db.remove().await;
}

#[tokio::test]
async fn corrupt_rows_are_errors_not_panics() {
    let db = Db::new().await;
    let store = &db.store;
    let acme = store.create_org(&slug("acme")).await.unwrap().unwrap();
    let pat_bundle = format!(r#"plain:v1:{{"token":"{SECRET}"}}"#);
    let cases = [
        (
            "kerberos",
            "https://x",
            pat_bundle.clone(),
            "unknown auth method",
        ),
        (
            "pat",
            "https://x",
            SECRET.to_string(),
            "no readable secret bundle",
        ),
        ("pat", "https://x", "sealed:v1:AAAA".into(), "encrypted"),
        (
            "pat",
            "not a url",
            pat_bundle.clone(),
            "stored URL is not a URL",
        ),
        ("connect-jwt", "https://x", pat_bundle, "without a user"),
    ];
    for (method, base_url, secret, why) in cases {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO integrations (provider, name, base_url, auth_method, secret) \
             VALUES ('jira_server', 'x', $1, $2, $3) RETURNING id",
        )
        .bind(base_url)
        .bind(method)
        .bind(&secret)
        .fetch_one(&store.pool)
        .await
        .unwrap();
        sqlx::query("INSERT INTO org_integrations VALUES ($1, $2)")
            .bind(acme.id.0)
            .bind(id)
            .execute(&store.pool)
            .await
            .unwrap();
        let id = IntegrationId(id);
        let err = store.integration_linked_to(acme.id, id).await.unwrap_err();
        assert!(matches!(err, PgStoreError::Store(_)), "{why}: {err}");
        assert!(err.to_string().contains(why), "{why}: {err}");
        assert!(!err.is_user_error());
        let text = format!("{err} {err:?}");
        assert!(!text.contains(SECRET), "{text}");
        for port in [
            store.linked_integration(acme.id, id).await.unwrap_err(),
            store.integration(id).await.unwrap_err(),
        ] {
            assert!(matches!(port, StoreError::Unusable(_)), "{why}: {port:?}");
            let source = port.source().unwrap().to_string();
            assert!(source.contains(why), "{why}: {source}");
        }
        sqlx::query("DELETE FROM integrations WHERE id = $1")
            .bind(id.0)
            .execute(&store.pool)
            .await
            .unwrap();
    }
    // A slug that is no slug at all.
    db.exec("INSERT INTO orgs (slug) VALUES ('Not A Slug')")
        .await;
    let err = store.list_orgs().await.unwrap_err();
    assert!(matches!(err, StoreError::Unusable(_)), "{err:?}");
    assert!(
        format!("{err:?}").contains("invalid stored slug"),
        "{err:?}"
    );
    let err = store.find_org(&OrgRef::Slug("Not A Slug".into())).await;
    assert!(matches!(err, Err(StoreError::Unusable(_))), "{err:?}");
    db.remove().await;
}

#[test]
fn errors_say_what_is_wrong_and_reach_the_ports_as_their_kind() {
    use store_common::Error;
    let unavailable = |e: &StoreError| matches!(e, StoreError::Unavailable(_));
    let cases: Vec<(PgStoreError, bool, &str, bool)> = vec![
        (Error::InvalidInput("bad".into()).into(), true, "bad", false),
        (
            Error::CorruptRow("integration 1: x".into()).into(),
            false,
            "corrupt row in the database: integration 1: x",
            false,
        ),
        (
            Error::UnknownOrg(3).into(),
            false,
            "organization 3 does not exist",
            false,
        ),
        (
            PgStoreError::Database(sqlx::Error::PoolTimedOut),
            false,
            "database error: pool timed out while waiting for an open connection",
            true,
        ),
        (
            PgStoreError::Database(sqlx::Error::ColumnNotFound("x".into())),
            false,
            "database error: no column found for name: x",
            false,
        ),
        (
            Error::SecretKeyWrong(crate::SecretOwner::App(4)).into(),
            false,
            "the secrets of app 4 cannot be decrypted with this SECRET_KEY: it is not the key they were sealed with",
            false,
        ),
    ];
    for (err, user, text, is_unavailable) in cases {
        assert_eq!(err.is_user_error(), user, "{err}");
        assert_eq!(err.to_string(), text);
        let port = StoreError::from(err);
        assert_eq!(unavailable(&port), is_unavailable, "{text}: {port:?}");
        assert_eq!(port.source().unwrap().to_string(), text);
    }
    let migrate = PgStoreError::Migrate(sqlx::migrate::MigrateError::VersionMissing(2));
    assert!(unavailable(&StoreError::from(migrate)));
}
