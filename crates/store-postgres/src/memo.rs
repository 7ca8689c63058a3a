//! The hot path's memory: every org and active caller token (the [`Directory`]), and
//! (org, integration) → integration with its credentials opened, so a search does not go to
//! PostgreSQL three times (and decrypt) on every request.
//!
//! Nothing here may outlive a change, wherever it is made: another replica, the CLI, an
//! operator's SQL. The tables the memory derives from notify every committed change
//! (`migrations/postgres/0002_notify.sql`); the `listener` task receives the notifications
//! and each one makes the memory forget everything. A write through this store forgets too,
//! when it ends (see [`Memo::change`]), so its own next lookup sees it without waiting for
//! the notification to come back.
//!
//! The memory counts in an *epoch*, moved (under the lock of what is held) on every
//! forgetting: odd while it is off (not yet listening, or the listening connection was
//! lost, when notifications may be missed), even while it is on. A lookup takes the epoch
//! (its [`Stamp`]) *before* reading PostgreSQL and keeps the answer only when the epoch is
//! still the same, and even, afterwards: an answer that may predate a change the memory
//! has been told about is never kept. What is held always belongs to the current epoch.
//!
//! Tokens and orgs are held whole, so unknown ones are answered from memory too; only found
//! integrations are kept (a flood of unknown ids cannot fill memory), in a bounded map.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use domain::{Integration, OrgId};
use store_common::Directory;

/// Entries kept in the map of integrations before it is emptied.
const MAX_ENTRIES: usize = 10_000;

/// The epoch as a lookup found it before reading PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp(u64);

impl Stamp {
    /// Whether the memory was on: answers may be taken from it and kept in it.
    pub(crate) fn usable(self) -> bool {
        self.0 % 2 == 0
    }
}

#[derive(Default)]
struct State {
    directory: Option<Arc<Directory>>,
    integrations: HashMap<(i64, i64), Integration>,
}

/// The memory, shared by every clone of the store and its listener task.
pub(crate) struct Memo {
    /// Odd: off. Moves only while `state` is locked.
    epoch: AtomicU64,
    state: Mutex<State>,
    hits: AtomicU64,
    directory_reads: AtomicU64,
    resets: AtomicU64,
    /// Tests only: notifications are counted but forget nothing, so that what a write of
    /// this store forgets by itself can be checked.
    #[cfg(test)]
    pub(crate) deaf: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the remembered credentials.
        f.debug_struct("Memo")
            .field("epoch", &self.epoch.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// Forgets everything when dropped: see [`Memo::change`].
#[must_use = "the memory forgets when this is dropped"]
pub(crate) struct Change<'a>(&'a Memo);

impl Drop for Change<'_> {
    fn drop(&mut self) {
        self.0.forget();
    }
}

impl Memo {
    /// A memory that is off until [`Memo::enable`].
    pub(crate) fn new() -> Self {
        Self {
            epoch: AtomicU64::new(1),
            state: Mutex::new(State::default()),
            hits: AtomicU64::new(0),
            directory_reads: AtomicU64::new(0),
            resets: AtomicU64::new(0),
            #[cfg(test)]
            deaf: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The epoch now, taken before reading PostgreSQL.
    pub(crate) fn stamp(&self) -> Stamp {
        Stamp(self.epoch.load(Ordering::Acquire))
    }

    /// What is held, if it may be used under `stamp` (on, and still current).
    fn state(&self, stamp: Stamp) -> Option<MutexGuard<'_, State>> {
        if !stamp.usable() {
            return None;
        }
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        (self.epoch.load(Ordering::Acquire) == stamp.0).then_some(state)
    }

    /// Moves the epoch to `next(epoch)` and forgets everything, under the lock.
    fn advance(&self, next: impl FnOnce(u64) -> u64) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let epoch = self.epoch.load(Ordering::Acquire);
        self.epoch.store(next(epoch), Ordering::Release);
        state.directory = None;
        state.integrations = HashMap::new();
        self.resets.fetch_add(1, Ordering::Relaxed);
    }

    /// Forgets everything (a change was committed), staying on or off.
    pub(crate) fn forget(&self) {
        self.advance(|e| e + 2);
    }

    /// A notification came: forgets everything.
    pub(crate) fn notified(&self) {
        #[cfg(test)]
        if self.deaf.load(Ordering::Relaxed) {
            return;
        }
        self.forget();
    }

    /// Held by a write of this store while it runs: when the write ends (committed, failed
    /// or cancelled) everything is forgotten, so a lookup that starts after it cannot be
    /// answered from before it. Answers kept while it ran are forgotten with the rest.
    pub(crate) fn change(&self) -> Change<'_> {
        Change(self)
    }

    /// Turns the memory on, with nothing held: call once LISTEN is in effect, so that every
    /// change committed from now on is notified.
    pub(crate) fn enable(&self) {
        self.advance(|e| (e | 1) + 1);
    }

    /// Turns the memory off (and forgets everything): notifications may be missed from
    /// now on, until [`Memo::enable`].
    pub(crate) fn disable(&self) {
        self.advance(|e| (e + 1) | 1);
    }

    /// Whether lookups are answered from memory.
    pub(crate) fn enabled(&self) -> bool {
        self.stamp().usable()
    }

    /// Answers given from memory so far.
    pub(crate) fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// How many times everything was forgotten (notifications, writes of this store, the
    /// memory turned on or off).
    pub(crate) fn resets(&self) -> u64 {
        self.resets.load(Ordering::Relaxed)
    }

    fn hit<T>(&self, found: Option<T>) -> Option<T> {
        if found.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// Every org and active token, if held under `stamp`.
    pub(crate) fn directory(&self, stamp: Stamp) -> Option<Arc<Directory>> {
        let found = self.state(stamp)?.directory.clone();
        self.hit(found)
    }

    /// How many times the directory was read from PostgreSQL.
    pub(crate) fn directory_reads(&self) -> u64 {
        self.directory_reads.load(Ordering::Relaxed)
    }

    /// Keeps a directory read under `stamp`, unless the epoch moved since (or it was off).
    pub(crate) fn keep_directory(&self, stamp: Stamp, directory: Arc<Directory>) {
        self.directory_reads.fetch_add(1, Ordering::Relaxed);
        if let Some(mut s) = self.state(stamp) {
            s.directory = Some(directory);
        }
    }

    /// The integration `id` as linked to `org`, if held under `stamp`.
    pub(crate) fn integration(&self, stamp: Stamp, org: OrgId, id: i64) -> Option<Integration> {
        let found = self.state(stamp)?.integrations.get(&(org.0, id)).cloned();
        self.hit(found)
    }

    /// Keeps an integration found linked to `org` under `stamp`, unless the epoch moved
    /// since (or it was off).
    pub(crate) fn keep_integration(&self, stamp: Stamp, org: OrgId, i: &Integration) {
        if let Some(mut s) = self.state(stamp) {
            if s.integrations.len() >= MAX_ENTRIES {
                s.integrations.clear();
            }
            s.integrations.insert((org.0, i.id.0), i.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_kept_while_off_nor_across_a_change() {
        let memo = Memo::new();
        let dir = || Arc::new(Directory::default());
        // Off at first: nothing kept.
        let off = memo.stamp();
        assert!(!off.usable());
        memo.keep_directory(off, dir());
        assert!(memo.directory(off).is_none());
        memo.enable();
        let on = memo.stamp();
        assert!(on.usable() && on != off);
        // Read under an old stamp (before it was on): not kept.
        memo.keep_directory(off, dir());
        assert!(memo.directory(on).is_none());
        memo.keep_directory(on, dir());
        assert!(memo.directory(on).is_some());
        assert_eq!(memo.hits(), 1);
        // A change during a read: the answer is not kept, and what was held is gone.
        let before = memo.stamp();
        memo.forget();
        memo.keep_directory(before, dir());
        assert!(memo.directory(memo.stamp()).is_none());
        assert!(memo.directory(before).is_none());
        // A write of this store forgets when it ends.
        memo.keep_directory(memo.stamp(), dir());
        {
            let _change = memo.change();
            assert!(memo.directory(memo.stamp()).is_some());
        }
        assert!(memo.directory(memo.stamp()).is_none());
        // Lost the connection: off, and nothing answered from a stamp taken before.
        let on = memo.stamp();
        memo.keep_directory(on, dir());
        memo.disable();
        assert!(!memo.enabled());
        assert!(memo.directory(on).is_none());
        let down = memo.stamp();
        memo.forget();
        assert!(!memo.enabled(), "a change while off keeps it off");
        memo.keep_directory(down, dir());
        memo.enable();
        assert!(memo.directory(memo.stamp()).is_none());
        assert_eq!(memo.directory_reads(), 7);
    }
}
