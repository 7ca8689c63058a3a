//! Credential updates: rotated OAuth 2.0 refresh tokens are saved on OAuth 2.0 alone.

use super::check::Check;
use super::fixtures::{every_kind, stored};
use crate::model::{Credentials, Integration, IntegrationId};
use crate::ports::{AdminStore, CredentialUpdates, IntegrationStore};
use crate::secret::Secret;

/// `save_refresh_token` replaces the refresh token of an OAuth 2.0 integration (the rest of
/// its credentials kept), and refuses, changing nothing, any other integration and unknown
/// ids.
pub async fn refresh_tokens_are_replaced_only_on_oauth2<S>(store: &S)
where
    S: IntegrationStore + AdminStore + CredentialUpdates,
{
    const CHECK: &str = "refresh_tokens_are_replaced_only_on_oauth2";
    let c = Check::new(CHECK, store);
    let org = c.org("acme").await;
    let mut want = Vec::new();
    for new in every_kind() {
        want.push(stored(c.add(&org, &new).await, &new, true));
    }
    let is_oauth2 = |i: &Integration| matches!(i.credentials, Credentials::OAuth2 { .. });
    assert!(
        want.iter().any(is_oauth2),
        "{CHECK}: the fixtures hold oauth2"
    );

    for round in ["rt-second", "rt-third \"quoted\" é"] {
        for w in want.iter_mut() {
            if let Credentials::OAuth2 { refresh_token, .. } = &mut w.credentials {
                let new_token = Secret::new(format!("{round} for {}", w.id));
                let saved = store.save_refresh_token(w.id, &new_token).await;
                c.ok("save_refresh_token", saved);
                *refresh_token = new_token;
            }
        }
        for w in &want {
            c.reads_as(org.id, w, &format!("with the last token saved ({round:?})"))
                .await;
        }
    }

    for w in want.iter().filter(|w| !is_oauth2(w)) {
        let res = store
            .save_refresh_token(w.id, &Secret::new("refused"))
            .await;
        assert!(
            res.is_err(),
            "{CHECK}: save_refresh_token on {} is an Err",
            w.name
        );
    }
    let ghost = IntegrationId(want.iter().map(|w| w.id.0).max().unwrap_or(0) + 1000);
    let res = store
        .save_refresh_token(ghost, &Secret::new("refused"))
        .await;
    assert!(
        res.is_err(),
        "{CHECK}: save_refresh_token on an unknown id is an Err"
    );
    for w in &want {
        c.reads_as(org.id, w, "unchanged by the refused saves")
            .await;
    }
    let listed = c.list(None).await.len();
    assert_eq!(
        listed,
        want.len(),
        "{CHECK}: the refused saves created nothing"
    );
}
