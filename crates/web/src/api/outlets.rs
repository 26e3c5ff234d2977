//! Outlet coverage: each region's planned retail outlets and its coverage.

use axum::Json;
use axum::extract::State;
use qudao_app::outlets::{OutletCoverageView, OutletPlanInput};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_outlet_plans, put_outlet_plan))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CoverageQuery {
    /// `2026`, `2026-Q3` or `2026-07`: active outlets count over its months
    /// up to today's.
    period: String,
}

/// Every region's planned outlets with its active outlets and coverage in
/// a period (our staff; partners are refused).
#[utoipa::path(
    get, path = "/outlet-plans", tag = "targets",
    params(CoverageQuery),
    responses(
        (status = 200, body = Vec<OutletCoverageView>),
        (status = 403, body = crate::error::Problem),
        (status = 422, description = "A period that does not read", body = crate::error::Problem),
    )
)]
async fn list_outlet_plans(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<CoverageQuery>,
) -> Result<Json<Vec<OutletCoverageView>>, ApiError> {
    Ok(Json(
        state.app.outlet_coverage(&caller, &query.period).await?,
    ))
}

/// Sets a region's planned outlets, or changes them (those who set
/// targets); the answer counts this fiscal year's active outlets.
#[utoipa::path(
    put, path = "/outlet-plans", tag = "targets",
    request_body = OutletPlanInput,
    responses(
        (status = 200, body = OutletCoverageView),
        (status = 403, body = crate::error::Problem),
        (status = 422, description = "An unknown region, or a plan that is not a whole number from 1", body = crate::error::Problem),
    )
)]
async fn put_outlet_plan(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<OutletPlanInput>,
) -> Result<Json<OutletCoverageView>, ApiError> {
    Ok(Json(state.app.set_outlet_plan(&caller, &input).await?))
}
