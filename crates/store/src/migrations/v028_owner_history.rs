use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

/// Each partner's owners over time: one row per owner from a date
/// (`owner_id` null for nobody), written with every change of
/// `partners.owner_id`, which stays the current owner. Rows are never
/// updated; a partner's rows read in `id` order (see
/// `domain::owner_moves` on why not by date).
///
/// Existing partners get one row: their current owner from the day they
/// were created (UTC), by whoever wrote their first status.
pub(super) fn v28_owner_history(backend: DatabaseBackend) -> Vec<Statement> {
    let history = Table::create()
        .table("owner_history")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("owner_id").big_integer().null())
        .col(ColumnDef::new("from_date").date().not_null())
        .col(ColumnDef::new("changed_by").string_len(64).not_null())
        .col(instant("changed_at"))
        .foreign_key(
            ForeignKey::create()
                .from("owner_history", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("owner_history", "owner_id")
                .to("users", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let created_on = match backend {
        DatabaseBackend::Postgres => "(p.created_at AT TIME ZONE 'UTC')::date",
        // Stored as ISO text, the date first.
        _ => "substr(p.created_at, 1, 10)",
    };
    let backfill = format!(
        "INSERT INTO owner_history (partner_id, owner_id, from_date, changed_by, changed_at) \
         SELECT p.id, p.owner_id, {created_on}, \
         COALESCE((SELECT h.changed_by FROM partner_status_history h \
                   WHERE h.partner_id = p.id ORDER BY h.id LIMIT 1), 'system'), \
         p.created_at \
         FROM partners p ORDER BY p.id"
    );
    vec![
        backend.build(&history),
        index(backend, "owner_history", "partner_id"),
        Statement::from_string(backend, backfill),
    ]
}
