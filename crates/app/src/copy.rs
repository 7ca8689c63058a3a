//! `jira-search db copy --from URL --to URL`: moves a whole deployment from one database to
//! another (SQLite to PostgreSQL when one host is no longer enough, and back; or between two
//! of a kind). Every org, integration, token, app, connection in flight and signing key is
//! copied with its id and times; secret bundles are copied as stored (sealed ones stay
//! sealed, so no `SECRET_KEY` is needed and none is used).
//!
//! The source is read in one snapshot; the target is opened (and migrated) by its store,
//! must be empty, and is written in one transaction: a failure leaves it empty. What a row
//! is in each database is `store_common::dump`'s; each adapter reads and writes it.

use std::path::PathBuf;

use store_common::dump::{self, Dump};

use crate::error::CliError;
use crate::store::{open_store, shown, AnyStore, StoreKind};

/// Copies every stored row of `from` into `to`, which must be empty; prints what it copied
/// to stderr.
///
/// # Errors
/// [`CliError::Usage`] (exit 2) for a URL that cannot be used, the same database twice, a
/// source file that does not exist, or a target that holds rows (nothing is written);
/// [`CliError::Failure`] (exit 1) when a database cannot be opened or fails (the target is
/// left empty).
pub async fn run(from: &str, to: &str) -> Result<(), CliError> {
    check_url("--from", from)?;
    check_url("--to", to)?;
    refuse_same(from, to)?;
    if let Some(file) = sqlite_file(from).filter(|f| !f.exists()) {
        return Err(CliError::Usage(format!(
            "--from {}: {} does not exist (nothing to copy)",
            shown(from),
            file.display()
        )));
    }
    // No key: bundles are copied as text, never opened.
    let source = open("--from", from).await?;
    let target = open("--to", to).await?;
    // Said before reading the source; the import checks again inside its transaction.
    let counts = target.row_counts().await?;
    dump::refuse_non_empty(&counts)
        .map_err(|e| CliError::Usage(format!("--to {}: {e}", shown(to))))?;
    let dump = source
        .export_dump()
        .await
        .map_err(|e| context(e, &format!("reading {}", shown(from))))?;
    target
        .import_dump(&dump)
        .await
        .map_err(|e| context(e, &format!("writing {}", shown(to))))?;
    eprintln!("{}", summary(&dump, from, to));
    Ok(())
}

/// What was copied: each table's rows, and how the secrets travelled.
fn summary(dump: &Dump, from: &str, to: &str) -> String {
    let (sealed, plain) = dump.secret_counts();
    let secrets = |n: usize| format!("{n} stored secret{}", if n == 1 { "" } else { "s" });
    let secrets = match (sealed, plain) {
        (0, 0) => "no stored secrets".to_owned(),
        (_, 0) => format!(
            "{}, all sealed, copied as they are: the copy opens with the same SECRET_KEY",
            secrets(sealed)
        ),
        (0, _) => format!(
            "{}, all plain (no SECRET_KEY), copied as they are",
            secrets(plain)
        ),
        _ => format!(
            "{}: {sealed} sealed, {plain} plain, copied as they are: the copy opens with the \
             same SECRET_KEY",
            secrets(sealed + plain)
        ),
    };
    format!(
        "copied {} to {} (one transaction; ids and times kept):\n{}\n{secrets}",
        shown(from),
        shown(to),
        dump::summary(&dump.counts())
    )
}

/// Refuses what cannot be a database to copy from or to: neither a SQLite nor a PostgreSQL
/// URL, or a SQLite database in this process's memory.
fn check_url(flag: &str, url: &str) -> Result<(), CliError> {
    let lower = url.trim().to_ascii_lowercase();
    let known = ["sqlite:", "postgres://", "postgresql://"];
    if !known.iter().any(|k| lower.starts_with(k)) {
        return Err(CliError::Usage(format!(
            "{flag} {:?} is neither a SQLite URL (sqlite://FILE) nor a PostgreSQL one \
             (postgres://USER:PASSWORD@HOST:PORT/DATABASE)",
            shown(url)
        )));
    }
    if StoreKind::of(url) == StoreKind::Sqlite && sqlite_file(url).is_none() {
        return Err(CliError::Usage(format!(
            "{flag} {:?} names no database file (an in-memory database lives only in this \
             process): use sqlite://FILE",
            shown(url)
        )));
    }
    Ok(())
}

/// Refuses the same database as source and target: the same URL, or two SQLite URLs naming
/// the same existing file.
fn refuse_same(from: &str, to: &str) -> Result<(), CliError> {
    let same_file = match (sqlite_file(from), sqlite_file(to)) {
        (Some(a), Some(b)) => match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => a == b,
        },
        _ => false,
    };
    if from.trim() == to.trim() || same_file {
        return Err(CliError::Usage(format!(
            "--from and --to name the same database ({}): copy into another one",
            shown(to)
        )));
    }
    Ok(())
}

/// The file a SQLite URL names; `None` for PostgreSQL or an in-memory database.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    match StoreKind::of(url) {
        StoreKind::Sqlite => store_sqlite::database_file(url),
        StoreKind::Postgres => None,
    }
}

/// Opens the store of `url`, without a key, saying which side failed.
async fn open(flag: &str, url: &str) -> Result<AnyStore, CliError> {
    open_store(url, None).await.map_err(|e| match e {
        // The store's own message names `DATABASE_URL`: here it is a flag.
        CliError::Usage(why) => {
            CliError::Usage(format!("{flag} {}", why.replacen("DATABASE_URL ", "", 1)))
        }
        CliError::Failure(why) => CliError::Failure(format!("{flag}: {why}")),
    })
}

/// `e` with what was being done in front, keeping its exit code.
fn context(e: CliError, doing: &str) -> CliError {
    match e {
        CliError::Usage(why) => CliError::Usage(format!("{doing}: {why}")),
        CliError::Failure(why) => CliError::Failure(format!("{doing}: {why}")),
    }
}

impl AnyStore {
    /// Every stored row, read in one snapshot (see `store_common::dump`).
    ///
    /// # Errors
    /// The schema is not the one this build copies, or the database failed.
    pub async fn export_dump(&self) -> Result<Dump, CliError> {
        match self {
            Self::Sqlite(s) => Ok(s.export_dump().await?),
            Self::Postgres(p) => Ok(p.export_dump().await?),
        }
    }

    /// Writes every row of `dump` into this database, which must be empty, in one
    /// transaction.
    ///
    /// # Errors
    /// [`CliError::Usage`] when a table holds rows or the dump does not fit the schema;
    /// [`CliError::Failure`] when the database refuses a row or fails. Nothing is written
    /// then.
    pub async fn import_dump(&self, dump: &Dump) -> Result<(), CliError> {
        match self {
            Self::Sqlite(s) => Ok(s.import_dump(dump).await?),
            Self::Postgres(p) => Ok(p.import_dump(dump).await?),
        }
    }

    /// How many rows each copied table holds.
    ///
    /// # Errors
    /// The database failed.
    pub async fn row_counts(&self) -> Result<Vec<(&'static str, i64)>, CliError> {
        match self {
            Self::Sqlite(s) => Ok(s.row_counts().await?),
            Self::Postgres(p) => Ok(p.row_counts().await?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_that_cannot_be_copied_are_refused_without_their_password() {
        for (url, said) in [
            ("mysql://u:hunter2@h/db", "neither a SQLite URL"),
            ("", "neither a SQLite URL"),
            ("sqlite::memory:", "names no database file"),
            ("sqlite://x.db?mode=memory", "names no database file"),
        ] {
            let e = check_url("--to", url).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{url}");
            let e = e.to_string();
            assert!(e.contains(said) && e.starts_with("--to "), "{url}: {e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
        check_url("--from", "postgres://u:p@h/db").unwrap();
        check_url("--from", "sqlite:///data/js.db").unwrap();
    }

    #[test]
    fn the_same_database_twice_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("js.db");
        std::fs::write(&file, b"").unwrap();
        let a = format!("sqlite://{}", file.display());
        let b = format!("sqlite://{}/./js.db", dir.path().display());
        for (from, to) in [
            (a.as_str(), a.as_str()),
            (a.as_str(), b.as_str()),
            ("postgres://u:hunter2@h/db", "postgres://u:hunter2@h/db"),
        ] {
            let e = refuse_same(from, to).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains("the same database"), "{e}");
            assert!(!e.to_string().contains("hunter2"), "{e}");
        }
        refuse_same(&a, "postgres://h/db").unwrap();
        refuse_same("postgres://h/a", "postgres://h/b").unwrap();
    }
}
