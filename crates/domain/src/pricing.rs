//! Price lists (价格表): which unit price a partner pays for a product on a
//! day, and how far a person may move it.
//!
//! The rules, in the order `quote` applies them:
//!
//! 1. Only lists in force on the day count (validity contains it), in the
//!    partner's currency, and only those that price the product.
//! 2. A list applies to a partner type, a grade, or one partner. A
//!    partner's own list counts only while the agreement in force names
//!    it (`PartnerKey::agreement_list`): the agreement is where a special
//!    price is agreed, and ending it ends the price.
//! 3. The most specific applicable list wins: partner > grade > type. A
//!    product the partner's own list does not price falls back to the
//!    grade's, then the type's list.
//! 4. Among lists of equal specificity the latest `valid_from` wins (then
//!    the code, so the answer never depends on order). Two lists of one
//!    target and currency never overlap once saved (`check_no_overlap`),
//!    so this tie rule only decides between versions that hand over.
//! 5. The unit price is the item's price, or its quantity break for the
//!    largest `from_qty` not above the quantity. Breaks only ever lower
//!    the price.

use chrono::NaiveDate;

use crate::catalog::Sku;
use crate::dates::DateRange;
use crate::error::{Invalid, Problem, check_length, string_enum};
use crate::grades::GradeCode;
use crate::money::{Currency, Money};
use crate::partners::{PartnerId, PartnerType};

crate::code::code_type!(
    /// A price list's code, e.g. `PL-DIST-2027`: 1–32 of `A-Z 0-9 - _`,
    /// stored upper-case. The agreement names a partner's own list by it.
    PriceListCode,
    Upper,
    32
);

string_enum! {
    /// `unified`: one price, no override. `flexible`: a price with an
    /// allowed band a person may move it within.
    PriceMode, "mode" {
        Unified => "unified",
        Flexible => "flexible",
    }
}

string_enum! {
    /// A list is edited while a draft, used while active, and kept when
    /// retired (past orders name it). An active list is never edited: a
    /// change is a new list with new dates.
    PriceListStatus, "status" {
        Draft => "draft",
        Active => "active",
        Retired => "retired",
    }
}

string_enum! {
    /// What a list's target is.
    AppliesKind, "applies_to" {
        PartnerType => "partner_type",
        Grade => "grade",
        Partner => "partner",
    }
}

/// The partners a list prices for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AppliesTo {
    PartnerType(PartnerType),
    Grade(GradeCode),
    Partner(PartnerId),
}

impl AppliesTo {
    pub fn kind(&self) -> AppliesKind {
        match self {
            AppliesTo::PartnerType(_) => AppliesKind::PartnerType,
            AppliesTo::Grade(_) => AppliesKind::Grade,
            AppliesTo::Partner(_) => AppliesKind::Partner,
        }
    }

    /// Higher wins: partner 3, grade 2, type 1.
    pub fn specificity(&self) -> u8 {
        match self {
            AppliesTo::PartnerType(_) => 1,
            AppliesTo::Grade(_) => 2,
            AppliesTo::Partner(_) => 3,
        }
    }
}

/// The allowed range of a flexible price, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Band {
    min: Money,
    max: Money,
}

impl Band {
    /// Refuses a band whose maximum lies below its minimum, or whose ends
    /// are in different currencies.
    pub fn new(min: Money, max: Money) -> Result<Self, Invalid> {
        if min.currency() != max.currency() || max.minor() < min.minor() {
            return Err(Invalid::new(
                "max",
                Problem::Rule {
                    rule: "price_band_in_order",
                },
            ));
        }
        Ok(Self { min, max })
    }

    pub fn min(self) -> Money {
        self.min
    }

    pub fn max(self) -> Money {
        self.max
    }

    pub fn contains(self, price: Money) -> bool {
        price.currency() == self.min.currency()
            && self.min.minor() <= price.minor()
            && price.minor() <= self.max.minor()
    }
}

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} – {}", self.min.formatted(), self.max.formatted())
    }
}

/// A lower price from a quantity upward (阶梯价).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriceBreak {
    pub from_qty: u32,
    pub price: Money,
}

/// A quantity ordered: at least one unit.
pub fn parse_quantity(field: &'static str, value: &str) -> Result<u32, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::new(field, Problem::Required));
    }
    value
        .parse::<u32>()
        .ok()
        .filter(|qty| *qty >= 1)
        .ok_or(Invalid::new(field, Problem::Format { expected: "12" }))
}

/// One product's price on a list, checked whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceItem {
    sku: Sku,
    price: Money,
    band: Option<Band>,
    breaks: Vec<PriceBreak>,
}

impl PriceItem {
    /// Checks an item against its list's mode and currency: a price of
    /// zero or more; a band exactly when the list is flexible, holding the
    /// price and every break; breaks from 2 units up, each quantity above
    /// the last and each price not above the one before (a break that
    /// raised the price would punish buying more).
    pub fn new(
        sku: Sku,
        price: Money,
        band: Option<Band>,
        mut breaks: Vec<PriceBreak>,
        mode: PriceMode,
        currency: Currency,
    ) -> Result<Self, Invalid> {
        let rule =
            |field: &'static str, rule: &'static str| Invalid::new(field, Problem::Rule { rule });
        let in_currency = |money: Money| money.currency() == currency;
        if !in_currency(price) || price.is_negative() {
            return Err(rule("price", "price_not_negative_in_list_currency"));
        }
        match (mode, band) {
            (PriceMode::Unified, Some(_)) => return Err(rule("min", "price_band_only_flexible")),
            (PriceMode::Flexible, None) => return Err(rule("min", "price_band_required")),
            (PriceMode::Flexible, Some(band)) => {
                if !in_currency(band.min()) {
                    return Err(rule("min", "price_not_negative_in_list_currency"));
                }
                if !band.contains(price) {
                    return Err(rule("price", "price_within_band"));
                }
            }
            (PriceMode::Unified, None) => {}
        }
        breaks.sort_by_key(|b| b.from_qty);
        let mut last = (1, price);
        for b in &breaks {
            if b.from_qty <= last.0 {
                return Err(rule("from_qty", "price_break_quantities_ascending"));
            }
            if !in_currency(b.price) || b.price.is_negative() {
                return Err(rule("break_price", "price_not_negative_in_list_currency"));
            }
            if b.price.minor() > last.1.minor() {
                return Err(rule("break_price", "price_break_never_raises"));
            }
            if band.is_some_and(|band| !band.contains(b.price)) {
                return Err(rule("break_price", "price_within_band"));
            }
            last = (b.from_qty, b.price);
        }
        Ok(Self {
            sku,
            price,
            band,
            breaks,
        })
    }

    pub fn sku(&self) -> &Sku {
        &self.sku
    }

    pub fn price(&self) -> Money {
        self.price
    }

    pub fn band(&self) -> Option<Band> {
        self.band
    }

    /// Ascending by quantity.
    pub fn breaks(&self) -> &[PriceBreak] {
        &self.breaks
    }

    /// The unit price for `qty` units, and the break that gave it.
    pub fn unit_price(&self, qty: u32) -> (Money, Option<u32>) {
        self.breaks
            .iter()
            .rev()
            .find(|b| b.from_qty <= qty)
            .map_or((self.price, None), |b| (b.price, Some(b.from_qty)))
    }
}

/// A list's name as people read it: 1–100 characters.
pub fn parse_name(field: &'static str, value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    check_length(field, value, 1, 100)?;
    Ok(value.to_owned())
}

/// What identifies a list for the overlap rule and the quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListHead {
    pub code: PriceListCode,
    pub applies_to: AppliesTo,
    pub currency: Currency,
    pub mode: PriceMode,
    pub validity: DateRange,
}

/// A price list in force (or about to be), with its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceList {
    pub head: ListHead,
    pub name: String,
    pub items: Vec<PriceItem>,
}

impl PriceList {
    pub fn item(&self, sku: &Sku) -> Option<&PriceItem> {
        self.items.iter().find(|item| item.sku() == sku)
    }
}

/// Refuses a list whose validity overlaps another active list of the same
/// target and currency: on any day a partner has at most one list per
/// level, so which one priced an order never depends on a tie.
pub fn check_no_overlap(list: &ListHead, active: &[ListHead]) -> Result<(), Invalid> {
    match active.iter().find(|other| {
        other.code != list.code
            && other.applies_to == list.applies_to
            && other.currency == list.currency
            && other.validity.overlaps(list.validity)
    }) {
        None => Ok(()),
        Some(other) => Err(Invalid::new(
            "valid_from",
            Problem::Conflict {
                rule: "price_list_overlap",
                with: format!("{} ({})", other.code, other.validity),
            },
        )),
    }
}

/// The partner a quote is for, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerKey {
    pub id: PartnerId,
    pub partner_type: PartnerType,
    pub grade: Option<GradeCode>,
    pub currency: Currency,
    /// The price list the agreement in force on the quote's day names.
    pub agreement_list: Option<PriceListCode>,
}

impl PartnerKey {
    /// Whether a list targets this partner (its dates and currency aside).
    pub fn is_target_of(&self, list: &ListHead) -> bool {
        match &list.applies_to {
            AppliesTo::PartnerType(t) => *t == self.partner_type,
            AppliesTo::Grade(g) => self.grade.as_ref() == Some(g),
            AppliesTo::Partner(id) => {
                *id == self.id && self.agreement_list.as_ref() == Some(&list.code)
            }
        }
    }
}

/// Why a list priced a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// The partner's own list, named by its agreement.
    PartnerList,
    /// No own list prices the product; the partner's grade's list does.
    GradeList,
    /// Only the partner type's list prices the product.
    TypeList,
}

/// The price of one product for one partner, quantity and day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub list: PriceListCode,
    pub list_name: String,
    pub mode: PriceMode,
    pub why: Why,
    /// The price for this quantity (the break's, when one applies).
    pub unit_price: Money,
    /// The item's price before breaks.
    pub base_price: Money,
    /// The break that applied, by its starting quantity.
    pub break_from: Option<u32>,
    pub band: Option<Band>,
}

/// No list in force prices the product for the partner on the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no price list in force prices this product for this partner on this day")]
pub struct NoPrice;

/// The price of `sku` for `partner` on `day` (the rules are the module's).
pub fn quote(
    lists: &[PriceList],
    partner: &PartnerKey,
    sku: &Sku,
    qty: u32,
    day: NaiveDate,
) -> Result<Quote, NoPrice> {
    let (list, item) = lists
        .iter()
        .filter(|list| {
            list.head.validity.contains(day)
                && list.head.currency == partner.currency
                && partner.is_target_of(&list.head)
        })
        .filter_map(|list| list.item(sku).map(|item| (list, item)))
        .max_by(|(a, _), (b, _)| {
            (a.head.applies_to.specificity(), a.head.validity.from())
                .cmp(&(b.head.applies_to.specificity(), b.head.validity.from()))
                .then_with(|| b.head.code.cmp(&a.head.code))
        })
        .ok_or(NoPrice)?;
    let (unit_price, break_from) = item.unit_price(qty);
    Ok(Quote {
        list: list.head.code.clone(),
        list_name: list.name.clone(),
        mode: list.head.mode,
        why: match list.head.applies_to {
            AppliesTo::Partner(_) => Why::PartnerList,
            AppliesTo::Grade(_) => Why::GradeList,
            AppliesTo::PartnerType(_) => Why::TypeList,
        },
        unit_price,
        base_price: item.price(),
        break_from,
        band: item.band(),
    })
}

/// Whether a person may set a line's price to `price` instead of the
/// quote's: never on a unified list, and only within the band on a
/// flexible one.
pub fn check_override(quote: &Quote, price: Money) -> Result<(), Invalid> {
    match (quote.mode, quote.band) {
        (PriceMode::Flexible, Some(band)) if band.contains(price) => Ok(()),
        (PriceMode::Flexible, Some(band)) => Err(Invalid::new(
            "price",
            Problem::Conflict {
                rule: "price_outside_band",
                with: band.to_string(),
            },
        )),
        _ => Err(Invalid::new(
            "price",
            Problem::Rule {
                rule: "price_unified_no_override",
            },
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    fn sku(s: &str) -> Sku {
        Sku::parse_as("sku", s).unwrap()
    }

    fn code(s: &str) -> PriceListCode {
        PriceListCode::parse_as("code", s).unwrap()
    }

    fn gold() -> GradeCode {
        GradeCode::parse("grade", "gold").unwrap()
    }

    fn range(from: &str, to: &str) -> DateRange {
        DateRange::new(day(from), day(to), "valid_to").unwrap()
    }

    fn unified(list: &str, applies_to: AppliesTo, validity: DateRange, price: i64) -> PriceList {
        PriceList {
            head: ListHead {
                code: code(list),
                applies_to,
                currency: Currency::CNY,
                mode: PriceMode::Unified,
                validity,
            },
            name: list.to_owned(),
            items: vec![
                PriceItem::new(
                    sku("TEA-1"),
                    cny(price),
                    None,
                    vec![],
                    PriceMode::Unified,
                    Currency::CNY,
                )
                .unwrap(),
            ],
        }
    }

    fn partner(agreement_list: Option<&str>) -> PartnerKey {
        PartnerKey {
            id: PartnerId(7),
            partner_type: PartnerType::Distributor,
            grade: Some(gold()),
            currency: Currency::CNY,
            agreement_list: agreement_list.map(code),
        }
    }

    #[test]
    fn partner_beats_grade_beats_type() {
        let year = range("2027-01-01", "2027-12-31");
        let lists = vec![
            unified(
                "TYPE",
                AppliesTo::PartnerType(PartnerType::Distributor),
                year,
                1000,
            ),
            unified("GOLD", AppliesTo::Grade(gold()), year, 900),
            unified("OWN", AppliesTo::Partner(PartnerId(7)), year, 800),
        ];
        let on = day("2027-03-01");
        let q = quote(&lists, &partner(Some("OWN")), &sku("TEA-1"), 1, on).unwrap();
        assert_eq!(
            (q.list.as_str(), q.why, q.unit_price),
            ("OWN", Why::PartnerList, cny(800))
        );
        // Without the agreement naming it, the own list does not count.
        let q = quote(&lists, &partner(None), &sku("TEA-1"), 1, on).unwrap();
        assert_eq!((q.list.as_str(), q.why), ("GOLD", Why::GradeList));
        let mut silver = partner(None);
        silver.grade = None;
        let q = quote(&lists, &silver, &sku("TEA-1"), 1, on).unwrap();
        assert_eq!((q.list.as_str(), q.why), ("TYPE", Why::TypeList));
        silver.partner_type = PartnerType::Retailer;
        assert_eq!(quote(&lists, &silver, &sku("TEA-1"), 1, on), Err(NoPrice));
        assert_eq!(
            quote(&lists, &partner(None), &sku("OTHER"), 1, on),
            Err(NoPrice),
            "no list prices the product"
        );
    }

    #[test]
    fn a_product_missing_from_the_own_list_falls_back() {
        let year = range("2027-01-01", "2027-12-31");
        let mut own = unified("OWN", AppliesTo::Partner(PartnerId(7)), year, 800);
        own.items[0].sku = sku("TEA-2");
        let lists = vec![
            own,
            unified(
                "TYPE",
                AppliesTo::PartnerType(PartnerType::Distributor),
                year,
                1000,
            ),
        ];
        let q = quote(
            &lists,
            &partner(Some("OWN")),
            &sku("TEA-1"),
            1,
            day("2027-05-01"),
        )
        .unwrap();
        assert_eq!(q.list.as_str(), "TYPE");
    }

    #[test]
    fn effective_dating_picks_the_version_in_force() {
        let t = AppliesTo::PartnerType(PartnerType::Distributor);
        let lists = vec![
            unified("V1", t.clone(), range("2026-01-01", "2026-12-31"), 1000),
            unified("V2", t, range("2027-01-01", "2027-12-31"), 1100),
        ];
        let at = |d: &str| quote(&lists, &partner(None), &sku("TEA-1"), 1, day(d)).unwrap();
        assert_eq!(at("2026-12-31").unit_price, cny(1000));
        assert_eq!(at("2027-01-01").unit_price, cny(1100));
        assert!(quote(&lists, &partner(None), &sku("TEA-1"), 1, day("2028-01-01")).is_err());
    }

    fn flexible_item(breaks: Vec<(u32, i64)>) -> Result<PriceItem, Invalid> {
        PriceItem::new(
            sku("TEA-1"),
            cny(1000),
            Some(Band::new(cny(800), cny(1200)).unwrap()),
            breaks
                .into_iter()
                .map(|(from_qty, price)| PriceBreak {
                    from_qty,
                    price: cny(price),
                })
                .collect(),
            PriceMode::Flexible,
            Currency::CNY,
        )
    }

    #[test]
    fn items_are_checked_whole() {
        let rule_of = |r: Result<PriceItem, Invalid>| match r.unwrap_err().problem {
            Problem::Rule { rule } => rule,
            other => panic!("{other:?}"),
        };
        assert!(flexible_item(vec![(10, 950), (50, 900)]).is_ok());
        assert_eq!(
            rule_of(flexible_item(vec![(10, 1050)])),
            "price_break_never_raises"
        );
        assert_eq!(rule_of(flexible_item(vec![(10, 700)])), "price_within_band");
        assert_eq!(
            rule_of(flexible_item(vec![(1, 900)])),
            "price_break_quantities_ascending"
        );
        assert_eq!(
            rule_of(flexible_item(vec![(10, 900), (10, 850)])),
            "price_break_quantities_ascending"
        );
        let unified_with_band = PriceItem::new(
            sku("TEA-1"),
            cny(1000),
            Some(Band::new(cny(900), cny(1100)).unwrap()),
            vec![],
            PriceMode::Unified,
            Currency::CNY,
        );
        assert_eq!(rule_of(unified_with_band), "price_band_only_flexible");
        assert!(Band::new(cny(10), cny(9)).is_err());
        let item = flexible_item(vec![(10, 950), (50, 900)]).unwrap();
        assert_eq!(item.unit_price(9), (cny(1000), None));
        assert_eq!(item.unit_price(10), (cny(950), Some(10)));
        assert_eq!(item.unit_price(500), (cny(900), Some(50)));
    }

    #[test]
    fn overrides_stay_in_the_band_and_never_touch_unified_prices() {
        let year = range("2027-01-01", "2027-12-31");
        let mut list = unified(
            "FLEX",
            AppliesTo::PartnerType(PartnerType::Distributor),
            year,
            0,
        );
        list.head.mode = PriceMode::Flexible;
        list.items = vec![flexible_item(vec![]).unwrap()];
        let q = quote(&[list], &partner(None), &sku("TEA-1"), 1, day("2027-02-02")).unwrap();
        assert!(check_override(&q, cny(800)).is_ok());
        assert!(check_override(&q, cny(1200)).is_ok());
        let refused = check_override(&q, cny(1201)).unwrap_err();
        assert_eq!(refused.field, "price");
        assert!(matches!(
            refused.problem,
            Problem::Conflict {
                rule: "price_outside_band",
                ..
            }
        ));
        let fixed = unified(
            "U",
            AppliesTo::PartnerType(PartnerType::Distributor),
            year,
            1000,
        );
        let q = quote(
            &[fixed],
            &partner(None),
            &sku("TEA-1"),
            1,
            day("2027-02-02"),
        )
        .unwrap();
        assert!(check_override(&q, cny(1000)).is_err());
    }

    #[test]
    fn overlapping_lists_of_one_target_and_currency_are_refused() {
        let t = AppliesTo::PartnerType(PartnerType::Distributor);
        let a = unified("A", t.clone(), range("2027-01-01", "2027-06-30"), 1).head;
        let mut b = unified("B", t, range("2027-06-30", "2027-12-31"), 1).head;
        assert!(check_no_overlap(&b, std::slice::from_ref(&a)).is_err());
        b.validity = range("2027-07-01", "2027-12-31");
        assert!(check_no_overlap(&b, std::slice::from_ref(&a)).is_ok());
        b.validity = range("2027-01-01", "2027-12-31");
        b.currency = Currency::parse("USD").unwrap();
        assert!(
            check_no_overlap(&b, std::slice::from_ref(&a)).is_ok(),
            "other currency"
        );
        b.currency = Currency::CNY;
        b.applies_to = AppliesTo::Grade(gold());
        assert!(
            check_no_overlap(&b, std::slice::from_ref(&a)).is_ok(),
            "other target"
        );
    }

    fn target() -> impl Strategy<Value = AppliesTo> {
        prop_oneof![
            (0..2usize).prop_map(|t| AppliesTo::PartnerType(
                [PartnerType::Distributor, PartnerType::Retailer][t]
            )),
            (0..2usize).prop_map(|g| AppliesTo::Grade(
                GradeCode::parse("grade", ["gold", "silver"][g]).unwrap()
            )),
            (6..8i64).prop_map(|id| AppliesTo::Partner(PartnerId(id))),
        ]
    }

    prop_compose! {
        fn a_list(n: usize)(
            applies_to in target(),
            start in 0..60i64,
            length in 0..60i64,
            price in 0..10_000i64,
            prices_it in any::<bool>(),
        ) -> PriceList {
            let from = day("2027-01-01") + chrono::Duration::days(start);
            let validity = DateRange::new(from, from + chrono::Duration::days(length), "valid_to").unwrap();
            let mut list = unified(&format!("L{n}"), applies_to, validity, price);
            if !prices_it {
                list.items[0].sku = sku("OTHER");
            }
            list
        }
    }

    fn lists() -> impl Strategy<Value = Vec<PriceList>> {
        (0..8usize).prop_flat_map(|n| (0..n).map(a_list).collect::<Vec<_>>())
    }

    proptest! {
        /// The quote comes from a list valid on the day that targets the
        /// partner and prices the product, and no such list is more
        /// specific; when none exists there is no price.
        #[test]
        fn the_most_specific_list_in_force_wins(
            lists in lists(),
            offset in 0..130i64,
            partner_id in 6..8i64,
            own in proptest::option::of(0..8usize),
            graded in any::<bool>(),
        ) {
            let on = day("2027-01-01") + chrono::Duration::days(offset);
            let key = PartnerKey {
                id: PartnerId(partner_id),
                partner_type: PartnerType::Distributor,
                grade: graded.then(gold),
                currency: Currency::CNY,
                agreement_list: own.map(|n| code(&format!("L{n}"))),
            };
            let eligible: Vec<&PriceList> = lists
                .iter()
                .filter(|l| l.head.validity.contains(on) && key.is_target_of(&l.head) && l.item(&sku("TEA-1")).is_some())
                .collect();
            match quote(&lists, &key, &sku("TEA-1"), 1, on) {
                Ok(q) => {
                    let chosen = lists.iter().find(|l| l.head.code == q.list).unwrap();
                    prop_assert!(chosen.head.validity.contains(on));
                    prop_assert!(key.is_target_of(&chosen.head));
                    let best = eligible.iter().map(|l| l.head.applies_to.specificity()).max().unwrap();
                    prop_assert_eq!(chosen.head.applies_to.specificity(), best);
                    prop_assert_eq!(q.unit_price, chosen.item(&sku("TEA-1")).unwrap().price());
                }
                Err(NoPrice) => prop_assert!(eligible.is_empty()),
            }
        }

        /// A list is accepted exactly when its breaks ascend and never raise
        /// the price; an accepted item never charges more per unit for a
        /// larger quantity.
        #[test]
        fn breaks_never_raise_the_price(
            breaks in proptest::collection::vec((2..60u32, 0..2000i64), 0..5),
            q1 in 1..80u32,
            q2 in 1..80u32,
        ) {
            let item = PriceItem::new(
                sku("TEA-1"),
                cny(1000),
                None,
                breaks.iter().map(|&(from_qty, price)| PriceBreak { from_qty, price: cny(price) }).collect(),
                PriceMode::Unified,
                Currency::CNY,
            );
            let mut sorted = breaks;
            sorted.sort_by_key(|b| b.0);
            let sound = sorted.windows(2).all(|w| w[0].0 < w[1].0)
                && std::iter::once(1000).chain(sorted.iter().map(|b| b.1))
                    .collect::<Vec<_>>()
                    .windows(2)
                    .all(|w| w[1] <= w[0]);
            prop_assert_eq!(item.is_ok(), sound);
            if let Ok(item) = item {
                let (low, high) = (q1.min(q2), q1.max(q2));
                prop_assert!(item.unit_price(high).0.minor() <= item.unit_price(low).0.minor());
            }
        }

        /// An override is accepted exactly when it lies within the band.
        #[test]
        fn overrides_are_accepted_exactly_within_the_band(min in 0..5000i64, width in 0..5000i64, price in 0..12_000i64) {
            let band = Band::new(cny(min), cny(min + width)).unwrap();
            let q = Quote {
                list: code("L"),
                list_name: "L".into(),
                mode: PriceMode::Flexible,
                why: Why::TypeList,
                unit_price: cny(min),
                base_price: cny(min),
                break_from: None,
                band: Some(band),
            };
            prop_assert_eq!(check_override(&q, cny(price)).is_ok(), min <= price && price <= min + width);
        }
    }
}
