//! Month-end accruals (预提) of incentive programs: the liability finance
//! books for a program whose period has not ended yet, estimated from what
//! was bought so far. `docs/INCENTIVES.md` "## Accruals" states the method.
//!
//! The base to date is projected to the period's end linearly by elapsed
//! days (a quarter 2 months in, 61 of 92 days, projects base × 92 ÷ 61).
//! The forecast module's seasonal methods need a subject's monthly series
//! of two years; a program's subjects rarely have one, and the engine
//! would be asked once per subject, so the accrual stays linear.
//!
//! The program's rules run on the projected inputs (stacking as a run);
//! the accrual to date is the projected amount × base to date ÷ projected
//! base: the expected effective rate on what was bought so far. Integers
//! in and out, `Decimal` between, one rounding per subject × program, half
//! away from zero.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::incentives::program::{PeriodKind, ProgramKind};
use crate::periods::{FiscalCalendar, Month, Period};
use crate::targets::{day_count, fiscal_days};

/// How far into its period a month end is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed {
    /// Days of the period up to and including the month's last day.
    pub days: i64,
    /// Days of the whole period.
    pub of: i64,
}

impl Elapsed {
    /// The period's days elapsed at the end of `through` (all of them once
    /// the period has ended, none before it began).
    pub fn at(period: Period, fiscal: FiscalCalendar, through: Month) -> Self {
        let days = fiscal_days(period, fiscal);
        let end = through.last_day();
        let elapsed = if end >= days.to() {
            day_count(days)
        } else if end < days.from() {
            0
        } else {
            (end - days.from()).num_days() + 1
        };
        Self {
            days: elapsed,
            of: day_count(days),
        }
    }

    /// Whether the period has ended: its actual figures are its accrual.
    pub fn ended(self) -> bool {
        self.days >= self.of
    }

    /// A figure to date projected to the period's end, exact.
    pub fn project_exact(self, to_date: Decimal) -> Decimal {
        if self.ended() || self.days <= 0 {
            return to_date;
        }
        to_date * Decimal::from(self.of) / Decimal::from(self.days)
    }

    /// A whole figure (minor units or a quantity) to date projected to
    /// the period's end, rounded half away from zero.
    pub fn project(self, to_date: i64) -> i64 {
        whole(self.project_exact(Decimal::from(to_date)))
    }
}

fn whole(value: Decimal) -> i64 {
    value
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
        .try_into()
        .unwrap_or(if value.is_sign_negative() {
            i64::MIN
        } else {
            i64::MAX
        })
}

/// The period of a program of `kind` that contains month `month` under
/// the fiscal calendar.
pub fn period_of(kind: PeriodKind, fiscal: FiscalCalendar, month: Month) -> Period {
    let day = month.first_day();
    match kind {
        PeriodKind::Month => Period::Month(month),
        PeriodKind::Quarter => {
            let (year, quarter) = fiscal.quarter_of(day);
            Period::Quarter(year, quarter)
        }
        PeriodKind::Year => Period::Year(fiscal.year_of(day)),
    }
}

/// One subject's accrual to date of one program, in minor units: the
/// projected amount × base to date ÷ projected base, rounded once; 0 when
/// the projected base is not positive. A period that has ended accrues its
/// actual amount whatever its base.
pub fn accrual(projected_amount: i64, base_to_date: i64, projected_base: i64, ended: bool) -> i64 {
    if ended {
        return projected_amount;
    }
    if projected_base <= 0 {
        return 0;
    }
    whole(
        Decimal::from(projected_amount) * Decimal::from(base_to_date)
            / Decimal::from(projected_base),
    )
}

/// What changed since the last booking: all of it when nothing was booked.
pub fn movement(accrued: i64, last_booked: Option<i64>) -> i64 {
    accrued - last_booked.unwrap_or(0)
}

/// The journal's accounts of a program kind: (debit, credit), in Chinese
/// and in English.
pub fn accounts(kind: ProgramKind, chinese: bool) -> (&'static str, &'static str) {
    match (kind, chinese) {
        (ProgramKind::Rebate, true) => ("返利费用", "应付返利"),
        (ProgramKind::Commission, true) => ("佣金费用", "应付佣金"),
        (ProgramKind::Promotion, true) => ("促销费用", "应付促销奖励"),
        (ProgramKind::Rebate, false) => ("Rebate expense", "Rebates payable"),
        (ProgramKind::Commission, false) => ("Commission expense", "Commissions payable"),
        (ProgramKind::Promotion, false) => ("Promotion expense", "Promotion rewards payable"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn calendar() -> FiscalCalendar {
        FiscalCalendar::new(1).expect("january")
    }

    fn month(year: i32, m: u32) -> Month {
        Month::new(year, m).expect("a month")
    }

    #[test]
    fn a_quarter_two_months_in_has_61_of_92_days_behind_it() {
        let e = Elapsed::at(Period::Quarter(2026, 4), calendar(), month(2026, 11));
        assert_eq!(e, Elapsed { days: 61, of: 92 });
        assert!(!e.ended());
        // 610 000 × 92 ÷ 61 = 920 000.
        assert_eq!(e.project(610_000), 920_000);
        // 1 × 92 ÷ 61 = 1.508…: rounds to 2.
        assert_eq!(e.project(1), 2);
        assert_eq!(e.project(-1), -2);
    }

    #[test]
    fn an_ended_period_projects_and_accrues_its_actuals() {
        let e = Elapsed::at(Period::Quarter(2026, 3), calendar(), month(2026, 11));
        assert!(e.ended());
        assert_eq!(e.project(12_345), 12_345);
        assert_eq!(accrual(5_000, 0, 0, true), 5_000);
    }

    #[test]
    fn the_period_of_a_month_follows_the_fiscal_calendar() {
        let april = FiscalCalendar::new(4).expect("april");
        let m = month(2027, 2);
        assert_eq!(period_of(PeriodKind::Month, april, m), Period::Month(m));
        assert_eq!(
            period_of(PeriodKind::Quarter, april, m),
            Period::Quarter(2026, 4)
        );
        assert_eq!(period_of(PeriodKind::Year, april, m), Period::Year(2026));
        let e = Elapsed::at(Period::Year(2026), april, m);
        assert_eq!(e.of, 365);
        assert_eq!(e.days, 365 - 31);
    }

    #[test]
    fn the_accrual_is_the_expected_rate_on_what_was_bought() {
        // 30 000.00 projected on a projected base of 920 000.00, 610 000.00
        // bought: 30 000 × 610 ÷ 920 = 19 891.304…
        assert_eq!(accrual(3_000_000, 61_000_000, 92_000_000, false), 1_989_130);
        // Half a minor unit rounds away from zero.
        assert_eq!(accrual(1, 1, 2, false), 1);
        assert_eq!(accrual(-1, 1, 2, false), -1);
        assert_eq!(accrual(500, 0, 0, false), 0);
        assert_eq!(accrual(500, -10, -20, false), 0);
    }

    #[test]
    fn movement_is_all_of_it_without_a_booking() {
        assert_eq!(movement(1_000, None), 1_000);
        assert_eq!(movement(1_000, Some(1_200)), -200);
    }

    proptest! {
        #[test]
        fn accrual_never_exceeds_the_projected_amount(
            amount in 0i64..1_000_000_000_000,
            projected_base in 1i64..1_000_000_000_000,
            share in 0u32..=1000,
        ) {
            let base = i64::try_from(i128::from(projected_base) * i128::from(share) / 1000)
                .expect("within the projected base");
            let accrued = accrual(amount, base, projected_base, false);
            prop_assert!(accrued <= amount);
            prop_assert!(accrued >= 0);
        }

        #[test]
        fn nothing_bought_accrues_nothing(
            amount in -1_000_000_000_000i64..1_000_000_000_000,
            projected_base in -1_000_000_000i64..1_000_000_000_000,
        ) {
            prop_assert_eq!(accrual(amount, 0, projected_base, false), 0);
        }

        #[test]
        fn a_projection_keeps_the_sign_and_never_shrinks(
            to_date in -1_000_000_000_000i64..1_000_000_000_000,
            year in 2000i32..2100,
            m in 1u32..=12,
            start in 1u32..=12,
        ) {
            let fiscal = FiscalCalendar::new(start).expect("a month");
            let through = month(year, m);
            let period = period_of(PeriodKind::Year, fiscal, through);
            let projected = Elapsed::at(period, fiscal, through).project(to_date);
            prop_assert_eq!(projected.signum(), to_date.signum());
            prop_assert!(projected.abs() >= to_date.abs());
        }
    }
}
