use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Index, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, instant};

/// The owner moves whose rep targets were moved with the partner: one row
/// per move of `owner_history` (unique, so a move's targets move once),
/// with the reason the amendments carried and who moved them. The figures
/// themselves are in the targets, their amendments and the audit log.
pub(super) fn v29_rep_target_moves(backend: DatabaseBackend) -> Vec<Statement> {
    let moves = Table::create()
        .table("rep_target_moves")
        .col(id())
        .col(ColumnDef::new("owner_history_id").big_integer().not_null())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("reason").string_len(500).not_null())
        .col(ColumnDef::new("moved_by").string_len(64).not_null())
        .col(instant("moved_at"))
        .foreign_key(
            ForeignKey::create()
                .from("rep_target_moves", "owner_history_id")
                .to("owner_history", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("rep_target_moves", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let once = Index::create()
        .name("ux_rep_target_moves_owner_history_id")
        .table("rep_target_moves")
        .col("owner_history_id")
        .unique()
        .to_owned();
    vec![backend.build(&moves), backend.build(&once)]
}
