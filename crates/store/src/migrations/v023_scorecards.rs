use sea_orm::sea_query::{
    ColumnDef, ForeignKey, ForeignKeyAction, ForeignKeyCreateStatement, Index, Table,
};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

/// Scorecard templates and their KPIs, imported KPI inputs, evaluation runs
/// with every subject's explained result, and the grade proposals a run
/// makes.
///
/// - `subject_key` is `partner:<type>` or `rep`, unique: one template per
///   partner type and one for the reps (a unique index on the nullable
///   `partner_type` alone would let two rep templates through).
/// - A KPI's `weight` is exact decimal text (`12.5`); null for the
///   deduction. `rule` is JSON text read back through the domain's checks.
/// - An input's and a result's subject is a partner (`partner_id`, the
///   column the scope restricts by) or a rep (`user_id`); `subject_key`
///   repeats it as one text for the unique index, as in targets.
/// - A result's `kpis` is the JSON of every KPI line (input, score,
///   weight, points, missing), so a score is explained and replayed from
///   what was stored, not from facts that may since have changed.
fn fk(from: &'static str, column: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, column)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

pub(super) fn v23_scorecards(backend: DatabaseBackend) -> Vec<Statement> {
    let templates = Table::create()
        .table("scorecard_templates")
        .col(id())
        .col(
            ColumnDef::new("code")
                .string_len(32)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("name").string_len(200).not_null())
        .col(ColumnDef::new("subject").string_len(16).not_null())
        .col(ColumnDef::new("partner_type").string_len(32).null())
        .col(
            ColumnDef::new("subject_key")
                .string_len(48)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .to_owned();
    let kpis = Table::create()
        .table("scorecard_kpis")
        .col(id())
        .col(ColumnDef::new("template_id").big_integer().not_null())
        .col(ColumnDef::new("position").integer().not_null())
        .col(ColumnDef::new("kpi").string_len(40).not_null())
        .col(ColumnDef::new("weight").string_len(8).null())
        .col(ColumnDef::new("rule").text().not_null())
        .foreign_key(&mut fk(
            "scorecard_kpis",
            "template_id",
            "scorecard_templates",
        ))
        .to_owned();
    let kpi_key = Index::create()
        .name("ux_scorecard_kpis_key")
        .table("scorecard_kpis")
        .col("template_id")
        .col("kpi")
        .unique()
        .to_owned();
    let inputs = Table::create()
        .table("scorecard_inputs")
        .col(id())
        .col(ColumnDef::new("period").string_len(10).not_null())
        .col(ColumnDef::new("subject_type").string_len(16).not_null())
        .col(ColumnDef::new("subject_key").string_len(48).not_null())
        .col(ColumnDef::new("partner_id").big_integer().null())
        .col(ColumnDef::new("user_id").big_integer().null())
        .col(ColumnDef::new("kpi").string_len(40).not_null())
        .col(ColumnDef::new("value").string_len(40).not_null())
        .col(ColumnDef::new("imported_by").string_len(64).not_null())
        .col(instant("imported_at"))
        .foreign_key(&mut fk("scorecard_inputs", "partner_id", "partners"))
        .foreign_key(&mut fk("scorecard_inputs", "user_id", "users"))
        .to_owned();
    let input_key = Index::create()
        .name("ux_scorecard_inputs_key")
        .table("scorecard_inputs")
        .col("period")
        .col("subject_key")
        .col("kpi")
        .unique()
        .to_owned();
    let runs = Table::create()
        .table("evaluation_runs")
        .col(id())
        .col(ColumnDef::new("period").string_len(10).not_null())
        .col(ColumnDef::new("template_id").big_integer().not_null())
        .col(ColumnDef::new("provisional").boolean().not_null())
        .col(ColumnDef::new("subjects").integer().not_null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .foreign_key(&mut fk(
            "evaluation_runs",
            "template_id",
            "scorecard_templates",
        ))
        .to_owned();
    let results = Table::create()
        .table("evaluation_results")
        .col(id())
        .col(ColumnDef::new("run_id").big_integer().not_null())
        .col(ColumnDef::new("subject_type").string_len(16).not_null())
        .col(ColumnDef::new("partner_id").big_integer().null())
        .col(ColumnDef::new("user_id").big_integer().null())
        .col(ColumnDef::new("region_id").big_integer().null())
        .col(ColumnDef::new("grade_id").big_integer().null())
        .col(ColumnDef::new("total").string_len(8).not_null())
        .col(ColumnDef::new("rank_in_type").integer().not_null())
        .col(ColumnDef::new("rank_in_region").integer().null())
        .col(ColumnDef::new("kpis").text().not_null())
        .foreign_key(&mut fk("evaluation_results", "run_id", "evaluation_runs"))
        .foreign_key(&mut fk("evaluation_results", "partner_id", "partners"))
        .foreign_key(&mut fk("evaluation_results", "user_id", "users"))
        .foreign_key(&mut fk("evaluation_results", "region_id", "regions"))
        .foreign_key(&mut fk("evaluation_results", "grade_id", "grades"))
        .to_owned();
    let proposals = Table::create()
        .table("grade_proposals")
        .col(id())
        .col(ColumnDef::new("run_id").big_integer().not_null())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("from_grade_id").big_integer().not_null())
        .col(ColumnDef::new("to_grade_id").big_integer().not_null())
        .col(ColumnDef::new("total").string_len(8).not_null())
        .col(ColumnDef::new("status").string_len(16).not_null())
        .col(ColumnDef::new("decided_by").string_len(64).null())
        .col(
            ColumnDef::new("decided_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .col(ColumnDef::new("reason").string_len(500).null())
        .col(instant("created_at"))
        .foreign_key(&mut fk("grade_proposals", "run_id", "evaluation_runs"))
        .foreign_key(&mut fk("grade_proposals", "partner_id", "partners"))
        .foreign_key(&mut fk("grade_proposals", "from_grade_id", "grades"))
        .foreign_key(&mut fk("grade_proposals", "to_grade_id", "grades"))
        .to_owned();
    vec![
        backend.build(&templates),
        backend.build(&kpis),
        backend.build(&kpi_key),
        backend.build(&inputs),
        backend.build(&input_key),
        index(backend, "scorecard_inputs", "partner_id"),
        backend.build(&runs),
        index(backend, "evaluation_runs", "template_id"),
        backend.build(&results),
        index(backend, "evaluation_results", "run_id"),
        index(backend, "evaluation_results", "partner_id"),
        backend.build(&proposals),
        index(backend, "grade_proposals", "run_id"),
        index(backend, "grade_proposals", "partner_id"),
    ]
}
