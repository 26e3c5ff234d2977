use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(describe_url(url)))
        }
    }
}

/// A URL safe to print: the password, if any, is masked.
pub fn describe_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Opens a pool. SQLite files are created if missing and run in WAL mode with
/// `synchronous=FULL`: money is recorded here, and a commit acknowledged to a
/// finance clerk must survive a power cut. Foreign keys are enforced and
/// writers wait up to five seconds for each other instead of failing.
///
/// A pooled connection is not pinged on every checkout (sqlx's default): a
/// SQLite connection is a local file that cannot drop, and each ping was one
/// more round trip to the connection's worker thread for every statement,
/// doubling the cost of a read. PostgreSQL connections are pinged only after
/// sitting idle long enough for a server or a firewall to have closed them.
pub async fn connect(url: &str) -> Result<DatabaseConnection, StoreError> {
    let backend = Backend::of_url(url)?;
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10));
    if backend == Backend::Sqlite {
        options
            .max_connections(8)
            .test_before_acquire(false)
            .map_sqlx_sqlite_opts(|opts| {
                opts.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5))
            });
    } else {
        options
            .max_connections(16)
            .test_before_acquire_if_idle_for(Duration::from_secs(30));
    }
    Ok(Database::connect(options).await?)
}

/// What a SQLite file holds, read without changing it: whether it passes
/// SQLite's integrity check and its Qudao schema version (0 if none).
pub async fn inspect_sqlite(path: &std::path::Path) -> Result<(bool, i64), StoreError> {
    use sea_orm::sqlx::sqlite::SqliteConnectOptions;
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let pool = sea_orm::sqlx::SqlitePool::connect_with(options)
        .await
        .map_err(|e| {
            StoreError::Db(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
                e.into(),
            )))
        })?;
    let db = sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool);
    let integrity = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await?
        .and_then(|row| row.try_get_by_index::<String>(0).ok());
    let version = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT MAX(version) FROM schema_migrations",
        ))
        .await
        .ok()
        .flatten()
        .and_then(|row| row.try_get_by_index::<Option<i64>>(0).ok().flatten())
        .unwrap_or(0);
    db.close().await?;
    Ok((integrity.as_deref() == Some("ok"), version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            Backend::of_url("sqlite://qudao.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::of_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert!(matches!(
            Backend::of_url("mysql://h/db"),
            Err(StoreError::UnsupportedUrl(_))
        ));
        assert_eq!(
            describe_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(describe_url("sqlite://./q.db"), "sqlite://./q.db");
    }
}
