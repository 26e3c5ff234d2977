//! The signed-in user's own account: password and API tokens.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::AppError;
use qudao_app::admin::TokenView;
use serde::Deserialize;

use super::{PageForm, error_for, field_errors, render};
use crate::AppState;
use crate::auth::{Ctx, FlashKind, restamp, set_flash};
use crate::error::PageError;
use crate::layout::Chrome;
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/account", page)
        .post("/account/password", change_password)
        .post("/account/tokens", create_token)
        .post("/account/tokens/{id}/revoke", revoke_token)
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    login: String,
    role: String,
    partner: String,
    tokens: Vec<TokenView>,
    new_token: Option<String>,
    errors: Vec<(String, String)>,
}

impl AccountPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    /// The password form's errors (the token form shows its own).
    fn password_errors(&self) -> Vec<(String, String)> {
        self.errors
            .iter()
            .filter(|(field, _)| field != "token_name")
            .cloned()
            .collect()
    }
}

async fn render_page(
    state: &AppState,
    ctx: &Ctx,
    new_token: Option<String>,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let tokens = state.app.list_tokens(&ctx.caller).await?;
    let title = ctx.lang.t("nav.account").to_owned();
    let c = Chrome::new(ctx, "/account", title.clone(), vec![(title, None)]).await?;
    let partner = match ctx.caller.partner_id {
        Some(_) => state
            .app
            .own_partner_code(&ctx.caller)
            .await?
            .unwrap_or_default(),
        None => String::new(),
    };
    render(&AccountPage {
        login: ctx.caller.login.clone(),
        role: ctx
            .lang
            .t(&format!("role.{}", ctx.caller.role.as_str()))
            .to_owned(),
        partner,
        c,
        tokens,
        new_token,
        errors,
    })
}

async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    render_page(&state, &ctx, None, Vec::new()).await
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<PasswordForm>,
) -> Result<Response, PageError> {
    if form.new_password != form.confirm_password {
        let errors = vec![(
            "confirm_password".to_owned(),
            ctx.lang.t("rule.passwords_differ").to_owned(),
        )];
        let mut response = render_page(&state, &ctx, None, errors).await?;
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    let login = ctx.caller.login.clone();
    match state
        .app
        .change_password(
            &ctx.caller,
            &login,
            Some(&form.current_password),
            &form.new_password,
        )
        .await
    {
        Ok(stamp) => {
            restamp(&ctx.session, stamp).await?;
            set_flash(
                &ctx.session,
                FlashKind::Success,
                ctx.lang.t("account.password_changed"),
            )
            .await?;
            Ok(Redirect::to("/account").into_response())
        }
        Err(err) => {
            let (status, errors) = field_errors(ctx.lang, err)?;
            let errors = errors
                .into_iter()
                .map(|(field, text)| {
                    (
                        if field == "password" {
                            "new_password".to_owned()
                        } else {
                            field
                        },
                        text,
                    )
                })
                .collect();
            let mut response = render_page(&state, &ctx, None, errors).await?;
            *response.status_mut() = status;
            Ok(response)
        }
    }
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<TokenForm>,
) -> Result<Response, PageError> {
    match state.app.create_token(&ctx.caller, &form.name).await {
        // The secret is shown on this response only, never stored or redirected.
        Ok(token) => render_page(&state, &ctx, Some(token.secret), Vec::new()).await,
        Err(err) => {
            let (status, errors) = field_errors(ctx.lang, err)?;
            let errors = errors
                .into_iter()
                .map(|(_, text)| ("token_name".to_owned(), text))
                .collect();
            let mut response = render_page(&state, &ctx, None, errors).await?;
            *response.status_mut() = status;
            Ok(response)
        }
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound("token"))?;
    state.app.revoke_token(&ctx.caller, id).await?;
    set_flash(
        &ctx.session,
        FlashKind::Success,
        ctx.lang.t("account.token_revoked"),
    )
    .await?;
    Ok(Redirect::to("/account").into_response())
}
