//! The regions a channel manager or sales rep covers, on their user page.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::coverage::CoveredRegion;
use serde::Deserialize;

use super::pick::Pick;
use super::{PageForm, error_for, field_errors, render};
use crate::AppState;
use crate::auth::{Ctx, FlashKind, set_flash, urlencode};
use crate::error::PageError;
use crate::layout::{Chrome, crumb};
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/admin/users/{login}/regions", regions)
        .post("/admin/users/{login}/regions", add_region)
        .post("/admin/users/{login}/regions/{code}/remove", remove_region)
}

#[derive(Template)]
#[template(path = "admin/user_regions.html")]
struct RegionsPage {
    c: Chrome,
    login: String,
    rows: Vec<CoveredRegion>,
    region_code: String,
    errors: Vec<(String, String)>,
}

impl RegionsPage {
    /// The region field shows the region's error, else the user's.
    fn region_error(&self) -> &str {
        match error_for(&self.errors, "region_code") {
            "" => error_for(&self.errors, "login"),
            error => error,
        }
    }

    /// The region's name in the reader's language, where it has one.
    fn name_of<'a>(&self, region: &'a CoveredRegion) -> &'a str {
        match (&region.name_en, self.c.lang.tag()) {
            (Some(en), "en") => en,
            _ => &region.name,
        }
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    login: String,
    region_code: String,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let rows = state.app.user_regions(&ctx.caller, &login).await?;
    let title = ctx.lang.tf("coverage.title", &login);
    let c = Chrome::new(
        ctx,
        "/admin/users",
        title.clone(),
        vec![crumb(ctx.lang, "nav.users", "/admin/users"), (title, None)],
    )
    .await?;
    render(&RegionsPage {
        c,
        login,
        rows,
        region_code,
        errors,
    })
}

async fn regions(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(login): Path<String>,
) -> Result<Response, PageError> {
    page(&state, &ctx, login, String::new(), Vec::new()).await
}

#[derive(Deserialize)]
struct AddForm {
    region_code: String,
}

async fn add_region(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(login): Path<String>,
    PageForm(mut form): PageForm<AddForm>,
) -> Result<Response, PageError> {
    form.region_code = super::pick::resolve(&state, &ctx, Pick::Region, form.region_code).await?;
    match state
        .app
        .add_user_region(&ctx.caller, &login, &form.region_code)
        .await
    {
        Ok(_) => {
            let text = ctx.lang.tf("coverage.added", form.region_code.trim());
            set_flash(&ctx.session, FlashKind::Success, text).await?;
            Ok(
                Redirect::to(&format!("/admin/users/{}/regions", urlencode(&login)))
                    .into_response(),
            )
        }
        Err(err) => {
            let (status, errors) = field_errors(ctx.lang, err)?;
            let mut response = page(&state, &ctx, login, form.region_code, errors).await?;
            *response.status_mut() = status;
            Ok(response)
        }
    }
}

async fn remove_region(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((login, code)): Path<(String, String)>,
) -> Result<Response, PageError> {
    state
        .app
        .remove_user_region(&ctx.caller, &login, &code)
        .await?;
    let text = ctx.lang.tf("coverage.removed", &code);
    set_flash(&ctx.session, FlashKind::Success, text).await?;
    Ok(Redirect::to(&format!("/admin/users/{}/regions", urlencode(&login))).into_response())
}
