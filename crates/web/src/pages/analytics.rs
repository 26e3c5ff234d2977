//! The analytics dashboard (the manager's home for numbers, a partner's
//! own in the portal) and the lines behind any number on it. The URL holds
//! every choice, so a view can be bookmarked and shared; every chart and
//! number links one level down (province → city → partner → product) and
//! finally to its lines.

use askama::Template;
use axum::extract::{Query, RawQuery, State};
use axum::response::Response;
use qudao_app::analytics::{Answer, ForecastView, Line, QueryText, text_from_pairs};
use qudao_app::{AppError, Page};
use qudao_domain::money::{Currency, Money};
use serde::Deserialize;
use serde_json::json;

use super::pick::Pick;
use super::{ListParams, error_for, render};
use crate::AppState;
use crate::auth::{Ctx, urlencode};
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, ListLinks};
use crate::routes::Routes;

const DASHBOARD: &str = "/analytics";
const LINES: &str = "/analytics/lines";

pub(super) fn routes() -> Routes {
    Routes::new().get(DASHBOARD, dashboard).get(LINES, lines)
}

/// The dashboard's choices, as the URL names them.
#[derive(Debug, Default, Clone, Deserialize)]
struct Params {
    period: Option<String>,
    /// `sell_in_amount` (default) or `sell_through_amount`.
    measure: Option<String>,
    region: Option<String>,
    partner_type: Option<String>,
    grade: Option<String>,
    product_line: Option<String>,
    owner: Option<String>,
    partner: Option<String>,
    product: Option<String>,
}

impl Params {
    /// The filters as query pairs (empty ones left out).
    fn filters(&self) -> Vec<(String, String)> {
        [
            ("region", &self.region),
            ("partner_type", &self.partner_type),
            ("grade", &self.grade),
            ("product_line", &self.product_line),
            ("owner", &self.owner),
            ("partner", &self.partner),
            ("product", &self.product),
        ]
        .into_iter()
        .filter_map(|(n, v)| super::filter(v).map(|v| (n.to_owned(), v)))
        .collect()
    }

    fn measure(&self) -> &str {
        match self.measure.as_deref() {
            Some("sell_through_amount") => "sell_through_amount",
            _ => "sell_in_amount",
        }
    }

    fn period(&self) -> String {
        super::filter(&self.period).unwrap_or_else(default_period)
    }

    /// This view's URL with one filter changed (empty: removed).
    fn href_with(&self, name: &str, value: &str) -> String {
        let mut pairs: Vec<(String, String)> = self
            .filters()
            .into_iter()
            .filter(|(n, _)| n != name)
            .collect();
        if !value.is_empty() {
            pairs.push((name.to_owned(), value.to_owned()));
        }
        pairs.push(("period".to_owned(), self.period()));
        pairs.push(("measure".to_owned(), self.measure().to_owned()));
        href(DASHBOARD, &pairs)
    }

    /// The lines behind `measure` under this view, narrowed by `extra`.
    fn lines_href(&self, measure: &str, extra: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(String, String)> = self
            .filters()
            .into_iter()
            .filter(|(n, _)| !extra.iter().any(|(e, _)| e == n))
            .collect();
        pairs.extend(
            extra
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        if !extra.iter().any(|(n, _)| *n == "period") {
            pairs.push(("period".to_owned(), self.period()));
        }
        pairs.push(("measure".to_owned(), measure.to_owned()));
        href(LINES, &pairs)
    }
}

fn href(base: &str, pairs: &[(String, String)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .map(|(n, v)| format!("{n}={}", urlencode(v)))
        .collect();
    format!("{base}?{}", query.join("&"))
}

/// The current year until there is a month of it to show; then this year.
fn default_period() -> String {
    qudao_app::today().format("%Y").to_string()
}

/// Minor units of the company currency as people read them.
fn money(minor: i64, currency: &str) -> String {
    Currency::parse(currency).map_or_else(
        |_| format!("{minor} {currency}"),
        |c| Money::from_minor(minor, c).formatted(),
    )
}

/// Minor units as a plain decimal for a chart axis (display only).
fn major(minor: i64, currency: &str) -> String {
    Currency::parse(currency).map_or_else(
        |_| minor.to_string(),
        |c| Money::from_minor(minor, c).amount_text(),
    )
}

/// A number with its label, its change against last year and its lines.
struct Kpi {
    label: &'static str,
    value: String,
    change: Option<String>,
    href: Option<String>,
    testid: &'static str,
}

struct Chart {
    id: &'static str,
    title: String,
    option: String,
    map: bool,
}

/// A ranked row: a name, its value, where it drills to and its lines.
struct Ranked {
    name: String,
    code: String,
    value: String,
    drill: String,
    lines: String,
}

#[derive(Template)]
#[template(path = "analytics/dashboard.html")]
struct DashboardPage {
    c: Chrome,
    p: Params,
    period: String,
    periods: Vec<(String, String)>,
    partner_types: Vec<(&'static str, &'static str)>,
    grades: Vec<(String, String)>,
    errors: Vec<(String, String)>,
    kpis: Vec<Kpi>,
    charts: Vec<Chart>,
    top_partners: Vec<Ranked>,
    top_products: Vec<Ranked>,
    /// (overstock, stock-outs) as of today.
    stock: Option<(u64, u64)>,
    /// (the month overdue, partners that did not report it).
    missing: Option<(String, usize)>,
    forecast: Option<ForecastView>,
    currency: String,
    rates: Vec<String>,
    geo_title: String,
    staff: bool,
}

impl DashboardPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn chosen(&self, name: &str, value: &str) -> bool {
        let current = match name {
            "partner_type" => &self.p.partner_type,
            "grade" => &self.p.grade,
            "measure" => return self.p.measure() == value,
            _ => return self.period == value,
        };
        current.as_deref() == Some(value)
    }

    fn filter_value<'a>(&'a self, name: &str) -> &'a str {
        let value = match name {
            "region" => &self.p.region,
            "product_line" => &self.p.product_line,
            "owner" => &self.p.owner,
            "partner" => &self.p.partner,
            _ => &self.p.product,
        };
        value.as_deref().unwrap_or_default()
    }

    fn is_filtered(&self) -> bool {
        !self.p.filters().is_empty()
    }

    fn forecast_money(&self, minor: &i64) -> String {
        money(*minor, &self.currency)
    }

    fn smape(&self, f: &ForecastView) -> String {
        match &f.forecast.backtest {
            Some(b) => self
                .c
                .tf("analytics.forecast_error", format!("{}%", b.smape)),
            None => self.c.t("analytics.forecast_short").to_owned(),
        }
    }

    fn clear_href(&self) -> String {
        href(
            DASHBOARD,
            &[
                ("period".to_owned(), self.period.clone()),
                ("measure".to_owned(), self.p.measure().to_owned()),
            ],
        )
    }
}

fn name(lang: Lang, key: &qudao_app::analytics::Key) -> String {
    if key.code.is_empty() {
        return lang.t("analytics.unplaced").to_owned();
    }
    let name = match lang {
        Lang::En if !key.name_en.is_empty() => &key.name_en,
        _ => &key.name_zh,
    };
    if name.is_empty() {
        key.code.clone()
    } else {
        name.clone()
    }
}

/// The periods offered: this fiscal year and last, the quarters of both,
/// and the last 18 months.
fn periods(lang: Lang) -> Vec<(String, String)> {
    let today = qudao_app::today();
    let year: i32 = today.format("%Y").to_string().parse().unwrap_or(2026);
    let mut out = Vec::new();
    for y in [year, year - 1] {
        out.push((y.to_string(), lang.tf("period.year", y)));
    }
    for y in [year, year - 1] {
        for q in (1..=4).rev() {
            out.push((format!("{y}-Q{q}"), format!("{y} Q{q}")));
        }
    }
    let this = qudao_domain::periods::Month::of(today);
    let mut m = this;
    for _ in 0..18 {
        out.push((m.to_string(), m.to_string()));
        m = m.previous();
    }
    out
}

async fn dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(p): Query<Params>,
) -> Result<Response, PageError> {
    let lang = ctx.lang;
    let mut p = p;
    for (pick, field) in [
        (Pick::Region, &mut p.region),
        (Pick::ProductLine, &mut p.product_line),
        (Pick::User, &mut p.owner),
        (Pick::Partner, &mut p.partner),
        (Pick::Product, &mut p.product),
    ] {
        *field = super::pick::resolve_opt(&state, &ctx, pick, super::filter(field)).await?;
    }
    let period = p.period();
    let measure = p.measure();
    let mut base = p.filters();
    base.push(("period".to_owned(), period.clone()));
    let staff = !ctx.caller.role.is_partner_role();
    let mut errors = Vec::new();
    let ask = |extra: &[(&str, &str)]| {
        let mut pairs = base.clone();
        pairs.extend(
            extra
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
        );
        text_from_pairs(&pairs)
    };
    let kpi_measures = if p.partner.is_some() {
        "sell_in_amount,sell_through_amount,collections,invoiced,receivables_outstanding,stock_on_hand,days_of_cover,downstream_amount"
    } else {
        "sell_in_amount,sell_through_amount,collections,invoiced,receivables_outstanding,active_partners,active_outlets,new_partners"
    };
    let kpis = match answer(
        &state,
        &ctx,
        ask(&[("measures", kpi_measures), ("compare", "last_year")]),
    )
    .await
    {
        Ok(a) => kpis(lang, &p, &a),
        Err(err) => {
            errors = super::field_errors(lang, err)?.1;
            Vec::new()
        }
    };
    let mut charts = Vec::new();
    let mut top_partners = Vec::new();
    let mut top_products = Vec::new();
    let mut rates = Vec::new();
    let mut geo_title = String::new();
    let mut currency = String::new();
    let mut forecast = None;
    if errors.is_empty() {
        // The trend: the twelve months up to the period's last.
        let (_, last) = state
            .app
            .analytics_months(&ask(&[("measures", measure)])?)
            .await?;
        let first = (0..11).fold(last, |m, _| m.previous());
        let mut trend_pairs: Vec<(String, String)> = p.filters();
        trend_pairs.extend([
            ("measures".to_owned(), measure.to_owned()),
            ("by".to_owned(), "month".to_owned()),
            ("compare".to_owned(), "last_year".to_owned()),
            ("from".to_owned(), first.to_string()),
            ("to".to_owned(), last.to_string()),
        ]);
        let trend = state
            .app
            .analytics_query(&ctx.caller, &text_from_pairs(&trend_pairs)?)
            .await?;
        currency.clone_from(&trend.currency);
        charts.push(trend_chart(lang, &p, measure, &trend));

        let channel = answer(
            &state,
            &ctx,
            ask(&[("measures", measure), ("by", "partner_type")]),
        )
        .await?;
        charts.push(channel_chart(lang, &p, &channel));

        // One level below the region filter: provinces on the map, then
        // cities, then partners.
        let level = region_level(&state, &ctx, p.region.as_deref()).await?;
        let (by, title) = match (&p.region, level.as_str()) {
            (None, _) => ("province", lang.t("analytics.by_province").to_owned()),
            (Some(_), "province" | "country") => (
                "city",
                lang.tf("analytics.by_city", region_name(&state, &ctx, &p).await?),
            ),
            (Some(_), _) => (
                "partner",
                lang.tf(
                    "analytics.by_partner_in",
                    region_name(&state, &ctx, &p).await?,
                ),
            ),
        };
        geo_title = title;
        let geo = answer(
            &state,
            &ctx,
            ask(&[
                ("measures", measure),
                ("by", by),
                ("sort", &format!("-{measure}")),
            ]),
        )
        .await?;
        charts.extend(geo_charts(lang, &p, by, &geo));

        let partners = answer(
            &state,
            &ctx,
            ask(&[
                ("measures", measure),
                ("by", "partner"),
                ("sort", &format!("-{measure}")),
                ("limit", "10"),
            ]),
        )
        .await?;
        top_partners = ranked(
            lang,
            &partners,
            |code| p.href_with("partner", code),
            |code| p.lines_href(measure, &[("partner", code)]),
        );
        let products = answer(
            &state,
            &ctx,
            ask(&[
                ("measures", measure),
                ("by", "product"),
                ("sort", &format!("-{measure}")),
                ("limit", "10"),
            ]),
        )
        .await?;
        top_products = ranked(
            lang,
            &products,
            |code| p.lines_href(measure, &[("product", code)]),
            |code| p.lines_href(measure, &[("product", code)]),
        );
        if p.partner.is_some() || p.product_line.is_none() {
            let mix = answer(
                &state,
                &ctx,
                ask(&[("measures", measure), ("by", "product_line")]),
            )
            .await?;
            charts.push(mix_chart(lang, &p, measure, &mix));
        }
        rates = trend
            .rates
            .iter()
            .map(|r| match r.rate {
                Some(rate) => format!("{} {}: {}", r.currency, r.month, rate.normalize()),
                None => format!(
                    "{} {}: {}",
                    r.currency,
                    r.month,
                    lang.t("analytics.no_rate")
                ),
            })
            .collect();
        let forecast_text = text_from_pairs(&p.filters())?;
        forecast = Some(
            state
                .app
                .analytics_forecast(&ctx.caller, measure, &forecast_text)
                .await?,
        );
    }
    let flags_text = text_from_pairs(&base)?;
    let stock = state
        .app
        .analytics_stock_flags(&ctx.caller, &flags_text)
        .await
        .ok();
    let missing = state
        .app
        .analytics_silent(&ctx.caller, &text_from_pairs(&p.filters())?)
        .await
        .ok()
        .map(|(month, n)| (month.to_string(), n));
    let title = match &p.partner {
        Some(code) => lang.tf("analytics.partner_title", partner_name(&top_partners, code)),
        None => lang.t("analytics.title").to_owned(),
    };
    let c = Chrome::new(&ctx, DASHBOARD, title.clone(), vec![(title, None)]).await?;
    let grades = state
        .app
        .grades(&ctx.caller)
        .await
        .map(|gs| {
            gs.into_iter()
                .map(|g| {
                    let n =
                        crate::layout::pick(lang, Some(&g.name), g.name_en.as_deref()).to_owned();
                    (g.code, n)
                })
                .collect()
        })
        .unwrap_or_default();
    render(&DashboardPage {
        c,
        period,
        periods: periods(lang),
        partner_types: qudao_domain::partners::PartnerType::ALL
            .iter()
            .map(|t| (t.as_str(), lang.t(&format!("partner_type.{}", t.as_str()))))
            .collect(),
        grades,
        p,
        errors,
        kpis,
        charts,
        top_partners,
        top_products,
        stock,
        missing,
        forecast,
        currency,
        rates,
        geo_title,
        staff,
    })
}

fn partner_name(top: &[Ranked], code: &str) -> String {
    top.iter()
        .find(|r| r.code == code)
        .map_or_else(|| code.to_owned(), |r| r.name.clone())
}

async fn answer(
    state: &AppState,
    ctx: &Ctx,
    text: Result<QueryText, AppError>,
) -> Result<Answer, AppError> {
    state.app.analytics_query(&ctx.caller, &text?).await
}

/// The level of the region a view is narrowed to (`province`, `city`…).
async fn region_level(
    state: &AppState,
    ctx: &Ctx,
    code: Option<&str>,
) -> Result<String, PageError> {
    let Some(code) = code else {
        return Ok(String::new());
    };
    Ok(state
        .app
        .region(&ctx.caller, code)
        .await
        .map(|r| r.region.level.to_string())
        .unwrap_or_default())
}

async fn region_name(state: &AppState, ctx: &Ctx, p: &Params) -> Result<String, PageError> {
    let code = p.region.clone().unwrap_or_default();
    Ok(match state.app.region(&ctx.caller, &code).await {
        Ok(r) => crate::layout::pick(ctx.lang, Some(&r.region.name), r.region.name_en.as_deref())
            .to_owned(),
        Err(_) => code,
    })
}

fn kpis(lang: Lang, p: &Params, a: &Answer) -> Vec<Kpi> {
    let currency = a.currency.as_str();
    let mut out = Vec::new();
    for (slot, m) in a.measures.iter().enumerate() {
        let value = a.totals[slot];
        let before = a.compare_totals.as_ref().and_then(|c| c[slot]);
        let shown = match value {
            Some(v) if m.is_money() => money(v, currency),
            Some(v) => v.to_string(),
            None => "—".to_owned(),
        };
        let change = match (value, before) {
            (Some(now), Some(then)) if then != 0 && !m.is_balance() => {
                let pct = rust_decimal::Decimal::from(now - then)
                    * rust_decimal::Decimal::from(100)
                    / rust_decimal::Decimal::from(then.abs());
                Some(format!(
                    "{} {:+}%",
                    lang.t("analytics.vs_last_year"),
                    pct.round_dp(1)
                ))
            }
            _ => None,
        };
        let m_str = m.as_str();
        out.push(Kpi {
            label: lang.t(&format!("measure.{m_str}")),
            value: shown,
            change,
            href: m.has_lines().then(|| p.lines_href(m_str, &[])),
            testid: m_str,
        });
    }
    // Collected against invoiced in the same period.
    let slot = |name: &str| a.measures.iter().position(|m| m.as_str() == name);
    if let (Some(c), Some(i)) = (slot("collections"), slot("invoiced"))
        && let (Some(collected), Some(invoiced)) = (a.totals[c], a.totals[i])
        && invoiced > 0
    {
        let rate = rust_decimal::Decimal::from(collected) * rust_decimal::Decimal::from(100)
            / rust_decimal::Decimal::from(invoiced);
        out.push(Kpi {
            label: lang.t("analytics.collection_rate"),
            value: format!("{}%", rate.round_dp(1)),
            change: None,
            href: Some("/receivables".to_owned()),
            testid: "collection_rate",
        });
    }
    out
}

fn base_option() -> serde_json::Value {
    json!({
        "animation": false,
        "tooltip": { "trigger": "axis" },
        "grid": { "left": 16, "right": 16, "top": 32, "bottom": 24, "containLabel": true },
    })
}

fn trend_chart(lang: Lang, p: &Params, measure: &str, a: &Answer) -> Chart {
    let months: Vec<String> = a.rows.iter().map(|r| r.keys[0].code.clone()).collect();
    let now: Vec<serde_json::Value> = a
        .rows
        .iter()
        .map(|r| {
            json!({
                "value": major(r.values[0].unwrap_or(0), &a.currency),
                "url": p.lines_href(measure, &[("period", &r.keys[0].code)]),
            })
        })
        .collect();
    let before: Vec<String> = a
        .rows
        .iter()
        .map(|r| {
            major(
                r.compare.as_ref().and_then(|c| c[0]).unwrap_or(0),
                &a.currency,
            )
        })
        .collect();
    let mut option = base_option();
    option["color"] = json!(["#0f766e", "#94a3b8"]);
    option["legend"] = json!({ "top": 0 });
    option["xAxis"] = json!({ "type": "category", "data": months });
    option["yAxis"] = json!({ "type": "value" });
    option["series"] = json!([
        { "type": "line", "name": lang.t(&format!("measure.{measure}")), "data": now, "symbolSize": 8 },
        { "type": "line", "name": lang.t("analytics.last_year"), "data": before, "lineStyle": { "type": "dashed" } },
    ]);
    Chart {
        id: "trend",
        title: lang.t("analytics.trend").to_owned(),
        option: option.to_string(),
        map: false,
    }
}

fn bars(
    lang: Lang,
    a: &Answer,
    url: impl Fn(&str) -> String,
    horizontal: bool,
) -> serde_json::Value {
    let names: Vec<String> = a.rows.iter().map(|r| name(lang, &r.keys[0])).collect();
    let data: Vec<serde_json::Value> = a
        .rows
        .iter()
        .map(|r| {
            let code = &r.keys[0].code;
            // "None of them" (a fact placed no lower than the filter's
            // own level) has nowhere further down to go.
            let url = (!code.is_empty()).then(|| url(code));
            json!({ "value": major(r.values[0].unwrap_or(0), &a.currency), "url": url })
        })
        .collect();
    let mut option = base_option();
    option["color"] = json!(["#0f766e"]);
    let (category, value) = (
        json!({ "type": "category", "data": names }),
        json!({ "type": "value" }),
    );
    if horizontal {
        option["xAxis"] = value;
        option["yAxis"] = category;
        option["yAxis"]["inverse"] = json!(true);
    } else {
        option["xAxis"] = category;
        option["yAxis"] = value;
    }
    option["series"] = json!([{ "type": "bar", "data": data, "barMaxWidth": 40 }]);
    option
}

fn channel_chart(lang: Lang, p: &Params, a: &Answer) -> Chart {
    let translated = Answer {
        rows: a
            .rows
            .iter()
            .map(|r| {
                let mut r = r.clone();
                let label = lang
                    .t(&format!("partner_type.{}", r.keys[0].code))
                    .to_owned();
                r.keys[0].name_zh.clone_from(&label);
                r.keys[0].name_en = label;
                r
            })
            .collect(),
        ..a.clone()
    };
    Chart {
        id: "channel",
        title: lang.t("analytics.by_channel").to_owned(),
        option: bars(
            lang,
            &translated,
            |code| p.href_with("partner_type", code),
            false,
        )
        .to_string(),
        map: false,
    }
}

fn mix_chart(lang: Lang, p: &Params, measure: &str, a: &Answer) -> Chart {
    let data: Vec<serde_json::Value> = a
        .rows
        .iter()
        .map(|r| {
            json!({
                "name": name(lang, &r.keys[0]),
                "value": major(r.values[0].unwrap_or(0), &a.currency),
                "url": p.lines_href(measure, &[("product_line", &r.keys[0].code)]),
            })
        })
        .collect();
    let option = json!({
        "animation": false,
        "tooltip": { "trigger": "item" },
        "series": [{ "type": "pie", "radius": ["40%", "70%"], "data": data }],
    });
    Chart {
        id: "mix",
        title: lang.t("analytics.product_mix").to_owned(),
        option: option.to_string(),
        map: false,
    }
}

/// Provinces on the China map and the countries abroad as bars; below a
/// province, its cities (or partners) as bars.
fn geo_charts(lang: Lang, p: &Params, by: &str, a: &Answer) -> Vec<Chart> {
    let drill = |code: &str| {
        if by == "partner" {
            p.href_with("partner", code)
        } else {
            p.href_with("region", code)
        }
    };
    if by != "province" {
        return vec![Chart {
            id: "geo",
            title: String::new(),
            option: bars(lang, a, drill, true).to_string(),
            map: false,
        }];
    }
    let (china, abroad): (Vec<_>, Vec<_>) = a
        .rows
        .iter()
        .partition(|r| r.keys[0].code.chars().all(|c| c.is_ascii_digit()));
    let max = china.iter().filter_map(|r| r.values[0]).max().unwrap_or(0);
    let data: Vec<serde_json::Value> = china
        .iter()
        .map(|r| {
            let code = &r.keys[0].code;
            json!({
                // The map's provinces are keyed by the first two digits of
                // their division code.
                "name": code.get(..2).unwrap_or(code),
                "label": name(lang, &r.keys[0]),
                "value": major(r.values[0].unwrap_or(0), &a.currency),
                "url": drill(code),
            })
        })
        .collect();
    let map = json!({
        "animation": false,
        "tooltip": { "trigger": "item" },
        "visualMap": {
            "min": 0, "max": major(max, &a.currency), "calculable": true,
            "left": 8, "bottom": 8, "inRange": { "color": ["#e0f2f1", "#0f766e"] },
        },
        "series": [{
            "type": "map", "map": "china", "nameProperty": "id", "roam": false,
            "data": data,
        }],
    });
    let mut charts = vec![Chart {
        id: "map",
        title: String::new(),
        option: map.to_string(),
        map: true,
    }];
    if !abroad.is_empty() {
        let abroad_answer = Answer {
            rows: abroad.into_iter().cloned().collect(),
            ..a.clone()
        };
        charts.push(Chart {
            id: "abroad",
            title: lang.t("analytics.abroad").to_owned(),
            option: bars(lang, &abroad_answer, drill, true).to_string(),
            map: false,
        });
    }
    charts
}

fn ranked(
    lang: Lang,
    a: &Answer,
    drill: impl Fn(&str) -> String,
    lines: impl Fn(&str) -> String,
) -> Vec<Ranked> {
    a.rows
        .iter()
        .map(|r| Ranked {
            name: name(lang, &r.keys[0]),
            code: r.keys[0].code.clone(),
            value: money(r.values[0].unwrap_or(0), &a.currency),
            drill: drill(&r.keys[0].code),
            lines: lines(&r.keys[0].code),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Lines behind a number
// ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "analytics/lines.html")]
struct LinesPage {
    c: Chrome,
    summary: Vec<(String, String)>,
    page: Option<Page<Line>>,
    links: ListLinks,
    errors: Vec<(String, String)>,
    currency: String,
    back: String,
}

impl LinesPage {
    fn name(&self, key: &qudao_app::analytics::Key) -> String {
        name(self.c.lang, key)
    }

    fn amount(&self, line: &Line) -> String {
        money(line.amount, &self.currency)
    }

    fn written(&self, line: &Line) -> String {
        money(line.written, &line.currency)
    }

    fn kind(&self, line: &Line) -> &'static str {
        self.c.t(&format!("fact_kind.{}", line.kind.as_str()))
    }
}

async fn lines(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(raw): RawQuery,
    Query(list): Query<ListParams>,
) -> Result<Response, PageError> {
    let lang = ctx.lang;
    let pairs: Vec<(String, String)> = raw
        .as_deref()
        .map(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).unwrap_or_default())
        .unwrap_or_default();
    let measure = pairs
        .iter()
        .find(|(n, _)| n == "measure")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "sell_in_amount".to_owned());
    let sort = list
        .sort
        .clone()
        .map(|s| if list.desc() { format!("-{s}") } else { s });
    let kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(n, _)| !matches!(n.as_str(), "sort" | "dir" | "page" | "format"))
        .cloned()
        .collect();
    let text = text_from_pairs(&kept)?;
    if list.wants_xlsx() {
        return export(&state, &ctx, &measure, &text, sort.as_deref()).await;
    }
    let (page, errors) = match state
        .app
        .analytics_lines(
            &ctx.caller,
            &measure,
            &text,
            sort.as_deref(),
            list.page_request(),
        )
        .await
    {
        Ok(page) => (Some(page), Vec::new()),
        Err(err) => (None, super::field_errors(lang, err)?.1),
    };
    let shown: Vec<(String, String)> = kept
        .iter()
        .filter(|(n, _)| n != "measure" && n != "per_page")
        .cloned()
        .collect();
    let summary: Vec<(String, String)> = state
        .app
        .analytics_labels(&ctx.caller, &shown)
        .await?
        .into_iter()
        .map(|(dim, code, zh, en)| {
            let label = match dim.as_str() {
                "period" | "from" | "to" => lang.t("analytics.period").to_owned(),
                other => lang.t(&format!("dim.{other}")).to_owned(),
            };
            let value = match (dim.as_str(), lang) {
                ("partner_type", _) => lang.t(&format!("partner_type.{code}")).to_owned(),
                (_, Lang::En) => en,
                _ => zh,
            };
            (label, value)
        })
        .collect();
    let links = ListLinks {
        base: LINES.to_owned(),
        filters: kept.clone(),
        sort: list.sort.clone().unwrap_or_default(),
        desc: list.desc(),
        page: page.as_ref().map_or(1, |p| p.page),
        pages: page.as_ref().map_or(1, Page::pages),
        total: page.as_ref().map_or(0, |p| p.total),
    };
    let back = href(
        DASHBOARD,
        &kept
            .iter()
            .filter(|(n, _)| n != "per_page")
            .map(|(n, v)| {
                if n == "measure" {
                    ("measure".to_owned(), v.clone())
                } else {
                    (n.clone(), v.clone())
                }
            })
            .collect::<Vec<_>>(),
    );
    let title = format!(
        "{} · {}",
        lang.t("analytics.lines_title"),
        lang.t(&format!("measure.{measure}"))
    );
    let c = Chrome::new(
        &ctx,
        DASHBOARD,
        title.clone(),
        vec![
            (lang.t("analytics.title").to_owned(), Some(back.clone())),
            (title, None),
        ],
    )
    .await?;
    let currency = state
        .app
        .current_settings()
        .await?
        .currency
        .as_str()
        .to_owned();
    render(&LinesPage {
        c,
        summary,
        page,
        links,
        errors,
        currency,
        back,
    })
}

/// Every line behind the number as xlsx, written row by row into a
/// temporary file in constant memory and sent from there in pieces, so a
/// million lines never sit in memory at once.
async fn export(
    state: &AppState,
    ctx: &Ctx,
    measure: &str,
    text: &QueryText,
    sort: Option<&str>,
) -> Result<Response, PageError> {
    let lang = ctx.lang;
    let headers = [
        "analytics.line_kind",
        "analytics.date",
        "analytics.partner_code",
        "dim.partner",
        "analytics.product_code",
        "dim.product",
        "dim.region",
        "analytics.qty",
        "analytics.amount",
        "analytics.written",
        "analytics.currency",
        "analytics.rate",
    ]
    .iter()
    .map(|k| lang.t(k).to_owned())
    .collect();
    let kinds = [
        "sell_in",
        "downstream_sell_in",
        "sell_through",
        "invoice",
        "credit_note",
        "payment",
        "stock_count",
    ]
    .iter()
    .map(|k| {
        (
            (*k).to_owned(),
            lang.t(&format!("fact_kind.{k}")).to_owned(),
        )
    })
    .collect();
    let dir = std::env::temp_dir().join(format!(
        "qudao-export-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| AppError::Internal(e.to_string()))?;
    let path = dir.join("lines.xlsx");
    let written = state
        .app
        .analytics_export(
            &ctx.caller,
            measure,
            text,
            sort,
            qudao_app::analytics::LinesExport {
                headers,
                kinds,
                chinese: lang == Lang::ZhCn,
            },
            path.clone(),
        )
        .await;
    let file = written
        .and_then(|_| std::fs::File::open(&path).map_err(|e| AppError::Internal(e.to_string())));
    // The open file stays readable after its name is gone, and nothing is
    // left behind if the download is cut short.
    std::fs::remove_dir_all(&dir).ok();
    let file = tokio::fs::File::from_std(file?);
    let today = qudao_app::today();
    let ascii = format!("analytics-lines-{today}.xlsx");
    let name = if lang == Lang::ZhCn {
        format!("明细-{today}.xlsx")
    } else {
        ascii.clone()
    };
    Ok(super::xlsx_stream(
        &ascii,
        &name,
        axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(file)),
    ))
}
