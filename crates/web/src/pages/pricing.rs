//! Price list pages: the list with its filters, a new list's form, a
//! list's page (items with their breaks, the item form while a draft,
//! activate, retire and copy), and the price check (which list prices a
//! product for a partner, quantity and day, and why).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use qudao_app::pricing::{
    CopyInput, ListFilter, PriceItemInput, PriceListDetail, PriceListInput, PriceListView,
    QuoteQuery, QuoteView, parse_break_text,
};
use qudao_app::{AppError, Permission};
use qudao_domain::partners::PartnerType;
use qudao_domain::pricing::{AppliesKind, PriceListStatus, PriceMode};
use serde::Deserialize;

use super::pick::{Pick, resolve};
use super::{PageForm, field_errors, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::layout::{Chrome, crumb};
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/pricing", list)
        .post("/pricing", create)
        .get("/pricing/new", new_form)
        .get("/pricing/check", check)
        .get("/pricing/{code}", detail)
        .post("/pricing/{code}/items", set_item)
        .post("/pricing/{code}/items/{sku}/remove", remove_item)
        .post("/pricing/{code}/activate", activate)
        .post("/pricing/{code}/retire", retire)
        .post("/pricing/{code}/copy", copy)
}

const STATUSES: &[PriceListStatus] = PriceListStatus::ALL;
const KINDS: &[AppliesKind] = AppliesKind::ALL;
const MODES: &[PriceMode] = PriceMode::ALL;
const TYPES: &[PartnerType] = PartnerType::ALL;

/// A list's target in the page's words.
fn target_of(c: &Chrome, list: &PriceListView) -> String {
    match list.applies_to.as_str() {
        "partner_type" => c.label("partner_type", &list.target).to_owned(),
        _ if list.target_name.is_empty() => list.target.clone(),
        _ => crate::layout::name_code(c.lang, &list.target_name, &list.target),
    }
}

fn list_name<'a>(c: &Chrome, list: &'a PriceListView) -> &'a str {
    crate::layout::pick(c.lang, Some(&list.name), Some(&list.name_en))
}

#[derive(Debug, Default, Deserialize)]
struct ListParams {
    status: Option<String>,
    applies_to: Option<String>,
    q: Option<String>,
    /// `xlsx`: the filtered lists as a file the import reads back.
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "pricing/list.html")]
struct ListPage {
    c: Chrome,
    lists: Vec<PriceListView>,
    params: ListParams,
    can_manage: bool,
    staff: bool,
}

impl ListPage {
    fn target(&self, list: &PriceListView) -> String {
        target_of(&self.c, list)
    }

    fn name<'a>(&self, list: &'a PriceListView) -> &'a str {
        list_name(&self.c, list)
    }

    fn selected(value: &Option<String>, option: &str) -> bool {
        value.as_deref() == Some(option)
    }

    /// The export link: the filters shown, as xlsx.
    fn export_href(&self) -> String {
        let mut href = String::from("/pricing?format=xlsx");
        for (name, value) in [
            ("status", &self.params.status),
            ("applies_to", &self.params.applies_to),
            ("q", &self.params.q),
        ] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                href.push_str(&format!("&{name}={}", crate::auth::urlencode(value)));
            }
        }
        href
    }
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<ListParams>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if params.format.as_deref() == Some("xlsx") {
        let filters = pairs
            .into_iter()
            .filter(|(name, _)| name != "format")
            .collect();
        return super::export_list(&state, &ctx, "price-lists", filters).await;
    }
    let filter = ListFilter {
        status: super::filter(&params.status).and_then(|s| PriceListStatus::parse(&s).ok()),
        kind: super::filter(&params.applies_to).and_then(|s| AppliesKind::parse(&s).ok()),
        text: super::filter(&params.q),
    };
    let lists = state.app.price_lists(&ctx.caller, &filter).await?;
    let title = ctx.lang.t("pricing.title").to_owned();
    let c = Chrome::new(&ctx, "/pricing", title.clone(), vec![(title, None)]).await?;
    render(&ListPage {
        c,
        lists,
        params,
        can_manage: keeps_lists(&ctx),
        staff: !ctx.caller.role.is_partner_role(),
    })
}

#[derive(Template)]
#[template(path = "pricing/form.html")]
struct FormPage {
    c: Chrome,
    input: PriceListInput,
    errors: Vec<(String, String)>,
}

impl FormPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

async fn form_page(
    ctx: &Ctx,
    input: PriceListInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let title = ctx.lang.t("pricing.new").to_owned();
    let c = Chrome::new(
        ctx,
        "/pricing",
        title.clone(),
        vec![crumb(ctx.lang, "pricing.title", "/pricing"), (title, None)],
    )
    .await?;
    render(&FormPage { c, input, errors })
}

async fn new_form(ctx: Ctx) -> Result<Response, PageError> {
    if !keeps_lists(&ctx) {
        return Err(AppError::Forbidden.into());
    }
    let today = qudao_app::today();
    let input = PriceListInput {
        applies_to: "partner_type".into(),
        mode: "unified".into(),
        currency: "CNY".into(),
        valid_from: today.to_string(),
        ..Default::default()
    };
    form_page(&ctx, input, Vec::new()).await
}

/// The form names its target with one field per kind; the one the kind
/// chooses is the target.
#[derive(Debug, Default, Deserialize)]
struct CreateForm {
    #[serde(flatten)]
    input: PriceListInput,
    #[serde(default)]
    target_type: String,
    #[serde(default)]
    target_grade: String,
    #[serde(default)]
    target_partner: String,
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<CreateForm>,
) -> Result<Response, PageError> {
    let mut input = form.input;
    input.target = match input.applies_to.as_str() {
        "partner_type" => form.target_type,
        "grade" => form.target_grade,
        _ => resolve(&state, &ctx, Pick::Partner, form.target_partner).await?,
    };
    let result = state.app.create_price_list(&ctx.caller, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |saved| {
            let name = list_name_text(&ctx, &saved);
            (
                ctx.lang.tf("pricing.created", name),
                format!("/pricing/{}", saved.list.code),
            )
        },
        async |errors| form_page(&ctx, input, errors).await,
    )
    .await
}

fn list_name_text(ctx: &Ctx, saved: &PriceListDetail) -> String {
    let name = crate::layout::pick(ctx.lang, Some(&saved.list.name), Some(&saved.list.name_en));
    crate::layout::name_code(ctx.lang, name, &saved.list.code)
}

#[derive(Debug, Default, Deserialize)]
struct ItemForm {
    #[serde(default)]
    sku: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    min: String,
    #[serde(default)]
    max: String,
    #[serde(default)]
    downstream_min: String,
    #[serde(default)]
    downstream_max: String,
    #[serde(default)]
    breaks: String,
}

/// What was typed into the list page's forms, shown again with its errors.
#[derive(Debug, Default)]
struct Typed {
    item: ItemForm,
    copy: CopyInput,
}

#[derive(Template)]
#[template(path = "pricing/detail.html")]
struct DetailPage {
    c: Chrome,
    detail: PriceListDetail,
    can_manage: bool,
    item: ItemForm,
    copy: CopyInput,
    errors: Vec<(String, String)>,
}

impl DetailPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }

    fn errors_of(&self, fields: &[&str]) -> Vec<(String, String)> {
        self.errors
            .iter()
            .filter(|(field, _)| fields.contains(&field.as_str()))
            .cloned()
            .collect()
    }

    /// The breaks field shows what is wrong with any break.
    fn breaks_error(&self) -> &str {
        ["breaks", "from_qty", "break_price"]
            .iter()
            .map(|field| self.error(field))
            .find(|error| !error.is_empty())
            .unwrap_or_default()
    }

    fn target(&self) -> String {
        target_of(&self.c, &self.detail.list)
    }

    fn is(&self, status: &str) -> bool {
        self.detail.list.status == status
    }

    fn money(&self, amount: &str) -> String {
        self.c.money(amount, &self.detail.list.currency)
    }

    fn activate_confirm(&self) -> String {
        let list = &self.detail.list;
        self.c.tf(
            "pricing.confirm_activate",
            format!(
                "{}（{}，{} – {}）",
                list_name(&self.c, list),
                list.code,
                list.valid_from,
                list.valid_to
            ),
        )
    }

    fn retire_confirm(&self) -> String {
        let list = &self.detail.list;
        self.c.tf(
            "pricing.confirm_retire",
            format!("{}（{}）", list_name(&self.c, list), list.code),
        )
    }

    fn product_name<'a>(&self, item: &'a qudao_app::pricing::PriceItemView) -> &'a str {
        crate::layout::pick(
            self.c.lang,
            Some(&item.product_name),
            Some(&item.product_name_en),
        )
    }
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    typed: Typed,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let Typed { item, copy } = typed;
    let detail = state.app.price_list(&ctx.caller, code).await?;
    let name = list_name_text(ctx, &detail);
    let c = Chrome::new(
        ctx,
        "/pricing",
        name.clone(),
        vec![crumb(ctx.lang, "pricing.title", "/pricing"), (name, None)],
    )
    .await?;
    // Ours are kept by those who manage the brand's lists; a
    // distributor's downstream list by its own boss (its code is empty to
    // anyone who does not see that distributor), never by staff.
    let can_manage = match detail.list.seller.as_deref() {
        None => ctx.caller.can(Permission::ManagePriceLists),
        Some(seller) => {
            !seller.is_empty()
                && ctx.caller.role.is_partner_role()
                && ctx.caller.can(Permission::SellDownstream)
        }
    };
    render(&DetailPage {
        c,
        detail,
        can_manage,
        item,
        copy,
        errors,
    })
}

async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    detail_page(&state, &ctx, &code, Typed::default(), Vec::new()).await
}

/// A refused action on a list's page: the page again with the errors.
async fn on_detail<T>(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    result: Result<T, AppError>,
    flash: &str,
    typed: Typed,
    location: impl FnOnce(&T) -> String,
) -> Result<Response, PageError> {
    saved_or_redisplayed(
        ctx,
        result,
        |saved| (ctx.lang.t(flash).to_owned(), location(&saved)),
        async |errors| detail_page(state, ctx, code, typed, errors).await,
    )
    .await
}

async fn set_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(form): PageForm<ItemForm>,
) -> Result<Response, PageError> {
    let sku = resolve(&state, &ctx, Pick::Product, form.sku.clone()).await?;
    let result = match parse_break_text(&form.breaks) {
        Ok(breaks) => {
            let input = PriceItemInput {
                sku,
                price: form.price.clone(),
                min: Some(form.min.clone()),
                max: Some(form.max.clone()),
                downstream_min: Some(form.downstream_min.clone()),
                downstream_max: Some(form.downstream_max.clone()),
                breaks,
            };
            state.app.set_price_item(&ctx.caller, &code, &input).await
        }
        Err(invalid) => Err(invalid.into()),
    };
    let back = format!("/pricing/{code}");
    on_detail(
        &state,
        &ctx,
        &code,
        result,
        "pricing.item_saved",
        Typed {
            item: form,
            ..Typed::default()
        },
        |_| back,
    )
    .await
}

async fn remove_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, sku)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let result = state.app.remove_price_item(&ctx.caller, &code, &sku).await;
    let back = format!("/pricing/{code}");
    on_detail(
        &state,
        &ctx,
        &code,
        result,
        "pricing.item_removed",
        Typed::default(),
        |_| back,
    )
    .await
}

async fn activate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let result = state.app.activate_price_list(&ctx.caller, &code).await;
    let back = format!("/pricing/{code}");
    on_detail(
        &state,
        &ctx,
        &code,
        result,
        "pricing.activated",
        Typed::default(),
        |_| back,
    )
    .await
}

async fn retire(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let result = state.app.retire_price_list(&ctx.caller, &code).await;
    let back = format!("/pricing/{code}");
    on_detail(
        &state,
        &ctx,
        &code,
        result,
        "pricing.retired",
        Typed::default(),
        |_| back,
    )
    .await
}

async fn copy(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(input): PageForm<CopyInput>,
) -> Result<Response, PageError> {
    let result = state.app.copy_price_list(&ctx.caller, &code, &input).await;
    on_detail(
        &state,
        &ctx,
        &code,
        result,
        "pricing.copied",
        Typed {
            copy: input,
            ..Typed::default()
        },
        |saved| format!("/pricing/{}", saved.list.code),
    )
    .await
}

#[derive(Template)]
#[template(path = "pricing/check.html")]
struct CheckPage {
    c: Chrome,
    query: QuoteQuery,
    quote: Option<QuoteView>,
    errors: Vec<(String, String)>,
}

impl CheckPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }

    fn product_name<'a>(&self, q: &'a QuoteView) -> &'a str {
        crate::layout::pick(self.c.lang, Some(&q.product_name), Some(&q.product_name_en))
    }

    fn list_name<'a>(&self, q: &'a QuoteView) -> &'a str {
        crate::layout::pick(self.c.lang, Some(&q.list_name), Some(&q.list_name_en))
    }

    fn money(&self, amount: &str) -> String {
        self.quote
            .as_ref()
            .map_or_else(String::new, |q| self.c.money(amount, &q.currency))
    }
}

/// The price check: asked by GET, so a check can be linked and repeated;
/// a question that cannot be answered says why next to its field.
async fn check(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(mut query): Query<QuoteQuery>,
) -> Result<Response, PageError> {
    let asked = !query.partner.trim().is_empty() || !query.sku.trim().is_empty();
    let (mut quote, mut errors, mut status) = (None, Vec::new(), StatusCode::OK);
    if asked {
        query.partner = resolve(&state, &ctx, Pick::Partner, query.partner).await?;
        query.sku = resolve(&state, &ctx, Pick::Product, query.sku).await?;
        match state.app.quote(&ctx.caller, &query).await {
            Ok(found) => quote = Some(found),
            Err(err) => (status, errors) = field_errors(ctx.lang, err)?,
        }
    } else {
        query.qty = "1".into();
        query.date = qudao_app::today().to_string();
    }
    let title = ctx.lang.t("pricing.check").to_owned();
    let c = Chrome::new(
        &ctx,
        "/pricing/check",
        title.clone(),
        vec![crumb(ctx.lang, "pricing.title", "/pricing"), (title, None)],
    )
    .await?;
    let mut response = render(&CheckPage {
        c,
        query,
        quote,
        errors,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// Who may create price lists: the brand's list keepers, and a
/// distributor's boss for its own downstream lists.
fn keeps_lists(ctx: &Ctx) -> bool {
    ctx.caller.can(Permission::ManagePriceLists) || ctx.caller.can(Permission::SellDownstream)
}
