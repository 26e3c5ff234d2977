//! The JSON API under `/api/v1`. Each handler documents itself for the
//! OpenAPI document (served at `/api/openapi.json`, snapshot-tested) and
//! answers errors as RFC 9457 problem details.

mod admin;
mod agreements;
mod alerts;
mod analytics;
mod awards;
mod catalog;
mod coverage;
mod grades;
mod imports;
mod incentive_accruals;
mod incentive_adjustments;
mod incentive_balances;
mod incentive_points;
mod incentive_preview;
mod incentive_runs;
mod incentive_watchlist;
mod incentive_whatif;
mod incentives;
mod inventory;
mod onboarding;
mod orders;
mod outlets;
mod owner_moves;
mod partner_changes;
mod partners;
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
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api/v1",
            OpenApiRouter::new()
                .merge(admin::routes())
                .merge(partners::routes())
                .merge(partner_changes::routes())
                .merge(imports::routes())
                .merge(agreements::routes())
                .merge(grades::routes())
                .merge(owner_moves::routes())
                .merge(catalog::routes())
                .merge(onboarding::routes())
                .merge(territories::routes())
                .merge(sellthrough::routes())
                .merge(coverage::routes())
                .merge(team::routes())
                .merge(settings::routes())
                .merge(rates::routes())
                .merge(pricing::routes())
                .merge(receivables::routes())
                .merge(orders::routes())
                .merge(inventory::routes())
                .merge(analytics::routes())
                .merge(alerts::routes())
                .merge(targets::routes())
                .merge(target_plans::routes())
                .merge(target_months::routes())
                .merge(scorecards::routes())
                .merge(outlets::routes())
                .merge(awards::routes())
                .merge(incentives::routes())
                .merge(incentive_whatif::routes())
                .merge(incentive_accruals::routes())
                .merge(incentive_adjustments::routes())
                .merge(incentive_runs::routes())
                .merge(incentive_watchlist::routes())
                .merge(incentive_preview::routes())
                .merge(incentive_balances::routes())
                .merge(incentive_points::routes()),
        )
        .split_for_parts();
    problem_responses(&mut doc);
    (router, doc)
}

const PROBLEM_JSON: &str = "application/problem+json";

/// Makes every operation's errors what the server answers: problem details
/// under `application/problem+json`, and the statuses any operation can
/// give whatever its handler does (400 for a malformed query, path or body,
/// 401 without valid credentials; 413 and 415 for an oversized body or one
/// that is not JSON).
fn problem_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build(),
        )
    };
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let has_body = operation.request_body.is_some();
            let responses = &mut operation.responses.responses;
            for (status, response) in responses.iter_mut() {
                if status.as_str() < "400" {
                    continue;
                }
                if let RefOr::T(response) = response
                    && let Some(content) = response.content.shift_remove("application/json")
                {
                    response.content.insert(PROBLEM_JSON.to_owned(), content);
                }
            }
            let mut always = vec![
                ("400", "Malformed query, path or body"),
                ("401", "No valid token or session"),
            ];
            if has_body {
                always.push(("413", "The body is too large"));
                always.push(("415", "The body is not `application/json`"));
            }
            for (status, description) in always {
                responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(description));
            }
        }
    }
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

/// The body limit of a route that allows more than the forms' (set beside
/// its `DefaultBodyLimit`), so a refusal names the limit that applied.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimit(pub usize);

/// A JSON body whose rejections are problem details saying what was wrong.
/// A number with a zero fraction (`450.0`) is read as the integer it is, as
/// JSON Schema counts it, so integer fields take it.
pub(crate) struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limit = request
            .extensions()
            .get::<BodyLimit>()
            .map_or(crate::auth::FORM_LIMIT, |l| l.0);
        match Json::<serde_json::Value>::from_request(request, state).await {
            // A struct also deserializes from an array of its fields in
            // order, so `[]` would pass for a body of optional fields; every
            // body here is an object.
            Ok(Json(value)) if value.is_array() => Err(WebError::BadRequest(
                "The JSON body must be an object, not an array".to_owned(),
            )
            .into()),
            Ok(Json(mut value)) => {
                integral_numbers(&mut value);
                serde_path_to_error::deserialize(value)
                    .map(ApiJson)
                    .map_err(|err| {
                        WebError::BadRequest(format!(
                            "Failed to deserialize the JSON body into the target type: {err}"
                        ))
                        .into()
                    })
            }
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(WebError::UnsupportedMediaType("application/json").into())
            }
            Err(JsonRejection::BytesRejection(rejection))
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(WebError::TooLarge(limit).into())
            }
            Err(rejection) => Err(WebError::BadRequest(rejection.body_text()).into()),
        }
    }
}

/// Replaces every number with a zero fraction by the same integer.
fn integral_numbers(value: &mut serde_json::Value) {
    use serde_json::Value;
    /// Beyond 2^53 a float no longer holds every integer exactly.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        Value::Number(number) if number.is_f64() => {
            if let Some(float) = number.as_f64()
                && float.fract() == 0.0
                && float.abs() <= EXACT
            {
                #[allow(clippy::cast_possible_truncation, reason = "integral and within 2^53")]
                let integer = float as i64;
                *value = Value::from(integer);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// Path parameters whose rejections (a number too large for its type, say)
/// are problem details, like [`ApiJson`].
pub(crate) struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
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

/// Paging parameters shared by list endpoints. Values outside the
/// documented range are refused (400), not quietly clamped, so the document
/// states exactly what is accepted.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct Paging {
    /// 1-based page number (default 1).
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Rows per page (default 25).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u64>,
}

impl Paging {
    const MAX_PAGE: u64 = 1_000_000;

    pub fn request(&self) -> Result<qudao_app::PageRequest, ApiError> {
        if self
            .page
            .is_some_and(|page| !(1..=Self::MAX_PAGE).contains(&page))
        {
            return Err(WebError::BadRequest(format!(
                "page: must be from 1 to {}",
                Self::MAX_PAGE
            ))
            .into());
        }
        let most = qudao_app::PageRequest::MAX_PER_PAGE;
        if self
            .per_page
            .is_some_and(|per_page| !(1..=most).contains(&per_page))
        {
            return Err(WebError::BadRequest(format!("per_page: must be from 1 to {most}")).into());
        }
        Ok(qudao_app::PageRequest::new(self.page, self.per_page))
    }
}
