use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::partner_changes::{ChangeRequestInput, ChangeRequestView, DecisionInput};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery, PageOf, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(of_partner, request))
        .routes(routes!(queue))
        .routes(routes!(approve))
        .routes(routes!(reject))
}

/// A partner's requests to change its record, newest first.
#[utoipa::path(
    get, path = "/partners/{code}/changes", tag = "partners",
    params(("code" = String, Path, description = "Partner code")),
    responses(
        (status = 200, body = Vec<ChangeRequestView>),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
    )
)]
async fn of_partner(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<ChangeRequestView>>, ApiError> {
    Ok(Json(
        state.app.partner_change_requests(&caller, &code).await?,
    ))
}

/// A partner admin asks to change its own organisation's `name` or
/// `address`; a channel manager decides.
#[utoipa::path(
    post, path = "/partners/{code}/changes", tag = "partners",
    params(("code" = String, Path, description = "Partner code")),
    request_body = ChangeRequestInput,
    responses(
        (status = 201, body = ChangeRequestView),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "Not your own organisation", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, or a request for the field is pending", body = crate::error::Problem),
    )
)]
async fn request(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<ChangeRequestInput>,
) -> Result<(StatusCode, Json<ChangeRequestView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .app
                .request_partner_change(&caller, &code, &input)
                .await?,
        ),
    ))
}

/// Pending change requests of the partners in the caller's scope, oldest
/// first (channel managers and admins).
#[utoipa::path(
    get, path = "/partner-changes", tag = "partners",
    params(Paging),
    responses(
        (status = 200, body = PageOf<ChangeRequestView>),
        (status = 403, body = crate::error::Problem),
    )
)]
async fn queue(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<ChangeRequestView>>, ApiError> {
    Ok(Json(
        state
            .app
            .change_request_queue(&caller, paging.request()?)
            .await?
            .into(),
    ))
}

/// Approves a pending request: the partner's record takes the new value.
#[utoipa::path(
    post, path = "/partner-changes/{id}/approve", tag = "partners",
    params(("id" = i64, Path, description = "Request id")),
    request_body = DecisionInput,
    responses(
        (status = 200, body = ChangeRequestView),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such request in your scope", body = crate::error::Problem),
        (status = 422, description = "Already decided", body = crate::error::Problem),
    )
)]
async fn approve(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<Json<ChangeRequestView>, ApiError> {
    Ok(Json(
        state
            .app
            .approve_change_request(&caller, id, &input)
            .await?,
    ))
}

/// Rejects a pending request; the reason is required and the partner reads it.
#[utoipa::path(
    post, path = "/partner-changes/{id}/reject", tag = "partners",
    params(("id" = i64, Path, description = "Request id")),
    request_body = DecisionInput,
    responses(
        (status = 200, body = ChangeRequestView),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such request in your scope", body = crate::error::Problem),
        (status = 422, description = "Already decided, or no reason", body = crate::error::Problem),
    )
)]
async fn reject(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<Json<ChangeRequestView>, ApiError> {
    Ok(Json(
        state.app.reject_change_request(&caller, id, &input).await?,
    ))
}
