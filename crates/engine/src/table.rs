//! Fact columns. A kind's facts are a list of immutable chunks; a snapshot
//! holds the list, so publishing an append copies a list of pointers and at
//! most the one small chunk at the end, never the ten million rows before
//! it. Readers of an older snapshot keep the chunks they started with.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};

/// Rows per full chunk: big enough that the per-chunk work of a query is
/// noise, small enough that both cores get many chunks each.
pub const CHUNK_ROWS: usize = 1 << 16;

/// The kinds of fact the engine holds (`store::facts::FactKind`, one to one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    SellIn,
    DownstreamSellIn,
    SellThrough,
    Invoice,
    CreditNote,
    Payment,
    StockCount,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::SellIn,
        Kind::DownstreamSellIn,
        Kind::SellThrough,
        Kind::Invoice,
        Kind::CreditNote,
        Kind::Payment,
        Kind::StockCount,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::SellIn => "sell_in",
            Kind::DownstreamSellIn => "downstream_sell_in",
            Kind::SellThrough => "sell_through",
            Kind::Invoice => "invoice",
            Kind::CreditNote => "credit_note",
            Kind::Payment => "payment",
            Kind::StockCount => "stock_count",
        }
    }
}

/// Days are counted from 1 January of year 1, as chrono does.
pub fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

pub fn date_of(day: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day).unwrap_or(NaiveDate::MIN)
}

/// One fact, encoded: what the loader appends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub id: i64,
    pub partner: u32,
    pub product: u32,
    /// The end customer's region for sell-through; `NONE` elsewhere, where
    /// the partner's own region places the fact.
    pub region: u32,
    pub day: i32,
    pub qty: i64,
    /// In minor units of the company currency, signed: negative for what
    /// came back (returns), as it counts in a sum.
    pub amount: i64,
    /// The index of the fact's own currency among the snapshot's
    /// currencies; 0 is the company currency.
    pub currency: u8,
    /// The amount as written, in the fact's own currency (the same as
    /// `amount` in the company currency).
    pub written: i64,
}

/// Up to [`CHUNK_ROWS`] facts, column by column.
#[derive(Debug, Clone, Default)]
pub struct Chunk {
    pub id: Vec<i64>,
    pub partner: Vec<u32>,
    pub product: Vec<u32>,
    pub region: Vec<u32>,
    pub day: Vec<i32>,
    pub qty: Vec<i64>,
    pub amount: Vec<i64>,
    pub currency: Vec<u8>,
    /// The written amounts of the rows in another currency, by row, in row
    /// order: a few per cent of the rows, so not a column of its own.
    pub originals: Vec<(u32, i64)>,
    pub min_day: i32,
    pub max_day: i32,
}

impl Chunk {
    fn with_capacity(n: usize) -> Self {
        Self {
            id: Vec::with_capacity(n),
            partner: Vec::with_capacity(n),
            product: Vec::with_capacity(n),
            region: Vec::with_capacity(n),
            day: Vec::with_capacity(n),
            qty: Vec::with_capacity(n),
            amount: Vec::with_capacity(n),
            currency: Vec::with_capacity(n),
            originals: Vec::new(),
            min_day: i32::MAX,
            max_day: i32::MIN,
        }
    }

    fn push(&mut self, row: &Row) {
        self.partner.push(row.partner);
        self.product.push(row.product);
        self.region.push(row.region);
        self.day.push(row.day);
        self.qty.push(row.qty);
        self.amount.push(row.amount);
        if row.currency != 0 {
            self.originals.push((self.id.len() as u32, row.written));
        }
        self.id.push(row.id);
        self.currency.push(row.currency);
        self.min_day = self.min_day.min(row.day);
        self.max_day = self.max_day.max(row.day);
    }

    pub fn len(&self) -> usize {
        self.id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    pub fn row(&self, i: usize) -> Row {
        Row {
            id: self.id[i],
            partner: self.partner[i],
            product: self.product[i],
            region: self.region[i],
            day: self.day[i],
            qty: self.qty[i],
            amount: self.amount[i],
            currency: self.currency[i],
            written: if self.currency[i] == 0 {
                self.amount[i]
            } else {
                self.originals
                    .binary_search_by_key(&(i as u32), |o| o.0)
                    .map_or(self.amount[i], |at| self.originals[at].1)
            },
        }
    }

    /// Whether any row may fall in the days `from..=to`.
    pub fn overlaps(&self, from: i32, to: i32) -> bool {
        !self.is_empty() && self.min_day <= to && self.max_day >= from
    }
}

/// Every fact of one kind, in the order it was committed.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub chunks: Vec<Arc<Chunk>>,
    /// The highest fact id held: where the next catch-up reads from.
    pub last_id: i64,
    pub rows: usize,
}

impl Table {
    /// This table with `rows` appended. The last chunk is refilled when it
    /// has room, so a stream of small commits does not leave a long tail
    /// of tiny chunks.
    pub fn appended(&self, rows: &[Row]) -> Table {
        let mut chunks = self.chunks.clone();
        let mut pending = rows;
        if let Some(last) = chunks.last()
            && last.len() < CHUNK_ROWS
            && !pending.is_empty()
        {
            let room = CHUNK_ROWS - last.len();
            let take = room.min(pending.len());
            let mut refilled = Chunk::with_capacity(last.len() + take);
            for i in 0..last.len() {
                refilled.push(&last.row(i));
            }
            for row in &pending[..take] {
                refilled.push(row);
            }
            pending = &pending[take..];
            *chunks.last_mut().expect("checked above") = Arc::new(refilled);
        }
        for part in pending.chunks(CHUNK_ROWS) {
            let mut chunk = Chunk::with_capacity(part.len());
            for row in part {
                chunk.push(row);
            }
            chunks.push(Arc::new(chunk));
        }
        Table {
            chunks,
            last_id: rows.iter().map(|r| r.id).fold(self.last_id, i64::max),
            rows: self.rows + rows.len(),
        }
    }
}
