//! Partner pages: the scoped list, one partner with its downstream, and the
//! form to add one.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::partners::{
    ContactInput, CreditLimitInput, PartnerDetail, PartnerEdit, PartnerFilter, PartnerInput,
    PartnerSort, PartnerView, RecordInput, StatusInput,
};
use qudao_app::{AppError, Permission};
use qudao_domain::money::Currency;
use qudao_domain::partners::{PartnerStatus, PartnerType};
use serde::Deserialize;

use super::pick::{self, Pick};
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
        .post("/partners/{code}/credit-limit", change_credit_limit)
        .get("/partners/{code}/contacts/{id}/edit", edit_contact_form)
        .post("/partners/{code}/contacts/{id}/edit", update_contact)
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
    rep_targets: Option<super::owner_moves::RepTargetsPanel>,
    onboarding: super::onboarding::OnboardingPanel,
    territories: super::territories::PartnerAuthorizations,
    /// What terminating the partner brings about, when it may be terminated.
    terminate_confirm: String,
    /// Reps for the partners they cover, partner admins for their own.
    can_edit_contacts: bool,
    /// Finance's own form: the credit limit and nothing else.
    can_change_credit: bool,
    credit_input: CreditLimitInput,
    credit_errors: Vec<(String, String)>,
    changes: Option<super::partner_changes::ChangesPanel>,
    account: Option<qudao_app::receivables::AccountView>,
    /// Staff who read incentives reach the partner's incentive statement.
    incentives: bool,
}

impl DetailPage {
    /// The contact form's errors under its inputs' names, for its summary.
    fn contact_summary(&self) -> Vec<(String, String)> {
        self.contact_errors
            .iter()
            .map(|(field, message)| {
                let input = field.strip_prefix("contact_").unwrap_or(field);
                (input.to_owned(), message.clone())
            })
            .collect()
    }

    fn delete_contact_confirm(&self, name: &str) -> String {
        let lang = self.c.lang;
        crate::forms::confirm_text(
            lang,
            &[
                lang.tf("confirm.delete_contact", name),
                lang.t("confirm.irreversible").to_owned(),
            ],
        )
    }

    fn credit_error(&self, field: &str) -> &str {
        super::error_for(&self.credit_errors, field)
    }

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

    /// Whether the histories carry our reasons and who changed what; the
    /// app leaves both out for partner users.
    fn shows_internal(&self) -> bool {
        self.partner
            .status_history
            .iter()
            .any(|change| change.changed_by.is_some())
    }

    /// How many downstream partners sit at each tier below this one.
    fn tier_counts(&self) -> Vec<(i32, usize)> {
        let mut counts: Vec<(i32, usize)> = Vec::new();
        for child in &self.partner.children {
            match counts.iter_mut().find(|(tier, _)| *tier == child.depth) {
                Some((_, count)) => *count += 1,
                None => counts.push((child.depth, 1)),
            }
        }
        counts.sort_unstable();
        counts
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
pub(super) struct DetailForms {
    status_input: StatusInput,
    errors: Vec<(String, String)>,
    contact_input: ContactInput,
    contact_errors: Vec<(String, String)>,
    credit_input: CreditLimitInput,
    credit_errors: Vec<(String, String)>,
    change_input: qudao_app::partner_changes::ChangeRequestInput,
    change_errors: Vec<(String, String)>,
    /// The request whose decision was refused, and why.
    decision_errors: Option<(i64, Vec<(String, String)>)>,
}

impl DetailForms {
    /// The page again with a refused change request.
    pub(super) fn change_request(
        input: qudao_app::partner_changes::ChangeRequestInput,
        errors: Vec<(String, String)>,
    ) -> Self {
        Self {
            change_input: input,
            change_errors: errors,
            ..Default::default()
        }
    }

    /// The page again with a refused decision on request `id`.
    pub(super) fn decision(id: i64, errors: Vec<(String, String)>) -> Self {
        Self {
            decision_errors: Some((id, errors)),
            ..Default::default()
        }
    }
}

pub(super) async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    forms: DetailForms,
) -> Result<Response, PageError> {
    // One scoped lookup for every panel of the page.
    let (partner, shown) = state.app.partner_shown(&ctx.caller, code).await?;
    let agreement = super::agreements::partner_summary(state, ctx, &shown).await?;
    let territories = super::territories::PartnerAuthorizations::load(state, ctx, &shown).await?;
    let account = super::receivables::account_panel(state, ctx, &shown).await?;
    let c = Chrome::new(
        ctx,
        "/partners",
        crate::layout::name_code(ctx.lang, &partner.partner.name, &partner.partner.code),
        vec![
            crumb(ctx.lang, "nav.partners", "/partners"),
            (partner.partner.name.clone(), None),
        ],
    )
    .await?;
    let grade = super::grades::GradePanel::load(state, ctx, &shown).await?;
    let rep_targets = super::owner_moves::RepTargetsPanel::load(state, ctx, &shown).await?;
    let onboarding =
        super::onboarding::OnboardingPanel::load(state, ctx, &partner.partner, &shown).await?;
    let terminate_confirm = if partner.next_statuses.contains(&PartnerStatus::Terminated) {
        let lang = ctx.lang;
        // The rights panel already holds every right of the partner.
        let today = qudao_app::today();
        let in_force = territories
            .rows
            .iter()
            .filter(|right| right.in_force_on(&today))
            .count();
        let who = crate::forms::named(lang, &partner.partner.name, &partner.partner.code);
        crate::forms::confirm_text(
            lang,
            &[
                lang.tf("confirm.terminate_partner", who),
                lang.t("confirm.irreversible").to_owned(),
                lang.tf("confirm.authorizations_stay", in_force),
            ],
        )
    } else {
        String::new()
    };
    let own = state.app.own_partner_code(&ctx.caller).await?;
    // A partner admin edits its own organisation's contacts, not its
    // downstream's; staff by permission, within their scope.
    let can_edit_contacts = ctx.caller.can(Permission::ManageContacts)
        && (!ctx.caller.role.is_partner_role() || own.as_deref() == Some(&partner.partner.code));
    let changes = super::partner_changes::ChangesPanel::load(
        state,
        ctx,
        &shown,
        forms.change_input,
        forms.change_errors,
        forms.decision_errors,
    )
    .await?;
    let credit_input = if forms.credit_errors.is_empty() {
        CreditLimitInput {
            credit_limit: partner.credit_limit.clone().unwrap_or_default(),
            reason: String::new(),
        }
    } else {
        forms.credit_input
    };
    render(&DetailPage {
        terminate_confirm,
        can_edit_contacts,
        can_change_credit: ctx.caller.can(Permission::ChangeCreditLimit),
        credit_input,
        credit_errors: forms.credit_errors,
        changes,
        account,
        c,
        partner,
        can_manage: ctx.caller.can(Permission::ManagePartners),
        incentives: ctx.caller.can(Permission::ViewIncentives),
        status_input: forms.status_input,
        errors: forms.errors,
        contact_input: forms.contact_input,
        contact_errors: forms.contact_errors,
        agreement,
        grade,
        rep_targets,
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
    PageForm(mut input): PageForm<PartnerInput>,
) -> Result<Response, PageError> {
    input.parent_code = pick::resolve_opt(&state, &ctx, Pick::Partner, input.parent_code).await?;
    input.owner_login = pick::resolve_opt(&state, &ctx, Pick::User, input.owner_login).await?;
    input.record.region_code =
        pick::resolve_opt(&state, &ctx, Pick::Region, input.record.region_code).await?;
    let result = state.app.create_partner(&ctx.caller, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx.lang.tf(
                "partners.created",
                crate::layout::name_code(ctx.lang, &view.name, &view.code),
            );
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
        owner_from: None,
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
    PageForm(mut input): PageForm<PartnerEdit>,
) -> Result<Response, PageError> {
    input.parent_code = pick::resolve_opt(&state, &ctx, Pick::Partner, input.parent_code).await?;
    input.owner_login = pick::resolve_opt(&state, &ctx, Pick::User, input.owner_login).await?;
    input.record.region_code =
        pick::resolve_opt(&state, &ctx, Pick::Region, input.record.region_code).await?;
    let result = state.app.update_partner(&ctx.caller, &code, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx.lang.tf(
                "partners.updated",
                crate::layout::name_code(ctx.lang, &view.name, &view.code),
            );
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

async fn change_credit_limit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(input): PageForm<CreditLimitInput>,
) -> Result<Response, PageError> {
    let result = state.app.set_credit_limit(&ctx.caller, &code, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx.lang.t("credit.changed").to_owned();
            (text, format!("/partners/{}#credit-limit", view.code))
        },
        async |credit_errors| {
            let forms = DetailForms {
                credit_input: input,
                credit_errors,
                ..Default::default()
            };
            detail_page(&state, &ctx, &code, forms).await
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "partners/contact_form.html")]
struct ContactPage {
    c: Chrome,
    code: String,
    id: i64,
    input: ContactInput,
    errors: Vec<(String, String)>,
}

impl ContactPage {
    /// The same field names and errors as the partner page's contact form.
    fn error(&self, field: &str) -> &str {
        let field = match field {
            "name" => "contact_name",
            "role" => "contact_role",
            other => other,
        };
        super::error_for(&self.errors, field)
    }

    fn fields(&self) -> [(&'static str, &'static str, &str, &'static str); 5] {
        let input = &self.input;
        [
            ("name", "partners.contact_name", &input.name, "text"),
            ("role", "partners.contact_role", &input.role, "text"),
            ("phone", "partners.phone", &input.phone, "tel"),
            ("email", "partners.email", &input.email, "email"),
            ("birthday", "partners.birthday", &input.birthday, "date"),
        ]
    }
}

async fn contact_page(
    ctx: &Ctx,
    code: &str,
    id: i64,
    input: ContactInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let title = ctx.lang.tf("contacts.edit", &input.name);
    let c = Chrome::new(
        ctx,
        "/partners",
        title.clone(),
        vec![
            crumb(ctx.lang, "nav.partners", "/partners"),
            (code.to_owned(), Some(format!("/partners/{code}#contacts"))),
            (title, None),
        ],
    )
    .await?;
    render(&ContactPage {
        c,
        code: code.to_owned(),
        id,
        input,
        errors,
    })
}

async fn edit_contact_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let contact = state.app.contact(&ctx.caller, &code, id).await?;
    let input = ContactInput {
        name: contact.name,
        role: contact.role,
        phone: contact.phone.unwrap_or_default(),
        email: contact.email.unwrap_or_default(),
        birthday: contact.birthday.map(|d| d.to_string()).unwrap_or_default(),
    };
    contact_page(&ctx, &code.to_uppercase(), id, input, Vec::new()).await
}

async fn update_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, i64)>,
    PageForm(input): PageForm<ContactInput>,
) -> Result<Response, PageError> {
    let result = state
        .app
        .update_contact(&ctx.caller, &code, id, &input)
        .await;
    saved_or_redisplayed(
        &ctx,
        result,
        |contact| {
            let text = ctx.lang.tf("contacts.updated", &contact.name);
            (text, format!("/partners/{}#contacts", code.to_uppercase()))
        },
        async |errors| contact_page(&ctx, &code.to_uppercase(), id, input, errors).await,
    )
    .await
}
