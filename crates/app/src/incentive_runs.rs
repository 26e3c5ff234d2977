//! Incentive runs (激励核算): a period's computation of a set of program
//! versions over the fact engine, stored with every figure and trace,
//! approved by finance, and paid through the incentive ledger.
//!
//! - **Computing.** Each program's subjects are the partners (or, for a
//!   commission, the reps) its scope reaches; the base is one engine
//!   question per program for all of them, restricted to the program's
//!   lines, categories and skus, with the parts a multiplier counts more
//!   asked apart. Targets are the top-down ones in force for the period
//!   and the base's measure (of the one product line, when the base is one
//!   line). Every subject × program is calculated by
//!   `domain::incentives::calculate`, then stacking decides per subject
//!   which programs pay.
//! - **Lifecycle.** A run is written `calculated` (marked provisional when
//!   the period has not ended); a dry run is computed and shown, never
//!   written. A calculated run may be computed again: the difference per
//!   subject is shown first, and accepted or not. Finance approves a
//!   non-provisional run: what each result adds to what was earned so far
//!   goes into the ledger. Finance then pays it: every key of the run's
//!   programs and period is settled at earned-to-date − settled-to-date, so
//!   a later run of a period already paid (a late return, a bracket
//!   reached late) pays or claws back only the difference, referencing the
//!   first settlement.
//! - **Who.** Admins and channel managers run (`ManageIncentives`); only
//!   finance approves and pays (`ApproveIncentives`); staff read results
//!   within their data scope; a partner reads its own statement.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use qudao_domain::error::{Invalid, Problem};
use qudao_domain::incentives::ledger::{self, EntryKind, LedgerEntry};
use qudao_domain::incentives::run::{Difference, RunStatus, differences};
use qudao_domain::incentives::{Program, Step};
use qudao_domain::money::{Currency, Money};
use qudao_domain::periods::Period;
use qudao_store::Aggregate;
use qudao_store::incentive_runs::{
    self as repo, EntryRow, NewEntry, NewResult, NewRun, ResultRow, RunRow, Stacking,
};
use qudao_store::incentives::ProgramRow;
use qudao_store::scorecards::{ResultReach, Scored};

use crate::incentive_compute::{Computation, Computed, Earner, results_total};
use crate::scope::Area;
use crate::{AppError, Caller, Permission, Qudao};

/// What to compute: a period and the programs (every program in force for
/// the period when none is named).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct RunRequest {
    /// `2026-Q3`, `2026-07` or `2026` (fiscal).
    pub period: String,
    /// Program codes; the version in force for the period is used.
    #[serde(default)]
    pub programs: Vec<String>,
    /// Compute and show, write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// A program version a run computes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RunProgramView {
    pub code: String,
    pub version: u32,
    pub name: String,
    /// `rebate`, `commission` or `promotion`.
    pub kind: String,
    /// `sell_in_net`, `sell_through`, `quantity` or `collected`.
    pub measure: String,
    /// What the program's results pay, over the applied ones.
    pub total: i64,
}

/// A run's head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = IncentiveRunView)]
pub struct RunView {
    /// `None` for a dry run (nothing was written).
    pub id: Option<i64>,
    pub period: String,
    /// `calculated`, `approved` or `paid`; `dry_run` for a dry run.
    pub status: String,
    /// The period had not ended when the run was computed: it cannot be
    /// approved.
    pub provisional: bool,
    pub subjects: i32,
    /// What the run pays, minor units of `currency`.
    pub total: i64,
    pub total_shown: String,
    pub currency: String,
    pub programs: Vec<RunProgramView>,
    pub created_by: String,
    /// The display name of `created_by` (its login when the user is gone).
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub calculated_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub paid_by: Option<String>,
    pub paid_by_name: Option<String>,
    pub paid_at: Option<DateTime<Utc>>,
}

/// One subject × program result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = IncentiveResultView)]
pub struct ResultView {
    /// `partner` or `rep`.
    pub subject_type: String,
    /// The partner's code or the rep's login.
    pub code: String,
    pub name: String,
    pub program_code: String,
    pub program_name: String,
    /// `sell_in_net`, `sell_through`, `quantity` (units) or `collected`.
    pub measure: String,
    /// The base summed from the facts (minor units, or units).
    pub base: i64,
    /// After product multipliers, exact.
    pub multiplied_base: String,
    pub target: Option<i64>,
    /// The target, threshold or last period's base the ratio is on.
    pub reference: Option<i64>,
    /// Attainment (or growth) as a decimal ratio, 6 places; none without a
    /// reference.
    pub attainment: Option<String>,
    /// The bracket reached, counted from 1.
    pub bracket: Option<u32>,
    /// A fraction (0.03 = 3%), or minor units per unit for a quantity base.
    pub rate: Option<String>,
    /// Penalties and adjustments applied, minor units.
    pub adjustments: i64,
    /// What the calculation came to, minor units.
    pub amount: i64,
    /// What is paid: the amount where the program applied, else 0.
    pub payable: i64,
    /// `applied`, `gave_way` or `earned_nothing`.
    pub stacking: String,
    /// The program this one gave way to.
    pub gave_way_to: Option<String>,
    /// Every rule applied, in order (`docs/INCENTIVES.md`).
    #[schema(value_type = Vec<Object>)]
    pub trace: Vec<Step>,
    /// The aggregates the base came from.
    #[schema(value_type = Object)]
    pub parts: serde_json::Value,
    /// The points it earns (`docs/INCENTIVES.md`, "Points"); none for a
    /// program without points.
    pub points: Option<i64>,
}

/// A run with its results (the caller's reach of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RunDetail {
    pub run: RunView,
    pub results: Vec<ResultView>,
}

/// One key a re-run would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DifferenceView {
    pub code: String,
    pub name: String,
    pub program_code: String,
    pub program_name: String,
    pub before: i64,
    pub after: i64,
    pub change: i64,
    pub change_shown: String,
}

/// What computing a calculated run again would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RerunView {
    pub run: RunView,
    pub total_before: i64,
    pub total_after: i64,
    pub differences: Vec<DifferenceView>,
    /// Whether the new results were written.
    pub accepted: bool,
}

/// One ledger line of a statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LedgerLineView {
    pub id: i64,
    pub program_code: String,
    pub program_name: String,
    pub period: String,
    /// `earned` or `settled`.
    pub kind: String,
    pub amount: i64,
    pub amount_shown: String,
    /// For a settlement: `cash`, `credit_note`, `wallet`, `goods` or
    /// `marketing_fund`.
    pub form: Option<String>,
    /// The first settlement this one corrects.
    pub references: Option<i64>,
    pub run_id: i64,
    pub at: DateTime<Utc>,
}

/// One program × period of a statement: the latest approved result and
/// where the ledger stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatementLine {
    pub period: String,
    pub run_id: i64,
    pub run_status: String,
    pub result: ResultView,
    pub earned: i64,
    pub settled: i64,
    /// Earned − settled: what the next payment pays (negative: claws back).
    pub owed: i64,
}

/// A subject's incentive statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = IncentiveStatementView)]
pub struct StatementView {
    pub subject_type: String,
    pub code: String,
    pub name: String,
    pub currency: String,
    pub lines: Vec<StatementLine>,
    pub ledger: Vec<LedgerLineView>,
    pub earned: i64,
    pub settled: i64,
    pub owed: i64,
}

fn status_conflict(rule: &'static str, status: &str) -> AppError {
    Invalid::new(
        "status",
        Problem::Conflict {
            rule,
            with: status.to_owned(),
        },
    )
    .into()
}

fn shown(amount: i64, currency: Currency) -> String {
    Money::from_minor(amount, currency).formatted()
}

/// The attainment ratio shown to people: `95.3%`. Cut toward zero, never
/// rounded: 99.995% must not read as the 100% that a bracket starts at.
pub fn percent_shown(ratio: Decimal) -> String {
    let pct = (ratio * Decimal::ONE_HUNDRED)
        .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::ToZero)
        .normalize();
    format!("{pct}%")
}

impl Qudao {
    async fn company_currency(&self) -> Result<Currency, AppError> {
        Ok(self.current_settings().await?.currency)
    }

    /// Computes a period's programs: written as a calculated run, or only
    /// shown for a dry run.
    pub async fn run_incentives(
        &self,
        caller: &Caller,
        request: &RunRequest,
    ) -> Result<RunDetail, AppError> {
        caller.require(Permission::ManageIncentives)?;
        let period = Period::parse("period", &request.period)?;
        let programs = self.run_programs(period, &request.programs).await?;
        let fiscal = crate::targets::fiscal(self.current_settings().await?.fiscal_year_start);
        let provisional = qudao_domain::targets::fiscal_days(period, fiscal).to() >= crate::today();
        let computation = self.compute(period, &programs).await?;
        let currency = self.company_currency().await?;
        if request.dry_run {
            return self
                .computed_detail(
                    caller,
                    period,
                    provisional,
                    &programs,
                    &computation,
                    currency,
                )
                .await;
        }
        let new = new_results(&programs, &computation)?;
        let program_ids: Vec<i64> = programs.iter().map(|p| p.id).collect();
        let tx = self.write().await?;
        tx.lock(Aggregate::Incentives).await?;
        let run_id = repo::insert_run(
            &tx,
            NewRun {
                period,
                provisional,
                currency: currency.as_str(),
                program_ids: &program_ids,
            },
            &new,
            &caller.login,
        )
        .await?;
        #[derive(Serialize)]
        struct Audited {
            period: String,
            provisional: bool,
            programs: Vec<String>,
            results: usize,
            total: i64,
        }
        self.audit(
            &tx,
            caller,
            "incentive_run",
            &run_id.to_string(),
            "calculate",
            None,
            Some(&Audited {
                period: period.to_string(),
                provisional,
                programs: programs
                    .iter()
                    .map(|p| format!("{} v{}", p.program.code, p.program.version))
                    .collect(),
                results: new.len(),
                total: new.iter().map(NewResult::payable).sum(),
            }),
        )
        .await?;
        crate::commit(tx).await?;
        self.incentive_run(caller, run_id).await
    }

    /// What each program of a dry run pays in all, without the per-result
    /// views a dry run's page shows: `qudao incentives bench` times this,
    /// the computation itself. (code, results, total) per program.
    pub async fn incentive_totals(
        &self,
        caller: &Caller,
        period: &str,
        codes: &[String],
    ) -> Result<Vec<(String, usize, i64)>, AppError> {
        caller.require(Permission::ManageIncentives)?;
        let period = Period::parse("period", period)?;
        let programs = self.run_programs(period, codes).await?;
        let computation = self.compute(period, &programs).await?;
        Ok(programs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let results = computation
                    .results
                    .iter()
                    .filter(|r| r.program == i)
                    .count();
                (
                    p.program.code.as_str().to_owned(),
                    results,
                    results_total(&computation, i),
                )
            })
            .collect())
    }

    /// A dry run's detail, from the computation itself: what the caller
    /// could read of the same run written.
    async fn computed_detail(
        &self,
        caller: &Caller,
        period: Period,
        provisional: bool,
        programs: &[ProgramRow],
        computation: &Computation,
        currency: Currency,
    ) -> Result<RunDetail, AppError> {
        let seen = self.seen_by(caller).await?;
        let mut results = Vec::new();
        for r in &computation.results {
            let earner = &computation.earners[r.earner];
            if !seen.may_see(earner.scored) {
                continue;
            }
            let program = &programs[r.program];
            let row = unsaved_row(r, earner.scored, program.id);
            results.push(stored_view(
                &row,
                earner,
                &program.program,
                parsed_parts(&r.parts)?,
            ));
        }
        results.sort_by(|a, b| b.payable.cmp(&a.payable).then(a.code.cmp(&b.code)));
        let now = Utc::now();
        let total: i64 = results.iter().map(|r| r.payable).sum();
        let subjects = results
            .iter()
            .map(|r| (&r.subject_type, &r.code))
            .collect::<BTreeSet<_>>()
            .len();
        Ok(RunDetail {
            run: RunView {
                id: None,
                period: period.to_string(),
                status: "dry_run".to_owned(),
                provisional,
                subjects: i32::try_from(subjects).unwrap_or(i32::MAX),
                total,
                total_shown: shown(total, currency),
                currency: currency.as_str().to_owned(),
                programs: programs
                    .iter()
                    .enumerate()
                    .map(|(i, p)| program_view(&p.program, results_total(computation, i)))
                    .collect(),
                created_by: caller.login.clone(),
                created_by_name: caller.display_name.clone(),
                created_at: now,
                calculated_at: now,
                approved_by: None,
                approved_by_name: None,
                approved_at: None,
                paid_by: None,
                paid_by_name: None,
                paid_at: None,
            },
            results,
        })
    }
}

fn parsed_parts(parts: &str) -> Result<serde_json::Value, AppError> {
    serde_json::from_str(parts).map_err(|e| AppError::Internal(format!("incentive parts: {e}")))
}

fn program_view(program: &Program, total: i64) -> RunProgramView {
    RunProgramView {
        code: program.code.as_str().to_owned(),
        version: program.version,
        name: program.name.clone(),
        kind: program.kind.as_str().to_owned(),
        measure: program.base.measure.as_str().to_owned(),
        total,
    }
}

fn new_results<'a>(
    programs: &[ProgramRow],
    computation: &'a Computation,
) -> Result<Vec<NewResult<'a>>, AppError> {
    computation
        .results
        .iter()
        .map(|r| {
            Ok(NewResult {
                program_id: programs[r.program].id,
                subject: computation.earners[r.earner].scored,
                outcome: &r.outcome,
                stacking: r.stacking.clone(),
                trace: serde_json::to_string(&r.outcome.trace)
                    .map_err(|e| AppError::Internal(format!("incentive trace: {e}")))?,
                parts: r.parts.clone(),
                points: r.points,
            })
        })
        .collect()
}

fn subject_type(scored: Scored) -> &'static str {
    match scored {
        Scored::Partner(_) => "partner",
        Scored::Rep(_) => "rep",
    }
}

fn stacking_str(stacking: &Stacking) -> (&'static str, Option<String>) {
    match stacking {
        Stacking::Applied => ("applied", None),
        Stacking::GaveWay(to) => ("gave_way", Some(to.clone())),
        Stacking::EarnedNothing => ("earned_nothing", None),
    }
}

/// A computed result as the store would read it back, for a dry run that
/// writes nothing.
fn unsaved_row(r: &Computed, subject: Scored, program_id: i64) -> ResultRow {
    let o = &r.outcome;
    ResultRow {
        id: 0,
        run_id: 0,
        program_id,
        subject,
        base: o.base,
        multiplied_base: o.multiplied_base,
        target: o.target,
        reference: o.reference,
        ratio: o.ratio,
        bracket: o.bracket.and_then(|b| u32::try_from(b).ok()),
        rate: o.rate,
        amount_before_cap: o.amount_before_cap,
        adjustments: o.adjustments,
        amount: o.amount,
        stacking: r.stacking.clone(),
        payable: match r.stacking {
            Stacking::Applied => o.amount,
            _ => 0,
        },
        trace: o.trace.clone(),
        parts: r.parts.clone(),
        points: r.points,
    }
}

/// The programs of the stored runs, by version id.
type ProgramsById = HashMap<i64, ProgramRow>;

/// Display names by login, of the people who calculated, approved and paid.
type People = HashMap<String, String>;

fn run_view(
    run: &RunRow,
    programs: &ProgramsById,
    totals: &HashMap<i64, i64>,
    people: &People,
) -> RunView {
    let name = |login: &String| people.get(login).unwrap_or(login).clone();
    let currency = Currency::parse(&run.currency).ok();
    RunView {
        id: Some(run.id),
        period: run.period.to_string(),
        status: run.status.as_str().to_owned(),
        provisional: run.provisional,
        subjects: run.subjects,
        total: run.total,
        total_shown: currency.map_or_else(|| run.total.to_string(), |c| shown(run.total, c)),
        currency: run.currency.clone(),
        programs: run
            .program_ids
            .iter()
            .filter_map(|id| {
                programs
                    .get(id)
                    .map(|p| program_view(&p.program, totals.get(id).copied().unwrap_or(0)))
            })
            .collect(),
        created_by: run.created_by.clone(),
        created_by_name: name(&run.created_by),
        created_at: run.created_at,
        calculated_at: run.calculated_at,
        approved_by: run.approved_by.clone(),
        approved_by_name: run.approved_by.as_ref().map(name),
        approved_at: run.approved_at,
        paid_by: run.paid_by.clone(),
        paid_by_name: run.paid_by.as_ref().map(name),
        paid_at: run.paid_at,
    }
}

impl Qudao {
    async fn people_of(&self, runs: &[&RunRow]) -> Result<People, AppError> {
        let logins: Vec<String> = runs
            .iter()
            .flat_map(|r| {
                [
                    Some(&r.created_by),
                    r.approved_by.as_ref(),
                    r.paid_by.as_ref(),
                ]
            })
            .flatten()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        Ok(qudao_store::admin::display_names(self.db(), &logins)
            .await?
            .into_iter()
            .collect())
    }

    async fn programs_by_id(&self) -> Result<ProgramsById, AppError> {
        Ok(qudao_store::incentives::all_versions(self.db())
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect())
    }

    /// The codes and names of these subjects.
    async fn earners_of(
        &self,
        subjects: impl IntoIterator<Item = Scored>,
    ) -> Result<HashMap<Scored, Earner>, AppError> {
        let mut partner_ids = Vec::new();
        let mut user_ids = Vec::new();
        for subject in subjects {
            match subject {
                Scored::Partner(id) => partner_ids.push(id),
                Scored::Rep(id) => user_ids.push(id),
            }
        }
        partner_ids.sort_unstable();
        partner_ids.dedup();
        user_ids.sort_unstable();
        user_ids.dedup();
        let mut earners = HashMap::new();
        for (id, (code, name)) in crate::scorecards::partner_names(self.db(), &partner_ids).await? {
            let scored = Scored::Partner(id);
            earners.insert(scored, Earner { scored, code, name });
        }
        for (id, (code, name)) in qudao_store::admin::logins_by_id(self.db(), &user_ids).await? {
            let scored = Scored::Rep(id);
            earners.insert(scored, Earner { scored, code, name });
        }
        Ok(earners)
    }

    fn incentive_result_views(
        rows: &[ResultRow],
        earners: &HashMap<Scored, Earner>,
        programs: &ProgramsById,
    ) -> Result<Vec<ResultView>, AppError> {
        rows.iter()
            .filter_map(|row| {
                let earner = earners.get(&row.subject)?;
                let program = programs.get(&row.program_id)?;
                Some((row, earner, program))
            })
            .map(|(row, earner, program)| {
                Ok(stored_view(
                    row,
                    earner,
                    &program.program,
                    parsed_parts(&row.parts)?,
                ))
            })
            .collect()
    }

    async fn run_row(&self, run_id: i64) -> Result<RunRow, AppError> {
        repo::run_by_id(self.db(), run_id)
            .await?
            .ok_or(AppError::NotFound("incentive run"))
    }

    /// Runs, newest first; of one period when given.
    pub async fn incentive_runs(
        &self,
        caller: &Caller,
        period: Option<&str>,
    ) -> Result<Vec<RunView>, AppError> {
        caller.require(Permission::ViewIncentives)?;
        let period = crate::non_empty(period)
            .map(|p| Period::parse("period", p))
            .transpose()?;
        let runs = repo::runs(self.db(), period, 200).await?;
        let programs = self.programs_by_id().await?;
        let people = self.people_of(&runs.iter().collect::<Vec<_>>()).await?;
        Ok(runs
            .iter()
            .map(|r| run_view(r, &programs, &HashMap::new(), &people))
            .collect())
    }

    /// A run and the results the caller reaches, largest first.
    pub async fn incentive_run(&self, caller: &Caller, run_id: i64) -> Result<RunDetail, AppError> {
        caller.require(Permission::ViewIncentives)?;
        let run = self.run_row(run_id).await?;
        let rows = repo::results(self.db(), Self::run_reach(caller), run.id).await?;
        let programs = self.programs_by_id().await?;
        let earners = self.earners_of(rows.iter().map(|r| r.subject)).await?;
        let mut totals: HashMap<i64, i64> = HashMap::new();
        for row in &rows {
            *totals.entry(row.program_id).or_default() += row.payable;
        }
        Ok(RunDetail {
            run: run_view(&run, &programs, &totals, &self.people_of(&[&run]).await?),
            results: Self::incentive_result_views(&rows, &earners, &programs)?,
        })
    }

    /// The subject a code names in a run: a partner the caller may see, or
    /// a rep by login. Outside the caller's reach it is not found.
    async fn earner_by_code(&self, caller: &Caller, code: &str) -> Result<Scored, AppError> {
        if let Ok(partner) = self
            .visible(self.db(), caller, Area::Incentives, code)
            .await
        {
            return Ok(Scored::Partner(partner.id().0));
        }
        let user = qudao_store::admin::find_user_by_login(self.db(), code.trim())
            .await?
            .ok_or(AppError::NotFound("incentive result"))?;
        Ok(Scored::Rep(user.id))
    }

    /// One subject's results in a run, each with its trace: "why this
    /// amount".
    pub async fn incentive_explanation(
        &self,
        caller: &Caller,
        run_id: i64,
        code: &str,
    ) -> Result<RunDetail, AppError> {
        caller.require(Permission::ViewIncentives)?;
        let run = self.run_row(run_id).await?;
        let subject = self.earner_by_code(caller, code).await?;
        let rows = repo::results_of(self.db(), Self::run_reach(caller), run.id, subject).await?;
        if rows.is_empty() {
            return Err(AppError::NotFound("incentive result"));
        }
        let programs = self.programs_by_id().await?;
        let earners = self.earners_of(rows.iter().map(|r| r.subject)).await?;
        Ok(RunDetail {
            run: run_view(
                &run,
                &programs,
                &HashMap::new(),
                &self.people_of(&[&run]).await?,
            ),
            results: Self::incentive_result_views(&rows, &earners, &programs)?,
        })
    }

    /// What computing a calculated run again would change, per subject ×
    /// program; with `accept`, the new results replace the old.
    pub async fn rerun_incentives(
        &self,
        caller: &Caller,
        run_id: i64,
        accept: bool,
    ) -> Result<RerunView, AppError> {
        caller.require(Permission::ManageIncentives)?;
        let run = self.run_row(run_id).await?;
        if run.status != RunStatus::Calculated {
            return Err(status_conflict(
                "incentive_run_not_calculated",
                run.status.as_str(),
            ));
        }
        let programs_by_id = self.programs_by_id().await?;
        let programs: Vec<ProgramRow> = run
            .program_ids
            .iter()
            .filter_map(|id| programs_by_id.get(id).cloned())
            .collect();
        let computation = self.compute(run.period, &programs).await?;
        let all = ResultReach {
            scope: qudao_domain::scope::DataScope::All,
            reps: Some(None),
        };
        let before_rows = repo::results(self.db(), all, run.id).await?;
        let before: BTreeMap<(Scored, i64), i64> = before_rows
            .iter()
            .map(|r| ((r.subject, r.program_id), r.payable))
            .collect();
        let after: BTreeMap<(Scored, i64), i64> = computation
            .results
            .iter()
            .map(|r| {
                let payable = match r.stacking {
                    Stacking::Applied => r.outcome.amount,
                    _ => 0,
                };
                (
                    (computation.earners[r.earner].scored, programs[r.program].id),
                    payable,
                )
            })
            .collect();
        let changes = differences(&before, &after);
        let currency = self.company_currency().await?;
        let mut names: HashMap<Scored, Earner> = self
            .earners_of(before_rows.iter().map(|r| r.subject))
            .await?;
        for e in &computation.earners {
            names.entry(e.scored).or_insert_with(|| e.clone());
        }
        let seen = self.seen_by(caller).await?;
        let view = |d: &Difference<(Scored, i64)>| {
            let (subject, program_id) = d.key;
            let earner = names.get(&subject);
            let program = programs_by_id.get(&program_id);
            DifferenceView {
                code: earner.map(|e| e.code.clone()).unwrap_or_default(),
                name: earner.map(|e| e.name.clone()).unwrap_or_default(),
                program_code: program
                    .map(|p| p.program.code.as_str().to_owned())
                    .unwrap_or_default(),
                program_name: program.map(|p| p.program.name.clone()).unwrap_or_default(),
                before: d.before,
                after: d.after,
                change: d.change(),
                change_shown: shown(d.change(), currency),
            }
        };
        let shown_changes: Vec<DifferenceView> = changes
            .iter()
            .filter(|d| seen.may_see(d.key.0))
            .map(view)
            .collect();
        let total_before: i64 = before.values().sum();
        let total_after: i64 = after.values().sum();
        if accept {
            let new = new_results(&programs, &computation)?;
            let tx = self.write().await?;
            tx.lock(Aggregate::Incentives).await?;
            let locked = repo::run_for_write(&tx, run.id)
                .await?
                .ok_or(AppError::NotFound("incentive run"))?;
            if locked.status != RunStatus::Calculated {
                return Err(status_conflict(
                    "incentive_run_not_calculated",
                    locked.status.as_str(),
                ));
            }
            repo::replace_results(&tx, run.id, &new).await?;
            #[derive(Serialize)]
            struct Recalculated {
                changed: usize,
                total_before: i64,
                total_after: i64,
            }
            self.audit(
                &tx,
                caller,
                "incentive_run",
                &run.id.to_string(),
                "recalculate",
                None,
                Some(&Recalculated {
                    changed: changes.len(),
                    total_before,
                    total_after,
                }),
            )
            .await?;
            crate::commit(tx).await?;
        }
        let run = self.run_row(run.id).await?;
        Ok(RerunView {
            run: run_view(
                &run,
                &programs_by_id,
                &HashMap::new(),
                &self.people_of(&[&run]).await?,
            ),
            total_before,
            total_after,
            differences: shown_changes,
            accepted: accept,
        })
    }

    /// Finance approves a calculated run: what each result adds to what was
    /// earned so far for its subject, program and period goes into the
    /// ledger. A provisional run (its period had not ended) is refused.
    pub async fn approve_incentive_run(
        &self,
        caller: &Caller,
        run_id: i64,
    ) -> Result<RunDetail, AppError> {
        caller.require(Permission::ApproveIncentives)?;
        let tx = self.write().await?;
        tx.lock(Aggregate::Incentives).await?;
        let run = repo::run_for_write(&tx, run_id)
            .await?
            .ok_or(AppError::NotFound("incentive run"))?;
        if run.status != RunStatus::Calculated {
            return Err(status_conflict(
                "incentive_run_not_calculated",
                run.status.as_str(),
            ));
        }
        if run.provisional {
            return Err(status_conflict(
                "incentive_run_provisional",
                &run.period.to_string(),
            ));
        }
        let programs = self.programs_by_id().await?;
        let all = ResultReach {
            scope: qudao_domain::scope::DataScope::All,
            reps: Some(None),
        };
        let rows = repo::results(&tx, all, run.id).await?;
        let codes: Vec<&str> = run
            .program_ids
            .iter()
            .filter_map(|id| programs.get(id).map(|p| p.program.code.as_str()))
            .collect();
        let before = ledger_by_key(repo::entries_of(&tx, &codes, run.period).await?);
        let mut earned: BTreeMap<(Scored, String), i64> = BTreeMap::new();
        for row in &rows {
            if let Some(p) = programs.get(&row.program_id) {
                *earned
                    .entry((row.subject, p.program.code.as_str().to_owned()))
                    .or_default() += row.payable;
            }
        }
        // A key earned before whose subject this run no longer pays earns 0.
        for key in before.keys() {
            if codes.contains(&key.1.as_str()) {
                earned.entry(key.clone()).or_insert(0);
            }
        }
        let entries: Vec<NewEntry> = earned
            .into_iter()
            .filter_map(|((subject, program_code), result)| {
                let so_far = before
                    .get(&(subject, program_code.clone()))
                    .map_or(&[][..], Vec::as_slice);
                ledger::accrual(result, so_far).map(|amount| NewEntry {
                    subject,
                    program_code,
                    period: run.period,
                    kind: EntryKind::Earned,
                    amount,
                    references: None,
                    form: None,
                })
            })
            .collect();
        repo::append(&tx, run.id, &entries, &caller.login).await?;
        repo::set_status(&tx, run.id, RunStatus::Approved, &caller.login).await?;
        #[derive(Serialize)]
        struct Approved {
            period: String,
            earned_entries: usize,
            earned_change: i64,
        }
        self.audit(
            &tx,
            caller,
            "incentive_run",
            &run.id.to_string(),
            "approve",
            None,
            Some(&Approved {
                period: run.period.to_string(),
                earned_entries: entries.len(),
                earned_change: entries.iter().map(|e| e.amount).sum(),
            }),
        )
        .await?;
        crate::commit(tx).await?;
        self.incentive_run(caller, run_id).await
    }

    /// Finance pays an approved run: every key of its programs and period
    /// is settled at earned-to-date − settled-to-date, in the program's
    /// payout form; a correction references the key's first settlement.
    /// A run is paid once.
    pub async fn pay_incentive_run(
        &self,
        caller: &Caller,
        run_id: i64,
    ) -> Result<RunDetail, AppError> {
        caller.require(Permission::ApproveIncentives)?;
        let tx = self.write().await?;
        tx.lock(Aggregate::Incentives).await?;
        let run = repo::run_for_write(&tx, run_id)
            .await?
            .ok_or(AppError::NotFound("incentive run"))?;
        match run.status {
            RunStatus::Approved => {}
            RunStatus::Paid => return Err(status_conflict("incentive_run_already_paid", "paid")),
            RunStatus::Calculated => {
                return Err(status_conflict("incentive_run_not_approved", "calculated"));
            }
        }
        let programs = self.programs_by_id().await?;
        let forms: HashMap<&str, qudao_domain::incentives::program::PayoutForm> = run
            .program_ids
            .iter()
            .filter_map(|id| programs.get(id))
            .map(|p| (p.program.code.as_str(), p.program.payout.form))
            .collect();
        let codes: Vec<&str> = forms.keys().copied().collect();
        let settlements: Vec<NewEntry> =
            ledger_by_key(repo::entries_of(&tx, &codes, run.period).await?)
                .into_iter()
                .filter_map(|((subject, program_code), entries)| {
                    let line = ledger::settlement(&entries)?;
                    Some(NewEntry {
                        subject,
                        form: forms.get(program_code.as_str()).copied(),
                        program_code,
                        period: run.period,
                        kind: EntryKind::Settled,
                        amount: line.amount,
                        references: line.references,
                    })
                })
                .collect();
        let ids = repo::append(&tx, run.id, &settlements, &caller.login).await?;
        let currencies: HashMap<&str, Currency> = run
            .program_ids
            .iter()
            .filter_map(|id| programs.get(id))
            .map(|p| (p.program.code.as_str(), p.program.currency))
            .collect();
        let paid: Vec<crate::incentive_balances::PaidSettlement<'_>> = settlements
            .iter()
            .zip(ids)
            .filter_map(|(s, id)| {
                Some(crate::incentive_balances::PaidSettlement {
                    subject: s.subject,
                    program: s.program_code.as_str(),
                    form: s.form,
                    currency: *currencies.get(s.program_code.as_str())?,
                    amount: s.amount,
                    ledger_entry: id,
                })
            })
            .collect();
        let credited = self.pay_into_balances(&tx, caller, &paid).await?;
        self.earn_points(&tx, caller, &run, &programs).await?;
        repo::set_status(&tx, run.id, RunStatus::Paid, &caller.login).await?;
        #[derive(Serialize)]
        struct Paid {
            period: String,
            settlements: usize,
            paid: i64,
        }
        self.audit(
            &tx,
            caller,
            "incentive_run",
            &run.id.to_string(),
            "pay",
            None,
            Some(&Paid {
                period: run.period.to_string(),
                settlements: settlements.len(),
                paid: settlements.iter().map(|e| e.amount).sum(),
            }),
        )
        .await?;
        crate::commit(tx).await?;
        if credited {
            self.facts_committed(qudao_store::facts::FactKind::CreditNote)
                .await?;
        }
        self.incentive_run(caller, run_id).await
    }

    /// A subject's statement: per program and period, the latest approved
    /// or paid result with its trace and where the ledger stands, and every
    /// ledger line. A partner reads its own (`code` is ignored for it).
    pub async fn incentive_statement(
        &self,
        caller: &Caller,
        code: Option<&str>,
    ) -> Result<StatementView, AppError> {
        let subject = if caller.role.is_partner_role() {
            let own = caller
                .partner_id
                .ok_or(AppError::NotFound("incentive statement"))?;
            Scored::Partner(own.0)
        } else {
            caller.require(Permission::ViewIncentives)?;
            let code =
                crate::non_empty(code).ok_or_else(|| Invalid::new("subject", Problem::Required))?;
            self.earner_by_code(caller, code).await?
        };
        let reach = Self::run_reach(caller);
        let results = repo::statement_results(self.db(), reach, subject).await?;
        let entries = repo::entries_of_subject(self.db(), reach, subject).await?;
        let programs = self.programs_by_id().await?;
        let earner = self
            .earners_of([subject])
            .await?
            .remove(&subject)
            .ok_or(AppError::NotFound("incentive statement"))?;
        let currency = self.company_currency().await?;
        let code_of = |id: i64| {
            programs
                .get(&id)
                .map(|p| p.program.code.as_str().to_owned())
        };
        let name_of_code = |code: &str| {
            programs
                .values()
                .filter(|p| p.program.code.as_str() == code)
                .max_by_key(|p| p.program.version)
                .map(|p| p.program.name.clone())
                .unwrap_or_else(|| code.to_owned())
        };
        let mut positions: HashMap<(String, Period), (i64, i64)> = HashMap::new();
        for e in &entries {
            let p = positions
                .entry((e.program_code.clone(), e.period))
                .or_default();
            match e.entry.kind {
                EntryKind::Earned => p.0 += e.entry.amount,
                EntryKind::Settled => p.1 += e.entry.amount,
            }
        }
        let mut seen: BTreeSet<(String, Period)> = BTreeSet::new();
        let mut lines = Vec::new();
        for (run, row) in &results {
            let Some(code) = code_of(row.program_id) else {
                continue;
            };
            if !seen.insert((code.clone(), run.period)) {
                continue;
            }
            let Some(program) = programs.get(&row.program_id) else {
                continue;
            };
            let (earned, settled) = positions
                .get(&(code, run.period))
                .copied()
                .unwrap_or_default();
            lines.push(StatementLine {
                period: run.period.to_string(),
                run_id: run.id,
                run_status: run.status.as_str().to_owned(),
                result: stored_view(row, &earner, &program.program, parsed_parts(&row.parts)?),
                earned,
                settled,
                owed: earned - settled,
            });
        }
        let ledger: Vec<LedgerLineView> = entries
            .iter()
            .map(|e| LedgerLineView {
                id: e.entry.id,
                program_name: name_of_code(&e.program_code),
                program_code: e.program_code.clone(),
                period: e.period.to_string(),
                kind: match e.entry.kind {
                    EntryKind::Earned => "earned",
                    EntryKind::Settled => "settled",
                }
                .to_owned(),
                amount: e.entry.amount,
                amount_shown: shown(e.entry.amount, currency),
                form: e.form.map(|f| f.as_str().to_owned()),
                references: e.entry.references,
                run_id: e.run_id,
                at: e.created_at,
            })
            .collect();
        let earned: i64 = positions.values().map(|p| p.0).sum();
        let settled: i64 = positions.values().map(|p| p.1).sum();
        Ok(StatementView {
            subject_type: subject_type(subject).to_owned(),
            code: earner.code,
            name: earner.name,
            currency: currency.as_str().to_owned(),
            lines,
            ledger,
            earned,
            settled,
            owed: earned - settled,
        })
    }
}

fn ledger_by_key(entries: Vec<EntryRow>) -> BTreeMap<(Scored, String), Vec<LedgerEntry>> {
    let mut by_key: BTreeMap<(Scored, String), Vec<LedgerEntry>> = BTreeMap::new();
    for e in entries {
        by_key
            .entry((e.subject, e.program_code))
            .or_default()
            .push(e.entry);
    }
    by_key
}

fn stored_view(
    row: &ResultRow,
    earner: &Earner,
    program: &Program,
    parts: serde_json::Value,
) -> ResultView {
    let (stacking, gave_way_to) = stacking_str(&row.stacking);
    ResultView {
        subject_type: subject_type(row.subject).to_owned(),
        code: earner.code.clone(),
        name: earner.name.clone(),
        program_code: program.code.as_str().to_owned(),
        program_name: program.name.clone(),
        measure: program.base.measure.as_str().to_owned(),
        base: row.base,
        multiplied_base: row.multiplied_base.normalize().to_string(),
        target: row.target,
        reference: row.reference,
        attainment: row.ratio.map(|r| format!("{r:.6}")),
        bracket: row.bracket.map(|b| b + 1),
        rate: row.rate.map(|r| r.normalize().to_string()),
        adjustments: row.adjustments,
        amount: row.amount,
        payable: row.payable,
        stacking: stacking.to_owned(),
        gave_way_to,
        trace: row.trace.clone(),
        parts,
        points: row.points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attainment_just_short_of_a_threshold_never_reads_as_it() {
        assert_eq!(percent_shown(Decimal::new(99_995, 5)), "99.9%");
        assert_eq!(percent_shown(Decimal::new(799_999, 6)), "79.9%");
        assert_eq!(percent_shown(Decimal::ONE), "100%");
        assert_eq!(percent_shown(Decimal::new(953, 3)), "95.3%");
    }
}
