//! Partners' stock counts: what a partner holds of a product on a day. A
//! partner uploads its own; staff may upload for partners in their scope.
//! The checks are the entry form's (`inventory::CountIndexes`), so a file
//! and a form refuse the same rows with the same words.

use super::{Column, Outcome, Table, Values, finish};
use crate::inventory::CountInput;
use crate::{AppError, Caller, Permission, Qudao};

importer!(
    "stock-counts",
    Permission::ReportStockCounts,
    upsert: false,
    |app, caller, table, options| app.import_stock_counts(caller, table, options)
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
        field: "sku",
        zh: "产品编码",
        required: true,
        example: "TEA-LJ-250G",
        values: Values::Text,
    },
    Column {
        field: "counted_on",
        zh: "盘点日期",
        required: true,
        example: "2026-10-31",
        values: Values::Text,
    },
    Column {
        field: "qty",
        zh: "数量",
        required: true,
        example: "36",
        values: Values::Text,
    },
];

impl Qudao {
    async fn import_stock_counts(
        &self,
        caller: &Caller,
        table: &Table,
        options: super::ImportOptions,
    ) -> Result<Outcome, AppError> {
        let tx = self.write().await?;
        let rows: Vec<(usize, CountInput)> = table
            .rows
            .iter()
            .map(|(row, values)| {
                let cell = |field| table.cell(values, field).to_owned();
                (
                    *row,
                    CountInput {
                        partner_code: cell("partner_code"),
                        sku: cell("sku"),
                        counted_on: cell("counted_on"),
                        qty: cell("qty"),
                    },
                )
            })
            .collect();
        let mut outcome = Outcome::default();
        match self.write_counts(&tx, caller, &rows).await? {
            Ok(written) => outcome.created = written,
            Err(problems) => {
                for (row, found) in problems {
                    outcome
                        .errors
                        .extend(found.into_iter().map(|i| table.error(row, i)));
                }
            }
        }
        let wrote = outcome.errors.is_empty() && !options.dry_run && outcome.created > 0;
        let outcome = finish(tx, outcome, options.dry_run).await?;
        if wrote {
            self.facts_committed(crate::facts::FactKind::StockCount)
                .await?;
        }
        Ok(outcome)
    }
}
