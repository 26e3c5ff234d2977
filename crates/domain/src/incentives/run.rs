//! What a run does beyond one calculation: the multiplied base of a
//! subject from the parts of its base that count more, and the difference
//! between two computations of the same run (a re-run after the facts
//! changed), shown before it is accepted.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::error::string_enum;

string_enum! {
    /// Where a run stands: `calculated` (it may be computed again),
    /// `approved` by finance (its amounts are earned in the ledger), `paid`
    /// (settled: what the ledger owed was paid out).
    RunStatus, "status" {
        Calculated => "calculated",
        Approved => "approved",
        Paid => "paid",
    }
}

/// A part of a subject's base whose products share one factor (a product
/// line, or a sku named on its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Part {
    pub amount: i64,
    pub factor: Decimal,
}

/// The base with its parts counted `factor` times: each part is already in
/// the base once, so it adds `(factor − 1) × amount`. Exact: a factor has
/// at most four decimals.
pub fn multiplied_base(base: i64, parts: &[Part]) -> Decimal {
    parts.iter().fold(Decimal::from(base), |sum, part| {
        sum + (part.factor - Decimal::ONE) * Decimal::from(part.amount)
    })
}

/// One key whose amount a re-run changes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference<K> {
    pub key: K,
    /// What the stored computation pays (0 where it had no result).
    pub before: i64,
    /// What the new one pays (0 where it has none).
    pub after: i64,
}

impl<K> Difference<K> {
    pub fn change(&self) -> i64 {
        self.after - self.before
    }
}

/// Every key whose amount differs between two computations, in key order;
/// a key only one of them has counts as 0 in the other.
pub fn differences<K: Ord + Clone>(
    before: &BTreeMap<K, i64>,
    after: &BTreeMap<K, i64>,
) -> Vec<Difference<K>> {
    let mut keys: Vec<&K> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let was = before.get(key).copied().unwrap_or(0);
            let now = after.get(key).copied().unwrap_or(0);
            (was != now).then(|| Difference {
                key: key.clone(),
                before: was,
                after: now,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_part_counted_twice_adds_itself_once_more() {
        let parts = [
            Part {
                amount: 1_000,
                factor: Decimal::TWO,
            },
            Part {
                amount: 301,
                factor: Decimal::new(15, 1),
            },
        ];
        // 10,000 + 1,000 × 1 + 301 × 0.5
        assert_eq!(multiplied_base(10_000, &parts), Decimal::new(111_505, 1));
    }

    #[test]
    fn a_returned_part_counts_its_factor_against_the_base() {
        let parts = [Part {
            amount: -200,
            factor: Decimal::TWO,
        }];
        assert_eq!(multiplied_base(500, &parts), Decimal::from(300));
    }

    proptest! {
        #[test]
        fn factors_of_one_leave_the_base_as_it_is(
            base in -1_000_000_000i64..1_000_000_000,
            amounts in proptest::collection::vec(-1_000_000i64..1_000_000, 0..8),
        ) {
            let parts: Vec<Part> = amounts
                .iter()
                .map(|&amount| Part { amount, factor: Decimal::ONE })
                .collect();
            prop_assert_eq!(multiplied_base(base, &parts), Decimal::from(base));
        }

        #[test]
        fn the_differences_add_up_to_the_change_in_total(
            before in proptest::collection::btree_map(0u8..40, -1_000_000i64..1_000_000, 0..30),
            after in proptest::collection::btree_map(0u8..40, -1_000_000i64..1_000_000, 0..30),
        ) {
            let diffs = differences(&before, &after);
            let total = |m: &BTreeMap<u8, i64>| m.values().sum::<i64>();
            prop_assert_eq!(
                diffs.iter().map(Difference::change).sum::<i64>(),
                total(&after) - total(&before)
            );
            prop_assert!(diffs.iter().all(|d| d.before != d.after));
            prop_assert!(diffs.windows(2).all(|w| w[0].key < w[1].key));
            prop_assert!(differences(&after, &after).is_empty());
        }
    }
}
