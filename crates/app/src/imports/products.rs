//! Products: the catalog, in bulk. New skus go the bulk path (ids up front,
//! one JSON batch per 5,000 rows, audit records in batches); in upsert mode a
//! row naming an existing sku updates that product, listing what changed.

use std::collections::HashMap;

use qudao_domain::catalog::{CatalogStatus, Sku};
use qudao_domain::{Invalid, Problem};
use qudao_store::bulk::Cell;
use qudao_store::catalog::{self as repo, product};

use super::values::{CATALOG_STATUSES, YES_NO};
use super::{
    Column, FieldChange, ImportMode, ImportOptions, Outcome, RowChange, Table, Values, finish,
};
use crate::audit::audit_entry;
use crate::catalog::{ParsedProduct, ProductInput, parse_product};
use crate::{AppError, Caller, Permission, Qudao};

importer!(
    "products",
    Permission::ManageCatalog,
    upsert: true,
    |app, caller, table, options| app.import_products(caller, table, options)
);

pub(super) const COLUMNS: &[Column] = &[
    Column {
        field: "sku",
        zh: "产品编码",
        required: true,
        example: "TEA-LJ-250G",
        values: Values::Text,
    },
    Column {
        field: "name_zh",
        zh: "中文名称",
        required: true,
        example: "西湖龙井 250克",
        values: Values::Text,
    },
    Column {
        field: "name_en",
        zh: "英文名称",
        required: true,
        example: "West Lake Longjing 250 g",
        values: Values::Text,
    },
    Column {
        field: "product_line",
        zh: "产品线",
        required: true,
        example: "TEA",
        values: Values::Text,
    },
    Column {
        field: "category",
        zh: "品类",
        required: true,
        example: "绿茶",
        values: Values::Text,
    },
    Column {
        field: "unit",
        zh: "单位",
        required: true,
        example: "盒",
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
        field: "list_price",
        zh: "目录价",
        required: true,
        example: "268.00",
        values: Values::Text,
    },
    Column {
        field: "cost",
        zh: "成本",
        required: false,
        example: "150.00",
        values: Values::Text,
    },
    Column {
        field: "launch_date",
        zh: "上市日期",
        required: false,
        example: "2026-09-01",
        values: Values::Text,
    },
    Column {
        field: "serial_tracked",
        zh: "序列号管理",
        required: false,
        example: "false",
        values: Values::Named(YES_NO),
    },
    Column {
        field: "status",
        zh: "状态",
        required: false,
        example: "active",
        values: Values::Named(CATALOG_STATUSES),
    },
];

/// A row that names an existing product, in upsert mode.
struct Update {
    row: usize,
    existing: product::Model,
    sku: Sku,
    parsed: ParsedProduct,
}

impl Qudao {
    async fn import_products(
        &self,
        caller: &Caller,
        table: &Table,
        options: ImportOptions,
    ) -> Result<Outcome, AppError> {
        let upsert = options.mode == ImportMode::Upsert;
        // Everything the checks read is read inside the write transaction.
        let tx = self.write().await?;
        let lines = self.lines_by_code(&tx).await?;
        let existing = repo::products_by_sku(&tx).await?;
        let line_codes: HashMap<i64, String> = lines
            .values()
            .map(|line| (line.id, line.code.clone()))
            .collect();
        let mut errors = Vec::new();
        let mut first_row_of: HashMap<String, usize> = HashMap::new();
        let mut creates: Vec<(usize, Sku, ParsedProduct)> = Vec::new();
        let mut updates: Vec<Update> = Vec::new();
        for (row, values) in &table.rows {
            let cell = |field| table.cell(values, field).to_owned();
            let serial = match cell("serial_tracked").as_str() {
                "" | "false" => Ok(false),
                "true" => Ok(true),
                _ => Err(Invalid::new(
                    "serial_tracked",
                    Problem::NotOneOf {
                        choices: vec!["true", "false"],
                    },
                )),
            };
            let input = ProductInput {
                sku: cell("sku"),
                name: cell("name_zh"),
                name_en: cell("name_en"),
                product_line: cell("product_line"),
                category: cell("category"),
                unit: cell("unit"),
                currency: cell("currency"),
                list_price: cell("list_price"),
                cost: Some(cell("cost")),
                launch_date: Some(cell("launch_date")),
                serial_tracked: serial.as_ref().ok().copied(),
                status: Some(cell("status")),
            };
            let sku = Sku::parse_as("sku", &input.sku).and_then(|sku| {
                match first_row_of.get(sku.as_str()) {
                    Some(first) => Err(Invalid::new(
                        "sku",
                        Problem::Conflict {
                            rule: "duplicate_in_file",
                            with: first.to_string(),
                        },
                    )),
                    None => {
                        first_row_of.insert(sku.as_str().to_owned(), *row);
                        Ok(sku)
                    }
                }
            });
            let parsed = parse_product(&input, |code| lines.get(code.as_str()).cloned());
            let mut problems = Vec::new();
            problems.extend(sku.as_ref().err().cloned());
            problems.extend(serial.err());
            match parsed {
                Err(found) => problems.extend(found),
                Ok(parsed) if problems.is_empty() => {
                    let Ok(sku) = sku else { continue };
                    match existing.get(sku.as_str()) {
                        None => creates.push((*row, sku, parsed)),
                        Some(found) if upsert => updates.push(Update {
                            row: *row,
                            existing: found.clone(),
                            sku,
                            parsed,
                        }),
                        Some(_) => {
                            problems
                                .push(Invalid::new("sku", Problem::Rule { rule: "code_taken" }));
                        }
                    }
                }
                Ok(_) => {}
            }
            errors.extend(problems.into_iter().map(|i| table.error(*row, i)));
        }
        if !errors.is_empty() {
            tx.rollback().await?;
            return Ok(Outcome::rejected(errors));
        }

        let ids = qudao_store::bulk::allocate_ids(&tx, "products", creates.len()).await?;
        let now = qudao_store::now();
        let mut rows = Vec::with_capacity(creates.len());
        let mut audits = Vec::with_capacity(creates.len());
        for ((_, sku, p), id) in creates.iter().zip(ids) {
            rows.push(vec![
                Cell::from(id),
                sku.as_str().into(),
                p.name_zh.as_str().into(),
                p.name_en.as_str().into(),
                p.line.id.into(),
                p.category.as_str().into(),
                p.unit.as_str().into(),
                p.list_price.currency().as_str().into(),
                p.list_price.minor().into(),
                p.cost.map(|c| c.minor()).into(),
                p.launch_date.into(),
                p.serial_tracked.into(),
                p.status.as_str().into(),
                now.into(),
                now.into(),
            ]);
            audits.push(audit_entry(
                caller,
                "product",
                sku.as_str(),
                "import",
                None,
                Some(audited(sku, p)),
            ));
        }
        qudao_store::bulk::insert(
            &tx,
            "products",
            &[
                "id",
                "sku",
                "name_zh",
                "name_en",
                "product_line_id",
                "category",
                "unit",
                "currency",
                "list_price",
                "cost",
                "launch_date",
                "serial_tracked",
                "status",
                "created_at",
                "updated_at",
            ],
            rows,
        )
        .await?;
        qudao_store::audit::record_many(&tx, audits).await?;
        let mut outcome = Outcome {
            created: creates.len(),
            ..Outcome::default()
        };
        for update in updates {
            let changes = changes(&update.existing, &update.parsed, &line_codes)?;
            if changes.is_empty() {
                outcome.unchanged += 1;
                continue;
            }
            let before = stored(&update.existing)?;
            repo::update_product(&tx, update.existing, update.parsed.new_product(&update.sku))
                .await?;
            self.audit(
                &tx,
                caller,
                "product",
                update.sku.as_str(),
                "update",
                Some(&before),
                Some(&audited(&update.sku, &update.parsed)),
            )
            .await?;
            outcome.updated.push(RowChange {
                row: update.row,
                code: update.sku.as_str().to_owned(),
                changes,
            });
        }
        finish(tx, outcome, options.dry_run).await
    }
}

/// A product's values as the audit log keeps them.
fn audited(sku: &Sku, p: &ParsedProduct) -> serde_json::Value {
    serde_json::json!({
        "sku": sku.as_str(),
        "name": p.name_zh,
        "name_en": p.name_en,
        "product_line": p.line.code,
        "category": p.category,
        "unit": p.unit,
        "currency": p.list_price.currency().as_str(),
        "list_price": p.list_price.amount_text(),
        "cost": p.cost.map(|c| c.amount_text()),
        "launch_date": p.launch_date,
        "serial_tracked": p.serial_tracked,
        "status": p.status.as_str(),
    })
}

fn stored(row: &product::Model) -> Result<serde_json::Value, AppError> {
    Ok(serde_json::json!({
        "sku": row.sku,
        "name": row.name_zh,
        "name_en": row.name_en,
        "product_line_id": row.product_line_id,
        "category": row.category,
        "unit": row.unit,
        "currency": row.currency,
        "list_price": row.list_price()?.amount_text(),
        "cost": row.cost()?.map(|c| c.amount_text()),
        "launch_date": row.launch_date,
        "serial_tracked": row.serial_tracked,
        "status": row.status,
    }))
}

/// What an upsert row changes of its product, field by field.
fn changes(
    row: &product::Model,
    p: &ParsedProduct,
    line_codes: &HashMap<i64, String>,
) -> Result<Vec<FieldChange>, AppError> {
    let mut found = Vec::new();
    let mut differ = |field: &'static str, before: Option<String>, after: Option<String>| {
        if before != after {
            found.push(FieldChange {
                field,
                before,
                after,
            });
        }
    };
    differ(
        "name_zh",
        Some(row.name_zh.clone()),
        Some(p.name_zh.clone()),
    );
    differ(
        "name_en",
        Some(row.name_en.clone()),
        Some(p.name_en.clone()),
    );
    differ(
        "product_line",
        line_codes.get(&row.product_line_id).cloned(),
        Some(p.line.code.clone()),
    );
    differ(
        "category",
        Some(row.category.clone()),
        Some(p.category.clone()),
    );
    differ("unit", Some(row.unit.clone()), Some(p.unit.clone()));
    differ(
        "list_price",
        Some(row.list_price()?.to_string()),
        Some(p.list_price.to_string()),
    );
    differ(
        "cost",
        row.cost()?.map(|c| c.to_string()),
        p.cost.map(|c| c.to_string()),
    );
    differ(
        "launch_date",
        row.launch_date.map(|d| d.to_string()),
        p.launch_date.map(|d| d.to_string()),
    );
    differ(
        "serial_tracked",
        Some(row.serial_tracked.to_string()),
        Some(p.serial_tracked.to_string()),
    );
    differ(
        "status",
        Some(row.status.clone()),
        Some(CatalogStatus::as_str(p.status).to_owned()),
    );
    Ok(found)
}
