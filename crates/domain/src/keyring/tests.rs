//! The keyring's life (loaded, changed here, reloaded, a reload racing a change) and the
//! search's use of it: a browser token authorizes one org's searches without a store read of
//! tokens or orgs, and every failure is the caller token's 401.

use std::sync::atomic::{AtomicI64, Ordering};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::*;
use crate::admin::Administration;
use crate::browser_token::SigningKeyRandom;
use crate::model::{IntegrationId, OrgRef, Provider};
use crate::ports::{IntegrationStore, MockIntegrationStore};
use crate::search::{
    ChoicesJson, SearchError, SearchRequest, SearchService, SearchSettings, SearchTrace,
};
use crate::secret::Secret;
use crate::testing::{InMemoryCache, InMemoryStore, Reply, ScriptedJira};

const NOW: i64 = 1_800_000_000;

fn mint(kid: &str, secret: &str, claims: Value) -> String {
    let enc = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let signed = format!(
        "{}.{}",
        enc(json!({"alg": "HS256", "typ": "JWT", "kid": kid})),
        enc(claims)
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signed}.{sig}")
}

use crate::testing::pat_integration as integration;

/// acme (1) with integrations 10, 11 (Cloud), 12 (disabled); umbrella (2) with 20.
fn store() -> Arc<InMemoryStore> {
    let store = InMemoryStore::new();
    let acme = store.seed_org("acme");
    let umbrella = store.seed_org("umbrella");
    store.seed_integration(acme.id, integration(10, Provider::JiraServer, true));
    store.seed_integration(acme.id, integration(11, Provider::JiraCloud, true));
    store.seed_integration(acme.id, integration(12, Provider::JiraServer, false));
    store.seed_integration(umbrella.id, integration(20, Provider::JiraServer, true));
    Arc::new(store)
}

fn random(n: u8) -> SigningKeyRandom {
    SigningKeyRandom {
        id: [n; 6],
        secret: [n; 32],
    }
}

struct World {
    store: Arc<InMemoryStore>,
    keyring: Arc<Keyring>,
    admin: Administration<Arc<InMemoryStore>>,
    clock: Arc<AtomicI64>,
}

fn world() -> World {
    let store = store();
    let clock = Arc::new(AtomicI64::new(NOW));
    let c = clock.clone();
    let keyring = Arc::new(Keyring::new(move || c.load(Ordering::Relaxed)));
    let admin = Administration::new(store.clone()).with_keyring(keyring.clone());
    World {
        store,
        keyring,
        admin,
        clock,
    }
}

fn request(token: &str, org: &str, id: i64) -> SearchRequest {
    SearchRequest {
        token: Some(token.to_owned()),
        org: OrgRef::parse(org),
        integration_id: Some(IntegrationId(id)),
        field: Some("labels".into()),
        query: Some("a".into()),
        project: None,
    }
}

async fn search<S: IntegrationStore>(
    service: &SearchService<ScriptedJira, S, InMemoryCache>,
    provider: Provider,
    req: &SearchRequest,
) -> Result<String, SearchError> {
    let trace = SearchTrace::default();
    service
        .search(provider, req, &trace)
        .await
        .map(ChoicesJson::into_string)
}

fn jira() -> ScriptedJira {
    let jira = ScriptedJira::new();
    jira.on(
        "/rest/api/2/jql/autocompletedata/suggestions",
        Reply::Json(json!({"results": [{"value": "v", "displayName": "V"}]})),
    );
    jira
}

#[tokio::test]
async fn a_browser_token_searches_its_org_and_nothing_else() {
    let w = world();
    let made = w
        .admin
        .add_signing_key("acme", Some("picker"), &random(1))
        .await
        .unwrap();
    let other = w
        .admin
        .add_signing_key("umbrella", None, &random(2))
        .await
        .unwrap();
    let (kid, secret) = (made.summary.id.as_str(), made.secret.expose());
    assert_eq!(w.keyring.len(), 2, "made keys are in the keyring at once");
    let service = SearchService::new(
        jira(),
        w.store.clone(),
        InMemoryCache::new(),
        SearchSettings::default(),
    )
    .with_keyring(w.keyring.clone());
    let s = Provider::JiraServer;
    let token = mint(kid, secret, json!({"exp": NOW + 600}));
    let narrowed = mint(kid, secret, json!({"exp": NOW + 600, "integrations": [10]}));
    for (org, id, t) in [
        ("acme", 10, &token),
        ("1", 10, &token),
        ("acme", 10, &narrowed),
    ] {
        let found = search(&service, s, &request(t, org, id)).await;
        assert!(
            found.as_deref().is_ok_and(|b| b.contains("\"v\"")),
            "{org} {id}: {found:?}"
        );
    }
    let unauthenticated = [
        ("umbrella", 20, token.clone(), "another org's route"),
        ("2", 20, token.clone(), "another org's route by id"),
        (
            "acme",
            11,
            narrowed.clone(),
            "an integration not in the token",
        ),
        (
            "acme",
            10,
            mint(kid, secret, json!({"exp": NOW - 1})),
            "expired",
        ),
        (
            "acme",
            10,
            mint(kid, "jss_wrong", json!({"exp": NOW + 600})),
            "another secret",
        ),
        ("acme", 10, format!("{token}x"), "tampered"),
        (
            "acme",
            10,
            mint(
                &other.summary.id,
                other.secret.expose(),
                json!({"exp": NOW + 60}),
            ),
            "umbrella's key",
        ),
        ("acme", 10, "a.b.c".to_owned(), "garbage"),
    ];
    for (org, id, t, what) in unauthenticated {
        let r = search(&service, s, &request(&t, org, id)).await;
        assert!(
            matches!(r, Err(SearchError::Unauthenticated)),
            "{what}: {r:?}"
        );
    }
    // After authentication, the integration's own checks as for a caller token.
    for (id, provider) in [(12, s), (11, s), (20, s), (99, s)] {
        let r = search(&service, provider, &request(&token, "acme", id)).await;
        assert!(
            matches!(r, Err(SearchError::IntegrationNotFound)),
            "{id}: {r:?}"
        );
    }
    let mut no_id = request(&token, "acme", 10);
    no_id.integration_id = None;
    let r = search(&service, s, &no_id).await;
    assert!(matches!(r, Err(SearchError::IntegrationNotFound)), "{r:?}");
    no_id.token = Some(narrowed.clone());
    let r = search(&service, s, &no_id).await;
    assert!(matches!(r, Err(SearchError::Unauthenticated)), "{r:?}");

    // Time moves on: the token expires.
    w.clock.store(NOW + 600, Ordering::Relaxed);
    let r = search(&service, s, &request(&token, "acme", 10)).await;
    assert!(matches!(r, Err(SearchError::Unauthenticated)), "{r:?}");
    w.clock.store(NOW, Ordering::Relaxed);

    // Revoked here: refused at once.
    w.admin.revoke_signing_key(kid).await.unwrap();
    let r = search(&service, s, &request(&token, "acme", 10)).await;
    assert!(matches!(r, Err(SearchError::Unauthenticated)), "{r:?}");
    let again = w.admin.revoke_signing_key(kid).await.unwrap_err();
    assert_eq!(
        again.to_string(),
        format!("no active signing key has the id {kid:?}")
    );
    assert!(again.is_caller_mistake());
}

#[tokio::test]
async fn a_browser_token_reads_no_token_or_org_from_the_store() {
    // Only `linked_integration` may be asked: a token or org lookup would panic the mock.
    let mut store = MockIntegrationStore::new();
    store.expect_linked_integration().returning(|_, id| {
        Box::pin(async move { Ok(Some(integration(id.0, Provider::JiraServer, true))) })
    });
    let keyring = Arc::new(Keyring::new(|| NOW));
    let acme = crate::model::Org {
        id: crate::model::OrgId(1),
        slug: crate::model::Slug::parse("acme").unwrap(),
    };
    keyring.insert(SigningKey {
        id: "jsk_000000000001".into(),
        org: acme,
        secret: Secret::new("jss_s"),
    });
    let service = SearchService::new(
        jira(),
        store,
        InMemoryCache::new(),
        SearchSettings::default(),
    )
    .with_keyring(keyring);
    let token = mint("jsk_000000000001", "jss_s", json!({"exp": NOW + 60}));
    let r = search(&service, Provider::JiraServer, &request(&token, "acme", 10)).await;
    assert!(r.is_ok(), "{r:?}");
}

#[tokio::test]
async fn without_a_keyring_every_browser_token_is_refused() {
    let w = world();
    let made = w
        .admin
        .add_signing_key("acme", None, &random(1))
        .await
        .unwrap();
    let service = SearchService::new(
        jira(),
        w.store.clone(),
        InMemoryCache::new(),
        SearchSettings::default(),
    );
    let token = mint(
        &made.summary.id,
        made.secret.expose(),
        json!({"exp": NOW + 60}),
    );
    let r = search(&service, Provider::JiraServer, &request(&token, "acme", 10)).await;
    assert!(matches!(r, Err(SearchError::Unauthenticated)), "{r:?}");
}

#[tokio::test]
async fn the_keyring_follows_the_store_on_reload() {
    let w = world();
    let a = w
        .admin
        .add_signing_key("acme", None, &random(1))
        .await
        .unwrap();
    let b = w
        .admin
        .add_signing_key("umbrella", None, &random(2))
        .await
        .unwrap();
    // Another process's view: a keyring that only reloads.
    let elsewhere = Keyring::new(|| NOW);
    assert_eq!(elsewhere.reload(&w.store).await.unwrap(), 2);
    let token = mint(&a.summary.id, a.secret.expose(), json!({"exp": NOW + 60}));
    assert_eq!(elsewhere.verify(&token).unwrap().org.slug.as_str(), "acme");
    // Revoked by "another process" (straight in the store): this keyring still accepts it
    // until it reloads.
    assert!(w.store.revoke_signing_key(&a.summary.id).await.unwrap());
    assert!(elsewhere.verify(&token).is_ok());
    assert_eq!(elsewhere.reload(&w.store).await.unwrap(), 1);
    assert_eq!(elsewhere.verify(&token), Err(Rejected::UnknownKey));
    // Deleting an org forgets its keys here at once.
    w.admin.delete_org("umbrella").await.unwrap();
    let t = mint(&b.summary.id, b.secret.expose(), json!({"exp": NOW + 60}));
    assert_eq!(w.keyring.verify(&t), Err(Rejected::UnknownKey));
    // A failed reload keeps the keys.
    w.store.set_down(true);
    assert!(elsewhere.reload(&w.store).await.is_err());
    assert_eq!(elsewhere.len(), 1);
    assert!(format!("{elsewhere:?}").contains("keys: 1"));
}

/// A store whose first read of the active keys is overtaken by a revocation made in this
/// process (through the administration, so the keyring drops the key) before it returns.
struct Overtaken {
    store: Arc<InMemoryStore>,
    admin: Administration<Arc<InMemoryStore>>,
    revoke: std::sync::Mutex<Option<String>>,
}

impl SigningKeyStore for Overtaken {
    async fn add_signing_key(
        &self,
        org: OrgId,
        key: &crate::browser_token::NewSigningKey,
    ) -> Result<Option<crate::browser_token::SigningKeySummary>, StoreError> {
        self.store.add_signing_key(org, key).await
    }
    async fn list_signing_keys(
        &self,
        org: OrgId,
    ) -> Result<Vec<crate::browser_token::SigningKeySummary>, StoreError> {
        self.store.list_signing_keys(org).await
    }
    async fn revoke_signing_key(&self, id: &str) -> Result<bool, StoreError> {
        self.store.revoke_signing_key(id).await
    }
    async fn active_signing_keys(&self) -> Result<Vec<SigningKey>, StoreError> {
        let stale = self.store.active_signing_keys().await?;
        let revoke = self.revoke.lock().unwrap().take();
        if let Some(id) = revoke {
            self.admin.revoke_signing_key(&id).await.unwrap();
        }
        Ok(stale)
    }
}

#[tokio::test]
async fn a_reload_that_raced_a_revocation_does_not_bring_the_key_back() {
    let w = world();
    let a = w
        .admin
        .add_signing_key("acme", None, &random(1))
        .await
        .unwrap();
    let token = mint(&a.summary.id, a.secret.expose(), json!({"exp": NOW + 60}));
    assert!(w.keyring.verify(&token).is_ok());
    let racing = Overtaken {
        store: w.store.clone(),
        admin: w.admin.clone(),
        revoke: std::sync::Mutex::new(Some(a.summary.id.clone())),
    };
    // The first read still lists the key; the keyring changed meanwhile, so it reads again.
    assert_eq!(w.keyring.reload(&racing).await.unwrap(), 0);
    assert_eq!(w.keyring.verify(&token), Err(Rejected::UnknownKey));
}

#[tokio::test]
async fn signing_keys_are_made_listed_and_refused_like_tokens() {
    let w = world();
    let made = w
        .admin
        .add_signing_key("1", Some("  picker "), &random(3))
        .await
        .unwrap();
    assert_eq!(made.summary.id, "jsk_030303030303");
    assert_eq!(made.summary.name.as_deref(), Some("picker"));
    assert_eq!(made.secret.expose(), format!("jss_{}", "03".repeat(32)));
    let listed = w.admin.list_signing_keys("acme").await.unwrap();
    assert_eq!(listed, vec![made.summary.clone()]);
    let e = w
        .admin
        .add_signing_key("acme", None, &random(3))
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "this signing key id is already stored");
    let e = w
        .admin
        .add_signing_key("nobody", None, &random(4))
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "organization \"nobody\" does not exist");
    let e = w
        .admin
        .add_signing_key("acme", Some("a\nb"), &random(5))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("control characters"), "{e}");
    let e = w.admin.list_signing_keys("nobody").await.unwrap_err();
    assert!(e.is_caller_mistake());
    let long = "x".repeat(500);
    let e = w.admin.revoke_signing_key(&long).await.unwrap_err();
    assert!(e.to_string().len() < 120, "the id is quoted shortened: {e}");
    assert_eq!(w.keyring.len(), 1);
}
