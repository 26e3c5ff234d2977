//! Spreading a year or quarter target over its months: which month takes
//! the rounding remainder when none is stated, and last year's shape from
//! a year-ago month's actuals. The split itself is
//! [`crate::targets::split_into_months`].

use crate::periods::{FiscalCalendar, Month, Period};
use crate::targets::{Seasonality, fiscal_months};

/// The month of the period that the shape weighs most (the earliest of
/// equals): the default taker of a month split's remainder, as it always
/// holds a share. `None` when no month of the period has any weight.
pub fn heaviest_month(
    period: Period,
    fiscal: FiscalCalendar,
    shape: &Seasonality,
) -> Option<Month> {
    let weight = |m: &Month| match shape {
        Seasonality::Profile(profile) => profile.percent(m.month()).basis_points(),
        Seasonality::LastYear(actuals) => actuals[(m.month() - 1) as usize],
    };
    let mut best: Option<(Month, i64)> = None;
    for month in fiscal_months(period, fiscal) {
        let w = weight(&month);
        if w > 0 && best.is_none_or(|(_, b)| w > b) {
            best = Some((month, w));
        }
    }
    best.map(|(m, _)| m)
}

/// Last year's shape by calendar month, January first, from actuals of
/// months (each month's number counted once; a month given twice adds up).
pub fn last_year_shape(actuals: impl IntoIterator<Item = (Month, i64)>) -> [i64; 12] {
    let mut shape = [0; 12];
    for (month, actual) in actuals {
        shape[(month.month() - 1) as usize] += actual;
    }
    shape
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::{
        SeasonalProfile, SplitPercent, TargetMeasure, TargetValue, split_into_months,
    };

    fn profile(bps: [i64; 12]) -> Seasonality {
        Seasonality::Profile(
            SeasonalProfile::new(bps.map(|b| SplitPercent::from_basis_points(b).unwrap())).unwrap(),
        )
    }

    #[test]
    fn the_heaviest_month_follows_the_fiscal_year_and_takes_the_remainder() {
        let spring = profile([1400, 500, 700, 750, 800, 850, 750, 750, 850, 850, 850, 950]);
        let april = FiscalCalendar::new(4).unwrap();
        let january = FiscalCalendar::new(1).unwrap();
        // Fiscal 2026 from April runs to March 2027: its January is 2027's.
        assert_eq!(
            heaviest_month(Period::Year(2026), april, &spring),
            Month::new(2027, 1)
        );
        // A quarter without January: its heaviest is June.
        assert_eq!(
            heaviest_month(Period::Quarter(2026, 2), january, &spring),
            Month::new(2026, 6)
        );
        let target = TargetValue::new(TargetMeasure::SellInAmount, 1_000_003).unwrap();
        let months = split_into_months(
            target,
            Period::Year(2026),
            january,
            &spring,
            heaviest_month(Period::Year(2026), january, &spring).unwrap(),
        )
        .unwrap();
        assert_eq!(
            months.iter().map(|(_, v)| v.amount()).sum::<i64>(),
            1_000_003
        );
        assert_eq!(months[0].1.amount(), 140_003);
        assert_eq!(months[1].1.amount(), 50_000);
    }

    #[test]
    fn no_weight_has_no_heaviest_month_and_the_shape_adds_by_calendar_month() {
        let january = FiscalCalendar::new(1).unwrap();
        let none = Seasonality::LastYear([0; 12]);
        assert_eq!(heaviest_month(Period::Year(2026), january, &none), None);
        let shape = last_year_shape([
            (Month::new(2025, 3).unwrap(), 10),
            (Month::new(2025, 3).unwrap(), 5),
            (Month::new(2025, 12).unwrap(), 7),
        ]);
        assert_eq!(shape[2], 15);
        assert_eq!(shape[11], 7);
        assert_eq!(shape.iter().sum::<i64>(), 22);
    }
}
