//! The query model every reader of facts speaks (dashboards, the API, the
//! CLI, and later targets, scorecards and incentives): measures crossed
//! with dimensions over a range of months, filtered, optionally compared
//! with the period before or the same period a year earlier.
//!
//! A query arrives as text ([`QueryText`]) and is parsed once into
//! [`Query`], with every error naming its field.

use qudao_domain::error::{Invalid, Problem};
use qudao_domain::periods::{FiscalCalendar, Month, Period};

use crate::table::Kind;

macro_rules! words {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }

            pub fn parse(field: &'static str, value: &str) -> Result<Self, Invalid> {
                match value.trim() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(Invalid::new(field, Problem::NotOneOf {
                        choices: vec![$($text,)+],
                    })),
                }
            }
        }
    };
}

words! {
    /// What is summed or counted.
    Measure {
        SellInAmount => "sell_in_amount",
        SellInQty => "sell_in_qty",
        ReturnsAmount => "returns_amount",
        ReturnsQty => "returns_qty",
        SellThroughAmount => "sell_through_amount",
        SellThroughQty => "sell_through_qty",
        DownstreamAmount => "downstream_amount",
        GrossMargin => "gross_margin",
        Invoiced => "invoiced",
        CreditNotes => "credit_notes",
        Collections => "collections",
        ReceivablesOutstanding => "receivables_outstanding",
        StockOnHand => "stock_on_hand",
        DaysOfCover => "days_of_cover",
        ActivePartners => "active_partners",
        ActiveOutlets => "active_outlets",
        NewCustomerRegions => "new_customer_regions",
        NewPartners => "new_partners",
    }
}

impl Measure {
    /// Whether the measure is money (in minor units of the company
    /// currency) rather than a quantity, a count or days.
    pub fn is_money(self) -> bool {
        matches!(
            self,
            Measure::SellInAmount
                | Measure::ReturnsAmount
                | Measure::SellThroughAmount
                | Measure::DownstreamAmount
                | Measure::GrossMargin
                | Measure::Invoiced
                | Measure::CreditNotes
                | Measure::Collections
                | Measure::ReceivablesOutstanding
        )
    }

    /// Whether the whole is the sum of its parts (a distinct count is not:
    /// a partner active in two provinces is one partner; nor is a ratio).
    pub fn is_additive(self) -> bool {
        !matches!(
            self,
            Measure::ActivePartners
                | Measure::ActiveOutlets
                | Measure::NewCustomerRegions
                | Measure::DaysOfCover
        )
    }

    /// A balance on the last day of the period rather than a flow within it.
    pub fn is_balance(self) -> bool {
        matches!(
            self,
            Measure::ReceivablesOutstanding | Measure::StockOnHand | Measure::DaysOfCover
        )
    }

    /// Whether facts stand behind the number (new partners are partners).
    pub fn has_lines(self) -> bool {
        self != Measure::NewPartners
    }

    /// The kind of fact whose lines stand behind the measure's number.
    pub fn kind(self) -> Kind {
        match self {
            Measure::SellInAmount
            | Measure::SellInQty
            | Measure::ReturnsAmount
            | Measure::ReturnsQty
            | Measure::GrossMargin
            | Measure::ActivePartners
            | Measure::ActiveOutlets
            | Measure::NewPartners => Kind::SellIn,
            Measure::SellThroughAmount
            | Measure::SellThroughQty
            | Measure::NewCustomerRegions
            | Measure::DaysOfCover => Kind::SellThrough,
            Measure::DownstreamAmount => Kind::DownstreamSellIn,
            Measure::Invoiced | Measure::ReceivablesOutstanding => Kind::Invoice,
            Measure::CreditNotes => Kind::CreditNote,
            Measure::Collections => Kind::Payment,
            Measure::StockOnHand => Kind::StockCount,
        }
    }
}

words! {
    /// What a number is split by.
    Dim {
        Partner => "partner",
        PartnerType => "partner_type",
        Grade => "grade",
        Owner => "owner",
        Product => "product",
        ProductLine => "product_line",
        Category => "category",
        Region => "region",
        Province => "province",
        City => "city",
        Year => "year",
        Quarter => "quarter",
        Month => "month",
    }
}

impl Dim {
    pub fn is_time(self) -> bool {
        matches!(self, Dim::Year | Dim::Quarter | Dim::Month)
    }

    /// What a fact row is looked up by to find this dimension's value.
    pub fn source(self) -> Source {
        match self {
            Dim::Partner | Dim::PartnerType | Dim::Grade | Dim::Owner => Source::Partner,
            Dim::Product | Dim::ProductLine | Dim::Category => Source::Product,
            Dim::Region | Dim::Province | Dim::City => Source::Region,
            Dim::Year | Dim::Quarter | Dim::Month => Source::Month,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Partner,
    Product,
    Region,
    Month,
}

words! {
    Compare {
        PreviousPeriod => "previous_period",
        LastYear => "last_year",
    }
}

/// A month as one number (`year × 12 + month − 1`), so a range of months
/// is a range of integers and "a year earlier" is `− 12`.
pub fn month_number(month: Month) -> i32 {
    month.year() * 12 + month.month() as i32 - 1
}

pub fn month_of_number(n: i32) -> Month {
    Month::new(n.div_euclid(12), n.rem_euclid(12) as u32 + 1)
        .unwrap_or_else(|| Month::new(1970, 1).expect("January 1970 is a month"))
}

/// A query as it arrives: every field is text, as in a URL or a JSON body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryText {
    pub measures: Vec<String>,
    pub by: Vec<String>,
    /// `2026`, `2026-Q3` or `2026-07` (years and quarters are fiscal).
    pub period: Option<String>,
    /// A range of months instead of `period`: `2025-01` to `2026-06`.
    pub from: Option<String>,
    pub to: Option<String>,
    /// `(dimension, codes)`: keep facts whose value is one of the codes.
    pub filters: Vec<(String, Vec<String>)>,
    pub compare: Option<String>,
    /// A measure to order by, `-` first for largest first.
    pub sort: Option<String>,
    pub limit: Option<usize>,
}

/// The largest number of result rows a query may ask for.
pub const MAX_LIMIT: usize = 100_000;

/// A filter on one dimension (time is filtered by the period).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub dim: Dim,
    pub codes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub measures: Vec<Measure>,
    pub by: Vec<Dim>,
    /// Month numbers, both ends included.
    pub first: i32,
    pub last: i32,
    pub filters: Vec<Filter>,
    pub compare: Option<Compare>,
    pub sort: Option<(Measure, bool)>,
    pub limit: Option<usize>,
}

impl Query {
    /// Parses a query; every problem is reported with its field.
    pub fn parse(text: &QueryText, fiscal: FiscalCalendar) -> Result<Query, Vec<Invalid>> {
        Self::read(text, fiscal, true)
    }

    /// The filters and period of a request for lines or stock flags: a
    /// query with no measures, splits, comparison, sort or limit (any given
    /// are left out).
    pub fn selection(text: &QueryText, fiscal: FiscalCalendar) -> Result<Query, Vec<Invalid>> {
        let only = QueryText {
            measures: Vec::new(),
            by: Vec::new(),
            compare: None,
            sort: None,
            limit: None,
            ..text.clone()
        };
        Self::read(&only, fiscal, false)
    }

    fn read(
        text: &QueryText,
        fiscal: FiscalCalendar,
        needs_measures: bool,
    ) -> Result<Query, Vec<Invalid>> {
        let mut errors = Vec::new();
        let mut measures = Vec::new();
        if needs_measures && text.measures.is_empty() {
            errors.push(Invalid::new("measures", Problem::Required));
        }
        for m in &text.measures {
            match Measure::parse("measures", m) {
                Ok(m) if !measures.contains(&m) => measures.push(m),
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
        let mut by = Vec::new();
        for d in &text.by {
            match Dim::parse("by", d) {
                Ok(d) if !by.contains(&d) => by.push(d),
                Ok(_) => {}
                Err(e) => errors.push(e),
            }
        }
        if by.len() > 4 {
            errors.push(Invalid::new(
                "by",
                Problem::Limit {
                    rule: "analytics_too_many_dimensions",
                    max: 4,
                },
            ));
        }
        if by.iter().any(|d| d.is_time()) && measures.iter().any(|m| m.is_balance()) {
            errors.push(Invalid::new(
                "by",
                Problem::Rule {
                    rule: "analytics_balance_by_time",
                },
            ));
        }
        let range = months(text, fiscal);
        if let Err(e) = &range {
            errors.push(e.clone());
        }
        let mut filters = Vec::new();
        for (dim, codes) in &text.filters {
            match Dim::parse("filter", dim) {
                Ok(d) if d.is_time() => errors.push(Invalid::new(
                    "filter",
                    Problem::Rule {
                        rule: "analytics_time_filter_is_period",
                    },
                )),
                Ok(dim) => {
                    let codes: Vec<String> = codes
                        .iter()
                        .map(|c| c.trim().to_owned())
                        .filter(|c| !c.is_empty())
                        .collect();
                    if !codes.is_empty() {
                        filters.push(Filter { dim, codes });
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        let compare = match text.compare.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => match Compare::parse("compare", c) {
                Ok(c) => Some(c),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
        };
        let sort = match text.sort.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => {
                let (desc, name) = match s.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, s),
                };
                match Measure::parse("sort", name) {
                    Ok(m) if measures.contains(&m) => Some((m, desc)),
                    Ok(_) => {
                        errors.push(Invalid::new(
                            "sort",
                            Problem::Rule {
                                rule: "analytics_sort_by_a_measure_asked_for",
                            },
                        ));
                        None
                    }
                    Err(e) => {
                        errors.push(e);
                        None
                    }
                }
            }
        };
        if let Some(limit) = text.limit
            && !(1..=MAX_LIMIT).contains(&limit)
        {
            errors.push(Invalid::new(
                "limit",
                Problem::Limit {
                    rule: "analytics_limit",
                    max: MAX_LIMIT,
                },
            ));
        }
        match range {
            Ok((first, last)) if errors.is_empty() => Ok(Query {
                measures,
                by,
                first,
                last,
                filters,
                compare,
                sort,
                limit: text.limit,
            }),
            _ => Err(errors),
        }
    }

    /// The same query over the months it is compared with.
    pub fn shifted(&self, compare: Compare) -> Query {
        let by = self.shift(compare);
        Query {
            first: self.first - by,
            last: self.last - by,
            compare: None,
            ..self.clone()
        }
    }

    /// How many months the compared period lies before this one.
    pub fn shift(&self, compare: Compare) -> i32 {
        match compare {
            Compare::PreviousPeriod => self.last - self.first + 1,
            Compare::LastYear => 12,
        }
    }
}

fn months(text: &QueryText, fiscal: FiscalCalendar) -> Result<(i32, i32), Invalid> {
    let period = text
        .period
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let from = text
        .from
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let to = text.to.as_deref().map(str::trim).filter(|p| !p.is_empty());
    match (period, from, to) {
        (Some(period), None, None) => {
            let months = match Period::parse("period", period)? {
                Period::Year(year) => fiscal.year_months(year),
                Period::Quarter(year, quarter) => fiscal.quarter_months(year, quarter),
                Period::Month(month) => vec![month],
            };
            Ok((
                month_number(months[0]),
                month_number(months[months.len() - 1]),
            ))
        }
        (None, Some(from), Some(to)) => {
            let first = month_number(Month::parse("from", from)?);
            let last = month_number(Month::parse("to", to)?);
            if first > last {
                return Err(Invalid::new(
                    "to",
                    Problem::Rule {
                        rule: "analytics_period_inverted",
                    },
                ));
            }
            if last - first >= 120 {
                return Err(Invalid::new(
                    "to",
                    Problem::Limit {
                        rule: "analytics_period_too_long",
                        max: 120,
                    },
                ));
            }
            Ok((first, last))
        }
        (None, None, None) => Err(Invalid::new("period", Problem::Required)),
        _ => Err(Invalid::new(
            "period",
            Problem::Rule {
                rule: "analytics_period_or_range",
            },
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> QueryText {
        QueryText {
            measures: vec!["sell_in_amount".into()],
            period: Some("2026".into()),
            ..QueryText::default()
        }
    }

    fn calendar(start: u32) -> FiscalCalendar {
        FiscalCalendar::new(start).unwrap()
    }

    #[test]
    fn a_fiscal_year_starting_in_april_runs_to_march() {
        let q = Query::parse(&text(), calendar(4)).unwrap();
        assert_eq!(month_of_number(q.first).to_string(), "2026-04");
        assert_eq!(month_of_number(q.last).to_string(), "2027-03");
    }

    #[test]
    fn unknown_words_and_inverted_months_are_named() {
        let t = QueryText {
            measures: vec!["revenue".into()],
            by: vec!["colour".into()],
            period: None,
            from: Some("2026-06".into()),
            to: Some("2026-01".into()),
            ..QueryText::default()
        };
        let errors = Query::parse(&t, calendar(1)).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["measures", "by", "to"]);
        assert!(matches!(
            &errors[2].problem,
            Problem::Rule {
                rule: "analytics_period_inverted"
            }
        ));
    }

    #[test]
    fn a_balance_cannot_be_split_by_month() {
        let t = QueryText {
            measures: vec!["stock_on_hand".into()],
            by: vec!["month".into()],
            ..text()
        };
        let errors = Query::parse(&t, calendar(1)).unwrap_err();
        assert_eq!(errors[0].field, "by");
    }

    #[test]
    fn last_year_and_the_previous_period_shift_by_their_length() {
        let t = QueryText {
            period: Some("2026-Q2".into()),
            ..text()
        };
        let q = Query::parse(&t, calendar(1)).unwrap();
        let prev = q.shifted(Compare::PreviousPeriod);
        assert_eq!(month_of_number(prev.first).to_string(), "2026-01");
        let ly = q.shifted(Compare::LastYear);
        assert_eq!(month_of_number(ly.last).to_string(), "2025-06");
    }
}
