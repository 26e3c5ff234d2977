//! Territory pages: the region tree with who holds what where, the
//! authorization list, one authorization (change its dates, end it), the
//! selective limits, and the authorization section of a partner's page.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use qudao_app::territories::{
    AuthorizationChange, AuthorizationInput, AuthorizationQuery, AuthorizationSort,
    AuthorizationView, RegionDetail, RegionInput, RegionQuery, RegionView, SelectiveLimitInput,
    SelectiveLimits,
};
use qudao_app::today;
use qudao_app::{AppError, Permission};
use qudao_domain::territories::AuthorizationMode;
use serde::Deserialize;

use super::pick::{self, Pick};
use super::{ListParams, PageForm, export_list, filter, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::layout::{Chrome, ListLinks};
use crate::routes::Routes;

const REGIONS: &str = "/territories/regions";
const AUTHORIZATIONS: &str = "/territories/authorizations";

pub(super) fn routes() -> Routes {
    Routes::new()
        .get(REGIONS, regions)
        .post(REGIONS, create_region)
        .get("/territories/regions/new", new_region)
        .get("/territories/regions/{code}", region)
        .get(AUTHORIZATIONS, authorizations)
        .post(AUTHORIZATIONS, create_authorization)
        .get("/territories/authorizations/new", new_authorization)
        .get("/territories/authorizations/{code}", authorization)
        .post("/territories/authorizations/{code}", change_authorization)
        .post("/territories/authorizations/{code}/end", end_authorization)
        .get("/territories/limits", limits)
        .post("/territories/limits", set_limit)
}

fn day(value: &Option<String>) -> Option<NaiveDate> {
    filter(value).and_then(|d| qudao_domain::dates::parse_date("on", &d).ok())
}

fn crumbs(ctx: &Ctx, section: &str, href: &str) -> (String, Option<String>) {
    (ctx.lang.t(section).to_owned(), Some(href.to_owned()))
}

// ---------------------------------------------------------------------------
// Regions
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct RegionParams {
    q: Option<String>,
    #[serde(flatten)]
    list: ListParams,
}

#[derive(Template)]
#[template(path = "territories/regions.html")]
struct RegionsPage {
    c: Chrome,
    rows: Vec<RegionView>,
    links: ListLinks,
    searching: bool,
    can_manage: bool,
}

async fn regions(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<RegionParams>,
) -> Result<Response, PageError> {
    let query = RegionQuery {
        parent_code: None,
        q: filter(&params.q),
        english_names: ctx.lang == crate::i18n::Lang::En,
    };
    let page = state
        .app
        .regions(&ctx.caller, &query, params.list.page_request())
        .await?;
    let links = ListLinks {
        base: REGIONS.to_owned(),
        filters: vec![("q".to_owned(), params.q.clone().unwrap_or_default())],
        sort: String::new(),
        desc: false,
        page: page.page,
        pages: page.pages(),
        total: page.total,
    };
    let title = ctx.lang.t("nav.regions").to_owned();
    let c = Chrome::new(&ctx, REGIONS, title.clone(), vec![(title, None)]).await?;
    render(&RegionsPage {
        c,
        rows: page.items,
        links,
        searching: query.q.is_some(),
        can_manage: ctx.caller.can(Permission::ManageTerritories),
    })
}

#[derive(Debug, Default, Deserialize)]
struct CoverageParams {
    product_line: Option<String>,
    on: Option<String>,
    #[serde(flatten)]
    list: ListParams,
}

#[derive(Template)]
#[template(path = "territories/region.html")]
struct RegionPage {
    c: Chrome,
    region: RegionDetail,
    /// Who holds what in this region and inside it.
    rows: Vec<AuthorizationView>,
    links: ListLinks,
    can_manage: bool,
}

/// One region: where it lies, what lies inside it, and the authorizations
/// held in it or anywhere inside it (those of partners the caller may see).
async fn region(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(params): Query<CoverageParams>,
) -> Result<Response, PageError> {
    let region = state.app.region(&ctx.caller, &code).await?;
    let query = AuthorizationQuery {
        region_code: Some(region.region.code.clone()),
        product_line: filter(&params.product_line),
        on: day(&params.on),
        ..Default::default()
    };
    let sort = params
        .list
        .sort
        .as_deref()
        .and_then(AuthorizationSort::parse)
        .unwrap_or(AuthorizationSort::Region);
    let page = state
        .app
        .authorizations(
            &ctx.caller,
            &query,
            sort,
            params.list.sort_dir(),
            params.list.page_request(),
        )
        .await?;
    let links = ListLinks {
        base: format!("{REGIONS}/{}", region.region.code),
        filters: vec![
            (
                "product_line".to_owned(),
                params.product_line.clone().unwrap_or_default(),
            ),
            ("on".to_owned(), params.on.clone().unwrap_or_default()),
        ],
        sort: sort.as_str().to_owned(),
        desc: params.list.desc(),
        page: page.page,
        pages: page.pages(),
        total: page.total,
    };
    let mut trail = vec![crumbs(&ctx, "nav.regions", REGIONS)];
    trail.extend(
        region
            .ancestors
            .iter()
            .map(|a| (a.name.clone(), Some(format!("{REGIONS}/{}", a.code)))),
    );
    trail.push((region.region.name.clone(), None));
    let title = format!("{} · {}", region.region.code, region.region.name);
    let c = Chrome::new(&ctx, REGIONS, title, trail).await?;
    render(&RegionPage {
        c,
        region,
        rows: page.items,
        links,
        can_manage: ctx.caller.can(Permission::ManageTerritories),
    })
}

#[derive(Template)]
#[template(path = "territories/region_form.html")]
struct RegionFormPage {
    c: Chrome,
    input: RegionInput,
    errors: Vec<(String, String)>,
}

impl RegionFormPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

async fn region_form(
    ctx: &Ctx,
    input: RegionInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let title = ctx.lang.t("territories.new_region").to_owned();
    let c = Chrome::new(
        ctx,
        REGIONS,
        title.clone(),
        vec![crumbs(ctx, "nav.regions", REGIONS), (title, None)],
    )
    .await?;
    render(&RegionFormPage { c, input, errors })
}

#[derive(Debug, Default, Deserialize)]
struct ParentParam {
    parent: Option<String>,
}

async fn new_region(ctx: Ctx, Query(params): Query<ParentParam>) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManageTerritories) {
        return Err(AppError::Forbidden.into());
    }
    let input = RegionInput {
        parent_code: filter(&params.parent),
        ..Default::default()
    };
    region_form(&ctx, input, Vec::new()).await
}

async fn create_region(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(mut input): PageForm<RegionInput>,
) -> Result<Response, PageError> {
    input.parent_code = pick::resolve_opt(&state, &ctx, Pick::Region, input.parent_code).await?;
    let result = state.app.create_region(&ctx.caller, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx.lang.tf("territories.region_created", &view.code);
            (text, format!("{REGIONS}/{}", view.code))
        },
        async |errors| region_form(&ctx, input, errors).await,
    )
    .await
}

// ---------------------------------------------------------------------------
// Authorizations
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct AuthorizationParams {
    partner: Option<String>,
    region: Option<String>,
    product_line: Option<String>,
    mode: Option<String>,
    on: Option<String>,
    #[serde(flatten)]
    list: ListParams,
}

#[derive(Template)]
#[template(path = "territories/authorizations.html")]
struct AuthorizationsPage {
    c: Chrome,
    rows: Vec<AuthorizationView>,
    links: ListLinks,
    modes: &'static [AuthorizationMode],
    can_manage: bool,
}

async fn authorizations(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<AuthorizationParams>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let query = AuthorizationQuery {
        partner_code: filter(&params.partner),
        region_code: filter(&params.region),
        product_line: filter(&params.product_line),
        mode: filter(&params.mode).and_then(|m| AuthorizationMode::parse(&m).ok()),
        on: day(&params.on),
    };
    let sort = params
        .list
        .sort
        .as_deref()
        .and_then(AuthorizationSort::parse)
        .unwrap_or_default();
    let dir = params.list.sort_dir();
    if params.list.wants_xlsx() {
        return export_list(&state, &ctx, "authorizations", pairs).await;
    }
    let page = state
        .app
        .authorizations(&ctx.caller, &query, sort, dir, params.list.page_request())
        .await?;
    let keep =
        |name: &str, value: &Option<String>| (name.to_owned(), value.clone().unwrap_or_default());
    let links = ListLinks {
        base: AUTHORIZATIONS.to_owned(),
        filters: vec![
            keep("partner", &params.partner),
            keep("region", &params.region),
            keep("product_line", &params.product_line),
            keep("mode", &params.mode),
            keep("on", &params.on),
        ],
        sort: sort.as_str().to_owned(),
        desc: params.list.desc(),
        page: page.page,
        pages: page.pages(),
        total: page.total,
    };
    let title = ctx.lang.t("nav.authorizations").to_owned();
    let c = Chrome::new(&ctx, AUTHORIZATIONS, title.clone(), vec![(title, None)]).await?;
    render(&AuthorizationsPage {
        c,
        rows: page.items,
        links,
        modes: AuthorizationMode::ALL,
        can_manage: ctx.caller.can(Permission::ManageTerritories),
    })
}

/// The add form; from a partner's page it goes back there when done.
#[derive(Debug, Default, Deserialize)]
struct AuthorizationForm {
    #[serde(flatten)]
    input: AuthorizationInput,
    #[serde(default)]
    return_to: Option<String>,
}

#[derive(Template)]
#[template(path = "territories/authorization_form.html")]
struct AuthorizationFormPage {
    c: Chrome,
    form: AuthorizationForm,
    errors: Vec<(String, String)>,
    modes: &'static [AuthorizationMode],
}

impl AuthorizationFormPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

async fn authorization_form(
    ctx: &Ctx,
    form: AuthorizationForm,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let title = ctx.lang.t("territories.new_authorization").to_owned();
    let c = Chrome::new(
        ctx,
        AUTHORIZATIONS,
        title.clone(),
        vec![
            crumbs(ctx, "nav.authorizations", AUTHORIZATIONS),
            (title, None),
        ],
    )
    .await?;
    render(&AuthorizationFormPage {
        c,
        form,
        errors,
        modes: AuthorizationMode::ALL,
    })
}

#[derive(Debug, Default, Deserialize)]
struct NewAuthorizationParams {
    partner: Option<String>,
    region: Option<String>,
}

async fn new_authorization(
    ctx: Ctx,
    Query(params): Query<NewAuthorizationParams>,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManageTerritories) {
        return Err(AppError::Forbidden.into());
    }
    let form = AuthorizationForm {
        input: AuthorizationInput {
            partner_code: filter(&params.partner).unwrap_or_default(),
            region_code: filter(&params.region).unwrap_or_default(),
            mode: AuthorizationMode::Selective.as_str().to_owned(),
            valid_from: today().to_string(),
            ..Default::default()
        },
        return_to: None,
    };
    authorization_form(&ctx, form, Vec::new()).await
}

async fn create_authorization(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(mut form): PageForm<AuthorizationForm>,
) -> Result<Response, PageError> {
    let input = &mut form.input;
    input.partner_code = pick::resolve(
        &state,
        &ctx,
        Pick::Partner,
        std::mem::take(&mut input.partner_code),
    )
    .await?;
    input.region_code = pick::resolve(
        &state,
        &ctx,
        Pick::Region,
        std::mem::take(&mut input.region_code),
    )
    .await?;
    input.product_line = pick::resolve(
        &state,
        &ctx,
        Pick::ProductLine,
        std::mem::take(&mut input.product_line),
    )
    .await?;
    let result = state
        .app
        .create_authorization(&ctx.caller, &form.input)
        .await;
    let to_partner = form.return_to.as_deref() == Some("partner");
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx.lang.tf("territories.authorization_created", &view.code);
            let to = if to_partner {
                format!("/partners/{}", view.partner_code)
            } else {
                format!("{AUTHORIZATIONS}/{}", view.code)
            };
            (text, to)
        },
        async |errors| authorization_form(&ctx, form, errors).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "territories/authorization.html")]
struct AuthorizationPage {
    c: Chrome,
    a: AuthorizationView,
    change: AuthorizationChange,
    errors: Vec<(String, String)>,
    can_manage: bool,
    today: String,
    people: HashMap<String, String>,
}

impl AuthorizationPage {
    /// Who of our staff did it, by name.
    fn person<'a>(&'a self, login: &'a str) -> &'a str {
        self.people.get(login).map_or(login, String::as_str)
    }

    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }

    /// The errors of one of the page's two forms, by its fields.
    fn errors_of(&self, fields: &[&str]) -> Vec<(String, String)> {
        self.errors
            .iter()
            .filter(|(field, _)| fields.contains(&field.as_str()))
            .cloned()
            .collect()
    }

    fn end_confirm(&self) -> String {
        let lang = self.c.lang;
        let what = crate::forms::named(
            lang,
            &self.a.code,
            &format!(
                "{} · {} · {}",
                self.a.partner_name,
                self.a.region_name,
                self.c.product_line(&self.a.product_line)
            ),
        );
        crate::forms::confirm_text(
            lang,
            &[
                lang.tf("confirm.end_authorization", what),
                lang.t("confirm.irreversible").to_owned(),
            ],
        )
    }

    /// The value a date field shows: what was typed, else the current one.
    fn typed<'a>(&'a self, typed: &'a Option<String>, current: &'a str) -> &'a str {
        typed.as_deref().unwrap_or(current)
    }
}

async fn authorization_page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    change: AuthorizationChange,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let a = state.app.authorization(&ctx.caller, code).await?;
    let people = state
        .app
        .people_named(
            &ctx.caller,
            &[
                a.created_by.as_str(),
                a.ended_by.as_deref().unwrap_or_default(),
            ],
        )
        .await?;
    let c = Chrome::new(
        ctx,
        AUTHORIZATIONS,
        format!("{} · {} · {}", a.code, a.partner_name, a.region_name),
        vec![
            crumbs(ctx, "nav.authorizations", AUTHORIZATIONS),
            (a.code.clone(), None),
        ],
    )
    .await?;
    render(&AuthorizationPage {
        c,
        a,
        change,
        errors,
        can_manage: ctx.caller.can(Permission::ManageTerritories),
        today: today().to_string(),
        people,
    })
}

async fn authorization(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    authorization_page(
        &state,
        &ctx,
        &code,
        AuthorizationChange::default(),
        Vec::new(),
    )
    .await
}

async fn apply_change(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    change: AuthorizationChange,
    done: &str,
) -> Result<Response, PageError> {
    let result = state
        .app
        .change_authorization(&ctx.caller, code, &change)
        .await;
    saved_or_redisplayed(
        ctx,
        result,
        |view| {
            let text = ctx.lang.tf(done, &view.code);
            (text, format!("{AUTHORIZATIONS}/{}", view.code))
        },
        async |errors| authorization_page(state, ctx, code, change, errors).await,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct DatesForm {
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
}

async fn change_authorization(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(form): PageForm<DatesForm>,
) -> Result<Response, PageError> {
    let change = AuthorizationChange {
        valid_from: Some(form.valid_from),
        valid_to: Some(form.valid_to),
        ..Default::default()
    };
    apply_change(
        &state,
        &ctx,
        &code,
        change,
        "territories.authorization_changed",
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct EndForm {
    #[serde(default)]
    end_on: String,
    #[serde(default)]
    reason: String,
}

async fn end_authorization(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(form): PageForm<EndForm>,
) -> Result<Response, PageError> {
    let change = AuthorizationChange {
        end_on: Some(form.end_on),
        reason: Some(form.reason),
        ..Default::default()
    };
    apply_change(
        &state,
        &ctx,
        &code,
        change,
        "territories.authorization_ended",
    )
    .await
}

// ---------------------------------------------------------------------------
// Selective limits
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "territories/limits.html")]
struct LimitsPage {
    c: Chrome,
    limits: SelectiveLimits,
    input: SelectiveLimitInput,
    errors: Vec<(String, String)>,
}

impl LimitsPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

async fn limits_page(
    state: &AppState,
    ctx: &Ctx,
    input: SelectiveLimitInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let limits = state.app.selective_limits(&ctx.caller).await?;
    let title = ctx.lang.t("territories.limits").to_owned();
    let c = Chrome::new(
        ctx,
        AUTHORIZATIONS,
        title.clone(),
        vec![
            crumbs(ctx, "nav.authorizations", AUTHORIZATIONS),
            (title, None),
        ],
    )
    .await?;
    render(&LimitsPage {
        c,
        limits,
        input,
        errors,
    })
}

async fn limits(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    limits_page(&state, &ctx, SelectiveLimitInput::default(), Vec::new()).await
}

async fn set_limit(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(mut input): PageForm<SelectiveLimitInput>,
) -> Result<Response, PageError> {
    input.product_line = pick::resolve(
        &state,
        &ctx,
        Pick::ProductLine,
        std::mem::take(&mut input.product_line),
    )
    .await?;
    let result = state.app.set_selective_limit(&ctx.caller, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let line = if view.product_line == qudao_domain::territories::ANY_PRODUCT_LINE {
                ctx.lang.t("territories.all_lines").to_owned()
            } else {
                crate::layout::name_code(
                    ctx.lang,
                    &crate::layout::line_name(&ctx.lines, ctx.lang, &view.product_line),
                    &view.product_line,
                )
            };
            let text = ctx.lang.tf("territories.limit_set", line);
            (text, "/territories/limits".to_owned())
        },
        async |errors| limits_page(&state, &ctx, input, errors).await,
    )
    .await
}

// ---------------------------------------------------------------------------
// The section on a partner's page
// ---------------------------------------------------------------------------

/// What `templates/territories/_partner_authorizations.html` shows on a
/// partner's page: its authorizations and, for managers, the add form.
pub(crate) struct PartnerAuthorizations {
    pub partner_code: String,
    pub rows: Vec<AuthorizationView>,
    pub can_manage: bool,
    pub modes: &'static [AuthorizationMode],
    pub today: NaiveDate,
    /// The partner page's grant form is only ever shown blank: a refused
    /// grant comes back on the authorization form page.
    pub no_errors: Vec<(String, String)>,
}

impl PartnerAuthorizations {
    pub(crate) async fn load(
        state: &AppState,
        ctx: &Ctx,
        shown: &qudao_app::Shown,
    ) -> Result<Self, PageError> {
        let rows = state
            .app
            .partner_authorizations(
                &ctx.caller,
                shown,
                AuthorizationSort::ValidFrom,
                qudao_app::SortDir::Desc,
            )
            .await?;
        Ok(Self {
            partner_code: shown.code().to_owned(),
            rows,
            can_manage: ctx.caller.can(Permission::ManageTerritories),
            modes: AuthorizationMode::ALL,
            today: today(),
            no_errors: Vec::new(),
        })
    }
}
