//! Incentive programs: the list (latest version per code), a program with
//! its versions, one version, saving a document as a draft version,
//! checking one without saving, and putting a version in force. Staff
//! read; admins and channel managers write; partner roles are refused.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qudao_app::incentives::{
    DocumentFormat, ProgramCheck, ProgramDetail, ProgramFilter, ProgramSummary,
};
use qudao_domain::incentives::program::ProgramKind;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery, PageOf, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_programs, save_program))
        .routes(routes!(check_program))
        .routes(routes!(get_program))
        .routes(routes!(get_version))
        .routes(routes!(activate_version))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    kind: Option<ProgramKind>,
    /// The latest version's status.
    status: Option<StatusParam>,
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum StatusParam {
    Draft,
    Active,
    Retired,
}

impl StatusParam {
    fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Retired => "retired",
        }
    }
}

/// A program document as text. `format` says how it is written; the
/// document itself is a string so that a TOML document and a JSON one
/// travel the same way, and JSON reads back exactly as written.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct DocumentIn {
    format: DocumentFormat,
    /// The whole document (see docs/INCENTIVES.md).
    #[schema(max_length = 20000)]
    document: String,
}

/// A refused document: problem details plus every problem at its path.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct ProgramRejected {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: String,
    check: ProgramCheck,
}

/// The latest version of every program, by code.
#[utoipa::path(
    get, path = "/incentive-programs", tag = "incentives",
    params(ListQuery, Paging),
    responses(
        (status = 200, body = PageOf<ProgramSummary>),
        (status = 403, description = "Partner roles do not see programs", body = crate::error::Problem),
        (status = 422, description = "An unknown kind or status", body = crate::error::Problem),
    )
)]
async fn list_programs(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<ProgramSummary>>, ApiError> {
    let filter = ProgramFilter {
        kind: query.kind.map(|k| k.as_str().to_owned()),
        status: query.status.map(|s| s.as_str().to_owned()),
    };
    let page = state
        .app
        .programs(&caller, &filter, paging.request()?)
        .await?;
    Ok(Json(page.into()))
}

/// Saves a document as a draft version: a new code at version 1, an
/// existing code at its next version, or over its latest version while
/// that is a draft. A document with any problem is refused whole (422,
/// every problem at its field path) and nothing is written.
#[utoipa::path(
    post, path = "/incentive-programs", tag = "incentives",
    request_body = DocumentIn,
    responses(
        (status = 200, description = "Saved as a draft", body = ProgramCheck),
        (status = 403, description = "Only admins and channel managers keep programs", body = crate::error::Problem),
        (status = 422, description = "The document was refused; nothing was written", body = ProgramRejected, content_type = "application/problem+json"),
    )
)]
async fn save_program(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<DocumentIn>,
) -> Result<Response, ApiError> {
    let check = state
        .app
        .save_program(&caller, &input.document, input.format)
        .await?;
    if check.ok() {
        return Ok(Json(check).into_response());
    }
    Ok(rejected(check))
}

/// A refused document's 422: problem details with every problem.
pub(super) fn rejected(check: ProgramCheck) -> Response {
    let rejected = ProgramRejected {
        kind: "urn:qudao:problem:program-rejected",
        title: "The program document was refused",
        status: StatusCode::UNPROCESSABLE_ENTITY.as_u16(),
        detail: format!("{} problem(s); nothing was written", check.problems.len()),
        check,
    };
    let mut response = (StatusCode::UNPROCESSABLE_ENTITY, Json(rejected)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// Checks a document without saving it (the editor's "check"): every
/// problem at its field path, or the version it would be saved as.
#[utoipa::path(
    post, path = "/incentive-programs/check", tag = "incentives",
    request_body = DocumentIn,
    responses(
        (status = 200, body = ProgramCheck),
        (status = 403, description = "Only admins and channel managers keep programs", body = crate::error::Problem),
        (status = 422, description = "The document is longer than 20,000 characters", body = crate::error::Problem),
    )
)]
async fn check_program(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<DocumentIn>,
) -> Result<Json<ProgramCheck>, ApiError> {
    Ok(Json(
        state
            .app
            .check_program(&caller, &input.document, input.format)
            .await?,
    ))
}

/// A program's latest version with every version of its code.
#[utoipa::path(
    get, path = "/incentive-programs/{code}", tag = "incentives",
    params(("code" = String, Path, description = "The program's code")),
    responses(
        (status = 200, body = ProgramDetail),
        (status = 403, description = "Partner roles do not see programs", body = crate::error::Problem),
        (status = 404, description = "No such program", body = crate::error::Problem),
    )
)]
async fn get_program(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<ProgramDetail>, ApiError> {
    Ok(Json(state.app.program(&caller, &code).await?))
}

/// One version of a program with every version of its code.
#[utoipa::path(
    get, path = "/incentive-programs/{code}/versions/{n}", tag = "incentives",
    params(
        ("code" = String, Path, description = "The program's code"),
        ("n" = u32, Path, description = "The version"),
    ),
    responses(
        (status = 200, body = ProgramDetail),
        (status = 403, description = "Partner roles do not see programs", body = crate::error::Problem),
        (status = 404, description = "No such program or version", body = crate::error::Problem),
    )
)]
async fn get_version(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((code, n)): ApiPath<(String, u32)>,
) -> Result<Json<ProgramDetail>, ApiError> {
    Ok(Json(state.app.program_version(&caller, &code, n).await?))
}

/// Puts a draft version in force. The active versions of the code whose
/// dates it covers are retired; an active version it overlaps only in
/// part is refused (422, naming it).
#[utoipa::path(
    post, path = "/incentive-programs/{code}/versions/{n}/activate", tag = "incentives",
    params(
        ("code" = String, Path, description = "The program's code"),
        ("n" = u32, Path, description = "The version"),
    ),
    responses(
        (status = 200, body = ProgramDetail),
        (status = 403, description = "Only admins and channel managers put programs in force", body = crate::error::Problem),
        (status = 404, description = "No such program or version", body = crate::error::Problem),
        (status = 422, description = "Not a draft, or its dates overlap an active version in part", body = crate::error::Problem),
    )
)]
async fn activate_version(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((code, n)): ApiPath<(String, u32)>,
) -> Result<Json<ProgramDetail>, ApiError> {
    Ok(Json(state.app.activate_program(&caller, &code, n).await?))
}
