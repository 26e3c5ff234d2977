//! Scorecards (评分卡): templates of weighted KPIs per partner type and one
//! for the sales reps, evaluation runs that score every subject of a
//! template for a period from the fact engine and imported inputs, rank
//! them within type and region and propose grade moves, a manager's
//! approval or rejection of each proposal, and one subject's scorecard
//! explained KPI by KPI with how to reach the next grade. The rules are
//! `domain::scorecards`; this module gathers the inputs, keeps the scope
//! and writes.
//!
//! Who sees what: templates and runs are the company's and every signed-in
//! user may read them; a result is partner-owned and follows the data
//! scope (a partner its own organisation's, a rep or manager the partners
//! it covers); a rep's result is internal (staff all, a rep its own).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use qudao_domain::admin::Role;
use qudao_domain::error::{Invalid, Problem};
use qudao_domain::grades::{GradeCode, Rank, Thresholds};
use qudao_domain::partners::{PartnerType, Reason};
use qudao_domain::periods::{Month, Period};
use qudao_domain::quality;
use qudao_domain::score::Score;
use qudao_domain::scorecards::{
    self as rules, BandStep, Direction, GradeStep, HowToImprove, Kpi, KpiCode, KpiRule,
    ScorecardSubject, Scoring, Template, Weight,
};
use qudao_domain::targets::{TargetMeasure, TargetVersion};
use qudao_store::Aggregate;
use qudao_store::scorecards::{
    self as repo, NewProposal, NewResult, ResultReach, ResultRow, RunRow, Scored, TemplateRow,
    status,
};
use qudao_store::targets::{Internal, Reach, Subject, TargetFilter};

use crate::analytics::{Answer, QueryText};
use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Permission, Qudao};

/// A template as a person or a program gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct TemplateInput {
    /// Ignored when saving by code (the code is the path's).
    #[serde(default)]
    pub code: String,
    pub name: String,
    /// `partner` or `rep`.
    pub subject: String,
    /// The partner type a partner template judges; empty for the reps'.
    #[serde(default)]
    pub partner_type: Option<String>,
    pub kpis: Vec<KpiInput>,
}

/// One KPI line of a template as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct KpiInput {
    pub kpi: String,
    /// `linear`, `bands` or `deduction` (compliance violations only).
    pub rule: String,
    /// Percent of the total, at most two decimals; not for a deduction.
    #[serde(default)]
    pub weight: Option<String>,
    /// Linear: the input scoring 0 (the larger number when lower is better).
    #[serde(default)]
    pub floor: Option<String>,
    /// Linear: the input scoring 100.
    #[serde(default)]
    pub target: Option<String>,
    /// Bands: `from:score` steps in ascending `from`, separated by `;`
    /// (`0:0; 80:60; 100:100`).
    #[serde(default)]
    pub bands: Option<String>,
    /// Deduction: points off the total per violation.
    #[serde(default)]
    pub points_per_violation: Option<String>,
}

/// A KPI line of a stored template, as the form and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct KpiView {
    pub kpi: String,
    /// Whether a larger input is better.
    pub higher_is_better: bool,
    pub rule: String,
    pub weight: Option<String>,
    pub floor: Option<String>,
    pub target: Option<String>,
    pub bands: Option<String>,
    pub points_per_violation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TemplateView {
    pub code: String,
    pub name: String,
    pub subject: String,
    pub partner_type: Option<String>,
    pub kpis: Vec<KpiView>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RunView {
    pub id: i64,
    pub period: String,
    pub template_code: String,
    pub template_name: String,
    pub subject: String,
    pub partner_type: Option<String>,
    /// The period was not over when the run was made: figures may still
    /// change, and no grade change is proposed.
    pub provisional: bool,
    pub subjects: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// One KPI's line of a stored result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct KpiLineView {
    pub kpi: String,
    /// The input in the KPI's unit (percent, days, count); absent when no
    /// figure was found, which scores 0.
    pub input: Option<String>,
    /// 0–100; absent for a deduction.
    pub score: Option<String>,
    pub weight: Option<String>,
    /// Weighted points, or the negative points a deduction takes off.
    pub points: String,
    pub missing_input: bool,
}

/// One subject's result in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ResultView {
    pub subject: String,
    /// The partner's code or the rep's login.
    pub code: String,
    pub name: String,
    pub partner_type: Option<String>,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub total: String,
    pub rank_in_type: i32,
    pub rank_in_region: Option<i32>,
    /// The grade held when evaluated (a partner's code).
    pub grade: Option<String>,
    /// The grade this run proposes, when it proposes a change.
    pub proposed_grade: Option<String>,
    pub kpis: Vec<KpiLineView>,
}

/// One subject's scorecard: its result and how to reach the next grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ScorecardView {
    pub run: RunView,
    pub result: ResultView,
    /// The next grade up the ladder and the total that earns it, when a
    /// partner has one to reach.
    pub next_grade: Option<String>,
    pub goal: Option<String>,
    /// Absent without a next grade to reach.
    pub how_to_improve: Option<ImproveView>,
}

/// How to reach the goal: already `reached`, one of the `options`, or
/// `out_of_reach` by any single KPI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImproveView {
    pub kind: String,
    /// Single-KPI changes that reach the goal, the smallest first.
    pub options: Vec<ImprovementView>,
}

/// One KPI's input that alone reaches the goal, the others unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImprovementView {
    pub kpi: String,
    pub input_now: Option<String>,
    pub input_needed: String,
    pub score_now: String,
    pub score_needed: String,
    pub total_after: String,
}

fn improve_view(how: HowToImprove) -> ImproveView {
    match how {
        HowToImprove::Reached => ImproveView {
            kind: "reached".to_owned(),
            options: Vec::new(),
        },
        HowToImprove::OutOfReach => ImproveView {
            kind: "out_of_reach".to_owned(),
            options: Vec::new(),
        },
        HowToImprove::Options { options } => ImproveView {
            kind: "options".to_owned(),
            options: options
                .into_iter()
                .map(|o| ImprovementView {
                    kpi: o.code.as_str().to_owned(),
                    input_now: o.input_now.map(shown),
                    input_needed: shown(o.input_needed),
                    score_now: o.score_now.to_string(),
                    score_needed: o.score_needed.to_string(),
                    total_after: o.total_after.to_string(),
                })
                .collect(),
        },
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProposalView {
    pub id: i64,
    pub run_id: i64,
    pub period: String,
    pub partner_code: String,
    pub partner_name: String,
    pub from_grade: String,
    pub to_grade: String,
    /// `promote` or `demote`.
    pub movement: String,
    pub total: String,
    /// `proposed`, `approved` or `rejected`.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

/// A manager's decision on a proposal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[schema(as = GradeDecisionInput)]
pub struct DecisionInput {
    /// Why; optional, added to the grade history's reason on approval.
    #[serde(default)]
    pub note: Option<String>,
}

fn conflict(field: &'static str, rule: &'static str, with: impl Into<String>) -> Invalid {
    Invalid::new(
        field,
        Problem::Conflict {
            rule,
            with: with.into(),
        },
    )
}

fn required(field: &'static str, value: Option<&str>) -> Result<String, Invalid> {
    crate::non_empty(value)
        .map(str::to_owned)
        .ok_or_else(|| Invalid::new(field, Problem::Required))
}

/// A proposal's stored total; one that does not read is an error.
fn stored_total(text: &str) -> Result<Score, AppError> {
    text.parse::<Decimal>()
        .ok()
        .and_then(Score::new)
        .ok_or_else(|| AppError::Internal(format!("a proposal's total '{text}' does not read")))
}

/// `12.5`-style text of an exact number, without trailing zeros.
fn shown(value: Decimal) -> String {
    value.normalize().to_string()
}

/// `part ÷ whole` in percent, two decimals, half away from zero; `None`
/// when the whole is not positive.
fn percent(part: i64, whole: i64) -> Option<Decimal> {
    (whole > 0).then(|| {
        (Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(whole))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    })
}

/// Growth over `before` in percent; `None` without a base to grow from.
fn growth(now: i64, before: i64) -> Option<Decimal> {
    percent(now - before, before)
}

fn parse_bands(text: &str) -> Result<Vec<BandStep>, Invalid> {
    let bad = || {
        Invalid::new(
            "bands",
            Problem::Format {
                expected: "0:0; 80:60; 100:100",
            },
        )
    };
    let mut steps = Vec::new();
    // Full-width separators too: a Chinese keyboard types them.
    let text = text.replace('；', ";").replace('：', ":");
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (from, score) = part.split_once(':').ok_or_else(bad)?;
        steps.push(BandStep {
            from: rules::parse_number("bands", from).map_err(|_| bad())?,
            score: Score::parse("bands", score).map_err(|_| bad())?,
        });
    }
    if steps.is_empty() {
        return Err(Invalid::new("bands", Problem::Required));
    }
    Ok(steps)
}

fn bands_text(steps: &[BandStep]) -> String {
    steps
        .iter()
        .map(|s| format!("{}:{}", shown(s.from), shown(s.score.value())))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One typed KPI line, checked field by field (a form shows each line's
/// errors beside it before the template as a whole is checked).
pub fn parse_kpi(input: &KpiInput) -> Result<Kpi, Vec<Invalid>> {
    let code = KpiCode::parse(&input.kpi).map_err(|e| vec![e])?;
    let field = |name: &'static str, value: &Option<String>| {
        required(name, value.as_deref()).and_then(|v| rules::parse_number(name, &v))
    };
    let rule = match input.rule.trim() {
        "linear" | "bands" => {
            let weight = required("weight", input.weight.as_deref())
                .and_then(|w| Weight::parse("weight", &w));
            let scoring = if input.rule.trim() == "linear" {
                match (field("floor", &input.floor), field("target", &input.target)) {
                    (Ok(floor), Ok(target)) => Ok(Scoring::Linear { floor, target }),
                    (floor, target) => Err([floor.err(), target.err()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()),
                }
            } else {
                required("bands", input.bands.as_deref())
                    .and_then(|b| parse_bands(&b))
                    .map(Scoring::Bands)
                    .map_err(|e| vec![e])
            };
            match (weight, scoring) {
                (Ok(weight), Ok(scoring)) => KpiRule::Weighted { weight, scoring },
                (weight, scoring) => {
                    let mut errors: Vec<Invalid> = weight.err().into_iter().collect();
                    errors.extend(scoring.err().unwrap_or_default());
                    return Err(errors);
                }
            }
        }
        "deduction" => KpiRule::Deduction {
            points_per_violation: field("points_per_violation", &input.points_per_violation)
                .map_err(|e| vec![e])?,
        },
        "" => return Err(vec![Invalid::new("rule", Problem::Required)]),
        _ => {
            return Err(vec![Invalid::new(
                "rule",
                Problem::NotOneOf {
                    choices: vec!["linear", "bands", "deduction"],
                },
            )]);
        }
    };
    Ok(Kpi { code, rule })
}

fn kpi_view(kpi: &Kpi) -> KpiView {
    let mut view = KpiView {
        kpi: kpi.code.as_str().to_owned(),
        higher_is_better: kpi.code.direction() == Direction::HigherIsBetter,
        rule: String::new(),
        weight: None,
        floor: None,
        target: None,
        bands: None,
        points_per_violation: None,
    };
    match &kpi.rule {
        KpiRule::Weighted { weight, scoring } => {
            view.weight = Some(shown(weight.value()));
            match scoring {
                Scoring::Linear { floor, target } => {
                    view.rule = "linear".to_owned();
                    view.floor = Some(shown(*floor));
                    view.target = Some(shown(*target));
                }
                Scoring::Bands(steps) => {
                    view.rule = "bands".to_owned();
                    view.bands = Some(bands_text(steps));
                }
            }
        }
        KpiRule::Deduction {
            points_per_violation,
        } => {
            view.rule = "deduction".to_owned();
            view.points_per_violation = Some(shown(*points_per_violation));
        }
    }
    view
}

fn template_view(row: &TemplateRow) -> TemplateView {
    TemplateView {
        code: row.code.clone(),
        name: row.name.clone(),
        subject: row.subject().as_str().to_owned(),
        partner_type: row.partner_type.map(|t| t.as_str().to_owned()),
        kpis: row.template.kpis().iter().map(kpi_view).collect(),
        updated_at: row.updated_at,
    }
}

pub(crate) fn run_view(run: &RunRow, template: &TemplateRow) -> RunView {
    RunView {
        id: run.id,
        period: run.period.to_string(),
        template_code: template.code.clone(),
        template_name: template.name.clone(),
        subject: template.subject().as_str().to_owned(),
        partner_type: template.partner_type.map(|t| t.as_str().to_owned()),
        provisional: run.provisional,
        subjects: run.subjects,
        created_by: run.created_by.clone(),
        created_at: run.created_at,
    }
}

/// The grade ladder as proposals need it; a grade whose stored thresholds
/// do not read is an error, not a grade without thresholds.
fn ladder(grades: &[qudao_store::grades::grade::Model]) -> Result<Vec<(i64, GradeStep)>, AppError> {
    grades
        .iter()
        .map(|g| {
            let unreadable = || AppError::Internal(format!("grade {} does not read", g.code));
            let thresholds = Thresholds::parse(
                g.promote_threshold.as_deref().unwrap_or(""),
                g.demote_threshold.as_deref().unwrap_or(""),
            )
            .map_err(|_| unreadable())?;
            Ok((
                g.id,
                GradeStep {
                    code: GradeCode::parse("grade", &g.code).map_err(|_| unreadable())?,
                    rank: Rank::new(g.rank).ok_or_else(unreadable)?,
                    thresholds,
                },
            ))
        })
        .collect()
}

/// A subject of a run with what ranks it: (subject, code, name, home
/// region id, grade id).
type SubjectRow = (Scored, String, String, Option<i64>, Option<i64>);

/// The subjects of a run, by code.
struct Subjects {
    list: Vec<SubjectRow>,
}

/// An engine row's values and its comparison's, by measure.
type Figures = (Vec<Option<i64>>, Vec<Option<i64>>);

/// Each engine row's values by the code of its first key.
fn by_code(answer: &Answer) -> HashMap<String, Figures> {
    answer
        .rows
        .iter()
        .filter_map(|row| {
            let code = row.keys.first()?.code.clone();
            Some((
                code,
                (row.values.clone(), row.compare.clone().unwrap_or_default()),
            ))
        })
        .collect()
}

/// Each subject's rank by its code.
fn ranks_by_code<G>(standings: &[rules::Standing<G, String>]) -> HashMap<String, i32> {
    standings
        .iter()
        .map(|s| (s.code.clone(), i32::try_from(s.rank).unwrap_or(i32::MAX)))
        .collect()
}

fn value_at(values: &[Option<i64>], i: usize) -> Option<i64> {
    values.get(i).copied().flatten()
}

/// The engine's measures a partner template reads, in the order
/// `partner_inputs` takes them.
const PARTNER_MEASURES: [&str; 7] = [
    "sell_in_amount",
    "sell_through_amount",
    "invoiced",
    "collections",
    "gross_margin",
    "new_customer_regions",
    "days_of_cover",
];

/// What every template of one run reads.
struct RunFacts {
    /// The period's first and last month.
    months: (Month, Month),
    /// The top-down sell-in targets in force, by subject.
    targets: HashMap<Subject, i64>,
    /// `None` when the run has no partner template.
    partners: Option<ScoredFacts>,
}

/// What the partner templates of a run read, for every partner at once.
struct ScoredFacts {
    /// The engine's [`PARTNER_MEASURES`] by partner code, with last year's.
    flows: HashMap<String, Figures>,
    /// The product lines each partner bought, by partner code.
    sold: HashMap<String, BTreeSet<String>>,
    /// The product lines each partner was authorized for, by partner id.
    authorized: HashMap<i64, BTreeSet<String>>,
    /// The months of the period whose report is already due.
    due: Vec<Month>,
    /// The day (in the company's time zone) each partner first wrote
    /// sell-through for a month.
    reported: HashMap<(i64, Month), chrono::NaiveDate>,
    /// Imported KPI inputs by subject.
    imported: HashMap<Scored, Vec<(KpiCode, Decimal)>>,
}

impl ScoredFacts {
    /// The share of the period's months already due whose sell-through
    /// came by the due day (`quality::due_on`); `None` while no month is
    /// due yet. A partner that never reported scores 0 on every due month.
    fn discipline(&self, partner_id: i64) -> Option<Decimal> {
        let on_time = self
            .due
            .iter()
            .filter(|m| {
                self.reported
                    .get(&(partner_id, **m))
                    .is_some_and(|d| *d <= quality::due_on(**m))
            })
            .count();
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        percent(count(on_time), count(self.due.len()))
    }
}

impl Qudao {
    /// Every template, by code.
    pub async fn scorecard_templates(
        &self,
        caller: &Caller,
    ) -> Result<Vec<TemplateView>, AppError> {
        caller.require(Permission::ViewScorecards)?;
        Ok(repo::templates(self.db())
            .await?
            .iter()
            .map(template_view)
            .collect())
    }

    pub async fn scorecard_template(
        &self,
        caller: &Caller,
        code: &str,
    ) -> Result<TemplateView, AppError> {
        caller.require(Permission::ViewScorecards)?;
        repo::template_by_code(self.db(), code.trim())
            .await?
            .map(|t| template_view(&t))
            .ok_or(AppError::NotFound("scorecard template"))
    }

    /// Creates the template with this code, or replaces an existing one's
    /// name and KPIs. Its subject (partner type or reps) is fixed once
    /// created: results already stored were made against it.
    pub async fn save_scorecard_template(
        &self,
        caller: &Caller,
        code: &str,
        input: &TemplateInput,
    ) -> Result<TemplateView, AppError> {
        caller.require(Permission::ManageScorecards)?;
        let code = code.trim();
        let mut errors = Vec::new();
        if code.is_empty() {
            errors.push(Invalid::new("code", Problem::Required));
        } else if code.len() > 32
            || !code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            errors.push(Invalid::new(
                "code",
                Problem::BadCharacters {
                    allowed: "A-Z a-z 0-9 _ -",
                },
            ));
        }
        let name = qudao_domain::grades::parse_label("name", &input.name);
        let subject = ScorecardSubject::parse(&input.subject);
        let partner_type = match (&subject, crate::non_empty(input.partner_type.as_deref())) {
            (Ok(ScorecardSubject::Partner), Some(t)) => PartnerType::parse(t).map(Some),
            (Ok(ScorecardSubject::Partner), None) => {
                Err(Invalid::new("partner_type", Problem::Required))
            }
            (_, Some(_)) => Err(Invalid::new(
                "partner_type",
                Problem::Rule {
                    rule: "scorecard_rep_has_no_type",
                },
            )),
            (_, None) => Ok(None),
        };
        let mut kpis = Vec::with_capacity(input.kpis.len());
        for line in &input.kpis {
            match parse_kpi(line) {
                Ok(kpi) => kpis.push(kpi),
                Err(e) => errors.extend(e),
            }
        }
        let (name, subject, partner_type) = match (name, subject, partner_type) {
            (Ok(n), Ok(s), Ok(t)) if errors.is_empty() => (n, s, t),
            (n, s, t) => {
                errors.extend([n.err(), s.err(), t.err()].into_iter().flatten());
                return Err(AppError::Invalid(errors));
            }
        };
        let template = Template::new(subject, kpis)?;
        let tx = self.write().await?;
        tx.lock(Aggregate::Scorecards).await?;
        let existing = repo::template_for_write(&tx, code).await?;
        let before = match &existing {
            Some(head) => repo::template_by_id(&tx, head.id).await?,
            None => None,
        };
        match &before {
            Some(old) => {
                if old.subject() != subject || old.partner_type != partner_type {
                    return Err(Invalid::new(
                        "subject",
                        Problem::Rule {
                            rule: "scorecard_subject_fixed",
                        },
                    )
                    .into());
                }
                repo::update_template(&tx, old.id, &name, &template).await?;
            }
            None => {
                if let Some(other) = repo::template_for_subject(&tx, partner_type).await? {
                    return Err(
                        conflict("partner_type", "scorecard_subject_taken", other.code).into(),
                    );
                }
                repo::insert_template(&tx, code, &name, partner_type, &template, &caller.login)
                    .await?;
            }
        }
        let after = repo::template_by_code(&tx, code)
            .await?
            .ok_or(AppError::NotFound("scorecard template"))?;
        let view = template_view(&after);
        self.audit(
            &tx,
            caller,
            "scorecard_template",
            code,
            if before.is_some() { "update" } else { "create" },
            before.as_ref().map(template_view).as_ref(),
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// Scores every subject of one template (or of every template) for a
    /// period, stores the inputs and results, and proposes grade moves.
    pub async fn evaluate(
        &self,
        caller: &Caller,
        period: &str,
        template: Option<&str>,
    ) -> Result<Vec<RunView>, AppError> {
        caller.require(Permission::ManageScorecards)?;
        let parsed = Period::parse("period", period)?;
        let templates = match crate::non_empty(template) {
            Some(code) => vec![
                repo::template_by_code(self.db(), code)
                    .await?
                    .ok_or_else(|| conflict("template", "scorecard_template_unknown", code))?,
            ],
            None => repo::templates(self.db()).await?,
        };
        if templates.is_empty() {
            return Err(Invalid::new(
                "template",
                Problem::Rule {
                    rule: "scorecard_no_templates",
                },
            )
            .into());
        }
        // The engine reads the period as the queries will (fiscal years).
        let text = QueryText {
            measures: vec!["sell_in_amount".to_owned()],
            period: Some(parsed.to_string()),
            ..QueryText::default()
        };
        let (first, last) = self.analytics_months(&text).await?;
        let provisional = last.last_day() >= crate::today();
        let facts = self.run_facts(parsed, (first, last), &templates).await?;
        let mut runs = Vec::with_capacity(templates.len());
        for template in &templates {
            let run = self
                .evaluate_template(caller, parsed, provisional, template, &facts)
                .await?;
            runs.push(run_view(&run, template));
        }
        Ok(runs)
    }

    /// What a run's templates read, asked once for all of them: the engine
    /// is asked one question per kind of subject (not per template), and
    /// the store read once.
    async fn run_facts(
        &self,
        period: Period,
        months: (Month, Month),
        templates: &[TemplateRow],
    ) -> Result<RunFacts, AppError> {
        let types: BTreeSet<PartnerType> =
            templates.iter().filter_map(|t| t.partner_type).collect();
        let partners = if types.is_empty() {
            None
        } else {
            // One type: the engine need not read the others' facts.
            let only = (types.len() == 1)
                .then(|| types.iter().next().copied())
                .flatten();
            Some(self.scored_partner_facts(period, months, only).await?)
        };
        Ok(RunFacts {
            months,
            targets: self.sell_in_targets(period).await?,
            partners,
        })
    }

    async fn evaluate_template(
        &self,
        caller: &Caller,
        period: Period,
        provisional: bool,
        template: &TemplateRow,
        facts: &RunFacts,
    ) -> Result<RunRow, AppError> {
        let (subjects, inputs) = match (template.partner_type, &facts.partners) {
            (Some(partner_type), Some(partners)) => {
                self.partner_inputs(partner_type, partners, &facts.targets)
                    .await?
            }
            (Some(_), None) => {
                return Err(AppError::Internal(
                    "partner facts were not gathered for a partner template".into(),
                ));
            }
            (None, _) => {
                self.rep_inputs(period, facts.months, &facts.targets)
                    .await?
            }
        };
        let mut evaluated = Vec::with_capacity(subjects.list.len());
        for (subject, code, _, region, grade) in &subjects.list {
            let given = inputs.get(subject).cloned().unwrap_or_default();
            let evaluation = rules::evaluate(&template.template, &given)?;
            evaluated.push((*subject, code.clone(), *region, *grade, evaluation));
        }
        let in_type = rules::rank(evaluated.iter().map(|e| ((), e.1.clone(), e.4.total)));
        let in_region = rules::rank(
            evaluated
                .iter()
                .filter_map(|e| e.2.map(|region| (region, e.1.clone(), e.4.total))),
        );
        let in_type_by = ranks_by_code(&in_type);
        let in_region_by = ranks_by_code(&in_region);
        let grades = qudao_store::grades::list(self.db()).await?;
        let steps = ladder(&grades)?;
        let ladder: Vec<GradeStep> = steps.iter().map(|(_, s)| s.clone()).collect();
        let mut proposals = Vec::new();
        let mut results = Vec::with_capacity(evaluated.len());
        for (subject, code, region, grade, evaluation) in evaluated {
            // An open period's figures still move: nobody should be
            // promoted or demoted on half a year.
            if let (Scored::Partner(partner_id), Some(grade_id), false) =
                (subject, grade, provisional)
                && let Some((_, step)) = steps.iter().find(|(id, _)| *id == grade_id)
                && let Some(proposal) = rules::propose_grade(evaluation.total, &step.code, &ladder)?
                && let Some((to_grade_id, _)) = steps.iter().find(|(_, s)| s.code == proposal.to)
            {
                proposals.push(NewProposal {
                    partner_id,
                    from_grade_id: grade_id,
                    to_grade_id: *to_grade_id,
                    total: evaluation.total,
                });
            }
            results.push(NewResult {
                subject,
                region_id: region,
                grade_id: grade,
                rank_in_type: in_type_by.get(&code).copied().unwrap_or(0),
                rank_in_region: region.and_then(|_| in_region_by.get(&code).copied()),
                evaluation,
            });
        }
        let tx = self.write().await?;
        let run = repo::insert_run(
            &tx,
            period,
            template.id,
            provisional,
            &results,
            &caller.login,
        )
        .await?;
        repo::insert_proposals(&tx, run.id, &proposals).await?;
        #[derive(Serialize)]
        struct Audited<'a> {
            period: String,
            template: &'a str,
            provisional: bool,
            subjects: usize,
            proposals: usize,
        }
        self.audit(
            &tx,
            caller,
            "evaluation_run",
            &run.id.to_string(),
            "evaluate",
            None,
            Some(&Audited {
                period: period.to_string(),
                template: &template.code,
                provisional,
                subjects: results.len(),
                proposals: proposals.len(),
            }),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(run)
    }

    /// One question to the engine for every subject at once, as the system:
    /// a run scores every partner of the type, whoever starts it.
    async fn engine_by(
        &self,
        by: &str,
        measures: &[&str],
        period: Period,
        filter: Option<(&str, &str)>,
        compare: bool,
    ) -> Result<Option<Answer>, AppError> {
        let text = QueryText {
            measures: measures.iter().map(|m| (*m).to_owned()).collect(),
            by: by.split(',').map(str::to_owned).collect(),
            period: Some(period.to_string()),
            filters: filter
                .map(|(dim, code)| vec![(dim.to_owned(), vec![code.to_owned()])])
                .unwrap_or_default(),
            compare: compare.then(|| "last_year".to_owned()),
            ..QueryText::default()
        };
        match self
            .analytics_query(&Caller::system("scorecards"), &text)
            .await
        {
            Ok(answer) => Ok(Some(answer)),
            // A type the engine has not met yet has no facts at all.
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

    /// The top-down sell-in targets in force in a period (approved: a
    /// draft is a plan nobody is judged by yet), by subject.
    async fn sell_in_targets(&self, period: Period) -> Result<HashMap<Subject, i64>, AppError> {
        let reach = Reach {
            scope: qudao_domain::scope::DataScope::All,
            internal: Internal::All,
            drafts: false,
        };
        let filter = TargetFilter {
            period: Some(period),
            measure: Some(TargetMeasure::SellInAmount),
            version: Some(TargetVersion::TopDown),
            product_line_id: Some(None),
        };
        Ok(qudao_store::targets::list(self.db(), reach, &filter)
            .await?
            .into_iter()
            .map(|t| (t.key.subject, t.value.amount()))
            .collect())
    }

    /// Every partner's facts for the period (of one type, or of all).
    async fn scored_partner_facts(
        &self,
        period: Period,
        (first, last): (Month, Month),
        only: Option<PartnerType>,
    ) -> Result<ScoredFacts, AppError> {
        let filter = only.map(|t| ("partner_type", t.as_str()));
        let flows = self
            .engine_by("partner", &PARTNER_MEASURES, period, filter, true)
            .await?;
        let lines = self
            .engine_by(
                "partner,product_line",
                &["sell_in_qty"],
                period,
                filter,
                false,
            )
            .await?;
        let mut sold: HashMap<String, BTreeSet<String>> = HashMap::new();
        for row in lines.iter().flat_map(|a| a.rows.iter()) {
            if let ([partner, line], Some(qty)) = (&row.keys[..], value_at(&row.values, 0))
                && qty > 0
            {
                sold.entry(partner.code.clone())
                    .or_default()
                    .insert(line.code.clone());
            }
        }
        let mut authorized: HashMap<i64, BTreeSet<String>> = HashMap::new();
        for (partner, line) in
            repo::authorized_lines(self.db(), first.first_day(), last.last_day()).await?
        {
            authorized.entry(partner).or_default().insert(line);
        }
        let zone = crate::time_zone();
        let reported = repo::first_reports(self.db(), first, last)
            .await?
            .into_iter()
            .map(|(partner, month, at)| ((partner, month), at.with_timezone(&zone).date_naive()))
            .collect();
        let mut imported: HashMap<Scored, Vec<(KpiCode, Decimal)>> = HashMap::new();
        for (subject, code, value) in
            repo::inputs(self.db(), period, ScorecardSubject::Partner).await?
        {
            imported.entry(subject).or_default().push((code, value));
        }
        Ok(ScoredFacts {
            flows: flows.as_ref().map(by_code).unwrap_or_default(),
            sold,
            authorized,
            due: quality::due_months(first, last, crate::today()),
            reported,
            imported,
        })
    }

    async fn partner_inputs(
        &self,
        partner_type: PartnerType,
        facts: &ScoredFacts,
        targets: &HashMap<Subject, i64>,
    ) -> Result<(Subjects, HashMap<Scored, rules::Inputs>), AppError> {
        let partners = repo::partners_to_score(self.db(), partner_type).await?;
        let mut inputs: HashMap<Scored, rules::Inputs> = HashMap::new();
        let mut list = Vec::with_capacity(partners.len());
        for p in &partners {
            let subject = Scored::Partner(p.id);
            let (now, before) = facts.flows.get(&p.code).cloned().unwrap_or_default();
            let at = |i: usize| value_at(&now, i).unwrap_or(0);
            let mut given = rules::Inputs::new();
            let mut put = |code: KpiCode, value: Option<Decimal>| {
                if let Some(value) = value {
                    given.insert(code, value);
                }
            };
            put(
                KpiCode::SellInAttainment,
                targets
                    .get(&Subject::Partner(p.id))
                    .and_then(|target| percent(at(0), *target)),
            );
            put(
                KpiCode::SellThroughGrowth,
                growth(at(1), value_at(&before, 1).unwrap_or(0)),
            );
            put(KpiCode::CollectionRate, percent(at(3), at(2)));
            put(KpiCode::GrossMargin, percent(at(4), at(0)));
            put(KpiCode::NewEndCustomers, Some(Decimal::from(at(5))));
            put(
                KpiCode::InventoryTurnoverDays,
                value_at(&now, 6).map(Decimal::from),
            );
            put(
                KpiCode::ProductCoverage,
                facts.authorized.get(&p.id).and_then(|lines| {
                    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
                    let reached = facts
                        .sold
                        .get(&p.code)
                        .map_or(0, |s| lines.intersection(s).count());
                    percent(count(reached), count(lines.len()))
                }),
            );
            put(KpiCode::ReportingDiscipline, facts.discipline(p.id));
            for (code, value) in facts.imported.get(&subject).into_iter().flatten() {
                given.insert(*code, *value);
            }
            inputs.insert(subject, given);
            list.push((
                subject,
                p.code.clone(),
                p.name.clone(),
                p.region_id,
                p.grade_id,
            ));
        }
        Ok((Subjects { list }, inputs))
    }

    async fn rep_inputs(
        &self,
        period: Period,
        (first, last): (Month, Month),
        targets: &HashMap<Subject, i64>,
    ) -> Result<(Subjects, HashMap<Scored, rules::Inputs>), AppError> {
        let reps = repo::reps_to_score(self.db()).await?;
        let flows = self
            .engine_by(
                "owner",
                &["sell_in_amount", "invoiced", "collections", "new_partners"],
                period,
                None,
                true,
            )
            .await?;
        let flows = flows.as_ref().map(by_code).unwrap_or_default();
        let moved = self
            .moved_credit(TargetMeasure::SellInAmount, None, first, last)
            .await?;
        let mut inputs: HashMap<Scored, rules::Inputs> = HashMap::new();
        let mut list = Vec::with_capacity(reps.len());
        for rep in &reps {
            let subject = Scored::Rep(rep.id);
            let (now, before) = flows.get(&rep.login).cloned().unwrap_or_default();
            let at = |i: usize| value_at(&now, i).unwrap_or(0);
            let mut given = rules::Inputs::new();
            let credited = at(0) + moved.get(&rep.login).copied().unwrap_or(0);
            if let Some(v) = targets
                .get(&Subject::Rep(rep.id))
                .and_then(|target| percent(credited, *target))
            {
                given.insert(KpiCode::RepTargetAttainment, v);
            }
            if let Some(v) = percent(at(2), at(1)) {
                given.insert(KpiCode::RepPartnerCollectionRate, v);
            }
            if let Some(v) = growth(at(0), value_at(&before, 0).unwrap_or(0)) {
                given.insert(KpiCode::RepPartnerGrowth, v);
            }
            given.insert(KpiCode::RepNewPartners, Decimal::from(at(3)));
            inputs.insert(subject, given);
            list.push((
                subject,
                rep.login.clone(),
                rep.display_name.clone(),
                None,
                None,
            ));
        }
        for (subject, code, value) in repo::inputs(self.db(), period, ScorecardSubject::Rep).await?
        {
            if let Some(given) = inputs.get_mut(&subject) {
                given.insert(code, value);
            }
        }
        Ok((Subjects { list }, inputs))
    }

    pub(crate) fn result_reach(caller: &Caller) -> ResultReach {
        ResultReach {
            scope: scope_in(caller, Area::Scorecards),
            reps: match caller.role {
                Role::SalesRep => Some(Some(caller.user_id.0)),
                role if role.is_partner_role() => None,
                _ => Some(None),
            },
        }
    }

    /// Runs, newest first; of one period when given.
    pub async fn evaluation_runs(
        &self,
        caller: &Caller,
        period: Option<&str>,
    ) -> Result<Vec<RunView>, AppError> {
        caller.require(Permission::ViewScorecards)?;
        let period = crate::non_empty(period)
            .map(|p| Period::parse("period", p))
            .transpose()?;
        let runs = repo::runs(self.db(), period, 200).await?;
        let templates: HashMap<i64, TemplateRow> = repo::templates(self.db())
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        Ok(runs
            .iter()
            .filter_map(|r| templates.get(&r.template_id).map(|t| run_view(r, t)))
            .collect())
    }

    pub(crate) async fn run_and_template(
        &self,
        run_id: i64,
    ) -> Result<(RunRow, TemplateRow), AppError> {
        let run = repo::run_by_id(self.db(), run_id)
            .await?
            .ok_or(AppError::NotFound("evaluation run"))?;
        let template = repo::template_by_id(self.db(), run.template_id)
            .await?
            .ok_or(AppError::NotFound("evaluation run"))?;
        Ok((run, template))
    }

    pub async fn evaluation_run(&self, caller: &Caller, run_id: i64) -> Result<RunView, AppError> {
        caller.require(Permission::ViewScorecards)?;
        let (run, template) = self.run_and_template(run_id).await?;
        Ok(run_view(&run, &template))
    }

    /// The results of a run the caller reaches, best first.
    pub async fn evaluation_results(
        &self,
        caller: &Caller,
        run_id: i64,
    ) -> Result<Vec<ResultView>, AppError> {
        caller.require(Permission::ViewScorecards)?;
        let (run, template) = self.run_and_template(run_id).await?;
        let rows = repo::results(self.db(), Self::result_reach(caller), run.id).await?;
        self.result_views(&run, &template, rows).await
    }

    async fn result_views(
        &self,
        run: &RunRow,
        template: &TemplateRow,
        rows: Vec<ResultRow>,
    ) -> Result<Vec<ResultView>, AppError> {
        let db = self.db();
        let grades: HashMap<i64, String> = qudao_store::grades::list(db)
            .await?
            .into_iter()
            .map(|g| (g.id, g.code))
            .collect();
        let proposed: HashMap<i64, i64> =
            repo::proposals(db, qudao_domain::scope::DataScope::All, Some(run.id), None)
                .await?
                .into_iter()
                .map(|p| (p.partner_id, p.to_grade_id))
                .collect();
        let mut partner_ids = Vec::new();
        let mut user_ids = Vec::new();
        let mut region_ids = Vec::new();
        for row in &rows {
            match row.subject {
                Scored::Partner(id) => partner_ids.push(id),
                Scored::Rep(id) => user_ids.push(id),
            }
            region_ids.extend(row.region_id);
        }
        let partners: HashMap<i64, (String, String)> = partner_names(db, &partner_ids).await?;
        let users: HashMap<i64, (String, String)> =
            qudao_store::admin::logins_by_id(db, &user_ids).await?;
        region_ids.sort_unstable();
        region_ids.dedup();
        let regions: HashMap<i64, (String, String)> =
            qudao_store::territories::regions_by_ids(db, &region_ids)
                .await?
                .into_iter()
                .map(|r| (r.id, (r.code, r.name)))
                .collect();
        Ok(rows
            .into_iter()
            .map(|row| {
                let (code, name) = match row.subject {
                    Scored::Partner(id) => partners.get(&id),
                    Scored::Rep(id) => users.get(&id),
                }
                .cloned()
                .unwrap_or_default();
                let region = row.region_id.and_then(|id| regions.get(&id));
                let proposed_grade = match row.subject {
                    Scored::Partner(id) => proposed.get(&id).and_then(|g| grades.get(g)).cloned(),
                    Scored::Rep(_) => None,
                };
                ResultView {
                    subject: template.subject().as_str().to_owned(),
                    code,
                    name,
                    partner_type: template.partner_type.map(|t| t.as_str().to_owned()),
                    region_code: region.map(|r| r.0.clone()),
                    region_name: region.map(|r| r.1.clone()),
                    total: row.evaluation.total.to_string(),
                    rank_in_type: row.rank_in_type,
                    rank_in_region: row.rank_in_region,
                    grade: row.grade_id.and_then(|g| grades.get(&g)).cloned(),
                    proposed_grade,
                    kpis: row
                        .evaluation
                        .kpis
                        .iter()
                        .map(|k| KpiLineView {
                            kpi: k.code.as_str().to_owned(),
                            input: k.input.map(shown),
                            score: k.score.map(|s| s.to_string()),
                            weight: k.weight.map(|w| shown(w.value())),
                            points: shown(k.points),
                            missing_input: k.missing_input,
                        })
                        .collect(),
                }
            })
            .collect())
    }

    /// One subject's result in a run, explained, with how to reach the next
    /// grade. `code` is a partner's code (or a rep's login in a reps' run);
    /// a subject outside the caller's reach is not found.
    pub async fn scorecard(
        &self,
        caller: &Caller,
        run_id: i64,
        code: &str,
    ) -> Result<ScorecardView, AppError> {
        caller.require(Permission::ViewScorecards)?;
        let (run, template) = self.run_and_template(run_id).await?;
        let subject = match template.subject() {
            ScorecardSubject::Partner => {
                let partner = self
                    .visible(self.db(), caller, Area::Scorecards, code)
                    .await?;
                Scored::Partner(partner.id().0)
            }
            ScorecardSubject::Rep => {
                let user = qudao_store::admin::find_user_by_login(self.db(), code.trim())
                    .await?
                    .ok_or(AppError::NotFound("scorecard"))?;
                Scored::Rep(user.id)
            }
        };
        self.scorecard_of(caller, &run, &template, subject).await
    }

    async fn scorecard_of(
        &self,
        caller: &Caller,
        run: &RunRow,
        template: &TemplateRow,
        subject: Scored,
    ) -> Result<ScorecardView, AppError> {
        let row = repo::result_of(self.db(), Self::result_reach(caller), run.id, subject)
            .await?
            .ok_or(AppError::NotFound("scorecard"))?;
        let grades = qudao_store::grades::list(self.db()).await?;
        let held = row
            .grade_id
            .and_then(|id| grades.iter().find(|g| g.id == id));
        // The next grade up is earned at the current grade's promotion
        // threshold (`Thresholds::review`).
        let next = held.and_then(|g| {
            let promote = g.promote_threshold.as_deref()?;
            let goal = Score::parse("promote", promote).ok()?;
            let up = grades
                .iter()
                .filter(|o| o.rank > g.rank)
                .min_by_key(|o| o.rank)?;
            Some((up.code.clone(), goal))
        });
        let how = next
            .as_ref()
            .map(|(_, goal)| rules::how_to_improve(&row.evaluation, &template.template, *goal))
            .map(improve_view);
        let result = self
            .result_views(run, template, vec![row])
            .await?
            .pop()
            .ok_or(AppError::NotFound("scorecard"))?;
        Ok(ScorecardView {
            run: run_view(run, template),
            result,
            next_grade: next.as_ref().map(|(code, _)| code.clone()),
            goal: next.map(|(_, goal)| goal.to_string()),
            how_to_improve: how,
        })
    }

    /// A partner user's own latest scorecard, if it was ever evaluated.
    pub async fn my_scorecard(&self, caller: &Caller) -> Result<Option<ScorecardView>, AppError> {
        caller.require(Permission::ViewScorecards)?;
        let Some(partner) = caller.partner_id else {
            return Ok(None);
        };
        let Some(run_id) = repo::latest_run_of_partner(self.db(), partner.0).await? else {
            return Ok(None);
        };
        let (run, template) = self.run_and_template(run_id).await?;
        match self
            .scorecard_of(caller, &run, &template, Scored::Partner(partner.0))
            .await
        {
            Ok(view) => Ok(Some(view)),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Grade proposals the caller's scope reaches, newest first: of one
    /// run, and/or with one status.
    pub async fn grade_proposals(
        &self,
        caller: &Caller,
        run_id: Option<i64>,
        status: Option<&str>,
    ) -> Result<Vec<ProposalView>, AppError> {
        caller.require(Permission::ApproveGrades)?;
        let status = match crate::non_empty(status) {
            Some(s @ (status::PROPOSED | status::APPROVED | status::REJECTED)) => Some(s),
            Some(_) => {
                return Err(Invalid::new(
                    "status",
                    Problem::NotOneOf {
                        choices: vec![status::PROPOSED, status::APPROVED, status::REJECTED],
                    },
                )
                .into());
            }
            None => None,
        };
        let rows = repo::proposals(
            self.db(),
            scope_in(caller, Area::Scorecards),
            run_id,
            status,
        )
        .await?;
        self.proposal_views(rows).await
    }

    async fn proposal_views(
        &self,
        rows: Vec<repo::proposal::Model>,
    ) -> Result<Vec<ProposalView>, AppError> {
        let db = self.db();
        let grades: HashMap<i64, (String, i32)> = qudao_store::grades::list(db)
            .await?
            .into_iter()
            .map(|g| (g.id, (g.code, g.rank)))
            .collect();
        let ids: Vec<i64> = rows.iter().map(|r| r.partner_id).collect();
        let partners = partner_names(db, &ids).await?;
        let mut periods: BTreeMap<i64, String> = BTreeMap::new();
        for row in &rows {
            if !periods.contains_key(&row.run_id)
                && let Some(run) = repo::run_by_id(db, row.run_id).await?
            {
                periods.insert(row.run_id, run.period.to_string());
            }
        }
        rows.into_iter()
            .map(|row| {
                let total = stored_total(&row.total)?;
                let (from, from_rank) = grades.get(&row.from_grade_id).cloned().unwrap_or_default();
                let (to, to_rank) = grades.get(&row.to_grade_id).cloned().unwrap_or_default();
                let (code, name) = partners.get(&row.partner_id).cloned().unwrap_or_default();
                Ok(ProposalView {
                    id: row.id,
                    run_id: row.run_id,
                    period: periods.get(&row.run_id).cloned().unwrap_or_default(),
                    partner_code: code,
                    partner_name: name,
                    from_grade: from,
                    to_grade: to,
                    movement: if to_rank > from_rank {
                        "promote"
                    } else {
                        "demote"
                    }
                    .to_owned(),
                    total: total.to_string(),
                    status: row.status,
                    decided_by: row.decided_by,
                    decided_at: row.decided_at,
                    reason: row.reason,
                })
            })
            .collect()
    }

    /// Approves (the partner's grade changes, with history naming the run)
    /// or rejects a proposal. A proposal is decided once; one whose
    /// partner's grade changed since the run is stale and refused.
    pub async fn decide_grade_proposal(
        &self,
        caller: &Caller,
        id: i64,
        approve: bool,
        input: &DecisionInput,
    ) -> Result<ProposalView, AppError> {
        caller.require(Permission::ApproveGrades)?;
        let note = qudao_domain::grades::parse_optional_label(
            "note",
            input.note.as_deref().unwrap_or(""),
        )?;
        let tx = self.write().await?;
        let proposal = repo::proposal_for_write(&tx, scope_in(caller, Area::Scorecards), id)
            .await?
            .ok_or(AppError::NotFound("grade proposal"))?;
        if proposal.status != status::PROPOSED {
            return Err(conflict("status", "grade_proposal_decided", &proposal.status).into());
        }
        let decided = if approve {
            let code = partner_names(&tx, &[proposal.partner_id])
                .await?
                .remove(&proposal.partner_id)
                .map(|(code, _)| code)
                .ok_or(AppError::NotFound("grade proposal"))?;
            let partner = self
                .visible_for_write(&tx, caller, Area::Scorecards, &code)
                .await?;
            let current = qudao_store::grades::grade_of(&tx, &partner).await?;
            if current != Some(proposal.from_grade_id) {
                return Err(Invalid::new(
                    "status",
                    Problem::Rule {
                        rule: "grade_proposal_stale",
                    },
                )
                .into());
            }
            let grade = qudao_store::grades::find_by_id(&tx, proposal.to_grade_id)
                .await?
                .ok_or(AppError::NotFound("grade proposal"))?;
            let run = repo::run_by_id(&tx, proposal.run_id)
                .await?
                .ok_or(AppError::NotFound("grade proposal"))?;
            let mut text = format!(
                "scorecard run #{} ({}): total {}",
                run.id,
                run.period,
                stored_total(&proposal.total)?
            );
            if let Some(note) = &note {
                text.push_str(" — ");
                text.push_str(note);
            }
            let reason = Reason::parse(&text)?;
            self.set_partner_grade_in(&tx, caller, &partner, &grade, &reason)
                .await?;
            status::APPROVED
        } else {
            status::REJECTED
        };
        repo::decide(&tx, id, decided, &caller.login, note.as_deref()).await?;
        #[derive(Serialize)]
        struct Audited<'a> {
            status: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            note: Option<&'a str>,
        }
        self.audit(
            &tx,
            caller,
            "grade_proposal",
            &id.to_string(),
            if approve { "approve" } else { "reject" },
            Some(&Audited {
                status: &proposal.status,
                note: None,
            }),
            Some(&Audited {
                status: decided,
                note: note.as_deref(),
            }),
        )
        .await?;
        crate::commit(tx).await?;
        let row = repo::proposals(
            self.db(),
            qudao_domain::scope::DataScope::All,
            Some(proposal.run_id),
            None,
        )
        .await?
        .into_iter()
        .filter(|p| p.id == id)
        .collect();
        self.proposal_views(row)
            .await?
            .pop()
            .ok_or(AppError::NotFound("grade proposal"))
    }

    /// Sets one imported KPI input inside an import's transaction: the KPIs
    /// the system cannot count yet, for a subject the caller reaches.
    pub(crate) async fn put_scorecard_input(
        &self,
        tx: &qudao_store::WriteTx,
        caller: &Caller,
        row: &ScorecardInputRow,
    ) -> Result<(), AppError> {
        let period = Period::parse("period", &row.period);
        let subject_type = ScorecardSubject::parse(&row.subject_type).map_err(|e| Invalid {
            field: "subject_type",
            ..e
        });
        let kpi = KpiCode::parse(&row.kpi);
        let mut errors: Vec<Invalid> = Vec::new();
        if let (Ok(kpi), Ok(subject)) = (&kpi, &subject_type) {
            if !IMPORTED.contains(kpi) {
                errors.push(conflict("kpi", "scorecard_input_computed", kpi.as_str()));
            } else if kpi.subject() != *subject {
                errors.push(conflict("kpi", "scorecard_kpi_wrong_subject", kpi.as_str()));
            }
        }
        let value = rules::parse_number("value", &row.value).and_then(|v| {
            let whole = v.fract() == Decimal::ZERO && v >= Decimal::ZERO;
            match &kpi {
                Ok(KpiCode::ComplianceViolations | KpiCode::RepVisits) if !whole => {
                    Err(Invalid::new(
                        "value",
                        Problem::Rule {
                            rule: "scorecard_input_count",
                        },
                    ))
                }
                _ => Ok(v),
            }
        });
        let subject = match &subject_type {
            Ok(ScorecardSubject::Partner) => {
                match self
                    .visible(tx, caller, Area::Scorecards, &row.subject_code)
                    .await
                {
                    Ok(p) => Ok(Scored::Partner(p.id().0)),
                    Err(AppError::NotFound(_)) => Err(conflict(
                        "subject_code",
                        "scorecard_subject_unknown",
                        row.subject_code.trim(),
                    )),
                    Err(e) => return Err(e),
                }
            }
            Ok(ScorecardSubject::Rep) => {
                match qudao_store::admin::find_user_by_login(tx, row.subject_code.trim()).await? {
                    Some(u) if u.role == Role::SalesRep.as_str() => Ok(Scored::Rep(u.id)),
                    _ => Err(conflict(
                        "subject_code",
                        "scorecard_subject_unknown",
                        row.subject_code.trim(),
                    )),
                }
            }
            Err(_) => Err(Invalid::new("subject_code", Problem::Required)),
        };
        match (period, subject_type, kpi, value, subject) {
            (Ok(period), Ok(_), Ok(kpi), Ok(value), Ok(subject)) if errors.is_empty() => {
                repo::put_input(tx, period, subject, kpi, value, &caller.login).await?;
                Ok(())
            }
            (period, subject_type, kpi, value, subject) => {
                let subject = if subject_type.is_err() {
                    None
                } else {
                    subject.err()
                };
                errors.extend(
                    [
                        period.err(),
                        subject_type.err(),
                        kpi.err(),
                        value.err(),
                        subject,
                    ]
                    .into_iter()
                    .flatten(),
                );
                Err(AppError::Invalid(errors))
            }
        }
    }
}

/// The KPIs an import feeds until the service, training and CRM areas do.
pub const IMPORTED: &[KpiCode] = &[
    KpiCode::CustomerSatisfaction,
    KpiCode::ServiceResponseTime,
    KpiCode::TrainingCompletion,
    KpiCode::ComplianceViolations,
    KpiCode::RepVisits,
];

/// One row of an inputs file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScorecardInputRow {
    pub period: String,
    pub subject_type: String,
    pub subject_code: String,
    pub kpi: String,
    pub value: String,
}

/// Code and name of each partner id given (any scope: the caller already
/// holds rows that name them).
pub(crate) async fn partner_names(
    db: &impl qudao_store::ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, (String, String)>, AppError> {
    let all = qudao_domain::scope::DataScope::All;
    Ok(qudao_store::partners::names_of(db, all, ids)
        .await?
        .into_iter()
        .map(|(id, code, name)| (id, (code, name)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_read_with_full_width_separators_too() {
        let ascii = parse_bands("0:0; 80:60; 100:100").unwrap();
        assert_eq!(parse_bands("0：0；80：60；100：100").unwrap(), ascii);
        assert_eq!(bands_text(&ascii), "0:0; 80:60; 100:100");
        assert_eq!(parse_bands("80-60").unwrap_err().field, "bands");
        assert_eq!(percent(1, 3), Some("33.33".parse().unwrap()));
        assert_eq!(percent(2, 3), Some("66.67".parse().unwrap()));
        assert_eq!(percent(5, 0), None);
        assert_eq!(growth(90, 100), Some("-10".parse().unwrap()));
    }
}
