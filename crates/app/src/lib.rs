//! Qudao's use cases. Every read and write that a person or a program makes
//! goes through here: the caller's role and data scope are checked, input is
//! parsed, one transaction runs, and the audit record is written in it.
//! `web` and `cli` call this crate, never `store`.

pub mod admin;
pub mod agreements;
pub mod audit;
mod caller;
mod caller_cache;
mod error;
pub mod export;
pub mod grades;
pub mod imports;
pub mod onboarding;
pub mod partners;
pub mod territories;
mod text;

use qudao_store::DatabaseConnection;

pub use caller::{Caller, Permission};
pub use caller_cache::TTL as CALLER_CACHE_TTL;

/// Today in the business time zone (Asia/Shanghai, UTC+8, no DST): an
/// agreement or authorization that ends on the 31st is in force until
/// midnight in China, wherever the server runs.
pub fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// An optional text field with its blanks removed; `None` when empty.
pub(crate) fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}
pub use error::AppError;
pub use qudao_store::paging::{Page, PageRequest, SortDir};

/// The application: a handle to the database that every use case runs on.
/// Cheap to clone; one per process.
#[derive(Debug, Clone)]
pub struct Qudao {
    db: DatabaseConnection,
    callers: std::sync::Arc<caller_cache::CallerCache>,
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
        Ok(Self::on(db))
    }

    /// Connects without migrating (for `qudao migrate --status`, backup).
    pub async fn connect(url: &str) -> Result<Self, AppError> {
        Ok(Self::on(qudao_store::connect(url).await?))
    }

    fn on(db: DatabaseConnection) -> Self {
        Self {
            db,
            callers: std::sync::Arc::default(),
        }
    }

    pub(crate) fn callers(&self) -> &caller_cache::CallerCache {
        &self.callers
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

    /// Starts the one transaction of a use case.
    pub(crate) async fn begin(&self) -> Result<qudao_store::DatabaseTransaction, AppError> {
        use qudao_store::TransactionTrait;
        Ok(self
            .db
            .begin()
            .await
            .map_err(qudao_store::StoreError::from)?)
    }
}

/// Commits a use case's transaction.
pub(crate) async fn commit(tx: qudao_store::DatabaseTransaction) -> Result<(), AppError> {
    Ok(tx.commit().await.map_err(qudao_store::StoreError::from)?)
}

/// Puts a SQLite backup in place of the database at `url`, after checking
/// that it is a sound Qudao database this program can use. The server must be
/// stopped: a running server keeps the old file open.
pub async fn restore_sqlite(
    backup: &std::path::Path,
    url: &str,
    force: bool,
) -> Result<std::path::PathBuf, AppError> {
    let target = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .map(|path| std::path::PathBuf::from(path.split('?').next().unwrap_or(path)))
        .ok_or_else(|| {
            AppError::Unsupported(
                "restore works on SQLite; for PostgreSQL use pg_restore".to_owned(),
            )
        })?;
    if !backup.is_file() {
        return Err(AppError::Unsupported(format!(
            "{} is not a file",
            backup.display()
        )));
    }
    if target.exists() && !force {
        return Err(AppError::Unsupported(format!(
            "{} exists; stop the server and add --force to replace it",
            target.display()
        )));
    }
    let (sound, version) = qudao_store::inspect_sqlite(backup).await.map_err(|_| {
        AppError::Unsupported(format!("{} is not a SQLite database", backup.display()))
    })?;
    if !sound {
        return Err(AppError::Unsupported(format!(
            "{} fails SQLite's integrity check",
            backup.display()
        )));
    }
    let binary = qudao_store::migrations::latest_version();
    if version == 0 || version > binary {
        return Err(AppError::Schema(format!(
            "{} is at schema version {version}; this program knows 1 to {binary}",
            backup.display()
        )));
    }
    for suffix in ["-wal", "-shm"] {
        let side = std::path::PathBuf::from(format!("{}{suffix}", target.display()));
        if side.exists() {
            std::fs::remove_file(&side)
                .map_err(|e| AppError::Unsupported(format!("{}: {e}", side.display())))?;
        }
    }
    std::fs::copy(backup, &target)
        .map_err(|e| AppError::Unsupported(format!("{}: {e}", target.display())))?;
    Ok(target)
}
