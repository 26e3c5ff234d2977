//! The calculation of one subject × program, with its trace.
//!
//! The order, stated once: base → multipliers (the caller's multiplied
//! base) → a commission's clawback of what was not collected in time →
//! attainment (or growth) → bracket → amount (with an accelerator)
//! → collected share → data-quality condition → cap / floor → penalties
//! and adjustments → never below zero → one rounding to the minor unit,
//! half away from zero.
//! Everything in between is an exact `Decimal` in minor units; brackets
//! are chosen by comparing the base with `from × reference` (a product,
//! never a rounded quotient), so a subject exactly at a threshold is in it.

use rust_decimal::{Decimal, RoundingStrategy};

use super::program::{Bracket, Pay, Reference, Rules};
use crate::error::{Invalid, Problem, check_length, string_enum};

string_enum! {
    /// A penalty (a compliance violation, late payment) or a manual
    /// adjustment; both carry a reason.
    AdjustmentKind, "kind" {
        Penalty => "penalty",
        Manual => "manual",
    }
}

/// An amount added to a result after the cap (negative to deduct).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Adjustment {
    kind: AdjustmentKind,
    amount: i64,
    reason: String,
}

impl Adjustment {
    /// A penalty deducts (its amount is negative); a manual adjustment is
    /// anything but zero. The reason is what the partner's statement shows.
    pub fn new(kind: AdjustmentKind, amount: i64, reason: &str) -> Result<Self, Invalid> {
        let reason = reason.trim();
        check_length("reason", reason, 1, 200)?;
        if amount == 0 || (kind == AdjustmentKind::Penalty && amount > 0) {
            return Err(Invalid::new(
                "amount",
                Problem::Rule {
                    rule: match kind {
                        AdjustmentKind::Penalty => "penalty_deducts",
                        AdjustmentKind::Manual => "adjustment_not_zero",
                    },
                },
            ));
        }
        Ok(Self {
            kind,
            amount,
            reason: reason.to_owned(),
        })
    }

    pub fn kind(&self) -> AdjustmentKind {
        self.kind
    }

    pub fn amount(&self) -> i64 {
        self.amount
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// What the calculation of one subject × program reads. Figures are in
/// minor units (units for a `quantity` base).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs<'a> {
    /// The base as summed from the facts; negative after returns.
    pub base: i64,
    /// The base after product multipliers, exact (a 1.5× product may add
    /// half a minor unit). It is what attainment and amounts use.
    pub multiplied_base: Decimal,
    pub target: Option<i64>,
    /// For a growth rebate: the base of the period compared with.
    pub last_period_base: Option<i64>,
    /// For `pay_on_collected_share`: collected ÷ due, 0–1.
    pub collected_share: Option<Decimal>,
    /// For `min_data_quality`: the subject's data-quality score (0–100)
    /// over the period's months already due; `None` while none is due, and
    /// then the condition is not judged yet.
    pub data_quality: Option<Decimal>,
    /// For `clawback_days`: the sales invoiced in the period and still not
    /// collected that many days after their invoice, at the subject's
    /// share of them (so exact, like the multiplied base); never negative.
    pub uncollected: Option<Decimal>,
    pub adjustments: &'a [Adjustment],
}

impl Inputs<'_> {
    /// A base without multipliers, a target, nothing else.
    pub fn plain(base: i64, target: Option<i64>) -> Inputs<'static> {
        Inputs {
            base,
            multiplied_base: Decimal::from(base),
            target,
            last_period_base: None,
            collected_share: None,
            data_quality: None,
            uncollected: None,
            adjustments: &[],
        }
    }
}

/// Why a rule earned nothing or was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoReference {
    /// The subject has no target for the period and measure.
    NoTarget,
    /// The target is zero: attainment would be a division by zero.
    ZeroTarget,
    /// Nothing (or less than nothing) in the period compared with.
    NoLastPeriod,
}

/// One step of the calculation: a rule applied with the figures before and
/// after. Data with codes, not sentences, so every page and statement
/// renders it in its own language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    Base {
        base: i64,
        multiplied_base: Decimal,
    },
    /// A commission's sales not collected within `days` of their invoice
    /// come off the base before anything is read on it.
    Clawback {
        days: u32,
        uncollected: Decimal,
        after: Decimal,
    },
    /// The ratio brackets are read on: attainment (base ÷ reference) or
    /// growth (base ÷ reference − 1), shown to 6 decimals.
    Ratio {
        reference: i64,
        ratio: Decimal,
        growth: bool,
    },
    /// Bracket rules earn nothing without a reference.
    NoReference {
        reason: NoReference,
    },
    /// A negative base (returns exceeded purchases) earns nothing.
    NegativeBase,
    /// The ratio is below the first bracket (growth below 0).
    BelowFirstBracket,
    /// The bracket reached: the largest `from` ≤ the ratio. `threshold`
    /// is that `from` in base units.
    Bracket {
        index: usize,
        from: Decimal,
        threshold: Decimal,
    },
    /// `rate × base`, the whole base at one rate (retroactive, flat).
    Rate {
        rate: Decimal,
        base: Decimal,
        amount: Decimal,
    },
    /// One slice of a marginal table: the base from `from_base` up to
    /// `to_base` at bracket `index`'s rate.
    Slice {
        index: usize,
        from_base: Decimal,
        to_base: Decimal,
        rate: Decimal,
        amount: Decimal,
    },
    /// The fixed amount of the bracket reached.
    FixedAmount {
        amount: i64,
    },
    /// The base above `threshold` earns `factor` times: `extra` more.
    Accelerated {
        threshold: Decimal,
        factor: Decimal,
        extra: Decimal,
        after: Decimal,
    },
    CollectedShare {
        share: Decimal,
        before: Decimal,
        after: Decimal,
    },
    /// The data-quality condition: a score below `min` earns nothing;
    /// without a score (no month due yet) it is not judged.
    DataQuality {
        score: Option<Decimal>,
        min: Decimal,
        met: bool,
        before: Decimal,
    },
    Capped {
        cap: i64,
        before: Decimal,
    },
    Floored {
        floor: i64,
        before: Decimal,
    },
    Adjusted {
        kind: AdjustmentKind,
        reason: String,
        amount: i64,
        before: Decimal,
        after: Decimal,
    },
    /// Deductions took the result below zero; it is held at zero.
    NotBelowZero {
        before: Decimal,
    },
    Rounded {
        before: Decimal,
        amount: i64,
    },
}

/// The cap or floor that changed the amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "limit", content = "amount", rename_all = "snake_case")]
pub enum Limit {
    Cap(i64),
    Floor(i64),
}

/// The result of one subject × program: the figures a run stores, the
/// final amount, and how it came about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    pub base: i64,
    pub multiplied_base: Decimal,
    /// The subject's target, as given (a growth or threshold program
    /// shows it without reading it).
    pub target: Option<i64>,
    /// The target, threshold or last period's base the ratio is on.
    pub reference: Option<i64>,
    /// Attainment (or growth), 6 decimals; `None` without a reference.
    pub ratio: Option<Decimal>,
    pub bracket: Option<usize>,
    /// The rate of the bracket reached (or the flat rate).
    pub rate: Option<Decimal>,
    /// After the accelerator and collected share, before cap or floor.
    pub amount_before_cap: Decimal,
    pub limit: Option<Limit>,
    /// The sum of penalties and adjustments applied.
    pub adjustments: i64,
    /// What the subject earns, minor units, never negative.
    pub amount: i64,
    pub trace: Vec<Step>,
}

/// The largest figure a calculation accepts: ¥10 trillion in 分. Within
/// it the products of a calculation fit `Decimal`'s 28 significant digits
/// (rates and ratios have at most 6 decimals, factors 4), so they are
/// exact; only a collected share with many decimals can be cut there.
pub const MAX_FIGURE: i64 = 1_000_000_000_000_000;

fn too_large(field: &'static str) -> Invalid {
    Invalid::new(
        field,
        Problem::Rule {
            rule: "figure_too_large",
        },
    )
}

fn check_inputs(rules: &Rules, inputs: &Inputs<'_>) -> Result<(), Invalid> {
    let within = |x: i64| x.checked_abs().is_some_and(|a| a <= MAX_FIGURE);
    let checks = [
        ("base", within(inputs.base)),
        (
            "multiplied_base",
            inputs.multiplied_base.abs() <= Decimal::from(MAX_FIGURE) * Decimal::ONE_HUNDRED,
        ),
        ("target", inputs.target.is_none_or(within)),
        (
            "last_period_base",
            inputs.last_period_base.is_none_or(within),
        ),
        (
            "adjustments",
            inputs.adjustments.iter().all(|a| within(a.amount)) && inputs.adjustments.len() <= 1000,
        ),
    ];
    if let Some((field, _)) = checks.iter().find(|(_, ok)| !ok) {
        return Err(too_large(field));
    }
    if inputs.target.is_some_and(|t| t < 0) {
        return Err(Invalid::new(
            "target",
            Problem::Rule {
                rule: "target_negative",
            },
        ));
    }
    if rules.pay_on_collected_share {
        match inputs.collected_share {
            None => return Err(Invalid::new("collected_share", Problem::Required)),
            Some(share) if share.is_sign_negative() && !share.is_zero() || share > Decimal::ONE => {
                return Err(Invalid::new(
                    "collected_share",
                    Problem::Rule {
                        rule: "share_range",
                    },
                ));
            }
            Some(_) => {}
        }
    }
    if rules.clawback_days.is_some() {
        match inputs.uncollected {
            None => return Err(Invalid::new("uncollected", Problem::Required)),
            Some(u) if u.is_sign_negative() && !u.is_zero() => {
                return Err(Invalid::new(
                    "uncollected",
                    Problem::Rule {
                        rule: "amount_not_negative",
                    },
                ));
            }
            Some(u) if u > Decimal::from(MAX_FIGURE) * Decimal::ONE_HUNDRED => {
                return Err(too_large("uncollected"));
            }
            Some(_) => {}
        }
    }
    if inputs
        .data_quality
        .is_some_and(|q| q.is_sign_negative() && !q.is_zero() || q > Decimal::ONE_HUNDRED)
    {
        return Err(Invalid::new(
            "data_quality",
            Problem::Rule {
                rule: "score_range",
            },
        ));
    }
    Ok(())
}

/// Computes what one subject earns from one program.
pub fn calculate(rules: &Rules, inputs: &Inputs<'_>) -> Result<Outcome, Invalid> {
    check_inputs(rules, inputs)?;
    let mut b = inputs.multiplied_base;
    let mut trace = vec![Step::Base {
        base: inputs.base,
        multiplied_base: b,
    }];
    if let Some(days) = rules.clawback_days {
        let uncollected = inputs.uncollected.unwrap_or_default();
        b -= uncollected;
        trace.push(Step::Clawback {
            days,
            uncollected,
            after: b,
        });
    }
    let b = b;
    let reference = reference(rules.reference, inputs);
    let growth = matches!(rules.reference, Reference::Growth { .. });
    let ratio = reference.ok().map(|r| {
        let ratio = b / Decimal::from(r) - if growth { Decimal::ONE } else { Decimal::ZERO };
        let ratio = ratio.round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero);
        trace.push(Step::Ratio {
            reference: r,
            ratio,
            growth,
        });
        ratio
    });
    let mut bracket = None;
    let mut rate = None;
    let mut amount = Decimal::ZERO;
    if b.is_sign_negative() && !b.is_zero() {
        trace.push(Step::NegativeBase);
    } else if let Pay::Flat(flat) = &rules.pay {
        rate = Some(*flat);
        amount = *flat * b;
        trace.push(Step::Rate {
            rate: *flat,
            base: b,
            amount,
        });
    } else {
        match reference {
            Err(reason) => trace.push(Step::NoReference { reason }),
            Ok(r) => {
                let table = Thresholds::new(&rules.pay, r, growth);
                match table.reached(b) {
                    None => trace.push(Step::BelowFirstBracket),
                    Some(k) => {
                        bracket = Some(k);
                        trace.push(Step::Bracket {
                            index: k,
                            from: table.froms[k],
                            threshold: table.at[k],
                        });
                        match &rules.pay {
                            Pay::Retroactive(brackets) => {
                                rate = Some(brackets[k].value);
                                amount = brackets[k].value * b;
                                trace.push(Step::Rate {
                                    rate: brackets[k].value,
                                    base: b,
                                    amount,
                                });
                            }
                            Pay::Marginal(brackets) => {
                                rate = Some(brackets[k].value);
                                for slice in table.slices(brackets, Decimal::ZERO, b) {
                                    amount += slice.amount;
                                    trace.push(Step::Slice {
                                        index: slice.index,
                                        from_base: slice.from,
                                        to_base: slice.to,
                                        rate: slice.rate,
                                        amount: slice.amount,
                                    });
                                }
                            }
                            Pay::FixedAmount(brackets) => {
                                amount = Decimal::from(brackets[k].value);
                                trace.push(Step::FixedAmount {
                                    amount: brackets[k].value,
                                });
                            }
                            Pay::Flat(_) => {}
                        }
                    }
                }
            }
        }
    }
    if let (Some(acc), Ok(r), Some(_)) = (rules.accelerator, reference, rate) {
        let threshold = acc.above * Decimal::from(r);
        if b > threshold {
            let accelerated = match &rules.pay {
                Pay::Marginal(brackets) => Thresholds::new(&rules.pay, r, growth)
                    .slices(brackets, threshold, b)
                    .iter()
                    .map(|s| s.amount)
                    .sum(),
                _ => rate.unwrap_or_default() * (b - threshold),
            };
            let extra = (acc.factor - Decimal::ONE) * accelerated;
            amount += extra;
            trace.push(Step::Accelerated {
                threshold,
                factor: acc.factor,
                extra,
                after: amount,
            });
        }
    }
    if rules.pay_on_collected_share {
        let share = inputs.collected_share.unwrap_or_default();
        let before = amount;
        amount *= share;
        trace.push(Step::CollectedShare {
            share,
            before,
            after: amount,
        });
    }
    if let Some(min) = rules.min_data_quality {
        let met = inputs.data_quality.is_none_or(|q| q >= min);
        trace.push(Step::DataQuality {
            score: inputs.data_quality,
            min,
            met,
            before: amount,
        });
        if !met {
            amount = Decimal::ZERO;
        }
    }
    let amount_before_cap = amount;
    let mut limit = None;
    if let Some(cap) = rules.cap
        && amount > Decimal::from(cap)
    {
        trace.push(Step::Capped {
            cap,
            before: amount,
        });
        amount = Decimal::from(cap);
        limit = Some(Limit::Cap(cap));
    } else if let Some(floor) = rules.floor
        && amount > Decimal::ZERO
        && amount < Decimal::from(floor)
    {
        trace.push(Step::Floored {
            floor,
            before: amount,
        });
        amount = Decimal::from(floor);
        limit = Some(Limit::Floor(floor));
    }
    let mut adjusted = 0_i64;
    for adjustment in inputs.adjustments {
        let before = amount;
        amount += Decimal::from(adjustment.amount);
        adjusted += adjustment.amount;
        trace.push(Step::Adjusted {
            kind: adjustment.kind,
            reason: adjustment.reason.clone(),
            amount: adjustment.amount,
            before,
            after: amount,
        });
    }
    if amount.is_sign_negative() && !amount.is_zero() {
        trace.push(Step::NotBelowZero { before: amount });
        amount = Decimal::ZERO;
    }
    let rounded = amount.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    let final_amount = i64::try_from(rounded).map_err(|_| too_large("amount"))?;
    trace.push(Step::Rounded {
        before: amount,
        amount: final_amount,
    });
    Ok(Outcome {
        base: inputs.base,
        multiplied_base: b,
        target: inputs.target,
        reference: reference.ok(),
        ratio,
        bracket,
        rate,
        amount_before_cap,
        limit,
        adjustments: adjusted,
        amount: final_amount,
        trace,
    })
}

/// The figure the ratio is on, or why there is none.
fn reference(reference: Reference, inputs: &Inputs<'_>) -> Result<i64, NoReference> {
    match reference {
        Reference::Target => match inputs.target {
            None => Err(NoReference::NoTarget),
            Some(0) => Err(NoReference::ZeroTarget),
            Some(t) => Ok(t),
        },
        Reference::FixedThreshold { amount } => Ok(amount),
        Reference::Growth { .. } => inputs
            .last_period_base
            .filter(|last| *last > 0)
            .ok_or(NoReference::NoLastPeriod),
    }
}

/// A bracket table's thresholds in base units: `from × reference`, or
/// `(1 + from) × reference` for growth.
pub(super) struct Thresholds {
    pub froms: Vec<Decimal>,
    pub at: Vec<Decimal>,
}

pub(super) struct Slice {
    pub index: usize,
    pub from: Decimal,
    pub to: Decimal,
    pub rate: Decimal,
    pub amount: Decimal,
}

impl Thresholds {
    pub fn new(pay: &Pay, reference: i64, growth: bool) -> Self {
        let froms = pay.froms();
        let offset = if growth { Decimal::ONE } else { Decimal::ZERO };
        let at = froms
            .iter()
            .map(|from| (offset + from) * Decimal::from(reference))
            .collect();
        Self { froms, at }
    }

    /// The bracket a base reaches: the last threshold at or below it.
    pub fn reached(&self, base: Decimal) -> Option<usize> {
        self.at.iter().rposition(|t| *t <= base)
    }

    /// The parts of the base between `low` and `high` in each bracket,
    /// each at its bracket's rate; empty parts are left out.
    pub fn slices(&self, brackets: &[Bracket<Decimal>], low: Decimal, high: Decimal) -> Vec<Slice> {
        let mut slices = Vec::new();
        for (i, bracket) in brackets.iter().enumerate() {
            let from = self.at[i].max(low);
            let to = self.at.get(i + 1).map_or(high, |next| (*next).min(high));
            if to > from {
                slices.push(Slice {
                    index: i,
                    from,
                    to,
                    rate: bracket.value,
                    amount: bracket.value * (to - from),
                });
            }
        }
        slices
    }
}
