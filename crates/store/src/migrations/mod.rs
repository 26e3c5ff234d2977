//! Versioned schema migrations, embedded in the binary and run at start-up.
//!
//! Each version runs in one transaction together with its row in
//! `schema_migrations`, so a failed version leaves the schema as it was. A
//! database whose newest version is unknown to this binary is refused: an
//! older program must not write into a schema it does not understand.
//! Versions are frozen once released; change the schema by adding one.

use sea_orm::ExprTrait;
use sea_orm::sea_query::{ColumnDef, Expr, Index, Query, Table};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, TransactionTrait};

use crate::StoreError;

// One file per version, frozen once released.
mod v001_foundation;
mod v002_partner_status;
mod v003_regions;
mod v004_authorizations;
mod v005_agreements;
mod v006_grades_onboarding;
mod v007_partner_record;
mod v008_people;
mod v009_grade_benefits_en;
mod v010_partner_changes;
mod v011_catalog;
mod v012_finance_setup;
mod v013_sellthrough;
mod v014_pricing;
mod v015_trade_ledger;
mod v016_inventory;
mod v017_partner_path_index;
mod v018_sellthrough_upload_index;
mod v019_downstream;
mod v020_fact_references;
mod v021_alerts;
mod v022_targets;
mod v023_scorecards;
mod v024_awards;
mod v025_seasonal_profiles;
mod v026_outlets;
mod v027_sellthrough_months;
mod v028_owner_history;
mod v029_rep_target_moves;
mod v030_incentive_programs;
mod v031_incentive_runs;
mod v032_incentive_adjustments;
mod v033_incentive_accruals;
mod v034_incentive_balances;
mod v035_incentive_points;

struct Migration {
    version: i64,
    name: &'static str,
    statements: fn(DatabaseBackend) -> Vec<Statement>,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "accounts, partners, sessions, audit log",
        statements: v001_foundation::v1_foundation,
    },
    Migration {
        version: 2,
        name: "partner status and its history",
        statements: v002_partner_status::v2_partner_status,
    },
    Migration {
        version: 3,
        name: "regions",
        statements: v003_regions::v3_regions,
    },
    Migration {
        version: 4,
        name: "authorizations and selective limits",
        statements: v004_authorizations::v4_authorizations,
    },
    Migration {
        version: 5,
        name: "agreement versions",
        statements: v005_agreements::v5_agreements,
    },
    Migration {
        version: 6,
        name: "grades and onboarding",
        statements: v006_grades_onboarding::v6_grades_onboarding,
    },
    Migration {
        version: 7,
        name: "partner record: home region, address, credit limit, contacts",
        statements: v007_partner_record::v7_partner_record,
    },
    Migration {
        version: 8,
        name: "covered regions, login throttling per address, audit origin",
        statements: v008_people::v8_people,
    },
    Migration {
        version: 9,
        name: "grade benefits in English beside Chinese",
        statements: v009_grade_benefits_en::v9_grade_benefits_en,
    },
    Migration {
        version: 10,
        name: "partner change requests",
        statements: v010_partner_changes::v10_partner_changes,
    },
    Migration {
        version: 11,
        name: "product lines, products, channel rules, closed periods",
        statements: v011_catalog::v11_catalog,
    },
    Migration {
        version: 12,
        name: "company settings and exchange rates",
        statements: v012_finance_setup::v12_finance_setup,
    },
    Migration {
        version: 13,
        name: "sell-through lines, uploads, partner product codes, held rows",
        statements: v013_sellthrough::v13_sellthrough,
    },
    Migration {
        version: 14,
        name: "price lists, their items and quantity breaks",
        statements: v014_pricing::v14_pricing,
    },
    Migration {
        version: 15,
        name: "orders, shipments, returns, invoices, credit notes, payments, stock counts, sell-in facts",
        statements: v015_trade_ledger::v15_trade_ledger,
    },
    Migration {
        version: 16,
        name: "the import row of an imported sell-in line",
        statements: v016_inventory::v16_inventory,
    },
    Migration {
        version: 17,
        name: "no index on partners' tree paths (no query could use it)",
        statements: v017_partner_path_index::v17_partner_path_index,
    },
    Migration {
        version: 18,
        name: "no index on sell-through lines' upload (no query reads by it)",
        statements: v018_sellthrough_upload_index::v18_sellthrough_upload_index,
    },
    Migration {
        version: 19,
        name: "downstream price lists: a list's seller, our band on a distributor's prices",
        statements: v019_downstream::v19_downstream,
    },
    Migration {
        version: 20,
        name: "fact lines' references to master data checked once per statement (PostgreSQL)",
        statements: v020_fact_references::v20_fact_references,
    },
    Migration {
        version: 21,
        name: "alerts and the jobs table",
        statements: v021_alerts::v21_alerts,
    },
    Migration {
        version: 22,
        name: "targets and their amendments",
        statements: v022_targets::v22_targets,
    },
    Migration {
        version: 23,
        name: "scorecard templates, imported inputs, evaluation runs and results, grade proposals",
        statements: v023_scorecards::v23_scorecards,
    },
    Migration {
        version: 24,
        name: "awards, award runs and their winners",
        statements: v024_awards::v24_awards,
    },
    Migration {
        version: 25,
        name: "seasonal profiles",
        statements: v025_seasonal_profiles::v25_seasonal_profiles,
    },
    Migration {
        version: 26,
        name: "each region's planned retail outlets",
        statements: v026_outlets::v26_outlets,
    },
    Migration {
        version: 27,
        name: "sell-through lines by partner and month",
        statements: v027_sellthrough_months::v27_sellthrough_months,
    },
    Migration {
        version: 28,
        name: "each partner's owners over time",
        statements: v028_owner_history::v28_owner_history,
    },
    Migration {
        version: 29,
        name: "owner moves whose rep targets moved",
        statements: v029_rep_target_moves::v29_rep_target_moves,
    },
    Migration {
        version: 30,
        name: "incentive programs and their versions",
        statements: v030_incentive_programs::v30_incentive_programs,
    },
    Migration {
        version: 31,
        name: "incentive runs, their results and the incentive ledger",
        statements: v031_incentive_runs::v31_incentive_runs,
    },
    Migration {
        version: 32,
        name: "incentive penalties and manual adjustments",
        statements: v032_incentive_adjustments::v32_incentive_adjustments,
    },
    Migration {
        version: 33,
        name: "booked incentive accruals",
        statements: v033_incentive_accruals::v33_incentive_accruals,
    },
    Migration {
        version: 34,
        name: "incentive payout balances and orders' wallet requests",
        statements: v034_incentive_balances::v34_incentive_balances,
    },
    Migration {
        version: 35,
        name: "incentive points: results' points and the points ledger",
        statements: v035_incentive_points::v35_incentive_points,
    },
];

/// The schema version this binary writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The newest version applied to the database (0 for an empty one).
pub async fn current_version(db: &DatabaseConnection) -> Result<i64, StoreError> {
    ensure_ledger(db).await?;
    let row = db
        .query_one(
            Query::select()
                .expr_as(Expr::col("version").max(), "version")
                .from("schema_migrations"),
        )
        .await?;
    Ok(row
        .and_then(|r| r.try_get::<Option<i64>>("", "version").ok().flatten())
        .unwrap_or(0))
}

/// Applies every pending version; returns the versions applied.
pub async fn migrate(db: &DatabaseConnection) -> Result<Vec<i64>, StoreError> {
    let current = current_version(db).await?;
    check_not_newer(current)?;
    let backend = db.get_database_backend();
    let mut applied = Vec::new();
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        let tx = db.begin().await?;
        if backend == DatabaseBackend::Postgres {
            // Several nodes may start at once; one migrates, the others wait
            // and then find the version applied.
            tx.execute_unprepared("SELECT pg_advisory_xact_lock(727170)")
                .await?;
            let done = tx
                .query_one(
                    Query::select()
                        .expr(Expr::val(1))
                        .from("schema_migrations")
                        .and_where(Expr::col("version").eq(migration.version)),
                )
                .await?;
            if done.is_some() {
                tx.commit().await?;
                continue;
            }
        }
        for statement in (migration.statements)(backend) {
            tx.execute_raw(statement).await?;
        }
        tx.execute(
            Query::insert()
                .into_table("schema_migrations")
                .columns(["version", "name", "applied_at"])
                .values_panic([
                    migration.version.into(),
                    migration.name.into(),
                    crate::now().into(),
                ]),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied migration"
        );
        applied.push(migration.version);
    }
    Ok(applied)
}

/// Refuses to serve a database that is not exactly at this binary's version.
pub async fn check_current(db: &DatabaseConnection) -> Result<(), StoreError> {
    let current = current_version(db).await?;
    check_not_newer(current)?;
    if current < latest_version() {
        return Err(StoreError::OlderSchema {
            database: current,
            binary: latest_version(),
        });
    }
    Ok(())
}

fn check_not_newer(current: i64) -> Result<(), StoreError> {
    if current > latest_version() {
        return Err(StoreError::NewerSchema {
            database: current,
            binary: latest_version(),
        });
    }
    Ok(())
}

async fn ensure_ledger(db: &DatabaseConnection) -> Result<(), StoreError> {
    db.execute(
        Table::create()
            .table("schema_migrations")
            .if_not_exists()
            .col(
                ColumnDef::new("version")
                    .big_integer()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new("name").string().not_null())
            .col(
                ColumnDef::new("applied_at")
                    .timestamp_with_time_zone()
                    .not_null(),
            ),
    )
    .await?;
    Ok(())
}

pub(super) fn id() -> ColumnDef {
    ColumnDef::new("id")
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

pub(super) fn instant(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

/// The index `ix_<table>_<column>`, the one naming every version uses.
pub(super) fn index(
    backend: DatabaseBackend,
    table: &'static str,
    column: &'static str,
) -> Statement {
    backend.build(
        Index::create()
            .name(format!("ix_{table}_{column}"))
            .table(table)
            .col(column),
    )
}
