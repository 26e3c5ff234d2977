//! The watchlist (临门一脚): subjects within a set distance of their next
//! bracket, for the manager, and for a partner its own ("¥X more this
//! quarter reaches 3%"). Computed on demand, never written.

use rust_decimal::Decimal;
use serde::Serialize;

use qudao_domain::error::{Invalid, Problem};
use qudao_domain::incentives::Inputs;
use qudao_domain::periods::Period;
use qudao_store::incentives::{ProgramRow, ProgramStatus};

use crate::{AppError, Caller, Permission, Qudao};

/// One subject near its next bracket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WatchView {
    pub code: String,
    pub name: String,
    pub program_code: String,
    pub program_name: String,
    /// `sell_in_net`, `sell_through`, `quantity` (units) or `collected`.
    pub measure: String,
    /// Attainment (or growth) now, a decimal ratio.
    pub attainment: Option<String>,
    /// The bracket reached now and the next one, counted from 1.
    pub bracket: Option<u32>,
    pub next_bracket: u32,
    /// Where the next bracket starts, a ratio (`1` = 100%).
    pub next_from: String,
    /// Its rate (a fraction) where it has one.
    pub next_rate: Option<String>,
    /// How much more base reaches it (minor units, or units).
    pub distance: i64,
    /// What the amount grows by there, minor units.
    pub extra_amount: i64,
}

/// The watchlist of a period: every subject whose next bracket is within
/// `within` (a share of its target or reference) of where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WatchlistView {
    pub period: String,
    pub provisional: bool,
    pub within: String,
    pub currency: String,
    pub rows: Vec<WatchView>,
}

/// The share of the reference a watchlist looks ahead by default.
pub const WATCH_WITHIN: Decimal = Decimal::from_parts(20, 0, 0, false, 2);

/// A watchlist's distance as typed: a fraction (`0.2`) or a percent
/// (`20%`).
pub fn parse_within(text: &str) -> Result<Decimal, Invalid> {
    let text = text.trim();
    let parsed = match text.strip_suffix('%') {
        Some(pct) => pct
            .trim()
            .parse::<Decimal>()
            .map(|p| p / Decimal::ONE_HUNDRED),
        None => text.parse::<Decimal>(),
    };
    parsed.map_err(|_| Invalid::new("within", Problem::Format { expected: "20%" }))
}

impl Qudao {
    /// Subjects within `within` of their next bracket in `period` (this
    /// fiscal quarter by default), closest first: for the manager every
    /// subject in reach, for a partner its own ("¥X more this quarter
    /// reaches 3%"). Computed, never written.
    pub async fn incentive_watchlist(
        &self,
        caller: &Caller,
        period: Option<&str>,
        within: Option<Decimal>,
    ) -> Result<WatchlistView, AppError> {
        if !caller.role.is_partner_role() {
            caller.require(Permission::ViewIncentives)?;
        }
        let settings = self.current_settings().await?;
        let fiscal = crate::targets::fiscal(settings.fiscal_year_start);
        let today = crate::today();
        let period = match crate::non_empty(period) {
            Some(p) => Period::parse("period", p)?,
            None => {
                let (year, quarter) = fiscal.quarter_of(today);
                Period::Quarter(year, quarter)
            }
        };
        let within = within.unwrap_or(WATCH_WITHIN);
        if within <= Decimal::ZERO || within > Decimal::ONE {
            return Err(Invalid::new(
                "within",
                Problem::Rule {
                    rule: "watch_within_range",
                },
            )
            .into());
        }
        let programs: Vec<ProgramRow> = qudao_store::incentives::all_versions(self.db())
            .await?
            .into_iter()
            .filter(|r| {
                r.status == ProgramStatus::Active && r.program.covers(period, fiscal).is_ok()
            })
            .collect();
        let computation = self.compute(period, &programs).await?;
        let seen = self.seen_by(caller).await?;
        let mut rows = Vec::new();
        for r in &computation.results {
            let earner = &computation.earners[r.earner];
            let seen = seen.may_see(earner.scored);
            let program = &programs[r.program].program;
            let inputs = Inputs {
                adjustments: &r.adjustments,
                ..r.inputs.clone()
            };
            let Some(watch) =
                qudao_domain::incentives::watch::watch(&program.rules, &inputs, &r.outcome)?
            else {
                continue;
            };
            let Some(reference) = r.outcome.reference else {
                continue;
            };
            let near = Decimal::from(watch.distance) <= within * Decimal::from(reference.abs());
            if !seen || !near || watch.extra_amount <= 0 {
                continue;
            }
            let froms = program.rules.pay.froms();
            let next_rate = match &program.rules.pay {
                qudao_domain::incentives::program::Pay::Retroactive(b)
                | qudao_domain::incentives::program::Pay::Marginal(b) => b
                    .get(watch.next_bracket)
                    .map(|b| b.value.normalize().to_string()),
                _ => None,
            };
            rows.push(WatchView {
                code: earner.code.clone(),
                name: earner.name.clone(),
                program_code: program.code.as_str().to_owned(),
                program_name: program.name.clone(),
                measure: program.base.measure.as_str().to_owned(),
                attainment: r.outcome.ratio.map(|x| format!("{x:.6}")),
                bracket: r.outcome.bracket.map(|b| b as u32 + 1),
                next_bracket: watch.next_bracket as u32 + 1,
                next_from: froms
                    .get(watch.next_bracket)
                    .map(|f| f.normalize().to_string())
                    .unwrap_or_default(),
                next_rate,
                distance: watch.distance,
                extra_amount: watch.extra_amount,
            });
        }
        rows.sort_by(|a, b| a.distance.cmp(&b.distance).then(a.code.cmp(&b.code)));
        Ok(WatchlistView {
            period: period.to_string(),
            provisional: qudao_domain::targets::fiscal_days(period, fiscal).to() >= today,
            within: within.normalize().to_string(),
            currency: settings.currency.as_str().to_owned(),
            rows,
        })
    }
}
