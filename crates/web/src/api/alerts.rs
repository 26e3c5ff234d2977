//! Alerts the daily job raised about the partners in the caller's scope
//! (internal: partner roles are refused), and acknowledging one.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use qudao_app::alerts::{AlertQuery, AlertView};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery, PageOf, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_alerts))
        .routes(routes!(acknowledge))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AlertParams {
    /// sellthrough_drop, overdue, overstock, stock_out, dormant,
    /// stopped_reporting or order_jump_over_limit (all when empty).
    kind: Option<String>,
    /// `open` or `acknowledged` (both when empty).
    status: Option<String>,
    /// A partner's code (all partners in scope when empty).
    partner: Option<String>,
}

/// One figure behind an alert: its name and its exact value (amounts as
/// `1234.50 CNY`, percentages and multiples with two decimals, dates and
/// months in ISO form).
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct FigureOut {
    name: String,
    value: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AcknowledgedOut {
    at: DateTime<Utc>,
    by: String,
    note: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AlertOut {
    id: i64,
    partner_code: String,
    partner_name: String,
    /// What the alert is about (see `docs/areas/alerts.md`).
    kind: String,
    /// `kind:partner:subject`: an alert is raised once per cause.
    cause: String,
    figures: Vec<FigureOut>,
    raised_on: NaiveDate,
    acknowledged: Option<AcknowledgedOut>,
}

impl From<AlertView> for AlertOut {
    fn from(view: AlertView) -> Self {
        AlertOut {
            id: view.id,
            partner_code: view.partner_code,
            partner_name: view.partner_name,
            kind: view.kind.as_str().to_owned(),
            cause: view.cause,
            figures: view
                .figures
                .into_iter()
                .map(|f| FigureOut {
                    name: f.name,
                    value: f.number.to_string(),
                })
                .collect(),
            raised_on: view.raised_on,
            acknowledged: view.acknowledged.map(|a| AcknowledgedOut {
                at: a.at,
                by: a.by,
                note: a.note,
            }),
        }
    }
}

/// Alerts of the partners in your scope, newest first.
#[utoipa::path(
    get, path = "/alerts", tag = "alerts",
    params(AlertParams, Paging),
    responses(
        (status = 200, body = PageOf<AlertOut>),
        (status = 400, description = "A page or page size out of range", body = crate::error::Problem),
        (status = 403, description = "Partner roles: alerts are internal", body = crate::error::Problem),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
        (status = 422, description = "A kind or status that is not one of the choices", body = crate::error::Problem),
    )
)]
async fn list_alerts(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(params): ApiQuery<AlertParams>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<AlertOut>>, ApiError> {
    let query = AlertQuery {
        kind: params.kind,
        status: params.status,
        partner: params.partner,
    };
    let page = state.app.alerts(&caller, &query, paging.request()?).await?;
    Ok(Json(PageOf::from(page.map(AlertOut::from))))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct AcknowledgeInput {
    /// What was done about it, 1–500 characters.
    note: String,
}

/// Acknowledges an alert with a note; an alert is acknowledged once.
#[utoipa::path(
    post, path = "/alerts/{id}/acknowledge", tag = "alerts",
    params(("id" = i64, Path, description = "The alert's id")),
    request_body = AcknowledgeInput,
    responses(
        (status = 200, body = AlertOut),
        (status = 403, description = "Partner roles: alerts are internal", body = crate::error::Problem),
        (status = 404, description = "No such alert in your scope", body = crate::error::Problem),
        (status = 422, description = "No note, a note over 500 characters, or already acknowledged", body = crate::error::Problem),
    )
)]
async fn acknowledge(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<AcknowledgeInput>,
) -> Result<Json<AlertOut>, ApiError> {
    Ok(Json(
        state
            .app
            .acknowledge_alert(&caller, id, &input.note)
            .await?
            .into(),
    ))
}
