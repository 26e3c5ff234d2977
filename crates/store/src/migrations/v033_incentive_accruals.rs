use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Index, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

/// Booked month-end accruals of incentive programs (`docs/INCENTIVES.md`
/// "## Accruals"), one row per month × program version, never changed once
/// written: a month is booked once, and the next month's movement is
/// measured from it.
///
/// - `month` is `2026-11`; `period` the program's period containing it
///   (`2026-Q4`, `2026`, `2026-11`).
/// - `accrued`, `projected`, `last_booked` and `movement` are minor units
///   of `currency` (the program's); `last_booked` is null when the version
///   had no earlier booking in the period.
pub(super) fn v33_incentive_accruals(backend: DatabaseBackend) -> Vec<Statement> {
    let accruals = Table::create()
        .table("incentive_accruals")
        .col(id())
        .col(ColumnDef::new("month").string_len(7).not_null())
        .col(ColumnDef::new("program_id").big_integer().not_null())
        .col(ColumnDef::new("period").string_len(10).not_null())
        .col(ColumnDef::new("accrued").big_integer().not_null())
        .col(ColumnDef::new("projected").big_integer().not_null())
        .col(ColumnDef::new("subjects").big_integer().not_null())
        .col(ColumnDef::new("last_booked").big_integer().null())
        .col(ColumnDef::new("movement").big_integer().not_null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(ColumnDef::new("booked_by").string_len(64).not_null())
        .col(instant("booked_at"))
        .foreign_key(
            &mut ForeignKey::create()
                .from("incentive_accruals", "program_id")
                .to("incentive_programs", "id")
                .on_delete(ForeignKeyAction::Restrict)
                .to_owned(),
        )
        .to_owned();
    let once = Index::create()
        .name("ux_incentive_accruals_month_program")
        .table("incentive_accruals")
        .col("month")
        .col("program_id")
        .unique()
        .to_owned();
    vec![
        backend.build(&accruals),
        backend.build(&once),
        index(backend, "incentive_accruals", "program_id"),
    ]
}
