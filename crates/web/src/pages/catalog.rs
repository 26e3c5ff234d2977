//! Catalog pages: the product list (filters, sorting, paging, export), a
//! product's page and form, and the product lines with their channel rules.
//! Partner users get the same product list, read-only, limited by the app
//! to their channel's lines and without cost.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use qudao_app::Permission;
use qudao_app::catalog::{
    ChannelRuleInput, ProductInput, ProductLineInput, ProductLineView, ProductQuery, ProductSort,
    ProductView,
};
use qudao_app::grades::GradeView;
use qudao_domain::catalog::CatalogStatus;
use qudao_domain::partners::PartnerType;
use serde::Deserialize;

use super::pick::{self, Pick};
use super::{ListParams, PageForm, export_list, filter, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::layout::{Chrome, ListLinks, crumb, name_code};

const PRODUCTS: &str = "/catalog/products";
const LINES: &str = "/catalog/lines";

pub(super) fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .get(PRODUCTS, list)
        .post(PRODUCTS, create)
        .get("/catalog/products/new", new_form)
        .get("/catalog/products/{sku}", detail)
        .get("/catalog/products/{sku}/edit", edit_form)
        .post("/catalog/products/{sku}", update)
        .post("/catalog/products/{sku}/discontinue", discontinue)
        .get(LINES, lines)
        .post(LINES, create_line)
        .get("/catalog/lines/{code}", line)
        .post("/catalog/lines/{code}", update_line)
        .post("/catalog/lines/{code}/channels", add_channel)
        .post("/catalog/lines/{code}/channels/{id}/remove", remove_channel)
}

/// A product's name in the page's language.
fn product_name<'a>(c: &Chrome, p: &'a ProductView) -> &'a str {
    if c.lang == crate::i18n::Lang::En {
        &p.name_en
    } else {
        &p.name
    }
}

/// A line's name in the page's language.
fn line_name<'a>(c: &Chrome, l: &'a ProductLineView) -> &'a str {
    if c.lang == crate::i18n::Lang::En {
        &l.name_en
    } else {
        &l.name
    }
}

#[derive(Debug, Default, Deserialize)]
struct ProductParams {
    product_line: Option<String>,
    category: Option<String>,
    status: Option<String>,
    new: Option<String>,
    q: Option<String>,
    #[serde(flatten)]
    list: ListParams,
}

#[derive(Template)]
#[template(path = "catalog/products.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<ProductView>,
    links: ListLinks,
    lines: Vec<ProductLineView>,
    categories: Vec<String>,
    statuses: &'static [CatalogStatus],
    can_manage: bool,
    /// Staff see the cost column; partner users never get a cost.
    shows_cost: bool,
    new_days: u32,
}

impl ListPage {
    fn product_name<'a>(&self, p: &'a ProductView) -> &'a str {
        product_name(&self.c, p)
    }

    fn line_name<'a>(&self, l: &'a ProductLineView) -> &'a str {
        line_name(&self.c, l)
    }
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<ProductParams>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if params.list.wants_xlsx() {
        return export_list(&state, &ctx, "products", pairs).await;
    }
    let query = ProductQuery {
        product_line: filter(&params.product_line),
        category: filter(&params.category),
        status: filter(&params.status).and_then(|s| CatalogStatus::parse(&s).ok()),
        new_only: filter(&params.new).is_some(),
        q: filter(&params.q),
    };
    let sort = params
        .list
        .sort
        .as_deref()
        .and_then(ProductSort::parse)
        .unwrap_or_default();
    let page = state
        .app
        .products(
            &ctx.caller,
            &query,
            sort,
            params.list.sort_dir(),
            params.list.page_request(),
        )
        .await?;
    let keep =
        |name: &str, value: &Option<String>| (name.to_owned(), value.clone().unwrap_or_default());
    let links = ListLinks {
        base: PRODUCTS.to_owned(),
        filters: vec![
            keep("product_line", &params.product_line),
            keep("category", &params.category),
            keep("status", &params.status),
            keep("new", &params.new),
            keep("q", &params.q),
        ],
        sort: sort.as_str().to_owned(),
        desc: params.list.desc(),
        page: page.page,
        pages: page.pages(),
        total: page.total,
    };
    let lines = state.app.product_lines(&ctx.caller).await?;
    let categories = state.app.product_categories(&ctx.caller).await?;
    let title = ctx.lang.t("catalog.products").to_owned();
    let c = Chrome::new(&ctx, PRODUCTS, title.clone(), vec![(title, None)]).await?;
    render(&ListPage {
        c,
        rows: page.items,
        links,
        lines,
        categories,
        statuses: CatalogStatus::ALL,
        can_manage: ctx.caller.can(Permission::ManageCatalog),
        shows_cost: !ctx.caller.role.is_partner_role(),
        new_days: state.app.new_product_days().await?,
    })
}

#[derive(Template)]
#[template(path = "catalog/product.html")]
struct DetailPage {
    c: Chrome,
    p: ProductView,
    can_manage: bool,
}

impl DetailPage {
    fn discontinue_confirm(&self) -> String {
        let lang = self.c.lang;
        crate::forms::confirm_text(
            lang,
            &[
                lang.tf(
                    "catalog.confirm_discontinue",
                    crate::forms::named(lang, product_name(&self.c, &self.p), &self.p.sku),
                ),
                lang.t("confirm.irreversible").to_owned(),
            ],
        )
    }
}

async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(sku): Path<String>,
) -> Result<Response, PageError> {
    let p = state.app.product(&ctx.caller, &sku).await?;
    let c = Chrome::new(
        &ctx,
        PRODUCTS,
        String::new(),
        vec![crumb(ctx.lang, "catalog.products", PRODUCTS)],
    )
    .await?;
    let mut page = DetailPage {
        c,
        p,
        can_manage: ctx.caller.can(Permission::ManageCatalog),
    };
    page.c.title = name_code(ctx.lang, product_name(&page.c, &page.p), &page.p.sku);
    page.c.crumbs.push(crate::layout::Crumb {
        label: page.c.title.clone(),
        href: None,
    });
    render(&page)
}

#[derive(Template)]
#[template(path = "catalog/product_form.html")]
struct FormPage {
    c: Chrome,
    /// The product being changed; `None` for a new one.
    sku: Option<String>,
    input: ProductInput,
    errors: Vec<(String, String)>,
    statuses: &'static [CatalogStatus],
}

impl FormPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }

    fn action(&self) -> String {
        self.sku
            .as_ref()
            .map_or_else(|| PRODUCTS.to_owned(), |sku| format!("{PRODUCTS}/{sku}"))
    }

    fn serial_tracked(&self) -> bool {
        self.input.serial_tracked.unwrap_or(false)
    }

    fn status_is(&self, status: &CatalogStatus) -> bool {
        self.input.status.as_deref().unwrap_or("active") == status.as_str()
    }
}

async fn form_page(
    ctx: &Ctx,
    sku: Option<String>,
    input: ProductInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let title = match &sku {
        None => ctx.lang.t("catalog.new_product").to_owned(),
        Some(sku) => ctx.lang.tf("catalog.edit_product", sku),
    };
    let c = Chrome::new(
        ctx,
        PRODUCTS,
        title.clone(),
        vec![crumb(ctx.lang, "catalog.products", PRODUCTS), (title, None)],
    )
    .await?;
    render(&FormPage {
        c,
        sku,
        input,
        errors,
        statuses: CatalogStatus::ALL,
    })
}

async fn new_form(ctx: Ctx) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManageCatalog) {
        return Err(qudao_app::AppError::Forbidden.into());
    }
    let input = ProductInput {
        currency: "CNY".to_owned(),
        ..ProductInput::default()
    };
    form_page(&ctx, None, input, Vec::new()).await
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(sku): Path<String>,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManageCatalog) {
        return Err(qudao_app::AppError::Forbidden.into());
    }
    let p = state.app.product(&ctx.caller, &sku).await?;
    let input = ProductInput {
        sku: p.sku.clone(),
        name: p.name,
        name_en: p.name_en,
        product_line: p.product_line,
        category: p.category,
        unit: p.unit,
        currency: p.currency,
        list_price: p.list_price,
        cost: p.cost,
        launch_date: p.launch_date.map(|d| d.to_string()),
        serial_tracked: Some(p.serial_tracked),
        status: Some(p.status.as_str().to_owned()),
    };
    form_page(&ctx, Some(p.sku), input, Vec::new()).await
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(mut input): PageForm<ProductInput>,
) -> Result<Response, PageError> {
    input.product_line = pick::resolve(
        &state,
        &ctx,
        Pick::ProductLine,
        std::mem::take(&mut input.product_line),
    )
    .await?;
    let result = state.app.create_product(&ctx.caller, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let name = if ctx.lang == crate::i18n::Lang::En {
                &view.name_en
            } else {
                &view.name
            };
            let text = ctx.lang.tf(
                "catalog.product_created",
                name_code(ctx.lang, name, &view.sku),
            );
            (text, format!("{PRODUCTS}/{}", view.sku))
        },
        async |errors| form_page(&ctx, None, input, errors).await,
    )
    .await
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(sku): Path<String>,
    PageForm(mut input): PageForm<ProductInput>,
) -> Result<Response, PageError> {
    input.product_line = pick::resolve(
        &state,
        &ctx,
        Pick::ProductLine,
        std::mem::take(&mut input.product_line),
    )
    .await?;
    let result = state.app.update_product(&ctx.caller, &sku, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx.lang.tf("catalog.product_saved", &view.sku);
            (text, format!("{PRODUCTS}/{}", view.sku))
        },
        async |errors| form_page(&ctx, Some(sku.clone()), input, errors).await,
    )
    .await
}

async fn discontinue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(sku): Path<String>,
) -> Result<Response, PageError> {
    let view = state.app.discontinue_product(&ctx.caller, &sku).await?;
    crate::auth::set_flash(
        &ctx.session,
        crate::auth::FlashKind::Success,
        ctx.lang.tf("catalog.product_discontinued", &view.sku),
    )
    .await?;
    Ok(axum::response::Redirect::to(&format!("{PRODUCTS}/{}", view.sku)).into_response())
}

// ---------------------------------------------------------------------------
// Product lines

#[derive(Template)]
#[template(path = "catalog/lines.html")]
struct LinesPage {
    c: Chrome,
    lines: Vec<ProductLineView>,
    grades: Vec<GradeView>,
    can_manage: bool,
    input: ProductLineInput,
    errors: Vec<(String, String)>,
}

impl LinesPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }

    fn grade_name(&self, code: &str) -> String {
        grade_name(&self.c, &self.grades, code)
    }

    fn line_name<'a>(&self, l: &'a ProductLineView) -> &'a str {
        line_name(&self.c, l)
    }
}

async fn lines_page(
    state: &AppState,
    ctx: &Ctx,
    input: ProductLineInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let lines = state.app.product_lines(&ctx.caller).await?;
    let grades = state.app.grades(&ctx.caller).await?;
    let title = ctx.lang.t("catalog.lines").to_owned();
    let c = Chrome::new(
        ctx,
        LINES,
        title.clone(),
        vec![crumb(ctx.lang, "catalog.products", PRODUCTS), (title, None)],
    )
    .await?;
    render(&LinesPage {
        c,
        lines,
        grades,
        can_manage: ctx.caller.can(Permission::ManageCatalog),
        input,
        errors,
    })
}

async fn lines(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    lines_page(&state, &ctx, ProductLineInput::default(), Vec::new()).await
}

async fn create_line(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(input): PageForm<ProductLineInput>,
) -> Result<Response, PageError> {
    let result = state.app.create_product_line(&ctx.caller, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let name = if ctx.lang == crate::i18n::Lang::En {
                &view.name_en
            } else {
                &view.name
            };
            let text = ctx.lang.tf(
                "catalog.line_created",
                name_code(ctx.lang, name, &view.code),
            );
            (text, format!("{LINES}/{}", view.code))
        },
        async |errors| lines_page(&state, &ctx, input, errors).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "catalog/line.html")]
struct LinePage {
    c: Chrome,
    line: ProductLineView,
    can_manage: bool,
    input: ProductLineInput,
    rule: ChannelRuleInput,
    errors: Vec<(String, String)>,
    /// Which form the errors belong to: `line` or `rule`.
    failed: &'static str,
    types: &'static [PartnerType],
    grades: Vec<GradeView>,
}

impl LinePage {
    fn error(&self, form: &str, field: &str) -> &str {
        if self.failed == form {
            super::error_for(&self.errors, field)
        } else {
            ""
        }
    }

    fn errors_of(&self, form: &str) -> Vec<(String, String)> {
        if self.failed == form {
            self.errors.clone()
        } else {
            Vec::new()
        }
    }

    fn grade_name(&self, code: &str) -> String {
        grade_name(&self.c, &self.grades, code)
    }

    fn status_is(&self, status: &CatalogStatus) -> bool {
        self.input.status.as_deref().unwrap_or("active") == status.as_str()
    }

    fn statuses(&self) -> &'static [CatalogStatus] {
        CatalogStatus::ALL
    }
}

/// A line page shown again after a refused form: what was typed in both
/// forms, the errors, and which form (`line` or `rule`) they belong to.
type Redisplay = (
    ProductLineInput,
    ChannelRuleInput,
    Vec<(String, String)>,
    &'static str,
);

async fn line_page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    edit: Option<Redisplay>,
) -> Result<Response, PageError> {
    let line = state.app.product_line(&ctx.caller, code).await?;
    let grades = state.app.grades(&ctx.caller).await?;
    let (input, rule, errors, failed) = edit.unwrap_or_else(|| {
        (
            ProductLineInput {
                code: line.code.clone(),
                name: line.name.clone(),
                name_en: line.name_en.clone(),
                status: Some(line.status.as_str().to_owned()),
            },
            ChannelRuleInput::default(),
            Vec::new(),
            "",
        )
    });
    let name = if ctx.lang == crate::i18n::Lang::En {
        &line.name_en
    } else {
        &line.name
    };
    let title = name_code(ctx.lang, name, &line.code);
    let c = Chrome::new(
        ctx,
        LINES,
        title.clone(),
        vec![crumb(ctx.lang, "catalog.lines", LINES), (title, None)],
    )
    .await?;
    render(&LinePage {
        c,
        line,
        can_manage: ctx.caller.can(Permission::ManageCatalog),
        input,
        rule,
        errors,
        failed,
        types: PartnerType::ALL,
        grades,
    })
}

async fn line(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    line_page(&state, &ctx, &code, None).await
}

async fn update_line(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(input): PageForm<ProductLineInput>,
) -> Result<Response, PageError> {
    let result = state
        .app
        .update_product_line(&ctx.caller, &code, &input)
        .await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx.lang.tf("catalog.line_saved", &view.code);
            (text, format!("{LINES}/{}", view.code))
        },
        async |errors| {
            line_page(
                &state,
                &ctx,
                &code,
                Some((input, ChannelRuleInput::default(), errors, "line")),
            )
            .await
        },
    )
    .await
}

async fn add_channel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(rule): PageForm<ChannelRuleInput>,
) -> Result<Response, PageError> {
    let result = state.app.add_channel_rule(&ctx.caller, &code, &rule).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let text = ctx.lang.tf("catalog.channel_added", &view.code);
            (text, format!("{LINES}/{}", view.code))
        },
        async |errors| {
            let line = state.app.product_line(&ctx.caller, &code).await?;
            let input = ProductLineInput {
                code: line.code,
                name: line.name,
                name_en: line.name_en,
                status: Some(line.status.as_str().to_owned()),
            };
            line_page(&state, &ctx, &code, Some((input, rule, errors, "rule"))).await
        },
    )
    .await
}

async fn remove_channel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let view = state
        .app
        .remove_channel_rule(&ctx.caller, &code, id)
        .await?;
    crate::auth::set_flash(
        &ctx.session,
        crate::auth::FlashKind::Success,
        ctx.lang.tf("catalog.channel_removed", &view.code),
    )
    .await?;
    Ok(axum::response::Redirect::to(&format!("{LINES}/{}", view.code)).into_response())
}

/// A channel rule names its grade by code; people read the grade's name.
fn grade_name(c: &Chrome, grades: &[GradeView], code: &str) -> String {
    grades
        .iter()
        .find(|g| g.code == code)
        .map_or_else(|| code.to_owned(), |g| super::grades::grade_name(c, g))
}
