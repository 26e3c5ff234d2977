//! The watchlist: how far a subject is from its next bracket and what
//! reaching it would add ("¥X more this quarter reaches 3%").

use rust_decimal::RoundingStrategy;

use super::calc::{Inputs, Outcome, Step, Thresholds, calculate};
use super::program::{Pay, Reference, Rules};
use crate::error::Invalid;

/// The next bracket of one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Watch {
    /// The index of the next bracket.
    pub next_bracket: usize,
    /// How much more base (as the program counts it, after multipliers),
    /// in whole minor units, reaches it.
    pub distance: i64,
    /// What the final amount would grow by there, all rules applied.
    pub extra_amount: i64,
}

/// The next bracket above where the subject stands; `None` at the top
/// bracket, for a flat rate, or without a reference (no target).
pub fn watch(rules: &Rules, inputs: &Inputs<'_>, now: &Outcome) -> Result<Option<Watch>, Invalid> {
    if matches!(rules.pay, Pay::Flat(_)) {
        return Ok(None);
    }
    let growth = matches!(rules.reference, Reference::Growth { .. });
    let Some(reference) = now.reference else {
        return Ok(None);
    };
    let table = Thresholds::new(&rules.pay, reference, growth);
    // Brackets are read on the base after a clawback.
    let b = now
        .trace
        .iter()
        .find_map(|step| match step {
            Step::Clawback { after, .. } => Some(*after),
            _ => None,
        })
        .unwrap_or(inputs.multiplied_base);
    let Some(next) = table.at.iter().position(|t| *t > b) else {
        return Ok(None);
    };
    let gap = (table.at[next] - b).round_dp_with_strategy(0, RoundingStrategy::AwayFromZero);
    let distance = i64::try_from(gap).unwrap_or(i64::MAX);
    let there = calculate(
        rules,
        &Inputs {
            base: inputs.base.saturating_add(distance),
            multiplied_base: inputs.multiplied_base + gap,
            ..inputs.clone()
        },
    )?;
    Ok(Some(Watch {
        next_bracket: next,
        distance,
        extra_amount: there.amount - now.amount,
    }))
}
