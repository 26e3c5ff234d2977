//! Business dates and the validity ranges of effective-dated records
//! (authorizations, agreement versions).

use chrono::NaiveDate;

use crate::error::{Invalid, Problem};

/// Parses a calendar date written `YYYY-MM-DD` (also `YYYY/MM/DD`, as Excel
/// in a Chinese locale writes it).
pub fn parse_date(field: &'static str, value: &str) -> Result<NaiveDate, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::new(field, Problem::Required));
    }
    if let Some(date) = iso_date(value) {
        return Ok(date);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(value, "%Y/%m/%d"))
        .map_err(|_| {
            Invalid::new(
                field,
                Problem::Format {
                    expected: "2026-12-31",
                },
            )
        })
}

/// `YYYY-MM-DD` exactly, the way nearly every file writes a date, read
/// without chrono's format interpreter (a quarter of a microsecond a row on
/// a million-row import); anything else, a real date or not, is left to it.
fn iso_date(value: &str) -> Option<NaiveDate> {
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(number(&b[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&b[5..7])?, number(&b[8..])?)
}

/// An inclusive range of calendar days: valid from the first day through
/// the last. Both ends are required so that overlap checks are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct DateRange {
    from: NaiveDate,
    to: NaiveDate,
}

impl DateRange {
    /// Refuses a range that ends before it starts, blaming `to_field`.
    pub fn new(from: NaiveDate, to: NaiveDate, to_field: &'static str) -> Result<Self, Invalid> {
        if to < from {
            return Err(Invalid::new(
                to_field,
                Problem::Rule {
                    rule: "dates_in_order",
                },
            ));
        }
        Ok(Self { from, to })
    }

    /// Parses the usual `valid_from` and `valid_to` fields, reporting both
    /// bad days at once; their order is checked once both are days.
    pub fn parse_validity(from: &str, to: &str) -> Result<Self, Vec<Invalid>> {
        match (parse_date("valid_from", from), parse_date("valid_to", to)) {
            (Ok(from), Ok(to)) => Self::new(from, to, "valid_to").map_err(|invalid| vec![invalid]),
            (from, to) => Err(from.err().into_iter().chain(to.err()).collect()),
        }
    }

    pub fn from(self) -> NaiveDate {
        self.from
    }

    pub fn to(self) -> NaiveDate {
        self.to
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    pub fn overlaps(self, other: DateRange) -> bool {
        self.from <= other.to && other.from <= self.to
    }
}

impl std::fmt::Display for DateRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} – {}", self.from, self.to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(n.unsigned_abs())
    }

    #[test]
    fn parses_both_date_spellings() {
        assert_eq!(parse_date("from", "2026-03-01"), Ok(day(59)));
        assert_eq!(parse_date("from", "2026/3/1"), Ok(day(59)));
        assert!(parse_date("from", "2026-02-30").is_err());
        assert!(parse_date("from", "01/03/2026").is_err());
        assert_eq!(
            parse_date("from", " ").unwrap_err().problem,
            Problem::Required
        );
    }

    proptest! {
        // The fast path reads exactly what chrono's `%Y-%m-%d` reads.
        #[test]
        fn the_iso_fast_path_agrees_with_chrono(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}") {
            let chrono = NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok();
            prop_assert_eq!(iso_date(&text), chrono);
        }

        #[test]
        fn any_real_day_reads_back(n in 0i64..200_000) {
            let date = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Days::new(n.unsigned_abs());
            prop_assert_eq!(parse_date("date", &date.format("%Y-%m-%d").to_string()), Ok(date));
        }
    }

    #[test]
    fn dates_out_of_order_are_refused() {
        let err = DateRange::new(day(10), day(9), "valid_to").unwrap_err();
        assert_eq!(err.field, "valid_to");
        assert!(DateRange::new(day(10), day(10), "valid_to").is_ok());
    }

    #[test]
    fn a_validity_reports_both_bad_days_then_their_order() {
        let fields = |errors: Vec<Invalid>| errors.iter().map(|i| i.field).collect::<Vec<_>>();
        assert_eq!(
            fields(DateRange::parse_validity("x", "").unwrap_err()),
            ["valid_from", "valid_to"]
        );
        assert_eq!(
            fields(DateRange::parse_validity("2026-01-11", "2026-01-10").unwrap_err()),
            ["valid_to"]
        );
        assert_eq!(
            DateRange::parse_validity("2026-01-10", "2026/1/11"),
            Ok(DateRange::new(day(9), day(10), "valid_to").unwrap())
        );
    }

    proptest! {
        #[test]
        fn overlap_is_symmetric_and_means_a_shared_day(
            a in 0_i64..60, a_len in 0_i64..30, b in 0_i64..60, b_len in 0_i64..30,
        ) {
            let x = DateRange::new(day(a), day(a + a_len), "to").unwrap();
            let y = DateRange::new(day(b), day(b + b_len), "to").unwrap();
            let shared = (0..100).map(day).any(|d| x.contains(d) && y.contains(d));
            prop_assert_eq!(x.overlaps(y), y.overlaps(x));
            prop_assert_eq!(x.overlaps(y), shared);
        }
    }
}
