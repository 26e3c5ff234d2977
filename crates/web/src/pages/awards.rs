//! Award pages: the awards with their recent runs, an award's editor with
//! the form that runs it over an evaluation run, and one run's winners
//! with the numbers behind the choice. A partner's own awards and the
//! public winners lists are on its scorecard page (`/scorecards/mine`).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::awards::{AwardInput, AwardRunDetail, AwardRunView, AwardView, WinnerView};
use qudao_app::scorecards::RunView;
use qudao_app::{AppError, Permission};
use qudao_domain::scorecards::{AwardGroup, AwardRule, KpiCode};
use serde::Deserialize;

use super::{PageForm, error_for, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, crumb, pick};
use crate::routes::Routes;

const HOME: &str = "/awards";
const SCORECARDS: &str = "/scorecards";

pub(super) fn routes() -> Routes {
    Routes::new()
        .get(HOME, awards)
        .get("/awards/new", new_award)
        .post(HOME, create_award)
        .get("/awards/{code}", edit_award)
        .post("/awards/{code}", save_award)
        .post("/awards/{code}/runs", run_award)
        .get("/award-runs/{id}", award_run)
}

/// The awards' pages are the company's working pages; a partner's people
/// see their awards on their scorecard page.
fn require_staff(ctx: &Ctx) -> Result<(), PageError> {
    if ctx.caller.role.is_partner_role() {
        Err(AppError::Forbidden.into())
    } else {
        Ok(())
    }
}

/// Keeping and running awards is for those who keep the scorecards.
fn require_manager(ctx: &Ctx) -> Result<(), PageError> {
    if ctx.caller.can(Permission::ManageScorecards) {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

/// An award's name in the page's language.
fn award_name(lang: Lang, name: &str, name_en: Option<&str>) -> String {
    pick(lang, Some(name), name_en).to_owned()
}

/// What an award compares, in words: the total or the KPI's name.
pub(crate) fn measure_label(lang: Lang, measure: &str) -> &'static str {
    if measure == "total" {
        lang.t("awards.measure_total")
    } else {
        lang.t(&format!("kpi.{measure}"))
    }
}

// ---------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "awards/list.html")]
struct AwardsPage {
    c: Chrome,
    awards: Vec<AwardView>,
    runs: Vec<AwardRunView>,
    can_edit: bool,
}

impl AwardsPage {
    fn name(&self, a: &AwardView) -> String {
        award_name(self.c.lang, &a.name, a.name_en.as_deref())
    }

    fn run_name(&self, r: &AwardRunView) -> String {
        award_name(self.c.lang, &r.award_name, r.award_name_en.as_deref())
    }

    fn measure(&self, a: &AwardView) -> &'static str {
        measure_label(self.c.lang, &a.measure)
    }
}

async fn awards(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    if ctx.caller.role.is_partner_role() {
        return Ok(Redirect::to("/scorecards/mine").into_response());
    }
    let awards = state.app.awards(&ctx.caller).await?;
    let runs = state.app.award_runs(&ctx.caller, None).await?;
    let title = ctx.lang.t("awards.title").to_owned();
    let c = Chrome::new(
        &ctx,
        SCORECARDS,
        title.clone(),
        vec![
            crumb(ctx.lang, "scorecards.title", SCORECARDS),
            (title, None),
        ],
    )
    .await?;
    render(&AwardsPage {
        c,
        awards,
        runs,
        can_edit: ctx.caller.can(Permission::ManageScorecards),
    })
}

// ---------------------------------------------------------------------------
// The editor and the run form
// ---------------------------------------------------------------------------

/// The editor's fields as typed.
#[derive(Debug, Clone, Default, Deserialize)]
struct AwardForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    per_group: String,
    #[serde(default)]
    new_only: Option<String>,
    #[serde(default)]
    min_total: String,
    #[serde(default)]
    places: String,
    #[serde(default)]
    public: Option<String>,
}

impl AwardForm {
    fn of(a: &AwardView) -> Self {
        Self {
            code: a.code.clone(),
            name: a.name.clone(),
            name_en: a.name_en.clone().unwrap_or_default(),
            measure: a.measure.clone(),
            per_group: a.per_group.clone(),
            new_only: a.new_only.then(|| "true".to_owned()),
            min_total: a.min_total.clone().unwrap_or_default(),
            places: a.places.to_string(),
            public: a.public.then(|| "true".to_owned()),
        }
    }

    fn input(&self) -> AwardInput {
        AwardInput {
            name: self.name.clone(),
            name_en: Some(self.name_en.clone()),
            measure: self.measure.clone(),
            per_group: self.per_group.clone(),
            new_only: self.new_only.is_some(),
            min_total: Some(self.min_total.clone()),
            places: self.places.clone(),
            public: self.public.is_some(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct RunForm {
    #[serde(default)]
    run: String,
}

#[derive(Template)]
#[template(path = "awards/award.html")]
struct AwardPage {
    c: Chrome,
    is_new: bool,
    form: AwardForm,
    errors: Vec<(String, String)>,
    can_edit: bool,
    /// The evaluation runs the run form offers, newest first.
    evaluations: Vec<RunView>,
    run_form: RunForm,
    run_errors: Vec<(String, String)>,
    runs: Vec<AwardRunView>,
}

impl AwardPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn run_error(&self, field: &str) -> &str {
        error_for(&self.run_errors, field)
    }

    fn action(&self) -> String {
        if self.is_new {
            HOME.to_owned()
        } else {
            format!("{HOME}/{}", self.form.code)
        }
    }

    fn run_action(&self) -> String {
        format!("{HOME}/{}/runs", self.form.code)
    }

    /// The measures offered: the total, then every KPI by name.
    fn measures(&self) -> Vec<(&'static str, &'static str)> {
        std::iter::once("total")
            .chain(KpiCode::ALL.iter().map(|k| k.as_str()))
            .map(|m| (m, measure_label(self.c.lang, m)))
            .collect()
    }

    fn groups(&self) -> Vec<&'static str> {
        AwardGroup::ALL.iter().map(|g| g.as_str()).collect()
    }

    fn places(&self) -> Vec<String> {
        (1..=AwardRule::MAX_PLACES).map(|p| p.to_string()).collect()
    }

    fn evaluation(&self, r: &RunView) -> String {
        format!("#{} · {} · {}", r.id, r.period, r.template_name)
    }
}

async fn award_page(
    state: &AppState,
    ctx: &Ctx,
    is_new: bool,
    form: AwardForm,
    errors: Vec<(String, String)>,
    run_form: RunForm,
    run_errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let (evaluations, runs) = if is_new {
        (Vec::new(), Vec::new())
    } else {
        (
            state.app.evaluation_runs(&ctx.caller, None).await?,
            state.app.award_runs(&ctx.caller, Some(&form.code)).await?,
        )
    };
    let title = if is_new {
        ctx.lang.t("awards.new").to_owned()
    } else {
        award_name(
            ctx.lang,
            &form.name,
            Some(form.name_en.as_str()).filter(|n| !n.is_empty()),
        )
    };
    let c = Chrome::new(
        ctx,
        SCORECARDS,
        title.clone(),
        vec![
            crumb(ctx.lang, "scorecards.title", SCORECARDS),
            crumb(ctx.lang, "awards.title", HOME),
            (title, None),
        ],
    )
    .await?;
    render(&AwardPage {
        c,
        is_new,
        form,
        errors,
        can_edit: ctx.caller.can(Permission::ManageScorecards),
        evaluations,
        run_form,
        run_errors,
        runs,
    })
}

async fn new_award(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    require_manager(&ctx)?;
    let form = AwardForm {
        measure: "total".to_owned(),
        per_group: AwardGroup::Overall.as_str().to_owned(),
        places: "1".to_owned(),
        ..AwardForm::default()
    };
    award_page(
        &state,
        &ctx,
        true,
        form,
        Vec::new(),
        RunForm::default(),
        Vec::new(),
    )
    .await
}

async fn edit_award(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    require_staff(&ctx)?;
    let award = state.app.award(&ctx.caller, &code).await?;
    let form = AwardForm::of(&award);
    award_page(
        &state,
        &ctx,
        false,
        form,
        Vec::new(),
        RunForm::default(),
        Vec::new(),
    )
    .await
}

async fn save(
    state: &AppState,
    ctx: &Ctx,
    is_new: bool,
    form: AwardForm,
) -> Result<Response, PageError> {
    require_manager(ctx)?;
    let result = state
        .app
        .save_award(&ctx.caller, &form.code, &form.input())
        .await;
    saved_or_redisplayed(
        ctx,
        result,
        |saved| {
            (
                ctx.lang.tf(
                    "awards.saved",
                    award_name(ctx.lang, &saved.name, saved.name_en.as_deref()),
                ),
                format!("{HOME}/{}", saved.code),
            )
        },
        async |errors| {
            award_page(
                state,
                ctx,
                is_new,
                form,
                errors,
                RunForm::default(),
                Vec::new(),
            )
            .await
        },
    )
    .await
}

async fn create_award(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<AwardForm>,
) -> Result<Response, PageError> {
    save(&state, &ctx, true, form).await
}

async fn save_award(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(form): PageForm<AwardForm>,
) -> Result<Response, PageError> {
    // The code is the path's: it names the award being saved.
    require_manager(&ctx)?;
    state.app.award(&ctx.caller, &code).await?;
    let form = AwardForm { code, ..form };
    save(&state, &ctx, false, form).await
}

async fn run_award(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(run_form): PageForm<RunForm>,
) -> Result<Response, PageError> {
    require_manager(&ctx)?;
    let award = state.app.award(&ctx.caller, &code).await?;
    let result = match run_form.run.trim().parse::<i64>() {
        Ok(id) => state.app.run_award(&ctx.caller, &code, id).await,
        Err(_) => Err(AppError::Invalid(vec![qudao_domain::Invalid::new(
            "run",
            qudao_domain::Problem::Required,
        )])),
    };
    saved_or_redisplayed(
        &ctx,
        result,
        |done| {
            (
                ctx.lang.tf("awards.run_done", done.winners.len()),
                format!("/award-runs/{}", done.run.id),
            )
        },
        async |errors| {
            award_page(
                &state,
                &ctx,
                false,
                AwardForm::of(&award),
                Vec::new(),
                run_form,
                errors,
            )
            .await
        },
    )
    .await
}

// ---------------------------------------------------------------------------
// A run's winners
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "awards/run.html")]
struct RunPage {
    c: Chrome,
    detail: AwardRunDetail,
}

impl RunPage {
    fn measure(&self) -> &'static str {
        let measure = self
            .detail
            .winners
            .first()
            .map_or("total", |w| w.measure.as_str());
        measure_label(self.c.lang, measure)
    }

    fn group(&self, w: &WinnerView) -> String {
        winner_group(self.c.lang, w)
    }
}

/// The group a place was won in, in words (a partner type or a region);
/// empty for an award among all.
pub(crate) fn winner_group(lang: Lang, w: &WinnerView) -> String {
    match (&w.group_type, &w.region_name) {
        (Some(t), _) if t == "rep" => lang.t("scorecards.subject_reps").to_owned(),
        (Some(t), _) => lang.t(&format!("partner_type.{t}")).to_owned(),
        (None, Some(region)) => region.clone(),
        (None, None) => String::new(),
    }
}

async fn award_run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let detail = state.app.award_run(&ctx.caller, id).await?;
    let title = ctx.lang.tf(
        "awards.run_title",
        award_name(
            ctx.lang,
            &detail.run.award_name,
            detail.run.award_name_en.as_deref(),
        ),
    );
    let (active, crumbs) = if ctx.caller.role.is_partner_role() {
        (
            "/scorecards/mine",
            vec![
                crumb(ctx.lang, "scorecards.mine", "/scorecards/mine"),
                (title.clone(), None),
            ],
        )
    } else {
        (
            SCORECARDS,
            vec![
                crumb(ctx.lang, "scorecards.title", SCORECARDS),
                crumb(ctx.lang, "awards.title", HOME),
                (title.clone(), None),
            ],
        )
    };
    let c = Chrome::new(&ctx, active, title, crumbs).await?;
    render(&RunPage { c, detail })
}
