use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

pub(super) fn v2_partner_status(backend: DatabaseBackend) -> Vec<Statement> {
    // Partners recorded before statuses existed were all trading partners.
    let status = Table::alter()
        .table("partners")
        .add_column(
            ColumnDef::new("status")
                .string_len(16)
                .not_null()
                .default("active"),
        )
        .to_owned();
    let history = Table::create()
        .table("partner_status_history")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("from_status").string_len(16).null())
        .col(ColumnDef::new("to_status").string_len(16).not_null())
        .col(ColumnDef::new("reason").string_len(500).not_null())
        .col(ColumnDef::new("changed_by").string_len(64).not_null())
        .col(instant("changed_at"))
        .foreign_key(
            ForeignKey::create()
                .from("partner_status_history", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    vec![
        backend.build(&status),
        backend.build(&history),
        index(backend, "partner_status_history", "partner_id"),
        index(backend, "partners", "status"),
    ]
}
