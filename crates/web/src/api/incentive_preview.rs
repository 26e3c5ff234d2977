//! The order-time preview: how an order not yet approved moves its
//! partner's attainment and estimated rebate under each program in force.
//! Whoever may read the order (and incentives, for staff) reads it;
//! computed on each call, never written.

use axum::Json;
use axum::extract::State;
use qudao_app::incentive_preview::OrderIncentivePreview;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiPath;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_preview))
}

/// For a draft or submitted order: every program of the period under way
/// that the order moves, with attainment, bracket and estimated amount
/// before and after it.
#[utoipa::path(
    get, path = "/orders/{number}/incentive-preview", tag = "orders",
    params(("number" = String, Path, description = "Order number, e.g. SO-000042")),
    responses(
        (status = 200, body = OrderIncentivePreview),
        (status = 403, description = "Staff who do not read incentives", body = crate::error::Problem),
        (status = 404, description = "No such order in the caller's reach", body = crate::error::Problem),
        (status = 422, description = "The order is already decided", body = crate::error::Problem),
    )
)]
async fn get_preview(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<OrderIncentivePreview>, ApiError> {
    Ok(Json(state.app.incentive_preview(&caller, &number).await?))
}
