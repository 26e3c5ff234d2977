//! Price lists and the quote an order line's price comes from.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::pricing::{
    CopyInput, ListFilter, PriceListDetail, PriceListInput, PriceListView, QuoteQuery, QuoteView,
};
use qudao_domain::pricing::{AppliesKind, PriceListStatus};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(detail, update))
        .routes(routes!(activate))
        .routes(routes!(retire))
        .routes(routes!(copy))
        .routes(routes!(quote))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    #[param(inline)]
    status: Option<PriceListStatus>,
    #[param(inline)]
    applies_to: Option<AppliesKind>,
    /// Text in the code or either name.
    q: Option<String>,
}

/// Price lists: staff see the brand's lists and the own lists of partners
/// in scope; a partner the active lists that target its organisation.
#[utoipa::path(
    get, path = "/price-lists", tag = "pricing",
    params(ListQuery),
    responses(
        (status = 200, body = Vec<PriceListView>),
        (status = 401, body = crate::error::Problem),
    )
)]
async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<PriceListView>>, ApiError> {
    let filter = ListFilter {
        status: query.status,
        kind: query.applies_to,
        text: query.q.filter(|q| !q.trim().is_empty()),
    };
    Ok(Json(state.app.price_lists(&caller, &filter).await?))
}

/// Creates a draft list (admins, channel managers), with its items when
/// given.
#[utoipa::path(
    post, path = "/price-lists", tag = "pricing",
    request_body = PriceListInput,
    responses(
        (status = 201, body = PriceListDetail),
        (status = 403, body = crate::error::Problem),
        (status = 409, description = "The code is taken", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<PriceListInput>,
) -> Result<(StatusCode, Json<PriceListDetail>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_price_list(&caller, &input).await?),
    ))
}

/// One list with its items and quantity breaks.
#[utoipa::path(
    get, path = "/price-lists/{code}", tag = "pricing",
    params(("code" = String, Path, description = "Price list code, e.g. PL-DIST-2027")),
    responses(
        (status = 200, body = PriceListDetail),
        (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
    )
)]
async fn detail(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<PriceListDetail>, ApiError> {
    Ok(Json(state.app.price_list(&caller, &code).await?))
}

/// Rewrites a draft: its head, and its items when `items` is given.
#[utoipa::path(
    put, path = "/price-lists/{code}", tag = "pricing",
    params(("code" = String, Path, description = "Price list code")),
    request_body = PriceListInput,
    responses(
        (status = 200, body = PriceListDetail),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "Invalid fields, or the list is not a draft", body = crate::error::Problem),
    )
)]
async fn update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<PriceListInput>,
) -> Result<Json<PriceListDetail>, ApiError> {
    Ok(Json(
        state.app.update_price_list(&caller, &code, &input).await?,
    ))
}

/// Puts a draft in force: every item is checked, and no active list of the
/// same target and currency may overlap its dates.
#[utoipa::path(
    post, path = "/price-lists/{code}/activate", tag = "pricing",
    params(("code" = String, Path, description = "Price list code")),
    responses(
        (status = 200, body = PriceListDetail),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "Not a draft, no items, or an overlap", body = crate::error::Problem),
    )
)]
async fn activate(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<PriceListDetail>, ApiError> {
    Ok(Json(state.app.activate_price_list(&caller, &code).await?))
}

/// Takes an active list out of use.
#[utoipa::path(
    post, path = "/price-lists/{code}/retire", tag = "pricing",
    params(("code" = String, Path, description = "Price list code")),
    responses(
        (status = 200, body = PriceListDetail),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "The list is not active", body = crate::error::Problem),
    )
)]
async fn retire(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<PriceListDetail>, ApiError> {
    Ok(Json(state.app.retire_price_list(&caller, &code).await?))
}

/// A new version: a draft copy with its own code and dates.
#[utoipa::path(
    post, path = "/price-lists/{code}/copy", tag = "pricing",
    params(("code" = String, Path, description = "Price list code")),
    request_body = CopyInput,
    responses(
        (status = 201, body = PriceListDetail),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 409, description = "The code is taken", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn copy(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<CopyInput>,
) -> Result<(StatusCode, Json<PriceListDetail>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.copy_price_list(&caller, &code, &input).await?),
    ))
}

/// The unit price a partner pays for a product, quantity and day, the list
/// that priced it and why (partner > grade > type).
#[utoipa::path(
    get, path = "/quote", tag = "pricing",
    params(QuoteQuery),
    responses(
        (status = 200, body = QuoteView),
        (status = 401, body = crate::error::Problem),
        (status = 422, description = "Unknown partner or product, or no list prices it", body = crate::error::Problem),
    )
)]
async fn quote(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<QuoteQuery>,
) -> Result<Json<QuoteView>, ApiError> {
    Ok(Json(state.app.quote(&caller, &query).await?))
}
