//! The what-if page (模拟测算) of a program, which is also its structured
//! bracket editor: the bracket table as rows of inputs, a period and a
//! version to start from, and beside them what the variant would have
//! cost on that period's facts against the version in force, with the
//! partners (or reps) that gain or lose most. With JavaScript every edit
//! recomputes at once (htmx posts the form and swaps the results in);
//! without it "compute" does the same as a plain post. "Save as draft"
//! keeps the edited table as the program's next draft version.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::incentive_runs::percent_shown;
use qudao_app::incentive_whatif::{BracketText, WhatIfRequest, WhatIfView};
use qudao_app::incentives::{ProgramDetail, ProgramProblem};
use qudao_app::{AppError, Permission};
use rust_decimal::Decimal;

use qudao_domain::periods::FiscalCalendar;

use super::incentive_runs::{default_period, periods};
use super::{PageForm, error_for, render};
use crate::AppState;
use crate::auth::{Ctx, FlashKind, set_flash};
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, crumb};
use crate::routes::Routes;

/// Bracket rows the editor shows at least, so that a table can grow
/// without JavaScript.
const MIN_ROWS: usize = 4;
/// The most bracket rows a posted form is read for.
const MAX_ROWS: usize = 30;
/// Subjects the page lists, largest change first.
const LISTED: usize = 50;
const MODES: [&str; 3] = ["retroactive", "marginal", "fixed_amount"];

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/incentives/{code}/what-if", page)
        .post("/incentives/{code}/what-if", compute)
        .post("/incentives/{code}/what-if/save", save)
}

/// The editor's fields as the form holds them.
#[derive(Debug, Default, Clone)]
struct EditorForm {
    period: String,
    version: String,
    mode: String,
    /// (from, rate or amount) per row, as typed.
    rows: Vec<(String, String)>,
}

impl EditorForm {
    /// The fields of a posted (or linked) form: `period`, `version`, `mode`,
    /// `from_N` and `value_N`.
    fn from_fields(fields: &HashMap<String, String>) -> Self {
        let get = |k: &str| {
            fields
                .get(k)
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        let rows = (1..=MAX_ROWS)
            .map(|n| (get(&format!("from_{n}")), get(&format!("value_{n}"))))
            .collect::<Vec<_>>();
        let last = rows
            .iter()
            .rposition(|(f, v)| !f.is_empty() || !v.is_empty())
            .map_or(0, |i| i + 1);
        Self {
            period: get("period"),
            version: get("version"),
            mode: get("mode"),
            rows: rows.into_iter().take(last).collect(),
        }
    }

    /// Whether the form carries a bracket table (a first view does not).
    fn edits(&self) -> bool {
        !self.rows.is_empty() || !self.mode.is_empty()
    }

    fn request(&self, limit: usize) -> WhatIfRequest {
        let fixed = self.mode == "fixed_amount";
        WhatIfRequest {
            period: self.period.clone(),
            version: self.version.parse().ok(),
            mode: self.edits().then(|| self.mode.clone()),
            brackets: self.edits().then(|| {
                self.rows
                    .iter()
                    .filter(|(f, v)| !f.is_empty() || !v.is_empty())
                    .map(|(from, value)| BracketText {
                        from: from.clone(),
                        rate: (!fixed).then(|| value.clone()),
                        amount: fixed.then(|| value.clone()),
                    })
                    .collect()
            }),
            limit: Some(limit),
            ..WhatIfRequest::default()
        }
    }
}

/// One subject's line of the comparison, as people read it.
struct Line {
    name: String,
    code: String,
    href: String,
    attainment: String,
    bracket_in_force: String,
    bracket: String,
    in_force: String,
    amount: String,
    change: String,
    /// `up`, `down` or `same`, for the colour.
    direction: &'static str,
}

/// The comparison's head, as people read it.
struct Summary {
    in_force: Option<(String, String, usize)>,
    variant: (String, String, usize),
    change: String,
    change_share: String,
    direction: &'static str,
    subjects: usize,
    gainers: usize,
    losers: usize,
}

#[derive(Template)]
#[template(path = "incentives/whatif.html")]
struct WhatIfPage {
    c: Chrome,
    code: String,
    form: EditorForm,
    periods: Vec<String>,
    /// (version, words) of every version.
    versions: Vec<(String, String)>,
    /// The value column's heading: a rate, or an amount for fixed amounts.
    value_label: &'static str,
    summary: Option<Summary>,
    lines: Vec<Line>,
    /// Problems with the request or the variant: (field, message).
    errors: Vec<(String, String)>,
    can_save: bool,
}

impl WhatIfPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn modes(&self) -> [&'static str; 3] {
        MODES
    }

    fn selected_version(&self, version: &str) -> bool {
        self.form.version == version
    }
}

fn money(view: &WhatIfView, minor: i64) -> String {
    qudao_domain::money::Currency::parse(&view.currency).map_or_else(
        |_| minor.to_string(),
        |c| qudao_domain::money::Money::from_minor(minor, c).formatted(),
    )
}

fn signed(view: &WhatIfView, minor: i64) -> String {
    let shown = money(view, minor);
    if minor > 0 {
        format!("+{shown}")
    } else {
        shown
    }
}

fn direction(change: i64) -> &'static str {
    match change.signum() {
        1 => "up",
        -1 => "down",
        _ => "same",
    }
}

fn bracket_words(lang: Lang, bracket: Option<u32>) -> String {
    bracket.map_or_else(|| "—".to_owned(), |b| lang.tf("whatif.bracket_n", b))
}

fn summary(view: &WhatIfView) -> Summary {
    let before = view.in_force.as_ref().map_or(0, |s| s.total);
    let change_share = if before == 0 || view.change == 0 {
        String::new()
    } else {
        let share = Decimal::from(view.change) / Decimal::from(before);
        let pct = (share * Decimal::ONE_HUNDRED).round_dp(1).normalize();
        if share > Decimal::ZERO {
            format!("+{pct}%")
        } else {
            format!("{pct}%")
        }
    };
    Summary {
        in_force: view
            .in_force
            .as_ref()
            .map(|s| (format!("v{}", s.version), s.total_shown.clone(), s.paid)),
        variant: (
            format!("v{}", view.variant.version),
            view.variant.total_shown.clone(),
            view.variant.paid,
        ),
        change: signed(view, view.change),
        change_share,
        direction: direction(view.change),
        subjects: view.subjects,
        gainers: view.gainers,
        losers: view.losers,
    }
}

fn lines(lang: Lang, view: &WhatIfView) -> Vec<Line> {
    view.rows
        .iter()
        .map(|r| Line {
            name: r.name.clone(),
            code: r.code.clone(),
            href: if r.subject_type == "partner" {
                format!("/partners/{}", r.code)
            } else {
                String::new()
            },
            attainment: r
                .attainment
                .as_deref()
                .and_then(|a| a.parse::<Decimal>().ok())
                .map_or_else(|| "—".to_owned(), percent_shown),
            bracket_in_force: bracket_words(lang, r.bracket_in_force),
            bracket: bracket_words(lang, r.bracket),
            in_force: money(view, r.in_force),
            amount: money(view, r.amount),
            change: signed(view, r.change),
            direction: direction(r.change),
        })
        .collect()
}

/// A problem's path as the form's field: `brackets[1].from` is `from_2`.
fn field_of(path: &str) -> String {
    let Some(rest) = path.strip_prefix("brackets[") else {
        return path.to_owned();
    };
    let Some((index, field)) = rest.split_once(']') else {
        return "brackets".to_owned();
    };
    let n = index.parse::<usize>().map_or(0, |i| i + 1);
    match field.trim_start_matches('.') {
        "from" => format!("from_{n}"),
        "rate" | "amount" => format!("value_{n}"),
        _ => "brackets".to_owned(),
    }
}

/// Each problem at its form field, its message saying where in words
/// ("第 2 档的起点：…"), as the list above the results shows it.
fn problems(lang: Lang, problems: &[ProgramProblem]) -> Vec<(String, String)> {
    problems
        .iter()
        .map(|p| {
            let field = field_of(&p.path);
            let row = |prefix: &str| {
                field
                    .strip_prefix(prefix)
                    .and_then(|n| n.parse::<usize>().ok())
            };
            let place = if let Some(n) = row("from_") {
                lang.tf("whatif.at_from", n)
            } else if let Some(n) = row("value_") {
                lang.tf("whatif.at_value", n)
            } else {
                match field.as_str() {
                    "period" => lang.t("whatif.period").to_owned(),
                    "version" => lang.t("whatif.version").to_owned(),
                    "mode" => lang.t("incentives.mode").to_owned(),
                    "brackets" => lang.t("incentives.brackets").to_owned(),
                    other => other.to_owned(),
                }
            };
            let message = lang.problem(&p.problem);
            let words = if place.is_empty() {
                message
            } else {
                format!("{place}{}{message}", lang.t("form.label_sep"))
            };
            (field, words)
        })
        .collect()
}

/// The periods of the program's kind the page offers, latest first.
fn periods_of(kind: &str, fiscal: FiscalCalendar) -> Vec<String> {
    periods(fiscal)
        .into_iter()
        .filter(|p| match kind {
            "month" => p.len() == 7 && !p.contains('Q'),
            "quarter" => p.contains('Q'),
            _ => p.len() == 4,
        })
        .collect()
}

fn first_period(kind: &str, fiscal: FiscalCalendar) -> String {
    match kind {
        "quarter" => default_period(fiscal),
        _ => periods_of(kind, fiscal)
            .into_iter()
            .nth(1)
            .unwrap_or_default(),
    }
}

/// The period the program was last run for: a changed bracket is first
/// compared on figures people have already seen paid or calculated.
async fn last_run_period(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
) -> Result<Option<String>, PageError> {
    let runs = state.app.incentive_runs(&ctx.caller, None).await?;
    Ok(runs
        .into_iter()
        .filter(|run| run.programs.iter().any(|p| p.code == code))
        .max_by_key(|run| run.id)
        .map(|run| run.period))
}

fn require_manager(ctx: &Ctx) -> Result<(), PageError> {
    if ctx.caller.can(Permission::ManageIncentives) {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

/// Computes the form's variant and renders the page, with `status` when
/// the variant was refused.
async fn render_page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    detail: ProgramDetail,
    mut form: EditorForm,
    mut errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let kind = detail.program.summary.period.clone();
    let fiscal = state.app.fiscal_calendar().await?;
    if form.period.is_empty() {
        form.period = match last_run_period(state, ctx, code).await? {
            Some(period) => period,
            None => first_period(&kind, fiscal),
        };
    }
    let answer = state
        .app
        .incentive_whatif(&ctx.caller, code, &form.request(LISTED))
        .await?;
    let (summary, lines) = match &answer {
        Ok(view) => {
            if !form.edits() {
                form.mode = view.mode.clone();
                form.rows = view
                    .brackets
                    .iter()
                    .map(|b| {
                        (
                            b.from.clone(),
                            b.rate
                                .clone()
                                .or_else(|| b.amount.clone())
                                .unwrap_or_default(),
                        )
                    })
                    .collect();
                if form.version.is_empty() && view.variant.status != "unsaved" {
                    form.version = view.variant.version.to_string();
                }
            }
            (Some(summary(view)), lines(ctx.lang, view))
        }
        Err(found) => {
            errors.extend(problems(ctx.lang, found));
            (None, Vec::new())
        }
    };
    // One empty row to add a bracket in without JavaScript.
    let rows = (form.rows.len() + 1).clamp(MIN_ROWS, MAX_ROWS);
    if rows > form.rows.len() {
        form.rows.resize(rows, (String::new(), String::new()));
    }
    let s = &detail.program.summary;
    let title = ctx.lang.tf("whatif.title", &s.name);
    let c = Chrome::new(
        ctx,
        "/incentives",
        title.clone(),
        vec![
            crumb(ctx.lang, "nav.incentives", "/incentives"),
            (s.name.clone(), Some(format!("/incentives/{}", s.code))),
            (ctx.lang.t("whatif.crumb").to_owned(), None),
        ],
    )
    .await?;
    let versions = detail
        .versions
        .iter()
        .map(|v| {
            (
                v.version.to_string(),
                format!(
                    "v{} · {} · {}",
                    v.version,
                    ctx.lang.t(&format!("program_status.{}", v.status)),
                    v.name
                ),
            )
        })
        .collect();
    let value_label = if form.mode == "fixed_amount" {
        ctx.lang.t("whatif.amount")
    } else {
        ctx.lang.t("whatif.rate")
    };
    let refused = answer.is_err();
    let mut response = render(&WhatIfPage {
        code: s.code.clone(),
        periods: periods_of(&kind, fiscal),
        versions,
        value_label,
        summary,
        lines,
        errors,
        can_save: true,
        form,
        c,
    })?;
    if refused {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(fields): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    require_manager(&ctx)?;
    let detail = state.app.program(&ctx.caller, &code).await?;
    let form = EditorForm::from_fields(&fields);
    render_page(&state, &ctx, &code, detail, form, Vec::new()).await
}

async fn compute(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(fields): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    require_manager(&ctx)?;
    let detail = state.app.program(&ctx.caller, &code).await?;
    let form = EditorForm::from_fields(&fields);
    render_page(&state, &ctx, &code, detail, form, Vec::new()).await
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(fields): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    require_manager(&ctx)?;
    let form = EditorForm::from_fields(&fields);
    let check = state
        .app
        .save_whatif(&ctx.caller, &code, &form.request(0))
        .await?;
    match &check.program {
        Some(saved) if check.ok() => {
            set_flash(
                &ctx.session,
                FlashKind::Success,
                ctx.lang.tf(
                    "incentives.saved",
                    format!("{} · v{}", saved.name, saved.version),
                ),
            )
            .await?;
            Ok(Redirect::to(&format!(
                "/incentives/{}?version={}",
                saved.code, saved.version
            ))
            .into_response())
        }
        _ => {
            let detail = state.app.program(&ctx.caller, &code).await?;
            let errors = problems(ctx.lang, &check.problems);
            let mut response = render_page(&state, &ctx, &code, detail, form, errors).await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}
