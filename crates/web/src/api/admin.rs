use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use qudao_app::SortDir;
use qudao_app::admin::{UserFilter, UserInput, UserSort, UserView};
use qudao_app::audit::{AuditView, Filter as AuditFilter};
use qudao_domain::admin::{Role, UserStatus};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiQuery, PageOf, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(list_users, create_user))
        .routes(routes!(list_audit))
}

/// The caller's own account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Me {
    login: String,
    display_name: String,
    role: Role,
    /// The caller's partner organisation, for partner roles.
    partner_code: Option<String>,
}

/// Who the token or session belongs to.
#[utoipa::path(get, path = "/me", tag = "admin", responses((status = 200, body = Me), (status = 401, body = crate::error::Problem)))]
async fn me(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Me>, ApiError> {
    let partner_code = state.app.own_partner_code(&caller).await?;
    Ok(Json(Me {
        login: caller.login,
        display_name: caller.display_name,
        role: caller.role,
        partner_code,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct UserQuery {
    /// Text found in the login or display name.
    q: Option<String>,
    role: Option<Role>,
    status: Option<UserStatus>,
}

/// User accounts (admins only).
#[utoipa::path(
    get, path = "/users", tag = "admin",
    params(UserQuery, Paging),
    responses((status = 200, body = PageOf<UserView>), (status = 403, body = crate::error::Problem))
)]
async fn list_users(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<UserQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<UserView>>, ApiError> {
    let filter = UserFilter {
        text: query.q.filter(|q| !q.trim().is_empty()),
        role: query.role.map(|r| r.as_str().to_owned()),
        status: query.status.map(|s| s.as_str().to_owned()),
        partner_id: None,
    };
    let page = state
        .app
        .list_users(
            &caller,
            &filter,
            UserSort::Login,
            SortDir::Asc,
            paging.request()?,
        )
        .await?;
    Ok(Json(page.into()))
}

/// Creates an account (admins only).
#[utoipa::path(
    post, path = "/users", tag = "admin",
    request_body = UserInput,
    responses(
        (status = 201, body = UserView),
        (status = 403, body = crate::error::Problem),
        (status = 409, description = "The login is taken", body = crate::error::Problem),
        (status = 422, body = crate::error::Problem),
    )
)]
async fn create_user(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<UserInput>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_user(&caller, &input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// e.g. `user`, `partner`, `api_token`.
    entity: Option<String>,
    /// The record's code or login.
    key: Option<String>,
    actor: Option<String>,
    action: Option<String>,
}

/// The audit log, newest first (admins only).
#[utoipa::path(
    get, path = "/audit", tag = "admin",
    params(AuditQuery, Paging),
    responses((status = 200, body = PageOf<AuditView>), (status = 403, body = crate::error::Problem))
)]
async fn list_audit(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(query): ApiQuery<AuditQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<PageOf<AuditView>>, ApiError> {
    let filter = AuditFilter {
        entity: query.entity,
        entity_key: query.key,
        actor_login: query.actor,
        action: query.action,
        // The API lists every entry; only the page hides sign-ins by default.
        exclude_actions: Vec::new(),
        from: None,
        until: None,
    };
    Ok(Json(
        state
            .app
            .list_audit(&caller, &filter, paging.request()?)
            .await?
            .into(),
    ))
}
