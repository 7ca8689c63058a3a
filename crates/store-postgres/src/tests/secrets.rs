//! Secrets at rest: sealed with a key (the raw columns hold no secret), refused without it
//! or with another, rotated (plain → key → another key → plain) for every kind of row, and
//! the refresh token of OAuth 2.0 replaced in place.

use domain::browser_token::NewSigningKey;
use domain::model::{AppKind, CloudSite, ConnectionStage, NewApp, PendingConnection};
use domain::{
    AdminStore, CredentialUpdates, Credentials, IntegrationStore, OrgId, Secret, SigningKeyStore,
    StoreError,
};
use store_common::Error;

use super::{oauth2, pat, slug, Db, SECRET};
use crate::{PgStore, PgStoreError, SecretKey, SecretOwner, SecretsReport};

const REFRESH: &str = "oauth2-refresh-token-5d6e";
const APP_SECRET: &str = "app-client-secret-77aa";
const SIGNING_SECRET: &str = "jss_signing-secret-88bb";
const SITE_TOKEN: &str = "site-refresh-token-99cc";

/// Every secret the rows below hold.
const SECRETS: [&str; 5] = [SECRET, REFRESH, APP_SECRET, SIGNING_SECRET, SITE_TOKEN];

/// An org with an integration of two kinds, an app, a connection in flight and a signing
/// key: one secret bundle in each table. Returns the org.
async fn fill(store: &PgStore) -> OrgId {
    let org = store.create_org(&slug("acme")).await.unwrap().unwrap();
    store.add_integration(org.id, &pat("p")).await.unwrap();
    store
        .add_integration(org.id, &oauth2("o", REFRESH))
        .await
        .unwrap();
    let app = store
        .add_app(&NewApp {
            kind: AppKind::Atlassian3lo,
            base_url: None,
            client_id: "client".into(),
            secret: Secret::new(APP_SECRET),
            public_key_pem: None,
            verify_tls: true,
        })
        .await
        .unwrap();
    let stage = ConnectionStage::ChooseSite {
        refresh_token: Secret::new(SITE_TOKEN),
        sites: vec![CloudSite {
            id: "1".into(),
            url: "https://acme.atlassian.net".into(),
            name: "acme".into(),
        }],
    };
    let connection = PendingConnection {
        org: org.id,
        app,
        return_url: "https://app.example.com/done".into(),
        expires_at: 4_000_000_000,
        stage,
    };
    store
        .save_connection(&"ab".repeat(32), &connection)
        .await
        .unwrap();
    let key = NewSigningKey {
        id: "jsk_000000000001".into(),
        name: None,
        secret: Secret::new(SIGNING_SECRET),
    };
    store.add_signing_key(org.id, &key).await.unwrap().unwrap();
    org.id
}

/// Every secret column, in every table.
async fn raw(db: &Db) -> Vec<String> {
    let mut all = Vec::new();
    for table in ["integrations", "oauth_apps", "connections", "signing_keys"] {
        all.extend(db.raw_secrets(table).await);
    }
    all
}

/// The secrets readable in clear in the raw columns.
async fn in_clear(db: &Db) -> Vec<&'static str> {
    let raw = raw(db).await.join("\n");
    SECRETS.into_iter().filter(|s| raw.contains(s)).collect()
}

/// Reads every row back through the ports (each secret opened).
async fn reads_back(store: &PgStore, org: OrgId) {
    let listed = store.list_integrations(Some(org)).await.unwrap();
    assert_eq!(listed.len(), 2);
    let o = store
        .linked_integration(org, listed[1].id)
        .await
        .unwrap()
        .unwrap();
    let Credentials::OAuth2 { refresh_token, .. } = o.credentials else {
        panic!("oauth2 expected");
    };
    assert_eq!(refresh_token.expose(), REFRESH);
    let apps = store.list_apps().await.unwrap();
    let app = store.app(apps[0].id).await.unwrap().unwrap();
    assert_eq!(app.secret.expose(), APP_SECRET);
    let keys = store.active_signing_keys().await.unwrap();
    assert_eq!(keys[0].secret.expose(), SIGNING_SECRET);
}

#[tokio::test]
async fn secrets_are_sealed_at_rest_with_a_key_and_refused_without_it_or_with_another() {
    let key = SecretKey::generate();
    let db = Db::with_key(Some(key.clone())).await;
    let org = fill(&db.store).await;
    assert_eq!(in_clear(&db).await, Vec::<&str>::new());
    assert!(raw(&db).await.iter().all(|s| s.starts_with("sealed:v1:")));
    reads_back(&db.store, org).await;
    let report = db.store.secrets_report().await.unwrap();
    assert_eq!(
        report,
        SecretsReport {
            sealed: 5,
            plain: 0
        }
    );

    let without = db.replica(None).await;
    let err = without.secrets_report().await.unwrap_err();
    assert!(
        matches!(
            err,
            PgStoreError::Store(Error::SecretKeyMissing(SecretOwner::Integration(_)))
        ),
        "{err}"
    );
    let port = without.list_integrations(None).await.unwrap()[0].id;
    let err = without.linked_integration(org, port).await.unwrap_err();
    assert!(matches!(err, StoreError::Unusable(_)), "{err:?}");

    let other = db.replica(Some(SecretKey::generate())).await;
    let err = other.secrets_report().await.unwrap_err();
    assert!(
        matches!(
            err,
            PgStoreError::Store(Error::SecretKeyWrong(SecretOwner::Integration(_)))
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("not the key they were sealed with"),
        "{err}"
    );
    let err = other.active_signing_keys().await.unwrap_err();
    assert!(matches!(err, StoreError::Unusable(_)), "{err:?}");
    for store in [without, other] {
        store.close().await;
    }
    db.remove().await;
}

#[tokio::test]
async fn rotation_seals_reseals_and_unseals_every_kind_of_row() {
    let db = Db::new().await;
    let org = fill(&db.store).await;
    assert_eq!(in_clear(&db).await, SECRETS);
    assert_eq!(
        db.store.secrets_report().await.unwrap(),
        SecretsReport {
            sealed: 0,
            plain: 5
        }
    );

    let (k1, k2) = (SecretKey::generate(), SecretKey::generate());
    assert_eq!(db.store.rotate_secrets(Some(&k1)).await.unwrap(), 5);
    assert_eq!(in_clear(&db).await, Vec::<&str>::new());
    let sealed_by_k1 = raw(&db).await;
    let with_k1 = db.replica(Some(k1.clone())).await;
    reads_back(&with_k1, org).await;
    assert_eq!(
        with_k1.secrets_report().await.unwrap(),
        SecretsReport {
            sealed: 5,
            plain: 0
        }
    );

    // The plain store cannot rotate sealed rows; nothing changes.
    let err = db.store.rotate_secrets(Some(&k2)).await.unwrap_err();
    assert!(
        matches!(err, PgStoreError::Store(Error::SecretKeyMissing(_))),
        "{err}"
    );
    let wrong = db.replica(Some(k2.clone())).await;
    let err = wrong.rotate_secrets(None).await.unwrap_err();
    assert!(
        matches!(err, PgStoreError::Store(Error::SecretKeyWrong(_))),
        "{err}"
    );
    assert_eq!(
        raw(&db).await,
        sealed_by_k1,
        "a failed rotation changes nothing"
    );

    assert_eq!(with_k1.rotate_secrets(Some(&k2)).await.unwrap(), 5);
    let now = raw(&db).await;
    assert!(now.iter().zip(&sealed_by_k1).all(|(a, b)| a != b));
    reads_back(&wrong, org).await;
    assert!(
        with_k1.secrets_report().await.is_err(),
        "k1 opens nothing now"
    );

    assert_eq!(wrong.rotate_secrets(None).await.unwrap(), 5);
    assert_eq!(in_clear(&db).await, SECRETS);
    reads_back(&db.store, org).await;
    for store in [with_k1, wrong] {
        store.close().await;
    }
    db.remove().await;
}

#[tokio::test]
async fn a_sealed_blob_copied_to_another_row_does_not_open() {
    let key = SecretKey::generate();
    let db = Db::with_key(Some(key)).await;
    let org = db.store.create_org(&slug("acme")).await.unwrap().unwrap();
    let a = db.store.add_integration(org.id, &pat("a")).await.unwrap();
    let b = db.store.add_integration(org.id, &pat("b")).await.unwrap();
    sqlx::query("UPDATE integrations SET secret = (SELECT secret FROM integrations WHERE id = $1) WHERE id = $2")
        .bind(a.0)
        .bind(b.0)
        .execute(&db.store.pool)
        .await
        .unwrap();
    assert!(db
        .store
        .linked_integration(org.id, a)
        .await
        .unwrap()
        .is_some());
    let err = db.store.integration_linked_to(org.id, b).await.unwrap_err();
    assert!(
        matches!(err, PgStoreError::Store(Error::SecretKeyWrong(SecretOwner::Integration(id))) if id == b.0),
        "{err}"
    );
    db.remove().await;
}

#[tokio::test]
async fn refresh_tokens_are_replaced_in_place_and_refused_elsewhere() {
    let db = Db::with_key(Some(SecretKey::generate())).await;
    let org = db.store.create_org(&slug("acme")).await.unwrap().unwrap();
    let p = db.store.add_integration(org.id, &pat("p")).await.unwrap();
    let o = db
        .store
        .add_integration(org.id, &oauth2("o", REFRESH))
        .await
        .unwrap();
    db.store
        .save_refresh_token(o, &Secret::new("rotated-refresh-token"))
        .await
        .unwrap();
    let Credentials::OAuth2 {
        refresh_token,
        client_secret,
        ..
    } = db.store.integration(o).await.unwrap().unwrap().credentials
    else {
        panic!("oauth2 expected");
    };
    assert_eq!(refresh_token.expose(), "rotated-refresh-token");
    assert_eq!(client_secret.expose(), "oauth2-client-secret-3b4c");
    assert!(!raw(&db).await.join("").contains("rotated-refresh-token"));

    let err = db
        .store
        .replace_refresh_token(p, &Secret::new("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, PgStoreError::Store(Error::NoRefreshToken { id, method: domain::AuthMethod::Pat }) if id == p.0),
        "{err}"
    );
    let ghost = domain::IntegrationId(o.0 + 1000);
    let err = db
        .store
        .replace_refresh_token(ghost, &Secret::new("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, PgStoreError::Store(Error::IntegrationNotFound(_))),
        "{err}"
    );
    db.remove().await;
}
