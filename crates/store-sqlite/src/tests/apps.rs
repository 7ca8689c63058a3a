//! OAuth apps and connections in flight as stored: the rows, their secrets sealed at rest
//! and bound to their row, keys and rotation, corrupt rows, and racing takes.

use std::sync::Arc;

use domain::model::{
    AppId, AppKind, CloudSite, ConnectionStage, NewApp, OAuthApp, PendingConnection,
};
use domain::token::hash_token;
use domain::{AdminStore, BaseUrl, OrgId, Secret, StoreError};

use super::slug;
use crate::{SecretKey, SecretOwner, SecretsReport, SqliteStore, SqliteStoreError};

/// Every secret an app or a connection below holds; none may reach the disk when sealed.
const SECRETS: [&str; 5] = [
    "app-client-secret-1a2b",
    "app-private-key-3c4d",
    "pkce-verifier-5e6f",
    "request-token-secret-7a8b",
    "grant-refresh-token-9c0d",
];

/// org_id, app_id, stage, request_token, sites, secret of `connections`.
type ConnectionRow = (i64, i64, String, Option<String>, Option<String>, String);

fn url_of(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("a.db").display())
}

fn apps() -> [NewApp; 2] {
    [
        NewApp {
            kind: AppKind::Atlassian3lo,
            base_url: None,
            client_id: "client".into(),
            secret: Secret::new(SECRETS[0]),
            public_key_pem: None,
            verify_tls: true,
        },
        NewApp {
            kind: AppKind::ServerOAuth1,
            base_url: Some(BaseUrl::parse("https://jira.example.com", false).unwrap()),
            client_id: "consumer".into(),
            secret: Secret::new(format!("-----BEGIN PRIVATE KEY-----\n{}\n", SECRETS[1])),
            public_key_pem: Some("-----BEGIN PUBLIC KEY-----\nAAAA\n".into()),
            verify_tls: false,
        },
    ]
}

fn stages() -> [ConnectionStage; 3] {
    [
        ConnectionStage::Authorize {
            pkce_verifier: Some(Secret::new(SECRETS[2])),
        },
        ConnectionStage::Authorize1 {
            request_token: "request-token".into(),
            request_token_secret: Secret::new(SECRETS[3]),
        },
        ConnectionStage::ChooseSite {
            refresh_token: Secret::new(SECRETS[4]),
            sites: vec![CloudSite {
                id: "cloud-1".into(),
                url: "https://acme.atlassian.net".into(),
                name: "Acme".into(),
            }],
        },
    ]
}

fn state(n: usize) -> String {
    hash_token(&format!("state-{n}"))
}

/// An org, both apps and a connection in each stage (through the first app).
async fn fill(store: &SqliteStore) -> (OrgId, Vec<AppId>, Vec<PendingConnection>) {
    let org = store.create_org(&slug("acme")).await.unwrap().unwrap();
    let mut ids = Vec::new();
    for new in apps() {
        ids.push(store.add_app(&new).await.unwrap());
    }
    let mut saved = Vec::new();
    for (n, stage) in stages().into_iter().enumerate() {
        let connection = PendingConnection {
            org: org.id,
            app: ids[0],
            return_url: "https://product.example.com/settings".into(),
            expires_at: 4_000_000_000,
            stage,
        };
        store.save_connection(&state(n), &connection).await.unwrap();
        saved.push(connection);
    }
    (org.id, ids, saved)
}

async fn raw(store: &SqliteStore, table: &str) -> Vec<String> {
    sqlx::query_scalar(&format!("SELECT secret FROM {table} ORDER BY rowid"))
        .fetch_all(&store.pool)
        .await
        .unwrap()
}

fn secrets_on_disk(dir: &tempfile::TempDir) -> Vec<&'static str> {
    let mut bytes = std::fs::read(dir.path().join("a.db")).unwrap();
    if let Ok(wal) = std::fs::read(dir.path().join("a.db-wal")) {
        bytes.extend_from_slice(&wal);
    }
    SECRETS
        .iter()
        .copied()
        .filter(|s| bytes.windows(s.len()).any(|w| w == s.as_bytes()))
        .collect()
}

async fn assert_reads_back(store: &SqliteStore, ids: &[AppId], saved: &[PendingConnection]) {
    for (id, new) in ids.iter().zip(apps()) {
        let app: OAuthApp = store.app(*id).await.unwrap().unwrap();
        assert_eq!((app.kind, app.secret), (new.kind, new.secret));
    }
    for (n, want) in saved.iter().enumerate() {
        let taken = store.take_connection(&state(n)).await.unwrap();
        assert_eq!(taken.as_ref(), Some(want));
        store.save_connection(&state(n), want).await.unwrap();
    }
}

#[tokio::test]
async fn rows_hold_apps_and_connections_in_clear_without_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&url_of(&dir)).await.unwrap();
    let (org, ids, saved) = fill(&store).await;
    assert_reads_back(&store, &ids, &saved).await;
    let app: (String, Option<String>, String, Option<String>, String) = sqlx::query_as(
        "SELECT kind, base_url, client_id, public_key_pem, secret FROM oauth_apps WHERE id = ?",
    )
    .bind(ids[1].0)
    .fetch_one(&store.pool)
    .await
    .unwrap();
    assert_eq!(
        app,
        (
            "server-oauth1".into(),
            Some("https://jira.example.com".into()),
            "consumer".into(),
            Some("-----BEGIN PUBLIC KEY-----\nAAAA\n".into()),
            format!(
                r#"plain:v1:{{"secret":"-----BEGIN PRIVATE KEY-----\n{}\n"}}"#,
                SECRETS[1]
            ),
        )
    );
    let rows: Vec<ConnectionRow> = sqlx::query_as(
        "SELECT org_id, app_id, stage, request_token, sites, secret FROM connections \
         ORDER BY expires_at, stage",
    )
    .fetch_all(&store.pool)
    .await
    .unwrap();
    let (o, a) = (org.0, ids[0].0);
    let bundle = |name: &str, value: &str| format!(r#"plain:v1:{{"{name}":"{value}"}}"#);
    assert_eq!(
        rows,
        [
            (
                o,
                a,
                "authorize".into(),
                None,
                None,
                bundle("pkce_verifier", SECRETS[2])
            ),
            (
                o,
                a,
                "authorize1".into(),
                Some("request-token".into()),
                None,
                bundle("request_token_secret", SECRETS[3])
            ),
            (
                o,
                a,
                "choose_site".into(),
                None,
                Some(
                    r#"[{"id":"cloud-1","url":"https://acme.atlassian.net","name":"Acme"}]"#.into()
                ),
                bundle("refresh_token", SECRETS[4])
            ),
        ]
    );
    assert_eq!(
        store.secrets_report().await.unwrap(),
        SecretsReport {
            sealed: 0,
            plain: 5
        }
    );
    assert_eq!(
        secrets_on_disk(&dir),
        SECRETS,
        "the grep finds what is in clear"
    );
}

#[tokio::test]
async fn app_and_connection_secrets_are_sealed_at_rest_with_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let key = SecretKey::generate();
    let store = SqliteStore::open_with_key(&url_of(&dir), Some(key.clone()))
        .await
        .unwrap();
    let (_org, ids, saved) = fill(&store).await;
    assert_reads_back(&store, &ids, &saved).await;
    for table in ["oauth_apps", "connections"] {
        for stored in raw(&store, table).await {
            assert!(stored.starts_with("sealed:v1:"), "{table}: {stored}");
        }
    }
    assert_eq!(secrets_on_disk(&dir), Vec::<&str>::new());
    sqlx::query("PRAGMA wal_checkpoint(FULL)")
        .execute(&store.pool)
        .await
        .unwrap();
    assert_eq!(secrets_on_disk(&dir), Vec::<&str>::new());
    assert_eq!(
        store.secrets_report().await.unwrap(),
        SecretsReport {
            sealed: 5,
            plain: 0
        }
    );
    store.pool.close().await;

    // Without the key, or with another, nothing opens, and a connection stays to be taken
    // once the key is right.
    let keyless = SqliteStore::open(&url_of(&dir)).await.unwrap();
    let err = keyless.app_by_id(ids[0]).await.unwrap_err();
    assert!(
        matches!(&err, SqliteStoreError::SecretKeyMissing(SecretOwner::App(id)) if *id == ids[0].0),
        "{err}"
    );
    assert!(err.to_string().contains("secrets of app"), "{err}");
    let err = keyless.take_connection_row(&state(0)).await.unwrap_err();
    assert!(
        matches!(&err, SqliteStoreError::SecretKeyMissing(SecretOwner::Connection(h)) if *h == state(0)),
        "{err}"
    );
    let port = keyless.take_connection(&state(1)).await.unwrap_err();
    assert!(matches!(port, StoreError::Unusable(_)), "{port:?}");
    assert_eq!(
        keyless.list_apps().await.unwrap().len(),
        2,
        "no secret is read"
    );
    assert!(matches!(
        keyless.secrets_report().await,
        Err(SqliteStoreError::SecretKeyMissing(SecretOwner::App(_)))
    ));
    keyless.pool.close().await;
    let other = SqliteStore::open_with_key(&url_of(&dir), Some(SecretKey::generate()))
        .await
        .unwrap();
    let err = other.take_connection_row(&state(2)).await.unwrap_err();
    assert!(
        matches!(
            err,
            SqliteStoreError::SecretKeyWrong(SecretOwner::Connection(_))
        ),
        "{err}"
    );
    for secret in SECRETS {
        assert!(!format!("{err} {err:?}").contains(secret));
    }
    other.pool.close().await;

    let again = SqliteStore::open_with_key(&url_of(&dir), Some(key))
        .await
        .unwrap();
    assert_reads_back(&again, &ids, &saved).await;
}

/// A sealed blob opens only on its own row: not on another app, not on another connection,
/// not across tables.
#[tokio::test]
async fn sealed_blobs_of_apps_and_connections_are_bound_to_their_row() {
    let store = SqliteStore::open_with_key("sqlite::memory:", Some(SecretKey::generate()))
        .await
        .unwrap();
    let (_org, ids, _saved) = fill(&store).await;
    for sql in [
        "UPDATE oauth_apps SET secret = (SELECT secret FROM oauth_apps WHERE id = ?1) \
         WHERE id = ?2",
        "UPDATE connections SET secret = (SELECT secret FROM connections WHERE state_hash = ?3) \
         WHERE state_hash = ?4",
    ] {
        sqlx::query(sql)
            .bind(ids[0].0)
            .bind(ids[1].0)
            .bind(state(0))
            .bind(state(1))
            .execute(&store.pool)
            .await
            .unwrap();
    }
    let err = store.app_by_id(ids[1]).await.unwrap_err();
    assert!(
        matches!(err, SqliteStoreError::SecretKeyWrong(SecretOwner::App(_))),
        "{err}"
    );
    assert!(
        store.app_by_id(ids[0]).await.is_ok(),
        "the original still opens"
    );
    let err = store.take_connection_row(&state(1)).await.unwrap_err();
    assert!(matches!(err, SqliteStoreError::SecretKeyWrong(_)), "{err}");
    // An app's blob on a connection row.
    sqlx::query(
        "UPDATE connections SET secret = (SELECT secret FROM oauth_apps WHERE id = ?) \
         WHERE state_hash = ?",
    )
    .bind(ids[0].0)
    .bind(state(2))
    .execute(&store.pool)
    .await
    .unwrap();
    let err = store.take_connection_row(&state(2)).await.unwrap_err();
    assert!(matches!(err, SqliteStoreError::SecretKeyWrong(_)), "{err}");
    assert!(store
        .take_connection_row(&state(0))
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn rotation_reseals_apps_and_connections_too() {
    let dir = tempfile::tempdir().unwrap();
    let url = url_of(&dir);
    let plain = SqliteStore::open(&url).await.unwrap();
    let (_org, ids, saved) = fill(&plain).await;
    let key = SecretKey::generate();
    assert_eq!(plain.rotate_secrets(Some(&key)).await.unwrap(), 5);
    plain.pool.close().await;
    assert_eq!(secrets_on_disk(&dir), Vec::<&str>::new());

    let sealed = SqliteStore::open_with_key(&url, Some(key)).await.unwrap();
    assert_eq!(
        sealed.secrets_report().await.unwrap(),
        SecretsReport {
            sealed: 5,
            plain: 0
        }
    );
    assert_reads_back(&sealed, &ids, &saved).await;
    assert_eq!(sealed.rotate_secrets(None).await.unwrap(), 5);
    sealed.pool.close().await;

    let back = SqliteStore::open(&url).await.unwrap();
    assert_reads_back(&back, &ids, &saved).await;
}

#[tokio::test]
async fn corrupt_app_and_connection_rows_are_errors_not_panics() {
    let store = super::memory().await;
    let (_org, ids, _saved) = fill(&store).await;
    let cases = [
        (
            "UPDATE oauth_apps SET kind = 'gitlab' WHERE id = ?1",
            "unknown kind",
        ),
        (
            "UPDATE oauth_apps SET base_url = 'not a url' WHERE id = ?1",
            "app",
        ),
        (
            "UPDATE oauth_apps SET secret = 'plain:v1:{}' WHERE id = ?1",
            "has no secret",
        ),
    ];
    for (sql, want) in cases {
        let fresh = super::memory().await;
        let (_o, ids, _s) = fill(&fresh).await;
        sqlx::query(sql)
            .bind(ids[0].0)
            .execute(&fresh.pool)
            .await
            .unwrap();
        let err = fresh.app_by_id(ids[0]).await.unwrap_err();
        assert!(err.to_string().contains(want), "{sql}: {err}");
        let port = fresh.app(ids[0]).await.unwrap_err();
        assert!(matches!(port, StoreError::Unusable(_)), "{port:?}");
    }
    let cases = [
        (
            "UPDATE connections SET stage = 'later' WHERE state_hash = ?1",
            "unknown stage",
        ),
        (
            "UPDATE connections SET request_token = NULL WHERE state_hash = ?1",
            "request token",
        ),
        (
            "UPDATE connections SET sites = '{}' WHERE state_hash = ?1",
            "list of sites",
        ),
        (
            "UPDATE connections SET secret = 'plain:v1:{}' WHERE state_hash = ?1",
            "has no",
        ),
    ];
    for (n, (sql, want)) in cases.into_iter().enumerate() {
        // The stage each statement breaks: authorize1 for the request token, choose_site
        // for the sites; any for the others.
        let at = match n {
            1 => 1,
            2 | 3 => 2,
            _ => 0,
        };
        sqlx::query(sql)
            .bind(state(at))
            .execute(&store.pool)
            .await
            .unwrap();
        let err = store.take_connection_row(&state(at)).await.unwrap_err();
        assert!(err.to_string().contains(want), "{sql}: {err}");
        assert!(
            !err.to_string().contains(&state(at)),
            "no whole state hash: {err}"
        );
        sqlx::query("DELETE FROM connections WHERE state_hash = ?")
            .bind(state(at))
            .execute(&store.pool)
            .await
            .unwrap();
        let connection = PendingConnection {
            org: OrgId(1),
            app: ids[0],
            return_url: "https://x".into(),
            expires_at: 1,
            stage: stages()[at].clone(),
        };
        store
            .save_connection(&state(at), &connection)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn saving_for_an_unknown_org_or_app_says_which() {
    let store = super::memory().await;
    let (org, ids, _saved) = fill(&store).await;
    let connection = |org, app| PendingConnection {
        org,
        app,
        return_url: "https://x".into(),
        expires_at: 1,
        stage: stages()[0].clone(),
    };
    let err = store
        .insert_connection(&state(9), &connection(OrgId(99), ids[0]))
        .await
        .unwrap_err();
    assert!(matches!(err, SqliteStoreError::UnknownOrg(99)), "{err}");
    let err = store
        .insert_connection(&state(9), &connection(org, AppId(99)))
        .await
        .unwrap_err();
    assert!(matches!(err, SqliteStoreError::UnknownApp(99)), "{err}");
    assert_eq!(err.to_string(), "app 99 does not exist");
    assert_eq!(super::count(&store, "connections").await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_callbacks_racing_for_a_state_exactly_one_gets_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open_with_key(&url_of(&dir), Some(SecretKey::generate()))
            .await
            .unwrap(),
    );
    let (_org, _ids, saved) = fill(&store).await;
    for round in 0..10 {
        let hash = state(0);
        store
            .save_connection(&hash, &saved[round % 3])
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let store = Arc::clone(&store);
            let hash = hash.clone();
            tasks.push(tokio::spawn(
                async move { store.take_connection(&hash).await },
            ));
        }
        let mut got = 0;
        for t in tasks {
            if let Some(taken) = t.await.unwrap().unwrap() {
                assert_eq!(taken, saved[round % 3]);
                got += 1;
            }
        }
        assert_eq!(
            got, 1,
            "round {round}: exactly one callback takes the state"
        );
    }
}
