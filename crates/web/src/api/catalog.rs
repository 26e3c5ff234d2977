//! The catalog: products, product lines and the channels that may buy a line.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::SortDir;
use qudao_app::catalog::{
    ChannelRuleInput, ProductInput, ProductLineInput, ProductLineView, ProductQuery, ProductSort,
    ProductView,
};
use qudao_domain::catalog::CatalogStatus;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery, PageOf, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, WebError};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_products, create_product))
        .routes(routes!(product, update_product))
        .routes(routes!(list_lines, create_line))
        .routes(routes!(line, update_line))
        .routes(routes!(add_channel))
        .routes(routes!(remove_channel))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ProductListQuery {
    /// Product line code.
    product_line: Option<String>,
    category: Option<String>,
    status: Option<CatalogStatus>,
    /// Only products launched within the "new" window (90 days).
    new: Option<bool>,
    /// Part of the sku or a name.
    q: Option<String>,
    /// `sku` (default), `name`, `line`, `category`, `list_price`,
    /// `launch_date` or `status`.
    #[param(pattern = "^(sku|name|line|category|list_price|launch_date|status)$")]
    sort: Option<String>,
    /// `asc` (default) or `desc`.
    #[param(pattern = "^(asc|desc)$")]
    dir: Option<String>,
}

/// Products: staff see all of them with their cost; a partner's users see
/// the products of the lines their channel may buy, without cost.
#[utoipa::path(
    get, path = "/products", tag = "catalog",
    params(ProductListQuery, Paging),
    responses(
        (status = 200, body = PageOf<ProductView>),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
    )
)]
async fn list_products(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<ProductListQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<ProductView>>, ApiError> {
    let sort = match query.sort.as_deref() {
        None => ProductSort::default(),
        Some(name) => ProductSort::parse(name)
            .ok_or_else(|| WebError::BadRequest(format!("unknown sort '{name}'")))?,
    };
    let dir = match query.dir.as_deref() {
        None | Some("asc") => SortDir::Asc,
        Some("desc") => SortDir::Desc,
        Some(other) => {
            return Err(
                WebError::BadRequest(format!("unknown dir '{other}'; use asc or desc")).into(),
            );
        }
    };
    let filter = ProductQuery {
        product_line: query.product_line,
        category: query.category,
        status: query.status,
        new_only: query.new.unwrap_or(false),
        q: query.q,
    };
    let page = state
        .app
        .products(&caller, &filter, sort, dir, paging.request()?)
        .await?;
    Ok(Json(page.into()))
}

/// Adds a product to an existing product line (admins and channel managers).
#[utoipa::path(
    post, path = "/products", tag = "catalog",
    request_body = ProductInput,
    responses(
        (status = 201, body = ProductView),
        (status = 403, body = crate::error::Problem),
        (status = 409, description = "The sku is taken", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn create_product(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<ProductInput>,
) -> Result<(StatusCode, Json<ProductView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_product(&caller, &input).await?),
    ))
}

/// One product, as the caller may see it.
#[utoipa::path(
    get, path = "/products/{sku}", tag = "catalog",
    params(("sku" = String, Path, description = "The product's sku")),
    responses(
        (status = 200, body = ProductView),
        (status = 404, body = crate::error::Problem),
    )
)]
async fn product(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(sku): ApiPath<String>,
) -> Result<Json<ProductView>, ApiError> {
    Ok(Json(state.app.product(&caller, &sku).await?))
}

/// Changes a product's values; the sku stays. Setting `status` to
/// `discontinued` stops it being ordered.
#[utoipa::path(
    put, path = "/products/{sku}", tag = "catalog",
    params(("sku" = String, Path, description = "The product's sku")),
    request_body = ProductInput,
    responses(
        (status = 200, body = ProductView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn update_product(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(sku): ApiPath<String>,
    ApiJson(input): ApiJson<ProductInput>,
) -> Result<Json<ProductView>, ApiError> {
    Ok(Json(state.app.update_product(&caller, &sku, &input).await?))
}

/// Product lines with their channel rules (a partner's users: the lines
/// their channel may buy).
#[utoipa::path(
    get, path = "/product-lines", tag = "catalog",
    responses(
        (status = 200, body = Vec<ProductLineView>),
        (status = 401, body = crate::error::Problem),
    )
)]
async fn list_lines(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<ProductLineView>>, ApiError> {
    Ok(Json(state.app.product_lines(&caller).await?))
}

/// Creates a product line (admins and channel managers).
#[utoipa::path(
    post, path = "/product-lines", tag = "catalog",
    request_body = ProductLineInput,
    responses(
        (status = 201, body = ProductLineView),
        (status = 403, body = crate::error::Problem),
        (status = 409, description = "The code is taken", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn create_line(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<ProductLineInput>,
) -> Result<(StatusCode, Json<ProductLineView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_product_line(&caller, &input).await?),
    ))
}

/// One product line with its channel rules.
#[utoipa::path(
    get, path = "/product-lines/{code}", tag = "catalog",
    params(("code" = String, Path, description = "Product line code, e.g. TEA")),
    responses(
        (status = 200, body = ProductLineView),
        (status = 404, body = crate::error::Problem),
    )
)]
async fn line(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<ProductLineView>, ApiError> {
    Ok(Json(state.app.product_line(&caller, &code).await?))
}

/// Renames a product line or changes its status; the code stays.
#[utoipa::path(
    put, path = "/product-lines/{code}", tag = "catalog",
    params(("code" = String, Path, description = "Product line code, e.g. TEA")),
    request_body = ProductLineInput,
    responses(
        (status = 200, body = ProductLineView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn update_line(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<ProductLineInput>,
) -> Result<Json<ProductLineView>, ApiError> {
    Ok(Json(
        state
            .app
            .update_product_line(&caller, &code, &input)
            .await?,
    ))
}

/// Lets a channel (a partner type, optionally one grade) buy a line. A line
/// with rules is closed to every channel it does not name.
#[utoipa::path(
    post, path = "/product-lines/{code}/channels", tag = "catalog",
    params(("code" = String, Path, description = "Product line code, e.g. TEA")),
    request_body = ChannelRuleInput,
    responses(
        (status = 200, body = ProductLineView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn add_channel(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<ChannelRuleInput>,
) -> Result<Json<ProductLineView>, ApiError> {
    Ok(Json(
        state.app.add_channel_rule(&caller, &code, &input).await?,
    ))
}

/// Removes a channel rule; a line without rules is open to every channel.
#[utoipa::path(
    delete, path = "/product-lines/{code}/channels/{id}", tag = "catalog",
    params(
        ("code" = String, Path, description = "Product line code, e.g. TEA"),
        ("id" = i64, Path, description = "The rule's id"),
    ),
    responses(
        (status = 200, body = ProductLineView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
    )
)]
async fn remove_channel(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((code, id)): ApiPath<(String, i64)>,
) -> Result<Json<ProductLineView>, ApiError> {
    Ok(Json(
        state.app.remove_channel_rule(&caller, &code, id).await?,
    ))
}
