use sea_orm::sea_query::{
    ColumnDef, ForeignKey, ForeignKeyAction, ForeignKeyCreateStatement, Index, Table,
};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

/// Named awards over evaluation runs, each run of an award, and its
/// winners with the numbers behind the choice.
///
/// - An award's rule is its columns: `measure` (`total` or a KPI code),
///   `per_group` (`type`, `region` or `none`), `new_only`, `min_total`
///   (exact score text, null for none) and `places`; they are read back
///   through `AwardRule::new`, so a stored rule this program would refuse
///   is an error, not a default. `public`: every partner may see who won.
/// - One run per award and evaluation run (the unique index): the same
///   results give the same winners, so a second run would only repeat it.
/// - A winner is a partner (`partner_id`, the column the scope restricts
///   by) or a rep (`user_id`); `grouping` is the group won in (a partner
///   type or a region id as text), null for an overall award; `numbers` is
///   the JSON of what was compared (measure, value, total).
fn fk(from: &'static str, column: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, column)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

pub(super) fn v24_awards(backend: DatabaseBackend) -> Vec<Statement> {
    let awards = Table::create()
        .table("awards")
        .col(id())
        .col(
            ColumnDef::new("code")
                .string_len(32)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("name").string_len(200).not_null())
        .col(ColumnDef::new("name_en").string_len(200).null())
        .col(ColumnDef::new("measure").string_len(40).not_null())
        .col(ColumnDef::new("per_group").string_len(16).not_null())
        .col(ColumnDef::new("new_only").boolean().not_null())
        .col(ColumnDef::new("min_total").string_len(8).null())
        .col(ColumnDef::new("places").integer().not_null())
        .col(ColumnDef::new("public").boolean().not_null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .to_owned();
    let runs = Table::create()
        .table("award_runs")
        .col(id())
        .col(ColumnDef::new("award_id").big_integer().not_null())
        .col(ColumnDef::new("evaluation_run_id").big_integer().not_null())
        .col(ColumnDef::new("winners").integer().not_null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .foreign_key(&mut fk("award_runs", "award_id", "awards"))
        .foreign_key(&mut fk(
            "award_runs",
            "evaluation_run_id",
            "evaluation_runs",
        ))
        .to_owned();
    let run_key = Index::create()
        .name("ux_award_runs_key")
        .table("award_runs")
        .col("award_id")
        .col("evaluation_run_id")
        .unique()
        .to_owned();
    let winners = Table::create()
        .table("award_winners")
        .col(id())
        .col(ColumnDef::new("award_run_id").big_integer().not_null())
        .col(ColumnDef::new("subject_type").string_len(16).not_null())
        .col(ColumnDef::new("partner_id").big_integer().null())
        .col(ColumnDef::new("user_id").big_integer().null())
        .col(ColumnDef::new("grouping").string_len(48).null())
        .col(ColumnDef::new("place").integer().not_null())
        .col(ColumnDef::new("numbers").text().not_null())
        .foreign_key(&mut fk("award_winners", "award_run_id", "award_runs"))
        .foreign_key(&mut fk("award_winners", "partner_id", "partners"))
        .foreign_key(&mut fk("award_winners", "user_id", "users"))
        .to_owned();
    vec![
        backend.build(&awards),
        backend.build(&runs),
        backend.build(&run_key),
        index(backend, "award_runs", "evaluation_run_id"),
        backend.build(&winners),
        index(backend, "award_winners", "award_run_id"),
        index(backend, "award_winners", "partner_id"),
    ]
}
