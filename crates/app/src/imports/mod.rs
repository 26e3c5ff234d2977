//! Imports from CSV and xlsx (DESIGN.md §5).
//!
//! Every kind follows one policy: the whole file is read and checked first,
//! then written in one transaction. Any bad row rejects the file with a
//! report naming each row, column and reason, and nothing is written. A dry
//! run does all of it, writes included, and rolls the transaction back, so
//! it finds every error a real run would.
//!
//! `read` is the generic reader (encodings, headers in either language,
//! templates); each kind is one module here that declares its columns, the
//! permission it needs and its write, and one line in [`ImportKind::ALL`].

/// Declares an importer in its module: the registry entry and the boxed
/// call of its write (the registry holds plain function pointers).
macro_rules! importer {
    ($name:literal, $permission:expr, upsert: $upsert:literal,
     |$app:ident, $caller:ident, $table:ident, $options:ident| $write:expr) => {
        pub(super) const KIND: super::ImportKind = super::ImportKind(&super::Importer {
            name: $name,
            columns: COLUMNS,
            permission: $permission,
            upsert: $upsert,
            write: super::Write::Table(run),
        });

        fn run<'a>(
            $app: &'a crate::Qudao,
            $caller: &'a crate::Caller,
            $table: &'a super::Table,
            $options: super::ImportOptions,
        ) -> std::pin::Pin<
            Box<
                dyn std::future::Future<Output = Result<super::Outcome, crate::AppError>>
                    + Send
                    + 'a,
            >,
        > {
            Box::pin($write)
        }
    };
}

/// Declares a streaming importer: its write reads the file row by row
/// itself (no row limit, memory bounded whatever the size) and reports.
macro_rules! stream_importer {
    ($name:literal, $permission:expr,
     |$app:ident, $caller:ident, $source:ident, $file:ident, $options:ident| $write:expr) => {
        pub(super) const KIND: super::ImportKind = super::ImportKind(&super::Importer {
            name: $name,
            columns: COLUMNS,
            permission: $permission,
            upsert: false,
            write: super::Write::Stream(run),
        });

        fn run<'a>(
            $app: &'a crate::Qudao,
            $caller: &'a crate::Caller,
            $source: super::Source<'a>,
            $file: &'a str,
            $options: super::ImportOptions,
        ) -> std::pin::Pin<
            Box<
                dyn std::future::Future<Output = Result<super::ImportReport, crate::AppError>>
                    + Send
                    + 'a,
            >,
        > {
            Box::pin($write)
        }
    };
}

mod authorizations;
mod contacts;
mod exchange_rates;
pub mod incentive_adjustments;
mod partners;
mod payments;
mod price_lists;
mod products;
mod read;
mod regions;
pub mod scorecard_inputs;
mod sellin;
pub(crate) mod sellthrough;
mod stock_counts;
pub(crate) mod stream;
pub mod targets;
mod user_regions;
pub mod values;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use qudao_domain::{Invalid, Problem};
use serde::Serialize;

pub(crate) use read::Table;
pub use read::{SAMPLE_MARKERS, template};
pub use values::Values;

use crate::{AppError, Caller, Permission, Qudao};

/// More rows than this in one file is refused up front: a file that size is
/// almost always a mistake (a whole ERP dump), and splitting it keeps each
/// all-or-nothing transaction and its error report a size a person can use.
pub const MAX_ROWS: usize = 50_000;

/// What an importer's write returns: what it wrote, or every problem.
type Run = for<'a> fn(
    &'a Qudao,
    &'a Caller,
    &'a Table,
    ImportOptions,
) -> Pin<Box<dyn Future<Output = Result<Outcome, AppError>> + Send + 'a>>;

/// A streaming importer's write: it reads `Source` itself and reports.
type StreamRun =
    for<'a> fn(
        &'a Qudao,
        &'a Caller,
        Source<'a>,
        &'a str,
        ImportOptions,
    ) -> Pin<Box<dyn Future<Output = Result<ImportReport, AppError>> + Send + 'a>>;

/// How a kind writes: from the whole file read into a [`Table`] (checked
/// against indexes, at most [`MAX_ROWS`] rows), or streaming the file row
/// by row (facts: any number of rows).
enum Write {
    Table(Run),
    Stream(StreamRun),
}

/// Where a streaming import reads its file from.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    Bytes(&'a [u8]),
    File(&'a std::path::Path),
}

/// One kind of file: its name (in URLs, the CLI and templates), its columns,
/// the permission an importing user needs, whether re-imported records may
/// update existing ones, and the write.
pub struct Importer {
    name: &'static str,
    columns: &'static [Column],
    permission: Permission,
    upsert: bool,
    write: Write,
}

/// What a file holds: a handle on one registered importer.
#[derive(Clone, Copy)]
pub struct ImportKind(&'static Importer);

impl ImportKind {
    /// The registry: the upload page, the API, the templates and the CLI all
    /// read this list. A new kind is one module and one line here.
    pub const ALL: &'static [ImportKind] = &[
        partners::KIND,
        contacts::KIND,
        regions::KIND,
        authorizations::KIND,
        user_regions::KIND,
        products::KIND,
        price_lists::KIND,
        exchange_rates::KIND,
        sellthrough::KIND,
        payments::KIND,
        sellin::KIND,
        stock_counts::KIND,
        targets::KIND,
        scorecard_inputs::KIND,
        incentive_adjustments::KIND,
    ];

    pub fn as_str(self) -> &'static str {
        self.0.name
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == value)
    }

    /// The columns of this kind's files, in template order.
    pub fn columns(self) -> &'static [Column] {
        self.0.columns
    }

    /// What a user needs to import this kind.
    pub fn permission(self) -> Permission {
        self.0.permission
    }

    /// Whether [`ImportMode::Upsert`] applies to this kind.
    pub fn supports_upsert(self) -> bool {
        self.0.upsert
    }
}

impl PartialEq for ImportKind {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ImportKind {}

impl fmt::Debug for ImportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for ImportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ImportKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// What to do with a row whose code already exists.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Refuse it (`code_taken`): an import creates records.
    #[default]
    Create,
    /// Update the existing record and list what changed in the report.
    Upsert,
}

impl ImportMode {
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "create" | "" => Some(Self::Create),
            "upsert" => Some(Self::Upsert),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    pub mode: ImportMode,
    /// Sell-through: write the rows that pass and hold those naming a
    /// product code the partner has not mapped yet, instead of rejecting
    /// the file for them.
    pub hold_unknown: bool,
    /// Payments: keep what a payment pays beyond the invoices' debts on
    /// the partner's account instead of refusing its row.
    pub keep_overpayment: bool,
}

/// One column of an import format: its field, its English and Chinese
/// headers, whether it must be present, an example value for templates, and
/// the words its cells may hold besides codes.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub field: &'static str,
    pub zh: &'static str,
    pub required: bool,
    pub example: &'static str,
    pub values: Values,
}

/// One thing wrong with a file. `row` is the row number as a spreadsheet
/// shows it (the header is row 1); absent for problems of the whole file.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub row: Option<usize>,
    /// The column's header as written in the file (English or Chinese).
    pub column: Option<String>,
    pub field: String,
    #[schema(value_type = Object)]
    pub problem: Problem,
    /// The problem in English, for logs and programs.
    pub message: String,
}

impl RowError {
    fn file(field: &'static str, problem: Problem) -> Self {
        Self::new(None, None, field, problem)
    }

    fn new(row: Option<usize>, column: Option<String>, field: &str, problem: Problem) -> Self {
        let message = problem.to_string();
        Self {
            row,
            column,
            field: field.to_owned(),
            problem,
            message,
        }
    }
}

/// One field an upsert changed (or, on a dry run, would change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// An existing record that a row of the file updates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowChange {
    pub row: usize,
    pub code: String,
    pub changes: Vec<FieldChange>,
}

/// What an import did, or would have done.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    #[schema(value_type = String, example = "partners")]
    pub kind: ImportKind,
    pub file: String,
    pub mode: ImportMode,
    /// Data rows read (the header and trailing blank rows not counted).
    pub rows: usize,
    /// Records written; 0 when there are errors or on a dry run.
    pub created: usize,
    /// The key (first column) of each row written, in file order without
    /// repeats, so a report can link to what was imported; empty when
    /// nothing was written.
    pub records: Vec<String>,
    /// Existing records whose row differs from them, with what changed (upsert
    /// only); listed on a dry run too, so a person can check before writing.
    pub updated: Vec<RowChange>,
    /// Rows that name an existing record exactly as it is (upsert only).
    pub unchanged: usize,
    pub dry_run: bool,
    /// Every problem found; when not empty, nothing was written.
    pub errors: Vec<RowError>,
    /// Rows held for a product code their partner has not mapped yet
    /// (sell-through with `hold_unknown`); they are written when it is.
    pub held: usize,
    /// The upload record a streaming import keeps (sell-through).
    pub upload: Option<i64>,
    pub elapsed_ms: u64,
}

impl ImportReport {
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// What one importer's write found.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    created: usize,
    updated: Vec<RowChange>,
    unchanged: usize,
    errors: Vec<RowError>,
}

impl Outcome {
    fn rejected(errors: Vec<RowError>) -> Self {
        Self {
            errors,
            ..Self::default()
        }
    }
}

impl Qudao {
    /// Imports one file of `kind`, creating records; see the module's policy.
    pub async fn import(
        &self,
        caller: &Caller,
        kind: ImportKind,
        file_name: &str,
        bytes: &[u8],
        dry_run: bool,
    ) -> Result<ImportReport, AppError> {
        let options = ImportOptions {
            dry_run,
            ..ImportOptions::default()
        };
        self.import_with(caller, kind, file_name, bytes, options)
            .await
    }

    /// Imports one file of `kind`. The report says what was (or would be)
    /// written, or every problem found.
    pub async fn import_with(
        &self,
        caller: &Caller,
        kind: ImportKind,
        file_name: &str,
        bytes: &[u8],
        options: ImportOptions,
    ) -> Result<ImportReport, AppError> {
        caller.require(kind.permission())?;
        let started = Instant::now();
        let mut report = ImportReport {
            kind,
            file: file_name.to_owned(),
            mode: options.mode,
            rows: 0,
            created: 0,
            records: Vec::new(),
            updated: Vec::new(),
            unchanged: 0,
            dry_run: options.dry_run,
            errors: Vec::new(),
            held: 0,
            upload: None,
            elapsed_ms: 0,
        };
        if options.mode == ImportMode::Upsert && !kind.supports_upsert() {
            report.errors.push(RowError::file(
                "mode",
                Problem::NotOneOf {
                    choices: vec!["create"],
                },
            ));
            return Ok(report);
        }
        let run = match kind.0.write {
            Write::Stream(stream) => {
                return stream(self, caller, Source::Bytes(bytes), file_name, options).await;
            }
            Write::Table(run) => run,
        };
        let table = read::read_cells(file_name, bytes)
            .map_err(|e| vec![*e])
            .and_then(|cells| read::table(kind.columns(), cells));
        match table {
            Err(errors) => report.errors = errors,
            Ok(mut table) => {
                report.rows = table.rows.len();
                self.translate_values(kind.columns(), &mut table).await?;
                let outcome = run(self, caller, &table, options).await?;
                report.errors = outcome.errors;
                if report.errors.is_empty() {
                    report.updated = outcome.updated;
                    report.unchanged = outcome.unchanged;
                    if !options.dry_run {
                        report.created = outcome.created;
                        report.records = table.keys(kind.columns()[0].field);
                    }
                }
            }
        }
        report.errors.sort_by_key(|e| e.row.unwrap_or(0));
        report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(
            kind = kind.as_str(),
            file = file_name,
            rows = report.rows,
            created = report.created,
            updated = report.updated.len(),
            errors = report.errors.len(),
            dry_run = options.dry_run,
            elapsed_ms = report.elapsed_ms,
            "import"
        );
        Ok(report)
    }
}

impl Qudao {
    /// Imports a file from disk. A streaming kind reads it row by row; any
    /// other reads it whole, as [`Qudao::import_with`] does.
    pub async fn import_file(
        &self,
        caller: &Caller,
        kind: ImportKind,
        path: &std::path::Path,
        options: ImportOptions,
    ) -> Result<ImportReport, AppError> {
        let name = path.display().to_string();
        match kind.0.write {
            Write::Stream(stream) => {
                caller.require(kind.permission())?;
                stream(self, caller, Source::File(path), &name, options).await
            }
            Write::Table(_) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| AppError::Internal(format!("cannot read {name}: {e}")))?;
                self.import_with(caller, kind, &name, &bytes, options).await
            }
        }
    }
}

/// A row's validation failures as report lines; anything else (the
/// database failing) ends the import.
fn row_errors(table: &Table, row: usize, err: AppError) -> Result<Vec<RowError>, AppError> {
    match err {
        AppError::Invalid(fields) => Ok(fields.into_iter().map(|i| table.error(row, i)).collect()),
        AppError::Duplicate { field } => Ok(vec![table.error(
            row,
            Invalid::new(field, Problem::Rule { rule: "code_taken" }),
        )]),
        other => Err(other),
    }
}

/// Commits what a clean, real run wrote; rolls back anything else.
async fn finish(
    tx: qudao_store::WriteTx,
    outcome: Outcome,
    dry_run: bool,
) -> Result<Outcome, AppError> {
    if outcome.errors.is_empty() && !dry_run {
        crate::commit(tx).await?;
    } else {
        tx.rollback().await?;
    }
    Ok(outcome)
}

/// The words a stored report's problems may hold: rule keys, expected
/// shapes and choices are `&'static str` in [`Problem`], so a report read
/// back from the database maps each onto the program's own word. A word
/// this program does not know reads as `stored_problem`.
const STORED_WORDS: &[&str] = &[
    // Rules of the reader and the sell-through importer.
    "duplicate_column",
    "missing_column",
    "not_this_kind",
    "empty_row",
    "sample_row",
    "values_without_header",
    "unknown_encoding",
    "file_unreadable",
    "more_errors",
    "partner_must_exist",
    "region_must_exist",
    "product_must_exist",
    "quantity_not_zero",
    "amount_not_negative",
    "period_closed",
    "unknown_product",
    "product_not_for_channel",
    "product_not_authorized",
    "line_repeated_in_file",
    "duplicate_reported",
    // Shapes, choices and character sets.
    "2026-12-31",
    "12",
    "12345.67",
    "12345",
    "CSV",
    "Excel .xlsx",
    ".csv",
    ".xlsx",
    "A-Z 0-9 - _",
    "partner_code",
    "date",
    "sku",
    "qty",
    "amount",
    "customer_region",
    "customer_name",
    "document_no",
    "serial_no",
];

fn stored_word(value: Option<&serde_json::Value>) -> &'static str {
    let text = value
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    STORED_WORDS
        .iter()
        .copied()
        .find(|w| *w == text)
        .unwrap_or("stored_problem")
}

/// A problem as [`Problem`]'s serialisation wrote it.
fn problem_from_json(value: &serde_json::Value) -> Problem {
    let number = |key: &str| {
        value
            .get(key)
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or_default()
    };
    match value.get("problem").and_then(serde_json::Value::as_str) {
        Some("required") => Problem::Required,
        Some("too_short") => Problem::TooShort { min: number("min") },
        Some("too_long") => Problem::TooLong { max: number("max") },
        Some("bad_characters") => Problem::BadCharacters {
            allowed: stored_word(value.get("allowed")),
        },
        Some("not_one_of") => Problem::NotOneOf {
            choices: value
                .get("choices")
                .and_then(serde_json::Value::as_array)
                .map(|c| c.iter().map(|w| stored_word(Some(w))).collect())
                .unwrap_or_default(),
        },
        Some("limit") => Problem::Limit {
            rule: stored_word(value.get("rule")),
            max: number("max"),
        },
        Some("conflict") => Problem::Conflict {
            rule: stored_word(value.get("rule")),
            with: value
                .get("with")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        },
        Some("format") => Problem::Format {
            expected: stored_word(value.get("expected")),
        },
        Some("rule") => Problem::Rule {
            rule: stored_word(value.get("rule")),
        },
        _ => Problem::Rule {
            rule: "stored_problem",
        },
    }
}

/// A streaming import's report as it was stored with its upload.
pub(crate) fn report_from_json(value: &serde_json::Value) -> Option<ImportReport> {
    let kind = ImportKind::parse(value.get("kind")?.as_str()?)?;
    let count = |key: &str| {
        value
            .get(key)
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or_default()
    };
    let errors = value
        .get("errors")?
        .as_array()?
        .iter()
        .map(|e| {
            let problem = problem_from_json(e.get("problem").unwrap_or(&serde_json::Value::Null));
            RowError {
                row: e
                    .get("row")
                    .and_then(serde_json::Value::as_u64)
                    .and_then(|n| usize::try_from(n).ok()),
                column: e
                    .get("column")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned),
                field: e
                    .get("field")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                message: problem.to_string(),
                problem,
            }
        })
        .collect();
    Some(ImportReport {
        kind,
        file: value.get("file")?.as_str()?.to_owned(),
        mode: ImportMode::Create,
        rows: count("rows"),
        created: count("created"),
        records: Vec::new(),
        updated: Vec::new(),
        unchanged: 0,
        dry_run: value.get("dry_run")?.as_bool()?,
        errors,
        held: count("held"),
        upload: value.get("upload").and_then(serde_json::Value::as_i64),
        elapsed_ms: count("elapsed_ms") as u64,
    })
}
