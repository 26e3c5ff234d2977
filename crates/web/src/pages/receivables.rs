//! Receivables pages (应收账款): finance's overview (ageing per partner with
//! totals, the overdue list, collection rates of a chosen period), the
//! invoice and payment lists, the opening-invoice and record-payment forms,
//! the form that applies money kept on account to open invoices, and a
//! partner's statement (page and xlsx). A partner's users land on
//! their own account: balance, open invoices and the statement.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use qudao_app::receivables::{
    AccountView, AgeingView, AllocationInput, CollectionRow, InvoiceView, OpeningInvoiceInput,
    OverdueRow, PaymentInput, PaymentView, StatementView, ToAllocate, parse_period,
};
use qudao_app::{AppError, Permission};
use qudao_domain::money::{Currency, Money};
use qudao_domain::{Invalid, Problem};
use serde::Deserialize;

use super::pick::{Pick, resolve};
use super::{PageForm, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::layout::{Chrome, crumb};
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/receivables", overview)
        .get("/receivables/invoices", invoices)
        .post("/receivables/invoices", create_invoice)
        .get("/receivables/invoices/new", invoice_form)
        .get("/receivables/payments", payments)
        .post("/receivables/payments", create_payment)
        .get("/receivables/payments/new", payment_form)
        .get("/receivables/payments/{number}/allocate", allocate_form)
        .post("/receivables/payments/{number}/allocate", allocate)
        .get("/receivables/statement/{code}", statement)
}

/// The first day of the month `months` before `day`'s.
fn month_start(day: NaiveDate, months: u32) -> NaiveDate {
    let first = day.with_day(1).unwrap_or(day);
    first
        .checked_sub_months(chrono::Months::new(months))
        .unwrap_or(first)
}

fn date_or(value: &Option<String>, default: NaiveDate) -> NaiveDate {
    super::filter(value)
        .and_then(|v| NaiveDate::parse_from_str(&v, "%Y-%m-%d").ok())
        .unwrap_or(default)
}

#[derive(Debug, Default, Deserialize)]
struct OverviewParams {
    as_of: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "receivables/overview.html")]
struct OverviewPage {
    c: Chrome,
    as_of: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
    ageing: AgeingView,
    overdue: Vec<OverdueRow>,
    rates: Vec<CollectionRow>,
    can_manage: bool,
}

#[derive(Template)]
#[template(path = "receivables/portal.html")]
struct PortalPage {
    c: Chrome,
    code: String,
    account: AccountView,
    invoices: Vec<InvoiceView>,
    from: NaiveDate,
    to: NaiveDate,
}

async fn overview(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<OverviewParams>,
) -> Result<Response, PageError> {
    let today = qudao_app::today();
    let title = ctx.lang.t("receivables.title").to_owned();
    if ctx.caller.role.is_partner_role() {
        let code = state
            .app
            .own_partner_code(&ctx.caller)
            .await?
            .ok_or(AppError::NotFound("partner"))?;
        let shown = state.app.shown(&ctx.caller, &code).await?;
        let account = state.app.account_shown(&ctx.caller, &shown).await?;
        let invoices = state.app.invoices(&ctx.caller, Some(&code), false).await?;
        let c = Chrome::new(&ctx, "/receivables", title.clone(), vec![(title, None)]).await?;
        return render(&PortalPage {
            c,
            code,
            account,
            invoices,
            from: month_start(today, 2),
            to: today,
        });
    }
    let as_of = date_or(&params.as_of, today);
    let (from, to) = (
        date_or(&params.from, month_start(today, 2)),
        date_or(&params.to, today),
    );
    let (from, to) = if to < from { (to, from) } else { (from, to) };
    let ageing = state.app.ageing(&ctx.caller, as_of).await?;
    let overdue = state.app.overdue(&ctx.caller, as_of).await?;
    let rates = state.app.collection_rates(&ctx.caller, from, to).await?;
    let c = Chrome::new(&ctx, "/receivables", title.clone(), vec![(title, None)]).await?;
    render(&OverviewPage {
        c,
        as_of,
        from,
        to,
        ageing,
        overdue,
        rates,
        can_manage: ctx.caller.can(Permission::ManageReceivables),
    })
}

#[derive(Debug, Default, Deserialize)]
struct InvoiceParams {
    partner: Option<String>,
    open: Option<String>,
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "receivables/invoices.html")]
struct InvoicesPage {
    c: Chrome,
    invoices: Vec<InvoiceView>,
    open_only: bool,
    partner: String,
    can_manage: bool,
}

async fn invoices(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<InvoiceParams>,
) -> Result<Response, PageError> {
    let open_only = super::filter(&params.open).is_some();
    let partner = super::filter(&params.partner).unwrap_or_default();
    if params.format.as_deref() == Some("xlsx") {
        let mut pairs = vec![("partner".to_owned(), partner)];
        if open_only {
            pairs.push(("open".to_owned(), "1".to_owned()));
        }
        return super::export_list(&state, &ctx, "receivables", pairs).await;
    }
    let partner = resolve(&state, &ctx, Pick::Partner, partner).await?;
    let invoices = state
        .app
        .invoices(
            &ctx.caller,
            Some(&partner).filter(|p| !p.is_empty()).map(String::as_str),
            open_only,
        )
        .await?;
    let title = ctx.lang.t("receivables.invoices").to_owned();
    let c = Chrome::new(
        &ctx,
        "/receivables/invoices",
        title.clone(),
        vec![
            crumb(ctx.lang, "receivables.title", "/receivables"),
            (title, None),
        ],
    )
    .await?;
    render(&InvoicesPage {
        c,
        invoices,
        open_only,
        partner,
        can_manage: ctx.caller.can(Permission::ManageReceivables),
    })
}

#[derive(Template)]
#[template(path = "receivables/invoice_form.html")]
struct InvoiceFormPage {
    c: Chrome,
    input: OpeningInvoiceInput,
    errors: Vec<(String, String)>,
}

impl InvoiceFormPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

async fn invoice_page(
    ctx: &Ctx,
    input: OpeningInvoiceInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let title = ctx.lang.t("receivables.new_invoice").to_owned();
    let c = Chrome::new(
        ctx,
        "/receivables/invoices",
        title.clone(),
        vec![
            crumb(ctx.lang, "receivables.title", "/receivables"),
            (title, None),
        ],
    )
    .await?;
    render(&InvoiceFormPage { c, input, errors })
}

async fn invoice_form(ctx: Ctx) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManageReceivables) {
        return Err(AppError::Forbidden.into());
    }
    let input = OpeningInvoiceInput {
        issued_on: qudao_app::today().to_string(),
        ..Default::default()
    };
    invoice_page(&ctx, input, Vec::new()).await
}

async fn create_invoice(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(mut input): PageForm<OpeningInvoiceInput>,
) -> Result<Response, PageError> {
    input.partner = resolve(&state, &ctx, Pick::Partner, input.partner).await?;
    let result = state.app.record_opening_invoice(&ctx.caller, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |saved| {
            (
                ctx.lang.tf("receivables.invoice_saved", &saved.number),
                "/receivables/invoices".to_owned(),
            )
        },
        async |errors| invoice_page(&ctx, input, errors).await,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct PageParams {
    page: Option<u64>,
    format: Option<String>,
}

/// A payment of the list, and whether the caller may apply what it keeps
/// on account.
struct PaymentRow {
    p: PaymentView,
    can_apply: bool,
}

#[derive(Template)]
#[template(path = "receivables/payments.html")]
struct PaymentsPage {
    c: Chrome,
    payments: Vec<PaymentRow>,
    page: u64,
    more: bool,
    can_manage: bool,
}

/// Whether a payment still keeps money on account (its amount as the app
/// wrote it, in its currency).
fn keeps_money(p: &PaymentView) -> bool {
    Currency::parse(&p.currency)
        .and_then(|c| Money::parse("on_account", &p.on_account, c))
        .is_ok_and(|m| m.minor() > 0)
}

async fn payments(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<PageParams>,
) -> Result<Response, PageError> {
    if params.format.as_deref() == Some("xlsx") {
        return super::export_list(&state, &ctx, "payments", Vec::new()).await;
    }
    let page = params.page.unwrap_or(1).clamp(1, 1_000_000);
    let (payments, more) = state.app.payments(&ctx.caller, page, 50).await?;
    let title = ctx.lang.t("receivables.payments").to_owned();
    let c = Chrome::new(
        &ctx,
        "/receivables/payments",
        title.clone(),
        vec![
            crumb(ctx.lang, "receivables.title", "/receivables"),
            (title, None),
        ],
    )
    .await?;
    let can_manage = ctx.caller.can(Permission::ManageReceivables);
    let payments = payments
        .into_iter()
        .map(|p| PaymentRow {
            can_apply: can_manage && keeps_money(&p),
            p,
        })
        .collect();
    render(&PaymentsPage {
        c,
        payments,
        page,
        more,
        can_manage,
    })
}

/// The form's fields: one invoice picked from the partner's open ones
/// (none: oldest due first).
#[derive(Debug, Default, Deserialize)]
struct PaymentForm {
    #[serde(default)]
    partner: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    invoice: String,
    #[serde(default)]
    overpayment: String,
}

#[derive(Template)]
#[template(path = "receivables/payment_form.html")]
struct PaymentFormPage {
    c: Chrome,
    form: PaymentForm,
    /// The chosen partner's name and open invoices, once it is chosen.
    partner_name: String,
    open: Vec<InvoiceView>,
    errors: Vec<(String, String)>,
    confirm: String,
}

impl PaymentFormPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }

    fn invoice_error(&self) -> &str {
        let error = self.error("invoices");
        if error.is_empty() {
            self.error("invoice")
        } else {
            error
        }
    }
}

async fn payment_page(
    state: &AppState,
    ctx: &Ctx,
    form: PaymentForm,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let (partner_name, open) = if form.partner.trim().is_empty() {
        (String::new(), Vec::new())
    } else {
        match state.app.payer(&ctx.caller, form.partner.trim()).await {
            Ok(name) => {
                let mut open = state
                    .app
                    .invoices(&ctx.caller, Some(form.partner.trim()), true)
                    .await?;
                // Oldest first, the order a payment pays them in.
                open.reverse();
                (name, open)
            }
            Err(AppError::NotFound(_)) => (String::new(), Vec::new()),
            Err(other) => return Err(other.into()),
        }
    };
    let title = ctx.lang.t("receivables.new_payment").to_owned();
    let c = Chrome::new(
        ctx,
        "/receivables/payments",
        title.clone(),
        vec![
            crumb(ctx.lang, "receivables.title", "/receivables"),
            (title, None),
        ],
    )
    .await?;
    let confirm = crate::forms::confirm_text(
        ctx.lang,
        &[ctx.lang.t("receivables.confirm_on_account").to_owned()],
    );
    render(&PaymentFormPage {
        c,
        form,
        partner_name,
        open,
        errors,
        confirm,
    })
}

#[derive(Debug, Default, Deserialize)]
struct NewPaymentParams {
    partner: Option<String>,
}

async fn payment_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<NewPaymentParams>,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManageReceivables) {
        return Err(AppError::Forbidden.into());
    }
    let partner = resolve(
        &state,
        &ctx,
        Pick::Partner,
        super::filter(&params.partner).unwrap_or_default(),
    )
    .await?;
    let form = PaymentForm {
        partner,
        received_on: qudao_app::today().to_string(),
        ..Default::default()
    };
    payment_page(&state, &ctx, form, Vec::new()).await
}

async fn create_payment(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(mut form): PageForm<PaymentForm>,
) -> Result<Response, PageError> {
    form.partner = resolve(&state, &ctx, Pick::Partner, form.partner).await?;
    let input = PaymentInput {
        partner: form.partner.clone(),
        currency: form.currency.clone(),
        amount: form.amount.clone(),
        received_on: form.received_on.clone(),
        reference: form.reference.clone(),
        allocations: Vec::new(),
        pay: vec![form.invoice.clone()],
        overpayment: form.overpayment.clone(),
    };
    let result = state.app.record_payment(&ctx.caller, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |saved| {
            (
                ctx.lang.tf("receivables.payment_saved", &saved.number),
                "/receivables/payments".to_owned(),
            )
        },
        async |errors| payment_page(&state, &ctx, form, errors).await,
    )
    .await
}

/// `text` with each `{}` replaced by the next of `values`.
fn filled(text: &str, values: &[&str]) -> String {
    let mut parts = text.split("{}");
    let mut out = parts.next().unwrap_or_default().to_owned();
    for (i, part) in parts.enumerate() {
        out.push_str(values.get(i).copied().unwrap_or_default());
        out.push_str(part);
    }
    out
}

/// The allocation form as posted: `invoice_{i}` and `amount_{i}` per open
/// invoice (row `i` of the page), and `oldest_first`.
#[derive(Debug, Default)]
struct AllocateForm {
    amounts: Vec<(String, String)>,
    oldest_first: bool,
}

impl AllocateForm {
    fn read(fields: &[(String, String)]) -> Self {
        let value = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_owned())
        };
        let amounts = (0..)
            .map_while(|i| {
                value(&format!("invoice_{i}"))
                    .map(|invoice| (invoice, value(&format!("amount_{i}")).unwrap_or_default()))
            })
            .collect();
        AllocateForm {
            amounts,
            oldest_first: value("oldest_first").is_some(),
        }
    }

    fn amount_of(&self, invoice: &str) -> &str {
        self.amounts
            .iter()
            .find(|(n, _)| n == invoice)
            .map_or("", |(_, a)| a.as_str())
    }

    /// The invoices given an amount, as the app takes them.
    fn allocations(&self) -> Vec<AllocationInput> {
        self.amounts
            .iter()
            .filter(|(_, amount)| !amount.is_empty())
            .map(|(invoice, amount)| AllocationInput {
                invoice: invoice.clone(),
                amount: amount.clone(),
            })
            .collect()
    }
}

/// The field of an error about one invoice, before it is placed.
const INVOICE_ERROR: &str = "invoice:";

#[derive(Template)]
#[template(path = "receivables/allocate.html")]
struct AllocatePage {
    c: Chrome,
    found: ToAllocate,
    form: AllocateForm,
    errors: Vec<(String, String)>,
}

impl AllocatePage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

async fn allocate_page(
    state: &AppState,
    ctx: &Ctx,
    number: &str,
    form: AllocateForm,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let found = state.app.payment_to_allocate(&ctx.caller, number).await?;
    // `invoice:{number}` becomes the field of that invoice's amount box;
    // an invoice no longer open is said at the top.
    let errors = errors
        .into_iter()
        .map(|(field, message)| match field.strip_prefix(INVOICE_ERROR) {
            Some(invoice) => match found.open.iter().position(|i| i.number == invoice) {
                Some(row) => (format!("amount_{row}"), message),
                None => ("invoices".to_owned(), message),
            },
            None => (field, message),
        })
        .collect();
    let title = ctx
        .lang
        .tf("receivables.apply_title", &found.payment.number);
    let c = Chrome::new(
        ctx,
        "/receivables/payments",
        title.clone(),
        vec![
            crumb(ctx.lang, "receivables.title", "/receivables"),
            crumb(ctx.lang, "receivables.payments", "/receivables/payments"),
            (title, None),
        ],
    )
    .await?;
    render(&AllocatePage {
        c,
        found,
        form,
        errors,
    })
}

async fn allocate_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let form = AllocateForm {
        oldest_first: true,
        ..AllocateForm::default()
    };
    allocate_page(&state, &ctx, &number, form, Vec::new()).await
}

async fn allocate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(number): Path<String>,
    PageForm(fields): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = AllocateForm::read(&fields);
    let allocations = form.allocations();
    let result = if allocations.is_empty() && !form.oldest_first {
        // Without amounts the app applies oldest due first; the clerk
        // says so by ticking the box, so an untyped form applies nothing.
        Err(AppError::Invalid(vec![Invalid::new(
            "invoices",
            Problem::Rule {
                rule: "allocation_amounts_or_oldest",
            },
        )]))
    } else {
        state
            .app
            .apply_kept(&ctx.caller, &number, &allocations, &[])
            .await
    };
    // An error that names one invoice goes beside its amount box (placed
    // by `allocate_page`, which knows the rows).
    let invalid = match &result {
        Err(AppError::Invalid(invalid)) => invalid.clone(),
        _ => Vec::new(),
    };
    let placed = move |errors: Vec<(String, String)>| {
        if invalid.len() != errors.len() {
            return errors;
        }
        errors
            .into_iter()
            .zip(invalid)
            .map(|((field, message), i)| match i.problem {
                Problem::Conflict { with, .. } if field == "invoices" => {
                    (format!("{INVOICE_ERROR}{with}"), message)
                }
                _ => (field, message),
            })
            .collect::<Vec<_>>()
    };
    let lang = ctx.lang;
    saved_or_redisplayed(
        &ctx,
        result,
        |applied| {
            let p = &applied.payment;
            let money = |amount: &str| crate::layout::money_text(amount, &p.currency);
            let paid = applied
                .lines
                .iter()
                .map(|l| format!("{} {}", l.invoice, money(&l.amount)))
                .collect::<Vec<_>>()
                .join(match lang {
                    crate::i18n::Lang::ZhCn => "、",
                    crate::i18n::Lang::En => ", ",
                });
            let text = filled(
                lang.t("receivables.applied"),
                &[
                    &crate::layout::name_code(lang, &p.partner_name, &p.partner_code),
                    &p.number,
                    &money(&applied.total),
                    &paid,
                    &money(&p.on_account),
                ],
            );
            (text, "/receivables/payments".to_owned())
        },
        async |errors| allocate_page(&state, &ctx, &number, form, placed(errors)).await,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct StatementParams {
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "receivables/statement.html")]
struct StatementPage {
    c: Chrome,
    statement: StatementView,
    errors: Vec<(String, String)>,
    from: String,
    to: String,
}

impl StatementPage {
    fn kind(&self, kind: &str) -> &'static str {
        self.c.label("statement_kind", kind)
    }
}

async fn statement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(params): Query<StatementParams>,
) -> Result<Response, PageError> {
    let today = qudao_app::today();
    let from_text =
        super::filter(&params.from).unwrap_or_else(|| month_start(today, 2).to_string());
    let to_text = super::filter(&params.to).unwrap_or_else(|| today.to_string());
    let (period, errors) = match parse_period(&from_text, &to_text) {
        Ok(period) => (period, Vec::new()),
        Err(err) => (
            (month_start(today, 2), today),
            super::field_errors(ctx.lang, err)?.1,
        ),
    };
    let statement = state
        .app
        .statement(&ctx.caller, &code, period.0, period.1)
        .await?;
    if params.format.as_deref() == Some("xlsx") && errors.is_empty() {
        let chinese = ctx.lang == crate::i18n::Lang::ZhCn;
        let bytes = qudao_app::export::statement_xlsx(&statement, chinese)?;
        let name = |word: &str| {
            format!(
                "{word}_{}_{}_{}.xlsx",
                statement.partner_code, period.0, period.1
            )
        };
        let local = if chinese {
            name("对账单")
        } else {
            name("statement")
        };
        return Ok(super::xlsx(&name("statement"), &local, bytes));
    }
    let title = ctx
        .lang
        .tf("receivables.statement_of", &statement.partner_name);
    let mut crumbs = vec![crumb(ctx.lang, "receivables.title", "/receivables")];
    crumbs.push((ctx.lang.t("receivables.statement").to_owned(), None));
    let c = Chrome::new(&ctx, "/receivables", title, crumbs).await?;
    render(&StatementPage {
        c,
        statement,
        errors,
        from: from_text,
        to: to_text,
    })
}

/// The partner page's account panel, for those who may read it.
pub(super) async fn account_panel(
    state: &AppState,
    ctx: &Ctx,
    shown: &qudao_app::Shown,
) -> Result<Option<AccountView>, PageError> {
    match state.app.account_shown(&ctx.caller, shown).await {
        Ok(account) => Ok(Some(account)),
        Err(AppError::NotFound(_) | AppError::Forbidden) => Ok(None),
        Err(other) => Err(other.into()),
    }
}
