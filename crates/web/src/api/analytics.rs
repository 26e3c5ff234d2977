//! The analytics query model over HTTP: one query endpoint for every
//! number, and the lines behind a number.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use qudao_app::analytics::{Answer, Key, Line, QueryText, text_from_pairs};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiQuery, Paging};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(analytics_query))
        .routes(routes!(analytics_lines))
        .routes(routes!(analytics_forecast))
}

/// A question to the fact engine.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct QueryBody {
    /// What to sum or count: `sell_in_amount`, `sell_in_qty`,
    /// `returns_amount`, `returns_qty`, `sell_through_amount`,
    /// `sell_through_qty`, `downstream_amount`, `gross_margin`, `invoiced`,
    /// `credit_notes`, `collections`, `receivables_outstanding`,
    /// `stock_on_hand`, `days_of_cover`, `active_partners`,
    /// `active_outlets`, `new_customer_regions`, `new_partners`.
    measures: Vec<String>,
    /// What to split by (at most 4): `partner`, `partner_type`, `grade`,
    /// `owner`, `product`, `product_line`, `category`, `region`,
    /// `province`, `city`, `year`, `quarter`, `month`.
    #[serde(default)]
    by: Vec<String>,
    /// `2026`, `2026-Q3` or `2026-07` (years and quarters are fiscal);
    /// or give `from` and `to` months instead.
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// Codes to keep, by dimension: `{"province": ["310000"], "partner_type": ["retail"]}`.
    /// A region keeps everything below it.
    #[serde(default)]
    filters: BTreeMap<String, Vec<String>>,
    /// `previous_period` or `last_year`.
    compare: Option<String>,
    /// A measure asked for; `-` first for largest first.
    sort: Option<String>,
    /// At most this many rows (1 to 100000), after sorting.
    limit: Option<usize>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct KeyJson {
    code: String,
    name_zh: String,
    name_en: String,
}

impl From<&Key> for KeyJson {
    fn from(k: &Key) -> Self {
        Self {
            code: k.code.clone(),
            name_zh: k.name_zh.clone(),
            name_en: k.name_en.clone(),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct RowJson {
    /// One per dimension of `by`, in order; an empty code for "none" (a
    /// payment has no product).
    keys: Vec<KeyJson>,
    /// One per measure, in order: money in minor units of `currency`,
    /// quantities, counts, or days; `null` where there is no number (days
    /// of cover with nothing sold).
    values: Vec<Option<i64>>,
    /// The same for the compared period, when asked for.
    compare: Option<Vec<Option<i64>>>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct RateJson {
    currency: String,
    month: String,
    /// Units of the company currency per unit; `null` when the month has
    /// no rate (those amounts count as 0 until finance sets one).
    rate: Option<String>,
}

/// The answer: groups, totals and the rates other currencies were
/// converted at.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AnswerJson {
    currency: String,
    measures: Vec<String>,
    by: Vec<String>,
    first: String,
    last: String,
    rows: Vec<RowJson>,
    /// Groups before `limit`.
    groups: usize,
    totals: Vec<Option<i64>>,
    compare_totals: Option<Vec<Option<i64>>>,
    rates: Vec<RateJson>,
}

impl From<Answer> for AnswerJson {
    fn from(a: Answer) -> Self {
        Self {
            currency: a.currency,
            measures: a.measures.iter().map(|m| m.as_str().to_owned()).collect(),
            by: a.by.iter().map(|d| d.as_str().to_owned()).collect(),
            first: a.first.to_string(),
            last: a.last.to_string(),
            rows: a
                .rows
                .iter()
                .map(|r| RowJson {
                    keys: r.keys.iter().map(KeyJson::from).collect(),
                    values: r.values.clone(),
                    compare: r.compare.clone(),
                })
                .collect(),
            groups: a.groups,
            totals: a.totals,
            compare_totals: a.compare_totals,
            rates: a
                .rates
                .iter()
                .map(|r| RateJson {
                    currency: r.currency.clone(),
                    month: r.month.to_string(),
                    rate: r.rate.map(|d| d.normalize().to_string()),
                })
                .collect(),
        }
    }
}

/// Sums and counts of the trade facts the caller's scope reaches, split by
/// any dimensions over a period, optionally compared with the previous
/// period or the same period last year. Dashboards, the command line
/// (`qudao analytics query`) and this endpoint share the one model.
#[utoipa::path(
    post, path = "/analytics/query", tag = "analytics",
    request_body = QueryBody,
    responses(
        (status = 200, body = AnswerJson),
        (status = 404, description = "A partner filter names a partner outside your scope", body = crate::error::Problem),
        (status = 422, description = "An unknown measure, dimension or code, a period that does not read or runs backwards; each field named", body = crate::error::Problem),
    )
)]
async fn analytics_query(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(body): ApiJson<QueryBody>,
) -> Result<Json<AnswerJson>, ApiError> {
    let text = QueryText {
        measures: body.measures,
        by: body.by,
        period: body.period,
        from: body.from,
        to: body.to,
        filters: body.filters.into_iter().collect(),
        compare: body.compare,
        sort: body.sort,
        limit: body.limit,
    };
    Ok(Json(
        state.app.analytics_query(&caller, &text).await?.into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct LinesParams {
    /// The measure whose lines to list (see the query endpoint).
    measure: String,
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// Comma-separated codes for each dimension filter.
    partner: Option<String>,
    partner_type: Option<String>,
    grade: Option<String>,
    owner: Option<String>,
    product: Option<String>,
    product_line: Option<String>,
    category: Option<String>,
    region: Option<String>,
    province: Option<String>,
    city: Option<String>,
    /// `date`, `amount` or `qty`, `-` first for largest first (default `-date`).
    sort: Option<String>,
}

impl LinesParams {
    fn pairs(&self) -> Vec<(String, String)> {
        let fields = [
            ("period", &self.period),
            ("from", &self.from),
            ("to", &self.to),
            ("partner", &self.partner),
            ("partner_type", &self.partner_type),
            ("grade", &self.grade),
            ("owner", &self.owner),
            ("product", &self.product),
            ("product_line", &self.product_line),
            ("category", &self.category),
            ("region", &self.region),
            ("province", &self.province),
            ("city", &self.city),
        ];
        fields
            .into_iter()
            .filter_map(|(name, value)| value.as_ref().map(|v| (name.to_owned(), v.clone())))
            .collect()
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct LineJson {
    /// `sell_in`, `sell_through`, `invoice`, …: the fact table the line is from.
    kind: String,
    id: i64,
    date: String,
    partner: KeyJson,
    product: Option<KeyJson>,
    region: Option<KeyJson>,
    qty: i64,
    /// Minor units of the company currency, signed as it counts.
    amount: i64,
    /// Minor units of `currency`, as written.
    written: i64,
    currency: String,
    /// The rate `written` was converted at, for another currency.
    rate: Option<String>,
}

impl From<Line> for LineJson {
    fn from(l: Line) -> Self {
        Self {
            kind: l.kind.as_str().to_owned(),
            id: l.id,
            date: l.date.to_string(),
            partner: KeyJson::from(&l.partner),
            product: l.product.as_ref().map(KeyJson::from),
            region: l.region.as_ref().map(KeyJson::from),
            qty: l.qty,
            amount: l.amount,
            written: l.written,
            currency: l.currency,
            rate: l.rate.map(|r| r.normalize().to_string()),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct LinesJson {
    items: Vec<LineJson>,
    total: u64,
    page: u64,
    per_page: u64,
}

/// The lines behind a number: the facts one measure sums under the same
/// scope, filters and period, a page at a time.
#[utoipa::path(
    get, path = "/analytics/lines", tag = "analytics",
    params(LinesParams, Paging),
    responses(
        (status = 200, body = LinesJson),
        (status = 404, description = "A partner filter names a partner outside your scope", body = crate::error::Problem),
        (status = 422, description = "An unknown measure, code or sort; a period that does not read", body = crate::error::Problem),
    )
)]
async fn analytics_lines(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(params): ApiQuery<LinesParams>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> Result<Json<LinesJson>, ApiError> {
    let text = text_from_pairs(&params.pairs())?;
    let page = state
        .app
        .analytics_lines(
            &caller,
            &params.measure,
            &text,
            params.sort.as_deref(),
            paging.request()?,
        )
        .await?;
    Ok(Json(LinesJson {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(LineJson::from).collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ForecastParams {
    /// `sell_in_amount` or `sell_through_amount` (any summed measure).
    measure: String,
    /// Whose: comma-separated codes of partners, regions, channel types…
    partner: Option<String>,
    partner_type: Option<String>,
    region: Option<String>,
    product_line: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct MonthValue {
    month: String,
    value: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ForecastJson {
    measure: String,
    /// `holt_winters`, `holt` (under 24 months) or `mean` (under 6).
    method: String,
    /// The full months the forecast was fitted on, oldest first.
    history: Vec<MonthValue>,
    /// The next three months.
    next: Vec<MonthValue>,
    /// The back-test: the last 6 months forecast from the months before
    /// them; `null` under 12 months of history.
    backtest_smape_percent: Option<String>,
    backtest_predicted: Option<Vec<i64>>,
    backtest_actual: Option<Vec<i64>>,
}

/// The next three months of a measure for what the filters select (a
/// partner, a region, a channel type), fitted on the 24 full months before
/// this one, with the back-test error (sMAPE over the last 6 months).
#[utoipa::path(
    get, path = "/analytics/forecast", tag = "analytics",
    params(ForecastParams),
    responses(
        (status = 200, body = ForecastJson),
        (status = 404, description = "A partner outside your scope", body = crate::error::Problem),
        (status = 422, description = "An unknown measure or code", body = crate::error::Problem),
    )
)]
async fn analytics_forecast(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(params): ApiQuery<ForecastParams>,
) -> Result<Json<ForecastJson>, ApiError> {
    let pairs: Vec<(String, String)> = [
        ("partner", &params.partner),
        ("partner_type", &params.partner_type),
        ("region", &params.region),
        ("product_line", &params.product_line),
    ]
    .into_iter()
    .filter_map(|(n, v)| v.as_ref().map(|v| (n.to_owned(), v.clone())))
    .collect();
    let text = text_from_pairs(&pairs)?;
    let f = state
        .app
        .analytics_forecast(&caller, &params.measure, &text)
        .await?;
    let month_values = |pairs: &[(qudao_domain::periods::Month, i64)]| {
        pairs
            .iter()
            .map(|(m, v)| MonthValue {
                month: m.to_string(),
                value: *v,
            })
            .collect()
    };
    Ok(Json(ForecastJson {
        measure: f.measure.as_str().to_owned(),
        method: f.forecast.method.as_str().to_owned(),
        history: month_values(&f.history),
        next: month_values(&f.next),
        backtest_smape_percent: f.forecast.backtest.as_ref().map(|b| b.smape.to_string()),
        backtest_predicted: f.forecast.backtest.as_ref().map(|b| b.predicted.clone()),
        backtest_actual: f.forecast.backtest.as_ref().map(|b| b.actual.clone()),
    }))
}
