//! Incentive points: a partner's available points, lots, expiries and
//! movements (a partner's people read their own, staff those of partners
//! in scope), and a redemption or adjustment staff record with a reason
//! (`ManageIncentives`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use qudao_app::incentive_points::{PointsInput, PointsView};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_points))
        .routes(routes!(record_points))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PointsQuery {
    /// The partner's code; a partner's people always read their own.
    partner: Option<String>,
    /// The day the points are read as of (expiry included); today when
    /// none.
    as_of: Option<NaiveDate>,
}

/// A partner's points as of a day: available, expiring within 30 days,
/// lots and movements with the expiries derived from them, newest first.
#[utoipa::path(
    get, path = "/incentive-points", tag = "incentives",
    params(PointsQuery),
    responses(
        (status = 200, body = PointsView),
        (status = 404, description = "No such partner in the caller's scope", body = crate::error::Problem),
        (status = 422, description = "Staff must name a partner", body = crate::error::Problem),
    )
)]
async fn get_points(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<PointsQuery>,
) -> Result<Json<PointsView>, ApiError> {
    Ok(Json(
        state
            .app
            .incentive_points(&caller, query.partner.as_deref(), query.as_of)
            .await?,
    ))
}

/// Redeems or adjusts a partner's points, with its reason. A redemption
/// is at most what is available. Any problem refuses it (422, each at its
/// field) and nothing is written.
#[utoipa::path(
    post, path = "/incentive-points/{partner}/movements", tag = "incentives",
    params(("partner" = String, Path, description = "The partner's code")),
    request_body = PointsInput,
    responses(
        (status = 201, body = PointsView),
        (status = 403, description = "Only admins and channel managers record movements", body = crate::error::Problem),
        (status = 404, description = "No such partner in the caller's scope", body = crate::error::Problem),
        (status = 422, description = "A field was refused; nothing was written", body = crate::error::Problem),
    )
)]
async fn record_points(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(partner): ApiPath<String>,
    ApiJson(input): ApiJson<PointsInput>,
) -> Result<(StatusCode, Json<PointsView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .app
                .record_points_movement(&caller, &partner, &input)
                .await?,
        ),
    ))
}
