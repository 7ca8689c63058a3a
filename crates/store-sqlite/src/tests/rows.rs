//! What the rows hold (the stored form must not change), rows from older versions, corrupt
//! rows, and how errors reach the ports.

use std::error::Error as _;

use domain::token::{hash_token, token_id, StoredToken};
use domain::{AdminStore, IntegrationId, IntegrationStore, OrgRef, StoreError};

use super::{basic, count, memory, pat, slug, tok, PASSWORD, SECRET};
use crate::{SecretKey, SecretOwner, SqliteStore, SqliteStoreError};

/// provider, name, base_url, verify_tls, enabled, auth_method, auth_user, secret.
type IntegrationRow = (
    String,
    String,
    String,
    bool,
    bool,
    String,
    Option<String>,
    String,
);

#[tokio::test]
async fn rows_hold_what_earlier_versions_wrote() {
    let store = memory().await;
    let org = store.create_org(&slug("acme")).await.unwrap().unwrap();
    for new in [pat("p"), basic("b")] {
        store.add_integration(org.id, &new).await.unwrap();
    }
    let rows: Vec<IntegrationRow> = sqlx::query_as(
        "SELECT provider, name, base_url, verify_tls, enabled, auth_method, auth_user, \
             secret FROM integrations ORDER BY id",
    )
    .fetch_all(&store.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        vec![
            (
                "jira_server".into(),
                "p".into(),
                "https://jira.example.com".into(),
                false,
                true,
                "pat".into(),
                None,
                format!(r#"plain:v1:{{"token":"{SECRET}"}}"#)
            ),
            (
                "jira".into(),
                "b".into(),
                "https://acme.atlassian.net".into(),
                true,
                true,
                "basic".into(),
                Some("bob@example.com".into()),
                format!(r#"plain:v1:{{"secret":"{PASSWORD}"}}"#)
            ),
        ]
    );
    let links: Vec<(i64, i64)> =
        sqlx::query_as("SELECT org_id, integration_id FROM org_integrations ORDER BY 2")
            .fetch_all(&store.pool)
            .await
            .unwrap();
    assert_eq!(links.len(), 2);
    assert!(links.iter().all(|(o, _)| *o == org.id.0));

    let t = tok(1);
    store.add_token(org.id, &StoredToken::of(&t)).await.unwrap();
    let token: (i64, String, String, Option<String>) =
        sqlx::query_as("SELECT org_id, token_hash, token_id, revoked_at FROM api_tokens")
            .fetch_one(&store.pool)
            .await
            .unwrap();
    assert_eq!(
        token,
        (org.id.0, hash_token(&t), token_id(&t).to_owned(), None)
    );
    assert_eq!(token.2.len(), 12);
    let revoked = domain::admin::revoke_selector(&t).unwrap();
    store.revoke_token(&revoked).await.unwrap();
    let stamp: String = sqlx::query_scalar("SELECT revoked_at FROM api_tokens")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    // strftime('%Y-%m-%dT%H:%M:%fZ'), like created_at.
    assert_eq!(stamp.len(), "2026-01-01T00:00:00.000Z".len(), "{stamp}");
    assert!(
        stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T',
        "{stamp}"
    );
}

#[tokio::test]
async fn slugs_stored_before_the_all_digits_rule_still_read() {
    let store = memory().await;
    sqlx::query("INSERT INTO orgs (id, slug) VALUES (5, '123')")
        .execute(&store.pool)
        .await
        .unwrap();
    let orgs = store.list_orgs().await.unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!((orgs[0].id.0, orgs[0].slug.as_str()), (5, "123"));
    let by_id = store.find_org(&OrgRef::Id(5)).await.unwrap();
    assert_eq!(by_id.as_ref(), Some(&orgs[0]));
    let by_slug = store.find_org(&OrgRef::Slug("123".into())).await.unwrap();
    assert_eq!(by_slug.as_ref(), Some(&orgs[0]));
    let id = store.add_integration(orgs[0].id, &pat("p")).await.unwrap();
    let listed = store.list_integrations(None).await.unwrap();
    assert_eq!(listed[0].id, id);
    assert_eq!(listed[0].orgs, vec![orgs[0].slug.clone()]);
}

#[tokio::test]
async fn corrupt_rows_are_errors_not_panics() {
    // With a key, so that a sealed bundle is checked past the key (plain ones read the same).
    let store = SqliteStore::open_with_key("sqlite::memory:", Some(SecretKey::generate()))
        .await
        .unwrap();
    let acme = store.create_org(&slug("acme")).await.unwrap().unwrap();
    let pat_bundle = format!(r#"plain:v1:{{"token":"{SECRET}"}}"#);
    let basic_bundle = format!(r#"plain:v1:{{"secret":"{SECRET}"}}"#);
    let cases = [
        (
            "'kerberos'",
            "NULL",
            "'https://x'",
            pat_bundle.clone(),
            "unknown auth method",
        ),
        (
            "'basic'",
            "NULL",
            "'https://x'",
            basic_bundle.clone(),
            "basic without a user",
        ),
        (
            "'pat'",
            "NULL",
            "'https://x'",
            SECRET.to_string(),
            "no readable secret bundle",
        ),
        (
            "'pat'",
            "NULL",
            "'https://x'",
            format!("plain:v1:{SECRET}"),
            "not a JSON object",
        ),
        (
            "'pat'",
            "NULL",
            "'https://x'",
            basic_bundle.clone(),
            "has no token",
        ),
        (
            "'pat'",
            "NULL",
            "'https://x'",
            format!("sealed:v1:{SECRET}!"),
            "sealed secret bundle is not base64",
        ),
        (
            "'pat'",
            "NULL",
            "'https://x'",
            "sealed:v1:AAAA".into(),
            "truncated",
        ),
        (
            "'oauth1'",
            "NULL",
            "'https://x'",
            pat_bundle.clone(),
            "oauth1 without a user",
        ),
        (
            "'oauth1'",
            "'ck'",
            "'https://x'",
            pat_bundle.clone(),
            "has no private_key_pem",
        ),
        (
            "'oauth2'",
            "'client'",
            "'https://x'",
            format!(r#"plain:v1:{{"client_secret":"{SECRET}","refresh_token":"r"}}"#),
            "oauth2 without a token URL",
        ),
        (
            "'connect-jwt'",
            "'iss'",
            "'https://x'",
            pat_bundle.clone(),
            "has no shared_secret",
        ),
        (
            "'pat'",
            "NULL",
            "'not a url'",
            pat_bundle.clone(),
            "stored URL is not a URL",
        ),
        (
            "'pat'",
            "NULL",
            "'unix:/run/jira'",
            pat_bundle.clone(),
            "stored URL has no host",
        ),
    ];
    for (method, user, base_url, secret, why) in cases {
        let id: i64 = sqlx::query_scalar(&format!(
            "INSERT INTO integrations (provider, name, base_url, auth_method, auth_user, secret) \
             VALUES ('jira_server', 'x', {base_url}, {method}, {user}, ?) RETURNING id"
        ))
        .bind(&secret)
        .fetch_one(&store.pool)
        .await
        .unwrap();
        sqlx::query("INSERT INTO org_integrations VALUES (?, ?)")
            .bind(acme.id.0)
            .bind(id)
            .execute(&store.pool)
            .await
            .unwrap();
        let id = IntegrationId(id);
        let err = store.integration_linked_to(acme.id, id).await.unwrap_err();
        assert!(
            matches!(err, SqliteStoreError::CorruptRow(_)),
            "{why}: {err}"
        );
        assert!(err.to_string().contains(why), "{why}: {err}");
        assert!(!err.is_user_error());
        let text = format!("{err} {err:?}");
        assert!(!text.contains(SECRET), "{text}");
        // Through the ports, as an unusable record, its cause kept as the source.
        for port in [
            store.linked_integration(acme.id, id).await.unwrap_err(),
            store.integration(id).await.unwrap_err(),
        ] {
            assert!(matches!(port, StoreError::Unusable(_)), "{why}: {port:?}");
            let source = port.source().unwrap().to_string();
            assert!(source.contains(why), "{why}: {source}");
            assert!(!format!("{port:?}").contains(SECRET), "{port:?}");
        }
        sqlx::query("DELETE FROM integrations WHERE id = ?")
            .bind(id.0)
            .execute(&store.pool)
            .await
            .unwrap();
    }
    // The listing reads no secret and no URL; it refuses an unknown method.
    sqlx::query(
        "INSERT INTO integrations (provider, name, base_url, auth_method, secret) \
         VALUES ('jira', 'x', 'https://x', 'weird', 'zzz')",
    )
    .execute(&store.pool)
    .await
    .unwrap();
    let err = store.list_integrations(None).await.unwrap_err();
    assert!(matches!(err, StoreError::Unusable(_)), "{err:?}");
    assert!(
        format!("{err:?}").contains("unknown auth method"),
        "{err:?}"
    );
    // A slug that is no slug at all.
    sqlx::query("INSERT INTO orgs (slug) VALUES ('Not A Slug')")
        .execute(&store.pool)
        .await
        .unwrap();
    let err = store.list_orgs().await.unwrap_err();
    assert!(matches!(err, StoreError::Unusable(_)), "{err:?}");
    assert!(
        format!("{err:?}").contains("invalid stored slug"),
        "{err:?}"
    );
    let err = store.find_org(&OrgRef::Slug("Not A Slug".into())).await;
    assert!(matches!(err, Err(StoreError::Unusable(_))), "{err:?}");
}

#[tokio::test]
async fn the_schema_refuses_an_unknown_provider() {
    let store = memory().await;
    let res = sqlx::query(
        "INSERT INTO integrations (provider, name, base_url, auth_method, secret) \
         VALUES ('gitlab', 'x', 'https://x', 'pat', 'zzz')",
    )
    .execute(&store.pool)
    .await;
    assert!(res.is_err());
    assert_eq!(count(&store, "integrations").await, 0);
}

#[test]
fn errors_say_what_is_wrong_and_reach_the_ports_as_their_kind() {
    let unavailable = |e: &StoreError| matches!(e, StoreError::Unavailable(_));
    let cases: Vec<(SqliteStoreError, bool, &str, bool)> = vec![
        (SqliteStoreError::InvalidInput("bad".into()), true, "bad", false),
        (
            SqliteStoreError::CorruptRow("integration 1: x".into()),
            false,
            "corrupt row in the database: integration 1: x",
            false,
        ),
        (
            SqliteStoreError::UnknownOrg(3),
            false,
            "organization 3 does not exist",
            false,
        ),
        (
            SqliteStoreError::IntegrationNotFound(7),
            false,
            "integration 7 does not exist",
            false,
        ),
        (
            SqliteStoreError::NoRefreshToken {
                id: 7,
                method: domain::AuthMethod::Pat,
            },
            false,
            "integration 7 uses auth method pat, which has no refresh token",
            false,
        ),
        (
            SqliteStoreError::Database(sqlx::Error::PoolTimedOut),
            false,
            "database error: pool timed out while waiting for an open connection",
            true,
        ),
        (
            SqliteStoreError::Database(sqlx::Error::ColumnNotFound("x".into())),
            false,
            "database error: no column found for name: x",
            false,
        ),
        (
            SqliteStoreError::SecretKeyMissing(SecretOwner::Integration(4)),
            false,
            "the secrets of integration 4 are encrypted: set SECRET_KEY to the key they were sealed with",
            false,
        ),
        (
            SqliteStoreError::SecretKeyWrong(SecretOwner::Integration(4)),
            false,
            "the secrets of integration 4 cannot be decrypted with this SECRET_KEY: it is not the key they were sealed with",
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
    let migrate = SqliteStoreError::Migrate(sqlx::migrate::MigrateError::VersionMissing(2));
    assert!(unavailable(&StoreError::from(migrate)));
}
