//! Receivables (应收账款): what partners owe on invoices, what they paid,
//! and the reports finance reads from that ledger.
//!
//! Everything here works on a partner's ledger as read: invoices, credit
//! notes, payments and their allocations, each in minor units of its own
//! currency. Amounts of different currencies are never added: every total
//! is per currency.
//!
//! - **Open amount** of an invoice on a day: its amount, less the credit
//!   notes issued against it by then, less what payments received by then
//!   allocated to it.
//! - **Allocation**: a payment pays invoices of its own currency, either
//!   the amounts the person named or oldest due first. No invoice is paid
//!   beyond what it owes. Whatever of the payment is not allocated stays on
//!   the partner's account, which needs the explicit choice
//!   [`Overpayment::OnAccount`]; without it the payment is refused.
//! - **Balance** (per currency) = invoices − credit notes − payments. A
//!   payment counts in full on the day it is received, whether allocated or
//!   kept on account, so a statement always reconciles.
//! - **Ageing** on a day: each open invoice's open amount by days past its
//!   due date: current (not yet due), 1–30, 31–60, 61–90, over 90.
//! - **Collection rate** of a period: of what fell due in the period (the
//!   invoices due in it, less the credit notes against them issued by the
//!   period's end), the share paid by the period's end (allocations of
//!   payments received up to the last day, early ones included). No
//!   invoice falling due: no rate.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::dates::DateRange;
use crate::money::Currency;
use crate::{Invalid, Problem};

/// The longest invoice or payment number kept (the column's width).
pub const NUMBER_MAX: usize = 32;
/// The longest bank reference kept.
pub const REFERENCE_MAX: usize = 100;

/// A document number from a previous system or the bank: letters, digits
/// and `-`, `/`, `_`, `.`, at most [`NUMBER_MAX`] characters.
pub fn parse_number(field: &'static str, value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::new(field, Problem::Required));
    }
    if value.chars().count() > NUMBER_MAX {
        return Err(Invalid::new(field, Problem::TooLong { max: NUMBER_MAX }));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | '_' | '.'))
    {
        return Err(Invalid::new(
            field,
            Problem::BadCharacters {
                allowed: "A-Z 0-9 - / _ .",
            },
        ));
    }
    Ok(value.to_owned())
}

/// What to do with the part of a payment that pays no invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overpayment {
    /// Keep it on the partner's account, a credit later payments' allocation
    /// or the partner's next invoices can use.
    OnAccount,
}

impl Overpayment {
    pub const ALL: &'static [Overpayment] = &[Overpayment::OnAccount];

    pub fn as_str(self) -> &'static str {
        match self {
            Overpayment::OnAccount => "on_account",
        }
    }

    /// An empty value is no choice.
    pub fn parse_choice(field: &'static str, value: &str) -> Result<Option<Self>, Invalid> {
        match value.trim() {
            "" | "none" => Ok(None),
            "on_account" => Ok(Some(Overpayment::OnAccount)),
            _ => Err(Invalid::new(
                field,
                Problem::NotOneOf {
                    choices: vec!["on_account"],
                },
            )),
        }
    }
}

/// An invoice as allocation sees it: what it still owes now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenInvoice {
    pub id: i64,
    pub number: String,
    pub currency: Currency,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    pub open: i64,
}

/// How a payment is to be spread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spread {
    /// These invoices (by number), these amounts.
    Named(Vec<(String, i64)>),
    /// The oldest due first, until the payment or the debts run out.
    OldestFirst,
    /// The same, among these invoices only (by number).
    OldestFirstOf(Vec<String>),
}

/// The outcome of an allocation: invoice id and amount, in order, and what
/// is left on account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    pub lines: Vec<(i64, i64)>,
    pub on_account: i64,
}

fn conflict(field: &'static str, rule: &'static str, with: impl Into<String>) -> Invalid {
    Invalid::new(
        field,
        Problem::Conflict {
            rule,
            with: with.into(),
        },
    )
}

/// Spreads `amount` (positive, in `currency`) over `invoices` (the
/// partner's open invoices).
///
/// Refuses (field `invoices`): an invoice named twice or not the partner's
/// (`invoice_unknown`), of another currency (`invoice_currency_differs`),
/// named amounts that are not positive (`allocation_not_positive`) or add
/// up to more than the payment (`allocations_exceed_payment`); and, unless
/// the overpayment choice was made (field `overpayment`), an amount beyond
/// what an invoice owes (`invoice_overpaid`, which also catches an invoice
/// already paid) or a remainder that pays nothing (`payment_exceeds_owed`).
/// With the choice, an invoice gets at most what it owes and the rest is
/// kept on account.
pub fn allocate(
    amount: i64,
    currency: Currency,
    invoices: &[OpenInvoice],
    spread: &Spread,
    overpayment: Option<Overpayment>,
) -> Result<Allocation, Invalid> {
    let mut lines: Vec<(i64, i64)> = Vec::new();
    match spread {
        Spread::Named(named) => {
            let mut total: i64 = 0;
            for (number, wanted) in named {
                let invoice = invoices
                    .iter()
                    .find(|i| i.number == *number)
                    .filter(|i| lines.iter().all(|(id, _)| *id != i.id))
                    .ok_or_else(|| conflict("invoices", "invoice_unknown", number.clone()))?;
                if invoice.currency != currency {
                    return Err(conflict(
                        "invoices",
                        "invoice_currency_differs",
                        number.clone(),
                    ));
                }
                if *wanted <= 0 {
                    return Err(conflict(
                        "invoices",
                        "allocation_not_positive",
                        number.clone(),
                    ));
                }
                total = total.saturating_add(*wanted);
                if *wanted > invoice.open.max(0) && overpayment.is_none() {
                    return Err(conflict("overpayment", "invoice_overpaid", number.clone()));
                }
                lines.push((invoice.id, (*wanted).min(invoice.open.max(0))));
            }
            if total > amount {
                return Err(Invalid::new(
                    "invoices",
                    Problem::Rule {
                        rule: "allocations_exceed_payment",
                    },
                ));
            }
        }
        Spread::OldestFirst | Spread::OldestFirstOf(_) => {
            if let Spread::OldestFirstOf(numbers) = spread {
                for number in numbers {
                    let invoice = invoices
                        .iter()
                        .find(|i| i.number == *number)
                        .ok_or_else(|| conflict("invoices", "invoice_unknown", number.clone()))?;
                    if invoice.currency != currency {
                        return Err(conflict(
                            "invoices",
                            "invoice_currency_differs",
                            number.clone(),
                        ));
                    }
                }
            }
            let chosen = |i: &OpenInvoice| match spread {
                Spread::OldestFirstOf(numbers) => numbers.contains(&i.number),
                _ => true,
            };
            let mut due: Vec<&OpenInvoice> = invoices
                .iter()
                .filter(|i| i.currency == currency && i.open > 0 && chosen(i))
                .collect();
            due.sort_by_key(|i| (i.due_on, i.issued_on, i.id));
            let mut left = amount;
            for invoice in due {
                if left == 0 {
                    break;
                }
                let paid = left.min(invoice.open);
                lines.push((invoice.id, paid));
                left -= paid;
            }
        }
    }
    lines.retain(|(_, paid)| *paid > 0);
    let allocated: i64 = lines.iter().map(|(_, paid)| paid).sum();
    let on_account = amount - allocated;
    if on_account > 0 && overpayment.is_none() {
        return Err(Invalid::new(
            "overpayment",
            Problem::Rule {
                rule: "payment_exceeds_owed",
            },
        ));
    }
    Ok(Allocation { lines, on_account })
}

/// A partner's ledger as read, the input of every report here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    pub invoices: Vec<InvoiceEntry>,
    pub credit_notes: Vec<CreditEntry>,
    pub payments: Vec<PaymentEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceEntry {
    pub id: i64,
    pub partner_id: i64,
    pub number: String,
    pub currency: Currency,
    pub amount: i64,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditEntry {
    pub partner_id: i64,
    pub number: String,
    pub invoice_id: Option<i64>,
    pub currency: Currency,
    pub amount: i64,
    pub issued_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentEntry {
    pub id: i64,
    pub partner_id: i64,
    pub number: String,
    pub currency: Currency,
    pub amount: i64,
    pub received_on: NaiveDate,
    /// Invoice id and amount.
    pub allocations: Vec<(i64, i64)>,
}

impl PaymentEntry {
    pub fn unallocated(&self) -> i64 {
        self.amount - self.allocations.iter().map(|(_, a)| a).sum::<i64>()
    }
}

impl Ledger {
    /// What `invoice` still owes at the end of `day`.
    pub fn open_on(&self, invoice: &InvoiceEntry, day: NaiveDate) -> i64 {
        invoice.amount - self.credited_by(invoice.id, day) - self.paid_by(invoice.id, day)
    }

    fn credited_by(&self, invoice: i64, day: NaiveDate) -> i64 {
        self.credit_notes
            .iter()
            .filter(|c| c.invoice_id == Some(invoice) && c.issued_on <= day)
            .map(|c| c.amount)
            .sum()
    }

    fn paid_by(&self, invoice: i64, day: NaiveDate) -> i64 {
        self.payments
            .iter()
            .filter(|p| p.received_on <= day)
            .flat_map(|p| &p.allocations)
            .filter(|(id, _)| *id == invoice)
            .map(|(_, amount)| amount)
            .sum()
    }

    /// Per partner, what its invoices in `currency` issued within `issued`
    /// still owed at the end of the `days`-th day after their issue (a
    /// commission's clawback), for the invoices whose day has come by
    /// `today`: an invoice still in its time is not judged yet.
    pub fn uncollected_after(
        &self,
        issued: DateRange,
        days: u32,
        today: NaiveDate,
        currency: Currency,
    ) -> BTreeMap<i64, i64> {
        // Indexed once: the whole company's ledger is read at a time.
        let mut settled: HashMap<i64, Vec<(NaiveDate, i64)>> = HashMap::new();
        for c in &self.credit_notes {
            if let Some(invoice) = c.invoice_id {
                settled
                    .entry(invoice)
                    .or_default()
                    .push((c.issued_on, c.amount));
            }
        }
        for p in &self.payments {
            for (invoice, amount) in &p.allocations {
                settled
                    .entry(*invoice)
                    .or_default()
                    .push((p.received_on, *amount));
            }
        }
        let mut open = BTreeMap::new();
        for invoice in &self.invoices {
            let deadline = invoice.issued_on + chrono::Days::new(u64::from(days));
            if invoice.currency != currency
                || !issued.contains(invoice.issued_on)
                || deadline > today
            {
                continue;
            }
            let paid: i64 = settled
                .get(&invoice.id)
                .into_iter()
                .flatten()
                .filter(|(on, _)| *on <= deadline)
                .map(|(_, amount)| amount)
                .sum();
            let owed = (invoice.amount - paid).max(0);
            if owed > 0 {
                *open.entry(invoice.partner_id).or_default() += owed;
            }
        }
        open
    }

    /// Every invoice with what it owes now (whatever the dates), for
    /// allocating a payment.
    pub fn open_invoices(&self) -> Vec<OpenInvoice> {
        self.invoices
            .iter()
            .map(|i| OpenInvoice {
                id: i.id,
                number: i.number.clone(),
                currency: i.currency,
                issued_on: i.issued_on,
                due_on: i.due_on,
                open: self.open_on(i, NaiveDate::MAX),
            })
            .collect()
    }

    /// The balance per currency at the end of `day`: invoices − credit
    /// notes − payments dated up to it.
    pub fn balance_on(&self, day: NaiveDate) -> BTreeMap<Currency, i64> {
        let mut balance = BTreeMap::new();
        for line in self.lines() {
            if line.date <= day {
                *balance.entry(line.currency).or_insert(0) += line.signed();
            }
        }
        balance
    }

    fn lines(&self) -> Vec<StatementLine> {
        let mut lines: Vec<StatementLine> = self
            .invoices
            .iter()
            .map(|i| StatementLine {
                date: i.issued_on,
                kind: LineKind::Invoice,
                number: i.number.clone(),
                currency: i.currency,
                amount: i.amount,
                due_on: Some(i.due_on),
            })
            .chain(self.credit_notes.iter().map(|c| StatementLine {
                date: c.issued_on,
                kind: LineKind::CreditNote,
                number: c.number.clone(),
                currency: c.currency,
                amount: c.amount,
                due_on: None,
            }))
            .chain(self.payments.iter().map(|p| StatementLine {
                date: p.received_on,
                kind: LineKind::Payment,
                number: p.number.clone(),
                currency: p.currency,
                amount: p.amount,
                due_on: None,
            }))
            .collect();
        // On one day, what was charged comes before what paid it.
        lines.sort_by(|a, b| (a.date, a.kind, &a.number).cmp(&(b.date, b.kind, &b.number)));
        lines
    }

    /// The statement of `from..=to`, one section per currency the partner
    /// has any entry in (up to `to`).
    pub fn statement(&self, from: NaiveDate, to: NaiveDate) -> Vec<Statement> {
        let mut sections: BTreeMap<Currency, Statement> = BTreeMap::new();
        for line in self.lines().into_iter().filter(|l| l.date <= to) {
            let section = sections.entry(line.currency).or_insert_with(|| Statement {
                currency: line.currency,
                opening: 0,
                lines: Vec::new(),
                closing: 0,
            });
            if line.date < from {
                section.opening += line.signed();
            } else {
                section.closing += line.signed();
                section.lines.push(StatementRow {
                    balance: section.opening + section.closing,
                    line,
                });
            }
        }
        sections
            .into_values()
            .map(|mut s| {
                s.closing += s.opening;
                s
            })
            .collect()
    }

    /// The open invoices on `day` (issued by then, still owing), each with
    /// its days past due, oldest due first.
    pub fn open_items(&self, day: NaiveDate) -> Vec<OpenItem<'_>> {
        let mut items: Vec<OpenItem<'_>> = self
            .invoices
            .iter()
            .filter(|i| i.issued_on <= day)
            .map(|i| OpenItem {
                invoice: i,
                open: self.open_on(i, day),
                days_past_due: (day - i.due_on).num_days(),
            })
            .filter(|item| item.open > 0)
            .collect();
        items.sort_by_key(|item| (item.invoice.due_on, item.invoice.id));
        items
    }

    /// The ageing on `day`, per partner and currency.
    pub fn ageing(&self, day: NaiveDate) -> BTreeMap<(i64, Currency), Ageing> {
        let mut rows: BTreeMap<(i64, Currency), Ageing> = BTreeMap::new();
        for item in self.open_items(day) {
            rows.entry((item.invoice.partner_id, item.invoice.currency))
                .or_default()
                .add(item.days_past_due, item.open);
        }
        rows
    }

    /// The collection rate of `from..=to`, per partner and currency.
    pub fn collection(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> BTreeMap<(i64, Currency), Collection> {
        let mut rows: BTreeMap<(i64, Currency), Collection> = BTreeMap::new();
        for invoice in self
            .invoices
            .iter()
            .filter(|i| from <= i.due_on && i.due_on <= to)
        {
            let row = rows
                .entry((invoice.partner_id, invoice.currency))
                .or_default();
            row.due += invoice.amount - self.credited_by(invoice.id, to);
            row.collected += self.paid_by(invoice.id, to);
        }
        rows
    }
}

/// The buckets of days past due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bucket {
    Current,
    Days1To30,
    Days31To60,
    Days61To90,
    Over90,
}

impl Bucket {
    pub const ALL: &'static [Bucket] = &[
        Bucket::Current,
        Bucket::Days1To30,
        Bucket::Days31To60,
        Bucket::Days61To90,
        Bucket::Over90,
    ];

    pub fn of(days_past_due: i64) -> Self {
        match days_past_due {
            ..=0 => Bucket::Current,
            1..=30 => Bucket::Days1To30,
            31..=60 => Bucket::Days31To60,
            61..=90 => Bucket::Days61To90,
            _ => Bucket::Over90,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Current => "current",
            Bucket::Days1To30 => "1_30",
            Bucket::Days31To60 => "31_60",
            Bucket::Days61To90 => "61_90",
            Bucket::Over90 => "over_90",
        }
    }
}

/// Open amounts by bucket, in [`Bucket::ALL`] order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ageing {
    pub buckets: [i64; 5],
}

impl Ageing {
    fn add(&mut self, days_past_due: i64, open: i64) {
        self.buckets[Bucket::of(days_past_due) as usize] += open;
    }

    pub fn total(&self) -> i64 {
        self.buckets.iter().sum()
    }

    pub fn overdue(&self) -> i64 {
        self.total() - self.buckets[0]
    }

    pub fn plus(mut self, other: &Ageing) -> Ageing {
        for (mine, theirs) in self.buckets.iter_mut().zip(other.buckets) {
            *mine += theirs;
        }
        self
    }
}

/// What fell due in a period and what of it was paid by its end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Collection {
    pub due: i64,
    pub collected: i64,
}

impl Collection {
    /// The share collected, as a fraction rounded to four places
    /// (0.8750 = 87.50 %); `None` when nothing fell due.
    pub fn rate(&self) -> Option<Decimal> {
        (self.due > 0).then(|| {
            (Decimal::from(self.collected) / Decimal::from(self.due))
                .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        })
    }
}

impl Collection {
    /// The rate in percent with two decimals (`87.50`).
    pub fn percent(&self) -> Option<String> {
        self.rate()
            .map(|r| format!("{:.2}", r * Decimal::ONE_HUNDRED))
    }
}

/// An invoice that still owes on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenItem<'a> {
    pub invoice: &'a InvoiceEntry,
    pub open: i64,
    /// Negative while not yet due.
    pub days_past_due: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LineKind {
    Invoice,
    CreditNote,
    Payment,
}

impl LineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Invoice => "invoice",
            LineKind::CreditNote => "credit_note",
            LineKind::Payment => "payment",
        }
    }
}

/// One entry of a statement, its amount positive as written on the
/// document; [`StatementLine::signed`] is its effect on the balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    pub date: NaiveDate,
    pub kind: LineKind,
    pub number: String,
    pub currency: Currency,
    pub amount: i64,
    pub due_on: Option<NaiveDate>,
}

impl StatementLine {
    pub fn signed(&self) -> i64 {
        match self.kind {
            LineKind::Invoice => self.amount,
            LineKind::CreditNote | LineKind::Payment => -self.amount,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRow {
    pub line: StatementLine,
    /// The running balance after this line.
    pub balance: i64,
}

/// One currency's statement of a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub currency: Currency,
    pub opening: i64,
    pub lines: Vec<StatementRow>,
    pub closing: i64,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn cny() -> Currency {
        Currency::parse("CNY").unwrap()
    }

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(u64::from(d))
    }

    fn open(id: i64, due: u32, owes: i64) -> OpenInvoice {
        OpenInvoice {
            id,
            number: format!("INV-{id}"),
            currency: cny(),
            issued_on: day(0),
            due_on: day(due),
            open: owes,
        }
    }

    fn rule_of(invalid: &Invalid) -> &'static str {
        match invalid.problem {
            Problem::Rule { rule } | Problem::Conflict { rule, .. } => rule,
            _ => panic!("not a rule: {invalid}"),
        }
    }

    #[test]
    fn oldest_due_is_paid_first() {
        let invoices = [open(1, 40, 500), open(2, 10, 300), open(3, 20, 400)];
        let got = allocate(600, cny(), &invoices, &Spread::OldestFirst, None).unwrap();
        assert_eq!(got.lines, vec![(2, 300), (3, 300)]);
        assert_eq!(got.on_account, 0);
    }

    #[test]
    fn paying_more_than_owed_needs_the_choice() {
        let invoices = [open(1, 10, 300)];
        let refused = allocate(500, cny(), &invoices, &Spread::OldestFirst, None).unwrap_err();
        assert_eq!(
            (refused.field, rule_of(&refused)),
            ("overpayment", "payment_exceeds_owed")
        );
        let kept = allocate(
            500,
            cny(),
            &invoices,
            &Spread::OldestFirst,
            Some(Overpayment::OnAccount),
        )
        .unwrap();
        assert_eq!(kept.lines, vec![(1, 300)]);
        assert_eq!(kept.on_account, 200);
    }

    #[test]
    fn an_invoice_is_never_paid_beyond_what_it_owes() {
        let invoices = [open(1, 10, 300), open(2, 10, 0)];
        let named = |n: &str, a| Spread::Named(vec![(n.to_owned(), a)]);
        let over = allocate(400, cny(), &invoices, &named("INV-1", 400), None).unwrap_err();
        assert_eq!(rule_of(&over), "invoice_overpaid");
        let paid = allocate(100, cny(), &invoices, &named("INV-2", 100), None).unwrap_err();
        assert_eq!(rule_of(&paid), "invoice_overpaid");
        let chosen = allocate(
            400,
            cny(),
            &invoices,
            &named("INV-1", 400),
            Some(Overpayment::OnAccount),
        )
        .unwrap();
        assert_eq!(chosen.lines, vec![(1, 300)]);
        assert_eq!(chosen.on_account, 100);
    }

    #[test]
    fn named_allocations_are_checked() {
        let mut invoices = vec![open(1, 10, 300)];
        invoices.push(OpenInvoice {
            currency: usd(),
            ..open(2, 10, 300)
        });
        let try_named = |named: Vec<(&str, i64)>| {
            let named = named.into_iter().map(|(n, a)| (n.to_owned(), a)).collect();
            rule_of(&allocate(200, cny(), &invoices, &Spread::Named(named), None).unwrap_err())
        };
        assert_eq!(try_named(vec![("INV-9", 100)]), "invoice_unknown");
        assert_eq!(
            try_named(vec![("INV-1", 100), ("INV-1", 100)]),
            "invoice_unknown"
        );
        assert_eq!(try_named(vec![("INV-2", 100)]), "invoice_currency_differs");
        assert_eq!(try_named(vec![("INV-1", 0)]), "allocation_not_positive");
        assert_eq!(
            try_named(vec![("INV-1", 250)]),
            "allocations_exceed_payment"
        );
        assert_eq!(try_named(vec![("INV-1", 150)]), "payment_exceeds_owed");
    }

    #[test]
    fn chosen_invoices_are_paid_oldest_first() {
        let invoices = [open(1, 40, 500), open(2, 10, 300), open(3, 20, 400)];
        let chosen = Spread::OldestFirstOf(vec!["INV-1".into(), "INV-3".into()]);
        let got = allocate(600, cny(), &invoices, &chosen, None).unwrap();
        assert_eq!(got.lines, vec![(3, 400), (1, 200)]);
        let unknown = Spread::OldestFirstOf(vec!["INV-7".into()]);
        let refused = allocate(600, cny(), &invoices, &unknown, None).unwrap_err();
        assert_eq!(rule_of(&refused), "invoice_unknown");
    }

    #[test]
    fn buckets_follow_days_past_due() {
        let cases = [
            (-5, Bucket::Current),
            (0, Bucket::Current),
            (1, Bucket::Days1To30),
            (30, Bucket::Days1To30),
            (31, Bucket::Days31To60),
            (60, Bucket::Days31To60),
            (61, Bucket::Days61To90),
            (90, Bucket::Days61To90),
            (91, Bucket::Over90),
        ];
        for (days, bucket) in cases {
            assert_eq!(Bucket::of(days), bucket, "{days}");
        }
    }

    fn invoice(id: i64, issued: u32, due: u32, amount: i64) -> InvoiceEntry {
        InvoiceEntry {
            id,
            partner_id: 1,
            number: format!("INV-{id}"),
            currency: cny(),
            amount,
            issued_on: day(issued),
            due_on: day(due),
        }
    }

    fn payment(id: i64, received: u32, amount: i64, allocations: Vec<(i64, i64)>) -> PaymentEntry {
        PaymentEntry {
            id,
            partner_id: 1,
            number: format!("PAY-{id}"),
            currency: cny(),
            amount,
            received_on: day(received),
            allocations,
        }
    }

    #[test]
    fn ageing_and_collection_read_the_ledger_as_of_a_day() {
        let ledger = Ledger {
            invoices: vec![invoice(1, 0, 30, 1000), invoice(2, 10, 40, 500)],
            credit_notes: vec![CreditEntry {
                partner_id: 1,
                number: "CN-1".into(),
                invoice_id: Some(2),
                currency: cny(),
                amount: 100,
                issued_on: day(20),
            }],
            payments: vec![payment(1, 50, 600, vec![(1, 600)])],
        };
        // Day 45: invoice 1 is 15 days late with 1000 open (paid on day 50),
        // invoice 2 is 5 days late with 400.
        let ageing = ledger.ageing(day(45));
        assert_eq!(ageing[&(1, cny())].buckets, [0, 1400, 0, 0, 0]);
        // Day 100: invoice 1 owes 400 (70 days late), invoice 2 400 (60).
        assert_eq!(
            ledger.ageing(day(100))[&(1, cny())].buckets,
            [0, 0, 400, 400, 0]
        );
        let rate = ledger.collection(day(30), day(59))[&(1, cny())];
        assert_eq!(
            rate,
            Collection {
                due: 1400,
                collected: 600
            }
        );
        assert_eq!(rate.rate(), Some(Decimal::new(4286, 4)));
        assert!(ledger.collection(day(200), day(300)).is_empty());
    }

    #[test]
    fn a_statement_opens_with_what_came_before() {
        let ledger = Ledger {
            invoices: vec![invoice(1, 0, 30, 1000), invoice(2, 40, 70, 500)],
            credit_notes: vec![],
            payments: vec![payment(1, 35, 300, vec![(1, 300)])],
        };
        let statement = ledger.statement(day(30), day(60));
        assert_eq!(statement.len(), 1);
        let s = &statement[0];
        assert_eq!(s.opening, 1000);
        let balances: Vec<i64> = s.lines.iter().map(|r| r.balance).collect();
        assert_eq!(balances, [700, 1200]);
        assert_eq!(s.closing, 1200);
    }

    #[test]
    fn what_was_not_collected_within_the_days_is_read_on_the_last_of_them() {
        let ledger = Ledger {
            invoices: vec![
                invoice(1, 0, 30, 1000),
                invoice(2, 10, 40, 500),
                InvoiceEntry {
                    partner_id: 2,
                    ..invoice(3, 20, 50, 800)
                },
                InvoiceEntry {
                    currency: usd(),
                    ..invoice(4, 5, 35, 700)
                },
                invoice(5, 80, 110, 900),
            ],
            credit_notes: vec![CreditEntry {
                partner_id: 1,
                number: "CN-1".into(),
                invoice_id: Some(2),
                currency: cny(),
                amount: 100,
                issued_on: day(20),
            }],
            payments: vec![
                // Invoice 1: 600 by day 60 (its last day), the rest on day 61.
                payment(1, 60, 600, vec![(1, 600)]),
                payment(2, 61, 400, vec![(1, 400)]),
                PaymentEntry {
                    partner_id: 2,
                    ..payment(3, 30, 800, vec![(3, 800)])
                },
            ],
        };
        let issued = DateRange::new(day(0), day(79), "to").unwrap();
        let open = ledger.uncollected_after(issued, 60, day(200), cny());
        // Partner 1: 400 of invoice 1 and 400 of invoice 2 (500 − the credit
        // note); partner 2 paid in time; invoice 4 is in dollars and 5 was
        // issued after the range.
        assert_eq!(open, BTreeMap::from([(1, 800)]));
        for (id, owed) in [(1, 400), (2, 400)] {
            let i = ledger.invoices.iter().find(|i| i.id == id).unwrap();
            assert_eq!(ledger.open_on(i, i.issued_on + chrono::Days::new(60)), owed);
        }
        // On day 65 invoice 2's sixty days have not all passed: not judged.
        assert_eq!(
            ledger.uncollected_after(issued, 60, day(65), cny()),
            BTreeMap::from([(1, 400)])
        );
    }

    fn ledger_strategy() -> impl Strategy<Value = Ledger> {
        let invoices =
            prop::collection::vec((0u32..300, 0u32..60, 1i64..1_000_000, any::<bool>()), 0..12);
        let credits = prop::collection::vec((0u32..300, 1i64..100_000, any::<bool>()), 0..5);
        let payments = prop::collection::vec((0u32..300, 1i64..1_000_000, any::<bool>()), 0..8);
        (invoices, credits, payments).prop_map(|(invoices, credits, payments)| {
            let invoices: Vec<InvoiceEntry> = invoices
                .into_iter()
                .enumerate()
                .map(|(n, (issued, terms, amount, dollars))| InvoiceEntry {
                    currency: if dollars { usd() } else { cny() },
                    ..invoice(n as i64 + 1, issued, issued + terms, amount)
                })
                .collect();
            let credit_notes = credits
                .into_iter()
                .enumerate()
                .map(|(n, (issued, amount, dollars))| CreditEntry {
                    partner_id: 1,
                    number: format!("CN-{n}"),
                    invoice_id: None,
                    currency: if dollars { usd() } else { cny() },
                    amount,
                    issued_on: day(issued),
                })
                .collect();
            let payments = payments
                .into_iter()
                .enumerate()
                .map(|(n, (received, amount, dollars))| PaymentEntry {
                    currency: if dollars { usd() } else { cny() },
                    ..payment(n as i64 + 1, received, amount, vec![])
                })
                .collect();
            Ledger {
                invoices,
                credit_notes,
                payments,
            }
        })
    }

    proptest! {
        #[test]
        fn allocations_sum_to_the_payment(
            owed in prop::collection::vec((0u32..90, 0i64..100_000), 0..10),
            amount in 1i64..500_000,
            keep in any::<bool>(),
        ) {
            let invoices: Vec<OpenInvoice> = owed
                .iter()
                .enumerate()
                .map(|(n, (due, owes))| open(n as i64 + 1, *due, *owes))
                .collect();
            let choice = keep.then_some(Overpayment::OnAccount);
            match allocate(amount, cny(), &invoices, &Spread::OldestFirst, choice) {
                Ok(got) => {
                    let allocated: i64 = got.lines.iter().map(|(_, a)| a).sum();
                    prop_assert_eq!(allocated + got.on_account, amount);
                    prop_assert!(got.on_account >= 0);
                    for (id, paid) in &got.lines {
                        let invoice = invoices.iter().find(|i| i.id == *id).unwrap();
                        prop_assert!(*paid > 0 && *paid <= invoice.open);
                    }
                    if got.on_account > 0 {
                        prop_assert!(keep);
                        // Everything owed was paid before anything was kept.
                        prop_assert_eq!(allocated, invoices.iter().map(|i| i.open).sum::<i64>());
                    }
                }
                Err(_) => {
                    prop_assert!(!keep);
                    prop_assert!(invoices.iter().map(|i| i.open).sum::<i64>() < amount);
                }
            }
        }

        #[test]
        fn statements_reconcile(ledger in ledger_strategy(), from in 0u32..300, length in 0u32..200) {
            let (from, to) = (day(from), day(from + length));
            for section in ledger.statement(from, to) {
                let moved: i64 = section.lines.iter().map(|r| r.line.signed()).sum();
                prop_assert_eq!(section.opening + moved, section.closing);
                let before = ledger.balance_on(from.pred_opt().unwrap());
                prop_assert_eq!(section.opening, before.get(&section.currency).copied().unwrap_or(0));
                let after = ledger.balance_on(to);
                prop_assert_eq!(Some(section.closing), after.get(&section.currency).copied());
                prop_assert!(section.lines.windows(2).all(|w| w[0].line.date <= w[1].line.date));
            }
        }
    }
}
