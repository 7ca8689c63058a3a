//! `jira-sim`: runs one simulated Jira until SIGINT/SIGTERM. Prints its base URL alone on the
//! first line of stdout once it accepts connections.

#![forbid(unsafe_code)]

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use jira_sim::{Flavor, SimConfig};

/// A faithful Jira Server / Cloud simulator for tests, demos and benchmarks.
#[derive(Debug, Parser)]
#[command(name = "jira-sim", version, about)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Jira Server / Data Center or Jira Cloud behaviour.
    #[arg(long, default_value = "server", value_parser = parse_flavor)]
    flavor: Flavor,
    /// Number of generated users.
    #[arg(long, default_value_t = 25)]
    users: usize,
    /// Number of generated projects.
    #[arg(long, default_value_t = 5)]
    projects: usize,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Issues generated in each project.
    #[arg(long, default_value_t = 3)]
    issues_per_project: usize,
    /// Milliseconds added to every answer.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// A bearer token (personal access token, OAuth access token) to accept; repeatable.
    #[arg(long = "accept-token", value_name = "TOKEN")]
    accept_tokens: Vec<String>,
    /// A Basic credential USER:SECRET to accept (split on the first ':'); repeatable.
    #[arg(long = "accept-basic", value_name = "USER:SECRET", value_parser = parse_basic)]
    accept_basic: Vec<(String, String)>,
    /// Context path every Jira route lives under, e.g. /jira.
    #[arg(long, default_value = "")]
    context_path: String,
    /// Jira Server: the instance hides e-mail addresses.
    #[arg(long)]
    hide_emails: bool,
}

fn parse_flavor(s: &str) -> Result<Flavor, String> {
    s.parse()
}

fn parse_basic(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((user, secret)) if !user.is_empty() => Ok((user.to_string(), secret.to_string())),
        _ => Err("expected USER:SECRET".to_string()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let cfg = SimConfig {
        flavor: args.flavor,
        listen: args.listen,
        context_path: args.context_path,
        users: args.users,
        projects: args.projects,
        seed: args.seed,
        issues_per_project: args.issues_per_project,
        latency_ms: args.latency_ms,
        accept_tokens: args.accept_tokens,
        accept_basic: args.accept_basic,
        hide_emails: args.hide_emails,
        ..SimConfig::default()
    };
    let sim = match jira_sim::start(cfg).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("jira-sim: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        // If nobody reads stdout any more, keep serving anyway.
        let _ = writeln!(out, "{}", sim.base_url()).and_then(|()| out.flush());
    }
    eprintln!(
        "jira-sim: {} flavour listening on {}",
        sim.flavor(),
        sim.base_url()
    );
    wait_for_signal().await;
    sim.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_splits_on_first_colon() {
        assert_eq!(
            parse_basic("bob@example.com:a:b").unwrap(),
            ("bob@example.com".to_string(), "a:b".to_string())
        );
        assert!(parse_basic("nocolon").is_err());
    }

    #[test]
    fn cli_parses() {
        let a = Args::try_parse_from([
            "jira-sim",
            "--flavor",
            "cloud",
            "--accept-token",
            "t1",
            "--accept-token",
            "t2",
            "--accept-basic",
            "u:p",
            "--context-path",
            "/jira",
            "--hide-emails",
        ])
        .unwrap();
        assert_eq!(a.flavor, Flavor::Cloud);
        assert_eq!(a.accept_tokens, vec!["t1", "t2"]);
        assert_eq!(a.accept_basic, vec![("u".to_string(), "p".to_string())]);
        assert!(a.hide_emails);
        assert_eq!(a.users, 25);
    }
}
