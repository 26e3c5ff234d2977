//! Qudao's use cases. Every read and write that a person or a program makes
//! goes through here: the caller's role and data scope are checked, input is
//! parsed, one transaction runs, and the audit record is written in it.
//! `web` and `cli` call this crate, never `store`.

pub mod admin;
pub mod audit;
mod caller;
mod error;
pub mod export;
pub mod partners;

use qudao_store::DatabaseConnection;

pub use caller::{Caller, Permission};
pub use error::AppError;
pub use qudao_store::paging::{Page, PageRequest, SortDir};

/// The application: a handle to the database that every use case runs on.
/// Cheap to clone; one per process.
#[derive(Debug, Clone)]
pub struct Qudao {
    db: DatabaseConnection,
}

/// The schema state of a database, for `qudao migrate` and `/readyz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaStatus {
    pub database: i64,
    pub binary: i64,
}

impl Qudao {
    /// Connects and brings the schema up to date. A database written by a
    /// newer Qudao is refused.
    pub async fn open(url: &str) -> Result<Self, AppError> {
        let db = qudao_store::connect(url).await?;
        qudao_store::migrations::migrate(&db).await?;
        Ok(Self { db })
    }

    /// Connects without migrating (for `qudao migrate --status`, backup).
    pub async fn connect(url: &str) -> Result<Self, AppError> {
        Ok(Self { db: qudao_store::connect(url).await? })
    }

    pub async fn migrate(&self) -> Result<Vec<i64>, AppError> {
        Ok(qudao_store::migrations::migrate(&self.db).await?)
    }

    pub async fn schema_status(&self) -> Result<SchemaStatus, AppError> {
        Ok(SchemaStatus {
            database: qudao_store::migrations::current_version(&self.db).await?,
            binary: qudao_store::migrations::latest_version(),
        })
    }

    /// Readiness: the database answers and its schema is this binary's.
    pub async fn ready(&self) -> Result<(), AppError> {
        Ok(qudao_store::migrations::check_current(&self.db).await?)
    }

    /// The session store for the web layer, on the same database.
    pub fn session_store(&self) -> qudao_store::sessions::DbSessionStore {
        qudao_store::sessions::DbSessionStore::new(self.db.clone())
    }

    /// Whether the database holds no accounts yet (the demo loads only then).
    pub async fn is_empty(&self) -> Result<bool, AppError> {
        Ok(qudao_store::admin::count_users(&self.db).await? == 0)
    }

    /// A consistent copy of a live SQLite database (`VACUUM INTO`).
    pub async fn backup_sqlite(&self, target: &std::path::Path) -> Result<(), AppError> {
        use qudao_store::ConnectionTrait;
        if self.db.get_database_backend() != qudao_store::DatabaseBackend::Sqlite {
            return Err(AppError::Unsupported(
                "backup works on SQLite; for PostgreSQL use pg_dump".to_owned(),
            ));
        }
        if target.exists() {
            return Err(AppError::Unsupported(format!(
                "{} already exists; choose a new file",
                target.display()
            )));
        }
        let path = target.to_string_lossy().replace('\'', "''");
        self.db
            .execute_unprepared(&format!("VACUUM INTO '{path}'"))
            .await
            .map_err(qudao_store::StoreError::from)?;
        Ok(())
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.db
    }
}
