//! Incentive points pages: a partner's own at `/my/incentives/points`,
//! staff's for a partner at `/partners/{code}/incentives/points` (both
//! linked from the incentive statement): points available, what expires
//! within 30 days, the lots and every movement with the expiries derived
//! from them. Staff who manage incentives redeem or adjust points there,
//! with a reason, after a confirmation.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::incentive_points::{PointsInput, PointsView};
use qudao_app::{AppError, Permission};
use qudao_domain::incentive_points::PointsKind;
use serde::Deserialize;

use super::{PageForm, error_for, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::{Ctx, urlencode};
use crate::error::PageError;
use crate::layout::{Chrome, crumb};
use crate::routes::Routes;

const MINE: &str = "/my/incentives/points";

pub(super) fn routes() -> Routes {
    Routes::new()
        .get(MINE, mine)
        .get("/partners/{code}/incentives/points", partner_points)
        .post("/partners/{code}/incentives/points", record)
}

#[derive(Debug, Default, Clone, Deserialize)]
struct PointsForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "incentive_points/points.html")]
struct PointsPage {
    c: Chrome,
    view: PointsView,
    /// Where the staff form posts; none for whoever may not record.
    action: Option<String>,
    form: PointsForm,
    errors: Vec<(String, String)>,
}

impl PointsPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn kinds(&self) -> [PointsKind; 2] {
        [PointsKind::Redeemed, PointsKind::Adjusted]
    }
}

async fn page(
    ctx: &Ctx,
    view: PointsView,
    mine: bool,
    form: PointsForm,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let title = ctx.lang.tf("points.title_of", &view.partner_name);
    let (statement, mut crumbs) = if mine {
        (
            "/my/incentives".to_owned(),
            vec![crumb(ctx.lang, "runs.mine", "/my/incentives")],
        )
    } else {
        let partner = format!("/partners/{}", urlencode(&view.partner));
        (
            format!("{partner}/incentives"),
            vec![
                crumb(ctx.lang, "nav.partners", "/partners"),
                (view.partner_name.clone(), Some(partner.clone())),
                (
                    ctx.lang.tf("runs.statement_of", &view.partner_name),
                    Some(format!("{partner}/incentives")),
                ),
            ],
        )
    };
    crumbs.push((title.clone(), None));
    let base = if mine { MINE } else { "/partners" };
    let c = Chrome::new(ctx, base, title, crumbs).await?;
    let action = (!mine && ctx.caller.can(Permission::ManageIncentives))
        .then(|| format!("{statement}/points"));
    render(&PointsPage {
        c,
        view,
        action,
        form,
        errors,
    })
}

/// A partner's people read their own points; staff go to a partner's.
async fn mine(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    if !ctx.caller.role.is_partner_role() {
        return Ok(Redirect::to("/incentives/runs").into_response());
    }
    let view = state.app.incentive_points(&ctx.caller, None, None).await?;
    page(&ctx, view, true, PointsForm::default(), Vec::new()).await
}

async fn partner_points(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    // A partner's people have their own page; another partner's code in
    // this address must not reach anything.
    if ctx.caller.role.is_partner_role() {
        return Err(AppError::Forbidden.into());
    }
    let view = state
        .app
        .incentive_points(&ctx.caller, Some(&code), None)
        .await?;
    page(&ctx, view, false, PointsForm::default(), Vec::new()).await
}

async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(form): PageForm<PointsForm>,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManageIncentives) {
        return Err(AppError::Forbidden.into());
    }
    let input = PointsInput {
        kind: form.kind.clone(),
        points: form.points.clone(),
        reason: form.reason.clone(),
    };
    let result = state
        .app
        .record_points_movement(&ctx.caller, &code, &input)
        .await;
    let saved = ctx.lang.t("points.recorded").to_owned();
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            (
                saved,
                format!("/partners/{}/incentives/points", urlencode(&view.partner)),
            )
        },
        async |errors| {
            let view = state
                .app
                .incentive_points(&ctx.caller, Some(&code), None)
                .await?;
            page(&ctx, view, false, form, errors).await
        },
    )
    .await
}
