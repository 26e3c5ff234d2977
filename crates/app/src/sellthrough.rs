//! Sell-through: partners report what they sold to end customers, as a
//! file (a job the user can leave, with progress), an API batch, or the
//! CLI. The checking and writing is the streaming importer
//! (`imports/sellthrough.rs`); this module holds the jobs, the reads, the
//! mapping of partners' own product codes (which releases held rows) and
//! the guard on closed months.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use qudao_domain::periods::Month;
use qudao_domain::sellthrough::{DuplicateKey, ProductRef, repeats};
use qudao_domain::{Invalid, Problem};
use qudao_store::sellthrough::{self as repo, LineFilter, NewLine, upload};
use serde::{Deserialize, Serialize};

use crate::imports::sellthrough::{Indexes, Rows, kind};
use crate::imports::{ImportOptions, ImportReport, Source};
use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Page, PageRequest, Permission, Qudao};

/// The closed months, read inside the write transaction that writes
/// facts. The one place sell-through asks; the period-close guard
/// (`Qudao::open_periods`, with its shared lock) replaces this body.
/// How far a running upload has got (kept in memory: the import holds the
/// write lock, so it cannot record progress in the database as it goes).
#[derive(Debug, Default)]
pub struct Progress {
    pub(crate) rows: AtomicU64,
    pub(crate) written: AtomicU64,
    pub(crate) done: AtomicBool,
}

/// The uploads running in this process, by upload id.
#[derive(Debug, Default)]
pub(crate) struct Running(Mutex<HashMap<i64, Arc<Progress>>>);

impl Running {
    fn insert(&self, id: i64, progress: Arc<Progress>) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(id, progress);
        }
    }

    fn remove(&self, id: i64) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(&id);
        }
    }

    fn get(&self, id: i64) -> Option<Arc<Progress>> {
        self.0.lock().ok().and_then(|map| map.get(&id).cloned())
    }
}

/// An upload as its page and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UploadView {
    pub id: i64,
    pub file_name: String,
    /// queued, running, done, rejected, or checked (a clean dry run).
    pub state: String,
    pub dry_run: bool,
    pub hold_unknown: bool,
    pub uploaded_by: String,
    pub rows_total: i64,
    /// Rows read so far (all of them once it ended).
    pub rows_done: i64,
    pub rows_written: i64,
    pub rows_rejected: i64,
    pub rows_held: i64,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The row report, once it ended.
    pub report: Option<ImportReport>,
    /// Unknown product codes with rows still held, for mapping.
    pub held: Vec<HeldCode>,
}

impl UploadView {
    pub fn finished(&self) -> bool {
        !matches!(self.state.as_str(), "queued" | "running")
    }
}

/// A product code a partner used that maps to none of ours yet.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HeldCode {
    pub partner_code: String,
    pub partner_name: String,
    pub code: String,
    pub rows: usize,
    /// Our nearest products, best first.
    pub candidates: Vec<Candidate>,
}

/// One of our products offered for a partner's unknown code.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
}

/// A line as lists show it: names besides codes.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LineView {
    pub id: i64,
    pub partner_code: String,
    pub partner_name: String,
    pub sku: String,
    pub product_name_zh: String,
    pub product_name_en: String,
    pub date: NaiveDate,
    pub qty: i64,
    /// In the currency's major unit, e.g. `1234.50`.
    pub amount: String,
    pub currency: String,
    pub region_code: String,
    pub region_name: String,
    pub region_name_en: Option<String>,
    pub customer_name: Option<String>,
    pub document_no: Option<String>,
    pub serial_no: Option<String>,
    pub upload_id: i64,
}

/// The list's filters, as the page and the API name them.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LineQuery {
    /// A partner's code.
    pub partner: Option<String>,
    /// A month, `2026-11`.
    pub month: Option<String>,
    /// From this day (`2026-11-01`), with `to`.
    pub from: Option<String>,
    pub to: Option<String>,
    /// A sku.
    pub product: Option<String>,
    /// Customers in this region or inside it (a region's code).
    pub region: Option<String>,
}

/// One line of an API batch.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct LineInput {
    #[schema(example = "2026-11-03")]
    pub date: String,
    /// Our sku, or the partner's own code mapped to one.
    #[schema(example = "TEA-LJ-250G")]
    pub sku: String,
    /// Units; below zero for a return.
    pub qty: i64,
    /// What the customer paid, in the partner's currency, e.g. `1234.50`.
    #[schema(example = "1234.50")]
    pub amount: String,
    #[schema(example = "310000")]
    pub customer_region: String,
    pub customer_name: Option<String>,
    pub document_no: Option<String>,
    pub serial_no: Option<String>,
}

/// A batch of lines of one partner.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct BatchInput {
    pub partner_code: String,
    pub lines: Vec<LineInput>,
    #[serde(default)]
    pub dry_run: bool,
}

/// What mapping a code released.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MappingOutcome {
    /// Held rows written as lines.
    pub released: usize,
    /// Held rows that still cannot be written, with why.
    pub still_held: Vec<StillHeld>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StillHeld {
    pub upload: i64,
    pub row: i64,
    pub field: String,
    #[schema(value_type = Object)]
    pub problem: Problem,
}

impl Qudao {
    /// The upload record of a file about to be read.
    pub(crate) async fn new_upload(
        &self,
        caller: &Caller,
        file_name: &str,
        options: ImportOptions,
    ) -> Result<upload::Model, AppError> {
        caller.require(Permission::ReportSellThrough)?;
        let tx = self.write().await?;
        // A partner's uploads are its own organisation's.
        let partner = match caller.partner_id {
            Some(id) if caller.role.is_partner_role() => {
                qudao_store::scope::partner_by_id(&tx, scope_in(caller, Area::SellThrough), id)
                    .await?
            }
            _ => None,
        };
        let upload = repo::insert_upload(
            &tx,
            repo::NewUpload {
                uploaded_by: &caller.login,
                partner: partner.as_ref(),
                file_name: &file_name.chars().take(255).collect::<String>(),
                dry_run: options.dry_run,
                hold_unknown: options.hold_unknown,
            },
        )
        .await?;
        crate::commit(tx).await?;
        Ok(upload)
    }

    /// Stores an uploaded file and checks and writes it in the background;
    /// the upload's id, whose page shows the progress and then the report.
    pub async fn start_sellthrough_upload(
        &self,
        caller: &Caller,
        file_name: &str,
        bytes: &[u8],
        options: ImportOptions,
    ) -> Result<i64, AppError> {
        let upload = self.new_upload(caller, file_name, options).await?;
        let id = upload.id;
        let extension = std::path::Path::new(file_name)
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "qudao-sellthrough-{}-{id}-{}.{extension}",
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        std::fs::write(&path, bytes)
            .map_err(|e| AppError::Internal(format!("cannot store the upload: {e}")))?;
        let progress = Arc::new(Progress::default());
        self.uploads.insert(id, progress.clone());
        let app = self.clone();
        let caller = caller.clone();
        let name = file_name.to_owned();
        tokio::spawn(async move {
            let kept = upload.clone();
            let rows = Rows::open(Source::File(&path), &name);
            let result = app
                .run_sellthrough(&caller, rows, &name, options, upload, &progress)
                .await;
            if let Err(err) = result {
                tracing::error!(upload = id, error = %err, "sell-through upload failed");
                if let Err(err) = app.fail_upload(kept).await {
                    tracing::error!(upload = id, error = %err, "cannot record the failure");
                }
            }
            let _ = std::fs::remove_file(&path);
            app.uploads.remove(id);
        });
        Ok(id)
    }

    /// Records that an upload ended in an internal failure: nothing was
    /// written (its transaction rolled back).
    async fn fail_upload(&self, upload: upload::Model) -> Result<(), AppError> {
        let tx = self.write().await?;
        let started_at = upload.created_at;
        repo::finish_upload(
            &tx,
            upload,
            repo::Finished {
                state: repo::state::REJECTED,
                rows_total: 0,
                rows_written: 0,
                rows_rejected: 0,
                rows_held: 0,
                report: "{}",
                started_at,
            },
        )
        .await?;
        crate::commit(tx).await
    }

    /// One upload, with its progress or report and its held codes.
    pub async fn sellthrough_upload(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<UploadView, AppError> {
        caller.require(Permission::ViewSellThrough)?;
        let scope = scope_in(caller, Area::SellThrough);
        let found = repo::upload_by_id(self.db(), scope, &caller.login, id)
            .await?
            .ok_or(AppError::NotFound("upload"))?;
        let mut view = self.upload_view(found);
        if !view.finished() {
            return Ok(view);
        }
        let held = repo::held_of_upload(self.db(), scope, id).await?;
        let mut codes: Vec<HeldCode> = Vec::new();
        let mut partners: HashMap<i64, (String, String)> = HashMap::new();
        for row in held {
            if let std::collections::hash_map::Entry::Vacant(entry) = partners.entry(row.partner_id)
            {
                let partner = qudao_store::scope::partner_by_id(
                    self.db(),
                    scope,
                    qudao_domain::partners::PartnerId(row.partner_id),
                )
                .await?
                .ok_or(AppError::NotFound("partner"))?;
                entry.insert((partner.code().to_owned(), partner.row().name.clone()));
            }
            let (partner_code, partner_name) = partners[&row.partner_id].clone();
            match codes
                .iter_mut()
                .find(|c| c.partner_code == partner_code && c.code == row.product_code)
            {
                Some(code) => code.rows += 1,
                None => codes.push(HeldCode {
                    partner_code,
                    partner_name,
                    code: row.product_code.clone(),
                    rows: 1,
                    candidates: Vec::new(),
                }),
            }
        }
        if !codes.is_empty() {
            let products = qudao_store::catalog::products_by_sku(self.db()).await?;
            for code in &mut codes {
                code.candidates = qudao_domain::sellthrough::nearest(
                    &code.code,
                    products
                        .values()
                        .map(|p| (p.sku.as_str(), p.name_zh.as_str())),
                    3,
                )
                .into_iter()
                .filter_map(|sku| products.get(sku))
                .map(|p| Candidate {
                    sku: p.sku.clone(),
                    name_zh: p.name_zh.clone(),
                    name_en: p.name_en.clone(),
                })
                .collect();
            }
        }
        view.held = codes;
        Ok(view)
    }

    fn upload_view(&self, row: upload::Model) -> UploadView {
        let progress = self.uploads.get(row.id);
        let running = row.state == repo::state::QUEUED && progress.is_some();
        let rows_done = progress
            .as_ref()
            .map_or(row.rows_done, |p| p.rows.load(Ordering::Relaxed) as i64);
        UploadView {
            id: row.id,
            state: if running {
                repo::state::RUNNING.to_owned()
            } else {
                row.state.clone()
            },
            report: serde_json::from_str::<serde_json::Value>(&row.report)
                .ok()
                .and_then(|v| crate::imports::report_from_json(&v)),
            file_name: row.file_name,
            dry_run: row.dry_run,
            hold_unknown: row.hold_unknown,
            uploaded_by: row.uploaded_by,
            rows_total: row.rows_total,
            rows_done,
            rows_written: row.rows_written,
            rows_rejected: row.rows_rejected,
            rows_held: row.rows_held,
            created_at: row.created_at,
            finished_at: row.finished_at,
            held: Vec::new(),
        }
    }

    /// Uploads the caller may see, newest first.
    pub async fn sellthrough_uploads(
        &self,
        caller: &Caller,
        page: PageRequest,
    ) -> Result<Page<UploadView>, AppError> {
        caller.require(Permission::ViewSellThrough)?;
        let scope = scope_in(caller, Area::SellThrough);
        let found = repo::list_uploads(self.db(), scope, &caller.login, page).await?;
        Ok(found.map(|row| {
            let mut view = self.upload_view(row);
            view.report = None;
            view
        }))
    }

    /// A page of lines of partners in the caller's sell-through scope.
    pub async fn sellthrough_lines(
        &self,
        caller: &Caller,
        query: &LineQuery,
        page: PageRequest,
    ) -> Result<Page<LineView>, AppError> {
        caller.require(Permission::ViewSellThrough)?;
        let filter = self.line_filter(query).await?;
        let found = match query
            .partner
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            Some(code) => {
                let partner = self
                    .visible(self.db(), caller, Area::SellThrough, code)
                    .await?;
                repo::lines_of(self.db(), &partner, &filter, page).await?
            }
            None => {
                repo::list_lines(
                    self.db(),
                    scope_in(caller, Area::SellThrough),
                    &filter,
                    page,
                )
                .await?
            }
        };
        found.try_map(line_view)
    }

    async fn line_filter(&self, query: &LineQuery) -> Result<LineFilter, AppError> {
        let mut filter = LineFilter::default();
        let mut errors = Vec::new();
        if let Some(month) = query
            .month
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            match Month::parse("month", month) {
                Ok(month) => {
                    filter.from = Some(month.first_day());
                    filter.to = Some(month.last_day());
                }
                Err(e) => errors.push(e),
            }
        }
        for (field, value, slot) in [
            ("from", query.from.as_deref(), &mut filter.from),
            ("to", query.to.as_deref(), &mut filter.to),
        ] {
            if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
                match qudao_domain::dates::parse_date(field, value) {
                    Ok(day) => *slot = Some(day),
                    Err(e) => errors.push(e),
                }
            }
        }
        if let Some(sku) = query
            .product
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            let found = match qudao_domain::catalog::Sku::parse_as("product", sku) {
                Ok(sku) => qudao_store::catalog::product_by_sku(self.db(), &sku).await?,
                Err(_) => None,
            };
            match found {
                Some(product) => filter.product_id = Some(product.id),
                None => errors.push(Invalid::new(
                    "product",
                    Problem::Rule {
                        rule: "product_must_exist",
                    },
                )),
            }
        }
        if let Some(region) = query
            .region
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            match qudao_store::territories::region_by_code(self.db(), &region.to_uppercase())
                .await?
            {
                Some(region) => filter.region_path = Some(region.path),
                None => errors.push(Invalid::new(
                    "region",
                    Problem::Rule {
                        rule: "region_must_exist",
                    },
                )),
            }
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(AppError::Invalid(errors))
        }
    }

    /// Checks and writes a batch of one partner's lines (the API), as a
    /// file of its own: all or nothing, with the same report.
    pub async fn report_sellthrough(
        &self,
        caller: &Caller,
        batch: &BatchInput,
    ) -> Result<ImportReport, AppError> {
        caller.require(Permission::ReportSellThrough)?;
        let partner = self
            .visible(self.db(), caller, Area::SellThrough, &batch.partner_code)
            .await?;
        let header: Vec<String> = crate::imports::sellthrough::COLUMN_FIELDS
            .iter()
            .map(|f| (*f).to_owned())
            .collect();
        let mut rows = vec![(0, header)];
        for (i, line) in batch.lines.iter().enumerate() {
            rows.push((
                i + 1,
                vec![
                    partner.code().to_owned(),
                    line.date.clone(),
                    line.sku.clone(),
                    line.qty.to_string(),
                    line.amount.clone(),
                    line.customer_region.clone(),
                    line.customer_name.clone().unwrap_or_default(),
                    line.document_no.clone().unwrap_or_default(),
                    line.serial_no.clone().unwrap_or_default(),
                ],
            ));
        }
        let options = ImportOptions {
            dry_run: batch.dry_run,
            ..ImportOptions::default()
        };
        let name = "api.json";
        let upload = self.new_upload(caller, name, options).await?;
        let progress = Progress::default();
        self.run_sellthrough(
            caller,
            Ok(Rows::cells(rows)),
            name,
            options,
            upload,
            &progress,
        )
        .await
    }

    /// Maps one of a partner's own product codes to our product and writes
    /// the partner's rows held for that code. A held row that now breaks a
    /// rule (a month closed since, a repeat, no right on the product's
    /// line) stays held with its reason.
    pub async fn map_product_code(
        &self,
        caller: &Caller,
        partner_code: &str,
        code: &str,
        sku: &str,
    ) -> Result<MappingOutcome, AppError> {
        caller.require(Permission::ReportSellThrough)?;
        let code = ProductRef::parse_as("code", code).map_err(|e| AppError::Invalid(vec![e]))?;
        let sku = qudao_domain::catalog::Sku::parse_as("sku", sku)
            .map_err(|e| AppError::Invalid(vec![e]))?;
        let tx = self.write().await?;
        tx.lock(qudao_store::Aggregate::SellThrough).await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::SellThrough, partner_code)
            .await?;
        let product = qudao_store::catalog::product_by_sku(&tx, &sku)
            .await?
            .ok_or_else(|| {
                AppError::Invalid(vec![Invalid::new(
                    "sku",
                    Problem::Rule {
                        rule: "product_must_exist",
                    },
                )])
            })?;
        repo::set_mapping(&tx, &partner, code.as_str(), product.id, &caller.login).await?;
        let held = repo::held_rows(&tx, &partner, Some(code.as_str())).await?;
        let indexes = Indexes::load(&tx, caller, Area::SellThrough).await?;
        let mut passing: Vec<(repo::held::Model, NewLine)> = Vec::new();
        let mut still_held = Vec::new();
        for row in held {
            let problem = indexes
                .unauthorized(partner.id().0, partner.code(), product.id, row.date)
                .or_else(|| indexes.closed().check("date", row.date).err());
            if let Some(problem) = problem {
                still_held.push((row, problem));
                continue;
            }
            let line = NewLine {
                partner_id: row.partner_id,
                product_id: product.id,
                date: row.date,
                qty: row.qty,
                amount_minor: row.amount_minor,
                currency: row.currency.clone(),
                customer_region_id: row.customer_region_id,
                customer_name: row.customer_name.clone(),
                document_no: row.document_no.clone(),
                serial_no: row.serial_no.clone(),
                upload_id: row.upload_id,
                upload_row: row.upload_row,
            };
            passing.push((row, line));
        }
        // Repeats: of a line reported before, or of another released row.
        let keys: Vec<DuplicateKey> = passing.iter().map(|(_, l)| key_of(l)).collect();
        let mut repeated: HashMap<usize, Invalid> = repeats(&keys)
            .into_iter()
            .map(|(i, earlier)| {
                let (row, _) = &passing[earlier];
                (
                    i,
                    Invalid::new(
                        "row",
                        Problem::Conflict {
                            rule: "duplicate_reported",
                            with: format!("#{}:{}", row.upload_id, row.upload_row),
                        },
                    ),
                )
            })
            .collect();
        for (i, key) in keys.iter().enumerate() {
            if repeated.contains_key(&i) {
                continue;
            }
            if let Some((upload, row)) = repo::reported(&tx, key).await? {
                repeated.insert(
                    i,
                    Invalid::new(
                        "row",
                        Problem::Conflict {
                            rule: "duplicate_reported",
                            with: format!("#{upload}:{row}"),
                        },
                    ),
                );
            }
        }
        let mut lines = Vec::new();
        let mut released = Vec::new();
        for (i, (row, line)) in passing.into_iter().enumerate() {
            match repeated.remove(&i) {
                Some(problem) => still_held.push((row, problem)),
                None => {
                    lines.push(line);
                    released.push(row);
                }
            }
        }
        let count = lines.len();
        repo::insert_lines(&tx, lines).await?;
        for row in released {
            repo::settle_held(&tx, row, None).await?;
        }
        let mut outcome = MappingOutcome {
            released: count,
            still_held: Vec::new(),
        };
        for (row, problem) in still_held {
            outcome.still_held.push(StillHeld {
                upload: row.upload_id,
                row: row.upload_row,
                field: problem.field.to_owned(),
                problem: problem.problem.clone(),
            });
            repo::settle_held(&tx, row, Some(problem.to_string())).await?;
        }
        self.audit(
            &tx,
            caller,
            "partner_product_code",
            &format!("{}/{}", partner.code(), code.as_str()),
            "map",
            None,
            Some(&serde_json::json!({
                "sku": product.sku,
                "released": count,
                "still_held": outcome.still_held.len(),
            })),
        )
        .await?;
        crate::commit(tx).await?;
        if count > 0 {
            self.facts_committed(crate::facts::FactKind::SellThrough)
                .await?;
        }
        Ok(outcome)
    }

    /// The import kind of sell-through files (the upload page's template).
    pub fn sellthrough_kind(&self) -> crate::imports::ImportKind {
        kind()
    }
}

fn key_of(line: &NewLine) -> DuplicateKey {
    DuplicateKey {
        partner_id: line.partner_id,
        date: line.date,
        product_id: line.product_id,
        qty: line.qty,
        amount_minor: line.amount_minor,
        document_no: line.document_no.clone(),
    }
}

fn line_view(row: repo::LineRow) -> Result<LineView, AppError> {
    let currency = qudao_domain::money::Currency::parse(&row.currency).map_err(|_| {
        qudao_store::StoreError::Unreadable {
            table: "sellthrough_lines",
            row: row.id,
            column: "currency",
            value: row.currency.clone(),
        }
    })?;
    Ok(LineView {
        id: row.id,
        amount: qudao_domain::money::Money::from_minor(row.amount_minor, currency).amount_text(),
        partner_code: row.partner_code,
        partner_name: row.partner_name,
        sku: row.sku,
        product_name_zh: row.product_name_zh,
        product_name_en: row.product_name_en,
        date: row.date,
        qty: row.qty,
        currency: row.currency,
        region_code: row.region_code,
        region_name: row.region_name,
        region_name_en: row.region_name_en,
        customer_name: row.customer_name,
        document_no: row.document_no,
        serial_no: row.serial_no,
        upload_id: row.upload_id,
    })
}
