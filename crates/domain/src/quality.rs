//! Reporting discipline: a partner's data-quality score for a month, from
//! four parts, each 0–100, weighted into a total 0–100. The weights and
//! formulas are written out in `docs/areas/inventory.md`.

use chrono::{Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::periods::Month;

/// A month's sell-through is due by this day of the next month.
pub const DUE_DAY: u32 = 10;
/// Points timeliness loses per day late.
pub const POINTS_PER_DAY_LATE: i64 = 5;
/// Weights of timeliness, mapping, clean rows and consistency (sum 100).
pub const WEIGHTS: [i64; 4] = [40, 20, 20, 20];

/// What a partner reported for a month, and the flows to check it against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MonthReport {
    /// The day the month's first sell-through line was written.
    pub first_reported: Option<NaiveDate>,
    /// Lines written for the month.
    pub lines: i64,
    /// Rows of the month that were held for an unknown own product code
    /// (released later or not): rows that needed help.
    pub held: i64,
    /// Rows of rejected uploads that named the partner (duplicates included).
    pub rejected: i64,
    /// Units received in the month, net of returns.
    pub sell_in: i64,
    /// Units sold through in the month, net of customer returns.
    pub sell_through: i64,
    /// On hand at the month's end less on hand at its start, counts winning.
    pub stock_change: i64,
}

/// The four parts and the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quality {
    pub month: Month,
    pub timeliness: i64,
    /// Days after the due day the first line came (0 on time), or `None`
    /// when nothing was reported.
    pub days_late: Option<i64>,
    pub mapped: i64,
    pub clean: i64,
    pub consistency: i64,
    pub total: i64,
}

/// The day a month's report is due.
pub fn due_on(month: Month) -> NaiveDate {
    month
        .next()
        .first_day()
        .checked_add_days(Days::new(u64::from(DUE_DAY - 1)))
        .unwrap_or(NaiveDate::MAX)
}

/// Days past the due day on `today` (0 when not yet due).
pub fn days_overdue(month: Month, today: NaiveDate) -> i64 {
    (today - due_on(month)).num_days().max(0)
}

/// The latest month whose report is overdue on `today`: last month once
/// its due day has passed, the month before until then (on 1 December,
/// October; November only from 11 December).
pub fn latest_overdue(today: NaiveDate) -> Month {
    let last = Month::of(today).previous();
    if today > due_on(last) {
        last
    } else {
        last.previous()
    }
}

/// The months of `first..=last` whose report is due by `today` (their due
/// day has passed).
pub fn due_months(first: Month, last: Month, today: NaiveDate) -> Vec<Month> {
    let mut due = Vec::new();
    let mut month = first;
    while month <= last {
        if due_on(month) < today {
            due.push(month);
        }
        month = month.next();
    }
    due
}

/// A score over several months: the mean of their totals to two decimals,
/// half away from zero; `None` for no month.
pub fn mean(totals: &[i64]) -> Option<Decimal> {
    let count = i64::try_from(totals.len()).ok().filter(|n| *n > 0)?;
    let sum: i64 = totals.iter().sum();
    Some(
        (Decimal::from(sum) / Decimal::from(count))
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
    )
}

/// `part ÷ whole` as a percentage, rounded half away from zero; 100 for
/// an empty whole (nothing reported cannot be badly mapped).
fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 100;
    }
    let part = i128::from(part.clamp(0, whole));
    let whole = i128::from(whole);
    i64::try_from((part * 200 + whole) / (whole * 2)).unwrap_or(100)
}

/// Scores one partner's month.
pub fn score(month: Month, report: &MonthReport) -> Quality {
    let days_late = report
        .first_reported
        .map(|d| (d - due_on(month)).num_days().max(0));
    let timeliness = match days_late {
        None => 0,
        Some(late) => (100 - late.saturating_mul(POINTS_PER_DAY_LATE)).max(0),
    };
    let rows = report.lines.max(0) + report.held.max(0);
    let mapped = percent(rows - report.held.max(0), rows);
    let attempted = rows + report.rejected.max(0);
    let clean = percent(attempted - report.rejected.max(0), attempted);
    // What came in should have gone out or still be there.
    let gap = (i128::from(report.sell_in)
        - i128::from(report.sell_through)
        - i128::from(report.stock_change))
    .abs();
    let scale = i128::from(report.sell_in.abs().max(report.sell_through.abs()));
    let consistency = if scale == 0 {
        if gap == 0 { 100 } else { 0 }
    } else {
        let kept = (scale - gap.min(scale)).max(0);
        i64::try_from((kept * 200 + scale) / (scale * 2)).unwrap_or(0)
    };
    let parts = [timeliness, mapped, clean, consistency];
    let weighted: i64 = parts.iter().zip(WEIGHTS).map(|(p, w)| p * w).sum();
    Quality {
        month,
        timeliness,
        days_late,
        mapped,
        clean,
        consistency,
        total: (weighted * 2 + 100) / 200,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn oct() -> Month {
        Month::new(2026, 10).unwrap()
    }

    fn on(d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2026, 11, d)
    }

    #[test]
    fn a_period_counts_the_months_due_and_means_their_totals() {
        let q4 = |d: u32| NaiveDate::from_ymd_opt(2027, 1, d).unwrap();
        let dec = Month::new(2026, 12).unwrap();
        // December's report is due on 10 January: counted from the 11th.
        assert_eq!(due_months(oct(), dec, q4(10)), [oct(), oct().next()]);
        assert_eq!(due_months(oct(), dec, q4(11)).len(), 3);
        assert_eq!(due_months(oct(), oct(), on(10).unwrap()), []);
        assert_eq!(mean(&[90, 80, 81]), Some(Decimal::new(8367, 2)));
        assert_eq!(mean(&[]), None);
    }

    #[test]
    fn a_clean_report_on_time_scores_full_marks() {
        let q = score(
            oct(),
            &MonthReport {
                first_reported: on(10),
                lines: 50,
                sell_in: 100,
                sell_through: 80,
                stock_change: 20,
                ..Default::default()
            },
        );
        assert_eq!(
            (
                q.timeliness,
                q.days_late,
                q.mapped,
                q.clean,
                q.consistency,
                q.total
            ),
            (100, Some(0), 100, 100, 100, 100)
        );
    }

    #[test]
    fn lateness_help_rejections_and_gaps_cost_points() {
        let q = score(
            oct(),
            &MonthReport {
                first_reported: on(14),
                lines: 75,
                held: 25,
                rejected: 25,
                sell_in: 100,
                sell_through: 50,
                stock_change: 0,
            },
        );
        assert_eq!(q.days_late, Some(4));
        assert_eq!(q.timeliness, 80);
        assert_eq!(q.mapped, 75);
        assert_eq!(q.clean, 80);
        assert_eq!(q.consistency, 50);
        // (80×40 + 75×20 + 80×20 + 50×20) ÷ 100 = 73
        assert_eq!(q.total, 73);
    }

    #[test]
    fn a_month_is_overdue_after_its_due_day() {
        let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert_eq!(latest_overdue(day(12, 1)).to_string(), "2026-10");
        assert_eq!(latest_overdue(day(12, 10)).to_string(), "2026-10");
        assert_eq!(latest_overdue(day(12, 11)).to_string(), "2026-11");
        assert_eq!(days_overdue(latest_overdue(day(12, 11)), day(12, 11)), 1);
        assert_eq!(
            latest_overdue(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap()).to_string(),
            "2026-11"
        );
    }

    #[test]
    fn nothing_reported_scores_no_timeliness() {
        let q = score(oct(), &MonthReport::default());
        assert_eq!((q.timeliness, q.days_late, q.total), (0, None, 60));
        assert_eq!(
            due_on(oct()),
            NaiveDate::from_ymd_opt(2026, 11, 10).unwrap()
        );
        assert_eq!(days_overdue(oct(), on(9).unwrap()), 0);
        assert_eq!(days_overdue(oct(), on(30).unwrap()), 20);
    }

    proptest! {
        #[test]
        fn every_part_and_the_total_stay_within_0_and_100(
            late in proptest::option::of(0u32..60),
            lines in 0i64..10_000, held in 0i64..10_000, rejected in 0i64..10_000,
            sell_in in -10_000i64..10_000, sell_through in -10_000i64..10_000,
            stock_change in -10_000i64..10_000,
        ) {
            let first_reported = late.map(|d| due_on(oct()) + chrono::Duration::days(i64::from(d)));
            let q = score(oct(), &MonthReport { first_reported, lines, held, rejected, sell_in, sell_through, stock_change });
            for part in [q.timeliness, q.mapped, q.clean, q.consistency, q.total] {
                prop_assert!((0..=100).contains(&part));
            }
        }
    }
}
