//! A partner admin's team: the staff accounts of its own organisation.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::admin::UserView;
use qudao_app::team::{TeamMemberInput, TeamMemberPassword};
use qudao_app::{AppError, Permission};
use qudao_domain::admin::UserStatus;
use serde::Deserialize;

use super::{PageForm, error_for, field_errors, render};
use crate::AppState;
use crate::auth::{Ctx, FlashKind, set_flash};
use crate::error::PageError;
use crate::layout::Chrome;
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/team", team)
        .post("/team", create)
        .post("/team/{login}/status", set_status)
        .post("/team/{login}/password", reset_password)
}

#[derive(Template)]
#[template(path = "team.html")]
struct TeamPage {
    c: Chrome,
    rows: Vec<UserView>,
    input: TeamMemberInput,
    errors: Vec<(String, String)>,
    /// A password just generated, shown this once.
    issued: Option<TeamMemberPassword>,
    /// Live API tokens per login, for the disable confirmation.
    tokens: Vec<(String, i64)>,
}

impl TeamPage {
    fn disable_confirm(&self, user: &UserView) -> String {
        crate::forms::disable_user_confirm(
            self.c.lang,
            &user.display_name,
            &user.login,
            &self.tokens,
        )
    }
}

impl TeamPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    input: TeamMemberInput,
    errors: Vec<(String, String)>,
    issued: Option<TeamMemberPassword>,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManageTeam) {
        return Err(AppError::Forbidden.into());
    }
    let rows = state.app.list_team(&ctx.caller).await?;
    let title = ctx.lang.t("nav.team").to_owned();
    let c = Chrome::new(ctx, "/team", title.clone(), vec![(title, None)]).await?;
    let logins: Vec<String> = rows.iter().map(|u| u.login.clone()).collect();
    let tokens = state.app.live_tokens(&ctx.caller, &logins).await?;
    render(&TeamPage {
        tokens,
        c,
        rows,
        input,
        errors,
        issued,
    })
}

async fn team(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    page(&state, &ctx, TeamMemberInput::default(), Vec::new(), None).await
}

/// The generated password is shown on the page that answers the form, never
/// put in the session or a redirect.
async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(input): PageForm<TeamMemberInput>,
) -> Result<Response, PageError> {
    match state.app.create_team_member(&ctx.caller, &input).await {
        Ok(issued) => {
            page(
                &state,
                &ctx,
                TeamMemberInput::default(),
                Vec::new(),
                Some(issued),
            )
            .await
        }
        Err(err) => {
            let (status, errors) = field_errors(ctx.lang, err)?;
            let mut response = page(&state, &ctx, input, errors, None).await?;
            *response.status_mut() = status;
            Ok(response)
        }
    }
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
}

async fn set_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(login): Path<String>,
    PageForm(form): PageForm<StatusForm>,
) -> Result<Response, PageError> {
    let status = UserStatus::parse(&form.status).map_err(AppError::from)?;
    let view = state
        .app
        .set_team_member_status(&ctx.caller, &login, status)
        .await?;
    let key = if status == UserStatus::Active {
        "users.enabled"
    } else {
        "users.disabled"
    };
    set_flash(
        &ctx.session,
        FlashKind::Success,
        ctx.lang.tf(key, &view.login),
    )
    .await?;
    Ok(Redirect::to("/team").into_response())
}

async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(login): Path<String>,
) -> Result<Response, PageError> {
    let issued = state
        .app
        .reset_team_member_password(&ctx.caller, &login)
        .await?;
    page(
        &state,
        &ctx,
        TeamMemberInput::default(),
        Vec::new(),
        Some(issued),
    )
    .await
}
