//! Target plans: the proposal page (`/targets/proposals`: a rep proposes
//! for itself and the partners it covers, a partner admin in the portal for
//! its own organisation) and the gap view (`/targets/gap`: both versions of
//! every partner's and rep's target, with approve buttons for managers)
//! and the re-allocation of a partner's target (`/targets/{id}/reallocate`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Datelike;
use qudao_app::target_plans::{
    ApproveProposalInput, GapRow, ProposalInput, ReallocationInput, ReceiverInput,
};
use qudao_app::targets::TargetView;
use qudao_app::{AppError, Permission};
use qudao_domain::admin::Role;
use qudao_domain::targets::{MeasureUnit, TargetMeasure};
use serde::Deserialize;

use super::pick::{self, Pick};
use super::{PageForm, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::layout::{Chrome, name_code};
use crate::routes::Routes;

pub(super) fn routes() -> Routes {
    Routes::new()
        .get("/targets/proposals", proposals)
        .post("/targets/proposals", propose)
        .get("/targets/gap", gap)
        .post("/targets/gap/{id}/approve", approve)
        .get("/targets/{id}/reallocate", reallocation)
        .post("/targets/{id}/reallocate", reallocate)
}

/// The measures a person proposes: every additive one (coverage is a ratio
/// set per region, never proposed).
fn measures() -> Vec<&'static str> {
    TargetMeasure::ALL
        .iter()
        .filter(|m| m.is_additive())
        .map(|m| m.as_str())
        .collect()
}

#[derive(Debug, Default, Deserialize)]
struct PeriodQuery {
    period: Option<String>,
    measure: Option<String>,
}

/// Refuses a page its role may never use before anything is read.
fn allowed(ctx: &Ctx, permission: Permission) -> Result<(), PageError> {
    if ctx.caller.can(permission) {
        Ok(())
    } else {
        Err(AppError::Forbidden.into())
    }
}

/// The period a page opens on: the one asked for, else this year.
fn period_or_this_year(period: Option<String>) -> String {
    period
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| qudao_app::today().year().to_string())
}

/// What both pages show of a node's figures.
struct Figures {
    currency: String,
}

impl Figures {
    fn of(&self, target: &Option<TargetView>) -> String {
        match target {
            None => "—".to_owned(),
            Some(t) => self.text(t.measure, &t.value_text),
        }
    }

    fn text(&self, measure: TargetMeasure, value: &str) -> String {
        match measure.unit() {
            MeasureUnit::Money => crate::layout::money_text(value, &self.currency),
            _ => value.to_owned(),
        }
    }

    /// The gap in the measure's unit, signed; "—" while a version is missing.
    fn gap(&self, row: &GapRow) -> String {
        let Some(gap) = row.gap.gap else {
            return "—".to_owned();
        };
        match row.measure.unit() {
            MeasureUnit::Money => {
                let text = qudao_domain::money::Currency::parse(&self.currency)
                    .map(|c| qudao_domain::money::Money::from_minor(gap, c).formatted())
                    .unwrap_or_else(|_| gap.to_string());
                if gap > 0 { format!("+{text}") } else { text }
            }
            _ if gap > 0 => format!("+{gap}"),
            _ => gap.to_string(),
        }
    }

    fn percent(&self, row: &GapRow) -> String {
        match row.gap.percent {
            Some(p) if p.is_sign_positive() && !p.is_zero() => format!("+{p:.2}%"),
            Some(p) => format!("{p:.2}%"),
            None => "—".to_owned(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct ProposalForm {
    #[serde(default)]
    period: String,
    /// `rep` (the caller) or `partner`.
    #[serde(default)]
    subject_type: String,
    /// The partner picked (a rep), or the partner admin's own code.
    #[serde(default)]
    partner: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    product_line: String,
    #[serde(default)]
    value: String,
}

#[derive(Template)]
#[template(path = "target_plans/proposals.html")]
struct ProposalsPage {
    c: Chrome,
    figures: Figures,
    rows: Vec<GapRow>,
    period: String,
    measures: Vec<&'static str>,
    /// A rep chooses itself or a partner; a partner admin proposes for its
    /// own organisation only.
    is_rep: bool,
    /// The partner admin's own organisation, named.
    own: String,
    input: ProposalForm,
    errors: Vec<(String, String)>,
}

impl ProposalsPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

async fn proposals_page(
    state: &AppState,
    ctx: &Ctx,
    period: String,
    input: ProposalForm,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    allowed(ctx, Permission::ProposeTargets)?;
    let settings = state.app.current_settings().await?;
    // A period that does not read shows an empty list, with the form's
    // error (if any) saying why.
    let rows = match state.app.target_gap(&ctx.caller, &period, None).await {
        Ok(rows) => rows,
        Err(AppError::Invalid(_)) => Vec::new(),
        Err(other) => return Err(other.into()),
    };
    let own = match state.app.own_partner_code(&ctx.caller).await? {
        Some(code) => {
            let detail = state.app.partner(&ctx.caller, &code).await?;
            name_code(ctx.lang, &detail.partner.name, &code)
        }
        None => String::new(),
    };
    let title = ctx.lang.t("plans.proposals").to_owned();
    let c = Chrome::new(
        ctx,
        "/targets/proposals",
        title.clone(),
        vec![(title, None)],
    )
    .await?;
    render(&ProposalsPage {
        c,
        figures: Figures {
            currency: settings.currency.to_string(),
        },
        rows,
        period,
        measures: measures(),
        is_rep: ctx.caller.role == Role::SalesRep,
        own,
        input,
        errors,
    })
}

async fn proposals(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let period = period_or_this_year(query.period);
    let input = ProposalForm {
        period: period.clone(),
        subject_type: "partner".to_owned(),
        measure: "sell_in_amount".to_owned(),
        ..ProposalForm::default()
    };
    proposals_page(&state, &ctx, period, input, Vec::new()).await
}

async fn propose(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(mut form): PageForm<ProposalForm>,
) -> Result<Response, PageError> {
    allowed(&ctx, Permission::ProposeTargets)?;
    // A partner admin's subject is its own organisation, whatever is posted.
    let own = state.app.own_partner_code(&ctx.caller).await?;
    let (subject_type, subject_code) = match (&own, form.subject_type.as_str()) {
        (Some(code), _) => ("partner".to_owned(), code.clone()),
        (None, "rep") => ("rep".to_owned(), ctx.caller.login.clone()),
        (None, _) => {
            form.partner = pick::resolve(&state, &ctx, Pick::Partner, form.partner).await?;
            ("partner".to_owned(), form.partner.clone())
        }
    };
    form.product_line = pick::resolve(&state, &ctx, Pick::ProductLine, form.product_line).await?;
    let input = ProposalInput {
        period: form.period.clone(),
        subject_type,
        subject_code,
        measure: form.measure.clone(),
        product_line: Some(form.product_line.clone()),
        value: form.value.clone(),
    };
    let result = state.app.propose_target(&ctx.caller, &input).await;
    let result = match result {
        // A partner the rep does not cover reads as a field error here:
        // the picker offered only what it covers.
        Err(AppError::NotFound(_)) => Err(AppError::Invalid(vec![qudao_domain::Invalid::new(
            "partner",
            qudao_domain::Problem::Conflict {
                rule: "target_subject_unknown",
                with: input.subject_code.clone(),
            },
        )])),
        other => other,
    };
    let period = form.period.clone();
    saved_or_redisplayed(
        &ctx,
        result,
        |view| {
            let what = name_code(ctx.lang, &view.subject_name, &view.subject_code);
            (
                ctx.lang.tf("plans.proposed", what),
                format!("/targets/proposals?period={}", view.period),
            )
        },
        async |errors| {
            let errors = errors
                .into_iter()
                .map(|(field, message)| {
                    // The subject is chosen on the page, not typed.
                    let field = if field == "subject_code" {
                        "partner".to_owned()
                    } else {
                        field
                    };
                    (field, message)
                })
                .collect();
            proposals_page(&state, &ctx, period, form, errors).await
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "target_plans/gap.html")]
struct GapPage {
    c: Chrome,
    figures: Figures,
    rows: Vec<GapRow>,
    period: String,
    measure: String,
    measures: Vec<&'static str>,
    can_approve: bool,
    /// The proposal whose approval was refused, and why.
    refused: Option<(i64, Vec<(String, String)>)>,
    reason: String,
}

impl GapPage {
    fn refusal(&self, id: &i64) -> &[(String, String)] {
        match &self.refused {
            Some((failed, errors)) if failed == id => errors,
            _ => &[],
        }
    }

    /// The confirmation of an approval, in words: whose figure becomes
    /// what, and that an approved figure is amended (cannot be undone).
    fn confirm(&self, row: &GapRow) -> String {
        let who = name_code(self.c.lang, &row.subject_name, &row.subject_code);
        let to = self.figures.of(&row.bottom_up);
        let key = match &row.top_down {
            Some(t) if t.status.as_str() == "approved" => "plans.confirm_amend",
            _ => "plans.confirm_approve",
        };
        self.c.t(key).replacen("{}", &who, 1).replacen("{}", &to, 1)
    }

    /// Whether approving this node's proposal replaces an approved figure
    /// (and so needs a reason).
    fn needs_reason(&self, row: &GapRow) -> bool {
        row.top_down
            .as_ref()
            .is_some_and(|t| t.status.as_str() == "approved")
    }
}

async fn gap_page(
    state: &AppState,
    ctx: &Ctx,
    period: String,
    measure: String,
    refused: Option<(i64, Vec<(String, String)>)>,
    reason: String,
) -> Result<Response, PageError> {
    let settings = state.app.current_settings().await?;
    let rows = state
        .app
        .target_gap(&ctx.caller, &period, Some(measure.as_str()))
        .await?;
    let title = ctx.lang.t("plans.gap").to_owned();
    let c = Chrome::new(ctx, "/targets/gap", title.clone(), vec![(title, None)]).await?;
    render(&GapPage {
        c,
        figures: Figures {
            currency: settings.currency.to_string(),
        },
        rows,
        period,
        measure,
        measures: measures(),
        can_approve: ctx.caller.can(Permission::ApproveTargets),
        refused,
        reason,
    })
}

async fn gap(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let period = period_or_this_year(query.period);
    let measure = query.measure.unwrap_or_default();
    gap_page(&state, &ctx, period, measure, None, String::new()).await
}

#[derive(Debug, Default, Deserialize)]
struct ApproveForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    measure: String,
}

async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ApproveForm>,
) -> Result<Response, PageError> {
    let input = ApproveProposalInput {
        reason: form.reason.clone(),
    };
    let result = state.app.approve_proposal(&ctx.caller, id, &input).await;
    let period = period_or_this_year(Some(form.period.clone()));
    saved_or_redisplayed(
        &ctx,
        result,
        |done| {
            let t = &done.top_down;
            let what = name_code(ctx.lang, &t.subject_name, &t.subject_code);
            (
                ctx.lang.tf("plans.approved", what),
                format!(
                    "/targets/gap?period={}&measure={}",
                    t.period,
                    crate::auth::urlencode(&form.measure)
                ),
            )
        },
        async |errors| {
            gap_page(
                &state,
                &ctx,
                period,
                form.measure.clone(),
                Some((id, errors)),
                form.reason.clone(),
            )
            .await
        },
    )
    .await
}

/// How many receivers the re-allocation form offers.
const RECEIVER_ROWS: usize = 3;

#[derive(Debug, Default, Deserialize)]
struct ReallocationForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    by: String,
    #[serde(default)]
    receiver_1: String,
    #[serde(default)]
    part_1: String,
    #[serde(default)]
    receiver_2: String,
    #[serde(default)]
    part_2: String,
    #[serde(default)]
    receiver_3: String,
    #[serde(default)]
    part_3: String,
    /// Which row (1–3) takes the rounding remainder.
    #[serde(default)]
    remainder: String,
    #[serde(default)]
    reason: String,
}

impl ReallocationForm {
    fn rows(&self) -> [(&str, &str); RECEIVER_ROWS] {
        [
            (&self.receiver_1, &self.part_1),
            (&self.receiver_2, &self.part_2),
            (&self.receiver_3, &self.part_3),
        ]
    }

    /// The posted rows that name a partner, and the one taking the
    /// remainder.
    fn input(&self) -> ReallocationInput {
        let rows = self.rows();
        let remainder = self
            .remainder
            .parse::<usize>()
            .ok()
            .and_then(|n| rows.get(n.checked_sub(1)?))
            .map(|(partner, _)| partner.trim().to_owned())
            .filter(|p| !p.is_empty());
        ReallocationInput {
            from: self.from.clone(),
            by: self.by.clone(),
            receivers: rows
                .iter()
                .filter(|(partner, _)| !partner.trim().is_empty())
                .map(|(partner, part)| ReceiverInput {
                    partner: partner.trim().to_owned(),
                    part: part.trim().to_owned(),
                })
                .collect(),
            remainder_to: remainder,
            reason: self.reason.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "target_plans/reallocate.html")]
struct ReallocationPage {
    c: Chrome,
    target: TargetView,
    figure: String,
    input: ReallocationForm,
    errors: Vec<(String, String)>,
}

impl ReallocationPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }

    fn confirm(&self) -> String {
        let who = name_code(
            self.c.lang,
            &self.target.subject_name,
            &self.target.subject_code,
        );
        self.c
            .t("plans.confirm_reallocate")
            .replacen("{}", &who, 1)
            .replacen("{}", &self.figure, 1)
    }

    /// The receiver rows: number, partner, part.
    fn receiver_rows(&self) -> Vec<(usize, String, String)> {
        self.input
            .rows()
            .iter()
            .enumerate()
            .map(|(i, (partner, part))| (i + 1, (*partner).to_owned(), (*part).to_owned()))
            .collect()
    }
}

async fn reallocation_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    input: ReallocationForm,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    allowed(ctx, Permission::ApproveTargets)?;
    let settings = state.app.current_settings().await?;
    let (target, _) = state.app.target(&ctx.caller, id).await?;
    let figures = Figures {
        currency: settings.currency.to_string(),
    };
    let figure = figures.text(target.measure, &target.value_text);
    let title = ctx.lang.t("plans.reallocate").to_owned();
    let here = format!("/targets/{id}/reallocate");
    let c = Chrome::new(ctx, &here, title.clone(), vec![(title, None)]).await?;
    render(&ReallocationPage {
        c,
        target,
        figure,
        input,
        errors,
    })
}

async fn reallocation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let input = ReallocationForm {
        by: "percents".to_owned(),
        remainder: "1".to_owned(),
        ..ReallocationForm::default()
    };
    reallocation_page(&state, &ctx, id, input, Vec::new()).await
}

async fn reallocate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    PageForm(mut form): PageForm<ReallocationForm>,
) -> Result<Response, PageError> {
    allowed(&ctx, Permission::ApproveTargets)?;
    for receiver in [
        &mut form.receiver_1,
        &mut form.receiver_2,
        &mut form.receiver_3,
    ] {
        *receiver = pick::resolve(&state, &ctx, Pick::Partner, std::mem::take(receiver)).await?;
    }
    let result = state
        .app
        .reallocate_target(&ctx.caller, id, &form.input())
        .await;
    saved_or_redisplayed(
        &ctx,
        result,
        |done| {
            let s = &done.source;
            let what = name_code(ctx.lang, &s.subject_name, &s.subject_code);
            (
                ctx.lang.tf("plans.reallocated", what),
                format!("/targets/gap?period={}", s.period),
            )
        },
        async |errors| reallocation_page(&state, &ctx, id, form, errors).await,
    )
    .await
}
