//! `jira-sim`: runs one simulated Jira until SIGINT/SIGTERM. Prints its base URL alone on the
//! first line of stdout once it accepts connections.

#![forbid(unsafe_code)]

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use jira_sim::{Flavor, SimConfig, SimSite};

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
    /// An OAuth 1.0a RSA-SHA1 consumer KEY:PATH_TO_PUBLIC_PEM (SPKI or PKCS#1; split on the
    /// first ':'); repeatable.
    #[arg(long = "oauth1-consumer", value_name = "KEY:PATH", value_parser = parse_pair)]
    oauth1_consumers: Vec<(String, String)>,
    /// An OAuth 1.0a access token to accept; repeatable.
    #[arg(long = "oauth1-token", value_name = "TOKEN")]
    oauth1_tokens: Vec<String>,
    /// An Atlassian Connect app ISSUER:SECRET whose JWTs are accepted (split on the first ':');
    /// repeatable.
    #[arg(long = "connect-app", value_name = "ISSUER:SECRET", value_parser = parse_pair)]
    connect_apps: Vec<(String, String)>,
    /// An OAuth 2.0 client ID:SECRET:REFRESH_TOKEN (the id ends at the first ':', the refresh
    /// token starts after the last; empty for none, as in `id:secret:`), also a client of the
    /// authorization servers; repeatable.
    #[arg(long = "oauth2-client", value_name = "ID:SECRET:REFRESH_TOKEN", value_parser = parse_oauth2_client)]
    oauth2_clients: Vec<(String, String, String)>,
    /// Lifetime of issued OAuth 2.0 access tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    oauth2_access_ttl_secs: u64,
    /// A Cloud site a 3LO grant covers, ID:NAME[:URL] (the URL defaults to
    /// https://NAME.atlassian.net); repeatable. Without any, one site named jira-sim.
    #[arg(long = "cloud-site", value_name = "ID:NAME[:URL]", value_parser = parse_cloud_site)]
    cloud_sites: Vec<SimSite>,
    /// A 3LO grant covers no Cloud site.
    #[arg(long, conflicts_with = "cloud_sites")]
    no_cloud_sites: bool,
    /// A redirect URI registered for the OAuth 2.0 clients; repeatable. Without any, every
    /// absolute URI is accepted.
    #[arg(long = "oauth2-redirect-uri", value_name = "URI")]
    oauth2_redirect_uris: Vec<String>,
    /// Lifetime of authorization codes (OAuth 2.0) and request tokens (OAuth 1.0a), in
    /// seconds.
    #[arg(long, default_value_t = 300)]
    oauth_code_ttl_secs: u64,
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

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once(':') {
        Some((name, value)) if !name.is_empty() && !value.is_empty() => {
            Ok((name.to_string(), value.to_string()))
        }
        _ => Err("expected NAME:VALUE".to_string()),
    }
}

fn parse_oauth2_client(s: &str) -> Result<(String, String, String), String> {
    let err = || "expected ID:SECRET:REFRESH_TOKEN".to_string();
    let (id, rest) = s.split_once(':').ok_or_else(err)?;
    let (secret, refresh) = rest.rsplit_once(':').ok_or_else(err)?;
    if id.is_empty() {
        return Err(err());
    }
    Ok((id.to_string(), secret.to_string(), refresh.to_string()))
}

fn parse_cloud_site(s: &str) -> Result<SimSite, String> {
    let err = || "expected ID:NAME or ID:NAME:URL".to_string();
    let (id, rest) = s.split_once(':').ok_or_else(err)?;
    let (name, url) = match rest.split_once(':') {
        Some((name, url)) => (name, Some(url)),
        None => (rest, None),
    };
    if id.is_empty() || id.contains('/') || name.is_empty() || url.is_some_and(str::is_empty) {
        return Err(err());
    }
    let mut site = SimSite::new(id, name);
    if let Some(url) = url {
        site.url = url.to_string();
    }
    Ok(site)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut oauth1_consumers = Vec::new();
    for (key, path) in &args.oauth1_consumers {
        match std::fs::read_to_string(path) {
            Ok(pem) => oauth1_consumers.push((key.clone(), pem)),
            Err(e) => {
                eprintln!(
                    "jira-sim: cannot read the public key of consumer '{key}' at {path}: {e}"
                );
                return ExitCode::FAILURE;
            }
        }
    }
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
        oauth1_consumers,
        oauth1_tokens: args.oauth1_tokens,
        connect_apps: args.connect_apps,
        oauth2_clients: args.oauth2_clients,
        oauth2_access_ttl_secs: args.oauth2_access_ttl_secs,
        oauth2_redirect_uris: args.oauth2_redirect_uris,
        oauth_code_ttl_secs: args.oauth_code_ttl_secs,
        ..SimConfig::default()
    };
    let cfg = if args.no_cloud_sites {
        SimConfig {
            cloud_sites: Vec::new(),
            ..cfg
        }
    } else if args.cloud_sites.is_empty() {
        cfg
    } else {
        SimConfig {
            cloud_sites: args.cloud_sites,
            ..cfg
        }
    };
    let sim = match jira_sim::start(cfg).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("jira-sim: cannot start on {}: {e}", args.listen);
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
        assert!(a.oauth2_clients.is_empty());
        assert_eq!(a.oauth2_access_ttl_secs, 3600);
    }

    #[test]
    fn auth_scheme_flags_parse() {
        let a = Args::try_parse_from([
            "jira-sim",
            "--oauth1-consumer",
            "jira-search:/tmp/key.pem",
            "--oauth1-consumer",
            "other:/k.pem",
            "--oauth1-token",
            "at1",
            "--connect-app",
            "com.example.app:sh:ar:ed",
            "--oauth2-client",
            "cid:sec:ret:rt-1",
            "--oauth2-access-ttl-secs",
            "5",
        ])
        .unwrap();
        assert_eq!(
            a.oauth1_consumers,
            vec![
                ("jira-search".to_string(), "/tmp/key.pem".to_string()),
                ("other".to_string(), "/k.pem".to_string())
            ]
        );
        assert_eq!(a.oauth1_tokens, vec!["at1"]);
        assert_eq!(
            a.connect_apps,
            vec![("com.example.app".to_string(), "sh:ar:ed".to_string())]
        );
        assert_eq!(
            a.oauth2_clients,
            vec![("cid".to_string(), "sec:ret".to_string(), "rt-1".to_string())]
        );
        assert_eq!(a.oauth2_access_ttl_secs, 5);
        assert!(parse_oauth2_client("cid:rt").is_err());
        assert!(parse_oauth2_client(":sec:rt").is_err());
        assert!(parse_pair("nocolon").is_err());
    }

    #[test]
    fn authorization_server_flags_parse() {
        let a = Args::try_parse_from([
            "jira-sim",
            "--flavor",
            "cloud",
            "--oauth2-client",
            "demo-client:demo-secret:",
            "--cloud-site",
            "c-1:acme:https://acme.example.net",
            "--cloud-site",
            "c-2:beta",
            "--oauth2-redirect-uri",
            "http://127.0.0.1:8080/callback",
            "--oauth-code-ttl-secs",
            "1",
        ])
        .unwrap();
        assert_eq!(
            a.oauth2_clients,
            vec![(
                "demo-client".to_string(),
                "demo-secret".to_string(),
                String::new()
            )]
        );
        assert_eq!(
            a.cloud_sites,
            vec![
                SimSite {
                    id: "c-1".into(),
                    name: "acme".into(),
                    url: "https://acme.example.net".into()
                },
                SimSite::new("c-2", "beta")
            ]
        );
        assert_eq!(a.cloud_sites[1].url, "https://beta.atlassian.net");
        assert_eq!(
            a.oauth2_redirect_uris,
            vec!["http://127.0.0.1:8080/callback"]
        );
        assert_eq!(a.oauth_code_ttl_secs, 1);
        assert!(!a.no_cloud_sites);

        let defaults = Args::try_parse_from(["jira-sim", "--no-cloud-sites"]).unwrap();
        assert!(defaults.no_cloud_sites);
        assert_eq!(defaults.oauth_code_ttl_secs, 300);
        assert!(
            Args::try_parse_from(["jira-sim", "--no-cloud-sites", "--cloud-site", "c:n"]).is_err()
        );
        for bad in ["nocolon", ":name", "id:", "a/b:name", "id:name:"] {
            assert!(parse_cloud_site(bad).is_err(), "{bad}");
        }
    }
}
