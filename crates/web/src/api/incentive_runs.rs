//! Incentive runs: computing a period's programs (a dry run writes
//! nothing), the runs and their results, one subject's explanation, the
//! re-run's differences (previewed, then accepted), finance's approval and
//! payment, and a subject's statement. Staff read within their data scope;
//! admins and channel managers run; finance approves and pays; a partner
//! role reads only its own statement.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::incentive_runs::{RerunView, RunDetail, RunRequest, RunView, StatementView};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_runs, run_incentives))
        .routes(routes!(get_run))
        .routes(routes!(get_explanation))
        .routes(routes!(preview_rerun, accept_rerun))
        .routes(routes!(approve_run))
        .routes(routes!(pay_run))
        .routes(routes!(get_statement))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// `2026-Q3`, `2026-07` or `2026`: only that period's runs.
    period: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct StatementQuery {
    /// A partner's code or a rep's login; required of staff, ignored for a
    /// partner role (it reads its own).
    subject: Option<String>,
}

/// Runs, newest first (at most 200); of one period when given.
#[utoipa::path(
    get, path = "/incentive-runs", tag = "incentives",
    params(ListQuery),
    responses(
        (status = 200, body = Vec<RunView>),
        (status = 403, description = "Partner roles read their statement instead", body = crate::error::Problem),
        (status = 422, description = "A period that does not parse", body = crate::error::Problem),
    )
)]
async fn list_runs(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Vec<RunView>>, ApiError> {
    Ok(Json(
        state
            .app
            .incentive_runs(&caller, query.period.as_deref())
            .await?,
    ))
}

/// Computes the period's programs (every program in force when none is
/// named) and writes the run, or with `dry_run` only shows it: then the
/// answer is 200 and the run's `id` is null.
#[utoipa::path(
    post, path = "/incentive-runs", tag = "incentives",
    request_body = RunRequest,
    responses(
        (status = 201, description = "The run, written", body = RunDetail),
        (status = 200, description = "A dry run: computed, nothing written, `id` null", body = RunDetail),
        (status = 403, description = "Only admins and channel managers run incentives", body = crate::error::Problem),
        (status = 422, description = "A bad period, or a program not in force for it; nothing was written", body = crate::error::Problem),
    )
)]
async fn run_incentives(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(request): ApiJson<RunRequest>,
) -> Result<(StatusCode, Json<RunDetail>), ApiError> {
    let detail = state.app.run_incentives(&caller, &request).await?;
    let status = if request.dry_run {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(detail)))
}

/// A run with the results the caller reaches, largest first.
#[utoipa::path(
    get, path = "/incentive-runs/{id}", tag = "incentives",
    params(("id" = i64, Path, description = "The run")),
    responses(
        (status = 200, body = RunDetail),
        (status = 403, description = "Partner roles read their statement instead", body = crate::error::Problem),
        (status = 404, description = "No such run", body = crate::error::Problem),
    )
)]
async fn get_run(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RunDetail>, ApiError> {
    Ok(Json(state.app.incentive_run(&caller, id).await?))
}

/// One subject's results in a run, each with its trace: why this amount.
#[utoipa::path(
    get, path = "/incentive-runs/{id}/results/{code}", tag = "incentives",
    params(
        ("id" = i64, Path, description = "The run"),
        ("code" = String, Path, description = "A partner's code or a rep's login"),
    ),
    responses(
        (status = 200, body = RunDetail),
        (status = 403, description = "Partner roles read their statement instead", body = crate::error::Problem),
        (status = 404, description = "No such run, or no result of that subject within the caller's reach", body = crate::error::Problem),
    )
)]
async fn get_explanation(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath((id, code)): ApiPath<(i64, String)>,
) -> Result<Json<RunDetail>, ApiError> {
    Ok(Json(
        state.app.incentive_explanation(&caller, id, &code).await?,
    ))
}

/// What computing a calculated run again would change, per subject and
/// program. Nothing is written.
#[utoipa::path(
    get, path = "/incentive-runs/{id}/rerun", tag = "incentives",
    params(("id" = i64, Path, description = "The run")),
    responses(
        (status = 200, body = RerunView),
        (status = 403, description = "Only admins and channel managers run incentives", body = crate::error::Problem),
        (status = 404, description = "No such run", body = crate::error::Problem),
        (status = 422, description = "The run is no longer calculated (approved or paid)", body = crate::error::Problem),
    )
)]
async fn preview_rerun(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RerunView>, ApiError> {
    Ok(Json(state.app.rerun_incentives(&caller, id, false).await?))
}

/// Computes a calculated run again and replaces its results with the new
/// ones (`accepted` true).
#[utoipa::path(
    post, path = "/incentive-runs/{id}/rerun", tag = "incentives",
    params(("id" = i64, Path, description = "The run")),
    responses(
        (status = 200, body = RerunView),
        (status = 403, description = "Only admins and channel managers run incentives", body = crate::error::Problem),
        (status = 404, description = "No such run", body = crate::error::Problem),
        (status = 422, description = "The run is no longer calculated (approved or paid); nothing was written", body = crate::error::Problem),
    )
)]
async fn accept_rerun(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RerunView>, ApiError> {
    Ok(Json(state.app.rerun_incentives(&caller, id, true).await?))
}

/// Finance approves a calculated run: what each result adds to what was
/// earned so far goes into the incentive ledger.
#[utoipa::path(
    post, path = "/incentive-runs/{id}/approve", tag = "incentives",
    params(("id" = i64, Path, description = "The run")),
    responses(
        (status = 200, body = RunDetail),
        (status = 403, description = "Only finance approves", body = crate::error::Problem),
        (status = 404, description = "No such run", body = crate::error::Problem),
        (status = 422, description = "Not calculated, or provisional (its period had not ended); nothing was written", body = crate::error::Problem),
    )
)]
async fn approve_run(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RunDetail>, ApiError> {
    Ok(Json(state.app.approve_incentive_run(&caller, id).await?))
}

/// Finance pays an approved run: every key of its programs and period is
/// settled at earned − settled so far. A run is paid once.
#[utoipa::path(
    post, path = "/incentive-runs/{id}/pay", tag = "incentives",
    params(("id" = i64, Path, description = "The run")),
    responses(
        (status = 200, body = RunDetail),
        (status = 403, description = "Only finance pays", body = crate::error::Problem),
        (status = 404, description = "No such run", body = crate::error::Problem),
        (status = 422, description = "Not approved yet, or already paid; nothing was written", body = crate::error::Problem),
    )
)]
async fn pay_run(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RunDetail>, ApiError> {
    Ok(Json(state.app.pay_incentive_run(&caller, id).await?))
}

/// A subject's incentive statement: per program and period the latest
/// approved or paid result with its trace, what was earned, settled and is
/// owed, and every ledger line. A partner role reads its own.
#[utoipa::path(
    get, path = "/incentive-statement", tag = "incentives",
    params(StatementQuery),
    responses(
        (status = 200, body = StatementView),
        (status = 403, description = "A role that reads no incentives", body = crate::error::Problem),
        (status = 404, description = "No such subject within the caller's reach", body = crate::error::Problem),
        (status = 422, description = "Staff did not name a subject", body = crate::error::Problem),
    )
)]
async fn get_statement(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<StatementQuery>,
) -> Result<Json<StatementView>, ApiError> {
    Ok(Json(
        state
            .app
            .incentive_statement(&caller, query.subject.as_deref())
            .await?,
    ))
}
