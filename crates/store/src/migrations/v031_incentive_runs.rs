use sea_orm::sea_query::{
    ColumnDef, ForeignKey, ForeignKeyAction, ForeignKeyCreateStatement, Index, Table,
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

/// Incentive runs (`docs/areas/incentives.md`), what they computed, and the
/// incentive ledger.
///
/// - `incentive_runs`: one period's computation of a set of program
///   versions (`incentive_run_programs`, in their stated order), moving
///   `calculated` → `approved` → `paid`. `provisional` marks a run over a
///   period that had not ended: it may be looked at, never approved.
/// - `incentive_results`: one row per subject × program version, with every
///   figure of the calculation and its `trace` (the domain's steps as
///   JSON) and `parts` (the aggregates the base was summed from). A subject
///   is a partner (`partner_id`) or a rep (`user_id`). `stacking` is what
///   stacking decided: `applied`, `gave_way` (to `gave_way_to`) or
///   `earned_nothing`; `payable` is the amount when applied, else 0.
/// - `incentive_ledger`: append-only `earned` entries (an approval's change
///   to what was earned so far) and `settled` entries (a payment's
///   earned-to-date − settled-to-date, with `references_id` the key's first
///   settlement when it corrects it, and the payout `form`), per subject ×
///   program code × period. Nothing here is updated or deleted.
pub(super) fn v31_incentive_runs(backend: DatabaseBackend) -> Vec<Statement> {
    let runs = Table::create()
        .table("incentive_runs")
        .col(id())
        .col(ColumnDef::new("period").string_len(16).not_null())
        .col(ColumnDef::new("status").string_len(16).not_null())
        .col(ColumnDef::new("provisional").boolean().not_null())
        .col(ColumnDef::new("subjects").integer().not_null())
        .col(ColumnDef::new("total").big_integer().not_null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .col(instant("calculated_at"))
        .col(ColumnDef::new("approved_by").string_len(64).null())
        .col(
            ColumnDef::new("approved_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .col(ColumnDef::new("paid_by").string_len(64).null())
        .col(ColumnDef::new("paid_at").timestamp_with_time_zone().null())
        .to_owned();
    let run_programs = Table::create()
        .table("incentive_run_programs")
        .col(id())
        .col(ColumnDef::new("run_id").big_integer().not_null())
        .col(ColumnDef::new("program_id").big_integer().not_null())
        .col(ColumnDef::new("position").integer().not_null())
        .foreign_key(&mut fk(
            "incentive_run_programs",
            "run_id",
            "incentive_runs",
        ))
        .foreign_key(&mut fk(
            "incentive_run_programs",
            "program_id",
            "incentive_programs",
        ))
        .to_owned();
    let run_program_key = Index::create()
        .name("ux_incentive_run_programs_run_program")
        .table("incentive_run_programs")
        .col("run_id")
        .col("program_id")
        .unique()
        .to_owned();
    let results = Table::create()
        .table("incentive_results")
        .col(id())
        .col(ColumnDef::new("run_id").big_integer().not_null())
        .col(ColumnDef::new("program_id").big_integer().not_null())
        .col(ColumnDef::new("subject_type").string_len(16).not_null())
        .col(ColumnDef::new("partner_id").big_integer().null())
        .col(ColumnDef::new("user_id").big_integer().null())
        .col(ColumnDef::new("base").big_integer().not_null())
        .col(ColumnDef::new("multiplied_base").string_len(40).not_null())
        .col(ColumnDef::new("target").big_integer().null())
        .col(ColumnDef::new("reference").big_integer().null())
        .col(ColumnDef::new("ratio").string_len(24).null())
        .col(ColumnDef::new("bracket").integer().null())
        .col(ColumnDef::new("rate").string_len(24).null())
        .col(
            ColumnDef::new("amount_before_cap")
                .string_len(40)
                .not_null(),
        )
        .col(ColumnDef::new("adjustments").big_integer().not_null())
        .col(ColumnDef::new("amount").big_integer().not_null())
        .col(ColumnDef::new("stacking").string_len(16).not_null())
        .col(ColumnDef::new("gave_way_to").string_len(32).null())
        .col(ColumnDef::new("payable").big_integer().not_null())
        .col(ColumnDef::new("trace").text().not_null())
        .col(ColumnDef::new("parts").text().not_null())
        .foreign_key(&mut fk("incentive_results", "run_id", "incentive_runs"))
        .foreign_key(&mut fk(
            "incentive_results",
            "program_id",
            "incentive_programs",
        ))
        .foreign_key(&mut fk("incentive_results", "partner_id", "partners"))
        .foreign_key(&mut fk("incentive_results", "user_id", "users"))
        .to_owned();
    let ledger = Table::create()
        .table("incentive_ledger")
        .col(id())
        .col(ColumnDef::new("subject_type").string_len(16).not_null())
        .col(ColumnDef::new("partner_id").big_integer().null())
        .col(ColumnDef::new("user_id").big_integer().null())
        .col(ColumnDef::new("program_code").string_len(32).not_null())
        .col(ColumnDef::new("period").string_len(16).not_null())
        .col(ColumnDef::new("kind").string_len(16).not_null())
        .col(ColumnDef::new("amount").big_integer().not_null())
        .col(ColumnDef::new("run_id").big_integer().not_null())
        .col(ColumnDef::new("references_id").big_integer().null())
        .col(ColumnDef::new("form").string_len(16).null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .foreign_key(&mut fk("incentive_ledger", "run_id", "incentive_runs"))
        .foreign_key(&mut fk("incentive_ledger", "partner_id", "partners"))
        .foreign_key(&mut fk("incentive_ledger", "user_id", "users"))
        .foreign_key(&mut fk(
            "incentive_ledger",
            "references_id",
            "incentive_ledger",
        ))
        .to_owned();
    let ledger_key = Index::create()
        .name("ix_incentive_ledger_program_period")
        .table("incentive_ledger")
        .col("program_code")
        .col("period")
        .to_owned();
    vec![
        backend.build(&runs),
        index(backend, "incentive_runs", "period"),
        backend.build(&run_programs),
        backend.build(&run_program_key),
        backend.build(&results),
        index(backend, "incentive_results", "run_id"),
        index(backend, "incentive_results", "partner_id"),
        backend.build(&ledger),
        backend.build(&ledger_key),
        index(backend, "incentive_ledger", "partner_id"),
        index(backend, "incentive_ledger", "run_id"),
    ]
}
