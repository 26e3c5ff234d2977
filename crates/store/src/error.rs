use sea_orm::{DbErr, SqlErr};

/// Errors of the persistence layer. `app` maps them onto its own error; none
/// of them carries SQL or connection details to end users.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "unsupported database URL '{0}': use sqlite://path/to/file.db or postgres://user@host/db"
    )]
    UnsupportedUrl(String),
    #[error(
        "the database schema is at version {database}, newer than this program knows ({binary}); use a newer qudao"
    )]
    NewerSchema { database: i64, binary: i64 },
    #[error(
        "the database schema is at version {database} but this program needs {binary}; run `qudao migrate`"
    )]
    OlderSchema { database: i64, binary: i64 },
    /// A unique constraint refused the write: the record already exists.
    #[error("already exists")]
    Duplicate,
    #[error("database error: {0}")]
    Db(DbErr),
    /// A stored value that no domain type accepts: written by hand or by a
    /// newer program. Never replaced by a default.
    #[error("{table} row {row}: {column} '{value}' is not a value this program knows")]
    Unreadable {
        table: &'static str,
        row: i64,
        column: &'static str,
        value: String,
    },
}

/// Reads one stored text column into its domain type, or says exactly which
/// value in which row does not parse.
pub(crate) fn read<T, E>(
    table: &'static str,
    row: i64,
    column: &'static str,
    value: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, StoreError> {
    parse(value).map_err(|_| StoreError::Unreadable {
        table,
        row,
        column,
        value: value.to_owned(),
    })
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Duplicate,
            _ => StoreError::Db(err),
        }
    }
}
