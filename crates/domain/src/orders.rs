//! Sell-in orders (进货订单): what a partner buys from us, the checks it
//! must pass before we approve it, and the arithmetic of shipping and
//! returning it.
//!
//! The life of an order:
//!
//! ```text
//! draft ─► submitted ─► approved ─► partly_shipped ─► completed
//!   │          │  └──► rejected │
//!   └──────────┴────────────────┴──► cancelled   (nothing shipped yet)
//! ```
//!
//! An order is `completed` by the shipment that ships its last unit; a
//! return afterwards does not reopen it (the return and its credit note
//! lower what it is worth, they do not change what was ordered). A
//! rejected order may be edited as a draft again by whoever placed it.
//!
//! Before approval every check runs and every failure is kept on the
//! order, so the partner sees all of them at once, each with its rule key
//! and arguments (rendered in the reader's language).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Invalid, Problem, string_enum};
use crate::money::Money;
use crate::owner_moves::split_by_days;
use crate::pricing::{Quote, check_override};

string_enum! {
    /// Where an order is in its life.
    OrderStatus, "status" {
        Draft => "draft",
        Submitted => "submitted",
        Approved => "approved",
        Rejected => "rejected",
        PartlyShipped => "partly_shipped",
        Completed => "completed",
        Cancelled => "cancelled",
    }
}

impl OrderStatus {
    /// The statuses an order may move to from this one by a person's
    /// action (shipping moves it by itself, see [`after_shipment`]).
    pub fn next(self) -> &'static [OrderStatus] {
        use OrderStatus::*;
        match self {
            Draft => &[Submitted, Cancelled],
            Submitted => &[Approved, Rejected, Cancelled],
            Approved => &[Cancelled],
            Rejected => &[Draft],
            PartlyShipped | Completed | Cancelled => &[],
        }
    }

    pub fn can_become(self, to: OrderStatus) -> bool {
        self.next().contains(&to)
    }

    /// Whether lines may still be changed.
    pub fn is_editable(self) -> bool {
        matches!(self, OrderStatus::Draft | OrderStatus::Rejected)
    }

    /// Whether goods may be shipped against it.
    pub fn is_shippable(self) -> bool {
        matches!(self, OrderStatus::Approved | OrderStatus::PartlyShipped)
    }

    /// Whether what is still to ship counts against the partner's credit:
    /// once submitted, until shipped (then its invoice counts) or ended.
    pub fn holds_credit(self) -> bool {
        matches!(
            self,
            OrderStatus::Submitted | OrderStatus::Approved | OrderStatus::PartlyShipped
        )
    }
}

/// Refuses a move the status machine does not allow.
pub fn check_transition(from: OrderStatus, to: OrderStatus) -> Result<(), Invalid> {
    if from.can_become(to) {
        Ok(())
    } else {
        Err(Invalid::new(
            "status",
            Problem::Conflict {
                rule: "order_status_not_allowed",
                with: from.as_str().to_owned(),
            },
        ))
    }
}

/// The status after a shipment: completed when every unit has shipped.
pub fn after_shipment(lines: &[(i64, i64)]) -> OrderStatus {
    if lines.iter().all(|(ordered, shipped)| shipped >= ordered) {
        OrderStatus::Completed
    } else {
        OrderStatus::PartlyShipped
    }
}

/// The kinds of document, each with the prefix people quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    Order,
    Shipment,
    Invoice,
    Return,
    CreditNote,
}

impl Document {
    pub fn prefix(self) -> &'static str {
        match self {
            Document::Order => "SO",
            Document::Shipment => "SH",
            Document::Invoice => "INV",
            Document::Return => "RT",
            Document::CreditNote => "CN",
        }
    }

    /// The number of the document with this row id: `SO-000042`. The id
    /// is unique in its table, so the number is too, and it never needs a
    /// counter of its own.
    pub fn number(self, id: i64) -> String {
        format!("{}-{id:06}", self.prefix())
    }
}

/// A line's amount: quantity times unit price, or `None` when it does
/// not fit an amount.
pub fn line_amount(qty: i64, unit_price: Money) -> Option<Money> {
    qty.checked_mul(unit_price.minor())
        .map(|minor| Money::from_minor(minor, unit_price.currency()))
}

/// The sum of amounts of one currency, or `None` on overflow.
pub fn total(amounts: impl IntoIterator<Item = Money>, zero: Money) -> Option<Money> {
    amounts
        .into_iter()
        .try_fold(zero, |sum, amount| sum.checked_add(amount))
}

/// A quantity typed for a line, shipment or return: a whole number from 1.
pub fn parse_qty(field: &'static str, value: &str) -> Result<i64, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::new(field, Problem::Required));
    }
    match value.parse::<i64>() {
        Ok(qty) if (1..=1_000_000_000).contains(&qty) => Ok(qty),
        _ => Err(Invalid::new(
            field,
            Problem::Rule {
                rule: "qty_positive_whole",
            },
        )),
    }
}

/// How many units of a line may still ship.
pub fn check_ship_qty(ordered: i64, shipped: i64, qty: i64) -> Result<(), Invalid> {
    let left = ordered - shipped;
    if qty >= 1 && qty <= left {
        Ok(())
    } else {
        Err(Invalid::new(
            "qty",
            Problem::Limit {
                rule: "ship_more_than_ordered",
                max: usize::try_from(left.max(0)).unwrap_or(0),
            },
        ))
    }
}

/// A return takes back at most what a shipment line delivered and has
/// not yet come back.
pub fn check_return_qty(shipped: i64, returned: i64, qty: i64) -> Result<(), Invalid> {
    let left = shipped - returned;
    if qty >= 1 && qty <= left {
        Ok(())
    } else {
        Err(Invalid::new(
            "qty",
            Problem::Limit {
                rule: "return_more_than_shipped",
                max: usize::try_from(left.max(0)).unwrap_or(0),
            },
        ))
    }
}

/// A credit note lowers what is owed on an invoice; it may not lower it
/// below nothing.
pub fn check_credit_amount(amount: Money, open: Money) -> Result<(), Invalid> {
    if amount.minor() <= 0 {
        return Err(Invalid::new(
            "amount",
            Problem::Rule {
                rule: "amount_positive",
            },
        ));
    }
    if amount.minor() > open.minor() {
        return Err(Invalid::new(
            "amount",
            Problem::Conflict {
                rule: "credit_more_than_open",
                with: open.formatted(),
            },
        ));
    }
    Ok(())
}

/// How a credit note on its own against an invoice (a price correction, a
/// goodwill credit) lowers the sell-in of the goods invoiced: split over
/// the shipment's lines in proportion to what each still counts (its
/// amount less what came back), exactly, to the unit. Lines that count
/// nothing any more get no part; when none counts, the note lowers only
/// what is owed.
pub fn allowance_parts<K: Copy>(credit_minor: i64, still_counted: &[(K, i64)]) -> Vec<(K, i64)> {
    split_by_days(credit_minor, still_counted)
        .into_iter()
        .filter(|(_, part)| *part != 0)
        .collect()
}

/// The serial numbers typed for a shipment line of a serial-tracked
/// product: one per unit, separated by commas, spaces or new lines, none
/// twice, each at most 64 characters.
pub fn parse_serials(text: &str, qty: i64) -> Result<Vec<String>, Invalid> {
    let serials: Vec<String> = text
        .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if serials.iter().any(|s| s.chars().count() > 64) {
        return Err(Invalid::new("serials", Problem::TooLong { max: 64 }));
    }
    if i64::try_from(serials.len()).ok() != Some(qty) {
        return Err(Invalid::new(
            "serials",
            Problem::Limit {
                rule: "serials_one_per_unit",
                max: usize::try_from(qty).unwrap_or(0),
            },
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = serials.iter().find(|s| !seen.insert(s.as_str())) {
        return Err(Invalid::new(
            "serials",
            Problem::Conflict {
                rule: "serial_twice",
                with: twice.clone(),
            },
        ));
    }
    Ok(serials)
}

/// An invoice is due its agreement's net days after it is issued.
pub fn due_on(issued: NaiveDate, net_days: i32) -> NaiveDate {
    issued + chrono::Duration::days(i64::from(net_days.max(0)))
}

/// A reason for a rejection, return or credit note: required, at most 500
/// characters.
pub fn parse_reason(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    crate::error::check_length("reason", value, 1, 500)?;
    Ok(value.to_owned())
}

/// One failing check, as the order keeps it: the rule key, the line it
/// concerns (none for the whole order) and what the message names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCheck {
    pub rule: String,
    #[serde(default)]
    pub line: Option<i32>,
    #[serde(default)]
    pub with: String,
}

impl OrderCheck {
    fn order(rule: &str, with: impl Into<String>) -> Self {
        Self {
            rule: rule.to_owned(),
            line: None,
            with: with.into(),
        }
    }

    pub(crate) fn line(line: i32, rule: &str, with: impl Into<String>) -> Self {
        Self {
            rule: rule.to_owned(),
            line: Some(line),
            with: with.into(),
        }
    }
}

/// What the checks know of one line.
#[derive(Debug, Clone)]
pub struct LineFacts {
    pub line_no: i32,
    pub sku: String,
    /// The product line's code, for the authorization message.
    pub product_line: String,
    /// The line is sold through the partner's channel (type and grade).
    pub channel_allows: bool,
    /// The partner holds a territory right on the product line on the day.
    pub right_held: bool,
    /// The product is still sold (not discontinued).
    pub product_active: bool,
    /// Today's quote for the line, or none when no list prices it.
    pub quote: Option<Quote>,
    pub unit_price: Money,
}

/// What the checks know of the order as a whole. Amounts of the credit
/// check are in the limit's currency (converted before).
#[derive(Debug, Clone)]
pub struct OrderFacts {
    pub partner_active: bool,
    pub agreement_in_force: bool,
    pub lines: Vec<LineFacts>,
    pub credit: Option<Credit>,
}

/// The credit position: the limit, what the partner owes on invoices,
/// what its other orders still to ship are worth, and this order.
#[derive(Debug, Clone, Copy)]
pub struct Credit {
    pub limit: Money,
    pub open: Money,
    pub pending: Money,
    pub this_order: Money,
}

impl Credit {
    /// The exposure if this order is accepted, or `None` on overflow.
    pub fn exposure(&self) -> Option<Money> {
        self.open
            .checked_add(self.pending)
            .and_then(|sum| sum.checked_add(self.this_order))
    }

    /// Whether the exposure stays within the limit.
    pub fn within(&self) -> bool {
        self.exposure()
            .is_some_and(|exposure| exposure.minor() <= self.limit.minor())
    }
}

/// Every failing pre-approval check of an order, in a stable order:
/// partner, agreement, each line (authorization, price), then credit.
pub fn checks(facts: &OrderFacts) -> Vec<OrderCheck> {
    let mut failing = Vec::new();
    if !facts.partner_active {
        failing.push(OrderCheck::order("order_partner_not_active", ""));
    }
    if !facts.agreement_in_force {
        failing.push(OrderCheck::order("order_no_agreement", ""));
    }
    if facts.lines.is_empty() {
        failing.push(OrderCheck::order("order_no_lines", ""));
    }
    for line in &facts.lines {
        failing.extend(line_checks(line));
    }
    if let Some(credit) = facts.credit
        && !credit.within()
    {
        failing.push(OrderCheck::order(
            "order_over_credit_limit",
            format!(
                "{} / {}",
                credit
                    .exposure()
                    .map_or_else(|| "∞".to_owned(), Money::formatted),
                credit.limit.formatted()
            ),
        ));
    }
    failing
}

/// The failing checks of one line; what a partner sees next to it.
pub fn line_checks(line: &LineFacts) -> Vec<OrderCheck> {
    let mut failing = Vec::new();
    if !line.product_active {
        failing.push(OrderCheck::line(
            line.line_no,
            "order_product_discontinued",
            &line.sku,
        ));
    }
    if !line.channel_allows {
        failing.push(OrderCheck::line(
            line.line_no,
            "product_not_for_channel",
            &line.sku,
        ));
    } else if !line.right_held {
        failing.push(OrderCheck::line(
            line.line_no,
            "product_not_authorized",
            &line.product_line,
        ));
    }
    match &line.quote {
        None => failing.push(OrderCheck::line(
            line.line_no,
            "price_none_in_force",
            &line.sku,
        )),
        Some(quote) if quote.unit_price != line.unit_price => {
            if let Err(invalid) = check_override(quote, line.unit_price) {
                let rule = invalid.problem_rule().unwrap_or("price_outside_band");
                let with = match invalid.problem {
                    Problem::Conflict { with, .. } => with,
                    _ => String::new(),
                };
                failing.push(OrderCheck::line(line.line_no, rule, with));
            }
        }
        Some(_) => {}
    }
    failing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::pricing::{Band, PriceListCode, PriceMode, Why};
    use proptest::prelude::*;

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    fn quote(price: i64, band: Option<(i64, i64)>) -> Quote {
        Quote {
            list: PriceListCode::parse_as("code", "PL-1").unwrap(),
            list_name: "list".into(),
            mode: if band.is_some() {
                PriceMode::Flexible
            } else {
                PriceMode::Unified
            },
            why: Why::TypeList,
            unit_price: cny(price),
            base_price: cny(price),
            break_from: None,
            band: band.map(|(lo, hi)| Band::new(cny(lo), cny(hi)).unwrap()),
        }
    }

    fn line(no: i32) -> LineFacts {
        LineFacts {
            line_no: no,
            sku: "TEA-1".into(),
            product_line: "TEA".into(),
            channel_allows: true,
            right_held: true,
            product_active: true,
            quote: Some(quote(1000, None)),
            unit_price: cny(1000),
        }
    }

    fn order(lines: Vec<LineFacts>) -> OrderFacts {
        OrderFacts {
            partner_active: true,
            agreement_in_force: true,
            lines,
            credit: None,
        }
    }

    fn rules(found: &[OrderCheck]) -> Vec<&str> {
        found.iter().map(|c| c.rule.as_str()).collect()
    }

    #[test]
    fn status_machine_allows_only_its_moves() {
        use OrderStatus::*;
        assert!(Draft.can_become(Submitted));
        assert!(Submitted.can_become(Approved));
        assert!(Submitted.can_become(Rejected));
        assert!(Approved.can_become(Cancelled));
        assert!(!Approved.can_become(Draft));
        assert!(!PartlyShipped.can_become(Cancelled), "something shipped");
        assert!(!Completed.can_become(Cancelled));
        assert!(!Draft.can_become(Approved), "approval needs the checks");
        assert!(check_transition(Cancelled, Submitted).is_err());
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()).unwrap(), *status);
        }
    }

    #[test]
    fn a_shipment_completes_the_order_when_nothing_is_left() {
        assert_eq!(after_shipment(&[(5, 5), (2, 2)]), OrderStatus::Completed);
        assert_eq!(
            after_shipment(&[(5, 5), (2, 1)]),
            OrderStatus::PartlyShipped
        );
    }

    #[test]
    fn document_numbers_carry_prefix_and_id() {
        assert_eq!(Document::Order.number(42), "SO-000042");
        assert_eq!(Document::CreditNote.number(1_234_567), "CN-1234567");
        assert_eq!(Document::Invoice.number(7), "INV-000007");
    }

    #[test]
    fn due_date_follows_net_days() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(
            due_on(day, 30),
            NaiveDate::from_ymd_opt(2026, 12, 20).unwrap()
        );
        assert_eq!(due_on(day, 0), day);
    }

    #[test]
    fn a_clean_order_passes_every_check() {
        assert!(checks(&order(vec![line(1)])).is_empty());
    }

    #[test]
    fn every_failing_check_is_named_at_once() {
        let mut bad_channel = line(1);
        bad_channel.channel_allows = false;
        let mut no_right = line(2);
        no_right.right_held = false;
        let mut no_price = line(3);
        no_price.quote = None;
        let mut outside = line(4);
        outside.quote = Some(quote(1000, Some((900, 1100))));
        outside.unit_price = cny(800);
        let mut unified = line(5);
        unified.unit_price = cny(990);
        let mut facts = order(vec![bad_channel, no_right, no_price, outside, unified]);
        facts.partner_active = false;
        facts.agreement_in_force = false;
        facts.credit = Some(Credit {
            limit: cny(10_000),
            open: cny(6_000),
            pending: cny(3_000),
            this_order: cny(1_001),
        });
        let found = checks(&facts);
        assert_eq!(
            rules(&found),
            [
                "order_partner_not_active",
                "order_no_agreement",
                "product_not_for_channel",
                "product_not_authorized",
                "price_none_in_force",
                "price_outside_band",
                "price_unified_no_override",
                "order_over_credit_limit",
            ]
        );
        assert_eq!(found[3].line, Some(2));
        assert_eq!(found[3].with, "TEA");
        assert_eq!(found[7].with, "¥100.01 / ¥100.00");
    }

    #[test]
    fn an_override_within_the_band_passes() {
        let mut within = line(1);
        within.quote = Some(quote(1000, Some((900, 1100))));
        within.unit_price = cny(950);
        assert!(line_checks(&within).is_empty());
    }

    #[test]
    fn no_limit_means_no_credit_check_and_exactly_the_limit_passes() {
        let mut facts = order(vec![line(1)]);
        facts.credit = Some(Credit {
            limit: cny(10_000),
            open: cny(6_000),
            pending: cny(3_000),
            this_order: cny(1_000),
        });
        assert!(checks(&facts).is_empty());
    }

    #[test]
    fn serials_are_one_per_unit_and_never_twice() {
        assert_eq!(parse_serials("A1, A2\nA3", 3).unwrap(), ["A1", "A2", "A3"]);
        assert_eq!(
            parse_serials("A1，A2", 2).unwrap(),
            ["A1", "A2"],
            "a Chinese comma separates too"
        );
        assert!(parse_serials("A1 A2", 3).is_err());
        let twice = parse_serials("A1 A1", 2).unwrap_err();
        assert_eq!(twice.problem_rule(), Some("serial_twice"));
        assert!(parse_serials(&"X".repeat(65), 1).is_err());
    }

    #[test]
    fn quantities_are_whole_and_positive() {
        assert_eq!(parse_qty("qty", " 12 ").unwrap(), 12);
        for bad in ["0", "-1", "1.5", "", "x"] {
            assert!(parse_qty("qty", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_credit_note_lowers_what_is_open_and_no_further() {
        assert!(check_credit_amount(cny(500), cny(500)).is_ok());
        assert_eq!(
            check_credit_amount(cny(501), cny(500))
                .unwrap_err()
                .problem_rule(),
            Some("credit_more_than_open")
        );
        assert!(check_credit_amount(cny(0), cny(500)).is_err());
    }

    proptest! {
        #[test]
        fn line_amounts_are_qty_times_price(qty in 1i64..1_000_000, price in 0i64..10_000_000) {
            let amount = line_amount(qty, cny(price)).unwrap();
            prop_assert_eq!(amount.minor(), qty * price);
            prop_assert_eq!(amount.currency(), Currency::CNY);
        }

        #[test]
        fn line_amounts_never_overflow_silently(qty in 1i64..i64::MAX, price in 1i64..i64::MAX) {
            match line_amount(qty, cny(price)) {
                Some(amount) => prop_assert_eq!(i128::from(amount.minor()), i128::from(qty) * i128::from(price)),
                None => prop_assert!(i128::from(qty) * i128::from(price) > i128::from(i64::MAX)),
            }
        }

        /// Shipping in any steps the rule accepts never passes what was
        /// ordered, and returning never passes what was shipped; the net
        /// amount is what stayed with the partner.
        #[test]
        fn shipped_and_returned_never_exceed(
            ordered in 1i64..200,
            steps in proptest::collection::vec(1i64..50, 1..20),
            backs in proptest::collection::vec(1i64..50, 0..20),
            price in 1i64..100_000,
        ) {
            let mut shipped = 0;
            for step in steps {
                if check_ship_qty(ordered, shipped, step).is_ok() {
                    shipped += step;
                }
                prop_assert!(shipped <= ordered);
            }
            let mut returned = 0;
            for back in backs {
                if check_return_qty(shipped, returned, back).is_ok() {
                    returned += back;
                }
                prop_assert!(returned <= shipped);
            }
            let invoiced = line_amount(shipped, cny(price)).unwrap();
            let credited = line_amount(returned, cny(price)).unwrap();
            let net = invoiced.minor() - credited.minor();
            prop_assert!(net >= 0);
            prop_assert_eq!(net, line_amount(shipped - returned, cny(price)).unwrap().minor());
        }

        /// An allowance lowers the goods by exactly the note, never a line
        /// that counts nothing, and never a line by more than it counts
        /// when the note is within what the lines count.
        #[test]
        fn allowances_sum_to_the_note(
            credit in 1i64..10_000_000,
            counted in proptest::collection::vec(-1_000i64..5_000_000, 1..12),
        ) {
            let lines: Vec<(usize, i64)> = counted.iter().copied().enumerate().collect();
            let parts = allowance_parts(credit, &lines);
            let total: i64 = counted.iter().map(|c| (*c).max(0)).sum();
            if total == 0 {
                prop_assert!(parts.is_empty());
            } else {
                prop_assert_eq!(parts.iter().map(|(_, p)| p).sum::<i64>(), credit);
            }
            for (i, part) in &parts {
                prop_assert!(counted[*i] > 0 && *part > 0);
                if credit <= total {
                    prop_assert!(*part <= counted[*i]);
                }
            }
        }

        #[test]
        fn credit_check_agrees_with_the_sum(
            limit in 0i64..1_000_000, open in 0i64..1_000_000,
            pending in 0i64..1_000_000, this in 0i64..1_000_000,
        ) {
            let credit = Credit { limit: cny(limit), open: cny(open), pending: cny(pending), this_order: cny(this) };
            prop_assert_eq!(credit.within(), open + pending + this <= limit);
        }

        #[test]
        fn totals_add_up(amounts in proptest::collection::vec(-1_000_000i64..1_000_000, 0..50)) {
            let sum = total(amounts.iter().map(|m| cny(*m)), cny(0)).unwrap();
            prop_assert_eq!(sum.minor(), amounts.iter().sum::<i64>());
        }
    }
}
