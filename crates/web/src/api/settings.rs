//! The company's settings.

use axum::Json;
use axum::extract::State;
use qudao_app::settings::{SettingsInput, SettingsView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(company_settings, update_company_settings))
}

/// The company's settings (internal staff): currency, fiscal year start
/// month, the new-product window and the overstock threshold.
#[utoipa::path(
    get, path = "/settings", tag = "finance",
    responses(
        (status = 200, body = SettingsView),
        (status = 403, body = crate::error::Problem),
    )
)]
async fn company_settings(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<SettingsView>, ApiError> {
    Ok(Json(state.app.settings(&caller).await?))
}

/// Changes every setting (administrators). The currency cannot change
/// once exchange rates exist.
#[utoipa::path(
    put, path = "/settings", tag = "finance",
    request_body = SettingsInput,
    responses(
        (status = 200, body = SettingsView),
        (status = 403, body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named; or a currency change after rates exist", body = crate::error::Problem),
    )
)]
async fn update_company_settings(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<SettingsInput>,
) -> Result<Json<SettingsView>, ApiError> {
    Ok(Json(state.app.update_settings(&caller, &input).await?))
}
