//! Targets (目标): what a subject should reach in a period, how a parent
//! target is split down the cascade (company → channel → region → partner
//! → rep) without losing a cent, and how actuals are judged against it.
//!
//! Every figure is an exact integer in its measure's unit (minor units of
//! the company currency, counts, or basis points for coverage), so a
//! cascade of any depth sums exactly. Wherever a division leaves a
//! remainder, it goes whole to one child the caller names: the rule the
//! issue sets ("the rounding remainder goes to a stated child and is never
//! lost"), and one that a person can check by hand. Each child first gets
//! the floor of its exact share, so the remainder is at most one unit per
//! child.

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::dates::DateRange;
use crate::error::{Invalid, Problem, check_length, string_enum};
use crate::money::{Currency, Money};
use crate::partners::PartnerStatus;
use crate::periods::{FiscalCalendar, Month, Period};

string_enum! {
    /// Who a target is set for. A channel is a partner type (the
    /// distributors, the retailers…), since that is how the brand groups
    /// its partners when it plans.
    SubjectType, "subject_type" {
        Company => "company",
        Channel => "channel",
        Region => "region",
        Partner => "partner",
        Rep => "rep",
    }
}

string_enum! {
    /// What a target counts. `new_regions` is new end-customer regions;
    /// `outlet_coverage` is the share of the outlets planned for a region
    /// that are active (网点覆盖率).
    TargetMeasure, "measure" {
        SellInAmount => "sell_in_amount",
        SellThroughAmount => "sell_through_amount",
        Quantity => "quantity",
        Collections => "collections",
        NewPartners => "new_partners",
        NewRegions => "new_regions",
        OutletCoverage => "outlet_coverage",
    }
}

/// The unit a measure's figures are kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeasureUnit {
    /// Minor units of the company currency (分 for CNY).
    Money,
    /// Whole units: pieces, partners, regions.
    Count,
    /// Basis points of coverage: 8000 is "cover 80% of the planned
    /// outlets". Kept as a ratio rather than an outlet count because the
    /// planned count belongs to the region and changes during the year,
    /// while the goal people set ("80%") does not.
    CoverageBasisPoints,
}

impl TargetMeasure {
    pub fn unit(self) -> MeasureUnit {
        match self {
            Self::SellInAmount | Self::SellThroughAmount | Self::Collections => MeasureUnit::Money,
            Self::Quantity | Self::NewPartners | Self::NewRegions => MeasureUnit::Count,
            Self::OutletCoverage => MeasureUnit::CoverageBasisPoints,
        }
    }

    /// A figure in this measure's unit as people read it, negative ones
    /// too (a variance): `¥1,234.50`, `1,200`, `80.00%`.
    pub fn shown(self, amount: i64, currency: Currency) -> String {
        match self.unit() {
            MeasureUnit::Money => Money::from_minor(amount, currency).formatted(),
            MeasureUnit::Count => crate::money::grouped_count(amount),
            MeasureUnit::CoverageBasisPoints => format!("{:.2}%", Decimal::new(amount, 2)),
        }
    }

    /// Whether children's figures add up to the parent's. A coverage ratio
    /// does not (two regions at 80% are not a 160% company), so it is set
    /// per node and never cascaded, seasoned or prorated.
    pub fn is_additive(self) -> bool {
        self.unit() != MeasureUnit::CoverageBasisPoints
    }
}

string_enum! {
    /// The two versions a node's target comes in: the cascade from above,
    /// and the figure the partner or rep proposes from below.
    TargetVersion, "version" {
        TopDown => "top_down",
        BottomUp => "bottom_up",
    }
}

string_enum! {
    /// Where a target stands: a draft is edited freely; an approved target
    /// is in force, locked, and changes only by an [`Amendment`].
    TargetStatus, "status" {
        Draft => "draft",
        Approved => "approved",
    }
}

impl TargetStatus {
    /// Refuses a plain edit of an approved target, so that every change to
    /// a figure people are judged by leaves a reason behind.
    pub fn check_direct_edit(self) -> Result<(), Invalid> {
        match self {
            Self::Draft => Ok(()),
            Self::Approved => Err(rule("value", "target_locked")),
        }
    }
}

/// Full coverage in basis points.
pub const FULL_COVERAGE_BPS: i64 = 10_000;

/// A target's figure: a non-negative exact integer in its measure's unit
/// (see [`MeasureUnit`]). Never a float, so sums of children are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct TargetValue {
    measure: TargetMeasure,
    amount: i64,
}

impl TargetValue {
    /// A figure already in its unit; refuses a negative goal (nobody plans
    /// to lose sales) and coverage above 100%.
    pub fn new(measure: TargetMeasure, amount: i64) -> Result<Self, Invalid> {
        if amount < 0 {
            return Err(rule("value", "target_negative"));
        }
        if measure.unit() == MeasureUnit::CoverageBasisPoints && amount > FULL_COVERAGE_BPS {
            return Err(rule("value", "coverage_above_100"));
        }
        Ok(Self { measure, amount })
    }

    /// Parses what a person typed or a file holds: an amount of the company
    /// currency (`12,345.67`), a whole count (`120`), or a coverage percent
    /// with at most two decimals (`80`, `82.5`).
    pub fn parse(
        field: &'static str,
        measure: TargetMeasure,
        value: &str,
        currency: Currency,
    ) -> Result<Self, Invalid> {
        let amount = match measure.unit() {
            MeasureUnit::Money => Money::parse(field, value, currency)?.minor(),
            MeasureUnit::Count => {
                let cleaned: String = value.trim().chars().filter(|c| *c != ',').collect();
                if cleaned.is_empty() {
                    return Err(Invalid::new(field, Problem::Required));
                }
                cleaned
                    .parse()
                    .map_err(|_| Invalid::new(field, Problem::Format { expected: "120" }))?
            }
            MeasureUnit::CoverageBasisPoints => SplitPercent::parse(field, value)?.basis_points(),
        };
        Self::new(measure, amount).map_err(|e| Invalid::new(field, e.problem))
    }

    pub fn measure(self) -> TargetMeasure {
        self.measure
    }

    /// The figure in the measure's unit.
    pub fn amount(self) -> i64 {
        self.amount
    }

    /// The figure as files and the API write it, the way `parse` reads it
    /// back: `12345.67`, `120`, `82.50`.
    pub fn text(self, currency: Currency) -> String {
        match self.measure.unit() {
            MeasureUnit::Money => Money::from_minor(self.amount, currency).amount_text(),
            MeasureUnit::Count => self.amount.to_string(),
            MeasureUnit::CoverageBasisPoints => format!("{:.2}", Decimal::new(self.amount, 2)),
        }
    }

    pub(crate) fn with_amount(self, amount: i64) -> Self {
        Self { amount, ..self }
    }
}

/// Coverage actually reached, in basis points, rounded down (so 79.999%
/// never shows as a met 80% goal). No planned outlets means nothing to
/// cover: `None`.
pub fn coverage_bps(active_outlets: i64, planned_outlets: i64) -> Option<i64> {
    (planned_outlets > 0).then(|| {
        let bps = i128::from(active_outlets.max(0)) * i128::from(FULL_COVERAGE_BPS)
            / i128::from(planned_outlets);
        i64::try_from(bps).unwrap_or(i64::MAX)
    })
}

/// A percentage from 0 to 100 with at most two decimals (`35`, `12.5`):
/// one child's part of a percentage split or one month of a seasonal
/// profile. Held as basis points so sums are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SplitPercent(i64);

impl SplitPercent {
    /// Parses `35`, `12.5`, `12.50`. More than two decimals is refused, not
    /// rounded: a split people typed must add up as they typed it.
    pub fn parse(field: &'static str, value: &str) -> Result<Self, Invalid> {
        let value = value.trim().trim_end_matches('%').trim_end();
        if value.is_empty() {
            return Err(Invalid::new(field, Problem::Required));
        }
        let bad = || Invalid::new(field, Problem::Format { expected: "12.5" });
        let (whole, fraction) = value.split_once('.').unwrap_or((value, "0"));
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(fraction) {
            return Err(bad());
        }
        let number: Decimal = value.parse().map_err(|_| bad())?;
        if number.normalize().scale() > 2 {
            return Err(bad());
        }
        number
            .checked_mul(Decimal::ONE_HUNDRED)
            .and_then(|bps| i64::try_from(bps).ok())
            .and_then(Self::from_basis_points)
            .ok_or_else(|| rule(field, "percent_range"))
    }

    /// `None` outside 0–10000 (0–100%).
    pub fn from_basis_points(bps: i64) -> Option<Self> {
        (0..=FULL_COVERAGE_BPS).contains(&bps).then_some(Self(bps))
    }

    pub fn basis_points(self) -> i64 {
        self.0
    }

    pub fn value(self) -> Decimal {
        Decimal::new(self.0, 2)
    }
}

fn rule(field: &'static str, rule: &'static str) -> Invalid {
    Invalid::new(field, Problem::Rule { rule })
}

fn conflict(field: &'static str, rule: &'static str, with: String) -> Invalid {
    Invalid::new(field, Problem::Conflict { rule, with })
}

/// The months a year or quarter target covers under the company's fiscal
/// calendar: with an April start, year `2026` is 2026-04 … 2027-03 and
/// `2026-Q1` is 2026-04 … 2026-06. A month is itself.
pub fn fiscal_months(period: Period, fiscal: FiscalCalendar) -> Vec<Month> {
    match period {
        Period::Year(year) => fiscal.year_months(year),
        Period::Quarter(year, quarter) => fiscal.quarter_months(year, quarter),
        Period::Month(month) => vec![month],
    }
}

/// The days of a period under the fiscal calendar, first to last.
pub fn fiscal_days(period: Period, fiscal: FiscalCalendar) -> DateRange {
    let months = fiscal_months(period, fiscal);
    let (first, last) = (months[0], months[months.len() - 1]);
    DateRange::new(first.first_day(), last.last_day(), "period")
        .unwrap_or_else(|_| unreachable!("a period's first day precedes its last"))
}

/// Whether a month lies in the period under the fiscal calendar.
pub fn period_contains(period: Period, fiscal: FiscalCalendar, month: Month) -> bool {
    fiscal_months(period, fiscal).contains(&month)
}

/// Number of days in a range, both ends counted.
pub fn day_count(days: DateRange) -> i64 {
    (days.to() - days.from()).num_days() + 1
}

/// How a parent is split among its children, in the children's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitBy {
    /// Each child's figure typed by a person, in the parent's unit.
    Amounts(Vec<i64>),
    /// Each child's percent of the parent; they must sum to exactly 100.
    Percents(Vec<SplitPercent>),
    /// Weights, typically each child's actuals last year ("last year's
    /// share"); the parent is split in proportion.
    Shares(Vec<i64>),
}

impl SplitBy {
    fn len(&self) -> usize {
        match self {
            Self::Amounts(parts) | Self::Shares(parts) => parts.len(),
            Self::Percents(parts) => parts.len(),
        }
    }
}

/// The children's figures of a split, in the children's order, and what
/// the children leave unallocated (parent − sum; negative when they take
/// more). Only a draft may leave a gap; otherwise it is zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub children: Vec<TargetValue>,
    pub unallocated: i64,
}

/// Splits `parent` among children so they sum to it exactly.
///
/// - `Amounts`: refused unless they sum to the parent
///   (`cascade_over_allocated` / `cascade_under_allocated`, naming the
///   difference in the measure's unit, minor units for money) — unless
///   `draft`, when they are kept as typed and the gap is reported in
///   [`Split::unallocated`]. `remainder_to` is not used: nothing is divided.
/// - `Percents`: refused unless they sum to exactly 100
///   (`cascade_percent_not_100`, naming the sum), draft or not — a wrong
///   percent is a typing error, and a draft with gaps is made with amounts.
/// - `Shares`: proportional to the weights. All weights zero (no history
///   at all) is refused (`cascade_no_history`) rather than split evenly:
///   an even split would look like it came from last year's facts.
///
/// For percents and shares each child gets the floor of its exact part and
/// the remainder goes to child `remainder_to`, which must hold a share
/// (a child with no share getting a cent would look like an error).
pub fn split(
    parent: TargetValue,
    by: &SplitBy,
    remainder_to: usize,
    draft: bool,
) -> Result<Split, Invalid> {
    if !parent.measure.is_additive() {
        return Err(rule("measure", "cascade_not_additive"));
    }
    if by.len() == 0 {
        return Err(rule("children", "cascade_no_children"));
    }
    let weights = match by {
        SplitBy::Amounts(amounts) => return split_by_amounts(parent, amounts, draft),
        SplitBy::Percents(percents) => {
            let weights: Vec<i64> = percents.iter().map(|p| p.basis_points()).collect();
            let sum: i64 = weights.iter().sum();
            if sum != FULL_COVERAGE_BPS {
                return Err(conflict(
                    "children",
                    "cascade_percent_not_100",
                    format!("{:.2}", Decimal::new(sum, 2)),
                ));
            }
            weights
        }
        SplitBy::Shares(shares) => {
            if shares.iter().any(|s| *s < 0) {
                return Err(rule("children", "cascade_negative_share"));
            }
            if shares.iter().all(|s| *s == 0) {
                return Err(rule("children", "cascade_no_history"));
            }
            shares.clone()
        }
    };
    let amounts = allocate(parent.amount, &weights, remainder_to)?;
    Ok(Split {
        children: amounts.into_iter().map(|a| parent.with_amount(a)).collect(),
        unallocated: 0,
    })
}

/// Refuses children that do not add up to their parent
/// (`cascade_over_allocated` / `cascade_under_allocated`), naming the
/// difference in the measure's unit (minor units for money): the rules
/// know no currency, so the app restates it as people read it
/// ([`TargetMeasure::shown`]).
pub fn check_allocated(unallocated: i64) -> Result<(), Invalid> {
    if unallocated == 0 {
        return Ok(());
    }
    let rule = if unallocated < 0 {
        "cascade_over_allocated"
    } else {
        "cascade_under_allocated"
    };
    Err(conflict("children", rule, unallocated.abs().to_string()))
}

fn split_by_amounts(parent: TargetValue, amounts: &[i64], draft: bool) -> Result<Split, Invalid> {
    let children = amounts
        .iter()
        .map(|a| {
            TargetValue::new(parent.measure, *a).map_err(|e| Invalid::new("children", e.problem))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let sum = amounts
        .iter()
        .try_fold(0i64, |sum, a| sum.checked_add(*a))
        .ok_or_else(|| rule("children", "cascade_sum_too_large"))?;
    let unallocated = parent.amount - sum;
    if !draft {
        check_allocated(unallocated)?;
    }
    Ok(Split {
        children,
        unallocated,
    })
}

/// Divides a non-negative `total` in proportion to non-negative `weights`
/// (not all zero): each part the floor of its exact share, the remainder
/// (less than one unit per part) to part `remainder_to`.
fn allocate(total: i64, weights: &[i64], remainder_to: usize) -> Result<Vec<i64>, Invalid> {
    match weights.get(remainder_to) {
        None => return Err(rule("remainder_to", "cascade_remainder_child_unknown")),
        Some(0) => return Err(rule("remainder_to", "cascade_remainder_child_has_no_share")),
        Some(_) => {}
    }
    let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    let mut parts: Vec<i64> = weights
        .iter()
        .map(|w| {
            // Each part is at most `total`, so it fits an i64.
            i64::try_from(i128::from(total) * i128::from(*w) / sum).unwrap_or(total)
        })
        .collect();
    let given: i64 = parts.iter().sum();
    parts[remainder_to] += total - given;
    Ok(parts)
}

/// A named 12-month seasonal profile: the percent of a year that falls in
/// each calendar month, January first, summing to exactly 100. Calendar
/// months rather than fiscal ones, because seasons (Spring Festival, 618,
/// Double 11) follow the calendar whatever month the fiscal year starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeasonalProfile {
    percents: [SplitPercent; 12],
}

impl SeasonalProfile {
    /// Refuses a profile whose months do not sum to exactly 100
    /// (`seasonal_profile_not_100`, naming the sum).
    pub fn new(percents: [SplitPercent; 12]) -> Result<Self, Invalid> {
        let sum: i64 = percents.iter().map(|p| p.basis_points()).sum();
        if sum != FULL_COVERAGE_BPS {
            return Err(conflict(
                "profile",
                "seasonal_profile_not_100",
                format!("{:.2}", Decimal::new(sum, 2)),
            ));
        }
        Ok(Self { percents })
    }

    /// Parses twelve typed percents, January first; a bad one is reported
    /// under `field` (the caller says which month in its message).
    pub fn parse(field: &'static str, values: &[&str]) -> Result<Self, Invalid> {
        if values.len() != 12 {
            return Err(Invalid::new(
                field,
                Problem::Limit {
                    rule: "seasonal_profile_12_months",
                    max: 12,
                },
            ));
        }
        let mut percents = [SplitPercent(0); 12];
        for (slot, value) in percents.iter_mut().zip(values) {
            *slot = SplitPercent::parse(field, value)?;
        }
        Self::new(percents)
    }

    /// The percent of calendar month `month` (1–12).
    pub fn percent(&self, month: u32) -> SplitPercent {
        self.percents[(month.clamp(1, 12) - 1) as usize]
    }
}

/// The shape a year or quarter target is spread over its months by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seasonality {
    Profile(SeasonalProfile),
    /// Last year's actuals per calendar month, January first.
    LastYear([i64; 12]),
}

/// Spreads a year or quarter target over its months (fiscal calendar
/// respected) in proportion to the seasonality's weight of each calendar
/// month; the months sum to the target exactly, the remainder going to
/// `remainder_to`, which must be one of the period's months. A quarter
/// takes the profile's weights of its three months, rescaled. Refused when
/// the period's months carry no weight at all (`cascade_no_history`).
pub fn split_into_months(
    target: TargetValue,
    period: Period,
    fiscal: FiscalCalendar,
    shape: &Seasonality,
    remainder_to: Month,
) -> Result<Vec<(Month, TargetValue)>, Invalid> {
    if !target.measure.is_additive() {
        return Err(rule("measure", "cascade_not_additive"));
    }
    let months = fiscal_months(period, fiscal);
    let weights: Vec<i64> = months
        .iter()
        .map(|m| match shape {
            Seasonality::Profile(profile) => profile.percent(m.month()).basis_points(),
            Seasonality::LastYear(actuals) => actuals[(m.month() - 1) as usize],
        })
        .collect();
    if weights.iter().any(|w| *w < 0) {
        return Err(rule("profile", "cascade_negative_share"));
    }
    if weights.iter().all(|w| *w == 0) {
        return Err(rule("profile", "cascade_no_history"));
    }
    let index = months
        .iter()
        .position(|m| *m == remainder_to)
        .ok_or_else(|| rule("remainder_to", "cascade_remainder_child_unknown"))?;
    let amounts = allocate(target.amount, &weights, index)?;
    Ok(months
        .into_iter()
        .zip(amounts)
        .map(|(m, a)| (m, target.with_amount(a)))
        .collect())
}

/// An amount split at a date: the part for the days before it, and the
/// part for the days from it to the end of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySplit {
    pub before: i64,
    pub from: i64,
    pub days_before: i64,
    pub days_from: i64,
}

/// Splits an additive amount (a target or an actual) of a period by days
/// at `switch`, the first day that belongs to the new holder: the part
/// before is the floor of its exact share, the part from `switch` takes
/// the remainder, so the two sum to `amount` exactly. Used when a partner
/// moves to another rep (the old rep keeps the days they served) and when
/// a terminated partner's remaining target is handed on.
pub fn prorate_by_days(
    amount: i64,
    period: DateRange,
    switch: NaiveDate,
) -> Result<DaySplit, Invalid> {
    if !period.contains(switch) {
        return Err(conflict("date", "date_outside_period", period.to_string()));
    }
    let total_days = day_count(period);
    let days_before = (switch - period.from()).num_days();
    let before =
        i64::try_from(i128::from(amount) * i128::from(days_before) / i128::from(total_days))
            .unwrap_or(amount);
    Ok(DaySplit {
        before,
        from: amount - before,
        days_before,
        days_from: total_days - days_before,
    })
}

/// A target's share of a partner that moved between reps on `switch`:
/// the old rep's and the new rep's parts, summing to the target.
pub fn split_between_reps(
    target: TargetValue,
    period: DateRange,
    switch: NaiveDate,
) -> Result<(TargetValue, TargetValue), Invalid> {
    if !target.measure.is_additive() {
        return Err(rule("measure", "cascade_not_additive"));
    }
    let days = prorate_by_days(target.amount, period, switch)?;
    Ok((
        target.with_amount(days.before),
        target.with_amount(days.from),
    ))
}

/// Refuses to hand a target to a partner that is terminated: it would
/// carry a goal nobody can reach.
pub fn check_receiver(status: PartnerStatus) -> Result<(), Invalid> {
    match status {
        PartnerStatus::Terminated => Err(rule("receivers", "reallocation_to_terminated")),
        _ => Ok(()),
    }
}

/// What a re-allocation did: the terminated child keeps the part of its
/// target for the days already elapsed (its history stays true), and each
/// receiver gains its part of the rest, in the receivers' order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reallocation {
    pub kept: TargetValue,
    pub moved: TargetValue,
    pub gained: Vec<TargetValue>,
    pub days_elapsed: i64,
    pub days_left: i64,
}

/// Moves the remaining part of a terminated child's target, from `from`
/// (its first day without the partner) to the period's end, to receivers
/// split by amounts (which must sum to the moved part exactly), percents or
/// shares. kept + Σ gained == target, exactly.
pub fn reallocate(
    target: TargetValue,
    period: DateRange,
    from: NaiveDate,
    receivers: &SplitBy,
    remainder_to: usize,
) -> Result<Reallocation, Invalid> {
    if !target.measure.is_additive() {
        return Err(rule("measure", "cascade_not_additive"));
    }
    let days = prorate_by_days(target.amount, period, from)
        .map_err(|e| Invalid::new("from", e.problem))?;
    let moved = target.with_amount(days.from);
    let split = split(moved, receivers, remainder_to, false).map_err(|e| {
        Invalid::new(
            if e.field == "children" {
                "receivers"
            } else {
                e.field
            },
            e.problem,
        )
    })?;
    Ok(Reallocation {
        kept: target.with_amount(days.before),
        moved,
        gained: split.children,
        days_elapsed: days.days_before,
        days_left: days.days_from,
    })
}

/// The colour an attainment is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Red,
    Amber,
    Green,
}

/// Where the colours change, in percent of target: below `amber_from` is
/// red, from it up to `green_from` amber, from `green_from` green.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bands {
    amber_from: Decimal,
    green_from: Decimal,
}

impl Default for Bands {
    /// 80% and 100%: amber is "close", green is "met".
    fn default() -> Self {
        Self {
            amber_from: Decimal::from(80),
            green_from: Decimal::ONE_HUNDRED,
        }
    }
}

impl Bands {
    /// Refuses thresholds that are negative, have more than two decimals,
    /// or are out of order (`bands_out_of_order`).
    pub fn new(amber_from: Decimal, green_from: Decimal) -> Result<Self, Invalid> {
        let ok = |d: Decimal| d >= Decimal::ZERO && d.normalize().scale() <= 2;
        if !ok(amber_from) {
            return Err(Invalid::new(
                "amber_from",
                Problem::Format { expected: "80" },
            ));
        }
        if !ok(green_from) {
            return Err(Invalid::new(
                "green_from",
                Problem::Format { expected: "100" },
            ));
        }
        if amber_from >= green_from {
            return Err(rule("green_from", "bands_out_of_order"));
        }
        Ok(Self {
            amber_from,
            green_from,
        })
    }

    /// The colour of `actual` against `target`, compared exactly (not on a
    /// rounded percent). A zero target is met by anything.
    pub fn band(self, target: i64, actual: i64) -> Band {
        let reached = |percent: Decimal| {
            Decimal::from(actual) * Decimal::ONE_HUNDRED >= percent * Decimal::from(target)
        };
        if reached(self.green_from) {
            Band::Green
        } else if reached(self.amber_from) {
            Band::Amber
        } else {
            Band::Red
        }
    }
}

/// Actual against target at one node and period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Attainment {
    pub target: i64,
    pub actual: i64,
    /// actual ÷ target in percent, rounded down to two decimals (so 99.999%
    /// never reads as 100%); `None` for a zero target.
    pub percent: Option<Decimal>,
    /// actual − target: negative while short.
    pub variance: i64,
    pub band: Band,
}

impl Attainment {
    pub fn new(target: i64, actual: i64, bands: Bands) -> Self {
        let percent = (target != 0).then(|| {
            (Decimal::from(actual) * Decimal::ONE_HUNDRED / Decimal::from(target))
                .round_dp_with_strategy(2, RoundingStrategy::ToZero)
        });
        Self {
            target,
            actual,
            percent,
            variance: actual - target,
            band: bands.band(target, actual),
        }
    }

    /// The attainment at period end if the forecast for the rest of the
    /// period comes true: actual to date plus the forecast remainder.
    pub fn projected(target: i64, actual: i64, forecast_remainder: i64, bands: Bands) -> Self {
        Self::new(target, actual.saturating_add(forecast_remainder), bands)
    }
}

/// What a subject needs per remaining day to reach its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NeededPerDay {
    /// The target is reached already.
    Met,
    /// At least this much a day (rounded up) over `days_left` days.
    PerDay { amount: i64, days_left: i64 },
    /// No days are left and the target was not met.
    PeriodOver,
}

/// `as_of` is the last day whose actuals are counted; the days left are
/// those after it to the period's end (the whole period before it starts).
pub fn needed_per_day(
    target: i64,
    actual: i64,
    period: DateRange,
    as_of: NaiveDate,
) -> NeededPerDay {
    let gap = target - actual;
    if gap <= 0 {
        return NeededPerDay::Met;
    }
    let days_left = if as_of < period.from() {
        day_count(period)
    } else {
        (period.to() - as_of).num_days().max(0)
    };
    if days_left == 0 {
        return NeededPerDay::PeriodOver;
    }
    NeededPerDay::PerDay {
        amount: gap.div_euclid(days_left) + i64::from(gap.rem_euclid(days_left) != 0),
        days_left,
    }
}

/// The longest reason an amendment can carry.
pub const MAX_REASON_CHARS: usize = 500;

/// A logged change to an approved (locked) target: the old and new figure
/// and why, so the history explains every number people were judged by.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Amendment {
    pub old: TargetValue,
    pub new: TargetValue,
    reason: String,
}

impl Amendment {
    /// Refuses an amendment without a reason (`amendment_reason_required`),
    /// one that changes the measure (`amendment_measure_changed`: that is a
    /// different target) or one that changes nothing
    /// (`amendment_changes_nothing`).
    pub fn new(old: TargetValue, new: TargetValue, reason: &str) -> Result<Self, Invalid> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(rule("reason", "amendment_reason_required"));
        }
        check_length("reason", reason, 1, MAX_REASON_CHARS)?;
        if old.measure != new.measure {
            return Err(rule("value", "amendment_measure_changed"));
        }
        if old == new {
            return Err(rule("value", "amendment_changes_nothing"));
        }
        Ok(Self {
            old,
            new,
            reason: reason.to_owned(),
        })
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// The gap between the two versions of a node's target: bottom-up minus
/// top-down, positive when the partner or rep proposes more than the
/// cascade gives it. `None` while either version is missing.
pub fn version_gap(top_down: Option<i64>, bottom_up: Option<i64>) -> Option<i64> {
    Some(bottom_up? - top_down?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    fn money(minor: i64) -> TargetValue {
        TargetValue::new(TargetMeasure::SellInAmount, minor).unwrap()
    }

    fn pct(text: &str) -> SplitPercent {
        SplitPercent::parse("p", text).unwrap()
    }

    fn amounts(split: &Split) -> Vec<i64> {
        split.children.iter().map(|c| c.amount()).collect()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn problem_rule(result: Result<impl std::fmt::Debug, Invalid>) -> (&'static str, Problem) {
        let e = result.unwrap_err();
        (e.field, e.problem)
    }

    #[test]
    fn enums_and_values_parse() {
        assert_eq!(SubjectType::parse("rep").unwrap(), SubjectType::Rep);
        assert!(SubjectType::parse("team").is_err());
        assert_eq!(
            TargetMeasure::parse("outlet_coverage").unwrap().unit(),
            MeasureUnit::CoverageBasisPoints
        );
        assert!(!TargetMeasure::OutletCoverage.is_additive());
        assert!(TargetMeasure::Collections.is_additive());
        let parse = |m, t| TargetValue::parse("value", m, t, Currency::CNY);
        assert_eq!(
            parse(TargetMeasure::SellInAmount, "12,345.67")
                .unwrap()
                .amount(),
            1_234_567
        );
        assert_eq!(
            parse(TargetMeasure::Quantity, "1,200").unwrap().amount(),
            1200
        );
        assert_eq!(
            parse(TargetMeasure::OutletCoverage, "82.5")
                .unwrap()
                .amount(),
            8250
        );
        assert_eq!(
            parse(TargetMeasure::OutletCoverage, "82.5")
                .unwrap()
                .text(Currency::CNY),
            "82.50"
        );
        assert_eq!(money(1_234_567).text(Currency::CNY), "12345.67");
        assert_eq!(
            problem_rule(parse(TargetMeasure::SellInAmount, "-1")),
            (
                "value",
                Problem::Rule {
                    rule: "target_negative"
                }
            )
        );
        assert_eq!(
            problem_rule(parse(TargetMeasure::OutletCoverage, "100.01")),
            (
                "value",
                Problem::Rule {
                    rule: "percent_range"
                }
            )
        );
        assert_eq!(
            problem_rule(TargetValue::new(TargetMeasure::OutletCoverage, 10_001)),
            (
                "value",
                Problem::Rule {
                    rule: "coverage_above_100"
                }
            )
        );
        assert_eq!(
            problem_rule(parse(TargetMeasure::Quantity, "1.5")),
            ("value", Problem::Format { expected: "120" })
        );
        assert_eq!(
            problem_rule(parse(TargetMeasure::Quantity, " ")),
            ("value", Problem::Required)
        );
        assert_eq!(pct("12.5%").basis_points(), 1250);
        assert!(SplitPercent::parse("p", "12.345").is_err());
        assert!(SplitPercent::parse("p", "-1").is_err());
        assert_eq!(
            SplitPercent::parse("p", "79228162514264337593543950335")
                .unwrap_err()
                .problem,
            Problem::Rule {
                rule: "percent_range"
            }
        );
        assert_eq!(coverage_bps(83, 120), Some(6916));
        assert_eq!(coverage_bps(5, 0), None);
    }

    #[test]
    fn periods_follow_the_fiscal_calendar() {
        let april = FiscalCalendar::new(4).unwrap();
        let months = fiscal_months(Period::parse("p", "2026").unwrap(), april);
        assert_eq!(months[0].to_string(), "2026-04");
        assert_eq!(months[11].to_string(), "2027-03");
        let q1 = Period::parse("p", "2026-Q1").unwrap();
        assert_eq!(fiscal_days(q1, april).from(), day(2026, 4, 1));
        assert_eq!(fiscal_days(q1, april).to(), day(2026, 6, 30));
        assert!(period_contains(
            q1,
            april,
            Month::parse("m", "2026-05").unwrap()
        ));
        assert!(!period_contains(
            q1,
            april,
            Month::parse("m", "2026-01").unwrap()
        ));
        assert_eq!(day_count(Period::Year(2028).days()), 366);
    }

    #[test]
    fn manual_split_must_add_up_unless_draft() {
        // ¥1,000,000.00 to three regions.
        let parent = money(100_000_000);
        let exact = split(
            parent,
            &SplitBy::Amounts(vec![50_000_000, 30_000_000, 20_000_000]),
            0,
            false,
        )
        .unwrap();
        assert_eq!(amounts(&exact), [50_000_000, 30_000_000, 20_000_000]);
        assert_eq!(exact.unallocated, 0);
        let over = SplitBy::Amounts(vec![50_000_000, 30_000_000, 20_000_001]);
        assert_eq!(
            problem_rule(split(parent, &over, 0, false)),
            (
                "children",
                Problem::Conflict {
                    rule: "cascade_over_allocated",
                    with: "1".into()
                }
            )
        );
        let under = SplitBy::Amounts(vec![50_000_000, 30_000_000]);
        assert_eq!(
            problem_rule(split(parent, &under, 0, false)),
            (
                "children",
                Problem::Conflict {
                    rule: "cascade_under_allocated",
                    with: "20000000".into()
                }
            )
        );
        let draft = split(parent, &under, 0, true).unwrap();
        assert_eq!(draft.unallocated, 20_000_000);
        assert_eq!(split(parent, &over, 0, true).unwrap().unallocated, -1);
        assert_eq!(
            problem_rule(split(parent, &SplitBy::Amounts(vec![-1]), 0, true)),
            (
                "children",
                Problem::Rule {
                    rule: "target_negative"
                }
            )
        );
        assert_eq!(
            problem_rule(split(parent, &SplitBy::Amounts(vec![]), 0, true)),
            (
                "children",
                Problem::Rule {
                    rule: "cascade_no_children"
                }
            )
        );
    }

    #[test]
    fn percent_split_gives_the_remainder_to_the_stated_child() {
        // ¥100.00 in thirds: 33.33 each, the 0.01 left over to the second child.
        let thirds = SplitBy::Percents(vec![pct("33.34"), pct("33.33"), pct("33.33")]);
        let parent = money(10_000);
        assert_eq!(
            amounts(&split(parent, &thirds, 1, false).unwrap()),
            [3334, 3333, 3333]
        );
        // ¥0.10 by 33.34/33.33/33.33: floors 3, 3, 3, remainder 1 to child 2.
        assert_eq!(
            amounts(&split(money(10), &thirds, 2, false).unwrap()),
            [3, 3, 4]
        );
        let bad = SplitBy::Percents(vec![pct("50"), pct("49.99")]);
        assert_eq!(
            problem_rule(split(parent, &bad, 0, true)),
            (
                "children",
                Problem::Conflict {
                    rule: "cascade_percent_not_100",
                    with: "99.99".into()
                }
            )
        );
        let with_zero = SplitBy::Percents(vec![pct("100"), pct("0")]);
        assert_eq!(
            problem_rule(split(parent, &with_zero, 1, false)),
            (
                "remainder_to",
                Problem::Rule {
                    rule: "cascade_remainder_child_has_no_share"
                }
            )
        );
        assert_eq!(
            problem_rule(split(parent, &with_zero, 2, false)),
            (
                "remainder_to",
                Problem::Rule {
                    rule: "cascade_remainder_child_unknown"
                }
            )
        );
        let coverage = TargetValue::new(TargetMeasure::OutletCoverage, 8000).unwrap();
        assert_eq!(
            problem_rule(split(coverage, &with_zero, 0, false)),
            (
                "measure",
                Problem::Rule {
                    rule: "cascade_not_additive"
                }
            )
        );
    }

    #[test]
    fn share_split_follows_last_year() {
        // Last year ¥600, ¥300, ¥100 → ¥1,000.01 split 600.006/300.003/100.001:
        // floors 600.00, 300.00, 100.00; the 0.01 left to the first child.
        let shares = SplitBy::Shares(vec![60_000, 30_000, 10_000]);
        assert_eq!(
            amounts(&split(money(100_001), &shares, 0, false).unwrap()),
            [60_001, 30_000, 10_000]
        );
        assert_eq!(
            problem_rule(split(money(100), &SplitBy::Shares(vec![0, 0]), 0, false)),
            (
                "children",
                Problem::Rule {
                    rule: "cascade_no_history"
                }
            )
        );
        assert_eq!(
            problem_rule(split(money(100), &SplitBy::Shares(vec![5, -1]), 0, false)),
            (
                "children",
                Problem::Rule {
                    rule: "cascade_negative_share"
                }
            )
        );
    }

    fn flat_profile() -> SeasonalProfile {
        // 8.33 × 8 + 8.34 × 4 = 100.
        let texts = [
            "8.34", "8.33", "8.33", "8.34", "8.33", "8.33", "8.34", "8.33", "8.33", "8.34", "8.33",
            "8.33",
        ];
        SeasonalProfile::parse("profile", &texts).unwrap()
    }

    #[test]
    fn seasonal_split_is_exact_and_follows_the_fiscal_year() {
        let april = FiscalCalendar::new(4).unwrap();
        let year = Period::Year(2026);
        let m = |t| Month::parse("m", t).unwrap();
        // ¥1,200,000.00 over a fiscal year starting in April.
        let months = split_into_months(
            money(120_000_000),
            year,
            april,
            &Seasonality::Profile(flat_profile()),
            m("2027-03"),
        )
        .unwrap();
        assert_eq!(months[0].0, m("2026-04"));
        assert_eq!(months[0].1.amount(), 10_008_000); // 8.34% of April
        assert_eq!(months[1].1.amount(), 9_996_000); // 8.33% of May
        assert_eq!(
            months.iter().map(|(_, v)| v.amount()).sum::<i64>(),
            120_000_000
        );
        // Last year's shape over calendar Q1: January 1, February 2, March 0; ¥1.00.
        let mut last_year = [0i64; 12];
        last_year[0] = 1;
        last_year[1] = 2;
        let january = FiscalCalendar::new(1).unwrap();
        let q1 = split_into_months(
            money(100),
            Period::Quarter(2026, 1),
            january,
            &Seasonality::LastYear(last_year),
            m("2026-01"),
        )
        .unwrap();
        let figures: Vec<i64> = q1.iter().map(|(_, v)| v.amount()).collect();
        assert_eq!(figures, [34, 66, 0]);
        assert_eq!(
            problem_rule(split_into_months(
                money(100),
                Period::Quarter(2026, 3),
                january,
                &Seasonality::LastYear(last_year),
                m("2026-07"),
            )),
            (
                "profile",
                Problem::Rule {
                    rule: "cascade_no_history"
                }
            )
        );
        assert_eq!(
            problem_rule(split_into_months(
                money(100),
                year,
                april,
                &Seasonality::Profile(flat_profile()),
                m("2026-01"),
            )),
            (
                "remainder_to",
                Problem::Rule {
                    rule: "cascade_remainder_child_unknown"
                }
            )
        );
        let mut texts = vec!["8"; 12];
        assert_eq!(
            problem_rule(SeasonalProfile::parse("profile", &texts)),
            (
                "profile",
                Problem::Conflict {
                    rule: "seasonal_profile_not_100",
                    with: "96.00".into()
                }
            )
        );
        texts.pop();
        assert!(SeasonalProfile::parse("profile", &texts).is_err());
    }

    #[test]
    fn a_partner_moving_reps_splits_by_days() {
        // ¥3,650.00 over 2026 (365 days); moves on 2026-03-01: 59 days before.
        let year = Period::Year(2026).days();
        let (old, new) = split_between_reps(money(365_000), year, day(2026, 3, 1)).unwrap();
        assert_eq!((old.amount(), new.amount()), (59_000, 306_000));
        // An actual of ¥1.00 over the same split: floor(100 × 59 / 365) = 16.
        let actual = prorate_by_days(100, year, day(2026, 3, 1)).unwrap();
        assert_eq!(
            (
                actual.before,
                actual.from,
                actual.days_before,
                actual.days_from
            ),
            (16, 84, 59, 306)
        );
        assert_eq!(
            prorate_by_days(100, year, day(2026, 1, 1)).unwrap().before,
            0
        );
        assert_eq!(
            problem_rule(prorate_by_days(100, year, day(2027, 1, 1))),
            (
                "date",
                Problem::Conflict {
                    rule: "date_outside_period",
                    with: year.to_string()
                }
            )
        );
    }

    #[test]
    fn reallocation_moves_the_remaining_days() {
        // ¥36,500.00 for 2026, terminated from 2026-07-01: 181 days elapsed,
        // 184 left → kept 18,100.00, moved 18,400.00, split 50/50.
        let year = Period::Year(2026).days();
        let by = SplitBy::Percents(vec![pct("50"), pct("50")]);
        let result = reallocate(money(3_650_000), year, day(2026, 7, 1), &by, 0).unwrap();
        assert_eq!(result.kept.amount(), 1_810_000);
        assert_eq!(result.moved.amount(), 1_840_000);
        assert_eq!(
            result.gained.iter().map(|g| g.amount()).collect::<Vec<_>>(),
            [920_000, 920_000]
        );
        assert_eq!((result.days_elapsed, result.days_left), (181, 184));
        let wrong = SplitBy::Amounts(vec![1_000_000]);
        assert_eq!(
            problem_rule(reallocate(
                money(3_650_000),
                year,
                day(2026, 7, 1),
                &wrong,
                0
            )),
            (
                "receivers",
                Problem::Conflict {
                    rule: "cascade_under_allocated",
                    with: "840000".into()
                }
            )
        );
        assert_eq!(
            problem_rule(reallocate(money(100), year, day(2025, 12, 31), &by, 0)).0,
            "from"
        );
        assert!(check_receiver(PartnerStatus::Active).is_ok());
        assert_eq!(
            problem_rule(check_receiver(PartnerStatus::Terminated)),
            (
                "receivers",
                Problem::Rule {
                    rule: "reallocation_to_terminated"
                }
            )
        );
    }

    #[test]
    fn attainment_bands_variance_and_projection() {
        let bands = Bands::default();
        // ¥800.00 of ¥1,000.00: exactly 80% is amber.
        let a = Attainment::new(100_000, 80_000, bands);
        assert_eq!(
            (a.percent, a.variance, a.band),
            (Some(Decimal::new(8000, 2)), -20_000, Band::Amber)
        );
        // 2 of 3 is 66.66% (rounded down), red.
        let b = Attainment::new(3, 2, bands);
        assert_eq!(
            (b.percent, b.band),
            (Some(Decimal::new(6666, 2)), Band::Red)
        );
        // 99,999 of 100,000 shows 99.99% and is not green.
        assert_eq!(Attainment::new(100_000, 99_999, bands).band, Band::Amber);
        assert_eq!(Attainment::new(100_000, 100_000, bands).band, Band::Green);
        assert_eq!(Attainment::new(0, 0, bands).percent, None);
        assert_eq!(Attainment::new(0, 0, bands).band, Band::Green);
        let projected = Attainment::projected(100_000, 60_000, 45_000, bands);
        assert_eq!((projected.actual, projected.band), (105_000, Band::Green));
        let custom = Bands::new(Decimal::from(90), Decimal::from(110)).unwrap();
        assert_eq!(custom.band(100, 100), Band::Amber);
        assert_eq!(
            problem_rule(Bands::new(Decimal::from(100), Decimal::from(100))),
            (
                "green_from",
                Problem::Rule {
                    rule: "bands_out_of_order"
                }
            )
        );
        assert!(Bands::new(Decimal::new(-1, 0), Decimal::from(100)).is_err());
    }

    #[test]
    fn needed_per_remaining_day() {
        let july = Period::Month(Month::parse("m", "2026-07").unwrap()).days();
        // ¥1,000.00 to go on 2026-07-28 (3 days left): ¥333.34 a day.
        assert_eq!(
            needed_per_day(200_000, 100_000, july, day(2026, 7, 28)),
            NeededPerDay::PerDay {
                amount: 33_334,
                days_left: 3
            }
        );
        assert_eq!(
            needed_per_day(100, 100, july, day(2026, 7, 28)),
            NeededPerDay::Met
        );
        assert_eq!(
            needed_per_day(100, 99, july, day(2026, 7, 31)),
            NeededPerDay::PeriodOver
        );
        assert_eq!(
            needed_per_day(100, 99, july, day(2026, 8, 5)),
            NeededPerDay::PeriodOver
        );
        assert_eq!(
            needed_per_day(310, 0, july, day(2026, 6, 30)),
            NeededPerDay::PerDay {
                amount: 10,
                days_left: 31
            }
        );
    }

    #[test]
    fn locked_targets_change_by_amendment_with_a_reason() {
        assert!(TargetStatus::Draft.check_direct_edit().is_ok());
        assert_eq!(
            problem_rule(TargetStatus::Approved.check_direct_edit()),
            (
                "value",
                Problem::Rule {
                    rule: "target_locked"
                }
            )
        );
        let amendment = Amendment::new(money(100), money(120), "  new store opened ").unwrap();
        assert_eq!(amendment.reason(), "new store opened");
        assert_eq!(
            problem_rule(Amendment::new(money(100), money(120), "  ")),
            (
                "reason",
                Problem::Rule {
                    rule: "amendment_reason_required"
                }
            )
        );
        assert_eq!(
            problem_rule(Amendment::new(money(100), money(100), "why")),
            (
                "value",
                Problem::Rule {
                    rule: "amendment_changes_nothing"
                }
            )
        );
        let count = TargetValue::new(TargetMeasure::Quantity, 100).unwrap();
        assert_eq!(
            problem_rule(Amendment::new(money(100), count, "why")),
            (
                "value",
                Problem::Rule {
                    rule: "amendment_measure_changed"
                }
            )
        );
        assert!(Amendment::new(money(1), money(2), &"x".repeat(501)).is_err());
    }

    #[test]
    fn ratios_and_impossible_figures_are_refused() {
        let coverage = TargetValue::new(TargetMeasure::OutletCoverage, 8000).unwrap();
        let year = Period::Year(2026).days();
        let not_additive = (
            "measure",
            Problem::Rule {
                rule: "cascade_not_additive",
            },
        );
        assert_eq!(
            problem_rule(split_between_reps(coverage, year, day(2026, 3, 1))),
            not_additive
        );
        let by = SplitBy::Shares(vec![1]);
        assert_eq!(
            problem_rule(reallocate(coverage, year, day(2026, 3, 1), &by, 0)),
            not_additive
        );
        let flat = Seasonality::Profile(flat_profile());
        let january = FiscalCalendar::new(1).unwrap();
        let m = Month::parse("m", "2026-01").unwrap();
        assert_eq!(
            problem_rule(split_into_months(
                coverage,
                Period::Year(2026),
                january,
                &flat,
                m
            )),
            not_additive
        );
        let mut negative = [1i64; 12];
        negative[5] = -1;
        assert_eq!(
            problem_rule(split_into_months(
                money(100),
                Period::Year(2026),
                january,
                &Seasonality::LastYear(negative),
                m
            )),
            (
                "profile",
                Problem::Rule {
                    rule: "cascade_negative_share"
                }
            )
        );
        // Amounts too large to add up are refused, not a crash.
        let huge = SplitBy::Amounts(vec![i64::MAX, 1]);
        assert_eq!(
            problem_rule(split(money(100), &huge, 0, true)),
            (
                "children",
                Problem::Rule {
                    rule: "cascade_sum_too_large"
                }
            )
        );
        assert_eq!(
            problem_rule(SeasonalProfile::parse("profile", &["100"])),
            (
                "profile",
                Problem::Limit {
                    rule: "seasonal_profile_12_months",
                    max: 12
                }
            )
        );
        assert_eq!(
            problem_rule(Bands::new(Decimal::new(805, 1), Decimal::new(1001, 3))),
            ("green_from", Problem::Format { expected: "100" })
        );
        assert_eq!(
            problem_rule(Amendment::new(money(1), money(2), &"x".repeat(501))),
            (
                "reason",
                Problem::TooLong {
                    max: MAX_REASON_CHARS
                }
            )
        );
    }

    #[test]
    fn gap_between_versions() {
        assert_eq!(version_gap(Some(100), Some(120)), Some(20));
        assert_eq!(version_gap(Some(100), Some(90)), Some(-10));
        assert_eq!(version_gap(None, Some(90)), None);
        assert_eq!(version_gap(Some(100), None), None);
    }

    /// One level of a random cascade: how many children and how to split.
    fn any_split(children: usize) -> impl Strategy<Value = (SplitBy, usize)> {
        let shares = proptest::collection::vec(1i64..1_000_000, children).prop_map(SplitBy::Shares);
        let percents = proptest::collection::vec(1i64..100, children).prop_map(|weights| {
            // Scale arbitrary weights to basis points summing to 10000, the
            // last child taking what rounding left.
            let sum: i64 = weights.iter().sum();
            let mut bps: Vec<i64> = weights.iter().map(|w| w * 10_000 / sum).collect();
            let last = bps.len() - 1;
            bps[last] += 10_000 - bps.iter().sum::<i64>();
            SplitBy::Percents(
                bps.into_iter()
                    .map(|b| SplitPercent::from_basis_points(b).unwrap())
                    .collect(),
            )
        });
        (prop_oneof![shares, percents], 0..children)
    }

    /// A random tree: at each node a random split; recursion to `depth`.
    fn check_tree(value: TargetValue, depth: u32, runner: &mut proptest::test_runner::TestRunner) {
        if depth == 0 {
            return;
        }
        let strategy = (1usize..5).prop_flat_map(any_split);
        let (by, remainder_to) = strategy.new_tree(runner).unwrap().current();
        // A child with no share cannot take the remainder; pick one that has.
        let remainder_to = match &by {
            SplitBy::Percents(p) if p[remainder_to].basis_points() == 0 => {
                p.iter().position(|p| p.basis_points() > 0).unwrap()
            }
            _ => remainder_to,
        };
        let result = split(value, &by, remainder_to, false).unwrap();
        assert_eq!(
            result.children.iter().map(|c| c.amount()).sum::<i64>(),
            value.amount()
        );
        assert!(result.children.iter().all(|c| c.amount() >= 0));
        // The same figures typed by hand are a complete manual split.
        let typed = SplitBy::Amounts(result.children.iter().map(|c| c.amount()).collect());
        assert_eq!(split(value, &typed, 0, false).unwrap(), result);
        for child in result.children {
            check_tree(child, depth - 1, runner);
        }
    }

    proptest! {
        #[test]
        fn any_cascade_of_any_depth_sums_exactly(amount in 0i64..1_000_000_000_000_000, depth in 1u32..5, seed in any::<[u8; 32]>()) {
            let mut runner = proptest::test_runner::TestRunner::new_with_rng(
                proptest::test_runner::Config::default(),
                proptest::test_runner::TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &seed),
            );
            check_tree(money(amount), depth, &mut runner);
        }

        #[test]
        fn seasonal_split_is_always_exact(
            amount in 0i64..1_000_000_000_000_000,
            shape in proptest::array::uniform12(0i64..1_000_000),
            start in 1u32..=12,
            quarter in 1u32..=4,
            yearly in any::<bool>(),
        ) {
            let fiscal = FiscalCalendar::new(start).unwrap();
            let period = if yearly { Period::Year(2026) } else { Period::Quarter(2026, quarter) };
            let months = fiscal_months(period, fiscal);
            let Some(remainder_to) = months.iter().copied().find(|m| shape[(m.month() - 1) as usize] > 0) else {
                prop_assert!(split_into_months(money(amount), period, fiscal, &Seasonality::LastYear(shape), months[0]).is_err());
                return Ok(());
            };
            let split = split_into_months(money(amount), period, fiscal, &Seasonality::LastYear(shape), remainder_to).unwrap();
            prop_assert_eq!(split.iter().map(|(_, v)| v.amount()).sum::<i64>(), amount);
            prop_assert_eq!(split.iter().map(|(m, _)| *m).collect::<Vec<_>>(), months);
        }

        #[test]
        fn reallocation_and_proration_are_exact(
            amount in 0i64..1_000_000_000_000_000,
            offset in 0i64..365,
            receivers in proptest::collection::vec(1i64..1000, 1..6),
        ) {
            let year = Period::Year(2026).days();
            let switch = year.from() + chrono::Duration::days(offset);
            let (old, new) = split_between_reps(money(amount), year, switch).unwrap();
            prop_assert_eq!(old.amount() + new.amount(), amount);
            let result = reallocate(money(amount), year, switch, &SplitBy::Shares(receivers), 0).unwrap();
            prop_assert_eq!(result.kept.amount() + result.gained.iter().map(|g| g.amount()).sum::<i64>(), amount);
        }
    }
}
