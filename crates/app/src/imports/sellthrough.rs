//! Sell-through lines on the streaming path. The file is read row by row
//! (CSV from disk or memory; an xlsx sheet, which calamine loads whole);
//! each row is checked in memory against indexes loaded once under the
//! write lock (partners in the caller's sell-through scope, products,
//! the partners' own codes, regions, channel rules, rights, closed
//! months) and written in batches through `store::bulk::insert`, each
//! batch while the next one is read and checked, all in one transaction.
//! Once a row fails, writing stops and checking goes on, so the report
//! lists every problem (the first [`REPORTED`] of them). The duplicate
//! rule screens the written lines in memory (a fingerprint of each key,
//! capped) against each other and against the earlier lines of their
//! partners and days; only a possible repeat sends the database to compare
//! the lines exactly and name the rows.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::time::Instant;

use qudao_domain::catalog::{ChannelRule, channel_allows};
use qudao_domain::grades::GradeCode;
use qudao_domain::money::Currency;
use qudao_domain::partners::PartnerType;
use qudao_domain::periods::OpenPeriods;
use qudao_domain::sellthrough::{RawLine, ReportedLine, nearest};
use qudao_domain::{Invalid, Problem};
use qudao_store::WriteTx;
use qudao_store::sellthrough::{self as repo, NewLine, upload};

pub use super::stream::REPORTED;
pub(crate) use super::stream::Rows;
use super::stream::{Found, STEP, Screen, Stream, Writes};
use super::{
    Column, ImportKind, ImportMode, ImportOptions, ImportReport, RowError, Source, Values,
};
use crate::scope::{Area, scope_in};
use crate::sellthrough::Progress;
use crate::{AppError, Caller, Permission, Qudao};

stream_importer!(
    "sell-through",
    Permission::ReportSellThrough,
    |app, caller, source, file, options| app.import_sellthrough(caller, source, file, options)
);

pub(super) const COLUMNS: &[Column] = &[
    Column {
        field: "partner_code",
        zh: "合作伙伴编码",
        required: true,
        example: "P10001",
        values: Values::Text,
    },
    Column {
        field: "date",
        zh: "日期",
        required: true,
        example: "2026-11-03",
        values: Values::Text,
    },
    Column {
        field: "sku",
        zh: "产品编码",
        required: true,
        example: "TEA-LJ-250G",
        values: Values::Text,
    },
    Column {
        field: "qty",
        zh: "数量",
        required: true,
        example: "12",
        values: Values::Text,
    },
    Column {
        field: "amount",
        zh: "金额",
        required: true,
        example: "1234.50",
        values: Values::Text,
    },
    Column {
        field: "customer_region",
        zh: "客户区域",
        required: true,
        example: "310000",
        values: Values::Text,
    },
    Column {
        field: "customer_name",
        zh: "客户名称",
        required: false,
        example: "张三",
        values: Values::Text,
    },
    Column {
        field: "document_no",
        zh: "单据号",
        required: false,
        example: "INV-0001",
        values: Values::Text,
    },
    Column {
        field: "serial_no",
        zh: "序列号",
        required: false,
        example: "",
        values: Values::Text,
    },
];

/// The fields of [`COLUMNS`], in order (an API batch's header).
pub(crate) const COLUMN_FIELDS: [&str; 9] = [
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

/// The kind, for callers outside the registry (the upload job, the API).
pub(crate) fn kind() -> ImportKind {
    KIND
}

/// Lines per write: the bulk path's own batch.
const BATCH: usize = super::stream::BATCH;

/// Nearest candidates named for an unknown product code.
const CANDIDATES: usize = 3;

// ---------------------------------------------------------------------------
// What rows are checked against
// ---------------------------------------------------------------------------

struct PartnerEntry {
    id: i64,
    currency: Currency,
    partner_type: PartnerType,
    grade: Option<GradeCode>,
}

struct ProductEntry {
    id: i64,
    line_id: i64,
    line: String,
}

/// Everything a row is checked against, loaded once under the write lock.
pub(crate) struct Indexes {
    partners: HashMap<String, PartnerEntry>,
    products: HashMap<String, ProductEntry>,
    product_by_id: HashMap<i64, String>,
    /// (sku, Chinese name, English name) for naming candidates.
    names: Vec<(String, String, String)>,
    /// Per partner: its own codes → our product id.
    mappings: HashMap<i64, HashMap<String, i64>>,
    regions: HashMap<String, i64>,
    channels: HashMap<i64, Vec<ChannelRule>>,
    /// (partner id, product line id) → the days its rights on the line cover.
    rights: HashMap<(i64, i64), Vec<(chrono::NaiveDate, chrono::NaiveDate)>>,
    closed: OpenPeriods,
    candidates: HashMap<String, String>,
}

impl Indexes {
    /// Loads the indexes for the partners `caller` may write facts for in
    /// `area` (sell-through, or sell-in history).
    pub(crate) async fn load(tx: &WriteTx, caller: &Caller, area: Area) -> Result<Self, AppError> {
        let closed = crate::periods::open_periods(tx).await?;
        let scope = scope_in(caller, area);
        let visible = qudao_store::scope::partners_in(tx, scope).await?;
        let grade_codes: HashMap<i64, GradeCode> = qudao_store::grades::list(tx)
            .await?
            .into_iter()
            .filter_map(|g| {
                GradeCode::parse_as("grade", &g.code)
                    .ok()
                    .map(|code| (g.id, code))
            })
            .collect();
        let mut partners = HashMap::with_capacity(visible.len());
        for partner in &visible {
            let row = partner.row();
            partners.insert(
                row.code.clone(),
                PartnerEntry {
                    id: row.id,
                    currency: row.currency()?,
                    partner_type: row.partner_type()?,
                    grade: row.grade_id.and_then(|id| grade_codes.get(&id).cloned()),
                },
            );
        }
        let partner_ids: Vec<i64> = partners.values().map(|p| p.id).collect();
        let lines: HashMap<i64, String> = qudao_store::catalog::lines(tx)
            .await?
            .into_iter()
            .map(|l| (l.id, l.code))
            .collect();
        let line_ids: HashMap<&str, i64> = lines
            .iter()
            .map(|(id, code)| (code.as_str(), *id))
            .collect();
        let mut products = HashMap::new();
        let mut product_by_id = HashMap::new();
        let mut names = Vec::new();
        for (sku, product) in qudao_store::catalog::products_by_sku(tx).await? {
            product_by_id.insert(product.id, sku.clone());
            names.push((
                sku.clone(),
                product.name_zh.clone(),
                product.name_en.clone(),
            ));
            products.insert(
                sku,
                ProductEntry {
                    id: product.id,
                    line_id: product.product_line_id,
                    line: lines
                        .get(&product.product_line_id)
                        .cloned()
                        .unwrap_or_default(),
                },
            );
        }
        names.sort();
        let mut channels: HashMap<i64, Vec<ChannelRule>> = HashMap::new();
        for (line, rules) in qudao_store::catalog::channel_rules(tx).await? {
            for rule in rules {
                let partner_type = PartnerType::parse(&rule.partner_type).map_err(|_| {
                    qudao_store::StoreError::Unreadable {
                        table: "product_line_channels",
                        row: rule.id,
                        column: "partner_type",
                        value: rule.partner_type.clone(),
                    }
                })?;
                channels.entry(line).or_default().push(ChannelRule {
                    partner_type,
                    grade: rule.grade_id.and_then(|id| grade_codes.get(&id).cloned()),
                });
            }
        }
        // A right on a line without a record covers no product.
        let mut rights: HashMap<(i64, i64), Vec<_>> = HashMap::new();
        for right in repo::rights_of(tx, &partner_ids).await? {
            if let Some(line) = line_ids.get(right.product_line.as_str()) {
                rights
                    .entry((right.partner_id, *line))
                    .or_default()
                    .push((right.valid_from, right.valid_to));
            }
        }
        let mut mappings: HashMap<i64, HashMap<String, i64>> = HashMap::new();
        for mapping in repo::code_mappings(tx, &partner_ids).await? {
            mappings
                .entry(mapping.partner_id)
                .or_default()
                .insert(mapping.code, mapping.product_id);
        }
        Ok(Self {
            partners,
            products,
            product_by_id,
            names,
            mappings,
            regions: repo::region_ids(tx).await?,
            channels,
            rights,
            closed,
            candidates: HashMap::new(),
        })
    }

    /// The products nearest to an unknown code, by sku and names.
    fn candidates(&mut self, code: &str) -> String {
        if let Some(found) = self.candidates.get(code) {
            return found.clone();
        }
        let by_zh = nearest(
            code,
            self.names
                .iter()
                .map(|(s, zh, _)| (s.as_str(), zh.as_str())),
            CANDIDATES,
        );
        let by_en = nearest(
            code,
            self.names
                .iter()
                .map(|(s, _, en)| (s.as_str(), en.as_str())),
            CANDIDATES,
        );
        let mut picked: Vec<&str> = Vec::new();
        for sku in by_zh.into_iter().chain(by_en) {
            if !picked.contains(&sku) && picked.len() < CANDIDATES {
                picked.push(sku);
            }
        }
        let text = picked.join(", ");
        self.candidates.insert(code.to_owned(), text.clone());
        text
    }

    /// Checks a reported line: the line to write, or the code to hold it
    /// for (when holding), or every problem.
    pub(crate) fn check(
        &mut self,
        line: &ReportedLine,
        hold_unknown: bool,
        upload: i64,
        row: i64,
    ) -> Result<Checked, Vec<Invalid>> {
        let mut errors = Vec::new();
        let Some(partner) = self.partners.get(line.partner.as_str()) else {
            return Err(vec![Invalid::new(
                "partner_code",
                Problem::Rule {
                    rule: "partner_must_exist",
                },
            )]);
        };
        let partner_id = partner.id;
        let amount = line.money(partner.currency).map_err(|e| vec![e]);
        let region = self.regions.get(line.region.as_str()).copied();
        if region.is_none() {
            errors.push(Invalid::new(
                "customer_region",
                Problem::Rule {
                    rule: "region_must_exist",
                },
            ));
        }
        if let Err(closed) = self.closed.check("date", line.date) {
            errors.push(closed);
        }
        let code = line.product.as_str();
        let product_id = self
            .mappings
            .get(&partner_id)
            .and_then(|own| own.get(code))
            .copied()
            .or_else(|| self.products.get(code).map(|p| p.id));
        match product_id {
            Some(id) => {
                if let Some(problem) =
                    self.unauthorized(partner_id, line.partner.as_str(), id, line.date)
                {
                    errors.push(problem);
                }
            }
            None if hold_unknown => {}
            None => {
                let with = self.candidates(code);
                errors.push(Invalid::new(
                    "sku",
                    Problem::Conflict {
                        rule: "unknown_product",
                        with,
                    },
                ));
            }
        }
        let amount = match amount {
            Ok(amount) => amount,
            Err(mut e) => {
                errors.append(&mut e);
                return Err(errors);
            }
        };
        let Some(region) = region else {
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let new = NewLine {
            partner_id,
            product_id: product_id.unwrap_or(0),
            date: line.date,
            qty: line.qty.get(),
            amount_minor: amount.minor(),
            currency: amount.currency().as_str().to_owned(),
            customer_region_id: region,
            customer_name: line.customer_name.clone(),
            document_no: line.document_no.clone(),
            serial_no: line.serial_no.clone(),
            upload_id: upload,
            upload_row: row,
        };
        Ok(match product_id {
            Some(_) => Checked::Line(new),
            None => Checked::Held(code.to_owned(), new),
        })
    }

    /// Why the partner may not report this product on this date, if so:
    /// its line is not sold through the partner's channel, or the partner
    /// holds no right on the line that day.
    pub(crate) fn unauthorized(
        &self,
        partner_id: i64,
        partner_code: &str,
        product_id: i64,
        date: chrono::NaiveDate,
    ) -> Option<Invalid> {
        let product = self
            .product_by_id
            .get(&product_id)
            .and_then(|sku| self.products.get(sku))?;
        let partner = self.partners.get(partner_code)?;
        let rules = self
            .channels
            .get(&product.line_id)
            .map_or(&[][..], Vec::as_slice);
        if !channel_allows(rules, partner.partner_type, partner.grade.as_ref()) {
            return Some(Invalid::new(
                "sku",
                Problem::Rule {
                    rule: "product_not_for_channel",
                },
            ));
        }
        let held = self
            .rights
            .get(&(partner_id, product.line_id))
            .is_some_and(|ranges| ranges.iter().any(|(from, to)| *from <= date && date <= *to));
        (!held).then(|| {
            Invalid::new(
                "sku",
                Problem::Conflict {
                    rule: "product_not_authorized",
                    with: product.line.clone(),
                },
            )
        })
    }

    /// A partner the caller may write for: its id.
    pub(crate) fn partner_id(&self, code: &str) -> Option<i64> {
        self.partners.get(code).map(|p| p.id)
    }

    /// A product by our sku: its id.
    pub(crate) fn product_id(&self, sku: &str) -> Option<i64> {
        self.products.get(sku).map(|p| p.id)
    }

    pub(crate) fn closed(&self) -> &OpenPeriods {
        &self.closed
    }
}

/// What a row that passed becomes.
pub(crate) enum Checked {
    Line(NewLine),
    /// Held for the partner's own product code (not mapped yet).
    Held(String, NewLine),
}

// ---------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------

impl Qudao {
    /// Imports a sell-through file outside a job (CLI, API, the generic
    /// import path): an upload record is made for it first.
    async fn import_sellthrough(
        &self,
        caller: &Caller,
        source: Source<'_>,
        file_name: &str,
        options: ImportOptions,
    ) -> Result<ImportReport, AppError> {
        let upload = self.new_upload(caller, file_name, options).await?;
        let progress = Progress::default();
        let rows = Rows::open(source, file_name);
        self.run_sellthrough(caller, rows, file_name, options, upload, &progress)
            .await
    }

    /// Checks and writes one file for an upload record made before; ends
    /// the record (done, rejected, or checked for a dry run).
    pub(crate) async fn run_sellthrough(
        &self,
        caller: &Caller,
        rows: Result<Rows<'_>, Box<RowError>>,
        file_name: &str,
        options: ImportOptions,
        upload: upload::Model,
        progress: &Progress,
    ) -> Result<ImportReport, AppError> {
        caller.require(Permission::ReportSellThrough)?;
        let started = Instant::now();
        let started_at = qudao_store::now();
        let mut found = Found::default();
        let tx = self.write().await?;
        tx.lock(qudao_store::Aggregate::SellThrough).await?;
        self.check_and_write(&tx, caller, rows, options, upload.id, progress, &mut found)
            .await?;
        found.close();
        let state = if found.failed() {
            repo::state::REJECTED
        } else if options.dry_run {
            repo::state::CHECKED
        } else {
            repo::state::DONE
        };
        let rejected = found.rejected_rows();
        let mut report = ImportReport {
            kind: kind(),
            file: file_name.to_owned(),
            mode: ImportMode::Create,
            rows: found.rows,
            created: 0,
            records: Vec::new(),
            updated: Vec::new(),
            unchanged: 0,
            dry_run: options.dry_run,
            errors: std::mem::take(&mut found.errors),
            held: 0,
            upload: Some(upload.id),
            elapsed_ms: 0,
        };
        if state == repo::state::DONE {
            report.created = found.written;
            report.held = found.held;
        }
        let end = |report: &ImportReport| repo::Finished {
            state,
            rows_total: found.rows as i64,
            rows_written: report.created as i64,
            rows_rejected: rejected as i64,
            rows_held: report.held as i64,
            report: "",
            started_at,
        };
        report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let stored = serde_json::to_string(&report).unwrap_or_else(|_| "{}".to_owned());
        if state == repo::state::DONE {
            let upload = repo::finish_upload(
                &tx,
                upload,
                repo::Finished {
                    report: &stored,
                    ..end(&report)
                },
            )
            .await?;
            self.audit(
                &tx,
                caller,
                "sellthrough_upload",
                &upload.id.to_string(),
                "import",
                None,
                Some(&serde_json::json!({
                    "file": file_name,
                    "rows": found.rows,
                    "written": found.written,
                    "held": found.held,
                })),
            )
            .await?;
            crate::commit(tx).await?;
            self.facts_committed(crate::facts::FactKind::SellThrough)
                .await?;
        } else {
            tx.rollback().await?;
            let tx = self.write().await?;
            repo::finish_upload(
                &tx,
                upload,
                repo::Finished {
                    report: &stored,
                    ..end(&report)
                },
            )
            .await?;
            crate::commit(tx).await?;
        }
        progress.done.store(true, Ordering::Release);
        tracing::info!(
            kind = "sell-through",
            file = file_name,
            rows = report.rows,
            written = report.created,
            held = report.held,
            errors = report.errors.len(),
            dry_run = options.dry_run,
            elapsed_ms = report.elapsed_ms,
            "import"
        );
        Ok(report)
    }

    #[allow(clippy::too_many_arguments)]
    async fn check_and_write(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        rows: Result<Rows<'_>, Box<RowError>>,
        options: ImportOptions,
        upload: i64,
        progress: &Progress,
        found: &mut Found,
    ) -> Result<(), AppError> {
        let Some(mut stream) = Stream::start(rows, COLUMNS, found) else {
            return Ok(());
        };
        let at = [
            stream.position("partner_code"),
            stream.position("date"),
            stream.position("sku"),
            stream.position("qty"),
            stream.position("amount"),
            stream.position("customer_region"),
            stream.position("customer_name"),
            stream.position("document_no"),
            stream.position("serial_no"),
        ];
        let mut indexes = Indexes::load(tx, caller, Area::SellThrough).await?;
        let first_after = repo::last_line_id(tx).await?;
        let mut batch: Vec<NewLine> = Vec::with_capacity(BATCH);
        let mut held: Vec<(String, NewLine)> = Vec::new();
        let mut screen = Screen::default();
        let mut writes = Writes::default();
        let mut cells = Vec::new();
        let mut checked_rows = 0usize;
        loop {
            let next = stream.next(&mut cells, found);
            checked_rows += 1;
            if checked_rows.is_multiple_of(STEP) {
                progress.rows.store(stream.read(), Ordering::Relaxed);
                writes.step().await;
            }
            let Some(row) = next else { break };
            let cell = |i: usize| at[i].and_then(|i| cells.get(i)).map_or("", |v| v.as_str());
            let raw = RawLine {
                partner_code: cell(0),
                date: cell(1),
                sku: cell(2),
                qty: cell(3),
                amount: cell(4),
                customer_region: cell(5),
                customer_name: cell(6),
                document_no: cell(7),
                serial_no: cell(8),
            };
            let checked = ReportedLine::parse(&raw)
                .and_then(|line| indexes.check(&line, options.hold_unknown, upload, row as i64));
            match checked {
                Err(problems) => {
                    for invalid in problems {
                        let column = stream.header_of(invalid.field);
                        found.push(RowError::new(
                            Some(row),
                            column,
                            invalid.field,
                            invalid.problem,
                        ));
                    }
                }
                Ok(_) if found.failed() => {}
                Ok(Checked::Line(line)) => {
                    screen.add(
                        line.partner_id,
                        line.date,
                        line.product_id,
                        line.qty,
                        line.amount_minor,
                        line.document_no.as_deref(),
                    );
                    batch.push(line);
                    if batch.len() == BATCH {
                        found.written += batch.len();
                        writes
                            .start(repo::insert_lines(tx, std::mem::take(&mut batch)))
                            .await?;
                        progress
                            .written
                            .store(found.written as u64, Ordering::Relaxed);
                    }
                }
                Ok(Checked::Held(code, line)) => {
                    held.push((code, line));
                    if held.len() == BATCH {
                        found.held += held.len();
                        writes
                            .start(repo::hold_lines(tx, std::mem::take(&mut held)))
                            .await?;
                    }
                }
            }
        }
        progress.rows.store(stream.read(), Ordering::Relaxed);
        writes.wait().await?;
        stream.finish(found);
        if found.failed() {
            return Ok(());
        }
        found.written += batch.len();
        repo::insert_lines(tx, batch).await?;
        found.held += held.len();
        repo::hold_lines(tx, held).await?;
        progress
            .written
            .store(found.written as u64, Ordering::Relaxed);
        if first_after > 0 {
            for (partner, from, to) in screen.spans() {
                if screen.ask() {
                    break;
                }
                screen.earlier(
                    partner,
                    &repo::keys_up_to(tx, first_after, partner, from, to).await?,
                );
            }
        }
        if !screen.ask() {
            return Ok(());
        }
        let repeats = repo::repeats(tx, upload, first_after, REPORTED as u64 + 1).await?;
        for repeat in repeats {
            let problem = if repeat.earlier_upload == upload {
                Problem::Conflict {
                    rule: "line_repeated_in_file",
                    with: repeat.earlier_row.to_string(),
                }
            } else {
                Problem::Conflict {
                    rule: "duplicate_reported",
                    with: format!("#{}:{}", repeat.earlier_upload, repeat.earlier_row),
                }
            };
            found.push(RowError::new(
                usize::try_from(repeat.upload_row).ok(),
                stream.header_of("sku"),
                "row",
                problem,
            ));
        }
        Ok(())
    }
}
