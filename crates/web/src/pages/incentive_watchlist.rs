//! The incentive watchlist page (临门一脚): for staff, who in their reach
//! is within 10, 20 or 30% of their next bracket in a period, by program,
//! in words ("再进货 ¥12,345.00 达到第 3 档（3%），预计多得 ¥2,100.00");
//! and the same words for a partner's own rows on `/my/incentives`.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use qudao_app::incentive_watchlist::{WatchView, WatchlistView, parse_within};
use qudao_app::incentives::ProgramFilter;
use qudao_app::{AppError, Caller, PageRequest};
use qudao_domain::money::{Currency, Money, grouped_count};
use qudao_domain::periods::Month;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{error_for, field_errors, render};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, crumb};
use crate::routes::Routes;

const WATCHLIST: &str = "/incentives/watchlist";

/// The distances a page offers, as percents.
const WITHIN: [u32; 3] = [10, 20, 30];

pub(super) fn routes() -> Routes {
    Routes::new().get(WATCHLIST, watchlist)
}

// ---------------------------------------------------------------------------
// Figures in words, shared with the order preview
// ---------------------------------------------------------------------------

/// How incentive figures read in a language and currency.
#[derive(Clone, Copy)]
pub(super) struct Figures {
    pub lang: Lang,
    pub currency: Currency,
}

impl Figures {
    pub fn new(lang: Lang, currency: &str) -> Result<Self, PageError> {
        let currency = Currency::parse(currency)
            .map_err(|_| AppError::Internal(format!("an unknown currency {currency}")))?;
        Ok(Self { lang, currency })
    }

    pub fn money(self, minor: i64) -> String {
        Money::from_minor(minor, self.currency).formatted()
    }

    /// A base figure: money, or units for a quantity base.
    pub fn base(self, measure: &str, figure: i64) -> String {
        if measure == "quantity" {
            self.lang.tf("runs.units", grouped_count(figure))
        } else {
            self.money(figure)
        }
    }

    /// A bracket's rate as text: a percent of money, or an amount (minor
    /// units) a unit for a quantity base.
    pub fn rate(self, measure: &str, rate: &str) -> String {
        let Ok(rate) = rate.parse::<Decimal>() else {
            return rate.to_owned();
        };
        if measure == "quantity" {
            let scale = Decimal::from(10_i64.pow(self.currency.minor_digits()));
            let each = Money::from_decimal(rate / scale, self.currency)
                .map_or_else(|| rate.normalize().to_string(), |m| m.formatted());
            self.lang.tf("incentives.per_unit", each)
        } else {
            format!("{}%", (rate * Decimal::ONE_HUNDRED).normalize())
        }
    }

    /// "bracket 3 (3%)", or "bracket 3" where the bracket has no rate.
    pub fn bracket(self, measure: &str, n: u32, rate: Option<&str>) -> String {
        match rate {
            Some(rate) => self.fill(
                "watch.bracket_rate",
                &[n.to_string(), self.rate(measure, rate)],
            ),
            None => self.lang.tf("runs.bracket_n", n),
        }
    }

    /// A message with each `{}` replaced in turn.
    pub fn fill(self, key: &str, values: &[String]) -> String {
        values.iter().fold(self.lang.t(key).to_owned(), |text, v| {
            text.replacen("{}", v, 1)
        })
    }
}

/// An attainment ratio as shown: cut toward zero, never rounded up.
pub(super) fn attainment(ratio: Option<&str>) -> String {
    ratio
        .and_then(|r| r.parse::<Decimal>().ok())
        .map_or_else(String::new, qudao_app::incentive_runs::percent_shown)
}

/// One watch row as people read it.
pub(super) struct WatchLine {
    pub name: String,
    pub program: String,
    pub attainment: String,
    pub words: String,
}

pub(super) fn watch_line(f: Figures, row: &WatchView) -> WatchLine {
    let bracket = f.bracket(&row.measure, row.next_bracket, row.next_rate.as_deref());
    WatchLine {
        name: row.name.clone(),
        program: row.program_name.clone(),
        attainment: attainment(row.attainment.as_deref()),
        words: f.fill(
            "watch.words",
            &[
                f.base(&row.measure, row.distance),
                bracket,
                f.money(row.extra_amount),
            ],
        ),
    }
}

/// The panel of a partner's own rows at the top of `/my/incentives`: this
/// quarter, at the default distance.
pub(super) async fn own_rows(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
) -> Result<Vec<WatchLine>, PageError> {
    let view = state.app.incentive_watchlist(caller, None, None).await?;
    let f = Figures::new(lang, &view.currency)?;
    Ok(view.rows.iter().map(|r| watch_line(f, r)).collect())
}

// ---------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct WatchQuery {
    period: Option<String>,
    within: Option<String>,
    program: Option<String>,
}

#[derive(Template)]
#[template(path = "incentive_watchlist/page.html")]
struct WatchlistPage {
    c: Chrome,
    periods: Vec<String>,
    period: String,
    within: Vec<(u32, bool)>,
    programs: Vec<(String, String)>,
    program: String,
    provisional: bool,
    rows: Vec<WatchLine>,
    errors: Vec<(String, String)>,
}

impl WatchlistPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }
}

/// This fiscal quarter's neighbours: the quarters of this year and last,
/// the last twelve months and the two years.
fn periods(current: &str) -> Vec<String> {
    let today = qudao_app::today();
    let mut out: Vec<String> = Some(current.to_owned())
        .filter(|c| !c.is_empty())
        .into_iter()
        .collect();
    for year in [today.year(), today.year() - 1] {
        for quarter in (1..=4).rev() {
            out.push(format!("{year}-Q{quarter}"));
        }
    }
    let mut month = Month::of(today);
    for _ in 0..12 {
        out.push(month.to_string());
        month = month.previous();
    }
    out.push(today.year().to_string());
    out.push((today.year() - 1).to_string());
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out
}

async fn watchlist(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<WatchQuery>,
) -> Result<Response, PageError> {
    // A partner's people read their own rows on their incentives page.
    if ctx.caller.role.is_partner_role() {
        return Ok(Redirect::to("/my/incentives").into_response());
    }
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let (period, within_text, program) = (
        text(&query.period),
        text(&query.within),
        text(&query.program),
    );
    let mut errors = Vec::new();
    let within = match within_text.as_deref().map(parse_within) {
        Some(Ok(w)) => Some(w),
        Some(Err(e)) => {
            errors.extend(field_errors(ctx.lang, e.into())?.1);
            None
        }
        None => None,
    };
    let view = match state
        .app
        .incentive_watchlist(&ctx.caller, period.as_deref(), within)
        .await
    {
        Ok(view) => Some(view),
        Err(e) => {
            errors.extend(field_errors(ctx.lang, e)?.1);
            None
        }
    };
    let settings_currency = match &view {
        Some(v) => v.currency.clone(),
        None => state
            .app
            .current_settings()
            .await?
            .currency
            .as_str()
            .to_owned(),
    };
    let f = Figures::new(ctx.lang, &settings_currency)?;
    let programs: Vec<(String, String)> = state
        .app
        .programs(
            &ctx.caller,
            &ProgramFilter {
                kind: None,
                status: Some("active".to_owned()),
            },
            PageRequest::export(),
        )
        .await?
        .items
        .into_iter()
        .map(|p| (p.code, p.name))
        .collect();
    let program = program.unwrap_or_default();
    let shown: Vec<&WatchView> = view
        .as_ref()
        .map(|v: &WatchlistView| {
            v.rows
                .iter()
                .filter(|r| program.is_empty() || r.program_code == program)
                .collect()
        })
        .unwrap_or_default();
    let current = view.as_ref().map(|v| v.period.clone()).unwrap_or_default();
    let chosen = view
        .as_ref()
        .and_then(|v| v.within.parse::<Decimal>().ok())
        .map(|w| w * Decimal::ONE_HUNDRED);
    let title = ctx.lang.t("watch.title").to_owned();
    let c = Chrome::new(
        &ctx,
        WATCHLIST,
        title.clone(),
        vec![
            crumb(ctx.lang, "nav.incentives", "/incentives"),
            crumb(ctx.lang, "runs.title", "/incentives/runs"),
            (title, None),
        ],
    )
    .await?;
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = render(&WatchlistPage {
        periods: periods(&current),
        period: current,
        within: WITHIN
            .iter()
            .map(|&w| (w, chosen == Some(Decimal::from(w))))
            .collect(),
        programs,
        program,
        provisional: view.as_ref().is_some_and(|v| v.provisional),
        rows: shown.into_iter().map(|r| watch_line(f, r)).collect(),
        errors,
        c,
    })?;
    *response.status_mut() = status;
    Ok(response)
}
