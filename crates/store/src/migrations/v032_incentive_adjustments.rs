use sea_orm::sea_query::{
    ColumnDef, ForeignKey, ForeignKeyAction, ForeignKeyCreateStatement, Table,
};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

fn fk(column: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from("incentive_adjustments", column)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// Penalties and manual adjustments of incentive results
/// (`docs/INCENTIVES.md`), one row each, never changed once written (a
/// mistake is corrected by an opposite adjustment, so a run's statement
/// line never changes under it).
///
/// - The subject is a partner (`partner_id`, rebate and promotion
///   programs) or a rep (`user_id`, commission programs): exactly one is
///   set.
/// - `program_code` names a program's code, not a version: the run of the
///   period reads the version in force for it. `period` is `2026-Q3`-style.
/// - `amount` is in minor units of `currency` (the program's), negative to
///   deduct; `kind` is `penalty` (always negative) or `manual`.
pub(super) fn v32_incentive_adjustments(backend: DatabaseBackend) -> Vec<Statement> {
    let adjustments = Table::create()
        .table("incentive_adjustments")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().null())
        .col(ColumnDef::new("user_id").big_integer().null())
        .col(ColumnDef::new("program_code").string_len(32).not_null())
        .col(ColumnDef::new("period").string_len(10).not_null())
        .col(ColumnDef::new("kind").string_len(16).not_null())
        .col(ColumnDef::new("amount").big_integer().not_null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(ColumnDef::new("reason").string_len(200).not_null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .foreign_key(&mut fk("partner_id", "partners"))
        .foreign_key(&mut fk("user_id", "users"))
        .to_owned();
    vec![
        backend.build(&adjustments),
        index(backend, "incentive_adjustments", "period"),
        index(backend, "incentive_adjustments", "partner_id"),
        index(backend, "incentive_adjustments", "user_id"),
    ]
}
