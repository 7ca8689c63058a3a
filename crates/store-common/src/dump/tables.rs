//! What a copy carries: each table, its columns and what they hold ([`TABLES`]), and the
//! check of a database's schema against it.

use crate::Error;
use Kind::{Bool, Int, Secret, Text, Time};

/// What a column holds, which decides how each database reads and writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An integer (`INTEGER` / `BIGINT`): ids, foreign keys, seconds since the epoch.
    Int,
    /// A flag (`INTEGER` 0 or 1 on SQLite, `BOOLEAN` on PostgreSQL).
    Bool,
    /// Text kept as it is.
    Text,
    /// A secret bundle (`plain:v1:…` or `sealed:v1:…`), copied as the stored text: never
    /// shown in a message.
    Secret,
    /// A point in time: RFC 3339 text in UTC on SQLite, `TIMESTAMPTZ` on PostgreSQL.
    Time,
}

/// One column of a copied table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Its name, the same in every database.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
}

/// One copied table.
#[derive(Debug, PartialEq, Eq)]
pub struct TableSpec {
    /// Its name, the same in every database.
    pub name: &'static str,
    /// Every column, in the order of a dump's rows.
    pub columns: &'static [Column],
    /// The columns that order its rows (its primary key), so that two dumps of the same
    /// data are equal.
    pub order: &'static [&'static str],
    /// Whether `id` is given by the database (a PostgreSQL identity, SQLite's AUTOINCREMENT
    /// or rowid): a copy keeps the ids and moves the target's counter past the source's.
    pub identity: bool,
}

const fn col(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

/// Every table a copy carries, parents before children (foreign keys hold after each
/// insert, so the writes follow this order).
pub static TABLES: &[TableSpec] = &[
    TableSpec {
        name: "orgs",
        columns: &[col("id", Int), col("slug", Text), col("created_at", Time)],
        order: &["id"],
        identity: true,
    },
    TableSpec {
        name: "integrations",
        columns: &[
            col("id", Int),
            col("provider", Text),
            col("name", Text),
            col("base_url", Text),
            col("verify_tls", Bool),
            col("enabled", Bool),
            col("auth_method", Text),
            col("auth_user", Text),
            col("token_url", Text),
            col("secret", Secret),
            col("created_at", Time),
        ],
        order: &["id"],
        identity: true,
    },
    TableSpec {
        name: "org_integrations",
        columns: &[col("org_id", Int), col("integration_id", Int)],
        order: &["org_id", "integration_id"],
        identity: false,
    },
    TableSpec {
        name: "api_tokens",
        columns: &[
            col("id", Int),
            col("org_id", Int),
            col("token_hash", Text),
            col("token_id", Text),
            col("name", Text),
            col("created_at", Time),
            col("revoked_at", Time),
        ],
        order: &["id"],
        identity: true,
    },
    TableSpec {
        name: "admin_tokens",
        columns: &[
            col("id", Int),
            col("token_hash", Text),
            col("token_id", Text),
            col("name", Text),
            col("created_at", Time),
            col("revoked_at", Time),
        ],
        order: &["id"],
        identity: true,
    },
    TableSpec {
        name: "oauth_apps",
        columns: &[
            col("id", Int),
            col("kind", Text),
            col("base_url", Text),
            col("client_id", Text),
            col("secret", Secret),
            col("public_key_pem", Text),
            col("verify_tls", Bool),
            col("created_at", Time),
        ],
        order: &["id"],
        identity: true,
    },
    TableSpec {
        name: "connections",
        columns: &[
            col("state_hash", Text),
            col("org_id", Int),
            col("app_id", Int),
            col("return_url", Text),
            col("expires_at", Int),
            col("stage", Text),
            col("request_token", Text),
            col("sites", Text),
            col("secret", Secret),
            col("created_at", Time),
        ],
        order: &["state_hash"],
        identity: false,
    },
    TableSpec {
        name: "signing_keys",
        columns: &[
            col("id", Int),
            col("key_id", Text),
            col("org_id", Int),
            col("name", Text),
            col("secret", Secret),
            col("created_at", Time),
            col("revoked_at", Time),
        ],
        order: &["id"],
        identity: true,
    },
];

/// Tables of the database that a copy leaves alone: the migrations' own bookkeeping (the
/// target applies its migrations itself) and SQLite's internal tables.
pub fn is_bookkeeping(table: &str) -> bool {
    table == "_sqlx_migrations" || table.starts_with("sqlite_")
}

/// Checks a database's tables and columns (`found`: each table with its columns, in any
/// order) against [`TABLES`]: the same tables, the same columns, nothing more, nothing less.
///
/// # Errors
/// [`Error::InvalidInput`] naming what differs: a table or column this build does not know
/// (it would not be copied), or one it expects that is missing.
pub fn check_schema(found: &[(String, Vec<String>)]) -> Result<(), Error> {
    let mut problems = Vec::new();
    for (table, columns) in found.iter().filter(|(t, _)| !is_bookkeeping(t)) {
        let Some(spec) = TABLES.iter().find(|s| s.name == table) else {
            problems.push(format!("table {table} is not known"));
            continue;
        };
        for c in columns.iter().filter(|c| spec.column(c).is_none()) {
            problems.push(format!("column {table}.{c} is not known"));
        }
        for c in spec
            .columns
            .iter()
            .filter(|c| !columns.iter().any(|f| f == c.name))
        {
            problems.push(format!("column {table}.{} is missing", c.name));
        }
    }
    for spec in TABLES
        .iter()
        .filter(|s| !found.iter().any(|(t, _)| t == s.name))
    {
        problems.push(format!("table {} is missing", spec.name));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidInput(format!(
            "the database's schema is not the one this build copies ({}): copy with the \
             jira-search version that made it",
            problems.join("; ")
        )))
    }
}

impl TableSpec {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The column list of its `SELECT` and `INSERT`, in the order of a dump's rows.
    pub fn column_list(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name).collect();
        names.join(", ")
    }
}
