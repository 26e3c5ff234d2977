use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use qudao_app::admin::UserView;
use qudao_app::team::{TeamMemberInput, TeamMemberPassword};
use qudao_domain::admin::UserStatus;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_team, create_team_member))
        .routes(routes!(set_team_member_status))
        .routes(routes!(reset_team_member_password))
}

/// The accounts of the caller's own organisation (partner admins only).
#[utoipa::path(
    get, path = "/team", tag = "team",
    responses((status = 200, body = Vec<UserView>), (status = 403, body = crate::error::Problem))
)]
async fn list_team(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<UserView>>, ApiError> {
    Ok(Json(state.app.list_team(&caller).await?))
}

/// Creates a `partner_user` of the caller's organisation (partner admins
/// only). The generated password is in the answer, once.
#[utoipa::path(
    post, path = "/team", tag = "team",
    request_body = TeamMemberInput,
    responses(
        (status = 201, body = TeamMemberPassword),
        (status = 403, body = crate::error::Problem),
        (status = 409, description = "The login is taken", body = crate::error::Problem),
        (status = 422, body = crate::error::Problem),
    )
)]
async fn create_team_member(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<TeamMemberInput>,
) -> Result<(StatusCode, Json<TeamMemberPassword>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_team_member(&caller, &input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct TeamStatusInput {
    status: UserStatus,
}

/// Disables (revoking its tokens and ending its sessions) or enables a
/// staff account of the caller's organisation.
#[utoipa::path(
    post, path = "/team/{login}/status", tag = "team",
    params(("login" = String, Path, description = "The staff account's login")),
    request_body = TeamStatusInput,
    responses(
        (status = 200, body = UserView),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such staff account in your organisation", body = crate::error::Problem),
    )
)]
async fn set_team_member_status(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(login): Path<String>,
    ApiJson(input): ApiJson<TeamStatusInput>,
) -> Result<Json<UserView>, ApiError> {
    Ok(Json(
        state
            .app
            .set_team_member_status(&caller, &login, input.status)
            .await?,
    ))
}

/// Gives a staff account of the caller's organisation a new generated
/// password, in the answer once; its sessions end.
#[utoipa::path(
    post, path = "/team/{login}/password", tag = "team",
    params(("login" = String, Path, description = "The staff account's login")),
    responses(
        (status = 200, body = TeamMemberPassword),
        (status = 403, body = crate::error::Problem),
        (status = 404, description = "No such staff account in your organisation", body = crate::error::Problem),
    )
)]
async fn reset_team_member_password(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(login): Path<String>,
) -> Result<Json<TeamMemberPassword>, ApiError> {
    Ok(Json(
        state
            .app
            .reset_team_member_password(&caller, &login)
            .await?,
    ))
}
