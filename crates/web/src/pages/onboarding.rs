//! Onboarding pages: the recruitment board, the screening criteria, and the
//! evaluation panel of a partner's page.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::onboarding::{
    CARDS_PER_COLUMN, CriterionInput, CriterionView, EvaluationInput, EvaluationView, Pipeline,
};
use qudao_app::partners::PartnerView;
use qudao_app::{AppError, Permission};
use qudao_domain::onboarding::evaluable;
use qudao_domain::partners::PartnerStatus;
use serde::Deserialize;

use super::{PageForm, field_errors, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::{Ctx, FlashKind, set_flash};
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, crumb};
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/partners/pipeline", board)
        .post("/partners/pipeline/move", move_card)
        .get("/partners/onboarding/criteria", criteria)
        .post("/partners/onboarding/criteria", create_criterion)
        .get("/partners/onboarding/criteria/{code}", edit_criterion)
        .post("/partners/onboarding/criteria/{code}", update_criterion)
        .post("/partners/{code}/evaluations", evaluate)
}

/// Form field of a criterion's score on the evaluation form.
const SCORE_PREFIX: &str = "score_";

/// The partner page's onboarding section; `partners/_onboarding.html`
/// shows it. Empty (and hidden) for callers who may not see onboarding.
pub(crate) struct OnboardingPanel {
    pub visible: bool,
    pub partner_code: String,
    /// Active criteria, when the caller may evaluate this partner now.
    pub criteria: Vec<CriterionView>,
    pub evaluations: Vec<EvaluationView>,
    pub scores: BTreeMap<String, String>,
    pub comment: String,
    pub errors: Vec<(String, String)>,
}

impl OnboardingPanel {
    pub(crate) async fn load(
        state: &AppState,
        ctx: &Ctx,
        partner: &PartnerView,
        shown: &qudao_app::Shown,
    ) -> Result<Self, PageError> {
        let mut panel = OnboardingPanel {
            visible: false,
            partner_code: partner.code.clone(),
            criteria: Vec::new(),
            evaluations: Vec::new(),
            scores: BTreeMap::new(),
            comment: String::new(),
            errors: Vec::new(),
        };
        if !ctx.caller.can(Permission::ViewOnboarding) {
            return Ok(panel);
        }
        panel.visible = true;
        panel.evaluations = state.app.evaluations_shown(&ctx.caller, shown).await?;
        if ctx.caller.can(Permission::ManageOnboarding) && evaluable(partner.status) {
            panel.criteria = state
                .app
                .criteria(&ctx.caller)
                .await?
                .into_iter()
                .filter(|c| c.active)
                .collect();
        }
        Ok(panel)
    }

    pub fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }

    pub fn score(&self, code: &str) -> &str {
        self.scores.get(code).map_or("", String::as_str)
    }

    pub fn latest_total(&self) -> Option<&str> {
        self.evaluations.first().map(|e| e.total.as_str())
    }
}

/// A criterion's name in the page's language.
pub(crate) fn criterion_name(c: &Chrome, criterion: &CriterionView) -> String {
    match (&criterion.name_en, c.lang) {
        (Some(en), Lang::En) => en.clone(),
        _ => criterion.name.clone(),
    }
}

/// Field errors of an evaluation: a score's error goes next to its
/// criterion's field (`score_<code>`), shown without repeating the code.
fn evaluation_errors(
    lang: Lang,
    err: AppError,
) -> Result<(StatusCode, Vec<(String, String)>), PageError> {
    use qudao_domain::Problem;
    match err {
        AppError::Invalid(fields) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            fields
                .iter()
                .map(|f| match &f.problem {
                    Problem::Conflict { rule, with } if f.field == "scores" => (
                        format!("{SCORE_PREFIX}{with}"),
                        lang.t(&format!("rule.{rule}")).to_owned(),
                    ),
                    problem => (f.field.to_owned(), lang.problem(problem)),
                })
                .collect(),
        )),
        other => field_errors(lang, other),
    }
}

#[derive(Template)]
#[template(path = "partners/evaluate.html")]
struct EvaluatePage {
    c: Chrome,
    onboarding: OnboardingPanel,
}

/// Records an evaluation from the partner page's form. A refused one comes
/// back on a page of its own with every error next to its criterion.
async fn evaluate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(form): PageForm<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let scores: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(SCORE_PREFIX)?.to_owned(), v.clone())))
        .collect();
    let input = EvaluationInput {
        scores,
        comment: form.get("comment").cloned(),
    };
    match state.app.evaluate_partner(&ctx.caller, &code, &input).await {
        Ok(view) => {
            set_flash(
                &ctx.session,
                FlashKind::Success,
                ctx.lang.tf("onboarding.evaluated", &view.total),
            )
            .await?;
            Ok(Redirect::to(&format!("/partners/{}", view.partner_code)).into_response())
        }
        Err(err) => {
            let (status, errors) = evaluation_errors(ctx.lang, err)?;
            let (partner, shown) = state.app.partner_shown(&ctx.caller, &code).await?;
            let mut onboarding =
                OnboardingPanel::load(&state, &ctx, &partner.partner, &shown).await?;
            onboarding.scores = input.scores;
            onboarding.comment = input.comment.unwrap_or_default();
            onboarding.errors = errors;
            let title = ctx.lang.t("onboarding.evaluate").to_owned();
            let c = Chrome::new(
                &ctx,
                "/partners",
                title.clone(),
                vec![
                    crumb(ctx.lang, "nav.partners", "/partners"),
                    (
                        partner.partner.name.clone(),
                        Some(format!("/partners/{}", partner.partner.code)),
                    ),
                    (title, None),
                ],
            )
            .await?;
            let mut response = render(&EvaluatePage { c, onboarding })?;
            *response.status_mut() = status;
            Ok(response)
        }
    }
}

#[derive(Template)]
#[template(path = "partners/pipeline.html")]
struct BoardPage {
    c: Chrome,
    pipeline: Pipeline,
    per_column: u64,
    /// The card whose move was refused, with what was typed and why.
    failed: MoveForm,
    errors: Vec<(String, String)>,
}

impl BoardPage {
    /// "Move on to …", "Back to …" or "Not signed (lost)": the direction
    /// of a move is what the user chooses.
    fn move_label(&self, from: &str, to: &str) -> String {
        let (Ok(from), Ok(to)) = (PartnerStatus::parse(from), PartnerStatus::parse(to)) else {
            return to.to_owned();
        };
        let position = |s: PartnerStatus| PartnerStatus::ALL.iter().position(|x| *x == s);
        let to_words = self.c.label("partner_status", to.as_str());
        if to == PartnerStatus::Terminated {
            self.c.t("board.lose").to_owned()
        } else if position(to) < position(from) {
            self.c.tf("board.back_to", to_words)
        } else {
            self.c.tf("board.on_to", to_words)
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct MoveForm {
    code: String,
    status: String,
    reason: String,
}

async fn board_page(
    state: &AppState,
    ctx: &Ctx,
    failed: MoveForm,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let pipeline = state.app.pipeline(&ctx.caller).await?;
    let title = ctx.lang.t("onboarding.pipeline").to_owned();
    let c = Chrome::new(
        ctx,
        "/partners/pipeline",
        title.clone(),
        vec![crumb(ctx.lang, "nav.partners", "/partners"), (title, None)],
    )
    .await?;
    render(&BoardPage {
        c,
        pipeline,
        per_column: CARDS_PER_COLUMN,
        failed,
        errors,
    })
}

async fn board(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    board_page(&state, &ctx, MoveForm::default(), Vec::new()).await
}

/// Moves a card one stage on or back, or out to lost, by the board's rule
/// (`domain::onboarding::board_move`; a reason is required).
async fn move_card(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<MoveForm>,
) -> Result<Response, PageError> {
    let input = qudao_app::onboarding::CardMoveInput {
        status: form.status.clone(),
        reason: form.reason.clone(),
    };
    let result = state.app.move_card(&ctx.caller, &form.code, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |moved| {
            let stage = ctx.lang.t(&format!("stage.{}", moved.stage.as_str()));
            let text = format!("{} · {}", moved.code, ctx.lang.tf("board.moved_to", stage));
            (text, "/partners/pipeline".to_owned())
        },
        async |errors| board_page(&state, &ctx, form, errors).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "partners/criteria.html")]
struct CriteriaPage {
    c: Chrome,
    criteria: Vec<CriterionView>,
    can_manage: bool,
    input: CriterionInput,
    errors: Vec<(String, String)>,
}

impl CriteriaPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

async fn criteria_page(
    state: &AppState,
    ctx: &Ctx,
    input: CriterionInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let criteria = state.app.criteria(&ctx.caller).await?;
    let title = ctx.lang.t("onboarding.criteria").to_owned();
    let c = Chrome::new(
        ctx,
        "/partners/pipeline",
        title.clone(),
        vec![
            crumb(ctx.lang, "onboarding.pipeline", "/partners/pipeline"),
            (title, None),
        ],
    )
    .await?;
    render(&CriteriaPage {
        c,
        criteria,
        can_manage: ctx.caller.can(Permission::ManageOnboarding),
        input,
        errors,
    })
}

async fn criteria(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    criteria_page(&state, &ctx, CriterionInput::default(), Vec::new()).await
}

async fn create_criterion(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(input): PageForm<CriterionInput>,
) -> Result<Response, PageError> {
    let result = state.app.create_criterion(&ctx.caller, &input).await;
    saved_or_redisplayed(&ctx, result, criterion_saved(&ctx), async |errors| {
        criteria_page(&state, &ctx, input, errors).await
    })
    .await
}

#[derive(Template)]
#[template(path = "partners/criterion_form.html")]
struct CriterionPage {
    c: Chrome,
    code: String,
    input: CriterionInput,
    errors: Vec<(String, String)>,
}

impl CriterionPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

async fn criterion_page(
    ctx: &Ctx,
    code: String,
    input: CriterionInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let c = Chrome::new(
        ctx,
        "/partners/pipeline",
        ctx.lang.tf("onboarding.edit_criterion", &code),
        vec![
            crumb(
                ctx.lang,
                "onboarding.criteria",
                "/partners/onboarding/criteria",
            ),
            (code.clone(), None),
        ],
    )
    .await?;
    render(&CriterionPage {
        c,
        code,
        input,
        errors,
    })
}

async fn edit_criterion(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManageOnboarding) {
        return Err(AppError::Forbidden.into());
    }
    let criterion = state.app.criterion(&ctx.caller, &code).await?;
    let input = CriterionInput {
        code: criterion.code.clone(),
        name: criterion.name,
        name_en: criterion.name_en,
        weight: criterion.weight,
        active: Some(criterion.active),
    };
    criterion_page(&ctx, criterion.code, input, Vec::new()).await
}

async fn update_criterion(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(input): PageForm<CriterionInput>,
) -> Result<Response, PageError> {
    let result = state.app.update_criterion(&ctx.caller, &code, &input).await;
    saved_or_redisplayed(&ctx, result, criterion_saved(&ctx), async |errors| {
        criterion_page(&ctx, code, input, errors).await
    })
    .await
}

/// A saved criterion: its flash and the criteria page.
fn criterion_saved(ctx: &Ctx) -> impl FnOnce(CriterionView) -> (String, String) {
    |view| {
        let text = ctx.lang.tf("onboarding.criterion_saved", &view.code);
        (text, "/partners/onboarding/criteria".to_owned())
    }
}
