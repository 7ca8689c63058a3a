//! Every stored row at once, for `jira-search db copy`: reading them all in one read
//! transaction ([`SqliteStore::export_dump`]) and writing them all into an empty database in
//! one write transaction ([`SqliteStore::import_dump`]). What is copied, and in which form,
//! is `store_common::dump`'s; the SQL is here.
//!
//! Secret bundles are copied as the stored text (never opened, so no key is needed), ids as
//! they are, times as the stored text, and AUTOINCREMENT's counter (`sqlite_sequence`) so
//! that no id deleted in the source is given again in the copy.

use std::path::PathBuf;
use std::str::FromStr;

use sqlx::sqlite::{SqliteArguments, SqliteConnectOptions, SqliteRow};
use sqlx::{Row, Sqlite, SqliteConnection};
use store_common::dump::{
    self, check_dump, check_schema, refuse_non_empty, Dump, Kind, Table, TableSpec, Value, TABLES,
};

use crate::{SqliteStore, SqliteStoreError};

type Query<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>;

/// The database file a SQLite URL names (`None` for an in-memory database, or a URL that
/// is not SQLite's): `db copy` refuses a source file that does not exist (opening it would
/// create it, empty, and copy nothing) and a target that is the source's file.
pub fn database_file(database_url: &str) -> Option<PathBuf> {
    if !database_url.starts_with("sqlite:") {
        return None;
    }
    let options = SqliteConnectOptions::from_str(database_url).ok()?;
    let file = options.get_filename();
    let memory = database_url.contains(":memory:") || database_url.contains("mode=memory");
    let named = !file.as_os_str().is_empty() && !memory;
    named.then(|| file.to_path_buf())
}

impl SqliteStore {
    /// Every row of every copied table, read in one transaction (a consistent snapshot,
    /// while the service may go on writing).
    ///
    /// # Errors
    /// [`SqliteStoreError::InvalidInput`] when the schema is not the one this build copies
    /// (a table or column it does not know); [`SqliteStoreError::CorruptRow`] for a value of
    /// another type than its column's; [`SqliteStoreError::Database`].
    pub async fn export_dump(&self) -> Result<Dump, SqliteStoreError> {
        // Deferred: a read transaction, whose snapshot starts at its first read.
        let mut tx = self.pool.begin().await?;
        check_schema(&schema(&mut tx).await?)?;
        let mut tables = Vec::with_capacity(TABLES.len());
        for spec in TABLES {
            let sql = format!(
                "SELECT {} FROM {} ORDER BY {}",
                spec.column_list(),
                spec.name,
                spec.order.join(", ")
            );
            let rows = sqlx::query(&sql).fetch_all(&mut *tx).await?;
            let rows = rows
                .iter()
                .map(|row| values(spec, row))
                .collect::<Result<Vec<_>, _>>()?;
            let last_id = if spec.identity {
                last_id(&mut tx, spec).await?
            } else {
                0
            };
            tables.push(Table {
                spec,
                rows,
                last_id,
            });
        }
        tx.rollback().await?;
        Ok(Dump { tables })
    }

    /// How many rows each copied table holds, in the order of `store_common::dump::TABLES`.
    ///
    /// # Errors
    /// [`SqliteStoreError::Database`] (e.g. a table is missing).
    pub async fn row_counts(&self) -> Result<Vec<(&'static str, i64)>, SqliteStoreError> {
        let mut conn = self.pool.acquire().await?;
        counts(&mut conn).await
    }

    /// Writes every row of `dump` into this database, which must be empty, in one
    /// `BEGIN IMMEDIATE` transaction: either all of it is written or nothing. Ids, times and
    /// secret bundles are written as they are; AUTOINCREMENT's counter of each table ends at
    /// least at the dump's last id.
    ///
    /// # Errors
    /// [`SqliteStoreError::InvalidInput`] when a copied table holds a row (naming them and
    /// their counts), when the schema is not the one this build copies, or when the dump
    /// does not fit it; [`SqliteStoreError::Database`] when SQLite refuses a row (a
    /// constraint) or fails. Nothing is written then.
    pub async fn import_dump(&self, dump: &Dump) -> Result<(), SqliteStoreError> {
        check_dump(dump)?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        check_schema(&schema(&mut tx).await?)?;
        refuse_non_empty(&counts(&mut tx).await?)?;
        for table in &dump.tables {
            let spec = table.spec;
            let marks = vec!["?"; spec.columns.len()].join(", ");
            let sql = format!(
                "INSERT INTO {} ({}) VALUES ({marks})",
                spec.name,
                spec.column_list()
            );
            for row in &table.rows {
                bind_row(sqlx::query(&sql), spec, row)?
                    .execute(&mut *tx)
                    .await?;
            }
            if spec.identity && table.last_id > 0 {
                advance_sequence(&mut tx, spec, table.last_id).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Every table of the database with its columns.
async fn schema(
    conn: &mut SqliteConnection,
) -> Result<Vec<(String, Vec<String>)>, SqliteStoreError> {
    let pairs: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' ORDER BY m.name, p.cid",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tables: Vec<(String, Vec<String>)> = Vec::new();
    for (table, column) in pairs {
        match tables.last_mut() {
            Some((t, columns)) if *t == table => columns.push(column),
            _ => tables.push((table, vec![column])),
        }
    }
    Ok(tables)
}

async fn counts(conn: &mut SqliteConnection) -> Result<Vec<(&'static str, i64)>, SqliteStoreError> {
    let mut counts = Vec::with_capacity(TABLES.len());
    for spec in TABLES {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {}", spec.name))
            .fetch_one(&mut *conn)
            .await?;
        counts.push((spec.name, n));
    }
    Ok(counts)
}

/// The largest id `spec`'s table has given: its largest id, or AUTOINCREMENT's counter when
/// newer rows were deleted.
async fn last_id(conn: &mut SqliteConnection, spec: &TableSpec) -> Result<i64, SqliteStoreError> {
    let sql = format!(
        "SELECT max(coalesce((SELECT max(id) FROM {}), 0), \
                    coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0))",
        spec.name
    );
    Ok(sqlx::query_scalar(&sql)
        .bind(spec.name)
        .fetch_one(&mut *conn)
        .await?)
}

/// Makes AUTOINCREMENT's counter of `spec`'s table at least `last_id` (tables without
/// AUTOINCREMENT give max(id) + 1, which the copied rows already fix).
async fn advance_sequence(
    conn: &mut SqliteConnection,
    spec: &TableSpec,
    last_id: i64,
) -> Result<(), SqliteStoreError> {
    let autoincrement: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ? \
         AND upper(sql) LIKE '%AUTOINCREMENT%'",
    )
    .bind(spec.name)
    .fetch_optional(&mut *conn)
    .await?;
    if autoincrement.is_none() {
        return Ok(());
    }
    let updated = sqlx::query("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?")
        .bind(last_id)
        .bind(spec.name)
        .execute(&mut *conn)
        .await?;
    if updated.rows_affected() == 0 {
        sqlx::query("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)")
            .bind(spec.name)
            .bind(last_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// One row read as the dump's values, column by column according to its kind.
fn values(spec: &TableSpec, row: &SqliteRow) -> Result<Vec<Value>, SqliteStoreError> {
    let mut values = Vec::with_capacity(spec.columns.len());
    for (i, c) in spec.columns.iter().enumerate() {
        let value = match c.kind {
            Kind::Int => row.try_get::<Option<i64>, _>(i).map(|v| v.map(Value::Int)),
            Kind::Bool => row
                .try_get::<Option<i64>, _>(i)
                .map(|v| v.map(|b| Value::Bool(b != 0))),
            Kind::Text | Kind::Secret | Kind::Time => row
                .try_get::<Option<String>, _>(i)
                .map(|v| v.map(Value::Text)),
        };
        let value = value.map_err(|e| {
            SqliteStoreError::CorruptRow(format!(
                "{} {}: column {} cannot be read: {e}",
                spec.name,
                spec.key_of(&values),
                c.name
            ))
        })?;
        values.push(value.unwrap_or(Value::Null));
    }
    Ok(values)
}

/// `query` with `row`'s values bound, each as its column's kind.
fn bind_row<'q>(
    mut query: Query<'q>,
    spec: &TableSpec,
    row: &'q [Value],
) -> Result<Query<'q>, SqliteStoreError> {
    for (c, v) in spec.columns.iter().zip(row) {
        query = match (c.kind, v) {
            (_, Value::Null) => query.bind(None::<String>),
            (Kind::Int, Value::Int(i)) => query.bind(*i),
            (Kind::Bool, Value::Bool(b)) => query.bind(i64::from(*b)),
            (Kind::Text | Kind::Secret | Kind::Time, Value::Text(t)) => query.bind(t.as_str()),
            _ => return Err(dump::misfit(spec, row, c).into()),
        };
    }
    Ok(query)
}
