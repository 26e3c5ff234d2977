//! Sell-in history on the streaming path: order lines from a previous
//! system (returns as negative lines) become sell-in facts with source
//! `import`. Rows stream through the machinery sell-through uses
//! (`imports/stream.rs`), are checked against the same indexes (partners
//! in the caller's scope, products, channel rules and rights, closed
//! months) and written in batches, each while the next is read, all in one
//! transaction. The duplicate rule screens the lines in memory and asks
//! the database only when a line may repeat another (`Aggregate::SellIn`
//! keeps two imports from passing it together).

use std::time::Instant;

use qudao_domain::inventory::{RawSellIn, SellInLine};
use qudao_domain::{Invalid, Problem};
use qudao_store::WriteTx;
use qudao_store::inventory::{self as repo, NewSellIn};

use super::sellthrough::Indexes;
use super::stream::{BATCH, Found, REPORTED, Rows, STEP, Screen, Stream, Writes};
use super::{Column, ImportMode, ImportOptions, ImportReport, RowError, Source, Values};
use crate::scope::Area;
use crate::{AppError, Caller, Permission, Qudao};

stream_importer!(
    "sell-in",
    Permission::ImportSellIn,
    |app, caller, source, file, options| app.import_sellin(caller, source, file, options)
);

pub(super) const COLUMNS: &[Column] = &[
    Column {
        field: "date",
        zh: "日期",
        required: true,
        example: "2026-03-18",
        values: Values::Text,
    },
    Column {
        field: "partner_code",
        zh: "合作伙伴编码",
        required: true,
        example: "P10001",
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
        example: "24",
        values: Values::Text,
    },
    Column {
        field: "amount",
        zh: "金额",
        required: true,
        example: "2160.00",
        values: Values::Text,
    },
    Column {
        field: "currency",
        zh: "币种",
        required: false,
        example: "CNY",
        values: Values::Text,
    },
    Column {
        field: "document_no",
        zh: "单据号",
        required: false,
        example: "SO-2025-001234",
        values: Values::Text,
    },
];

impl Qudao {
    async fn import_sellin(
        &self,
        caller: &Caller,
        source: Source<'_>,
        file_name: &str,
        options: ImportOptions,
    ) -> Result<ImportReport, AppError> {
        caller.require(Permission::ImportSellIn)?;
        let started = Instant::now();
        let company = self.current_settings().await?.currency;
        let mut found = Found::default();
        let tx = self.write().await?;
        tx.lock(qudao_store::Aggregate::SellIn).await?;
        let rows = Rows::open(source, file_name);
        self.check_and_write_sellin(&tx, caller, rows, company, &mut found)
            .await?;
        found.close();
        let written = !found.failed() && !options.dry_run;
        let report = ImportReport {
            kind: KIND,
            file: file_name.to_owned(),
            mode: ImportMode::Create,
            rows: found.rows,
            created: if written { found.written } else { 0 },
            records: Vec::new(),
            updated: Vec::new(),
            unchanged: 0,
            dry_run: options.dry_run,
            errors: std::mem::take(&mut found.errors),
            held: 0,
            upload: None,
            elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        };
        if written {
            self.audit(
                &tx,
                caller,
                "sellin_import",
                file_name,
                "import",
                None,
                Some(&serde_json::json!({ "file": file_name, "rows": found.rows,
                                          "written": found.written })),
            )
            .await?;
            crate::commit(tx).await?;
            self.facts_committed(crate::facts::FactKind::SellIn).await?;
        } else {
            tx.rollback().await?;
        }
        tracing::info!(
            kind = "sell-in",
            file = file_name,
            rows = report.rows,
            written = report.created,
            errors = report.errors.len(),
            dry_run = options.dry_run,
            elapsed_ms = report.elapsed_ms,
            "import"
        );
        Ok(report)
    }

    async fn check_and_write_sellin(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        rows: Result<Rows<'_>, Box<RowError>>,
        company: qudao_domain::money::Currency,
        found: &mut Found,
    ) -> Result<(), AppError> {
        let Some(mut stream) = Stream::start(rows, COLUMNS, found) else {
            return Ok(());
        };
        let at = [
            stream.position("date"),
            stream.position("partner_code"),
            stream.position("sku"),
            stream.position("qty"),
            stream.position("amount"),
            stream.position("currency"),
            stream.position("document_no"),
        ];
        let indexes = Indexes::load(tx, caller, Area::Partners).await?;
        let first_after = repo::last_sellin_id(tx).await?;
        let mut batch: Vec<NewSellIn> = Vec::with_capacity(BATCH);
        let mut screen = Screen::default();
        let mut writes = Writes::default();
        let mut cells = Vec::new();
        let mut checked_rows = 0usize;
        while let Some(row) = stream.next(&mut cells, found) {
            checked_rows += 1;
            if checked_rows.is_multiple_of(STEP) {
                writes.step().await;
            }
            let cell = |i: usize| at[i].and_then(|i| cells.get(i)).map_or("", |v| v.as_str());
            let raw = RawSellIn {
                date: cell(0),
                partner_code: cell(1),
                sku: cell(2),
                qty: cell(3),
                amount: cell(4),
                currency: cell(5),
                document_no: cell(6),
            };
            let checked = SellInLine::parse(&raw, company)
                .and_then(|line| check(&indexes, &line, row as i64));
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
                Ok(line) => {
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
                            .start(repo::insert_sellin(tx, std::mem::take(&mut batch)))
                            .await?;
                    }
                }
            }
        }
        writes.wait().await?;
        stream.finish(found);
        if found.failed() {
            return Ok(());
        }
        found.written += batch.len();
        repo::insert_sellin(tx, batch).await?;
        if first_after > 0 {
            for (partner, from, to) in screen.spans() {
                if screen.ask() {
                    break;
                }
                screen.earlier(
                    partner,
                    &repo::sellin_keys_up_to(tx, first_after, partner, from, to).await?,
                );
            }
        }
        if !screen.ask() {
            return Ok(());
        }
        for repeat in repo::sellin_repeats(tx, first_after, REPORTED as u64 + 1).await? {
            let problem = match repeat.earlier_row {
                Some(row) => Problem::Conflict {
                    rule: "line_repeated_in_file",
                    with: row.to_string(),
                },
                None => Problem::Conflict {
                    rule: "duplicate_imported",
                    with: format!("#{}", repeat.earlier_id),
                },
            };
            found.push(RowError::new(
                usize::try_from(repeat.import_row).ok(),
                stream.header_of("sku"),
                "row",
                problem,
            ));
        }
        Ok(())
    }
}

/// A parsed line against the indexes: the line to write, or every problem.
fn check(indexes: &Indexes, line: &SellInLine, row: i64) -> Result<NewSellIn, Vec<Invalid>> {
    let mut errors = Vec::new();
    let partner = indexes.partner_id(line.partner.as_str());
    if partner.is_none() {
        errors.push(Invalid::new(
            "partner_code",
            Problem::Rule {
                rule: "partner_must_exist",
            },
        ));
    }
    let product = indexes.product_id(line.sku.as_str());
    if product.is_none() {
        errors.push(Invalid::new(
            "sku",
            Problem::Rule {
                rule: "product_must_exist",
            },
        ));
    }
    if let Err(closed) = indexes.closed().check("date", line.date) {
        errors.push(closed);
    }
    if let (Some(partner), Some(product)) = (partner, product)
        && let Some(problem) =
            indexes.unauthorized(partner, line.partner.as_str(), product, line.date)
    {
        errors.push(problem);
    }
    match (partner, product) {
        (Some(partner_id), Some(product_id)) if errors.is_empty() => Ok(NewSellIn {
            partner_id,
            product_id,
            date: line.date,
            qty: line.qty.get(),
            amount_minor: line.amount.minor(),
            currency: line.amount.currency().as_str().to_owned(),
            document_no: line.document_no.clone(),
            import_row: row,
        }),
        _ => Err(errors),
    }
}
