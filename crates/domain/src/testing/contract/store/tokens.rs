//! API tokens: stored once, authenticating their org, listed, revoked by whole token or id
//! prefix.

use super::check::Check;
use super::fixtures::{by_prefix, token, twin, unknown_org, whole};
use crate::ports::{AdminStore, IntegrationStore, RevokeOutcome, TokenSelector};
use crate::token::{hash_token, token_id, StoredToken};

/// `add_token` stores a token once (`false` for a hash stored already, revoked or not);
/// `org_for_token_hash` finds its org by hash, and nothing by anything else.
pub async fn tokens_authenticate_their_org_and_are_stored_once<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "tokens_authenticate_their_org_and_are_stored_once";
    let c = Check::new(CHECK, store);
    let (acme, beta) = (c.org("acme").await, c.org("beta").await);
    let (t1, t2, t3) = (token(1), token(2), token(3));
    for (org, t) in [(&acme, &t1), (&beta, &t2), (&acme, &t3)] {
        let added = c.add_token(org.id, t).await;
        assert!(added, "{CHECK}: a new token is added to {}", org.slug);
    }
    let all = [
        (t1.as_str(), Some(acme.id)),
        (&t2, Some(beta.id)),
        (&t3, Some(acme.id)),
    ];
    c.authenticates(&all, "adding them").await;
    for (text, what) in [
        (t1.clone(), "the token itself"),
        (hash_token(&token(9)), "an unknown token's hash"),
        (hash_token(&t1).to_uppercase(), "the hash in upper case"),
        (String::new(), "the empty string"),
    ] {
        let found = c.ok("org_for_token_hash", store.org_for_token_hash(&text).await);
        assert_eq!(
            found, None,
            "{CHECK}: org_for_token_hash of {what} finds nothing"
        );
    }

    for org in [&acme, &beta] {
        let added = c.add_token(org.id, &t1).await;
        assert!(
            !added,
            "{CHECK}: a token stored already is not added again (to {})",
            org.slug
        );
    }
    c.authenticates(&all, "the refused duplicates").await;

    c.revoke(&by_prefix(token_id(&t3)), RevokeOutcome::Revoked)
        .await;
    let added = c.add_token(acme.id, &t3).await;
    assert!(
        !added,
        "{CHECK}: a revoked token is still stored, so it is not added again"
    );
    c.authenticates(&[(&t3, None)], "refusing to add a revoked token")
        .await;
}

/// `revoke_token` tries the whole-token hash first, then the id prefix; what it revokes no
/// longer authenticates, and nothing else changes.
pub async fn tokens_are_revoked_by_whole_token_then_by_id_prefix<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "tokens_are_revoked_by_whole_token_then_by_id_prefix";
    let c = Check::new(CHECK, store);
    let (acme, beta) = (c.org("acme").await, c.org("beta").await);
    // t1 and t2 share their public id; t3 and t4 have their own.
    let (t1, t2, t3, t4) = (twin(1), twin(2), token(0x33), token(0x44));
    for (org, t) in [(&acme, &t1), (&beta, &t2), (&acme, &t3), (&beta, &t4)] {
        assert!(
            c.add_token(org.id, t).await,
            "{CHECK}: a new token is added"
        );
    }

    // The whole token names one token, although its id prefix names two.
    c.revoke(&whole(&t1), RevokeOutcome::Revoked).await;
    let after = [
        (t1.as_str(), None),
        (&t2, Some(beta.id)),
        (&t3, Some(acme.id)),
    ];
    c.authenticates(&after, "revoking t1 by whole token").await;

    c.revoke(&by_prefix(&t3[..8]), RevokeOutcome::Revoked).await;
    let after = [
        (t3.as_str(), None),
        (&t2, Some(beta.id)),
        (&t4, Some(beta.id)),
    ];
    c.authenticates(&after, "revoking t3 by id prefix").await;

    // t1 is revoked: the prefix it shared names t2 alone.
    c.revoke(&by_prefix(&t2[..8]), RevokeOutcome::Revoked).await;
    let after = [(t2.as_str(), None), (&t4, Some(beta.id))];
    c.authenticates(&after, "revoking t2 by the prefix it shared")
        .await;

    // A whole token whose id no other token has: both halves of the selector name it.
    c.revoke(&whole(&t4), RevokeOutcome::Revoked).await;
    c.authenticates(&[(&t4, None)], "revoking t4 by whole token")
        .await;
}

/// Several matches revoke nothing (`Ambiguous` with how many active ones); no match (an
/// unknown prefix, only revoked tokens, LIKE's wildcards, another case) is `NotFound`.
pub async fn ambiguous_and_unknown_revocations_change_nothing<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "ambiguous_and_unknown_revocations_change_nothing";
    let c = Check::new(CHECK, store);
    let (acme, beta) = (c.org("acme").await, c.org("beta").await);
    // Three twins (one revoked at once: revoked tokens are not counted) and a loner.
    let (t1, t2, t3, revoked) = (twin(1), twin(2), token(0x33), twin(3));
    for (org, t) in [(&acme, &t1), (&beta, &t2), (&acme, &t3), (&acme, &revoked)] {
        assert!(
            c.add_token(org.id, t).await,
            "{CHECK}: a new token is added"
        );
    }
    c.revoke(&whole(&revoked), RevokeOutcome::Revoked).await;
    let active = [
        (t1.as_str(), Some(acme.id)),
        (&t2, Some(beta.id)),
        (&t3, Some(acme.id)),
    ];

    let hash_of_no_token = TokenSelector {
        whole_token_hash: Some(hash_token(&t1[..14])),
        id_prefix: token_id(&t1).to_owned(),
    };
    for (selector, what) in [
        (by_prefix(&t1[..8]), "a prefix of two tokens (of two orgs)"),
        (by_prefix(token_id(&t1)), "a whole id two tokens share"),
        (hash_of_no_token, "the hash of no token, then a shared id"),
    ] {
        c.revoke(&selector, RevokeOutcome::Ambiguous(2)).await;
        c.authenticates(&active, what).await;
    }

    let too_long = format!("{}x", token_id(&t3));
    for (prefix, what) in [
        ("jst_bbbbbbbb", "an unknown prefix"),
        ("jst_%%%%", "LIKE's % (no wildcard here)"),
        ("jst_____", "LIKE's _ (no wildcard here)"),
        ("JST_AAAA", "a prefix in another case"),
        (&too_long, "a prefix longer than the id"),
    ] {
        c.revoke(&by_prefix(prefix), RevokeOutcome::NotFound).await;
        c.authenticates(&active, what).await;
    }

    // Revoked tokens match nothing: neither by whole token nor by prefix.
    c.revoke(&by_prefix(&t3[..8]), RevokeOutcome::Revoked).await;
    c.revoke(&whole(&t3), RevokeOutcome::NotFound).await;
    c.revoke(&by_prefix(&t3[..8]), RevokeOutcome::NotFound)
        .await;
    c.authenticates(&active[..2], "matching only revoked tokens")
        .await;
}

/// `list_tokens` lists the active caller tokens of one org, in creation order, by public id
/// and name (as given to `add_token`), each with its creation time; revoked tokens and other
/// orgs' are not listed.
pub async fn tokens_are_listed_by_org_active_in_creation_order<S>(store: &S)
where
    S: IntegrationStore + AdminStore,
{
    const CHECK: &str = "tokens_are_listed_by_org_active_in_creation_order";
    let c = Check::new(CHECK, store);
    let (acme, beta) = (c.org("acme").await, c.org("beta").await);
    assert_eq!(c.tokens_of(acme.id).await, [], "{CHECK}: no token yet");
    // Created in the reverse of their ids' order, so that a listing by id shows.
    let tokens = [
        (&acme, token(0x44), Some("ci \"runner\" é")),
        (&beta, token(0x33), None),
        (&acme, token(0x22), None),
        (&acme, token(0x11), Some("revoked soon")),
        (&acme, token(0x05), Some("deploy")),
    ];
    for (org, t, name) in &tokens {
        let named = StoredToken::named(t, name.map(str::to_owned));
        let added = c.ok("add_token", store.add_token(org.id, &named).await);
        assert!(added, "{CHECK}: a new token is added");
    }
    c.revoke(&whole(&tokens[3].1), RevokeOutcome::Revoked).await;
    let listed = |picks: &[usize]| -> Vec<(String, Option<String>)> {
        picks
            .iter()
            .map(|&i| {
                let (_, t, name) = &tokens[i];
                (token_id(t).to_owned(), name.map(str::to_owned))
            })
            .collect()
    };
    assert_eq!(
        c.tokens_of(acme.id).await,
        listed(&[0, 2, 4]),
        "{CHECK}: acme's active tokens, in creation order, named as given"
    );
    assert_eq!(
        c.tokens_of(beta.id).await,
        listed(&[1]),
        "{CHECK}: beta's token alone"
    );
    let ghost = unknown_org([&acme, &beta]);
    assert_eq!(
        c.tokens_of(ghost).await,
        [],
        "{CHECK}: an unknown org has none"
    );
    let stamps: Vec<String> = c
        .ok("list_tokens", store.list_tokens(acme.id).await)
        .into_iter()
        .map(|t| t.created_at)
        .collect();
    let mut sorted = stamps.clone();
    sorted.sort();
    assert_eq!(stamps, sorted, "{CHECK}: creation times do not go back");
}
