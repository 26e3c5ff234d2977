//! Penalties and manual adjustments of incentive results: the list (by
//! period and program) and entering one. Admins, channel managers (the
//! partners in their scope) and finance; partner roles are refused.
//! Files go through `POST /imports/incentive_adjustments`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::incentive_adjustments::{AdjustmentFilter, AdjustmentInput, AdjustmentView};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiQuery, PageOf, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_adjustments, add_adjustment))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only this period's (`2026`, `2026-Q3`, `2026-07`).
    period: Option<String>,
    /// Only this program's, by code.
    program: Option<String>,
}

/// The adjustments the caller may see, newest first, with names.
#[utoipa::path(
    get, path = "/incentive-adjustments", tag = "incentives",
    params(ListQuery, Paging),
    responses(
        (status = 200, body = PageOf<AdjustmentView>),
        (status = 403, description = "Only admins, channel managers and finance enter adjustments", body = crate::error::Problem),
        (status = 422, description = "A period or program code that does not read", body = crate::error::Problem),
    )
)]
async fn list_adjustments(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<AdjustmentView>>, ApiError> {
    let filter = AdjustmentFilter {
        period: query.period,
        program: query.program,
    };
    let page = state
        .app
        .adjustments(&caller, &filter, paging.request()?)
        .await?;
    Ok(Json(page.into()))
}

/// Enters a penalty or a manual adjustment. Any problem refuses it whole
/// (422, each problem at its field) and nothing is written.
#[utoipa::path(
    post, path = "/incentive-adjustments", tag = "incentives",
    request_body = AdjustmentInput,
    responses(
        (status = 201, body = AdjustmentView),
        (status = 403, description = "Only admins, channel managers and finance enter adjustments", body = crate::error::Problem),
        (status = 422, description = "A field was refused; nothing was written", body = crate::error::Problem),
    )
)]
async fn add_adjustment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<AdjustmentInput>,
) -> Result<(StatusCode, Json<AdjustmentView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.add_adjustment(&caller, &input).await?),
    ))
}
