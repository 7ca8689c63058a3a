//! The listening connection: a task that LISTENs on [`CHANNEL`] and makes the memo forget
//! everything on each notification.
//!
//! Notifications sent while no connection listens are lost, so the memo is on only while
//! one does: it is turned off (and emptied) the moment the connection is found lost, and on
//! again (still empty) once a new connection's LISTEN is in effect. A connection closed by
//! the server or the network is noticed at once; one that goes silent (a dead peer, a cut
//! cable) by a probe: after [`Timing::probe_after`] without a message, `SELECT 1` must
//! answer within [`Timing::probe_timeout`].
//!
//! The connection is its own (a pool of one, outside the store's pool), named
//! `<application_name>-listener` (`jira-search-listener` by default) in `pg_stat_activity`.
//! The task ends when the last clone of the store is dropped, or when the store is closed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use sqlx::Executor;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::memo::Memo;

/// The channel the triggers of `migrations/postgres/0002_notify.sql` notify.
pub(crate) const CHANNEL: &str = "jira_search_changes";

/// How the listener watches its connection and comes back after losing it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// Time without any message after which the connection is probed.
    pub(crate) probe_after: Duration,
    /// How long the probe (and connecting) may take before the connection counts as lost.
    pub(crate) probe_timeout: Duration,
    /// The first wait before connecting again after a failure; it doubles up to `retry_max`.
    pub(crate) retry_min: Duration,
    pub(crate) retry_max: Duration,
}

impl Timing {
    /// A silent connection is noticed within 10 s; a refused one is retried within 5 s.
    pub(crate) const DEFAULT: Self = Self {
        probe_after: Duration::from_secs(5),
        probe_timeout: Duration::from_secs(5),
        retry_min: Duration::from_millis(100),
        retry_max: Duration::from_secs(5),
    };
}

/// The task and its connection's pool; dropping it (with the last clone of the store) ends
/// the task.
pub(crate) struct Listener {
    pool: PgPool,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener").finish_non_exhaustive()
    }
}

/// Why listening stopped.
enum Ended {
    /// The store is closed or gone.
    Stopped,
    /// The connection is lost (or does not answer).
    Lost,
}

impl Listener {
    /// Connects with `options` (renamed `<application_name>-listener`), LISTENs, turns
    /// `memo` on and spawns the task. When this first connection fails, the task keeps
    /// trying (the memo stays off meanwhile). `None` without a tokio runtime: then nothing
    /// tells the memo of changes, and it stays off.
    pub(crate) async fn start(
        options: &PgConnectOptions,
        memo: Arc<Memo>,
        timing: Timing,
    ) -> Option<Self> {
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let name = options.get_application_name().unwrap_or("jira-search");
        let options = options
            .clone()
            .application_name(&format!("{name}-listener"));
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(timing.probe_timeout)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy_with(options);
        let first = subscribe(&pool, timing).await;
        if first.is_some() {
            memo.enable();
        }
        let (stop, stopped) = oneshot::channel();
        let task = runtime.spawn(run(first, pool.clone(), memo, stopped, timing));
        Some(Self {
            pool,
            stop: Mutex::new(Some(stop)),
            task: Mutex::new(Some(task)),
        })
    }

    /// Ends the task and closes its connection.
    pub(crate) async fn stop(&self) {
        drop(self.stop.lock().unwrap_or_else(|p| p.into_inner()).take());
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(task) = task {
            // It ends at once; a panic in it changes nothing here.
            let _ = task.await;
        }
        self.pool.close().await;
    }
}

/// A connection of `pool` with LISTEN in effect, or `None` when it cannot be had within
/// the probe's timeout.
async fn subscribe(pool: &PgPool, timing: Timing) -> Option<PgListener> {
    let listen = async {
        let mut listener = PgListener::connect_with(pool).await?;
        // A lost connection is reported (`Ok(None)`) without connecting again: the task
        // connects again itself, once the memo is off.
        listener.eager_reconnect(false);
        listener.listen(CHANNEL).await?;
        Ok::<_, sqlx::Error>(listener)
    };
    tokio::time::timeout(timing.probe_timeout, listen)
        .await
        .ok()?
        .ok()
}

/// Listens while the store is there: turns the memo off when the connection is lost, and
/// on again once a new connection listens.
async fn run(
    mut listener: Option<PgListener>,
    pool: PgPool,
    memo: Arc<Memo>,
    mut stopped: oneshot::Receiver<()>,
    timing: Timing,
) {
    let mut retry = timing.retry_min;
    loop {
        let Some(mut connected) = listener.take() else {
            tokio::select! {
                biased;
                _ = &mut stopped => return,
                found = subscribe(&pool, timing) => match found {
                    Some(found) => {
                        memo.enable();
                        retry = timing.retry_min;
                        listener = Some(found);
                    }
                    None => {
                        tokio::select! {
                            biased;
                            _ = &mut stopped => return,
                            () = tokio::time::sleep(retry) => {}
                        }
                        retry = (retry * 2).min(timing.retry_max);
                    }
                },
            }
            continue;
        };
        match listen(&mut connected, &memo, &mut stopped, timing).await {
            Ended::Stopped => return,
            Ended::Lost => {
                // Off before anything else: changes from now on may go unnoticed.
                memo.disable();
                drop(connected);
                if pool.is_closed() {
                    return;
                }
            }
        }
    }
}

/// Receives notifications on `listener` until the connection is lost or the store stops.
async fn listen(
    listener: &mut PgListener,
    memo: &Memo,
    stopped: &mut oneshot::Receiver<()>,
    timing: Timing,
) -> Ended {
    loop {
        tokio::select! {
            biased;
            _ = &mut *stopped => return Ended::Stopped,
            // Cancel-safe (sqlx reads a message whole or not at all).
            received = listener.try_recv() => match received {
                Ok(Some(_)) => memo.notified(),
                // Lost (`None`), or another error: the connection cannot be trusted.
                Ok(None) | Err(_) => return Ended::Lost,
            },
            () = tokio::time::sleep(timing.probe_after) => {
                // Notifications that come during the probe are kept for `try_recv`.
                let probe = (&mut *listener).execute("SELECT 1");
                let answered = tokio::time::timeout(timing.probe_timeout, probe).await;
                if !matches!(answered, Ok(Ok(_))) {
                    return Ended::Lost;
                }
            }
        }
    }
}
