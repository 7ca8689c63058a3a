//! Request coalescing: identical Jira calls in flight at the same moment are made once, and
//! every caller waiting for them gets the same answer, an error included. Nothing is kept
//! once the call ends: the next caller after that asks again (or finds the cache filled).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::ports::JiraError;

type Slot<T> = Arc<OnceCell<Result<T, JiraError>>>;

/// Calls in flight, by key (the cache key of what they fetch).
pub struct Coalescer<T> {
    inflight: Mutex<HashMap<String, Slot<T>>>,
}

impl<T> Default for Coalescer<T> {
    fn default() -> Self {
        Self {
            inflight: Mutex::new(HashMap::new()),
        }
    }
}

impl<T: Clone> Coalescer<T> {
    /// Runs `fetch` unless a call with the same `key` is in flight, in which case its result
    /// is awaited and shared. If the caller running it goes away, a waiter takes over.
    pub async fn run<F, Fut>(&self, key: &str, fetch: F) -> Result<T, JiraError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, JiraError>>,
    {
        let slot = self
            .lock()
            .entry(key.to_owned())
            .or_insert_with(|| Arc::new(OnceCell::new()))
            .clone();
        let result = slot.get_or_init(fetch).await.clone();
        // The first caller to finish removes the slot, so a later caller asks afresh.
        let mut inflight = self.lock();
        if inflight.get(key).is_some_and(|s| Arc::ptr_eq(s, &slot)) {
            inflight.remove(key);
        }
        result
    }

    /// How many keys have a call in flight.
    pub fn in_flight(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot<T>>> {
        self.inflight.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn concurrent_identical_calls_run_once_and_share_the_answer() {
        let c = Arc::new(Coalescer::<u32>::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(tokio::sync::Notify::new());
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (c, calls, gate) = (c.clone(), calls.clone(), gate.clone());
            tasks.push(tokio::spawn(async move {
                c.run("k", || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    gate.notified().await;
                    Ok(7)
                })
                .await
            }));
        }
        while calls.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        gate.notify_one();
        for t in tasks {
            assert_eq!(t.await.unwrap(), Ok(7));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(c.in_flight(), 0);
        // Other keys are separate calls.
        assert_eq!(c.run("other", || async { Ok(8) }).await, Ok(8));
    }

    #[tokio::test]
    async fn an_error_reaches_every_waiter_and_the_next_call_tries_again() {
        let c = Arc::new(Coalescer::<u32>::default());
        let gate = Arc::new(tokio::sync::Notify::new());
        let started = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let (c, gate, started) = (c.clone(), gate.clone(), started.clone());
            tasks.push(tokio::spawn(async move {
                c.run("k", || async {
                    started.fetch_add(1, Ordering::SeqCst);
                    gate.notified().await;
                    Err(JiraError::Timeout)
                })
                .await
            }));
        }
        while started.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        gate.notify_one();
        for t in tasks {
            assert_eq!(t.await.unwrap(), Err(JiraError::Timeout));
        }
        assert_eq!(started.load(Ordering::SeqCst), 1);
        assert_eq!(c.run("k", || async { Ok(1) }).await, Ok(1));
    }

    #[tokio::test]
    async fn a_waiter_takes_over_when_the_caller_running_the_call_goes_away() {
        let c = Arc::new(Coalescer::<u32>::default());
        let leader = {
            let c = c.clone();
            tokio::spawn(async move {
                c.run("k", || async {
                    std::future::pending::<()>().await;
                    Ok(1)
                })
                .await
            })
        };
        while c.in_flight() == 0 {
            tokio::task::yield_now().await;
        }
        let waiter = {
            let c = c.clone();
            tokio::spawn(async move { c.run("k", || async { Ok(2) }).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        leader.abort();
        assert_eq!(waiter.await.unwrap(), Ok(2));
    }
}
