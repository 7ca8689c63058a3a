//! The renewal lease on SQLite: the tokens stored sealed in the integration's bundle, kept
//! by `secret-key rotate`, forgotten by new credentials; a lease whose credentials were
//! replaced meanwhile stores nothing; clones of the store share the lock.

use std::time::Duration;

use domain::ports::SharedAccessToken;
use domain::{AdminStore, BaseUrl, CredentialUpdates, Credentials, NewIntegration, Provider};
use domain::{IntegrationId, Secret, StoreError};

use super::{name, slug, url_in};
use crate::{SecretKey, SqliteStore};

const ACCESS: &str = "shared-access-token-5e1f";

fn oauth2(refresh: &str) -> NewIntegration {
    NewIntegration {
        provider: Provider::JiraCloud,
        name: name("o"),
        base_url: BaseUrl::parse("https://acme.atlassian.net", false).unwrap(),
        verify_tls: true,
        credentials: Credentials::OAuth2 {
            client_id: "client".into(),
            token_url: "https://auth.example.com/oauth/token".into(),
            client_secret: Secret::new("client-secret-9a8b"),
            refresh_token: Secret::new(refresh),
        },
    }
}

fn access(token: &str) -> SharedAccessToken {
    SharedAccessToken {
        token: Secret::new(token),
        valid_until: 4_000_000_000,
    }
}

async fn raw_secret(store: &SqliteStore, id: IntegrationId) -> String {
    sqlx::query_scalar("SELECT secret FROM integrations WHERE id = ?")
        .bind(id.0)
        .fetch_one(&store.pool)
        .await
        .unwrap()
}

async fn with_oauth2(store: &SqliteStore) -> IntegrationId {
    let org = store.create_org(&slug("acme")).await.unwrap().unwrap();
    store
        .add_integration(org.id, &oauth2("refresh-0"))
        .await
        .unwrap()
}

#[tokio::test]
async fn renewed_tokens_are_sealed_and_survive_a_key_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let (key1, key2) = (SecretKey::generate(), SecretKey::generate());
    let store = SqliteStore::open_with_key(&url_in(&dir), Some(key1))
        .await
        .unwrap();
    let id = with_oauth2(&store).await;
    let lease = store.begin_renewal(id).await.unwrap();
    lease
        .finish(Some(Secret::new("refresh-1")), access(ACCESS))
        .await
        .unwrap();
    let raw = raw_secret(&store, id).await;
    assert!(raw.starts_with("sealed:v1:"), "{raw}");
    assert!(!raw.contains(ACCESS) && !raw.contains("refresh-1"));

    store.rotate_secrets(Some(&key2)).await.unwrap();
    let rotated = SqliteStore::open_with_key(&url_in(&dir), Some(key2))
        .await
        .unwrap();
    let lease = rotated.begin_renewal(id).await.unwrap();
    assert_eq!(lease.refresh_token().expose(), "refresh-1");
    assert_eq!(lease.access(), Some(&access(ACCESS)));
}

#[tokio::test]
async fn a_lease_whose_credentials_were_replaced_stores_nothing() {
    let (_dir, store) = super::file_store().await;
    let id = with_oauth2(&store).await;
    let lease = store.begin_renewal(id).await.unwrap();
    // A new consent while the token endpoint is asked (SQLite does not make it wait).
    let replaced = oauth2("refresh-of-a-new-consent").credentials;
    assert!(store.replace_credentials(id, &replaced).await.unwrap());
    let err = lease
        .finish(
            Some(Secret::new("refresh-of-the-old-grant")),
            access(ACCESS),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    let text = domain::error_chain(&err);
    assert!(
        text.contains("replaced during its OAuth 2.0 renewal"),
        "{text}"
    );
    assert!(
        !text.contains("refresh-") && !text.contains(ACCESS),
        "{text}"
    );
    let lease = store.begin_renewal(id).await.unwrap();
    assert_eq!(lease.refresh_token().expose(), "refresh-of-a-new-consent");
    assert_eq!(lease.access(), None);
}

#[tokio::test]
async fn clones_of_the_store_share_the_lock() {
    let (_dir, store) = super::file_store().await;
    let id = with_oauth2(&store).await;
    let clone = store.clone();
    let held = store.begin_renewal(id).await.unwrap();
    let waiting = tokio::time::timeout(Duration::from_millis(200), clone.begin_renewal(id));
    assert!(waiting.await.is_err(), "the clone waits for the lease");
    drop(held);
    let given = tokio::time::timeout(Duration::from_secs(5), clone.begin_renewal(id));
    assert_eq!(
        given.await.unwrap().unwrap().refresh_token().expose(),
        "refresh-0"
    );
}
