//! Incentive run pages: the runs with the form that computes a period
//! (a dry run shows the results without saving), a run's results with
//! re-run (differences first, then a confirmed acceptance), approval and
//! payment by finance (confirmed: they cannot be undone), one subject's
//! explanation with its trace in words, and the statement: a partner's
//! own at `/my/incentives`, staff's for a partner at
//! `/partners/{code}/incentives`, both printable and downloadable as xlsx.
//!
//! The trace is data (`qudao_domain::incentives::Step`); this module puts
//! it in the reader's language, one sentence a step, for pages and the
//! spreadsheet alike.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::export::{Cell, sheet_to_xlsx};
use qudao_app::incentive_runs::{
    RerunView, ResultView, RunDetail, RunRequest, RunView, StatementView, percent_shown,
};
use qudao_app::incentives::ProgramFilter;
use qudao_app::{AppError, PageRequest, Permission};
use qudao_domain::incentives::{AdjustmentKind, Step, calc::NoReference};
use qudao_domain::money::{Currency, Money, grouped_count};
use qudao_domain::periods::{FiscalCalendar, Month};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{PageForm, error_for, field_errors, render};
use crate::AppState;
use crate::auth::{Ctx, FlashKind, set_flash};
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, crumb};
use crate::routes::Routes;

const RUNS: &str = "/incentives/runs";
const MINE: &str = "/my/incentives";

pub(super) fn routes() -> Routes {
    Routes::new()
        .get(RUNS, runs)
        .post(RUNS, run)
        .get("/incentives/runs/{id}", show)
        .get("/incentives/runs/{id}/rerun", rerun_preview)
        .post("/incentives/runs/{id}/rerun", rerun_accept)
        .post("/incentives/runs/{id}/approve", approve)
        .post("/incentives/runs/{id}/pay", pay)
        .get("/incentives/runs/{id}/results/{code}", explanation)
        .get(MINE, mine)
        .get("/partners/{code}/incentives", partner_statement)
}

fn crumbs(lang: Lang, title: &str) -> Vec<(String, Option<String>)> {
    vec![
        crumb(lang, "nav.incentives", "/incentives"),
        crumb(lang, "runs.title", RUNS),
        (title.to_owned(), None),
    ]
}

// ---------------------------------------------------------------------------
// Figures as people read them
// ---------------------------------------------------------------------------

/// How a page writes a run's figures: its currency and the reader's
/// language.
#[derive(Clone, Copy)]
struct Words {
    lang: Lang,
    currency: Currency,
}

impl Words {
    fn new(lang: Lang, currency: &str) -> Result<Self, PageError> {
        let currency = Currency::parse(currency)
            .map_err(|_| AppError::Internal(format!("a run in an unknown currency {currency}")))?;
        Ok(Self { lang, currency })
    }

    fn money(self, minor: i64) -> String {
        Money::from_minor(minor, self.currency).formatted()
    }

    /// An exact amount in minor units (a step's figure), rounded to the
    /// minor unit only for display.
    fn exact(self, minor: Decimal) -> String {
        let scale = Decimal::from(10_i64.pow(self.currency.minor_digits()));
        Money::from_decimal(minor / scale, self.currency)
            .map_or_else(|| minor.normalize().to_string(), |m| m.formatted())
    }

    /// A base figure: money, or units for a quantity base.
    fn base(self, measure: &str, minor: i64) -> String {
        if measure == "quantity" {
            self.lang.tf("runs.units", grouped_count(minor))
        } else {
            self.money(minor)
        }
    }

    fn base_exact(self, measure: &str, value: Decimal) -> String {
        if measure == "quantity" {
            self.lang.tf("runs.units", value.normalize())
        } else {
            self.exact(value)
        }
    }

    /// A rate: a percent of money (`3%`), or an amount a unit.
    fn rate(self, measure: &str, rate: Decimal) -> String {
        if measure == "quantity" {
            self.lang.tf("incentives.per_unit", self.exact(rate))
        } else {
            percent(rate)
        }
    }

    fn t(self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    /// A message with each `{}` replaced in turn.
    fn fill(self, key: &str, values: &[String]) -> String {
        values
            .iter()
            .fold(self.t(key).to_owned(), |text, v| text.replacen("{}", v, 1))
    }
}

/// A fraction as a percent: 0.03 reads 3%.
fn percent(ratio: Decimal) -> String {
    format!("{}%", (ratio * Decimal::ONE_HUNDRED).normalize())
}

fn decimal(text: &str) -> Option<Decimal> {
    text.parse().ok()
}

/// One result's trace in `lang`, a sentence a step, for `qudao incentives
/// explain` as for the pages; an unknown currency is an error.
pub fn trace_in_words(
    lang: Lang,
    currency: &str,
    result: &ResultView,
) -> Result<Vec<String>, AppError> {
    let w = Words::new(lang, currency)
        .map_err(|_| AppError::Internal(format!("a run in an unknown currency {currency}")))?;
    Ok(trace_lines(w, result))
}

/// One result's trace, a sentence a step. Every step has its words: a new
/// kind of step does not compile until it is given some here.
fn trace_lines(w: Words, result: &ResultView) -> Vec<String> {
    let measure = result.measure.as_str();
    let measure_word = w.t(&format!("runs.measure.{measure}"));
    result
        .trace
        .iter()
        .map(|step| match step {
            Step::Base {
                base,
                multiplied_base,
            } => {
                let base = w.base(measure, *base);
                if *multiplied_base == Decimal::from(result.base) {
                    w.fill("runs.step.base", &[measure_word.to_owned(), base])
                } else {
                    w.fill(
                        "runs.step.base_multiplied",
                        &[
                            measure_word.to_owned(),
                            base,
                            w.base_exact(measure, *multiplied_base),
                        ],
                    )
                }
            }
            Step::Clawback {
                days,
                uncollected,
                after,
            } => w.fill(
                "runs.step.clawback",
                &[
                    days.to_string(),
                    w.base_exact(measure, *uncollected),
                    w.base_exact(measure, *after),
                ],
            ),
            Step::Ratio {
                reference,
                ratio,
                growth,
            } => {
                let key = if *growth {
                    "runs.step.growth"
                } else if result.target == Some(*reference) {
                    "runs.step.attainment"
                } else {
                    "runs.step.threshold"
                };
                w.fill(key, &[w.base(measure, *reference), percent_shown(*ratio)])
            }
            Step::NoReference { reason } => w
                .t(match reason {
                    NoReference::NoTarget => "runs.step.no_target",
                    NoReference::ZeroTarget => "runs.step.zero_target",
                    NoReference::NoLastPeriod => "runs.step.no_last_period",
                })
                .to_owned(),
            Step::NegativeBase => w.t("runs.step.negative_base").to_owned(),
            Step::BelowFirstBracket => w.t("runs.step.below_first").to_owned(),
            Step::Bracket {
                index,
                from,
                threshold,
            } => {
                let mut text = w.fill(
                    "runs.step.bracket",
                    &[
                        (index + 1).to_string(),
                        percent(*from),
                        w.base_exact(measure, *threshold),
                    ],
                );
                if let Some(rate) = result.rate.as_deref().and_then(decimal) {
                    text.push_str(&w.lang.tf("runs.step.bracket_rate", w.rate(measure, rate)));
                }
                text
            }
            Step::Rate { rate, base, amount } => w.fill(
                "runs.step.rate",
                &[
                    w.base_exact(measure, *base),
                    w.rate(measure, *rate),
                    w.exact(*amount),
                ],
            ),
            Step::Slice {
                index,
                from_base,
                to_base,
                rate,
                amount,
            } => w.fill(
                "runs.step.slice",
                &[
                    (index + 1).to_string(),
                    w.base_exact(measure, *from_base),
                    w.base_exact(measure, *to_base),
                    w.rate(measure, *rate),
                    w.exact(*amount),
                ],
            ),
            Step::FixedAmount { amount } => w.fill("runs.step.fixed", &[w.money(*amount)]),
            Step::Accelerated {
                threshold,
                factor,
                extra,
                after,
            } => w.fill(
                "runs.step.accelerated",
                &[
                    w.base_exact(measure, *threshold),
                    factor.normalize().to_string(),
                    w.exact(*extra),
                    w.exact(*after),
                ],
            ),
            Step::CollectedShare {
                share,
                before,
                after,
            } => w.fill(
                "runs.step.collected",
                &[percent_shown(*share), w.exact(*before), w.exact(*after)],
            ),
            Step::DataQuality {
                score: Some(score),
                min,
                met,
                before,
            } => w.fill(
                if *met {
                    "runs.step.quality_met"
                } else {
                    "runs.step.quality_missed"
                },
                &[
                    score.normalize().to_string(),
                    min.normalize().to_string(),
                    w.exact(*before),
                ],
            ),
            Step::DataQuality {
                score: None, min, ..
            } => w.fill("runs.step.quality_not_due", &[min.normalize().to_string()]),
            Step::Capped { cap, before } => {
                w.fill("runs.step.capped", &[w.money(*cap), w.exact(*before)])
            }
            Step::Floored { floor, before } => {
                w.fill("runs.step.floored", &[w.money(*floor), w.exact(*before)])
            }
            Step::Adjusted {
                kind,
                reason,
                amount,
                after,
                ..
            } => {
                let key = match kind {
                    AdjustmentKind::Penalty => "runs.step.penalty",
                    AdjustmentKind::Manual => "runs.step.adjusted",
                };
                let signed = if *amount < 0 {
                    format!("−{}", w.money(-amount))
                } else {
                    format!("+{}", w.money(*amount))
                };
                w.fill(key, &[reason.clone(), signed, w.exact(*after)])
            }
            Step::NotBelowZero { before } => {
                w.fill("runs.step.not_below_zero", &[w.exact(*before)])
            }
            Step::Rounded { amount, .. } => w.fill("runs.step.rounded", &[w.money(*amount)]),
        })
        .collect()
}

/// Where a base came from, as stored with the result.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Sources {
    first_month: String,
    last_month: String,
    product_lines: Vec<String>,
    categories: Vec<String>,
    skus: Vec<String>,
    /// Absent in results stored before names were kept.
    sku_names: Vec<[String; 2]>,
    downstream: Option<i64>,
    multiplied: Vec<MultipliedPart>,
    collected: Option<i64>,
    invoiced: Option<i64>,
    compared_with: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MultipliedPart {
    by: String,
    code: String,
    names: Option<[String; 2]>,
    amount: i64,
    factor: Decimal,
    /// Absent: the part earns points once.
    points_factor: Option<Decimal>,
}

/// The sources of a result in words: months, products, multiplied parts,
/// collected against invoiced.
fn source_lines(w: Words, c: &Chrome, result: &ResultView) -> Result<Vec<String>, PageError> {
    let sources: Sources = serde_json::from_value(result.parts.clone())
        .map_err(|e| AppError::Internal(format!("a result's sources: {e}")))?;
    let sep = if w.lang == Lang::ZhCn { "、" } else { ", " };
    let line_name = |code: &str| c.product_line(code);
    let mut out = Vec::new();
    if !sources.first_month.is_empty() {
        let months = if sources.first_month == sources.last_month {
            sources.first_month.clone()
        } else {
            w.fill(
                "runs.source.month_range",
                &[sources.first_month.clone(), sources.last_month.clone()],
            )
        };
        out.push(w.lang.tf("runs.source.months", months));
    }
    if !sources.product_lines.is_empty() {
        let names: Vec<String> = sources.product_lines.iter().map(|c| line_name(c)).collect();
        out.push(w.lang.tf("runs.source.lines", names.join(sep)));
    }
    if !sources.categories.is_empty() {
        out.push(
            w.lang
                .tf("runs.source.categories", sources.categories.join(sep)),
        );
    }
    if !sources.skus.is_empty() {
        let named: Vec<String> = sources
            .skus
            .iter()
            .enumerate()
            .map(|(i, code)| sku_named(w.lang, code, sources.sku_names.get(i)))
            .collect();
        out.push(w.lang.tf("runs.source.skus", named.join(sep)));
    }
    if let Some(downstream) = sources.downstream {
        out.push(w.lang.tf("runs.source.downstream", w.money(downstream)));
    }
    for part in &sources.multiplied {
        let what = if part.by == "product_line" {
            line_name(&part.code)
        } else {
            sku_named(w.lang, &part.code, part.names.as_ref())
        };
        let mut words = vec![
            what,
            w.base(&result.measure, part.amount),
            part.factor.normalize().to_string(),
        ];
        let key = match part.points_factor {
            Some(points) => {
                words.push(points.normalize().to_string());
                "runs.source.multiplied_points"
            }
            None => "runs.source.multiplied",
        };
        out.push(w.fill(key, &words));
    }
    if let (Some(collected), Some(invoiced)) = (sources.collected, sources.invoiced) {
        out.push(w.fill(
            "runs.source.collected",
            &[w.money(collected), w.money(invoiced)],
        ));
    }
    if let Some(against) = sources.compared_with {
        out.push(w.t(&format!("incentives.growth.{against}")).to_owned());
    }
    Ok(out)
}

/// A product as people read it: its name and code, or the code alone when
/// the result kept no name.
fn sku_named(lang: Lang, code: &str, names: Option<&[String; 2]>) -> String {
    match names {
        Some([zh, en]) if !zh.is_empty() => crate::forms::named(
            lang,
            crate::layout::pick(lang, Some(zh.as_str()), Some(en.as_str())),
            code,
        ),
        _ => code.to_owned(),
    }
}

fn status_word(lang: Lang, status: &str) -> &'static str {
    lang.t(&format!("run_status.{status}"))
}

/// How stacking treated a result: counted, gave way to another program
/// (by name), or earned nothing.
fn stacking_word(lang: Lang, result: &ResultView, names: &HashMap<String, String>) -> String {
    match (result.stacking.as_str(), result.gave_way_to.as_deref()) {
        ("gave_way", Some(to)) => lang.tf(
            "runs.stacking.gave_way",
            names.get(to).map_or(to, String::as_str),
        ),
        (stacking, _) => lang.t(&format!("runs.stacking.{stacking}")).to_owned(),
    }
}

// ---------------------------------------------------------------------------
// The runs and the run form
// ---------------------------------------------------------------------------

/// The periods the run form offers, newest first: the last twelve months,
/// the quarters of this year and last, and the two years.
pub(super) fn periods(fiscal: FiscalCalendar) -> Vec<String> {
    let today = qudao_app::today();
    let mut out = Vec::new();
    let mut month = Month::of(today);
    for _ in 0..12 {
        out.push(month.to_string());
        month = month.previous();
    }
    let year = fiscal.year_of(today);
    for year in [year, year - 1] {
        for quarter in (1..=4).rev() {
            out.push(format!("{year}-Q{quarter}"));
        }
    }
    out.push(year.to_string());
    out.push((year - 1).to_string());
    out
}

#[derive(Debug, Default)]
struct RunForm {
    period: String,
    programs: Vec<String>,
}

/// A run as the list shows it.
struct RunLine {
    href: String,
    period: String,
    status: String,
    status_word: &'static str,
    provisional: bool,
    programs: String,
    subjects: i32,
    total: String,
    by: String,
    at: String,
}

fn run_line(lang: Lang, run: &RunView) -> RunLine {
    let sep = if lang == Lang::ZhCn { "、" } else { ", " };
    RunLine {
        href: run.id.map_or_else(String::new, |id| format!("{RUNS}/{id}")),
        period: run.period.clone(),
        status: run.status.clone(),
        status_word: status_word(lang, &run.status),
        provisional: run.provisional,
        programs: run
            .programs
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(sep),
        subjects: run.subjects,
        total: run.total_shown.clone(),
        by: run.created_by_name.clone(),
        at: crate::layout::display_time(&run.created_at),
    }
}

#[derive(Template)]
#[template(path = "incentive_runs/runs.html")]
struct RunsPage {
    c: Chrome,
    runs: Vec<RunLine>,
    periods: Vec<String>,
    /// Active programs: (code, name).
    programs: Vec<(String, String)>,
    form: RunForm,
    can_run: bool,
    errors: Vec<(String, String)>,
}

impl RunsPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn checked(&self, code: &str) -> bool {
        self.form.programs.iter().any(|p| p == code)
    }
}

async fn runs_page(
    state: &AppState,
    ctx: &Ctx,
    form: RunForm,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let runs = state.app.incentive_runs(&ctx.caller, None).await?;
    let can_run = ctx.caller.can(Permission::ManageIncentives);
    let programs = if can_run {
        let filter = ProgramFilter {
            kind: None,
            status: Some("active".to_owned()),
        };
        state
            .app
            .programs(&ctx.caller, &filter, PageRequest::export())
            .await?
            .items
            .into_iter()
            .map(|p| (p.code, p.name))
            .collect()
    } else {
        Vec::new()
    };
    let title = ctx.lang.t("runs.title").to_owned();
    let c = Chrome::new(
        ctx,
        RUNS,
        title.clone(),
        vec![
            crumb(ctx.lang, "nav.incentives", "/incentives"),
            (title, None),
        ],
    )
    .await?;
    render(&RunsPage {
        runs: runs.iter().map(|r| run_line(ctx.lang, r)).collect(),
        c,
        periods: periods(state.app.fiscal_calendar().await?),
        programs,
        form,
        can_run,
        errors,
    })
}

async fn runs(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let form = RunForm {
        period: default_period(state.app.fiscal_calendar().await?),
        programs: Vec::new(),
    };
    runs_page(&state, &ctx, form, Vec::new()).await
}

/// The fiscal quarter before this one: the latest that has ended.
pub(super) fn default_period(fiscal: FiscalCalendar) -> String {
    let (year, quarter) = fiscal.quarter_of(qudao_app::today());
    if quarter == 1 {
        format!("{}-Q4", year - 1)
    } else {
        format!("{year}-Q{}", quarter - 1)
    }
}

async fn run(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(posted): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut form = RunForm::default();
    let mut dry_run = false;
    for (name, value) in posted {
        match name.as_str() {
            "period" => form.period = value,
            "programs" => form.programs.push(value),
            "action" => dry_run = value == "dry_run",
            _ => {}
        }
    }
    let request = RunRequest {
        period: form.period.clone(),
        programs: form.programs.clone(),
        dry_run,
    };
    match state.app.run_incentives(&ctx.caller, &request).await {
        Ok(detail) => match detail.run.id {
            Some(id) => {
                set_flash(
                    &ctx.session,
                    FlashKind::Success,
                    ctx.lang.tf("runs.done", &detail.run.period),
                )
                .await?;
                Ok(Redirect::to(&format!("{RUNS}/{id}")).into_response())
            }
            None => run_page(&ctx, detail, &DetailQuery::default()).await,
        },
        Err(err) => {
            let (status, errors) = field_errors(ctx.lang, err)?;
            let mut response = runs_page(&state, &ctx, form, errors).await?;
            *response.status_mut() = status;
            Ok(response)
        }
    }
}

// ---------------------------------------------------------------------------
// A run's results
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct DetailQuery {
    program: Option<String>,
    q: Option<String>,
}

struct ResultLine {
    name: String,
    code: String,
    href: String,
    program: String,
    base: String,
    target: String,
    attainment: String,
    bracket: String,
    rate: String,
    amount: String,
    stacking: String,
    applied: bool,
}

fn result_line(
    w: Words,
    run_id: Option<i64>,
    r: &ResultView,
    names: &HashMap<String, String>,
) -> ResultLine {
    ResultLine {
        name: r.name.clone(),
        code: r.code.clone(),
        href: run_id.map_or_else(String::new, |id| {
            format!("{RUNS}/{id}/results/{}", crate::auth::urlencode(&r.code))
        }),
        program: r.program_name.clone(),
        base: w.base(&r.measure, r.base),
        target: shown_reference(w, r),
        attainment: r
            .attainment
            .as_deref()
            .and_then(decimal)
            .map_or_else(String::new, percent_shown),
        bracket: r
            .bracket
            .map_or_else(String::new, |b| w.lang.tf("runs.bracket_n", b)),
        rate: r
            .rate
            .as_deref()
            .and_then(decimal)
            .map_or_else(String::new, |rate| w.rate(&r.measure, rate)),
        amount: w.money(r.payable),
        stacking: stacking_word(w.lang, r, names),
        applied: r.stacking == "applied",
    }
}

/// What the attainment was worked out on, in the target's column: the
/// target, or a fixed threshold or the compared period's base named as
/// such; without a ratio, the target if the rule would have read it.
fn shown_reference(w: Words, r: &ResultView) -> String {
    let ratio_on = r.trace.iter().find_map(|step| match step {
        Step::Ratio {
            reference, growth, ..
        } => Some((*reference, *growth)),
        _ => None,
    });
    match (ratio_on, r.target) {
        (Some((reference, false)), Some(target)) if reference == target => {
            w.base(&r.measure, target)
        }
        (Some((reference, growth)), _) => {
            let key = if growth {
                "runs.compared_of"
            } else {
                "runs.threshold_of"
            };
            w.fill(key, &[w.base(&r.measure, reference)])
        }
        // A growth rule with nothing to compare with never read the target.
        (None, _)
            if r.trace.iter().any(|step| {
                matches!(
                    step,
                    Step::NoReference {
                        reason: NoReference::NoLastPeriod
                    }
                )
            }) =>
        {
            String::new()
        }
        (None, target) => target.map_or_else(String::new, |t| w.base(&r.measure, t)),
    }
}

fn program_names(run: &RunView) -> HashMap<String, String> {
    run.programs
        .iter()
        .map(|p| (p.code.clone(), p.name.clone()))
        .collect()
}

#[derive(Template)]
#[template(path = "incentive_runs/run.html")]
struct RunPage {
    c: Chrome,
    run: RunView,
    head: RunLine,
    /// Per program: (name, total).
    totals: Vec<(String, String)>,
    rows: Vec<ResultLine>,
    shown_all: usize,
    program: String,
    q: String,
    can_rerun: bool,
    can_approve: bool,
    can_pay: bool,
    confirm_approve: String,
    confirm_pay: String,
    /// The action forms' errors: they have none of their own, a refusal
    /// comes back as a message on the page.
    none: Vec<(String, String)>,
}

impl RunPage {
    fn action(&self, what: &str) -> String {
        self.run
            .id
            .map_or_else(String::new, |id| format!("{RUNS}/{id}/{what}"))
    }

    fn approved(&self) -> String {
        who_when(&self.c, &self.run.approved_by_name, &self.run.approved_at)
    }

    fn paid(&self) -> String {
        who_when(&self.c, &self.run.paid_by_name, &self.run.paid_at)
    }
}

fn who_when(
    c: &Chrome,
    who: &Option<String>,
    at: &Option<chrono::DateTime<chrono::Utc>>,
) -> String {
    match who {
        Some(who) => format!("{who} · {}", c.at_opt(at)),
        None => String::new(),
    }
}

async fn run_page(
    ctx: &Ctx,
    detail: RunDetail,
    query: &DetailQuery,
) -> Result<Response, PageError> {
    let w = Words::new(ctx.lang, &detail.run.currency)?;
    let names = program_names(&detail.run);
    let program = super::filter(&query.program).unwrap_or_default();
    let q = super::filter(&query.q).unwrap_or_default();
    let needle = q.to_lowercase();
    let shown_all = detail.results.len();
    let rows: Vec<ResultLine> = detail
        .results
        .iter()
        .filter(|r| program.is_empty() || r.program_code == program)
        .filter(|r| {
            needle.is_empty()
                || r.name.to_lowercase().contains(&needle)
                || r.code.to_lowercase().contains(&needle)
        })
        .map(|r| result_line(w, detail.run.id, r, &names))
        .collect();
    let run = detail.run;
    let head = run_line(ctx.lang, &run);
    let totals = run
        .programs
        .iter()
        .map(|p| (p.name.clone(), w.money(p.total)))
        .collect();
    let title = match run.id {
        Some(_) => ctx.lang.tf("runs.run_title", &run.period),
        None => ctx.lang.tf("runs.dry_title", &run.period),
    };
    let calculated = run.id.is_some() && run.status == "calculated";
    let confirm_approve = ctx
        .lang
        .t("runs.confirm_approve")
        .replacen("{}", &run.period, 1)
        .replacen("{}", &run.total_shown, 1);
    let confirm_pay = ctx
        .lang
        .t("runs.confirm_pay")
        .replacen("{}", &run.period, 1)
        .replacen("{}", &run.total_shown, 1);
    let c = Chrome::new(ctx, RUNS, title.clone(), crumbs(ctx.lang, &title)).await?;
    render(&RunPage {
        c,
        can_rerun: calculated && ctx.caller.can(Permission::ManageIncentives),
        can_approve: calculated && ctx.caller.can(Permission::ApproveIncentives),
        can_pay: run.status == "approved" && ctx.caller.can(Permission::ApproveIncentives),
        run,
        head,
        totals,
        rows,
        shown_all,
        program,
        q,
        confirm_approve,
        confirm_pay,
        none: Vec::new(),
    })
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(query): Query<DetailQuery>,
) -> Result<Response, PageError> {
    let detail = state.app.incentive_run(&ctx.caller, id).await?;
    run_page(&ctx, detail, &query).await
}

/// After an action on a run: its page again, with what happened or what
/// was refused (a provisional run's approval, say) said in words.
async fn acted<T>(
    ctx: &Ctx,
    id: i64,
    result: Result<T, AppError>,
    done: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => {
            set_flash(
                &ctx.session,
                FlashKind::Success,
                ctx.lang.t(done).to_owned(),
            )
            .await?;
        }
        Err(AppError::Invalid(fields)) => {
            let text = fields
                .iter()
                .map(|f| ctx.lang.problem(&f.problem))
                .collect::<Vec<_>>()
                .join("; ");
            set_flash(&ctx.session, FlashKind::Error, text).await?;
        }
        Err(other) => return Err(other.into()),
    }
    Ok(Redirect::to(&format!("{RUNS}/{id}")).into_response())
}

async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(_): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let result = state.app.approve_incentive_run(&ctx.caller, id).await;
    acted(&ctx, id, result, "runs.approved").await
}

async fn pay(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(_): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let result = state.app.pay_incentive_run(&ctx.caller, id).await;
    acted(&ctx, id, result, "runs.paid").await
}

// ---------------------------------------------------------------------------
// Re-run: the differences, then the acceptance
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "incentive_runs/rerun.html")]
struct RerunPage {
    c: Chrome,
    rerun: RerunView,
    id: i64,
    total_before: String,
    total_after: String,
    confirm: String,
    w: Words,
    none: Vec<(String, String)>,
}

impl RerunPage {
    fn shown(&self, minor: &i64) -> String {
        self.w.money(*minor)
    }
}

async fn rerun_preview(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let rerun = match state.app.rerun_incentives(&ctx.caller, id, false).await {
        Ok(rerun) => rerun,
        Err(err @ AppError::Invalid(_)) => return acted::<()>(&ctx, id, Err(err), "").await,
        Err(other) => return Err(other.into()),
    };
    let w = Words::new(ctx.lang, &rerun.run.currency)?;
    let title = ctx.lang.tf("runs.rerun_title", &rerun.run.period);
    let confirm = ctx.lang.tf("runs.confirm_rerun", rerun.differences.len());
    let c = Chrome::new(&ctx, RUNS, title.clone(), crumbs(ctx.lang, &title)).await?;
    render(&RerunPage {
        c,
        total_before: w.money(rerun.total_before),
        total_after: w.money(rerun.total_after),
        rerun,
        id,
        confirm,
        w,
        none: Vec::new(),
    })
}

async fn rerun_accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(_): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let result = state.app.rerun_incentives(&ctx.caller, id, true).await;
    acted(&ctx, id, result, "runs.rerun_done").await
}

// ---------------------------------------------------------------------------
// One subject's explanation
// ---------------------------------------------------------------------------

/// One program's result explained.
struct Explained {
    program: String,
    period: String,
    status: String,
    figures: Vec<(&'static str, String)>,
    steps: Vec<String>,
    sources: Vec<String>,
    amount: String,
    stacking: String,
    earned: String,
    settled: String,
    owed: String,
}

fn explained(
    c: &Chrome,
    w: Words,
    (period, status): (&str, &str),
    r: &ResultView,
    names: &HashMap<String, String>,
) -> Result<Explained, PageError> {
    let line = result_line(w, None, r, names);
    let mut figures = vec![("runs.base", line.base)];
    if !line.target.is_empty() {
        figures.push(("runs.target", line.target));
    }
    if !line.attainment.is_empty() {
        figures.push(("runs.attainment", line.attainment));
    }
    if !line.bracket.is_empty() {
        figures.push(("runs.bracket", line.bracket));
    }
    if !line.rate.is_empty() {
        figures.push(("runs.rate", line.rate));
    }
    if r.adjustments != 0 {
        figures.push(("runs.adjustments", w.money(r.adjustments)));
    }
    if let Some(points) = r.points {
        figures.push(("points.of_result", points.to_string()));
    }
    Ok(Explained {
        program: r.program_name.clone(),
        period: period.to_owned(),
        status: status_word(w.lang, status).to_owned(),
        figures,
        steps: trace_lines(w, r),
        sources: source_lines(w, c, r)?,
        amount: w.money(r.payable),
        stacking: line.stacking,
        earned: String::new(),
        settled: String::new(),
        owed: String::new(),
    })
}

#[derive(Template)]
#[template(path = "incentive_runs/explanation.html")]
struct ExplanationPage {
    c: Chrome,
    name: String,
    code: String,
    results: Vec<Explained>,
}

async fn explanation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, code)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    let detail = state
        .app
        .incentive_explanation(&ctx.caller, id, &code)
        .await?;
    let w = Words::new(ctx.lang, &detail.run.currency)?;
    let names = program_names(&detail.run);
    let (name, code) = detail
        .results
        .first()
        .map(|r| (r.name.clone(), r.code.clone()))
        .unwrap_or_default();
    let title = format!("{name} · {}", detail.run.period);
    let run_title = ctx.lang.tf("runs.run_title", &detail.run.period);
    let c = Chrome::new(
        &ctx,
        RUNS,
        title.clone(),
        vec![
            crumb(ctx.lang, "nav.incentives", "/incentives"),
            crumb(ctx.lang, "runs.title", RUNS),
            (run_title, Some(format!("{RUNS}/{id}"))),
            (title, None),
        ],
    )
    .await?;
    let results = detail
        .results
        .iter()
        .map(|r| explained(&c, w, (&detail.run.period, &detail.run.status), r, &names))
        .collect::<Result<_, _>>()?;
    render(&ExplanationPage {
        c,
        name,
        code,
        results,
    })
}

// ---------------------------------------------------------------------------
// The statement
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct StatementQuery {
    format: Option<String>,
}

struct LedgerLine {
    at: String,
    period: String,
    program: String,
    kind: &'static str,
    amount: String,
    form: &'static str,
}

#[derive(Template)]
#[template(path = "incentive_runs/statement.html")]
struct StatementPage {
    c: Chrome,
    lines: Vec<Explained>,
    ledger: Vec<LedgerLine>,
    earned: String,
    settled: String,
    owed: String,
    xlsx: String,
    /// A partner's own watch rows (near the next bracket), on its page.
    watch: Vec<super::incentive_watchlist::WatchLine>,
    balances: String,
    points: String,
}

fn payout_word(lang: Lang, form: Option<&str>) -> &'static str {
    form.map_or("", |f| lang.t(&format!("payout_form.{f}")))
}

fn explained_lines(
    c: &Chrome,
    w: Words,
    statement: &StatementView,
) -> Result<Vec<Explained>, PageError> {
    let names = HashMap::new();
    statement
        .lines
        .iter()
        .map(|line| {
            let mut e = explained(c, w, (&line.period, &line.run_status), &line.result, &names)?;
            e.earned = w.money(line.earned);
            e.settled = w.money(line.settled);
            e.owed = w.money(line.owed);
            Ok(e)
        })
        .collect()
}

fn ledger_lines(w: Words, statement: &StatementView) -> Vec<LedgerLine> {
    statement
        .ledger
        .iter()
        .map(|l| LedgerLine {
            at: crate::layout::display_time(&l.at),
            period: l.period.clone(),
            program: l.program_name.clone(),
            kind: w.t(&format!("ledger_kind.{}", l.kind)),
            amount: w.money(l.amount),
            form: payout_word(w.lang, l.form.as_deref()),
        })
        .collect()
}

/// The statement as one sheet: each program and period's result with its
/// trace in words, then every ledger line.
fn statement_xlsx(w: Words, statement: &StatementView) -> Result<Vec<u8>, PageError> {
    let headers: Vec<String> = [
        "runs.period",
        "runs.program",
        "runs.line",
        "runs.amount",
        "runs.payout",
        "runs.at",
        "runs.explanation",
    ]
    .iter()
    .map(|k| w.t(k).to_owned())
    .collect();
    let amount = |minor: i64| Cell::Money(Some(Money::from_minor(minor, w.currency).amount_text()));
    let sep = if w.lang == Lang::ZhCn { "；" } else { "; " };
    let mut rows = Vec::new();
    for line in &statement.lines {
        let r = &line.result;
        rows.push(vec![
            Cell::Text(line.period.clone()),
            Cell::Text(r.program_name.clone()),
            Cell::Text(w.t("runs.line_result").to_owned()),
            amount(r.payable),
            Cell::Text(String::new()),
            Cell::Instant(None),
            Cell::Text(trace_lines(w, r).join(sep)),
        ]);
    }
    for l in &statement.ledger {
        rows.push(vec![
            Cell::Text(l.period.clone()),
            Cell::Text(l.program_name.clone()),
            Cell::Text(w.t(&format!("ledger_kind.{}", l.kind)).to_owned()),
            amount(l.amount),
            Cell::Text(payout_word(w.lang, l.form.as_deref()).to_owned()),
            Cell::Instant(Some(l.at)),
            Cell::Text(String::new()),
        ]);
    }
    Ok(sheet_to_xlsx(
        w.t("runs.statement"),
        &headers,
        rows.into_iter(),
    )?)
}

async fn statement_page(
    ctx: &Ctx,
    statement: &StatementView,
    query: &StatementQuery,
    base: &str,
    crumbs: Vec<(String, Option<String>)>,
    watch: Vec<super::incentive_watchlist::WatchLine>,
) -> Result<Response, PageError> {
    let w = Words::new(ctx.lang, &statement.currency)?;
    if query.format.as_deref() == Some("xlsx") {
        let bytes = statement_xlsx(w, statement)?;
        let today = qudao_app::today();
        return Ok(super::xlsx(
            &format!("incentives_{}_{today}.xlsx", statement.code),
            &format!("{}_{}_{today}.xlsx", w.t("runs.statement"), statement.code),
            bytes,
        ));
    }
    let title = ctx.lang.tf("runs.statement_of", &statement.name);
    let c = Chrome::new(ctx, base, title.clone(), crumbs).await?;
    let lines = explained_lines(&c, w, statement)?;
    render(&StatementPage {
        ledger: ledger_lines(w, statement),
        earned: w.money(statement.earned),
        settled: w.money(statement.settled),
        owed: w.money(statement.owed),
        xlsx: format!("{base}?format=xlsx"),
        watch,
        balances: format!("{base}/balances"),
        points: format!("{base}/points"),
        c,
        lines,
    })
}

/// A partner's people read their own statement; staff have none of their
/// own and go to the runs.
async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<StatementQuery>,
) -> Result<Response, PageError> {
    if !ctx.caller.role.is_partner_role() {
        return Ok(Redirect::to(RUNS).into_response());
    }
    let statement = state.app.incentive_statement(&ctx.caller, None).await?;
    let title = ctx.lang.t("runs.mine").to_owned();
    let watch = if query.format.is_none() {
        super::incentive_watchlist::own_rows(&state, &ctx.caller, ctx.lang).await?
    } else {
        Vec::new()
    };
    statement_page(&ctx, &statement, &query, MINE, vec![(title, None)], watch).await
}

async fn partner_statement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(query): Query<StatementQuery>,
) -> Result<Response, PageError> {
    // A partner's people have their own page; another partner's code in
    // this address must not reach anything.
    if ctx.caller.role.is_partner_role() {
        return Err(AppError::Forbidden.into());
    }
    let statement = state
        .app
        .incentive_statement(&ctx.caller, Some(&code))
        .await?;
    let base = format!(
        "/partners/{}/incentives",
        crate::auth::urlencode(&statement.code)
    );
    let title = ctx.lang.tf("runs.statement_of", &statement.name);
    let crumbs = vec![
        crumb(ctx.lang, "nav.partners", "/partners"),
        (
            statement.name.clone(),
            Some(format!(
                "/partners/{}",
                crate::auth::urlencode(&statement.code)
            )),
        ),
        (title, None),
    ];
    statement_page(&ctx, &statement, &query, &base, crumbs, Vec::new()).await
}
