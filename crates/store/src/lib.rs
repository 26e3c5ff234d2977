//! Persistence for Qudao: one code path for SQLite and PostgreSQL through
//! SeaORM, versioned migrations, and a repository module per business area.
//!
//! Every query that returns business records takes a [`DataScope`] and
//! applies it in SQL, so a caller can never read past its scope by forgetting
//! a filter in `app`.

pub mod admin;
pub mod agreements;
pub mod alerts;
pub mod analytics;
pub mod audit;
pub mod awards;
pub mod bulk;
pub mod catalog;
mod connect;
pub mod coverage;
pub mod downstream;
mod error;
pub mod facts;
pub mod grades;
pub mod incentive_accruals;
pub mod incentive_adjustments;
pub mod incentive_balances;
pub mod incentive_points;
pub mod incentive_runs;
pub mod incentives;
pub mod inventory;
pub mod migrations;
mod nested;
pub mod onboarding;
pub mod orders;
pub mod outlets;
pub mod owner_moves;
pub mod paging;
pub mod partner_changes;
pub mod partners;
pub mod periods;
pub mod pricing;
pub mod rates;
pub mod receivables;
pub mod scope;
pub mod scorecards;
pub mod sellthrough;
pub mod sessions;
pub mod settings;
pub mod target_months;
pub mod targets;
pub mod territories;
pub mod throttle;
pub mod write;

pub use connect::{Backend, connect, describe_url, inspect_sqlite};
pub use error::StoreError;
pub use qudao_domain::scope::DataScope;
// No `TransactionTrait` here: `app` gets a transaction only as a
// [`write::WriteTx`], which begins the way every write must.
pub use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
pub use write::{Aggregate, WriteTx};

/// The `n`th bound parameter of a raw statement: `$n` on PostgreSQL, `?`
/// on SQLite.
pub(crate) fn param(backend: DatabaseBackend, n: usize) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// Now, truncated to whole microseconds so that what is written and what is
/// read back compare equal on both databases.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{SubsecRound, Utc};
    Utc::now().trunc_subsecs(6)
}
