//! Period close: the months of the last two years with their state, the
//! close button of the month next in order, the reopen form of the latest
//! closed month, and the history of closes and reopens.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use qudao_app::periods::{PeriodsOverview, ReopenInput};

use super::{PageForm, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::layout::Chrome;
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/finance/periods", show)
        .post("/finance/periods/{month}/close", close)
        .post("/finance/periods/{month}/reopen", reopen)
}

#[derive(Template)]
#[template(path = "finance/periods.html")]
struct PeriodsPage {
    c: Chrome,
    overview: PeriodsOverview,
    reason: String,
    errors: Vec<(String, String)>,
}

impl PeriodsPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    reason: String,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let overview = state.app.periods_overview(&ctx.caller).await?;
    let title = ctx.lang.t("periods.title").to_owned();
    let c = Chrome::new(ctx, "/finance/periods", title.clone(), vec![(title, None)]).await?;
    render(&PeriodsPage {
        c,
        overview,
        reason,
        errors,
    })
}

async fn show(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    page(&state, &ctx, String::new(), Vec::new()).await
}

async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(month): Path<String>,
) -> Result<Response, PageError> {
    let result = state.app.close_period(&ctx.caller, &month).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |month| {
            (
                ctx.lang.tf("periods.closed_flash", month),
                "/finance/periods".to_owned(),
            )
        },
        async |errors| page(&state, &ctx, String::new(), errors).await,
    )
    .await
}

async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(month): Path<String>,
    PageForm(input): PageForm<ReopenInput>,
) -> Result<Response, PageError> {
    let result = state.app.reopen_period(&ctx.caller, &month, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |month| {
            (
                ctx.lang.tf("periods.reopened_flash", month),
                "/finance/periods".to_owned(),
            )
        },
        async |errors| page(&state, &ctx, input.reason.clone(), errors).await,
    )
    .await
}
