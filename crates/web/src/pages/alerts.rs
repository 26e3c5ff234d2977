//! Alert pages (internal: partner roles are refused, as in the API): the
//! list with its filters (kind, open or acknowledged, partner), an alert's
//! page with the figures behind it and the acknowledgement form, and the
//! one sentence per alert the home page's panel shows too.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use qudao_app::alerts::{AlertQuery, AlertView};
use qudao_app::{AppError, Page, Permission};
use qudao_domain::alerts::{AlertKind, AlertNumber};
use serde::Deserialize;

use super::pick::{Pick, resolve_opt};
use super::{ListParams, PageForm, error_for, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, ListLinks, crumb};
use crate::routes::Routes;

const LIST: &str = "/alerts";
const KINDS: &[AlertKind] = AlertKind::ALL;
/// The status filter's choices; the list opens on what still needs someone.
const STATUSES: [&str; 3] = ["open", "acknowledged", "all"];
const DEFAULT_STATUS: &str = "open";

pub(super) fn routes() -> Routes {
    Routes::new()
        .get(LIST, list)
        .get("/alerts/{id}", detail)
        .post("/alerts/{id}/acknowledge", acknowledge)
}

/// Partner roles get the same 403 the API gives: alerts are internal.
fn require_staff(ctx: &Ctx) -> Result<(), PageError> {
    if ctx.caller.can(Permission::ViewAlerts) {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

// ---------------------------------------------------------------------------
// Figures and sentences, as people read them
// ---------------------------------------------------------------------------

/// A figure as a sentence writes it, its unit left to the sentence:
/// `¥235,660.00`, `35.2%`, `2.5`, `119`, `2026-10`.
fn figure_value(number: &AlertNumber) -> String {
    match number {
        AlertNumber::Money(money) => money.formatted(),
        AlertNumber::Percent(value) => format!("{}%", value.normalize()),
        AlertNumber::Multiple(value) => value.normalize().to_string(),
        AlertNumber::Days(n) | AlertNumber::Units(n) | AlertNumber::Count(n) => {
            qudao_domain::money::grouped_count(*n)
        }
        AlertNumber::Month(month) => month.to_string(),
        AlertNumber::Date(date) => date.to_string(),
        AlertNumber::Sku(sku) => sku.to_string(),
    }
}

/// A figure on its own, with its unit (`119 天`, `2.5 倍`).
fn figure_with_unit(lang: Lang, number: &AlertNumber) -> String {
    let value = figure_value(number);
    match number {
        AlertNumber::Days(_) => lang.tf("alerts.days", value),
        AlertNumber::Units(_) => lang.tf("alerts.units", value),
        AlertNumber::Multiple(_) => lang.tf("alerts.times", value),
        _ => value,
    }
}

/// The product of an overstock or stock-out alert by its name in `lang`
/// (its sku when no product has it any more).
fn product_name(lang: Lang, alert: &AlertView) -> &str {
    alert.product.as_ref().map_or("", |p| {
        let name = crate::layout::pick(lang, Some(&p.name), Some(&p.name_en));
        if name.is_empty() { &p.sku } else { name }
    })
}

/// What an alert says, in one sentence of `lang` (the partner named beside
/// it): the kind's sentence (`alert_sentence.{kind}`) with each `{figure}`
/// filled in as people read it, and `{product}` the product's name.
pub(crate) fn sentence(lang: Lang, alert: &AlertView) -> String {
    let mut text = lang
        .t(&format!("alert_sentence.{}", alert.kind.as_str()))
        .to_owned();
    for figure in &alert.figures {
        text = text.replace(
            &format!("{{{}}}", figure.name),
            &figure_value(&figure.number),
        );
    }
    text.replace("{product}", product_name(lang, alert))
}

// ---------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct Params {
    kind: Option<String>,
    status: Option<String>,
    partner: Option<String>,
    #[serde(flatten)]
    list: ListParams,
}

#[derive(Template)]
#[template(path = "alerts/list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<AlertView>,
    links: ListLinks,
    errors: Vec<(String, String)>,
}

impl ListPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn sentence(&self, alert: &AlertView) -> String {
        sentence(self.c.lang, alert)
    }

    fn figure(&self, number: &AlertNumber) -> String {
        figure_with_unit(self.c.lang, number)
    }

    fn status_is(&self, status: &str) -> bool {
        self.links.filter_value("status") == status
    }
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(params): Query<Params>,
) -> Result<Response, PageError> {
    require_staff(&ctx)?;
    let partner = resolve_opt(&state, &ctx, Pick::Partner, super::filter(&params.partner)).await?;
    let status = super::filter(&params.status).unwrap_or_else(|| DEFAULT_STATUS.to_owned());
    let query = AlertQuery {
        kind: super::filter(&params.kind),
        status: Some(status.clone()),
        partner,
    };
    let (page, errors) = match state
        .app
        .alerts(&ctx.caller, &query, params.list.page_request())
        .await
    {
        Ok(page) => (page, Vec::new()),
        Err(err) => {
            let (_, errors) = super::field_errors(ctx.lang, err)?;
            (Page::slice(Vec::new(), params.list.page_request()), errors)
        }
    };
    let links = ListLinks {
        base: LIST.to_owned(),
        filters: vec![
            ("kind".to_owned(), params.kind.clone().unwrap_or_default()),
            ("status".to_owned(), status),
            (
                "partner".to_owned(),
                params.partner.clone().unwrap_or_default(),
            ),
        ],
        sort: String::new(),
        desc: false,
        page: page.page,
        pages: page.pages(),
        total: page.total,
    };
    let title = ctx.lang.t("alerts.title").to_owned();
    let c = Chrome::new(&ctx, LIST, title.clone(), vec![(title, None)]).await?;
    render(&ListPage {
        c,
        rows: page.items,
        links,
        errors,
    })
}

// ---------------------------------------------------------------------------
// An alert's page and its acknowledgement
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct AcknowledgeForm {
    #[serde(default)]
    note: String,
}

#[derive(Template)]
#[template(path = "alerts/detail.html")]
struct DetailPage {
    c: Chrome,
    alert: AlertView,
    can_acknowledge: bool,
    note: String,
    errors: Vec<(String, String)>,
}

impl DetailPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn sentence(&self) -> String {
        sentence(self.c.lang, &self.alert)
    }

    fn figure(&self, number: &AlertNumber) -> String {
        figure_with_unit(self.c.lang, number)
    }

    fn product(&self) -> &str {
        product_name(self.c.lang, &self.alert)
    }

    /// The stock page listing every product a stock alert counts, as it
    /// is now (the alert names only one).
    fn stock_list(&self) -> Option<String> {
        let status = match self.alert.kind {
            AlertKind::Overstock => "overstock",
            AlertKind::StockOut => "stock_out",
            _ => return None,
        };
        Some(format!(
            "/inventory?status={status}&partner={}",
            self.alert.partner_code
        ))
    }

    fn action(&self) -> String {
        format!("/alerts/{}/acknowledge", self.alert.id)
    }

    fn confirm(&self) -> String {
        self.c.tf(
            "alerts.confirm",
            crate::layout::name_code(
                self.c.lang,
                &self.alert.partner_name,
                &self.alert.partner_code,
            ),
        )
    }
}

async fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    note: String,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    require_staff(ctx)?;
    let alert = state.app.alert(&ctx.caller, id).await?;
    let title = format!(
        "{} · {}",
        ctx.lang.t(&format!("alert_kind.{}", alert.kind.as_str())),
        alert.partner_name
    );
    let c = Chrome::new(
        ctx,
        LIST,
        title.clone(),
        vec![crumb(ctx.lang, "alerts.title", LIST), (title, None)],
    )
    .await?;
    render(&DetailPage {
        c,
        can_acknowledge: ctx.caller.can(Permission::AcknowledgeAlerts)
            && alert.acknowledged.is_none(),
        alert,
        note,
        errors,
    })
}

async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    detail_page(&state, &ctx, id, String::new(), Vec::new()).await
}

async fn acknowledge(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<AcknowledgeForm>,
) -> Result<Response, PageError> {
    let result = state
        .app
        .acknowledge_alert(&ctx.caller, id, &form.note)
        .await;
    saved_or_redisplayed(
        &ctx,
        result,
        |done| {
            (
                ctx.lang.tf(
                    "alerts.acknowledged_flash",
                    crate::layout::name_code(ctx.lang, &done.partner_name, &done.partner_code),
                ),
                format!("/alerts/{id}"),
            )
        },
        async |errors| detail_page(&state, &ctx, id, form.note.clone(), errors).await,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use qudao_app::alerts::{AlertProduct, Figure};
    use qudao_domain::money::{Currency, Money};
    use rust_decimal::Decimal;

    fn alert(kind: AlertKind, cause: &str, figures: Vec<(&str, AlertNumber)>) -> AlertView {
        AlertView {
            id: 1,
            partner_code: "P00082".into(),
            partner_name: "郑州众诚食品销售有限公司".into(),
            kind,
            product: matches!(kind, AlertKind::Overstock).then(|| AlertProduct {
                sku: "TEA-1".into(),
                name: "龙井".into(),
                name_en: "Longjing".into(),
            }),
            cause: cause.into(),
            figures: figures
                .into_iter()
                .map(|(name, number)| Figure {
                    name: name.into(),
                    number,
                })
                .collect(),
            raised_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            acknowledged: None,
        }
    }

    #[test]
    fn an_alert_reads_as_one_sentence_with_its_figures_as_people_read_them() {
        let cny = |minor| AlertNumber::Money(Money::from_minor(minor, Currency::CNY));
        let overdue = alert(
            AlertKind::Overdue,
            "overdue:P00082:QC-2026-00055",
            vec![
                ("amount", cny(23_566_000)),
                ("invoices", AlertNumber::Count(3)),
                ("oldest_days", AlertNumber::Days(119)),
                ("threshold_days", AlertNumber::Days(30)),
                ("threshold_amount", cny(100_000)),
            ],
        );
        assert_eq!(
            sentence(Lang::ZhCn, &overdue),
            "逾期应收 ¥235,660.00（3 张发票，最久逾期 119 天；阈值 30 天）"
        );
        assert_eq!(
            sentence(Lang::En, &overdue),
            "¥235,660.00 overdue (3 invoices, the oldest 119 days late; threshold 30 days)"
        );
        let overstock = alert(
            AlertKind::Overstock,
            "overstock:P00082:2026-12",
            vec![
                ("products", AlertNumber::Count(3)),
                ("on_hand", AlertNumber::Units(12_000)),
                ("sold", AlertNumber::Units(0)),
                ("window_days", AlertNumber::Days(90)),
                ("threshold_days", AlertNumber::Days(60)),
            ],
        );
        assert_eq!(
            sentence(Lang::ZhCn, &overstock),
            "3 个产品库存积压；库存最多的 龙井 有 12,000 件，近 90 天售出 0 件（阈值为可售 60 天）"
        );
        assert!(
            sentence(Lang::En, &overstock)
                .starts_with("Products overstocked: 3; the most units: Longjing, 12,000 on hand")
        );
        assert_eq!(
            figure_value(&AlertNumber::Percent(Decimal::new(3520, 2))),
            "35.2%"
        );
        assert_eq!(
            figure_with_unit(Lang::ZhCn, &AlertNumber::Multiple(Decimal::new(250, 2))),
            "2.5 倍"
        );
    }
}
