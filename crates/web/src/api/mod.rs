//! The JSON API under `/api/v1`. Each handler documents itself for the
//! OpenAPI document (served at `/api/openapi.json`, snapshot-tested) and
//! answers errors as RFC 9457 problem details.

mod admin;
mod agreements;
mod grades;
mod imports;
mod onboarding;
mod partners;
mod territories;

use askama::Template;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::{ApiError, WebError};
use crate::routes::Routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Qudao API",
        description = "Channel sales management: partners, trade, incentives. \
                       Authenticate with `Authorization: Bearer <token>`; create tokens \
                       under My account or with `qudao users token`.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(crate::error::Problem))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

fn split() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api/v1",
            OpenApiRouter::new()
                .merge(admin::routes())
                .merge(partners::routes())
                .merge(imports::routes())
                .merge(agreements::routes())
                .merge(grades::routes())
                .merge(onboarding::routes())
                .merge(territories::routes()),
        )
        .split_for_parts()
}

/// The OpenAPI document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    split().1
}

pub(crate) fn routes() -> Routes {
    let (router, doc) = split();
    let routes = Routes::new().merge_documented(router, &doc);
    let doc = std::sync::Arc::new(doc);
    routes
        .get("/api/openapi.json", move || async move {
            Json(doc.as_ref().clone())
        })
        .get("/api/docs", docs)
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage;

impl DocsPage {
    fn asset(&self, name: &str) -> String {
        crate::assets::url(name)
    }
}

async fn docs() -> Response {
    match DocsPage.render() {
        Ok(html) => axum::response::Html(html).into_response(),
        Err(e) => {
            ApiError(WebError::App(qudao_app::AppError::Internal(e.to_string()))).into_response()
        }
    }
}

/// A JSON body whose rejections are problem details saying what was wrong.
pub(crate) struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(WebError::UnsupportedMediaType("application/json").into())
            }
            Err(JsonRejection::BytesRejection(rejection))
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(WebError::TooLarge(crate::auth::FORM_LIMIT).into())
            }
            Err(rejection) => Err(WebError::BadRequest(rejection.body_text()).into()),
        }
    }
}

/// Query parameters whose rejections are problem details, like [`ApiJson`].
pub(crate) struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(WebError::BadRequest(rejection.body_text()).into()),
        }
    }
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct PageOf<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> From<qudao_app::Page<T>> for PageOf<T> {
    fn from(page: qudao_app::Page<T>) -> Self {
        PageOf {
            items: page.items,
            total: page.total,
            page: page.page,
            per_page: page.per_page,
        }
    }
}

/// Paging and sorting parameters shared by list endpoints.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Paging {
    /// 1-based page number (default 1).
    pub page: Option<u64>,
    /// Rows per page, 1–500 (default 25).
    pub per_page: Option<u64>,
}

impl Paging {
    pub fn request(&self) -> qudao_app::PageRequest {
        qudao_app::PageRequest::new(self.page, self.per_page)
    }
}
