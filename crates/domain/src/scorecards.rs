//! Scorecards (评分卡): weighted KPIs that judge a partner (or a sales rep)
//! on more than volume, explain every point of the total, rank partners
//! within their type and region, propose grade moves, show how to reach
//! the next grade, and pick award winners.
//!
//! Rounding, stated once: a KPI's score is rounded to two decimals, half
//! away from zero ([`Score`]); the weighted points (score × weight ÷ 100)
//! are kept exact; the total is their sum less deductions, held within
//! 0–100 and rounded once to two decimals, half away from zero. So the
//! points a partner sees add up to its total.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{Invalid, Problem, string_enum};
use crate::grades::{GradeCode, GradeMove, Rank, Thresholds};
use crate::score::{SCORE_DIGITS, Score};

string_enum! {
    /// Whom a template judges: partners (a template per partner type) or
    /// the company's own sales reps.
    ScorecardSubject, "subject" {
        Partner => "partner",
        Rep => "rep",
    }
}

string_enum! {
    /// The KPIs a scorecard can weigh. Inputs are exact decimals in the
    /// KPI's natural unit: percents for rates, shares and growth (`95.5`),
    /// days for turnover and response time, counts for customers, partners,
    /// visits and violations, a 0–100 (or imported) rating for satisfaction.
    KpiCode, "kpi" {
        SellInAttainment => "sell_in_attainment",
        SellThroughGrowth => "sell_through_growth",
        CollectionRate => "collection_rate",
        InventoryTurnoverDays => "inventory_turnover_days",
        GrossMargin => "gross_margin",
        NewEndCustomers => "new_end_customers",
        ProductCoverage => "product_coverage",
        ReportingDiscipline => "reporting_discipline",
        CustomerSatisfaction => "customer_satisfaction",
        ServiceResponseTime => "service_response_time",
        TrainingCompletion => "training_completion",
        ComplianceViolations => "compliance_violations",
        RepTargetAttainment => "rep_target_attainment",
        RepPartnerCollectionRate => "rep_partner_collection_rate",
        RepPartnerGrowth => "rep_partner_growth",
        RepNewPartners => "rep_new_partners",
        RepVisits => "rep_visits",
    }
}

/// Which way a KPI's input gets better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

impl KpiCode {
    pub fn subject(self) -> ScorecardSubject {
        match self {
            Self::RepTargetAttainment
            | Self::RepPartnerCollectionRate
            | Self::RepPartnerGrowth
            | Self::RepNewPartners
            | Self::RepVisits => ScorecardSubject::Rep,
            _ => ScorecardSubject::Partner,
        }
    }

    /// Fixed by what the KPI means rather than set per template, so no
    /// template can reward slow service by mistake.
    pub fn direction(self) -> Direction {
        match self {
            Self::InventoryTurnoverDays
            | Self::ServiceResponseTime
            | Self::ComplianceViolations => Direction::LowerIsBetter,
            _ => Direction::HigherIsBetter,
        }
    }

    /// Violations take points off the total instead of earning weighted
    /// points: a clean record is expected, not rewarded.
    pub fn is_deduction(self) -> bool {
        self == Self::ComplianceViolations
    }
}

fn rule(field: &'static str, rule: &'static str) -> Invalid {
    Invalid::new(field, Problem::Rule { rule })
}

fn conflict(field: &'static str, rule: &'static str, with: &dyn ToString) -> Invalid {
    Invalid::new(
        field,
        Problem::Conflict {
            rule,
            with: with.to_string(),
        },
    )
}

/// Parses a number with at most two decimals as people type a weight, a
/// floor or target, a band's start or points per violation (`12.5`, `-3`).
pub fn parse_number(field: &'static str, value: &str) -> Result<Decimal, Invalid> {
    parse_decimal(field, value, "12.5")
}

fn parse_decimal(
    field: &'static str,
    value: &str,
    expected: &'static str,
) -> Result<Decimal, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::new(field, Problem::Required));
    }
    let bad = || Invalid::new(field, Problem::Format { expected });
    let unsigned = value.strip_prefix('-').unwrap_or(value);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return Err(bad());
    }
    let number: Decimal = value.parse().map_err(|_| bad())?;
    if number.normalize().scale() > 2 {
        return Err(bad());
    }
    Ok(number.normalize())
}

/// A KPI's weight in percent of the total: above 0, at most 100, at most
/// two decimals (`25`, `12.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Weight(Decimal);

impl Weight {
    pub fn parse(field: &'static str, value: &str) -> Result<Self, Invalid> {
        let number = parse_decimal(field, value, "12.5")?;
        Self::new(number).ok_or_else(|| rule(field, "scorecard_weight_range"))
    }

    /// `None` outside (0, 100] or with more than two decimals.
    pub fn new(value: Decimal) -> Option<Self> {
        let value = value.normalize();
        (value > Decimal::ZERO && value <= Decimal::ONE_HUNDRED && value.scale() <= 2)
            .then_some(Self(value))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl serde::Serialize for Weight {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One step of a banded rule: inputs from `from` up to the next step's
/// `from` score `score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct BandStep {
    pub from: Decimal,
    pub score: Score,
}

/// How a KPI's input becomes a 0–100 score.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scoring {
    /// 0 at the floor or worse, 100 at the target or better, linear
    /// between. Capped at 100: beating the target earns nothing more,
    /// so no single KPI can make up for neglecting the others. For a
    /// lower-is-better KPI the floor is the larger number (60 days of
    /// stock scores 0, 30 days scores 100).
    Linear { floor: Decimal, target: Decimal },
    /// Steps in ascending `from`; an input scores the step it reaches. An
    /// input below the first step scores 0. For a lower-is-better KPI the
    /// steps' scores simply fall as `from` rises.
    Bands(Vec<BandStep>),
}

impl Scoring {
    fn check(&self, direction: Direction) -> Result<(), Invalid> {
        match self {
            Self::Linear { floor, target } => match direction {
                Direction::HigherIsBetter if floor >= target => {
                    Err(rule("floor", "scorecard_floor_below_target"))
                }
                Direction::LowerIsBetter if floor <= target => {
                    Err(rule("floor", "scorecard_floor_above_target"))
                }
                _ => Ok(()),
            },
            Self::Bands(steps) => {
                if steps.is_empty() {
                    return Err(rule("bands", "scorecard_bands_empty"));
                }
                if steps.windows(2).any(|w| w[0].from >= w[1].from) {
                    return Err(rule("bands", "scorecard_bands_not_ascending"));
                }
                Ok(())
            }
        }
    }

    /// The score of an input, rounded to two decimals.
    pub fn score(&self, direction: Direction, input: Decimal) -> Score {
        let exact = match self {
            Self::Linear { floor, target } => {
                let (worse, better, gained) = match direction {
                    Direction::HigherIsBetter => (input <= *floor, input >= *target, input - floor),
                    Direction::LowerIsBetter => (input >= *floor, input <= *target, floor - input),
                };
                if worse {
                    Decimal::ZERO
                } else if better {
                    Decimal::ONE_HUNDRED
                } else {
                    gained * Decimal::ONE_HUNDRED / (target - floor).abs()
                }
            }
            Self::Bands(steps) => steps
                .iter()
                .rev()
                .find(|step| step.from <= input)
                .map_or(Decimal::ZERO, |step| step.score.value()),
        };
        // Both rules stay within 0–100 by construction; the fallback keeps
        // that true even for a rule built without `Template::new`'s checks.
        Score::new(exact).unwrap_or(if exact > Decimal::ZERO {
            Score::MAX
        } else {
            Score::MIN
        })
    }

    /// The input that just reaches `score` (the worst input scoring at
    /// least that much); `None` when no input does.
    fn input_for(&self, direction: Direction, score: Decimal) -> Option<Decimal> {
        if score > Decimal::ONE_HUNDRED {
            return None;
        }
        match self {
            // Exact: dividing by 100 always terminates.
            Self::Linear { floor, target } => {
                Some(floor + (target - floor) * score / Decimal::ONE_HUNDRED)
            }
            Self::Bands(steps) => {
                let mut reaching = steps.iter().filter(|s| s.score.value() >= score);
                match direction {
                    Direction::HigherIsBetter => reaching.next(),
                    Direction::LowerIsBetter => reaching.next_back(),
                }
                .map(|s| s.from)
            }
        }
    }
}

/// What a KPI contributes: weighted points, or a deduction.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KpiRule {
    Weighted {
        weight: Weight,
        scoring: Scoring,
    },
    /// Points off the total per violation (the total never falls below 0).
    Deduction {
        points_per_violation: Decimal,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Kpi {
    pub code: KpiCode,
    pub rule: KpiRule,
}

/// A checked scorecard template: KPIs of one subject, each once, weights
/// of the weighted ones summing to exactly 100.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Template {
    subject: ScorecardSubject,
    kpis: Vec<Kpi>,
}

impl Template {
    /// Refuses: no KPIs (`scorecard_no_kpis`), a KPI of the other subject
    /// (`scorecard_kpi_wrong_subject`) or twice (`scorecard_kpi_repeated`),
    /// a deduction rule on a scored KPI or the reverse
    /// (`scorecard_deduction_only_for_violations`), points per violation
    /// outside (0, 100] (`scorecard_deduction_range`), a bad scoring rule,
    /// and weights not summing to 100 (`scorecard_weights_not_100`, naming
    /// the sum).
    pub fn new(subject: ScorecardSubject, kpis: Vec<Kpi>) -> Result<Self, Invalid> {
        if kpis.is_empty() {
            return Err(rule("kpis", "scorecard_no_kpis"));
        }
        let mut seen = BTreeSet::new();
        let mut sum = Decimal::ZERO;
        for kpi in &kpis {
            if kpi.code.subject() != subject {
                return Err(conflict("kpis", "scorecard_kpi_wrong_subject", &kpi.code));
            }
            if !seen.insert(kpi.code) {
                return Err(conflict("kpis", "scorecard_kpi_repeated", &kpi.code));
            }
            match &kpi.rule {
                KpiRule::Weighted { weight, scoring } if !kpi.code.is_deduction() => {
                    scoring.check(kpi.code.direction())?;
                    sum += weight.value();
                }
                KpiRule::Deduction {
                    points_per_violation,
                } if kpi.code.is_deduction() => {
                    if *points_per_violation <= Decimal::ZERO
                        || *points_per_violation > Decimal::ONE_HUNDRED
                        || points_per_violation.normalize().scale() > 2
                    {
                        return Err(rule("points_per_violation", "scorecard_deduction_range"));
                    }
                }
                _ => {
                    return Err(conflict(
                        "kpis",
                        "scorecard_deduction_only_for_violations",
                        &kpi.code,
                    ));
                }
            }
        }
        if sum != Decimal::ONE_HUNDRED {
            return Err(conflict(
                "weights",
                "scorecard_weights_not_100",
                &sum.normalize(),
            ));
        }
        Ok(Self { subject, kpis })
    }

    pub fn subject(&self) -> ScorecardSubject {
        self.subject
    }

    pub fn kpis(&self) -> &[Kpi] {
        &self.kpis
    }
}

/// The figures a subject is scored on, by KPI. Inputs for KPIs the
/// template does not hold are ignored: the engine may compute every KPI
/// for every partner.
pub type Inputs = BTreeMap<KpiCode, Decimal>;

/// One KPI's line of an evaluation: what went in and what came out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KpiResult {
    pub code: KpiCode,
    /// `None` when no figure was given.
    pub input: Option<Decimal>,
    /// The KPI's 0–100 score; `None` for a deduction.
    pub score: Option<Score>,
    pub weight: Option<Weight>,
    /// Weighted points (score × weight ÷ 100, exact), or the negative
    /// points a deduction takes off.
    pub points: Decimal,
    /// A missing input scores 0, not skipped with the other weights
    /// scaled up: a partner must never gain by not reporting a figure.
    /// (A missing violation count deducts nothing.) The flag lets every
    /// page say why the line is 0.
    pub missing_input: bool,
}

/// A scored subject: the lines in template order and the total.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evaluation {
    pub kpis: Vec<KpiResult>,
    pub total: Score,
}

impl Evaluation {
    /// Points before the total is held within 0–100 and rounded.
    fn raw_total(&self) -> Decimal {
        self.kpis.iter().map(|k| k.points).sum()
    }

    pub fn kpi(&self, code: KpiCode) -> Option<&KpiResult> {
        self.kpis.iter().find(|k| k.code == code)
    }

    /// The inputs this evaluation was made from, so it can be replayed.
    pub fn inputs(&self) -> Inputs {
        self.kpis
            .iter()
            .filter_map(|k| k.input.map(|input| (k.code, input)))
            .collect()
    }
}

/// Scores `inputs` by `template`. Pure and deterministic: the same
/// template and inputs give the identical evaluation, and the total does
/// not depend on the order of the KPIs. A violation count must be a
/// whole number, at least 0 (`scorecard_violations_not_a_count`).
pub fn evaluate(template: &Template, inputs: &Inputs) -> Result<Evaluation, Invalid> {
    let mut kpis = Vec::with_capacity(template.kpis.len());
    for kpi in &template.kpis {
        let input = inputs.get(&kpi.code).copied();
        let result = match &kpi.rule {
            KpiRule::Weighted { weight, scoring } => {
                let score = input.map_or(Score::MIN, |x| scoring.score(kpi.code.direction(), x));
                KpiResult {
                    code: kpi.code,
                    input,
                    score: Some(score),
                    weight: Some(*weight),
                    points: score.value() * weight.value() / Decimal::ONE_HUNDRED,
                    missing_input: input.is_none(),
                }
            }
            KpiRule::Deduction {
                points_per_violation,
            } => {
                if input.is_some_and(|n| n < Decimal::ZERO || n.fract() != Decimal::ZERO) {
                    return Err(conflict(
                        "inputs",
                        "scorecard_violations_not_a_count",
                        &kpi.code,
                    ));
                }
                KpiResult {
                    code: kpi.code,
                    input,
                    score: None,
                    weight: None,
                    // An absurd count still deducts everything, never panics.
                    points: -input
                        .unwrap_or_default()
                        .checked_mul(*points_per_violation)
                        .unwrap_or(Decimal::MAX),
                    missing_input: input.is_none(),
                }
            }
        };
        kpis.push(result);
    }
    let mut evaluation = Evaluation {
        kpis,
        total: Score::MIN,
    };
    evaluation.total = total_of(evaluation.raw_total());
    Ok(evaluation)
}

fn total_of(raw: Decimal) -> Score {
    let held = raw.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED);
    Score::new(held.round_dp_with_strategy(SCORE_DIGITS, RoundingStrategy::MidpointAwayFromZero))
        .unwrap_or(Score::MIN)
}

/// One subject's place among its group.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Standing<G, C> {
    pub group: G,
    pub code: C,
    pub total: Score,
    /// 1 for the best; equal totals share a rank and the next rank is
    /// skipped (1, 1, 3), so a rank says how many did better.
    pub rank: u32,
}

/// Ranks subjects within their group (for partners: type and region),
/// best total first; equal totals share a rank and are listed by code,
/// so the order never depends on the input order.
pub fn rank<G: Ord + Clone, C: Ord + Clone>(
    entries: impl IntoIterator<Item = (G, C, Score)>,
) -> Vec<Standing<G, C>> {
    let mut entries: Vec<(G, C, Score)> = entries.into_iter().collect();
    entries.sort_by(|a, b| (&a.0, Reverse(a.2), &a.1).cmp(&(&b.0, Reverse(b.2), &b.1)));
    let mut standings: Vec<Standing<G, C>> = Vec::with_capacity(entries.len());
    let mut in_group = 0u32;
    for (group, code, total) in entries {
        let rank = match standings.last() {
            Some(prev) if prev.group == group => {
                in_group += 1;
                if prev.total == total {
                    prev.rank
                } else {
                    in_group
                }
            }
            _ => {
                in_group = 1;
                1
            }
        };
        standings.push(Standing {
            group,
            code,
            total,
            rank,
        });
    }
    standings
}

/// A grade of the program as a proposal needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeStep {
    pub code: GradeCode,
    pub rank: Rank,
    pub thresholds: Thresholds,
}

/// A proposed move for a manager to approve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeProposal {
    pub movement: GradeMove,
    pub from: GradeCode,
    pub to: GradeCode,
}

/// What an evaluation's total means for a subject holding `current`: the
/// current grade's thresholds decide ([`Thresholds::review`]); a move goes
/// one grade up or down the ladder (by rank), never further, so a manager
/// approves each step. `None` when it stays, or when there is no grade to
/// move to. A grade not on the ladder is refused (`grade_unknown`).
pub fn propose_grade(
    total: Score,
    current: &GradeCode,
    ladder: &[GradeStep],
) -> Result<Option<GradeProposal>, Invalid> {
    let held = ladder
        .iter()
        .find(|g| &g.code == current)
        .ok_or_else(|| conflict("grade", "grade_unknown", &current.as_str()))?;
    let movement = held.thresholds.review(total);
    let next = match movement {
        GradeMove::Stay => None,
        GradeMove::Promote => ladder
            .iter()
            .filter(|g| g.rank > held.rank)
            .min_by_key(|g| g.rank),
        GradeMove::Demote => ladder
            .iter()
            .filter(|g| g.rank < held.rank)
            .max_by_key(|g| g.rank),
    };
    Ok(next.map(|to| GradeProposal {
        movement,
        from: current.clone(),
        to: to.code.clone(),
    }))
}

/// One way to reach a goal by improving a single KPI.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Improvement {
    pub code: KpiCode,
    pub input_now: Option<Decimal>,
    /// The least input that reaches the goal, other KPIs unchanged.
    pub input_needed: Decimal,
    pub score_now: Score,
    pub score_needed: Score,
    /// The total the subject would have with that input.
    pub total_after: Score,
}

/// How a subject reaches a total (the next grade's promotion threshold).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HowToImprove {
    /// The total already reaches it.
    Reached,
    /// Single-KPI changes that reach it, the smallest score increase first
    /// (then template order).
    Options { options: Vec<Improvement> },
    /// No single KPI can close the gap, even at a score of 100.
    OutOfReach,
}

/// Which KPI, by how much input, reaches `goal`. Deductions are not
/// offered: violations already recorded cannot be undone in the period.
/// Each option is checked by re-evaluating with the new input.
pub fn how_to_improve(evaluation: &Evaluation, template: &Template, goal: Score) -> HowToImprove {
    if evaluation.total >= goal {
        return HowToImprove::Reached;
    }
    let need = goal.value() - evaluation.raw_total();
    let mut options = Vec::new();
    for kpi in &template.kpis {
        let KpiRule::Weighted { weight, scoring } = &kpi.rule else {
            continue;
        };
        let Some(line) = evaluation.kpi(kpi.code) else {
            continue;
        };
        let score_now = line.score.unwrap_or(Score::MIN);
        let wanted = (score_now.value() + need * Decimal::ONE_HUNDRED / weight.value())
            .round_dp_with_strategy(SCORE_DIGITS, RoundingStrategy::ToPositiveInfinity);
        let Some(input_needed) = scoring.input_for(kpi.code.direction(), wanted) else {
            continue;
        };
        let mut inputs = evaluation.inputs();
        inputs.insert(kpi.code, input_needed);
        let Ok(after) = evaluate(template, &inputs) else {
            continue;
        };
        if after.total < goal {
            continue;
        }
        options.push(Improvement {
            code: kpi.code,
            input_now: line.input,
            input_needed: input_needed.normalize(),
            score_now,
            score_needed: scoring.score(kpi.code.direction(), input_needed),
            total_after: after.total,
        });
    }
    if options.is_empty() {
        return HowToImprove::OutOfReach;
    }
    // A stable sort keeps template order among equal increases.
    options.sort_by_key(|o| o.score_needed.value() - o.score_now.value());
    HowToImprove::Options { options }
}

/// What an award compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "kpi", rename_all = "snake_case")]
pub enum AwardMeasure {
    /// The evaluation's total (best partner of the year, sales champion).
    Total,
    /// One KPI's input, best in the KPI's direction (growth star: highest
    /// sell-through growth; service benchmark: shortest response time).
    /// Subjects without that input do not compete.
    Kpi(KpiCode),
}

impl AwardMeasure {
    /// `total` or a KPI's code, as stored and typed.
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        match value.trim() {
            "total" => Ok(Self::Total),
            "" => Err(Invalid::new("measure", Problem::Required)),
            other => KpiCode::parse(other).map(Self::Kpi).map_err(|_| {
                Invalid::new(
                    "measure",
                    Problem::NotOneOf {
                        choices: std::iter::once("total")
                            .chain(KpiCode::ALL.iter().map(|k| k.as_str()))
                            .collect(),
                    },
                )
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Total => "total",
            Self::Kpi(code) => code.as_str(),
        }
    }
}

string_enum! {
    /// Among whom an award's places are given: within each partner type,
    /// within each region, or once among everyone evaluated.
    AwardGroup, "per_group" {
        Type => "type",
        Region => "region",
        Overall => "none",
    }
}

/// A named award's rule over an evaluation run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AwardRule {
    pub measure: AwardMeasure,
    /// One set of winners per group (type, region…) or one overall.
    pub per_group: bool,
    /// Only subjects signed in the period compete (best new partner).
    pub new_only: bool,
    /// Subjects below this total do not compete, however good one KPI is.
    pub min_total: Option<Score>,
    places: u32,
}

impl AwardRule {
    pub const MAX_PLACES: u32 = 10;

    /// `places` is how many places are awarded (1 = a single winner; ties
    /// share a place); refused outside 1–10 (`award_places_range`).
    pub fn new(
        measure: AwardMeasure,
        per_group: bool,
        new_only: bool,
        min_total: Option<Score>,
        places: u32,
    ) -> Result<Self, Invalid> {
        if !(1..=Self::MAX_PLACES).contains(&places) {
            return Err(Invalid::new(
                "places",
                Problem::Limit {
                    rule: "award_places_range",
                    max: Self::MAX_PLACES as usize,
                },
            ));
        }
        Ok(Self {
            measure,
            per_group,
            new_only,
            min_total,
            places,
        })
    }

    pub fn places(self) -> u32 {
        self.places
    }
}

/// A subject competing for an award.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<G, C> {
    pub group: G,
    pub code: C,
    /// Signed (started) within the evaluated period.
    pub signed_in_period: bool,
    pub evaluation: Evaluation,
}

/// A winner with the numbers behind the choice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Winner<G, C> {
    /// The group won in; `None` for an overall award.
    pub group: Option<G>,
    pub code: C,
    /// 1 for first; ties share a place.
    pub place: u32,
    /// What was compared: the total, or the KPI's input.
    pub value: Decimal,
    pub total: Score,
}

/// The winners of an award, by group then place then code.
pub fn winners<G: Ord + Clone, C: Ord + Clone>(
    rule: &AwardRule,
    candidates: &[Candidate<G, C>],
) -> Vec<Winner<G, C>> {
    let mut field: Vec<(Option<G>, Decimal, &Candidate<G, C>)> = candidates
        .iter()
        .filter(|c| !rule.new_only || c.signed_in_period)
        .filter(|c| rule.min_total.is_none_or(|min| c.evaluation.total >= min))
        .filter_map(|c| {
            let value = match rule.measure {
                AwardMeasure::Total => Some(c.evaluation.total.value()),
                AwardMeasure::Kpi(code) => c.evaluation.kpi(code).and_then(|k| k.input),
            }?;
            let group = rule.per_group.then(|| c.group.clone());
            Some((group, value, c))
        })
        .collect();
    // Compare so that "better" sorts first whichever way the KPI runs.
    let better_first = |value: Decimal| match rule.measure {
        AwardMeasure::Kpi(code) if code.direction() == Direction::LowerIsBetter => value,
        _ => -value,
    };
    field.sort_by(|a, b| {
        (&a.0, better_first(a.1), &a.2.code).cmp(&(&b.0, better_first(b.1), &b.2.code))
    });
    let mut result: Vec<Winner<G, C>> = Vec::new();
    // Competition places within each group, as in `rank`.
    let mut previous: Option<(Option<G>, Decimal, u32)> = None;
    let mut in_group = 0u32;
    for (group, value, candidate) in field {
        let place = match &previous {
            Some((prev_group, prev_value, prev_place)) if *prev_group == group => {
                in_group += 1;
                if *prev_value == value {
                    *prev_place
                } else {
                    in_group
                }
            }
            _ => {
                in_group = 1;
                1
            }
        };
        previous = Some((group.clone(), value, place));
        if place <= rule.places {
            result.push(Winner {
                group,
                code: candidate.code.clone(),
                place,
                value,
                total: candidate.evaluation.total,
            });
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn score(text: &str) -> Score {
        Score::parse("s", text).unwrap()
    }

    fn weighted(code: KpiCode, weight: &str, scoring: Scoring) -> Kpi {
        Kpi {
            code,
            rule: KpiRule::Weighted {
                weight: Weight::parse("weight", weight).unwrap(),
                scoring,
            },
        }
    }

    fn linear(floor: &str, target: &str) -> Scoring {
        Scoring::Linear {
            floor: d(floor),
            target: d(target),
        }
    }

    fn bands(steps: &[(&str, &str)]) -> Scoring {
        Scoring::Bands(
            steps
                .iter()
                .map(|(from, s)| BandStep {
                    from: d(from),
                    score: score(s),
                })
                .collect(),
        )
    }

    fn distributor_kpis() -> Vec<Kpi> {
        vec![
            weighted(KpiCode::SellInAttainment, "40", linear("60", "100")),
            weighted(
                KpiCode::CollectionRate,
                "30",
                bands(&[("0", "0"), ("80", "60"), ("90", "80"), ("98", "100")]),
            ),
            weighted(KpiCode::InventoryTurnoverDays, "20", linear("60", "30")),
            weighted(KpiCode::TrainingCompletion, "10", linear("0", "100")),
            Kpi {
                code: KpiCode::ComplianceViolations,
                rule: KpiRule::Deduction {
                    points_per_violation: d("5"),
                },
            },
        ]
    }

    fn distributor() -> Template {
        Template::new(ScorecardSubject::Partner, distributor_kpis()).unwrap()
    }

    fn inputs(pairs: &[(KpiCode, &str)]) -> Inputs {
        pairs
            .iter()
            .map(|(code, value)| (*code, d(value)))
            .collect()
    }

    fn sample_inputs() -> Inputs {
        // Training completion is not reported.
        inputs(&[
            (KpiCode::SellInAttainment, "90"),
            (KpiCode::CollectionRate, "92"),
            (KpiCode::InventoryTurnoverDays, "40"),
            (KpiCode::ComplianceViolations, "1"),
            (KpiCode::RepVisits, "12"),
        ])
    }

    #[test]
    fn an_evaluation_explains_every_point() {
        let evaluation = evaluate(&distributor(), &sample_inputs()).unwrap();
        let line = |code| evaluation.kpi(code).unwrap().clone();
        // 90% attainment between 60 and 100: 75 × 40% = 30 points.
        assert_eq!(line(KpiCode::SellInAttainment).score, Some(score("75")));
        assert_eq!(line(KpiCode::SellInAttainment).points, d("30"));
        // 92% collected reaches the 90 band: 80 × 30% = 24.
        assert_eq!(line(KpiCode::CollectionRate).score, Some(score("80")));
        // 40 days between 60 (0) and 30 (100): 66.666… → 66.67 × 20% = 13.334.
        assert_eq!(
            line(KpiCode::InventoryTurnoverDays).score,
            Some(score("66.67"))
        );
        assert_eq!(line(KpiCode::InventoryTurnoverDays).points, d("13.334"));
        // Not reported: 0, and the line says why.
        let training = line(KpiCode::TrainingCompletion);
        assert_eq!(
            (training.score, training.points, training.missing_input),
            (Some(Score::MIN), d("0"), true)
        );
        // One violation takes 5 off.
        assert_eq!(line(KpiCode::ComplianceViolations).points, d("-5"));
        // 30 + 24 + 13.334 + 0 − 5 = 62.334 → 62.33.
        assert_eq!(evaluation.total.to_string(), "62.33");
        assert!(evaluation.kpi(KpiCode::RepVisits).is_none());
        // Replaying the stored inputs gives the identical evaluation.
        assert_eq!(
            evaluate(&distributor(), &evaluation.inputs()).unwrap(),
            evaluation
        );
    }

    #[test]
    fn scoring_rules_at_their_edges() {
        let up = linear("60", "100");
        let h = Direction::HigherIsBetter;
        assert_eq!(up.score(h, d("60")), Score::MIN);
        assert_eq!(up.score(h, d("-5")), Score::MIN);
        assert_eq!(up.score(h, d("100")), Score::MAX);
        assert_eq!(up.score(h, d("150")), Score::MAX);
        assert_eq!(up.score(h, d("61")), score("2.5"));
        let down = linear("60", "30");
        let l = Direction::LowerIsBetter;
        assert_eq!(down.score(l, d("60")), Score::MIN);
        assert_eq!(down.score(l, d("25")), Score::MAX);
        assert_eq!(down.score(l, d("45")), score("50"));
        let steps = bands(&[("0", "100"), ("2", "50"), ("5", "0")]);
        assert_eq!(steps.score(l, d("1")), Score::MAX);
        assert_eq!(steps.score(l, d("2")), score("50"));
        assert_eq!(steps.score(l, d("9")), Score::MIN);
        assert_eq!(steps.score(l, d("-1")), Score::MIN);
    }

    #[test]
    fn violations_floor_the_total_at_zero_and_must_be_counts() {
        let template = distributor();
        let many = inputs(&[
            (KpiCode::SellInAttainment, "100"),
            (KpiCode::ComplianceViolations, "50"),
        ]);
        assert_eq!(evaluate(&template, &many).unwrap().total, Score::MIN);
        for bad in ["1.5", "-1"] {
            let e =
                evaluate(&template, &inputs(&[(KpiCode::ComplianceViolations, bad)])).unwrap_err();
            assert_eq!(
                (e.field, e.problem),
                (
                    "inputs",
                    Problem::Conflict {
                        rule: "scorecard_violations_not_a_count",
                        with: "compliance_violations".into()
                    }
                )
            );
        }
        // Not reported: nothing deducted, but the line says so.
        let none = evaluate(&template, &inputs(&[(KpiCode::SellInAttainment, "100")])).unwrap();
        assert_eq!(none.total.to_string(), "40.00");
        assert!(
            none.kpi(KpiCode::ComplianceViolations)
                .unwrap()
                .missing_input
        );
    }

    #[test]
    fn bad_templates_are_refused() {
        let refused = |kpis: Vec<Kpi>| {
            let e = Template::new(ScorecardSubject::Partner, kpis).unwrap_err();
            (e.field, e.problem)
        };
        let mut kpis = distributor_kpis();
        kpis.remove(3);
        assert_eq!(
            refused(kpis),
            (
                "weights",
                Problem::Conflict {
                    rule: "scorecard_weights_not_100",
                    with: "90".into()
                }
            )
        );
        let mut kpis = distributor_kpis();
        kpis[3] = weighted(KpiCode::TrainingCompletion, "10.5", linear("0", "100"));
        assert_eq!(
            refused(kpis),
            (
                "weights",
                Problem::Conflict {
                    rule: "scorecard_weights_not_100",
                    with: "100.5".into()
                }
            )
        );
        let mut kpis = distributor_kpis();
        kpis.push(weighted(KpiCode::SellInAttainment, "1", linear("0", "1")));
        assert_eq!(
            refused(kpis),
            (
                "kpis",
                Problem::Conflict {
                    rule: "scorecard_kpi_repeated",
                    with: "sell_in_attainment".into()
                }
            )
        );
        assert_eq!(
            refused(vec![weighted(KpiCode::RepVisits, "100", linear("0", "20"))]),
            (
                "kpis",
                Problem::Conflict {
                    rule: "scorecard_kpi_wrong_subject",
                    with: "rep_visits".into()
                }
            )
        );
        assert_eq!(
            refused(vec![]),
            (
                "kpis",
                Problem::Rule {
                    rule: "scorecard_no_kpis"
                }
            )
        );
        assert_eq!(
            refused(vec![weighted(
                KpiCode::GrossMargin,
                "100",
                linear("20", "20")
            )]),
            (
                "floor",
                Problem::Rule {
                    rule: "scorecard_floor_below_target"
                }
            )
        );
        assert_eq!(
            refused(vec![weighted(
                KpiCode::ServiceResponseTime,
                "100",
                linear("24", "48")
            )]),
            (
                "floor",
                Problem::Rule {
                    rule: "scorecard_floor_above_target"
                }
            )
        );
        assert_eq!(
            refused(vec![weighted(
                KpiCode::GrossMargin,
                "100",
                Scoring::Bands(vec![])
            )]),
            (
                "bands",
                Problem::Rule {
                    rule: "scorecard_bands_empty"
                }
            )
        );
        assert_eq!(
            refused(vec![weighted(
                KpiCode::GrossMargin,
                "100",
                bands(&[("10", "50"), ("10", "60")])
            )]),
            (
                "bands",
                Problem::Rule {
                    rule: "scorecard_bands_not_ascending"
                }
            )
        );
        assert_eq!(
            refused(vec![Kpi {
                code: KpiCode::GrossMargin,
                rule: KpiRule::Deduction {
                    points_per_violation: d("5")
                }
            }]),
            (
                "kpis",
                Problem::Conflict {
                    rule: "scorecard_deduction_only_for_violations",
                    with: "gross_margin".into()
                }
            )
        );
        assert_eq!(
            refused(vec![
                weighted(KpiCode::GrossMargin, "100", linear("0", "30")),
                Kpi {
                    code: KpiCode::ComplianceViolations,
                    rule: KpiRule::Deduction {
                        points_per_violation: d("0")
                    }
                }
            ]),
            (
                "points_per_violation",
                Problem::Rule {
                    rule: "scorecard_deduction_range"
                }
            )
        );
        assert_eq!(
            Weight::parse("weight", "0").unwrap_err().problem,
            Problem::Rule {
                rule: "scorecard_weight_range"
            }
        );
        assert_eq!(
            Weight::parse("weight", "12.345").unwrap_err().problem,
            Problem::Format { expected: "12.5" }
        );
        assert_eq!(
            Weight::parse("weight", "").unwrap_err().problem,
            Problem::Required
        );
        let rep = Template::new(
            ScorecardSubject::Rep,
            vec![
                weighted(KpiCode::RepTargetAttainment, "60", linear("50", "100")),
                weighted(KpiCode::RepVisits, "40", linear("0", "40")),
            ],
        )
        .unwrap();
        let rep_eval = evaluate(
            &rep,
            &inputs(&[
                (KpiCode::RepTargetAttainment, "75"),
                (KpiCode::RepVisits, "30"),
            ]),
        )
        .unwrap();
        // 50 × 60% + 75 × 40% = 60.
        assert_eq!(rep_eval.total.to_string(), "60.00");
    }

    #[test]
    fn ranks_share_ties_within_groups() {
        let standings = rank([
            ("A", "P3", score("80")),
            ("B", "P5", score("50")),
            ("A", "P1", score("80")),
            ("A", "P2", score("90")),
            ("A", "P4", score("70")),
        ]);
        let shown: Vec<(&str, &str, u32)> = standings
            .iter()
            .map(|s| (s.group, s.code, s.rank))
            .collect();
        assert_eq!(
            shown,
            [
                ("A", "P2", 1),
                ("A", "P1", 2),
                ("A", "P3", 2),
                ("A", "P4", 4),
                ("B", "P5", 1)
            ]
        );
    }

    fn ladder() -> Vec<GradeStep> {
        let step = |code: &str, rank: i32, promote: &str, demote: &str| GradeStep {
            code: GradeCode::parse("grade", code).unwrap(),
            rank: Rank::new(rank).unwrap(),
            thresholds: Thresholds::parse(promote, demote).unwrap(),
        };
        vec![
            step("gold", 20, "90", "70"),
            step("silver", 10, "80", ""),
            step("platinum", 30, "", "85"),
        ]
    }

    #[test]
    fn grades_move_one_step_by_the_thresholds() {
        let gold = GradeCode::parse("grade", "gold").unwrap();
        let up = propose_grade(score("91"), &gold, &ladder())
            .unwrap()
            .unwrap();
        assert_eq!(
            (up.movement, up.to.as_str()),
            (GradeMove::Promote, "platinum")
        );
        let down = propose_grade(score("69.99"), &gold, &ladder())
            .unwrap()
            .unwrap();
        assert_eq!(
            (down.movement, down.from.as_str(), down.to.as_str()),
            (GradeMove::Demote, "gold", "silver")
        );
        assert_eq!(propose_grade(score("80"), &gold, &ladder()).unwrap(), None);
        let platinum = GradeCode::parse("grade", "platinum").unwrap();
        assert_eq!(
            propose_grade(score("100"), &platinum, &ladder()).unwrap(),
            None
        );
        let unknown = GradeCode::parse("grade", "bronze").unwrap();
        assert_eq!(
            propose_grade(score("50"), &unknown, &ladder())
                .unwrap_err()
                .problem,
            Problem::Conflict {
                rule: "grade_unknown",
                with: "bronze".into()
            }
        );
    }

    #[test]
    fn how_to_improve_names_the_kpi_and_the_input() {
        let template = distributor();
        let evaluation = evaluate(&template, &sample_inputs()).unwrap();
        // 62.334 → 70 needs 7.666 points. Sell-in (40%): 75 + 19.165 → 94.17,
        // i.e. 97.668% attainment. Training (10%): 76.66%. Collections and
        // turnover would need more than 100.
        let HowToImprove::Options { options } = how_to_improve(&evaluation, &template, score("70"))
        else {
            panic!("expected options");
        };
        let shown: Vec<(KpiCode, Decimal, String, String)> = options
            .iter()
            .map(|o| {
                (
                    o.code,
                    o.input_needed,
                    o.score_needed.to_string(),
                    o.total_after.to_string(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (
                    KpiCode::SellInAttainment,
                    d("97.668"),
                    "94.17".into(),
                    "70.00".into()
                ),
                (
                    KpiCode::TrainingCompletion,
                    d("76.66"),
                    "76.66".into(),
                    "70.00".into()
                ),
            ]
        );
        assert_eq!(options[1].input_now, None);
        assert_eq!(
            how_to_improve(&evaluation, &template, score("60")),
            HowToImprove::Reached
        );
        assert_eq!(
            how_to_improve(&evaluation, &template, score("95")),
            HowToImprove::OutOfReach
        );
        // A banded, lower-is-better KPI: the worst input that still reaches it.
        let stock = Template::new(
            ScorecardSubject::Partner,
            vec![weighted(
                KpiCode::InventoryTurnoverDays,
                "100",
                bands(&[("0", "100"), ("30", "80"), ("60", "0")]),
            )],
        )
        .unwrap();
        let slow = evaluate(&stock, &inputs(&[(KpiCode::InventoryTurnoverDays, "75")])).unwrap();
        let HowToImprove::Options { options } = how_to_improve(&slow, &stock, score("80")) else {
            panic!("expected options");
        };
        assert_eq!(
            (options[0].input_needed, options[0].total_after),
            (d("30"), score("80"))
        );
    }

    fn candidate(
        group: &'static str,
        code: &'static str,
        total: &str,
        growth: Option<&str>,
        new: bool,
    ) -> Candidate<&'static str, &'static str> {
        let mut kpis = vec![];
        if let Some(growth) = growth {
            kpis.push(KpiResult {
                code: KpiCode::SellThroughGrowth,
                input: Some(d(growth)),
                score: Some(Score::MAX),
                weight: Weight::new(d("100")),
                points: d(total),
                missing_input: false,
            });
        }
        Candidate {
            group,
            code,
            signed_in_period: new,
            evaluation: Evaluation {
                kpis,
                total: score(total),
            },
        }
    }

    #[test]
    fn awards_list_winners_with_their_numbers() {
        let field = [
            candidate("distributor", "P1", "88", Some("12"), false),
            candidate("distributor", "P2", "92", Some("30"), false),
            candidate("retailer", "P3", "92", Some("45"), true),
            candidate("retailer", "P4", "70", None, true),
            candidate("retailer", "P5", "75", Some("60"), true),
        ];
        let shown = |rule: AwardRule| {
            winners(&rule, &field)
                .into_iter()
                .map(|w| (w.group, w.code, w.place, w.value))
                .collect::<Vec<_>>()
        };
        // Best partner of the year: the two 92s tie for first.
        let best = AwardRule::new(AwardMeasure::Total, false, false, None, 1).unwrap();
        assert_eq!(
            shown(best),
            [(None, "P2", 1, d("92")), (None, "P3", 1, d("92"))]
        );
        // Best per type, two places.
        let per_type = AwardRule::new(AwardMeasure::Total, true, false, None, 2).unwrap();
        assert_eq!(
            shown(per_type),
            [
                (Some("distributor"), "P2", 1, d("92")),
                (Some("distributor"), "P1", 2, d("88")),
                (Some("retailer"), "P3", 1, d("92")),
                (Some("retailer"), "P5", 2, d("75")),
            ]
        );
        // Growth star with a minimum total of 80: P5 grew most but scored 75.
        let growth = AwardRule::new(
            AwardMeasure::Kpi(KpiCode::SellThroughGrowth),
            false,
            false,
            Some(score("80")),
            1,
        )
        .unwrap();
        assert_eq!(shown(growth), [(None, "P3", 1, d("45"))]);
        // Best new partner.
        let newcomer = AwardRule::new(AwardMeasure::Total, false, true, None, 3).unwrap();
        assert_eq!(
            shown(newcomer),
            [
                (None, "P3", 1, d("92")),
                (None, "P5", 2, d("75")),
                (None, "P4", 3, d("70"))
            ]
        );
        assert_eq!(
            AwardRule::new(AwardMeasure::Total, false, false, None, 0)
                .unwrap_err()
                .problem,
            Problem::Limit {
                rule: "award_places_range",
                max: 10
            }
        );
    }

    #[test]
    fn lower_is_better_awards_pick_the_smallest() {
        let line = |code: &'static str, hours: &str| Candidate {
            group: (),
            code,
            signed_in_period: false,
            evaluation: Evaluation {
                kpis: vec![KpiResult {
                    code: KpiCode::ServiceResponseTime,
                    input: Some(d(hours)),
                    score: Some(Score::MIN),
                    weight: Weight::new(d("100")),
                    points: d("0"),
                    missing_input: false,
                }],
                total: Score::MIN,
            },
        };
        let rule = AwardRule::new(
            AwardMeasure::Kpi(KpiCode::ServiceResponseTime),
            false,
            false,
            None,
            1,
        )
        .unwrap();
        let won = winners(&rule, &[line("P1", "12"), line("P2", "4")]);
        assert_eq!((won.len(), won[0].code, won[0].value), (1, "P2", d("4")));
    }

    fn any_scoring() -> impl Strategy<Value = (KpiCode, Scoring)> {
        let codes = proptest::sample::select(
            KpiCode::ALL
                .iter()
                .copied()
                .filter(|c| c.subject() == ScorecardSubject::Partner && !c.is_deduction())
                .collect::<Vec<_>>(),
        );
        let linear = (-10_000i64..10_000, 1i64..10_000).prop_map(|(floor, span)| (floor, span));
        let steps = proptest::collection::btree_map(-10_000i64..10_000, 0i64..=10_000, 1..6);
        (codes, prop_oneof![linear.prop_map(Ok), steps.prop_map(Err)]).prop_map(|(code, shape)| {
            let scoring = match shape {
                Ok((floor, span)) => {
                    let (floor, target) = match code.direction() {
                        Direction::HigherIsBetter => (floor, floor + span),
                        Direction::LowerIsBetter => (floor + span, floor),
                    };
                    Scoring::Linear {
                        floor: Decimal::new(floor, 2),
                        target: Decimal::new(target, 2),
                    }
                }
                Err(steps) => Scoring::Bands(
                    steps
                        .into_iter()
                        .map(|(from, s)| BandStep {
                            from: Decimal::new(from, 2),
                            score: Score::new(Decimal::new(s, 2)).unwrap(),
                        })
                        .collect(),
                ),
            };
            (code, scoring)
        })
    }

    /// A random valid template: distinct KPIs, weights in hundredths
    /// summing to 100, maybe a deduction.
    fn any_template() -> impl Strategy<Value = Vec<Kpi>> {
        (
            proptest::collection::vec((any_scoring(), 1i64..1000), 1..8),
            proptest::option::of(1i64..2000),
        )
            .prop_map(|(scored, deduction)| {
                let mut seen = BTreeSet::new();
                let scored: Vec<_> = scored
                    .into_iter()
                    .filter(|((code, _), _)| seen.insert(*code))
                    .collect();
                let sum: i64 = scored.iter().map(|(_, w)| w).sum();
                let mut hundredths: Vec<i64> =
                    scored.iter().map(|(_, w)| w * 10_000 / sum).collect();
                hundredths[0] += 10_000 - hundredths.iter().sum::<i64>();
                let mut kpis: Vec<Kpi> = scored
                    .into_iter()
                    .zip(hundredths)
                    .filter(|(_, h)| *h > 0)
                    .map(|(((code, scoring), _), h)| Kpi {
                        code,
                        rule: KpiRule::Weighted {
                            weight: Weight::new(Decimal::new(h, 2)).unwrap(),
                            scoring,
                        },
                    })
                    .collect();
                if let Some(points) = deduction {
                    kpis.push(Kpi {
                        code: KpiCode::ComplianceViolations,
                        rule: KpiRule::Deduction {
                            points_per_violation: Decimal::new(points, 2),
                        },
                    });
                }
                kpis
            })
    }

    fn any_inputs() -> impl Strategy<Value = Inputs> {
        proptest::collection::btree_map(
            proptest::sample::select(KpiCode::ALL.to_vec()),
            -20_000i64..20_000,
            0..KpiCode::ALL.len(),
        )
        .prop_map(|values| {
            values
                .into_iter()
                .map(|(code, v)| {
                    let value = if code.is_deduction() {
                        Decimal::from(v.abs() % 20)
                    } else {
                        Decimal::new(v, 2)
                    };
                    (code, value)
                })
                .collect()
        })
    }

    proptest! {
        /// A rank (and an award place) is one more than the number of
        /// subjects of the group that did strictly better, whatever the
        /// input order.
        #[test]
        fn ranks_and_places_count_who_did_better(
            entries in proptest::collection::btree_map(0u32..200, (0u8..3, 0i64..=20), 0..40),
            places in 1u32..=10,
        ) {
            let entries: Vec<(u8, u32, Score)> = entries
                .into_iter()
                .map(|(code, (group, total))| (group, code, Score::new(Decimal::from(total * 5)).unwrap()))
                .collect();
            let better = |group: u8, total: Score| {
                1 + u32::try_from(entries.iter().filter(|e| e.0 == group && e.2 > total).count()).unwrap()
            };
            let mut reversed = entries.clone();
            reversed.reverse();
            let standings = rank(entries.clone());
            prop_assert_eq!(&rank(reversed), &standings);
            prop_assert_eq!(standings.len(), entries.len());
            for s in &standings {
                prop_assert_eq!(s.rank, better(s.group, s.total));
            }
            let candidates: Vec<Candidate<u8, u32>> = entries
                .iter()
                .map(|(group, code, total)| Candidate {
                    group: *group,
                    code: *code,
                    signed_in_period: false,
                    evaluation: Evaluation { kpis: vec![], total: *total },
                })
                .collect();
            let rule = AwardRule::new(AwardMeasure::Total, true, false, None, places).unwrap();
            let won = winners(&rule, &candidates);
            for w in &won {
                let group = w.group.unwrap();
                prop_assert_eq!(w.place, better(group, w.total));
            }
            let expected = entries.iter().filter(|e| better(e.0, e.2) <= places).count();
            prop_assert_eq!(won.len(), expected);
        }

        #[test]
        fn scores_stay_within_0_to_100_and_evaluation_is_deterministic(
            kpis in any_template(),
            inputs in any_inputs(),
            rotation in 0usize..8,
        ) {
            // Weights that rounded to 0 were dropped; the template is still
            // valid only when the rest sum to 100, which the generator keeps.
            let template = Template::new(ScorecardSubject::Partner, kpis.clone());
            prop_assume!(template.is_ok());
            let template = template.unwrap();
            let first = evaluate(&template, &inputs).unwrap();
            prop_assert!(first.total >= Score::MIN && first.total <= Score::MAX);
            for line in &first.kpis {
                if let Some(score) = line.score {
                    prop_assert!(score >= Score::MIN && score <= Score::MAX);
                }
            }
            prop_assert_eq!(&evaluate(&template, &inputs).unwrap(), &first);
            // Any KPI order: the same lines and the same total.
            let mut rotated = kpis;
            let len = rotated.len();
            rotated.rotate_left(rotation % len);
            rotated.reverse();
            let other = evaluate(&Template::new(ScorecardSubject::Partner, rotated).unwrap(), &inputs).unwrap();
            prop_assert_eq!(other.total, first.total);
            let sorted = |e: &Evaluation| {
                let mut lines = e.kpis.clone();
                lines.sort_by_key(|l| l.code);
                lines
            };
            prop_assert_eq!(sorted(&other), sorted(&first));
            // Every offered improvement really reaches the goal.
            let goal = Score::new(Decimal::from(90)).unwrap();
            if let HowToImprove::Options { options } = how_to_improve(&first, &template, goal) {
                for option in options {
                    let mut changed = first.inputs();
                    changed.insert(option.code, option.input_needed);
                    prop_assert!(evaluate(&template, &changed).unwrap().total >= goal);
                }
            }
        }
    }
}
