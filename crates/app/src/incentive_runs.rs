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

use qudao_domain::admin::Role;
use qudao_domain::error::{Invalid, Problem};
use qudao_domain::incentives::ledger::{self, EntryKind, LedgerEntry};
use qudao_domain::incentives::program::{BaseMeasure, GrowthAgainst, ProgramKind, Reference};
use qudao_domain::incentives::run::{Difference, Part, RunStatus, differences, multiplied_base};
use qudao_domain::incentives::stacking::{Candidate, stack};
use qudao_domain::incentives::{
    Adjustment, Inputs, Outcome, Program, ProgramCode, Step, calculate,
};
use qudao_domain::money::{Currency, Money};
use qudao_domain::partners::PartnerId;
use qudao_domain::periods::Period;
use qudao_domain::scope::UserId;
use qudao_domain::targets::TargetMeasure;
use qudao_engine::{Answer, QueryText};
use qudao_store::Aggregate;
use qudao_store::incentive_adjustments::Subject as AdjustedSubject;
use qudao_store::incentive_runs::{
    self as repo, EntryRow, NewEntry, NewResult, NewRun, ResultRow, RunRow, Stacking,
};
use qudao_store::incentives::{ProgramRow, ProgramStatus};
use qudao_store::scorecards::{ResultReach, Scored};
use qudao_store::targets::{Internal, Reach, Subject, TargetFilter};

use crate::scope::{Area, scope_in};
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
    pub created_at: DateTime<Utc>,
    pub calculated_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub paid_by: Option<String>,
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

/// The figures of one subject for one program, from the engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Figures {
    base: i64,
    last_period_base: Option<i64>,
    parts: Vec<PartView>,
    collected: Option<(i64, i64)>,
    downstream: Option<i64>,
}

/// A part of the base that counts more, for the trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct PartView {
    /// `product_line` or `sku`.
    by: &'static str,
    code: String,
    amount: i64,
    factor: Decimal,
}

/// Where a base came from: the engine question and its aggregates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Sources<'a> {
    measure: &'static str,
    first_month: String,
    last_month: String,
    product_lines: Vec<&'a str>,
    categories: Vec<&'a str>,
    skus: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    downstream: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    multiplied: Vec<PartView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    collected: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invoiced: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    compared_with: Option<&'static str>,
    /// A commission's share of the credit for the account's owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    owner_share: Option<Decimal>,
}

/// A subject a run computes for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Earner {
    scored: Scored,
    code: String,
    name: String,
}

/// One computed result before it is written.
struct Computed {
    program: usize,
    earner: usize,
    /// What the calculation read, for the watchlist to calculate again
    /// (its adjustments are `adjustments`).
    inputs: Inputs<'static>,
    adjustments: Vec<Adjustment>,
    outcome: Outcome,
    stacking: Stacking,
    parts: String,
}

/// Everything a computation produced.
struct Computation {
    earners: Vec<Earner>,
    results: Vec<Computed>,
}

fn engine_measure(measure: BaseMeasure) -> &'static str {
    match measure {
        BaseMeasure::SellInNet => "sell_in_amount",
        BaseMeasure::SellThrough => "sell_through_amount",
        BaseMeasure::Quantity => "sell_in_qty",
        BaseMeasure::Collected => "collections",
    }
}

fn target_measure(measure: BaseMeasure) -> TargetMeasure {
    match measure {
        BaseMeasure::SellInNet => TargetMeasure::SellInAmount,
        BaseMeasure::SellThrough => TargetMeasure::SellThroughAmount,
        BaseMeasure::Quantity => TargetMeasure::Quantity,
        BaseMeasure::Collected => TargetMeasure::Collections,
    }
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

fn value_at(values: &[Option<i64>], i: usize) -> i64 {
    values.get(i).copied().flatten().unwrap_or(0)
}

/// The rows of an answer by their first key's code.
fn rows_by_code(answer: Option<&Answer>) -> HashMap<&str, &qudao_engine::AnswerRow> {
    answer
        .map(|a| {
            a.rows
                .iter()
                .filter_map(|r| r.keys.first().map(|k| (k.code.as_str(), r)))
                .collect()
        })
        .unwrap_or_default()
}

impl Qudao {
    /// The versions a run computes: the one in force for the period of each
    /// named code, or every version in force whose period kind and dates
    /// cover the period. Errors name `programs[i]`.
    async fn run_programs(
        &self,
        period: Period,
        codes: &[String],
    ) -> Result<Vec<ProgramRow>, AppError> {
        let fiscal = crate::targets::fiscal(self.current_settings().await?.fiscal_year_start);
        let active: Vec<ProgramRow> = qudao_store::incentives::all_versions(self.db())
            .await?
            .into_iter()
            .filter(|r| r.status == ProgramStatus::Active)
            .collect();
        let mut chosen = Vec::new();
        if codes.iter().all(|c| c.trim().is_empty()) {
            chosen.extend(
                active
                    .into_iter()
                    .filter(|r| r.program.covers(period, fiscal).is_ok()),
            );
            if chosen.is_empty() {
                return Err(Invalid::new(
                    "programs",
                    Problem::Conflict {
                        rule: "incentive_no_programs_in_force",
                        with: period.to_string(),
                    },
                )
                .into());
            }
        } else {
            let mut problems = Vec::new();
            let mut seen = BTreeSet::new();
            for code in codes {
                let code = code.trim().to_ascii_uppercase();
                if code.is_empty() || !seen.insert(code.clone()) {
                    continue;
                }
                let versions: Vec<&ProgramRow> = active
                    .iter()
                    .filter(|r| r.program.code.as_str() == code)
                    .collect();
                match versions
                    .iter()
                    .find(|r| r.program.covers(period, fiscal).is_ok())
                {
                    Some(row) => chosen.push((*row).clone()),
                    None => {
                        let (rule, with) =
                            match versions.first().map(|r| r.program.covers(period, fiscal)) {
                                Some(Err(Invalid {
                                    problem: Problem::Conflict { rule, with },
                                    ..
                                })) => (rule, format!("{code} ({with})")),
                                _ => ("incentive_program_not_in_force", code),
                            };
                        problems.push(Invalid::new("programs", Problem::Conflict { rule, with }));
                    }
                }
            }
            if !problems.is_empty() {
                return Err(AppError::Invalid(problems));
            }
        }
        chosen.sort_by(|a, b| {
            (a.program.stacking.order, &a.program.code)
                .cmp(&(b.program.stacking.order, &b.program.code))
        });
        Ok(chosen)
    }

    /// One question to the engine as the system; a code the engine has not
    /// met yet (a line with no facts so far) is no facts.
    async fn incentive_answer(&self, text: QueryText) -> Result<Option<Answer>, AppError> {
        match self
            .analytics_query(&Caller::system("incentives"), &text)
            .await
        {
            Ok(answer) => Ok(Some(answer)),
            Err(AppError::Invalid(problems))
                if problems.iter().all(|p| {
                    matches!(
                        p.problem,
                        Problem::Conflict {
                            rule: "analytics_unknown_code",
                            ..
                        }
                    )
                }) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The top-down targets in force for the period, by subject, measure
    /// and product line.
    async fn targets_in_force(
        &self,
        period: Period,
    ) -> Result<HashMap<(Subject, TargetMeasure, Option<i64>), i64>, AppError> {
        let reach = Reach {
            scope: qudao_domain::scope::DataScope::All,
            internal: Internal::All,
            drafts: false,
        };
        let filter = TargetFilter {
            period: Some(period),
            version: Some(qudao_domain::targets::TargetVersion::TopDown),
            ..TargetFilter::default()
        };
        Ok(qudao_store::targets::list(self.db(), reach, &filter)
            .await?
            .into_iter()
            .map(|t| {
                (
                    (t.key.subject, t.key.measure, t.key.product_line_id),
                    t.value.amount(),
                )
            })
            .collect())
    }

    /// The engine's figures of every subject of one program.
    async fn program_figures(
        &self,
        program: &Program,
        period: Period,
        line_of_sku: &HashMap<String, String>,
    ) -> Result<HashMap<String, Figures>, AppError> {
        let by = if program.kind == ProgramKind::Commission {
            "owner"
        } else {
            "partner"
        };
        let base = &program.base;
        let mut filters: Vec<(String, Vec<String>)> = Vec::new();
        let lines: Vec<String> = base
            .product_lines
            .iter()
            .map(|l| l.as_str().to_owned())
            .collect();
        if !lines.is_empty() {
            filters.push(("product_line".into(), lines));
        }
        if !base.categories.is_empty() {
            filters.push(("category".into(), base.categories.iter().cloned().collect()));
        }
        if !base.skus.is_empty() {
            filters.push((
                "product".into(),
                base.skus.iter().map(|s| s.as_str().to_owned()).collect(),
            ));
        }
        let mut measures = vec![engine_measure(base.measure).to_owned()];
        let downstream = base.count_downstream_purchases && base.measure == BaseMeasure::SellInNet;
        if downstream {
            measures.push("downstream_amount".to_owned());
        }
        let compare = match program.rules.reference {
            Reference::Growth {
                against: GrowthAgainst::SamePeriodLastYear,
            } => Some("last_year"),
            Reference::Growth {
                against: GrowthAgainst::PreviousPeriod,
            } => Some("previous_period"),
            _ => None,
        };
        let text = |measures: Vec<String>,
                    by: &str,
                    filters: Vec<(String, Vec<String>)>,
                    compare: Option<&str>| QueryText {
            measures,
            by: by.split(',').map(str::to_owned).collect(),
            period: Some(period.to_string()),
            filters,
            compare: compare.map(str::to_owned),
            ..QueryText::default()
        };
        let answer = self
            .incentive_answer(text(measures, by, filters.clone(), compare))
            .await?;
        let mut figures: HashMap<String, Figures> = HashMap::new();
        for row in answer.iter().flat_map(|a| a.rows.iter()) {
            let Some(key) = row.keys.first() else {
                continue;
            };
            let own = value_at(&row.values, 0);
            let bought = downstream.then(|| value_at(&row.values, 1));
            let last = row
                .compare
                .as_ref()
                .map(|c| value_at(c, 0) + if downstream { value_at(c, 1) } else { 0 });
            figures.insert(
                key.code.clone(),
                Figures {
                    base: own + bought.unwrap_or(0),
                    last_period_base: last,
                    downstream: bought,
                    ..Figures::default()
                },
            );
        }
        if compare.is_some() {
            for f in figures.values_mut() {
                f.last_period_base.get_or_insert(0);
            }
        }
        if !program.multipliers.is_empty() {
            self.multiplied_parts(program, period, by, &filters, line_of_sku, &mut figures)
                .await?;
        }
        if program.rules.pay_on_collected_share {
            let answer = self
                .incentive_answer(text(
                    vec!["collections".into(), "invoiced".into()],
                    by,
                    Vec::new(),
                    None,
                ))
                .await?;
            let rows = rows_by_code(answer.as_ref());
            for (code, f) in &mut figures {
                f.collected = Some(
                    rows.get(code.as_str())
                        .map(|r| (value_at(&r.values, 0), value_at(&r.values, 1)))
                        .unwrap_or((0, 0)),
                );
            }
        }
        Ok(figures)
    }

    /// The parts of each subject's base that a multiplier counts more: the
    /// skus a multiplier names (their own factor wins), then the lines
    /// without those skus.
    async fn multiplied_parts(
        &self,
        program: &Program,
        period: Period,
        by: &str,
        filters: &[(String, Vec<String>)],
        line_of_sku: &HashMap<String, String>,
        figures: &mut HashMap<String, Figures>,
    ) -> Result<(), AppError> {
        let measure = engine_measure(program.base.measure).to_owned();
        let skus: BTreeSet<String> = program
            .multipliers
            .iter()
            .flat_map(|m| m.skus.iter().map(|s| s.as_str().to_owned()))
            .collect();
        let lines: BTreeSet<String> = program
            .multipliers
            .iter()
            .flat_map(|m| m.lines.iter().map(|l| l.as_str().to_owned()))
            .collect();
        let ask = |dim: &str, named: &BTreeSet<String>| {
            let mut filters: Vec<(String, Vec<String>)> = filters.to_vec();
            // Within the base's own restriction on the same dimension.
            let codes: Vec<String> = match filters.iter().position(|(d, _)| d == dim) {
                Some(at) => {
                    let (_, base) = filters.remove(at);
                    base.into_iter().filter(|c| named.contains(c)).collect()
                }
                None => named.iter().cloned().collect(),
            };
            (!codes.is_empty()).then(|| {
                filters.push((dim.to_owned(), codes));
                QueryText {
                    measures: vec![measure.clone()],
                    by: vec![by.to_owned(), dim.to_owned()],
                    period: Some(period.to_string()),
                    filters,
                    ..QueryText::default()
                }
            })
        };
        // (subject, line) → the amount of skus with their own factor.
        let mut sku_amount_in_line: HashMap<(String, String), i64> = HashMap::new();
        if let Some(text) = ask("product", &skus) {
            let answer = self.incentive_answer(text).await?;
            for row in answer.iter().flat_map(|a| a.rows.iter()) {
                let [subject, sku] = &row.keys[..] else {
                    continue;
                };
                let amount = value_at(&row.values, 0);
                let line = line_of_sku.get(&sku.code).cloned().unwrap_or_default();
                let factor = program
                    .multipliers
                    .iter()
                    .find(|m| m.skus.iter().any(|s| s.as_str() == sku.code))
                    .map_or(Decimal::ONE, |m| m.base_factor);
                *sku_amount_in_line
                    .entry((subject.code.clone(), line))
                    .or_default() += amount;
                if let Some(f) = figures.get_mut(&subject.code) {
                    f.parts.push(PartView {
                        by: "sku",
                        code: sku.code.clone(),
                        amount,
                        factor,
                    });
                }
            }
        }
        if let Some(text) = ask("product_line", &lines) {
            let answer = self.incentive_answer(text).await?;
            for row in answer.iter().flat_map(|a| a.rows.iter()) {
                let [subject, line] = &row.keys[..] else {
                    continue;
                };
                let own_factor = sku_amount_in_line
                    .get(&(subject.code.clone(), line.code.clone()))
                    .copied()
                    .unwrap_or(0);
                let amount = value_at(&row.values, 0) - own_factor;
                let factor = program
                    .multipliers
                    .iter()
                    .find(|m| m.lines.iter().any(|l| l.as_str() == line.code))
                    .map_or(Decimal::ONE, |m| m.base_factor);
                if let Some(f) = figures.get_mut(&subject.code) {
                    f.parts.push(PartView {
                        by: "product_line",
                        code: line.code.clone(),
                        amount,
                        factor,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Whether a partner lies in a rebate's or promotion's scope.
fn partner_in_scope(program: &Program, dims: &qudao_engine::Dims, partner: usize) -> bool {
    let partner = &dims.partners[partner];
    let scope = &program.scope;
    let none = qudao_engine::NONE;
    let type_ok = scope.partner_types.is_empty()
        || dims
            .partner_types
            .values
            .get(partner.partner_type as usize)
            .is_some_and(|t| scope.partner_types.iter().any(|s| s.as_str() == t));
    let grade_ok = scope.grades.is_empty()
        || (partner.grade != none
            && dims
                .grades
                .get(partner.grade as usize)
                .is_some_and(|g| scope.grades.iter().any(|s| s.as_str() == g.code)));
    let region_ok = scope.regions.is_empty()
        || (partner.region != none
            && scope.regions.iter().any(|r| {
                dims.region_of_code(r.as_str())
                    .is_some_and(|top| dims.region_within(partner.region, top))
            }));
    let partner_ok =
        scope.partners.is_empty() || scope.partners.iter().any(|p| p.as_str() == partner.code);
    type_ok && grade_ok && region_ok && partner_ok
}

/// The attainment ratio shown to people: `95.3%`.
pub fn percent_shown(ratio: Decimal) -> String {
    let pct = (ratio * Decimal::ONE_HUNDRED).round_dp(1).normalize();
    format!("{pct}%")
}

impl Qudao {
    /// Computes the programs for the period, writing nothing.
    async fn compute(
        &self,
        period: Period,
        programs: &[ProgramRow],
    ) -> Result<Computation, AppError> {
        let snapshot = self.analytics_snapshot().await?;
        let dims = &snapshot.dims;
        let targets = self.targets_in_force(period).await?;
        let line_ids: HashMap<String, i64> = qudao_store::catalog::lines(self.db())
            .await?
            .into_iter()
            .map(|l| (l.code, l.id))
            .collect();
        let line_of_sku: HashMap<String, String> = if programs
            .iter()
            .any(|p| p.program.multipliers.iter().any(|m| !m.skus.is_empty()))
        {
            dims.products
                .iter()
                .map(|p| {
                    let line = dims.lines.get(p.line as usize).map(|l| l.code.clone());
                    (p.sku.clone(), line.unwrap_or_default())
                })
                .collect()
        } else {
            HashMap::new()
        };
        let (first, last) = self
            .analytics_months(&QueryText {
                measures: vec!["sell_in_amount".to_owned()],
                period: Some(period.to_string()),
                ..QueryText::default()
            })
            .await?;
        let codes: Vec<ProgramCode> = programs.iter().map(|p| p.program.code.clone()).collect();
        let mut adjusted =
            qudao_store::incentive_adjustments::of_period(self.db(), period, Some(&codes)).await?;
        let mut earners: Vec<Earner> = Vec::new();
        let mut earner_ix: HashMap<Scored, usize> = HashMap::new();
        let mut results: Vec<Computed> = Vec::new();
        for (pi, row) in programs.iter().enumerate() {
            let program = &row.program;
            // A data-quality floor needs every partner's monthly quality
            // score, which runs do not read yet: refused, never ignored.
            if program.conditions.min_data_quality.is_some() {
                return Err(Invalid::new(
                    "programs",
                    Problem::Conflict {
                        rule: "incentive_condition_not_computed",
                        with: format!("{} conditions.min_data_quality", program.code.as_str()),
                    },
                )
                .into());
            }
            // The owner is the one rep a sale names so far: a split credits
            // the owner its share, and the other roles' shares stay unpaid.
            let owner_share = program
                .commission
                .as_ref()
                .filter(|c| !c.split.is_empty())
                .map(|c| {
                    c.split
                        .iter()
                        .find(|(role, _)| role.as_str() == "owner")
                        .map_or(Decimal::ZERO, |(_, share)| *share)
                });
            let figures = self.program_figures(program, period, &line_of_sku).await?;
            let base = &program.base;
            let measure = target_measure(base.measure);
            let line_id = match (
                base.product_lines.iter().next(),
                base.product_lines.len(),
                base.categories.is_empty() && base.skus.is_empty(),
            ) {
                (Some(line), 1, true) => line_ids.get(line.as_str()).copied(),
                _ => None,
            };
            let subjects: Vec<Earner> = if program.kind == ProgramKind::Commission {
                dims.owners
                    .iter()
                    .filter(|o| {
                        program.scope.reps.is_empty()
                            || program.scope.reps.iter().any(|r| r.as_str() == o.login)
                    })
                    .map(|o| Earner {
                        scored: Scored::Rep(o.id),
                        code: o.login.clone(),
                        name: o.name.clone(),
                    })
                    .collect()
            } else {
                (0..dims.partners.len())
                    .filter(|&ix| partner_in_scope(program, dims, ix))
                    .map(|ix| &dims.partners[ix])
                    .map(|p| Earner {
                        scored: Scored::Partner(p.id),
                        code: p.code.clone(),
                        name: p.name.clone(),
                    })
                    .collect()
            };
            let sources = |f: &Figures| Sources {
                measure: engine_measure(base.measure),
                first_month: first.to_string(),
                last_month: last.to_string(),
                product_lines: base.product_lines.iter().map(|l| l.as_str()).collect(),
                categories: base.categories.iter().map(String::as_str).collect(),
                skus: base.skus.iter().map(|s| s.as_str()).collect(),
                downstream: f.downstream,
                multiplied: f.parts.clone(),
                collected: f.collected.map(|c| c.0),
                invoiced: f.collected.map(|c| c.1),
                compared_with: match program.rules.reference {
                    Reference::Growth { against } => Some(against.as_str()),
                    _ => None,
                },
                owner_share,
            };
            for earner in subjects {
                let subject = match earner.scored {
                    Scored::Partner(id) => Subject::Partner(id),
                    Scored::Rep(id) => Subject::Rep(id),
                };
                let target = targets.get(&(subject, measure, line_id)).copied();
                let adjusted_as = match earner.scored {
                    Scored::Partner(id) => AdjustedSubject::Partner(PartnerId(id)),
                    Scored::Rep(id) => AdjustedSubject::Rep(UserId(id)),
                };
                let adjustments = adjusted
                    .remove(&(adjusted_as, program.code.clone()))
                    .unwrap_or_default();
                let found = figures.get(&earner.code);
                if found.is_none() && target.is_none() && adjustments.is_empty() {
                    continue;
                }
                let mut f = found.cloned().unwrap_or_default();
                if matches!(program.rules.reference, Reference::Growth { .. }) {
                    f.last_period_base.get_or_insert(0);
                }
                if program.rules.pay_on_collected_share {
                    f.collected.get_or_insert((0, 0));
                }
                let parts: Vec<Part> = f
                    .parts
                    .iter()
                    .map(|p| Part {
                        amount: p.amount,
                        factor: p.factor,
                    })
                    .collect();
                // Nothing invoiced is nothing outstanding: the whole share.
                let share = f.collected.map(|(collected, invoiced)| {
                    if invoiced <= 0 {
                        Decimal::ONE
                    } else {
                        (Decimal::from(collected.max(0)) / Decimal::from(invoiced))
                            .min(Decimal::ONE)
                    }
                });
                let inputs = Inputs {
                    base: f.base,
                    multiplied_base: multiplied_base(f.base, &parts)
                        * owner_share.unwrap_or(Decimal::ONE),
                    target,
                    last_period_base: f.last_period_base,
                    collected_share: share,
                    adjustments: &[],
                };
                let outcome = calculate(
                    &program.rules,
                    &Inputs {
                        adjustments: &adjustments,
                        ..inputs.clone()
                    },
                )?;
                let parts = serde_json::to_string(&sources(&f))
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                let ix = *earner_ix.entry(earner.scored).or_insert_with(|| {
                    earners.push(earner.clone());
                    earners.len() - 1
                });
                results.push(Computed {
                    program: pi,
                    earner: ix,
                    inputs,
                    adjustments,
                    outcome,
                    stacking: Stacking::EarnedNothing,
                    parts,
                });
            }
        }
        let mut by_earner: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, r) in results.iter().enumerate() {
            by_earner.entry(r.earner).or_default().push(i);
        }
        for indices in by_earner.values() {
            let candidates: Vec<Candidate> = indices
                .iter()
                .map(|&i| {
                    let program = &programs[results[i].program].program;
                    Candidate {
                        program: program.code.clone(),
                        stacking: program.stacking,
                        amount: results[i].outcome.amount,
                    }
                })
                .collect();
            let stacked = stack(&candidates);
            for &i in indices {
                let code = &programs[results[i].program].program.code;
                results[i].stacking = if stacked.applied.contains(code) {
                    Stacking::Applied
                } else if let Some((_, to)) = stacked.gave_way.iter().find(|(p, _)| p == code) {
                    Stacking::GaveWay(to.as_str().to_owned())
                } else {
                    Stacking::EarnedNothing
                };
            }
        }
        Ok(Computation { earners, results })
    }

    fn run_reach(caller: &Caller) -> ResultReach {
        ResultReach {
            scope: scope_in(caller, Area::Incentives),
            reps: match caller.role {
                Role::SalesRep => Some(Some(caller.user_id.0)),
                role if role.is_partner_role() => None,
                _ => Some(None),
            },
        }
    }

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
        let reach = Self::run_reach(caller);
        let partners: Option<BTreeSet<i64>> =
            qudao_store::analytics::partner_ids(self.db(), reach.scope)
                .await?
                .map(|ids| ids.into_iter().collect());
        let mut results = Vec::new();
        for r in &computation.results {
            let earner = &computation.earners[r.earner];
            let seen = match earner.scored {
                Scored::Partner(id) => partners.as_ref().is_none_or(|p| p.contains(&id)),
                Scored::Rep(id) => reach.reps.is_some_and(|only| only.is_none_or(|u| u == id)),
            };
            if !seen {
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
                created_at: now,
                calculated_at: now,
                approved_by: None,
                approved_at: None,
                paid_by: None,
                paid_at: None,
            },
            results,
        })
    }
}

fn parsed_parts(parts: &str) -> Result<serde_json::Value, AppError> {
    serde_json::from_str(parts).map_err(|e| AppError::Internal(format!("incentive parts: {e}")))
}

fn results_total(computation: &Computation, program: usize) -> i64 {
    computation
        .results
        .iter()
        .filter(|r| r.program == program && r.stacking == Stacking::Applied)
        .map(|r| r.outcome.amount)
        .sum()
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
    }
}

/// The programs of the stored runs, by version id.
type ProgramsById = HashMap<i64, ProgramRow>;

fn run_view(run: &RunRow, programs: &ProgramsById, totals: &HashMap<i64, i64>) -> RunView {
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
        created_at: run.created_at,
        calculated_at: run.calculated_at,
        approved_by: run.approved_by.clone(),
        approved_at: run.approved_at,
        paid_by: run.paid_by.clone(),
        paid_at: run.paid_at,
    }
}

impl Qudao {
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
        Ok(runs
            .iter()
            .map(|r| run_view(r, &programs, &HashMap::new()))
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
            run: run_view(&run, &programs, &totals),
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
            run: run_view(&run, &programs, &HashMap::new()),
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
        let reach = Self::run_reach(caller);
        let partners: Option<BTreeSet<i64>> =
            qudao_store::analytics::partner_ids(self.db(), reach.scope)
                .await?
                .map(|ids| ids.into_iter().collect());
        let seen = |s: &Scored| match *s {
            Scored::Partner(id) => partners.as_ref().is_none_or(|p| p.contains(&id)),
            Scored::Rep(id) => reach.reps.is_some_and(|only| only.is_none_or(|u| u == id)),
        };
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
            .filter(|d| seen(&d.key.0))
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
            run: run_view(&run, &programs_by_id, &HashMap::new()),
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
        repo::append(&tx, run.id, &settlements, &caller.login).await?;
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
    }
}

/// One subject near its next bracket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WatchView {
    pub code: String,
    pub name: String,
    pub program_code: String,
    pub program_name: String,
    /// `sell_in_net`, `sell_through`, `quantity` (units) or `collected`.
    pub measure: String,
    /// Attainment (or growth) now, a decimal ratio.
    pub attainment: Option<String>,
    /// The bracket reached now and the next one, counted from 1.
    pub bracket: Option<u32>,
    pub next_bracket: u32,
    /// Where the next bracket starts, a ratio (`1` = 100%).
    pub next_from: String,
    /// Its rate (a fraction) where it has one.
    pub next_rate: Option<String>,
    /// How much more base reaches it (minor units, or units).
    pub distance: i64,
    /// What the amount grows by there, minor units.
    pub extra_amount: i64,
}

/// The watchlist of a period: every subject whose next bracket is within
/// `within` (a share of its target or reference) of where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WatchlistView {
    pub period: String,
    pub provisional: bool,
    pub within: String,
    pub currency: String,
    pub rows: Vec<WatchView>,
}

/// The share of the reference a watchlist looks ahead by default.
pub const WATCH_WITHIN: Decimal = Decimal::from_parts(20, 0, 0, false, 2);

impl Qudao {
    /// Subjects within `within` of their next bracket in `period` (this
    /// fiscal quarter by default), closest first: for the manager every
    /// subject in reach, for a partner its own ("¥X more this quarter
    /// reaches 3%"). Computed, never written.
    pub async fn incentive_watchlist(
        &self,
        caller: &Caller,
        period: Option<&str>,
        within: Option<Decimal>,
    ) -> Result<WatchlistView, AppError> {
        if !caller.role.is_partner_role() {
            caller.require(Permission::ViewIncentives)?;
        }
        let settings = self.current_settings().await?;
        let fiscal = crate::targets::fiscal(settings.fiscal_year_start);
        let today = crate::today();
        let period = match crate::non_empty(period) {
            Some(p) => Period::parse("period", p)?,
            None => {
                let (year, quarter) = fiscal.quarter_of(today);
                Period::Quarter(year, quarter)
            }
        };
        let within = within.unwrap_or(WATCH_WITHIN);
        if within <= Decimal::ZERO || within > Decimal::ONE {
            return Err(Invalid::new(
                "within",
                Problem::Rule {
                    rule: "watch_within_range",
                },
            )
            .into());
        }
        let programs: Vec<ProgramRow> = qudao_store::incentives::all_versions(self.db())
            .await?
            .into_iter()
            .filter(|r| {
                r.status == ProgramStatus::Active && r.program.covers(period, fiscal).is_ok()
            })
            .collect();
        let computation = self.compute(period, &programs).await?;
        let reach = Self::run_reach(caller);
        let partners: Option<BTreeSet<i64>> =
            qudao_store::analytics::partner_ids(self.db(), reach.scope)
                .await?
                .map(|ids| ids.into_iter().collect());
        let mut rows = Vec::new();
        for r in &computation.results {
            let earner = &computation.earners[r.earner];
            let seen = match earner.scored {
                Scored::Partner(id) => partners.as_ref().is_none_or(|p| p.contains(&id)),
                Scored::Rep(id) => reach.reps.is_some_and(|only| only.is_none_or(|u| u == id)),
            };
            let program = &programs[r.program].program;
            let inputs = Inputs {
                adjustments: &r.adjustments,
                ..r.inputs.clone()
            };
            let Some(watch) =
                qudao_domain::incentives::watch::watch(&program.rules, &inputs, &r.outcome)?
            else {
                continue;
            };
            let Some(reference) = r.outcome.reference else {
                continue;
            };
            let near = Decimal::from(watch.distance) <= within * Decimal::from(reference.abs());
            if !seen || !near || watch.extra_amount <= 0 {
                continue;
            }
            let froms = program.rules.pay.froms();
            let next_rate = match &program.rules.pay {
                qudao_domain::incentives::program::Pay::Retroactive(b)
                | qudao_domain::incentives::program::Pay::Marginal(b) => b
                    .get(watch.next_bracket)
                    .map(|b| b.value.normalize().to_string()),
                _ => None,
            };
            rows.push(WatchView {
                code: earner.code.clone(),
                name: earner.name.clone(),
                program_code: program.code.as_str().to_owned(),
                program_name: program.name.clone(),
                measure: program.base.measure.as_str().to_owned(),
                attainment: r.outcome.ratio.map(|x| format!("{x:.6}")),
                bracket: r.outcome.bracket.map(|b| b as u32 + 1),
                next_bracket: watch.next_bracket as u32 + 1,
                next_from: froms
                    .get(watch.next_bracket)
                    .map(|f| f.normalize().to_string())
                    .unwrap_or_default(),
                next_rate,
                distance: watch.distance,
                extra_amount: watch.extra_amount,
            });
        }
        rows.sort_by(|a, b| a.distance.cmp(&b.distance).then(a.code.cmp(&b.code)));
        Ok(WatchlistView {
            period: period.to_string(),
            provisional: qudao_domain::targets::fiscal_days(period, fiscal).to() >= today,
            within: within.normalize().to_string(),
            currency: settings.currency.as_str().to_owned(),
            rows,
        })
    }
}
