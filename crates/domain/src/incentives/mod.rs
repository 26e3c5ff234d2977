//! The incentive engine's rules (返利/提成/专项激励): program documents and
//! their checks, the calculation of one subject × program with its trace,
//! stacking, the ledger rule and the watchlist. `docs/INCENTIVES.md` is the
//! document format and the calculation order, with examples.
//!
//! Rates are `Decimal` fractions (0.03 = 3%); a document writes them as
//! `"3%"` or `"0.03"`. Money is in minor units with `Decimal` in between
//! and one rounding per subject × program, half away from zero.

pub mod calc;
pub mod document;
pub mod ledger;
pub mod parse;
pub mod program;
pub mod run;
pub mod stacking;
pub mod watch;

pub use calc::{Adjustment, AdjustmentKind, Inputs, Outcome, Step, calculate};
pub use document::ProgramDocument;
pub use program::{Program, ProgramCode, ProgramInvalid, Rules};

#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;
