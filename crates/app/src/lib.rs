//! jira-search as a library: the HTTP service over any adapters ([`Service`]), served on a
//! listener of the caller's choice, and the CLI the `jira-search` binary runs.
//!
//! A black-box test builds the service over fakes or adapters of its own and serves it
//! in-process (docs/testing.md):
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use domain::testing::{InMemoryCache, InMemoryStore, ScriptedJira};
//! let service = app::Service::new(
//!     ScriptedJira::new(),
//!     InMemoryStore::new(),
//!     InMemoryCache::new(),
//!     domain::SearchSettings::default(),
//! );
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let running = service.spawn(listener, app::ServingSettings::default())?;
//! println!("searching at {}", running.base_url());
//! running.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod admin;
pub mod config;
pub mod http;
pub mod metrics;
pub mod server;
pub mod service;
mod telemetry;

pub use service::{AppState, RunningService, Service, ServingSettings, MAX_HEAD_BYTES};

use config::{Cli, Command};

/// Runs one parsed command line to its end.
///
/// # Errors
/// A [`CliError`] saying what failed and which exit code it means.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve(args) => server::serve(&cli.database_url, args).await,
        Command::Healthcheck { listen_addr } => server::healthcheck(listen_addr).await,
        other => admin::run(&cli.database_url, other).await,
    }
}

/// A failure of a command: what to print and which exit code (2 for the user's input).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad usage or invalid input: exit code 2.
    #[error("{0}")]
    Usage(String),
    /// Anything else: exit code 1.
    #[error("{0}")]
    Failure(String),
}

impl CliError {
    /// 2 for the user's mistake, 1 for anything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Failure(_) => 1,
        }
    }
}

impl From<store_sqlite::SqliteStoreError> for CliError {
    fn from(e: store_sqlite::SqliteStoreError) -> Self {
        if e.is_user_error() {
            Self::Usage(e.to_string())
        } else {
            Self::Failure(error_chain(&e))
        }
    }
}

impl From<domain::AdminError> for CliError {
    fn from(e: domain::AdminError) -> Self {
        if e.is_caller_mistake() {
            Self::Usage(e.to_string())
        } else {
            Self::Failure(error_chain(&e))
        }
    }
}

impl From<domain::InvalidInput> for CliError {
    fn from(e: domain::InvalidInput) -> Self {
        Self::Usage(e.0)
    }
}

/// An error and its sources on one line, `a: b: c`, each said once.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.ends_with(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}
