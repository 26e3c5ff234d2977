//! Target plans: bottom-up proposals (a rep for itself and the partners it
//! covers, a partner admin for its own organisation), the gap view beside
//! the cascade, approving a proposal into force, and re-allocating the
//! rest of a partner's target to named partners.

use axum::Json;
use axum::extract::State;
use qudao_app::target_plans::{
    ApproveProposalInput, GapRow, ProposalApproved, ProposalInput, ReallocationInput, ReceiverInput,
};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::targets::TargetOut;
use super::{ApiJson, ApiPath, ApiQuery};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(propose))
        .routes(routes!(gap))
        .routes(routes!(approve_proposal))
        .routes(routes!(reallocate))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct ProposalIn {
    /// `2026`, `2026-Q3` or `2026-07`.
    period: String,
    /// rep (yourself) or partner.
    subject_type: String,
    /// Your own login, or the code of a partner you cover (a partner
    /// admin: its own organisation's).
    subject_code: String,
    measure: String,
    /// A product line code (every line when absent).
    product_line: Option<String>,
    /// `12345.67` for money, `120` for counts.
    value: String,
}

/// Proposes a bottom-up figure for a node: kept as the node's bottom_up
/// draft (replaced by the next proposal until a manager approves it).
#[utoipa::path(
    post, path = "/targets/proposals", tag = "targets",
    request_body = ProposalIn,
    responses(
        (status = 200, body = TargetOut),
        (status = 403, description = "Only sales reps and partner admins propose", body = crate::error::Problem),
        (status = 404, description = "A partner or rep you do not cover", body = crate::error::Problem),
        (status = 422, description = "A field that does not read, a subject that is not a partner or rep, or an approved proposal", body = crate::error::Problem),
    )
)]
async fn propose(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<ProposalIn>,
) -> Result<Json<TargetOut>, ApiError> {
    let input = ProposalInput {
        period: input.period,
        subject_type: input.subject_type,
        subject_code: input.subject_code,
        measure: input.measure,
        product_line: input.product_line,
        value: input.value,
    };
    Ok(Json(
        state.app.propose_target(&caller, &input).await?.into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct GapParams {
    /// `2026`, `2026-Q3` or `2026-07`.
    period: String,
    /// One measure (all when empty).
    measure: Option<String>,
}

/// One partner's or rep's node with both versions of its target.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct GapOut {
    /// partner or rep.
    subject_type: String,
    subject_code: String,
    subject_name: String,
    measure: String,
    product_line: Option<String>,
    /// The cascade's target (the one in force once approved).
    top_down: Option<TargetOut>,
    /// The proposal.
    bottom_up: Option<TargetOut>,
    /// bottom-up − top-down, in the measure's unit; absent while either
    /// is missing.
    gap: Option<i64>,
    /// The gap in percent of the top-down figure, rounded toward zero to
    /// two decimals; absent without a gap or for a top-down of 0.
    gap_percent: Option<String>,
}

impl From<GapRow> for GapOut {
    fn from(row: GapRow) -> Self {
        GapOut {
            subject_type: row.subject_type.as_str().to_owned(),
            subject_code: row.subject_code,
            subject_name: row.subject_name,
            measure: row.measure.as_str().to_owned(),
            product_line: row.product_line,
            top_down: row.top_down.map(TargetOut::from),
            bottom_up: row.bottom_up.map(TargetOut::from),
            gap: row.gap.gap,
            gap_percent: row.gap.percent.map(|p| format!("{p:.2}")),
        }
    }
}

/// The gap view of a period: each partner and rep node you see, its
/// top-down and bottom-up figures and the gap between them.
#[utoipa::path(
    get, path = "/targets/gap", tag = "targets",
    params(GapParams),
    responses(
        (status = 200, body = Vec<GapOut>),
        (status = 422, description = "A period or measure that does not read", body = crate::error::Problem),
    )
)]
async fn gap(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiQuery(params): ApiQuery<GapParams>,
) -> Result<Json<Vec<GapOut>>, ApiError> {
    let rows = state
        .app
        .target_gap(&caller, &params.period, params.measure.as_deref())
        .await?;
    Ok(Json(rows.into_iter().map(GapOut::from).collect()))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
struct ApproveProposalIn {
    /// Why the proposal replaces an approved top-down figure (required
    /// then, 1–500 characters; logged as the amendment's reason).
    #[serde(default)]
    reason: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ProposalApprovedOut {
    /// The node's top-down target, approved, with the proposal's figure.
    top_down: TargetOut,
    /// The proposal, approved (locked).
    bottom_up: TargetOut,
    /// The top-down figure before; absent when there was none.
    replaced: Option<i64>,
    /// Whether it was approved already, so the change is an amendment.
    amended: bool,
}

impl From<ProposalApproved> for ProposalApprovedOut {
    fn from(done: ProposalApproved) -> Self {
        ProposalApprovedOut {
            top_down: done.top_down.into(),
            bottom_up: done.bottom_up.into(),
            replaced: done.replaced,
            amended: done.amended,
        }
    }
}

/// Approves a proposal into force: its figure becomes the node's top-down
/// target, approved (an amendment with a reason when the top-down target
/// was approved already).
#[utoipa::path(
    post, path = "/targets/proposals/{id}/approve", tag = "targets",
    params(("id" = i64, Path, description = "The proposal's (bottom-up target's) id")),
    request_body = ApproveProposalIn,
    responses(
        (status = 200, body = ProposalApprovedOut),
        (status = 403, description = "Only admins and channel managers approve targets", body = crate::error::Problem),
        (status = 404, description = "No such target that you see", body = crate::error::Problem),
        (status = 422, description = "Not a proposal, approved already, or no reason to replace an approved figure", body = crate::error::Problem),
    )
)]
async fn approve_proposal(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ApproveProposalIn>,
) -> Result<Json<ProposalApprovedOut>, ApiError> {
    let input = ApproveProposalInput {
        reason: input.reason,
    };
    Ok(Json(
        state
            .app
            .approve_proposal(&caller, id, &input)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct ReceiverIn {
    /// A partner code.
    partner: String,
    /// Its part: an amount (`by = amounts`) or a percent (`by = percents`).
    part: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct ReallocationIn {
    /// The first day the partner no longer carries the target, `2026-07-01`.
    from: String,
    /// amounts (summing exactly to what moves) or percents (to 100).
    by: String,
    receivers: Vec<ReceiverIn>,
    /// The receiver that takes the rounding remainder (the first when
    /// absent).
    remainder_to: Option<String>,
    /// Why, 1–500 characters; logged on every target it touches.
    reason: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ReallocationOut {
    /// The partner's target: what it keeps for the days it served.
    source: TargetOut,
    /// Each receiver's target after it.
    receivers: Vec<TargetOut>,
    /// What moved, in the measure's unit.
    moved: i64,
    days_elapsed: i64,
    days_left: i64,
}

/// Moves the rest of a partner's top-down target (from a day to the
/// period's end, prorated by days) to named partners, which join the same
/// parent; approved targets are amended with the reason.
#[utoipa::path(
    post, path = "/targets/{id}/reallocate", tag = "targets",
    params(("id" = i64, Path, description = "The partner's target's id")),
    request_body = ReallocationIn,
    responses(
        (status = 200, body = ReallocationOut),
        (status = 403, description = "Only admins and channel managers re-allocate targets", body = crate::error::Problem),
        (status = 404, description = "No such target that you see", body = crate::error::Problem),
        (status = 422, description = "A terminated or unknown receiver, parts that do not add up, a day outside the period, or no reason", body = crate::error::Problem),
    )
)]
async fn reallocate(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReallocationIn>,
) -> Result<Json<ReallocationOut>, ApiError> {
    let input = ReallocationInput {
        from: input.from,
        by: input.by,
        receivers: input
            .receivers
            .into_iter()
            .map(|r| ReceiverInput {
                partner: r.partner,
                part: r.part,
            })
            .collect(),
        remainder_to: input.remainder_to,
        reason: input.reason,
    };
    let done = state.app.reallocate_target(&caller, id, &input).await?;
    Ok(Json(ReallocationOut {
        source: done.source.into(),
        receivers: done.receivers.into_iter().map(TargetOut::from).collect(),
        moved: done.moved,
        days_elapsed: done.days_elapsed,
        days_left: done.days_left,
    }))
}
