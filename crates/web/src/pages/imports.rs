//! Import pages: templates to download, a file upload, and the report.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::HeaderValue;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use qudao_app::AppError;
use qudao_app::imports::{self, ImportKind, ImportMode, ImportOptions, ImportReport};

use super::render;
use crate::AppState;
use crate::auth::Ctx;
use crate::error::{PageError, WebError};
use crate::layout::Chrome;
use crate::routes::Routes;
use axum::routing::post;

/// Room for the largest file an import accepts (`imports::MAX_ROWS` wide rows).
pub(crate) const UPLOAD_LIMIT: usize = 32 * 1024 * 1024;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/imports", index)
        .route(
            "POST",
            "/imports",
            post(upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .get("/imports/templates/{file}", download_template)
}

#[derive(Template)]
#[template(path = "imports/index.html")]
struct ImportPage {
    c: Chrome,
    /// The kinds this user may import.
    kinds: Vec<ImportKind>,
    kind: ImportKind,
    report: Option<ImportReport>,
    /// Each error of the report with its problem in the user's language.
    problems: Vec<String>,
}

async fn page(
    ctx: &Ctx,
    kind: ImportKind,
    report: Option<ImportReport>,
) -> Result<Response, PageError> {
    let title = ctx.lang.t("nav.imports").to_owned();
    let c = Chrome::new(ctx, "/imports", title.clone(), vec![(title, None)]).await?;
    let problems = report
        .iter()
        .flat_map(|r| &r.errors)
        .map(|e| ctx.lang.problem(&e.problem))
        .collect();
    render(&ImportPage {
        c,
        kinds: allowed(ctx),
        kind,
        report,
        problems,
    })
}

/// The registered kinds whose permission the user holds.
fn allowed(ctx: &Ctx) -> Vec<ImportKind> {
    ImportKind::ALL
        .iter()
        .copied()
        .filter(|k| ctx.caller.can(k.permission()))
        .collect()
}

async fn index(ctx: Ctx) -> Result<Response, PageError> {
    let first = allowed(&ctx).first().copied().ok_or(AppError::Forbidden)?;
    page(&ctx, first, None).await
}

async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    mut form: Multipart,
) -> Result<Response, PageError> {
    if allowed(&ctx).is_empty() {
        return Err(AppError::Forbidden.into());
    }
    let bad = |e: axum::extract::multipart::MultipartError| WebError::BadRequest(e.body_text());
    let mut kind = None;
    let mut dry_run = false;
    let mut mode = ImportMode::Create;
    let mut file = None;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "kind" => kind = ImportKind::parse(&field.text().await.map_err(bad)?),
            "dry_run" => dry_run = !field.text().await.map_err(bad)?.is_empty(),
            "mode" => {
                let text = field.text().await.map_err(bad)?;
                mode = ImportMode::parse(&text)
                    .ok_or_else(|| WebError::BadRequest(format!("no import mode '{text}'")))?;
            }
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                file = Some((name, field.bytes().await.map_err(bad)?));
            }
            _ => {}
        }
    }
    let kind = kind.ok_or_else(|| WebError::BadRequest("choose what to import".to_owned()))?;
    let Some((name, bytes)) = file.filter(|(name, _)| !name.is_empty()) else {
        return Err(WebError::BadRequest("choose a file to import".to_owned()).into());
    };
    let report = state
        .app
        .import_with(
            &ctx.caller,
            kind,
            &name,
            &bytes,
            ImportOptions { dry_run, mode },
        )
        .await?;
    let status = if report.ok() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = page(&ctx, kind, Some(report)).await?;
    *response.status_mut() = status;
    Ok(response)
}

/// `partners.csv`, `partners.xlsx`, `partners.zh.csv`, `partners.zh.xlsx`, …
async fn download_template(ctx: Ctx, Path(file): Path<String>) -> Result<Response, PageError> {
    if allowed(&ctx).is_empty() {
        return Err(AppError::Forbidden.into());
    }
    let (stem, extension) = file.rsplit_once('.').ok_or(WebError::NoRoute)?;
    let (kind, chinese) = match stem.strip_suffix(".zh") {
        Some(kind) => (kind, true),
        None => (stem, false),
    };
    let kind = ImportKind::parse(kind).ok_or(WebError::NoRoute)?;
    if !ctx.caller.can(kind.permission()) {
        return Err(AppError::Forbidden.into());
    }
    let (xlsx, content_type) = match extension {
        "xlsx" => (
            true,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "csv" => (false, "text/csv; charset=utf-8"),
        _ => return Err(WebError::NoRoute.into()),
    };
    let bytes = imports::template(kind, chinese, xlsx)?;
    let disposition = format!("attachment; filename=\"{file}\"");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        bytes,
    )
        .into_response())
}
