//! Payout balances pages: a partner's own at `/my/incentives/balances`,
//! staff's for a partner at `/partners/{code}/incentives/balances` (both
//! linked from the incentive statement): the wallet, goods, marketing
//! fund balances (a negative one shown as such), the wallet's share cap
//! and every movement. Staff who manage incentives record a spend or an
//! adjustment there, with a reason, after a confirmation.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::incentive_balances::{BalancesView, MovementInput};
use qudao_app::{AppError, Permission};
use qudao_domain::incentive_balances::{BalanceForm, MovementKind};
use serde::Deserialize;

use super::{PageForm, error_for, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::{Ctx, urlencode};
use crate::error::PageError;
use crate::layout::{Chrome, crumb};
use crate::routes::Routes;

const MINE: &str = "/my/incentives/balances";

pub(super) fn routes() -> Routes {
    Routes::new()
        .get(MINE, mine)
        .get("/partners/{code}/incentives/balances", partner_balances)
        .post("/partners/{code}/incentives/balances", record)
}

#[derive(Debug, Default, Clone, Deserialize)]
struct MovementForm {
    #[serde(default)]
    form: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
}

#[derive(Template)]
#[template(path = "incentive_balances/balances.html")]
struct BalancesPage {
    c: Chrome,
    view: BalancesView,
    /// Where the staff form posts; none for whoever may not record.
    action: Option<String>,
    form: MovementForm,
    errors: Vec<(String, String)>,
}

impl BalancesPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn forms(&self) -> &'static [BalanceForm] {
        BalanceForm::ALL
    }

    fn kinds(&self) -> [MovementKind; 2] {
        [MovementKind::Spent, MovementKind::Adjusted]
    }
}

async fn page(
    ctx: &Ctx,
    view: BalancesView,
    mine: bool,
    form: MovementForm,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let title = ctx.lang.tf("balances.title_of", &view.partner_name);
    let (statement, crumbs) = if mine {
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
    let mut crumbs = crumbs;
    crumbs.push((title.clone(), None));
    let base = if mine { MINE } else { "/partners" };
    let c = Chrome::new(ctx, base, title, crumbs).await?;
    let action = (!mine && ctx.caller.can(Permission::ManageIncentives))
        .then(|| format!("{statement}/balances"));
    render(&BalancesPage {
        c,
        view,
        action,
        form,
        errors,
    })
}

/// A partner's people read their own balances; staff go to a partner's.
async fn mine(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    if !ctx.caller.role.is_partner_role() {
        return Ok(Redirect::to("/incentives/runs").into_response());
    }
    let view = state.app.incentive_balances(&ctx.caller, None).await?;
    page(&ctx, view, true, MovementForm::default(), Vec::new()).await
}

async fn partner_balances(
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
        .incentive_balances(&ctx.caller, Some(&code))
        .await?;
    page(&ctx, view, false, MovementForm::default(), Vec::new()).await
}

async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    PageForm(form): PageForm<MovementForm>,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::ManageIncentives) {
        return Err(AppError::Forbidden.into());
    }
    let input = MovementInput {
        form: form.form.clone(),
        kind: form.kind.clone(),
        amount: form.amount.clone(),
        reason: form.reason.clone(),
    };
    let result = state
        .app
        .record_balance_movement(&ctx.caller, &code, &input)
        .await;
    let saved = ctx.lang.t("balances.recorded").to_owned();
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            (
                saved,
                format!("/partners/{}/incentives/balances", urlencode(&view.partner)),
            )
        },
        async |errors| {
            let view = state
                .app
                .incentive_balances(&ctx.caller, Some(&code))
                .await?;
            page(&ctx, view, false, form, errors).await
        },
    )
    .await
}
