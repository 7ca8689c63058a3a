//! `jira-search`: the CLI and the composition root.

use std::process::ExitCode;

use clap::Parser;

mod admin;
mod config;
mod http;
mod metrics;
mod server;
mod telemetry;

use config::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => server::serve(&cli.database_url, args).await,
            Command::Healthcheck { listen_addr } => server::healthcheck(listen_addr).await,
            other => admin::run(&cli.database_url, other).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
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
    fn exit_code(&self) -> u8 {
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
