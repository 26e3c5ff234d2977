//! The bulk path's writes (DESIGN.md §3): ids handed out before the rows
//! exist, so tree paths and child rows are computed in memory, and inserts
//! that hand the database a whole table's rows at once. Imports and (later)
//! fact loads write through here, inside the caller's one transaction.
//!
//! PostgreSQL: `COPY … FROM STDIN` (text format) on the write
//! transaction's own connection ([`WriteTx::copy_in`]), the protocol `psql
//! \copy` uses: no statement to parse or plan per batch and no parameter
//! to bind or unpack; the server's remaining work is the rows' indexes,
//! foreign keys and WAL.
//!
//! SQLite: one text parameter per batch of rows, a JSON array unpacked by
//! `json_each`, so the statement text is constant (prepared once per
//! connection) and the bind a single string. Multi-row `VALUES` lists were
//! measured slower on both databases: building, converting and binding one
//! SQL value per cell was most of the client's time, and PostgreSQL spent
//! 50–90 ms parsing and binding each 30,000-parameter statement.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::StoreError;
use crate::write::WriteTx;

/// Rows per SQLite statement or PostgreSQL `COPY` message: large enough
/// that per-batch costs vanish, small enough that one batch's text stays a
/// few megabytes.
const ROWS_PER_BATCH: usize = 5_000;

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
    /// Appends this value as JSON. Instants are written as sqlx writes them
    /// to SQLite (RFC 3339 with `+00:00`), so rows written here read and sort
    /// exactly like rows written one at a time.
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

    /// Appends this value in `COPY`'s text format; PostgreSQL parses the
    /// instant's RFC 3339 text into `timestamptz`.
    fn write_copy(&self, out: &mut String) {
        match self {
            Cell::Int(Some(n)) => {
                let _ = write!(out, "{n}");
            }
            Cell::Text(Some(text)) => push_copy_text(out, text),
            Cell::Instant(at) => out.push_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, false)),
            Cell::Date(Some(date)) => {
                let _ = write!(out, "{}", date.format("%F"));
            }
            Cell::Bool(flag) => out.push_str(if *flag { "t" } else { "f" }),
            Cell::Int(None) | Cell::Text(None) | Cell::Date(None) => out.push_str("\\N"),
        }
    }
}

fn push_json_string(out: &mut String, text: &str) {
    // Serialising a `&str` into a `String` cannot fail.
    out.push_str(&serde_json::to_string(text).unwrap_or_default());
}

/// Appends `text` as one field of `COPY`'s text format: a backslash and the
/// three characters that end a field or a row (tab, newline, carriage
/// return) are escaped; everything else, any script included, is itself.
/// `\N` (NULL) cannot come out of a text: its backslash is doubled.
fn push_copy_text(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(['\\', '\t', '\n', '\r']) {
        out.push_str(&rest[..at]);
        let (escape, tail) = rest[at..].split_at(1);
        out.push_str(match escape {
            "\\" => "\\\\",
            "\t" => "\\t",
            "\n" => "\\n",
            _ => "\\r",
        });
        rest = tail;
    }
    out.push_str(rest);
}

/// `rows` in `COPY`'s text format: a field per cell, tab-separated, a line
/// per row.
fn copy_text(rows: &[Vec<Cell>]) -> String {
    let mut text = String::with_capacity(rows.len() * 160);
    for row in rows {
        for (j, cell) in row.iter().enumerate() {
            if j > 0 {
                text.push('\t');
            }
            cell.write_copy(&mut text);
        }
        text.push('\n');
    }
    text
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
                // The sequence is looked up once: written inline,
                // `pg_get_serial_sequence` ran once per id and took 70 ms
                // of 10,000 ids, against 8 ms this way.
                format!(
                    "WITH s AS MATERIALIZED \
                     (SELECT pg_get_serial_sequence('{table}', 'id')::regclass AS seq) \
                     SELECT nextval(s.seq) AS id FROM s CROSS JOIN generate_series(1, $1)"
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

/// Inserts `rows` (each a value per column, in `columns` order), in order:
/// one `COPY` on PostgreSQL, a statement per batch on SQLite. A refused row
/// (a foreign key, a unique value) fails the whole insert, and the caller's
/// transaction is then only good for rolling back.
pub async fn insert(
    db: &WriteTx,
    table: &'static str,
    columns: &[&'static str],
    rows: Vec<Vec<Cell>>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    let list = columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if backend == DatabaseBackend::Postgres {
        db.copy_in(
            &format!("COPY \"{table}\" ({list}) FROM STDIN"),
            rows.chunks(ROWS_PER_BATCH)
                .map(|batch| copy_text(batch).into_bytes()),
        )
        .await?;
        return Ok(());
    }
    // Column names are the caller's `'static` identifiers, never input.
    let fields = columns
        .iter()
        .map(|c| format!("value ->> '$.{c}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("INSERT INTO \"{table}\" ({list}) SELECT {fields} FROM json_each(?)");
    for batch in rows.chunks(ROWS_PER_BATCH) {
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
