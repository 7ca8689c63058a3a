//! Environment values given to the container (by the Dockerfile's `ENV`, compose's
//! `environment:` or `.env.example`), judged by what the binary accepts.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::binary::{EnvArg, ENV_ONLY};

/// One `NAME=value` given to the container, in the order of its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    pub value: String,
}

impl EnvVar {
    pub fn new(name: &str, value: &str) -> Self {
        Self {
            name: name.to_owned(),
            value: value.to_owned(),
        }
    }
}

/// What the container sees: the image's `ENV`, then compose's `environment` over it (a later
/// line wins within each).
pub fn container_env(
    dockerfile_env: &[EnvVar],
    compose_env: &[EnvVar],
) -> BTreeMap<String, String> {
    dockerfile_env
        .iter()
        .chain(compose_env)
        .map(|var| (var.name.clone(), var.value.clone()))
        .collect()
}

/// The port of a `host:port` address, as the binary would parse it.
pub fn listen_port(addr: &str) -> Result<u16, String> {
    addr.parse::<SocketAddr>()
        .map(|a| a.port())
        .map_err(|e| format!("`{addr}` is not an address: {e}"))
}

/// The directory of the SQLite file of `sqlite:///dir/file.db`.
pub fn sqlite_dir(url: &str) -> Result<String, String> {
    let path = url
        .strip_prefix("sqlite://")
        .ok_or_else(|| format!("`{url}` is not a sqlite:// URL"))?;
    let path = path.split('?').next().unwrap_or_default();
    if !path.starts_with('/') {
        return Err(format!(
            "`{url}`: the file should be an absolute path (in the volume)"
        ));
    }
    let dir = std::path::Path::new(path)
        .parent()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    Ok(dir)
}

/// Does the URL name PostgreSQL (`postgres://` or `postgresql://`)?
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// What a `postgres://user:password@host:port/database` URL names.
#[derive(Debug, PartialEq, Eq)]
pub struct PostgresUrl {
    pub user: String,
    pub host: String,
    pub database: String,
}

/// A PostgreSQL URL with a user, a host and a database (the port is optional).
pub fn postgres_url(url: &str) -> Result<PostgresUrl, String> {
    let u = url::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    let host = u.host_str().unwrap_or_default().to_owned();
    let database = u.path().trim_start_matches('/').to_owned();
    if !is_postgres_url(url) || host.is_empty() || u.username().is_empty() || database.is_empty() {
        return Err(format!(
            "`{url}`: expected postgres://USER:PASSWORD@HOST:PORT/DATABASE"
        ));
    }
    Ok(PostgresUrl {
        user: u.username().to_owned(),
        host,
        database,
    })
}

/// Problems of one `NAME=value` given to the container, judged by what the binary accepts.
pub fn check_env_value(
    file: &str,
    name: &str,
    value: &str,
    accepted: &BTreeMap<String, EnvArg>,
) -> Vec<String> {
    let mut p = Vec::new();
    if name == "SECRET_KEY" {
        if !value.is_empty() {
            p.push(format!(
                "{file}: SECRET_KEY must never be given a value in a committed file"
            ));
        }
        return p;
    }
    if name == "RUST_LOG" {
        return p;
    }
    let Some(arg) = accepted.get(name) else {
        p.push(format!(
            "{file}: `{name}` is not an environment variable of `jira-search serve` \
             (it accepts {:?} and {ENV_ONLY:?})",
            accepted.keys().collect::<Vec<_>>()
        ));
        return p;
    };
    if !arg.possible.is_empty() && !arg.possible.iter().any(|v| v == value) {
        p.push(format!(
            "{file}: {name}: expected one of {:?}, found `{value}`",
            arg.possible
        ));
    }
    let numeric = arg
        .default
        .as_deref()
        .is_some_and(|d| d.parse::<u64>().is_ok());
    if numeric && value.parse::<u64>().is_err() {
        p.push(format!(
            "{file}: {name}: expected a whole number (default {}), found `{value}`",
            arg.default.as_deref().unwrap_or_default()
        ));
    }
    match name {
        "LISTEN_ADDR" => {
            if let Err(e) = listen_port(value) {
                p.push(format!("{file}: LISTEN_ADDR: {e}"));
            }
        }
        "DATABASE_URL" => {
            let checked = if is_postgres_url(value) {
                postgres_url(value).map(drop)
            } else {
                sqlite_dir(value).map(drop)
            };
            if let Err(e) = checked {
                p.push(format!("{file}: DATABASE_URL: {e}"));
            }
        }
        "REDIS_URL" => match url::Url::parse(value) {
            Ok(u) if matches!(u.scheme(), "redis" | "rediss") && u.host_str().is_some() => {}
            _ => p.push(format!(
                "{file}: REDIS_URL: expected redis://host:port, found `{value}`"
            )),
        },
        _ => {}
    }
    p
}
