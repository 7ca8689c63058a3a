//! Signing keys at rest: the secret sealed bound to its key id, opened only with the store's
//! key, re-sealed by a rotation, and emptied by a revocation.

use domain::browser_token::NewSigningKey;
use domain::{AdminStore, Secret, SigningKeyStore};

use super::slug;
use crate::{SecretKey, SecretOwner, SecretsReport, SqliteStore, SqliteStoreError};

const KEY_SECRET: &str = "jss_5ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e75ec2e7";

fn new_key(id: &str) -> NewSigningKey {
    NewSigningKey {
        id: id.into(),
        name: None,
        secret: Secret::new(KEY_SECRET),
    }
}

async fn raw(store: &SqliteStore) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as("SELECT key_id, secret, revoked_at FROM signing_keys ORDER BY id")
        .fetch_all(&store.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn signing_secrets_are_sealed_rotated_and_emptied_on_revocation() {
    let dir = tempfile::tempdir().unwrap();
    let url = super::url_in(&dir);
    let (key1, key2) = (SecretKey::generate(), SecretKey::generate());
    let store = SqliteStore::open_with_key(&url, Some(key1.clone()))
        .await
        .unwrap();
    let org = store.create_org(&slug("acme")).await.unwrap().unwrap();
    for id in ["jsk_000000000001", "jsk_000000000002"] {
        assert!(store
            .add_signing_key(org.id, &new_key(id))
            .await
            .unwrap()
            .is_some());
    }
    for (_, secret, _) in raw(&store).await {
        assert!(
            secret.starts_with("sealed:v1:") && !secret.contains(KEY_SECRET),
            "{secret}"
        );
    }
    let active = store.active_signing_keys().await.unwrap();
    assert_eq!(active.len(), 2);
    assert!(active.iter().all(|k| k.secret.expose() == KEY_SECRET));
    assert_eq!(
        store.secrets_report().await.unwrap(),
        SecretsReport {
            sealed: 2,
            plain: 0
        }
    );

    // Revoked: the row stays, its secret does not, and no report or rotation reads it.
    assert!(store.revoke_signing_key("jsk_000000000001").await.unwrap());
    let rows = raw(&store).await;
    assert_eq!((rows[0].1.as_str(), rows[0].2.is_some()), ("", true));
    assert_eq!(
        store.secrets_report().await.unwrap(),
        SecretsReport {
            sealed: 1,
            plain: 0
        }
    );
    assert_eq!(store.rotate_secrets(Some(&key2)).await.unwrap(), 1);

    // The old key no longer opens it; the new one does.
    let old = SqliteStore::open_with_key(&url, Some(key1)).await.unwrap();
    let err = old.every_active_signing_key().await.unwrap_err();
    assert!(
        matches!(&err, SqliteStoreError::SecretKeyWrong(SecretOwner::SigningKey(id)) if id == "jsk_000000000002"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("signing key jsk_000000000002"),
        "{err}"
    );
    let new = SqliteStore::open_with_key(&url, Some(key2)).await.unwrap();
    let active = new.active_signing_keys().await.unwrap();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].secret.expose(), KEY_SECRET);

    // A sealed secret copied onto another key's row does not open there.
    let sealed = raw(&new).await[1].1.clone();
    assert!(new
        .add_signing_key(org.id, &new_key("jsk_000000000003"))
        .await
        .unwrap()
        .is_some());
    sqlx::query("UPDATE signing_keys SET secret = ? WHERE key_id = 'jsk_000000000003'")
        .bind(sealed)
        .execute(&new.pool)
        .await
        .unwrap();
    assert!(matches!(
        new.every_active_signing_key().await,
        Err(SqliteStoreError::SecretKeyWrong(SecretOwner::SigningKey(_)))
    ));
}
