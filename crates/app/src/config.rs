//! Command line and configuration (docs/api.md, docs/operations.md): every setting is a flag of `serve` and an
//! environment variable; the flag wins. Each default is the library's own (written once).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use domain::SearchSettings;
use jira_http::{GuardSettings, JiraHttpConfig};

use crate::http::cors::{DEFAULT_MAX_AGE_SECONDS, MAX_AGE_LIMIT_SECONDS};
use crate::service::ServingSettings;

/// Where `serve` listens and `healthcheck` asks, unless told otherwise.
pub const DEFAULT_LISTEN_ADDR: &str = "127.0.0.1:8080";

/// Which Jira users, issues or field values match what I typed?
#[derive(Debug, Parser)]
#[command(name = "jira-search", version, about, propagate_version = true)]
pub struct Cli {
    /// The database: a SQLite file (`sqlite://FILE`, the default) or PostgreSQL
    /// (`postgres://USER:PASSWORD@HOST:PORT/DB`), created or migrated on first use.
    #[arg(
        long,
        env = "DATABASE_URL",
        // A PostgreSQL URL holds a password: `--help` never prints the variable's value.
        hide_env_values = true,
        default_value = "sqlite://jira-search.db",
        global = true
    )]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server until SIGINT/SIGTERM, then drain in-flight requests.
    Serve(Box<ServeArgs>),
    /// Manage organizations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage Jira integrations.
    #[command(subcommand)]
    Integration(IntegrationCommand),
    /// Manage API tokens of callers.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage the signing keys with which a product's backend mints browser tokens.
    #[command(subcommand)]
    SigningKey(SigningKeyCommand),
    /// Make or rotate the key that encrypts stored credentials (`SECRET_KEY`).
    #[command(subcommand)]
    SecretKey(SecretKeyCommand),
    /// Write a consistent copy of the live database to PATH (a new file).
    Backup {
        /// Where to write the copy; it must not exist.
        path: PathBuf,
    },
    /// Move a whole deployment between databases (SQLite and PostgreSQL).
    #[command(subcommand)]
    Db(DbCommand),
    /// Exit 0 when the local server's /healthz answers (for container healthchecks).
    Healthcheck {
        /// The server's address (`0.0.0.0` and `::` are asked on the loopback).
        #[arg(long = "listen", env = "LISTEN_ADDR", default_value = DEFAULT_LISTEN_ADDR)]
        listen_addr: SocketAddr,
    },
}

/// `secret-key` subcommands.
#[derive(Debug, Subcommand)]
pub enum SecretKeyCommand {
    /// Print a new random key (32 bytes, base64) for `SECRET_KEY`.
    Generate,
    /// Re-seal every stored secret under a new key, in one transaction: the current key comes
    /// from `SECRET_KEY` (unset if the secrets are in plain text), the new one from standard
    /// input (an empty line stores them in plain text).
    Rotate,
}

/// `db` subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy every org, integration, token, app, connection in flight and signing key, with
    /// their ids and times, into an empty database, in one transaction (the upgrade from
    /// SQLite to PostgreSQL, and back). Secrets are copied as stored: no SECRET_KEY needed.
    /// Stop the service's writes first. `DATABASE_URL` is not used.
    Copy {
        /// The database to copy (`sqlite://FILE` or `postgres://…`); read in one snapshot.
        #[arg(long)]
        from: String,
        /// The empty database to write (created and migrated if needed); another one than
        /// `--from`.
        #[arg(long)]
        to: String,
    },
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable.
    Text,
    /// One JSON object per line.
    Json,
}

/// Settings of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Where to listen.
    #[arg(long = "listen", env = "LISTEN_ADDR", default_value = DEFAULT_LISTEN_ADDR)]
    pub listen_addr: SocketAddr,

    /// Redis URL of the shared cache; unset means an in-process cache.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Prefix of every Redis key, to share one Redis between deployments.
    #[arg(long, env = "REDIS_KEY_PREFIX", default_value = "")]
    pub redis_key_prefix: String,

    /// Lifetime of cached Jira answers, in seconds.
    #[arg(long, env = "CACHE_TTL_SECONDS", default_value_t = SearchSettings::default().cache_ttl.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    pub cache_ttl_seconds: u64,

    /// Most entries the in-process cache holds.
    #[arg(long, env = "CACHE_MAX_ENTRIES", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub cache_max_entries: u64,

    /// Overall deadline of one call to Jira, in seconds.
    #[arg(long, env = "JIRA_TIMEOUT_SECONDS", default_value_t = JiraHttpConfig::default().timeout.as_secs(), value_parser = clap::value_parser!(u64).range(1..=600))]
    pub jira_timeout_seconds: u64,

    /// Most calls in flight to one integration's Jira at once; more wait for a free slot
    /// within their deadline, so one tenant's slow Jira cannot hold every connection.
    #[arg(long, env = "JIRA_MAX_CONCURRENCY", default_value_t = GuardSettings::default().max_concurrent as u32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jira_max_concurrency: u32,

    /// Consecutive failures (timeouts, unreachable, 5xx) of one integration's Jira that open
    /// its breaker; 0 turns the breaker off.
    #[arg(long, env = "JIRA_BREAKER_FAILURES", default_value_t = GuardSettings::default().breaker_failures)]
    pub jira_breaker_failures: u32,

    /// How long an open breaker fails searches at once before probing Jira, in seconds.
    #[arg(long, env = "JIRA_BREAKER_COOLDOWN_SECONDS", default_value_t = GuardSettings::default().breaker_cooldown.as_secs(), value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub jira_breaker_cooldown_seconds: u64,

    /// Most client connections served at once; further ones wait in the listen backlog.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = ServingSettings::default().max_connections as u32, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// How long a client may take to send a request's headers, in seconds.
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECONDS", default_value_t = ServingSettings::default().header_read_timeout.as_secs(), value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_read_timeout_seconds: u64,

    /// How long SIGTERM waits for in-flight requests, in seconds.
    #[arg(long, env = "SHUTDOWN_GRACE_SECONDS", default_value_t = ServingSettings::default().shutdown_grace.as_secs())]
    pub shutdown_grace_seconds: u64,

    /// Log line format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Where browsers reach this service (e.g. `https://jira-search.example.com`): the
    /// consent flows send them back to `{PUBLIC_URL}/connect/callback`. Unset: connections
    /// are off and the connect routes answer 404.
    #[arg(long, env = "PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Comma-separated prefixes a connection's `return_url` must start with (scheme, host,
    /// port and path prefix compared): the service never redirects elsewhere.
    #[arg(long, env = "CONNECT_RETURN_URLS", default_value = "")]
    pub connect_return_urls: String,

    /// Atlassian's authorization server (3LO consent and token endpoint).
    #[arg(
        long,
        env = "ATLASSIAN_AUTH_URL",
        default_value = "https://auth.atlassian.com"
    )]
    pub atlassian_auth_url: String,

    /// Atlassian's API gateway (accessible resources, `/ex/jira/{cloud id}`).
    #[arg(
        long,
        env = "ATLASSIAN_API_URL",
        default_value = "https://api.atlassian.com"
    )]
    pub atlassian_api_url: String,

    /// Comma-separated origins (`scheme://host[:port]`, exactly as browsers send `Origin`)
    /// whose pages may call the search routes from the browser (CORS). Unset or empty: no
    /// CORS header anywhere.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", default_value = "")]
    pub cors_allowed_origins: String,

    /// How long a browser may reuse a CORS preflight's answer, in seconds (at most a day).
    #[arg(long, env = "CORS_MAX_AGE_SECONDS", default_value_t = DEFAULT_MAX_AGE_SECONDS, value_parser = clap::value_parser!(u64).range(0..=MAX_AGE_LIMIT_SECONDS))]
    pub cors_max_age_seconds: u64,
}

/// `org` subcommands.
#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organization; prints its numeric id.
    Add {
        /// `[a-z0-9][a-z0-9-]{0,49}`.
        slug: String,
    },
    /// List organizations, one per line: id and slug.
    List,
}

/// `integration` subcommands.
#[derive(Debug, Subcommand)]
pub enum IntegrationCommand {
    /// Register a Jira instance and link it to an org; prints its numeric id. The secret
    /// (token, password, API token) is read from standard input.
    Add(Box<IntegrationAddArgs>),
    /// List integrations (never a secret).
    List {
        /// Only those linked to this org (slug or id).
        #[arg(long)]
        org: Option<String>,
    },
    /// Remove an integration and its links.
    Remove {
        /// The integration id.
        id: i64,
    },
    /// Stop answering searches for an integration (they get 404) without removing it, e.g.
    /// while its Jira is being migrated or its credentials rotated.
    Disable {
        /// The integration id.
        id: i64,
    },
    /// Answer searches for a disabled integration again.
    Enable {
        /// The integration id.
        id: i64,
    },
    /// Ask Jira who the stored credentials are (`/rest/api/2/myself`); exits non-zero when
    /// Jira refuses them or answers as an anonymous user.
    Check {
        /// The integration id.
        id: i64,
    },
}

/// Arguments of `integration add`.
#[derive(Debug, Args)]
pub struct IntegrationAddArgs {
    /// The org (slug or id) to link the integration to.
    #[arg(long)]
    pub org: String,
    /// `jira_server` (Server / Data Center) or `jira` (Cloud).
    #[arg(long)]
    pub provider: String,
    /// Jira's base URL, e.g. `https://jira.example.com/jira`.
    #[arg(long)]
    pub base_url: String,
    /// A human name (defaults to the host).
    #[arg(long)]
    pub name: Option<String>,
    /// `pat` or `basic` (Server), `basic` (Cloud), `oauth1` (Server), `oauth2` (both),
    /// `connect-jwt` (Cloud).
    #[arg(long)]
    pub auth: String,
    /// The user (Server) or account email (Cloud) for `basic`.
    #[arg(long)]
    pub user: Option<String>,
    /// OAuth 1.0a consumer key (`oauth1`).
    #[arg(long)]
    pub consumer_key: Option<String>,
    /// PEM file of the OAuth 1.0a private key (`oauth1`).
    #[arg(long)]
    pub private_key_file: Option<PathBuf>,
    /// OAuth 2.0 client id (`oauth2`), or the Connect app key sent as `iss` (`connect-jwt`,
    /// default `jira-search`).
    #[arg(long)]
    pub client_id: Option<String>,
    /// OAuth 2.0 token URL (`oauth2`; defaults to Atlassian's on Jira Cloud).
    #[arg(long)]
    pub token_url: Option<String>,
    /// Accept a plain `http://` base URL (trusted local networks, tests).
    #[arg(long)]
    pub allow_http: bool,
    /// Do not verify Jira's TLS certificate (Jira Server only).
    #[arg(long)]
    pub no_verify_tls: bool,
}

/// `token` subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for callers of an org, or with `--admin` a token of the admin
    /// API; prints it once (only a hash is stored).
    Add {
        /// The org (slug or id) whose callers use the token.
        #[arg(long, required_unless_present = "admin", conflicts_with = "admin")]
        org: Option<String>,
        /// A token of the admin API (`/api/v1`), for the product's backend.
        #[arg(long)]
        admin: bool,
        /// A name shown in listings.
        #[arg(long)]
        name: Option<String>,
    },
    /// Revoke a token by its first characters (at least 8) or the whole token.
    Revoke {
        /// The token's prefix, e.g. `jst_1a2b3c4d`.
        token_prefix: String,
    },
}

/// `signing-key` subcommands.
#[derive(Debug, Subcommand)]
pub enum SigningKeyCommand {
    /// Create a signing key for an org's browser tokens; prints its id, then its secret (shown
    /// once).
    Add {
        /// The org (slug or id) whose browser tokens it signs.
        #[arg(long)]
        org: String,
        /// A name shown in listings.
        #[arg(long)]
        name: Option<String>,
    },
    /// List an org's active signing keys: id, name, creation time (never a secret).
    List {
        /// The org (slug or id).
        #[arg(long)]
        org: String,
    },
    /// Revoke a signing key by its id: every token it signed is refused (by a running server
    /// within its keyring refresh interval, 5 s).
    Revoke {
        /// The key's id, e.g. `jsk_0123456789ab`.
        id: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
