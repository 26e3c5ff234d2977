//! Qudao's use cases. Every read and write that a person or a program makes
//! goes through here: the caller's role and data scope are checked, input is
//! parsed, one transaction runs, and the audit record is written in it.
//! `web` and `cli` call this crate, never `store`.

pub mod admin;
pub mod agreements;
pub mod alerts;
pub mod analytics;
pub mod audit;
pub mod awards;
mod caller;
mod caller_cache;
pub mod catalog;
mod confirm;
pub mod coverage;
mod downstream;
mod error;
pub mod export;
pub mod facts;
mod grade_cache;
pub mod grades;
pub mod home;
pub mod imports;
pub mod incentive_accruals;
pub mod incentive_adjustments;
pub mod incentive_balances;
mod incentive_compute;
pub mod incentive_points;
pub mod incentive_preview;
pub mod incentive_runs;
pub mod incentive_watchlist;
pub mod incentive_whatif;
pub mod incentives;
pub mod inventory;
mod line_cache;
pub mod onboarding;
pub mod orders;
pub mod outlets;
pub mod owner_moves;
pub mod partner_changes;
pub mod partners;
pub mod periods;
pub mod pick;
pub mod pricing;
pub mod rates;
pub mod receivables;
mod scope;
pub mod scorecards;
pub mod sellthrough;
pub mod settings;
pub mod target_months;
pub mod target_plans;
pub mod targets;
pub mod team;
pub mod territories;
mod text;
mod visibility;

use qudao_store::DatabaseConnection;

pub use caller::{Caller, Origin, Permission};
pub use caller_cache::TTL as CALLER_CACHE_TTL;
pub use line_cache::LineNames;
pub use scope::Shown;

pub use chrono_tz::Tz as TimeZone;

static TIME_ZONE: std::sync::OnceLock<chrono_tz::Tz> = std::sync::OnceLock::new();

/// The business time zone when none is configured.
pub const DEFAULT_TIME_ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// Reads an IANA time zone name (`Asia/Shanghai`, `Europe/Berlin`).
pub fn parse_time_zone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.trim()
        .parse::<chrono_tz::Tz>()
        .map_err(|_| format!("'{name}' is not an IANA time zone name such as Asia/Shanghai"))
}

/// Sets the business time zone, once, at start-up (`--time-zone`). A
/// second setting is refused: the zone decides which day "today" is, and
/// must not change under running use cases.
pub fn set_time_zone(zone: chrono_tz::Tz) -> Result<(), chrono_tz::Tz> {
    TIME_ZONE.set(zone)
}

/// The business time zone: dates are "today" there and instants are shown in
/// it. Asia/Shanghai unless configured.
pub fn time_zone() -> chrono_tz::Tz {
    *TIME_ZONE.get_or_init(|| DEFAULT_TIME_ZONE)
}

/// Today in the business time zone: an agreement or authorization that ends
/// on the 31st is in force until midnight there, wherever the server runs.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().with_timezone(&time_zone()).date_naive()
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
    grades: std::sync::Arc<grade_cache::GradeCache>,
    lines: std::sync::Arc<line_cache::LineCache>,
    settings: std::sync::Arc<settings::SettingsCache>,
    notices: std::sync::Arc<facts::Notices>,
    uploads: std::sync::Arc<sellthrough::Running>,
    analytics: std::sync::Arc<analytics::Analytics>,
    kept_reads: std::sync::Arc<incentive_whatif::KeptReads>,
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
    /// Opens and migrates the database at `url`. The analytics engine keeps
    /// its projection beside a SQLite file (`qudao.db.engine`); see
    /// [`Qudao::keeping_engine_in`] for another place.
    pub async fn open(url: &str) -> Result<Self, AppError> {
        let db = qudao_store::connect(url).await?;
        qudao_store::migrations::migrate(&db).await?;
        Ok(Self::on(db).keeping_engine_in(engine_file_beside(url)))
    }

    /// Where the analytics engine keeps its projection between runs
    /// (`None`: nowhere, it loads from the database at every start).
    pub fn keeping_engine_in(mut self, file: Option<std::path::PathBuf>) -> Self {
        self.analytics = std::sync::Arc::new(analytics::Analytics::kept_in(file));
        self
    }

    /// Connects without migrating (for `qudao migrate --status`, backup).
    pub async fn connect(url: &str) -> Result<Self, AppError> {
        Ok(Self::on(qudao_store::connect(url).await?))
    }

    fn on(db: DatabaseConnection) -> Self {
        Self {
            db,
            callers: std::sync::Arc::default(),
            grades: std::sync::Arc::default(),
            lines: std::sync::Arc::default(),
            settings: std::sync::Arc::default(),
            notices: std::sync::Arc::default(),
            uploads: std::sync::Arc::default(),
            analytics: std::sync::Arc::default(),
            kept_reads: std::sync::Arc::default(),
        }
    }

    pub(crate) fn callers(&self) -> &caller_cache::CallerCache {
        &self.callers
    }

    pub(crate) fn grade_cache(&self) -> &grade_cache::GradeCache {
        &self.grades
    }

    pub(crate) fn kept_reads(&self) -> &incentive_whatif::KeptReads {
        &self.kept_reads
    }

    /// Every product line's names by code, at most `line_cache::TTL` old.
    pub async fn line_names(&self) -> Result<std::sync::Arc<LineNames>, AppError> {
        self.lines.names(&self.db).await
    }

    /// A line was created or renamed here: the next page reads the names afresh.
    pub(crate) fn line_names_changed(&self) {
        self.lines.forget();
    }

    pub(crate) fn settings_cache(&self) -> &settings::SettingsCache {
        &self.settings
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

    /// Starts the one transaction of a write use case (the write skeleton,
    /// see `qudao_store::write`): begin, re-read what decides the outcome
    /// under a lock, check, write, audit, [`commit`].
    pub(crate) async fn write(&self) -> Result<qudao_store::WriteTx, AppError> {
        Ok(qudao_store::WriteTx::begin(&self.db).await?)
    }
}

/// Commits a use case's transaction.
pub(crate) async fn commit(tx: qudao_store::WriteTx) -> Result<(), AppError> {
    tx.commit().await?;
    COMMITS.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    Ok(())
}

/// Writes committed by this process: what was read after the last one
/// still holds unless another node wrote (see `Caller::reach`).
static COMMITS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub(crate) fn commits() -> u64 {
    COMMITS.load(std::sync::atomic::Ordering::Acquire)
}

/// The file of a SQLite URL; `None` for PostgreSQL and in-memory SQLite.
fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let (path, options) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" || options.contains("mode=memory") {
        return None;
    }
    Some(std::path::PathBuf::from(path))
}

/// The analytics projection's default place: beside a SQLite file.
pub fn engine_file_beside(url: &str) -> Option<std::path::PathBuf> {
    sqlite_file(url).map(|db| std::path::PathBuf::from(format!("{}.engine", db.display())))
}

/// Puts a SQLite backup in place of the database at `url`, after checking
/// that it is a sound Qudao database this program can use. The server must be
/// stopped: a running server keeps the old file open.
pub async fn restore_sqlite(
    backup: &std::path::Path,
    url: &str,
    force: bool,
) -> Result<std::path::PathBuf, AppError> {
    let target = sqlite_file(url).ok_or_else(|| {
        AppError::Unsupported("restore works on SQLite; for PostgreSQL use pg_restore".to_owned())
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
    for suffix in ["-wal", "-shm", ".engine"] {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_are_iana_names_and_default_to_shanghai() {
        assert_eq!(
            parse_time_zone(" Europe/Berlin ").ok(),
            Some(chrono_tz::Europe::Berlin)
        );
        let err = parse_time_zone("UTC+8").unwrap_err();
        assert!(
            err.contains("UTC+8") && err.contains("Asia/Shanghai"),
            "{err}"
        );
        // Nothing in this test binary sets the zone.
        assert_eq!(time_zone(), chrono_tz::Asia::Shanghai);
        let late_evening_utc = chrono::DateTime::parse_from_rfc3339("2026-06-30T17:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            late_evening_utc.with_timezone(&time_zone()).date_naive(),
            chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
            "one in the morning of 1 July in Shanghai"
        );
    }
}
