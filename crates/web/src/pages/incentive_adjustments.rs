//! The penalties and manual adjustments page (`/incentives/adjustments`):
//! the list by period and program with names, and the form that enters
//! one (a partner or a rep picked by name, the program chosen from those in
//! force). Files go through the imports page (kind
//! `incentive_adjustments`). Admins, channel managers and finance; others
//! are refused, partners above all (adjustments are internal entries).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use qudao_app::incentive_adjustments::{AdjustmentFilter, AdjustmentInput, AdjustmentView};
use qudao_app::incentives::{ProgramFilter, ProgramSummary};
use qudao_app::{PageRequest, Permission};
use serde::Deserialize;

use super::{PageForm, error_for, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::layout::{Chrome, crumb};
use crate::pages::pick::{self, Pick};
use crate::routes::Routes;

const PATH: &str = "/incentives/adjustments";

pub(super) fn routes() -> Routes {
    Routes::new().get(PATH, list).post(PATH, add)
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    period: Option<String>,
    program: Option<String>,
}

/// The form as posted: the subject is a partner or a rep, whichever was
/// picked.
#[derive(Debug, Default, Clone, Deserialize)]
struct AddForm {
    #[serde(default)]
    partner: String,
    #[serde(default)]
    rep: String,
    #[serde(default)]
    program_code: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reason: String,
}

impl AddForm {
    /// The field a subject problem shows under: the rep picker when only a
    /// rep was picked, else the partner picker.
    fn subject_field(&self) -> &'static str {
        if self.partner.trim().is_empty() && !self.rep.trim().is_empty() {
            "rep"
        } else {
            "partner"
        }
    }
}

#[derive(Template)]
#[template(path = "incentives/adjustments.html")]
struct AdjustmentsPage {
    c: Chrome,
    items: Vec<AdjustmentView>,
    periods: Vec<String>,
    programs: Vec<ProgramSummary>,
    period: String,
    program: String,
    form: AddForm,
    errors: Vec<(String, String)>,
}

impl AdjustmentsPage {
    fn error(&self, field: &str) -> &str {
        error_for(&self.errors, field)
    }

    /// A manual adjustment first: a form left as it comes must not deduct
    /// as a penalty.
    fn kinds(&self) -> [&'static str; 2] {
        ["manual", "penalty"]
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    query: ListQuery,
    form: AddForm,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let filter = AdjustmentFilter {
        period: query.period.clone().filter(|p| !p.trim().is_empty()),
        program: query.program.clone().filter(|p| !p.trim().is_empty()),
    };
    let all = state
        .app
        .adjustments(
            &ctx.caller,
            &AdjustmentFilter::default(),
            PageRequest::export(),
        )
        .await?
        .items;
    let mut periods: Vec<String> = all.iter().map(|a| a.period.clone()).collect();
    periods.sort_unstable_by(|a, b| b.cmp(a));
    periods.dedup();
    let items = if filter == AdjustmentFilter::default() {
        all
    } else {
        state
            .app
            .adjustments(&ctx.caller, &filter, PageRequest::export())
            .await?
            .items
    };
    let programs = state
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
        .items;
    let title = ctx.lang.t("adjustments.title").to_owned();
    let crumbs = vec![
        crumb(ctx.lang, "nav.incentives", "/incentives"),
        (title.clone(), None),
    ];
    let c = Chrome::new(ctx, "/incentives", title, crumbs).await?;
    render(&AdjustmentsPage {
        c,
        items,
        periods,
        programs,
        period: filter.period.unwrap_or_default(),
        program: filter.program.unwrap_or_default(),
        form,
        errors,
    })
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    page(&state, &ctx, query, AddForm::default(), Vec::new()).await
}

async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(mut form): PageForm<AddForm>,
) -> Result<Response, PageError> {
    if !ctx.caller.can(Permission::AdjustIncentives) {
        return Err(qudao_app::AppError::Forbidden.into());
    }
    form.partner = pick::resolve(&state, &ctx, Pick::Partner, form.partner).await?;
    form.rep = pick::resolve(&state, &ctx, Pick::User, form.rep).await?;
    let subject = if form.partner.trim().is_empty() {
        form.rep.clone()
    } else {
        form.partner.clone()
    };
    let input = AdjustmentInput {
        subject_code: subject,
        program_code: form.program_code.clone(),
        period: form.period.clone(),
        amount: form.amount.clone(),
        kind: form.kind.clone(),
        reason: form.reason.clone(),
    };
    let result = state.app.add_adjustment(&ctx.caller, &input).await;
    let saved_text = ctx.lang.t("adjustments.saved").to_owned();
    let subject_field = form.subject_field();
    saved_or_redisplayed(
        &ctx,
        result,
        |a| (saved_text, format!("{PATH}?period={}", a.period)),
        async |errors| {
            let errors = errors
                .into_iter()
                .map(|(field, message)| {
                    let field = if field == "subject_code" {
                        subject_field.to_owned()
                    } else {
                        field
                    };
                    (field, message)
                })
                .collect();
            page(&state, &ctx, ListQuery::default(), form, errors).await
        },
    )
    .await
}
