//! An independent reference of the calculation, for the tests only:
//! whole numbers in `i128` at fixed scales and plain loops, sharing no code
//! with the engine beyond reading the same rules. Slow and obvious on
//! purpose; the engine must agree with it to the minor unit.
//!
//! Scales: base figures in 10⁻⁶ of a minor unit, rates and ratios in 10⁻⁶,
//! factors and shares in 10⁻⁴, amounts in 10⁻²⁰ of a minor unit. Inputs
//! with more decimals than these are outside what it can check.

use rust_decimal::Decimal;

use super::calc::Inputs;
use super::program::{Pay, Reference, Rules};

/// What the reference says a subject earns.
#[derive(Debug, PartialEq, Eq)]
pub struct Expected {
    pub amount: i64,
    pub bracket: Option<usize>,
    pub capped: bool,
    pub floored: bool,
}

/// `d` as a whole number of 10^-`digits`; panics when that is not exact.
fn whole(d: Decimal, digits: u32) -> i128 {
    let d = d.normalize();
    assert!(d.scale() <= digits, "{d} has more than {digits} decimals");
    d.mantissa() * 10_i128.pow(digits - d.scale())
}

fn pow10(n: u32) -> i128 {
    10_i128.pow(n)
}

pub fn expected(rules: &Rules, inputs: &Inputs<'_>) -> Expected {
    let mut b = whole(inputs.multiplied_base, 6);
    if rules.clawback_days.is_some() {
        b -= whole(inputs.uncollected.unwrap_or_default(), 6);
    }
    let growth = matches!(rules.reference, Reference::Growth { .. });
    let reference: Option<i128> = match rules.reference {
        Reference::Target => inputs.target.filter(|t| *t != 0).map(i128::from),
        Reference::FixedThreshold { amount } => Some(i128::from(amount)),
        Reference::Growth { .. } => inputs
            .last_period_base
            .filter(|last| *last > 0)
            .map(i128::from),
    };
    let (froms, rates, amounts): (Vec<i128>, Vec<i128>, Vec<i128>) = match &rules.pay {
        Pay::Retroactive(list) | Pay::Marginal(list) => (
            list.iter().map(|x| whole(x.from, 6)).collect(),
            list.iter().map(|x| whole(x.value, 6)).collect(),
            Vec::new(),
        ),
        Pay::FixedAmount(list) => (
            list.iter().map(|x| whole(x.from, 6)).collect(),
            Vec::new(),
            list.iter().map(|x| i128::from(x.value)).collect(),
        ),
        Pay::Flat(_) => (Vec::new(), Vec::new(), Vec::new()),
    };
    // Thresholds in 10⁻⁶ minor units: (offset + from) × reference.
    let offset = if growth { pow10(6) } else { 0 };
    let mut thresholds = Vec::new();
    if let Some(r) = reference {
        for from in &froms {
            thresholds.push((offset + from) * r);
        }
    }
    let mut bracket = None;
    // In 10⁻¹² minor units (rate 10⁻⁶ × base 10⁻⁶) until the accelerator.
    let mut amount12: i128 = 0;
    let mut fixed: Option<i128> = None;
    let mut earns_at_rate = false;
    if b >= 0 {
        if let Pay::Flat(rate) = &rules.pay {
            amount12 = whole(*rate, 6) * b;
            earns_at_rate = true;
        } else if reference.is_some() {
            for (i, t) in thresholds.iter().enumerate() {
                if b >= *t {
                    bracket = Some(i);
                }
            }
            if let Some(k) = bracket {
                match &rules.pay {
                    Pay::Retroactive(_) => {
                        amount12 = rates[k] * b;
                        earns_at_rate = true;
                    }
                    Pay::Marginal(_) => {
                        for i in 0..rates.len() {
                            let low = thresholds[i];
                            let high = if i + 1 < thresholds.len() {
                                thresholds[i + 1].min(b)
                            } else {
                                b
                            };
                            if high > low {
                                amount12 += rates[i] * (high - low);
                            }
                        }
                        earns_at_rate = true;
                    }
                    Pay::FixedAmount(_) => fixed = Some(amounts[k]),
                    Pay::Flat(_) => {}
                }
            }
        }
    }
    // In 10⁻¹⁶: the factor's 10⁻⁴ on top.
    let mut amount16 = match fixed {
        Some(fixed) => fixed * pow10(16),
        None => amount12 * pow10(4),
    };
    if let (Some(acc), Some(r), true) = (rules.accelerator, reference, earns_at_rate) {
        let above = whole(acc.above, 6) * r;
        let extra_factor = whole(acc.factor, 4) - pow10(4);
        if b > above {
            let mut above_amount12 = 0;
            match &rules.pay {
                Pay::Marginal(_) => {
                    for i in 0..rates.len() {
                        let low = thresholds[i].max(above);
                        let high = if i + 1 < thresholds.len() {
                            thresholds[i + 1].min(b)
                        } else {
                            b
                        };
                        if high > low {
                            above_amount12 += rates[i] * (high - low);
                        }
                    }
                }
                Pay::Flat(rate) => above_amount12 = whole(*rate, 6) * (b - above),
                _ => above_amount12 = rates[bracket.unwrap_or(0)] * (b - above),
            }
            amount16 += extra_factor * above_amount12;
        }
    }
    // In 10⁻²⁰: the share's 10⁻⁴ on top.
    let mut amount = if rules.pay_on_collected_share {
        amount16 * whole(inputs.collected_share.unwrap_or_default(), 4)
    } else {
        amount16 * pow10(4)
    };
    if let (Some(min), Some(score)) = (rules.min_data_quality, inputs.data_quality)
        && whole(score, 4) < whole(min, 4)
    {
        amount = 0;
    }
    let unit = pow10(20);
    let mut capped = false;
    let mut floored = false;
    if rules.cap.is_some_and(|cap| amount > i128::from(cap) * unit) {
        amount = i128::from(rules.cap.unwrap_or_default()) * unit;
        capped = true;
    } else if let Some(floor) = rules.floor
        && amount > 0
        && amount < i128::from(floor) * unit
    {
        amount = i128::from(floor) * unit;
        floored = true;
    }
    for adjustment in inputs.adjustments {
        amount += i128::from(adjustment.amount()) * unit;
    }
    if amount < 0 {
        amount = 0;
    }
    // Half away from zero, for a figure that is never negative here.
    let rounded = (amount + unit / 2) / unit;
    Expected {
        amount: i64::try_from(rounded).unwrap_or(i64::MAX),
        bracket,
        capped,
        floored,
    }
}
