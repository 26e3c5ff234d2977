//! Month-end accruals (预提): a month's accruals per program, booking an
//! ended month (finance, once), and the month's journal as xlsx. Finance,
//! admins and channel managers read; others are refused.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::incentive_accruals::Accruals;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiQuery;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(accruals))
        .routes(routes!(book_accruals))
        .routes(routes!(accruals_journal))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct MonthQuery {
    /// `2026-11`; the last ended month when absent.
    month: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct JournalQuery {
    /// `zh-CN` for Chinese headers and accounts; English otherwise.
    lang: Option<String>,
}

/// A month's accruals per program: what was booked once the month is
/// booked, the estimate before.
#[utoipa::path(
    get, path = "/incentive-accruals", tag = "incentives",
    params(MonthQuery),
    responses(
        (status = 200, body = Accruals),
        (status = 403, description = "Only finance, admins and channel managers read accruals", body = crate::error::Problem),
        (status = 422, description = "A month that does not read", body = crate::error::Problem),
    )
)]
async fn accruals(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<MonthQuery>,
) -> Result<Json<Accruals>, ApiError> {
    Ok(Json(
        state
            .app
            .incentive_accruals(&caller, query.month.as_deref())
            .await?,
    ))
}

/// Books an ended month's accruals, once: a second booking of the month is
/// refused (422) and nothing is written.
#[utoipa::path(
    post, path = "/incentive-accruals/{month}/book", tag = "incentives",
    params(("month" = String, Path, description = "`2026-11`, a month that has ended")),
    responses(
        (status = 201, body = Accruals),
        (status = 403, description = "Only finance books accruals", body = crate::error::Problem),
        (status = 422, description = "The month does not read, has not ended, was booked already or has no program in force; nothing was written", body = crate::error::Problem),
    )
)]
async fn book_accruals(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(month): Path<String>,
) -> Result<(StatusCode, Json<Accruals>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.book_incentive_accruals(&caller, &month).await?),
    ))
}

/// The month's accrual journal as an xlsx workbook: one line per program
/// with the movement, expense debited and the payable credited.
#[utoipa::path(
    get, path = "/incentive-accruals/{month}/journal", tag = "incentives",
    params(("month" = String, Path, description = "`2026-11`"), JournalQuery),
    responses(
        (status = 200, description = "The journal", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 403, description = "Only finance, admins and channel managers read accruals", body = crate::error::Problem),
        (status = 422, description = "A month that does not read", body = crate::error::Problem),
    )
)]
async fn accruals_journal(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(month): Path<String>,
    ApiQuery(query): ApiQuery<JournalQuery>,
) -> Result<Response, ApiError> {
    if month.trim().is_empty() {
        return Err(
            qudao_app::AppError::Invalid(vec![qudao_domain::Invalid::new(
                "month",
                qudao_domain::Problem::Required,
            )])
            .into(),
        );
    }
    let accruals = state.app.incentive_accruals(&caller, Some(&month)).await?;
    let chinese = query
        .lang
        .as_deref()
        .is_some_and(|l| l.eq_ignore_ascii_case("zh-CN"));
    let bytes = qudao_app::export::accruals_journal_xlsx(&accruals, chinese)?;
    let name = format!("accruals_{}.xlsx", accruals.month);
    Ok(crate::pages::xlsx(&name, &name, bytes))
}
