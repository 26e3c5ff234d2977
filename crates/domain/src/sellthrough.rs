//! Sell-through: what partners report having sold to end customers. A line
//! is a fact (DESIGN.md §7a): written once, never changed; a return is a
//! line of its own with a negative quantity.

use chrono::NaiveDate;

use crate::dates::parse_date;
use crate::error::{Invalid, Problem, check_length};
use crate::money::{Currency, Money};
use crate::partners::PartnerCode;
use crate::territories::RegionCode;

/// How a row names the product: our sku, or the partner's own code for it
/// (mapped to a sku per partner). A partner's code comes from its own
/// system, so any one line of text is taken (`HD-矿泉水24`, a barcode,
/// `550ML/24`); ASCII letters fold to upper case as skus do, so
/// `tea-lj-250g` finds ours and the same code is one code however it is
/// typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct ProductRef(String);

impl ProductRef {
    /// The longest code kept (the column holding partners' codes).
    pub const MAX: usize = 40;

    /// Parses what was given in `field`.
    pub fn parse_as(field: &'static str, value: &str) -> Result<Self, Invalid> {
        let value = value.trim();
        check_length(field, value, 1, Self::MAX)?;
        if value.chars().any(char::is_control) {
            return Err(Invalid::new(
                field,
                Problem::Rule {
                    rule: "code_on_one_line",
                },
            ));
        }
        Ok(Self(value.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ProductRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Units sold: never zero; below zero for a reported return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quantity(i64);

impl Quantity {
    /// Parses a whole number of units other than zero (`12`, `-1`, `1,200`).
    pub fn parse(field: &'static str, value: &str) -> Result<Self, Invalid> {
        let cleaned: String = value.trim().chars().filter(|c| *c != ',').collect();
        if cleaned.is_empty() {
            return Err(Invalid::new(field, Problem::Required));
        }
        let n: i64 = cleaned
            .parse()
            .map_err(|_| Invalid::new(field, Problem::Format { expected: "12" }))?;
        Self::new(n).ok_or_else(|| {
            Invalid::new(
                field,
                Problem::Rule {
                    rule: "quantity_not_zero",
                },
            )
        })
    }

    pub fn new(n: i64) -> Option<Self> {
        (n != 0).then_some(Self(n))
    }

    pub fn get(self) -> i64 {
        self.0
    }

    pub fn is_return(self) -> bool {
        self.0 < 0
    }
}

/// An amount before its currency is known: digits with an optional
/// fraction and thousands separators, not below zero. The currency's own
/// decimals are checked by [`ReportedLine::money`].
fn parse_decimal(field: &'static str, value: &str) -> Result<Decimal, Invalid> {
    let cleaned: String = value.trim().chars().filter(|c| *c != ',').collect();
    if cleaned.is_empty() {
        return Err(Invalid::new(field, Problem::Required));
    }
    let bad = || {
        Invalid::new(
            field,
            Problem::Format {
                expected: "12345.67",
            },
        )
    };
    let unsigned = cleaned.strip_prefix('-').unwrap_or(&cleaned);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits_only = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits_only(whole) || !digits_only(fraction) || whole.len() > 15 || fraction.len() > 9 {
        return Err(bad());
    }
    let amount: Decimal = cleaned.parse().map_err(|_| bad())?;
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(Invalid::new(
            field,
            Problem::Rule {
                rule: "amount_not_negative",
            },
        ));
    }
    Ok(amount)
}

/// What the customer paid for the line is never below zero: a return is
/// told by its quantity, and its amount is what was refunded.
pub fn check_amount(field: &'static str, amount: Money) -> Result<Money, Invalid> {
    if amount.is_negative() {
        return Err(Invalid::new(
            field,
            Problem::Rule {
                rule: "amount_not_negative",
            },
        ));
    }
    Ok(amount)
}

/// An optional free text (customer name, document or serial number):
/// trimmed, `None` when blank, at most `max` characters.
pub fn optional_text(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<Option<String>, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    check_length(field, value, 1, max)?;
    Ok(Some(value.to_owned()))
}

/// A line as reported, every field parsed; the references (partner,
/// product, region) are still codes, resolved against the database by the
/// caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedLine {
    pub partner: PartnerCode,
    pub date: NaiveDate,
    pub product: ProductRef,
    pub qty: Quantity,
    /// Minor units; the currency is the partner's.
    pub amount: Decimal,
    pub region: RegionCode,
    pub customer_name: Option<String>,
    pub document_no: Option<String>,
    pub serial_no: Option<String>,
}

/// An amount as reported, before the partner (and so the currency) is known.
pub type Decimal = rust_decimal::Decimal;

/// The text fields of one reported line, as a file or a form gives them.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawLine<'a> {
    pub partner_code: &'a str,
    pub date: &'a str,
    pub sku: &'a str,
    pub qty: &'a str,
    pub amount: &'a str,
    pub customer_region: &'a str,
    pub customer_name: &'a str,
    pub document_no: &'a str,
    pub serial_no: &'a str,
}

/// The longest customer name, document number and serial number kept.
pub const NAME_MAX: usize = 200;
pub const DOCUMENT_MAX: usize = 64;
pub const SERIAL_MAX: usize = 64;

impl ReportedLine {
    /// Parses every field of a line, or lists every field that is wrong.
    /// The amount is checked for shape and sign here; its decimals are
    /// checked against the partner's currency by [`ReportedLine::money`].
    pub fn parse(raw: &RawLine<'_>) -> Result<Self, Vec<Invalid>> {
        let partner = PartnerCode::parse_as("partner_code", raw.partner_code);
        let date = parse_date("date", raw.date);
        let product = ProductRef::parse_as("sku", raw.sku);
        let qty = Quantity::parse("qty", raw.qty);
        let amount = parse_decimal("amount", raw.amount);
        let region = RegionCode::parse_as("customer_region", raw.customer_region);
        let name = optional_text("customer_name", raw.customer_name, NAME_MAX);
        let document = optional_text("document_no", raw.document_no, DOCUMENT_MAX);
        let serial = optional_text("serial_no", raw.serial_no, SERIAL_MAX);
        match (
            partner, date, product, qty, amount, region, name, document, serial,
        ) {
            (
                Ok(partner),
                Ok(date),
                Ok(product),
                Ok(qty),
                Ok(amount),
                Ok(region),
                Ok(customer_name),
                Ok(document_no),
                Ok(serial_no),
            ) => Ok(Self {
                partner,
                date,
                product,
                qty,
                amount,
                region,
                customer_name,
                document_no,
                serial_no,
            }),
            (a, b, c, d, e, f, g, h, i) => {
                let mut errors = Vec::new();
                errors.extend(a.err());
                errors.extend(b.err());
                errors.extend(c.err());
                errors.extend(d.err());
                errors.extend(e.err());
                errors.extend(f.err());
                errors.extend(g.err());
                errors.extend(h.err());
                errors.extend(i.err());
                Err(errors)
            }
        }
    }

    /// The amount in the partner's currency; more decimals than it has are
    /// refused, not rounded.
    pub fn money(&self, currency: Currency) -> Result<Money, Invalid> {
        let bad = || {
            Invalid::new(
                "amount",
                Problem::Format {
                    expected: if currency.minor_digits() == 0 {
                        "12345"
                    } else {
                        "12345.67"
                    },
                },
            )
        };
        if self.amount.normalize().scale() > currency.minor_digits() {
            return Err(bad());
        }
        Money::from_decimal(self.amount, currency).ok_or_else(bad)
    }
}

/// What makes two lines the same report: one partner, date, product,
/// quantity and amount, and the document number when one is given (a line
/// without one matches only lines without one). The store's duplicate
/// check compares exactly these fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DuplicateKey {
    pub partner_id: i64,
    pub date: NaiveDate,
    pub product_id: i64,
    pub qty: i64,
    pub amount_minor: i64,
    pub document_no: Option<String>,
}

/// A line's [`DuplicateKey`] in 64 bits, for screening a large file in
/// memory (8 bytes a line where the key itself is dozens): two lines with
/// the same key always have the same fingerprint; two different keys share
/// one about once in 2^64 pairs, so a match is confirmed on the key itself
/// before it is reported. Sell-in uses the same fields.
pub fn fingerprint(
    partner_id: i64,
    date: NaiveDate,
    product_id: i64,
    qty: i64,
    amount_minor: i64,
    document_no: Option<&str>,
) -> u64 {
    use std::hash::{Hash, Hasher};
    // `DefaultHasher::new` has fixed keys: the same key gives the same
    // fingerprint wherever it is computed in a run.
    let mut hasher = std::hash::DefaultHasher::new();
    (partner_id, date, product_id, qty, amount_minor, document_no).hash(&mut hasher);
    hasher.finish()
}

/// For each key that repeats an earlier one in `keys`, its index and the
/// index of the first one it repeats, in order.
pub fn repeats(keys: &[DuplicateKey]) -> Vec<(usize, usize)> {
    let mut first: std::collections::HashMap<&DuplicateKey, usize> =
        std::collections::HashMap::with_capacity(keys.len());
    let mut out = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        match first.get(key) {
            Some(&earlier) => out.push((i, earlier)),
            None => {
                first.insert(key, i);
            }
        }
    }
    out
}

/// The codes among `candidates` nearest to `wanted` (a code a partner used
/// that we do not know), best first, at most `n`. First by the longest run
/// of characters the code shares with the candidate's code or name (a
/// Chinese character counting twice: `HD-矿泉水24` shares 矿泉水 with
/// 天然矿泉水 550毫升×24 and only `24` with an unrelated `BEV-ENG-24`),
/// then by edit distance to the code or the name.
pub fn nearest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = (&'a str, &'a str)>,
    n: usize,
) -> Vec<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    let wanted_chars: Vec<char> = wanted_lower.chars().collect();
    let mut scored: Vec<(std::cmp::Reverse<usize>, usize, &'a str)> = candidates
        .into_iter()
        .map(|(code, name)| {
            let (code_lower, name_lower) = (code.to_lowercase(), name.to_lowercase());
            let shared =
                shared_run(&wanted_chars, &code_lower).max(shared_run(&wanted_chars, &name_lower));
            let distance = strsim::levenshtein(&wanted_lower, &code_lower)
                .min(strsim::levenshtein(&wanted_lower, &name_lower));
            (std::cmp::Reverse(shared), distance, code)
        })
        .collect();
    scored.sort_unstable();
    scored
        .into_iter()
        .take(n)
        .map(|(_, _, code)| code)
        .collect()
}

/// The weight of the longest run of characters `a` and `b` share, a
/// character outside ASCII weighing two.
fn shared_run(a: &[char], b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let weight = |c: char| if c.is_ascii() { 1 } else { 2 };
    // The weight of the common run ending at a[i-1] and b[j-1], row by row.
    let mut previous = vec![0usize; b.len() + 1];
    let mut best = 0;
    for &x in a {
        let mut current = vec![0usize; b.len() + 1];
        for (j, &y) in b.iter().enumerate() {
            if x == y {
                current[j + 1] = previous[j] + weight(x);
                best = best.max(current[j + 1]);
            }
        }
        previous = current;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn raw() -> RawLine<'static> {
        RawLine {
            partner_code: "p001",
            date: "2026-11-03",
            sku: "tea-lj-250g",
            qty: "12",
            amount: "1,234.50",
            customer_region: "310000",
            customer_name: " 张三 ",
            document_no: "",
            serial_no: "",
        }
    }

    fn cny() -> Currency {
        Currency::parse("CNY").unwrap()
    }

    #[test]
    fn a_line_parses_into_codes_and_amounts() {
        let line = ReportedLine::parse(&raw()).unwrap();
        assert_eq!(line.partner.as_str(), "P001");
        assert_eq!(line.product.as_str(), "TEA-LJ-250G");
        assert_eq!(line.qty.get(), 12);
        assert_eq!(line.money(cny()).unwrap().minor(), 123_450);
        assert_eq!(line.customer_name.as_deref(), Some("张三"));
        assert_eq!(line.document_no, None);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = RawLine {
            partner_code: "",
            date: "3 Nov",
            sku: "茶\n叶",
            qty: "0",
            amount: "-5",
            customer_region: "",
            ..raw()
        };
        let errors = ReportedLine::parse(&bad).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "partner_code",
                "date",
                "sku",
                "qty",
                "amount",
                "customer_region"
            ]
        );
        assert_eq!(
            errors[3].problem,
            Problem::Rule {
                rule: "quantity_not_zero"
            }
        );
        assert_eq!(
            errors[4].problem,
            Problem::Rule {
                rule: "amount_not_negative"
            }
        );
    }

    #[test]
    fn a_partners_own_code_is_any_one_line_of_text() {
        for (typed, kept) in [
            (" HD-矿泉水24 ", "HD-矿泉水24"),
            ("550ml/24 瓶", "550ML/24 瓶"),
            ("6901234567890", "6901234567890"),
        ] {
            let line = ReportedLine::parse(&RawLine {
                sku: typed,
                ..raw()
            })
            .unwrap();
            assert_eq!(line.product.as_str(), kept);
        }
        let long = "码".repeat(ProductRef::MAX + 1);
        assert_eq!(
            ProductRef::parse_as("sku", &long).unwrap_err().problem,
            Problem::TooLong {
                max: ProductRef::MAX
            }
        );
        assert_eq!(
            ProductRef::parse_as("sku", "A\tB").unwrap_err().problem,
            Problem::Rule {
                rule: "code_on_one_line"
            }
        );
    }

    #[test]
    fn returns_are_negative_quantities() {
        let line = ReportedLine::parse(&RawLine { qty: "-2", ..raw() }).unwrap();
        assert!(line.qty.is_return());
        assert!(Quantity::parse("qty", "1.5").is_err());
    }

    #[test]
    fn more_decimals_than_the_currency_has_are_refused() {
        let line = ReportedLine::parse(&RawLine {
            amount: "1.005",
            ..raw()
        })
        .unwrap();
        assert!(line.money(cny()).is_err());
        let yen = Currency::parse("JPY").unwrap();
        assert!(
            ReportedLine::parse(&RawLine {
                amount: "1.5",
                ..raw()
            })
            .unwrap()
            .money(yen)
            .is_err()
        );
    }

    #[test]
    fn nearest_codes_come_by_code_or_name() {
        let catalog = [
            ("TEA-LJ-250G", "龙井 250g"),
            ("TEA-BLC-100G", "碧螺春 100g"),
            ("COF-AR-1KG", "Arabica 1kg"),
        ];
        assert_eq!(nearest("TEA-LJ-25OG", catalog, 1), ["TEA-LJ-250G"]);
        assert_eq!(nearest("arabica 1 kg", catalog, 1), ["COF-AR-1KG"]);
        assert_eq!(nearest("x", catalog, 5).len(), 3);
        let drinks = [
            ("BEV-ENG-24", "能量饮料 250毫升×24"),
            ("BEV-WTR-24", "天然矿泉水 550毫升×24"),
        ];
        assert_eq!(nearest("HD-矿泉水24", drinks, 1), ["BEV-WTR-24"]);
    }

    fn key(partner_id: i64, qty: i64, document_no: Option<&str>) -> DuplicateKey {
        DuplicateKey {
            partner_id,
            date: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            product_id: 7,
            qty,
            amount_minor: 100,
            document_no: document_no.map(str::to_owned),
        }
    }

    #[test]
    fn a_document_number_tells_lines_apart() {
        let keys = [
            key(1, 2, None),
            key(1, 2, Some("A1")),
            key(1, 2, Some("A2")),
            key(1, 2, None),
            key(2, 2, None),
            key(1, 2, Some("A1")),
        ];
        assert_eq!(repeats(&keys), [(3, 0), (5, 1)]);
    }

    #[test]
    fn equal_keys_share_a_fingerprint_and_any_field_tells_them_apart() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        let base = fingerprint(1, day, 7, 2, 100, Some("A1"));
        assert_eq!(base, fingerprint(1, day, 7, 2, 100, Some("A1")));
        let others = [
            fingerprint(2, day, 7, 2, 100, Some("A1")),
            fingerprint(1, day.succ_opt().unwrap(), 7, 2, 100, Some("A1")),
            fingerprint(1, day, 8, 2, 100, Some("A1")),
            fingerprint(1, day, 7, 3, 100, Some("A1")),
            fingerprint(1, day, 7, 2, 101, Some("A1")),
            fingerprint(1, day, 7, 2, 100, Some("A2")),
            fingerprint(1, day, 7, 2, 100, None),
            fingerprint(1, day, 7, 2, 100, Some("")),
        ];
        assert!(others.iter().all(|f| *f != base));
        assert_ne!(others[6], others[7]);
    }

    proptest! {
        #[test]
        fn amounts_are_never_negative_and_keep_every_fen(minor in -10_000_000i64..10_000_000) {
            let text = Money::from_minor(minor, cny()).amount_text();
            let line = ReportedLine::parse(&RawLine { amount: &text, ..raw() });
            if minor < 0 {
                prop_assert!(line.is_err());
            } else {
                prop_assert_eq!(line.unwrap().money(cny()).unwrap().minor(), minor);
            }
        }

        #[test]
        fn quantity_parses_every_non_zero_integer(n in any::<i32>()) {
            let parsed = Quantity::parse("qty", &n.to_string());
            prop_assert_eq!(parsed.is_ok(), n != 0);
            if let Ok(q) = parsed {
                prop_assert_eq!(q.get(), i64::from(n));
                prop_assert_eq!(q.is_return(), n < 0);
            }
        }

        #[test]
        fn repeats_point_at_an_equal_earlier_key(
            picks in proptest::collection::vec((0i64..3, 1i64..3, proptest::option::of(0u8..2)), 0..40)
        ) {
            let keys: Vec<_> = picks
                .iter()
                .map(|(p, q, d)| key(*p, *q, d.map(|d| if d == 0 { "A" } else { "B" })))
                .collect();
            let found = repeats(&keys);
            for (i, earlier) in &found {
                prop_assert!(earlier < i);
                prop_assert_eq!(&keys[*i], &keys[*earlier]);
                prop_assert!(!keys[..*earlier].contains(&keys[*i]));
            }
            let distinct: std::collections::HashSet<_> = keys.iter().collect();
            prop_assert_eq!(keys.len() - found.len(), distinct.len());
        }
    }
}
