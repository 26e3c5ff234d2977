//! Owner moves: a partner handed from one rep or manager to another on a
//! date. Its owner history is a list of spans, each an owner from a date
//! until the next span's date; the credit for what the partner did in a
//! period is split between its owners by the days each held it.
//!
//! Days before the first span belong to the first owner: the first span
//! is dated when the partner was created (or when the history began), and
//! a partner's facts from before then were its first owner's business.
//! Spans are kept in the order they were written, not sorted by date.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::dates::DateRange;
use crate::targets::{TargetValue, split_between_reps};
use crate::{Invalid, Problem};

/// One span of a partner's owner history: `owner` (a user id, `None` for
/// nobody) holds the partner from `from` until the next span's `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnerSpan {
    pub from: NaiveDate,
    pub owner: Option<i64>,
}

/// Refuses a move dated before the partner's last move (the history would
/// no longer read in order) or after `today` (the partner's owner is who
/// holds it now): the date is named in `field`.
pub fn check_move_date(
    field: &'static str,
    last_move: Option<NaiveDate>,
    date: NaiveDate,
    today: NaiveDate,
) -> Result<(), Invalid> {
    if date > today {
        return Err(Invalid::new(
            field,
            Problem::Rule {
                rule: "owner_move_in_future",
            },
        ));
    }
    match last_move {
        Some(last) if date < last => Err(Invalid::new(
            field,
            Problem::Conflict {
                rule: "owner_move_before_last",
                with: last.to_string(),
            },
        )),
        _ => Ok(()),
    }
}

/// The days each owner held the partner within `period`, in the order
/// they first held it there; an owner who held it twice has the two
/// stretches added. `spans` are in the order they were written: each move
/// is dated no earlier than the move before it (`check_move_date`), and of
/// moves on one date only the last holds any day. The first span reaches
/// back to the period's start whatever its own date, so a move recorded
/// with a date before the partner's first row still reads right. Owners
/// who held no day of the period are absent; the days always add up to
/// the period's.
pub fn days_held(spans: &[OwnerSpan], period: DateRange) -> Vec<(Option<i64>, i64)> {
    let mut held: Vec<(Option<i64>, i64)> = Vec::new();
    let mut add = |owner: Option<i64>, days: i64| {
        if days <= 0 {
            return;
        }
        match held.iter_mut().find(|(o, _)| *o == owner) {
            Some((_, d)) => *d += days,
            None => held.push((owner, days)),
        }
    };
    let end = period.to().succ_opt().unwrap_or(period.to());
    for (i, span) in spans.iter().enumerate() {
        // The first span reaches back to the period's first day.
        let start = if i == 0 { period.from() } else { span.from };
        let until = spans.get(i + 1).map_or(end, |next| next.from);
        let (start, until) = (start.max(period.from()), until.min(end));
        add(span.owner, (until - start).num_days());
    }
    held
}

/// Splits `amount` (minor units, or any additive count) between holders
/// in proportion to their days, exactly: each part is the floor of its
/// share (toward zero for a negative amount) and the units left over go
/// one each to the parts with the largest fractional remainders, the
/// earlier holder first on a tie. The parts always sum to `amount`; a
/// single holder gets all of it; holders with no days get nothing.
pub fn split_by_days<K: Copy>(amount: i64, days: &[(K, i64)]) -> Vec<(K, i64)> {
    let total: i128 = days.iter().map(|(_, d)| i128::from((*d).max(0))).sum();
    if total == 0 {
        return days.iter().map(|(k, _)| (*k, 0)).collect();
    }
    let sign: i128 = if amount < 0 { -1 } else { 1 };
    let whole = i128::from(amount).abs();
    let mut parts: Vec<(K, i128, i128)> = days
        .iter()
        .map(|(k, d)| {
            let exact = whole * i128::from((*d).max(0));
            (*k, exact / total, exact % total)
        })
        .collect();
    let given: i128 = parts.iter().map(|(_, p, _)| p).sum();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    // Stable: equal remainders keep the holders' order.
    order.sort_by(|a, b| parts[*b].2.cmp(&parts[*a].2));
    let left = usize::try_from(whole - given).unwrap_or(0);
    for &i in order.iter().take(left) {
        parts[i].1 += 1;
    }
    parts
        .into_iter()
        .map(|(k, p, _)| (k, i64::try_from(sign * p).unwrap_or(0)))
        .collect()
}

/// Each owner's credit for a partner's `amount` over `period`: the amount
/// split by the days each held the partner there.
pub fn credit(amount: i64, spans: &[OwnerSpan], period: DateRange) -> BTreeMap<Option<i64>, i64> {
    let mut credit = BTreeMap::new();
    for (owner, part) in split_by_days(amount, &days_held(spans, period)) {
        *credit.entry(owner).or_insert(0) += part;
    }
    credit
}

/// The part of a moved partner's own target for `period` that follows it
/// to its new rep, the partner having moved on `switch`: the days from
/// `switch` to the period's end (all of it for a period that starts
/// later, none for one that ended before). The part the old rep keeps is
/// the floor of its exact share, as for a re-allocation, so the two add
/// up to the partner's target.
pub fn share_moving(
    partner_target: TargetValue,
    period: DateRange,
    switch: NaiveDate,
) -> Result<TargetValue, Invalid> {
    if switch <= period.from() {
        return Ok(partner_target);
    }
    if switch > period.to() {
        return Ok(partner_target.with_amount(0));
    }
    Ok(split_between_reps(partner_target, period, switch)?.1)
}

/// The old rep's and the new rep's targets once `moving` passed from one
/// to the other (a new rep without a target for the period starts from
/// nothing): the two still add up to what they did. Refused when the old
/// rep's target is smaller than what leaves it (`rep_target_below_moved`):
/// its target was set below its partners' and a person must decide.
pub fn shift_between_reps(
    old_rep: TargetValue,
    new_rep: Option<TargetValue>,
    moving: TargetValue,
) -> Result<(TargetValue, TargetValue), Invalid> {
    if old_rep.measure() != moving.measure()
        || new_rep.is_some_and(|n| n.measure() != moving.measure())
    {
        return Err(Invalid::new(
            "measure",
            Problem::Rule {
                rule: "amendment_measure_changed",
            },
        ));
    }
    if old_rep.amount() < moving.amount() {
        return Err(Invalid::new(
            "targets",
            Problem::Rule {
                rule: "rep_target_below_moved",
            },
        ));
    }
    let gained = new_rep.map_or(0, TargetValue::amount) + moving.amount();
    Ok((
        old_rep.with_amount(old_rep.amount() - moving.amount()),
        moving.with_amount(gained),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn quarter() -> DateRange {
        DateRange::new(day("2026-07-01"), day("2026-09-30"), "to").unwrap()
    }

    #[test]
    fn a_move_mid_quarter_splits_the_days_and_the_amount() {
        let spans = [
            OwnerSpan {
                from: day("2025-03-01"),
                owner: Some(1),
            },
            OwnerSpan {
                from: day("2026-08-15"),
                owner: Some(2),
            },
        ];
        // 1 Jul .. 14 Aug = 45 days, 15 Aug .. 30 Sep = 47 days.
        assert_eq!(
            days_held(&spans, quarter()),
            vec![(Some(1), 45), (Some(2), 47)]
        );
        let credit = credit(9_200_001, &spans, quarter());
        assert_eq!(credit[&Some(1)], 4_500_000);
        assert_eq!(credit[&Some(2)], 4_700_001);
    }

    #[test]
    fn a_move_after_the_period_leaves_it_to_the_old_owner() {
        let spans = [
            OwnerSpan {
                from: day("2026-01-01"),
                owner: Some(1),
            },
            OwnerSpan {
                from: day("2026-10-02"),
                owner: Some(2),
            },
        ];
        assert_eq!(days_held(&spans, quarter()), vec![(Some(1), 92)]);
    }

    #[test]
    fn days_before_the_first_span_are_the_first_owners() {
        let spans = [OwnerSpan {
            from: day("2026-09-01"),
            owner: Some(7),
        }];
        assert_eq!(days_held(&spans, quarter()), vec![(Some(7), 92)]);
    }

    #[test]
    fn two_moves_on_one_day_leave_it_to_the_last() {
        let spans = [
            OwnerSpan {
                from: day("2026-01-01"),
                owner: Some(1),
            },
            OwnerSpan {
                from: day("2026-08-01"),
                owner: Some(2),
            },
            OwnerSpan {
                from: day("2026-08-01"),
                owner: None,
            },
        ];
        assert_eq!(
            days_held(&spans, quarter()),
            vec![(Some(1), 31), (None, 61)]
        );
    }

    #[test]
    fn a_negative_amount_splits_the_same_way() {
        assert_eq!(
            split_by_days(-10, &[('a', 1), ('b', 2)]),
            vec![('a', -3), ('b', -7)]
        );
        assert_eq!(
            split_by_days(10, &[('a', 1), ('b', 2)]),
            vec![('a', 3), ('b', 7)]
        );
    }

    #[test]
    fn the_date_is_checked_against_the_last_move_and_today() {
        let today = day("2026-08-20");
        assert!(
            check_move_date(
                "owner_from",
                Some(day("2026-08-01")),
                day("2026-08-01"),
                today
            )
            .is_ok()
        );
        let before = check_move_date(
            "owner_from",
            Some(day("2026-08-02")),
            day("2026-08-01"),
            today,
        )
        .unwrap_err();
        assert_eq!(before.field, "owner_from");
        assert!(matches!(
            before.problem,
            Problem::Conflict {
                rule: "owner_move_before_last",
                ..
            }
        ));
        assert!(check_move_date("owner_from", None, day("2026-08-21"), today).is_err());
    }

    fn sell_in(amount: i64) -> TargetValue {
        TargetValue::new(crate::targets::TargetMeasure::SellInAmount, amount).unwrap()
    }

    #[test]
    fn the_share_from_the_move_day_follows_the_partner() {
        // 15 Aug .. 30 Sep is 47 of the quarter's 92 days; the old rep
        // keeps the floor of 45/92 of 9,200,001.
        let moving = share_moving(sell_in(9_200_001), quarter(), day("2026-08-15")).unwrap();
        assert_eq!(moving.amount(), 9_200_001 - 4_500_000);
        assert_eq!(
            share_moving(sell_in(500), quarter(), day("2026-06-30"))
                .unwrap()
                .amount(),
            500
        );
        assert_eq!(
            share_moving(sell_in(500), quarter(), day("2026-10-01"))
                .unwrap()
                .amount(),
            0
        );
    }

    #[test]
    fn a_rep_target_smaller_than_what_leaves_it_is_refused() {
        let err = shift_between_reps(sell_in(100), None, sell_in(101)).unwrap_err();
        assert_eq!(err.field, "targets");
        assert!(matches!(
            err.problem,
            Problem::Rule {
                rule: "rep_target_below_moved"
            }
        ));
        let (old, new) = shift_between_reps(sell_in(100), None, sell_in(100)).unwrap();
        assert_eq!((old.amount(), new.amount()), (0, 100));
    }

    #[test]
    fn a_count_measure_does_not_mix_with_money() {
        let partners = TargetValue::new(crate::targets::TargetMeasure::NewPartners, 3).unwrap();
        assert!(shift_between_reps(sell_in(100), None, partners).is_err());
    }

    fn spans() -> impl Strategy<Value = Vec<OwnerSpan>> {
        prop::collection::vec((0i64..400, prop::option::of(1i64..5)), 1..6).prop_map(|mut v| {
            // The first span's own date may be anything (see `days_held`).
            v[1..].sort_by_key(|(d, _)| *d);
            v.into_iter()
                .map(|(d, owner)| OwnerSpan {
                    from: day("2026-05-01") + chrono::Duration::days(d),
                    owner,
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn parts_always_sum_to_the_whole(
            amount in -1_000_000_000_000i64..1_000_000_000_000,
            days in prop::collection::vec(0i64..400, 1..8),
        ) {
            let holders: Vec<(usize, i64)> = days.iter().copied().enumerate().collect();
            let parts = split_by_days(amount, &holders);
            if days.iter().any(|d| *d > 0) {
                prop_assert_eq!(parts.iter().map(|(_, p)| p).sum::<i64>(), amount);
            }
            for ((_, part), d) in parts.iter().zip(&days) {
                if *d == 0 {
                    prop_assert_eq!(*part, 0);
                }
            }
        }

        #[test]
        fn the_reps_targets_add_up_as_before(
            partner in 0i64..1_000_000_000,
            old_extra in 0i64..1_000_000_000,
            new in prop::option::of(0i64..1_000_000_000),
            switch in 0i64..120,
        ) {
            let switch = day("2026-06-15") + chrono::Duration::days(switch);
            let moving = share_moving(sell_in(partner), quarter(), switch).unwrap();
            prop_assert!((0..=partner).contains(&moving.amount()));
            let (old_after, new_after) =
                shift_between_reps(sell_in(partner + old_extra), new.map(sell_in), moving).unwrap();
            prop_assert_eq!(
                old_after.amount() + new_after.amount(),
                partner + old_extra + new.unwrap_or(0)
            );
            prop_assert!(old_after.amount() >= 0);
        }

        #[test]
        fn a_single_owner_gets_all(amount in -1_000_000_000i64..1_000_000_000, d in 1i64..400) {
            prop_assert_eq!(split_by_days(amount, &[("rep", d)]), vec![("rep", amount)]);
        }

        #[test]
        fn the_days_held_add_up_to_the_period(spans in spans()) {
            let held = days_held(&spans, quarter());
            prop_assert_eq!(held.iter().map(|(_, d)| d).sum::<i64>(), 92);
            let credit = credit(123_456_789, &spans, quarter());
            prop_assert_eq!(credit.values().sum::<i64>(), 123_456_789);
        }
    }
}
