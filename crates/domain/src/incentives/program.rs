//! A checked program: the types [`super::parse`] makes of a
//! [`super::document::ProgramDocument`], and what a checked program answers
//! (the periods it covers, a product's factors, a commission's split).

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use crate::admin::Login;
use crate::catalog::Sku;
use crate::dates::DateRange;
use crate::error::{Invalid, Problem, string_enum};
use crate::grades::GradeCode;
use crate::incentive_points::Points;
use crate::money::Currency;
use crate::owner_moves::split_by_days;
use crate::partners::{PartnerCode, PartnerType};
use crate::periods::{FiscalCalendar, Period};
use crate::targets::fiscal_days;
use crate::territories::{ProductLine, RegionCode};

crate::code::code_type!(
    /// A program's stable code, e.g. `RB-DIST-2026`: 1–32 of `A-Z 0-9 - _`,
    /// stored upper-case. Versions of one program share it.
    ProgramCode,
    Upper,
    32
);

crate::code::code_type!(
    /// A sales team's code, e.g. `east-key-accounts`: a lower-case
    /// configuration key, as teams are set up rather than numbered.
    TeamCode,
    Lower,
    32
);

crate::code::code_type!(
    /// The role a rep plays on a sale for the commission split, e.g.
    /// `owner` or `support`.
    SplitRole,
    Lower,
    32
);

string_enum! {
    /// Whom a program pays: partners (`rebate`), our reps (`commission`),
    /// or anyone in scope for a special push (`promotion`).
    ProgramKind, "kind" {
        Rebate => "rebate",
        Commission => "commission",
        Promotion => "promotion",
    }
}

string_enum! {
    /// The length of the period a program is computed over.
    PeriodKind, "period" {
        Month => "month",
        Quarter => "quarter",
        Year => "year",
    }
}

string_enum! {
    /// What a program pays on. `sell_in_net` is after returns and credit
    /// notes; `collected` is cash received ("pay on cash received").
    BaseMeasure, "measure" {
        SellInNet => "sell_in_net",
        SellThrough => "sell_through",
        Quantity => "quantity",
        Collected => "collected",
    }
}

string_enum! {
    /// What attainment is measured against.
    AttainmentSource, "source" {
        Target => "target",
        FixedThreshold => "fixed_threshold",
    }
}

string_enum! {
    /// The period a growth rebate compares with.
    GrowthAgainst, "against" {
        SamePeriodLastYear => "same_period_last_year",
        PreviousPeriod => "previous_period",
    }
}

string_enum! {
    /// How brackets turn the base into an amount (see `docs/INCENTIVES.md`).
    BracketMode, "mode" {
        Retroactive => "retroactive",
        Marginal => "marginal",
        Flat => "flat",
        FixedAmount => "fixed_amount",
    }
}

string_enum! {
    /// Whether a program pays alongside others or gives way to the ones
    /// before it in the stated order.
    StackingRule, "rule" {
        Stacks => "stacks",
        GivesWay => "gives_way",
    }
}

string_enum! {
    /// The balance a program's amount is paid into.
    PayoutForm, "form" {
        Cash => "cash",
        CreditNote => "credit_note",
        Wallet => "wallet",
        Goods => "goods",
        MarketingFund => "marketing_fund",
    }
}

/// One thing wrong with a program document, at its field path
/// (`brackets[2].from`, `scope.partner_types[0]`). The path is built from
/// the document's keys and list positions (counted from 0), so it is the
/// same in every language; the problem is what the edge translates.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("{path} {problem}")]
pub struct ProgramInvalid {
    pub path: String,
    #[serde(flatten)]
    pub problem: Problem,
}

impl ProgramInvalid {
    pub(super) fn new(path: impl Into<String>, problem: Problem) -> Self {
        Self {
            path: path.into(),
            problem,
        }
    }

    /// The problem of an existing parser, moved to `path`: its own field
    /// name is the leaf's, the path says where the leaf is.
    pub(super) fn at(path: &str, invalid: Invalid) -> Self {
        Self::new(path, invalid.problem)
    }

    pub(super) fn rule(path: impl Into<String>, rule: &'static str) -> Self {
        Self::new(path, Problem::Rule { rule })
    }
}

/// The step of a bracket table: from `from` (a ratio, 1 = 100%) up to the
/// next step's `from`, the rate or amount of `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Bracket<T> {
    pub from: Decimal,
    pub value: T,
}

/// What the ratio the brackets are read on compares the base with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Reference {
    /// The subject's target for the period and measure: attainment =
    /// base ÷ target.
    Target,
    /// A threshold the program states, in minor units: attainment =
    /// base ÷ threshold.
    FixedThreshold { amount: i64 },
    /// Last period's base (the same period last year, or the previous
    /// one): growth = base ÷ last − 1.
    Growth { against: GrowthAgainst },
}

/// How the amount is worked out. Rates are fractions (0.03 = 3%) for
/// money measures and minor units per unit for `quantity`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "mode", content = "brackets", rename_all = "snake_case")]
pub enum Pay {
    Retroactive(Vec<Bracket<Decimal>>),
    Marginal(Vec<Bracket<Decimal>>),
    /// One rate on the whole base, whatever the attainment.
    Flat(Decimal),
    /// The amount (minor units) of the bracket reached.
    FixedAmount(Vec<Bracket<i64>>),
}

impl Pay {
    pub fn mode(&self) -> BracketMode {
        match self {
            Self::Retroactive(_) => BracketMode::Retroactive,
            Self::Marginal(_) => BracketMode::Marginal,
            Self::Flat(_) => BracketMode::Flat,
            Self::FixedAmount(_) => BracketMode::FixedAmount,
        }
    }

    /// The `from` of every bracket, ascending; empty for a flat rate.
    pub fn froms(&self) -> Vec<Decimal> {
        match self {
            Self::Retroactive(b) | Self::Marginal(b) => b.iter().map(|b| b.from).collect(),
            Self::FixedAmount(b) => b.iter().map(|b| b.from).collect(),
            Self::Flat(_) => Vec::new(),
        }
    }
}

/// A commission's accelerator: the part of the base above `above` × the
/// quota earns `factor` times its normal amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Accelerator {
    pub above: Decimal,
    pub factor: Decimal,
}

/// The part of a program the calculation reads.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rules {
    pub reference: Reference,
    pub pay: Pay,
    pub accelerator: Option<Accelerator>,
    /// Per subject, minor units.
    pub cap: Option<i64>,
    /// Per subject, minor units: the least a subject that earns anything
    /// is paid.
    pub floor: Option<i64>,
    /// The amount is paid in proportion to what was collected.
    pub pay_on_collected_share: bool,
    /// Nothing is earned below this data-quality score (0–100).
    pub min_data_quality: Option<Decimal>,
    /// A commission's sales not collected within this many days of their
    /// invoice come off its base.
    pub clawback_days: Option<u32>,
}

/// Who a program applies to. Empty lists do not restrict; at least one
/// list is given.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Scope {
    pub partner_types: BTreeSet<PartnerType>,
    pub grades: BTreeSet<GradeCode>,
    /// A region includes its sub-regions (the app resolves the tree).
    pub regions: BTreeSet<RegionCode>,
    pub partners: BTreeSet<PartnerCode>,
    pub reps: Vec<Login>,
    pub teams: BTreeSet<TeamCode>,
}

/// What the base is summed from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Base {
    pub measure: BaseMeasure,
    pub product_lines: BTreeSet<ProductLine>,
    pub categories: BTreeSet<String>,
    pub skus: BTreeSet<Sku>,
    /// For a tier-2 partner: whether its purchases from its distributor
    /// (downstream orders) count.
    pub count_downstream_purchases: bool,
}

/// Products that count more toward the base, or earn more points.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Multiplier {
    pub lines: BTreeSet<ProductLine>,
    pub skus: BTreeSet<Sku>,
    pub base_factor: Decimal,
    pub points_factor: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Stacking {
    pub rule: StackingRule,
    pub order: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Payout {
    pub form: PayoutForm,
    /// For a wallet: the largest share of one order's value its balance
    /// may pay.
    pub max_share_per_order: Option<Decimal>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Conditions {
    pub pay_on_collected_share: bool,
    pub validated_sell_through_only: bool,
    /// The least data-quality score (0–100) a partner needs to earn.
    pub min_data_quality: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Commission {
    /// Shares of a sale's credit by role; they sum to 1.
    pub split: Vec<(SplitRole, Decimal)>,
    pub accelerator: Option<Accelerator>,
    /// A sale not collected within this many days is clawed back.
    pub clawback_days: Option<u32>,
}

/// A checked program version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Program {
    pub kind: ProgramKind,
    pub code: ProgramCode,
    pub name: String,
    pub version: u32,
    pub currency: Currency,
    pub effective: DateRange,
    pub period: PeriodKind,
    pub scope: Scope,
    pub base: Base,
    pub rules: Rules,
    pub multipliers: Vec<Multiplier>,
    pub stacking: Stacking,
    pub payout: Payout,
    pub conditions: Conditions,
    pub commission: Option<Commission>,
    /// The points its partners earn; none without.
    pub points: Option<Points>,
}

/// The most decimals a rate or ratio may have as a fraction (`2.2525%`).
pub const RATIO_DECIMALS: u32 = 6;
/// The most decimals of a multiplier's factor.
pub const FACTOR_DECIMALS: u32 = 4;
/// No bracket starts beyond 100× the target: a larger `from` is a typo.
pub(super) const MAX_FROM: i64 = 100;
/// No factor multiplies a product more than 100×.
pub(super) const MAX_FACTOR: i64 = 100;

impl Program {
    /// Whether the program can be computed for `period`: a period of its
    /// kind (under the fiscal calendar) lying wholly within its effective
    /// dates.
    pub fn covers(&self, period: Period, fiscal: FiscalCalendar) -> Result<(), Invalid> {
        let kind = match period {
            Period::Year(_) => PeriodKind::Year,
            Period::Quarter(..) => PeriodKind::Quarter,
            Period::Month(_) => PeriodKind::Month,
        };
        if kind != self.period {
            return Err(Invalid::new(
                "period",
                Problem::Conflict {
                    rule: "program_period_kind",
                    with: self.period.as_str().to_owned(),
                },
            ));
        }
        let days = fiscal_days(period, fiscal);
        if days.from() < self.effective.from() || days.to() > self.effective.to() {
            return Err(Invalid::new(
                "period",
                Problem::Conflict {
                    rule: "program_not_in_effect",
                    with: self.effective.to_string(),
                },
            ));
        }
        Ok(())
    }

    /// The base and points factors of a product: a multiplier naming its
    /// sku wins over one naming its line; 1 and 1 when none does.
    pub fn factors(&self, line: Option<&ProductLine>, sku: &Sku) -> (Decimal, Decimal) {
        let by_sku = self.multipliers.iter().find(|m| m.skus.contains(sku));
        let by_line =
            || line.and_then(|line| self.multipliers.iter().find(|m| m.lines.contains(line)));
        by_sku
            .or_else(by_line)
            .map_or((Decimal::ONE, Decimal::ONE), |m| {
                (m.base_factor, m.points_factor)
            })
    }
}

impl Commission {
    /// A sale's credit split between the roles by their shares, exactly:
    /// the parts sum to `amount` (largest remainders get the odd units).
    pub fn split_credit(&self, amount: i64) -> Vec<(SplitRole, i64)> {
        let scale = Decimal::from(10_i64.pow(RATIO_DECIMALS));
        // Shares have at most RATIO_DECIMALS decimals, so scaled they are
        // whole numbers and the split is exact integer arithmetic.
        let weights: Vec<(usize, i64)> = self
            .split
            .iter()
            .enumerate()
            .map(|(i, (_, share))| (i, i64::try_from(*share * scale).unwrap_or(0)))
            .collect();
        split_by_days(amount, &weights)
            .into_iter()
            .map(|(i, part)| (self.split[i].0.clone(), part))
            .collect()
    }
}
