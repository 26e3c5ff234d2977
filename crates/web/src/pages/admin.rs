//! Administration: user accounts and the audit log.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, TimeZone};
use qudao_app::admin::{UserFilter, UserInput, UserSort, UserView};
use qudao_app::audit::{AuditView, Filter as AuditFilter};
use qudao_app::grades::GradeView;
use qudao_app::{AppError, Permission};
use qudao_domain::admin::{Role, UserStatus};
use serde::Deserialize;

use super::{ListParams, PageForm, error_for, export_list, filter, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::{Ctx, FlashKind, set_flash};
use crate::error::PageError;
use crate::i18n::Lang;
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
            let who = crate::layout::name_code(ctx.lang, &view.display_name, &view.login);
            let text = ctx.lang.tf("users.created", who);
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
                ctx.lang.tf(
                    key,
                    crate::layout::name_code(ctx.lang, &view.display_name, &view.login),
                ),
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
    /// `1` lists sign-ins too.
    sign_ins: Option<String>,
    #[serde(flatten)]
    list: ListParams,
}

/// One line of the audit page: the entry in words, with what it changed
/// field by field.
struct AuditRow {
    entry: AuditView,
    entity: String,
    action: String,
    changes: Vec<ChangeLine>,
}

struct ChangeLine {
    field: String,
    before: String,
    after: String,
}

/// The kinds of record the audit page offers in its filter.
const AUDIT_ENTITIES: &[&str] = &[
    "partner",
    "agreement",
    "authorization",
    "region",
    "selective_limit",
    "grade",
    "criterion",
    "product_line",
    "product",
    "user",
    "api_token",
];

/// The actions the audit page offers in its filter, in the order people
/// look for them.
const AUDIT_ACTIONS: &[&str] = &[
    "create",
    "update",
    "change_status",
    "change_grade",
    "add_contact",
    "remove_contact",
    "import_contact",
    "create_draft",
    "update_draft",
    "activate",
    "supersede",
    "terminate",
    "end",
    "change",
    "evaluate",
    "set",
    "add_region",
    "remove_region",
    "add_channel",
    "remove_channel",
    "discontinue",
    "set_regions",
    "enable",
    "disable",
    "change_password",
    "reset_password",
    "revoke",
    "login",
    "login_failed",
    "login_locked",
];

fn audit_row(lang: Lang, grades: &[GradeView], entry: AuditView) -> AuditRow {
    let words = |prefix: &str, value: &str| {
        lang.lookup(&format!("{prefix}.{value}"))
            .map_or_else(|| value.to_owned(), str::to_owned)
    };
    let changes = entry
        .changes()
        .into_iter()
        .filter(|change| !change.field.ends_with("_en") && change.field != "parent_hidden")
        .map(|change| {
            let text = |value: &Option<serde_json::Value>| {
                value_text(lang, grades, &entry.entity, &change.field, value.as_ref())
            };
            ChangeLine {
                before: text(&change.before),
                after: text(&change.after),
                field: words("audit_field", &change.field),
            }
        })
        .collect();
    AuditRow {
        entity: words("audit_entity", &entry.entity),
        action: words("audit_action", &entry.action),
        changes,
        entry,
    }
}

/// A stored value in words: coded values (statuses, types, roles, grades)
/// by their names in the page's language, lists joined, nothing as a dash.
fn value_text(
    lang: Lang,
    grades: &[GradeView],
    entity: &str,
    field: &str,
    value: Option<&serde_json::Value>,
) -> String {
    use serde_json::Value;
    let label_kind = match (entity, field) {
        ("partner", "status") => Some("partner_status"),
        ("user", "status") => Some("status"),
        ("agreement", "status") => Some("agreement_status"),
        (_, "partner_type") => Some("partner_type"),
        (_, "role") => Some("role"),
        (_, "mode") => Some("authorization_mode"),
        (_, "level") => Some("region_level"),
        (_, "stage") => Some("stage"),
        _ => None,
    };
    match value {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(text)) => {
            if let Some(word) = label_kind.and_then(|kind| lang.lookup(&format!("{kind}.{text}"))) {
                return word.to_owned();
            }
            let grade_field = field == "grade" || (entity == "grade" && field == "code");
            match grades.iter().find(|g| grade_field && g.code == *text) {
                Some(g) => crate::layout::pick(lang, Some(g.name.as_str()), g.name_en.as_deref())
                    .to_owned(),
                None => text.clone(),
            }
        }
        Some(Value::Bool(yes)) => lang
            .t(if *yes { "audit.yes" } else { "audit.no" })
            .to_owned(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| value_text(lang, grades, entity, field, Some(item)))
            .collect::<Vec<_>>()
            .join(match lang {
                Lang::En => ", ",
                Lang::ZhCn => "、",
            }),
        Some(other) => other.to_string(),
    }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    c: Chrome,
    rows: Vec<AuditRow>,
    links: ListLinks,
    actions: Vec<(&'static str, String)>,
    entities: Vec<(&'static str, String)>,
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
        exclude_actions: qudao_app::audit::sign_ins_left_out(
            params.action.as_deref(),
            params.sign_ins.as_deref(),
        ),
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
            ("sign_ins", &params.sign_ins),
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
    let grades = state.app.grades(&ctx.caller).await?;
    let rows = page
        .items
        .into_iter()
        .map(|entry| audit_row(ctx.lang, &grades, entry))
        .collect();
    let actions = AUDIT_ACTIONS
        .iter()
        .map(|a| (*a, ctx.lang.t(&format!("audit_action.{a}")).to_owned()))
        .collect();
    let entities = AUDIT_ENTITIES
        .iter()
        .map(|e| (*e, ctx.lang.t(&format!("audit_entity.{e}")).to_owned()))
        .collect();
    render(&AuditPage {
        c,
        rows,
        links,
        actions,
        entities,
    })
}
