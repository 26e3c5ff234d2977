//! Child rows nested into one column of their parent's row, as a JSON array.
//!
//! A page that shows a partner with its children, status history and
//! contacts would otherwise make a statement per list, and on SQLite every
//! statement is a round trip to the connection's worker thread that costs
//! more than the reading itself. Both databases aggregate JSON with an
//! ordered aggregate; only the function names differ.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sea_orm::DatabaseBackend;
use sea_orm::sea_query::Expr;
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, Error as _};

use crate::StoreError;

/// `[{…}, …]` of `fields` (pairs of JSON key and SQL expression) over the
/// rows of the enclosing subquery, in `order`; `[]` when there are none. The
/// column reads as text on both databases.
pub(crate) fn array(backend: DatabaseBackend, fields: &[(&str, &str)], order: &str) -> Expr {
    let pairs = fields
        .iter()
        .map(|(key, sql)| format!("'{key}', {sql}"))
        .collect::<Vec<_>>()
        .join(", ");
    Expr::cust(match backend {
        DatabaseBackend::Postgres => format!(
            "COALESCE(json_agg(json_build_object({pairs}) ORDER BY {order}), '[]'::json)::text"
        ),
        _ => format!("json_group_array(json_object({pairs}) ORDER BY {order})"),
    })
}

/// Reads an array made by [`array`].
pub(crate) fn read<T: DeserializeOwned>(column: &str, json: &str) -> Result<Vec<T>, StoreError> {
    serde_json::from_str(json)
        .map_err(|e| StoreError::Db(sea_orm::DbErr::Type(format!("{column}: {e}"))))
}

/// A stored instant as either database writes it into JSON: RFC 3339
/// (PostgreSQL, and what this program stores in SQLite) or SQLite's own
/// `YYYY-MM-DD HH:MM:SS[.fff]` in UTC.
pub(crate) fn instant<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(d)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|at| at.with_timezone(&Utc))
        .or_else(|_| NaiveDateTime::parse_from_str(&text, "%F %T%.f").map(|at| at.and_utc()))
        .map_err(|_| D::Error::custom(format!("not an instant: {text}")))
}

pub(crate) fn date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|text| {
            NaiveDate::parse_from_str(&text, "%F")
                .map_err(|_| D::Error::custom(format!("not a date: {text}")))
        })
        .transpose()
}
