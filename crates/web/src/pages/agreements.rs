//! Agreement pages: a partner's agreement (versions, the one in force on a
//! chosen day, amend / activate / terminate), the form for a draft, the list
//! of all versions in scope and the list of agreements about to expire.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use qudao_app::agreements::{
    AgreementFilter, AgreementInput, AgreementSort, AgreementVersionView, AgreementView,
    EXPIRING_DAYS, MAX_EXPIRING_DAYS, TerminateInput,
};
use qudao_app::today;
use qudao_app::{AppError, Permission};
use qudao_domain::agreements::AgreementStatus;
use qudao_domain::dates::parse_date;
use qudao_domain::money::Currency;
use serde::Deserialize;

use super::{ListParams, PageForm, export_list, filter, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::{PageError, WebError};
use crate::layout::{Chrome, ListLinks, crumb};
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/agreements", list)
        .get("/agreements/expiring", expiring)
        .get("/partners/{code}/agreement", agreement)
        .get("/partners/{code}/agreement/new", new_form)
        .post("/partners/{code}/agreement/versions", create)
        .get("/partners/{code}/agreement/versions/{n}", version)
        .post("/partners/{code}/agreement/versions/{n}", update)
        .get("/partners/{code}/agreement/versions/{n}/edit", edit_form)
        .post("/partners/{code}/agreement/versions/{n}/activate", activate)
        .post("/partners/{code}/agreement/terminate", terminate)
}

/// The partner page's summary: the agreement as of today, or nothing when
/// the caller may not read it (a partner admin looking at a downstream
/// partner sees that partner, not its contract with the brand owner).
pub(super) async fn partner_summary(
    state: &AppState,
    ctx: &Ctx,
    shown: &qudao_app::Shown,
) -> Result<Option<AgreementView>, PageError> {
    match state.app.agreement_shown(&ctx.caller, shown, None).await {
        Ok(view) => Ok(Some(view)),
        Err(AppError::NotFound(_) | AppError::Forbidden) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

fn version_number(text: &str) -> Result<i32, PageError> {
    text.parse()
        .map_err(|_| WebError::App(AppError::NotFound("agreement version")).into())
}

fn agreement_href(code: &str) -> String {
    format!("/partners/{code}/agreement")
}

fn version_href(code: &str, version: i32) -> String {
    format!("/partners/{code}/agreement/versions/{version}")
}

// ---------------------------------------------------------------------------
// A partner's agreement
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct AsOfParams {
    as_of: Option<String>,
}

#[derive(Template)]
#[template(path = "agreements/agreement.html")]
struct AgreementPage {
    c: Chrome,
    agreement: AgreementView,
    /// The version shown in full: the one asked for, else the one in force
    /// on the chosen day, else the latest.
    selected: Option<AgreementVersionView>,
    /// The territory rights the agreement holds on its as-of day.
    authorizations: Vec<qudao_app::territories::AuthorizationView>,
    as_of_text: String,
    can_manage: bool,
    terminate_input: TerminateInput,
    errors: Vec<(String, String)>,
    people: HashMap<String, String>,
}

impl AgreementPage {
    /// Who of our staff did it, by name.
    fn person<'a>(&'a self, login: &'a str) -> &'a str {
        self.people.get(login).map_or(login, String::as_str)
    }

    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }

    /// Takes what templates hand over: a number or a reference to one.
    fn version_href(&self, version: impl std::borrow::Borrow<i32>) -> String {
        version_href(&self.agreement.partner_code, *version.borrow())
    }

    fn activate_confirm(&self, draft: &AgreementVersionView) -> String {
        let lang = self.c.lang;
        let what = if lang == crate::i18n::Lang::ZhCn {
            format!(
                "{}（{} – {}）",
                draft.code, draft.valid_from, draft.valid_to
            )
        } else {
            format!("{} ({} – {})", draft.code, draft.valid_from, draft.valid_to)
        };
        crate::forms::confirm_text(
            lang,
            &[
                lang.tf("confirm.activate_draft", what),
                lang.t("confirm.irreversible").to_owned(),
            ],
        )
    }

    /// The termination form's own errors (the page shows a version's error
    /// on its own).
    fn terminate_errors(&self) -> Vec<(String, String)> {
        self.errors
            .iter()
            .filter(|(field, _)| field != "version")
            .cloned()
            .collect()
    }

    fn terminate_confirm(&self) -> String {
        let lang = self.c.lang;
        crate::forms::confirm_text(
            lang,
            &[
                lang.t("confirm.terminate_agreement").to_owned(),
                lang.t("confirm.irreversible").to_owned(),
            ],
        )
    }

    /// A draft waiting to be activated (always the latest version).
    fn open_draft(&self) -> Option<&AgreementVersionView> {
        self.agreement.latest().filter(|v| v.is_draft())
    }

    fn can_amend(&self) -> bool {
        self.can_manage
            && !self.agreement.is_terminated()
            && self.agreement.latest().is_some_and(|v| !v.is_draft())
    }

    fn can_terminate(&self) -> bool {
        self.can_amend()
    }

    fn can_start(&self) -> bool {
        self.can_manage && self.agreement.versions.is_empty()
    }
}

struct PageInput {
    selected: Option<i32>,
    as_of: Option<String>,
    terminate_input: TerminateInput,
    errors: Vec<(String, String)>,
}

async fn agreement_page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    input: PageInput,
) -> Result<Response, PageError> {
    let mut errors = input.errors;
    let as_of_text = input.as_of.unwrap_or_default();
    let as_of = match filter(&Some(as_of_text.clone())) {
        None => None,
        Some(text) => match parse_date("as_of", &text) {
            Ok(day) => Some(day),
            Err(invalid) => {
                errors.push(("as_of".to_owned(), ctx.lang.problem(&invalid.problem)));
                None
            }
        },
    };
    let agreement = state.app.agreement(&ctx.caller, code, as_of).await?;
    let selected = match input.selected {
        Some(number) => Some(
            agreement
                .versions
                .iter()
                .find(|v| v.version == number)
                .cloned()
                .ok_or(AppError::NotFound("agreement version"))?,
        ),
        None => agreement
            .in_force
            .clone()
            .or_else(|| agreement.latest().cloned()),
    };
    let rights = qudao_app::territories::AuthorizationQuery {
        partner_code: Some(agreement.partner_code.clone()),
        on: Some(agreement.as_of),
        ..Default::default()
    };
    let authorizations = state
        .app
        .authorizations(
            &ctx.caller,
            &rights,
            qudao_app::territories::AuthorizationSort::ValidFrom,
            qudao_app::SortDir::Asc,
            qudao_app::PageRequest::export(),
        )
        .await?
        .items;
    let actors: Vec<&str> = selected
        .iter()
        .flat_map(|v| {
            [
                v.created_by.as_str(),
                v.activated_by.as_deref().unwrap_or_default(),
            ]
        })
        .collect();
    let people = state.app.people_named(&ctx.caller, &actors).await?;
    let title = format!(
        "{} · {} · {}",
        ctx.lang.t("agreements.agreement"),
        agreement.partner_code,
        agreement.partner_name
    );
    let c = Chrome::new(
        ctx,
        "/agreements",
        title,
        vec![
            crumb(ctx.lang, "nav.partners", "/partners"),
            (
                agreement.partner_name.clone(),
                Some(format!("/partners/{}", agreement.partner_code)),
            ),
            (ctx.lang.t("agreements.agreement").to_owned(), None),
        ],
    )
    .await?;
    render(&AgreementPage {
        c,
        agreement,
        selected,
        authorizations,
        as_of_text,
        can_manage: ctx.caller.can(Permission::ManageAgreements),
        terminate_input: input.terminate_input,
        errors,
        people,
    })
}

async fn agreement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(params): Query<AsOfParams>,
) -> Result<Response, PageError> {
    let input = PageInput {
        selected: None,
        as_of: params.as_of,
        terminate_input: TerminateInput::default(),
        errors: Vec::new(),
    };
    agreement_page(&state, &ctx, &code, input).await
}

async fn version(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, n)): Path<(String, String)>,
    Query(params): Query<AsOfParams>,
) -> Result<Response, PageError> {
    let input = PageInput {
        selected: Some(version_number(&n)?),
        as_of: params.as_of,
        terminate_input: TerminateInput::default(),
        errors: Vec::new(),
    };
    agreement_page(&state, &ctx, &code, input).await
}

async fn activate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, n)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let number = version_number(&n)?;
    let result = state
        .app
        .activate_agreement(&ctx.caller, &code, number)
        .await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx.lang.tf("agreements.activated", &view.code);
            (text, version_href(&view.partner_code, view.version))
        },
        async |errors| {
            let input = PageInput {
                selected: Some(number),
                as_of: None,
                terminate_input: TerminateInput::default(),
                errors,
            };
            agreement_page(&state, &ctx, &code, input).await
        },
    )
    .await
}

async fn terminate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(input): PageForm<TerminateInput>,
) -> Result<Response, PageError> {
    let result = state
        .app
        .terminate_agreement(&ctx.caller, &code, &input)
        .await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx.lang.tf("agreements.terminated", &view.code);
            (text, agreement_href(&view.partner_code))
        },
        async |errors| {
            let input = PageInput {
                selected: None,
                as_of: None,
                terminate_input: input,
                errors,
            };
            agreement_page(&state, &ctx, &code, input).await
        },
    )
    .await
}

// ---------------------------------------------------------------------------
// The draft form: a first version, an amendment, or a draft's edit
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "agreements/form.html")]
struct FormPage {
    c: Chrome,
    partner_code: String,
    input: AgreementInput,
    errors: Vec<(String, String)>,
    /// Where the form posts.
    action: String,
    /// The draft being edited, if any.
    editing: Option<i32>,
    currencies: Vec<String>,
}

impl FormPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }

    fn is_amendment(&self) -> bool {
        self.input.amends.is_some() || self.editing.is_some_and(|n| n > 1)
    }
}

async fn form_page(
    ctx: &Ctx,
    partner_code: &str,
    input: AgreementInput,
    errors: Vec<(String, String)>,
    editing: Option<i32>,
) -> Result<Response, PageError> {
    let title = match (editing, input.amends) {
        (Some(n), _) => ctx.lang.tf("agreements.edit_draft_title", n),
        (None, Some(n)) => ctx.lang.tf("agreements.amend_title", n),
        (None, None) => ctx.lang.t("agreements.new_title").to_owned(),
    };
    let c = Chrome::new(
        ctx,
        "/agreements",
        format!("{title} · {partner_code}"),
        vec![
            crumb(ctx.lang, "nav.partners", "/partners"),
            (
                partner_code.to_owned(),
                Some(format!("/partners/{partner_code}")),
            ),
            (
                ctx.lang.t("agreements.agreement").to_owned(),
                Some(agreement_href(partner_code)),
            ),
            (title, None),
        ],
    )
    .await?;
    let action = match editing {
        Some(n) => version_href(partner_code, n),
        None => format!("/partners/{partner_code}/agreement/versions"),
    };
    render(&FormPage {
        c,
        partner_code: partner_code.to_owned(),
        input,
        errors,
        action,
        editing,
        currencies: Currency::all().map(|c| c.to_string()).collect(),
    })
}

#[derive(Debug, Default, Deserialize)]
struct AmendParams {
    amends: Option<String>,
}

/// A blank first version: a year from today, paid in 30 days, in CNY.
fn first_input() -> AgreementInput {
    let from = today();
    let to = from
        .checked_add_months(chrono::Months::new(12))
        .and_then(|d| d.pred_opt())
        .unwrap_or(from);
    AgreementInput {
        valid_from: from.to_string(),
        valid_to: to.to_string(),
        currency: "CNY".to_owned(),
        payment_net_days: "30".to_owned(),
        ..Default::default()
    }
}

async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(params): Query<AmendParams>,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManageAgreements) {
        return Err(AppError::Forbidden.into());
    }
    let agreement = state.app.agreement(&ctx.caller, &code, None).await?;
    let amends = match filter(&params.amends) {
        Some(n) => Some(version_number(&n)?),
        None => agreement.latest().map(|v| v.version),
    };
    let input = match amends {
        None => first_input(),
        Some(number) => {
            let from = agreement
                .versions
                .iter()
                .find(|v| v.version == number)
                .ok_or(AppError::NotFound("agreement version"))?;
            AgreementInput {
                amends: Some(number),
                ..from.to_input()
            }
        }
    };
    form_page(&ctx, &agreement.partner_code, input, Vec::new(), None).await
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, n)): Path<(String, String)>,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManageAgreements) {
        return Err(AppError::Forbidden.into());
    }
    let draft = state
        .app
        .agreement_version(&ctx.caller, &code, version_number(&n)?)
        .await?;
    if !draft.is_draft() {
        return Ok(Redirect::to(&version_href(&draft.partner_code, draft.version)).into_response());
    }
    let input = AgreementInput {
        note: draft.note.clone(),
        ..draft.to_input()
    };
    form_page(
        &ctx,
        &draft.partner_code,
        input,
        Vec::new(),
        Some(draft.version),
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(input): PageForm<AgreementInput>,
) -> Result<Response, PageError> {
    let result = state
        .app
        .create_agreement_draft(&ctx.caller, &code, &input)
        .await;
    saved_or_redisplayed(&ctx, result, draft_saved(&ctx), async |errors| {
        let code = code.trim().to_uppercase();
        form_page(&ctx, &code, input, errors, None).await
    })
    .await
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, n)): Path<(String, String)>,
    PageForm(input): PageForm<AgreementInput>,
) -> Result<Response, PageError> {
    let number = version_number(&n)?;
    let result = state
        .app
        .update_agreement_draft(&ctx.caller, &code, number, &input)
        .await;
    saved_or_redisplayed(&ctx, result, draft_saved(&ctx), async |errors| {
        let code = code.trim().to_uppercase();
        form_page(&ctx, &code, input, errors, Some(number)).await
    })
    .await
}

/// A saved draft: its flash and the version's page.
fn draft_saved(ctx: &Ctx) -> impl FnOnce(AgreementVersionView) -> (String, String) {
    |view| {
        let text = ctx.lang.tf("agreements.draft_saved", &view.code);
        (text, version_href(&view.partner_code, view.version))
    }
}

// ---------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    partner: Option<String>,
    status: Option<String>,
    in_force_on: Option<String>,
    #[serde(flatten)]
    list: ListParams,
}

#[derive(Template)]
#[template(path = "agreements/list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<AgreementVersionView>,
    links: ListLinks,
    statuses: &'static [AgreementStatus],
}

fn sort_of(list: &ListParams, default: AgreementSort) -> AgreementSort {
    list.sort
        .as_deref()
        .and_then(AgreementSort::parse)
        .unwrap_or(default)
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<ListQuery>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let agreement_filter = AgreementFilter {
        partner: filter(&params.partner),
        status: filter(&params.status).and_then(|s| AgreementStatus::parse(&s).ok()),
        in_force_on: filter(&params.in_force_on).and_then(|d| parse_date("in_force_on", &d).ok()),
    };
    let sort = sort_of(&params.list, AgreementSort::Partner);
    let dir = params.list.sort_dir();
    if params.list.wants_xlsx() {
        return export_list(&state, &ctx, "agreements", pairs).await;
    }
    let page = state
        .app
        .list_agreements(
            &ctx.caller,
            &agreement_filter,
            sort,
            dir,
            params.list.page_request(),
        )
        .await?;
    let keep = |v: &Option<String>| v.clone().unwrap_or_default();
    let links = ListLinks {
        base: "/agreements".to_owned(),
        filters: vec![
            ("partner".to_owned(), keep(&params.partner)),
            ("status".to_owned(), keep(&params.status)),
            ("in_force_on".to_owned(), keep(&params.in_force_on)),
        ],
        sort: sort.as_str().to_owned(),
        desc: params.list.desc(),
        page: page.page,
        pages: page.pages(),
        total: page.total,
    };
    let title = ctx.lang.t("nav.agreements").to_owned();
    let c = Chrome::new(&ctx, "/agreements", title.clone(), vec![(title, None)]).await?;
    render(&ListPage {
        c,
        rows: page.items,
        links,
        statuses: AgreementStatus::ALL,
    })
}

#[derive(Debug, Default, Deserialize)]
struct ExpiringQuery {
    days: Option<String>,
    #[serde(flatten)]
    list: ListParams,
}

#[derive(Template)]
#[template(path = "agreements/expiring.html")]
struct ExpiringPage {
    c: Chrome,
    rows: Vec<AgreementVersionView>,
    links: ListLinks,
    days: u32,
    today: NaiveDate,
}

impl ExpiringPage {
    fn days_left(&self, row: &AgreementVersionView) -> i64 {
        (row.valid_to - self.today).num_days()
    }
}

/// The look-ahead of the expiring list: a number of days up to the maximum,
/// else the default.
fn window(days: &Option<String>) -> u32 {
    filter(days)
        .and_then(|d| d.parse::<u32>().ok())
        .map_or(EXPIRING_DAYS, |d| d.min(MAX_EXPIRING_DAYS))
}

async fn expiring(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<ExpiringQuery>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let days = window(&params.days);
    let sort = sort_of(&params.list, AgreementSort::ValidTo);
    let dir = params.list.sort_dir();
    if params.list.wants_xlsx() {
        return export_list(&state, &ctx, "expiring-agreements", pairs).await;
    }
    let page = state
        .app
        .expiring_agreements(&ctx.caller, days, sort, dir, params.list.page_request())
        .await?;
    let links = ListLinks {
        base: "/agreements/expiring".to_owned(),
        filters: vec![("days".to_owned(), days.to_string())],
        sort: sort.as_str().to_owned(),
        desc: params.list.desc(),
        page: page.page,
        pages: page.pages(),
        total: page.total,
    };
    let title = ctx.lang.t("agreements.expiring").to_owned();
    let c = Chrome::new(
        &ctx,
        "/agreements",
        title.clone(),
        vec![
            crumb(ctx.lang, "nav.agreements", "/agreements"),
            (title, None),
        ],
    )
    .await?;
    render(&ExpiringPage {
        c,
        rows: page.items,
        links,
        days,
        today: today(),
    })
}
