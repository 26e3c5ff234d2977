//! Alerts: the daily look over every partner for what a channel manager
//! must act on, with the reason and the figures behind each. The rules,
//! their defaults and the cause keys are written out in
//! `docs/areas/alerts.md`.
//!
//! Every alert carries a cause key naming what it is about (the partner and
//! the month, product, invoice, last order or week), so a job that runs
//! again on the same facts raises nothing new: the store keeps the key
//! unique.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::catalog::Sku;
use crate::dates::DateRange;
use crate::error::{Invalid, Problem, string_enum};
use crate::inventory::{self, Cover};
use crate::money::{Currency, Money};
use crate::partners::PartnerCode;
use crate::periods::Month;
use crate::quality;
use crate::settings::{MAX_DAYS, Settings};

string_enum! {
    /// What an alert is about; the code is also its message key.
    AlertKind, "kind" {
        SellthroughDrop => "sellthrough_drop",
        Overdue => "overdue",
        Overstock => "overstock",
        StockOut => "stock_out",
        Dormant => "dormant",
        StoppedReporting => "stopped_reporting",
        OrderJumpOverLimit => "order_jump_over_limit",
    }
}

/// A partner that reported in none of this many months before the month
/// it missed was already silent: that is not a partner that stopped.
pub const REPORTING_LOOKBACK_MONTHS: u32 = 3;
/// The weeks before the last seven days that a partner's usual weekly
/// ordering is averaged over.
pub const TRAILING_WEEKS: u32 = 12;
/// The longest trailing average of sell-through: a year.
pub const MAX_TRAILING_MONTHS: u32 = 12;

/// A percentage above 0 and below 100 with at most two decimals (`30`, `12.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(Decimal);

impl Percent {
    pub fn new(value: Decimal) -> Option<Self> {
        let value = value.normalize();
        (value > Decimal::ZERO && value < Decimal::ONE_HUNDRED && value.scale() <= 2)
            .then_some(Self(value))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

/// How many times the usual amount: above 1 and at most 100, with at most
/// two decimals (`2`, `1.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Multiple(Decimal);

impl Multiple {
    pub fn new(value: Decimal) -> Option<Self> {
        let value = value.normalize();
        (value > Decimal::ONE && value <= Decimal::ONE_HUNDRED && value.scale() <= 2)
            .then_some(Self(value))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

/// When each rule fires. Set from the company's settings or a run's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Sell-through of the month fell more than this far below the average.
    pub sellthrough_drop: Percent,
    /// The months before that the sell-through average is taken over.
    pub trailing_months: u32,
    /// An invoice is flagged once it is more than this many days past due…
    pub overdue_days: u32,
    /// …and what is owed on such invoices is at least this much.
    pub overdue_min: Money,
    /// A partner with no order for more than this many days is dormant.
    pub dormant_days: u32,
    /// Orders of the last seven days above this many times the usual week…
    pub order_jump: Multiple,
    /// Stock covering more than this many days of sales is overstock.
    pub overstock_days: u32,
    /// A product sold within this many days and now out of stock is a stock-out.
    pub stock_out_days: u32,
}

/// The names thresholds are stored and given under, in form order. They
/// start with `alert_` so they can sit among the company's settings
/// (`overstock_days` is one) without a clash.
pub const KEYS: [&str; 8] = [
    "alert_sellthrough_drop_percent",
    "alert_trailing_months",
    "alert_overdue_days",
    "alert_overdue_min_amount",
    "alert_dormant_days",
    "alert_order_jump_multiple",
    "alert_overstock_days",
    "alert_stock_out_days",
];

impl Thresholds {
    /// The defaults in the company's currency, with the overstock limit of
    /// its inventory pages, so an alert and the page never disagree.
    pub fn for_company(settings: &Settings) -> Self {
        Self {
            sellthrough_drop: Percent(Decimal::from(30)),
            trailing_months: 3,
            overdue_days: 30,
            overdue_min: Money::from_decimal(Decimal::from(1000), settings.currency)
                .unwrap_or_else(|| Money::zero(settings.currency)),
            dormant_days: 60,
            order_jump: Multiple(Decimal::TWO),
            overstock_days: settings.overstock_days,
            stock_out_days: 30,
        }
    }

    /// Sets one threshold from its text. An unknown name is an error: these
    /// come from a person (a flag, a form), and a misspelt one must not be
    /// ignored.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), Invalid> {
        let index = KEYS.iter().position(|k| *k == key.trim());
        let field = index.map_or("alert_threshold", |i| KEYS[i]);
        match index {
            Some(0) => {
                self.sellthrough_drop = parse_decimal(field, value, PERCENT_TEXT, Percent::new)?;
            }
            Some(1) => {
                self.trailing_months = parse_whole(field, value, MAX_TRAILING_MONTHS, "1–12")?;
            }
            Some(2) => self.overdue_days = parse_days(field, value)?,
            Some(3) => {
                let amount = Money::parse(field, value, self.overdue_min.currency())?;
                if amount.is_negative() {
                    return Err(Invalid::new(
                        field,
                        Problem::Rule {
                            rule: "amount_not_negative",
                        },
                    ));
                }
                self.overdue_min = amount;
            }
            Some(4) => self.dormant_days = parse_days(field, value)?,
            Some(5) => {
                self.order_jump = parse_decimal(field, value, MULTIPLE_TEXT, Multiple::new)?;
            }
            Some(6) => self.overstock_days = parse_days(field, value)?,
            Some(7) => self.stock_out_days = parse_days(field, value)?,
            _ => {
                return Err(Invalid::new(
                    field,
                    Problem::NotOneOf {
                        choices: KEYS.to_vec(),
                    },
                ));
            }
        }
        Ok(())
    }

    /// These thresholds with each given one replaced; every bad one is
    /// reported, and none is applied unless all are good.
    pub fn with(mut self, given: &[(&str, &str)]) -> Result<Self, Vec<Invalid>> {
        let errors: Vec<Invalid> = given
            .iter()
            .filter_map(|(key, value)| self.set(key, value).err())
            .collect();
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }

    /// Each threshold as the text it is stored as, in [`KEYS`] order.
    pub fn stored(&self) -> [(&'static str, String); 8] {
        [
            (KEYS[0], self.sellthrough_drop.0.to_string()),
            (KEYS[1], self.trailing_months.to_string()),
            (KEYS[2], self.overdue_days.to_string()),
            (KEYS[3], self.overdue_min.amount_text()),
            (KEYS[4], self.dormant_days.to_string()),
            (KEYS[5], self.order_jump.0.to_string()),
            (KEYS[6], self.overstock_days.to_string()),
            (KEYS[7], self.stock_out_days.to_string()),
        ]
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self::for_company(&Settings::default())
    }
}

const PERCENT_TEXT: &str = "30 or 12.5 (above 0, below 100)";
const MULTIPLE_TEXT: &str = "2 or 1.5 (above 1, at most 100)";

fn parse_decimal<T>(
    field: &'static str,
    value: &str,
    expected: &'static str,
    make: impl Fn(Decimal) -> Option<T>,
) -> Result<T, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::new(field, Problem::Required));
    }
    let bad = || Invalid::new(field, Problem::Format { expected });
    let (whole, fraction) = value.split_once('.').unwrap_or((value, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) {
        return Err(bad());
    }
    value.parse::<Decimal>().ok().and_then(make).ok_or_else(bad)
}

fn parse_whole(
    field: &'static str,
    value: &str,
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
        .filter(|n| (1..=high).contains(n))
        .ok_or(Invalid::new(field, Problem::Format { expected }))
}

fn parse_days(field: &'static str, value: &str) -> Result<u32, Invalid> {
    parse_whole(field, value, MAX_DAYS, "1–3650")
}

/// An invoice still owing something after its due day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueInvoice {
    pub number: String,
    pub due_on: NaiveDate,
    /// What is still open on it, in minor units of the partner's currency.
    pub open: i64,
}

/// What the partner holds of one product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductFacts {
    pub sku: Sku,
    pub on_hand: i64,
    /// Units sold through in the inventory window ending today
    /// ([`inventory::WINDOW_DAYS`]), which days of cover are taken over.
    pub sold_in_window: i64,
    /// The last day a sale of it was reported.
    pub last_sold_on: Option<NaiveDate>,
}

/// What the rules read about one partner. Amounts are minor units of
/// `currency`; a partner with no history has every collection empty and
/// every amount zero ([`PartnerFacts::new`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerFacts {
    pub partner: PartnerCode,
    pub currency: Currency,
    /// Sell-through amount per month the partner reported any line in
    /// ([`sellthrough_months`] says which months are read). A month with
    /// lines that net to nothing is present with 0; a month without lines
    /// is absent.
    pub sellthrough: BTreeMap<Month, i64>,
    pub overdue: Vec<OverdueInvoice>,
    pub last_order_on: Option<NaiveDate>,
    /// `None` when the partner buys without a limit.
    pub credit_limit: Option<i64>,
    /// Open receivables today.
    pub balance: i64,
    /// Ordered in the last seven days ([`order_windows`]).
    pub ordered_last_week: i64,
    /// Ordered in the [`TRAILING_WEEKS`] weeks before them.
    pub ordered_before: i64,
    pub products: Vec<ProductFacts>,
}

impl PartnerFacts {
    /// A partner with no history yet.
    pub fn new(partner: PartnerCode, currency: Currency) -> Self {
        Self {
            partner,
            currency,
            sellthrough: BTreeMap::new(),
            overdue: Vec::new(),
            last_order_on: None,
            credit_limit: None,
            balance: 0,
            ordered_last_week: 0,
            ordered_before: 0,
            products: Vec::new(),
        }
    }
}

/// The month the sell-through rules judge on `today`: the latest month
/// whose report is overdue (as the missing-reports list counts it), so a
/// partner is not flagged before its report is due.
pub fn judged_month(today: NaiveDate) -> Month {
    quality::latest_overdue(today)
}

/// The months of sell-through the rules read on `today`, oldest first:
/// the judged month and as many before it as the longer of the trailing
/// average and the reporting look-back.
pub fn sellthrough_months(today: NaiveDate, t: &Thresholds) -> Vec<Month> {
    let back = t.trailing_months.max(REPORTING_LOOKBACK_MONTHS);
    let mut months = vec![judged_month(today)];
    for _ in 0..back {
        let earliest = months[months.len() - 1].previous();
        months.push(earliest);
    }
    months.reverse();
    months
}

/// The last seven days (today included) and the [`TRAILING_WEEKS`] weeks
/// before them, whose orders the order-jump rule compares.
pub fn order_windows(today: NaiveDate) -> (DateRange, DateRange) {
    let days_before = |n: u32| {
        today
            .checked_sub_days(Days::new(u64::from(n)))
            .unwrap_or(NaiveDate::MIN)
    };
    let week_from = days_before(6);
    let trailing_to = days_before(7);
    let trailing_from = days_before(7 * (TRAILING_WEEKS + 1) - 1);
    // Each start is at least as many days back as its end (both stop at
    // the first representable day), so neither range can be out of order.
    let range = |from, to| {
        DateRange::new(from, to, "to")
            .unwrap_or_else(|_| unreachable!("an order window starts before it ends"))
    };
    (range(week_from, today), range(trailing_from, trailing_to))
}

/// One figure behind an alert, exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertNumber {
    Money(Money),
    /// A percentage with two decimals (`42.50` for 42.5 %).
    Percent(Decimal),
    /// A ratio with two decimals (`2.50` times).
    Multiple(Decimal),
    Days(i64),
    Units(i64),
    Count(i64),
    Month(Month),
    Date(NaiveDate),
    /// The product a stock alert names, shown by its name.
    Sku(Sku),
}

impl fmt::Display for AlertNumber {
    /// Plain exact text, for the store and the API; pages format for people.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Money(money) => write!(f, "{money}"),
            Self::Percent(value) | Self::Multiple(value) => write!(f, "{value:.2}"),
            Self::Days(n) | Self::Units(n) | Self::Count(n) => write!(f, "{n}"),
            Self::Month(month) => write!(f, "{month}"),
            Self::Date(date) => write!(f, "{date}"),
            Self::Sku(sku) => write!(f, "{sku}"),
        }
    }
}

/// Something a channel manager should look at, why, and the figures behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub kind: AlertKind,
    pub partner: PartnerCode,
    /// `kind:partner:subject`; the same cause always gives the same key.
    pub cause: String,
    pub numbers: Vec<(&'static str, AlertNumber)>,
}

impl Alert {
    fn new(
        kind: AlertKind,
        partner: &PartnerCode,
        subject: impl fmt::Display,
        numbers: Vec<(&'static str, AlertNumber)>,
    ) -> Self {
        Self {
            kind,
            partner: partner.clone(),
            cause: format!("{}:{partner}:{subject}", kind.as_str()),
            numbers,
        }
    }
}

/// Every alert for one partner on `today`, in [`AlertKind::ALL`] order.
pub fn evaluate(today: NaiveDate, t: &Thresholds, p: &PartnerFacts) -> Vec<Alert> {
    let mut alerts = Vec::new();
    alerts.extend(sellthrough_drop(today, t, p));
    alerts.extend(overdue(today, t, p));
    alerts.extend(overstock(today, t, p));
    alerts.extend(stock_out(today, t, p));
    alerts.extend(dormant(today, t, p));
    alerts.extend(stopped_reporting(today, p));
    alerts.extend(order_jump(today, t, p));
    alerts
}

fn money(p: &PartnerFacts, minor: i64) -> AlertNumber {
    AlertNumber::Money(Money::from_minor(minor, p.currency))
}

fn days(n: u32) -> AlertNumber {
    AlertNumber::Days(i64::from(n))
}

fn round(value: Decimal, places: u32) -> Decimal {
    value.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero)
}

/// The judged month's sell-through fell more than the threshold below the
/// average of the months before it. Only judged when the partner reported
/// in the month (not reporting is its own alert) and in every month of the
/// average (a new partner's first months are no baseline).
fn sellthrough_drop(today: NaiveDate, t: &Thresholds, p: &PartnerFacts) -> Option<Alert> {
    let month = judged_month(today);
    let actual = *p.sellthrough.get(&month)?;
    let mut before = month;
    let mut sum = 0i128;
    for _ in 0..t.trailing_months {
        before = before.previous();
        sum += i128::from(*p.sellthrough.get(&before)?);
    }
    if sum <= 0 {
        return None;
    }
    let months = i64::from(t.trailing_months);
    let sum_d = Decimal::from_i128_with_scale(sum, 0);
    // The fall as a share of the average, compared without rounding:
    // (sum − actual × months) × 100 > threshold × sum.
    let fall = Decimal::from_i128_with_scale(sum - i128::from(actual) * i128::from(months), 0);
    let fall_percent = fall.checked_mul(Decimal::ONE_HUNDRED)?;
    if fall_percent <= t.sellthrough_drop.0.checked_mul(sum_d)? {
        return None;
    }
    let average = i64::try_from(round(sum_d / Decimal::from(months), 0)).ok()?;
    Some(Alert::new(
        AlertKind::SellthroughDrop,
        &p.partner,
        month,
        vec![
            ("month", AlertNumber::Month(month)),
            ("actual", money(p, actual)),
            ("average", money(p, average)),
            ("months", AlertNumber::Count(months)),
            ("drop", AlertNumber::Percent(round(fall_percent / sum_d, 2))),
            ("threshold", AlertNumber::Percent(t.sellthrough_drop.0)),
        ],
    ))
}

/// Invoices more than the threshold days past due, owing at least the
/// floor between them. The cause is the oldest of them, so a growing debt
/// is one alert and the next invoice to fall behind, once that one is
/// paid, is a new one.
fn overdue(today: NaiveDate, t: &Thresholds, p: &PartnerFacts) -> Option<Alert> {
    let late: Vec<(&OverdueInvoice, i64)> = p
        .overdue
        .iter()
        .filter(|invoice| invoice.open > 0)
        .map(|invoice| (invoice, (today - invoice.due_on).num_days()))
        .filter(|(_, days)| *days > i64::from(t.overdue_days))
        .collect();
    let (oldest, oldest_days) = late
        .iter()
        .min_by(|a, b| (a.0.due_on, &a.0.number).cmp(&(b.0.due_on, &b.0.number)))
        .copied()?;
    let amount = late
        .iter()
        .try_fold(0i64, |sum, (invoice, _)| sum.checked_add(invoice.open))?;
    // A floor in another currency cannot be compared without a rate; the
    // days alone then decide, rather than hiding an overdue debt.
    if p.currency == t.overdue_min.currency() && amount < t.overdue_min.minor() {
        return None;
    }
    Some(Alert::new(
        AlertKind::Overdue,
        &p.partner,
        &oldest.number,
        vec![
            ("amount", money(p, amount)),
            (
                "invoices",
                AlertNumber::Count(i64::try_from(late.len()).unwrap_or(i64::MAX)),
            ),
            ("oldest_days", AlertNumber::Days(oldest_days)),
            ("threshold_days", days(t.overdue_days)),
            ("threshold_amount", AlertNumber::Money(t.overdue_min)),
        ],
    ))
}

/// Stock covering more than the threshold days of sales, or stock that did
/// not sell at all in the window (the inventory pages' rule). One alert a
/// month per partner however many products it holds too much of: a
/// channel manager acts on the partner, and a large channel would
/// otherwise raise one per holding (a million a month on the benchmark's
/// channel). It counts them and names the one with the most units.
fn overstock(today: NaiveDate, t: &Thresholds, p: &PartnerFacts) -> Option<Alert> {
    let over: Vec<(&ProductFacts, Cover)> = p
        .products
        .iter()
        .map(|g| (g, inventory::cover(g.on_hand, g.sold_in_window)))
        .filter(|(_, cover)| inventory::is_overstock(*cover, t.overstock_days))
        .collect();
    let (worst, cover) = over.iter().max_by(|(a, _), (b, _)| {
        a.on_hand
            .cmp(&b.on_hand)
            .then(b.sku.as_str().cmp(a.sku.as_str()))
    })?;
    let mut numbers = vec![
        ("products", count(over.len())),
        ("product", AlertNumber::Sku(worst.sku.clone())),
        ("on_hand", AlertNumber::Units(worst.on_hand)),
        ("sold", AlertNumber::Units(worst.sold_in_window)),
        ("window_days", days(inventory::WINDOW_DAYS)),
    ];
    if let Cover::Days(cover_days) = cover {
        numbers.push(("cover_days", AlertNumber::Days(*cover_days)));
    }
    numbers.push(("threshold_days", days(t.overstock_days)));
    Some(Alert::new(
        AlertKind::Overstock,
        &p.partner,
        Month::of(today),
        numbers,
    ))
}

/// Nothing (or less) on hand of products sold within the threshold days
/// (today included). One alert a month per partner, as for overstock,
/// naming the product that sold most in the window.
fn stock_out(today: NaiveDate, t: &Thresholds, p: &PartnerFacts) -> Option<Alert> {
    let out: Vec<(&ProductFacts, NaiveDate)> = p
        .products
        .iter()
        .filter(|g| g.on_hand <= 0)
        .filter_map(|g| g.last_sold_on.map(|last| (g, last)))
        .filter(|(_, last)| (0..i64::from(t.stock_out_days)).contains(&(today - *last).num_days()))
        .collect();
    let (first, last_sold) = out.iter().max_by(|(a, x), (b, y)| {
        (a.sold_in_window, x)
            .cmp(&(b.sold_in_window, y))
            .then(b.sku.as_str().cmp(a.sku.as_str()))
    })?;
    Some(Alert::new(
        AlertKind::StockOut,
        &p.partner,
        Month::of(today),
        vec![
            ("products", count(out.len())),
            ("product", AlertNumber::Sku(first.sku.clone())),
            ("on_hand", AlertNumber::Units(first.on_hand)),
            ("last_sold_on", AlertNumber::Date(*last_sold)),
            ("threshold_days", days(t.stock_out_days)),
        ],
    ))
}

fn count(n: usize) -> AlertNumber {
    AlertNumber::Count(i64::try_from(n).unwrap_or(i64::MAX))
}

/// No order for more than the threshold days. The cause is the last
/// order, so one silence is one alert however long it lasts.
fn dormant(today: NaiveDate, t: &Thresholds, p: &PartnerFacts) -> Option<Alert> {
    let last = p.last_order_on?;
    let since = (today - last).num_days();
    (since > i64::from(t.dormant_days)).then(|| {
        Alert::new(
            AlertKind::Dormant,
            &p.partner,
            last,
            vec![
                ("last_order_on", AlertNumber::Date(last)),
                ("days", AlertNumber::Days(since)),
                ("threshold_days", days(t.dormant_days)),
            ],
        )
    })
}

/// No sell-through line in the judged month from a partner that reported
/// in one of the [`REPORTING_LOOKBACK_MONTHS`] months before it.
fn stopped_reporting(today: NaiveDate, p: &PartnerFacts) -> Option<Alert> {
    let month = judged_month(today);
    if p.sellthrough.contains_key(&month) {
        return None;
    }
    let mut before = month;
    let last_reported = (0..REPORTING_LOOKBACK_MONTHS).find_map(|_| {
        before = before.previous();
        p.sellthrough.contains_key(&before).then_some(before)
    })?;
    Some(Alert::new(
        AlertKind::StoppedReporting,
        &p.partner,
        month,
        vec![
            ("month", AlertNumber::Month(month)),
            ("last_reported", AlertNumber::Month(last_reported)),
            (
                "days_overdue",
                AlertNumber::Days(quality::days_overdue(month, today)),
            ),
        ],
    ))
}

/// A partner already over its credit limit ordered, in the last seven
/// days, more than the threshold times its usual week. At most once an ISO
/// week: a jump still there a week later is raised again.
fn order_jump(today: NaiveDate, t: &Thresholds, p: &PartnerFacts) -> Option<Alert> {
    let limit = p.credit_limit?;
    if p.balance <= limit || p.ordered_before <= 0 {
        return None;
    }
    let weeks = Decimal::from(TRAILING_WEEKS);
    let usual = Decimal::from(p.ordered_before) / weeks;
    // last week > multiple × before ÷ weeks, compared without rounding.
    let last_week = Decimal::from(p.ordered_last_week).checked_mul(weeks)?;
    let bar = t
        .order_jump
        .0
        .checked_mul(Decimal::from(p.ordered_before))?;
    if last_week <= bar {
        return None;
    }
    let average = i64::try_from(round(usual, 0)).ok()?;
    let week = today.iso_week();
    Some(Alert::new(
        AlertKind::OrderJumpOverLimit,
        &p.partner,
        format_args!("{}-W{:02}", week.year(), week.week()),
        vec![
            ("last_7_days", money(p, p.ordered_last_week)),
            ("weekly_average", money(p, average)),
            (
                "multiple",
                AlertNumber::Multiple(round(last_week / Decimal::from(p.ordered_before), 2)),
            ),
            ("threshold", AlertNumber::Multiple(t.order_jump.0)),
            ("balance", money(p, p.balance)),
            ("credit_limit", money(p, limit)),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn month(y: i32, m: u32) -> Month {
        Month::new(y, m).unwrap()
    }

    /// Mid-December: November's report was due on the 10th, so November is judged.
    fn today() -> NaiveDate {
        day(2026, 12, 15)
    }

    fn partner() -> PartnerFacts {
        PartnerFacts::new(PartnerCode::parse("P00001").unwrap(), Currency::CNY)
    }

    fn cny(minor: i64) -> AlertNumber {
        AlertNumber::Money(Money::from_minor(minor, Currency::CNY))
    }

    fn kinds(alerts: &[Alert]) -> Vec<AlertKind> {
        alerts.iter().map(|a| a.kind).collect()
    }

    fn number(alert: &Alert, name: &str) -> AlertNumber {
        alert
            .numbers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no number {name} in {alert:?}"))
    }

    fn product(
        sku: &str,
        on_hand: i64,
        sold: i64,
        last_sold_on: Option<NaiveDate>,
    ) -> ProductFacts {
        ProductFacts {
            sku: Sku::parse_as("sku", sku).unwrap(),
            on_hand,
            sold_in_window: sold,
            last_sold_on,
        }
    }

    #[test]
    fn defaults_are_what_a_channel_manager_expects() {
        let t = Thresholds::default();
        assert_eq!(t.sellthrough_drop.value(), Decimal::from(30));
        assert_eq!(t.trailing_months, 3);
        assert_eq!(
            (t.overdue_days, t.dormant_days, t.stock_out_days),
            (30, 60, 30)
        );
        assert_eq!(t.overdue_min, Money::from_minor(100_000, Currency::CNY));
        assert_eq!(t.order_jump.value(), Decimal::TWO);
        assert_eq!(t.overstock_days, Settings::default().overstock_days);
        let settings = Settings {
            currency: Currency::parse("JPY").unwrap(),
            overstock_days: 45,
            ..Settings::default()
        };
        let t = Thresholds::for_company(&settings);
        assert_eq!(t.overdue_min.to_string(), "1000 JPY");
        assert_eq!(t.overstock_days, 45);
    }

    #[test]
    fn thresholds_parse_and_name_each_bad_field() {
        let t = Thresholds::default()
            .with(&[
                ("alert_sellthrough_drop_percent", " 12.5 "),
                ("alert_trailing_months", "6"),
                ("alert_overdue_min_amount", "5,000.50"),
                ("alert_order_jump_multiple", "1.5"),
                ("alert_stock_out_days", "14"),
            ])
            .unwrap();
        assert_eq!(t.sellthrough_drop.value(), Decimal::new(125, 1));
        assert_eq!(t.trailing_months, 6);
        assert_eq!(t.overdue_min.minor(), 500_050);
        assert_eq!(t.order_jump.value(), Decimal::new(15, 1));
        assert_eq!(t.stock_out_days, 14);

        let errors = Thresholds::default()
            .with(&[
                ("alert_sellthrough_drop_percent", "100"),
                ("alert_trailing_months", "13"),
                ("alert_overdue_days", ""),
                ("alert_overdue_min_amount", "-1"),
                ("alert_dormant_days", "0"),
                ("alert_order_jump_multiple", "1"),
                ("alert_overstock_days", "1.5"),
                ("alert_stock_out_days", "3651"),
                ("alert_dormnat_days", "30"),
            ])
            .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "alert_sellthrough_drop_percent",
                "alert_trailing_months",
                "alert_overdue_days",
                "alert_overdue_min_amount",
                "alert_dormant_days",
                "alert_order_jump_multiple",
                "alert_overstock_days",
                "alert_stock_out_days",
                "alert_threshold",
            ]
        );
        assert_eq!(
            errors[0].problem,
            Problem::Format {
                expected: PERCENT_TEXT
            }
        );
        assert_eq!(errors[2].problem, Problem::Required);
        assert_eq!(errors[3].problem_rule(), Some("amount_not_negative"));
        assert_eq!(
            errors[4].problem,
            Problem::Format {
                expected: "1–3650"
            }
        );
        assert!(matches!(errors[8].problem, Problem::NotOneOf { .. }));
        for bad in ["0", "-5", "1e1", "12.345", "abc", "99.999"] {
            let mut t = Thresholds::default();
            assert!(
                t.set("alert_sellthrough_drop_percent", bad).is_err(),
                "{bad}"
            );
            assert_eq!(t, Thresholds::default(), "{bad} changed nothing");
        }
        assert!(
            Thresholds::default()
                .set("alert_overdue_min_amount", "1.234")
                .is_err()
        );
    }

    #[test]
    fn a_bad_threshold_applies_none_of_the_others() {
        let t = Thresholds::default();
        assert!(
            t.with(&[("alert_dormant_days", "90"), ("alert_overdue_days", "x")])
                .is_err()
        );
        assert_eq!(t.dormant_days, 60);
    }

    #[test]
    fn stored_text_reads_back() {
        let t = Thresholds::default()
            .with(&[
                ("alert_sellthrough_drop_percent", "12.50"),
                ("alert_overdue_min_amount", "0"),
                ("alert_order_jump_multiple", "3.25"),
                ("alert_overstock_days", "120"),
            ])
            .unwrap();
        let stored = t.stored();
        let given: Vec<(&str, &str)> = stored.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(Thresholds::default().with(&given), Ok(t));
        assert_eq!(stored[0].1, "12.5");
        assert_eq!(stored[3].1, "0.00");
    }

    #[test]
    fn no_alert_for_a_partner_with_no_history() {
        let t = Thresholds::default();
        assert_eq!(evaluate(today(), &t, &partner()), []);
        let mut limited = partner();
        limited.credit_limit = Some(0);
        limited.ordered_last_week = 500_000;
        limited.balance = 500_000;
        assert_eq!(
            evaluate(today(), &t, &limited),
            [],
            "no usual week to jump from"
        );
    }

    fn reporting(amounts: &[(u32, i64)]) -> PartnerFacts {
        let mut p = partner();
        for (m, amount) in amounts {
            let at = if *m > 12 {
                month(2025, *m - 12)
            } else {
                month(2026, *m)
            };
            p.sellthrough.insert(at, *amount);
        }
        p
    }

    #[test]
    fn sellthrough_drop_fires_just_past_the_threshold() {
        let t = Thresholds::default();
        // Average of Aug–Oct: ¥1,000.00; November 30 % lower is not more than 30 %.
        let at = reporting(&[(8, 90_000), (9, 100_000), (10, 110_000), (11, 70_000)]);
        assert_eq!(evaluate(today(), &t, &at), []);
        let past = reporting(&[(8, 90_000), (9, 100_000), (10, 110_000), (11, 69_999)]);
        let alerts = evaluate(today(), &t, &past);
        assert_eq!(kinds(&alerts), [AlertKind::SellthroughDrop]);
        let alert = &alerts[0];
        assert_eq!(alert.cause, "sellthrough_drop:P00001:2026-11");
        assert_eq!(number(alert, "actual"), cny(69_999));
        assert_eq!(number(alert, "average"), cny(100_000));
        assert_eq!(
            number(alert, "drop"),
            AlertNumber::Percent(Decimal::new(3000, 2))
        );
        assert_eq!(number(alert, "drop").to_string(), "30.00");
        assert_eq!(number(alert, "threshold").to_string(), "30.00");
        assert_eq!(number(alert, "month"), AlertNumber::Month(month(2026, 11)));
    }

    #[test]
    fn sellthrough_drop_money_is_exact() {
        let t = Thresholds::default();
        // ¥333.34 a month on average (100,001 fen ÷ 3 = 33,333.67 fen);
        // a fall of 30 % would leave 23,333.567 fen, so 23,333 fen is past it
        // and 23,334 fen is not — a float average would blur the two.
        let base = [(8, 33_333), (9, 33_334), (10, 33_334)];
        let with = |nov: i64| {
            let mut months = base.to_vec();
            months.push((11, nov));
            evaluate(today(), &t, &reporting(&months))
        };
        assert_eq!(with(23_334), []);
        let alerts = with(23_333);
        assert_eq!(number(&alerts[0], "average"), cny(33_334));
        assert_eq!(
            number(&alerts[0], "drop"),
            AlertNumber::Percent(Decimal::new(3000, 2))
        );
        assert_eq!(number(&alerts[0], "actual").to_string(), "233.33 CNY");
    }

    #[test]
    fn sellthrough_drop_needs_a_full_baseline_and_a_report() {
        let t = Thresholds::default();
        // September missing: a new partner's first months are no baseline.
        let gap = reporting(&[(8, 100_000), (10, 100_000), (11, 1)]);
        assert_eq!(evaluate(today(), &t, &gap), []);
        // Nothing sold on average: nothing to fall from.
        let flat = reporting(&[(8, 0), (9, 0), (10, 0), (11, -5)]);
        assert_eq!(evaluate(today(), &t, &flat), []);
        // No November report is stopped reporting, not a drop.
        let silent = reporting(&[(8, 100_000), (9, 100_000), (10, 100_000)]);
        assert_eq!(
            kinds(&evaluate(today(), &t, &silent)),
            [AlertKind::StoppedReporting]
        );
    }

    #[test]
    fn causes_are_stable_for_the_same_month_and_new_for_the_next() {
        let t = Thresholds::default();
        let p = reporting(&[(8, 100_000), (9, 100_000), (10, 100_000), (11, 10_000)]);
        let first = evaluate(today(), &t, &p);
        assert_eq!(first, evaluate(today(), &t, &p));
        // Still November that is judged until January's 10th has passed.
        assert_eq!(first, evaluate(day(2027, 1, 10), &t, &p));
        let mut later = p;
        later.sellthrough.insert(month(2026, 12), 1_000);
        let next = evaluate(day(2027, 1, 11), &t, &later);
        assert_eq!(next[0].cause, "sellthrough_drop:P00001:2026-12");
        assert_ne!(next[0].cause, first[0].cause);
    }

    fn invoice(number: &str, due_on: NaiveDate, open: i64) -> OverdueInvoice {
        OverdueInvoice {
            number: number.to_owned(),
            due_on,
            open,
        }
    }

    #[test]
    fn overdue_fires_past_the_days_and_at_the_amount() {
        let t = Thresholds::default();
        let mut p = partner();
        // Due 15 November: 30 days past due on 15 December.
        p.overdue = vec![invoice("INV-2", day(2026, 11, 15), 500_000)];
        assert_eq!(evaluate(today(), &t, &p), []);
        p.overdue = vec![
            invoice("INV-3", day(2026, 11, 20), 900_000),
            invoice("INV-2", day(2026, 11, 14), 60_000),
            invoice("INV-1", day(2026, 11, 1), 40_000),
        ];
        let alerts = evaluate(today(), &t, &p);
        assert_eq!(kinds(&alerts), [AlertKind::Overdue]);
        let alert = &alerts[0];
        assert_eq!(alert.cause, "overdue:P00001:INV-1");
        assert_eq!(number(alert, "amount"), cny(100_000));
        assert_eq!(number(alert, "invoices"), AlertNumber::Count(2));
        assert_eq!(number(alert, "oldest_days"), AlertNumber::Days(44));
        assert_eq!(number(alert, "threshold_amount"), cny(100_000));
        // One fen under the floor: no alert.
        p.overdue[1].open = 59_999;
        assert_eq!(evaluate(today(), &t, &p), []);
        // The oldest paid, the next one behind is a new cause.
        p.overdue = vec![invoice("INV-2", day(2026, 11, 14), 100_000)];
        assert_eq!(evaluate(today(), &t, &p)[0].cause, "overdue:P00001:INV-2");
    }

    #[test]
    fn overdue_in_another_currency_is_not_hidden_by_the_floor() {
        let t = Thresholds::default();
        let mut p = PartnerFacts::new(
            PartnerCode::parse("P00002").unwrap(),
            Currency::parse("USD").unwrap(),
        );
        p.overdue = vec![invoice("INV-9", day(2026, 10, 1), 100)];
        let alerts = evaluate(today(), &t, &p);
        assert_eq!(number(&alerts[0], "amount").to_string(), "1.00 USD");
    }

    #[test]
    fn overstock_is_one_alert_a_month_naming_the_product_with_most_units() {
        let t = Thresholds::default();
        let mut p = partner();
        // 90 sold in 90 days: one unit a day, so on hand is the days of cover.
        p.products = vec![
            product("TEA-1", 60, 90, Some(today())),
            product("TEA-2", 61, 90, Some(today())),
            product("TEA-3", 5, 0, None),
        ];
        let alerts = evaluate(today(), &t, &p);
        assert_eq!(kinds(&alerts), [AlertKind::Overstock]);
        assert_eq!(alerts[0].cause, "overstock:P00001:2026-12");
        // TEA-2 (61 days) and TEA-3 (unsold) are over; TEA-2 holds most.
        assert_eq!(number(&alerts[0], "products"), AlertNumber::Count(2));
        assert_eq!(
            number(&alerts[0], "product"),
            AlertNumber::Sku(Sku::parse_as("sku", "TEA-2").unwrap())
        );
        assert_eq!(number(&alerts[0], "on_hand"), AlertNumber::Units(61));
        assert_eq!(number(&alerts[0], "cover_days"), AlertNumber::Days(61));
        assert_eq!(number(&alerts[0], "threshold_days"), AlertNumber::Days(60));
        assert_eq!(evaluate(day(2026, 12, 31), &t, &p), alerts);
        assert_eq!(
            evaluate(day(2027, 1, 1), &t, &p)[0].cause,
            "overstock:P00001:2027-01"
        );
        // Stock that did not sell at all has no days of cover to show.
        p.products = vec![product("TEA-3", 5, 0, None)];
        let alerts = evaluate(today(), &t, &p);
        assert!(
            alerts[0]
                .numbers
                .iter()
                .all(|(name, _)| *name != "cover_days")
        );
    }

    #[test]
    fn stock_out_is_one_alert_a_month_naming_the_best_seller_out() {
        let t = Thresholds::default();
        let mut p = partner();
        p.products = vec![
            product("A", 0, 10, Some(day(2026, 11, 16))),
            product("B", 0, 10, Some(day(2026, 11, 15))),
            product("C", 1, 10, Some(today())),
            product("D", -2, 0, None),
            product("E", -2, 3, Some(today())),
        ];
        let alerts = evaluate(today(), &t, &p);
        let causes: Vec<_> = alerts.iter().map(|a| a.cause.as_str()).collect();
        // A (30 days ago, within 30) and E are out; B sold 31 days ago, C
        // holds one, D never sold. A sold more.
        assert_eq!(causes, ["stock_out:P00001:2026-12"]);
        assert_eq!(number(&alerts[0], "products"), AlertNumber::Count(2));
        assert_eq!(
            number(&alerts[0], "product"),
            AlertNumber::Sku(Sku::parse_as("sku", "A").unwrap())
        );
        assert_eq!(number(&alerts[0], "on_hand"), AlertNumber::Units(0));
        assert_eq!(
            number(&alerts[0], "last_sold_on"),
            AlertNumber::Date(day(2026, 11, 16))
        );
    }

    #[test]
    fn dormant_fires_past_the_days_once_per_last_order() {
        let t = Thresholds::default();
        let mut p = partner();
        p.last_order_on = Some(day(2026, 10, 16));
        assert_eq!(evaluate(today(), &t, &p), [], "60 days is not more than 60");
        let alerts = evaluate(day(2026, 12, 16), &t, &p);
        assert_eq!(alerts[0].cause, "dormant:P00001:2026-10-16");
        assert_eq!(number(&alerts[0], "days"), AlertNumber::Days(61));
        assert_eq!(evaluate(day(2027, 3, 1), &t, &p)[0].cause, alerts[0].cause);
    }

    #[test]
    fn stopped_reporting_needs_a_recent_report() {
        let t = Thresholds::default();
        let alerts = evaluate(today(), &t, &reporting(&[(8, 5)]));
        assert_eq!(alerts[0].cause, "stopped_reporting:P00001:2026-11");
        assert_eq!(
            number(&alerts[0], "last_reported"),
            AlertNumber::Month(month(2026, 8))
        );
        assert_eq!(number(&alerts[0], "days_overdue"), AlertNumber::Days(5));
        // Silent since July: already silent, not stopping now.
        assert_eq!(evaluate(today(), &t, &reporting(&[(7, 5)])), []);
        // On 10 December November is not yet due: October is judged.
        assert_eq!(evaluate(day(2026, 12, 10), &t, &reporting(&[(10, 5)])), []);
        let earlier = evaluate(day(2026, 12, 10), &t, &reporting(&[(9, 5)]));
        assert_eq!(earlier[0].cause, "stopped_reporting:P00001:2026-10");
    }

    fn over_limit(last_week: i64) -> PartnerFacts {
        let mut p = partner();
        p.credit_limit = Some(1_000_000);
        p.balance = 1_000_001;
        // ¥12,000 over twelve weeks: ¥1,000 a week.
        p.ordered_before = 1_200_000;
        p.ordered_last_week = last_week;
        p
    }

    #[test]
    fn order_jump_fires_past_the_multiple_while_over_the_limit() {
        let t = Thresholds::default();
        assert_eq!(evaluate(today(), &t, &over_limit(200_000)), []);
        let alerts = evaluate(today(), &t, &over_limit(200_001));
        assert_eq!(kinds(&alerts), [AlertKind::OrderJumpOverLimit]);
        let alert = &alerts[0];
        assert_eq!(alert.cause, "order_jump_over_limit:P00001:2026-W51");
        assert_eq!(number(alert, "weekly_average"), cny(100_000));
        assert_eq!(number(alert, "multiple").to_string(), "2.00");
        assert_eq!(number(alert, "credit_limit"), cny(1_000_000));
        assert_eq!(
            evaluate(day(2026, 12, 20), &t, &over_limit(200_001)),
            alerts
        );
        assert_eq!(
            evaluate(day(2026, 12, 21), &t, &over_limit(200_001))[0].cause,
            "order_jump_over_limit:P00001:2026-W52"
        );
        let mut at_limit = over_limit(900_000);
        at_limit.balance = 1_000_000;
        assert_eq!(
            evaluate(today(), &t, &at_limit),
            [],
            "at the limit is not over it"
        );
        let mut unlimited = over_limit(900_000);
        unlimited.credit_limit = None;
        assert_eq!(evaluate(today(), &t, &unlimited), []);
    }

    #[test]
    fn windows_and_months_the_store_reads() {
        let (week, before) = order_windows(today());
        assert_eq!((week.from(), week.to()), (day(2026, 12, 9), today()));
        assert_eq!(
            (before.from(), before.to()),
            (day(2026, 9, 16), day(2026, 12, 8))
        );
        assert_eq!(
            (before.to() - before.from()).num_days() + 1,
            i64::from(7 * TRAILING_WEEKS)
        );
        let months = sellthrough_months(today(), &Thresholds::default());
        assert_eq!(
            months,
            [
                month(2026, 8),
                month(2026, 9),
                month(2026, 10),
                month(2026, 11)
            ]
        );
        let six = Thresholds::default()
            .with(&[("alert_trailing_months", "6")])
            .unwrap();
        assert_eq!(sellthrough_months(today(), &six).len(), 7);
        assert_eq!(sellthrough_months(today(), &six)[0], month(2026, 5));
    }

    #[test]
    fn every_kind_has_its_code() {
        let codes: Vec<_> = AlertKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            codes,
            [
                "sellthrough_drop",
                "overdue",
                "overstock",
                "stock_out",
                "dormant",
                "stopped_reporting",
                "order_jump_over_limit"
            ]
        );
        assert_eq!(AlertKind::parse("stock_out"), Ok(AlertKind::StockOut));
    }

    fn any_thresholds() -> impl Strategy<Value = Thresholds> {
        (
            1_i64..10_000,
            1_u32..=MAX_TRAILING_MONTHS,
            (
                1_u32..=MAX_DAYS,
                1_u32..=MAX_DAYS,
                1_u32..=MAX_DAYS,
                1_u32..=MAX_DAYS,
            ),
            proptest::num::i64::ANY,
            101_i64..=10_000,
        )
            .prop_map(
                |(drop, trailing_months, (a, b, c, d), floor, jump)| Thresholds {
                    sellthrough_drop: Percent(Decimal::new(drop, 2)),
                    trailing_months,
                    overdue_days: a,
                    overdue_min: Money::from_minor(floor, Currency::CNY),
                    dormant_days: b,
                    order_jump: Multiple(Decimal::new(jump, 2)),
                    overstock_days: c,
                    stock_out_days: d,
                },
            )
    }

    fn any_day() -> impl Strategy<Value = NaiveDate> {
        (NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce())
            .prop_map(|n| NaiveDate::from_num_days_from_ce_opt(n).unwrap())
    }

    fn any_facts() -> impl Strategy<Value = PartnerFacts> {
        let amount = proptest::num::i64::ANY;
        (
            proptest::collection::btree_map(
                (2025_i32..2028, 1_u32..=12).prop_map(|(y, m)| Month::new(y, m).unwrap()),
                amount,
                0..30,
            ),
            proptest::collection::vec(
                (any_day(), amount).prop_map(|(due_on, open)| invoice("INV", due_on, open)),
                0..5,
            ),
            proptest::option::of(any_day()),
            proptest::option::of(amount),
            (amount, amount, amount),
            proptest::collection::vec(
                (amount, amount, proptest::option::of(any_day()))
                    .prop_map(|(on_hand, sold, last)| product("X", on_hand, sold, last)),
                0..4,
            ),
        )
            .prop_map(
                |(
                    sellthrough,
                    overdue,
                    last_order_on,
                    credit_limit,
                    (balance, week, before),
                    products,
                )| {
                    PartnerFacts {
                        sellthrough,
                        overdue,
                        last_order_on,
                        credit_limit,
                        balance,
                        ordered_last_week: week,
                        ordered_before: before,
                        products,
                        ..partner()
                    }
                },
            )
    }

    proptest! {
        /// Whatever the facts, thresholds and day: no panic, and every
        /// alert's cause starts with its kind and partner.
        #[test]
        fn evaluate_never_panics(
            today in prop_oneof![any_day(), (2025_i32..2029, 1_u32..=12, 1_u32..=28)
                .prop_map(|(y, m, d)| day(y, m, d))],
            t in any_thresholds(),
            p in any_facts(),
        ) {
            let alerts = evaluate(today, &t, &p);
            for alert in &alerts {
                let prefix = format!("{}:P00001:", alert.kind.as_str());
                prop_assert!(alert.cause.starts_with(&prefix), "{}", alert.cause);
                prop_assert!(!alert.numbers.is_empty());
            }
            prop_assert_eq!(evaluate(today, &t, &p), alerts);
        }
    }
}
