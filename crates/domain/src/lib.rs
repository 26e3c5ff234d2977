//! Qudao's domain: types and rules with no I/O and no async.
//!
//! Values are parsed once at the edge into newtypes ("parse, don't validate"),
//! so code further in never re-checks a login, a code or a role.
#![deny(clippy::float_arithmetic)]

pub mod admin;
pub mod agreements;
pub mod alerts;
pub mod catalog;
pub mod code;
pub mod dates;
pub mod downstream;
pub mod error;
pub mod forecast;
pub mod grades;
pub mod incentive_accruals;
pub mod incentive_balances;
pub mod incentive_points;
pub mod incentives;
pub mod inventory;
pub mod money;
pub mod onboarding;
pub mod orders;
pub mod outlets;
pub mod owner_moves;
pub mod partner_changes;
pub mod partners;
pub mod periods;
pub mod pricing;
pub mod quality;
pub mod rates;
pub mod receivables;
pub mod scope;
pub mod score;
pub mod scorecards;
pub mod sellthrough;
pub mod settings;
pub mod target_months;
pub mod target_plans;
pub mod targets;
pub mod territories;

pub use error::{Invalid, Problem};
