//! The bulk path's writes (DESIGN.md §3): ids handed out before the rows
//! exist, so tree paths and child rows are computed in memory, and inserts
//! that hand the database a whole batch of rows as one JSON parameter.
//! Imports and (later) fact loads write through here, inside the caller's
//! one transaction.
//!
//! Why JSON and not multi-row `VALUES`: measured on 10,000 partners, a
//! `VALUES` list of 30,000 bound parameters cost PostgreSQL 50–90 ms to parse
//! and 40 ms to bind per statement before it inserted anything, and on both
//! databases building, converting and binding one SQL value per cell was
//! most of the client's time. One text parameter per batch, unpacked by
//! the database (`json_to_recordset` on PostgreSQL, `json_each` on SQLite), makes the
//! statement text constant (prepared once per connection) and the bind a
//! single string.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::StoreError;
use crate::write::WriteTx;

/// Rows per statement: large enough that per-statement costs vanish, small
/// enough that one batch's JSON stays a few megabytes.
const ROWS_PER_STATEMENT: usize = 5_000;

/// One value of a bulk-inserted row: the few column kinds the bulk path
/// writes, each encoded exactly as the driver would bind it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Int(Option<i64>),
    Text(Option<String>),
    Instant(DateTime<Utc>),
    Date(Option<NaiveDate>),
    Bool(bool),
}

impl From<i64> for Cell {
    fn from(value: i64) -> Self {
        Cell::Int(Some(value))
    }
}

impl From<i32> for Cell {
    fn from(value: i32) -> Self {
        Cell::Int(Some(value.into()))
    }
}

impl From<Option<i64>> for Cell {
    fn from(value: Option<i64>) -> Self {
        Cell::Int(value)
    }
}

impl From<&str> for Cell {
    fn from(value: &str) -> Self {
        Cell::Text(Some(value.to_owned()))
    }
}

impl From<String> for Cell {
    fn from(value: String) -> Self {
        Cell::Text(Some(value))
    }
}

impl From<Option<String>> for Cell {
    fn from(value: Option<String>) -> Self {
        Cell::Text(value)
    }
}

impl From<DateTime<Utc>> for Cell {
    fn from(value: DateTime<Utc>) -> Self {
        Cell::Instant(value)
    }
}

impl From<NaiveDate> for Cell {
    fn from(value: NaiveDate) -> Self {
        Cell::Date(Some(value))
    }
}

impl From<bool> for Cell {
    fn from(value: bool) -> Self {
        Cell::Bool(value)
    }
}

impl From<Option<NaiveDate>> for Cell {
    fn from(value: Option<NaiveDate>) -> Self {
        Cell::Date(value)
    }
}

impl Cell {
    /// The PostgreSQL type a field of this kind is read as; the insert then
    /// casts it to the column's own type (`integer`, `varchar`) on assignment.
    fn pg_type(&self) -> &'static str {
        match self {
            Cell::Int(_) => "bigint",
            Cell::Text(_) => "text",
            Cell::Instant(_) => "timestamptz",
            Cell::Date(_) => "date",
            Cell::Bool(_) => "boolean",
        }
    }

    /// Appends this value as JSON. Instants are written as sqlx writes them
    /// to SQLite (RFC 3339 with `+00:00`), so rows written here read and sort
    /// exactly like rows written one at a time; PostgreSQL parses the same
    /// text into `timestamptz`.
    fn write_json(&self, out: &mut String) {
        match self {
            Cell::Int(Some(n)) => {
                let _ = write!(out, "{n}");
            }
            Cell::Text(Some(text)) => push_json_string(out, text),
            Cell::Instant(at) => {
                push_json_string(out, &at.to_rfc3339_opts(SecondsFormat::AutoSi, false));
            }
            Cell::Date(Some(date)) => push_json_string(out, &date.format("%F").to_string()),
            Cell::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
            Cell::Int(None) | Cell::Text(None) | Cell::Date(None) => out.push_str("null"),
        }
    }
}

fn push_json_string(out: &mut String, text: &str) {
    // Serialising a `&str` into a `String` cannot fail.
    out.push_str(&serde_json::to_string(text).unwrap_or_default());
}

/// `n` fresh ids for `table`, in ascending order, reserved in the caller's
/// write transaction. PostgreSQL draws them from the table's sequence (so
/// concurrent writers never collide); SQLite has one writer at a time (the write
/// transaction began IMMEDIATE), so the ids after the current largest are free until this transaction ends.
pub async fn allocate_ids(
    db: &WriteTx,
    table: &'static str,
    n: usize,
) -> Result<Vec<i64>, StoreError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let count = i64::try_from(n).unwrap_or(i64::MAX);
    if backend == DatabaseBackend::Postgres {
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id \
                     FROM generate_series(1, $1)"
                ),
                [count.into()],
            ))
            .await?;
        let mut ids = rows
            .iter()
            .map(|row| row.try_get::<i64>("", "id"))
            .collect::<Result<Vec<_>, _>>()?;
        ids.sort_unstable();
        return Ok(ids);
    }
    let last = db
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT COALESCE(MAX(id), 0) AS id FROM {table}"),
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "id"))
        .transpose()?
        .unwrap_or(0);
    Ok((1..=count).map(|i| last + i).collect())
}

/// Inserts `rows` (each a value per column, in `columns` order), in order,
/// a batch of rows per statement.
pub async fn insert(
    db: &WriteTx,
    table: &'static str,
    columns: &[&'static str],
    rows: Vec<Vec<Cell>>,
) -> Result<(), StoreError> {
    let backend = db.get_database_backend();
    let Some(first) = rows.first() else {
        return Ok(());
    };
    let sql = insert_sql(backend, table, columns, first);
    for batch in rows.chunks(ROWS_PER_STATEMENT) {
        let mut json = String::with_capacity(batch.len() * 64 * columns.len());
        json.push('[');
        for (i, row) in batch.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push('{');
            for (j, (column, cell)) in columns.iter().zip(row).enumerate() {
                if j > 0 {
                    json.push(',');
                }
                let _ = write!(json, "\"{column}\":");
                cell.write_json(&mut json);
            }
            json.push('}');
        }
        json.push(']');
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            sql.as_str(),
            [json.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The one statement that inserts a JSON array of row objects into `table`.
/// Column names are the caller's `'static` identifiers, never input.
/// PostgreSQL is told each field's type (from `sample`, a row of the batch)
/// with `json_to_recordset`: measured on 5,000 audit rows, the table-typed
/// `json_populate_recordset` took 270 ms where this takes 50 ms.
fn insert_sql(backend: DatabaseBackend, table: &str, columns: &[&str], sample: &[Cell]) -> String {
    let list = columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if backend == DatabaseBackend::Postgres {
        let typed = columns
            .iter()
            .zip(sample)
            .map(|(c, cell)| format!("\"{c}\" {}", cell.pg_type()))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "INSERT INTO \"{table}\" ({list}) SELECT {list} \
             FROM json_to_recordset($1::json) AS batch({typed})"
        )
    } else {
        let fields = columns
            .iter()
            .map(|c| format!("value ->> '$.{c}'"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("INSERT INTO \"{table}\" ({list}) SELECT {fields} FROM json_each(?)")
    }
}
