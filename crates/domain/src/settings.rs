//! The company's own configuration: its currency, when its fiscal year
//! starts, and the numbers other areas' rules read (when a product still
//! counts as new, when stock is overstock). An administrator changes them.

use serde::Serialize;

use crate::error::{Invalid, Problem};
use crate::money::Currency;

/// Every setting, parsed. A setting never stored has its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// The currency reports total in and exchange rates are quoted against.
    pub currency: Currency,
    /// The month (1–12) a fiscal year starts in.
    pub fiscal_year_start: u32,
    /// A product launched within this many days counts as new.
    pub new_product_days: u32,
    /// Stock that covers more than this many days of sales is overstock.
    pub overstock_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            currency: Currency::CNY,
            fiscal_year_start: 1,
            new_product_days: 90,
            overstock_days: 60,
        }
    }
}

/// The longest span a day-count setting may take: ten years.
pub const MAX_DAYS: u32 = 3650;

/// The names settings are stored and posted under, in form order.
pub const KEYS: [&str; 4] = [
    "currency",
    "fiscal_year_start",
    "new_product_days",
    "overstock_days",
];

impl Settings {
    /// Parses all four settings from text, with every field's error.
    pub fn parse(
        currency: &str,
        fiscal_year_start: &str,
        new_product_days: &str,
        overstock_days: &str,
    ) -> Result<Self, Vec<Invalid>> {
        let parsed = (
            Currency::parse(currency),
            parse_start_month("fiscal_year_start", fiscal_year_start),
            parse_days("new_product_days", new_product_days),
            parse_days("overstock_days", overstock_days),
        );
        match parsed {
            (Ok(currency), Ok(fiscal_year_start), Ok(new_product_days), Ok(overstock_days)) => {
                Ok(Self {
                    currency,
                    fiscal_year_start,
                    new_product_days,
                    overstock_days,
                })
            }
            (a, b, c, d) => Err([a.err(), b.err(), c.err(), d.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }

    /// Sets one stored setting from its text; `Err` when the text is not a
    /// value of that setting. Keys this program does not know are left to
    /// a newer program and change nothing.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), Invalid> {
        match key {
            "currency" => self.currency = Currency::parse(value)?,
            "fiscal_year_start" => self.fiscal_year_start = parse_start_month(key_of(key), value)?,
            "new_product_days" => self.new_product_days = parse_days(key_of(key), value)?,
            "overstock_days" => self.overstock_days = parse_days(key_of(key), value)?,
            _ => {}
        }
        Ok(())
    }

    /// Each setting as the text it is stored as, in [`KEYS`] order.
    pub fn stored(&self) -> [(&'static str, String); 4] {
        [
            (KEYS[0], self.currency.to_string()),
            (KEYS[1], self.fiscal_year_start.to_string()),
            (KEYS[2], self.new_product_days.to_string()),
            (KEYS[3], self.overstock_days.to_string()),
        ]
    }
}

fn key_of(key: &str) -> &'static str {
    KEYS.iter()
        .find(|k| **k == key)
        .copied()
        .unwrap_or("setting")
}

fn parse_start_month(field: &'static str, value: &str) -> Result<u32, Invalid> {
    parse_number(field, value, 1, 12, "1–12")
}

fn parse_days(field: &'static str, value: &str) -> Result<u32, Invalid> {
    parse_number(field, value, 1, MAX_DAYS, "1–3650")
}

fn parse_number(
    field: &'static str,
    value: &str,
    low: u32,
    high: u32,
    expected: &'static str,
) -> Result<u32, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::new(field, Problem::Required));
    }
    value
        .parse::<u32>()
        .ok()
        .filter(|n| (low..=high).contains(n))
        .ok_or(Invalid::new(field, Problem::Format { expected }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_with_every_fields_error() {
        let parsed = Settings::parse("usd", "4", "30", "45").unwrap();
        assert_eq!(parsed.currency.as_str(), "USD");
        assert_eq!(
            (
                parsed.fiscal_year_start,
                parsed.new_product_days,
                parsed.overstock_days
            ),
            (4, 30, 45)
        );
        let errors = Settings::parse("XYZ", "13", "", "0").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "currency",
                "fiscal_year_start",
                "new_product_days",
                "overstock_days"
            ]
        );
        assert_eq!(errors[2].problem, Problem::Required);
        assert_eq!(errors[1].problem, Problem::Format { expected: "1–12" });
    }

    #[test]
    fn stored_text_reads_back_and_defaults_fill_the_rest() {
        let settings = Settings::parse("HKD", "7", "120", "90").unwrap();
        let mut read = Settings::default();
        for (key, value) in settings.stored() {
            read.set(key, &value).unwrap();
        }
        assert_eq!(read, settings);
        let mut partial = Settings::default();
        partial.set("overstock_days", "30").unwrap();
        partial.set("a_later_setting", "whatever").unwrap();
        assert_eq!(partial.currency, Currency::CNY);
        assert_eq!(
            (partial.fiscal_year_start, partial.new_product_days),
            (1, 90)
        );
        assert_eq!(partial.overstock_days, 30);
        assert!(partial.set("fiscal_year_start", "0").is_err());
    }
}
