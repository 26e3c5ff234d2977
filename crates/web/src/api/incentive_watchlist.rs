//! The incentive watchlist: who is within a set distance of their next
//! bracket in a period. Staff read the subjects in their reach, a partner
//! role its own; computed on each call, never written.

use axum::Json;
use axum::extract::State;
use qudao_app::incentive_watchlist::{WatchlistView, parse_within};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiQuery;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_watchlist))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct WatchQuery {
    /// `2026-Q3`, `2026-07` or `2026`; this fiscal quarter when absent.
    period: Option<String>,
    /// How near the next bracket counts, as a share of the target: `0.2`
    /// or `20%` (the default); above 0, at most 100%.
    within: Option<String>,
}

/// Subjects within `within` of their next bracket, closest first, with the
/// distance and what reaching it would add.
#[utoipa::path(
    get, path = "/incentive-watchlist", tag = "incentives",
    params(WatchQuery),
    responses(
        (status = 200, body = WatchlistView),
        (status = 403, description = "Only staff who read incentives, and partner roles (their own)", body = crate::error::Problem),
        (status = 422, description = "A period or distance that does not read", body = crate::error::Problem),
    )
)]
async fn get_watchlist(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<WatchQuery>,
) -> Result<Json<WatchlistView>, ApiError> {
    let within = match query.within.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => {
            Some(parse_within(text).map_err(qudao_app::AppError::from)?)
        }
        _ => None,
    };
    Ok(Json(
        state
            .app
            .incentive_watchlist(&caller, query.period.as_deref(), within)
            .await?,
    ))
}
