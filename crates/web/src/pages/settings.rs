//! The company's settings, for administrators.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use qudao_app::AppError;
use qudao_app::settings::SettingsInput;
use qudao_app::{Caller, Permission};

use super::{PageForm, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::layout::Chrome;
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/admin/settings", show)
        .post("/admin/settings", save)
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    c: Chrome,
    input: SettingsInput,
    currencies: Vec<String>,
    errors: Vec<(String, String)>,
}

impl SettingsPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }

    /// The twelve months, for the fiscal year's first month.
    fn months(&self) -> Vec<(String, &'static str)> {
        (1..=12)
            .map(|m| (m.to_string(), self.c.t(&format!("month.{m}"))))
            .collect()
    }
}

fn require(caller: &Caller) -> Result<(), PageError> {
    if caller.can(Permission::ConfigureSettings) {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

async fn page(
    ctx: &Ctx,
    input: SettingsInput,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let title = ctx.lang.t("settings.title").to_owned();
    let c = Chrome::new(ctx, "/admin/settings", title.clone(), vec![(title, None)]).await?;
    render(&SettingsPage {
        c,
        input,
        currencies: qudao_domain::money::Currency::all()
            .map(|c| c.to_string())
            .collect(),
        errors,
    })
}

async fn show(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    require(&ctx.caller)?;
    let current = state.app.settings(&ctx.caller).await?;
    page(&ctx, current.into(), Vec::new()).await
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(input): PageForm<SettingsInput>,
) -> Result<Response, PageError> {
    let result = state.app.update_settings(&ctx.caller, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |_| {
            (
                ctx.lang.t("settings.saved").to_owned(),
                "/admin/settings".to_owned(),
            )
        },
        async |errors| page(&ctx, input, errors).await,
    )
    .await
}
