//! The memo of the hot path: answers from memory until any process changes the database.

use domain::admin::revoke_selector;
use domain::token::{hash_token, StoredToken};
use domain::{AdminStore, IntegrationStore, OrgRef};

use super::{file_store, memory, pat, slug, tok, url_in};
use crate::SqliteStore;

#[tokio::test]
async fn lookups_come_from_memory_until_another_process_changes_the_database() {
    let (dir, store) = file_store().await;
    let org = store.create_org(&slug("acme")).await.unwrap().unwrap();
    let id = store.add_integration(org.id, &pat("a")).await.unwrap();
    let t = tok(0x33);
    assert!(store.add_token(org.id, &StoredToken::of(&t)).await.unwrap());
    let h = hash_token(&t);
    let lookups = |s: &SqliteStore| {
        let (s, h) = (s.clone(), h.clone());
        async move {
            (
                s.org_for_token_hash(&h).await.unwrap(),
                s.find_org(&OrgRef::Slug("acme".into()))
                    .await
                    .unwrap()
                    .map(|o| o.id),
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
    let other = SqliteStore::open(&url_in(&dir)).await.unwrap();
    let revoked = other
        .revoke_token(&revoke_selector(&t).unwrap())
        .await
        .unwrap();
    assert_eq!(revoked, domain::ports::RevokeOutcome::Revoked);
    assert_eq!(store.org_for_token_hash(&h).await.unwrap(), None);
    assert!(other.set_integration_enabled(id, false).await.unwrap());
    let found = store.linked_integration(org.id, id).await.unwrap().unwrap();
    assert!(
        !found.enabled,
        "a disabled integration was served from memory"
    );
    assert!(other.remove_integration(id).await.unwrap());
    assert_eq!(store.linked_integration(org.id, id).await.unwrap(), None);
    // Unknown tokens and orgs are answered from memory like known ones: the whole
    // directory of orgs and active tokens is held, however many made-up names are asked.
    let unknown = hash_token(&tok(0x44));
    // The database moved: the first lookup reads the directory again.
    assert_eq!(store.org_for_token_hash(&unknown).await.unwrap(), None);
    let before = store.memo_hits();
    for _ in 0..3 {
        assert_eq!(store.org_for_token_hash(&unknown).await.unwrap(), None);
        assert_eq!(
            store
                .find_org(&OrgRef::Slug("no-such-org".into()))
                .await
                .unwrap(),
            None
        );
    }
    assert_eq!(store.memo_hits() - before, 6);
}

#[tokio::test]
async fn an_in_memory_database_remembers_nothing() {
    let store = memory().await;
    let org = store.create_org(&slug("acme")).await.unwrap().unwrap();
    let t = tok(0x55);
    assert!(store.add_token(org.id, &StoredToken::of(&t)).await.unwrap());
    for _ in 0..3 {
        assert_eq!(
            store.org_for_token_hash(&hash_token(&t)).await.unwrap(),
            Some(org.id)
        );
    }
    assert_eq!(store.memo_hits(), 0);
}

#[tokio::test]
async fn known_and_unknown_tokens_and_orgs_are_answered_from_one_read() {
    let (_dir, store) = file_store().await;
    let org = store.create_org(&slug("acme")).await.unwrap().unwrap();
    let t = tok(0x66);
    assert!(store.add_token(org.id, &StoredToken::of(&t)).await.unwrap());
    // The first lookup reads every org and token at once.
    assert_eq!(
        store.org_for_token_hash(&hash_token(&t)).await.unwrap(),
        Some(org.id)
    );
    assert_eq!(store.directory_reads(), 1);
    let hits = store.memo_hits();
    // A flood of made-up tokens and org names: every one answered from memory, no read.
    for i in 0..1000u32 {
        let made_up = hash_token(&format!("jst_made-up-{i}"));
        assert_eq!(store.org_for_token_hash(&made_up).await.unwrap(), None);
        let name = format!("probe-{i}");
        assert_eq!(store.find_org(&OrgRef::Slug(name)).await.unwrap(), None);
        assert_eq!(
            store
                .find_org(&OrgRef::Id(1000 + i64::from(i)))
                .await
                .unwrap(),
            None
        );
    }
    assert_eq!(store.directory_reads(), 1);
    assert_eq!(store.memo_hits() - hits, 3000);
    assert_eq!(
        store.org_for_token_hash(&hash_token(&t)).await.unwrap(),
        Some(org.id)
    );
    assert_eq!(
        store.find_org(&OrgRef::Slug("acme".into())).await.unwrap(),
        Some(org.clone())
    );
    assert_eq!(
        store.find_org(&OrgRef::Id(org.id.0)).await.unwrap(),
        Some(org)
    );
}
