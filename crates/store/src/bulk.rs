//! The bulk path's writes (DESIGN.md §3): ids handed out before the rows
//! exist, so tree paths and child rows are computed in memory, and
//! multi-row inserts sized under both databases' bound-parameter limits.
//! Imports and (later) fact loads write through here, inside the caller's
//! one transaction.

use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value};

use crate::StoreError;
use crate::write::WriteTx;

/// SQLite binds at most 32,766 parameters per statement, PostgreSQL 65,535;
/// one budget under both keeps a statement the same shape on either.
const MAX_PARAMS: usize = 30_000;

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

/// Inserts `rows` (each a value per column, in `columns` order) with as few
/// multi-row statements as the parameter budget allows.
pub async fn insert(
    db: &WriteTx,
    table: &'static str,
    columns: &[&'static str],
    rows: Vec<Vec<Value>>,
) -> Result<(), StoreError> {
    let per_statement = (MAX_PARAMS / columns.len().max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut insert = Query::insert()
            .into_table(Alias::new(table))
            .columns(columns.iter().map(|c| Alias::new(*c)))
            .to_owned();
        for row in rows.by_ref().take(per_statement) {
            insert.values_panic(row.into_iter().map(Into::into));
        }
        db.execute(&insert).await?;
    }
    Ok(())
}
