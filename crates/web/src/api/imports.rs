use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qudao_app::imports::{ImportKind, ImportMode, ImportOptions, ImportReport};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiPath;
use super::ApiQuery;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, WebError};
use crate::pages::UPLOAD_LIMIT;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import))
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ImportQuery {
    /// The file's name; its extension (`.csv` or `.xlsx`) says how to read it.
    file_name: String,
    /// Check everything and write nothing.
    #[serde(default)]
    dry_run: bool,
    /// `create` (default) refuses codes that exist; `upsert` updates those
    /// records and lists the changes in the report.
    #[serde(default)]
    mode: ImportMode,
}

/// A rejected file: problem details plus the report naming every bad row.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct ImportProblem {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: String,
    report: ImportReport,
}

/// Imports a CSV or xlsx file sent as the request body. All or nothing: a
/// file with any bad row is answered 422 with every row's problem, and
/// nothing is written.
#[utoipa::path(
    post, path = "/imports/{kind}", tag = "imports",
    params(
        ("kind" = String, Path, description = "What the file holds: partners, contacts, regions or authorizations"),
        ImportQuery,
    ),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "The file's bytes (CSV or xlsx)"),
    responses(
        (status = 200, body = ImportReport),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such kind of import", body = crate::error::Problem),
        (status = 422, description = "The file was rejected; nothing was written", body = ImportProblem, content_type = "application/problem+json"),
    )
)]
async fn import(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(kind): ApiPath<String>,
    ApiQuery(query): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let kind = ImportKind::parse(&kind).ok_or(WebError::NoRoute)?;
    let report = state
        .app
        .import_with(
            &caller,
            kind,
            &query.file_name,
            &body,
            ImportOptions {
                dry_run: query.dry_run,
                mode: query.mode,
                ..ImportOptions::default()
            },
        )
        .await?;
    Ok(answer(report))
}

/// A clean report as it is; a rejected one as problem details with the
/// report (422).
pub(super) fn answer(report: ImportReport) -> Response {
    if report.ok() {
        return Json(report).into_response();
    }
    let problem = ImportProblem {
        kind: "urn:qudao:problem:import-rejected",
        title: "The file was rejected",
        status: StatusCode::UNPROCESSABLE_ENTITY.as_u16(),
        detail: format!(
            "{} problem(s) in {}; nothing was imported",
            report.errors.len(),
            report.file
        ),
        report,
    };
    let mut response = (StatusCode::UNPROCESSABLE_ENTITY, Json(problem)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}
