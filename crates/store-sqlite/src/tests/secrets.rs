//! Every credential kind stored, plain and sealed; keys, rotation, refresh tokens and the
//! migration of 0001-era rows.

use std::error::Error as _;
use std::str::FromStr;
use std::sync::Arc;

use domain::{
    AdminStore, BaseUrl, CredentialUpdates, Credentials, IntegrationId, IntegrationStore,
    NewIntegration, OrgId, Provider, Secret, StoreError,
};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use store_common::secrets;

use super::{name, slug};
use crate::{SecretKey, SecretOwner, SecretsReport, SqliteStore, SqliteStoreError};

/// Every secret string the credentials below hold; none may reach the disk when sealed.
const SECRETS: [&str; 9] = [
    "pat-token-0a1b2c3d",
    "basic-password-4e5f",
    "oauth1-key-material-6a7b8c",
    "oauth1-access-token-9d0e",
    "oauth1-token-secret-1f2a",
    "oauth2-client-secret-3b4c",
    "oauth2-refresh-token-5d6e",
    "connect-shared-secret-7f80",
    "rotated-refresh-token-9a0b",
];

fn url_of(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("s.db").display())
}

fn every_kind() -> Vec<NewIntegration> {
    let base = BaseUrl::parse("https://jira.example.com", false).unwrap();
    let kinds = [
        Credentials::Pat {
            token: Secret::new(SECRETS[0]),
        },
        Credentials::Basic {
            user: "bob".into(),
            secret: Secret::new(SECRETS[1]),
        },
        Credentials::OAuth1 {
            consumer_key: "consumer".into(),
            private_key_pem: Secret::new(format!(
                "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                SECRETS[2]
            )),
            access_token: Secret::new(SECRETS[3]),
            token_secret: Secret::new(SECRETS[4]),
        },
        Credentials::OAuth2 {
            client_id: "client".into(),
            token_url: "https://auth.example.com/oauth/token".into(),
            client_secret: Secret::new(SECRETS[5]),
            refresh_token: Secret::new(SECRETS[6]),
        },
        Credentials::ConnectJwt {
            issuer: "com.example.app".into(),
            shared_secret: Secret::new(SECRETS[7]),
        },
    ];
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, credentials)| NewIntegration {
            provider: Provider::JiraServer,
            name: name(&format!("kind-{i}")),
            base_url: base.clone(),
            verify_tls: true,
            credentials,
        })
        .collect()
}

/// Adds every kind to a new org `acme`; returns the org id and the integration ids.
async fn add_every_kind(store: &SqliteStore) -> (OrgId, Vec<IntegrationId>) {
    let org = store.create_org(&slug("acme")).await.unwrap().unwrap();
    let mut ids = Vec::new();
    for new in every_kind() {
        ids.push(store.add_integration(org.id, &new).await.unwrap());
    }
    (org.id, ids)
}

async fn assert_every_kind_reads_back(store: &SqliteStore, org: OrgId, ids: &[IntegrationId]) {
    for (id, new) in ids.iter().zip(every_kind()) {
        let got = store.linked_integration(org, *id).await.unwrap().unwrap();
        assert_eq!(got.credentials, new.credentials, "{}", new.name.as_str());
        assert_eq!(got.name, new.name.as_str());
    }
}

async fn raw_secrets(store: &SqliteStore) -> Vec<String> {
    sqlx::query_scalar("SELECT secret FROM integrations ORDER BY id")
        .fetch_all(&store.pool)
        .await
        .unwrap()
}

/// The bytes of the database file and of its `-wal` file (empty when there is none).
fn disk_bytes(dir: &tempfile::TempDir) -> Vec<u8> {
    let mut bytes = std::fs::read(dir.path().join("s.db")).unwrap();
    if let Ok(wal) = std::fs::read(dir.path().join("s.db-wal")) {
        bytes.extend_from_slice(&wal);
    }
    bytes
}

fn secrets_on_disk(dir: &tempfile::TempDir) -> Vec<&'static str> {
    let bytes = disk_bytes(dir);
    SECRETS
        .iter()
        .copied()
        .filter(|s| bytes.windows(s.len()).any(|w| w == s.as_bytes()))
        .collect()
}

async fn checkpoint(store: &SqliteStore) {
    sqlx::query("PRAGMA wal_checkpoint(FULL)")
        .execute(&store.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn every_kind_round_trips_plain_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&url_of(&dir)).await.unwrap();
    let (org, ids) = add_every_kind(&store).await;
    assert_every_kind_reads_back(&store, org, &ids).await;
    for raw in raw_secrets(&store).await {
        assert!(raw.starts_with("plain:v1:{"), "{raw}");
    }
    let listed = store.list_integrations(None).await.unwrap();
    let users: Vec<_> = listed.iter().map(|i| i.user.clone()).collect();
    assert_eq!(
        users,
        vec![
            None,
            Some("bob".into()),
            Some("consumer".into()),
            Some("client".into()),
            Some("com.example.app".into())
        ]
    );
    let token_url: Option<String> =
        sqlx::query_scalar("SELECT token_url FROM integrations WHERE id = ?")
            .bind(ids[3].0)
            .fetch_one(&store.pool)
            .await
            .unwrap();
    assert_eq!(
        token_url.as_deref(),
        Some("https://auth.example.com/oauth/token")
    );
    assert_eq!(
        store.secrets_report().await.unwrap(),
        SecretsReport {
            sealed: 0,
            plain: 5
        }
    );
    // The grep below works: in clear, every secret is on disk (before and after a
    // checkpoint), except the one never written.
    let expected = &SECRETS[..8];
    assert_eq!(secrets_on_disk(&dir), expected);
    checkpoint(&store).await;
    assert_eq!(secrets_on_disk(&dir), expected);
}

#[tokio::test]
async fn every_kind_round_trips_sealed_and_no_secret_reaches_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let key = SecretKey::generate();
    let store = SqliteStore::open_with_key(&url_of(&dir), Some(key.clone()))
        .await
        .unwrap();
    let (org, ids) = add_every_kind(&store).await;
    assert_every_kind_reads_back(&store, org, &ids).await;
    store
        .save_refresh_token(ids[3], &Secret::new(SECRETS[8]))
        .await
        .unwrap();
    for raw in raw_secrets(&store).await {
        assert!(raw.starts_with("sealed:v1:"), "{raw}");
    }
    assert!(dir.path().join("s.db-wal").exists());
    assert_eq!(secrets_on_disk(&dir), Vec::<&str>::new());
    checkpoint(&store).await;
    assert_eq!(secrets_on_disk(&dir), Vec::<&str>::new());
    assert_eq!(
        store.secrets_report().await.unwrap(),
        SecretsReport {
            sealed: 5,
            plain: 0
        }
    );
    store.pool.close().await;
    assert_eq!(secrets_on_disk(&dir), Vec::<&str>::new());

    // Reopened with the same key, everything reads back.
    let again = SqliteStore::open_with_key(&url_of(&dir), Some(key))
        .await
        .unwrap();
    let got = again
        .linked_integration(org, ids[3])
        .await
        .unwrap()
        .unwrap();
    match got.credentials {
        Credentials::OAuth2 { refresh_token, .. } => {
            assert_eq!(refresh_token.expose(), SECRETS[8]);
        }
        other => panic!("{other:?}"),
    }
    assert_every_kind_reads_back(&again, org, &ids[..3]).await;
}

#[tokio::test]
async fn sealed_store_without_its_key_or_with_another() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_with_key(&url_of(&dir), Some(SecretKey::generate()))
        .await
        .unwrap();
    let (org, ids) = add_every_kind(&store).await;
    store.pool.close().await;

    let keyless = SqliteStore::open(&url_of(&dir)).await.unwrap();
    let err = keyless
        .integration_linked_to(org, ids[1])
        .await
        .unwrap_err();
    assert!(
        matches!(err, SqliteStoreError::SecretKeyMissing(SecretOwner::Integration(id)) if id == ids[1].0),
        "{err}"
    );
    assert!(!err.is_user_error());
    let port = keyless.linked_integration(org, ids[1]).await.unwrap_err();
    assert!(matches!(port, StoreError::Unusable(_)), "{port:?}");
    let source = port.source().unwrap().to_string();
    assert!(source.contains("set SECRET_KEY"), "{source}");
    let err = keyless.secrets_report().await.unwrap_err();
    assert!(
        matches!(err, SqliteStoreError::SecretKeyMissing(SecretOwner::Integration(id)) if id == ids[0].0),
        "{err}"
    );
    // The listing reads no secret, so it works without the key.
    assert_eq!(keyless.list_integrations(None).await.unwrap().len(), 5);
    keyless.pool.close().await;

    let other = SqliteStore::open_with_key(&url_of(&dir), Some(SecretKey::generate()))
        .await
        .unwrap();
    let err = other.integration_linked_to(org, ids[2]).await.unwrap_err();
    assert!(
        matches!(err, SqliteStoreError::SecretKeyWrong(SecretOwner::Integration(id)) if id == ids[2].0),
        "{err}"
    );
    assert!(!err.is_user_error());
    let err = other.secrets_report().await.unwrap_err();
    assert!(
        matches!(err, SqliteStoreError::SecretKeyWrong(SecretOwner::Integration(id)) if id == ids[0].0),
        "{err}"
    );
    for secret in SECRETS {
        assert!(!format!("{err} {err:?}").contains(secret));
    }
}

/// A sealed blob is bound to its row: copied onto another integration it does not open
/// there, which reads as `SecretKeyWrong` (AES-GCM cannot tell a wrong key from wrong
/// associated data).
#[tokio::test]
async fn a_sealed_blob_copied_to_another_row_does_not_open() {
    let store = SqliteStore::open_with_key("sqlite::memory:", Some(SecretKey::generate()))
        .await
        .unwrap();
    let (org, ids) = add_every_kind(&store).await;
    // Integration 2 (basic) gets integration 1's (pat) blob; make it a pat too, so only the
    // binding can fail.
    sqlx::query(
        "UPDATE integrations SET auth_method = 'pat', \
         secret = (SELECT secret FROM integrations WHERE id = ?) WHERE id = ?",
    )
    .bind(ids[0].0)
    .bind(ids[1].0)
    .execute(&store.pool)
    .await
    .unwrap();
    let err = store.integration_linked_to(org, ids[1]).await.unwrap_err();
    assert!(
        matches!(err, SqliteStoreError::SecretKeyWrong(SecretOwner::Integration(id)) if id == ids[1].0),
        "{err}"
    );
    // The original still opens.
    assert!(store
        .linked_integration(org, ids[0])
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn rotate_none_to_key_to_key2_to_none() {
    let dir = tempfile::tempdir().unwrap();
    let url = url_of(&dir);
    let key1 = SecretKey::generate();
    let key2 = SecretKey::generate();

    let plain = SqliteStore::open(&url).await.unwrap();
    let (org, ids) = add_every_kind(&plain).await;
    assert_eq!(plain.rotate_secrets(Some(&key1)).await.unwrap(), 5);
    plain.pool.close().await;

    let s1 = SqliteStore::open_with_key(&url, Some(key1.clone()))
        .await
        .unwrap();
    assert_eq!(
        s1.secrets_report().await.unwrap(),
        SecretsReport {
            sealed: 5,
            plain: 0
        }
    );
    assert_every_kind_reads_back(&s1, org, &ids).await;
    assert_eq!(s1.rotate_secrets(Some(&key2)).await.unwrap(), 5);
    s1.pool.close().await;

    let old = SqliteStore::open_with_key(&url, Some(key1)).await.unwrap();
    assert!(matches!(
        old.secrets_report().await,
        Err(SqliteStoreError::SecretKeyWrong(_))
    ));
    assert!(matches!(
        old.integration_linked_to(org, ids[4]).await,
        Err(SqliteStoreError::SecretKeyWrong(_))
    ));
    old.pool.close().await;

    let s2 = SqliteStore::open_with_key(&url, Some(key2)).await.unwrap();
    assert_every_kind_reads_back(&s2, org, &ids).await;
    assert_eq!(s2.rotate_secrets(None).await.unwrap(), 5);
    s2.pool.close().await;

    let back = SqliteStore::open(&url).await.unwrap();
    assert_eq!(
        back.secrets_report().await.unwrap(),
        SecretsReport {
            sealed: 0,
            plain: 5
        }
    );
    assert_every_kind_reads_back(&back, org, &ids).await;
}

#[tokio::test]
async fn a_failed_rotation_changes_nothing() {
    let key = SecretKey::generate();
    let store = SqliteStore::open_with_key("sqlite::memory:", Some(key.clone()))
        .await
        .unwrap();
    let (_org, ids) = add_every_kind(&store).await;
    // The last row is corrupt: the rows before it must not stay rewritten.
    sqlx::query("UPDATE integrations SET secret = 'garbage' WHERE id = ?")
        .bind(ids[4].0)
        .execute(&store.pool)
        .await
        .unwrap();
    let before = raw_secrets(&store).await;
    let err = store
        .rotate_secrets(Some(&SecretKey::generate()))
        .await
        .unwrap_err();
    assert!(matches!(err, SqliteStoreError::CorruptRow(_)), "{err}");
    assert_eq!(raw_secrets(&store).await, before);
    let err = store.rotate_secrets(None).await.unwrap_err();
    assert!(matches!(err, SqliteStoreError::CorruptRow(_)), "{err}");
    assert_eq!(raw_secrets(&store).await, before);
}

#[tokio::test]
async fn save_refresh_token_persists_and_refuses_other_methods() {
    let dir = tempfile::tempdir().unwrap();
    let url = url_of(&dir);
    let store = SqliteStore::open(&url).await.unwrap();
    let (org, ids) = add_every_kind(&store).await;
    store
        .save_refresh_token(ids[3], &Secret::new(SECRETS[8]))
        .await
        .unwrap();
    let err = store
        .replace_refresh_token(ids[0], &Secret::new(SECRETS[8]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, SqliteStoreError::NoRefreshToken { id, method: domain::AuthMethod::Pat } if id == ids[0].0),
        "{err}"
    );
    let port = store
        .save_refresh_token(ids[0], &Secret::new(SECRETS[8]))
        .await
        .unwrap_err();
    assert!(matches!(port, StoreError::Unusable(_)), "{port:?}");
    assert!(!format!("{port:?}").contains(SECRETS[8]));
    let err = store
        .replace_refresh_token(IntegrationId(999), &Secret::new("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, SqliteStoreError::IntegrationNotFound(999)),
        "{err}"
    );
    store.pool.close().await;

    let again = SqliteStore::open(&url).await.unwrap();
    let got = again
        .linked_integration(org, ids[3])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        got.credentials,
        Credentials::OAuth2 {
            client_id: "client".into(),
            token_url: "https://auth.example.com/oauth/token".into(),
            client_secret: Secret::new(SECRETS[5]),
            refresh_token: Secret::new(SECRETS[8]),
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refresh_token_saves_all_succeed_and_the_last_wins() {
    let dir = tempfile::tempdir().unwrap();
    let key = SecretKey::generate();
    let store = SqliteStore::open_with_key(&url_of(&dir), Some(key))
        .await
        .unwrap();
    let (org, ids) = add_every_kind(&store).await;
    let oauth2 = ids[3];
    // Records every write of the secret column in commit order.
    sqlx::query("CREATE TABLE secret_log (seq INTEGER PRIMARY KEY, secret TEXT NOT NULL)")
        .execute(&store.pool)
        .await
        .unwrap();
    sqlx::query(
        "CREATE TRIGGER log_secret AFTER UPDATE OF secret ON integrations \
         BEGIN INSERT INTO secret_log (secret) VALUES (NEW.secret); END",
    )
    .execute(&store.pool)
    .await
    .unwrap();

    let store = Arc::new(store);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            store
                .save_refresh_token(oauth2, &Secret::new(format!("refresh-{i}")))
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let log: Vec<String> = sqlx::query_scalar("SELECT secret FROM secret_log ORDER BY seq")
        .fetch_all(&store.pool)
        .await
        .unwrap();
    assert_eq!(log.len(), 20);
    let stored: String = sqlx::query_scalar("SELECT secret FROM integrations WHERE id = ?")
        .bind(oauth2.0)
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert!(stored.starts_with("sealed:v1:"));
    assert_eq!(log.last(), Some(&stored), "the last committed write wins");
    let mut seen: Vec<String> = log
        .iter()
        .map(|raw| {
            let owner = SecretOwner::Integration(oauth2.0);
            let bundle = secrets::decode(store.key.as_ref(), &owner, raw).unwrap();
            // Every write kept the rest of the bundle.
            assert_eq!(bundle["client_secret"], SECRETS[5]);
            bundle["refresh_token"].as_str().unwrap().to_owned()
        })
        .collect();
    let last = seen.last().cloned().unwrap();
    let got = store
        .linked_integration(org, oauth2)
        .await
        .unwrap()
        .unwrap();
    match got.credentials {
        Credentials::OAuth2 { refresh_token, .. } => assert_eq!(refresh_token.expose(), last),
        other => panic!("{other:?}"),
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 20, "every call wrote its own token");
}

#[tokio::test]
async fn migration_0002_converts_0001_rows() {
    let dir = tempfile::tempdir().unwrap();
    let url = url_of(&dir);
    let only_first = tempfile::tempdir().unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../migrations/sqlite/0001_initial.sql"
        ),
        only_first.path().join("0001_initial.sql"),
    )
    .unwrap();
    let old = sqlx::migrate::Migrator::new(only_first.path())
        .await
        .unwrap();
    assert_eq!(old.iter().count(), 1);
    let pool = SqlitePool::connect_with(
        SqliteConnectOptions::from_str(&url)
            .unwrap()
            .create_if_missing(true),
    )
    .await
    .unwrap();
    old.run(&pool).await.unwrap();
    sqlx::query("INSERT INTO orgs (id, slug) VALUES (1, 'acme')")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO integrations (id, provider, name, base_url, auth_method, auth_user, secret) \
         VALUES (1, 'jira_server', 'p', 'https://jira.example.com', 'pat', NULL, ?), \
                (2, 'jira', 'b', 'https://acme.atlassian.net', 'basic', 'bob@example.com', ?)",
    )
    .bind(SECRETS[0])
    .bind("pass\"word\\with-quotes")
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("INSERT INTO org_integrations VALUES (1, 1), (1, 2)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let store = SqliteStore::open(&url).await.unwrap();
    let pat = store
        .linked_integration(OrgId(1), IntegrationId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        pat.credentials,
        Credentials::Pat {
            token: Secret::new(SECRETS[0])
        }
    );
    let basic = store
        .linked_integration(OrgId(1), IntegrationId(2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        basic.credentials,
        Credentials::Basic {
            user: "bob@example.com".into(),
            secret: Secret::new("pass\"word\\with-quotes"),
        }
    );
    assert_eq!(
        store.secrets_report().await.unwrap(),
        SecretsReport {
            sealed: 0,
            plain: 2
        }
    );
}
