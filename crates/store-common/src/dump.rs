//! A deployment's stored data as plain values, whatever the database: every row of every
//! table (`_sqlx_migrations` aside), with the ids as they are, secret bundles as the stored
//! text (sealed or plain, never opened), times as RFC 3339 text in UTC, and the largest id
//! each table has given. `jira-search db copy` reads one from a store
//! (`export_dump`, in one read transaction) and writes it into another
//! (`import_dump`, in one write transaction, into an empty database).
//!
//! [`TABLES`] is the one description of what is copied: each table, its columns and what
//! they hold, parents before children (the order of the writes). Each adapter checks its
//! database's schema against it ([`check_schema`]) before reading or writing anything, so a
//! column a later migration adds cannot be left behind silently: the copy is refused until
//! it is described there (`dump/tables.rs`).

use std::fmt;

use crate::Error;

mod tables;
#[cfg(test)]
mod tests;

pub use tables::{check_schema, is_bookkeeping, Column, Kind, TableSpec, TABLES};

/// One stored value.
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// An integer.
    Int(i64),
    /// A flag.
    Bool(bool),
    /// Text: a [`Kind::Text`], [`Kind::Secret`] or [`Kind::Time`] column's.
    Text(String),
}

/// Never the text: it may be a secret bundle in clear (`plain:v1:`).
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("Null"),
            Self::Int(i) => write!(f, "Int({i})"),
            Self::Bool(b) => write!(f, "Bool({b})"),
            Self::Text(t) => write!(f, "Text(<{} bytes>)", t.len()),
        }
    }
}

/// The rows of one table.
#[derive(Clone, PartialEq, Eq)]
pub struct Table {
    /// Which table.
    pub spec: &'static TableSpec,
    /// Its rows in the order of [`TableSpec::order`], each with a value per column in the
    /// order of [`TableSpec::columns`].
    pub rows: Vec<Vec<Value>>,
    /// The largest id the table has given, or 0 (tables with an identity): at least the
    /// largest id of its rows, more when newer rows were deleted (a copy never gives such
    /// an id again).
    pub last_id: i64,
}

/// Every copied table's rows, in the order of [`TABLES`]. `Debug` shows counts only.
#[derive(Clone, PartialEq, Eq)]
pub struct Dump {
    /// One per entry of [`TABLES`], in its order.
    pub tables: Vec<Table>,
}

impl fmt::Debug for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for t in &self.tables {
            map.entry(&t.spec.name, &format_args!("{} rows", t.rows.len()));
        }
        map.finish()
    }
}

impl Dump {
    /// How many rows each table holds, in the order of [`TABLES`].
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        self.tables
            .iter()
            .map(|t| (t.spec.name, t.rows.len()))
            .collect()
    }

    /// How many stored secret bundles are sealed and how many plain (empty ones, of revoked
    /// signing keys, are neither).
    pub fn secret_counts(&self) -> (usize, usize) {
        let (mut sealed, mut plain) = (0, 0);
        for t in &self.tables {
            for (i, c) in t.spec.columns.iter().enumerate() {
                if c.kind != Kind::Secret {
                    continue;
                }
                for row in &t.rows {
                    match row.get(i) {
                        Some(Value::Text(s)) if s.starts_with("sealed:") => sealed += 1,
                        Some(Value::Text(s)) if !s.is_empty() => plain += 1,
                        _ => {}
                    }
                }
            }
        }
        (sealed, plain)
    }

    /// Where `other` first differs from this dump, said without a secret: the table, the
    /// row (by its key) and the column, with both values unless the column is a secret.
    /// `None` when they are equal. For tests and messages.
    pub fn first_difference(&self, other: &Dump) -> Option<String> {
        for (a, b) in self.tables.iter().zip(&other.tables) {
            let name = a.spec.name;
            if a.spec != b.spec {
                return Some(format!("table {name} against table {}", b.spec.name));
            }
            if a.rows.len() != b.rows.len() {
                return Some(format!(
                    "{name}: {} rows against {}",
                    a.rows.len(),
                    b.rows.len()
                ));
            }
            for (ra, rb) in a.rows.iter().zip(&b.rows) {
                let key = a.spec.key_of(ra);
                for (i, c) in a.spec.columns.iter().enumerate() {
                    let (va, vb) = (ra.get(i), rb.get(i));
                    if va == vb {
                        continue;
                    }
                    return Some(if c.kind == Kind::Secret {
                        format!("{name} {key}: {} differs", c.name)
                    } else {
                        format!(
                            "{name} {key}: {} is {} against {}",
                            c.name,
                            shown(va),
                            shown(vb)
                        )
                    });
                }
            }
            if a.last_id != b.last_id {
                return Some(format!(
                    "{name}: the last id given is {} against {}",
                    a.last_id, b.last_id
                ));
            }
        }
        (self.tables.len() != other.tables.len()).then(|| {
            format!(
                "{} tables against {}",
                self.tables.len(),
                other.tables.len()
            )
        })
    }
}

/// A value of a column that is no secret, for a message.
fn shown(v: Option<&Value>) -> String {
    match v {
        None => "absent".to_owned(),
        Some(Value::Null) => "NULL".to_owned(),
        Some(Value::Int(i)) => i.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Text(t)) => format!("{t:?}"),
    }
}

impl TableSpec {
    /// `row`'s key columns, said as `col=value`, for a message (keys are never secrets).
    pub fn key_of(&self, row: &[Value]) -> String {
        let parts: Vec<String> = self
            .order
            .iter()
            .filter_map(|k| {
                let i = self.columns.iter().position(|c| c.name == *k)?;
                Some(format!("{k}={}", shown(row.get(i))))
            })
            .collect();
        parts.join(" ")
    }
}

/// A time as PostgreSQL's `to_char(…, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` gives it, in the
/// form SQLite stores (`…SS.mmmZ`) when it has no more than milliseconds: a time copied from
/// SQLite comes back as the same text, and one with microseconds keeps them.
pub fn time_from_micros_text(text: String) -> String {
    match text.strip_suffix("000Z") {
        Some(ms) if ms.len() > 4 && ms.as_bytes()[ms.len() - 4] == b'.' => format!("{ms}Z"),
        _ => text,
    }
}

/// Whether `text` is a time a copy can write into a `TIMESTAMPTZ` column unchanged:
/// `YYYY-MM-DDTHH:MM:SS`, optional fractional seconds, then `Z` (as SQLite's store writes
/// them). Anything else would be read by PostgreSQL in its own way, or refused.
pub fn is_utc_time(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let head = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    if !head || b[b.len() - 1] != b'Z' {
        return false;
    }
    match &b[19..b.len() - 1] {
        [] => true,
        [b'.', rest @ ..] => {
            !rest.is_empty() && rest.len() <= 6 && rest.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

/// Refuses a target that holds rows: `counts` is each copied table with its rows.
///
/// # Errors
/// [`Error::InvalidInput`] naming every table that holds rows, and how many.
pub fn refuse_non_empty(counts: &[(&'static str, i64)]) -> Result<(), Error> {
    let held: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| format!("{t}: {n} {}", if *n == 1 { "row" } else { "rows" }))
        .collect();
    if held.is_empty() {
        return Ok(());
    }
    Err(Error::InvalidInput(format!(
        "the target database is not empty ({}): db copy writes only into an empty database, \
         and wrote nothing",
        held.join(", ")
    )))
}

/// Checks that `dump` holds the tables of [`TABLES`], in its order, each row with a value
/// per column.
///
/// # Errors
/// [`Error::InvalidInput`] saying what is wrong.
pub fn check_dump(dump: &Dump) -> Result<(), Error> {
    let names: Vec<&str> = dump.tables.iter().map(|t| t.spec.name).collect();
    let expected: Vec<&str> = TABLES.iter().map(|s| s.name).collect();
    if names != expected {
        return Err(Error::InvalidInput(format!(
            "a dump of tables {names:?} cannot be written: this build writes {expected:?}"
        )));
    }
    for t in &dump.tables {
        if let Some(row) = t.rows.iter().find(|r| r.len() != t.spec.columns.len()) {
            return Err(Error::InvalidInput(format!(
                "{} {}: {} values for {} columns",
                t.spec.name,
                t.spec.key_of(row),
                row.len(),
                t.spec.columns.len()
            )));
        }
    }
    Ok(())
}

/// The error of a value that does not fit its column's kind.
pub fn misfit(spec: &TableSpec, row: &[Value], column: &Column) -> Error {
    let expected = match column.kind {
        Kind::Time => "a time in UTC (YYYY-MM-DDTHH:MM:SS[.ffffff]Z)",
        Kind::Int => "an integer",
        Kind::Bool => "a flag",
        Kind::Text | Kind::Secret => "text",
    };
    Error::InvalidInput(format!(
        "{} {}: the value of {} is not {expected}",
        spec.name,
        spec.key_of(row),
        column.name,
    ))
}

/// The summary `db copy` prints: each table and its count, one per line.
pub fn summary(counts: &[(&'static str, usize)]) -> String {
    let width = counts.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
    counts
        .iter()
        .map(|(t, n)| format!("  {t:<width$}  {n}"))
        .collect::<Vec<_>>()
        .join("\n")
}
