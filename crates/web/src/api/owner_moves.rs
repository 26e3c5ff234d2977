//! Owner moves: the rep targets that move with a partner's last change of
//! owner, to preview and to move (managers who approve targets).

use axum::Json;
use axum::extract::State;
use qudao_app::owner_moves::{RepTargetMoveInput, RepTargetMoves};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(rep_target_moves, move_rep_targets))
}

/// A partner's last change of owner and, period by period, the part of
/// the partner's own target that would leave the old rep's target for the
/// new rep's (its days from the move); or when they were moved.
#[utoipa::path(
    get, path = "/partners/{code}/rep-target-moves", tag = "targets",
    params(("code" = String, Path, description = "Partner code")),
    responses(
        (status = 200, body = RepTargetMoves),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
    )
)]
async fn rep_target_moves(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<RepTargetMoves>, ApiError> {
    Ok(Json(state.app.rep_target_moves(&caller, &code).await?))
}

/// Moves the rep targets with the partner's last change of owner, once:
/// drafts change in place, approved targets by an amendment carrying the
/// reason; the two reps' figures add up as before.
#[utoipa::path(
    post, path = "/partners/{code}/rep-target-moves", tag = "targets",
    params(("code" = String, Path, description = "Partner code")),
    request_body = RepTargetMoveInput,
    responses(
        (status = 200, body = RepTargetMoves),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such partner in your scope", body = crate::error::Problem),
        (status = 422, description = "No reason, never moved, moved already, nothing to move, or an old rep target below what would leave it", body = crate::error::Problem),
    )
)]
async fn move_rep_targets(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(code): ApiPath<String>,
    ApiJson(input): ApiJson<RepTargetMoveInput>,
) -> Result<Json<RepTargetMoves>, ApiError> {
    Ok(Json(
        state.app.move_rep_targets(&caller, &code, &input).await?,
    ))
}
