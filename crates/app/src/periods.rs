//! Period close: finance closes a month once its books are done; a closed
//! month accepts no new or changed fact dated inside it until finance
//! reopens it, with a reason. Every close and reopen is kept as an event.
//!
//! The guard every fact writer calls is [`Qudao::open_periods`], inside its
//! write transaction: it takes the periods lock shared (PostgreSQL) and reads
//! the closed months, and its [`OpenPeriods::check`] refuses a date in one.
//! Close and reopen take the same lock exclusively, so a close cannot commit
//! between a writer's check and its commit. On SQLite `BEGIN IMMEDIATE`
//! already serialises every writer.

use chrono::{DateTime, Utc};
use qudao_domain::periods::{self as rules, Month, OpenPeriods};
use qudao_domain::{Invalid, Problem};
use qudao_store::periods as repo;
use qudao_store::{Aggregate, WriteTx};
use serde::{Deserialize, Serialize};

use crate::{AppError, Caller, Permission, Qudao};

/// How many months back the overview lists, besides the current one.
const OVERVIEW_MONTHS: usize = 24;
/// How many events the overview shows.
const EVENTS_SHOWN: u64 = 50;
/// The longest reason a reopen keeps.
const REASON_MAX: usize = 500;

/// One month of the overview, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthState {
    #[schema(value_type = String, example = "2026-07")]
    pub month: Month,
    pub closed: bool,
    pub closed_by: Option<String>,
    /// The closer's display name, where the login is a user's.
    pub closed_by_name: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Whether it may be closed now (ended, and next in order).
    pub can_close: bool,
    /// Whether it may be reopened (the latest closed month).
    pub can_reopen: bool,
}

/// A close or reopen.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodEvent {
    pub month: String,
    /// `close` or `reopen`.
    pub action: String,
    pub reason: String,
    pub actor: String,
    pub actor_name: Option<String>,
    pub at: DateTime<Utc>,
}

/// The months of the last two years and the current one, and the latest
/// events.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodsOverview {
    pub months: Vec<MonthState>,
    pub events: Vec<PeriodEvent>,
}

/// Why a month is reopened.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReopenInput {
    pub reason: String,
}

/// [`Qudao::open_periods`], for fact writers that run without the handle
/// (an import's indexes).
pub(crate) async fn open_periods(tx: &WriteTx) -> Result<OpenPeriods, AppError> {
    tx.lock_shared(Aggregate::Periods).await?;
    Ok(OpenPeriods::new(repo::closed_months(tx).await?))
}

impl Qudao {
    /// The closed months for a fact writer, read under the periods lock
    /// (shared) inside its transaction: call it after the writer's own
    /// locks and before its checks, and check each fact's date with
    /// [`OpenPeriods::check`].
    pub(crate) async fn open_periods(&self, tx: &WriteTx) -> Result<OpenPeriods, AppError> {
        open_periods(tx).await
    }

    /// The months of the last two years and the current one, newest first,
    /// with their state and the latest closes and reopens.
    pub async fn periods_overview(&self, caller: &Caller) -> Result<PeriodsOverview, AppError> {
        caller.require(Permission::ManageFinance)?;
        let today = crate::today();
        let closed = repo::closed_rows(self.db()).await?;
        let set = closed.iter().map(|(m, _)| *m).collect();
        let rows = repo::events(self.db(), EVENTS_SHOWN).await?;
        let mut logins: Vec<String> = rows.iter().map(|e| e.actor.clone()).collect();
        logins.extend(closed.iter().map(|(_, row)| row.closed_by.clone()));
        let names = crate::visibility::user_names(self.db(), logins).await?;
        let months = std::iter::successors(Some(Month::of(today)), |m| Some(m.previous()))
            .take(OVERVIEW_MONTHS + 1)
            .map(|month| {
                let row = closed.iter().find(|(m, _)| *m == month).map(|(_, r)| r);
                MonthState {
                    month,
                    closed: row.is_some(),
                    closed_by: row.map(|r| r.closed_by.clone()),
                    closed_by_name: row.and_then(|r| names.get(&r.closed_by).cloned()),
                    closed_at: row.map(|r| r.closed_at),
                    can_close: rules::check_close(month, today, &set).is_ok(),
                    can_reopen: rules::check_reopen(month, &set).is_ok(),
                }
            })
            .collect();
        let events = rows
            .into_iter()
            .map(|e| PeriodEvent {
                actor_name: names.get(&e.actor).cloned(),
                month: e.month,
                action: e.action,
                reason: e.reason,
                actor: e.actor,
                at: e.at,
            })
            .collect();
        Ok(PeriodsOverview { months, events })
    }

    /// Closes a month: it must have ended, and be the month after the
    /// latest closed one (see `qudao_domain::periods::check_close`).
    pub async fn close_period(&self, caller: &Caller, month: &str) -> Result<Month, AppError> {
        caller.require(Permission::ManageFinance)?;
        let month = Month::parse("month", month)?;
        let tx = self.write().await?;
        tx.lock(Aggregate::Periods).await?;
        let closed = repo::closed_months(&tx).await?;
        rules::check_close(month, crate::today(), &closed)?;
        // Taken after the lock: every guarded write that committed before
        // this close is older than it.
        let at = qudao_store::now();
        repo::close(&tx, month, &caller.login, at).await?;
        let after = State {
            month,
            closed: true,
            reason: None,
        };
        self.audit(
            &tx,
            caller,
            "period",
            &month.to_string(),
            "close",
            None,
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(month)
    }

    /// Reopens the latest closed month, with a required reason.
    pub async fn reopen_period(
        &self,
        caller: &Caller,
        month: &str,
        input: &ReopenInput,
    ) -> Result<Month, AppError> {
        caller.require(Permission::ManageFinance)?;
        let month = Month::parse("month", month);
        let reason = parse_reason(&input.reason);
        let (month, reason) = match (month, reason) {
            (Ok(m), Ok(r)) => (m, r),
            (m, r) => {
                return Err(AppError::Invalid(
                    [m.err(), r.err()].into_iter().flatten().collect(),
                ));
            }
        };
        let tx = self.write().await?;
        tx.lock(Aggregate::Periods).await?;
        let closed = repo::closed_months(&tx).await?;
        rules::check_reopen(month, &closed)?;
        repo::reopen(&tx, month, reason, &caller.login, qudao_store::now()).await?;
        self.audit(
            &tx,
            caller,
            "period",
            &month.to_string(),
            "reopen",
            Some(&State {
                month,
                closed: true,
                reason: None,
            }),
            Some(&State {
                month,
                closed: false,
                reason: Some(reason),
            }),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(month)
    }
}

fn parse_reason(reason: &str) -> Result<&str, Invalid> {
    let reason = reason.trim();
    if reason.is_empty() {
        Err(Invalid::new("reason", Problem::Required))
    } else if reason.chars().count() > REASON_MAX {
        Err(Invalid::new("reason", Problem::TooLong { max: REASON_MAX }))
    } else {
        Ok(reason)
    }
}

/// A month's state, as an audit record's before and after.
#[derive(Serialize)]
struct State<'a> {
    month: Month,
    closed: bool,
    reason: Option<&'a str>,
}
