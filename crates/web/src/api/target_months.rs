//! Month targets: the seasonal profiles, a target's 12-month strip with
//! attainment per month, and the split of a year or quarter target (or of
//! every partner target below it) into months.

use axum::Json;
use axum::extract::State;
use qudao_app::target_months::{MonthStrip, ProfileView, SplitMonthsInput, SplitMonthsView};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::targets::{TargetOut, band_word};
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(profiles))
        .routes(routes!(months, split))
}

/// A named 12-month seasonal profile.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ProfileOut {
    code: String,
    name: String,
    name_en: String,
    /// Each calendar month's percent in basis points (100 = 1%), January
    /// first; they sum to 10000.
    basis_points: Vec<i64>,
}

impl From<ProfileView> for ProfileOut {
    fn from(p: ProfileView) -> Self {
        ProfileOut {
            code: p.code,
            name: p.name,
            name_en: p.name_en,
            basis_points: p.basis_points,
        }
    }
}

/// The seasonal profiles a year target can be split into months by.
#[utoipa::path(
    get, path = "/targets/seasonal-profiles", tag = "targets",
    responses((status = 200, body = Vec<ProfileOut>))
)]
async fn profiles(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Json<Vec<ProfileOut>>, ApiError> {
    Ok(Json(
        state
            .app
            .seasonal_profiles(&caller)
            .await?
            .into_iter()
            .map(ProfileOut::from)
            .collect(),
    ))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct MonthOut {
    /// `2026-07`.
    month: String,
    /// The month's target, if one is set.
    target: Option<TargetOut>,
    /// The actual from the facts, for months up to this one.
    actual: Option<i64>,
    /// actual ÷ target in percent, rounded down to two decimals.
    percent: Option<String>,
    /// red, amber or green.
    band: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct MonthsOut {
    target: TargetOut,
    /// The period's months in order (none for a month target).
    months: Vec<MonthOut>,
    /// The target less its month targets' sum, when it has any.
    unallocated: Option<i64>,
}

impl From<MonthStrip> for MonthsOut {
    fn from(s: MonthStrip) -> Self {
        MonthsOut {
            target: s.target.into(),
            months: s
                .months
                .into_iter()
                .map(|m| MonthOut {
                    month: m.month,
                    target: m.target.map(TargetOut::from),
                    actual: m.actual,
                    percent: m
                        .attainment
                        .and_then(|a| a.percent)
                        .map(|p| format!("{p:.2}")),
                    band: m.attainment.map(|a| band_word(a.band)),
                })
                .collect(),
            unallocated: s.unallocated,
        }
    }
}

/// A year or quarter target you see with its month targets, the actual
/// of each month and its attainment.
#[utoipa::path(
    get, path = "/targets/{id}/months", tag = "targets",
    params(("id" = i64, Path, description = "The target's id")),
    responses(
        (status = 200, body = MonthsOut),
        (status = 404, description = "No such target that you see", body = crate::error::Problem),
    )
)]
async fn months(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MonthsOut>, ApiError> {
    Ok(Json(state.app.target_months(&caller, id).await?.into()))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct SplitIn {
    /// A seasonal profile's code (see /targets/seasonal-profiles); none
    /// with last_year.
    profile: Option<String>,
    /// Split by each subject's own actuals per month a year earlier.
    #[serde(default)]
    last_year: bool,
    /// Split every partner target cascaded from this one instead.
    #[serde(default)]
    all_below: bool,
    /// The month taking the rounding remainder (`2026-12`); each
    /// subject's heaviest month of the shape when absent.
    remainder_to: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct SplitOut {
    target: TargetOut,
    /// How many targets were spread over their months.
    targets: usize,
    /// Month targets written new.
    created: usize,
    /// Draft month targets whose figure was replaced.
    replaced: usize,
}

impl From<SplitMonthsView> for SplitOut {
    fn from(v: SplitMonthsView) -> Self {
        SplitOut {
            target: v.target.into(),
            targets: v.targets,
            created: v.created,
            replaced: v.replaced,
        }
    }
}

/// Splits a year or quarter target into month targets (drafts) summing
/// to it exactly, by a seasonal profile or last year's shape; with
/// all_below, every partner target cascaded from it, in one write.
#[utoipa::path(
    post, path = "/targets/{id}/months", tag = "targets",
    params(("id" = i64, Path, description = "The year or quarter target's id")),
    request_body = SplitIn,
    responses(
        (status = 200, body = SplitOut),
        (status = 403, description = "Only admins and channel managers split targets", body = crate::error::Problem),
        (status = 404, description = "No such target that you see", body = crate::error::Problem),
        (status = 422, description = "An unknown profile, a month target, no history last year, a remainder month outside the period, or an approved month target", body = crate::error::Problem),
    )
)]
async fn split(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<SplitIn>,
) -> Result<Json<SplitOut>, ApiError> {
    let input = SplitMonthsInput {
        profile: input.profile,
        last_year: input.last_year,
        all_below: input.all_below,
        remainder_to: input.remainder_to,
    };
    Ok(Json(
        state.app.split_months(&caller, id, &input).await?.into(),
    ))
}
