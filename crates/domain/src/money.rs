//! Money: integer minor units of one ISO 4217 currency (DESIGN.md §4).
//!
//! Amounts are stored and exchanged as whole minor units (分 for CNY), so a
//! sum of any number of amounts is exact. Computations that need fractions
//! (rates, shares) run in `rust_decimal` and come back through
//! [`Money::from_decimal`], which rounds half away from zero (四舍五入) once.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{Invalid, Problem};

/// An ISO 4217 currency code this system can hold amounts in, with the number
/// of decimal places of its minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    minor_digits: u8,
}

/// Currencies a brand's channel commonly trades in. The minor-unit digits
/// come from ISO 4217; an unknown code is refused rather than guessed,
/// because a wrong exponent would misstate every amount by a factor of 100.
const KNOWN: &[(&str, u8)] = &[
    ("CNY", 2),
    ("HKD", 2),
    ("MOP", 2),
    ("TWD", 2),
    ("USD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("SGD", 2),
    ("MYR", 2),
    ("THB", 2),
    ("VND", 0),
    ("IDR", 2),
    ("PHP", 2),
    ("INR", 2),
    ("AUD", 2),
    ("NZD", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("AED", 2),
    ("SAR", 2),
    ("RUB", 2),
    ("BRL", 2),
    ("MXN", 2),
];

impl Currency {
    pub const CNY: Currency = Currency {
        code: *b"CNY",
        minor_digits: 2,
    };

    pub fn parse(value: &str) -> Result<Self, Invalid> {
        let value = value.trim().to_ascii_uppercase();
        if value.is_empty() {
            return Err(Invalid::new("currency", Problem::Required));
        }
        KNOWN
            .iter()
            .find(|(code, _)| *code == value)
            .map(|(code, digits)| Currency {
                code: code.as_bytes().try_into().unwrap_or(*b"XXX"),
                minor_digits: *digits,
            })
            .ok_or_else(|| {
                Invalid::new(
                    "currency",
                    Problem::NotOneOf {
                        choices: KNOWN.iter().map(|(code, _)| *code).collect(),
                    },
                )
            })
    }

    pub fn all() -> impl Iterator<Item = Currency> {
        KNOWN
            .iter()
            .filter_map(|(code, _)| Currency::parse(code).ok())
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII codes from KNOWN are ever stored.
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    pub fn minor_digits(self) -> u32 {
        u32::from(self.minor_digits)
    }

    /// The sign people write before an amount of this currency; `None` where
    /// the symbol is ambiguous (¥ is also yen, $ also HK$…), so the code is
    /// shown instead.
    pub fn symbol(self) -> Option<&'static str> {
        match &self.code {
            b"CNY" => Some("¥"),
            b"USD" => Some("$"),
            b"EUR" => Some("€"),
            b"GBP" => Some("£"),
            _ => None,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// An amount of one currency in whole minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub fn zero(currency: Currency) -> Self {
        Self::from_minor(0, currency)
    }

    /// Parses an amount typed by a person or read from a file, such as
    /// `12345.6`, `12,345.60` or `-3`. More decimals than the currency has
    /// are refused, not rounded: silently dropping 分 from an input is the
    /// kind of error a finance clerk never finds again.
    pub fn parse(field: &'static str, value: &str, currency: Currency) -> Result<Self, Invalid> {
        let cleaned: String = value.trim().chars().filter(|c| *c != ',').collect();
        if cleaned.is_empty() {
            return Err(Invalid::new(field, Problem::Required));
        }
        let expected = if currency.minor_digits == 0 {
            "12345"
        } else {
            "12345.67"
        };
        let bad = || Invalid::new(field, Problem::Format { expected });
        let unsigned = cleaned.strip_prefix('-').unwrap_or(&cleaned);
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
        let digits_only = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !digits_only(whole) || !digits_only(fraction) {
            return Err(bad());
        }
        let amount: Decimal = cleaned.parse().map_err(|_| bad())?;
        // "1.230" is fine for CNY; "1.234" is not.
        if amount.normalize().scale() > currency.minor_digits() {
            return Err(bad());
        }
        Self::from_decimal(amount, currency).ok_or_else(bad)
    }

    /// Converts a computed amount in major units to money, rounding half away
    /// from zero to the currency's minor unit. `None` when it does not fit.
    pub fn from_decimal(amount: Decimal, currency: Currency) -> Option<Self> {
        let scaled = amount
            .checked_mul(Decimal::from(10_i64.pow(currency.minor_digits())))?
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
        i64::try_from(scaled)
            .ok()
            .map(|minor| Self { minor, currency })
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    /// The amount in major units, exactly.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.minor, self.currency.minor_digits())
    }

    /// Adds two amounts of the same currency; `None` on a currency mismatch
    /// or overflow, because neither has a right answer.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        (self.currency == other.currency)
            .then(|| self.minor.checked_add(other.minor))
            .flatten()
            .map(|minor| Self { minor, ..self })
    }

    pub fn is_negative(self) -> bool {
        self.minor < 0
    }
}

/// `12345.60 CNY`-style plain text: exact, no grouping, for files and the API.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_text(), self.currency)
    }
}

impl Money {
    /// The amount without the currency, with exactly the currency's decimals.
    pub fn amount_text(self) -> String {
        let digits = self.currency.minor_digits() as usize;
        let decimal = self.to_decimal();
        format!("{decimal:.digits$}")
    }

    /// The amount with thousands separators, for people: `1,234,567.80`.
    pub fn grouped(self) -> String {
        let text = self.amount_text();
        let (sign, unsigned) = text
            .strip_prefix('-')
            .map_or(("", text.as_str()), |rest| ("-", rest));
        let (whole, fraction) = unsigned
            .split_once('.')
            .map_or((unsigned, None), |(w, f)| (w, Some(f)));
        let grouped = group_digits(whole);
        match fraction {
            Some(fraction) => format!("{sign}{grouped}.{fraction}"),
            None => format!("{sign}{grouped}"),
        }
    }
}

/// Digits with a comma before each group of three from the right.
fn group_digits(digits: &str) -> String {
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// A whole number as people read it, thousands grouped: `12,000`, `-1,500`.
pub fn grouped_count(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", group_digits(&n.unsigned_abs().to_string()))
}

impl Money {
    /// The amount as people read it, on every page, export and statement:
    /// `¥40,000,000.00`, `-$1.50`, `HKD 1,234.00`, `JPY 500`. The sign comes
    /// first so a negative amount is never mistaken for a positive one.
    pub fn formatted(self) -> String {
        let grouped = self.grouped();
        let (sign, unsigned) = grouped
            .strip_prefix('-')
            .map_or(("", grouped.as_str()), |rest| ("-", rest));
        match self.currency.symbol() {
            Some(symbol) => format!("{sign}{symbol}{unsigned}"),
            None => format!("{sign}{} {unsigned}", self.currency),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped_count(-1_234_567), "-1,234,567");
        assert_eq!(grouped_count(999), "999");
        assert_eq!(grouped_count(1000), "1,000");
        assert_eq!(grouped_count(0), "0");
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(
            Money::parse("x", "12,345.6", Currency::CNY),
            Ok(cny(1_234_560))
        );
        assert_eq!(Money::parse("x", " -3 ", Currency::CNY), Ok(cny(-300)));
        assert_eq!(Money::parse("x", "0.10", Currency::CNY), Ok(cny(10)));
        assert_eq!(Money::parse("x", "1.230", Currency::CNY), Ok(cny(123)));
        let yen = Currency::parse("jpy").unwrap();
        assert_eq!(Money::parse("x", "500", yen).map(Money::minor), Ok(500));
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        for bad in ["1.234", "abc", "1e5", "1.", ".5", "--1", "1.2.3", "¥5", "-"] {
            let err = Money::parse("credit_limit", bad, Currency::CNY).unwrap_err();
            assert_eq!(err.field, "credit_limit", "{bad}");
            assert!(matches!(err.problem, Problem::Format { .. }), "{bad}");
        }
        assert_eq!(
            Money::parse("credit_limit", "", Currency::CNY)
                .unwrap_err()
                .problem,
            Problem::Required
        );
        let yen = Currency::parse("JPY").unwrap();
        assert!(Money::parse("x", "5.5", yen).is_err());
        assert!(Money::parse("x", "99999999999999999999", Currency::CNY).is_err());
    }

    #[test]
    fn unknown_currency_is_refused() {
        assert!(Currency::parse("XYZ").is_err());
        assert_eq!(Currency::parse(" usd ").unwrap().as_str(), "USD");
    }

    #[test]
    fn rounds_half_away_from_zero() {
        let half = Decimal::new(5, 3); // 0.005
        assert_eq!(Money::from_decimal(half, Currency::CNY), Some(cny(1)));
        assert_eq!(Money::from_decimal(-half, Currency::CNY), Some(cny(-1)));
        assert_eq!(
            Money::from_decimal(Decimal::new(4, 3), Currency::CNY),
            Some(cny(0))
        );
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(cny(123_456_780).grouped(), "1,234,567.80");
        assert_eq!(cny(-100).grouped(), "-1.00");
        assert_eq!(cny(99_999).grouped(), "999.99");
        assert_eq!(cny(5).to_string(), "0.05 CNY");
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(cny(4_000_000_000).formatted(), "¥40,000,000.00");
        assert_eq!(cny(-150).formatted(), "-¥1.50");
        assert_eq!(cny(0).formatted(), "¥0.00");
        let of = |code: &str, minor: i64| {
            Money::from_minor(minor, Currency::parse(code).unwrap()).formatted()
        };
        assert_eq!(of("USD", 123_456), "$1,234.56");
        assert_eq!(of("EUR", -5), "-€0.05");
        assert_eq!(of("GBP", 100_000_000), "£1,000,000.00");
        assert_eq!(of("HKD", 123_400), "HKD 1,234.00");
        assert_eq!(of("JPY", -1_234_567), "-JPY 1,234,567");
    }

    #[test]
    fn never_adds_across_currencies() {
        let usd = Money::from_minor(1, Currency::parse("USD").unwrap());
        assert_eq!(cny(1).checked_add(usd), None);
        assert_eq!(cny(i64::MAX).checked_add(cny(1)), None);
    }

    proptest! {
        #[test]
        fn text_round_trips_exactly(minor in -1_000_000_000_000_i64..1_000_000_000_000) {
            let money = cny(minor);
            prop_assert_eq!(Money::parse("x", &money.amount_text(), Currency::CNY), Ok(money));
            prop_assert_eq!(Money::parse("x", &money.grouped(), Currency::CNY), Ok(money));
        }

        /// Whatever the currency and amount, the formatted text holds the
        /// exact amount: strip the symbol or code and it parses back.
        #[test]
        fn formatted_text_is_exact_and_signed(
            minor in proptest::num::i64::ANY,
            index in 0_usize..KNOWN.len(),
        ) {
            let currency = Currency::parse(KNOWN[index].0).unwrap();
            let money = Money::from_minor(minor, currency);
            let text = money.formatted();
            prop_assert_eq!(text.starts_with('-'), minor < 0);
            let unsigned = text.trim_start_matches('-');
            let amount = match currency.symbol() {
                Some(symbol) => unsigned.strip_prefix(symbol),
                None => unsigned.strip_prefix(&format!("{currency} ")),
            };
            prop_assert!(amount.is_some(), "{}", text);
            let amount = amount.unwrap_or_default();
            let groups: Vec<&str> = amount.split('.').next().unwrap_or_default().split(',').collect();
            prop_assert!(groups[0].len() <= 3 && !groups[0].is_empty(), "{}", text);
            prop_assert!(groups[1..].iter().all(|g| g.len() == 3), "{}", text);
            let sign = if minor < 0 { "-" } else { "" };
            prop_assert_eq!(
                Money::parse("x", &format!("{sign}{amount}"), currency),
                Ok(money)
            );
        }

        #[test]
        fn rounding_is_symmetric_and_within_half_a_fen(
            units in -1_000_000_000_i64..1_000_000_000,
            scale in 0_u32..6,
        ) {
            let amount = Decimal::new(units, scale);
            let up = Money::from_decimal(amount, Currency::CNY).unwrap();
            let down = Money::from_decimal(-amount, Currency::CNY).unwrap();
            prop_assert_eq!(up.minor(), -down.minor());
            let error = (up.to_decimal() - amount).abs();
            prop_assert!(error <= Decimal::new(5, 3));
        }

        #[test]
        fn sums_are_exact(parts in proptest::collection::vec(-1_000_000_000_i64..1_000_000_000, 0..50)) {
            let total = parts.iter().try_fold(cny(0), |sum, minor| sum.checked_add(cny(*minor))).unwrap();
            let decimal: Decimal = parts.iter().map(|minor| cny(*minor).to_decimal()).sum();
            prop_assert_eq!(total.to_decimal(), decimal);
        }
    }
}
