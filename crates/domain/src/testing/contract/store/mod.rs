//! The store contract: what every implementation of [`IntegrationStore`], [`AdminStore`],
//! [`CredentialUpdates`] and [`SigningKeyStore`] does, as checks any adapter runs against its
//! own stores (an adapter's test passes a closure that makes a new store, as
//! `crates/store-sqlite/tests/contract.rs` does):
//!
//! ```
//! use domain::testing::contract::store::the_store_contract;
//! use domain::testing::InMemoryStore;
//!
//! async fn the_fake_keeps_the_store_contract() {
//!     the_store_contract(|| async { InMemoryStore::new() }).await;
//! }
//! ```
//!
//! Each check takes a fresh (empty) store and panics with a message that starts with the
//! check's name. Only what the ports document is checked: ids are compared with each other,
//! never with fixed numbers, times only for their form (RFC 3339, UTC), and an error is only
//! checked to be an `Err`.

// Layers: `fixtures` (values) and `check` (a store under one check) are leaves; each check
// module uses them alone; this file runs the checks and re-exports them.
mod admin_tokens;
mod apps;
mod check;
mod credentials;
mod fixtures;
mod integrations;
mod orgs;
mod renewal;
mod signing_keys;
mod tokens;
mod updates;

use std::future::Future;

use crate::ports::{AdminStore, CredentialUpdates, IntegrationStore, SigningKeyStore};

use check::Check;
use fixtures::every_kind;

pub use admin_tokens::admin_tokens_are_kept_apart_from_caller_tokens;
pub use apps::{
    apps_round_trip_and_go_with_their_connections, connections_are_taken_once_in_every_stage,
    only_expired_connections_are_purged,
};
pub use credentials::refresh_tokens_are_replaced_only_on_oauth2;
pub use integrations::{
    disabling_keeps_the_integration_and_its_credentials, every_credential_kind_round_trips,
    integrations_are_linked_only_to_their_org, integrations_are_listed_by_id_with_their_orgs,
    removing_an_integration_removes_its_links,
};
pub use orgs::{
    deleting_an_org_removes_its_tokens_links_and_connections,
    orgs_are_created_once_listed_and_found, writes_for_an_unknown_org_fail_and_write_nothing,
};
pub use renewal::{
    renewal_leases_are_taken_one_at_a_time,
    renewal_leases_show_what_was_stored_and_store_what_was_renewed,
};
pub use signing_keys::signing_keys_are_kept_by_org_read_whole_and_revoked;
pub use tokens::{
    ambiguous_and_unknown_revocations_change_nothing,
    tokens_are_listed_by_org_active_in_creation_order,
    tokens_are_revoked_by_whole_token_then_by_id_prefix,
    tokens_authenticate_their_org_and_are_stored_once,
};
pub use updates::{
    connecting_the_same_jira_again_replaces_its_credentials, ids_are_never_reused,
    integrations_are_renamed_and_enabled_by_update,
    replacing_credentials_keeps_id_name_links_and_state,
};

/// Runs every check of the store contract, each on a fresh store made by `new_store`.
///
/// # Panics
/// At the first broken promise, naming the check and what differed.
pub async fn the_store_contract<S, F, Fut>(new_store: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: IntegrationStore + AdminStore + CredentialUpdates + SigningKeyStore,
{
    orgs_are_created_once_listed_and_found(&new_store().await).await;
    every_credential_kind_round_trips(&new_store().await).await;
    integrations_are_linked_only_to_their_org(&new_store().await).await;
    integrations_are_listed_by_id_with_their_orgs(&new_store().await).await;
    disabling_keeps_the_integration_and_its_credentials(&new_store().await).await;
    removing_an_integration_removes_its_links(&new_store().await).await;
    writes_for_an_unknown_org_fail_and_write_nothing(&new_store().await).await;
    tokens_authenticate_their_org_and_are_stored_once(&new_store().await).await;
    tokens_are_revoked_by_whole_token_then_by_id_prefix(&new_store().await).await;
    ambiguous_and_unknown_revocations_change_nothing(&new_store().await).await;
    refresh_tokens_are_replaced_only_on_oauth2(&new_store().await).await;
    renewal_leases_show_what_was_stored_and_store_what_was_renewed(&new_store().await).await;
    renewal_leases_are_taken_one_at_a_time(&new_store().await).await;
    deleting_an_org_removes_its_tokens_links_and_connections(&new_store().await).await;
    tokens_are_listed_by_org_active_in_creation_order(&new_store().await).await;
    admin_tokens_are_kept_apart_from_caller_tokens(&new_store().await).await;
    integrations_are_renamed_and_enabled_by_update(&new_store().await).await;
    replacing_credentials_keeps_id_name_links_and_state(&new_store().await).await;
    connecting_the_same_jira_again_replaces_its_credentials(&new_store().await).await;
    ids_are_never_reused(&new_store().await).await;
    apps_round_trip_and_go_with_their_connections(&new_store().await).await;
    connections_are_taken_once_in_every_stage(&new_store().await).await;
    only_expired_connections_are_purged(&new_store().await).await;
    signing_keys_are_kept_by_org_read_whole_and_revoked(&new_store().await).await;
    the_store_answers_pings(&new_store().await).await;
}

/// `ping` answers `Ok` for a store that works, empty or not.
pub async fn the_store_answers_pings<S: IntegrationStore + AdminStore>(store: &S) {
    const CHECK: &str = "the_store_answers_pings";
    let c = Check::new(CHECK, store);
    c.ok("ping (empty store)", store.ping().await);
    let org = c.org("acme").await;
    c.add(&org, &every_kind()[0]).await;
    c.ok("ping (with data)", store.ping().await);
}

#[cfg(test)]
mod tests;
