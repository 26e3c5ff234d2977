//! The computation behind incentive runs, the watchlist, what-if and
//! accruals: which program versions apply, what each subject's base,
//! target and adjustments are (read once from the fact engine and the
//! store: `gather`), and what the rules make of them (`calculated`, pure).
//! Reading and calculating are apart so that a variant of a program's
//! rules is calculated again over the same reads without asking the engine
//! again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Serialize;

use qudao_domain::admin::Role;
use qudao_domain::dates::DateRange;
use qudao_domain::error::{Invalid, Problem};
use qudao_domain::incentives::program::{
    BaseMeasure, GrowthAgainst, Multiplier, ProgramKind, Reference,
};
use qudao_domain::incentives::run::{Part, multiplied_base};
use qudao_domain::incentives::stacking::{Candidate, stack};
use qudao_domain::incentives::{Adjustment, Inputs, Outcome, Program, ProgramCode, calculate};
use qudao_domain::money::Currency;
use qudao_domain::owner_moves::{OwnerSpan, credit as credit_by_days};
use qudao_domain::partners::PartnerId;
use qudao_domain::periods::{Month, Period};
use qudao_domain::scope::{DataScope, UserId};
use qudao_domain::targets::TargetMeasure;
use qudao_engine::{Dims, Group, QueryText, Sums};
use qudao_store::incentive_adjustments::Subject as AdjustedSubject;
use qudao_store::incentive_runs::Stacking;
use qudao_store::incentives::{ProgramRow, ProgramStatus};
use qudao_store::scorecards::{ResultReach, Scored};
use qudao_store::targets::{Internal, Reach, Subject, TargetFilter};

use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Qudao};

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
    /// A sku's names (Chinese, English) as they were at the run: a trace
    /// reads in names. A line's are the line's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    names: Option<[String; 2]>,
    amount: i64,
    factor: Decimal,
    /// How many times it counts toward points (1 unless a multiplier says).
    #[serde(skip_serializing_if = "is_one")]
    points_factor: Decimal,
}

fn is_one(factor: &Decimal) -> bool {
    *factor == Decimal::ONE
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
    /// The names (Chinese, English) of `skus`, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sku_names: Vec<[String; 2]>,
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
    /// The months a data-quality condition was judged on (those due).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    quality_months: Vec<String>,
}

/// A subject a run computes for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Earner {
    pub scored: Scored,
    pub code: String,
    pub name: String,
}

/// What was read for one subject × program, before any rule.
#[derive(Debug, Clone)]
pub(crate) struct Read {
    /// Index into the programs gathered for.
    pub program: usize,
    /// Index into `Gathered::earners`.
    pub earner: usize,
    /// The calculation's inputs without the adjustments (they are
    /// `adjustments`: `Inputs` borrows them).
    pub inputs: Inputs<'static>,
    pub adjustments: Vec<Adjustment>,
    /// The sources of the base, as JSON for the result's `parts`.
    pub parts: String,
    /// The points the read earns by the program's `points` (none without).
    pub points: Option<i64>,
}

impl Read {
    /// What `rules` make of this read.
    pub fn outcome(&self, program: &Program) -> Result<Outcome, Invalid> {
        calculate(
            &program.rules,
            &Inputs {
                adjustments: &self.adjustments,
                ..self.inputs.clone()
            },
        )
    }
}

/// Everything read for a set of programs over a period.
#[derive(Debug, Clone, Default)]
pub(crate) struct Gathered {
    pub earners: Vec<Earner>,
    pub reads: Vec<Read>,
}

/// One computed result before it is written.
pub(crate) struct Computed {
    pub program: usize,
    pub earner: usize,
    /// What the calculation read, for the watchlist to calculate again
    /// (its adjustments are `adjustments`).
    pub inputs: Inputs<'static>,
    pub adjustments: Vec<Adjustment>,
    pub outcome: Outcome,
    pub stacking: Stacking,
    pub parts: String,
    /// None for a program without points; 0 when it gave way.
    pub points: Option<i64>,
}

/// Everything a computation produced.
pub(crate) struct Computation {
    pub earners: Vec<Earner>,
    pub results: Vec<Computed>,
}

/// Which subjects a caller may see of a computation: the partners of its
/// data scope, and reps as `ResultReach::reps` says.
pub(crate) struct Seen {
    partners: Option<BTreeSet<i64>>,
    reps: Option<Option<i64>>,
}

impl Seen {
    pub fn may_see(&self, subject: Scored) -> bool {
        match subject {
            Scored::Partner(id) => self.partners.as_ref().is_none_or(|p| p.contains(&id)),
            Scored::Rep(id) => self.reps.is_some_and(|only| only.is_none_or(|u| u == id)),
        }
    }
}

/// The results of one program that were applied, summed.
pub(crate) fn results_total(computation: &Computation, program: usize) -> i64 {
    computation
        .results
        .iter()
        .filter(|r| r.program == program && r.stacking == Stacking::Applied)
        .map(|r| r.outcome.amount)
        .sum()
}

/// Every read calculated by its program's rules, then stacked per subject.
pub(crate) fn calculated(
    programs: &[&Program],
    gathered: Gathered,
) -> Result<Computation, Invalid> {
    let mut results = Vec::with_capacity(gathered.reads.len());
    for read in gathered.reads {
        let outcome = read.outcome(programs[read.program])?;
        results.push(Computed {
            program: read.program,
            earner: read.earner,
            inputs: read.inputs,
            adjustments: read.adjustments,
            outcome,
            stacking: Stacking::EarnedNothing,
            parts: read.parts,
            points: read.points,
        });
    }
    let mut by_earner: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, r) in results.iter().enumerate() {
        by_earner.entry(r.earner).or_default().push(i);
    }
    for indices in by_earner.values() {
        let candidates: Vec<Candidate> = indices
            .iter()
            .map(|&i| {
                let program = programs[results[i].program];
                Candidate {
                    program: program.code.clone(),
                    stacking: program.stacking,
                    amount: results[i].outcome.amount,
                }
            })
            .collect();
        let stacked = stack(&candidates);
        for &i in indices {
            let code = &programs[results[i].program].code;
            results[i].stacking = if stacked.applied.contains(code) {
                Stacking::Applied
            } else if let Some((_, to)) = stacked.gave_way.iter().find(|(p, _)| p == code) {
                // A program that gave way does not apply: no points either.
                if let Some(points) = &mut results[i].points {
                    *points = 0;
                }
                Stacking::GaveWay(to.as_str().to_owned())
            } else {
                Stacking::EarnedNothing
            };
        }
    }
    Ok(Computation {
        earners: gathered.earners,
        results,
    })
}

pub(crate) fn engine_measure(measure: BaseMeasure) -> &'static str {
    match measure {
        BaseMeasure::SellInNet => "sell_in_amount",
        BaseMeasure::SellThrough => "sell_through_amount",
        BaseMeasure::Quantity => "sell_in_qty",
        BaseMeasure::Collected => "collections",
    }
}

pub(crate) fn target_measure(measure: BaseMeasure) -> TargetMeasure {
    match measure {
        BaseMeasure::SellInNet => TargetMeasure::SellInAmount,
        BaseMeasure::SellThrough => TargetMeasure::SellThroughAmount,
        BaseMeasure::Quantity => TargetMeasure::Quantity,
        BaseMeasure::Collected => TargetMeasure::Collections,
    }
}

fn value_at(values: &[Option<i64>], i: usize) -> i64 {
    values.get(i).copied().flatten().unwrap_or(0)
}

impl Qudao {
    /// The versions a run computes: the one in force for the period of each
    /// named code, or every version in force whose period kind and dates
    /// cover the period. Errors name `programs[i]`.
    pub(crate) async fn run_programs(
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

    /// One question to the engine as the system, by index; a code the
    /// engine has not met yet (a line with no facts so far) is no facts.
    pub(crate) async fn incentive_sums(
        &self,
        text: QueryText,
    ) -> Result<Option<Arc<Sums>>, AppError> {
        match self
            .analytics_sums(&Caller::system("incentives"), &text)
            .await
        {
            Ok(sums) => Ok(Some(sums)),
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
            scope: DataScope::All,
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

    /// A commission's clawback per rep (by user id): what the invoices of
    /// the rep's partners, issued in the period in the program's currency,
    /// still owed `days` days after their issue, as of today. A partner's
    /// owed amount goes to its owners as its sales do (`CountTo::Owner`).
    async fn uncollected_by_owner(
        &self,
        months: &[Month],
        days: u32,
        currency: Currency,
        dims: &Dims,
        moves: &Moves,
    ) -> Result<HashMap<i64, i64>, AppError> {
        let (Some(first), Some(last)) = (months.first(), months.last()) else {
            return Ok(HashMap::new());
        };
        let issued = DateRange::new(first.first_day(), last.last_day(), "period")
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let ledger = qudao_store::receivables::ledger_in(self.db(), DataScope::All).await?;
        let index_of: HashMap<i64, u32> = dims
            .partners
            .iter()
            .enumerate()
            .map(|(ix, p)| (p.id, ix as u32))
            .collect();
        let to = CountTo::Owner {
            moves,
            window: issued,
        };
        let mut by_owner: HashMap<i64, i64> = HashMap::new();
        for (partner, owed) in ledger.uncollected_after(issued, days, crate::today(), currency) {
            if let Some(&ix) = index_of.get(&partner) {
                to.credit(dims, ix, owed, |owner, part| {
                    *by_owner.entry(owner).or_default() += part;
                });
            }
        }
        Ok(by_owner)
    }

    /// The engine's figures of every subject of one program, by the
    /// subject's id. Its questions leave out what sets programs apart (the
    /// product lines of the base, a growth rule's comparison): those are
    /// worked out of every partner's sums by product line, so programs
    /// alike in measure and narrowing share one scan of the facts.
    async fn program_figures(
        &self,
        program: &Program,
        months: &[Month],
        window: Option<(Month, Month)>,
        only: Option<&str>,
        moves: &Moves,
    ) -> Result<HashMap<i64, Figures>, AppError> {
        let commission = program.kind == ProgramKind::Commission;
        let count_to = |(first, last): (Month, Month)| -> Result<CountTo<'_>, AppError> {
            Ok(match commission {
                true => CountTo::Owner {
                    moves,
                    window: DateRange::new(first.first_day(), last.last_day(), "period")?,
                },
                false => CountTo::Partner,
            })
        };
        let base = &program.base;
        // A rep is credited with partners it held once and holds no more,
        // so a commission's question is never narrowed to one owner.
        let subject_filter = only
            .filter(|_| !commission)
            .map(|code| ("partner".to_owned(), vec![code.to_owned()]));
        let mut narrowing: Vec<(String, Vec<String>)> = Vec::new();
        if !base.categories.is_empty() {
            narrowing.push(("category".into(), base.categories.iter().cloned().collect()));
        }
        if !base.skus.is_empty() {
            narrowing.push((
                "product".into(),
                base.skus.iter().map(|s| s.as_str().to_owned()).collect(),
            ));
        }
        narrowing.extend(subject_filter.clone());
        let (Some(&first), Some(&last)) = (months.first(), months.last()) else {
            return Ok(HashMap::new());
        };
        let span = window.unwrap_or((first, last));
        let in_base = |dims: &Dims, group: &Group| {
            base.product_lines.is_empty()
                || line_code(dims, group.codes[1])
                    .is_some_and(|code| base.product_lines.iter().any(|l| l.as_str() == code))
        };
        let measure = engine_measure(base.measure);
        let downstream = base.count_downstream_purchases && base.measure == BaseMeasure::SellInNet;
        let sums_of = |measure: &str, span| by_partner_and_line(measure, &narrowing, span);
        let own = self.incentive_sums(sums_of(measure, span)).await?;
        let to = count_to(span)?;
        let own_by = summed(own.as_deref(), 0, to, in_base);
        let bought_by = match downstream {
            true => {
                let bought = self
                    .incentive_sums(sums_of("downstream_amount", span))
                    .await?;
                Some(summed(bought.as_deref(), 0, to, in_base))
            }
            false => None,
        };
        let mut figures: HashMap<i64, Figures> = HashMap::new();
        for (id, amount) in own_by.iter().chain(bought_by.iter().flatten()) {
            figures.entry(*id).or_default().base += amount;
        }
        if let Some(bought_by) = &bought_by {
            for (id, f) in &mut figures {
                f.downstream = Some(bought_by.get(id).copied().unwrap_or(0));
            }
        }
        // Against the whole period before, even for facts through a month:
        // a growth rule projects against what the last period ended at.
        if let Reference::Growth { against } = program.rules.reference {
            let back = match against {
                GrowthAgainst::SamePeriodLastYear => 12,
                GrowthAgainst::PreviousPeriod => months.len(),
            };
            let before = (months_back(first, back), months_back(last, back));
            let to_before = count_to(before)?;
            let mut last_by = summed(
                self.incentive_sums(sums_of(measure, before))
                    .await?
                    .as_deref(),
                0,
                to_before,
                in_base,
            );
            if downstream {
                let bought = self
                    .incentive_sums(sums_of("downstream_amount", before))
                    .await?;
                for (id, amount) in summed(bought.as_deref(), 0, to_before, in_base) {
                    *last_by.entry(id).or_default() += amount;
                }
            }
            for (id, f) in &mut figures {
                f.last_period_base = Some(last_by.get(id).copied().unwrap_or(0));
            }
        }
        if !program.multipliers.is_empty() {
            self.multiplied_parts(program, own.as_deref(), &narrowing, span, to, &mut figures)
                .await?;
        }
        if program.rules.pay_on_collected_share {
            let text = QueryText {
                measures: vec!["collections".into(), "invoiced".into()],
                by: vec!["partner".into()],
                filters: subject_filter.into_iter().collect(),
                ..months_between(span)
            };
            let sums = self.incentive_sums(text).await?;
            let collected = summed(sums.as_deref(), 0, to, |_, _| true);
            let invoiced = summed(sums.as_deref(), 1, to, |_, _| true);
            for (id, f) in &mut figures {
                f.collected = Some((
                    collected.get(id).copied().unwrap_or(0),
                    invoiced.get(id).copied().unwrap_or(0),
                ));
            }
        }
        Ok(figures)
    }

    /// The parts of each subject's base that a multiplier counts more: the
    /// skus a multiplier names (their own factor wins), then the lines
    /// without those skus. `own`: the base's sums by partner and line.
    async fn multiplied_parts(
        &self,
        program: &Program,
        own: Option<&Sums>,
        narrowing: &[(String, Vec<String>)],
        span: (Month, Month),
        to: CountTo<'_>,
        figures: &mut HashMap<i64, Figures>,
    ) -> Result<(), AppError> {
        let base = &program.base;
        let factors = |found: Option<&Multiplier>| {
            found.map_or((Decimal::ONE, Decimal::ONE), |m| {
                (m.base_factor, m.points_factor)
            })
        };
        // Within the base's own restriction of the same kind.
        let skus: Vec<String> = program
            .multipliers
            .iter()
            .flat_map(|m| m.skus.iter())
            .filter(|s| base.skus.is_empty() || base.skus.contains(*s))
            .map(|s| s.as_str().to_owned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let lines: BTreeSet<&str> = program
            .multipliers
            .iter()
            .flat_map(|m| m.lines.iter())
            .filter(|l| base.product_lines.is_empty() || base.product_lines.contains(*l))
            .map(|l| l.as_str())
            .collect();
        // (subject, line) → the amount of skus with their own factor.
        let mut sku_amount_in_line: HashMap<(i64, String), i64> = HashMap::new();
        if !skus.is_empty() {
            let mut filters: Vec<(String, Vec<String>)> = narrowing
                .iter()
                .filter(|(dim, _)| dim != "product")
                .cloned()
                .collect();
            filters.push(("product".into(), skus));
            if !base.product_lines.is_empty() {
                let lines = base.product_lines.iter().map(|l| l.as_str().to_owned());
                filters.push(("product_line".into(), lines.collect()));
            }
            let text = QueryText {
                measures: vec![engine_measure(base.measure).to_owned()],
                by: vec!["partner".into(), "product".into()],
                filters,
                ..months_between(span)
            };
            if let Some(sums) = self.incentive_sums(text).await? {
                let dims = &*sums.dims;
                for ((id, product), amount) in by_subject_and(&sums, to, |_| true) {
                    let Some(sku) = dims.products.get(product as usize) else {
                        continue;
                    };
                    let (factor, points_factor) = factors(
                        program
                            .multipliers
                            .iter()
                            .find(|m| m.skus.iter().any(|s| s.as_str() == sku.sku)),
                    );
                    let line = line_code(dims, sku.line).unwrap_or_default().to_owned();
                    *sku_amount_in_line.entry((id, line)).or_default() += amount;
                    if let Some(f) = figures.get_mut(&id) {
                        f.parts.push(PartView {
                            by: "sku",
                            code: sku.sku.clone(),
                            names: Some([sku.name_zh.clone(), sku.name_en.clone()]),
                            amount,
                            factor,
                            points_factor,
                        });
                    }
                }
            }
        }
        let Some(own) = own.filter(|_| !lines.is_empty()) else {
            return Ok(());
        };
        let dims = &*own.dims;
        let named = |line: u32| line_code(dims, line).is_some_and(|code| lines.contains(code));
        for ((id, line), amount) in by_subject_and(own, to, named) {
            let code = line_code(dims, line).unwrap_or_default().to_owned();
            let own_factor = sku_amount_in_line
                .get(&(id, code.clone()))
                .copied()
                .unwrap_or(0);
            let (factor, points_factor) = factors(
                program
                    .multipliers
                    .iter()
                    .find(|m| m.lines.iter().any(|l| l.as_str() == code)),
            );
            if let Some(f) = figures.get_mut(&id) {
                f.parts.push(PartView {
                    by: "product_line",
                    code,
                    names: None,
                    amount: amount - own_factor,
                    factor,
                    points_factor,
                });
            }
        }
        Ok(())
    }
}

/// Every partner's `measure` by product line over the months of `span`,
/// narrowed by `filters`.
fn by_partner_and_line(
    measure: &str,
    filters: &[(String, Vec<String>)],
    span: (Month, Month),
) -> QueryText {
    QueryText {
        measures: vec![measure.to_owned()],
        by: vec!["partner".into(), "product_line".into()],
        filters: filters.to_vec(),
        ..months_between(span)
    }
}

/// A question over the months from `span.0` to `span.1`.
fn months_between((first, last): (Month, Month)) -> QueryText {
    QueryText {
        from: Some(first.to_string()),
        to: Some(last.to_string()),
        ..QueryText::default()
    }
}

/// The month `n` months before `month`.
fn months_back(month: Month, n: usize) -> Month {
    (0..n).fold(month, |m, _| m.previous())
}

/// The code of a product line by its index (none for `NONE`).
fn line_code(dims: &Dims, line: u32) -> Option<&str> {
    dims.lines.get(line as usize).map(|l| l.code.as_str())
}

/// The owner histories of the partners that changed owner (by partner
/// id), read once per gather; empty when no program is a commission.
type Moves = HashMap<i64, Vec<OwnerSpan>>;

/// To whom a partner's facts count in a program.
#[derive(Clone, Copy)]
enum CountTo<'a> {
    /// A rebate or promotion: the partner itself.
    Partner,
    /// A commission: the partner's owner (nobody without one). A partner
    /// that changed owner is handed out by the days each owner held it
    /// within `window`, exactly as rep targets and attainment are
    /// (`owner_moves::credit`), so a commission's base and its target
    /// agree on who had the partner.
    Owner { moves: &'a Moves, window: DateRange },
}

impl CountTo<'_> {
    /// Hands a partner's `amount` to the subjects it counts to (store ids).
    fn credit(self, dims: &Dims, partner: u32, amount: i64, mut add: impl FnMut(i64, i64)) {
        let Some(partner) = dims.partners.get(partner as usize) else {
            return;
        };
        match self {
            CountTo::Partner => add(partner.id, amount),
            CountTo::Owner { moves, window } => match moves.get(&partner.id) {
                Some(spans) => {
                    for (owner, part) in credit_by_days(amount, spans, window) {
                        if let Some(owner) = owner {
                            add(owner, part);
                        }
                    }
                }
                None => {
                    if let Some(owner) = dims.owners.get(partner.owner as usize) {
                        add(owner.id, amount);
                    }
                }
            },
        }
    }
}

/// The measure in `slot` of a split by partner (then anything), summed
/// per subject over the groups `keep` keeps. A subject is there when one
/// of its groups is, even at zero, as the engine answers.
fn summed(
    sums: Option<&Sums>,
    slot: usize,
    to: CountTo<'_>,
    keep: impl Fn(&Dims, &Group) -> bool,
) -> HashMap<i64, i64> {
    let Some(sums) = sums else {
        return HashMap::new();
    };
    let dims = &*sums.dims;
    // By the partner's index first: a map per group would cost more than
    // the sums.
    let mut by_partner: Vec<Option<i64>> = vec![None; dims.partners.len()];
    for group in sums.groups.iter().filter(|g| keep(dims, g)) {
        if let Some(sum) = by_partner.get_mut(group.codes[0] as usize) {
            *sum.get_or_insert(0) += value_at(&group.values, slot);
        }
    }
    let mut by_subject = HashMap::new();
    for (ix, sum) in by_partner.into_iter().enumerate() {
        if let Some(sum) = sum {
            to.credit(dims, ix as u32, sum, |id, part| {
                *by_subject.entry(id).or_insert(0) += part;
            });
        }
    }
    by_subject
}

/// The first measure of a split by partner and one more dimension, per
/// (subject, that dimension's index) the second index `keep` keeps, in
/// order: the parts of a trace list alike on every run.
fn by_subject_and(
    sums: &Sums,
    to: CountTo<'_>,
    keep: impl Fn(u32) -> bool,
) -> BTreeMap<(i64, u32), i64> {
    let mut sums_by = BTreeMap::new();
    for group in &sums.groups {
        let [partner, second] = group.codes[..] else {
            continue;
        };
        if keep(second) {
            to.credit(
                &sums.dims,
                partner,
                value_at(&group.values, 0),
                |id, part| {
                    *sums_by.entry((id, second)).or_insert(0) += part;
                },
            );
        }
    }
    sums_by
}

/// Whether a partner lies in a rebate's or promotion's scope.
fn partner_in_scope(program: &Program, dims: &Dims, partner: usize) -> bool {
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

impl Qudao {
    /// Reads every input of the programs for the period: subjects, bases,
    /// targets and adjustments.
    pub(crate) async fn gather(
        &self,
        period: Period,
        programs: &[&Program],
    ) -> Result<Gathered, AppError> {
        self.gather_with(period, programs, None, None).await
    }

    /// `gather` for one subject (by its code), as a page asks for a single
    /// partner: the engine is asked about it alone, and it is read even
    /// before it has a figure, target or adjustment.
    pub(crate) async fn gather_only(
        &self,
        period: Period,
        programs: &[&Program],
        only: Option<&str>,
    ) -> Result<Gathered, AppError> {
        self.gather_with(period, programs, None, only).await
    }

    /// [`Qudao::gather`] with the facts through month `through` only (the
    /// whole period when it has ended by then); targets, adjustments and a
    /// growth rule's last period stay the whole period's.
    pub(crate) async fn gather_through(
        &self,
        period: Period,
        programs: &[&Program],
        through: Option<Month>,
    ) -> Result<Gathered, AppError> {
        self.gather_with(period, programs, through, None).await
    }

    async fn gather_with(
        &self,
        period: Period,
        programs: &[&Program],
        through: Option<Month>,
        only: Option<&str>,
    ) -> Result<Gathered, AppError> {
        let fiscal = crate::targets::fiscal(self.current_settings().await?.fiscal_year_start);
        let months = qudao_domain::targets::fiscal_months(period, fiscal);
        let window = through
            .filter(|m| months.last().is_some_and(|last| m < last))
            .map(|m| (months[0], m));
        let snapshot = self.analytics_snapshot().await?;
        let dims = &snapshot.dims;
        let targets = self.targets_in_force(period).await?;
        let line_ids: HashMap<String, i64> = qudao_store::catalog::lines(self.db())
            .await?
            .into_iter()
            .map(|l| (l.code, l.id))
            .collect();
        let (Some(&first), Some(&last)) = (months.first(), months.last()) else {
            return Err(AppError::Internal(format!("{period} has no months")));
        };
        let (first, last) = window.unwrap_or((first, last));
        let codes: Vec<ProgramCode> = programs.iter().map(|p| p.code.clone()).collect();
        let mut adjusted =
            qudao_store::incentive_adjustments::of_period(self.db(), period, Some(&codes)).await?;
        let judged = |p: &Program| p.conditions.min_data_quality.is_some();
        let (quality_months, quality) = if programs.iter().any(|p| judged(p)) {
            let ids: BTreeSet<i64> = dims
                .partners
                .iter()
                .filter(|p| only.is_none_or(|code| code == p.code))
                .map(|p| p.id)
                .collect();
            self.period_quality(&ids, &months).await?
        } else {
            (Vec::new(), HashMap::new())
        };
        let mut moves = Moves::new();
        if programs.iter().any(|p| p.kind == ProgramKind::Commission) {
            for row in qudao_store::owner_moves::of_moved_partners(self.db()).await? {
                moves.entry(row.partner_id).or_default().push(row.span());
            }
        }
        let mut earners: Vec<Earner> = Vec::new();
        let mut earner_ix: HashMap<Scored, usize> = HashMap::new();
        let mut reads: Vec<Read> = Vec::new();
        for (pi, program) in programs.iter().enumerate() {
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
            let figures = self
                .program_figures(program, &months, window, only, &moves)
                .await?;
            let uncollected = match program.rules.clawback_days {
                Some(days) => {
                    self.uncollected_by_owner(&months, days, program.currency, dims, &moves)
                        .await?
                }
                None => HashMap::new(),
            };
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
            let sku_names: Vec<[String; 2]> = base
                .skus
                .iter()
                .map(|sku| {
                    dims.products
                        .iter()
                        .find(|p| p.sku == sku.as_str())
                        .map_or_else(Default::default, |p| [p.name_zh.clone(), p.name_en.clone()])
                })
                .collect();
            let sources = |f: &Figures| Sources {
                measure: engine_measure(base.measure),
                first_month: first.to_string(),
                last_month: last.to_string(),
                product_lines: base.product_lines.iter().map(|l| l.as_str()).collect(),
                categories: base.categories.iter().map(String::as_str).collect(),
                skus: base.skus.iter().map(|s| s.as_str()).collect(),
                sku_names: sku_names.clone(),
                downstream: f.downstream,
                multiplied: f.parts.clone(),
                collected: f.collected.map(|c| c.0),
                invoiced: f.collected.map(|c| c.1),
                compared_with: match program.rules.reference {
                    Reference::Growth { against } => Some(against.as_str()),
                    _ => None,
                },
                owner_share,
                quality_months: if judged(program) {
                    quality_months.iter().map(ToString::to_string).collect()
                } else {
                    Vec::new()
                },
            };
            for earner in subjects {
                if only.is_some_and(|code| code != earner.code) {
                    continue;
                }
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
                let found = figures.get(&match earner.scored {
                    Scored::Partner(id) | Scored::Rep(id) => id,
                });
                if found.is_none() && target.is_none() && adjustments.is_empty() && only.is_none() {
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
                    data_quality: match earner.scored {
                        Scored::Partner(id) if judged(program) => quality.get(&id).copied(),
                        _ => None,
                    },
                    // At the owner's share, as the base it comes off.
                    uncollected: program.rules.clawback_days.map(|_| {
                        let owed = match earner.scored {
                            Scored::Rep(id) => uncollected.get(&id).copied().unwrap_or(0),
                            Scored::Partner(_) => 0,
                        };
                        Decimal::from(owed) * owner_share.unwrap_or(Decimal::ONE)
                    }),
                    adjustments: &[],
                };
                let points = program.points.map(|rule| {
                    let weighted: Vec<Part> = f
                        .parts
                        .iter()
                        .map(|p| Part {
                            amount: p.amount,
                            factor: p.points_factor,
                        })
                        .collect();
                    rule.earned(multiplied_base(f.base, &weighted))
                });
                let parts = serde_json::to_string(&sources(&f))
                    .map_err(|e| AppError::Internal(e.to_string()))?;
                let ix = *earner_ix.entry(earner.scored).or_insert_with(|| {
                    earners.push(earner.clone());
                    earners.len() - 1
                });
                reads.push(Read {
                    program: pi,
                    earner: ix,
                    inputs,
                    adjustments,
                    parts,
                    points,
                });
            }
        }
        Ok(Gathered { earners, reads })
    }

    /// Computes the programs for the period, writing nothing.
    pub(crate) async fn compute(
        &self,
        period: Period,
        programs: &[ProgramRow],
    ) -> Result<Computation, AppError> {
        let programs: Vec<&Program> = programs.iter().map(|r| &r.program).collect();
        let gathered = self.gather(period, &programs).await?;
        Ok(calculated(&programs, gathered)?)
    }

    /// Who of a computation's subjects the caller may see.
    pub(crate) async fn seen_by(&self, caller: &Caller) -> Result<Seen, AppError> {
        let reach = Self::run_reach(caller);
        Ok(Seen {
            partners: qudao_store::analytics::partner_ids(self.db(), reach.scope)
                .await?
                .map(|ids| ids.into_iter().collect()),
            reps: reach.reps,
        })
    }

    pub(crate) fn run_reach(caller: &Caller) -> ResultReach {
        ResultReach {
            scope: scope_in(caller, Area::Incentives),
            reps: match caller.role {
                Role::SalesRep => Some(Some(caller.user_id.0)),
                role if role.is_partner_role() => None,
                _ => Some(None),
            },
        }
    }
}
