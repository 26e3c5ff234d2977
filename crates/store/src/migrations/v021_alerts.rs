use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Index, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

/// Alerts and the jobs table that runs the daily look for them.
///
/// - `alerts.cause` is unique: the same cause (`kind:partner:subject`, see
///   `domain::alerts`) is stored once, so a job that runs again on the same
///   facts raises nothing new. `numbers` holds the figures as JSON text
///   (`[["days","75"],…]`), each exact as `AlertNumber` prints it.
/// - `jobs` has one row per job and day (`UNIQUE(name, run_on)`); the node
///   that sets `claimed_by` runs it, so several servers never run a day's
///   job twice.
pub(super) fn v21_alerts(backend: DatabaseBackend) -> Vec<Statement> {
    let alerts = Table::create()
        .table("alerts")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("kind").string_len(32).not_null())
        .col(
            ColumnDef::new("cause")
                .string_len(200)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("numbers").text().not_null())
        .col(ColumnDef::new("raised_on").date().not_null())
        .col(instant("raised_at"))
        .col(
            ColumnDef::new("acknowledged_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .col(ColumnDef::new("acknowledged_by").string_len(64).null())
        .col(ColumnDef::new("acknowledged_note").string_len(500).null())
        .foreign_key(
            ForeignKey::create()
                .from("alerts", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let jobs = Table::create()
        .table("jobs")
        .col(id())
        .col(ColumnDef::new("name").string_len(32).not_null())
        .col(ColumnDef::new("run_on").date().not_null())
        .col(ColumnDef::new("claimed_by").string_len(128).null())
        .col(
            ColumnDef::new("claimed_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .col(
            ColumnDef::new("finished_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .to_owned();
    let job_key = Index::create()
        .name("ux_jobs_name_run_on")
        .table("jobs")
        .col("name")
        .col("run_on")
        .unique()
        .to_owned();
    vec![
        backend.build(&alerts),
        index(backend, "alerts", "partner_id"),
        index(backend, "alerts", "raised_on"),
        backend.build(&jobs),
        backend.build(&job_key),
    ]
}
