//! Order pages: the list (a partner's "my orders", staff's orders in scope
//! with filters), the order form (new and edit, a product picker and
//! quantity per line, a price override for those who may), and an order's
//! page (lines with why a line is refused, the checks, shipments with
//! their invoices, returns; submit, approve, reject, cancel, ship, return
//! and credit-note forms).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use qudao_app::orders::{
    CheckView, CreditNoteInput, LineInput, OrderInput, OrderLineView, OrderQuery, OrderSummary,
    OrderView, ReasonInput, ReturnInput, ShipInput, ShipLineInput,
};
use qudao_app::{AppError, Permission};
use qudao_domain::orders::OrderStatus;
use serde::Deserialize;

use super::pick::{Pick, resolve, resolve_opt};
use super::{ListParams, PageForm, error_for, export_list, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, ListLinks, crumb};
use crate::routes::Routes;

const LIST: &str = "/orders";
/// Line rows the order form starts with, enough without JavaScript for
/// most orders; with it, "add a line" appends more (each posts as
/// `sku_N`, `qty_N`, …), up to [`MAX_FORM_LINES`].
const FORM_LINES: usize = 8;
/// The most line rows a posted form is read for: an order's own limit.
const MAX_FORM_LINES: usize = 200;
const STATUSES: &[OrderStatus] = OrderStatus::ALL;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get(LIST, list)
        .post(LIST, create)
        .get("/orders/new", new_form)
        .get("/orders/{number}", detail)
        .post("/orders/{number}", update)
        .get("/orders/{number}/edit", edit_form)
        .post("/orders/{number}/submit", submit)
        .post("/orders/{number}/approve", approve)
        .post("/orders/{number}/reject", reject)
        .post("/orders/{number}/cancel", cancel)
        .post("/orders/{number}/ship", ship)
        .post("/orders/{number}/return", take_back)
        .post("/orders/{number}/credit-note", credit_note)
}

/// A check in the reader's language, naming records by their names in it.
fn check_text(lang: Lang, check: &CheckView) -> String {
    let key = format!("rule.{}", check.rule);
    let with = match lang {
        Lang::En => &check.with_en,
        Lang::ZhCn => &check.with,
    };
    if with.is_empty() {
        lang.t(&key).to_owned()
    } else {
        lang.tf(&key, with)
    }
}

// ---------------------------------------------------------------------------
// List
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct Params {
    status: Option<String>,
    partner: Option<String>,
    kind: Option<String>,
    #[serde(flatten)]
    list: ListParams,
}

#[derive(Template)]
#[template(path = "orders/list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<OrderSummary>,
    links: ListLinks,
    staff: bool,
    can_place: bool,
    /// A distributor's boss: it may list the orders placed with it.
    sells: bool,
    errors: Vec<(String, String)>,
}

impl ListPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    /// Whom orders were placed with, as the filter offers it: with us, with
    /// a distributor, and (a distributor's boss) with the reader.
    fn kinds(&self) -> &'static [&'static str] {
        if self.sells {
            &["direct", "downstream", "incoming"]
        } else {
            &["direct", "downstream"]
        }
    }

    fn kind_is(&self, kind: &str) -> bool {
        self.links.filter_value("kind") == kind
    }
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<Params>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if params.list.wants_xlsx() {
        return export_list(&state, &ctx, "orders", pairs).await;
    }
    let partner = resolve_opt(&state, &ctx, Pick::Partner, super::filter(&params.partner)).await?;
    let query = OrderQuery {
        status: super::filter(&params.status).unwrap_or_default(),
        partner: partner.unwrap_or_default(),
        kind: super::filter(&params.kind).unwrap_or_default(),
    };
    let (page, errors) = match state
        .app
        .orders(&ctx.caller, &query, params.list.page_request())
        .await
    {
        Ok(page) => (page, Vec::new()),
        Err(err) => {
            let (_, errors) = super::field_errors(ctx.lang, err)?;
            (
                qudao_app::Page {
                    items: Vec::new(),
                    total: 0,
                    page: 1,
                    per_page: 25,
                },
                errors,
            )
        }
    };
    let keep =
        |name: &str, value: &Option<String>| (name.to_owned(), value.clone().unwrap_or_default());
    let links = ListLinks {
        base: LIST.to_owned(),
        filters: vec![
            keep("status", &params.status),
            keep("partner", &params.partner),
            keep("kind", &params.kind),
        ],
        sort: String::new(),
        desc: false,
        page: page.page,
        pages: page.pages(),
        total: page.total,
    };
    let staff = !ctx.caller.role.is_partner_role();
    let title = ctx
        .lang
        .t(if staff { "orders.title" } else { "orders.mine" })
        .to_owned();
    let c = Chrome::new(&ctx, LIST, title.clone(), vec![(title, None)]).await?;
    render(&ListPage {
        c,
        rows: page.items,
        links,
        staff,
        can_place: ctx.caller.can(Permission::PlaceOrders),
        sells: ctx.caller.can(Permission::SellDownstream),
        errors,
    })
}

// ---------------------------------------------------------------------------
// The order form
// ---------------------------------------------------------------------------

/// One line row of the form as typed.
#[derive(Debug, Clone, Default)]
struct FormLine {
    sku: String,
    qty: String,
    price: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "orders/form.html")]
struct FormPage {
    c: Chrome,
    /// The order being edited, or none for a new one.
    number: Option<String>,
    partner: String,
    order_date: String,
    note: String,
    lines: Vec<FormLine>,
    /// What the rebate wallet pays (empty: the most allowed).
    wallet: String,
    /// 返利池余额 ¥X，本单最多可用 ¥Y (or the share, before lines are
    /// priced); none when the partner is not known yet or has no wallet.
    wallet_hint: Option<String>,
    staff: bool,
    can_override: bool,
    /// The partner's distributor (code, name) it may order from, on a new
    /// order; the seller chosen.
    distributor: Option<(String, String)>,
    seller: String,
    errors: Vec<(String, String)>,
}

impl FormPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn action(&self) -> String {
        match &self.number {
            Some(number) => format!("/orders/{number}"),
            None => LIST.to_owned(),
        }
    }
}

struct Typed {
    partner: String,
    seller: String,
    order_date: String,
    note: String,
    lines: Vec<FormLine>,
    wallet: String,
    /// The order's wallet as last saved (an edited order's).
    saved_wallet: Option<qudao_app::incentive_balances::OrderWalletView>,
}

impl Typed {
    fn padded(mut self) -> Self {
        while self.lines.len() < FORM_LINES {
            self.lines.push(FormLine::default());
        }
        self
    }

    fn of(order: &OrderView) -> Self {
        Self {
            partner: order.partner.clone(),
            seller: order.seller.clone().unwrap_or_default(),
            order_date: order.order_date.to_string(),
            note: order.note.clone(),
            wallet: order
                .wallet
                .as_ref()
                .and_then(|w| w.requested_text.clone())
                .unwrap_or_default(),
            saved_wallet: order.wallet.clone(),
            lines: order
                .lines
                .iter()
                .map(|l| FormLine {
                    sku: l.sku.clone(),
                    qty: l.qty.to_string(),
                    price: if l.override_reason.is_some() {
                        l.unit_price.clone()
                    } else {
                        String::new()
                    },
                    reason: l.override_reason.clone().unwrap_or_default(),
                })
                .collect(),
        }
        .padded()
    }

    /// The form's fields: `sku_1`, `qty_1`, `price_1`, `reason_1`, ….
    fn from_form(form: &HashMap<String, String>) -> Self {
        let get = |key: &str| form.get(key).cloned().unwrap_or_default();
        Self {
            partner: get("partner"),
            seller: get("seller"),
            order_date: get("order_date"),
            note: get("note"),
            wallet: get("wallet"),
            saved_wallet: None,
            // Rows past the first eight exist only when the page added
            // them: read up to the last row posted.
            lines: (1..=MAX_FORM_LINES)
                .take_while(|n| *n <= FORM_LINES || form.contains_key(&format!("sku_{n}")))
                .map(|n| FormLine {
                    sku: get(&format!("sku_{n}")),
                    qty: get(&format!("qty_{n}")),
                    price: get(&format!("price_{n}")),
                    reason: get(&format!("reason_{n}")),
                })
                .collect(),
        }
    }
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    number: Option<String>,
    typed: Typed,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let title = match &number {
        Some(number) => ctx.lang.tf("orders.edit_title", number),
        None => ctx.lang.t("orders.new").to_owned(),
    };
    let c = Chrome::new(
        ctx,
        LIST,
        title.clone(),
        vec![crumb(ctx.lang, "orders.title", LIST), (title, None)],
    )
    .await?;
    let distributor = match number {
        None => state.app.my_distributor(&ctx.caller).await?,
        Some(_) => None,
    };
    let wallet_hint = match &typed.saved_wallet {
        Some(w) => Some(
            ctx.lang
                .tf("balances.order_hint", &w.balance_shown)
                .replacen("{}", &w.allowed_shown, 1),
        ),
        None if ctx.caller.role.is_partner_role() => {
            let mine = state.app.incentive_balances(&ctx.caller, None).await?;
            mine.balances
                .iter()
                .find(|b| b.form == "wallet" && b.balance > 0)
                .map(|b| {
                    ctx.lang
                        .tf("balances.order_share_hint", &b.balance_shown)
                        .replacen("{}", &mine.wallet_share, 1)
                })
        }
        None => None,
    };
    render(&FormPage {
        c,
        number,
        wallet: typed.wallet,
        wallet_hint,
        distributor,
        seller: typed.seller,
        partner: typed.partner,
        order_date: typed.order_date,
        note: typed.note,
        lines: typed.lines,
        staff: !ctx.caller.role.is_partner_role(),
        can_override: ctx.caller.can(Permission::OverrideOrderPrices),
        errors,
    })
}

async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::PlaceOrders) {
        return Err(AppError::Forbidden.into());
    }
    // A tier-2 partner buys from its distributor as a rule: the form
    // starts there (ordering from us stays one choice away).
    let seller = state
        .app
        .my_distributor(&ctx.caller)
        .await?
        .map(|(code, _)| code)
        .unwrap_or_default();
    let typed = Typed {
        partner: String::new(),
        seller,
        order_date: qudao_app::today().to_string(),
        note: String::new(),
        lines: Vec::new(),
        wallet: String::new(),
        saved_wallet: None,
    };
    form_page(&state, &ctx, None, typed.padded(), Vec::new()).await
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::PlaceOrders) {
        return Err(AppError::Forbidden.into());
    }
    let order = state.app.order(&ctx.caller, &number).await?;
    form_page(
        &state,
        &ctx,
        Some(order.number.clone()),
        Typed::of(&order),
        Vec::new(),
    )
    .await
}

/// The typed form as the use case's input, picked names resolved to codes.
async fn input_of(state: &AppState, ctx: &Ctx, typed: &Typed) -> Result<OrderInput, PageError> {
    let mut lines = Vec::new();
    for line in typed.lines.iter().filter(|l| !l.sku.trim().is_empty()) {
        lines.push(LineInput {
            sku: resolve(state, ctx, Pick::Product, line.sku.clone()).await?,
            qty: line.qty.clone(),
            price: line.price.clone(),
            override_reason: line.reason.clone(),
        });
    }
    let partner = if ctx.caller.role.is_partner_role() {
        String::new()
    } else {
        resolve(state, ctx, Pick::Partner, typed.partner.clone()).await?
    };
    Ok(OrderInput {
        partner,
        seller: typed.seller.clone(),
        order_date: typed.order_date.clone(),
        note: typed.note.clone(),
        lines,
        wallet: typed.wallet.clone(),
    })
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let typed = Typed::from_form(&form);
    let input = input_of(&state, &ctx, &typed).await?;
    let result = state.app.create_order(&ctx.caller, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |saved| {
            (
                ctx.lang.tf("orders.created", &saved.number),
                format!("/orders/{}", saved.number),
            )
        },
        async |errors| form_page(&state, &ctx, None, typed, errors).await,
    )
    .await
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(number): Path<String>,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let typed = Typed::from_form(&form);
    let input = input_of(&state, &ctx, &typed).await?;
    let result = state.app.update_order(&ctx.caller, &number, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |saved| {
            (
                ctx.lang.t("orders.saved").to_owned(),
                format!("/orders/{}", saved.number),
            )
        },
        async |errors| form_page(&state, &ctx, Some(number.clone()), typed, errors).await,
    )
    .await
}

// ---------------------------------------------------------------------------
// An order's page
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "orders/detail.html")]
struct DetailPage {
    c: Chrome,
    order: OrderView,
    can_place: bool,
    can_decide: bool,
    can_credit: bool,
    /// How the order moves its partner's incentives, while it is open.
    incentives: Vec<super::incentive_preview::PreviewLine>,
    errors: Vec<(String, String)>,
}

impl DetailPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn is(&self, status: &str) -> bool {
        self.order.status == status
    }

    fn money(&self, amount: &str) -> String {
        self.c.money(amount, &self.order.currency)
    }

    fn product_name<'a>(&self, line: &'a OrderLineView) -> &'a str {
        match self.c.lang {
            Lang::En if !line.product_name_en.is_empty() => &line.product_name_en,
            _ => &line.product_name,
        }
    }

    fn name_of<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self.c.lang {
            Lang::En if !en.is_empty() => en,
            _ => zh,
        }
    }

    fn check(&self, check: &CheckView) -> String {
        check_text(self.c.lang, check)
    }

    fn editable(&self) -> bool {
        self.can_place && (self.is("draft") || self.is("rejected"))
    }

    fn cancellable(&self) -> bool {
        (self.can_place && (self.is("draft") || self.is("submitted")))
            || (self.can_decide && self.is("approved"))
    }

    fn shippable(&self) -> bool {
        self.can_decide && (self.is("approved") || self.is("partly_shipped"))
    }

    fn left(&self, line: &OrderLineView) -> i64 {
        line.qty - line.qty_shipped
    }

    fn confirm(&self, key: &str) -> String {
        self.c.tf(
            key,
            format!("{}（{}）", self.order.number, self.order.partner_name),
        )
    }

    fn invoices(&self) -> Vec<&str> {
        self.order
            .shipments
            .iter()
            .filter_map(|s| s.invoice.as_deref())
            .collect()
    }
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    number: &str,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let order = state.app.order(&ctx.caller, number).await?;
    let title = ctx.lang.tf("orders.order_title", &order.number);
    let c = Chrome::new(
        ctx,
        LIST,
        title.clone(),
        vec![crumb(ctx.lang, "orders.title", LIST), (title, None)],
    )
    .await?;
    // An order placed with a distributor is its buyer's and that
    // distributor's to act on; staff only read it.
    let downstream = order.seller.is_some();
    let incentives = super::incentive_preview::preview_lines(state, ctx, &order).await?;
    let buyer_side = !downstream || (ctx.caller.role.is_partner_role() && !order.sold_by_reader);
    render(&DetailPage {
        c,
        can_place: ctx.caller.can(Permission::PlaceOrders) && buyer_side,
        can_decide: if downstream {
            order.sold_by_reader
        } else {
            ctx.caller.can(Permission::DecideOrders)
        },
        can_credit: ctx.caller.can(Permission::IssueCreditNotes) && !downstream,
        incentives,
        order,
        errors,
    })
}

async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    detail_page(&state, &ctx, &number, Vec::new()).await
}

/// An action on an order's page: back to the page with a flash, or the
/// page again with what was refused.
async fn acted<T>(
    state: &AppState,
    ctx: &Ctx,
    number: &str,
    result: Result<T, AppError>,
    flash: &str,
) -> Result<Response, PageError> {
    saved_or_redisplayed(
        ctx,
        result,
        |_| (ctx.lang.t(flash).to_owned(), format!("/orders/{number}")),
        async |errors| detail_page(state, ctx, number, errors).await,
    )
    .await
}

/// Submitting or approving: a refusal's checks are kept on the order, so
/// the page lists them in its own language, with names (the refusal
/// itself reads in English, as API problems do).
async fn checked<T>(
    state: &AppState,
    ctx: &Ctx,
    number: &str,
    result: Result<T, AppError>,
    flash: &str,
) -> Result<Response, PageError> {
    match result {
        Err(AppError::Invalid(fields))
            if fields
                .iter()
                .all(|f| f.field == "lines" || f.field == "order") =>
        {
            let order = state.app.order(&ctx.caller, number).await?;
            let errors = order
                .checks
                .iter()
                .map(|check| {
                    let text = check_text(ctx.lang, check);
                    match check.line {
                        Some(line) => ("lines".to_owned(), format!("#{line} {text}")),
                        None => ("order".to_owned(), text),
                    }
                })
                .collect();
            let mut response = detail_page(state, ctx, number, errors).await?;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        other => acted(state, ctx, number, other, flash).await,
    }
}

async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let result = state.app.submit_order(&ctx.caller, &number).await;
    checked(&state, &ctx, &number, result, "orders.submitted").await
}

async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(number): Path<String>,
) -> Result<Response, PageError> {
    let result = state.app.approve_order(&ctx.caller, &number).await;
    checked(&state, &ctx, &number, result, "orders.approved").await
}

async fn reject(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(number): Path<String>,
    PageForm(input): PageForm<ReasonInput>,
) -> Result<Response, PageError> {
    let result = state.app.reject_order(&ctx.caller, &number, &input).await;
    acted(&state, &ctx, &number, result, "orders.rejected").await
}

async fn cancel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(number): Path<String>,
    PageForm(input): PageForm<ReasonInput>,
) -> Result<Response, PageError> {
    let result = state.app.cancel_order(&ctx.caller, &number, &input).await;
    acted(&state, &ctx, &number, result, "orders.cancelled").await
}

/// The ship form: `shipped_on`, and `qty_{line}` / `serials_{line}` per line.
async fn ship(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(number): Path<String>,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let mut lines: Vec<ShipLineInput> = form
        .iter()
        .filter_map(|(key, qty)| {
            let line_no = key.strip_prefix("qty_")?.parse().ok()?;
            Some(ShipLineInput {
                line_no,
                qty: qty.clone(),
                serials: form
                    .get(&format!("serials_{line_no}"))
                    .cloned()
                    .unwrap_or_default(),
            })
        })
        .collect();
    lines.sort_by_key(|l| l.line_no);
    let input = ShipInput {
        shipped_on: form.get("shipped_on").cloned().unwrap_or_default(),
        lines,
    };
    let result = state.app.ship_order(&ctx.caller, &number, &input).await;
    acted(&state, &ctx, &number, result, "orders.shipped").await
}

async fn take_back(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(number): Path<String>,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let get = |key: &str| form.get(key).cloned().unwrap_or_default();
    // The form names a shipment line as `SH-000001/2` (shipment/line).
    let target = get("shipment_line");
    let (shipment, line_no) = target.split_once('/').unwrap_or((target.as_str(), "0"));
    let input = ReturnInput {
        shipment: shipment.to_owned(),
        line_no: line_no.parse().unwrap_or(0),
        qty: get("qty"),
        reason: get("reason"),
        returned_on: get("returned_on"),
    };
    let result = state.app.return_goods(&ctx.caller, &number, &input).await;
    acted(&state, &ctx, &number, result, "orders.returned").await
}

async fn credit_note(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(number): Path<String>,
    PageForm(input): PageForm<CreditNoteInput>,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::IssueCreditNotes) {
        return Err(AppError::Forbidden.into());
    }
    // The invoice must be one of this order's: another is not found here.
    let order = state.app.order(&ctx.caller, &number).await?;
    let result = if order
        .shipments
        .iter()
        .any(|s| s.invoice.as_deref() == Some(input.invoice.trim()))
    {
        state.app.issue_credit_note(&ctx.caller, &input).await
    } else {
        Err(AppError::NotFound("invoice"))
    };
    acted(&state, &ctx, &number, result, "orders.credited").await
}
