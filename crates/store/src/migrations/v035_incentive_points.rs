use sea_orm::sea_query::{
    ColumnDef, ForeignKey, ForeignKeyAction, ForeignKeyCreateStatement, Table,
};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

fn fk(from: &'static str, column: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, column)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// Incentive points (`docs/INCENTIVES.md`, "Points").
///
/// - `incentive_results.points`: what a result earns by its program's
///   `points` (NULL: the program has none).
/// - `incentive_point_movements`: append-only movements of a partner's
///   points; what is available is derived from them (expiry included,
///   never written). `kind` is `earned` (a paid run: `run_id`,
///   `result_id`, `program_code` and `period` say which, `expire_months`
///   how long its points live), `redeemed` or `adjusted` (staff, with a
///   `reason`). `points` is signed; `occurred_on` is the day it counts
///   from.
pub(super) fn v35_incentive_points(backend: DatabaseBackend) -> Vec<Statement> {
    const MOVES: &str = "incentive_point_movements";
    let points = Table::alter()
        .table("incentive_results")
        .add_column(ColumnDef::new("points").big_integer().null())
        .to_owned();
    let movements = Table::create()
        .table(MOVES)
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("kind").string_len(16).not_null())
        .col(ColumnDef::new("points").big_integer().not_null())
        .col(ColumnDef::new("occurred_on").date().not_null())
        .col(ColumnDef::new("expire_months").integer().null())
        .col(ColumnDef::new("run_id").big_integer().null())
        .col(ColumnDef::new("result_id").big_integer().null())
        .col(ColumnDef::new("program_code").string_len(32).null())
        .col(ColumnDef::new("period").string_len(16).null())
        .col(ColumnDef::new("reason").string_len(200).null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .foreign_key(&mut fk(MOVES, "partner_id", "partners"))
        .foreign_key(&mut fk(MOVES, "run_id", "incentive_runs"))
        .foreign_key(&mut fk(MOVES, "result_id", "incentive_results"))
        .to_owned();
    vec![
        backend.build(&points),
        backend.build(&movements),
        index(backend, MOVES, "partner_id"),
    ]
}
