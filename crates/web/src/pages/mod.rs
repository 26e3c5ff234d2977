//! HTML pages, one module per business area.

mod account;
mod admin;
mod agreements;
mod alerts;
mod analytics;
mod awards;
mod catalog;
mod coverage;
mod grades;
mod home;
mod imports;
mod incentive_accruals;
mod incentive_adjustments;
mod incentive_balances;
mod incentive_points;
mod incentive_preview;
mod incentive_runs;
pub use incentive_runs::trace_in_words as incentive_trace_in_words;
mod incentive_watchlist;
mod incentive_whatif;
mod incentives;
mod inventory;
mod login;
mod onboarding;
mod orders;
mod outlets;
mod owner_moves;
mod partner_changes;
mod partners;
mod periods;
pub(crate) mod pick;
mod pricing;
mod rates;
mod receivables;
mod scorecards;
mod sellthrough;
mod settings;
mod target_months;
mod target_plans;
mod targets;
mod team;
pub(crate) mod territories;

pub(crate) use imports::UPLOAD_LIMIT;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderValue};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Ctx, FlashKind, safe_next, set_flash};
use crate::error::{PageError, WebError};
use crate::i18n::{LANG_COOKIE, Lang};
use crate::layout::{Chrome, PENDING_AREAS, area_key};
use crate::routes::Routes;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .get("/healthz", healthz)
        .get("/readyz", readyz)
        // Browsers ask for it on every first visit; there is no icon yet, and
        // "nothing" is a better answer than a logged 404.
        .get("/favicon.ico", || async { StatusCode::NO_CONTENT })
        .get("/lang/{tag}", switch_language)
        .get("/areas/{slug}", area)
        .merge(login::routes())
        .merge(home::routes())
        .merge(partners::routes())
        .merge(partner_changes::routes())
        .merge(imports::routes())
        .merge(agreements::routes())
        .merge(grades::routes())
        .merge(owner_moves::routes())
        .merge(onboarding::routes())
        .merge(territories::routes())
        .merge(catalog::routes())
        .merge(sellthrough::routes())
        .merge(inventory::routes())
        .merge(admin::routes())
        .merge(coverage::routes())
        .merge(pricing::routes())
        .merge(receivables::routes())
        .merge(orders::routes())
        .merge(team::routes())
        .merge(account::routes())
        .merge(pick::routes())
        .merge(settings::routes())
        .merge(periods::routes())
        .merge(rates::routes())
        .merge(analytics::routes())
        .merge(alerts::routes())
        .merge(target_plans::routes())
        .merge(target_months::routes())
        .merge(targets::routes())
        .merge(scorecards::routes())
        .merge(outlets::routes())
        .merge(awards::routes())
        .merge(incentive_accruals::routes())
        .merge(incentive_adjustments::routes())
        .merge(incentive_balances::routes())
        .merge(incentive_points::routes())
        .merge(incentives::routes())
        .merge(incentive_runs::routes())
        .merge(incentive_whatif::routes())
        .merge(incentive_watchlist::routes())
}

pub(crate) fn render(template: &impl Template) -> Result<Response, PageError> {
    let body = template
        .render()
        .map_err(|e| WebError::App(qudao_app::AppError::Internal(format!("template: {e}"))))?;
    Ok(Html(body).into_response())
}

/// An xlsx download.
/// A list's "Export to Excel": the app's export registry, given the page's
/// own query parameters as the list's filters, sort and direction, so the
/// file holds what the screen shows (all pages of it).
pub(crate) async fn export_list(
    state: &AppState,
    ctx: &Ctx,
    kind: &str,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let kind = qudao_app::export::ExportKind::parse(kind).ok_or(WebError::NoRoute)?;
    let chinese = ctx.lang == Lang::ZhCn;
    let mut query = qudao_app::export::ExportQuery {
        chinese,
        ..qudao_app::export::ExportQuery::default()
    };
    for (name, value) in pairs {
        match name.as_str() {
            "sort" => query.sort = Some(value),
            "dir" if value == "desc" => query.dir = qudao_app::SortDir::Desc,
            _ => query.filters.push((name, value)),
        }
    }
    let bytes = state.app.export(&ctx.caller, kind, &query).await?;
    let today = qudao_app::today();
    Ok(xlsx(
        &kind.file_name(false, today),
        &kind.file_name(chinese, today),
        bytes,
    ))
}

/// An xlsx download named `name` (UTF-8, RFC 5987 `filename*`), with
/// `ascii` as the plain `filename` for clients that know no better.
pub(crate) fn xlsx(ascii: &str, name: &str, bytes: Vec<u8>) -> Response {
    xlsx_stream(ascii, name, axum::body::Body::from(bytes))
}

/// [`xlsx`] with a body that arrives in pieces (a file being read).
pub(crate) fn xlsx_stream(ascii: &str, name: &str, body: axum::body::Body) -> Response {
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        crate::auth::urlencode(name)
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        body,
    )
        .into_response()
}

/// A posted form whose rejections (a field missing, a body that is not a
/// form) become an error page rather than plain text.
pub(crate) struct PageForm<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for PageForm<T>
where
    S: Send + Sync,
    axum::Form<T>:
        axum::extract::FromRequest<S, Rejection = axum::extract::rejection::FormRejection>,
{
    type Rejection = PageError;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(request, state).await {
            Ok(axum::Form(value)) => Ok(PageForm(value)),
            Err(rejection) => Err(WebError::BadRequest(rejection.body_text()).into()),
        }
    }
}

/// Errors a form shows next to its fields, with the status to answer; any
/// other error becomes an error page.
pub(crate) fn field_errors(
    lang: Lang,
    err: qudao_app::AppError,
) -> Result<(StatusCode, Vec<(String, String)>), PageError> {
    use qudao_app::AppError;
    match err {
        AppError::Invalid(fields) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            fields
                .iter()
                .map(|f| (f.field.to_owned(), lang.problem(&f.problem)))
                .collect(),
        )),
        AppError::Duplicate { field } => Ok((
            StatusCode::CONFLICT,
            vec![(field.to_owned(), lang.t("problem.duplicate").to_owned())],
        )),
        other => Err(other.into()),
    }
}

/// What a form post leads to: on success a flash message and a redirect
/// (post/redirect/get); on refused input the form again, with each field's
/// error and the status the error carries (422, 409, …). Other errors (403,
/// 404, 500) become error pages as usual.
///
/// `done` turns what was saved into the flash text and the location to go to;
/// `redisplay` renders the form page again with the field errors.
pub(crate) async fn saved_or_redisplayed<T>(
    ctx: &Ctx,
    result: Result<T, qudao_app::AppError>,
    done: impl FnOnce(T) -> (String, String),
    redisplay: impl AsyncFnOnce(Vec<(String, String)>) -> Result<Response, PageError>,
) -> Result<Response, PageError> {
    match result {
        Ok(saved) => {
            let (text, location) = done(saved);
            set_flash(&ctx.session, FlashKind::Success, text).await?;
            Ok(Redirect::to(&location).into_response())
        }
        Err(err) => {
            let (status, errors) = field_errors(ctx.lang, err)?;
            let mut response = redisplay(errors).await?;
            *response.status_mut() = status;
            Ok(response)
        }
    }
}

/// The error shown for `field`, or nothing.
pub(crate) fn error_for<'a>(errors: &'a [(String, String)], field: &str) -> &'a str {
    errors
        .iter()
        .find(|(f, _)| f == field)
        .map_or("", |(_, e)| e.as_str())
}

/// Paging, sorting and export parameters every list page accepts. Values that
/// do not parse fall back to defaults rather than failing the page.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListParams {
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
    pub format: Option<String>,
}

impl ListParams {
    pub fn desc(&self) -> bool {
        self.dir.as_deref() == Some("desc")
    }

    pub fn sort_dir(&self) -> qudao_app::SortDir {
        if self.desc() {
            qudao_app::SortDir::Desc
        } else {
            qudao_app::SortDir::Asc
        }
    }

    pub fn page_request(&self) -> qudao_app::PageRequest {
        let number = |v: &Option<String>| v.as_deref().and_then(|s| s.parse().ok());
        qudao_app::PageRequest::new(number(&self.page), number(&self.per_page))
    }

    pub fn wants_xlsx(&self) -> bool {
        self.format.as_deref() == Some("xlsx")
    }
}

/// A non-empty, trimmed filter value.
pub(crate) fn filter(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.app.ready().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(err) => (StatusCode::SERVICE_UNAVAILABLE, err.to_string()).into_response(),
    }
}

#[derive(Deserialize)]
struct NextParam {
    next: Option<String>,
}

/// Remembers the chosen language for a year and goes back to the page.
async fn switch_language(Path(tag): Path<String>, Query(params): Query<NextParam>) -> Response {
    let lang = Lang::from_tag(&tag).unwrap_or_default();
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.tag()
    );
    let mut response = Redirect::to(&safe_next(params.next.as_deref())).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(Template)]
#[template(path = "area.html")]
struct AreaPage {
    c: Chrome,
    name: String,
}

async fn area(ctx: Ctx, Path(slug): Path<String>) -> Result<Response, PageError> {
    if !PENDING_AREAS.iter().any(|(s, _)| *s == slug) {
        return Err(WebError::NoRoute.into());
    }
    let name = ctx.lang.t(area_key(&slug)).to_owned();
    let c = Chrome::new(
        &ctx,
        &format!("/areas/{slug}"),
        name.clone(),
        vec![(name.clone(), None)],
    )
    .await?;
    render(&AreaPage { c, name })
}

pub(crate) async fn method_not_allowed(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        crate::error::ApiError(WebError::MethodNotAllowed).into_response()
    } else {
        PageError(WebError::MethodNotAllowed).into_response()
    }
}

pub(crate) async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        crate::error::ApiError(WebError::NoRoute).into_response()
    } else {
        PageError(WebError::NoRoute).into_response()
    }
}
