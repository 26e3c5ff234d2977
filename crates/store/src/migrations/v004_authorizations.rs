use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

pub(super) fn v4_authorizations(backend: DatabaseBackend) -> Vec<Statement> {
    // Validity is an inclusive range of calendar days. Ending an
    // authorization early moves `valid_to` and records who ended it and why;
    // nothing is deleted.
    let authorizations = Table::create()
        .table("authorizations")
        .col(id())
        .col(
            ColumnDef::new("code")
                .string_len(32)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("region_id").big_integer().not_null())
        .col(ColumnDef::new("product_line").string_len(32).not_null())
        .col(ColumnDef::new("mode").string_len(16).not_null())
        .col(ColumnDef::new("valid_from").date().not_null())
        .col(ColumnDef::new("valid_to").date().not_null())
        .col(ColumnDef::new("ended_at").timestamp_with_time_zone().null())
        .col(ColumnDef::new("ended_by").string_len(64).null())
        .col(ColumnDef::new("end_reason").string_len(500).null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .foreign_key(
            ForeignKey::create()
                .from("authorizations", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("authorizations", "region_id")
                .to("regions", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    // `*` is the global default; a missing row means the built-in default.
    let limits = Table::create()
        .table("selective_limits")
        .col(
            ColumnDef::new("product_line")
                .string_len(32)
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new("max_partners").integer().not_null())
        .col(ColumnDef::new("updated_by").string_len(64).not_null())
        .col(instant("updated_at"))
        .to_owned();
    let mut statements = vec![backend.build(&authorizations), backend.build(&limits)];
    statements.extend(
        ["partner_id", "region_id", "product_line"]
            .map(|column| index(backend, "authorizations", column)),
    );
    statements
}
