//! Administration: user accounts and the audit log.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, TimeZone};
use qudao_app::admin::{UserFilter, UserInput, UserSort, UserView};
use qudao_app::audit::{AuditView, Filter as AuditFilter};
use qudao_app::{AppError, Permission};
use qudao_domain::admin::{Role, UserStatus};
use serde::Deserialize;

use super::{ListParams, PageForm, error_for, export_list, filter, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::{Ctx, FlashKind, set_flash};
use crate::error::PageError;
use crate::layout::{Chrome, ListLinks, crumb};
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/admin/users", users)
        .post("/admin/users", create_user)
        .get("/admin/users/new", new_user)
        .post("/admin/users/{login}/status", set_status)
        .post("/admin/users/{login}/password", reset_password)
        .get("/admin/audit", audit)
}

fn require(ctx: &Ctx, permission: Permission) -> Result<(), PageError> {
    if ctx.caller.can(permission) {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

#[derive(Debug, Default, Deserialize)]
struct UserParams {
    q: Option<String>,
    role: Option<String>,
    status: Option<String>,
    #[serde(flatten)]
    list: ListParams,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    c: Chrome,
    rows: Vec<UserView>,
    links: ListLinks,
    roles: &'static [Role],
    statuses: &'static [UserStatus],
    me: String,
    /// Live API tokens per login, for the disable confirmation.
    tokens: Vec<(String, i64)>,
}

impl UsersPage {
    fn disable_confirm(&self, user: &UserView) -> String {
        crate::forms::disable_user_confirm(
            self.c.lang,
            &user.display_name,
            &user.login,
            &self.tokens,
        )
    }
}

async fn users(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<UserParams>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require(&ctx, Permission::ManageUsers)?;
    let user_filter = UserFilter {
        text: filter(&params.q),
        role: filter(&params.role).filter(|r| Role::parse(r).is_ok()),
        status: filter(&params.status).filter(|s| UserStatus::parse(s).is_ok()),
        partner_id: None,
    };
    let sort = params
        .list
        .sort
        .as_deref()
        .and_then(UserSort::parse)
        .unwrap_or_default();
    let dir = params.list.sort_dir();
    if params.list.wants_xlsx() {
        return export_list(&state, &ctx, "users", pairs).await;
    }
    let page = state
        .app
        .list_users(
            &ctx.caller,
            &user_filter,
            sort,
            dir,
            params.list.page_request(),
        )
        .await?;
    let links = ListLinks {
        base: "/admin/users".to_owned(),
        filters: vec![
            ("q".to_owned(), params.q.clone().unwrap_or_default()),
            ("role".to_owned(), params.role.clone().unwrap_or_default()),
            (
                "status".to_owned(),
                params.status.clone().unwrap_or_default(),
            ),
        ],
        sort: sort.as_str().to_owned(),
        desc: params.list.desc(),
        page: page.page,
        pages: page.pages(),
        total: page.total,
    };
    let title = ctx.lang.t("nav.users").to_owned();
    let c = Chrome::new(&ctx, "/admin/users", title.clone(), vec![(title, None)]).await?;
    let logins: Vec<String> = page.items.iter().map(|u| u.login.clone()).collect();
    let tokens = state.app.live_tokens(&ctx.caller, &logins).await?;
    render(&UsersPage {
        tokens,
        c,
        rows: page.items,
        links,
        roles: Role::ALL,
        statuses: UserStatus::ALL,
        me: ctx.caller.login.clone(),
    })
}

#[derive(Template)]
#[template(path = "admin/user_form.html")]
struct UserFormPage {
    c: Chrome,
    input: UserInput,
    errors: Vec<(String, String)>,
    roles: &'static [Role],
}

impl UserFormPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }
}

async fn user_form(
    ctx: &Ctx,
    input: UserInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let title = ctx.lang.t("users.new").to_owned();
    let c = Chrome::new(
        ctx,
        "/admin/users",
        title.clone(),
        vec![crumb(ctx.lang, "nav.users", "/admin/users"), (title, None)],
    )
    .await?;
    render(&UserFormPage {
        c,
        input,
        errors,
        roles: Role::ALL,
    })
}

async fn new_user(ctx: Ctx) -> Result<Response, PageError> {
    require(&ctx, Permission::ManageUsers)?;
    user_form(&ctx, UserInput::default(), Vec::new()).await
}

async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(mut input): PageForm<UserInput>,
) -> Result<Response, PageError> {
    input.partner_code =
        super::pick::resolve_opt(&state, &ctx, super::pick::Pick::Partner, input.partner_code)
            .await?;
    let result = state.app.create_user(&ctx.caller, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx.lang.tf("users.created", &view.login);
            (text, "/admin/users".to_owned())
        },
        async |errors| {
            let input = UserInput {
                password: String::new(),
                ..input
            };
            user_form(&ctx, input, errors).await
        },
    )
    .await
}

/// Shows why an action on the users list was refused, on the list itself.
async fn flash_invalid(
    ctx: &Ctx,
    login: Option<&str>,
    fields: &[qudao_domain::Invalid],
) -> Result<(), PageError> {
    let text = fields
        .iter()
        .map(|f| ctx.lang.problem(&f.problem))
        .collect::<Vec<_>>()
        .join("; ");
    let text = match login {
        Some(login) => format!("{login}: {text}"),
        None => text,
    };
    Ok(set_flash(&ctx.session, FlashKind::Error, text).await?)
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
    require(&ctx, Permission::ManageUsers)?;
    let status = UserStatus::parse(&form.status).map_err(AppError::from)?;
    match state.app.set_user_status(&ctx.caller, &login, status).await {
        Ok(view) => {
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
        }
        Err(AppError::Invalid(fields)) => flash_invalid(&ctx, None, &fields).await?,
        Err(other) => return Err(other.into()),
    }
    Ok(Redirect::to("/admin/users").into_response())
}

#[derive(Deserialize)]
struct ResetForm {
    password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(login): Path<String>,
    PageForm(form): PageForm<ResetForm>,
) -> Result<Response, PageError> {
    require(&ctx, Permission::ManageUsers)?;
    match state
        .app
        .change_password(&ctx.caller, &login, None, &form.password)
        .await
    {
        Ok(_) => {
            set_flash(
                &ctx.session,
                FlashKind::Success,
                ctx.lang.tf("users.password_reset", &login),
            )
            .await?;
        }
        Err(AppError::Invalid(fields)) => flash_invalid(&ctx, Some(&login), &fields).await?,
        Err(other) => return Err(other.into()),
    }
    Ok(Redirect::to("/admin/users").into_response())
}

#[derive(Debug, Default, Deserialize)]
struct AuditParams {
    entity: Option<String>,
    key: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    until: Option<String>,
    #[serde(flatten)]
    list: ListParams,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    c: Chrome,
    rows: Vec<AuditView>,
    links: ListLinks,
}

/// A calendar date typed in the business time zone, as the UTC instant it
/// starts (the earliest, should a clock change make midnight ambiguous).
fn day_start(value: &Option<String>, days_after: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    let date = NaiveDate::parse_from_str(value.as_deref()?.trim(), "%Y-%m-%d").ok()?;
    let start = (date + chrono::Duration::days(days_after)).and_hms_opt(0, 0, 0)?;
    qudao_app::time_zone()
        .from_local_datetime(&start)
        .earliest()
        .map(|t| t.with_timezone(&chrono::Utc))
}

async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<AuditParams>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    require(&ctx, Permission::ViewAudit)?;
    let audit_filter = AuditFilter {
        entity: filter(&params.entity),
        entity_key: filter(&params.key),
        actor_login: filter(&params.actor).map(|a| a.to_lowercase()),
        action: filter(&params.action),
        from: day_start(&params.from, 0),
        until: day_start(&params.until, 1),
    };
    if params.list.wants_xlsx() {
        return export_list(&state, &ctx, "audit", pairs).await;
    }
    let page = state
        .app
        .list_audit(&ctx.caller, &audit_filter, params.list.page_request())
        .await?;
    let links = ListLinks {
        base: "/admin/audit".to_owned(),
        filters: [
            ("entity", &params.entity),
            ("key", &params.key),
            ("actor", &params.actor),
            ("action", &params.action),
            ("from", &params.from),
            ("until", &params.until),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.clone().unwrap_or_default()))
        .collect(),
        sort: "at".to_owned(),
        desc: true,
        page: page.page,
        pages: page.pages(),
        total: page.total,
    };
    let title = ctx.lang.t("nav.audit").to_owned();
    let c = Chrome::new(&ctx, "/admin/audit", title.clone(), vec![(title, None)]).await?;
    render(&AuditPage {
        c,
        rows: page.items,
        links,
    })
}
