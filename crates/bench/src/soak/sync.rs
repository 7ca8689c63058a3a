//! The soak's shared state is behind std mutexes, held briefly and never across an await.

use std::sync::{Mutex, MutexGuard};

/// Locks a mutex, whether or not a task panicked while holding it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
