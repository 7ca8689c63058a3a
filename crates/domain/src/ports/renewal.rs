//! The renewal lease of an integration's OAuth 2.0 tokens ([`RenewalLease`]): what
//! [`CredentialUpdates::begin_renewal`](super::CredentialUpdates::begin_renewal) hands out so
//! that, of every replica sharing a store, one at a time renews an integration's tokens and
//! the others use what it stored.
//!
//! Adapters build a lease from what they read once the lock was theirs and a
//! [`LeaseHolder`] that writes and releases; stores that live in one process (SQLite on one
//! host, the in-memory fake) lock with [`RenewalLocks`].

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use super::error::StoreError;
use crate::model::IntegrationId;
use crate::secret::Secret;

/// An OAuth 2.0 access token every replica may use, and until when.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedAccessToken {
    /// The token (sent as `Authorization: Bearer`).
    pub token: Secret,
    /// Seconds since the Unix epoch after which no replica uses it: the token's own expiry
    /// less a safety margin (the token manager's choice; the store keeps it as given).
    pub valid_until: i64,
}

impl fmt::Debug for SharedAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedAccessToken")
            .field("token", &self.token)
            .field("valid_until", &self.valid_until)
            .finish()
    }
}

/// What a finished renewal stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewedTokens {
    /// The refresh token the endpoint rotated to; `None` when it kept the one it was given.
    pub refresh_token: Option<Secret>,
    /// The new access token.
    pub access: SharedAccessToken,
}

/// The future of [`LeaseHolder::finish`].
pub type FinishFuture = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'static>>;

/// The adapter's side of a [`RenewalLease`]: it holds the lock (a transaction, a mutex
/// guard) and whatever it needs to write.
pub trait LeaseHolder: Send + 'static {
    /// Stores `renewed` durably (committed) and releases the lock, whether or not it could
    /// write. Dropping the holder instead releases the lock and writes nothing.
    ///
    /// # Errors
    /// [`StoreError`] when nothing could be stored: the integration is gone, its
    /// credentials were replaced since the lock was taken, or the store failed.
    fn finish(self: Box<Self>, renewed: RenewedTokens) -> FinishFuture;
}

/// The right to renew one integration's OAuth 2.0 tokens: while it lives, no other lease on
/// the same integration is given (by this store or, for a shared database, by any replica's).
/// It shows what was stored when the lock was taken, so a waiter sees what the holder
/// before it stored.
///
/// [`RenewalLease::finish`] stores the new tokens and releases the lock; dropping the lease
/// releases it and changes nothing (a renewal that failed leaves the stored refresh token
/// as it was). `Debug` shows no token.
pub struct RenewalLease {
    refresh_token: Secret,
    access: Option<SharedAccessToken>,
    holder: Box<dyn LeaseHolder>,
}

impl RenewalLease {
    /// A lease over what the adapter read under its lock: the stored refresh token and the
    /// shared access token, if one is stored.
    pub fn new(
        refresh_token: Secret,
        access: Option<SharedAccessToken>,
        holder: Box<dyn LeaseHolder>,
    ) -> Self {
        Self {
            refresh_token,
            access,
            holder,
        }
    }

    /// The refresh token stored when the lock was taken: the newest any replica saved.
    pub fn refresh_token(&self) -> &Secret {
        &self.refresh_token
    }

    /// The shared access token stored when the lock was taken (valid or not), if any.
    pub fn access(&self) -> Option<&SharedAccessToken> {
        self.access.as_ref()
    }

    /// Stores the new tokens (the refresh token only when `refresh_token` is `Some`),
    /// committed before it returns `Ok`, and releases the lock.
    ///
    /// # Errors
    /// [`StoreError`] when they could not be stored; the stored tokens are then those the
    /// lease showed.
    pub async fn finish(
        self,
        refresh_token: Option<Secret>,
        access: SharedAccessToken,
    ) -> Result<(), StoreError> {
        self.holder
            .finish(RenewedTokens {
                refresh_token,
                access,
            })
            .await
    }
}

impl fmt::Debug for RenewalLease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RenewalLease")
            .field(
                "access_valid_until",
                &self.access.as_ref().map(|a| a.valid_until),
            )
            .finish_non_exhaustive()
    }
}

/// One lock per integration, for a store that only this process writes renewals to (SQLite
/// on one host, the in-memory fake). A guard is held as long as the lease it belongs to.
///
/// It keeps one small entry per integration it ever locked, until the store is dropped.
#[derive(Debug, Default)]
pub struct RenewalLocks {
    locks: Mutex<HashMap<IntegrationId, Arc<tokio::sync::Mutex<()>>>>,
}

/// The lock on one integration's renewal; released when dropped.
pub type RenewalGuard = tokio::sync::OwnedMutexGuard<()>;

impl RenewalLocks {
    /// Waits until no other guard of `id` is held, then holds it (first come, first served).
    pub async fn lock(&self, id: IntegrationId) -> RenewalGuard {
        let lock = self
            .locks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(id)
            .or_default()
            .clone();
        lock.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Nothing;

    impl LeaseHolder for Nothing {
        fn finish(self: Box<Self>, _renewed: RenewedTokens) -> FinishFuture {
            Box::pin(async { Ok(()) })
        }
    }

    #[test]
    fn debug_shows_no_token() {
        let access = SharedAccessToken {
            token: Secret::new("access-hunter2"),
            valid_until: 42,
        };
        let lease = RenewalLease::new(
            Secret::new("refresh-hunter2"),
            Some(access.clone()),
            Box::new(Nothing),
        );
        let renewed = RenewedTokens {
            refresh_token: Some(Secret::new("refresh-hunter2")),
            access,
        };
        let printed = format!("{lease:?} {renewed:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("42"), "{printed}");
    }

    #[tokio::test]
    async fn a_lock_is_held_until_its_guard_is_dropped() {
        let locks = RenewalLocks::default();
        let held = locks.lock(IntegrationId(1)).await;
        // Another integration is not held up.
        drop(locks.lock(IntegrationId(2)).await);
        let waiting = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            locks.lock(IntegrationId(1)),
        )
        .await;
        assert!(waiting.is_err(), "the second lock waits for the first");
        drop(held);
        drop(locks.lock(IntegrationId(1)).await);
    }
}
