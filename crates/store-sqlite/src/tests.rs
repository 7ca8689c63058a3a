//! The store through the real migrations, on temp files and in memory.

use super::*;

const SECRET: &str = "s3cr3t-pat-value";
const PASSWORD: &str = "hunter2-password";

fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap()
}

fn tok(n: u8) -> String {
    domain::token::token_from_random(&[n; 32])
}

fn pat(name: &str) -> NewIntegration {
    NewIntegration {
        provider: Provider::JiraServer,
        name: name.into(),
        base_url: BaseUrl::parse("https://jira.example.com/", false).unwrap(),
        verify_tls: false,
        credentials: Credentials::Pat {
            token: Secret::new(SECRET),
        },
    }
}

fn basic(name: &str) -> NewIntegration {
    NewIntegration {
        provider: Provider::JiraCloud,
        name: name.into(),
        base_url: BaseUrl::parse("https://acme.atlassian.net", false).unwrap(),
        verify_tls: true,
        credentials: Credentials::Basic {
            user: "bob@example.com".into(),
            secret: Secret::new(PASSWORD),
        },
    }
}

async fn memory() -> SqliteStore {
    SqliteStore::open("sqlite::memory:").await.unwrap()
}

/// A store on a fresh file; keep the directory alive as long as the store.
async fn file_store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = SqliteStore::open(&url).await.unwrap();
    (dir, store)
}

async fn count(store: &SqliteStore, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&store.pool)
        .await
        .unwrap()
}

fn by_id(id: i64) -> OrgRef {
    OrgRef::Id(id)
}

fn by_slug(s: &str) -> OrgRef {
    OrgRef::Slug(s.into())
}

#[tokio::test]
async fn open_creates_and_migrates_a_file_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    let url = format!("sqlite://{}", path.display());
    let store = SqliteStore::open(&url).await.unwrap();
    assert!(path.exists());
    store.ping().await.unwrap();
    store.create_org(&slug("acme")).await.unwrap();
    store.pool.close().await;

    let again = SqliteStore::open(&url).await.unwrap();
    let orgs = again.list_orgs().await.unwrap();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].slug.as_str(), "acme");
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&again.pool)
        .await
        .unwrap();
    assert_eq!(applied, 2);
}

#[tokio::test]
async fn pragmas_wal_foreign_keys_busy_timeout_synchronous() {
    let (_dir, store) = file_store().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(fk, 1);
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(busy, 5000);
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(sync, 1, "NORMAL");
}

#[tokio::test]
async fn missing_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/nope/t.db", dir.path().display());
    let err = SqliteStore::open(&url).await.unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(!dir.path().join("nope").exists());
}

#[tokio::test]
async fn invalid_url_is_an_error() {
    let err = SqliteStore::open("postgres://x").await.unwrap_err();
    assert!(matches!(err, SqliteStoreError::InvalidInput(_)), "{err}");
}

#[tokio::test]
async fn memory_database_keeps_its_data_across_calls() {
    let store = memory().await;
    for s in ["a", "b", "c"] {
        store.create_org(&slug(s)).await.unwrap();
    }
    assert_eq!(store.list_orgs().await.unwrap().len(), 3);
    // Two in-memory stores are distinct databases.
    assert!(memory().await.list_orgs().await.unwrap().is_empty());
}

#[tokio::test]
async fn orgs_create_duplicate_list_resolve() {
    let store = memory().await;
    let acme = store.create_org(&slug("acme")).await.unwrap();
    let beta = store.create_org(&slug("beta")).await.unwrap();
    assert!(beta.id.0 > acme.id.0);

    let err = store.create_org(&slug("acme")).await.unwrap_err();
    assert!(matches!(&err, SqliteStoreError::OrgExists(s) if s == "acme"));
    assert!(err.is_user_error());
    assert_eq!(err.to_string(), "organization \"acme\" already exists");

    assert_eq!(
        store.list_orgs().await.unwrap(),
        vec![acme.clone(), beta.clone()]
    );
    assert_eq!(store.resolve_org(&by_id(acme.id.0)).await.unwrap(), acme);
    assert_eq!(store.resolve_org(&by_slug("beta")).await.unwrap(), beta);
    assert_eq!(
        store
            .resolve_org(&OrgRef::parse(&beta.id.to_string()))
            .await
            .unwrap(),
        beta
    );

    let err = store.resolve_org(&by_slug("nope")).await.unwrap_err();
    assert!(matches!(&err, SqliteStoreError::OrgNotFound(s) if s == "nope"));
    assert!(err.is_user_error());
    let err = store.resolve_org(&by_id(999)).await.unwrap_err();
    assert_eq!(err.to_string(), "organization \"999\" does not exist");

    assert_eq!(store.find_org(&by_slug("acme")).await.unwrap(), Some(acme));
    assert_eq!(store.find_org(&by_id(999)).await.unwrap(), None);
}

#[tokio::test]
async fn add_integration_with_unknown_org_writes_nothing() {
    let (_dir, store) = file_store().await;
    let err = store
        .add_integration(&by_slug("ghost"), &pat("j"))
        .await
        .unwrap_err();
    assert!(matches!(err, SqliteStoreError::OrgNotFound(_)));
    assert_eq!(count(&store, "integrations").await, 0);
    assert_eq!(count(&store, "org_integrations").await, 0);
    assert!(!err.to_string().contains(SECRET));
}

#[tokio::test]
async fn list_integrations_shows_no_secret_and_filters_by_org() {
    let store = memory().await;
    let acme = store.create_org(&slug("acme")).await.unwrap();
    let beta = store.create_org(&slug("beta")).await.unwrap();
    let a = store
        .add_integration(&by_slug("acme"), &pat("a"))
        .await
        .unwrap();
    let b = store
        .add_integration(&by_id(beta.id.0), &basic("b"))
        .await
        .unwrap();
    // Link `a` to beta too, as a later `integration link` would.
    sqlx::query("INSERT INTO org_integrations (org_id, integration_id) VALUES (?, ?)")
        .bind(beta.id.0)
        .bind(a.0)
        .execute(&store.pool)
        .await
        .unwrap();

    let all = store.list_integrations(None).await.unwrap();
    let printed = format!("{all:?} {all:#?}");
    assert!(
        !printed.contains(SECRET) && !printed.contains(PASSWORD),
        "{printed}"
    );
    assert_eq!(all.len(), 2);
    assert_eq!(
        all[0],
        IntegrationSummary {
            id: a,
            provider: Provider::JiraServer,
            name: "a".into(),
            base_url: "https://jira.example.com".into(),
            verify_tls: false,
            enabled: true,
            auth_method: AuthMethod::Pat,
            user: None,
            orgs: vec!["acme".into(), "beta".into()],
        }
    );
    assert_eq!(all[1].id, b);
    assert_eq!(all[1].auth_method, AuthMethod::Basic);
    assert_eq!(all[1].user.as_deref(), Some("bob@example.com"));
    assert_eq!(all[1].orgs, vec!["beta".to_string()]);

    let of_acme = store
        .list_integrations(Some(&by_id(acme.id.0)))
        .await
        .unwrap();
    assert_eq!(of_acme.iter().map(|i| i.id).collect::<Vec<_>>(), vec![a]);
    let of_beta = store
        .list_integrations(Some(&by_slug("beta")))
        .await
        .unwrap();
    assert_eq!(of_beta.len(), 2);
    assert!(matches!(
        store.list_integrations(Some(&by_slug("ghost"))).await,
        Err(SqliteStoreError::OrgNotFound(_))
    ));
}

#[tokio::test]
async fn remove_cascades_links_and_unknown_is_not_found() {
    let (_dir, store) = file_store().await;
    let acme = store.create_org(&slug("acme")).await.unwrap();
    let a = store
        .add_integration(&by_slug("acme"), &pat("a"))
        .await
        .unwrap();
    let b = store
        .add_integration(&by_slug("acme"), &pat("b"))
        .await
        .unwrap();
    assert_eq!(count(&store, "org_integrations").await, 2);

    store.remove_integration(a).await.unwrap();
    assert_eq!(count(&store, "integrations").await, 1);
    assert_eq!(count(&store, "org_integrations").await, 1);
    assert!(store
        .linked_integration(acme.id, a)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .linked_integration(acme.id, b)
        .await
        .unwrap()
        .is_some());

    let err = store.remove_integration(a).await.unwrap_err();
    assert!(matches!(err, SqliteStoreError::IntegrationNotFound(id) if id == a.0));
    assert!(err.is_user_error());
    assert_eq!(
        err.to_string(),
        format!("integration {} does not exist", a.0)
    );
}

#[tokio::test]
async fn enable_disable() {
    let store = memory().await;
    let acme = store.create_org(&slug("acme")).await.unwrap();
    let a = store
        .add_integration(&by_slug("acme"), &pat("a"))
        .await
        .unwrap();
    store.set_integration_enabled(a, false).await.unwrap();
    let got = store.linked_integration(acme.id, a).await.unwrap().unwrap();
    assert!(!got.enabled, "a disabled integration is still returned");
    assert!(!store.list_integrations(None).await.unwrap()[0].enabled);
    store.set_integration_enabled(a, true).await.unwrap();
    assert!(
        store
            .linked_integration(acme.id, a)
            .await
            .unwrap()
            .unwrap()
            .enabled
    );
    assert!(matches!(
        store
            .set_integration_enabled(IntegrationId(999), true)
            .await,
        Err(SqliteStoreError::IntegrationNotFound(999))
    ));
}

#[tokio::test]
async fn credentials_round_trip() {
    let store = memory().await;
    let acme = store.create_org(&slug("acme")).await.unwrap();
    for new in [pat("p"), basic("b")] {
        let id = store.add_integration(&by_slug("acme"), &new).await.unwrap();
        let got = store
            .linked_integration(acme.id, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            got,
            Integration {
                id,
                provider: new.provider,
                name: new.name.clone(),
                base_url: new.base_url.clone(),
                verify_tls: new.verify_tls,
                enabled: true,
                credentials: new.credentials.clone(),
            }
        );
    }
    let methods: Vec<(String, Option<String>, String)> =
        sqlx::query_as("SELECT auth_method, auth_user, secret FROM integrations ORDER BY id")
            .fetch_all(&store.pool)
            .await
            .unwrap();
    assert_eq!(
        methods,
        vec![
            (
                "pat".into(),
                None,
                format!(r#"plain:v1:{{"token":"{SECRET}"}}"#)
            ),
            (
                "basic".into(),
                Some("bob@example.com".into()),
                format!(r#"plain:v1:{{"secret":"{PASSWORD}"}}"#)
            ),
        ]
    );
}

#[tokio::test]
async fn corrupt_rows_are_errors_not_panics() {
    // With a key, so that a sealed bundle is checked past the key (plain ones read the same).
    let store = SqliteStore::open_with_key("sqlite::memory:", Some(SecretKey::generate()))
        .await
        .unwrap();
    let acme = store.create_org(&slug("acme")).await.unwrap();
    let pat_bundle = format!(r#"plain:v1:{{"token":"{SECRET}"}}"#);
    let basic_bundle = format!(r#"plain:v1:{{"secret":"{SECRET}"}}"#);
    let cases = [
        (
            "'kerberos'",
            "NULL",
            pat_bundle.clone(),
            "unknown auth method",
        ),
        (
            "'basic'",
            "NULL",
            basic_bundle.clone(),
            "basic without a user",
        ),
        (
            "'pat'",
            "NULL",
            SECRET.to_string(),
            "no readable secret bundle",
        ),
        (
            "'pat'",
            "NULL",
            format!("plain:v1:{SECRET}"),
            "not a JSON object",
        ),
        ("'pat'", "NULL", basic_bundle.clone(), "has no token"),
        (
            "'pat'",
            "NULL",
            format!("sealed:v1:{SECRET}!"),
            "sealed secret bundle is not base64",
        ),
        ("'pat'", "NULL", "sealed:v1:AAAA".into(), "truncated"),
        (
            "'oauth1'",
            "NULL",
            pat_bundle.clone(),
            "oauth1 without a user",
        ),
        (
            "'oauth1'",
            "'ck'",
            pat_bundle.clone(),
            "has no private_key_pem",
        ),
        (
            "'oauth2'",
            "'client'",
            format!(r#"plain:v1:{{"client_secret":"{SECRET}","refresh_token":"r"}}"#),
            "oauth2 without a token URL",
        ),
        (
            "'connect-jwt'",
            "'iss'",
            pat_bundle.clone(),
            "has no shared_secret",
        ),
    ];
    for (method, user, secret, why) in cases {
        let id: i64 = sqlx::query_scalar(&format!(
            "INSERT INTO integrations (provider, name, base_url, auth_method, auth_user, secret) \
             VALUES ('jira_server', 'x', 'https://x', {method}, {user}, ?) RETURNING id"
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
        let err = store
            .integration_linked_to(acme.id, IntegrationId(id))
            .await
            .unwrap_err();
        assert!(matches!(err, SqliteStoreError::CorruptRow(_)), "{err}");
        assert!(err.to_string().contains(why), "{err}");
        assert!(!err.is_user_error());
        let text = format!("{err} {err:?}");
        assert!(!text.contains(SECRET), "{text}");
        // Through the port, too.
        let port = store
            .linked_integration(acme.id, IntegrationId(id))
            .await
            .unwrap_err();
        assert!(!port.to_string().contains(SECRET));
        sqlx::query("DELETE FROM integrations WHERE id = ?")
            .bind(id)
            .execute(&store.pool)
            .await
            .unwrap();
    }
    // The listing refuses an unknown method too, without a secret.
    sqlx::query(
        "INSERT INTO integrations (provider, name, base_url, auth_method, secret) \
         VALUES ('jira', 'x', 'https://x', 'weird', 'zzz')",
    )
    .execute(&store.pool)
    .await
    .unwrap();
    let err = store.list_integrations(None).await.unwrap_err();
    assert!(matches!(err, SqliteStoreError::CorruptRow(_)), "{err}");
    // A corrupt slug as well.
    sqlx::query("INSERT INTO orgs (slug) VALUES ('Not A Slug')")
        .execute(&store.pool)
        .await
        .unwrap();
    assert!(matches!(
        store.list_orgs().await,
        Err(SqliteStoreError::CorruptRow(_))
    ));
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
}

#[tokio::test]
async fn tokens_are_stored_hashed_and_belong_to_one_org() {
    let (_dir, store) = file_store().await;
    let acme = store.create_org(&slug("acme")).await.unwrap();
    let beta = store.create_org(&slug("beta")).await.unwrap();
    let ia = store
        .add_integration(&by_slug("acme"), &pat("a"))
        .await
        .unwrap();
    let ib = store
        .add_integration(&by_slug("beta"), &pat("b"))
        .await
        .unwrap();
    let (ta, tb) = (tok(1), tok(2));
    store.add_token(&by_slug("acme"), &ta).await.unwrap();
    store.add_token(&by_id(beta.id.0), &tb).await.unwrap();

    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT token_hash, token_id FROM api_tokens ORDER BY id")
            .fetch_all(&store.pool)
            .await
            .unwrap();
    assert_eq!(stored[0], (hash_token(&ta), token_id(&ta).to_owned()));
    assert!(stored
        .iter()
        .all(|(h, i)| !h.contains(&ta) && i.len() == 12));

    assert_eq!(
        store.org_for_token_hash(&hash_token(&ta)).await.unwrap(),
        Some(acme.id)
    );
    assert_eq!(
        store.org_for_token_hash(&hash_token(&tb)).await.unwrap(),
        Some(beta.id)
    );
    assert_eq!(store.org_for_token_hash(&ta).await.unwrap(), None);
    assert_eq!(
        store
            .org_for_token_hash(&hash_token("jst_nope"))
            .await
            .unwrap(),
        None
    );
    // A caller of acme cannot reach beta's integration, and vice versa.
    assert!(store
        .linked_integration(acme.id, ib)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .linked_integration(beta.id, ia)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .linked_integration(acme.id, ia)
        .await
        .unwrap()
        .is_some());

    assert!(matches!(
        store.add_token(&by_slug("ghost"), &tok(3)).await,
        Err(SqliteStoreError::OrgNotFound(_))
    ));
    let err = store.add_token(&by_slug("acme"), &ta).await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains(&ta));
    assert_eq!(count(&store, "api_tokens").await, 2);
}

#[tokio::test]
async fn revoke_by_prefix_and_by_whole_token() {
    let store = memory().await;
    store.create_org(&slug("acme")).await.unwrap();
    let (t1, t2) = (tok(0x11), tok(0x22));
    store.add_token(&by_slug("acme"), &t1).await.unwrap();
    store.add_token(&by_slug("acme"), &t2).await.unwrap();

    // 8 characters: "jst_1111".
    store.revoke_token(&t1[..8]).await.unwrap();
    assert_eq!(
        store.org_for_token_hash(&hash_token(&t1)).await.unwrap(),
        None
    );
    assert!(store
        .org_for_token_hash(&hash_token(&t2))
        .await
        .unwrap()
        .is_some());
    // Already revoked: nothing left to revoke.
    assert!(matches!(
        store.revoke_token(&t1).await,
        Err(SqliteStoreError::TokenNotFound)
    ));

    store.revoke_token(&t2).await.unwrap();
    assert_eq!(
        store.org_for_token_hash(&hash_token(&t2)).await.unwrap(),
        None
    );
    let revoked: i64 =
        sqlx::query_scalar("SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL")
            .fetch_one(&store.pool)
            .await
            .unwrap();
    assert_eq!(revoked, 2);
}

#[tokio::test]
async fn revoke_errors() {
    let store = memory().await;
    store.create_org(&slug("acme")).await.unwrap();
    // Two tokens sharing their first 12 characters ("jst_aaaaaaaa").
    let mut r1 = [0xaa; 32];
    let mut r2 = [0xaa; 32];
    r1[31] = 1;
    r2[31] = 2;
    let (t1, t2) = (
        domain::token::token_from_random(&r1),
        domain::token::token_from_random(&r2),
    );
    store.add_token(&by_slug("acme"), &t1).await.unwrap();
    store.add_token(&by_slug("acme"), &t2).await.unwrap();

    let err = store.revoke_token("jst_aaa").await.unwrap_err();
    assert!(matches!(err, SqliteStoreError::InvalidInput(_)), "{err}");
    assert!(err.is_user_error());
    assert!(!err.to_string().contains("jst_aaa"));

    let err = store.revoke_token("jst_bbbbbbbb").await.unwrap_err();
    assert!(matches!(err, SqliteStoreError::TokenNotFound), "{err}");
    assert!(err.is_user_error());
    // LIKE wildcards are not wildcards here.
    assert!(matches!(
        store.revoke_token("jst_%%%%").await,
        Err(SqliteStoreError::TokenNotFound)
    ));
    assert!(matches!(
        store.revoke_token("JST_AAAA").await,
        Err(SqliteStoreError::TokenNotFound)
    ));

    let err = store.revoke_token("jst_aaaa").await.unwrap_err();
    assert!(matches!(err, SqliteStoreError::TokenAmbiguous(2)), "{err}");
    assert!(err.is_user_error());
    // 13 characters that are not a whole token: the first 12 still match both.
    assert!(matches!(
        store.revoke_token(&t1[..13]).await,
        Err(SqliteStoreError::TokenAmbiguous(2))
    ));
    // The whole token settles it.
    store.revoke_token(&t1).await.unwrap();
    assert!(store
        .org_for_token_hash(&hash_token(&t1))
        .await
        .unwrap()
        .is_none());
    assert!(store
        .org_for_token_hash(&hash_token(&t2))
        .await
        .unwrap()
        .is_some());
    // Now the prefix names one token.
    store.revoke_token("jst_aaaa").await.unwrap();
    assert!(store
        .org_for_token_hash(&hash_token(&t2))
        .await
        .unwrap()
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_all_succeed() {
    let (_dir, store) = file_store().await;
    store.create_org(&slug("hub")).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.create_org(&slug(&format!("org-{i}"))).await?;
            store
                .add_integration(&OrgRef::Slug(format!("org-{i}")), &pat(&format!("i{i}")))
                .await?;
            store.add_token(&by_slug("hub"), &tok(i)).await?;
            store.revoke_token(&tok(i)).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(store.list_orgs().await.unwrap().len(), 21);
    assert_eq!(count(&store, "integrations").await, 20);
    assert_eq!(count(&store, "org_integrations").await, 20);
    assert_eq!(count(&store, "api_tokens").await, 20);
}

#[test]
fn user_errors_and_texts() {
    let cases: Vec<(SqliteStoreError, bool, &str)> = vec![
        (
            SqliteStoreError::OrgNotFound("acme".into()),
            true,
            "organization \"acme\" does not exist",
        ),
        (
            SqliteStoreError::OrgExists("acme".into()),
            true,
            "organization \"acme\" already exists",
        ),
        (
            SqliteStoreError::IntegrationNotFound(7),
            true,
            "integration 7 does not exist",
        ),
        (
            SqliteStoreError::TokenNotFound,
            true,
            "no active token matches that prefix",
        ),
        (
            SqliteStoreError::TokenAmbiguous(3),
            true,
            "3 active tokens match that prefix: give more characters of the token",
        ),
        (SqliteStoreError::InvalidInput("bad".into()), true, "bad"),
        (
            SqliteStoreError::CorruptRow("integration 1: x".into()),
            false,
            "corrupt row in the database: integration 1: x",
        ),
        (
            SqliteStoreError::Database(sqlx::Error::PoolTimedOut),
            false,
            "database error: pool timed out while waiting for an open connection",
        ),
        (
            SqliteStoreError::SecretKeyMissing(4),
            false,
            "the secrets of integration 4 are encrypted: set SECRET_KEY to the key they were sealed with",
        ),
        (
            SqliteStoreError::SecretKeyWrong(4),
            false,
            "the secrets of integration 4 cannot be decrypted with this SECRET_KEY: it is not the key they were sealed with",
        ),
    ];
    for (err, user, text) in cases {
        assert_eq!(err.is_user_error(), user, "{err}");
        assert_eq!(err.to_string(), text);
    }
    let store_err: StoreError = SqliteStoreError::CorruptRow("x".into()).into();
    assert_eq!(
        store_err.to_string(),
        "store unavailable: corrupt row in the database: x"
    );
}

#[test]
fn store_futures_are_send() {
    fn send<T: Send>(_: T) {}
    fn check(store: &SqliteStore, org: &OrgRef, new: &NewIntegration) {
        send(store.create_org(&slug("a")));
        send(store.add_integration(org, new));
        send(store.list_integrations(Some(org)));
        send(store.revoke_token("jst_aaaaaaaa"));
        send(store.linked_integration(OrgId(1), IntegrationId(1)));
        send(store.find_org(org));
        send(store.org_for_token_hash("h"));
        send(store.secrets_report());
        send(store.rotate_secrets(None));
        send(store.save_refresh_token(IntegrationId(1), &Secret::new("r")));
    }
    let _ = check;
}

#[tokio::test]
async fn lookups_come_from_memory_until_another_process_changes_the_database() {
    let (dir, store) = file_store().await;
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let org = store.create_org(&slug("acme")).await.unwrap();
    let id = store
        .add_integration(&by_slug("acme"), &pat("a"))
        .await
        .unwrap();
    let t = tok(0x33);
    store.add_token(&by_slug("acme"), &t).await.unwrap();
    let h = hash_token(&t);
    let lookups = |s: &SqliteStore| {
        let (s, h) = (s.clone(), h.clone());
        async move {
            (
                s.org_for_token_hash(&h).await.unwrap(),
                s.find_org(&by_slug("acme")).await.unwrap().map(|o| o.id),
                s.linked_integration(org.id, id)
                    .await
                    .unwrap()
                    .map(|i| i.id),
            )
        }
    };
    let want = (Some(org.id), Some(org.id), Some(id));
    assert_eq!(lookups(&store).await, want);
    let before = store.memo_hits();
    for _ in 0..3 {
        assert_eq!(lookups(&store).await, want);
    }
    assert_eq!(
        store.memo_hits() - before,
        9,
        "repeated lookups must come from memory"
    );

    // Another process (another pool, another memo) revokes the token: the very next lookup
    // sees it.
    let other = SqliteStore::open(&url).await.unwrap();
    other.revoke_token(&t).await.unwrap();
    assert_eq!(store.org_for_token_hash(&h).await.unwrap(), None);
    other.set_integration_enabled(id, false).await.unwrap();
    let found = store.linked_integration(org.id, id).await.unwrap().unwrap();
    assert!(
        !found.enabled,
        "a disabled integration was served from memory"
    );
    other.remove_integration(id).await.unwrap();
    assert_eq!(store.linked_integration(org.id, id).await.unwrap(), None);
    // Unknown tokens are never remembered (a flood of them cannot fill memory).
    let unknown = hash_token(&tok(0x44));
    let before = store.memo_hits();
    for _ in 0..3 {
        assert_eq!(store.org_for_token_hash(&unknown).await.unwrap(), None);
    }
    assert_eq!(store.memo_hits(), before);
}

#[tokio::test]
async fn an_in_memory_database_remembers_nothing() {
    let store = memory().await;
    let org = store.create_org(&slug("acme")).await.unwrap();
    let t = tok(0x55);
    store.add_token(&by_slug("acme"), &t).await.unwrap();
    for _ in 0..3 {
        assert_eq!(
            store.org_for_token_hash(&hash_token(&t)).await.unwrap(),
            Some(org.id)
        );
    }
    assert_eq!(store.memo_hits(), 0);
}
