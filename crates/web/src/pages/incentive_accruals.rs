//! The month-end accruals page (`/incentives/accruals?month=YYYY-MM`,
//! 预提): per program its name, kind, period, accrued to the month's end,
//! projected at the period's end, last booked and the movement, with
//! totals; a month picker; finance books an ended month after a
//! confirmation, and anyone who reads downloads the xlsx journal. Finance,
//! admins and channel managers read; others are refused.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use qudao_app::incentive_accruals::Accruals;
use qudao_app::{AppError, Permission};
use serde::Deserialize;

use super::{PageForm, error_for, field_errors, render};
use crate::AppState;
use crate::auth::{Ctx, FlashKind, set_flash};
use crate::error::PageError;
use crate::i18n::Lang;
use crate::layout::{Chrome, crumb};
use crate::routes::Routes;

const PATH: &str = "/incentives/accruals";

pub(super) fn routes() -> Routes {
    Routes::new()
        .get(PATH, show)
        .post("/incentives/accruals/{month}/book", book)
}

#[derive(Debug, Default, Deserialize)]
struct MonthQuery {
    month: Option<String>,
    /// `xlsx` downloads the journal.
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "incentives/accruals.html")]
struct AccrualsPage {
    c: Chrome,
    a: Accruals,
    /// The month as typed, shown again with its error.
    typed: String,
    errors: Vec<(String, String)>,
    can_book: bool,
    confirm_book: String,
    none: Vec<(String, String)>,
}

impl AccrualsPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    fn book_action(&self) -> String {
        format!("{PATH}/{}/book", self.a.month)
    }

    fn journal_href(&self) -> String {
        format!("{PATH}?month={}&format=xlsx", self.a.month)
    }

    fn booked_line(&self) -> String {
        self.a
            .booked
            .as_ref()
            .map(|b| {
                self.c
                    .t("accruals.booked_by")
                    .replacen("{}", &b.booked_by, 1)
                    .replacen("{}", &self.c.at(&b.booked_at), 1)
            })
            .unwrap_or_default()
    }
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<MonthQuery>,
) -> Result<Response, PageError> {
    let typed = query.month.clone().unwrap_or_default();
    let (a, errors) = match state
        .app
        .incentive_accruals(&ctx.caller, Some(&typed))
        .await
    {
        Ok(a) => (a, Vec::new()),
        Err(err @ AppError::Invalid(_)) => {
            let errors = field_errors(ctx.lang, err)?.1;
            (
                state.app.incentive_accruals(&ctx.caller, None).await?,
                errors,
            )
        }
        Err(other) => return Err(other.into()),
    };
    if query.format.as_deref() == Some("xlsx") && errors.is_empty() {
        let chinese = ctx.lang == Lang::ZhCn;
        let bytes = qudao_app::export::accruals_journal_xlsx(&a, chinese)?;
        let ascii = format!("accruals_{}.xlsx", a.month);
        let local = if chinese {
            format!("预提凭证_{}.xlsx", a.month)
        } else {
            ascii.clone()
        };
        return Ok(super::xlsx(&ascii, &local, bytes));
    }
    let title = ctx.lang.t("accruals.title").to_owned();
    let crumbs = vec![
        crumb(ctx.lang, "nav.incentives", "/incentives"),
        (title.clone(), None),
    ];
    let total = a
        .totals
        .iter()
        .map(|t| crate::layout::money_text(&t.movement, &t.currency))
        .collect::<Vec<_>>()
        .join(" · ");
    let confirm_book = ctx
        .lang
        .t("accruals.confirm_book")
        .replacen("{}", &a.month, 1)
        .replacen("{}", &total, 1);
    let c = Chrome::new(&ctx, "/incentives", title, crumbs).await?;
    let can_book = a.booked.is_none()
        && a.ended
        && !a.lines.is_empty()
        && ctx.caller.can(Permission::ApproveIncentives);
    render(&AccrualsPage {
        c,
        typed: if errors.is_empty() {
            a.month.clone()
        } else {
            typed
        },
        a,
        errors,
        can_book,
        confirm_book,
        none: Vec::new(),
    })
}

async fn book(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(month): Path<String>,
    PageForm(_): PageForm<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    match state.app.book_incentive_accruals(&ctx.caller, &month).await {
        Ok(booked) => {
            set_flash(
                &ctx.session,
                FlashKind::Success,
                ctx.lang.tf("accruals.booked", &booked.month),
            )
            .await?;
        }
        Err(AppError::Invalid(fields)) => {
            let text = fields
                .iter()
                .map(|f| ctx.lang.problem(&f.problem))
                .collect::<Vec<_>>()
                .join("; ");
            set_flash(&ctx.session, FlashKind::Error, text).await?;
        }
        Err(other) => return Err(other.into()),
    }
    let back = qudao_domain::periods::Month::parse("month", &month)
        .map_or_else(|_| PATH.to_owned(), |m| format!("{PATH}?month={m}"));
    Ok(Redirect::to(&back).into_response())
}
