//! [`Keyring`]: the active signing keys in memory, so a browser token is verified without a
//! database read. It is loaded from the store at start, changed at once by the
//! administration of this process (a key made or revoked), and reloaded periodically by the
//! caller ([`Keyring::reload`]) so that a revocation made by another process (the CLI)
//! reaches it within the reload interval.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use crate::browser_token::{self, BrowserGrant, Rejected, SigningKey};
use crate::model::OrgId;
use crate::ports::{SigningKeyStore, StoreError};

/// The clock the keyring verifies with: seconds since the Unix epoch. The domain has none
/// of its own; the application passes the system's, a test a fixed one.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// How many times [`Keyring::reload`] reads the store again when the keyring changed while
/// it read.
const RELOAD_ATTEMPTS: usize = 3;

#[derive(Default)]
struct Keys {
    by_id: HashMap<String, SigningKey>,
    /// Moves on every change, so a reload that read the store before a change made here
    /// does not bring back a key revoked meanwhile.
    generation: u64,
}

/// The active signing keys by id, and the clock tokens are checked against.
pub struct Keyring {
    keys: RwLock<Keys>,
    clock: Clock,
}

impl fmt::Debug for Keyring {
    /// The number of keys only: never an id's secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("keys", &self.len())
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// An empty keyring that reads the time from `clock`.
    pub fn new(clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        Self {
            keys: RwLock::new(Keys::default()),
            clock: Arc::new(clock),
        }
    }

    /// Verifies a browser token now (see [`browser_token::verify`]).
    ///
    /// # Errors
    /// The [`Rejected`] rule it breaks.
    pub fn verify(&self, token: &str) -> Result<BrowserGrant, Rejected> {
        let now = (self.clock)();
        browser_token::verify(token, now, |kid| self.read().by_id.get(kid).cloned())
    }

    /// Adds (or replaces) a key: tokens it signs are accepted from now on.
    pub fn insert(&self, key: SigningKey) {
        let mut keys = self.write();
        keys.by_id.insert(key.id.clone(), key);
        keys.generation += 1;
    }

    /// Removes a key: tokens it signed are refused from now on. `false` when it was not held.
    pub fn remove(&self, id: &str) -> bool {
        let mut keys = self.write();
        keys.generation += 1;
        keys.by_id.remove(id).is_some()
    }

    /// Removes every key of `org` (the org was deleted).
    pub fn forget_org(&self, org: OrgId) {
        let mut keys = self.write();
        keys.generation += 1;
        keys.by_id.retain(|_, k| k.org.id != org);
    }

    /// How many keys are held.
    pub fn len(&self) -> usize {
        self.read().by_id.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Replaces every key with the store's active ones, and answers how many there are. When
    /// this keyring changed while the store was read (a key made or revoked here), the read
    /// may predate the change: it is read again, at most a few times, after which the
    /// keyring is left as it is (it already holds the newest change).
    ///
    /// # Errors
    /// [`StoreError`] when the store cannot answer; the keyring is then unchanged.
    pub async fn reload<S: SigningKeyStore>(&self, store: &S) -> Result<usize, StoreError> {
        for _ in 0..RELOAD_ATTEMPTS {
            let seen = self.read().generation;
            let active = store.active_signing_keys().await?;
            let mut keys = self.write();
            if keys.generation == seen {
                let n = active.len();
                keys.by_id = active.into_iter().map(|k| (k.id.clone(), k)).collect();
                keys.generation += 1;
                return Ok(n);
            }
        }
        Ok(self.len())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Keys> {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Keys> {
        self.keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests;
