//! Grades: the ladder and each partner's grade.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::grades::{GradeChangeInput, GradeInput, GradeView, PartnerGrade};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use super::ApiPath;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update))
        .routes(routes!(partner_grade, change_partner_grade))
}

/// The grade ladder, best first.
#[utoipa::path(
    get, path = "/grades", tag = "grades",
    responses(
        (status = 200, body = Vec<GradeView>),
        (status = 401, body = crate::error::Problem),
    )
)]
async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<GradeView>>, ApiError> {
    Ok(Json(state.app.grades(&caller).await?))
}

/// Adds a grade (admins). Thresholds are scores 0–100; demotion must be
/// below promotion; ranks are unique.
#[utoipa::path(
    post, path = "/grades", tag = "grades",
    request_body = GradeInput,
    responses(
        (status = 201, body = GradeView),
        (status = 403, body = crate::error::Problem),
        (status = 409, description = "The code is taken", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<GradeInput>,
) -> Result<(StatusCode, Json<GradeView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_grade(&caller, &input).await?),
    ))
}

/// Changes a grade's names, rank, benefits and thresholds (admins); the
/// code stays.
#[utoipa::path(
    post, path = "/grades/{code}", tag = "grades",
    params(("code" = String, Path, description = "Grade code, e.g. gold")),
    request_body = GradeInput,
    responses(
        (status = 200, body = GradeView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<GradeInput>,
) -> Result<Json<GradeView>, ApiError> {
    Ok(Json(state.app.update_grade(&caller, &code, &input).await?))
}

/// A partner's grade and the history of its changes.
#[utoipa::path(
    get, path = "/partners/{code}/grade", tag = "grades",
    params(("code" = String, Path, description = "Partner code")),
    responses(
        (status = 200, body = PartnerGrade),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
    )
)]
async fn partner_grade(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<PartnerGrade>, ApiError> {
    Ok(Json(state.app.partner_grade(&caller, &code).await?))
}

/// Gives a partner another grade, with a reason (admins and channel managers).
#[utoipa::path(
    post, path = "/partners/{code}/grade", tag = "grades",
    params(("code" = String, Path, description = "Partner code")),
    request_body = GradeChangeInput,
    responses(
        (status = 200, body = PartnerGrade),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
        (status = 422, description = "Unknown or unchanged grade, or no reason", body = crate::error::Problem),
    )
)]
async fn change_partner_grade(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<GradeChangeInput>,
) -> Result<Json<PartnerGrade>, ApiError> {
    Ok(Json(
        state
            .app
            .change_partner_grade(&caller, &code, &input)
            .await?,
    ))
}
