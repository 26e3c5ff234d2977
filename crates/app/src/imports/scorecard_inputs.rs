//! Scorecard inputs, one per row (`docs/IMPORT-FORMATS.md`): the KPI
//! figures the system cannot count yet (customer satisfaction, service
//! response time, training completion, compliance violations, rep visits).
//! A row for an input already imported replaces its figure.

use qudao_domain::{Invalid, Problem};
use qudao_store::Aggregate;

use super::{Column, Outcome, Table, Values, finish, row_errors};
use crate::scorecards::ScorecardInputRow;
use crate::{AppError, Caller, Permission, Qudao};

importer!(
    "scorecard_inputs",
    Permission::ManageScorecards,
    upsert: false,
    |app, caller, table, options| app.import_scorecard_inputs(caller, table, options.dry_run)
);

/// Whom an input is for, by code or Chinese word.
pub const SUBJECT_TYPES: &[(&str, &str)] = &[("partner", "合作伙伴"), ("rep", "销售")];

/// The KPIs an import feeds, by code or Chinese word.
pub const KPIS: &[(&str, &str)] = &[
    ("customer_satisfaction", "客户满意度"),
    ("service_response_time", "服务响应时间"),
    ("training_completion", "培训完成率"),
    ("compliance_violations", "违规次数"),
    ("rep_visits", "拜访次数"),
];

pub(crate) const COLUMNS: &[Column] = &[
    Column {
        field: "period",
        zh: "期间",
        required: true,
        example: "2026-Q3",
        values: Values::Text,
    },
    Column {
        field: "subject_type",
        zh: "对象类型",
        required: true,
        example: "partner",
        values: Values::Named(SUBJECT_TYPES),
    },
    Column {
        field: "subject_code",
        zh: "对象编码",
        required: true,
        example: "P00012",
        values: Values::Text,
    },
    Column {
        field: "kpi",
        zh: "指标",
        required: true,
        example: "customer_satisfaction",
        values: Values::Named(KPIS),
    },
    Column {
        field: "value",
        zh: "数值",
        required: true,
        example: "92.5",
        values: Values::Text,
    },
];

impl Qudao {
    /// Every row is checked and written in one transaction; any bad row
    /// (or two rows of the same input) rejects the file.
    async fn import_scorecard_inputs(
        &self,
        caller: &Caller,
        table: &Table,
        dry_run: bool,
    ) -> Result<Outcome, AppError> {
        let tx = self.write().await?;
        tx.lock(Aggregate::Scorecards).await?;
        let mut errors = Vec::new();
        let mut created = 0;
        let mut seen = std::collections::HashMap::new();
        for (row, values) in &table.rows {
            let input = ScorecardInputRow {
                period: table.cell(values, "period").to_owned(),
                subject_type: table.cell(values, "subject_type").to_owned(),
                subject_code: table.cell(values, "subject_code").to_owned(),
                kpi: table.cell(values, "kpi").to_owned(),
                value: table.cell(values, "value").to_owned(),
            };
            let key = (
                input.period.trim().to_ascii_uppercase(),
                input.subject_type.trim().to_owned(),
                input.subject_code.trim().to_owned(),
                input.kpi.trim().to_owned(),
            );
            if let Some(first) = seen.insert(key, *row) {
                errors.extend(row_errors(
                    table,
                    *row,
                    Invalid::new(
                        "kpi",
                        Problem::Conflict {
                            rule: "scorecard_input_twice",
                            with: first.to_string(),
                        },
                    )
                    .into(),
                )?);
                continue;
            }
            match self.put_scorecard_input(&tx, caller, &input).await {
                Ok(()) => created += 1,
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
