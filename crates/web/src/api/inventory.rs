//! Channel inventory: on hand per partner × product, stock counts, and
//! the data-quality scores with the missing reports.

use axum::Json;
use axum::extract::State;
use qudao_app::inventory::{
    CountInput, CountView, DataQualityView, InventoryQuery, InventoryView, QualityQuery,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiQuery, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_inventory))
        .routes(routes!(list_counts, record_count))
        .routes(routes!(get_quality))
}

/// On hand per partner × product as of a day: the latest count carried
/// forward by sell-in and sell-through after it (else the derived
/// figure), days of cover, overstock and stock-out flags. One page of the
/// holdings the filters keep, in the order asked for; `totals` count
/// every holding the partner and line filters select, and `partners`
/// gives the turnover of each partner on the page.
#[utoipa::path(
    get, path = "/inventory", tag = "inventory",
    params(InventoryQuery, Paging),
    responses(
        (status = 200, body = InventoryView),
        (status = 400, description = "A page or page size out of range", body = crate::error::Problem),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
        (status = 422, description = "A filter that does not parse or names nothing", body = crate::error::Problem),
    )
)]
async fn get_inventory(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<InventoryQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<InventoryView>, ApiError> {
    Ok(Json(
        state
            .app
            .inventory(&caller, &query, paging.request()?)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CountQuery {
    /// A partner's code (all partners in scope when empty).
    partner: Option<String>,
}

/// Stock counts of partners in your scope, newest first, each with the
/// figure sell-in and sell-through give for its day.
#[utoipa::path(
    get, path = "/stock-counts", tag = "inventory",
    params(CountQuery),
    responses(
        (status = 200, body = Vec<CountView>),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
    )
)]
async fn list_counts(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<CountQuery>,
) -> Result<Json<Vec<CountView>>, ApiError> {
    Ok(Json(
        state
            .app
            .stock_counts(&caller, query.partner.as_deref())
            .await?,
    ))
}

/// Records a stock count: a partner's user for its own organisation (the
/// partner code may be left out), staff for a partner in their scope.
#[utoipa::path(
    post, path = "/stock-counts", tag = "inventory",
    request_body = CountInput,
    responses(
        (status = 200, body = CountView),
        (status = 403, body = crate::error::Problem),
        (status = 422, description = "A field that does not parse, a closed month, an unknown partner or product", body = crate::error::Problem),
    )
)]
async fn record_count(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<CountInput>,
) -> Result<Json<CountView>, ApiError> {
    Ok(Json(state.app.record_stock_count(&caller, &input).await?))
}

/// Data-quality scores by partner and month (timeliness, mapping, clean
/// rows, consistency, total), one page of them, newest month first and
/// the lowest total first within it; and the partners that have not
/// reported the latest overdue month's sell-through.
#[utoipa::path(
    get, path = "/data-quality", tag = "inventory",
    params(QualityQuery, Paging),
    responses(
        (status = 200, body = DataQualityView),
        (status = 400, description = "A page or page size out of range", body = crate::error::Problem),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
        (status = 422, description = "`months` outside 1–12", body = crate::error::Problem),
    )
)]
async fn get_quality(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<QualityQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<DataQualityView>, ApiError> {
    Ok(Json(
        state
            .app
            .data_quality(&caller, &query, paging.request()?)
            .await?,
    ))
}
