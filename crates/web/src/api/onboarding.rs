//! Onboarding: screening criteria, evaluations and the recruitment board.
//! Internal staff only; partner users get 403.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::onboarding::{
    CriterionInput, CriterionView, EvaluationInput, EvaluationView, Pipeline,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use super::ApiPath;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(criteria, create_criterion))
        .routes(routes!(update_criterion))
        .routes(routes!(evaluations, evaluate))
        .routes(routes!(pipeline))
        .routes(routes!(move_card))
}

/// Every screening criterion with its weight, active or not.
#[utoipa::path(
    get, path = "/onboarding/criteria", tag = "onboarding",
    responses(
        (status = 200, body = Vec<CriterionView>),
        (status = 403, body = crate::error::Problem),
    )
)]
async fn criteria(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<CriterionView>>, ApiError> {
    Ok(Json(state.app.criteria(&caller).await?))
}

/// Adds a screening criterion (admins and channel managers).
#[utoipa::path(
    post, path = "/onboarding/criteria", tag = "onboarding",
    request_body = CriterionInput,
    responses(
        (status = 201, body = CriterionView),
        (status = 403, body = crate::error::Problem),
        (status = 409, description = "The code is taken", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn create_criterion(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<CriterionInput>,
) -> Result<(StatusCode, Json<CriterionView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_criterion(&caller, &input).await?),
    ))
}

/// Renames, reweighs, deactivates or reactivates a criterion. Past
/// evaluations keep the weights they used.
#[utoipa::path(
    post, path = "/onboarding/criteria/{code}", tag = "onboarding",
    params(("code" = String, Path, description = "Criterion code, e.g. credit_standing")),
    request_body = CriterionInput,
    responses(
        (status = 200, body = CriterionView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn update_criterion(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<CriterionInput>,
) -> Result<Json<CriterionView>, ApiError> {
    Ok(Json(
        state.app.update_criterion(&caller, &code, &input).await?,
    ))
}

/// A partner's evaluations, newest first.
#[utoipa::path(
    get, path = "/partners/{code}/evaluations", tag = "onboarding",
    params(("code" = String, Path, description = "Partner code")),
    responses(
        (status = 200, body = Vec<EvaluationView>),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
    )
)]
async fn evaluations(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<EvaluationView>>, ApiError> {
    Ok(Json(state.app.evaluations(&caller, &code).await?))
}

/// Scores a prospect (prospect, screening or negotiating) on every active
/// criterion, 0–100 each; records the weighted total.
#[utoipa::path(
    post, path = "/partners/{code}/evaluations", tag = "onboarding",
    params(("code" = String, Path, description = "Partner code")),
    request_body = EvaluationInput,
    responses(
        (status = 201, body = EvaluationView),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
        (status = 422, description = "A score missing or outside 0–100 (named by criterion), or a partner not in recruitment", body = crate::error::Problem),
    )
)]
async fn evaluate(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<EvaluationInput>,
) -> Result<(StatusCode, Json<EvaluationView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.evaluate_partner(&caller, &code, &input).await?),
    ))
}

/// The recruitment board in the caller's scope: prospect, screening,
/// negotiating, and partners signed in the last 90 days.
#[utoipa::path(
    get, path = "/onboarding/pipeline", tag = "onboarding",
    responses(
        (status = 200, body = Pipeline),
        (status = 403, body = crate::error::Problem),
    )
)]
async fn pipeline(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Pipeline>, ApiError> {
    Ok(Json(state.app.pipeline(&caller).await?))
}

/// Moves a card on the recruitment board: one stage on or back, `active`
/// (signed) from negotiating, or `terminated` (not signed / lost), with a
/// reason. Sales reps move the partners they cover.
#[utoipa::path(
    post, path = "/onboarding/pipeline/{code}/move", tag = "onboarding",
    params(("code" = String, Path, description = "Partner code")),
    request_body = qudao_app::onboarding::CardMoveInput,
    responses(
        (status = 200, body = qudao_app::onboarding::CardMoved),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
        (status = 422, description = "A move the board does not allow, or no reason", body = crate::error::Problem),
    )
)]
async fn move_card(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<qudao_app::onboarding::CardMoveInput>,
) -> Result<Json<qudao_app::onboarding::CardMoved>, ApiError> {
    Ok(Json(state.app.move_card(&caller, &code, &input).await?))
}
