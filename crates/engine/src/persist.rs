//! The projection on disk: a snapshot's fact columns in one file, so a
//! restart reads them back at the speed of the disk instead of decoding
//! every row from the database again (issue 10: a cold start with 20M
//! lines in seconds).
//!
//! The file is only a cache of the store. It names what its facts were
//! encoded against (the currencies and the rates amounts were converted
//! at, the fiscal calendar, the database ids behind every partner,
//! product and region index) and a sample of its facts: the last of each
//! chunk. `app` trusts it only when all of that still matches the store,
//! and otherwise loads from the store as if there were no file. Facts
//! committed after the file was written come through the usual catch-up.
//!
//! Layout, little-endian: the magic, the header, each kind's table chunk
//! by chunk and column by column, and the magic again so that a file cut
//! short is refused rather than half read.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::Arc;

use chrono::NaiveDate;
use qudao_domain::periods::FiscalCalendar;
use rust_decimal::Decimal;

use crate::dims::Dims;
use crate::query::month_number;
use crate::snapshot::{RateInput, Snapshot};
use crate::table::{Chunk, Kind, Table, date_of};

const MAGIC: &[u8; 8] = b"QDENGIN1";

/// A fact of the file, to compare with the same id in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub id: i64,
    pub partner_id: i64,
    pub product_id: Option<i64>,
    pub date: NaiveDate,
    pub qty: i64,
}

/// A projection read back from a file, not yet checked against the store.
#[derive(Debug)]
pub struct Stored {
    fiscal_start: u32,
    currencies: Vec<String>,
    rates: HashMap<(u8, i32), Decimal>,
    partner_ids: Vec<i64>,
    product_ids: Vec<i64>,
    region_ids: Vec<i64>,
    tables: [Table; 7],
}

impl Snapshot {
    /// Writes the facts of this snapshot and what they were encoded
    /// against; the dimensions' names and attributes are not written, they
    /// are read from the store again at every start.
    pub fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        w.write_all(MAGIC)?;
        put(w, self.fiscal.start())?;
        put(w, self.currencies.len() as u32)?;
        for c in &self.currencies {
            put_str(w, c)?;
        }
        let mut rates: Vec<_> = self.rates.iter().collect();
        rates.sort_by_key(|(k, _)| **k);
        put(w, rates.len() as u32)?;
        for (&(currency, month), rate) in rates {
            put(w, currency)?;
            put(w, month)?;
            put_str(w, &rate.to_string())?;
        }
        let dims = &*self.dims;
        put_column(w, &dims.partners.iter().map(|p| p.id).collect::<Vec<_>>())?;
        put_column(w, &dims.products.iter().map(|p| p.id).collect::<Vec<_>>())?;
        put_column(w, &dims.regions.iter().map(|r| r.id).collect::<Vec<_>>())?;
        for table in &self.tables {
            put(w, table.last_id)?;
            put(w, table.chunks.len() as u32)?;
            for chunk in &table.chunks {
                put(w, chunk.min_day)?;
                put(w, chunk.max_day)?;
                put_column(w, &chunk.id)?;
                put_column(w, &chunk.partner)?;
                put_column(w, &chunk.product)?;
                put_column(w, &chunk.region)?;
                put_column(w, &chunk.day)?;
                put_column(w, &chunk.qty)?;
                put_column(w, &chunk.amount)?;
                put_column(w, &chunk.currency)?;
                put_column(w, &chunk.originals.iter().map(|o| o.0).collect::<Vec<_>>())?;
                put_column(w, &chunk.originals.iter().map(|o| o.1).collect::<Vec<_>>())?;
            }
        }
        w.write_all(MAGIC)
    }
}

impl Stored {
    /// Reads a file written by [`Snapshot::write_to`]. Anything that does
    /// not read back whole (another format, a file cut short, columns of
    /// different lengths) is an error.
    pub fn read_from(r: &mut impl Read) -> io::Result<Stored> {
        expect_magic(r)?;
        // One buffer for the bytes of every column: a fresh one per column
        // would be mapped and zeroed page by page, more work than the read.
        let s = &mut Vec::new();
        let fiscal_start = get(r)?;
        let currencies = (0..get::<u32>(r)?)
            .map(|_| get_str(r, s))
            .collect::<io::Result<Vec<_>>>()?;
        let mut rates = HashMap::new();
        for _ in 0..get::<u32>(r)? {
            let currency: u8 = get(r)?;
            let month: i32 = get(r)?;
            let rate: Decimal = get_str(r, s)?.parse().map_err(|_| corrupt("rate"))?;
            rates.insert((currency, month), rate);
        }
        let partner_ids = get_column(r, s)?;
        let product_ids = get_column(r, s)?;
        let region_ids = get_column(r, s)?;
        let mut tables: [Table; 7] = Default::default();
        for table in &mut tables {
            table.last_id = get(r)?;
            for _ in 0..get::<u32>(r)? {
                let min_day = get(r)?;
                let max_day = get(r)?;
                let chunk = Chunk {
                    id: get_column(r, s)?,
                    partner: get_column(r, s)?,
                    product: get_column(r, s)?,
                    region: get_column(r, s)?,
                    day: get_column(r, s)?,
                    qty: get_column(r, s)?,
                    amount: get_column(r, s)?,
                    currency: get_column(r, s)?,
                    originals: {
                        let at: Vec<u32> = get_column(r, s)?;
                        let written: Vec<i64> = get_column(r, s)?;
                        if at.len() != written.len() {
                            return Err(corrupt("originals"));
                        }
                        at.into_iter().zip(written).collect()
                    },
                    min_day,
                    max_day,
                };
                let n = chunk.id.len();
                let whole = [
                    chunk.partner.len(),
                    chunk.product.len(),
                    chunk.region.len(),
                    chunk.day.len(),
                    chunk.qty.len(),
                    chunk.amount.len(),
                    chunk.currency.len(),
                ]
                .iter()
                .all(|&len| len == n);
                if !whole || n == 0 {
                    return Err(corrupt("chunk"));
                }
                table.rows += n;
                table.chunks.push(Arc::new(chunk));
            }
        }
        expect_magic(r)?;
        Ok(Stored {
            fiscal_start,
            currencies,
            rates,
            partner_ids,
            product_ids,
            region_ids,
            tables,
        })
    }

    /// The last fact of every chunk of `kind`, with the store's ids: if
    /// the store holds each of them unchanged, the file was written from
    /// this database.
    pub fn samples(&self, kind: Kind) -> Vec<Sample> {
        let id_of = |ids: &[i64], ix: u32| ids.get(ix as usize).copied();
        self.tables[kind.index()]
            .chunks
            .iter()
            .map(|chunk| {
                let row = chunk.row(chunk.len() - 1);
                Sample {
                    id: row.id,
                    partner_id: id_of(&self.partner_ids, row.partner).unwrap_or(0),
                    product_id: id_of(&self.product_ids, row.product),
                    date: date_of(row.day),
                    qty: row.qty,
                }
            })
            .collect()
    }

    /// The highest fact id of `kind` in the file.
    pub fn last_id(&self, kind: Kind) -> i64 {
        self.tables[kind.index()].last_id
    }

    /// The snapshot the file holds, if its facts were encoded against what
    /// the store says now: the same company currency, fiscal calendar and
    /// rates. Its dimensions hold only the ids behind each index; the
    /// caller publishes the store's dimensions over them, which keeps those
    /// indexes.
    pub fn into_snapshot(
        self,
        company_currency: &str,
        fiscal: FiscalCalendar,
        rates: &[RateInput],
    ) -> Option<Snapshot> {
        if self.currencies.first().map(String::as_str) != Some(company_currency)
            || self.fiscal_start != fiscal.start()
        {
            return None;
        }
        let mut now = HashMap::new();
        for rate in rates {
            let c = self.currencies.iter().position(|c| *c == rate.currency)?;
            now.insert((c as u8, month_number(rate.month)), rate.rate);
        }
        if now != self.rates {
            return None;
        }
        let dims = Dims::reserved(&self.partner_ids, &self.product_ids, &self.region_ids);
        Some(Snapshot {
            generation: crate::snapshot::next_generation(),
            dims: Arc::new(dims),
            tables: self.tables.map(Arc::new),
            fiscal,
            currencies: self.currencies,
            rates: Arc::new(self.rates),
        })
    }
}

fn corrupt(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("engine file: bad {what}"),
    )
}

fn expect_magic(r: &mut impl Read) -> io::Result<()> {
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic)?;
    if &magic != MAGIC {
        return Err(corrupt("magic"));
    }
    Ok(())
}

/// A fixed-size number as little-endian bytes.
trait Le: Sized + Copy {
    const N: usize;
    fn put(self, out: &mut Vec<u8>);
    fn get(bytes: &[u8]) -> Self;
}

macro_rules! le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            const N: usize = std::mem::size_of::<$t>();
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().expect("N bytes"))
            }
        }
    )*};
}
le!(u8, u32, i32, i64, u64);

fn put<T: Le>(w: &mut impl Write, value: T) -> io::Result<()> {
    let mut out = Vec::with_capacity(T::N);
    value.put(&mut out);
    w.write_all(&out)
}

fn get<T: Le>(r: &mut impl Read) -> io::Result<T> {
    let mut bytes = [0u8; 8];
    r.read_exact(&mut bytes[..T::N])?;
    Ok(T::get(&bytes[..T::N]))
}

fn put_column<T: Le>(w: &mut impl Write, values: &[T]) -> io::Result<()> {
    put(w, values.len() as u64)?;
    let mut out = Vec::with_capacity(values.len() * T::N);
    for &v in values {
        v.put(&mut out);
    }
    w.write_all(&out)
}

/// The longest column a file may claim: a bound on what a corrupt length
/// could make us allocate.
const MAX_COLUMN: u64 = 1 << 28;

/// A column, its bytes read through `scratch`.
fn get_column<T: Le>(r: &mut impl Read, scratch: &mut Vec<u8>) -> io::Result<Vec<T>> {
    let len: u64 = get(r)?;
    if len > MAX_COLUMN {
        return Err(corrupt("column length"));
    }
    scratch.resize(len as usize * T::N, 0);
    r.read_exact(scratch)?;
    Ok(scratch.chunks_exact(T::N).map(T::get).collect())
}

fn put_str(w: &mut impl Write, s: &str) -> io::Result<()> {
    put_column(w, s.as_bytes())
}

fn get_str(r: &mut impl Read, scratch: &mut Vec<u8>) -> io::Result<String> {
    String::from_utf8(get_column(r, scratch)?).map_err(|_| corrupt("text"))
}
