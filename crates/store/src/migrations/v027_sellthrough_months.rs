use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Index, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::instant;

/// Each partner's sell-through by month of sale: how many lines and when
/// the first of them was written. Reporting discipline asks this of every
/// partner at once, and from the lines themselves that meant reading a
/// quarter's millions of rows; lines are append-only, so the summary is
/// kept in step by the one writer of lines, in its transaction.
pub(super) fn v27_sellthrough_months(backend: DatabaseBackend) -> Vec<Statement> {
    let months = Table::create()
        .table("sellthrough_months")
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        // `YYYY-MM`, the month the sales were made in.
        .col(ColumnDef::new("month").string_len(7).not_null())
        .col(ColumnDef::new("lines").big_integer().not_null())
        .col(instant("first_at"))
        .primary_key(Index::create().col("partner_id").col("month"))
        .foreign_key(
            ForeignKey::create()
                .from("sellthrough_months", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let by_month = Index::create()
        .name("ix_sellthrough_months_month")
        .table("sellthrough_months")
        .col("month")
        .to_owned();
    let month_of = match backend {
        DatabaseBackend::Postgres => "to_char(date, 'YYYY-MM')",
        _ => "substr(date, 1, 7)",
    };
    let backfill = format!(
        "INSERT INTO sellthrough_months (partner_id, month, lines, first_at) \
         SELECT partner_id, {month_of}, COUNT(*), MIN(created_at) FROM sellthrough_lines \
         GROUP BY partner_id, {month_of}"
    );
    vec![
        backend.build(&months),
        backend.build(&by_month),
        Statement::from_string(backend, backfill),
    ]
}
