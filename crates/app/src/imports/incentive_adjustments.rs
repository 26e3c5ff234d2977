//! Penalties and manual adjustments of incentive results, one per row
//! (`docs/IMPORT-FORMATS.md`). Two rows of one file may adjust the same
//! subject, program and period (two violations are two penalties), but
//! not with the same kind, amount and reason: that is a row pasted twice.

use qudao_domain::{Invalid, Problem};
use qudao_store::Aggregate;

use super::{Column, Outcome, Table, Values, finish, row_errors};
use crate::incentive_adjustments::AdjustmentInput;
use crate::{AppError, Caller, Permission, Qudao};

importer!(
    "incentive_adjustments",
    Permission::AdjustIncentives,
    upsert: false,
    |app, caller, table, options| app.import_adjustments(caller, table, options.dry_run)
);

/// The kinds of adjustment, by code or Chinese word.
pub const KINDS: &[(&str, &str)] = &[("penalty", "罚扣"), ("manual", "手工调整")];

pub(crate) const COLUMNS: &[Column] = &[
    Column {
        field: "subject_code",
        zh: "对象编码",
        required: true,
        example: "P00012",
        values: Values::Text,
    },
    Column {
        field: "program_code",
        zh: "方案编码",
        required: true,
        example: "RB-DIST-2026",
        values: Values::Text,
    },
    Column {
        field: "period",
        zh: "期间",
        required: true,
        example: "2026-Q3",
        values: Values::Text,
    },
    Column {
        field: "amount",
        zh: "金额",
        required: true,
        example: "-1200.50",
        values: Values::Text,
    },
    Column {
        field: "reason",
        zh: "原因",
        required: true,
        example: "窜货违规",
        values: Values::Text,
    },
    Column {
        field: "kind",
        zh: "类型",
        required: false,
        example: "penalty",
        values: Values::Named(KINDS),
    },
];

impl Qudao {
    /// Every row is checked and written in one transaction; any bad row
    /// rejects the file.
    async fn import_adjustments(
        &self,
        caller: &Caller,
        table: &Table,
        dry_run: bool,
    ) -> Result<Outcome, AppError> {
        let tx = self.write().await?;
        tx.lock(Aggregate::Incentives).await?;
        let mut errors = Vec::new();
        let mut created = 0;
        let mut seen = std::collections::HashMap::new();
        for (row, values) in &table.rows {
            let input = AdjustmentInput {
                subject_code: table.cell(values, "subject_code").to_owned(),
                program_code: table.cell(values, "program_code").to_owned(),
                period: table.cell(values, "period").to_owned(),
                amount: table.cell(values, "amount").to_owned(),
                kind: table.cell(values, "kind").to_owned(),
                reason: table.cell(values, "reason").to_owned(),
            };
            let key = (
                input.subject_code.trim().to_owned(),
                input.program_code.trim().to_ascii_uppercase(),
                input.period.trim().to_ascii_uppercase(),
                input.amount.trim().to_owned(),
                input.kind.trim().to_owned(),
                input.reason.trim().to_owned(),
            );
            if let Some(first) = seen.insert(key, *row) {
                errors.extend(row_errors(
                    table,
                    *row,
                    Invalid::new(
                        "reason",
                        Problem::Conflict {
                            rule: "adjustment_twice",
                            with: first.to_string(),
                        },
                    )
                    .into(),
                )?);
                continue;
            }
            match self.put_adjustment(&tx, caller, &input).await {
                Ok(_) => created += 1,
                Err(err) => errors.extend(row_errors(table, *row, err)?),
            }
        }
        let outcome = Outcome {
            created,
            errors,
            ..Outcome::default()
        };
        finish(tx, outcome, dry_run).await
    }
}
