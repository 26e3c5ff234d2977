//! The user's own regions (sales areas, districts the official data lacks).

use super::{Column, Outcome, Table, Values, finish, row_errors};
use crate::territories::RegionInput;
use crate::{AppError, Caller, Permission, Qudao};

importer!(
    "regions",
    Permission::ManageTerritories,
    upsert: false,
    |app, caller, table, options| app.import_regions(caller, table, options.dry_run)
);

pub(super) const COLUMNS: &[Column] = &[
    Column {
        field: "code",
        zh: "编码",
        required: true,
        example: "EAST-1",
        values: Values::Text,
    },
    Column {
        field: "name",
        zh: "名称",
        required: true,
        example: "华东一区",
        values: Values::Text,
    },
    Column {
        field: "name_en",
        zh: "英文名称",
        required: false,
        example: "East 1",
        values: Values::Text,
    },
    Column {
        field: "parent_code",
        zh: "上级区域编码",
        required: false,
        example: "CN",
        values: Values::Text,
    },
];

impl Qudao {
    /// Regions of the user's own: parents may come earlier in the same file.
    async fn import_regions(
        &self,
        caller: &Caller,
        table: &Table,
        dry_run: bool,
    ) -> Result<Outcome, AppError> {
        let inputs = table.rows.iter().map(|(row, values)| {
            let cell = |field| table.cell(values, field).to_owned();
            let input = RegionInput {
                code: cell("code"),
                name: cell("name"),
                name_en: Some(cell("name_en")).filter(|v| !v.is_empty()),
                parent_code: Some(cell("parent_code")).filter(|v| !v.is_empty()),
            };
            (*row, input)
        });
        let tx = self.write().await?;
        let mut errors = Vec::new();
        let mut created = 0;
        for (row, input) in inputs {
            match self.create_region_in(&tx, caller, &input).await {
                Ok(_) => created += 1,
                Err(err) => errors.extend(row_errors(table, row, err)?),
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
