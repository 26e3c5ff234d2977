//! One error type for the web layer, rendered two ways: as an HTML page for
//! browsers and as RFC 9457 problem JSON for the API. Handlers return
//! `PageError` or `ApiError`; both wrap [`WebError`].
//!
//! HTML error pages are rendered late, by [`render_error_pages`], because only
//! the request knows the user's language; a handler's error response carries
//! the error as an extension until then.

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use qudao_app::AppError;
use serde::Serialize;

use crate::i18n::Lang;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("no such page")]
    NoRoute,
    #[error("this address does not accept that method")]
    MethodNotAllowed,
    #[error("the form has expired or did not come from this site")]
    Csrf,
    #[error("{0}")]
    BadRequest(String),
    #[error("the request body is larger than {0} bytes")]
    TooLarge(usize),
    #[error("expected content type {0}")]
    UnsupportedMediaType(&'static str),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::App(app) => match app {
                AppError::BadCredentials | AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
                AppError::Locked { .. } => StatusCode::TOO_MANY_REQUESTS,
                AppError::Disabled | AppError::Forbidden => StatusCode::FORBIDDEN,
                AppError::NotFound(_) => StatusCode::NOT_FOUND,
                AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                AppError::Duplicate { .. } => StatusCode::CONFLICT,
                AppError::Unsupported(_) => StatusCode::BAD_REQUEST,
                AppError::Schema(_) => StatusCode::SERVICE_UNAVAILABLE,
                AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            WebError::NoRoute => StatusCode::NOT_FOUND,
            WebError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        }
    }

    /// A stable identifier of the kind of problem, used in the problem `type`
    /// URI and as the message key of the error page.
    pub fn slug(&self) -> &'static str {
        match self {
            WebError::App(app) => match app {
                AppError::BadCredentials => "bad-credentials",
                AppError::Locked { .. } => "locked",
                AppError::Disabled => "disabled",
                AppError::Unauthenticated => "unauthenticated",
                AppError::Forbidden => "forbidden",
                AppError::NotFound(_) => "not-found",
                AppError::Invalid(_) => "invalid",
                AppError::Duplicate { .. } => "duplicate",
                AppError::Unsupported(_) => "unsupported",
                AppError::Schema(_) => "schema",
                AppError::Internal(_) => "internal",
            },
            WebError::NoRoute => "not-found",
            WebError::MethodNotAllowed => "method-not-allowed",
            WebError::Csrf => "csrf",
            WebError::BadRequest(_) => "bad-request",
            WebError::TooLarge(_) => "too-large",
            WebError::UnsupportedMediaType(_) => "unsupported-media-type",
        }
    }

    /// What to tell the user. Internal details never leave the server.
    fn detail(&self, lang: Lang) -> String {
        match self {
            WebError::App(AppError::Internal(detail)) => {
                tracing::error!(%detail, "internal error");
                lang.t("error.internal.detail").to_owned()
            }
            WebError::App(AppError::Locked { minutes }) => lang.tf("error.locked.detail", minutes),
            WebError::App(AppError::Invalid(fields)) => fields
                .iter()
                .map(|f| format!("{}: {}", f.field, lang.problem(&f.problem)))
                .collect::<Vec<_>>()
                .join("; "),
            WebError::App(AppError::Duplicate { field }) => {
                lang.tf("error.duplicate.detail", field)
            }
            WebError::App(AppError::NotFound(what)) => lang.tf("error.not-found.detail", what),
            WebError::NoRoute => lang.tf("error.not-found.detail", lang.t("error.not-found.route")),
            WebError::App(AppError::Unsupported(text) | AppError::Schema(text)) => text.clone(),
            WebError::BadRequest(text) => text.clone(),
            WebError::TooLarge(limit) => lang.tf("error.too-large.detail", limit),
            WebError::UnsupportedMediaType(expected) => {
                lang.tf("error.unsupported-media-type.detail", expected)
            }
            other => lang.t(&format!("error.{}.detail", other.slug())).to_owned(),
        }
    }
}

/// An error on an HTML page.
#[derive(Debug)]
pub struct PageError(pub WebError);

impl<E: Into<WebError>> From<E> for PageError {
    fn from(err: E) -> Self {
        PageError(err.into())
    }
}

#[derive(Debug, Clone)]
struct ErrorPage {
    slug: &'static str,
    details: std::sync::Arc<WebError>,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.0, WebError::App(AppError::Unauthenticated)) {
            return Redirect::to("/login").into_response();
        }
        let mut response = self.0.status().into_response();
        response.extensions_mut().insert(ErrorPage {
            slug: self.0.slug(),
            details: std::sync::Arc::new(self.0),
        });
        response
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    lang: Lang,
    status: u16,
    title: String,
    detail: String,
}

/// Renders HTML error pages in the request's language.
pub async fn render_error_pages(request: Request, next: Next) -> Response {
    let lang = Lang::from_headers(request.headers());
    let mut response = next.run(request).await;
    if let Some(page) = response.extensions_mut().remove::<ErrorPage>() {
        let status = response.status();
        let template = ErrorTemplate {
            lang,
            status: status.as_u16(),
            title: lang.t(&format!("error.{}.title", page.slug)).to_owned(),
            detail: page.details.detail(lang),
        };
        let body = askama::Template::render(&template).unwrap_or_else(|_| template.detail.clone());
        return (status, Html(body)).into_response();
    }
    response
}

/// An error from the JSON API, as problem details.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(err: E) -> Self {
        ApiError(err.into())
    }
}

/// RFC 9457 problem details.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For invalid input: each field and what is wrong with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<qudao_domain::Invalid>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let lang = Lang::En;
        let problem = Problem {
            kind: format!("urn:qudao:problem:{}", self.0.slug()),
            title: lang.t(&format!("error.{}.title", self.0.slug())).to_owned(),
            status: status.as_u16(),
            detail: self.0.detail(lang),
            errors: match &self.0 {
                WebError::App(AppError::Invalid(fields)) => fields.clone(),
                _ => Vec::new(),
            },
        };
        let mut response = (status, Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
