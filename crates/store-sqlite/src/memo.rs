//! The hot path's memory: every org and active caller token (the [`Directory`]), and
//! (org, integration) → integration with its credentials opened, so a search does not go to
//! SQLite three times (and decrypt) on every request.
//!
//! Nothing here may outlive a change, wherever it comes from: `jira-search token revoke` runs
//! in another process. Every lookup first reads the WAL-index header at the start of the
//! database's `-shm` file (documented in SQLite's "WAL-mode file format": its change counter,
//! frame count and salts move on every committed write transaction, before the commit
//! returns) and forgets everything when it moved. That costs two system calls (a `stat` to
//! notice a recreated file, and a 48-byte `pread`), not a database round trip. When the
//! header cannot be read (an in-memory database, no `-shm` yet) nothing is remembered.
//!
//! Tokens and orgs are held whole, so unknown ones are answered from memory too; only found
//! integrations are kept (a flood of unknown ids cannot fill memory), in a bounded map.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use domain::{Integration, OrgId};

use store_common::Directory;

/// Bytes of the first copy of the WAL-index header.
const HEADER: usize = 48;

/// Entries kept per map before it is emptied.
const MAX_ENTRIES: usize = 10_000;

/// The WAL-index header as read at the start of a lookup.
pub(crate) type Stamp = [u8; HEADER];

#[derive(Default)]
struct State {
    stamp: Option<Stamp>,
    directory: Option<Arc<Directory>>,
    integrations: HashMap<(i64, i64), Integration>,
}

impl State {
    fn clear(&mut self) {
        self.directory = None;
        self.integrations.clear();
    }
}

/// The memory, shared by every clone of the store.
pub(crate) struct Memo {
    shm_path: Option<PathBuf>,
    shm: Mutex<Option<(File, u64)>>,
    state: Mutex<State>,
    hits: AtomicU64,
    directory_reads: AtomicU64,
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the remembered credentials.
        f.debug_struct("Memo")
            .field("shm_path", &self.shm_path)
            .finish_non_exhaustive()
    }
}

impl Memo {
    /// A memory for the database file at `db_path` (`None`: in memory, nothing is kept).
    pub(crate) fn new(db_path: Option<PathBuf>) -> Self {
        let shm_path = db_path.map(|p| {
            let mut s = p.into_os_string();
            s.push("-shm");
            PathBuf::from(s)
        });
        Self {
            shm_path,
            shm: Mutex::new(None),
            state: Mutex::new(State::default()),
            hits: AtomicU64::new(0),
            directory_reads: AtomicU64::new(0),
        }
    }

    /// Reads the WAL-index header; `None` when it cannot be read (then nothing is used or kept).
    pub(crate) fn stamp(&self) -> Option<Stamp> {
        let path = self.shm_path.as_ref()?;
        let ino = std::fs::metadata(path).ok()?.ino();
        let mut shm = self.shm.lock().unwrap_or_else(|p| p.into_inner());
        if shm.as_ref().is_none_or(|(_, held)| *held != ino) {
            *shm = Some((File::open(path).ok()?, ino));
        }
        let (file, _) = shm.as_ref()?;
        let mut header = [0u8; HEADER];
        file.read_exact_at(&mut header, 0).ok()?;
        Some(header)
    }

    /// Answers given from memory so far.
    pub(crate) fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    fn hit<T>(&self, found: Option<T>) -> Option<T> {
        if found.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// The state if `stamp` is current; forgets everything first when it moved.
    fn state(&self, stamp: Option<Stamp>) -> Option<std::sync::MutexGuard<'_, State>> {
        let stamp = stamp?;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.stamp != Some(stamp) {
            state.clear();
            state.stamp = Some(stamp);
        }
        Some(state)
    }

    /// The state for keeping an answer read under `stamp`, unless the database moved since
    /// (then the answer may be stale and is not kept).
    fn state_to_keep(&self, stamp: Option<Stamp>) -> Option<std::sync::MutexGuard<'_, State>> {
        let stamp = stamp?;
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        (state.stamp == Some(stamp)).then_some(state)
    }

    /// Every org and active token, if read under the current stamp.
    pub(crate) fn directory(&self, stamp: Option<Stamp>) -> Option<Arc<Directory>> {
        let found = self.state(stamp)?.directory.clone();
        self.hit(found)
    }

    /// How many times the directory was read from SQLite.
    pub(crate) fn directory_reads(&self) -> u64 {
        self.directory_reads.load(Ordering::Relaxed)
    }

    /// Keeps a directory read under `stamp`, unless the database moved since.
    pub(crate) fn keep_directory(&self, stamp: Option<Stamp>, directory: Arc<Directory>) {
        self.directory_reads.fetch_add(1, Ordering::Relaxed);
        if let Some(mut s) = self.state_to_keep(stamp) {
            s.directory = Some(directory);
        }
    }

    pub(crate) fn integration(
        &self,
        stamp: Option<Stamp>,
        org: OrgId,
        id: i64,
    ) -> Option<Integration> {
        let found = self.state(stamp)?.integrations.get(&(org.0, id)).cloned();
        self.hit(found)
    }

    pub(crate) fn keep_integration(&self, stamp: Option<Stamp>, org: OrgId, i: &Integration) {
        if let Some(mut s) = self.state_to_keep(stamp) {
            if s.integrations.len() >= MAX_ENTRIES {
                s.integrations.clear();
            }
            s.integrations.insert((org.0, i.id.0), i.clone());
        }
    }
}
