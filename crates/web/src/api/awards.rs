//! Awards over evaluation runs: the awards and their editor, running one
//! over an evaluation run, a run's winners (with the numbers to staff in
//! reach; names only to partners, and only for public awards), and a
//! partner's own awards.

use axum::Json;
use axum::extract::State;
use qudao_app::awards::{AwardInput, AwardRunDetail, AwardRunView, AwardView, MyAwardsView};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_awards))
        .routes(routes!(get_award, put_award))
        .routes(routes!(list_award_runs, run_award))
        .routes(routes!(get_award_run))
        .routes(routes!(my_awards))
}

/// Every award.
#[utoipa::path(
    get, path = "/awards", tag = "awards",
    responses((status = 200, body = Vec<AwardView>))
)]
async fn list_awards(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<AwardView>>, ApiError> {
    Ok(Json(state.app.awards(&caller).await?))
}

/// One award.
#[utoipa::path(
    get, path = "/awards/{code}", tag = "awards",
    params(("code" = String, Path, description = "The award's code")),
    responses(
        (status = 200, body = AwardView),
        (status = 404, description = "No such award", body = crate::error::Problem),
    )
)]
async fn get_award(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<AwardView>, ApiError> {
    Ok(Json(state.app.award(&caller, &code).await?))
}

/// Creates the award with this code or replaces its names and rule; runs
/// already made keep their winners.
#[utoipa::path(
    put, path = "/awards/{code}", tag = "awards",
    params(("code" = String, Path, description = "The award's code")),
    request_body = AwardInput,
    responses(
        (status = 200, body = AwardView),
        (status = 403, description = "Only admins and channel managers keep awards", body = crate::error::Problem),
        (status = 422, description = "An unknown measure or grouping, places outside 1–10, a minimum total outside 0–100, a bad code or name", body = crate::error::Problem),
    )
)]
async fn put_award(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<AwardInput>,
) -> Result<Json<AwardView>, ApiError> {
    Ok(Json(state.app.save_award(&caller, &code, &input).await?))
}

/// The runs of an award, newest first.
#[utoipa::path(
    get, path = "/awards/{code}/runs", tag = "awards",
    params(("code" = String, Path, description = "The award's code")),
    responses(
        (status = 200, body = Vec<AwardRunView>),
        (status = 404, description = "No such award", body = crate::error::Problem),
    )
)]
async fn list_award_runs(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<AwardRunView>>, ApiError> {
    Ok(Json(state.app.award_runs(&caller, Some(&code)).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct AwardRunIn {
    /// The evaluation run whose stored results the winners are chosen from.
    /// A 32-bit id: JSON tools that hold every number as a float keep such
    /// an id exact, where a 64-bit one may come back rounded (12.0, or
    /// worse).
    #[schema(minimum = 1)]
    run: i32,
}

/// Chooses the award's winners from an evaluation run's stored results
/// and stores them with the numbers; once per award and evaluation run.
#[utoipa::path(
    post, path = "/awards/{code}/runs", tag = "awards",
    params(("code" = String, Path, description = "The award's code")),
    request_body = AwardRunIn,
    responses(
        (status = 200, body = AwardRunDetail),
        (status = 403, description = "Only admins and channel managers run awards", body = crate::error::Problem),
        (status = 404, description = "No such award", body = crate::error::Problem),
        (status = 422, description = "An unknown evaluation run, a KPI its scorecard does not weigh, a region award over the reps, or already run over it", body = crate::error::Problem),
    )
)]
async fn run_award(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<AwardRunIn>,
) -> Result<Json<AwardRunDetail>, ApiError> {
    Ok(Json(
        state
            .app
            .run_award(&caller, &code, i64::from(input.run))
            .await?,
    ))
}

/// An award run with the winners you may see: staff those in reach with
/// the numbers; a partner its own place, and every winner's name when the
/// award is public.
#[utoipa::path(
    get, path = "/award-runs/{id}", tag = "awards",
    params(("id" = i64, Path, description = "The award run's id")),
    responses(
        (status = 200, body = AwardRunDetail),
        (status = 404, description = "No such award run", body = crate::error::Problem),
    )
)]
async fn get_award_run(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<AwardRunDetail>, ApiError> {
    Ok(Json(state.app.award_run(&caller, id).await?))
}

/// Your organisation's awards and the public awards' latest winners
/// (partner users; empty for staff).
#[utoipa::path(
    get, path = "/scorecards/mine/awards", tag = "awards",
    responses((status = 200, body = MyAwardsView))
)]
async fn my_awards(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<MyAwardsView>, ApiError> {
    Ok(Json(state.app.my_awards(&caller).await?))
}
