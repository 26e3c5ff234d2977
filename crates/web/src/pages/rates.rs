//! Exchange rates: the list by month, and one form that adds a rate or
//! amends the month's existing one.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use qudao_app::rates::{RateInput, RateView};
use serde::Deserialize;

use super::{PageForm, export_list, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::layout::Chrome;
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/finance/rates", show)
        .post("/finance/rates", save)
}

#[derive(Template)]
#[template(path = "finance/rates.html")]
struct RatesPage {
    c: Chrome,
    rates: Vec<RateView>,
    quoted_in: String,
    currencies: Vec<String>,
    from: String,
    input: RateInput,
    errors: Vec<(String, String)>,
}

impl RatesPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }

    /// The month's first row starts a new group in the list.
    fn starts_month(&self, index: &usize) -> bool {
        *index == 0 || self.rates[*index - 1].month != self.rates[*index].month
    }

    /// Where the rate's edit link goes: this page, its form filled in.
    fn edit_href(&self, rate: &RateView) -> String {
        format!(
            "/finance/rates?month={}&currency={}#rate-form",
            rate.month, rate.currency
        )
    }
}

#[derive(Debug, Default, Deserialize)]
struct RatesQuery {
    from: Option<String>,
    month: Option<String>,
    currency: Option<String>,
    format: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    from: String,
    input: RateInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    // A filter month that does not parse shows every month, as lists do.
    let valid_from = qudao_domain::periods::Month::parse("from", &from).is_ok();
    let rates = state
        .app
        .list_rates(&ctx.caller, valid_from.then_some(from.as_str()))
        .await?;
    let settings = state.app.current_settings().await?;
    let title = ctx.lang.t("rates.title").to_owned();
    let c = Chrome::new(ctx, "/finance/rates", title.clone(), vec![(title, None)]).await?;
    render(&RatesPage {
        c,
        rates,
        quoted_in: settings.currency.to_string(),
        currencies: qudao_domain::money::Currency::all()
            .filter(|c| *c != settings.currency)
            .map(|c| c.to_string())
            .collect(),
        from,
        input,
        errors,
    })
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<RatesQuery>,
) -> Result<Response, PageError> {
    let from = query.from.unwrap_or_default();
    if query.format.as_deref() == Some("xlsx") {
        let filters = vec![("from".to_owned(), from)];
        return export_list(&state, &ctx, "exchange-rates", filters).await;
    }
    // The edit link fills the form with the month's rate.
    let mut input = RateInput {
        month: query.month.unwrap_or_default(),
        currency: query.currency.unwrap_or_else(|| "USD".to_owned()),
        rate: String::new(),
    };
    if !input.month.is_empty() {
        let rates = state.app.list_rates(&ctx.caller, None).await?;
        if let Some(found) = rates
            .iter()
            .find(|r| r.month == input.month && r.currency == input.currency)
        {
            input.rate = found.rate.clone();
        }
    }
    page(&state, &ctx, from, input, Vec::new()).await
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(input): PageForm<RateInput>,
) -> Result<Response, PageError> {
    let result = state.app.put_rate(&ctx.caller, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |rate| {
            let what = format!("{} {} {}", rate.month, rate.currency, rate.rate);
            (
                ctx.lang.tf("rates.saved", what),
                "/finance/rates".to_owned(),
            )
        },
        async |errors| page(&state, &ctx, String::new(), input, errors).await,
    )
    .await
}
