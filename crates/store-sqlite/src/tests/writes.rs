//! Writes: atomic (the table counts), links made outside the ports, concurrent writers.

use domain::token::StoredToken;
use domain::{AdminStore, IntegrationStore, OrgId, StoreError};

use super::{basic, count, file_store, memory, pat, slug, tok, SECRET};
use crate::SqliteStoreError;

#[tokio::test]
async fn writes_for_an_unknown_org_leave_no_row() {
    let (_dir, store) = file_store().await;
    let err = store
        .add_integration(OrgId(42), &pat("j"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unusable(_)), "{err:?}");
    assert!(format!("{err:?}").contains("UnknownOrg(42)"), "{err:?}");
    assert!(!format!("{err:?}").contains(SECRET));
    let err = store
        .insert_token(OrgId(42), &StoredToken::of(&tok(1)))
        .await
        .unwrap_err();
    assert!(matches!(err, SqliteStoreError::UnknownOrg(42)), "{err}");
    for table in ["integrations", "org_integrations", "api_tokens"] {
        assert_eq!(count(&store, table).await, 0, "{table}");
    }
}

#[tokio::test]
async fn removing_cascades_to_the_links() {
    let store = memory().await;
    let org = store.create_org(&slug("acme")).await.unwrap().unwrap();
    let a = store.add_integration(org.id, &pat("a")).await.unwrap();
    store.add_integration(org.id, &pat("b")).await.unwrap();
    assert_eq!(count(&store, "org_integrations").await, 2);
    assert!(store.remove_integration(a).await.unwrap());
    assert_eq!(count(&store, "integrations").await, 1);
    assert_eq!(count(&store, "org_integrations").await, 1);
}

/// No port links an integration to a second org yet; a row made by hand (as a later
/// `integration link` would) is listed and found from both orgs.
#[tokio::test]
async fn an_integration_linked_to_several_orgs_lists_them_by_id() {
    let store = memory().await;
    let zeta = store.create_org(&slug("zeta")).await.unwrap().unwrap();
    let alpha = store.create_org(&slug("alpha")).await.unwrap().unwrap();
    let a = store.add_integration(alpha.id, &pat("a")).await.unwrap();
    let b = store.add_integration(alpha.id, &basic("b")).await.unwrap();
    sqlx::query("INSERT INTO org_integrations (org_id, integration_id) VALUES (?, ?)")
        .bind(zeta.id.0)
        .bind(a.0)
        .execute(&store.pool)
        .await
        .unwrap();
    let all = store.list_integrations(None).await.unwrap();
    let orgs: Vec<_> = all.iter().map(|s| (s.id, s.orgs.clone())).collect();
    assert_eq!(
        orgs,
        vec![
            (a, vec![zeta.slug.clone(), alpha.slug.clone()]),
            (b, vec![alpha.slug.clone()]),
        ]
    );
    let of_zeta = store.list_integrations(Some(zeta.id)).await.unwrap();
    assert_eq!(of_zeta.iter().map(|s| s.id).collect::<Vec<_>>(), vec![a]);
    for org in [zeta.id, alpha.id] {
        assert!(store.linked_integration(org, a).await.unwrap().is_some());
    }
    assert!(store
        .linked_integration(zeta.id, b)
        .await
        .unwrap()
        .is_none());
    // Removed, it is gone from both.
    assert!(store.remove_integration(a).await.unwrap());
    assert_eq!(count(&store, "org_integrations").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_all_succeed() {
    let (_dir, store) = file_store().await;
    let hub = store.create_org(&slug("hub")).await.unwrap().unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let org = store
                .create_org(&slug(&format!("org-{i}")))
                .await?
                .expect("a new slug");
            store
                .add_integration(org.id, &pat(&format!("i{i}")))
                .await?;
            let added = store.add_token(hub.id, &StoredToken::of(&tok(i))).await?;
            let revoked = store
                .revoke_token(&domain::admin::revoke_selector(&tok(i)).unwrap())
                .await?;
            Ok::<_, StoreError>((added, revoked))
        }));
    }
    for t in tasks {
        let (added, revoked) = t.await.unwrap().unwrap();
        assert!(added);
        assert_eq!(revoked, domain::ports::RevokeOutcome::Revoked);
    }
    assert_eq!(store.list_orgs().await.unwrap().len(), 21);
    assert_eq!(count(&store, "integrations").await, 20);
    assert_eq!(count(&store, "org_integrations").await, 20);
    assert_eq!(count(&store, "api_tokens").await, 20);
}

/// Compiles only if the adapter's own futures are `Send` (the CLI and the server await
/// them on a multi-threaded runtime). The ports' futures are `Send` by their signatures.
#[allow(dead_code)]
fn the_adapters_own_futures_are_send(store: &crate::SqliteStore) {
    fn send<T: Send>(_: T) {}
    send(crate::SqliteStore::open("sqlite::memory:"));
    send(store.secrets_report());
    send(store.rotate_secrets(None));
    send(store.backup_to(std::path::Path::new("x")));
}
