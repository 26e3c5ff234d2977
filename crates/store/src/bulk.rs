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
//! SQLite: multi-row `INSERT … VALUES (?, …), (?, …)` statements of as
//! many rows as SQLite's parameter limit allows, so the statement text is
//! the same for every full batch (prepared once per connection by sqlx's
//! statement cache) and each cell is bound as the driver binds it, with no
//! text for SQLite to parse again. The earlier path handed each batch over
//! as one JSON array unpacked by `json_each`; SQLite then parsed every row
//! object again for each column (`->>`), about a third of the import's time
//! on SQLite (`bench/README.md`).

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Statement, Value};

use crate::StoreError;
use crate::write::WriteTx;

/// Rows per SQLite statement or PostgreSQL `COPY` message: large enough
/// that per-batch costs vanish, small enough that one batch's text stays a
/// few megabytes.
const ROWS_PER_BATCH: usize = 5_000;

/// Bound parameters per SQLite statement: under the bundled SQLite's limit
/// (32,766), so a statement carries 2,000 to 5,000 rows.
const SQLITE_PARAMETERS: usize = 32_000;

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
    /// This value as SeaORM binds it. Instants are bound as the text sqlx
    /// writes for a `DateTime<Utc>` on SQLite (RFC 3339 with `+00:00`), so
    /// rows written here read and sort exactly like rows written one at a
    /// time; a load stamps every row with one instant, formatted once.
    fn into_value(self, instants: &mut Instants) -> Value {
        match self {
            Cell::Int(n) => Value::BigInt(n),
            Cell::Text(text) => Value::String(text),
            Cell::Instant(at) => Value::String(Some(instants.text(at))),
            // The text sqlx would bind for the date (`%F`), made without
            // chrono's format interpreter.
            Cell::Date(date) => Value::String(date.map(date_text)),
            Cell::Bool(flag) => Value::Bool(Some(flag)),
        }
    }

    /// Appends this value in `COPY`'s text format; PostgreSQL parses the
    /// instant's RFC 3339 text into `timestamptz`.
    fn write_copy(&self, out: &mut String, instants: &mut Instants) {
        match self {
            Cell::Int(Some(n)) => {
                let _ = write!(out, "{n}");
            }
            Cell::Text(Some(text)) => push_copy_text(out, text),
            Cell::Instant(at) => out.push_str(instants.text_ref(*at)),
            Cell::Date(Some(date)) => out.push_str(&date_text(*date)),
            Cell::Bool(flag) => out.push_str(if *flag { "t" } else { "f" }),
            Cell::Int(None) | Cell::Text(None) | Cell::Date(None) => out.push_str("\\N"),
        }
    }
}

/// A date as `%F` writes it (`2026-03-01`), digit by digit for the years
/// of four digits.
fn date_text(date: NaiveDate) -> String {
    use chrono::Datelike;
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return date.format("%F").to_string();
    }
    let mut text = String::with_capacity(10);
    for (n, width) in [(year.unsigned_abs(), 4), (date.month(), 2), (date.day(), 2)] {
        if !text.is_empty() {
            text.push('-');
        }
        let mut digits = [b'0'; 4];
        let mut rest = n;
        for d in digits[..width].iter_mut().rev() {
            *d = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        text.extend(digits[..width].iter().map(|d| char::from(*d)));
    }
    text
}

/// The text of the last instant bound, reused while rows carry the same one.
#[derive(Default)]
struct Instants {
    last: Option<(DateTime<Utc>, String)>,
}

impl Instants {
    fn text(&mut self, at: DateTime<Utc>) -> String {
        self.text_ref(at).to_owned()
    }

    fn text_ref(&mut self, at: DateTime<Utc>) -> &str {
        if self.last.as_ref().is_none_or(|(last, _)| *last != at) {
            self.last = Some((at, at.to_rfc3339_opts(SecondsFormat::AutoSi, false)));
        }
        self.last.as_ref().map_or("", |(_, text)| text.as_str())
    }
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

/// `rows` in `COPY`'s text format: a field per cell, then the `shared`
/// cells, tab-separated, a line per row.
fn copy_text(rows: &[Vec<Cell>], shared: &[Cell]) -> String {
    let mut instants = Instants::default();
    let mut text = String::with_capacity(rows.len() * 160);
    for row in rows {
        for (j, cell) in row.iter().chain(shared).enumerate() {
            if j > 0 {
                text.push('\t');
            }
            cell.write_copy(&mut text, &mut instants);
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
    insert_sharing(db, table, columns, Vec::new(), rows).await
}

/// [`insert`] for rows that agree on some columns: `shared` holds each such
/// column with its one value, and `rows` only the cells that differ, in
/// `columns` order. On SQLite the shared values are bound once per
/// statement (`INSERT … SELECT column1, …, ?, … FROM (VALUES …)`), not once
/// per row: a month split's 116,000 rows bound seven texts each (the
/// subject type, measure, version, status, author and two instants), and
/// binding a text costs the driver several copies.
pub async fn insert_sharing(
    db: &WriteTx,
    table: &'static str,
    columns: &[&'static str],
    shared: Vec<(&'static str, Cell)>,
    rows: Vec<Vec<Cell>>,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let backend = db.get_database_backend();
    let list = columns
        .iter()
        .chain(shared.iter().map(|(column, _)| column))
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    if backend == DatabaseBackend::Postgres {
        let shared: Vec<Cell> = shared.into_iter().map(|(_, cell)| cell).collect();
        db.copy_in(
            &format!("COPY \"{table}\" ({list}) FROM STDIN"),
            rows.chunks(ROWS_PER_BATCH)
                .map(|batch| copy_text(batch, &shared).into_bytes()),
        )
        .await?;
        return Ok(());
    }
    db.widen_cache().await?;
    // Column names are the caller's `'static` identifiers, never input.
    let per_statement = (SQLITE_PARAMETERS.saturating_sub(shared.len()) / columns.len().max(1))
        .clamp(1, ROWS_PER_BATCH);
    let row_marks = format!("({})", vec!["?"; columns.len()].join(", "));
    let head = if shared.is_empty() {
        format!("INSERT INTO \"{table}\" ({list}) VALUES ")
    } else {
        let picks = (1..=columns.len())
            .map(|i| format!("column{i}"))
            .chain(shared.iter().map(|_| "?".to_owned()))
            .collect::<Vec<_>>()
            .join(", ");
        format!("INSERT INTO \"{table}\" ({list}) SELECT {picks} FROM (VALUES ")
    };
    let tail = if shared.is_empty() { "" } else { ")" };
    let statement =
        |rows: usize| format!("{head}{}{tail}", vec![row_marks.as_str(); rows].join(", "));
    let full = statement(per_statement);
    let mut instants = Instants::default();
    let shared: Vec<Value> = shared
        .into_iter()
        .map(|(_, cell)| cell.into_value(&mut instants))
        .collect();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut values = Vec::with_capacity(shared.len() + per_statement * columns.len());
        // The shared values' marks come first in the statement's text.
        values.extend(shared.iter().cloned());
        let mut count = 0;
        for row in rows.by_ref().take(per_statement) {
            values.extend(row.into_iter().map(|cell| cell.into_value(&mut instants)));
            count += 1;
        }
        let sql = if count == per_statement {
            full.clone()
        } else {
            statement(count)
        };
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
    }
    Ok(())
}

/// What the duplicate rule compares of a fact line besides its partner
/// (`domain::sellthrough::DuplicateKey`), for sell-through and sell-in.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct LineKey {
    pub date: NaiveDate,
    pub product_id: i64,
    pub qty: i64,
    pub amount_minor: i64,
    pub document_no: Option<String>,
}

/// The keys of one partner's lines in `table` up to id `up_to` (those
/// written before a load began) dated `from` to `to`, read through the
/// table's key index (partner, date, …).
pub(crate) async fn keys_up_to(
    db: &impl ConnectionTrait,
    table: &'static str,
    up_to: i64,
    partner_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<LineKey>, StoreError> {
    let backend = db.get_database_backend();
    let (p1, p2, p3, p4) = match backend {
        DatabaseBackend::Postgres => ("$1", "$2", "$3", "$4"),
        _ => ("?", "?", "?", "?"),
    };
    // `table` is the caller's `'static` name, never input.
    let sql = format!(
        "SELECT date, product_id, qty, amount_minor, document_no FROM \"{table}\" \
         WHERE partner_id = {p1} AND date >= {p2} AND date <= {p3} AND id <= {p4}"
    );
    Ok(LineKey::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [partner_id.into(), from.into(), to.into(), up_to.into()],
    ))
    .all(db)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_chrono_writes_them() {
        let mut day = NaiveDate::from_ymd_opt(-3, 12, 25).unwrap();
        let last = NaiveDate::from_ymd_opt(10_001, 1, 5).unwrap();
        while day <= last {
            assert_eq!(date_text(day), day.format("%F").to_string());
            day = day + chrono::Days::new(97);
        }
        let edge = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
        assert_eq!(date_text(edge), "9999-12-31");
        assert_eq!(
            date_text(NaiveDate::from_ymd_opt(0, 1, 1).unwrap()),
            "0000-01-01"
        );
    }
}
