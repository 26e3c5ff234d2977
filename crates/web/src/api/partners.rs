use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::SortDir;
use qudao_app::partners::{
    ContactInput, ContactView, CreditLimitInput, CreditLimitView, PartnerDetail, PartnerEdit,
    PartnerFilter, PartnerInput, PartnerSort, PartnerView, StatusInput,
};
use qudao_domain::partners::{PartnerStatus, PartnerType};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery, PageOf, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, WebError};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update))
        .routes(routes!(change_status))
        .routes(routes!(add_contact))
        .routes(routes!(remove_contact, update_contact))
        .routes(routes!(change_credit_limit))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Text found in the code or name.
    q: Option<String>,
    partner_type: Option<PartnerType>,
    status: Option<PartnerStatus>,
    /// 1 buys from the brand owner, 2 from a depth-1 partner, …
    depth: Option<i32>,
    /// Home region is this one or inside it, e.g. `440000` for all of Guangdong.
    region_code: Option<String>,
    /// Holds this grade, e.g. `gold`.
    grade: Option<String>,
    /// `code` (default), `name`, `partner_type`, `depth`, `status` or `created_at`.
    #[param(pattern = "^(code|name|partner_type|depth|status|created_at)$")]
    sort: Option<String>,
    /// `asc` (default) or `desc`.
    #[param(pattern = "^(asc|desc)$")]
    dir: Option<String>,
}

/// Partners in the caller's scope.
#[utoipa::path(
    get, path = "/partners", tag = "partners",
    params(ListQuery, Paging),
    responses(
        (status = 200, body = PageOf<PartnerView>),
        (status = 401, body = crate::error::Problem),
    )
)]
async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<PartnerView>>, ApiError> {
    let sort = match query.sort.as_deref() {
        None => PartnerSort::default(),
        Some(name) => PartnerSort::parse(name)
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
    let filter = PartnerFilter {
        text: query.q.filter(|q| !q.trim().is_empty()),
        partner_type: query.partner_type.map(|t| t.as_str().to_owned()),
        status: query.status.map(|s| s.as_str().to_owned()),
        depth: query.depth,
        parent_id: None,
        region_code: query.region_code.filter(|r| !r.trim().is_empty()),
        grade_code: query.grade.filter(|g| !g.trim().is_empty()),
    };
    let page = state
        .app
        .list_partners(&caller, &filter, sort, dir, paging.request()?)
        .await?;
    Ok(Json(page.into()))
}

/// Adds a partner. Channel managers become its owner unless they name one.
#[utoipa::path(
    post, path = "/partners", tag = "partners",
    request_body = PartnerInput,
    responses(
        (status = 201, body = PartnerView),
        (status = 403, body = crate::error::Problem),
        (status = 409, description = "The code is taken", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<PartnerInput>,
) -> Result<(StatusCode, Json<PartnerView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_partner(&caller, &input).await?),
    ))
}

/// One partner with the partners that buy from it.
#[utoipa::path(
    get, path = "/partners/{code}", tag = "partners",
    params(("code" = String, Path, description = "Partner code, e.g. P00012")),
    responses(
        (status = 200, body = PartnerDetail),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
    )
)]
async fn get_one(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<PartnerDetail>, ApiError> {
    Ok(Json(state.app.partner(&caller, &code).await?))
}

/// Moves a partner along its lifecycle (prospect → screening → negotiating →
/// active ⇄ suspended; any → terminated, which is final), with a reason.
#[utoipa::path(
    post, path = "/partners/{code}/status", tag = "partners",
    params(("code" = String, Path, description = "Partner code")),
    request_body = StatusInput,
    responses(
        (status = 200, body = PartnerView),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
        (status = 422, description = "Not an allowed transition, or no reason", body = crate::error::Problem),
    )
)]
async fn change_status(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<StatusInput>,
) -> Result<Json<PartnerView>, ApiError> {
    Ok(Json(
        state
            .app
            .change_partner_status(&caller, &code, &input)
            .await?,
    ))
}

/// Changes a partner's record (all fields but code and status). A new
/// `parent_code` moves the partner with its whole downstream; a parent below
/// the partner itself (a cycle) is refused.
#[utoipa::path(
    put, path = "/partners/{code}", tag = "partners",
    params(("code" = String, Path, description = "Partner code")),
    request_body = PartnerEdit,
    responses(
        (status = 200, body = PartnerView),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<PartnerEdit>,
) -> Result<Json<PartnerView>, ApiError> {
    Ok(Json(
        state.app.update_partner(&caller, &code, &input).await?,
    ))
}

/// Adds a contact person to a partner; a phone or an email is required.
#[utoipa::path(
    post, path = "/partners/{code}/contacts", tag = "partners",
    params(("code" = String, Path, description = "Partner code")),
    request_body = ContactInput,
    responses(
        (status = 201, body = ContactView),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn add_contact(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<(StatusCode, Json<ContactView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.add_contact(&caller, &code, &input).await?),
    ))
}

/// Removes a contact person from a partner.
#[utoipa::path(
    delete, path = "/partners/{code}/contacts/{id}", tag = "partners",
    params(
        ("code" = String, Path, description = "Partner code"),
        ("id" = i64, Path, description = "Contact id, as listed on the partner"),
    ),
    responses(
        (status = 204),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such partner or contact in your scope", body = crate::error::Problem),
    )
)]
async fn remove_contact(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((code, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    state.app.remove_contact(&caller, &code, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes a partner's credit limit, with a reason (finance and admins);
/// nothing else of the record changes. An empty limit removes it.
#[utoipa::path(
    post, path = "/partners/{code}/credit-limit", tag = "partners",
    params(("code" = String, Path, description = "Partner code")),
    request_body = CreditLimitInput,
    responses(
        (status = 200, body = CreditLimitView),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn change_credit_limit(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<CreditLimitInput>,
) -> Result<Json<CreditLimitView>, ApiError> {
    Ok(Json(
        state.app.set_credit_limit(&caller, &code, &input).await?,
    ))
}

/// Changes a contact person of a partner; the same rules as adding one.
#[utoipa::path(
    put, path = "/partners/{code}/contacts/{id}", tag = "partners",
    params(
        ("code" = String, Path, description = "Partner code"),
        ("id" = i64, Path, description = "Contact id, as listed on the partner"),
    ),
    request_body = ContactInput,
    responses(
        (status = 200, body = ContactView),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such partner or contact in your scope", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn update_contact(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((code, id)): ApiPath<(String, i64)>,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<Json<ContactView>, ApiError> {
    Ok(Json(
        state.app.update_contact(&caller, &code, id, &input).await?,
    ))
}
