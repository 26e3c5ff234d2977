//! Sell-through lines: a batch of one partner's lines, the lines in scope,
//! and an upload's state and report.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use qudao_app::sellthrough::{BatchInput, LineQuery, LineView, UploadView};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::imports::{ImportProblem, answer};
use super::{ApiJson, ApiPath, ApiQuery, PageOf, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_lines, report_lines))
        .routes(routes!(get_upload))
}

/// Reports a batch of one partner's lines. All or nothing, as a file: any
/// bad line is answered 422 with every line's problem (`row` is the line's
/// position, from 1), and nothing is written.
#[utoipa::path(
    post, path = "/sellthrough", tag = "sellthrough",
    request_body = BatchInput,
    responses(
        (status = 200, body = qudao_app::imports::ImportReport),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
        (status = 422, description = "The batch was rejected; nothing was written", body = ImportProblem, content_type = "application/problem+json"),
    )
)]
async fn report_lines(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(batch): ApiJson<BatchInput>,
) -> Result<Response, ApiError> {
    Ok(answer(state.app.report_sellthrough(&caller, &batch).await?))
}

/// Lines of partners in your scope, newest first.
#[utoipa::path(
    get, path = "/sellthrough", tag = "sellthrough",
    params(LineQuery, Paging),
    responses(
        (status = 200, body = PageOf<LineView>),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
        (status = 422, description = "A filter that does not parse or names nothing", body = crate::error::Problem),
    )
)]
async fn list_lines(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<LineQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<LineView>>, ApiError> {
    let page = state
        .app
        .sellthrough_lines(&caller, &query, paging.request()?)
        .await?;
    Ok(Json(page.into()))
}

/// An upload: its state and progress, then its report and the product
/// codes whose rows are held.
#[utoipa::path(
    get, path = "/sellthrough/uploads/{id}", tag = "sellthrough",
    params(("id" = i64, Path, description = "The upload's id")),
    responses(
        (status = 200, body = UploadView),
        (status = 404, body = crate::error::Problem),
    )
)]
async fn get_upload(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<UploadView>, ApiError> {
    Ok(Json(state.app.sellthrough_upload(&caller, id).await?))
}
