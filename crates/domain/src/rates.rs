//! Exchange rates: what one unit of a currency is worth in the company
//! currency in a month, and the conversion of amounts by such a rate.

use std::fmt;

use rust_decimal::Decimal;

use crate::error::{Invalid, Problem};
use crate::money::{Currency, Money};

/// A rate to the company currency: how many units of the company currency
/// one unit of the other currency buys (USD → CNY `7.1234`). Positive, with
/// at most [`ExchangeRate::MAX_DECIMALS`] decimal places, below
/// [`ExchangeRate::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExchangeRate(Decimal);

impl ExchangeRate {
    pub const MAX_DECIMALS: u32 = 8;
    /// No currency this system holds is worth a million of another; a rate
    /// that large is a typing error (a missing decimal point).
    pub const MAX: i64 = 1_000_000;
    /// The company currency's rate to itself.
    pub const ONE: ExchangeRate = ExchangeRate(Decimal::ONE);

    /// Parses `7.1234` (also `7,1234.5` with thousands commas removed).
    /// More decimals than eight are refused, not rounded, like amounts.
    pub fn parse(field: &'static str, value: &str) -> Result<Self, Invalid> {
        let cleaned: String = value.trim().chars().filter(|c| *c != ',').collect();
        if cleaned.is_empty() {
            return Err(Invalid::new(field, Problem::Required));
        }
        let bad = || {
            Invalid::new(
                field,
                Problem::Format {
                    expected: "7.1234 (positive, at most 8 decimals)",
                },
            )
        };
        let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, "0"));
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(fraction) {
            return Err(bad());
        }
        let rate: Decimal = cleaned.parse().map_err(|_| bad())?;
        Self::new(rate).ok_or_else(bad)
    }

    /// A computed or stored rate; `None` unless positive, below the maximum
    /// and with at most eight decimal places.
    pub fn new(rate: Decimal) -> Option<Self> {
        let rate = rate.normalize();
        (rate > Decimal::ZERO
            && rate < Decimal::from(Self::MAX)
            && rate.scale() <= Self::MAX_DECIMALS)
            .then_some(Self(rate))
    }

    pub fn as_decimal(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for ExchangeRate {
    /// The rate without trailing zeros (`7.1`, `0.9125`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.normalize().fmt(f)
    }
}

impl serde::Serialize for ExchangeRate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Converts an amount into `to` (the company currency) at `rate`, rounding
/// half away from zero once, to `to`'s minor unit. `None` when the result
/// does not fit an amount.
pub fn convert(amount: Money, rate: &ExchangeRate, to: Currency) -> Option<Money> {
    let value = amount.to_decimal().checked_mul(rate.0)?;
    Money::from_decimal(value, to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rate(text: &str) -> ExchangeRate {
        ExchangeRate::parse("rate", text).unwrap()
    }

    #[test]
    fn rates_parse_positive_with_at_most_eight_decimals() {
        assert_eq!(rate("7.12340000").to_string(), "7.1234");
        assert_eq!(rate(" 0.00000001 ").to_string(), "0.00000001");
        assert_eq!(rate("1,000").to_string(), "1000");
        for bad in [
            "0",
            "-7.1",
            "7.123456789",
            "abc",
            "7.",
            ".5",
            "1e3",
            "1000000",
        ] {
            assert!(ExchangeRate::parse("rate", bad).is_err(), "{bad}");
        }
        assert_eq!(
            ExchangeRate::parse("rate", " ").unwrap_err().problem,
            Problem::Required
        );
    }

    #[test]
    fn conversion_rounds_half_away_from_zero_once() {
        let usd = Currency::parse("USD").unwrap();
        let jpy = Currency::parse("JPY").unwrap();
        // 0.05 USD at 7.1 = 0.355 CNY → 0.36; a second rounding would not matter here,
        // but 0.01 at 0.5 = 0.005 → 0.01 shows the half going up.
        let cny = |minor| Money::from_minor(minor, Currency::CNY);
        assert_eq!(
            convert(Money::from_minor(5, usd), &rate("7.1"), Currency::CNY),
            Some(cny(36))
        );
        assert_eq!(
            convert(Money::from_minor(1, usd), &rate("0.5"), Currency::CNY),
            Some(cny(1))
        );
        assert_eq!(
            convert(Money::from_minor(-1, usd), &rate("0.5"), Currency::CNY),
            Some(cny(-1))
        );
        // 100 yen at 0.0482 CNY = 4.82 CNY.
        assert_eq!(
            convert(Money::from_minor(100, jpy), &rate("0.0482"), Currency::CNY),
            Some(cny(482))
        );
        assert_eq!(
            convert(
                Money::from_minor(i64::MAX, usd),
                &rate("999999"),
                Currency::CNY
            ),
            None
        );
    }

    fn any_rate() -> impl Strategy<Value = ExchangeRate> {
        (1_i64..100_000_000_000, 0_u32..=8).prop_filter_map("a valid rate", |(units, scale)| {
            ExchangeRate::new(Decimal::new(units, scale))
        })
    }

    proptest! {
        #[test]
        fn converting_at_one_is_the_identity(minor in -1_000_000_000_000_i64..1_000_000_000_000) {
            let usd = Currency::parse("USD").unwrap();
            let converted = convert(Money::from_minor(minor, usd), &ExchangeRate::ONE, Currency::CNY).unwrap();
            prop_assert_eq!(converted.minor(), minor);
            prop_assert_eq!(converted.currency(), Currency::CNY);
        }

        #[test]
        fn conversion_is_sign_symmetric(minor in -1_000_000_000_i64..1_000_000_000, rate in any_rate()) {
            let usd = Currency::parse("USD").unwrap();
            let plus = convert(Money::from_minor(minor, usd), &rate, Currency::CNY).unwrap();
            let minus = convert(Money::from_minor(-minor, usd), &rate, Currency::CNY).unwrap();
            prop_assert_eq!(plus.minor(), -minus.minor());
        }

        #[test]
        fn converted_sums_stay_within_half_a_minor_unit_per_part(
            parts in proptest::collection::vec(-1_000_000_000_i64..1_000_000_000, 1..40),
            rate in any_rate(),
        ) {
            let usd = Currency::parse("USD").unwrap();
            let each: i64 = parts.iter()
                .map(|m| convert(Money::from_minor(*m, usd), &rate, Currency::CNY).unwrap().minor())
                .sum();
            // The exact value of the whole, in minor units: each rounded part
            // is off by at most half a unit, so their sum by at most n / 2.
            let exact = Decimal::from(parts.iter().sum::<i64>()) * rate.as_decimal();
            let n = Decimal::from(parts.len());
            prop_assert!((Decimal::from(each) - exact).abs() * Decimal::TWO <= n, "{each} vs {exact}");
            // Converting the total instead rounds once: within half a unit.
            let total = convert(Money::from_minor(parts.iter().sum(), usd), &rate, Currency::CNY).unwrap().minor();
            prop_assert!((Decimal::from(total) - exact).abs() * Decimal::TWO <= Decimal::ONE);
        }

        #[test]
        fn rates_round_trip_through_their_text(rate in any_rate()) {
            prop_assert_eq!(ExchangeRate::parse("rate", &rate.to_string()).unwrap(), rate);
        }
    }
}
