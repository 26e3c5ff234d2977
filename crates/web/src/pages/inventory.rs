//! Channel inventory pages: on hand by partner × product (count against
//! derived figure, days of cover, overstock and stock-out lists), stock
//! counts (a partner enters or uploads its own), and data quality (scores
//! by partner and month, the missing reports). Partner users see the same
//! pages for their own organisation.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use qudao_app::Permission;
use qudao_app::inventory::{
    CountInput, CountView, DataQualityView, InventoryQuery, InventoryView, MissingReport,
    QualityQuery, StockRow,
};
use qudao_domain::Problem;
use qudao_domain::inventory::{Cover, StockFilter, StockSort};
use serde::Deserialize;

use super::pick::Pick;
use super::{ListParams, PageForm, error_for, export_list, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, ListLinks};
use crate::routes::Routes;

const STOCK: &str = "/inventory";
const COUNTS: &str = "/inventory/counts";
const QUALITY: &str = "/inventory/quality";

pub(super) fn routes() -> Routes {
    Routes::new()
        .get(STOCK, stock)
        .get(COUNTS, counts)
        .post(COUNTS, record)
        .get(QUALITY, quality)
}

fn product_name<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::En if !en.is_empty() => en,
        _ => zh,
    }
}

// ---------------------------------------------------------------------------
// On hand
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct StockParams {
    partner: Option<String>,
    line: Option<String>,
    as_of: Option<String>,
    status: Option<String>,
    #[serde(flatten)]
    list: ListParams,
}

/// The status filter's choices, as the URL names them.
const STATUSES: &[StockFilter] = StockFilter::ALL;
/// The sort choices; partner order first (the default).
const SORTS: &[StockSort] = StockSort::ALL;

#[derive(Template)]
#[template(path = "inventory/stock.html")]
struct StockPage {
    c: Chrome,
    view: Option<InventoryView>,
    links: ListLinks,
    errors: Vec<(String, String)>,
}

impl StockPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn product<'a>(&self, row: &'a StockRow) -> &'a str {
        product_name(self.c.lang, &row.product_name_zh, &row.product_name_en)
    }

    fn cover(&self, cover: &Cover) -> String {
        match cover {
            Cover::Days(days) => self.c.tf("inventory.days", days),
            Cover::NoSales => self.c.t("inventory.no_sales").to_owned(),
            Cover::Empty => "—".to_owned(),
        }
    }

    fn status_is(&self, status: &str) -> bool {
        self.links.filter_value("status") == status
    }

    fn sort_is(&self, sort: &str) -> bool {
        let chosen = self.links.sort.as_str();
        chosen == sort || (chosen.is_empty() && sort == StockSort::Partner.as_str())
    }

    /// The list with the status filter set to `status` (empty: all), on
    /// its first page, the other filters and the sort kept.
    fn status_href(&self, status: &str) -> String {
        let mut links = ListLinks {
            filters: self.links.filters.clone(),
            base: self.links.base.clone(),
            sort: self.links.sort.clone(),
            desc: false,
            page: 1,
            pages: 1,
            total: 0,
        };
        for (name, value) in &mut links.filters {
            if name == "status" {
                status.clone_into(value);
            }
        }
        links.page_href(1)
    }
}

async fn stock(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<StockParams>,
) -> Result<Response, PageError> {
    let partner =
        super::pick::resolve_opt(&state, &ctx, Pick::Partner, super::filter(&params.partner))
            .await?;
    let query = InventoryQuery {
        partner,
        line: super::pick::resolve_opt(
            &state,
            &ctx,
            Pick::ProductLine,
            super::filter(&params.line),
        )
        .await?,
        as_of: super::filter(&params.as_of),
        status: super::filter(&params.status),
        sort: super::filter(&params.list.sort),
    };
    let request = params.list.page_request();
    let (view, errors) = match state.app.inventory(&ctx.caller, &query, request).await {
        Ok(view) => (Some(view), Vec::new()),
        Err(err) => (None, super::field_errors(ctx.lang, err)?.1),
    };
    let keep =
        |name: &str, value: &Option<String>| (name.to_owned(), value.clone().unwrap_or_default());
    let links = ListLinks {
        base: STOCK.to_owned(),
        filters: vec![
            keep("partner", &params.partner),
            keep("line", &params.line),
            keep("as_of", &params.as_of),
            keep("status", &params.status),
            // A chosen page size stays for the next pages.
            keep("per_page", &params.list.per_page),
        ],
        sort: params.list.sort.clone().unwrap_or_default(),
        desc: false,
        page: view.as_ref().map_or(1, |v| v.page),
        pages: view.as_ref().map_or(1, InventoryView::pages),
        total: view.as_ref().map_or(0, |v| v.total),
    };
    let title = ctx.lang.t("inventory.title").to_owned();
    let c = Chrome::new(&ctx, STOCK, title.clone(), vec![(title, None)]).await?;
    render(&StockPage {
        c,
        view,
        links,
        errors,
    })
}

// ---------------------------------------------------------------------------
// Stock counts
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct CountParams {
    partner: Option<String>,
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "inventory/counts.html")]
struct CountsPage {
    c: Chrome,
    rows: Vec<CountView>,
    /// Staff name the partner; a partner's user counts for itself.
    pick_partner: bool,
    can_report: bool,
    input: CountInput,
    errors: Vec<(String, String)>,
}

impl CountsPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn product<'a>(&self, row: &'a CountView) -> &'a str {
        product_name(self.c.lang, &row.product_name_zh, &row.product_name_en)
    }
}

async fn counts_page(
    state: &AppState,
    ctx: &Ctx,
    input: CountInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let rows = state.app.stock_counts(&ctx.caller, None).await?;
    let title = ctx.lang.t("inventory.counts").to_owned();
    let c = Chrome::new(ctx, COUNTS, title.clone(), vec![(title, None)]).await?;
    render(&CountsPage {
        c,
        rows,
        pick_partner: !ctx.caller.role.is_partner_role(),
        can_report: ctx.caller.can(Permission::ReportStockCounts),
        input,
        errors,
    })
}

async fn counts(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<CountParams>,
) -> Result<Response, PageError> {
    if params.format.as_deref() == Some("xlsx") {
        let filters = vec![("partner".to_owned(), params.partner.unwrap_or_default())];
        return export_list(&state, &ctx, "stock-counts", filters).await;
    }
    let input = CountInput {
        counted_on: qudao_app::today().to_string(),
        ..CountInput::default()
    };
    counts_page(&state, &ctx, input, Vec::new()).await
}

async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(mut input): PageForm<CountInput>,
) -> Result<Response, PageError> {
    // The pickers post a name or a code; the record takes the code.
    if !input.partner_code.trim().is_empty() {
        input.partner_code =
            super::pick::resolve(&state, &ctx, Pick::Partner, input.partner_code.clone()).await?;
    }
    if !input.sku.trim().is_empty() {
        input.sku = super::pick::resolve(&state, &ctx, Pick::Product, input.sku.clone()).await?;
    }
    let result = state.app.record_stock_count(&ctx.caller, &input).await;
    let lang = ctx.lang;
    saved_or_redisplayed(
        &ctx,
        result,
        |count| {
            let what = format!("{} {} {}", count.sku, count.counted_on, count.qty);
            (lang.tf("inventory.count_saved", what), COUNTS.to_owned())
        },
        async |errors| counts_page(&state, &ctx, input, errors).await,
    )
    .await
}

// ---------------------------------------------------------------------------
// Data quality
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct QualityParams {
    partner: Option<String>,
    months: Option<String>,
    /// `all`: every silent partner, not the first [`MISSING_SHOWN`].
    missing: Option<String>,
    #[serde(flatten)]
    list: ListParams,
}

/// Silent partners listed before "show all": enough for a manager's
/// calls of the day without pushing the scores off the page.
const MISSING_SHOWN: usize = 20;
/// The choices of how many months to score.
const QUALITY_MONTHS: &[u32] = &[1, 3, 6, 12];

#[derive(Template)]
#[template(path = "inventory/quality.html")]
struct QualityPage {
    c: Chrome,
    view: Option<DataQualityView>,
    staff: bool,
    links: ListLinks,
    all_missing: bool,
    errors: Vec<(String, String)>,
}

impl QualityPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    /// Whether `months` is how many months the scores cover.
    fn months_are(&self, months: &u32) -> bool {
        self.view
            .as_ref()
            .is_some_and(|v| v.months.len() == *months as usize)
    }

    /// The silent partners this page lists.
    fn missing<'a>(&self, view: &'a DataQualityView) -> &'a [MissingReport] {
        if self.all_missing {
            &view.missing
        } else {
            &view.missing[..view.missing.len().min(MISSING_SHOWN)]
        }
    }

    fn all_missing_href(&self) -> String {
        let mut href = self.links.page_href(self.links.page);
        href.push_str(if href.contains('?') { "&" } else { "?" });
        href.push_str("missing=all");
        href
    }
}

async fn quality(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<QualityParams>,
) -> Result<Response, PageError> {
    let partner =
        super::pick::resolve_opt(&state, &ctx, Pick::Partner, super::filter(&params.partner))
            .await?;
    let mut errors = Vec::new();
    // A number of months that does not read is said, not taken as 3.
    let months = match super::filter(&params.months) {
        None => None,
        Some(typed) => match typed.trim().parse() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push((
                    "months".to_owned(),
                    ctx.lang.problem(&Problem::Format { expected: "3" }),
                ));
                None
            }
        },
    };
    let query = QualityQuery { partner, months };
    let view = if errors.is_empty() {
        match state
            .app
            .data_quality(&ctx.caller, &query, params.list.page_request())
            .await
        {
            Ok(view) => Some(view),
            Err(err) => {
                errors = super::field_errors(ctx.lang, err)?.1;
                None
            }
        }
    } else {
        None
    };
    let keep =
        |name: &str, value: &Option<String>| (name.to_owned(), value.clone().unwrap_or_default());
    let links = ListLinks {
        base: QUALITY.to_owned(),
        filters: vec![
            keep("partner", &params.partner),
            keep("months", &params.months),
            keep("per_page", &params.list.per_page),
        ],
        sort: String::new(),
        desc: false,
        page: view.as_ref().map_or(1, |v| v.page),
        pages: view.as_ref().map_or(1, DataQualityView::pages),
        total: view.as_ref().map_or(0, |v| v.total),
    };
    let title = ctx.lang.t("inventory.quality").to_owned();
    let c = Chrome::new(&ctx, QUALITY, title.clone(), vec![(title, None)]).await?;
    render(&QualityPage {
        c,
        view,
        staff: !ctx.caller.role.is_partner_role(),
        links,
        all_missing: params.missing.as_deref() == Some("all"),
        errors,
    })
}
