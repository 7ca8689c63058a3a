//! Admin tokens: kept apart from caller tokens, checked by hash, revoked like them.

use super::check::Check;
use super::fixtures::{admin_token, admin_twin, by_prefix, token, whole};
use crate::ports::{AdminStore, IntegrationStore, RevokeOutcome};
use crate::token::{hash_token, token_id, StoredToken};

/// `add_admin_token` stores an admin token once; `is_admin_token` knows it by hash alone;
/// caller tokens are not admin tokens and admin tokens authenticate no org; each kind is
/// listed and revoked apart (`revoke_admin_token` as `revoke_token`: whole token first,
/// then prefix, several matches revoke nothing).
pub async fn admin_tokens_are_kept_apart_from_caller_tokens<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "admin_tokens_are_kept_apart_from_caller_tokens";
    let c = Check::new(CHECK, store);
    let acme = c.org("acme").await;
    let (caller, admin) = (token(1), admin_token(1));
    assert!(
        c.add_token(acme.id, &caller).await,
        "{CHECK}: a caller token"
    );
    let named = StoredToken::named(&admin, Some("ops".into()));
    let added = c.ok("add_admin_token", store.add_admin_token(&named).await);
    assert!(added, "{CHECK}: a new admin token is added");
    let again = c.ok("add_admin_token", store.add_admin_token(&named).await);
    assert!(
        !again,
        "{CHECK}: an admin token stored already is not added again"
    );

    assert!(c.is_admin(&admin).await, "{CHECK}: the admin token is one");
    assert!(
        !c.is_admin(&caller).await,
        "{CHECK}: a caller token is no admin token"
    );
    for (text, what) in [
        (admin.clone(), "the admin token itself"),
        (hash_token(&admin).to_uppercase(), "its hash in upper case"),
        (hash_token(&admin_token(9)), "an unknown token's hash"),
        (String::new(), "the empty string"),
    ] {
        let found = c.ok("is_admin_token", store.is_admin_token(&text).await);
        assert!(!found, "{CHECK}: is_admin_token of {what} is false");
    }
    let both = [(caller.as_str(), Some(acme.id)), (&admin, None)];
    c.authenticates(&both, "adding both kinds").await;
    let listed = c.tokens_of(acme.id).await;
    let want = [(token_id(&caller).to_owned(), None)];
    assert_eq!(listed, want, "{CHECK}: list_tokens shows no admin token");

    // Each kind's revocation sees its own kind alone.
    c.revoke(&whole(&admin), RevokeOutcome::NotFound).await;
    c.revoke(&by_prefix(token_id(&admin)), RevokeOutcome::NotFound)
        .await;
    c.revoke_admin(&whole(&caller), RevokeOutcome::NotFound)
        .await;
    c.revoke_admin(&by_prefix(token_id(&caller)), RevokeOutcome::NotFound)
        .await;
    assert!(
        c.is_admin(&admin).await,
        "{CHECK}: no caller revocation reaches it"
    );
    c.authenticates(&both, "revocations of the other kind")
        .await;

    let (t1, t2) = (admin_twin(1), admin_twin(2));
    for t in [&t1, &t2] {
        let res = store.add_admin_token(&StoredToken::of(t)).await;
        assert!(c.ok("add_admin_token", res), "{CHECK}: a new admin token");
    }
    c.revoke_admin(&by_prefix(&t1[..8]), RevokeOutcome::Ambiguous(2))
        .await;
    assert!(
        c.is_admin(&t1).await && c.is_admin(&t2).await,
        "{CHECK}: none revoked"
    );
    c.revoke_admin(&whole(&t1), RevokeOutcome::Revoked).await;
    assert!(!c.is_admin(&t1).await, "{CHECK}: revoked by whole token");
    assert!(c.is_admin(&t2).await, "{CHECK}: its twin is not");
    c.revoke_admin(&by_prefix(&t2[..8]), RevokeOutcome::Revoked)
        .await;
    assert!(
        !c.is_admin(&t2).await,
        "{CHECK}: revoked by the prefix it shared"
    );
    c.revoke_admin(&by_prefix(token_id(&admin)), RevokeOutcome::Revoked)
        .await;
    assert!(
        !c.is_admin(&admin).await,
        "{CHECK}: revoked by its whole id"
    );
    c.revoke_admin(&whole(&admin), RevokeOutcome::NotFound)
        .await;
    let again = c.ok("add_admin_token", store.add_admin_token(&named).await);
    assert!(!again, "{CHECK}: a revoked admin token is still stored");
    assert!(!c.is_admin(&admin).await, "{CHECK}: and stays revoked");
    c.authenticates(&[(&caller, Some(acme.id))], "revoking admin tokens")
        .await;
}
