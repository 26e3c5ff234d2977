//! Incentive runs, their results and the incentive ledger (see migration
//! 31 for the tables). The store speaks the domain's types: a stored
//! figure, trace or status that does not read back is an error.
//!
//! Results hang off partners (a rebate's subject) or reps: every read of
//! results or ledger entries takes a [`ResultReach`], the same reach
//! evaluation results use, so a partner reads its own rows only.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::bulk::{self, Cell};
use crate::error::read;
use crate::scorecards::{ResultReach, Scored, partner_in, unreadable};
use crate::write::WriteTx;
use crate::{StoreError, now};
use qudao_domain::incentives::ledger::{EntryKind, LedgerEntry};
use qudao_domain::incentives::program::PayoutForm;
use qudao_domain::incentives::run::RunStatus;
use qudao_domain::incentives::{Outcome, Step};
use qudao_domain::periods::Period;

pub mod run {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "incentive_runs")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub period: String,
        pub status: String,
        pub provisional: bool,
        pub subjects: i32,
        pub total: i64,
        pub currency: String,
        pub created_by: String,
        pub created_at: DateTimeUtc,
        pub calculated_at: DateTimeUtc,
        pub approved_by: Option<String>,
        pub approved_at: Option<DateTimeUtc>,
        pub paid_by: Option<String>,
        pub paid_at: Option<DateTimeUtc>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod run_program {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "incentive_run_programs")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub run_id: i64,
        pub program_id: i64,
        pub position: i32,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod result {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "incentive_results")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub run_id: i64,
        pub program_id: i64,
        pub subject_type: String,
        pub partner_id: Option<i64>,
        pub user_id: Option<i64>,
        pub base: i64,
        pub multiplied_base: String,
        pub target: Option<i64>,
        pub reference: Option<i64>,
        pub ratio: Option<String>,
        pub bracket: Option<i32>,
        pub rate: Option<String>,
        pub amount_before_cap: String,
        pub adjustments: i64,
        pub amount: i64,
        pub stacking: String,
        pub gave_way_to: Option<String>,
        pub payable: i64,
        pub trace: String,
        pub parts: String,
        /// Added by migration 35.
        pub points: Option<i64>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod entry {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "incentive_ledger")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub subject_type: String,
        pub partner_id: Option<i64>,
        pub user_id: Option<i64>,
        pub program_code: String,
        pub period: String,
        pub kind: String,
        pub amount: i64,
        pub run_id: i64,
        pub references_id: Option<i64>,
        pub form: Option<String>,
        pub created_by: String,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// What stacking decided for one result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stacking {
    Applied,
    /// It gave way to the program with this code.
    GaveWay(String),
    EarnedNothing,
}

impl Stacking {
    fn as_str(&self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::GaveWay(_) => "gave_way",
            Self::EarnedNothing => "earned_nothing",
        }
    }
}

const RUNS: &str = "incentive_runs";
const RESULTS: &str = "incentive_results";
const LEDGER: &str = "incentive_ledger";

fn decimal(
    table: &'static str,
    row: i64,
    column: &'static str,
    value: &str,
) -> Result<Decimal, StoreError> {
    read(table, row, column, value, str::parse::<Decimal>)
}

/// One run, with the program versions it computes in their stated order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub id: i64,
    pub period: Period,
    pub status: RunStatus,
    pub provisional: bool,
    pub subjects: i32,
    /// What the run pays, over every applied result (minor units).
    pub total: i64,
    pub currency: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub calculated_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub paid_by: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
    pub program_ids: Vec<i64>,
}

impl run::Model {
    fn row(self, program_ids: Vec<i64>) -> Result<RunRow, StoreError> {
        Ok(RunRow {
            period: read(RUNS, self.id, "period", &self.period, |v| {
                Period::parse("period", v)
            })?,
            status: read(RUNS, self.id, "status", &self.status, RunStatus::parse)?,
            id: self.id,
            provisional: self.provisional,
            subjects: self.subjects,
            total: self.total,
            currency: self.currency,
            created_by: self.created_by,
            created_at: self.created_at,
            calculated_at: self.calculated_at,
            approved_by: self.approved_by,
            approved_at: self.approved_at,
            paid_by: self.paid_by,
            paid_at: self.paid_at,
            program_ids,
        })
    }
}

/// One subject × program result as a run stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResult<'a> {
    pub program_id: i64,
    pub subject: Scored,
    pub outcome: &'a Outcome,
    pub stacking: Stacking,
    /// The outcome's trace as JSON.
    pub trace: String,
    /// The aggregates the base was summed from, as JSON (the app's shape).
    pub parts: String,
    /// The points it earns; none for a program without points.
    pub points: Option<i64>,
}

impl NewResult<'_> {
    pub fn payable(&self) -> i64 {
        match self.stacking {
            Stacking::Applied => self.outcome.amount,
            _ => 0,
        }
    }
}

/// One stored result, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRow {
    pub id: i64,
    pub run_id: i64,
    pub program_id: i64,
    pub subject: Scored,
    pub base: i64,
    pub multiplied_base: Decimal,
    pub target: Option<i64>,
    pub reference: Option<i64>,
    pub ratio: Option<Decimal>,
    pub bracket: Option<u32>,
    pub rate: Option<Decimal>,
    pub amount_before_cap: Decimal,
    pub adjustments: i64,
    pub amount: i64,
    pub stacking: Stacking,
    pub payable: i64,
    pub trace: Vec<Step>,
    pub parts: String,
    pub points: Option<i64>,
}

impl result::Model {
    fn row(self) -> Result<ResultRow, StoreError> {
        let id = self.id;
        let optional = |column, value: &Option<String>| {
            value
                .as_deref()
                .map(|v| decimal(RESULTS, id, column, v))
                .transpose()
        };
        let stacking = match (self.stacking.as_str(), self.gave_way_to) {
            ("applied", None) => Stacking::Applied,
            ("earned_nothing", None) => Stacking::EarnedNothing,
            ("gave_way", Some(to)) => Stacking::GaveWay(to),
            (other, _) => return Err(unreadable(RESULTS, id, "stacking", other)),
        };
        Ok(ResultRow {
            subject: Scored::of(
                RESULTS,
                id,
                &self.subject_type,
                self.partner_id,
                self.user_id,
            )?,
            multiplied_base: decimal(RESULTS, id, "multiplied_base", &self.multiplied_base)?,
            ratio: optional("ratio", &self.ratio)?,
            rate: optional("rate", &self.rate)?,
            amount_before_cap: decimal(RESULTS, id, "amount_before_cap", &self.amount_before_cap)?,
            bracket: self
                .bracket
                .map(|b| {
                    u32::try_from(b).map_err(|_| unreadable(RESULTS, id, "bracket", &b.to_string()))
                })
                .transpose()?,
            trace: serde_json::from_str(&self.trace)
                .map_err(|_| unreadable(RESULTS, id, "trace", &self.trace))?,
            id,
            run_id: self.run_id,
            program_id: self.program_id,
            base: self.base,
            target: self.target,
            reference: self.reference,
            adjustments: self.adjustments,
            amount: self.amount,
            stacking,
            payable: self.payable,
            parts: self.parts,
            points: self.points,
        })
    }
}

async fn program_ids(
    db: &impl ConnectionTrait,
    run_ids: &[i64],
) -> Result<HashMap<i64, Vec<i64>>, StoreError> {
    let mut by_run: HashMap<i64, Vec<i64>> = HashMap::new();
    if run_ids.is_empty() {
        return Ok(by_run);
    }
    for link in run_program::Entity::find()
        .filter(run_program::Column::RunId.is_in(run_ids.iter().copied()))
        .order_by_asc(run_program::Column::Position)
        .all(db)
        .await?
    {
        by_run.entry(link.run_id).or_default().push(link.program_id);
    }
    Ok(by_run)
}

async fn with_programs(
    db: &impl ConnectionTrait,
    models: Vec<run::Model>,
) -> Result<Vec<RunRow>, StoreError> {
    let ids: Vec<i64> = models.iter().map(|m| m.id).collect();
    let mut programs = program_ids(db, &ids).await?;
    models
        .into_iter()
        .map(|m| {
            let ids = programs.remove(&m.id).unwrap_or_default();
            m.row(ids)
        })
        .collect()
}

/// Runs, newest first; of one period when given.
pub async fn runs(
    db: &impl ConnectionTrait,
    period: Option<Period>,
    limit: u64,
) -> Result<Vec<RunRow>, StoreError> {
    let mut find = run::Entity::find();
    if let Some(period) = period {
        find = find.filter(run::Column::Period.eq(period.to_string()));
    }
    let models = find
        .order_by_desc(run::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    with_programs(db, models).await
}

pub async fn run_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<RunRow>, StoreError> {
    let Some(model) = run::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    Ok(with_programs(db, vec![model]).await?.into_iter().next())
}

/// A run, locked until the transaction ends (its status is about to move).
pub async fn run_for_write(tx: &WriteTx, id: i64) -> Result<Option<RunRow>, StoreError> {
    let Some(model) = run::Entity::find_by_id(id).lock_exclusive().one(tx).await? else {
        return Ok(None);
    };
    Ok(with_programs(tx, vec![model]).await?.into_iter().next())
}

/// A new run's head.
#[derive(Debug, Clone, Copy)]
pub struct NewRun<'a> {
    pub period: Period,
    pub provisional: bool,
    pub currency: &'a str,
    pub program_ids: &'a [i64],
}

/// Writes a calculated run and its results.
pub async fn insert_run(
    tx: &WriteTx,
    new: NewRun<'_>,
    results: &[NewResult<'_>],
    by: &str,
) -> Result<i64, StoreError> {
    let at = now();
    let run = run::ActiveModel {
        period: Set(new.period.to_string()),
        status: Set(RunStatus::Calculated.as_str().to_owned()),
        provisional: Set(new.provisional),
        subjects: Set(0),
        total: Set(0),
        currency: Set(new.currency.to_owned()),
        created_by: Set(by.to_owned()),
        created_at: Set(at),
        calculated_at: Set(at),
        approved_by: Set(None),
        approved_at: Set(None),
        paid_by: Set(None),
        paid_at: Set(None),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    for (position, program_id) in new.program_ids.iter().enumerate() {
        run_program::ActiveModel {
            run_id: Set(run.id),
            program_id: Set(*program_id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            ..Default::default()
        }
        .insert(tx)
        .await?;
    }
    replace_results(tx, run.id, results).await?;
    Ok(run.id)
}

/// Puts a new computation's results in place of a calculated run's, and
/// its totals on the run.
pub async fn replace_results(
    tx: &WriteTx,
    run_id: i64,
    results: &[NewResult<'_>],
) -> Result<(), StoreError> {
    result::Entity::delete_many()
        .filter(result::Column::RunId.eq(run_id))
        .exec(tx)
        .await?;
    let ids = bulk::allocate_ids(tx, RESULTS, results.len()).await?;
    let mut subjects: Vec<Scored> = results.iter().map(|r| r.subject).collect();
    subjects.sort_unstable_by_key(|s| s.ids());
    subjects.dedup();
    let total: i64 = results.iter().map(NewResult::payable).sum();
    let rows = results
        .iter()
        .zip(ids)
        .map(|(r, id)| {
            let (partner_id, user_id) = r.subject.ids();
            let o = r.outcome;
            vec![
                Cell::from(id),
                Cell::from(run_id),
                Cell::from(r.program_id),
                Cell::from(r.subject.subject().as_str()),
                Cell::Int(partner_id),
                Cell::Int(user_id),
                Cell::from(o.base),
                Cell::from(o.multiplied_base.to_string()),
                Cell::Int(o.target),
                Cell::Int(o.reference),
                Cell::Text(o.ratio.map(|r| r.to_string())),
                Cell::Int(o.bracket.map(|b| b as i64)),
                Cell::Text(o.rate.map(|r| r.to_string())),
                Cell::from(o.amount_before_cap.to_string()),
                Cell::from(o.adjustments),
                Cell::from(o.amount),
                Cell::from(r.stacking.as_str()),
                Cell::Text(match &r.stacking {
                    Stacking::GaveWay(to) => Some(to.clone()),
                    _ => None,
                }),
                Cell::from(r.payable()),
                Cell::from(r.trace.clone()),
                Cell::from(r.parts.clone()),
                Cell::Int(r.points),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        RESULTS,
        &[
            "id",
            "run_id",
            "program_id",
            "subject_type",
            "partner_id",
            "user_id",
            "base",
            "multiplied_base",
            "target",
            "reference",
            "ratio",
            "bracket",
            "rate",
            "amount_before_cap",
            "adjustments",
            "amount",
            "stacking",
            "gave_way_to",
            "payable",
            "trace",
            "parts",
            "points",
        ],
        rows,
    )
    .await?;
    run::Entity::update_many()
        .col_expr(
            run::Column::Subjects,
            Expr::val(i32::try_from(subjects.len()).unwrap_or(i32::MAX)),
        )
        .col_expr(run::Column::Total, Expr::val(total))
        .col_expr(run::Column::CalculatedAt, Expr::val(now()))
        .filter(run::Column::Id.eq(run_id))
        .exec(tx)
        .await?;
    Ok(())
}

/// Moves a run to `status`, recording who did it.
pub async fn set_status(
    tx: &WriteTx,
    run_id: i64,
    status: RunStatus,
    by: &str,
) -> Result<(), StoreError> {
    let at = now();
    let mut update = run::Entity::update_many()
        .col_expr(run::Column::Status, Expr::val(status.as_str()))
        .filter(run::Column::Id.eq(run_id));
    update = match status {
        RunStatus::Approved => update
            .col_expr(run::Column::ApprovedBy, Expr::val(by))
            .col_expr(run::Column::ApprovedAt, Expr::val(at)),
        RunStatus::Paid => update
            .col_expr(run::Column::PaidBy, Expr::val(by))
            .col_expr(run::Column::PaidAt, Expr::val(at)),
        RunStatus::Calculated => update,
    };
    update.exec(tx).await?;
    Ok(())
}

fn result_reach(reach: ResultReach) -> Condition {
    let owned = partner_in(result::Column::PartnerId, reach.scope);
    match reach.reps {
        None => owned,
        Some(only) => {
            let mut reps = Condition::all().add(result::Column::UserId.is_not_null());
            if let Some(user) = only {
                reps = reps.add(result::Column::UserId.eq(user));
            }
            Condition::any().add(owned).add(reps)
        }
    }
}

/// The results of a run the caller reaches, largest payable first.
pub async fn results(
    db: &impl ConnectionTrait,
    reach: ResultReach,
    run_id: i64,
) -> Result<Vec<ResultRow>, StoreError> {
    result::Entity::find()
        .filter(result::Column::RunId.eq(run_id))
        .filter(result_reach(reach))
        .order_by_desc(result::Column::Payable)
        .order_by_asc(result::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(result::Model::row)
        .collect()
}

/// One subject's results in a run (one per program), if the caller
/// reaches them.
pub async fn results_of(
    db: &impl ConnectionTrait,
    reach: ResultReach,
    run_id: i64,
    subject: Scored,
) -> Result<Vec<ResultRow>, StoreError> {
    let (partner_id, user_id) = subject.ids();
    let column = match subject {
        Scored::Partner(_) => result::Column::PartnerId.eq(partner_id),
        Scored::Rep(_) => result::Column::UserId.eq(user_id),
    };
    result::Entity::find()
        .filter(result::Column::RunId.eq(run_id))
        .filter(column)
        .filter(result_reach(reach))
        .order_by_asc(result::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(result::Model::row)
        .collect()
}

/// A subject's results in every approved or paid run, newest run first:
/// what a partner's statement is made of.
pub async fn statement_results(
    db: &impl ConnectionTrait,
    reach: ResultReach,
    subject: Scored,
) -> Result<Vec<(RunRow, ResultRow)>, StoreError> {
    let (partner_id, user_id) = subject.ids();
    let column = match subject {
        Scored::Partner(_) => result::Column::PartnerId.eq(partner_id),
        Scored::Rep(_) => result::Column::UserId.eq(user_id),
    };
    let rows: Vec<ResultRow> = result::Entity::find()
        .filter(column)
        .filter(result_reach(reach))
        .order_by_desc(result::Column::RunId)
        .order_by_asc(result::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(result::Model::row)
        .collect::<Result<_, _>>()?;
    let mut run_ids: Vec<i64> = rows.iter().map(|r| r.run_id).collect();
    run_ids.dedup();
    let runs: HashMap<i64, RunRow> = with_programs(
        db,
        run::Entity::find()
            .filter(run::Column::Id.is_in(run_ids))
            .filter(run::Column::Status.ne(RunStatus::Calculated.as_str()))
            .all(db)
            .await?,
    )
    .await?
    .into_iter()
    .map(|r| (r.id, r))
    .collect();
    Ok(rows
        .into_iter()
        .filter_map(|row| runs.get(&row.run_id).map(|run| (run.clone(), row)))
        .collect())
}

/// A ledger entry with its key, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub subject: Scored,
    pub program_code: String,
    pub period: Period,
    pub entry: LedgerEntry,
    pub run_id: i64,
    pub form: Option<PayoutForm>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl entry::Model {
    fn row(self) -> Result<EntryRow, StoreError> {
        let id = self.id;
        let kind = match self.kind.as_str() {
            "earned" => EntryKind::Earned,
            "settled" => EntryKind::Settled,
            other => return Err(unreadable(LEDGER, id, "kind", other)),
        };
        Ok(EntryRow {
            subject: Scored::of(
                LEDGER,
                id,
                &self.subject_type,
                self.partner_id,
                self.user_id,
            )?,
            period: read(LEDGER, id, "period", &self.period, |v| {
                Period::parse("period", v)
            })?,
            form: self
                .form
                .as_deref()
                .map(|f| read(LEDGER, id, "form", f, PayoutForm::parse))
                .transpose()?,
            entry: LedgerEntry {
                id,
                kind,
                amount: self.amount,
                references: self.references_id,
            },
            program_code: self.program_code,
            run_id: self.run_id,
            created_by: self.created_by,
            created_at: self.created_at,
        })
    }
}

/// Every ledger entry of the programs and period a run touches, oldest
/// first, read inside the transaction that appends to them.
pub async fn entries_of(
    tx: &WriteTx,
    program_codes: &[&str],
    period: Period,
) -> Result<Vec<EntryRow>, StoreError> {
    if program_codes.is_empty() {
        return Ok(Vec::new());
    }
    entry::Entity::find()
        .filter(entry::Column::ProgramCode.is_in(program_codes.iter().copied()))
        .filter(entry::Column::Period.eq(period.to_string()))
        .order_by_asc(entry::Column::Id)
        .all(tx)
        .await?
        .into_iter()
        .map(entry::Model::row)
        .collect()
}

/// The ledger entries of a subject the caller reaches, oldest first.
pub async fn entries_of_subject(
    db: &impl ConnectionTrait,
    reach: ResultReach,
    subject: Scored,
) -> Result<Vec<EntryRow>, StoreError> {
    let (partner_id, user_id) = subject.ids();
    let column = match subject {
        Scored::Partner(_) => entry::Column::PartnerId.eq(partner_id),
        Scored::Rep(_) => entry::Column::UserId.eq(user_id),
    };
    let owned = partner_in(entry::Column::PartnerId, reach.scope);
    let reach = match reach.reps {
        None => owned,
        Some(only) => {
            let mut reps = Condition::all().add(entry::Column::UserId.is_not_null());
            if let Some(user) = only {
                reps = reps.add(entry::Column::UserId.eq(user));
            }
            Condition::any().add(owned).add(reps)
        }
    };
    entry::Entity::find()
        .filter(column)
        .filter(reach)
        .order_by_asc(entry::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(entry::Model::row)
        .collect()
}

/// An entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub subject: Scored,
    pub program_code: String,
    pub period: Period,
    pub kind: EntryKind,
    pub amount: i64,
    pub references: Option<i64>,
    pub form: Option<PayoutForm>,
}

/// Appends ledger entries for a run; their ids, in the entries' order
/// (a payout's balance movements reference their settlement).
pub async fn append(
    tx: &WriteTx,
    run_id: i64,
    entries: &[NewEntry],
    by: &str,
) -> Result<Vec<i64>, StoreError> {
    let at = now();
    let ids = bulk::allocate_ids(tx, LEDGER, entries.len()).await?;
    let rows = entries
        .iter()
        .zip(ids.iter().copied())
        .map(|(e, id)| {
            let (partner_id, user_id) = e.subject.ids();
            vec![
                Cell::from(id),
                Cell::from(e.subject.subject().as_str()),
                Cell::Int(partner_id),
                Cell::Int(user_id),
                Cell::from(e.program_code.as_str()),
                Cell::from(e.period.to_string()),
                Cell::from(match e.kind {
                    EntryKind::Earned => "earned",
                    EntryKind::Settled => "settled",
                }),
                Cell::from(e.amount),
                Cell::from(run_id),
                Cell::Int(e.references),
                Cell::Text(e.form.map(|f| f.as_str().to_owned())),
                Cell::from(by),
                Cell::Instant(at),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        LEDGER,
        &[
            "id",
            "subject_type",
            "partner_id",
            "user_id",
            "program_code",
            "period",
            "kind",
            "amount",
            "run_id",
            "references_id",
            "form",
            "created_by",
            "created_at",
        ],
        rows,
    )
    .await?;
    Ok(ids)
}
