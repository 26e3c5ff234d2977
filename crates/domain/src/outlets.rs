//! Outlet coverage (网点覆盖率): the share of a region's planned retail
//! outlets that are active, the actual behind an `outlet_coverage` target.
//! A region's plan is a whole number of outlets; coverage is in basis
//! points (8,000 is 80 %), as the target's figure is.

use crate::error::{Invalid, Problem};

/// The most outlets one region may plan: far above any real region, low
/// enough that a coverage in basis points never overflows.
pub const MAX_PLANNED: i64 = 10_000_000;

/// How many retail outlets a region plans to have: a whole number from 1
/// (a region planning none has no coverage to measure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct PlannedOutlets(i64);

impl PlannedOutlets {
    /// `120`; refused: empty, not a whole number, below 1 or above
    /// [`MAX_PLANNED`] (`planned_outlets_range`).
    pub fn parse(field: &'static str, text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Invalid::new(field, Problem::Required));
        }
        let count: i64 = text
            .parse()
            .map_err(|_| Invalid::new(field, Problem::Format { expected: "120" }))?;
        Self::new(count).ok_or_else(|| {
            Invalid::new(
                field,
                Problem::Limit {
                    rule: "planned_outlets_range",
                    max: MAX_PLANNED as usize,
                },
            )
        })
    }

    pub fn new(count: i64) -> Option<Self> {
        (1..=MAX_PLANNED).contains(&count).then_some(Self(count))
    }

    pub fn count(self) -> i64 {
        self.0
    }
}

/// Active outlets against the plan, in basis points rounded down: 85 of
/// 120 is 7,083 (70.83 %). More active than planned is over 10,000.
pub fn coverage_bp(active: i64, planned: PlannedOutlets) -> i64 {
    active.max(0).saturating_mul(10_000) / planned.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_plan_is_a_whole_number_from_one() {
        assert_eq!(
            PlannedOutlets::parse("planned", " 120 ").unwrap().count(),
            120
        );
        for (text, problem) in [
            ("", Problem::Required),
            ("12.5", Problem::Format { expected: "120" }),
            ("abc", Problem::Format { expected: "120" }),
            (
                "0",
                Problem::Limit {
                    rule: "planned_outlets_range",
                    max: 10_000_000,
                },
            ),
            (
                "10000001",
                Problem::Limit {
                    rule: "planned_outlets_range",
                    max: 10_000_000,
                },
            ),
        ] {
            let err = PlannedOutlets::parse("planned", text).unwrap_err();
            assert_eq!((err.field, err.problem), ("planned", problem), "{text}");
        }
    }

    #[test]
    fn coverage_is_in_basis_points_rounded_down() {
        let plan = PlannedOutlets::new(120).unwrap();
        assert_eq!(coverage_bp(85, plan), 7_083);
        assert_eq!(coverage_bp(120, plan), 10_000);
        assert_eq!(coverage_bp(150, plan), 12_500);
        assert_eq!(coverage_bp(0, plan), 0);
    }

    proptest! {
        #[test]
        fn coverage_never_exceeds_the_exact_share(active in 0_i64..20_000_000, planned in 1_i64..=MAX_PLANNED) {
            let plan = PlannedOutlets::new(planned).unwrap();
            let bp = coverage_bp(active, plan);
            // bp / 10,000 <= active / planned < (bp + 1) / 10,000
            prop_assert!(i128::from(bp) * i128::from(planned) <= i128::from(active) * 10_000);
            prop_assert!(i128::from(bp + 1) * i128::from(planned) > i128::from(active) * 10_000);
            prop_assert_eq!(active >= planned, bp >= 10_000);
        }
    }
}
