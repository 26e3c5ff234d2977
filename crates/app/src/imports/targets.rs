//! Targets, one per row (`docs/IMPORT-FORMATS.md`): each row sets a
//! target as the form does, so a row of an existing draft replaces its
//! figure and a row of an approved target is refused.

use qudao_domain::{Invalid, Problem};
use qudao_store::Aggregate;

use super::{Column, Outcome, Table, Values, finish, row_errors};
use crate::targets::TargetInput;
use crate::{AppError, Caller, Permission, Qudao};

importer!(
    "targets",
    Permission::ManageTargets,
    upsert: false,
    |app, caller, table, options| app.import_targets(caller, table, options.dry_run)
);

/// Who a target is for, by code or Chinese word.
pub const SUBJECT_TYPES: &[(&str, &str)] = &[
    ("company", "公司"),
    ("channel", "渠道"),
    ("region", "区域"),
    ("partner", "合作伙伴"),
    ("rep", "销售"),
];

/// What a target counts, by code or Chinese word.
pub const MEASURES: &[(&str, &str)] = &[
    ("sell_in_amount", "进货金额"),
    ("sell_through_amount", "流向金额"),
    ("quantity", "数量"),
    ("collections", "回款"),
    ("new_partners", "新增合作伙伴"),
    ("new_regions", "新增终端区域"),
    ("outlet_coverage", "网点覆盖率"),
];

pub(crate) const COLUMNS: &[Column] = &[
    Column {
        field: "period",
        zh: "期间",
        required: true,
        example: "2026",
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
        required: false,
        example: "P00012",
        values: Values::Text,
    },
    Column {
        field: "measure",
        zh: "指标",
        required: true,
        example: "sell_in_amount",
        values: Values::Named(MEASURES),
    },
    Column {
        field: "product_line",
        zh: "产品线",
        required: false,
        example: "",
        values: Values::Text,
    },
    Column {
        field: "value",
        zh: "目标值",
        required: true,
        example: "1200000.00",
        values: Values::Text,
    },
];

impl Qudao {
    /// Every row is checked and written in one transaction; any bad row
    /// (or two rows of the same target) rejects the file.
    async fn import_targets(
        &self,
        caller: &Caller,
        table: &Table,
        dry_run: bool,
    ) -> Result<Outcome, AppError> {
        let currency = self.current_settings().await?.currency;
        let tx = self.write().await?;
        tx.lock(Aggregate::Targets).await?;
        let mut errors = Vec::new();
        let mut created = 0;
        let mut seen = std::collections::HashMap::new();
        for (row, values) in &table.rows {
            let input = TargetInput {
                period: table.cell(values, "period").to_owned(),
                subject_type: table.cell(values, "subject_type").to_owned(),
                subject_code: Some(table.cell(values, "subject_code").to_owned()),
                measure: table.cell(values, "measure").to_owned(),
                product_line: Some(table.cell(values, "product_line").to_owned()),
                value: table.cell(values, "value").to_owned(),
                version: None,
            };
            match self.set_target_in(&tx, caller, &input, currency).await {
                Ok(view) => match seen.insert(view.id, *row) {
                    None => created += 1,
                    Some(first) => errors.extend(row_errors(
                        table,
                        *row,
                        Invalid::new(
                            "subject_code",
                            Problem::Conflict {
                                rule: "target_row_twice",
                                with: first.to_string(),
                            },
                        )
                        .into(),
                    )?),
                },
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
