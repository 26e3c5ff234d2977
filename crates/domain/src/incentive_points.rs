//! Incentive points (积分): what a partner earns by a program's `points`
//! (one point per `per` of the points-weighted base, whole points rounded
//! down) and what becomes of them. Like a balance, a partner's points are
//! never stored: they are derived from its movements — `earned` when a run
//! is paid (negative when a re-settlement lowers a result), `redeemed` and
//! `adjusted` by staff with a reason.
//!
//! Expiry is derived too, never written: each positive movement is a lot
//! (an earned lot expires `expire_months` after its date, on that date; a
//! positive adjustment does not expire), and a redemption or any negative
//! movement consumes the oldest live lots first. What a negative movement
//! finds no live lot for is a shortfall the next lots make good first.

use chrono::{Days, Months, NaiveDate};
use rust_decimal::Decimal;

use crate::error::{Invalid, Problem, string_enum};

/// The longest a program's points may live.
pub const MAX_EXPIRE_MONTHS: u32 = 120;
/// How far ahead "expiring soon" looks.
pub const SOON_DAYS: u64 = 30;

/// A program's points rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Points {
    /// One point per this much of the points-weighted base (minor units,
    /// above 0).
    pub per: i64,
    /// Earned points expire this many months (1–120) after they are earned.
    pub expire_months: u32,
}

impl Points {
    /// The points a points-weighted base earns: whole points, rounded
    /// down; a base of 0 or below earns none.
    pub fn earned(&self, weighted_base: Decimal) -> i64 {
        if self.per <= 0 || weighted_base <= Decimal::ZERO {
            return 0;
        }
        // A base fits in i64 minor units and `per` ≥ 1, so the quotient does.
        i64::try_from((weighted_base / Decimal::from(self.per)).floor()).unwrap_or(i64::MAX)
    }
}

string_enum! {
    /// What a points movement is.
    PointsKind, "kind" {
        Earned => "earned",
        Redeemed => "redeemed",
        Adjusted => "adjusted",
    }
}

/// What a settlement earns: the result's points less what was already
/// earned for the same subject, program and period (negative after a
/// return lowered the result); `None` when nothing changes.
pub fn settlement(result_points: i64, earned_so_far: i64) -> Option<i64> {
    let points = result_points - earned_so_far;
    (points != 0).then_some(points)
}

/// A number of points as typed: a whole number.
pub fn parse_points(value: &str) -> Result<i64, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::new("points", Problem::Required));
    }
    value.parse::<i64>().map_err(|_| {
        Invalid::new(
            "points",
            Problem::Rule {
                rule: "points_whole_number",
            },
        )
    })
}

/// A movement staff record, signed as it goes into the balance: a
/// redemption takes a positive number of points, at most what is
/// `available`; an adjustment adds or takes (signed, not 0).
pub fn staff_movement(kind: PointsKind, points: i64, available: i64) -> Result<i64, Invalid> {
    match kind {
        PointsKind::Redeemed if points <= 0 => Err(Invalid::new(
            "points",
            Problem::Rule {
                rule: "points_redeem_not_positive",
            },
        )),
        PointsKind::Redeemed if points > available => Err(Invalid::new(
            "points",
            Problem::Conflict {
                rule: "points_over_available",
                with: available.max(0).to_string(),
            },
        )),
        PointsKind::Redeemed => Ok(-points),
        PointsKind::Adjusted if points != 0 => Ok(points),
        PointsKind::Adjusted => Err(Invalid::new(
            "points",
            Problem::Rule {
                rule: "points_adjustment_zero",
            },
        )),
        PointsKind::Earned => Err(Invalid::new(
            "kind",
            Problem::NotOneOf {
                choices: vec!["redeemed", "adjusted"],
            },
        )),
    }
}

/// A movement as the expiry rule reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Movement {
    pub id: i64,
    pub on: NaiveDate,
    /// Signed.
    pub points: i64,
    /// For an earned movement: how long its points live.
    pub expire_months: Option<u32>,
}

/// Points that came in together and expire together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Lot {
    /// The movement that brought them.
    pub movement: i64,
    pub on: NaiveDate,
    /// `None`: they do not expire.
    pub expires_on: Option<NaiveDate>,
    pub points: i64,
    /// Taken by redemptions and negative movements.
    pub used: i64,
    /// What was left of them when they expired.
    pub expired: i64,
}

impl Lot {
    /// What is still live of the lot.
    pub fn left(&self) -> i64 {
        self.points - self.used - self.expired
    }
}

/// Points of one lot that expired, or will, on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Expiry {
    pub lot: i64,
    pub on: NaiveDate,
    pub points: i64,
}

/// A partner's points as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Position {
    /// Oldest first.
    pub lots: Vec<Lot>,
    /// Σ movements − Σ expired; below 0 only after a negative movement no
    /// live lot covered.
    pub available: i64,
    /// Oldest first.
    pub expired: Vec<Expiry>,
    /// Live points expiring within [`SOON_DAYS`] after the date, soonest
    /// first.
    pub expiring_soon: Vec<Expiry>,
}

/// The date a lot earned on `on` expires: `months` later (the month's
/// last day when it has no such day).
pub fn expires_on(on: NaiveDate, months: u32) -> Option<NaiveDate> {
    on.checked_add_months(Months::new(months))
}

/// The lots, balance and expiries of `movements` as of `as_of`
/// (movements after it are not yet counted).
pub fn position(movements: &[Movement], as_of: NaiveDate) -> Position {
    let mut moves: Vec<&Movement> = movements.iter().filter(|m| m.on <= as_of).collect();
    moves.sort_by_key(|m| (m.on, m.id));
    let mut lots: Vec<Lot> = Vec::new();
    let mut expired: Vec<Expiry> = Vec::new();
    let mut shortfall = 0_i64;
    for m in moves {
        expire(&mut lots, &mut expired, m.on);
        if m.points > 0 {
            let covers = shortfall.min(m.points);
            shortfall -= covers;
            lots.push(Lot {
                movement: m.id,
                on: m.on,
                expires_on: m.expire_months.and_then(|n| expires_on(m.on, n)),
                points: m.points,
                used: covers,
                expired: 0,
            });
        } else {
            let mut need = -m.points;
            for lot in lots.iter_mut().filter(|l| l.left() > 0) {
                let take = lot.left().min(need);
                lot.used += take;
                need -= take;
                if need == 0 {
                    break;
                }
            }
            shortfall += need;
        }
    }
    expire(&mut lots, &mut expired, as_of);
    expired.sort_by_key(|e| (e.on, e.lot));
    let soon = as_of
        .checked_add_days(Days::new(SOON_DAYS))
        .unwrap_or(as_of);
    let mut expiring_soon: Vec<Expiry> = lots
        .iter()
        .filter(|l| l.left() > 0)
        .filter_map(|l| {
            let on = l.expires_on?;
            (on > as_of && on <= soon).then_some(Expiry {
                lot: l.movement,
                on,
                points: l.left(),
            })
        })
        .collect();
    expiring_soon.sort_by_key(|e| (e.on, e.lot));
    let available = lots.iter().map(Lot::left).sum::<i64>() - shortfall;
    Position {
        lots,
        available,
        expired,
        expiring_soon,
    }
}

/// Lets what is left of every lot expiring on or before `day` expire.
fn expire(lots: &mut [Lot], expired: &mut Vec<Expiry>, day: NaiveDate) {
    for lot in lots.iter_mut() {
        if let Some(on) = lot.expires_on
            && on <= day
            && lot.left() > 0
        {
            let points = lot.left();
            lot.expired += points;
            expired.push(Expiry {
                lot: lot.movement,
                on,
                points,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn earned(id: i64, on: NaiveDate, points: i64) -> Movement {
        Movement {
            id,
            on,
            points,
            expire_months: Some(12),
        }
    }

    fn taken(id: i64, on: NaiveDate, points: i64) -> Movement {
        Movement {
            id,
            on,
            points: -points,
            expire_months: None,
        }
    }

    #[test]
    fn points_are_whole_and_never_negative() {
        let rule = Points {
            per: 10_000,
            expire_months: 12,
        };
        assert_eq!(rule.earned(Decimal::from(1_259_999)), 125);
        assert_eq!(rule.earned(Decimal::new(100_005, 1)), 1);
        assert_eq!(rule.earned(Decimal::from(9_999)), 0);
        assert_eq!(rule.earned(Decimal::from(-50_000)), 0);
    }

    #[test]
    fn a_settlement_earns_the_difference() {
        assert_eq!(settlement(120, 0), Some(120));
        assert_eq!(settlement(100, 120), Some(-20));
        assert_eq!(settlement(120, 120), None);
    }

    #[test]
    fn staff_redeem_at_most_what_is_available() {
        assert_eq!(staff_movement(PointsKind::Redeemed, 50, 50), Ok(-50));
        assert_eq!(
            staff_movement(PointsKind::Redeemed, 51, 50),
            Err(Invalid::new(
                "points",
                Problem::Conflict {
                    rule: "points_over_available",
                    with: "50".into()
                }
            ))
        );
        assert!(staff_movement(PointsKind::Redeemed, 0, 50).is_err());
        assert_eq!(staff_movement(PointsKind::Adjusted, -70, 50), Ok(-70));
        assert!(staff_movement(PointsKind::Adjusted, 0, 50).is_err());
        assert!(staff_movement(PointsKind::Earned, 5, 50).is_err());
        assert!(parse_points("1.5").is_err());
        assert_eq!(parse_points(" 12 "), Ok(12));
    }

    #[test]
    fn the_oldest_lot_is_used_first_and_expires_on_its_date() {
        let moves = [
            earned(1, day(2026, 1, 15), 100),
            earned(2, day(2026, 3, 1), 50),
            taken(3, day(2026, 6, 1), 120),
        ];
        let before = position(&moves, day(2027, 1, 14));
        assert_eq!(before.available, 30);
        assert_eq!((before.lots[0].left(), before.lots[1].left()), (0, 30));
        assert!(before.expired.is_empty());
        assert!(before.expiring_soon.is_empty());

        let soon = position(&moves, day(2027, 2, 10));
        assert_eq!(
            soon.expiring_soon,
            [Expiry {
                lot: 2,
                on: day(2027, 3, 1),
                points: 30
            }]
        );
        // The first lot was used up: nothing of it expires.
        assert!(soon.expired.is_empty());

        let after = position(&moves, day(2027, 3, 1));
        assert_eq!(after.available, 0);
        assert_eq!(
            after.expired,
            [Expiry {
                lot: 2,
                on: day(2027, 3, 1),
                points: 30
            }]
        );
    }

    #[test]
    fn a_negative_movement_beyond_the_live_lots_is_made_good_by_the_next() {
        let moves = [
            earned(1, day(2026, 1, 1), 10),
            taken(2, day(2026, 2, 1), 25),
            earned(3, day(2026, 3, 1), 40),
        ];
        assert_eq!(position(&moves, day(2026, 2, 15)).available, -15);
        let p = position(&moves, day(2026, 3, 2));
        assert_eq!(p.available, 25);
        assert_eq!(p.lots[1].used, 15);
        // A positive adjustment never expires.
        let kept = [Movement {
            id: 1,
            on: day(2020, 1, 1),
            points: 5,
            expire_months: None,
        }];
        assert_eq!(position(&kept, day(2030, 1, 1)).available, 5);
    }

    /// Earned lots and redemptions each within what was available then.
    fn valid_history() -> impl Strategy<Value = Vec<Movement>> {
        proptest::collection::vec((0_u64..800, 1_i64..500, any::<bool>(), 1_u32..24), 1..25)
            .prop_map(|steps| {
                let start = day(2025, 1, 1);
                let mut moves: Vec<Movement> = Vec::new();
                let mut offset = 0;
                for (i, (gap, points, redeem, months)) in steps.into_iter().enumerate() {
                    offset += gap % 60;
                    let on = start + Days::new(offset);
                    let id = i64::try_from(i).unwrap_or(0);
                    if redeem {
                        let available = position(&moves, on).available;
                        let points = points.min(available);
                        if points > 0 {
                            moves.push(taken(id, on, points));
                        }
                    } else {
                        moves.push(Movement {
                            id,
                            on,
                            points,
                            expire_months: Some(months),
                        });
                    }
                }
                moves
            })
    }

    fn any_history() -> impl Strategy<Value = Vec<Movement>> {
        proptest::collection::vec((0_u64..60, -300_i64..500, 1_u32..24), 1..25).prop_map(|steps| {
            let mut offset = 0;
            steps
                .into_iter()
                .enumerate()
                .filter(|(_, (_, points, _))| *points != 0)
                .map(|(i, (gap, points, months))| {
                    offset += gap;
                    Movement {
                        id: i64::try_from(i).unwrap_or(0),
                        on: day(2025, 1, 1) + Days::new(offset),
                        points,
                        expire_months: (points > 0).then_some(months),
                    }
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn available_is_what_came_in_less_what_went_out_and_expired(
            moves in valid_history(),
            later in 0_u64..1_500,
        ) {
            let as_of = day(2025, 1, 1) + Days::new(later);
            let p = position(&moves, as_of);
            let counted: i64 = moves.iter().filter(|m| m.on <= as_of).map(|m| m.points).sum();
            let expired: i64 = p.expired.iter().map(|e| e.points).sum();
            prop_assert_eq!(p.available, counted - expired);
            prop_assert!(p.available >= 0);
            prop_assert!(p.lots.iter().all(|l| l.left() >= 0));
        }

        #[test]
        fn a_later_lot_is_never_used_while_an_earlier_one_lives(
            moves in any_history(),
            later in 0_u64..1_500,
        ) {
            let p = position(&moves, day(2025, 1, 1) + Days::new(later));
            for (i, lot) in p.lots.iter().enumerate() {
                if lot.used > 0 {
                    prop_assert!(p.lots[..i].iter().all(|earlier| earlier.left() == 0));
                }
            }
        }

        #[test]
        fn expiry_only_grows_with_the_date(
            moves in any_history(),
            first in 0_u64..1_500,
            more in 0_u64..800,
        ) {
            let at = day(2025, 1, 1) + Days::new(first);
            let sum = |p: &Position| p.expired.iter().map(|e| e.points).sum::<i64>();
            prop_assert!(sum(&position(&moves, at)) <= sum(&position(&moves, at + Days::new(more))));
        }
    }
}
