//! The PostgreSQL database of the store comparison: `TEST_POSTGRES_URL` (or
//! [`DEFAULT_SERVER`]) names a server and a role that may `CREATE DATABASE`; the bench creates
//! `jira_search_bench_<pid>` there with `psql` and drops it when [`BenchDatabase`] is dropped,
//! whether the run succeeded or not. The server's URL may hold a password: it is never printed.

use std::process::{Command, Stdio};

/// The server when `TEST_POSTGRES_URL` names none (scripts/lib/postgres.sh's first choice).
pub const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// How long `psql` may take to connect, in seconds.
const CONNECT_TIMEOUT_S: &str = "5";

/// A database of its own on the server, dropped (with the sessions still open to it) on drop.
pub struct BenchDatabase {
    server: String,
    name: String,
    /// Its `DATABASE_URL`.
    pub url: String,
}

impl BenchDatabase {
    /// Creates `jira_search_bench_<pid>` on the server `TEST_POSTGRES_URL` names (or
    /// [`DEFAULT_SERVER`]), dropping a leftover of that name first.
    pub fn create() -> Result<Self, String> {
        let server =
            std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_SERVER.to_owned());
        let name = format!("jira_search_bench_{}", std::process::id());
        let url = with_database(&server, &name)?;
        psql(
            &server,
            &format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#),
        )?;
        psql(&server, &format!(r#"CREATE DATABASE "{name}""#)).map_err(|e| {
            format!("{e} (set TEST_POSTGRES_URL to a role that may CREATE DATABASE)")
        })?;
        Ok(Self { server, name, url })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        let dropped = psql(
            &self.server,
            &format!(r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#, self.name),
        );
        match dropped {
            Ok(()) => eprintln!("bench: dropped PostgreSQL database {}", self.name),
            Err(e) => eprintln!("bench: cannot drop PostgreSQL database {}: {e}", self.name),
        }
    }
}

/// Runs one statement with `psql` on `server` (never prompting for a password).
fn psql(server: &str, sql: &str) -> Result<(), String> {
    let out = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-w",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            server,
            "-c",
            sql,
        ])
        .env("PGCONNECT_TIMEOUT", CONNECT_TIMEOUT_S)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            format!("cannot run psql ({e}): install Debian's postgresql-client (`make bench` does)")
        })?;
    if out.status.success() {
        Ok(())
    } else {
        // psql's message names the host, never the password.
        Err(format!(
            "psql on the PostgreSQL of TEST_POSTGRES_URL failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// `server` (a `postgres://` URL) with its database replaced by `name`; its query string kept.
fn with_database(server: &str, name: &str) -> Result<String, String> {
    let scheme_end = server
        .find("://")
        .filter(|_| server.starts_with("postgres://") || server.starts_with("postgresql://"))
        .ok_or("TEST_POSTGRES_URL is not a postgres:// URL")?
        + 3;
    let rest = &server[scheme_end..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let query = after.find('?').map_or("", |i| &after[i..]);
    Ok(format!(
        "{}{authority}/{name}{query}",
        &server[..scheme_end]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_and_keeps_the_rest() {
        assert_eq!(
            with_database(DEFAULT_SERVER, "b").unwrap(),
            "postgres://postgres@127.0.0.1:5432/b"
        );
        assert_eq!(
            with_database("postgresql://u:p@h:1/db?sslmode=disable", "b").unwrap(),
            "postgresql://u:p@h:1/b?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h", "b").unwrap(),
            "postgres://h/b"
        );
        assert_eq!(
            with_database("postgres://h?x=1", "b").unwrap(),
            "postgres://h/b?x=1"
        );
    }

    #[test]
    fn refuses_what_is_not_postgres() {
        let err = with_database("sqlite:///tmp/x.db", "b").unwrap_err();
        assert!(err.contains("postgres://"), "{err}");
        assert!(with_database("postgres:h", "b").is_err());
    }
}
