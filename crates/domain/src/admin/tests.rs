//! The administration use cases over the in-memory store: what each does, what it refuses,
//! and that a refusal stores nothing.

use serde_json::json;

use super::*;
use crate::model::Credentials;
use crate::ports::StoreError;
use crate::testing::{InMemoryStore, Reply, ScriptedJira};
use crate::token::hash_token;

fn admin() -> Administration<InMemoryStore> {
    Administration::new(InMemoryStore::new())
}

fn pat_form(org: &str) -> IntegrationForm {
    IntegrationForm {
        org: org.into(),
        provider: "jira_server".into(),
        base_url: "https://jira.example.com".into(),
        auth: "pat".into(),
        ..IntegrationForm::default()
    }
}

#[tokio::test]
async fn orgs_are_created_listed_and_never_all_digits() {
    let admin = admin();
    let acme = admin.create_org("acme").await.unwrap();
    assert!(matches!(
        admin.create_org("acme").await,
        Err(AdminError::OrgExists(s)) if s == "acme"
    ));
    let err = admin.create_org("123").await.unwrap_err();
    assert!(err.is_caller_mistake());
    assert!(err.to_string().contains("must not be all digits"), "{err}");
    assert_eq!(admin.list_orgs().await.unwrap(), vec![acme.clone()]);
    assert_eq!(admin.resolve_org("acme").await.unwrap(), acme);
    assert_eq!(admin.resolve_org(&acme.id.to_string()).await.unwrap(), acme);
    assert!(matches!(
        admin.resolve_org("nope").await,
        Err(AdminError::OrgNotFound(s)) if s == "nope"
    ));
}

#[tokio::test]
async fn an_integration_is_prepared_then_stored_with_its_secret() {
    let admin = admin();
    let org = admin.create_org("acme").await.unwrap();
    let pending = admin.prepare_integration(&pat_form("acme")).await.unwrap();
    assert_eq!(pending.org, org);
    let id = admin
        .register_integration(pending, Secret::new("pat-1"))
        .await
        .unwrap();
    let stored = admin
        .store()
        .linked_integration(org.id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.name, "jira.example.com");
    assert!(stored.enabled);
    assert_eq!(
        stored.credentials,
        Credentials::Pat {
            token: Secret::new("pat-1")
        }
    );
    let listed = admin.list_integrations(Some("acme")).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].orgs, vec![org.slug.clone()]);
    assert!(matches!(
        admin.list_integrations(Some("nope")).await,
        Err(AdminError::OrgNotFound(_))
    ));
}

#[tokio::test]
async fn a_refused_registration_stores_nothing() {
    let admin = admin();
    admin.create_org("acme").await.unwrap();
    // An unknown org, after every rule passed.
    assert!(matches!(
        admin.prepare_integration(&pat_form("nope")).await,
        Err(AdminError::OrgNotFound(_))
    ));
    // A rule broken: the org is not even looked up.
    let bad = IntegrationForm {
        base_url: "https://jira.example.com\nX".into(),
        ..pat_form("nope")
    };
    assert!(matches!(
        admin.prepare_integration(&bad).await,
        Err(AdminError::Invalid(_))
    ));
    // A secret that does not fit the method.
    let oauth2 = IntegrationForm {
        auth: "oauth2".into(),
        client_id: Some("cid".into()),
        token_url: Some("https://jira.example.com/rest/oauth2/latest/token".into()),
        ..pat_form("acme")
    };
    let pending = admin.prepare_integration(&oauth2).await.unwrap();
    let err = admin
        .register_integration(pending, Secret::new("no-colon"))
        .await
        .unwrap_err();
    assert!(err.is_caller_mistake(), "{err}");
    assert!(admin.list_integrations(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn disable_enable_and_remove_name_unknown_ids() {
    let admin = admin();
    admin.create_org("acme").await.unwrap();
    let pending = admin.prepare_integration(&pat_form("acme")).await.unwrap();
    let id = admin
        .register_integration(pending, Secret::new("t"))
        .await
        .unwrap();
    admin.set_integration_enabled(id, false).await.unwrap();
    assert!(!admin.list_integrations(None).await.unwrap()[0].enabled);
    admin.set_integration_enabled(id, true).await.unwrap();
    assert!(admin.list_integrations(None).await.unwrap()[0].enabled);
    let unknown = IntegrationId(999);
    for err in [
        admin
            .set_integration_enabled(unknown, false)
            .await
            .unwrap_err(),
        admin.remove_integration(unknown).await.unwrap_err(),
    ] {
        assert_eq!(err.to_string(), "integration 999 does not exist");
        assert!(err.is_caller_mistake());
    }
    admin.remove_integration(id).await.unwrap();
    assert!(admin.list_integrations(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn tokens_are_added_once_and_revoked_by_prefix_or_whole() {
    let admin = admin();
    let org = admin.create_org("acme").await.unwrap();
    let token = admin.add_token("acme", &[1; 32]).await.unwrap();
    assert!(token.starts_with("jst_0101"));
    let store = admin.store();
    assert_eq!(
        store.org_for_token_hash(&hash_token(&token)).await.unwrap(),
        Some(org.id)
    );
    // The same random bytes make the same token: refused, not stored twice.
    assert!(matches!(
        admin.add_token("acme", &[1; 32]).await,
        Err(AdminError::TokenExists)
    ));
    assert!(matches!(
        admin.add_token("nope", &[2; 32]).await,
        Err(AdminError::OrgNotFound(_))
    ));
    let mut random = [9u8; 32];
    random[..2].copy_from_slice(&[1, 1]);
    let other = admin.add_token(&org.id.to_string(), &random).await.unwrap();
    // Both start with jst_0101..: a short prefix names two tokens and revokes neither.
    assert!(matches!(
        admin.revoke_token("jst_0101").await,
        Err(AdminError::TokenAmbiguous(2))
    ));
    let err = admin.revoke_token("jst_01").await.unwrap_err();
    assert!(err.to_string().contains("at least 8 characters"), "{err}");
    admin.revoke_token(&token).await.unwrap();
    assert_eq!(
        store.org_for_token_hash(&hash_token(&token)).await.unwrap(),
        None
    );
    assert!(matches!(
        admin.revoke_token(&token).await,
        Err(AdminError::TokenNotFound)
    ));
    // With the first token revoked, the prefix names one token.
    admin.revoke_token("jst_0101").await.unwrap();
    assert_eq!(
        store.org_for_token_hash(&hash_token(&other)).await.unwrap(),
        None
    );
}

#[test]
fn revoke_selectors() {
    let whole = format!("jst_{}", "ab".repeat(32));
    let s = revoke_selector(&whole).unwrap();
    assert_eq!(s.whole_token_hash, Some(hash_token(&whole)));
    assert_eq!(s.id_prefix, "jst_abababab");
    let s = revoke_selector("jst_abab").unwrap();
    assert_eq!(s.whole_token_hash, None);
    assert_eq!(s.id_prefix, "jst_abab");
    assert!(revoke_selector("jst_aba").is_err());
}

async fn checked(answer: Reply, provider: &str) -> Result<JiraIdentity, AdminError> {
    let admin = admin();
    admin.create_org("acme").await.unwrap();
    let form = IntegrationForm {
        provider: provider.into(),
        base_url: "https://acme.atlassian.net".into(),
        auth: "basic".into(),
        user: Some("a@b.c".into()),
        ..pat_form("acme")
    };
    let pending = admin.prepare_integration(&form).await.unwrap();
    let id = admin
        .register_integration(pending, Secret::new("api-token"))
        .await
        .unwrap();
    let jira = ScriptedJira::new();
    jira.on("/rest/api/2/myself", answer);
    let result = admin.check_integration(&jira, id).await;
    assert_eq!(jira.described_calls(), vec!["/rest/api/2/myself"]);
    result
}

#[tokio::test]
async fn check_says_who_jira_thinks_we_are() {
    let me = checked(
        Reply::Json(json!({"accountId": "5b10", "displayName": "Mia", "emailAddress": "mia@x.io"})),
        "jira",
    )
    .await
    .unwrap();
    assert_eq!(
        me,
        JiraIdentity {
            id: "5b10".into(),
            display_name: "Mia".into(),
            email: Some("mia@x.io".into())
        }
    );
    let me = checked(Reply::Json(json!({"name": "bob"})), "jira_server")
        .await
        .unwrap();
    assert_eq!((me.id.as_str(), me.email), ("bob", None));
    let err = checked(
        Reply::Http {
            status: 401,
            body: "<html>login</html>".into(),
        },
        "jira",
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Jira refused the credentials of integration 1 (Jira answered HTTP 401): check them, or add the integration again"
    );
    assert!(!err.is_caller_mistake());
    let err = checked(Reply::Json(json!({"name": "Anonymous"})), "jira_server")
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::CheckAnonymous(IntegrationId(1))));
    let err = checked(Reply::Error(JiraError::Timeout), "jira")
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::CheckFailed(JiraError::Timeout)));
    let missing = admin()
        .check_integration(&ScriptedJira::new(), IntegrationId(7))
        .await
        .unwrap_err();
    assert_eq!(missing.to_string(), "integration 7 does not exist");
}

#[tokio::test]
async fn a_store_failure_is_not_the_callers_mistake() {
    let admin = admin();
    admin.store().set_down(true);
    let err = admin.create_org("acme").await.unwrap_err();
    assert!(matches!(err, AdminError::Store(StoreError::Unavailable(_))));
    assert!(!err.is_caller_mistake());
}
