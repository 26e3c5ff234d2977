use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

pub(super) fn v10_partner_changes(backend: DatabaseBackend) -> Vec<Statement> {
    // A partner admin's request to change a field of its record that a
    // channel manager owns; decided once, kept for good.
    let requests = Table::create()
        .table("partner_change_requests")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("field").string_len(32).not_null())
        .col(ColumnDef::new("old_value").string_len(300).null())
        .col(ColumnDef::new("new_value").string_len(300).null())
        .col(ColumnDef::new("state").string_len(16).not_null())
        .col(ColumnDef::new("requested_by").string_len(64).not_null())
        .col(instant("requested_at"))
        .col(ColumnDef::new("decided_by").string_len(64).null())
        .col(
            ColumnDef::new("decided_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .col(
            ColumnDef::new("decision_reason")
                .string_len(500)
                .not_null()
                .default(""),
        )
        .foreign_key(
            ForeignKey::create()
                .from("partner_change_requests", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    vec![
        backend.build(&requests),
        index(backend, "partner_change_requests", "partner_id"),
        index(backend, "partner_change_requests", "state"),
    ]
}
