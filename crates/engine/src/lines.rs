//! The lines behind a number: the facts a measure summed for one group,
//! found with the same plan (scope, filters, period) as the number itself,
//! so the lines always add up to it.

use qudao_domain::error::Invalid;
use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::exec::{Key, Scope};
use crate::query::{Measure, Query, month_number};
use crate::snapshot::Snapshot;
use crate::table::{Kind, Row, date_of};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineSort {
    Date,
    Amount,
    Qty,
}

impl LineSort {
    pub fn parse(field: &'static str, value: &str) -> Result<(LineSort, bool), Invalid> {
        let (desc, name) = match value.trim().strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, value.trim()),
        };
        match name {
            "date" => Ok((LineSort::Date, desc)),
            "amount" => Ok((LineSort::Amount, desc)),
            "qty" => Ok((LineSort::Qty, desc)),
            _ => Err(Invalid::new(
                field,
                qudao_domain::error::Problem::NotOneOf {
                    choices: vec!["date", "-date", "amount", "-amount", "qty", "-qty"],
                },
            )),
        }
    }
}

/// One fact as a line of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub kind: Kind,
    pub id: i64,
    pub date: chrono::NaiveDate,
    pub partner: Key,
    pub product: Option<Key>,
    pub region: Option<Key>,
    pub qty: i64,
    /// In the company currency, signed as it counts.
    pub amount: i64,
    /// As written, in its own currency.
    pub written: i64,
    pub currency: String,
    /// The rate `written` was converted at; `None` in the company currency.
    pub rate: Option<Decimal>,
}

/// The matching lines, in order: a page of them is a slice, an export
/// walks them all without copying them.
pub struct Lines<'a> {
    snapshot: &'a Snapshot,
    kind: Kind,
    found: Vec<(u32, u32)>,
}

impl Lines<'_> {
    pub fn len(&self) -> usize {
        self.found.len()
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Lines `skip..skip + take`.
    pub fn page(&self, skip: usize, take: usize) -> Vec<Line> {
        self.found
            .iter()
            .skip(skip)
            .take(take)
            .map(|&(c, i)| self.line(c, i))
            .collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = Line> + '_ {
        self.found.iter().map(|&(c, i)| self.line(c, i))
    }

    fn line(&self, chunk: u32, i: u32) -> Line {
        let s = self.snapshot;
        let row: Row = s.table(self.kind).chunks[chunk as usize].row(i as usize);
        let dims = &*s.dims;
        let partner = &dims.partners[row.partner as usize];
        let region = if row.region != crate::dims::NONE {
            row.region
        } else {
            partner.region
        };
        let currency = s.currency_of(&row);
        let date = date_of(row.day);
        let rate = (row.currency != 0)
            .then(|| {
                s.rates
                    .get(&(
                        row.currency,
                        month_number(qudao_domain::periods::Month::of(date)),
                    ))
                    .copied()
            })
            .flatten();
        Line {
            kind: self.kind,
            id: row.id,
            date,
            partner: Key {
                code: partner.code.clone(),
                name_zh: partner.name.clone(),
                name_en: partner.name.clone(),
            },
            product: dims.products.get(row.product as usize).map(|p| Key {
                code: p.sku.clone(),
                name_zh: p.name_zh.clone(),
                name_en: p.name_en.clone(),
            }),
            region: dims.regions.get(region as usize).map(|r| Key {
                code: r.code.clone(),
                name_zh: r.name_zh.clone(),
                name_en: r.name_en.clone(),
            }),
            qty: row.qty,
            amount: row.amount,
            written: row.written,
            currency: currency.to_owned(),
            rate,
        }
    }
}

impl Snapshot {
    /// The facts behind `measure` under the query's scope, filters and
    /// period, sorted.
    pub fn lines(
        &self,
        measure: Measure,
        query: &Query,
        scope: &Scope,
        sort: (LineSort, bool),
    ) -> Result<Lines<'_>, Invalid> {
        if !measure.has_lines() {
            return Err(Invalid::new(
                "measure",
                qudao_domain::error::Problem::Rule {
                    rule: "analytics_no_lines",
                },
            ));
        }
        let plan = self.plan(query, scope)?;
        let kind = measure.kind();
        let returns_only = matches!(measure, Measure::ReturnsAmount | Measure::ReturnsQty);
        let table = self.table(kind);
        let mut found: Vec<(u32, u32)> = table
            .chunks
            .par_iter()
            .enumerate()
            .filter(|(_, c)| c.overlaps(plan.first_day, plan.last_day))
            .flat_map_iter(|(ci, chunk)| {
                let plan = &plan;
                (0..chunk.len()).filter_map(move |i| {
                    (plan.row_passes(chunk, i) && (!returns_only || chunk.qty[i] < 0))
                        .then_some((ci as u32, i as u32))
                })
            })
            .collect();
        let chunks = &table.chunks;
        let value = |&(c, i): &(u32, u32)| {
            let chunk = &chunks[c as usize];
            let i = i as usize;
            match sort.0 {
                LineSort::Date => (chunk.day[i] as i64, chunk.id[i]),
                LineSort::Amount => (chunk.amount[i], chunk.id[i]),
                LineSort::Qty => (chunk.qty[i], chunk.id[i]),
            }
        };
        found.par_sort_unstable_by(|a, b| {
            let o = value(a).cmp(&value(b));
            if sort.1 { o.reverse() } else { o }
        });
        Ok(Lines {
            snapshot: self,
            kind,
            found,
        })
    }
}
