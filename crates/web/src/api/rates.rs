//! Monthly exchange rates to the company currency.

use axum::Json;
use axum::extract::State;
use qudao_app::rates::{RateInput, RateView};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_exchange_rates, put_exchange_rate))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct RatesQuery {
    /// Only the months from this one on (`2026-01`).
    from: Option<String>,
}

/// Every rate, newest month first (finance and administrators).
#[utoipa::path(
    get, path = "/exchange-rates", tag = "finance",
    params(RatesQuery),
    responses(
        (status = 200, body = Vec<RateView>),
        (status = 403, body = crate::error::Problem),
        (status = 422, description = "`from` is not a month", body = crate::error::Problem),
    )
)]
async fn list_exchange_rates(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<RatesQuery>,
) -> Result<Json<Vec<RateView>>, ApiError> {
    Ok(Json(
        state.app.list_rates(&caller, query.from.as_deref()).await?,
    ))
}

/// Sets the rate of a currency in a month, or amends the month's existing
/// one (finance and administrators); refused for a closed month and for
/// the company currency itself.
#[utoipa::path(
    put, path = "/exchange-rates", tag = "finance",
    request_body = RateInput,
    responses(
        (status = 200, body = RateView),
        (status = 403, body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named; a closed month; the company currency", body = crate::error::Problem),
    )
)]
async fn put_exchange_rate(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<RateInput>,
) -> Result<Json<RateView>, ApiError> {
    Ok(Json(state.app.put_rate(&caller, &input).await?))
}
