//! Targets: set, list as the cascade's tree, cascade, approve, amend, and
//! attainment to date. A partner's targets follow the caller's scope;
//! partner roles see their own organisation's only.

use axum::Extension;
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use chrono::{DateTime, Utc};
use qudao_app::targets::{
    AmendInput, AttainmentNode, CascadeChild, CascadeInput, TargetInput, TargetNode, TargetView,
};
use qudao_domain::targets::{Band, NeededPerDay};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery, BodyLimit};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

/// A cascade names up to `MAX_CHILDREN` (10,000) children at about sixty
/// bytes each: more than the forms' limit.
const CASCADE_LIMIT: usize = 2 * 1024 * 1024;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    let cascade = OpenApiRouter::new()
        .routes(routes!(cascade))
        .layer(DefaultBodyLimit::max(CASCADE_LIMIT))
        .layer(Extension(BodyLimit(CASCADE_LIMIT)));
    OpenApiRouter::new()
        .routes(routes!(list_targets, set_target))
        .routes(routes!(attainment))
        .routes(routes!(get_target))
        .merge(cascade)
        .routes(routes!(approve))
        .routes(routes!(amend))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PeriodParams {
    /// `2026`, `2026-Q3` or `2026-07` (years and quarters are fiscal).
    period: String,
    /// sell_in_amount, sell_through_amount, quantity, collections,
    /// new_partners, new_regions or outlet_coverage (all when empty).
    measure: Option<String>,
}

/// A target. Figures are exact integers in the measure's unit: minor units
/// of the company currency for money, a count, or basis points of coverage.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct TargetOut {
    id: i64,
    period: String,
    /// company, channel, region, partner or rep.
    subject_type: String,
    /// The partner type for a channel, a region code, a partner code or a
    /// rep's login; empty for the company.
    subject_code: String,
    subject_name: String,
    measure: String,
    product_line: Option<String>,
    value: i64,
    /// The figure as it is typed (`12345.67`, `120`, `80.00`).
    value_text: String,
    /// top_down or bottom_up.
    version: String,
    /// draft or approved (locked: changed only by an amendment).
    status: String,
    /// The target this one was cascaded from.
    parent_id: Option<i64>,
}

impl From<TargetView> for TargetOut {
    fn from(v: TargetView) -> Self {
        TargetOut {
            id: v.id,
            period: v.period,
            subject_type: v.subject_type.as_str().to_owned(),
            subject_code: v.subject_code,
            subject_name: v.subject_name,
            measure: v.measure.as_str().to_owned(),
            product_line: v.product_line,
            value: v.value,
            value_text: v.value_text,
            version: v.version.as_str().to_owned(),
            status: v.status.as_str().to_owned(),
            parent_id: v.parent_id,
        }
    }
}

/// A node of the cascade's tree, listed depth first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct NodeOut {
    /// 0 for a root (a target whose parent you do not see is a root).
    depth: u32,
    target: TargetOut,
    /// Parent − the sum of its children, for an additive measure with
    /// children: 0 when the cascade adds up, else what a draft leaves.
    unallocated: Option<i64>,
}

fn flatten(nodes: Vec<TargetNode>, depth: u32, out: &mut Vec<NodeOut>) {
    for node in nodes {
        out.push(NodeOut {
            depth,
            target: node.target.into(),
            unallocated: node.unallocated,
        });
        flatten(node.children, depth + 1, out);
    }
}

/// The targets of a period you see, as the cascade's tree (company →
/// channel → region → partner → rep), depth first.
#[utoipa::path(
    get, path = "/targets", tag = "targets",
    params(PeriodParams),
    responses(
        (status = 200, body = Vec<NodeOut>),
        (status = 422, description = "A period or measure that does not read", body = crate::error::Problem),
    )
)]
async fn list_targets(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(params): ApiQuery<PeriodParams>,
) -> Result<Json<Vec<NodeOut>>, ApiError> {
    let nodes = state
        .app
        .targets(&caller, &params.period, params.measure.as_deref())
        .await?;
    let mut out = Vec::new();
    flatten(nodes, 0, &mut out);
    Ok(Json(out))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct TargetIn {
    /// `2026`, `2026-Q3` or `2026-07`.
    period: String,
    /// company, channel, region, partner or rep.
    subject_type: String,
    /// A partner type, region code, partner code or rep login (none for
    /// the company).
    subject_code: Option<String>,
    measure: String,
    /// A product line code (every line when absent).
    product_line: Option<String>,
    /// `12345.67` for money, `120` for counts, `80` (percent) for coverage.
    value: String,
    /// top_down (default) or bottom_up.
    version: Option<String>,
}

/// Sets a target: a new one is a draft, a draft's figure is replaced; an
/// approved target changes only by an amendment.
#[utoipa::path(
    post, path = "/targets", tag = "targets",
    request_body = TargetIn,
    responses(
        (status = 200, body = TargetOut),
        (status = 403, description = "Only admins and channel managers set targets", body = crate::error::Problem),
        (status = 422, description = "A field that does not read, an unknown subject or line, or an approved target", body = crate::error::Problem),
    )
)]
async fn set_target(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<TargetIn>,
) -> Result<Json<TargetOut>, ApiError> {
    let input = TargetInput {
        period: input.period,
        subject_type: input.subject_type,
        subject_code: input.subject_code,
        measure: input.measure,
        product_line: input.product_line,
        value: input.value,
        version: input.version,
    };
    Ok(Json(state.app.set_target(&caller, &input).await?.into()))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AmendmentOut {
    old_value: i64,
    new_value: i64,
    /// Why (empty for a partner, as our reasons are our own).
    reason: String,
    /// Who amended it, by login and name (empty for a partner).
    by: String,
    by_name: String,
    at: DateTime<Utc>,
}

/// What the forecast adds in one month left of the period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct MonthAddsOut {
    /// `2026-12`.
    month: String,
    adds: i64,
}

/// Where a target is heading if the sales forecast comes true.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ProjectionOut {
    /// The actual at period end: to date plus what the forecast adds.
    actual: i64,
    /// actual ÷ target in percent, rounded down to two decimals; absent
    /// for a zero target.
    percent: Option<String>,
    /// red, amber or green.
    band: String,
    /// For the current month, its forecast less what it counted so far.
    months: Vec<MonthAddsOut>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct TargetDetailOut {
    target: TargetOut,
    /// Every change made to it since approval, oldest first.
    amendments: Vec<AmendmentOut>,
    /// Absent once the period is over, or where the measure is not counted.
    projection: Option<ProjectionOut>,
}

pub(super) fn band_word(band: Band) -> String {
    match band {
        Band::Red => "red",
        Band::Amber => "amber",
        Band::Green => "green",
    }
    .to_owned()
}

/// One target you see, with its amendments and its projection to the
/// period's end.
#[utoipa::path(
    get, path = "/targets/{id}", tag = "targets",
    params(("id" = i64, Path, description = "The target's id")),
    responses(
        (status = 200, body = TargetDetailOut),
        (status = 404, description = "No such target that you see", body = crate::error::Problem),
    )
)]
async fn get_target(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TargetDetailOut>, ApiError> {
    let (target, amendments) = state.app.target(&caller, id).await?;
    let projection = state
        .app
        .target_projection(&caller, id)
        .await?
        .map(|p| ProjectionOut {
            actual: p.attainment.actual,
            percent: p.attainment.percent.map(|p| format!("{p:.2}")),
            band: band_word(p.attainment.band),
            months: p
                .months
                .into_iter()
                .map(|(month, adds)| MonthAddsOut {
                    month: month.to_string(),
                    adds,
                })
                .collect(),
        });
    Ok(Json(TargetDetailOut {
        projection,
        target: target.into(),
        amendments: amendments
            .into_iter()
            .map(|a| AmendmentOut {
                old_value: a.old_value,
                new_value: a.new_value,
                reason: a.reason,
                by: a.by,
                by_name: a.by_name,
                at: a.at,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct ChildIn {
    /// channel, region, partner or rep.
    subject_type: String,
    subject_code: String,
    /// The amount (`by = amounts`) or percent (`by = percents`).
    part: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct CascadeIn {
    /// amounts, percents or last_year (each child's share of last year's
    /// actuals of the measure).
    by: String,
    children: Vec<ChildIn>,
    /// The subject code of the child that takes the rounding remainder
    /// (required for percents and last_year).
    remainder_to: Option<String>,
    /// Keep amounts that do not add up, reporting the gap.
    #[serde(default)]
    draft: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct CascadeOut {
    parent: TargetOut,
    children: Vec<TargetOut>,
    /// Parent − the children's sum: non-zero only for a draft.
    unallocated: i64,
}

/// Splits a target among children of its period, measure, line and
/// version so that they sum to it exactly.
#[utoipa::path(
    post, path = "/targets/{id}/cascade", tag = "targets",
    params(("id" = i64, Path, description = "The parent target's id")),
    request_body = CascadeIn,
    responses(
        (status = 200, body = CascadeOut),
        (status = 403, description = "Only admins and channel managers cascade targets", body = crate::error::Problem),
        (status = 404, description = "No such target that you see", body = crate::error::Problem),
        (status = 422, description = "A split that over- or under-allocates, percents not summing to 100, an unknown or approved child", body = crate::error::Problem),
    )
)]
async fn cascade(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<CascadeIn>,
) -> Result<Json<CascadeOut>, ApiError> {
    let input = CascadeInput {
        by: input.by,
        children: input
            .children
            .into_iter()
            .map(|c| CascadeChild {
                subject_type: c.subject_type,
                subject_code: c.subject_code,
                part: c.part,
            })
            .collect(),
        remainder_to: input.remainder_to,
        draft: input.draft,
    };
    let done = state.app.cascade_target(&caller, id, &input).await?;
    Ok(Json(CascadeOut {
        parent: done.parent.into(),
        children: done.children.into_iter().map(TargetOut::from).collect(),
        unallocated: done.unallocated,
    }))
}

/// Approves a target into force, which locks it; a target cascaded into
/// children is approved only when they add up to it.
#[utoipa::path(
    post, path = "/targets/{id}/approve", tag = "targets",
    params(("id" = i64, Path, description = "The target's id")),
    responses(
        (status = 200, body = TargetOut),
        (status = 403, description = "Only admins and channel managers approve targets", body = crate::error::Problem),
        (status = 404, description = "No such target that you see", body = crate::error::Problem),
        (status = 422, description = "Approved already, or its children do not add up", body = crate::error::Problem),
    )
)]
async fn approve(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TargetOut>, ApiError> {
    Ok(Json(state.app.approve_target(&caller, id).await?.into()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct AmendIn {
    /// The new figure, as typed.
    value: String,
    /// Why, 1–500 characters.
    reason: String,
}

/// Changes an approved target's figure with a reason, logged.
#[utoipa::path(
    post, path = "/targets/{id}/amend", tag = "targets",
    params(("id" = i64, Path, description = "The target's id")),
    request_body = AmendIn,
    responses(
        (status = 200, body = TargetOut),
        (status = 403, description = "Only admins and channel managers amend targets", body = crate::error::Problem),
        (status = 404, description = "No such target that you see", body = crate::error::Problem),
        (status = 422, description = "No reason, a figure that does not read or changes nothing, or a draft", body = crate::error::Problem),
    )
)]
async fn amend(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<AmendIn>,
) -> Result<Json<TargetOut>, ApiError> {
    let input = AmendInput {
        value: input.value,
        reason: input.reason,
    };
    Ok(Json(
        state.app.amend_target(&caller, id, &input).await?.into(),
    ))
}

/// What is needed per remaining day to reach a target.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct NeededOut {
    /// met, per_day or period_over.
    kind: String,
    /// At least this much a day (rounded up), for per_day.
    amount: Option<i64>,
    days_left: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct AttainmentOut {
    depth: u32,
    target: TargetOut,
    /// The actual to date from the facts; absent where it is not counted
    /// yet (outlet coverage).
    actual: Option<i64>,
    /// actual ÷ target in percent, rounded down to two decimals; absent
    /// for a zero target.
    percent: Option<String>,
    /// actual − target: negative while short.
    variance: Option<i64>,
    /// red, amber or green.
    band: Option<String>,
    needed_per_day: Option<NeededOut>,
    /// The target less all its children's (also those you do not see);
    /// absent without children.
    unallocated: Option<i64>,
    /// A rep's actual counts partners that moved between reps in the
    /// period by the days each rep held them.
    prorated: bool,
}

fn flatten_attainment(nodes: Vec<AttainmentNode>, depth: u32, out: &mut Vec<AttainmentOut>) {
    for node in nodes {
        let a = node.attainment;
        out.push(AttainmentOut {
            unallocated: node.unallocated,
            prorated: node.prorated,
            depth,
            target: node.target.into(),
            actual: a.map(|a| a.actual),
            percent: a.and_then(|a| a.percent).map(|p| format!("{p:.2}")),
            variance: a.map(|a| a.variance),
            band: a.map(|a| band_word(a.band)),
            needed_per_day: node.needed_per_day.map(|n| match n {
                NeededPerDay::Met => NeededOut {
                    kind: "met".into(),
                    amount: None,
                    days_left: None,
                },
                NeededPerDay::PerDay { amount, days_left } => NeededOut {
                    kind: "per_day".into(),
                    amount: Some(amount),
                    days_left: Some(days_left),
                },
                NeededPerDay::PeriodOver => NeededOut {
                    kind: "period_over".into(),
                    amount: None,
                    days_left: None,
                },
            }),
        });
        flatten_attainment(node.children, depth + 1, out);
    }
}

/// Actual to date against every top-down target of a period you see, as
/// the cascade's tree depth first, with the percent, variance, colour band
/// and what is needed per remaining day.
#[utoipa::path(
    get, path = "/targets/attainment", tag = "targets",
    params(PeriodParams),
    responses(
        (status = 200, body = Vec<AttainmentOut>),
        (status = 422, description = "A period or measure that does not read", body = crate::error::Problem),
    )
)]
async fn attainment(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(params): ApiQuery<PeriodParams>,
) -> Result<Json<Vec<AttainmentOut>>, ApiError> {
    let nodes = state
        .app
        .attainment(&caller, &params.period, params.measure.as_deref())
        .await?;
    let mut out = Vec::new();
    flatten_attainment(nodes, 0, &mut out);
    Ok(Json(out))
}
