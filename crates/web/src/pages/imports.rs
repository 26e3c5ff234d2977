//! Import pages: templates to download, a file upload, and the report.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::header;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::AppError;
use qudao_app::imports::{
    self, ImportKind, ImportMode, ImportOptions, ImportReport, RowError, Values,
};
use qudao_domain::Problem;
use serde::{Deserialize, Serialize};

use super::render;
use crate::AppState;
use crate::auth::Ctx;
use crate::error::{PageError, WebError};
use crate::i18n::Lang;
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
        .get("/imports/result", result)
        .get("/imports/templates/{file}", download_template)
}

#[derive(Template)]
#[template(path = "imports/index.html")]
struct ImportPage {
    c: Chrome,
    /// The kinds this user may import.
    kinds: Vec<ImportKind>,
    kind: ImportKind,
    result: Option<ImportResult>,
}

/// Where an upload's report waits for the page it redirects to.
const RESULT: &str = "import_result";
/// The report lists this many problems and changes; a file with more is
/// mostly the same mistake repeated, and the session stays small.
const LISTED: usize = 500;
/// How many imported records the report links to one by one.
const LINKED: usize = 20;

/// An upload's report as the result page shows it, in the language of the
/// upload, kept in the session so the page after the redirect (and a
/// refresh of it) shows it without posting the file again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct ImportResult {
    pub(super) kind: String,
    pub(super) file: String,
    pub(super) ok: bool,
    pub(super) dry_run: bool,
    pub(super) rows: usize,
    pub(super) created: usize,
    pub(super) elapsed_ms: u64,
    /// Links to the records written: (label, href).
    records: Vec<(String, String)>,
    /// Records written beyond those linked.
    more_records: usize,
    /// The list holding what was imported: (label, href).
    list: Option<(String, String)>,
    updated: usize,
    changes: Vec<ChangeLine>,
    pub(super) errors_total: usize,
    pub(super) errors: Vec<ErrorLine>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChangeLine {
    row: usize,
    code: String,
    field: String,
    before: Option<String>,
    after: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct ErrorLine {
    pub(super) row: Option<usize>,
    pub(super) column: String,
    pub(super) problem: String,
}

impl ImportResult {
    pub(super) fn new(lang: Lang, report: &ImportReport) -> Self {
        let kind = report.kind;
        let href = |key: &str| {
            let key = crate::auth::urlencode(key);
            match kind.as_str() {
                "regions" => format!("/territories/regions/{key}"),
                "user_regions" => format!("/admin/users/{key}/regions"),
                _ => format!("/partners/{key}"),
            }
        };
        let list = match kind.as_str() {
            "partners" | "contacts" => Some(("nav.partners", "/partners")),
            "regions" => Some(("nav.regions", "/territories/regions")),
            "authorizations" => Some(("nav.authorizations", "/territories/authorizations")),
            "user_regions" => Some(("nav.users", "/admin/users")),
            "incentive_adjustments" => Some(("adjustments.title", "/incentives/adjustments")),
            _ => None,
        }
        .filter(|_| report.created > 0 || !report.updated.is_empty())
        .map(|(key, href)| (lang.t(key).to_owned(), href.to_owned()));
        Self {
            kind: kind.as_str().to_owned(),
            file: report.file.clone(),
            ok: report.ok(),
            dry_run: report.dry_run,
            rows: report.rows,
            created: report.created,
            elapsed_ms: report.elapsed_ms,
            records: report
                .records
                .iter()
                .take(LINKED)
                .map(|key| (key.clone(), href(key)))
                .collect(),
            more_records: report.records.len().saturating_sub(LINKED),
            list,
            updated: report.updated.len(),
            changes: report
                .updated
                .iter()
                .flat_map(|change| {
                    change.changes.iter().map(|f| ChangeLine {
                        row: change.row,
                        code: change.code.clone(),
                        field: header(lang, kind, f.field),
                        before: f.before.clone(),
                        after: f.after.clone(),
                    })
                })
                .take(LISTED)
                .collect(),
            errors_total: report.errors.len(),
            errors: report
                .errors
                .iter()
                .take(LISTED)
                .map(|e| ErrorLine {
                    row: e.row,
                    column: column_of(lang, kind, e),
                    problem: problem_of(lang, kind, e),
                })
                .collect(),
        }
    }
}

/// A column's header in the page's language.
fn header(lang: Lang, kind: ImportKind, field: &str) -> String {
    kind.columns()
        .iter()
        .find(|c| c.field == field)
        .map_or(field, |c| if lang == Lang::ZhCn { c.zh } else { c.field })
        .to_owned()
}

/// Where a problem is: the header as the file wrote it, the header of a
/// missing column in the page's language, or the whole row or file.
fn column_of(lang: Lang, kind: ImportKind, error: &RowError) -> String {
    match (error.field.as_str(), &error.column) {
        ("row", _) => lang.t("imports.whole_row").to_owned(),
        ("file" | "mode", _) => lang.t("imports.whole_file").to_owned(),
        (field, Some(column)) if column == field => header(lang, kind, field),
        (_, Some(column)) => column.clone(),
        (field, None) => header(lang, kind, field),
    }
}

/// A problem in the page's language, with headers and values as that
/// language writes them.
fn problem_of(lang: Lang, kind: ImportKind, error: &RowError) -> String {
    let zh = lang == Lang::ZhCn;
    let list = |words: Vec<&str>| words.join(if zh { "、" } else { ", " });
    match &error.problem {
        Problem::Conflict {
            rule: "not_this_kind",
            ..
        } => {
            let headers = kind
                .columns()
                .iter()
                .map(|c| if zh { c.zh } else { c.field })
                .collect();
            format!(
                "{}{}{}",
                lang.tf(
                    "imports.not_this_kind",
                    lang.t(&format!("import_kind.{kind}"))
                ),
                if zh { "" } else { " " },
                lang.tf("imports.expected_headers", list(headers))
            )
        }
        Problem::NotOneOf { choices } if error.field == "header" => {
            let headers = choices
                .iter()
                .map(|field| {
                    kind.columns()
                        .iter()
                        .find(|c| c.field == *field)
                        .map_or(*field, |c| if zh { c.zh } else { c.field })
                })
                .collect();
            lang.tf("problem.not_one_of", list(headers))
        }
        Problem::NotOneOf { choices } if zh => {
            let words = kind
                .columns()
                .iter()
                .find(|c| c.field == error.field)
                .and_then(|c| match c.values {
                    Values::Named(set) => Some(set),
                    Values::Text | Values::Grade | Values::Region => None,
                });
            let named = choices
                .iter()
                .map(|choice| {
                    words
                        .and_then(|set| set.iter().find(|(code, _)| code == choice))
                        .map_or(*choice, |(_, word)| *word)
                })
                .collect();
            lang.tf("problem.not_one_of", list(named))
        }
        problem => lang.problem(problem),
    }
}

async fn page(
    ctx: &Ctx,
    kind: ImportKind,
    result: Option<ImportResult>,
) -> Result<Response, PageError> {
    let title = ctx.lang.t("nav.imports").to_owned();
    let crumbs = match result {
        Some(_) => vec![
            (title.clone(), Some("/imports".to_owned())),
            (ctx.lang.t("imports.result").to_owned(), None),
        ],
        None => vec![(title.clone(), None)],
    };
    let c = Chrome::new(ctx, "/imports", title, crumbs).await?;
    render(&ImportPage {
        c,
        kinds: allowed(ctx),
        kind,
        result,
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

/// Runs the upload, keeps its report in the session and redirects to the
/// result page (post/redirect/get): the address bar then shows a page that
/// a refresh shows again, rather than posting the file a second time.
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
    if kind == state.app.sellthrough_kind() {
        // Facts stream as a job the user can leave; its page shows progress.
        let options = ImportOptions {
            dry_run,
            ..ImportOptions::default()
        };
        let id = state
            .app
            .start_sellthrough_upload(&ctx.caller, &name, &bytes, options)
            .await?;
        return Ok(Redirect::to(&format!("/sellthrough/uploads/{id}")).into_response());
    }
    let report = state
        .app
        .import_with(
            &ctx.caller,
            kind,
            &name,
            &bytes,
            ImportOptions {
                dry_run,
                mode,
                ..ImportOptions::default()
            },
        )
        .await?;
    ctx.session
        .insert(RESULT, ImportResult::new(ctx.lang, &report))
        .await
        .map_err(|e| AppError::Internal(format!("session store: {e}")))?;
    Ok(Redirect::to("/imports/result").into_response())
}

/// The last upload's report; a rejected file answers 422, as the upload
/// itself used to.
async fn result(ctx: Ctx) -> Result<Response, PageError> {
    if allowed(&ctx).is_empty() {
        return Err(AppError::Forbidden.into());
    }
    let stored: Option<ImportResult> = ctx
        .session
        .get(RESULT)
        .await
        .map_err(|e| AppError::Internal(format!("session store: {e}")))?;
    let Some(result) = stored else {
        return Ok(Redirect::to("/imports").into_response());
    };
    let kind = ImportKind::parse(&result.kind)
        .filter(|k| ctx.caller.can(k.permission()))
        .ok_or(AppError::Forbidden)?;
    let status = if result.ok {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = page(&ctx, kind, Some(result)).await?;
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
