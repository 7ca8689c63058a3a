//! Every stored row at once, for `jira-search db copy`: reading them all in one read-only
//! `REPEATABLE READ` transaction (one snapshot: [`PgStore::export_dump`]) and writing them
//! all into an empty database in one transaction ([`PgStore::import_dump`]). What is
//! copied, and in which form, is `store_common::dump`'s; the SQL is here.
//!
//! Secret bundles are copied as the stored text (never opened, so no key is needed), ids as
//! they are (`OVERRIDING SYSTEM VALUE`: the identity columns are `GENERATED ALWAYS`), times
//! at the microsecond, and each identity's counter, which ends past every copied id (and past
//! ids the source gave to rows since deleted), so a new row never takes a copied id.

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{PgConnection, Postgres, Row};
use store_common::dump::{
    self, check_dump, check_schema, is_utc_time, refuse_non_empty, time_from_micros_text, Dump,
    Kind, Table, TableSpec, Value, TABLES,
};

use crate::{PgStore, PgStoreError};

type Query<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

/// How a time is read: RFC 3339 in UTC, to the microsecond.
const TIME_FORMAT: &str = r#"'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'"#;

impl PgStore {
    /// Every row of every copied table, read in one read-only `REPEATABLE READ`
    /// transaction: one snapshot, while replicas may go on writing.
    ///
    /// # Errors
    /// `InvalidInput` ([`PgStoreError::Store`]) when the schema is not the one this build
    /// copies (a table or column it does not know); [`PgStoreError::Database`].
    pub async fn export_dump(&self) -> Result<Dump, PgStoreError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?;
        check_schema(&schema(&mut tx).await?)?;
        let mut tables = Vec::with_capacity(TABLES.len());
        for spec in TABLES {
            let rows = sqlx::query(&select(spec)).fetch_all(&mut *tx).await?;
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
    /// [`PgStoreError::Database`] (e.g. a table is missing).
    pub async fn row_counts(&self) -> Result<Vec<(&'static str, i64)>, PgStoreError> {
        let mut conn = self.pool.acquire().await?;
        counts(&mut conn).await
    }

    /// Writes every row of `dump` into this database, which must be empty, in one
    /// transaction: either all of it is written or nothing. The copied tables are locked
    /// against writers (`EXCLUSIVE`: replicas still read) until it commits. Ids, times and
    /// secret bundles are written as they are; each identity then restarts past the dump's
    /// last id (and past its own, if higher).
    ///
    /// # Errors
    /// `InvalidInput` ([`PgStoreError::Store`]) when a copied table holds a row (naming them
    /// and their counts), when the schema is not the one this build copies, or when the
    /// dump does not fit it (a time that is not RFC 3339 in UTC);
    /// [`PgStoreError::Database`] when PostgreSQL refuses a row (a constraint) or fails.
    /// Nothing is written then.
    pub async fn import_dump(&self, dump: &Dump) -> Result<(), PgStoreError> {
        check_dump(dump)?;
        let _forget = self.memo.change();
        let mut tx = self.pool.begin().await?;
        check_schema(&schema(&mut tx).await?)?;
        let names: Vec<&str> = TABLES.iter().map(|s| s.name).collect();
        sqlx::query(&format!(
            "LOCK TABLE {} IN EXCLUSIVE MODE",
            names.join(", ")
        ))
        .execute(&mut *tx)
        .await?;
        refuse_non_empty(&counts(&mut tx).await?)?;
        for table in &dump.tables {
            let spec = table.spec;
            let sql = insert(spec);
            for row in &table.rows {
                bind_row(sqlx::query(&sql), spec, row)?
                    .execute(&mut *tx)
                    .await?;
            }
            if spec.identity {
                let last = table.last_id.max(last_id(&mut tx, spec).await?);
                if last > 0 {
                    // Transactional (unlike setval): a failed copy leaves the counter as it was.
                    let restart = last.saturating_add(1);
                    sqlx::query(&format!(
                        "ALTER TABLE {} ALTER COLUMN id RESTART WITH {restart}",
                        spec.name
                    ))
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// `SELECT` of every column of `spec`, times as RFC 3339 text in UTC, in key order (text
/// keys in byte order, as SQLite sorts them).
fn select(spec: &TableSpec) -> String {
    let columns: Vec<String> = spec
        .columns
        .iter()
        .map(|c| match c.kind {
            Kind::Time => format!(
                "to_char({0} AT TIME ZONE 'UTC', {TIME_FORMAT}) AS {0}",
                c.name
            ),
            _ => c.name.to_owned(),
        })
        .collect();
    let order: Vec<String> = spec
        .order
        .iter()
        .map(|k| match spec.column(k).map(|c| c.kind) {
            Some(Kind::Int | Kind::Bool) => (*k).to_owned(),
            _ => format!("{k} COLLATE \"C\""),
        })
        .collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        columns.join(", "),
        spec.name,
        order.join(", ")
    )
}

/// `INSERT` of one row of `spec`, ids given (`OVERRIDING SYSTEM VALUE`), times cast.
fn insert(spec: &TableSpec) -> String {
    let values: Vec<String> = spec
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| match c.kind {
            Kind::Time => format!("${}::timestamptz", i + 1),
            _ => format!("${}", i + 1),
        })
        .collect();
    let overriding = if spec.identity {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    format!(
        "INSERT INTO {} ({}){overriding} VALUES ({})",
        spec.name,
        spec.column_list(),
        values.join(", ")
    )
}

/// Every table of the current schema with its columns.
async fn schema(conn: &mut PgConnection) -> Result<Vec<(String, Vec<String>)>, PgStoreError> {
    let pairs: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text \
           FROM information_schema.columns c \
           JOIN information_schema.tables t \
             ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
          WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
          ORDER BY c.table_name, c.ordinal_position",
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

async fn counts(conn: &mut PgConnection) -> Result<Vec<(&'static str, i64)>, PgStoreError> {
    let mut counts = Vec::with_capacity(TABLES.len());
    for spec in TABLES {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {}", spec.name))
            .fetch_one(&mut *conn)
            .await?;
        counts.push((spec.name, n));
    }
    Ok(counts)
}

/// The largest id `spec`'s table has given: its largest id, or its identity's counter when
/// newer rows were deleted (or inserts rolled back).
async fn last_id(conn: &mut PgConnection, spec: &TableSpec) -> Result<i64, PgStoreError> {
    let sequence: String = sqlx::query_scalar("SELECT pg_get_serial_sequence($1, 'id')")
        .bind(spec.name)
        .fetch_one(&mut *conn)
        .await?;
    // The name comes from the catalog, quoted as needed. A sequence not yet used (or just
    // restarted) has given last_value - 1.
    let sql = format!(
        "SELECT greatest( \
             (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {sequence}), \
             (SELECT coalesce(max(id), 0) FROM {}))",
        spec.name
    );
    Ok(sqlx::query_scalar(&sql).fetch_one(&mut *conn).await?)
}

/// One row read as the dump's values, column by column according to its kind.
fn values(spec: &TableSpec, row: &PgRow) -> Result<Vec<Value>, PgStoreError> {
    let mut values = Vec::with_capacity(spec.columns.len());
    for (i, c) in spec.columns.iter().enumerate() {
        let value = match c.kind {
            Kind::Int => row.try_get::<Option<i64>, _>(i).map(|v| v.map(Value::Int)),
            Kind::Bool => row
                .try_get::<Option<bool>, _>(i)
                .map(|v| v.map(Value::Bool)),
            Kind::Text | Kind::Secret => row
                .try_get::<Option<String>, _>(i)
                .map(|v| v.map(Value::Text)),
            Kind::Time => row
                .try_get::<Option<String>, _>(i)
                .map(|v| v.map(|t| Value::Text(time_from_micros_text(t)))),
        };
        values.push(value?.unwrap_or(Value::Null));
    }
    Ok(values)
}

/// `query` with `row`'s values bound, each as its column's kind.
fn bind_row<'q>(
    mut query: Query<'q>,
    spec: &TableSpec,
    row: &'q [Value],
) -> Result<Query<'q>, PgStoreError> {
    for (c, v) in spec.columns.iter().zip(row) {
        query = match (c.kind, v) {
            (Kind::Int, Value::Null) => query.bind(None::<i64>),
            (Kind::Bool, Value::Null) => query.bind(None::<bool>),
            (_, Value::Null) => query.bind(None::<String>),
            (Kind::Int, Value::Int(i)) => query.bind(*i),
            (Kind::Bool, Value::Bool(b)) => query.bind(*b),
            (Kind::Time, Value::Text(t)) if is_utc_time(t) => query.bind(t.as_str()),
            (Kind::Text | Kind::Secret, Value::Text(t)) => query.bind(t.as_str()),
            _ => return Err(dump::misfit(spec, row, c).into()),
        };
    }
    Ok(query)
}
