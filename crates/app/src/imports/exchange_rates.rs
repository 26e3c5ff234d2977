//! Monthly exchange rates to the company currency (finance). In create
//! mode a month's existing rate is refused unless the file repeats it; in
//! upsert mode it is amended and listed in the report.

use super::{Column, FieldChange, Outcome, RowChange, Table, Values, finish, row_errors};
use crate::rates::{RateChange, RateInput};
use crate::{AppError, Caller, Permission, Qudao};

importer!(
    "exchange-rates",
    Permission::ManageFinance,
    upsert: true,
    |app, caller, table, options| app.import_rates(caller, table, options)
);

pub(super) const COLUMNS: &[Column] = &[
    Column {
        field: "month",
        zh: "月份",
        required: true,
        example: "2026-07",
        values: Values::Text,
    },
    Column {
        field: "currency",
        zh: "币种",
        required: true,
        example: "USD",
        values: Values::Text,
    },
    Column {
        field: "rate",
        zh: "汇率",
        required: true,
        example: "7.1234",
        values: Values::Text,
    },
];

impl Qudao {
    async fn import_rates(
        &self,
        caller: &Caller,
        table: &Table,
        options: super::ImportOptions,
    ) -> Result<Outcome, AppError> {
        let amend = options.mode == super::ImportMode::Upsert;
        let tx = self.write().await?;
        let mut outcome = Outcome::default();
        let mut seen = std::collections::HashMap::new();
        for (row, values) in &table.rows {
            let cell = |field| table.cell(values, field).to_owned();
            let input = RateInput {
                month: cell("month"),
                currency: cell("currency"),
                rate: cell("rate"),
            };
            let (month, currency, rate) = match crate::rates::parse(&input) {
                Ok(parsed) => parsed,
                Err(fields) => {
                    outcome
                        .errors
                        .extend(row_errors(table, *row, AppError::Invalid(fields))?);
                    continue;
                }
            };
            // The same month and currency twice in one file is a mistake
            // whichever row was meant.
            if let Some(first) = seen.insert((month, currency), *row) {
                outcome.errors.push(table.error(
                    *row,
                    qudao_domain::Invalid::new(
                        "currency",
                        qudao_domain::Problem::Conflict {
                            rule: "duplicate_in_file",
                            with: first.to_string(),
                        },
                    ),
                ));
                continue;
            }
            match self
                .put_rate_in(&tx, caller, month, currency, rate, amend)
                .await
            {
                Ok(RateChange::Added) => outcome.created += 1,
                Ok(RateChange::Unchanged) => outcome.unchanged += 1,
                Ok(RateChange::Amended(old)) => outcome.updated.push(RowChange {
                    row: *row,
                    code: format!("{month} {currency}"),
                    changes: vec![FieldChange {
                        field: "rate",
                        before: Some(old.to_string()),
                        after: Some(rate.to_string()),
                    }],
                }),
                Err(err) => outcome.errors.extend(row_errors(table, *row, err)?),
            }
        }
        finish(tx, outcome, options.dry_run).await
    }
}
