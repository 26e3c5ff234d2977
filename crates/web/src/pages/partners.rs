//! Partner pages: the scoped list, one partner with its downstream, and the
//! form to add one.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::partners::{
    ContactInput, PartnerDetail, PartnerEdit, PartnerFilter, PartnerInput, PartnerSort,
    PartnerView, RecordInput, StatusInput,
};
use qudao_app::{AppError, Permission};
use qudao_domain::money::{Currency, Money};
use qudao_domain::partners::{PartnerStatus, PartnerType};
use serde::Deserialize;

use super::{ListParams, PageForm, export_list, filter, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::{Ctx, FlashKind, set_flash};
use crate::error::PageError;
use crate::layout::{Chrome, ListLinks, crumb};
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/partners", list)
        .post("/partners", create)
        .get("/partners/new", new_form)
        .get("/partners/{code}", detail)
        .post("/partners/{code}/status", change_status)
        .get("/partners/{code}/edit", edit_form)
        .post("/partners/{code}/edit", update)
        .post("/partners/{code}/contacts", add_contact)
        .post("/partners/{code}/contacts/{id}/delete", remove_contact)
}

fn currencies() -> Vec<String> {
    Currency::all().map(|c| c.as_str().to_owned()).collect()
}

#[derive(Debug, Default, Deserialize)]
struct PartnerParams {
    q: Option<String>,
    partner_type: Option<String>,
    status: Option<String>,
    depth: Option<String>,
    region: Option<String>,
    grade: Option<String>,
    #[serde(flatten)]
    list: ListParams,
}

#[derive(Template)]
#[template(path = "partners/list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<PartnerView>,
    links: ListLinks,
    types: &'static [PartnerType],
    statuses: &'static [PartnerStatus],
    /// Grade codes with their names in the page's language.
    grades: Vec<(String, String)>,
    can_create: bool,
}

impl ListPage {
    fn grade_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.grades
            .iter()
            .find(|(c, _)| c == code)
            .map_or(code, |(_, name)| name.as_str())
    }
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<PartnerParams>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let partner_filter = PartnerFilter {
        text: filter(&params.q),
        partner_type: filter(&params.partner_type).filter(|t| PartnerType::parse(t).is_ok()),
        status: filter(&params.status).filter(|s| PartnerStatus::parse(s).is_ok()),
        depth: filter(&params.depth).and_then(|d| d.parse().ok()),
        parent_id: None,
        region_code: filter(&params.region),
        grade_code: filter(&params.grade),
    };
    let sort = params
        .list
        .sort
        .as_deref()
        .and_then(PartnerSort::parse)
        .unwrap_or_default();
    let dir = params.list.sort_dir();
    if params.list.wants_xlsx() {
        return export_list(&state, &ctx, "partners", pairs).await;
    }
    let page = state
        .app
        .list_partners(
            &ctx.caller,
            &partner_filter,
            sort,
            dir,
            params.list.page_request(),
        )
        .await?;
    let links = ListLinks {
        base: "/partners".to_owned(),
        filters: vec![
            ("q".to_owned(), params.q.clone().unwrap_or_default()),
            (
                "partner_type".to_owned(),
                params.partner_type.clone().unwrap_or_default(),
            ),
            (
                "status".to_owned(),
                params.status.clone().unwrap_or_default(),
            ),
            ("depth".to_owned(), params.depth.clone().unwrap_or_default()),
            (
                "region".to_owned(),
                params.region.clone().unwrap_or_default(),
            ),
            ("grade".to_owned(), params.grade.clone().unwrap_or_default()),
        ],
        sort: sort.as_str().to_owned(),
        desc: params.list.desc(),
        page: page.page,
        pages: page.pages(),
        total: page.total,
    };
    let title = ctx.lang.t("nav.partners").to_owned();
    let c = Chrome::new(&ctx, "/partners", title.clone(), vec![(title, None)]).await?;
    let grades = state
        .app
        .grades(&ctx.caller)
        .await?
        .iter()
        .map(|g| (g.code.clone(), super::grades::grade_name(&c, g)))
        .collect();
    render(&ListPage {
        c,
        rows: page.items,
        links,
        types: PartnerType::ALL,
        statuses: PartnerStatus::ALL,
        grades,
        can_create: ctx.caller.can(Permission::ManagePartners),
    })
}

#[derive(Template)]
#[template(path = "partners/detail.html")]
struct DetailPage {
    c: Chrome,
    partner: PartnerDetail,
    can_manage: bool,
    agreement: Option<qudao_app::agreements::AgreementView>,
    status_input: StatusInput,
    errors: Vec<(String, String)>,
    contact_input: ContactInput,
    contact_errors: Vec<(String, String)>,
    grade: super::grades::GradePanel,
    onboarding: super::onboarding::OnboardingPanel,
    territories: super::territories::PartnerAuthorizations,
}

impl DetailPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }

    /// The contact form's inputs are named `name`, `role`…; the domain names
    /// a contact's own fields `contact_name`, `contact_role` to keep them
    /// apart from the partner's.
    fn contact_error(&self, field: &str) -> &str {
        let field = match field {
            "name" => "contact_name",
            "role" => "contact_role",
            other => other,
        };
        super::error_for(&self.contact_errors, field)
    }

    /// An amount of the partner's currency with thousands separators.
    fn grouped(&self, amount: &str) -> String {
        Currency::parse(&self.partner.currency)
            .and_then(|currency| Money::parse("amount", amount, currency))
            .map_or_else(|_| amount.to_owned(), Money::grouped)
    }

    /// The contact form's inputs: name, label key, typed value, input type.
    fn contact_fields(&self) -> [(&'static str, &'static str, &str, &'static str); 5] {
        let input = &self.contact_input;
        [
            ("name", "partners.contact_name", &input.name, "text"),
            ("role", "partners.contact_role", &input.role, "text"),
            ("phone", "partners.phone", &input.phone, "tel"),
            ("email", "partners.email", &input.email, "email"),
            ("birthday", "partners.birthday", &input.birthday, "date"),
        ]
    }
}

/// What a re-displayed partner page shows in its forms.
#[derive(Default)]
struct DetailForms {
    status_input: StatusInput,
    errors: Vec<(String, String)>,
    contact_input: ContactInput,
    contact_errors: Vec<(String, String)>,
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    forms: DetailForms,
) -> Result<Response, PageError> {
    // One scoped lookup for every panel of the page.
    let (partner, shown) = state.app.partner_shown(&ctx.caller, code).await?;
    let agreement = super::agreements::partner_summary(state, ctx, &shown).await?;
    let territories = super::territories::PartnerAuthorizations::load(state, ctx, &shown).await?;
    let c = Chrome::new(
        ctx,
        "/partners",
        format!("{} · {}", partner.partner.code, partner.partner.name),
        vec![
            crumb(ctx.lang, "nav.partners", "/partners"),
            (partner.partner.code.clone(), None),
        ],
    )
    .await?;
    let grade = super::grades::GradePanel::load(state, ctx, &shown).await?;
    let onboarding =
        super::onboarding::OnboardingPanel::load(state, ctx, &partner.partner, &shown).await?;
    render(&DetailPage {
        c,
        partner,
        can_manage: ctx.caller.can(Permission::ManagePartners),
        status_input: forms.status_input,
        errors: forms.errors,
        contact_input: forms.contact_input,
        contact_errors: forms.contact_errors,
        agreement,
        grade,
        onboarding,
        territories,
    })
}

async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    detail_page(&state, &ctx, &code, DetailForms::default()).await
}

async fn change_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(input): PageForm<StatusInput>,
) -> Result<Response, PageError> {
    let result = state
        .app
        .change_partner_status(&ctx.caller, &code, &input)
        .await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let status = ctx
                .lang
                .t(&format!("partner_status.{}", view.status.as_str()));
            let text = ctx.lang.tf("partners.status_changed", status);
            (text, format!("/partners/{}", view.code))
        },
        async |errors| {
            let forms = DetailForms {
                status_input: input,
                errors,
                ..Default::default()
            };
            detail_page(&state, &ctx, &code, forms).await
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "partners/form.html")]
struct FormPage {
    c: Chrome,
    input: PartnerInput,
    errors: Vec<(String, String)>,
    types: &'static [PartnerType],
    initial_statuses: [PartnerStatus; 2],
    currencies: Vec<String>,
}

impl FormPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

async fn form_page(
    ctx: &Ctx,
    input: PartnerInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let title = ctx.lang.t("partners.new").to_owned();
    let c = Chrome::new(
        ctx,
        "/partners",
        title.clone(),
        vec![crumb(ctx.lang, "nav.partners", "/partners"), (title, None)],
    )
    .await?;
    render(&FormPage {
        c,
        input,
        errors,
        types: PartnerType::ALL,
        initial_statuses: [PartnerStatus::Active, PartnerStatus::Prospect],
        currencies: currencies(),
    })
}

async fn new_form(ctx: Ctx) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManagePartners) {
        return Err(AppError::Forbidden.into());
    }
    form_page(&ctx, PartnerInput::default(), Vec::new()).await
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(input): PageForm<PartnerInput>,
) -> Result<Response, PageError> {
    let result = state.app.create_partner(&ctx.caller, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx.lang.tf("partners.created", &view.code);
            (text, format!("/partners/{}", view.code))
        },
        async |errors| form_page(&ctx, input, errors).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "partners/edit.html")]
struct EditPage {
    c: Chrome,
    code: String,
    input: PartnerEdit,
    errors: Vec<(String, String)>,
    types: &'static [PartnerType],
    currencies: Vec<String>,
}

impl EditPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

async fn edit_page(
    ctx: &Ctx,
    code: &str,
    input: PartnerEdit,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let title = ctx.lang.tf("partners.edit", code);
    let c = Chrome::new(
        ctx,
        "/partners",
        title.clone(),
        vec![
            crumb(ctx.lang, "nav.partners", "/partners"),
            (code.to_owned(), Some(format!("/partners/{code}"))),
            (title, None),
        ],
    )
    .await?;
    render(&EditPage {
        c,
        code: code.to_owned(),
        input,
        errors,
        types: PartnerType::ALL,
        currencies: currencies(),
    })
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManagePartners) {
        return Err(AppError::Forbidden.into());
    }
    let partner = state.app.partner(&ctx.caller, &code).await?;
    let input = PartnerEdit {
        name: partner.partner.name.clone(),
        partner_type: partner.partner.partner_type.as_str().to_owned(),
        parent_code: partner.partner.parent_code.clone(),
        owner_login: partner.owner_login.clone(),
        record: RecordInput {
            region_code: partner.region_code.clone(),
            address: partner.address.clone(),
            credit_limit: partner.credit_limit.clone(),
            currency: Some(partner.currency.clone()),
        },
    };
    edit_page(&ctx, &partner.partner.code, input, Vec::new()).await
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(input): PageForm<PartnerEdit>,
) -> Result<Response, PageError> {
    let result = state.app.update_partner(&ctx.caller, &code, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx.lang.tf("partners.updated", &view.code);
            (text, format!("/partners/{}", view.code))
        },
        async |errors| edit_page(&ctx, &code, input, errors).await,
    )
    .await
}

async fn add_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(input): PageForm<ContactInput>,
) -> Result<Response, PageError> {
    let result = state.app.add_contact(&ctx.caller, &code, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |contact| {
            let text = ctx.lang.tf("partners.contact_added", &contact.name);
            (text, format!("/partners/{code}#contacts"))
        },
        async |contact_errors| {
            let forms = DetailForms {
                contact_input: input,
                contact_errors,
                ..Default::default()
            };
            detail_page(&state, &ctx, &code, forms).await
        },
    )
    .await
}

async fn remove_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    state.app.remove_contact(&ctx.caller, &code, id).await?;
    set_flash(
        &ctx.session,
        FlashKind::Success,
        ctx.lang.t("partners.contact_removed").to_owned(),
    )
    .await?;
    Ok(Redirect::to(&format!("/partners/{code}#contacts")).into_response())
}
