//! Channel inventory: what a partner holds of a product on a day, how many
//! days of sales that covers, and which holdings are too much or run out.
//!
//! The figures are quantities (units), never money. Sell-in already nets
//! returns (a return is a negative sell-in line), and a reported return in
//! sell-through is a negative sell-through line, so both flows are plain
//! sums.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::catalog::Sku;
use crate::dates::parse_date;
use crate::error::{Invalid, Problem, string_enum};
use crate::money::{Currency, Money};
use crate::partners::PartnerCode;
use crate::sellthrough::{DOCUMENT_MAX, Quantity, optional_text};

/// The days of sell-through the average daily rate is taken over.
pub const WINDOW_DAYS: u32 = 90;

/// One day's movement of one product at one partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Movement {
    pub date: NaiveDate,
    /// Units received (shipments, imported history), less units given back.
    pub sell_in: i64,
    /// Units sold to end customers, less units customers brought back.
    pub sell_through: i64,
}

/// A partner's count of one product on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Count {
    pub counted_on: NaiveDate,
    pub qty: i64,
}

/// What a partner holds of a product on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OnHand {
    /// The count when there is one, carried forward by the flows after it;
    /// else the derived figure.
    pub qty: i64,
    /// Sell-in less sell-through of every day up to the day, ignoring counts.
    pub derived: i64,
    /// The latest count on or before the day.
    pub count: Option<Count>,
    /// The count less the derived figure on the count's own day: stock the
    /// flows do not explain (shrinkage, unreported sales, a missed order).
    pub difference: Option<i64>,
}

fn net(movements: &[Movement], keep: impl Fn(NaiveDate) -> bool) -> i64 {
    movements
        .iter()
        .filter(|m| keep(m.date))
        .map(|m| m.sell_in.saturating_sub(m.sell_through))
        .fold(0i64, i64::saturating_add)
}

/// On hand as of `as_of`: the latest count on or before it (if any) plus
/// sell-in after it less sell-through after it; with no count, all sell-in
/// less all sell-through up to the day. Movements and counts need no order.
pub fn on_hand(movements: &[Movement], counts: &[Count], as_of: NaiveDate) -> OnHand {
    let derived = net(movements, |d| d <= as_of);
    let count = counts
        .iter()
        .filter(|c| c.counted_on <= as_of)
        .max_by_key(|c| c.counted_on)
        .copied();
    match count {
        None => OnHand {
            qty: derived,
            derived,
            count: None,
            difference: None,
        },
        Some(count) => {
            let after = net(movements, |d| count.counted_on < d && d <= as_of);
            let derived_then = net(movements, |d| d <= count.counted_on);
            OnHand {
                qty: count.qty.saturating_add(after),
                derived,
                count: Some(count),
                difference: Some(count.qty.saturating_sub(derived_then)),
            }
        }
    }
}

/// Units sold through in the `WINDOW_DAYS` days ending on `as_of`
/// (`as_of` included).
pub fn sold_in_window(movements: &[Movement], as_of: NaiveDate) -> i64 {
    let from = window_start(as_of);
    movements
        .iter()
        .filter(|m| from <= m.date && m.date <= as_of)
        .map(|m| m.sell_through)
        .fold(0i64, i64::saturating_add)
}

/// The first day of the window that ends on `as_of`.
pub fn window_start(as_of: NaiveDate) -> NaiveDate {
    as_of
        .checked_sub_days(Days::new(u64::from(WINDOW_DAYS - 1)))
        .unwrap_or(NaiveDate::MIN)
}

/// How many days of sales stock lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "days", rename_all = "snake_case")]
pub enum Cover {
    /// Whole days, rounded half away from zero.
    Days(i64),
    /// Stock but no sales in the window: it lasts for ever.
    NoSales,
    /// Nothing on hand.
    Empty,
}

/// Days of cover: on hand ÷ (units sold in the window ÷ `WINDOW_DAYS`).
pub fn cover(on_hand: i64, sold: i64) -> Cover {
    if on_hand <= 0 {
        return Cover::Empty;
    }
    if sold <= 0 {
        return Cover::NoSales;
    }
    let numerator = i128::from(on_hand) * i128::from(WINDOW_DAYS);
    let sold = i128::from(sold);
    let days = (numerator * 2 + sold) / (sold * 2);
    Cover::Days(i64::try_from(days).unwrap_or(i64::MAX))
}

/// Stock above the company's `overstock_days` of cover (stock that does
/// not sell at all counts).
pub fn is_overstock(cover: Cover, overstock_days: u32) -> bool {
    match cover {
        Cover::Days(days) => days > i64::from(overstock_days),
        Cover::NoSales => true,
        Cover::Empty => false,
    }
}

/// Out of stock: nothing on hand (or less) while the product sold in the
/// window, so the partner is missing sales.
pub fn is_stock_out(on_hand: i64, sold: i64) -> bool {
    on_hand <= 0 && sold > 0
}

string_enum! {
    /// Which holdings a list shows: those over the overstock limit, those
    /// out of stock while selling, or those whose latest count differs
    /// from the derived figure. No filter shows every holding.
    StockFilter, "status" {
        Overstock => "overstock",
        StockOut => "stock_out",
        Difference => "difference",
    }
}

string_enum! {
    /// How a list of holdings is ordered: by partner and product, by days
    /// of cover (longest first) or by units on hand (most first).
    StockSort, "sort" {
        Partner => "partner",
        Cover => "cover",
        OnHand => "on_hand",
    }
}

/// A holding as the filter sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    pub overstock: bool,
    pub stock_out: bool,
    /// The latest count less the derived figure on its day.
    pub difference: Option<i64>,
}

impl StockFilter {
    pub fn keeps(self, flags: Flags) -> bool {
        match self {
            StockFilter::Overstock => flags.overstock,
            StockFilter::StockOut => flags.stock_out,
            StockFilter::Difference => flags.difference.is_some_and(|d| d != 0),
        }
    }
}

/// Cover ordered longest first: stock that does not sell at all, then
/// whole days from most to fewest, then nothing on hand.
pub fn longest_cover_first(a: Cover, b: Cover) -> std::cmp::Ordering {
    fn rank(cover: Cover) -> (u8, std::cmp::Reverse<i64>) {
        match cover {
            Cover::NoSales => (0, std::cmp::Reverse(0)),
            Cover::Days(days) => (1, std::cmp::Reverse(days)),
            Cover::Empty => (2, std::cmp::Reverse(0)),
        }
    }
    rank(a).cmp(&rank(b))
}

/// Turnover days of a partner: the average of its stock at the start and
/// the end of the window, over its average daily sell-through in the
/// window. `None` when it sold nothing.
pub fn turnover_days(opening: i64, closing: i64, sold: i64) -> Option<i64> {
    if sold <= 0 {
        return None;
    }
    let average_twice = i128::from(opening.max(0)) + i128::from(closing.max(0));
    // (average × window) ÷ sold, with the average's halving folded into
    // the divisor so nothing rounds twice.
    let numerator = average_twice * i128::from(WINDOW_DAYS);
    let divisor = i128::from(sold) * 2;
    Some(i64::try_from((numerator * 2 + divisor) / (divisor * 2)).unwrap_or(i64::MAX))
}

/// The text fields of one imported sell-in line (order history from a
/// previous system).
#[derive(Debug, Clone, Copy, Default)]
pub struct RawSellIn<'a> {
    pub date: &'a str,
    pub partner_code: &'a str,
    pub sku: &'a str,
    pub qty: &'a str,
    pub amount: &'a str,
    pub currency: &'a str,
    pub document_no: &'a str,
}

/// An imported sell-in line, every field parsed: a purchase, or a return
/// as a negative line whose amount is negative (or zero) too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SellInLine {
    pub date: NaiveDate,
    pub partner: PartnerCode,
    pub sku: Sku,
    pub qty: Quantity,
    pub amount: Money,
    pub document_no: Option<String>,
}

impl SellInLine {
    /// Parses a line; a blank currency is the company's.
    pub fn parse(raw: &RawSellIn<'_>, company: Currency) -> Result<Self, Vec<Invalid>> {
        let currency = if raw.currency.trim().is_empty() {
            Ok(company)
        } else {
            Currency::parse(raw.currency)
        };
        let date = parse_date("date", raw.date);
        let partner = PartnerCode::parse_as("partner_code", raw.partner_code);
        let sku = Sku::parse_as("sku", raw.sku);
        let qty = Quantity::parse("qty", raw.qty);
        let amount = currency
            .clone()
            .map_err(|_| None)
            .and_then(|c| Money::parse("amount", raw.amount, c).map_err(Some));
        let document = optional_text("document_no", raw.document_no, DOCUMENT_MAX);
        match (date, partner, sku, qty, amount, document) {
            (Ok(date), Ok(partner), Ok(sku), Ok(qty), Ok(amount), Ok(document_no)) => {
                // A purchase costs money, a return gives it back.
                let wrong_sign = (qty.get() > 0 && amount.is_negative())
                    || (qty.get() < 0 && amount.minor() > 0);
                if wrong_sign {
                    return Err(vec![Invalid::new(
                        "amount",
                        Problem::Rule {
                            rule: "amount_sign_matches_qty",
                        },
                    )]);
                }
                Ok(Self {
                    date,
                    partner,
                    sku,
                    qty,
                    amount,
                    document_no,
                })
            }
            (a, b, c, d, e, f) => {
                let mut errors = Vec::new();
                errors.extend(a.err());
                errors.extend(b.err());
                errors.extend(c.err());
                errors.extend(d.err());
                errors.extend(currency.err());
                errors.extend(e.err().flatten());
                errors.extend(f.err());
                Err(errors)
            }
        }
    }
}

/// A stock count as entered: a whole number of units, zero or more.
pub fn parse_count(field: &'static str, value: &str) -> Result<i64, Invalid> {
    let cleaned: String = value.trim().chars().filter(|c| *c != ',').collect();
    if cleaned.is_empty() {
        return Err(Invalid::new(field, Problem::Required));
    }
    let n: i64 = cleaned
        .parse()
        .map_err(|_| Invalid::new(field, Problem::Format { expected: "12" }))?;
    if n < 0 {
        return Err(Invalid::new(
            field,
            Problem::Rule {
                rule: "count_not_negative",
            },
        ));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stock_filter_keeps_what_it_names() {
        let flags = |overstock, stock_out, difference| Flags {
            overstock,
            stock_out,
            difference,
        };
        assert!(StockFilter::Overstock.keeps(flags(true, false, None)));
        assert!(!StockFilter::Overstock.keeps(flags(false, true, None)));
        assert!(StockFilter::StockOut.keeps(flags(false, true, None)));
        assert!(StockFilter::Difference.keeps(flags(false, false, Some(-3))));
        assert!(
            !StockFilter::Difference.keeps(flags(false, false, Some(0))),
            "a count that matches is no difference"
        );
        assert!(!StockFilter::Difference.keeps(flags(false, false, None)));
        assert!(StockFilter::parse("nope").is_err());
        assert_eq!(StockSort::parse("on_hand").unwrap(), StockSort::OnHand);
    }

    #[test]
    fn cover_sorts_longest_first() {
        let mut covers = vec![
            Cover::Days(3),
            Cover::Empty,
            Cover::Days(200),
            Cover::NoSales,
        ];
        covers.sort_by(|a, b| longest_cover_first(*a, *b));
        assert_eq!(
            covers,
            [
                Cover::NoSales,
                Cover::Days(200),
                Cover::Days(3),
                Cover::Empty
            ]
        );
    }
    use proptest::prelude::*;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(n)
    }

    fn moved(n: i64, sell_in: i64, sell_through: i64) -> Movement {
        Movement {
            date: day(n),
            sell_in,
            sell_through,
        }
    }

    #[test]
    fn without_a_count_on_hand_is_sell_in_less_sell_through() {
        let m = [moved(0, 100, 0), moved(3, -10, 20), moved(9, 0, 30)];
        let h = on_hand(&m, &[], day(5));
        assert_eq!(
            (h.qty, h.derived, h.count, h.difference),
            (70, 70, None, None)
        );
        assert_eq!(on_hand(&m, &[], day(9)).qty, 40);
    }

    #[test]
    fn the_count_wins_and_its_difference_is_shown() {
        let m = [moved(0, 100, 0), moved(3, 0, 20), moved(9, 50, 30)];
        let counts = [
            Count {
                counted_on: day(5),
                qty: 75,
            },
            Count {
                counted_on: day(20),
                qty: 1,
            },
        ];
        let h = on_hand(&m, &counts, day(10));
        // Counted 75 where the flows said 80; then +50 −30.
        assert_eq!(h.qty, 95);
        assert_eq!(h.derived, 100);
        assert_eq!(h.difference, Some(-5));
        assert_eq!(h.count.map(|c| c.counted_on), Some(day(5)));
    }

    #[test]
    fn cover_rounds_half_away_and_names_the_edges() {
        assert_eq!(cover(0, 10), Cover::Empty);
        assert_eq!(cover(-3, 10), Cover::Empty);
        assert_eq!(cover(5, 0), Cover::NoSales);
        // 90 sold in 90 days = 1 a day.
        assert_eq!(cover(45, 90), Cover::Days(45));
        // 1 × 90 ÷ 60 = 1.5 → 2.
        assert_eq!(cover(1, 60), Cover::Days(2));
        assert!(is_overstock(Cover::Days(61), 60));
        assert!(!is_overstock(Cover::Days(60), 60));
        assert!(is_overstock(Cover::NoSales, 60));
        assert!(!is_overstock(Cover::Empty, 60));
        assert!(is_stock_out(0, 1));
        assert!(!is_stock_out(0, 0));
        assert_eq!(turnover_days(10, 30, 90), Some(20));
        assert_eq!(turnover_days(10, 30, 0), None);
    }

    #[test]
    fn sell_in_lines_parse_with_the_sign_rule_and_a_default_currency() {
        let raw = RawSellIn {
            date: "2026-03-01",
            partner_code: "P10001",
            sku: "tea-1",
            qty: "-2",
            amount: "-20.50",
            currency: "",
            document_no: " SO-1 ",
        };
        let line = SellInLine::parse(&raw, Currency::CNY).unwrap();
        assert_eq!((line.qty.get(), line.amount.minor()), (-2, -2050));
        assert_eq!(line.document_no.as_deref(), Some("SO-1"));
        assert_eq!(line.sku.as_str(), "TEA-1");
        let wrong = SellInLine::parse(
            &RawSellIn {
                amount: "20",
                ..raw
            },
            Currency::CNY,
        );
        assert_eq!(wrong.unwrap_err()[0].field, "amount");
        let bad = SellInLine::parse(
            &RawSellIn {
                qty: "0",
                currency: "XXX",
                ..raw
            },
            Currency::CNY,
        )
        .unwrap_err();
        let fields: Vec<_> = bad.iter().map(|i| i.field).collect();
        assert_eq!(fields, ["qty", "currency"]);
        assert_eq!(parse_count("qty", "1,200"), Ok(1200));
        assert!(parse_count("qty", "-1").is_err());
        assert!(parse_count("qty", "1.5").is_err());
    }

    #[test]
    fn the_window_is_ninety_days_ending_on_the_day() {
        let m = [moved(0, 0, 7), moved(1, 0, 5), moved(90, 0, 3)];
        assert_eq!(window_start(day(90)), day(1));
        assert_eq!(sold_in_window(&m, day(90)), 8);
    }

    fn movements() -> impl Strategy<Value = Vec<Movement>> {
        prop::collection::vec((0i64..60, -50i64..500, -20i64..500), 0..40).prop_map(|v| {
            v.into_iter()
                .map(|(d, i, t)| moved(d, i, t))
                .collect::<Vec<_>>()
        })
    }

    proptest! {
        /// Day by day: a count followed by the flows gives the same as the
        /// derived figure shifted by the count's difference.
        #[test]
        fn a_count_shifts_later_days_by_its_difference(
            m in movements(), at in 0i64..60, counted in 0i64..60, qty in 0i64..10_000,
        ) {
            let counts = [Count { counted_on: day(counted), qty }];
            let h = on_hand(&m, &counts, day(at));
            if counted <= at {
                prop_assert_eq!(h.qty, h.derived + h.difference.unwrap());
            } else {
                prop_assert_eq!(h.qty, h.derived);
                prop_assert_eq!(h.count, None);
            }
        }

        /// On hand moves by exactly one day's net flow from one day to the next.
        #[test]
        fn on_hand_moves_by_each_days_flow(m in movements(), at in 1i64..60) {
            let before = on_hand(&m, &[], day(at - 1)).qty;
            let now = on_hand(&m, &[], day(at)).qty;
            let flow: i64 = m.iter().filter(|x| x.date == day(at)).map(|x| x.sell_in - x.sell_through).sum();
            prop_assert_eq!(now - before, flow);
        }

        /// Cover times the daily rate gives back the stock, within rounding.
        #[test]
        fn cover_is_stock_over_daily_rate(stock in 1i64..1_000_000, sold in 1i64..1_000_000) {
            let Cover::Days(days) = cover(stock, sold) else { panic!("stock and sales give days") };
            let exact = i128::from(stock) * 90;
            let got = i128::from(days) * i128::from(sold);
            prop_assert!((exact - got).abs() * 2 <= i128::from(sold));
        }
    }
}
