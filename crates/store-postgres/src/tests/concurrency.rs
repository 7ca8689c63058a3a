//! Writers racing, as two replicas (two pools on one database) or many tasks: each race
//! ends in one of the outcomes the ports document, never in a database error.

use std::collections::BTreeSet;

use domain::admin::revoke_selector;
use domain::model::{AppKind, ConnectionStage, NewApp, PendingConnection};
use domain::ports::RevokeOutcome;
use domain::token::StoredToken;
use domain::{AdminStore, CredentialUpdates, Credentials, OrgId, Secret, StoreError};

use super::{oauth2, pat, slug, tok, Db, SECRET};
use crate::{PgStore, PgStoreError};

/// Two stores on one database, as two replicas.
async fn two_replicas() -> (Db, PgStore) {
    let db = Db::new().await;
    let other = db.replica(None).await;
    (db, other)
}

/// Runs `op` on both replicas at once, `times` times each, and gives every outcome.
async fn race<T, F, Fut>(a: &PgStore, b: &PgStore, times: usize, op: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(PgStore, usize) -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
{
    let tasks: Vec<_> = (0..times)
        .flat_map(|i| [(a.clone(), 2 * i), (b.clone(), 2 * i + 1)])
        .map(|(store, i)| tokio::spawn(op(store, i)))
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap().unwrap_or_else(|e| panic!("{e:?}")));
    }
    outcomes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_replicas_creating_the_same_slug_exactly_one_wins() {
    let (db, other) = two_replicas().await;
    for round in 0..5 {
        let s = format!("org-{round}");
        let made = race(&db.store, &other, 4, move |store, _| {
            let s = slug(&s);
            async move { store.create_org(&s).await }
        })
        .await;
        let won: Vec<_> = made.iter().flatten().collect();
        assert_eq!(won.len(), 1, "round {round}: {made:?}");
    }
    assert_eq!(db.count("orgs").await, 5);
    other.close().await;
    db.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_all_succeed() {
    let (db, other) = two_replicas().await;
    let hub = db.store.create_org(&slug("hub")).await.unwrap().unwrap();
    let outcomes = race(&db.store, &other, 10, move |store, i| async move {
        let org = store
            .create_org(&slug(&format!("org-{i}")))
            .await?
            .expect("a new slug");
        store
            .add_integration(org.id, &pat(&format!("i{i}")))
            .await?;
        let n = u8::try_from(i).unwrap();
        let added = store.add_token(hub.id, &StoredToken::of(&tok(n))).await?;
        let revoked = store
            .revoke_token(&revoke_selector(&tok(n)).unwrap())
            .await?;
        Ok((added, revoked))
    })
    .await;
    assert!(outcomes
        .iter()
        .all(|o| *o == (true, RevokeOutcome::Revoked)));
    assert_eq!(db.count("orgs").await, 21);
    assert_eq!(db.count("integrations").await, 20);
    assert_eq!(db.count("org_integrations").await, 20);
    assert_eq!(db.count("api_tokens").await, 20);
    other.close().await;
    db.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_replicas_revoking_one_token_exactly_one_revokes_it() {
    let (db, other) = two_replicas().await;
    let org = db.store.create_org(&slug("acme")).await.unwrap().unwrap();
    for n in 0..5u8 {
        db.store
            .add_token(org.id, &StoredToken::of(&tok(n)))
            .await
            .unwrap();
        let outcomes = race(&db.store, &other, 3, move |store, _| async move {
            store.revoke_token(&revoke_selector(&tok(n)).unwrap()).await
        })
        .await;
        let revoked = outcomes
            .iter()
            .filter(|o| **o == RevokeOutcome::Revoked)
            .count();
        assert_eq!(revoked, 1, "token {n}: {outcomes:?}");
        assert!(outcomes
            .iter()
            .all(|o| matches!(o, RevokeOutcome::Revoked | RevokeOutcome::NotFound)));
    }
    other.close().await;
    db.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_callbacks_racing_for_a_state_exactly_one_gets_it() {
    let (db, other) = two_replicas().await;
    let org = db.store.create_org(&slug("acme")).await.unwrap().unwrap();
    let app = db
        .store
        .add_app(&NewApp {
            kind: AppKind::DcOAuth2,
            base_url: Some(domain::BaseUrl::parse("https://jira.example.com", false).unwrap()),
            client_id: "client".into(),
            secret: Secret::new("s"),
            public_key_pem: None,
            verify_tls: true,
        })
        .await
        .unwrap();
    for round in 0..5 {
        let state = format!("{round:064x}");
        let connection = PendingConnection {
            org: org.id,
            app,
            return_url: "https://app.example.com/done".into(),
            expires_at: 4_000_000_000,
            stage: ConnectionStage::Authorize {
                pkce_verifier: Some(Secret::new("verifier")),
            },
        };
        db.store.save_connection(&state, &connection).await.unwrap();
        let taken = race(&db.store, &other, 3, move |store, _| {
            let state = state.clone();
            async move { store.take_connection(&state).await }
        })
        .await;
        let got: Vec<_> = taken.into_iter().flatten().collect();
        assert_eq!(got, [connection], "round {round}");
    }
    other.close().await;
    db.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consents_finishing_together_connect_one_integration() {
    let (db, other) = two_replicas().await;
    let org = db.store.create_org(&slug("acme")).await.unwrap().unwrap();
    let outcomes = race(&db.store, &other, 4, move |store, i| async move {
        store
            .connect_integration(org.id, &oauth2(&format!("c{i}"), &format!("r{i}")))
            .await
    })
    .await;
    let ids: BTreeSet<_> = outcomes.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids.len(), 1, "{outcomes:?}");
    let added = outcomes.iter().filter(|(_, updated)| !updated).count();
    assert_eq!(added, 1, "{outcomes:?}");
    assert_eq!(db.count("integrations").await, 1);
    other.close().await;
    db.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tokens_saved_at_once_are_all_kept_in_turn_and_the_last_wins() {
    let (db, other) = two_replicas().await;
    let org = db.store.create_org(&slug("acme")).await.unwrap().unwrap();
    let id = db
        .store
        .add_integration(org.id, &oauth2("o", "r0"))
        .await
        .unwrap();
    let saved = race(&db.store, &other, 8, move |store, i| async move {
        store
            .save_refresh_token(id, &Secret::new(format!("r{}", i + 1)))
            .await
    })
    .await;
    assert_eq!(saved.len(), 16);
    let Credentials::OAuth2 {
        refresh_token,
        client_secret,
        ..
    } = db.store.integration(id).await.unwrap().unwrap().credentials
    else {
        panic!("oauth2 expected");
    };
    // Each save read the row after the one before it: the client secret survived all of
    // them, and the token is one of those saved.
    assert_eq!(client_secret.expose(), "oauth2-client-secret-3b4c");
    let n: usize = refresh_token.expose()[1..].parse().unwrap();
    assert!((1..=16).contains(&n), "{}", refresh_token.expose());
    other.close().await;
    db.remove().await;
}

#[tokio::test]
async fn writes_for_an_unknown_or_deleted_org_leave_no_row() {
    let db = Db::new().await;
    let err = db
        .store
        .add_integration(OrgId(42), &pat("j"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unusable(_)), "{err:?}");
    assert!(format!("{err:?}").contains("UnknownOrg(42)"), "{err:?}");
    assert!(!format!("{err:?}").contains(SECRET));
    let err = db
        .store
        .insert_token(OrgId(42), &StoredToken::of(&tok(1)))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            PgStoreError::Store(store_common::Error::UnknownOrg(42))
        ),
        "{err}"
    );
    let err = db
        .store
        .connect_integration(OrgId(42), &pat("j"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unusable(_)), "{err:?}");
    for table in ["integrations", "org_integrations", "api_tokens"] {
        assert_eq!(db.count(table).await, 0, "{table}");
    }
    db.remove().await;
}
