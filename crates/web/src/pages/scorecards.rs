//! Scorecard pages: the evaluation runs with the form that starts one, a
//! run's ranking, one subject's scorecard explained KPI by KPI with how to
//! improve, the templates and their editor, the grade proposals a manager
//! approves or rejects, and a partner's own latest scorecard (portal).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::scorecards::{
    self as app, KpiInput, ProposalView, ResultView, RunView, ScorecardView, TemplateInput,
    TemplateView,
};
use qudao_app::{AppError, Permission};
use qudao_domain::partners::PartnerType;
use qudao_domain::periods::{FiscalCalendar, Month};
use qudao_domain::scorecards::{Direction, KpiCode, ScorecardSubject};
use serde::Deserialize;

use super::{PageForm, error_for, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, crumb, name_code};
use crate::routes::Routes;

const HOME: &str = "/scorecards";
const TEMPLATES: &str = "/scorecards/templates";
const PROPOSALS: &str = "/scorecards/proposals";
const MINE: &str = "/scorecards/mine";

pub(super) fn routes() -> Routes {
    Routes::new()
        .get(HOME, runs)
        .post("/scorecards/runs", run_evaluation)
        .get("/scorecards/runs/{id}", run)
        .get("/scorecards/runs/{id}/{code}", scorecard)
        .get(MINE, mine)
        .get(TEMPLATES, templates)
        .get("/scorecards/templates/new", new_template)
        .post(TEMPLATES, create_template)
        .get("/scorecards/templates/{code}", edit_template)
        .post("/scorecards/templates/{code}", save_template)
        .get(PROPOSALS, proposals)
        .post("/scorecards/proposals/{id}/approve", approve)
        .post("/scorecards/proposals/{id}/reject", reject)
}

/// Runs, rankings and templates are the company's working pages; a
/// partner's people have their own scorecard page instead.
fn require_staff(ctx: &Ctx) -> Result<(), PageError> {
    if ctx.caller.role.is_partner_role() {
        Err(AppError::Forbidden.into())
    } else {
        Ok(())
    }
}

/// The periods the run form offers, newest first: this fiscal year and
/// last, their quarters, and the last twelve months.
fn periods(fiscal: FiscalCalendar) -> Vec<String> {
    let today = qudao_app::today();
    let this = Month::of(today);
    let mut out = Vec::new();
    let year = fiscal.year_of(today);
    for year in [year, year - 1] {
        out.push(year.to_string());
        for quarter in (1..=4).rev() {
            out.push(format!("{year}-Q{quarter}"));
        }
    }
    let mut month = this;
    for _ in 0..12 {
        out.push(month.to_string());
        month = month.previous();
    }
    out
}

/// Whom a template judges, as a page names it.
fn subject_label(lang: Lang, subject: &str, partner_type: Option<&str>) -> String {
    match (subject, partner_type) {
        ("partner", Some(t)) => lang.t(&format!("partner_type.{t}")).to_owned(),
        _ => lang.t("scorecards.subject_reps").to_owned(),
    }
}

fn kpi_label(lang: Lang, kpi: &str) -> &'static str {
    lang.t(&format!("kpi.{kpi}"))
}

// ---------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct RunForm {
    #[serde(default)]
    period: String,
    #[serde(default)]
    template: String,
}

#[derive(Template)]
#[template(path = "scorecards/runs.html")]
struct RunsPage {
    c: Chrome,
    runs: Vec<RunView>,
    templates: Vec<TemplateView>,
    periods: Vec<String>,
    form: RunForm,
    can_run: bool,
    errors: Vec<(String, String)>,
}

impl RunsPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn subject(&self, run: &RunView) -> String {
        subject_label(self.c.lang, &run.subject, run.partner_type.as_deref())
    }

    fn template_subject(&self, t: &TemplateView) -> String {
        subject_label(self.c.lang, &t.subject, t.partner_type.as_deref())
    }
}

async fn runs_page(
    state: &AppState,
    ctx: &Ctx,
    form: RunForm,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let runs = state.app.evaluation_runs(&ctx.caller, None).await?;
    let templates = state.app.scorecard_templates(&ctx.caller).await?;
    let title = ctx.lang.t("scorecards.title").to_owned();
    let c = Chrome::new(ctx, HOME, title.clone(), vec![(title, None)]).await?;
    render(&RunsPage {
        c,
        runs,
        templates,
        periods: periods(state.app.fiscal_calendar().await?),
        form,
        can_run: ctx.caller.can(Permission::ManageScorecards),
        errors,
    })
}

async fn runs(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    if ctx.caller.role.is_partner_role() {
        return Ok(Redirect::to(MINE).into_response());
    }
    let form = RunForm {
        period: qudao_app::today().format("%Y").to_string(),
        template: String::new(),
    };
    runs_page(&state, &ctx, form, Vec::new()).await
}

async fn run_evaluation(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<RunForm>,
) -> Result<Response, PageError> {
    require_staff(&ctx)?;
    let template = super::filter(&Some(form.template.clone()));
    let result = state
        .app
        .evaluate(&ctx.caller, &form.period, template.as_deref())
        .await;
    saved_or_redisplayed(
        &ctx,
        result,
        |done| {
            let location = match done.as_slice() {
                [one] => format!("/scorecards/runs/{}", one.id),
                _ => HOME.to_owned(),
            };
            (ctx.lang.tf("scorecards.run_done", done.len()), location)
        },
        async |errors| runs_page(&state, &ctx, form, errors).await,
    )
    .await
}

// ---------------------------------------------------------------------------
// A run's ranking and one scorecard
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "scorecards/run.html")]
struct RunPage {
    c: Chrome,
    run: RunView,
    rows: Vec<ResultView>,
    grades: Grades,
}

impl RunPage {
    fn grade(&self, code: &str) -> String {
        self.grades.name(self.c.lang, code)
    }

    fn subject(&self) -> String {
        subject_label(
            self.c.lang,
            &self.run.subject,
            self.run.partner_type.as_deref(),
        )
    }

    fn href(&self, row: &ResultView) -> String {
        format!("/scorecards/runs/{}/{}", self.run.id, row.code)
    }
}

async fn run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    require_staff(&ctx)?;
    let run = state.app.evaluation_run(&ctx.caller, id).await?;
    let rows = state.app.evaluation_results(&ctx.caller, id).await?;
    let title = ctx.lang.tf("scorecards.run_title", id);
    let c = Chrome::new(
        &ctx,
        HOME,
        title.clone(),
        vec![crumb(ctx.lang, "scorecards.title", HOME), (title, None)],
    )
    .await?;
    let grades = Grades::load(&state, &ctx).await?;
    render(&RunPage {
        c,
        run,
        rows,
        grades,
    })
}

/// The grade ladder, to name the grades a run reads and proposes.
struct Grades(Vec<qudao_app::grades::GradeView>);

impl Grades {
    async fn load(state: &AppState, ctx: &Ctx) -> Result<Self, PageError> {
        Ok(Grades(state.app.grades(&ctx.caller).await?))
    }

    /// A grade's name in `lang` (its code when the ladder has it no more).
    fn name(&self, lang: Lang, code: &str) -> String {
        self.0.iter().find(|g| g.code == code).map_or_else(
            || code.to_owned(),
            |g| crate::layout::pick(lang, Some(&g.name), g.name_en.as_deref()).to_owned(),
        )
    }
}

#[derive(Template)]
#[template(path = "scorecards/scorecard.html")]
struct ScorecardPage {
    c: Chrome,
    card: Option<ScorecardView>,
    /// Whether the ranking of the run is linked (staff).
    staff: bool,
    grades: Grades,
    /// A partner's own page: its awards and the public winners lists.
    awards: Option<qudao_app::awards::MyAwardsView>,
}

impl ScorecardPage {
    fn grade(&self, code: &str) -> String {
        self.grades.name(self.c.lang, code)
    }

    fn kpi(&self, kpi: &str) -> &'static str {
        kpi_label(self.c.lang, kpi)
    }

    fn goal(&self, card: &ScorecardView) -> String {
        let next = card
            .next_grade
            .as_deref()
            .map(|g| self.grade(g))
            .unwrap_or_default();
        self.c
            .t("scorecards.goal")
            .replacen("{}", &next, 1)
            .replacen("{}", card.goal.as_deref().unwrap_or(""), 1)
    }

    fn option(&self, o: &app::ImprovementView) -> String {
        self.c
            .t("scorecards.improve_option")
            .replace("{kpi}", self.kpi(&o.kpi))
            .replace("{now}", o.input_now.as_deref().unwrap_or("—"))
            .replace("{needed}", &o.input_needed)
            .replace("{total}", &o.total_after)
    }

    fn award(&self, run: &qudao_app::awards::AwardRunView) -> String {
        crate::layout::pick(
            self.c.lang,
            Some(&run.award_name),
            run.award_name_en.as_deref(),
        )
        .to_owned()
    }

    fn group(&self, w: &qudao_app::awards::WinnerView) -> String {
        super::awards::winner_group(self.c.lang, w)
    }

    fn measure(&self, w: &qudao_app::awards::WinnerView) -> &'static str {
        super::awards::measure_label(self.c.lang, &w.measure)
    }
}

async fn scorecard_page(
    state: &AppState,
    ctx: &Ctx,
    card: Option<ScorecardView>,
    awards: Option<qudao_app::awards::MyAwardsView>,
    active: &str,
    crumbs: Vec<(String, Option<String>)>,
) -> Result<Response, PageError> {
    let title = card.as_ref().map_or_else(
        || ctx.lang.t("scorecards.mine").to_owned(),
        |card| name_code(ctx.lang, &card.result.name, &card.result.code),
    );
    let mut crumbs = crumbs;
    crumbs.push((title.clone(), None));
    let c = Chrome::new(ctx, active, title, crumbs).await?;
    render(&ScorecardPage {
        c,
        card,
        staff: !ctx.caller.role.is_partner_role(),
        grades: Grades::load(state, ctx).await?,
        awards,
    })
}

async fn scorecard(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, code)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    let card = state.app.scorecard(&ctx.caller, id, &code).await?;
    let crumbs = vec![
        crumb(ctx.lang, "scorecards.title", HOME),
        (
            ctx.lang.tf("scorecards.run_title", id),
            Some(format!("/scorecards/runs/{id}")),
        ),
    ];
    scorecard_page(&state, &ctx, Some(card), None, HOME, crumbs).await
}

async fn mine(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let card = state.app.my_scorecard(&ctx.caller).await?;
    let awards = state.app.my_awards(&ctx.caller).await?;
    scorecard_page(&state, &ctx, card, Some(awards), MINE, Vec::new()).await
}

// ---------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "scorecards/templates.html")]
struct TemplatesPage {
    c: Chrome,
    templates: Vec<TemplateView>,
    /// Whom no template judges yet: (`subject` value, words).
    missing: Vec<(String, String)>,
    can_edit: bool,
}

impl TemplatesPage {
    fn subject(&self, t: &TemplateView) -> String {
        subject_label(self.c.lang, &t.subject, t.partner_type.as_deref())
    }
}

/// Every subject a template can judge: each partner type, then the reps,
/// as the `subject` query value (`partner:distributor`, `rep`).
fn subjects() -> Vec<String> {
    PartnerType::ALL
        .iter()
        .map(|t| format!("partner:{}", t.as_str()))
        .chain(std::iter::once("rep".to_owned()))
        .collect()
}

fn split_subject(value: &str) -> (String, Option<String>) {
    match value.split_once(':') {
        Some((subject, t)) => (subject.to_owned(), Some(t.to_owned())),
        None => (value.to_owned(), None),
    }
}

async fn templates(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    require_staff(&ctx)?;
    let templates = state.app.scorecard_templates(&ctx.caller).await?;
    let missing = subjects()
        .into_iter()
        .filter(|s| {
            let (subject, t) = split_subject(s);
            !templates
                .iter()
                .any(|have| have.subject == subject && have.partner_type == t)
        })
        .map(|s| {
            let (subject, t) = split_subject(&s);
            let words = subject_label(ctx.lang, &subject, t.as_deref());
            (s, words)
        })
        .collect();
    let title = ctx.lang.t("scorecards.templates").to_owned();
    let c = Chrome::new(
        &ctx,
        HOME,
        title.clone(),
        vec![crumb(ctx.lang, "scorecards.title", HOME), (title, None)],
    )
    .await?;
    render(&TemplatesPage {
        c,
        templates,
        missing,
        can_edit: ctx.caller.can(Permission::ManageScorecards),
    })
}

/// One KPI row of the editor as typed.
#[derive(Debug, Clone, Default)]
struct KpiRow {
    kpi: String,
    higher_is_better: bool,
    rule: String,
    weight: String,
    floor: String,
    target: String,
    bands: String,
    points: String,
    errors: Vec<(String, String)>,
}

/// One input of an editor row.
struct Cell {
    id: String,
    value: String,
    size: u32,
    inputmode: &'static str,
    label: String,
    error: String,
}

#[derive(Template)]
#[template(path = "scorecards/template.html")]
struct TemplatePage {
    c: Chrome,
    /// Empty for a new template, whose code is typed.
    code: String,
    is_new: bool,
    subject: String,
    name: String,
    rows: Vec<KpiRow>,
    errors: Vec<(String, String)>,
}

impl TemplatePage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn kpi(&self, kpi: &str) -> &'static str {
        kpi_label(self.c.lang, kpi)
    }

    /// The typed name (a macro's own `name` parameter would hide the field).
    fn name_value(&self) -> &str {
        &self.name
    }

    fn action(&self) -> String {
        if self.is_new {
            TEMPLATES.to_owned()
        } else {
            format!("{TEMPLATES}/{}", self.code)
        }
    }

    fn subject_words(&self) -> String {
        let (subject, t) = split_subject(&self.subject);
        subject_label(self.c.lang, &subject, t.as_deref())
    }

    /// A row's inputs with their labels and errors.
    fn cells(&self, row: &KpiRow) -> Vec<Cell> {
        [
            ("weight", "scorecards.weight", &row.weight, 6),
            ("floor", "scorecards.floor", &row.floor, 8),
            ("target", "scorecards.target", &row.target, 8),
            ("bands", "scorecards.bands", &row.bands, 18),
            ("points", "scorecards.points_per_violation", &row.points, 6),
        ]
        .into_iter()
        .map(|(field, label, value, size)| {
            let id = format!("{field}.{}", row.kpi);
            Cell {
                error: error_for(&row.errors, &id).to_owned(),
                label: format!("{} · {}", self.kpi(&row.kpi), self.c.t(label)),
                inputmode: if field == "bands" { "text" } else { "decimal" },
                id,
                value: value.clone(),
                size,
            }
        })
        .collect()
    }

    /// The rules a KPI may take: a deduction only for violations.
    fn rules(&self, row: &KpiRow) -> Vec<&'static str> {
        if row.kpi == KpiCode::ComplianceViolations.as_str() {
            vec!["deduction"]
        } else {
            vec!["linear", "bands"]
        }
    }
}

/// The editor's rows for a subject: every KPI it can weigh, filled from the
/// template where it uses them.
fn rows_for(subject: ScorecardSubject, template: Option<&TemplateView>) -> Vec<KpiRow> {
    KpiCode::ALL
        .iter()
        .filter(|k| k.subject() == subject)
        .map(|k| {
            let used = template.and_then(|t| t.kpis.iter().find(|l| l.kpi == k.as_str()));
            KpiRow {
                kpi: k.as_str().to_owned(),
                higher_is_better: k.direction() == Direction::HigherIsBetter,
                rule: used.map(|u| u.rule.clone()).unwrap_or_default(),
                weight: used.and_then(|u| u.weight.clone()).unwrap_or_default(),
                floor: used.and_then(|u| u.floor.clone()).unwrap_or_default(),
                target: used.and_then(|u| u.target.clone()).unwrap_or_default(),
                bands: used.and_then(|u| u.bands.clone()).unwrap_or_default(),
                points: used
                    .and_then(|u| u.points_per_violation.clone())
                    .unwrap_or_default(),
                errors: Vec::new(),
            }
        })
        .collect()
}

fn subject_of(value: &str) -> Result<ScorecardSubject, PageError> {
    let (subject, t) = split_subject(value);
    match (ScorecardSubject::parse(&subject), t) {
        (Ok(ScorecardSubject::Partner), Some(t)) if PartnerType::parse(&t).is_ok() => {
            Ok(ScorecardSubject::Partner)
        }
        (Ok(ScorecardSubject::Rep), None) => Ok(ScorecardSubject::Rep),
        _ => Err(AppError::NotFound("scorecard template").into()),
    }
}

async fn template_chrome(ctx: &Ctx, title: String) -> Result<Chrome, PageError> {
    Ok(Chrome::new(
        ctx,
        HOME,
        title.clone(),
        vec![
            crumb(ctx.lang, "scorecards.title", HOME),
            crumb(ctx.lang, "scorecards.templates", TEMPLATES),
            (title, None),
        ],
    )
    .await?)
}

#[derive(Debug, Default, Deserialize)]
struct NewParams {
    subject: Option<String>,
}

async fn new_template(ctx: Ctx, Query(params): Query<NewParams>) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManageScorecards) {
        return Err(AppError::Forbidden.into());
    }
    let value = params.subject.unwrap_or_default();
    let subject = subject_of(&value)?;
    let (s, t) = split_subject(&value);
    let title = ctx.lang.tf(
        "scorecards.new_for",
        subject_label(ctx.lang, &s, t.as_deref()),
    );
    let c = template_chrome(&ctx, title).await?;
    render(&TemplatePage {
        c,
        code: String::new(),
        is_new: true,
        subject: value,
        name: String::new(),
        rows: rows_for(subject, None),
        errors: Vec::new(),
    })
}

async fn edit_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    require_staff(&ctx)?;
    let template = state.app.scorecard_template(&ctx.caller, &code).await?;
    let subject = ScorecardSubject::parse(&template.subject).map_err(AppError::from)?;
    let value = match &template.partner_type {
        Some(t) => format!("partner:{t}"),
        None => "rep".to_owned(),
    };
    let c = template_chrome(&ctx, template.name.clone()).await?;
    render(&TemplatePage {
        c,
        code: template.code.clone(),
        is_new: false,
        subject: value,
        name: template.name.clone(),
        rows: rows_for(subject, Some(&template)),
        errors: Vec::new(),
    })
}

/// The editor's posted fields: `code`, `name`, `subject` and, per KPI,
/// `rule.<kpi>`, `weight.<kpi>`, `floor.<kpi>`, `target.<kpi>`,
/// `bands.<kpi>`, `points.<kpi>`.
type Posted = Vec<(String, String)>;

fn posted<'a>(form: &'a Posted, field: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == field)
        .map_or("", |(_, v)| v.as_str())
}

/// Reads the posted rows; each used row is checked on its own so its errors
/// show beside it, then the template as a whole by the save.
fn read_rows(lang: Lang, subject: ScorecardSubject, form: &Posted) -> (Vec<KpiRow>, Vec<KpiInput>) {
    let mut rows = rows_for(subject, None);
    let mut inputs = Vec::new();
    for row in &mut rows {
        let at = |field: &str| {
            posted(form, &format!("{field}.{}", row.kpi))
                .trim()
                .to_owned()
        };
        row.rule = at("rule");
        row.weight = at("weight");
        row.floor = at("floor");
        row.target = at("target");
        row.bands = at("bands");
        row.points = at("points");
        if row.rule.is_empty() {
            continue;
        }
        let some = |v: &String| (!v.is_empty()).then(|| v.clone());
        let input = KpiInput {
            kpi: row.kpi.clone(),
            rule: row.rule.clone(),
            weight: some(&row.weight),
            floor: some(&row.floor),
            target: some(&row.target),
            bands: some(&row.bands),
            points_per_violation: some(&row.points),
        };
        if let Err(errors) = app::parse_kpi(&input) {
            row.errors = errors
                .iter()
                .map(|e| {
                    let field = match e.field {
                        "points_per_violation" => "points",
                        other => other,
                    };
                    (format!("{field}.{}", row.kpi), lang.problem(&e.problem))
                })
                .collect();
        }
        inputs.push(input);
    }
    (rows, inputs)
}

async fn save(
    state: &AppState,
    ctx: &Ctx,
    code: String,
    is_new: bool,
    form: Posted,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManageScorecards) {
        return Err(AppError::Forbidden.into());
    }
    let subject_value = if is_new {
        posted(&form, "subject").to_owned()
    } else {
        let t = state.app.scorecard_template(&ctx.caller, &code).await?;
        match t.partner_type {
            Some(t) => format!("partner:{t}"),
            None => "rep".to_owned(),
        }
    };
    let subject = subject_of(&subject_value)?;
    let (rows, kpis) = read_rows(ctx.lang, subject, &form);
    let (s, t) = split_subject(&subject_value);
    let input = TemplateInput {
        code: code.clone(),
        name: posted(&form, "name").to_owned(),
        subject: s.clone(),
        partner_type: t.clone(),
        kpis,
    };
    let row_errors: Vec<(String, String)> = rows
        .iter()
        .flat_map(|r| {
            r.errors.iter().map(|(field, message)| {
                (
                    field.clone(),
                    format!(
                        "{}{}{message}",
                        kpi_label(ctx.lang, &r.kpi),
                        ctx.lang.t("form.label_sep")
                    ),
                )
            })
        })
        .collect();
    let result = if row_errors.is_empty() {
        state
            .app
            .save_scorecard_template(&ctx.caller, &code, &input)
            .await
    } else {
        Err(AppError::Invalid(Vec::new()))
    };
    let name = input.name.clone();
    saved_or_redisplayed(
        ctx,
        result,
        |saved| {
            (
                ctx.lang.tf("scorecards.saved", &saved.name),
                format!("{TEMPLATES}/{}", saved.code),
            )
        },
        async |errors| {
            let mut errors = errors;
            errors.extend(row_errors);
            let title = if is_new {
                ctx.lang.tf(
                    "scorecards.new_for",
                    subject_label(ctx.lang, &s, t.as_deref()),
                )
            } else {
                name.clone()
            };
            let c = template_chrome(ctx, title).await?;
            render(&TemplatePage {
                c,
                code,
                is_new,
                subject: subject_value,
                name,
                rows,
                errors,
            })
        },
    )
    .await
}

async fn create_template(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<Posted>,
) -> Result<Response, PageError> {
    let code = posted(&form, "code").trim().to_owned();
    save(&state, &ctx, code, true, form).await
}

async fn save_template(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(form): PageForm<Posted>,
) -> Result<Response, PageError> {
    save(&state, &ctx, code, false, form).await
}

// ---------------------------------------------------------------------------
// Grade proposals
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "scorecards/proposals.html")]
struct ProposalsPage {
    c: Chrome,
    rows: Vec<ProposalView>,
    /// A refused decision's reason, above the list.
    errors: Vec<(String, String)>,
    /// What each row's own forms show: their refusals come above the list.
    none: Vec<(String, String)>,
    grades: Grades,
}

impl ProposalsPage {
    fn grade(&self, code: &str) -> String {
        self.grades.name(self.c.lang, code)
    }

    fn who(&self, p: &ProposalView) -> String {
        name_code(self.c.lang, &p.partner_name, &p.partner_code)
    }

    fn confirm_approve(&self, p: &ProposalView) -> String {
        self.c.tf("scorecards.confirm_approve", self.who(p))
    }

    fn confirm_reject(&self, p: &ProposalView) -> String {
        self.c.tf("scorecards.confirm_reject", self.who(p))
    }

    fn approve_action(&self, p: &ProposalView) -> String {
        format!("{PROPOSALS}/{}/approve", p.id)
    }

    fn reject_action(&self, p: &ProposalView) -> String {
        format!("{PROPOSALS}/{}/reject", p.id)
    }

    fn form_id(&self, p: &ProposalView, what: &str) -> String {
        format!("{what}-{}", p.id)
    }
}

async fn proposals_page(
    state: &AppState,
    ctx: &Ctx,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let rows = state
        .app
        .grade_proposals(&ctx.caller, None, Some("proposed"))
        .await?;
    let title = ctx.lang.t("scorecards.proposals").to_owned();
    let c = Chrome::new(
        ctx,
        PROPOSALS,
        title.clone(),
        vec![crumb(ctx.lang, "scorecards.title", HOME), (title, None)],
    )
    .await?;
    render(&ProposalsPage {
        c,
        rows,
        errors,
        none: Vec::new(),
        grades: Grades::load(state, ctx).await?,
    })
}

async fn proposals(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    proposals_page(&state, &ctx, Vec::new()).await
}

#[derive(Debug, Default, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    note: String,
}

async fn decide(
    state: AppState,
    ctx: Ctx,
    id: i64,
    approve: bool,
    form: DecisionForm,
) -> Result<Response, PageError> {
    let input = app::DecisionInput {
        note: Some(form.note),
    };
    let result = state
        .app
        .decide_grade_proposal(&ctx.caller, id, approve, &input)
        .await;
    saved_or_redisplayed(
        &ctx,
        result,
        |done| {
            let key = if approve {
                "scorecards.approved_flash"
            } else {
                "scorecards.rejected_flash"
            };
            (
                ctx.lang.tf(
                    key,
                    name_code(ctx.lang, &done.partner_name, &done.partner_code),
                ),
                PROPOSALS.to_owned(),
            )
        },
        async |errors| proposals_page(&state, &ctx, errors).await,
    )
    .await
}

async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<DecisionForm>,
) -> Result<Response, PageError> {
    decide(state, ctx, id, true, form).await
}

async fn reject(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<DecisionForm>,
) -> Result<Response, PageError> {
    decide(state, ctx, id, false, form).await
}
