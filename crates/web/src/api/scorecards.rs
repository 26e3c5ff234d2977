//! Scorecards: templates, evaluation runs and their results, one subject's
//! explained scorecard, and the grade proposals a run makes. Results
//! follow the caller's scope (a partner sees its own). Imported KPI inputs
//! go through `POST /imports/scorecard_inputs`.

use axum::Json;
use axum::extract::State;
use qudao_app::scorecards::{
    DecisionInput, ProposalView, ResultView, RunView, ScorecardView, TemplateInput, TemplateView,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_templates))
        .routes(routes!(get_template, put_template))
        .routes(routes!(list_runs, create_runs))
        .routes(routes!(get_run))
        .routes(routes!(run_results))
        .routes(routes!(subject_scorecard))
        .routes(routes!(my_scorecard))
        .routes(routes!(list_proposals))
        .routes(routes!(approve_proposal))
        .routes(routes!(reject_proposal))
}

/// Every scorecard template.
#[utoipa::path(
    get, path = "/scorecards/templates", tag = "scorecards",
    responses((status = 200, body = Vec<TemplateView>))
)]
async fn list_templates(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<TemplateView>>, ApiError> {
    Ok(Json(state.app.scorecard_templates(&caller).await?))
}

/// One template.
#[utoipa::path(
    get, path = "/scorecards/templates/{code}", tag = "scorecards",
    params(("code" = String, Path, description = "The template's code")),
    responses(
        (status = 200, body = TemplateView),
        (status = 404, description = "No such template", body = crate::error::Problem),
    )
)]
async fn get_template(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<TemplateView>, ApiError> {
    Ok(Json(state.app.scorecard_template(&caller, &code).await?))
}

/// Creates the template with this code or replaces its name and KPIs. The
/// weighted KPIs' weights must sum to exactly 100.
#[utoipa::path(
    put, path = "/scorecards/templates/{code}", tag = "scorecards",
    params(("code" = String, Path, description = "The template's code")),
    request_body = TemplateInput,
    responses(
        (status = 200, body = TemplateView),
        (status = 403, description = "Only admins and channel managers keep templates", body = crate::error::Problem),
        (status = 409, description = "The code is taken", body = crate::error::Problem),
        (status = 422, description = "Weights not summing to 100, an unknown KPI, a rule that does not read, a second template for one partner type", body = crate::error::Problem),
    )
)]
async fn put_template(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<TemplateInput>,
) -> Result<Json<TemplateView>, ApiError> {
    Ok(Json(
        state
            .app
            .save_scorecard_template(&caller, &code, &input)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct RunParams {
    /// Only runs of this period (`2026`, `2026-Q3`, `2026-07`).
    period: Option<String>,
}

/// Evaluation runs, newest first.
#[utoipa::path(
    get, path = "/scorecards/runs", tag = "scorecards",
    params(RunParams),
    responses(
        (status = 200, body = Vec<RunView>),
        (status = 422, description = "A period that does not read", body = crate::error::Problem),
    )
)]
async fn list_runs(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(params): ApiQuery<RunParams>,
) -> Result<Json<Vec<RunView>>, ApiError> {
    Ok(Json(
        state
            .app
            .evaluation_runs(&caller, params.period.as_deref())
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct RunIn {
    /// `2026`, `2026-Q3` or `2026-07`; an open period's run is provisional.
    period: String,
    /// One template's code; every template when absent.
    template: Option<String>,
}

/// Scores every subject of a template (or of every template) for a period,
/// ranks them and proposes grade changes: one run per template.
#[utoipa::path(
    post, path = "/scorecards/runs", tag = "scorecards",
    request_body = RunIn,
    responses(
        (status = 200, body = Vec<RunView>),
        (status = 403, description = "Only admins and channel managers run evaluations", body = crate::error::Problem),
        (status = 422, description = "A period that does not read, an unknown template, or no template at all", body = crate::error::Problem),
    )
)]
async fn create_runs(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<RunIn>,
) -> Result<Json<Vec<RunView>>, ApiError> {
    Ok(Json(
        state
            .app
            .evaluate(&caller, &input.period, input.template.as_deref())
            .await?,
    ))
}

/// One run.
#[utoipa::path(
    get, path = "/scorecards/runs/{id}", tag = "scorecards",
    params(("id" = i64, Path, description = "The run's id")),
    responses(
        (status = 200, body = RunView),
        (status = 404, description = "No such run", body = crate::error::Problem),
    )
)]
async fn get_run(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RunView>, ApiError> {
    Ok(Json(state.app.evaluation_run(&caller, id).await?))
}

/// The results of a run you see, best first, each KPI by KPI.
#[utoipa::path(
    get, path = "/scorecards/runs/{id}/results", tag = "scorecards",
    params(("id" = i64, Path, description = "The run's id")),
    responses(
        (status = 200, body = Vec<ResultView>),
        (status = 404, description = "No such run", body = crate::error::Problem),
    )
)]
async fn run_results(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<ResultView>>, ApiError> {
    Ok(Json(state.app.evaluation_results(&caller, id).await?))
}

/// One subject's scorecard in a run, explained KPI by KPI, with how to
/// reach the next grade.
#[utoipa::path(
    get, path = "/scorecards/runs/{id}/results/{code}", tag = "scorecards",
    params(
        ("id" = i64, Path, description = "The run's id"),
        ("code" = String, Path, description = "A partner's code, or a rep's login in a reps' run"),
    ),
    responses(
        (status = 200, body = ScorecardView),
        (status = 404, description = "No such run, or no result of that subject that you see", body = crate::error::Problem),
    )
)]
async fn subject_scorecard(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((id, code)): ApiPath<(i64, String)>,
) -> Result<Json<ScorecardView>, ApiError> {
    Ok(Json(state.app.scorecard(&caller, id, &code).await?))
}

/// Your organisation's latest scorecard (partner users).
#[utoipa::path(
    get, path = "/scorecards/mine", tag = "scorecards",
    responses(
        (status = 200, body = ScorecardView),
        (status = 404, description = "Not evaluated yet, or not a partner's user", body = crate::error::Problem),
    )
)]
async fn my_scorecard(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<ScorecardView>, ApiError> {
    state
        .app
        .my_scorecard(&caller)
        .await?
        .map(Json)
        .ok_or_else(|| qudao_app::AppError::NotFound("scorecard").into())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ProposalParams {
    /// Only this run's proposals.
    run: Option<i64>,
    /// proposed, approved or rejected.
    status: Option<String>,
}

/// Grade proposals of the partners you see, newest first.
#[utoipa::path(
    get, path = "/scorecards/proposals", tag = "scorecards",
    params(ProposalParams),
    responses(
        (status = 200, body = Vec<ProposalView>),
        (status = 403, description = "Only admins and channel managers decide grades", body = crate::error::Problem),
        (status = 422, description = "A status that is not one", body = crate::error::Problem),
    )
)]
async fn list_proposals(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(params): ApiQuery<ProposalParams>,
) -> Result<Json<Vec<ProposalView>>, ApiError> {
    Ok(Json(
        state
            .app
            .grade_proposals(&caller, params.run, params.status.as_deref())
            .await?,
    ))
}

/// Approves a proposal: the partner's grade changes, its history naming
/// the run.
#[utoipa::path(
    post, path = "/scorecards/proposals/{id}/approve", tag = "scorecards",
    params(("id" = i64, Path, description = "The proposal's id")),
    request_body = DecisionInput,
    responses(
        (status = 200, body = ProposalView),
        (status = 403, description = "Only admins and channel managers decide grades", body = crate::error::Problem),
        (status = 404, description = "No such proposal that you see", body = crate::error::Problem),
        (status = 422, description = "Decided already, or the partner's grade changed since the run", body = crate::error::Problem),
    )
)]
async fn approve_proposal(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<Json<ProposalView>, ApiError> {
    Ok(Json(
        state
            .app
            .decide_grade_proposal(&caller, id, true, &input)
            .await?,
    ))
}

/// Rejects a proposal: the partner keeps its grade.
#[utoipa::path(
    post, path = "/scorecards/proposals/{id}/reject", tag = "scorecards",
    params(("id" = i64, Path, description = "The proposal's id")),
    request_body = DecisionInput,
    responses(
        (status = 200, body = ProposalView),
        (status = 403, description = "Only admins and channel managers decide grades", body = crate::error::Problem),
        (status = 404, description = "No such proposal that you see", body = crate::error::Problem),
        (status = 422, description = "Decided already", body = crate::error::Problem),
    )
)]
async fn reject_proposal(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<Json<ProposalView>, ApiError> {
    Ok(Json(
        state
            .app
            .decide_grade_proposal(&caller, id, false, &input)
            .await?,
    ))
}
