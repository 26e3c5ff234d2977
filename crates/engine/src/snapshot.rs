//! A snapshot: the dimensions and every fact table as of one publication.
//! Readers take an `Arc` of it and never see a later publication halfway.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::NaiveDate;
use qudao_domain::periods::{FiscalCalendar, Month};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::dims::{Dims, NONE};
use crate::query::month_number;
use crate::table::{Kind, Row, Table, day_number};

/// A fact as the store reads it (`store::facts::Fact`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactInput {
    pub id: i64,
    pub partner_id: i64,
    pub product_id: Option<i64>,
    pub region_id: Option<i64>,
    pub date: NaiveDate,
    pub qty: i64,
    pub amount_minor: i64,
    pub currency: String,
}

/// A month's exchange rate into the company currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateInput {
    pub currency: String,
    pub month: Month,
    pub rate: Decimal,
}

/// The rate a number was converted at, shown beside it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RateUsed {
    pub currency: String,
    pub month: Month,
    /// `None` when the month has no rate: those facts count with no amount
    /// until finance sets one.
    pub rate: Option<Decimal>,
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Unique in the process to this publication: an answer computed on
    /// one snapshot can be kept for as long as the generation is current.
    pub generation: u64,
    pub dims: Arc<Dims>,
    pub tables: [Arc<Table>; 7],
    pub fiscal: FiscalCalendar,
    /// Index 0 is the company currency.
    pub currencies: Vec<String>,
    pub rates: Arc<HashMap<(u8, i32), Decimal>>,
}

pub(crate) fn next_generation() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Why a batch of facts could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// The fact names a partner, product or region the dimensions do not
    /// hold yet: read them again, then retry.
    UnknownDimension {
        kind: Kind,
        id: i64,
    },
    TooManyCurrencies,
}

impl Snapshot {
    pub fn empty(company_currency: &str, fiscal: FiscalCalendar) -> Self {
        Self {
            generation: next_generation(),
            dims: Arc::default(),
            tables: Default::default(),
            fiscal,
            currencies: vec![company_currency.to_owned()],
            rates: Arc::default(),
        }
    }

    pub fn table(&self, kind: Kind) -> &Table {
        &self.tables[kind.index()]
    }

    pub fn company_currency(&self) -> &str {
        &self.currencies[0]
    }

    /// The snapshot with new dimensions, rates and facts. Facts are encoded
    /// against `dims` (or the current ones), converted into the company
    /// currency at their month's rate, and appended in one go.
    pub fn published(
        &self,
        dims: Option<Dims>,
        rates: Option<&[RateInput]>,
        facts: &[(Kind, Vec<FactInput>)],
    ) -> Result<Snapshot, EncodeError> {
        let mut next = self.clone();
        next.generation = next_generation();
        if let Some(dims) = dims {
            next.dims = Arc::new(dims);
        }
        if let Some(rates) = rates {
            let mut map = HashMap::new();
            for rate in rates {
                let c = next.currency_index(&rate.currency)?;
                map.insert((c, month_number(rate.month)), rate.rate);
            }
            next.rates = Arc::new(map);
        }
        for (kind, batch) in facts {
            let mut rows = Vec::with_capacity(batch.len());
            for fact in batch {
                let unknown = || EncodeError::UnknownDimension {
                    kind: *kind,
                    id: fact.id,
                };
                let partner = next
                    .dims
                    .partner_of_id(fact.partner_id)
                    .ok_or_else(unknown)?;
                let product = match fact.product_id {
                    Some(id) => next.dims.product_of_id(id).ok_or_else(unknown)?,
                    None => NONE,
                };
                let region = match fact.region_id {
                    Some(id) => next.dims.region_of_id(id).ok_or_else(unknown)?,
                    None => NONE,
                };
                let currency = if fact.currency.is_empty() {
                    0
                } else {
                    next.currency_index(&fact.currency)?
                };
                // Reported sell-through returns carry the refund as a
                // positive amount beside a negative quantity; here every
                // amount is signed as it counts in a sum.
                let written = if *kind == Kind::SellThrough && fact.qty < 0 {
                    -fact.amount_minor
                } else {
                    fact.amount_minor
                };
                let month = month_number(Month::of(fact.date));
                let amount = if currency == 0 {
                    written
                } else {
                    next.convert(written, currency, month)
                };
                rows.push(Row {
                    id: fact.id,
                    partner,
                    product,
                    region,
                    day: day_number(fact.date),
                    qty: fact.qty,
                    amount,
                    currency,
                    written,
                });
            }
            let table = &mut next.tables[kind.index()];
            *table = Arc::new(table.appended(&rows));
        }
        Ok(next)
    }

    fn currency_index(&mut self, code: &str) -> Result<u8, EncodeError> {
        if let Some(i) = self.currencies.iter().position(|c| c == code) {
            return Ok(i as u8);
        }
        if self.currencies.len() >= u8::MAX as usize {
            return Err(EncodeError::TooManyCurrencies);
        }
        self.currencies.push(code.to_owned());
        Ok((self.currencies.len() - 1) as u8)
    }

    /// An amount in the company currency, rounded half away from zero once
    /// per fact; 0 while the month has no rate (the answer then says so).
    fn convert(&self, amount: i64, currency: u8, month: i32) -> i64 {
        match self.rates.get(&(currency, month)) {
            Some(rate) => (Decimal::from(amount) * rate)
                .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                .try_into()
                .unwrap_or(i64::MAX),
            None => 0,
        }
    }

    /// The rates behind a set of (currency, month) pairs met in a query.
    pub fn rates_used(&self, met: &BTreeSet<(u8, i32)>) -> Vec<RateUsed> {
        met.iter()
            .map(|&(c, m)| RateUsed {
                currency: self.currencies[c as usize].clone(),
                month: crate::query::month_of_number(m),
                rate: self.rates.get(&(c, m)).copied(),
            })
            .collect()
    }

    /// Facts held per kind: what a status page and the tests read.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        Kind::ALL
            .iter()
            .map(|k| (k.as_str(), self.table(*k).rows))
            .collect()
    }

    /// The code of the fact's own currency.
    pub fn currency_of(&self, row: &Row) -> &str {
        &self.currencies[row.currency as usize]
    }
}
