//! Target plans: how the two versions of a node's target compare (the
//! cascade from above and the figure proposed from below), which a manager
//! reads before approving one of them into force.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::targets::version_gap;

/// The gap between a node's top-down and bottom-up figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct VersionGap {
    pub top_down: Option<i64>,
    pub bottom_up: Option<i64>,
    /// bottom-up − top-down: positive when the proposal asks for more than
    /// the cascade gives; `None` while either version is missing.
    pub gap: Option<i64>,
    /// The gap in percent of the top-down figure, rounded toward zero to two
    /// decimals (so a proposal a hair short never reads as 0.00% short of
    /// it by rounding up); `None` without a gap or with a top-down of 0.
    pub percent: Option<Decimal>,
}

impl VersionGap {
    pub fn new(top_down: Option<i64>, bottom_up: Option<i64>) -> Self {
        let gap = version_gap(top_down, bottom_up);
        let percent = match (gap, top_down) {
            (Some(gap), Some(base)) if base != 0 => Some(
                (Decimal::from(gap) * Decimal::ONE_HUNDRED / Decimal::from(base))
                    .round_dp_with_strategy(2, RoundingStrategy::ToZero),
            ),
            _ => None,
        };
        Self {
            top_down,
            bottom_up,
            gap,
            percent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_proposal_above_the_cascade_is_a_positive_gap() {
        let gap = VersionGap::new(Some(80_000), Some(90_000));
        assert_eq!(gap.gap, Some(10_000));
        assert_eq!(gap.percent, Some(Decimal::new(1250, 2)));
    }

    #[test]
    fn a_missing_version_or_a_zero_cascade_has_no_percent() {
        assert_eq!(VersionGap::new(None, Some(5)).gap, None);
        assert_eq!(VersionGap::new(Some(5), None).percent, None);
        let zero = VersionGap::new(Some(0), Some(5));
        assert_eq!((zero.gap, zero.percent), (Some(5), None));
    }

    #[test]
    fn the_percent_rounds_toward_zero() {
        // −1 of 30,000 is −0.00333…%: it reads −0.00, not −0.01.
        let gap = VersionGap::new(Some(30_000), Some(29_999));
        assert_eq!(gap.percent, Some(Decimal::ZERO));
        // 2 of 3 is 66.666…%: 66.66.
        assert_eq!(
            VersionGap::new(Some(3), Some(5)).percent,
            Some(Decimal::new(6666, 2))
        );
    }

    proptest! {
        #[test]
        fn the_gap_takes_the_cascade_to_the_proposal(
            top in 0i64..1_000_000_000_000, bottom in 0i64..1_000_000_000_000
        ) {
            let gap = VersionGap::new(Some(top), Some(bottom));
            prop_assert_eq!(top + gap.gap.unwrap(), bottom);
            if let Some(p) = gap.percent {
                // Never further from zero than the exact ratio.
                prop_assert!(p.abs() * Decimal::from(top) <= Decimal::from((bottom - top).abs()) * Decimal::ONE_HUNDRED);
            }
        }
    }
}
