use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

pub(super) fn v7_partner_record(backend: DatabaseBackend) -> Vec<Statement> {
    // Each added column is its own ALTER: SQLite takes one column per statement.
    let add = |column: ColumnDef| {
        backend.build(
            &Table::alter()
                .table("partners")
                .add_column(column)
                .to_owned(),
        )
    };
    let mut statements = vec![
        add(ColumnDef::new("region_id").big_integer().null().to_owned()),
        add(ColumnDef::new("address").string_len(300).null().to_owned()),
        // Money as integer minor units of `currency` (DESIGN.md §4).
        add(ColumnDef::new("credit_limit")
            .big_integer()
            .null()
            .to_owned()),
        add(ColumnDef::new("currency")
            .string_len(3)
            .not_null()
            .default("CNY")
            .to_owned()),
    ];
    let contacts = Table::create()
        .table("partner_contacts")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("name").string_len(100).not_null())
        .col(ColumnDef::new("role").string_len(50).not_null())
        .col(ColumnDef::new("phone").string_len(30).null())
        .col(ColumnDef::new("email").string_len(254).null())
        .col(ColumnDef::new("birthday").date().null())
        .col(instant("created_at"))
        .foreign_key(
            ForeignKey::create()
                .from("partner_contacts", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned();
    statements.push(backend.build(&contacts));
    statements.extend(
        [
            ("partner_contacts", "partner_id"),
            ("partners", "region_id"),
        ]
        .map(|(table, column)| index(backend, table, column)),
    );
    statements
}
