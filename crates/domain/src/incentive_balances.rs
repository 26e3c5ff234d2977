//! Payout balances (返利池, 货补, 市场费用): what a paid incentive put at a
//! partner's disposal, per payout form, and what became of it. A balance
//! is never stored: it is the sum of its movements (DESIGN.md §7a), each
//! written once — earned by a settlement (negative for a claw-back, so a
//! balance may go below zero), spent on an order or for a stated reason,
//! reversed when the order that spent it is cancelled or rejected, or
//! adjusted by staff with a reason.
//!
//! The rebate wallet pays part of an order: at most the balance and at
//! most the strictest `max_share_per_order` of the wallet programs times
//! the order's value (100% when no program sets one). The share is rounded
//! down to the 分, so a spend never exceeds the cap.

use rust_decimal::Decimal;

use crate::error::{Invalid, Problem, string_enum};

string_enum! {
    /// The balance a movement belongs to. Cash is paid out and a credit
    /// note lives in the trade ledger; these three stay with us until used.
    BalanceForm, "form" {
        Wallet => "wallet",
        Goods => "goods",
        MarketingFund => "marketing_fund",
    }
}

string_enum! {
    /// What a movement is.
    MovementKind, "kind" {
        Earned => "earned",
        Spent => "spent",
        Reversed => "reversed",
        Adjusted => "adjusted",
    }
}

/// A balance: the sum of its movements' signed amounts (minor units).
pub fn balance(amounts: impl IntoIterator<Item = i64>) -> i64 {
    amounts.into_iter().sum()
}

/// The most of an order's `value` the wallet may pay by share: the
/// strictest of `shares` (fractions, 0.2 = 20%) times the value, rounded
/// down; the whole value when no share is set. A share above 1 counts as 1.
pub fn share_cap(value: i64, shares: &[Decimal]) -> i64 {
    let value = value.max(0);
    let Some(share) = shares.iter().copied().min() else {
        return value;
    };
    let share = share.clamp(Decimal::ZERO, Decimal::ONE);
    let cap = (Decimal::from(value) * share).floor();
    // The product of a value and a share of at most 1 is at most the
    // value, so it always fits.
    i64::try_from(cap).unwrap_or(value)
}

/// What the wallet may pay of an order: at most the balance (nothing when
/// it is not positive) and at most the share cap.
pub fn allowed(balance: i64, value: i64, shares: &[Decimal]) -> i64 {
    balance.max(0).min(share_cap(value, shares))
}

/// The amount an order uses of the wallet: `requested` (the most allowed
/// when none) within `0..=allowed`; more is refused naming what is
/// allowed (`allowed_shown`, as people read money).
pub fn wallet_use(
    requested: Option<i64>,
    allowed: i64,
    allowed_shown: &str,
) -> Result<i64, Invalid> {
    match requested {
        None => Ok(allowed.max(0)),
        Some(amount) if amount < 0 => Err(Invalid::new(
            "wallet",
            Problem::Rule {
                rule: "wallet_use_negative",
            },
        )),
        Some(amount) if amount > allowed => Err(Invalid::new(
            "wallet",
            Problem::Conflict {
                rule: "wallet_use_over_allowed",
                with: allowed_shown.to_owned(),
            },
        )),
        Some(amount) => Ok(amount),
    }
}

/// What one shipment's invoice is credited from the wallet its order used:
/// `used` spread over the shipments by value (`total`: the order's value;
/// `before`: what earlier shipments shipped; `now`: this one), each the
/// growth of the floor of `used` × shipped ÷ `total`, so the shares of the
/// shipments always sum to `used` once everything has shipped and none
/// is more than its shipment when `used` ≤ `total`.
pub fn wallet_share(used: i64, total: i64, before: i64, now: i64) -> i64 {
    if used <= 0 || total <= 0 {
        return 0;
    }
    let upto =
        |shipped: i64| i128::from(used) * i128::from(shipped.clamp(0, total)) / i128::from(total);
    // At most `used`, so it fits.
    i64::try_from(upto(before.saturating_add(now)) - upto(before)).unwrap_or(0)
}

/// What reverses an order's spending: the opposite of what it spent net
/// of earlier reversals; `None` when nothing is left to return.
pub fn reversal(spent_net: i64) -> Option<i64> {
    (spent_net != 0).then_some(-spent_net)
}

/// A movement staff record: a spend (goods delivered, a marketing cost
/// paid from the fund) takes a positive amount off the balance; an
/// adjustment adds or takes (signed). The amount is signed as it goes
/// into the balance.
pub fn staff_movement(kind: MovementKind, amount: i64) -> Result<i64, Invalid> {
    match kind {
        MovementKind::Spent if amount > 0 => Ok(-amount),
        MovementKind::Spent => Err(Invalid::new(
            "amount",
            Problem::Rule {
                rule: "balance_spend_not_positive",
            },
        )),
        MovementKind::Adjusted if amount != 0 => Ok(amount),
        MovementKind::Adjusted => Err(Invalid::new(
            "amount",
            Problem::Rule {
                rule: "balance_adjustment_zero",
            },
        )),
        MovementKind::Earned | MovementKind::Reversed => Err(Invalid::new(
            "kind",
            Problem::NotOneOf {
                choices: vec!["spent", "adjusted"],
            },
        )),
    }
}

/// A movement's reason: required, at most 200 characters.
pub fn parse_reason(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    crate::error::check_length("reason", value, 1, 200)?;
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(cents: i64) -> Decimal {
        Decimal::new(cents, 2)
    }

    #[test]
    fn the_strictest_share_caps_and_none_means_the_whole_order() {
        assert_eq!(share_cap(10_000, &[]), 10_000);
        assert_eq!(share_cap(10_000, &[dec(30), dec(20)]), 2_000);
        // 20% of ¥0.99 is 19.8 分: rounded down, never up.
        assert_eq!(share_cap(99, &[dec(20)]), 19);
        assert_eq!(allowed(500, 10_000, &[dec(20)]), 500);
        assert_eq!(allowed(-500, 10_000, &[dec(20)]), 0);
    }

    #[test]
    fn more_than_allowed_is_refused_naming_the_most() {
        let err = wallet_use(Some(2_001), 2_000, "20.00").unwrap_err();
        assert_eq!(err.field, "wallet");
        assert_eq!(
            err.problem,
            Problem::Conflict {
                rule: "wallet_use_over_allowed",
                with: "20.00".into()
            }
        );
        assert_eq!(wallet_use(None, 2_000, "20.00"), Ok(2_000));
        assert_eq!(wallet_use(Some(0), 2_000, "20.00"), Ok(0));
        assert!(wallet_use(Some(-1), 2_000, "20.00").is_err());
    }

    #[test]
    fn staff_spend_is_positive_and_an_adjustment_not_zero() {
        assert_eq!(staff_movement(MovementKind::Spent, 300), Ok(-300));
        assert!(staff_movement(MovementKind::Spent, -300).is_err());
        assert_eq!(staff_movement(MovementKind::Adjusted, -300), Ok(-300));
        assert!(staff_movement(MovementKind::Adjusted, 0).is_err());
        assert!(staff_movement(MovementKind::Earned, 300).is_err());
        assert!(parse_reason("  ").is_err());
    }

    proptest! {
        /// However an order ships, its invoices are credited exactly what
        /// the wallet paid, never more than a shipment is worth.
        #[test]
        fn wallet_shares_sum_to_what_the_order_used(
            steps in proptest::collection::vec(1i64..1_000_000, 1..10),
            permille in 0i64..=1000,
        ) {
            let total: i64 = steps.iter().sum();
            let used = total * permille / 1000;
            let mut before = 0;
            let mut credited = 0;
            for now in &steps {
                let share = wallet_share(used, total, before, *now);
                prop_assert!((0..=*now).contains(&share));
                credited += share;
                before += now;
            }
            prop_assert_eq!(credited, used);
        }

        #[test]
        fn balance_is_the_sum_of_movements(amounts in proptest::collection::vec(-1_000_000i64..1_000_000, 0..40)) {
            let mut running = 0i64;
            for a in &amounts {
                running += a;
            }
            prop_assert_eq!(balance(amounts.iter().copied()), running);
        }

        #[test]
        fn a_spend_never_exceeds_the_balance_nor_the_cap(
            bal in -1_000_000i64..10_000_000,
            value in 0i64..100_000_000,
            shares in proptest::collection::vec(0u32..=150, 0..4),
            requested in proptest::option::of(0i64..20_000_000),
        ) {
            let shares: Vec<Decimal> = shares.into_iter().map(|p| Decimal::new(i64::from(p), 2)).collect();
            let most = allowed(bal, value, &shares);
            prop_assert!(most >= 0);
            prop_assert!(most <= bal.max(0));
            prop_assert!(most <= value);
            if let Some(strictest) = shares.iter().min() {
                prop_assert!(Decimal::from(most) <= Decimal::from(value) * *strictest.min(&Decimal::ONE));
            }
            if let Ok(used) = wallet_use(requested, most, "") {
                prop_assert!((0..=most).contains(&used));
            }
        }

        #[test]
        fn a_reversal_returns_exactly_what_was_spent(spent in -1_000_000i64..0) {
            let back = reversal(spent).unwrap();
            prop_assert_eq!(balance([spent, back]), 0);
            prop_assert_eq!(reversal(balance([spent, back])), None);
        }
    }
}
