//! Outlet coverage (网点覆盖率): each region's planned retail outlets, and
//! how many of them are active in a period. An outlet is a retail partner
//! (partner type `retailer`); it is active in a period when it bought in
//! it, which the fact engine counts as `active_outlets` over the region and
//! its sub-regions. Coverage is active ÷ planned in basis points
//! (`domain::outlets::coverage_bp`), the actual an `outlet_coverage`
//! target of that region is judged against.
//!
//! Plans are set by those who set targets (the page, the API); each set or
//! change is audited with the plan before and after. Our staff who see
//! targets see the list; partners do not (our plan for a region is ours).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use qudao_domain::outlets::{PlannedOutlets, coverage_bp};
use qudao_domain::periods::{Month, Period};
use qudao_domain::{Invalid, Problem};
use qudao_store::outlets::{self as repo, PlanRow};
use qudao_store::{ConnectionTrait, territories};
use serde::{Deserialize, Serialize};

use crate::analytics::QueryText;
use crate::text::text_or_number;
use crate::{AppError, Caller, Permission, Qudao};

/// A region's plan and its coverage in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OutletCoverageView {
    pub region_code: String,
    pub region_name: String,
    /// The retail outlets the region plans to have.
    pub planned: i64,
    /// Retail partners in the region or below it that bought in the
    /// period up to today.
    pub active: i64,
    /// `active ÷ planned` in basis points, rounded down (7083 is 70.83 %).
    pub coverage_bp: i64,
    pub updated_by: String,
    pub updated_by_name: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl OutletCoverageView {
    /// `70.83%`.
    pub fn coverage_text(&self) -> String {
        format!("{}.{:02}%", self.coverage_bp / 100, self.coverage_bp % 100)
    }
}

/// A plan to set: a region's first, or a change of it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OutletPlanInput {
    /// The region's code, e.g. `310000`.
    #[schema(example = "310000")]
    pub region: String,
    /// A whole number of outlets from 1.
    #[serde(deserialize_with = "text_or_number")]
    #[schema(value_type = String, example = "120")]
    pub planned: String,
}

impl Qudao {
    /// Every region's plan with its coverage over `period` (a year, quarter
    /// or month; its months up to today's), regions in code order.
    pub async fn outlet_coverage(
        &self,
        caller: &Caller,
        period: &str,
    ) -> Result<Vec<OutletCoverageView>, AppError> {
        caller.require(Permission::ViewTargets)?;
        // Our plan for a region is our own business, not a partner's.
        if caller.role.is_partner_role() {
            return Err(AppError::Forbidden);
        }
        let period = Period::parse("period", period)?;
        let plans = repo::list(self.db()).await?;
        let mut views = self.coverage_views(self.db(), plans, period).await?;
        views.sort_by(|a, b| a.region_code.cmp(&b.region_code));
        Ok(views)
    }

    /// Sets a region's planned outlets, or changes them.
    pub async fn set_outlet_plan(
        &self,
        caller: &Caller,
        input: &OutletPlanInput,
    ) -> Result<OutletCoverageView, AppError> {
        caller.require(Permission::ManageTargets)?;
        let code = input.region.trim();
        let planned = PlannedOutlets::parse("planned", &input.planned);
        let tx = self.write().await?;
        let region = match code {
            "" => Err(Invalid::new("region", Problem::Required)),
            code => territories::region_by_code(&tx, code)
                .await?
                .ok_or_else(|| {
                    Invalid::new(
                        "region",
                        Problem::Rule {
                            rule: "region_must_exist",
                        },
                    )
                }),
        };
        let (region, planned) = match (region, planned) {
            (Ok(region), Ok(planned)) => (region, planned),
            (region, planned) => {
                let errors = [region.err(), planned.err()]
                    .into_iter()
                    .flatten()
                    .collect();
                return Err(AppError::Invalid(errors));
            }
        };
        let before = repo::put(&tx, region.id, planned, &caller.login).await?;
        self.audit(
            &tx,
            caller,
            "outlet_plan",
            &region.code,
            "set",
            before
                .map(|b| serde_json::json!({ "planned": b.count() }))
                .as_ref(),
            Some(&serde_json::json!({ "planned": planned.count() })),
        )
        .await?;
        let settings = self.current_settings().await?;
        let year = crate::targets::fiscal(settings.fiscal_year_start).year_of(crate::today());
        let rows = repo::of_regions(&tx, &[region.id]).await?;
        let view = self
            .coverage_views(&tx, rows, Period::Year(year))
            .await?
            .pop()
            .ok_or(AppError::NotFound("outlet plan"))?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// The coverage of each region in `codes` that has a plan, in basis
    /// points, over the months `range`: the actual of its
    /// `outlet_coverage` targets.
    pub(crate) async fn coverage_of(
        &self,
        codes: &[String],
        range: (Month, Month),
    ) -> Result<HashMap<String, i64>, AppError> {
        let mut found = HashMap::new();
        for code in codes {
            let Some(region) = territories::region_by_code(self.db(), code).await? else {
                continue;
            };
            let Some(plan) = repo::of_regions(self.db(), &[region.id]).await?.pop() else {
                continue;
            };
            let active = self.active_outlets(code, range).await?;
            found.insert(code.clone(), coverage_bp(active, plan.planned));
        }
        Ok(found)
    }

    async fn coverage_views(
        &self,
        db: &impl ConnectionTrait,
        plans: Vec<PlanRow>,
        period: Period,
    ) -> Result<Vec<OutletCoverageView>, AppError> {
        let settings = self.current_settings().await?;
        let months = qudao_domain::targets::fiscal_months(
            period,
            crate::targets::fiscal(settings.fiscal_year_start),
        );
        let range = (
            months[0],
            months[months.len() - 1].min(Month::of(crate::today())),
        );
        let ids: Vec<i64> = plans.iter().map(|p| p.region_id).collect();
        let regions: HashMap<i64, territories::region::Model> =
            territories::regions_by_ids(db, &ids)
                .await?
                .into_iter()
                .map(|r| (r.id, r))
                .collect();
        let names =
            crate::visibility::user_names(db, plans.iter().map(|p| p.updated_by.clone()).collect())
                .await?;
        let mut views = Vec::with_capacity(plans.len());
        for plan in plans {
            let region = regions
                .get(&plan.region_id)
                .ok_or(AppError::NotFound("region"))?;
            let active = self.active_outlets(&region.code, range).await?;
            views.push(OutletCoverageView {
                region_code: region.code.clone(),
                region_name: region.name.clone(),
                planned: plan.planned.count(),
                active,
                coverage_bp: coverage_bp(active, plan.planned),
                updated_by_name: names.get(&plan.updated_by).cloned(),
                updated_by: plan.updated_by,
                updated_at: plan.updated_at,
            });
        }
        Ok(views)
    }

    /// Retail partners in the region or below it that bought in the months
    /// `range` (none before the period begins).
    async fn active_outlets(
        &self,
        region: &str,
        (from, to): (Month, Month),
    ) -> Result<i64, AppError> {
        if from > to {
            return Ok(0);
        }
        let text = QueryText {
            measures: vec!["active_outlets".to_owned()],
            from: Some(from.to_string()),
            to: Some(to.to_string()),
            filters: vec![("region".to_owned(), vec![region.to_owned()])],
            ..QueryText::default()
        };
        match self
            .analytics_query(&Caller::system("outlets"), &text)
            .await
        {
            Ok(answer) => Ok(answer.totals.first().copied().flatten().unwrap_or(0)),
            // A region the engine has met no fact in has no active outlet.
            Err(AppError::Invalid(problems)) if crate::targets::only_unknown_codes(&problems) => {
                Ok(0)
            }
            Err(e) => Err(e),
        }
    }
}
