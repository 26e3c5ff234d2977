//! Outlet coverage: each region's planned retail outlets with how many are
//! active in a period, and one form that sets or changes a region's plan.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use qudao_app::outlets::{OutletCoverageView, OutletPlanInput};
use serde::Deserialize;

use super::{PageForm, render, saved_or_redisplayed};
use crate::AppState;
use crate::auth::Ctx;
use crate::error::PageError;
use crate::layout::Chrome;
use crate::routes::Routes;

const PATH: &str = "/targets/outlets";

pub(super) fn routes() -> Routes {
    Routes::new().get(PATH, show).post(PATH, save)
}

#[derive(Template)]
#[template(path = "targets/outlets.html")]
struct OutletsPage {
    c: Chrome,
    period: String,
    plans: Vec<OutletCoverageView>,
    can_edit: bool,
    input: OutletPlanInput,
    errors: Vec<(String, String)>,
}

impl OutletsPage {
    fn error(&self, field: &str) -> &str {
        super::error_for(&self.errors, field)
    }
}

#[derive(Debug, Default, Deserialize)]
struct OutletsQuery {
    period: Option<String>,
    region: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    period: String,
    input: OutletPlanInput,
    mut errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let plans = match state.app.outlet_coverage(&ctx.caller, &period).await {
        Ok(plans) => plans,
        // A period that does not read shows this year's, with the error.
        Err(qudao_app::AppError::Invalid(problems)) => {
            errors.extend(
                problems
                    .iter()
                    .map(|p| ("f-period".to_owned(), ctx.lang.problem(&p.problem))),
            );
            state
                .app
                .outlet_coverage(&ctx.caller, &this_year(state).await?)
                .await?
        }
        Err(e) => return Err(e.into()),
    };
    let title = ctx.lang.t("outlets.title").to_owned();
    let c = Chrome::new(
        ctx,
        "/targets",
        title.clone(),
        vec![
            (
                ctx.lang.t("targets.title").to_owned(),
                Some("/targets".to_owned()),
            ),
            (title, None),
        ],
    )
    .await?;
    render(&OutletsPage {
        c,
        period,
        plans,
        can_edit: ctx.caller.can(qudao_app::Permission::ManageTargets),
        input,
        errors,
    })
}

async fn this_year(state: &AppState) -> Result<String, PageError> {
    let settings = state.app.current_settings().await?;
    let calendar = qudao_domain::periods::FiscalCalendar::new(settings.fiscal_year_start)
        .ok_or_else(|| PageError::from(qudao_app::AppError::Internal("fiscal start".into())))?;
    Ok(calendar.year_of(qudao_app::today()).to_string())
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<OutletsQuery>,
) -> Result<Response, PageError> {
    let period = match query.period.filter(|p| !p.trim().is_empty()) {
        Some(period) => period,
        None => this_year(&state).await?,
    };
    // The edit link fills the form with the region's plan.
    let mut input = OutletPlanInput {
        region: query.region.unwrap_or_default(),
        planned: String::new(),
    };
    if !input.region.is_empty() {
        let plans = state.app.outlet_coverage(&ctx.caller, &period).await?;
        if let Some(found) = plans.iter().find(|p| p.region_code == input.region) {
            input.planned = found.planned.to_string();
        }
    }
    page(&state, &ctx, period, input, Vec::new()).await
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(input): PageForm<OutletPlanInput>,
) -> Result<Response, PageError> {
    let result = state.app.set_outlet_plan(&ctx.caller, &input).await;
    saved_or_redisplayed(
        &ctx,
        result,
        |plan| {
            let what = format!("{} {}", plan.region_name, plan.planned);
            (ctx.lang.tf("outlets.saved", what), PATH.to_owned())
        },
        async |errors| {
            let period = this_year(&state).await?;
            page(&state, &ctx, period, input, errors).await
        },
    )
    .await
}
