//! The regions a channel manager or sales rep covers (admins only).

use super::{Column, Outcome, Table, Values, finish, row_errors};
use crate::{AppError, Caller, Permission, Qudao};

importer!(
    "user_regions",
    Permission::ManageUsers,
    upsert: false,
    |app, caller, table, options| app.import_user_regions(caller, table, options.dry_run)
);

const COLUMNS: &[Column] = &[
    Column {
        field: "login",
        zh: "账号",
        required: true,
        example: "manager",
        values: Values::Text,
    },
    Column {
        field: "region_code",
        zh: "区域编码",
        required: true,
        example: "310000",
        values: Values::Region,
    },
];

impl Qudao {
    /// A pair already assigned is left as it is and not counted.
    async fn import_user_regions(
        &self,
        caller: &Caller,
        table: &Table,
        dry_run: bool,
    ) -> Result<Outcome, AppError> {
        let tx = self.write().await?;
        let mut errors = Vec::new();
        let mut created = 0;
        for (row, values) in &table.rows {
            let (login, region) = (
                table.cell(values, "login"),
                table.cell(values, "region_code"),
            );
            match self.add_user_region_in(&tx, caller, login, region).await {
                Ok(added) => created += usize::from(added),
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
