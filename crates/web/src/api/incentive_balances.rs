//! Payout balances: a partner's wallet, goods and marketing-fund balances
//! with their movements (a partner's people read their own, staff those of
//! partners in scope), and a spend or adjustment staff record with a
//! reason (`ManageIncentives`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::incentive_balances::{BalancesView, MovementInput};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_balances))
        .routes(routes!(record_movement))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct BalancesQuery {
    /// The partner's code; a partner's people always read their own.
    partner: Option<String>,
}

/// A partner's balances and their movements, newest first.
#[utoipa::path(
    get, path = "/incentive-balances", tag = "incentives",
    params(BalancesQuery),
    responses(
        (status = 200, body = BalancesView),
        (status = 404, description = "No such partner in the caller's scope", body = crate::error::Problem),
        (status = 422, description = "Staff must name a partner", body = crate::error::Problem),
    )
)]
async fn get_balances(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<BalancesQuery>,
) -> Result<Json<BalancesView>, ApiError> {
    Ok(Json(
        state
            .app
            .incentive_balances(&caller, query.partner.as_deref())
            .await?,
    ))
}

/// Records a spend or an adjustment of one of a partner's balances, with
/// its reason. Any problem refuses it (422, each at its field) and
/// nothing is written.
#[utoipa::path(
    post, path = "/incentive-balances/{partner}/movements", tag = "incentives",
    params(("partner" = String, Path, description = "The partner's code")),
    request_body = MovementInput,
    responses(
        (status = 201, body = BalancesView),
        (status = 403, description = "Only admins and channel managers record movements", body = crate::error::Problem),
        (status = 404, description = "No such partner in the caller's scope", body = crate::error::Problem),
        (status = 422, description = "A field was refused; nothing was written", body = crate::error::Problem),
    )
)]
async fn record_movement(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(partner): ApiPath<String>,
    ApiJson(input): ApiJson<MovementInput>,
) -> Result<(StatusCode, Json<BalancesView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .app
                .record_balance_movement(&caller, &partner, &input)
                .await?,
        ),
    ))
}
