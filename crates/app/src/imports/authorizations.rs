//! Territory rights of partners in the importing user's scope.
use std::future::Future;
use std::pin::Pin;

use super::{Column, ImportKind, ImportOptions, Importer, Outcome, Table, finish, row_errors};
use crate::territories::AuthorizationInput;
use crate::{AppError, Caller, Permission, Qudao};

pub(super) const KIND: ImportKind = ImportKind(&Importer {
    name: "authorizations",
    columns: COLUMNS,
    permission: Permission::ManageTerritories,
    upsert: false,
    run,
});

fn run<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    table: &'a Table,
    options: ImportOptions,
) -> Pin<Box<dyn Future<Output = Result<Outcome, AppError>> + Send + 'a>> {
    Box::pin(app.import_authorizations(caller, table, options.dry_run))
}

pub(super) const COLUMNS: &[Column] = &[
    Column {
        field: "partner_code",
        zh: "合作伙伴编码",
        required: true,
        example: "P10001",
    },
    Column {
        field: "region_code",
        zh: "区域编码",
        required: true,
        example: "310000",
    },
    Column {
        field: "product_line",
        zh: "产品线",
        required: true,
        example: "TEA",
    },
    Column {
        field: "mode",
        zh: "授权方式",
        required: true,
        example: "exclusive",
    },
    Column {
        field: "valid_from",
        zh: "生效日期",
        required: true,
        example: "2026-01-01",
    },
    Column {
        field: "valid_to",
        zh: "失效日期",
        required: true,
        example: "2026-12-31",
    },
];

impl Qudao {
    /// Territory rights, each checked against the rules and everything
    /// already granted, including the rows above it in the same file.
    async fn import_authorizations(
        &self,
        caller: &Caller,
        table: &Table,
        dry_run: bool,
    ) -> Result<Outcome, AppError> {
        let tx = self.begin().await?;
        let mut errors = Vec::new();
        let mut created = 0;
        for (row, values) in &table.rows {
            let cell = |field| table.cell(values, field).to_owned();
            let input = AuthorizationInput {
                partner_code: cell("partner_code"),
                region_code: cell("region_code"),
                product_line: cell("product_line"),
                mode: cell("mode"),
                valid_from: cell("valid_from"),
                valid_to: cell("valid_to"),
            };
            match self.create_authorization_in(&tx, caller, &input).await {
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
