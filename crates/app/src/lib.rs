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
pub mod api;
pub mod config;
mod connect_config;
mod copy;
mod error;
pub mod http;
pub mod metrics;
pub mod reply;
pub mod server;
pub mod service;
pub mod state;
pub mod store;
mod telemetry;

pub use error::{error_chain, CliError};
pub use service::{RunningService, Service, ServingSettings, MAX_HEAD_BYTES};
pub use state::AppState;

use config::{Cli, Command};

/// Runs one parsed command line to its end.
///
/// # Errors
/// A [`CliError`] saying what failed and which exit code it means.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve(args) => server::serve(&cli.database_url, *args).await,
        Command::Healthcheck { listen_addr } => server::healthcheck(listen_addr).await,
        Command::Db(config::DbCommand::Copy { from, to }) => copy::run(&from, &to).await,
        other => admin::run(&cli.database_url, other).await,
    }
}
