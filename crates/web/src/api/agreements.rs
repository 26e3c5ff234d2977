use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use qudao_app::AppError;
use qudao_app::SortDir;
use qudao_app::agreements::{
    AgreementFilter, AgreementInput, AgreementSort, AgreementVersionView, AgreementView,
    EXPIRING_DAYS, TerminateInput,
};
use qudao_domain::agreements::AgreementStatus;
use qudao_domain::dates::parse_date;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery, PageOf, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, WebError};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(expiring))
        .routes(routes!(in_force))
        .routes(routes!(versions, create))
        .routes(routes!(get_version, update))
        .routes(routes!(activate))
        .routes(routes!(terminate))
}

fn sorting(sort: Option<&str>, dir: Option<&str>) -> Result<(AgreementSort, SortDir), ApiError> {
    let sort = match sort {
        None => AgreementSort::default(),
        Some(name) => AgreementSort::parse(name)
            .ok_or_else(|| WebError::BadRequest(format!("unknown sort '{name}'")))?,
    };
    let dir = match dir {
        None | Some("asc") => SortDir::Asc,
        Some("desc") => SortDir::Desc,
        Some(other) => {
            return Err(
                WebError::BadRequest(format!("unknown dir '{other}'; use asc or desc")).into(),
            );
        }
    };
    Ok((sort, dir))
}

/// A date query parameter: absent, or `YYYY-MM-DD` (else a field error).
fn day(field: &'static str, value: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => Ok(Some(
            parse_date(field, text).map_err(|e| WebError::App(e.into()))?,
        )),
    }
}

fn version_number(text: &str) -> Result<i32, ApiError> {
    text.parse()
        .map_err(|_| WebError::App(AppError::NotFound("agreement version")).into())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Text in the partner's code or name.
    partner: Option<String>,
    /// The status today.
    status: Option<AgreementStatus>,
    /// Only versions in force on this day, `YYYY-MM-DD`.
    in_force_on: Option<String>,
    /// `partner` (default), `version`, `valid_from` or `valid_to`.
    #[param(pattern = "^(partner|version|valid_from|valid_to)$")]
    sort: Option<String>,
    /// `asc` (default) or `desc`.
    #[param(pattern = "^(asc|desc)$")]
    dir: Option<String>,
}

/// Agreement versions of the partners in the caller's scope (partner roles:
/// their own organisation's only).
#[utoipa::path(
    get, path = "/agreements", tag = "agreements",
    params(ListQuery, Paging),
    responses(
        (status = 200, body = PageOf<AgreementVersionView>),
        (status = 401, body = crate::error::Problem),
        (status = 422, description = "A date that does not parse", body = crate::error::Problem),
    )
)]
async fn list(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<AgreementVersionView>>, ApiError> {
    let (sort, dir) = sorting(query.sort.as_deref(), query.dir.as_deref())?;
    let filter = AgreementFilter {
        partner: query.partner.filter(|p| !p.trim().is_empty()),
        status: query.status,
        in_force_on: day("in_force_on", query.in_force_on.as_deref())?,
    };
    let page = state
        .app
        .list_agreements(&caller, &filter, sort, dir, paging.request()?)
        .await?;
    Ok(Json(page.into()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ExpiringQuery {
    /// Look-ahead in days, 0–730 (default 60).
    days: Option<u32>,
    /// `valid_to` (default), `partner`, `version` or `valid_from`.
    #[param(pattern = "^(valid_to|partner|version|valid_from)$")]
    sort: Option<String>,
    /// `asc` (default) or `desc`.
    #[param(pattern = "^(asc|desc)$")]
    dir: Option<String>,
}

/// Active agreements whose term ends within the next `days` days and that
/// no later version renews.
#[utoipa::path(
    get, path = "/agreements/expiring", tag = "agreements",
    params(ExpiringQuery, Paging),
    responses(
        (status = 200, body = PageOf<AgreementVersionView>),
        (status = 401, body = crate::error::Problem),
        (status = 422, description = "A look-ahead beyond 730 days", body = crate::error::Problem),
    )
)]
async fn expiring(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<ExpiringQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<AgreementVersionView>>, ApiError> {
    let (sort, dir) = sorting(
        Some(query.sort.as_deref().unwrap_or("valid_to")),
        query.dir.as_deref(),
    )?;
    let page = state
        .app
        .expiring_agreements(
            &caller,
            query.days.unwrap_or(EXPIRING_DAYS),
            sort,
            dir,
            paging.request()?,
        )
        .await?;
    Ok(Json(page.into()))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AsOfQuery {
    /// The day asked about, `YYYY-MM-DD` (default: today in the business time zone).
    as_of: Option<String>,
}

/// The version of the partner's agreement in force on a day.
#[utoipa::path(
    get, path = "/partners/{code}/agreement", tag = "agreements",
    params(("code" = String, Path, description = "Partner code"), AsOfQuery),
    responses(
        (status = 200, body = AgreementVersionView),
        (status = 404, description = "No such partner in your scope, or no agreement in force that day", body = crate::error::Problem),
        (status = 422, description = "A date that does not parse", body = crate::error::Problem),
    )
)]
async fn in_force(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<AsOfQuery>,
) -> Result<Json<AgreementVersionView>, ApiError> {
    let as_of = day("as_of", query.as_of.as_deref())?;
    Ok(Json(
        state.app.agreement_in_force(&caller, &code, as_of).await?,
    ))
}

/// Every version of the partner's agreement (newest first) and the one in
/// force on `as_of`.
#[utoipa::path(
    get, path = "/partners/{code}/agreement/versions", tag = "agreements",
    params(("code" = String, Path, description = "Partner code"), AsOfQuery),
    responses(
        (status = 200, body = AgreementView),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
        (status = 422, description = "A date that does not parse", body = crate::error::Problem),
    )
)]
async fn versions(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiQuery(query): ApiQuery<AsOfQuery>,
) -> Result<Json<AgreementView>, ApiError> {
    let as_of = day("as_of", query.as_of.as_deref())?;
    Ok(Json(state.app.agreement(&caller, &code, as_of).await?))
}

/// Writes a draft: the first version, or an amendment of the latest one
/// (`amends` = its number). Activate it to put it in force.
#[utoipa::path(
    post, path = "/partners/{code}/agreement/versions", tag = "agreements",
    params(("code" = String, Path, description = "Partner code")),
    request_body = AgreementInput,
    responses(
        (status = 201, body = AgreementVersionView),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
        (status = 422, description = "Invalid fields, each named", body = crate::error::Problem),
    )
)]
async fn create(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<AgreementInput>,
) -> Result<(StatusCode, Json<AgreementVersionView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .app
                .create_agreement_draft(&caller, &code, &input)
                .await?,
        ),
    ))
}

/// One version, whatever its status.
#[utoipa::path(
    get, path = "/partners/{code}/agreement/versions/{version}", tag = "agreements",
    params(
        ("code" = String, Path, description = "Partner code"),
        ("version" = i32, Path, description = "Version number"),
    ),
    responses(
        (status = 200, body = AgreementVersionView),
        (status = 404, description = "No such partner in your scope, or no such version", body = crate::error::Problem),
    )
)]
async fn get_version(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((code, version)): ApiPath<(String, String)>,
) -> Result<Json<AgreementVersionView>, ApiError> {
    Ok(Json(
        state
            .app
            .agreement_version(&caller, &code, version_number(&version)?)
            .await?,
    ))
}

/// Rewrites a draft's terms (activated versions never change).
#[utoipa::path(
    post, path = "/partners/{code}/agreement/versions/{version}", tag = "agreements",
    params(
        ("code" = String, Path, description = "Partner code"),
        ("version" = i32, Path, description = "Version number of the draft"),
    ),
    request_body = AgreementInput,
    responses(
        (status = 200, body = AgreementVersionView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "Invalid fields, or not a draft", body = crate::error::Problem),
    )
)]
async fn update(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((code, version)): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<AgreementInput>,
) -> Result<Json<AgreementVersionView>, ApiError> {
    let number = version_number(&version)?;
    Ok(Json(
        state
            .app
            .update_agreement_draft(&caller, &code, number, &input)
            .await?,
    ))
}

/// Puts a draft in force. The version it amends is superseded from the
/// draft's first day; its own terms stay as they were.
#[utoipa::path(
    post, path = "/partners/{code}/agreement/versions/{version}/activate", tag = "agreements",
    params(
        ("code" = String, Path, description = "Partner code"),
        ("version" = i32, Path, description = "Version number of the draft"),
    ),
    responses(
        (status = 200, body = AgreementVersionView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "Not a draft, terminated, or a term that overlaps badly", body = crate::error::Problem),
    )
)]
async fn activate(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((code, version)): ApiPath<(String, String)>,
) -> Result<Json<AgreementVersionView>, ApiError> {
    let number = version_number(&version)?;
    Ok(Json(
        state.app.activate_agreement(&caller, &code, number).await?,
    ))
}

/// Ends the agreement from `effective_date` (the first day without one).
#[utoipa::path(
    post, path = "/partners/{code}/agreement/terminate", tag = "agreements",
    params(("code" = String, Path, description = "Partner code")),
    request_body = TerminateInput,
    responses(
        (status = 200, body = AgreementVersionView),
        (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem),
        (status = 422, description = "No active agreement, a date outside the term, or no reason", body = crate::error::Problem),
    )
)]
async fn terminate(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<TerminateInput>,
) -> Result<Json<AgreementVersionView>, ApiError> {
    Ok(Json(
        state
            .app
            .terminate_agreement(&caller, &code, &input)
            .await?,
    ))
}
