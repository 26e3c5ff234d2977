//! Regions, authorizations (territory rights) and selective limits.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use qudao_app::SortDir;
use qudao_app::territories::{
    AuthorizationChange, AuthorizationInput, AuthorizationQuery, AuthorizationSort,
    AuthorizationView, RegionDetail, RegionInput, RegionQuery, RegionView, SelectiveLimitInput,
    SelectiveLimitView, SelectiveLimits,
};
use qudao_domain::territories::AuthorizationMode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiPath;
use super::{ApiJson, ApiQuery, PageOf, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, WebError};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_regions, create_region))
        .routes(routes!(get_region))
        .routes(routes!(list_authorizations, create_authorization))
        .routes(routes!(get_authorization, change_authorization))
        .routes(routes!(get_limits, set_limit))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct RegionListQuery {
    /// Code of the region whose children to list; without it (and without
    /// `q`) the top-level regions.
    parent: Option<String>,
    /// Text in the code or a name, searched in the whole tree (or below
    /// `parent`).
    q: Option<String>,
}

/// Regions: the children of a region, the roots, or a search.
#[utoipa::path(
    get, path = "/regions", tag = "territories",
    params(RegionListQuery, Paging),
    responses(
        (status = 200, body = PageOf<RegionView>),
        (status = 401, body = crate::error::Problem),
        (status = 404, description = "No such parent region", body = crate::error::Problem),
    )
)]
async fn list_regions(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<RegionListQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<RegionView>>, ApiError> {
    let query = RegionQuery {
        parent_code: query.parent,
        q: query.q,
        english_names: false,
    };
    let page = state
        .app
        .regions(&caller, &query, paging.request()?)
        .await?;
    Ok(Json(page.into()))
}

/// One region with the regions above it and directly inside it.
#[utoipa::path(
    get, path = "/regions/{code}", tag = "territories",
    params(("code" = String, Path, description = "Region code, e.g. 310000 or DE")),
    responses(
        (status = 200, body = RegionDetail),
        (status = 404, body = crate::error::Problem),
    )
)]
async fn get_region(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<RegionDetail>, ApiError> {
    Ok(Json(state.app.region(&caller, &code).await?))
}

/// Adds a region of one's own (level `custom`), at the top or inside any region.
#[utoipa::path(
    post, path = "/regions", tag = "territories",
    request_body = RegionInput,
    responses(
        (status = 201, body = RegionView),
        (status = 403, body = crate::error::Problem),
        (status = 409, description = "The code is taken", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn create_region(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<RegionInput>,
) -> Result<(StatusCode, Json<RegionView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_region(&caller, &input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AuthorizationListQuery {
    /// Partner code.
    partner: Option<String>,
    /// Region code; includes every region inside it.
    region: Option<String>,
    product_line: Option<String>,
    mode: Option<AuthorizationMode>,
    /// In force on this day (`YYYY-MM-DD`).
    on: Option<NaiveDate>,
    /// `code` (default), `partner`, `region`, `product_line`, `mode`,
    /// `valid_from` or `valid_to`.
    #[param(pattern = "^(code|partner|region|product_line|mode|valid_from|valid_to)$")]
    sort: Option<String>,
    /// `asc` (default) or `desc`.
    #[param(pattern = "^(asc|desc)$")]
    dir: Option<String>,
}

/// Authorizations of the partners in the caller's scope.
#[utoipa::path(
    get, path = "/authorizations", tag = "territories",
    params(AuthorizationListQuery, Paging),
    responses(
        (status = 200, body = PageOf<AuthorizationView>),
        (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem),
    )
)]
async fn list_authorizations(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<AuthorizationListQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<AuthorizationView>>, ApiError> {
    let sort = match query.sort.as_deref() {
        None => AuthorizationSort::default(),
        Some(name) => AuthorizationSort::parse(name)
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
    let filter = AuthorizationQuery {
        partner_code: query.partner,
        region_code: query.region,
        product_line: query.product_line,
        mode: query.mode,
        on: query.on,
    };
    let page = state
        .app
        .authorizations(&caller, &filter, sort, dir, paging.request()?)
        .await?;
    Ok(Json(page.into()))
}

/// Grants a partner the right to sell a product line in a region. Refused,
/// naming the authorization in the way, when it collides with an exclusive
/// right (in the region, inside or above it), exceeds the selective limit,
/// or duplicates one the partner holds.
#[utoipa::path(
    post, path = "/authorizations", tag = "territories",
    request_body = AuthorizationInput,
    responses(
        (status = 201, body = AuthorizationView),
        (status = 403, body = crate::error::Problem),
        (status = 422, description = "Invalid fields or a collision, each named", body = crate::error::Problem),
    )
)]
async fn create_authorization(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<AuthorizationInput>,
) -> Result<(StatusCode, Json<AuthorizationView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_authorization(&caller, &input).await?),
    ))
}

/// One authorization.
#[utoipa::path(
    get, path = "/authorizations/{code}", tag = "territories",
    params(("code" = String, Path, description = "Authorization code, e.g. AU000012")),
    responses(
        (status = 200, body = AuthorizationView),
        (status = 404, description = "No such authorization in your scope", body = crate::error::Problem),
    )
)]
async fn get_authorization(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<AuthorizationView>, ApiError> {
    Ok(Json(state.app.authorization(&caller, &code).await?))
}

/// Changes an authorization's dates, or ends it early (`end_on` and
/// `reason`). A change that widens the validity is checked like a new grant.
#[utoipa::path(
    post, path = "/authorizations/{code}", tag = "territories",
    params(("code" = String, Path, description = "Authorization code")),
    request_body = AuthorizationChange,
    responses(
        (status = 200, body = AuthorizationView),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such authorization in your scope", body = crate::error::Problem),
        (status = 422, description = "Invalid dates or a collision", body = crate::error::Problem),
    )
)]
async fn change_authorization(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(change): ApiJson<AuthorizationChange>,
) -> Result<Json<AuthorizationView>, ApiError> {
    Ok(Json(
        state
            .app
            .change_authorization(&caller, &code, &change)
            .await?,
    ))
}

/// How many partners a selective product line allows per region.
#[utoipa::path(
    get, path = "/selective-limits", tag = "territories",
    responses(
        (status = 200, body = SelectiveLimits),
        (status = 403, body = crate::error::Problem),
    )
)]
async fn get_limits(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<SelectiveLimits>, ApiError> {
    Ok(Json(state.app.selective_limits(&caller).await?))
}

/// Sets the selective limit of a product line, or with `*` the default.
#[utoipa::path(
    post, path = "/selective-limits", tag = "territories",
    request_body = SelectiveLimitInput,
    responses(
        (status = 200, body = SelectiveLimitView),
        (status = 403, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem),
    )
)]
async fn set_limit(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<SelectiveLimitInput>,
) -> Result<Json<SelectiveLimitView>, ApiError> {
    Ok(Json(state.app.set_selective_limit(&caller, &input).await?))
}
