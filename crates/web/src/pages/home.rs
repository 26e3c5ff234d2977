//! The home page: what the signed-in user's part of the channel looks like.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::render;
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::layout::Chrome;
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new().get("/", home)
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    partners: i64,
    partner_types: usize,
    expiring_agreements: u64,
    /// For partner users: their own organisation, the start of their portal.
    own_partner: Option<String>,
    chart: String,
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let counts = state.app.partner_counts_by_type(&ctx.caller).await?;
    let own_partner = state.app.own_partner_code(&ctx.caller).await?;
    let expiring_agreements = state
        .app
        .count_expiring_agreements(&ctx.caller, qudao_app::agreements::EXPIRING_DAYS)
        .await?;
    let lang = ctx.lang;
    let names: Vec<&str> = counts
        .iter()
        .map(|c| lang.t(&format!("partner_type.{}", c.partner_type)))
        .collect();
    let values: Vec<i64> = counts.iter().map(|c| c.partners).collect();
    let chart = serde_json::json!({
        "animation": false,
        "color": ["#0f766e"],
        "tooltip": { "trigger": "axis" },
        "grid": { "left": 40, "right": 16, "top": 16, "bottom": 32, "containLabel": true },
        "xAxis": { "type": "category", "data": names },
        "yAxis": { "type": "value", "minInterval": 1 },
        "series": [{ "type": "bar", "name": lang.t("home.partners"), "data": values, "barMaxWidth": 48 }],
    })
    .to_string();
    let title = lang.tf("home.welcome", &ctx.caller.display_name);
    let c = Chrome::new(&ctx, "/", title, Vec::new()).await?;
    render(&HomePage {
        c,
        partners: values.iter().sum(),
        partner_types: counts.len(),
        expiring_agreements,
        own_partner,
        chart,
    })
}
