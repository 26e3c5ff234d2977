//! Periods: the calendar months facts are booked in (and closed by
//! finance), and the year / quarter / month periods targets and reports
//! speak of (`2026`, `2026-Q3`, `2026-07`, DESIGN.md §4).

use std::collections::BTreeSet;
use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::dates::DateRange;
use crate::error::{Invalid, Problem};

/// A calendar month, e.g. `2026-07`. Ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    /// The month of a business date.
    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    /// A month from its parts; `None` outside 1–12 or outside the years
    /// a calendar date can hold.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| Self { year, month })
    }

    /// Parses `2026-07` (also `2026/07` and `2026-7`, as spreadsheets write it).
    pub fn parse(field: &'static str, value: &str) -> Result<Self, Invalid> {
        let value = value.trim();
        if value.is_empty() {
            return Err(Invalid::new(field, Problem::Required));
        }
        let bad = || {
            Invalid::new(
                field,
                Problem::Format {
                    expected: "2026-07",
                },
            )
        };
        let (year, month) = value.split_once(['-', '/']).ok_or_else(bad)?;
        if year.len() != 4 || !(1..=2).contains(&month.len()) {
            return Err(bad());
        }
        let year = year.parse().map_err(|_| bad())?;
        let month = month.parse().map_err(|_| bad())?;
        Self::new(year, month).ok_or_else(bad)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn days(self) -> DateRange {
        // The first day of a month never comes after its last.
        DateRange::new(self.first_day(), self.last_day(), "month")
            .unwrap_or_else(|_| unreachable!("a month's first day precedes its last"))
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl serde::Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A period targets and reports are set for: a calendar year, quarter or
/// month. (A fiscal year that starts in another month maps onto these
/// through the setting, where reports need it.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Year(i32),
    Quarter(i32, u32),
    Month(Month),
}

impl Period {
    /// Parses `2026`, `2026-Q3` (also `2026Q3`, lower-case q) or `2026-07`.
    pub fn parse(field: &'static str, value: &str) -> Result<Self, Invalid> {
        let value = value.trim();
        if value.is_empty() {
            return Err(Invalid::new(field, Problem::Required));
        }
        let bad = || {
            Invalid::new(
                field,
                Problem::Format {
                    expected: "2026, 2026-Q3, 2026-07",
                },
            )
        };
        let upper = value.to_ascii_uppercase();
        if let Some((year, quarter)) = upper.split_once('Q') {
            let year = year.trim_end_matches('-');
            let year: i32 = (year.len() == 4)
                .then(|| year.parse().ok())
                .flatten()
                .ok_or_else(bad)?;
            let quarter: u32 = quarter.parse().map_err(|_| bad())?;
            if !(1..=4).contains(&quarter) || Month::new(year, 1).is_none() {
                return Err(bad());
            }
            return Ok(Period::Quarter(year, quarter));
        }
        if value.len() == 4 {
            let year: i32 = value.parse().map_err(|_| bad())?;
            return Month::new(year, 1)
                .map(|_| Period::Year(year))
                .ok_or_else(bad);
        }
        Month::parse(field, value)
            .map(Period::Month)
            .map_err(|_| bad())
    }

    /// The months of the period, in order.
    pub fn months(self) -> Vec<Month> {
        let (first, count) = match self {
            Period::Year(year) => (Month { year, month: 1 }, 12),
            Period::Quarter(year, quarter) => (
                Month {
                    year,
                    month: quarter * 3 - 2,
                },
                3,
            ),
            Period::Month(month) => (month, 1),
        };
        std::iter::successors(Some(first), |m| Some(m.next()))
            .take(count)
            .collect()
    }

    pub fn days(self) -> DateRange {
        let months = self.months();
        let (first, last) = (months[0], months[months.len() - 1]);
        DateRange::new(first.first_day(), last.last_day(), "period")
            .unwrap_or_else(|_| unreachable!("a period's first day precedes its last"))
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.days().contains(date)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(year) => write!(f, "{year:04}"),
            Period::Quarter(year, quarter) => write!(f, "{year:04}-Q{quarter}"),
            Period::Month(month) => month.fmt(f),
        }
    }
}

impl serde::Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The fiscal calendar of a company whose year starts in month `start`
/// (1–12, the setting). A fiscal year is named by the calendar year it
/// starts in: with an April start, fiscal 2026 runs 2026-04 to 2027-03.
/// With a January start it is the calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FiscalCalendar {
    start: u32,
}

impl FiscalCalendar {
    /// `None` outside 1–12.
    pub fn new(start: u32) -> Option<Self> {
        (1..=12).contains(&start).then_some(Self { start })
    }

    pub fn start(self) -> u32 {
        self.start
    }

    /// The fiscal year a date falls in.
    pub fn year_of(self, date: NaiveDate) -> i32 {
        if date.month() >= self.start {
            date.year()
        } else {
            date.year() - 1
        }
    }

    /// The twelve months of fiscal year `year`, in order.
    pub fn year_months(self, year: i32) -> Vec<Month> {
        let first = Month {
            year,
            month: self.start,
        };
        std::iter::successors(Some(first), |m| Some(m.next()))
            .take(12)
            .collect()
    }

    /// The fiscal quarter (1–4) a date falls in, with its fiscal year.
    pub fn quarter_of(self, date: NaiveDate) -> (i32, u32) {
        let offset = (date.month() + 12 - self.start) % 12;
        (self.year_of(date), offset / 3 + 1)
    }

    /// The three months of fiscal quarter `quarter` (1–4) of `year`.
    pub fn quarter_months(self, year: i32, quarter: u32) -> Vec<Month> {
        let skip = (quarter.clamp(1, 4) as usize - 1) * 3;
        self.year_months(year)
            .into_iter()
            .skip(skip)
            .take(3)
            .collect()
    }

    /// The days of fiscal year `year`.
    pub fn year_days(self, year: i32) -> DateRange {
        let months = self.year_months(year);
        DateRange::new(months[0].first_day(), months[11].last_day(), "period")
            .unwrap_or_else(|_| unreachable!("a year's first day precedes its last"))
    }
}

/// The closed months as a fact writer sees them inside its transaction:
/// a date in one of them is refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenPeriods {
    closed: BTreeSet<Month>,
}

impl OpenPeriods {
    pub fn new(closed: BTreeSet<Month>) -> Self {
        Self { closed }
    }

    /// Refuses a fact dated in a closed month: "2026-07 is closed by
    /// finance; date a correction in an open month".
    pub fn check(&self, field: &'static str, date: NaiveDate) -> Result<(), Invalid> {
        self.check_month(field, Month::of(date))
    }

    /// Refuses a value that belongs to a closed month as a whole (the
    /// month's exchange rate).
    pub fn check_month(&self, field: &'static str, month: Month) -> Result<(), Invalid> {
        if self.closed.contains(&month) {
            Err(Invalid::new(
                field,
                Problem::Conflict {
                    rule: "period_closed",
                    with: month.to_string(),
                },
            ))
        } else {
            Ok(())
        }
    }

    pub fn is_closed(&self, month: Month) -> bool {
        self.closed.contains(&month)
    }
}

/// Whether `month` may be closed on `today`, given the closed months.
///
/// Months close in order: only a month that has ended, and only the month
/// after the latest closed one (any ended month when none is closed yet,
/// which is where the closed books begin). So the closed months are always
/// one unbroken run, and a report of a closed month can rely on every
/// closed month before it.
pub fn check_close(
    month: Month,
    today: NaiveDate,
    closed: &BTreeSet<Month>,
) -> Result<(), Invalid> {
    let refuse = |rule| Err(Invalid::new("month", Problem::Rule { rule }));
    if closed.contains(&month) {
        return refuse("period_already_closed");
    }
    if month.last_day() >= today {
        return refuse("period_not_ended");
    }
    match closed.last() {
        Some(latest) if latest.next() != month => Err(Invalid::new(
            "month",
            Problem::Conflict {
                rule: "period_close_in_order",
                with: latest.next().to_string(),
            },
        )),
        _ => Ok(()),
    }
}

/// Whether `month` may be reopened: only the latest closed month, so the
/// closed months stay one unbroken run (reopening an earlier one means
/// reopening each month after it first, each with its reason).
pub fn check_reopen(month: Month, closed: &BTreeSet<Month>) -> Result<(), Invalid> {
    match closed.last() {
        None => Err(Invalid::new(
            "month",
            Problem::Rule {
                rule: "period_not_closed",
            },
        )),
        Some(_) if !closed.contains(&month) => Err(Invalid::new(
            "month",
            Problem::Rule {
                rule: "period_not_closed",
            },
        )),
        Some(latest) if *latest != month => Err(Invalid::new(
            "month",
            Problem::Conflict {
                rule: "period_reopen_latest_first",
                with: latest.to_string(),
            },
        )),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn months_parse_in_the_ways_spreadsheets_write_them() {
        let july = Month::new(2026, 7).unwrap();
        for text in ["2026-07", "2026/07", " 2026-7 "] {
            assert_eq!(Month::parse("month", text).unwrap(), july, "{text}");
        }
        for bad in [
            "2026-13", "2026-00", "26-07", "2026", "July", "2026-007", "",
        ] {
            assert!(Month::parse("month", bad).is_err(), "{bad}");
        }
        assert_eq!(july.to_string(), "2026-07");
        assert_eq!(
            july.last_day(),
            NaiveDate::from_ymd_opt(2026, 7, 31).unwrap()
        );
        assert_eq!(
            Month::new(2028, 2).unwrap().last_day().to_string(),
            "2028-02-29"
        );
        assert_eq!(Month::new(2026, 12).unwrap().next().to_string(), "2027-01");
        assert_eq!(
            Month::new(2027, 1).unwrap().previous().to_string(),
            "2026-12"
        );
    }

    #[test]
    fn periods_parse_and_print_the_same_way() {
        for text in ["2026", "2026-Q3", "2026-07"] {
            assert_eq!(Period::parse("period", text).unwrap().to_string(), text);
        }
        assert_eq!(
            Period::parse("period", "2026q1").unwrap(),
            Period::Quarter(2026, 1)
        );
        for bad in ["2026-Q5", "2026-Q0", "Q3", "20261", "2026-13", "abcd"] {
            assert!(Period::parse("period", bad).is_err(), "{bad}");
        }
        let q3 = Period::Quarter(2026, 3);
        assert_eq!(
            q3.months()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["2026-07", "2026-08", "2026-09"]
        );
        assert_eq!(q3.days().to().to_string(), "2026-09-30");
        assert_eq!(Period::Year(2026).months().len(), 12);
    }

    #[test]
    fn months_close_in_order_and_reopen_from_the_latest() {
        let m = |text| Month::parse("m", text).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 9, 15).unwrap();
        let none = BTreeSet::new();
        assert!(check_close(m("2026-03"), today, &none).is_ok());
        let rule = |r: Result<(), Invalid>| r.unwrap_err().problem;
        assert_eq!(
            rule(check_close(m("2026-09"), today, &none)),
            Problem::Rule {
                rule: "period_not_ended"
            }
        );
        let closed: BTreeSet<Month> = [m("2026-06"), m("2026-07")].into();
        assert!(check_close(m("2026-08"), today, &closed).is_ok());
        assert_eq!(
            rule(check_close(
                m("2026-05"),
                today,
                &[m("2026-06"), m("2026-07"), m("2026-08")].into()
            )),
            Problem::Conflict {
                rule: "period_close_in_order",
                with: "2026-09".into()
            }
        );
        let gap: BTreeSet<Month> = [m("2026-06")].into();
        assert_eq!(
            rule(check_close(m("2026-08"), today, &gap)),
            Problem::Conflict {
                rule: "period_close_in_order",
                with: "2026-07".into()
            }
        );
        assert_eq!(
            rule(check_close(m("2026-07"), today, &closed)),
            Problem::Rule {
                rule: "period_already_closed"
            }
        );
        assert!(check_reopen(m("2026-07"), &closed).is_ok());
        assert_eq!(
            rule(check_reopen(m("2026-06"), &closed)),
            Problem::Conflict {
                rule: "period_reopen_latest_first",
                with: "2026-07".into()
            }
        );
        assert_eq!(
            rule(check_reopen(m("2026-08"), &closed)),
            Problem::Rule {
                rule: "period_not_closed"
            }
        );
        let open = OpenPeriods::new(closed);
        assert!(
            open.check("date", NaiveDate::from_ymd_opt(2026, 8, 1).unwrap())
                .is_ok()
        );
        let refused = open
            .check("date", NaiveDate::from_ymd_opt(2026, 7, 31).unwrap())
            .unwrap_err();
        assert_eq!(refused.field, "date");
        assert_eq!(
            refused.problem,
            Problem::Conflict {
                rule: "period_closed",
                with: "2026-07".into()
            }
        );
    }

    #[test]
    fn fiscal_years_are_named_by_the_year_they_start_in() {
        let april = FiscalCalendar::new(4).unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(april.year_of(day(2027, 3, 31)), 2026);
        assert_eq!(april.year_of(day(2027, 4, 1)), 2027);
        assert_eq!(april.quarter_of(day(2027, 1, 10)), (2026, 4));
        assert_eq!(april.year_days(2026).to().to_string(), "2027-03-31");
        assert_eq!(
            april
                .quarter_months(2026, 4)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["2027-01", "2027-02", "2027-03"]
        );
        assert!(FiscalCalendar::new(0).is_none() && FiscalCalendar::new(13).is_none());
    }

    proptest! {
        #[test]
        fn every_day_lies_in_its_month_and_round_trips(days in 0i64..200_000) {
            let date = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
            let month = Month::of(date);
            prop_assert!(month.first_day() <= date && date <= month.last_day());
            prop_assert_eq!(Month::parse("m", &month.to_string()).unwrap(), month);
            prop_assert_eq!(month.next().previous(), month);
            prop_assert_eq!(month.last_day().succ_opt().map(Month::of), Some(month.next()));
            let quarter = Period::Quarter(date.year(), (date.month() - 1) / 3 + 1);
            prop_assert!(quarter.contains(date));
            prop_assert!(Period::Year(date.year()).contains(date));
        }
        #[test]
        fn every_day_lies_in_its_fiscal_year_and_quarter(days in 0i64..100_000, start in 1u32..=12) {
            let date = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Duration::days(days);
            let fiscal = FiscalCalendar::new(start).unwrap();
            let year = fiscal.year_of(date);
            prop_assert!(fiscal.year_days(year).contains(date));
            let months = fiscal.year_months(year);
            prop_assert_eq!(months.len(), 12);
            prop_assert_eq!(months[0].month(), start);
            prop_assert!(months.windows(2).all(|w| w[0].next() == w[1]));
            let (q_year, quarter) = fiscal.quarter_of(date);
            prop_assert_eq!(q_year, year);
            prop_assert!(fiscal.quarter_months(year, quarter).contains(&Month::of(date)));
            if start == 1 {
                prop_assert_eq!(year, date.year());
                prop_assert_eq!(months, Period::Year(date.year()).months());
            }
        }
    }
}
