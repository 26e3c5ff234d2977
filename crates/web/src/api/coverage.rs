use axum::Json;
use axum::extract::{Path, State};
use qudao_app::coverage::{CoverageInput, CoveredRegion};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(user_regions, set_user_regions))
}

/// The regions a channel manager or sales rep covers (admins only). They
/// see the partners whose home region lies in one of these (sub-regions
/// included), and the partners they own, each with its downstream.
#[utoipa::path(
    get, path = "/users/{login}/regions", tag = "admin",
    params(("login" = String, Path, description = "The user's login")),
    responses(
        (status = 200, body = Vec<CoveredRegion>),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such user", body = crate::error::Problem),
    )
)]
async fn user_regions(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(login): Path<String>,
) -> Result<Json<Vec<CoveredRegion>>, ApiError> {
    Ok(Json(state.app.user_regions(&caller, &login).await?))
}

/// Replaces the regions a user covers with `region_codes` (admins only);
/// answers the regions now covered.
#[utoipa::path(
    put, path = "/users/{login}/regions", tag = "admin",
    params(("login" = String, Path, description = "The user's login")),
    request_body = CoverageInput,
    responses(
        (status = 200, body = Vec<CoveredRegion>),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such user", body = crate::error::Problem),
        (status = 422, description = "An unknown region, or a user who covers none (not a channel manager or sales rep)", body = crate::error::Problem),
    )
)]
async fn set_user_regions(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(login): Path<String>,
    ApiJson(input): ApiJson<CoverageInput>,
) -> Result<Json<Vec<CoveredRegion>>, ApiError> {
    Ok(Json(
        state.app.set_user_regions(&caller, &login, &input).await?,
    ))
}
