//! Running a query over a snapshot. Filters and the caller's scope are
//! compiled once into masks over the dimension indexes; each dimension of
//! the split into a lookup table; then every chunk of every fact kind the
//! measures need is scanned on the rayon pool, each worker folding into
//! its own groups, and the groups are merged.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use qudao_domain::error::{Invalid, Problem};
use qudao_domain::inventory::{Cover, WINDOW_DAYS, cover, is_overstock, is_stock_out};
use qudao_domain::periods::Month;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::dims::{Dims, NONE};
use crate::query::{Dim, Filter, Measure, Query, Source, month_number, month_of_number};
use crate::snapshot::{RateUsed, Snapshot};
use crate::table::{Chunk, Kind, Table, date_of, day_number};

/// Whose facts a caller may aggregate: decided in `app` from the caller's
/// data scope, applied here to every row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Partner ids (the store's).
    Partners(Vec<i64>),
}

/// One partner's holding of one product on a day ([`Holdings`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The store's id of the partner.
    pub partner_id: i64,
    /// The product's index in the snapshot's dimensions.
    pub product: u32,
    pub on_hand: i64,
    /// Net units sold through in the `WINDOW_DAYS` ending on the day.
    pub sold_in_window: i64,
    /// Within the days asked for; `None` when nothing sold in them.
    pub last_sold_on: Option<chrono::NaiveDate>,
}

/// Adds `b`'s sums into `a`'s (the larger kept), as workers' partial sums
/// per group are merged.
fn add_into(mut a: FxHashMap<u64, i64>, mut b: FxHashMap<u64, i64>) -> FxHashMap<u64, i64> {
    if a.len() < b.len() {
        std::mem::swap(&mut a, &mut b);
    }
    for (k, v) in b {
        *a.entry(k).or_insert(0) += v;
    }
    a
}

/// A holding's partner and product as one sortable number.
fn pair(partner: u32, product: u32) -> u64 {
    (u64::from(partner) << 32) | u64::from(product)
}

fn partner_of(pair: u64) -> u32 {
    (pair >> 32) as u32
}

fn product_of(pair: u64) -> u32 {
    pair as u32
}

/// Every holding on a day (`Snapshot::stock_holdings`), kept as the two
/// sorted vectors it was computed in and read as [`Position`]s, all of them
/// or one partner's at a time: a channel's millions of holdings are never
/// all built at once.
pub struct Holdings {
    dims: Arc<Dims>,
    /// (pair, on hand), sorted by pair: by partner, then product.
    on_hand: Vec<(u64, i64)>,
    /// (pair, day, quantity) of the sales since the earlier of the two
    /// windows, sorted by pair and day.
    sales: Vec<(u64, i32, i64)>,
    window_from: i32,
    recent_from: i32,
}

impl Holdings {
    /// Each partner that holds anything (the store's id) with the range
    /// of its holdings, for [`Holdings::positions_in`].
    pub fn partners(&self) -> Vec<(i64, std::ops::Range<usize>)> {
        let mut partners = Vec::new();
        let mut start = 0;
        for run in self
            .on_hand
            .chunk_by(|a, b| partner_of(a.0) == partner_of(b.0))
        {
            let partner = self.dims.partners[partner_of(run[0].0) as usize].id;
            partners.push((partner, start..start + run.len()));
            start += run.len();
        }
        partners
    }

    pub fn positions(&self) -> impl Iterator<Item = Position> + '_ {
        self.positions_in(0..self.on_hand.len())
    }

    /// The holdings in `range` (one partner's, from [`Holdings::partners`]).
    pub fn positions_in(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl Iterator<Item = Position> + '_ {
        self.on_hand[range].iter().map(|&(pair, on_hand)| {
            let first = self.sales.partition_point(|s| s.0 < pair);
            let sold = &self.sales[first..];
            let sold = &sold[..sold.partition_point(|s| s.0 == pair)];
            let mut position = Position {
                partner_id: self.dims.partners[partner_of(pair) as usize].id,
                product: product_of(pair),
                on_hand,
                sold_in_window: 0,
                last_sold_on: None,
            };
            for day in sold.chunk_by(|a, b| a.1 == b.1) {
                let (date, net) = (day[0].1, day.iter().map(|s| s.2).sum::<i64>());
                if date >= self.window_from {
                    position.sold_in_window += net;
                }
                if date >= self.recent_from && net > 0 {
                    position.last_sold_on = Some(date_of(date));
                }
            }
            position
        })
    }

    /// The sku of a position's product.
    pub fn sku(&self, product: u32) -> &str {
        &self.dims.products[product as usize].sku
    }
}

/// A value of a dimension in an answer: its code and names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRow {
    pub keys: Vec<Key>,
    /// One per measure; `None` where a number has no meaning (days of
    /// cover with nothing sold).
    pub values: Vec<Option<i64>>,
    pub compare: Option<Vec<Option<i64>>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The company currency every amount is in (minor units).
    pub currency: String,
    pub measures: Vec<Measure>,
    pub by: Vec<Dim>,
    pub first: Month,
    pub last: Month,
    pub rows: Vec<AnswerRow>,
    /// How many groups there were before `limit`.
    pub groups: usize,
    pub totals: Vec<Option<i64>>,
    pub compare_totals: Option<Vec<Option<i64>>>,
    /// The exchange rates amounts in other currencies were converted at.
    pub rates: Vec<RateUsed>,
}

/// A query's groups by index ([`Snapshot::sums`]).
#[derive(Debug, Clone)]
pub struct Sums {
    /// The dimensions the indexes point into.
    pub dims: Arc<Dims>,
    pub groups: Vec<Group>,
    pub totals: Vec<Option<i64>>,
    pub compare_totals: Option<Vec<Option<i64>>>,
    /// The (currency, month) pairs of the rates amounts were converted at.
    met: BTreeSet<(u8, i32)>,
}

/// One group of [`Sums`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Per dimension split by, the index of the group's value in that
    /// dimension's table of [`Dims`] (`NONE` for none; a month, quarter
    /// or year as its number).
    pub codes: Vec<u32>,
    /// One per measure.
    pub values: Vec<Option<i64>>,
    pub compare: Option<Vec<Option<i64>>>,
}

/// The masks and lookups a query compiles to.
pub(crate) struct Plan<'a> {
    pub dims: &'a Dims,
    pub partner_ok: Option<Vec<bool>>,
    pub product_ok: Option<Vec<bool>>,
    pub region_ok: Option<Vec<bool>>,
    pub first_day: i32,
    pub last_day: i32,
    first_month: i32,
    splits: Vec<Split>,
    parts: Parts,
}

/// One dimension of the split: where its value comes from, and the table
/// from that source's index to the value's code (`NONE` for "none").
struct Split {
    source: Source,
    table: Vec<u32>,
    radix: u64,
}

/// A part of a key that drops the row: the scope or a filter keeps it out.
/// Parts are put together by [`join`], so one `OUT` makes the key `OUT`.
const OUT: u64 = u64::MAX;

/// The sum of two parts of a key, or `OUT` when either is. Worked out
/// without a branch (a saturating add compiles to one, mispredicted as
/// often as rows in and out of the filters mix). A real key is below
/// `Plan::key_space`, far below 2^63, so only `OUT` has the top bit set.
#[inline]
fn join(a: u64, b: u64) -> u64 {
    a.wrapping_add(b) | (((a | b) as i64) >> 63) as u64
}

/// The group key compiled per source of its splits. The key is
/// mixed-radix (each split's code + 1 times the radices of the splits after
/// it), so it is the sum of one part per source: a row's key is a few
/// table loads and adds, its filters folded in as `OUT`, rather than a
/// loop over the splits and masks per row.
#[derive(Clone)]
struct Parts {
    /// By partner: the partner's splits, for a row with its own region.
    partner: Vec<u64>,
    /// By partner: the same plus the part of the partner's region, for a
    /// row without one (placed by its partner).
    placed: Vec<u64>,
    /// Both, side by side (`partner` at 2 × partner, `placed` after it),
    /// for rows with and without a region mixed: one load, one line.
    either: Vec<u64>,
    /// By product + 1; 0 is "no product" (`NONE` + 1 wraps to it).
    product: Vec<u64>,
    /// By region + 1; 0 is "no region".
    region: Vec<u64>,
    /// By day from `first_day` to `last_day`: the time splits' part; the
    /// last slot, `OUT`, stands for any day outside.
    day: Vec<u64>,
    first_day: i32,
    last_day: i32,
    /// Whether any split is in time (else every day's part is 0).
    timed: bool,
    /// Whether the scope and filters keep fewer than one in [`FEW`] of
    /// the partners (by their own regions), and of the partners or the
    /// regions: then few rows are kept.
    few: bool,
    /// Whether any partner's, product's or region's part is not 0 (a split
    /// or a filter on it): the row loop reads only the columns it needs.
    partners: bool,
    products: bool,
    regions: bool,
}

/// See [`Parts::few`].
const FEW: usize = 16;

/// Rows whose keys are worked out at a time: their keys stay in the
/// first level of cache.
const BLOCK: usize = 1024;

/// See [`Parts::needs`].
enum Whose {
    Nobody,
    Partner,
    Placed,
    Region,
}

/// A [`Parts::fill`] for one shape of key.
type Fill = fn(&Parts, &Cols<'_>, usize, &mut [u64]);

/// The columns of a chunk, cut to its length so the row loops index them
/// without bounds checks.
struct Cols<'c> {
    partner: &'c [u32],
    product: &'c [u32],
    region: &'c [u32],
    day: &'c [i32],
    qty: &'c [i64],
    amount: &'c [i64],
    currency: &'c [u8],
}

impl<'c> Cols<'c> {
    fn of(chunk: &'c Chunk) -> Self {
        let n = chunk.len();
        Cols {
            partner: &chunk.partner[..n],
            product: &chunk.product[..n],
            region: &chunk.region[..n],
            day: &chunk.day[..n],
            qty: &chunk.qty[..n],
            amount: &chunk.amount[..n],
            currency: &chunk.currency[..n],
        }
    }
}

impl Parts {
    /// The key of a row without its time part; `OUT` when dropped.
    #[inline]
    fn place(&self, partner: u32, product: u32, region: u32) -> u64 {
        join(self.whose(partner, region), self.what(product))
    }

    /// The partner's and the region's part of a row's key.
    #[inline]
    fn whose(&self, partner: u32, region: u32) -> u64 {
        // Both loads and a select, not a branch: whether sell-through
        // names its customer's region varies row by row.
        let slot = partner as usize * 2 + usize::from(region == NONE);
        let base = self.either.get(slot).copied().unwrap_or(OUT);
        let at = self.region.get(region.wrapping_add(1) as usize);
        join(base, at.copied().unwrap_or(OUT))
    }

    /// The product's part of a row's key.
    #[inline]
    fn what(&self, product: u32) -> u64 {
        let slot = product.wrapping_add(1) as usize;
        self.product.get(slot).copied().unwrap_or(OUT)
    }

    /// The time part of a day; `OUT` outside the period.
    #[inline]
    fn when(&self, day: i32) -> u64 {
        // Clamped rather than tested: rows in and out of the period mix
        // within a chunk, and a branch on it would be mispredicted.
        let ix = day.wrapping_sub(self.first_day) as u32 as usize;
        self.day[ix.min(self.day.len() - 1)]
    }

    /// Calls `each` with the key and index of every row of `chunk` the
    /// plan keeps in its period. The keys are worked out a block of rows
    /// at a time by a loop that reads only the columns the plan needs
    /// (a chunk wholly inside the period is not asked its days unless the
    /// key is split in time), then handed over.
    #[inline]
    fn each(&self, chunk: &Chunk, mut each: impl FnMut(u64, &Cols<'_>, usize)) {
        self.all(chunk, |key, cols, i| {
            if key != OUT {
                each(key, cols, i);
            }
        });
    }

    /// As [`Parts::each`], but every row, `OUT` ones too, for a caller
    /// that discards them without a branch.
    #[inline]
    fn all(&self, chunk: &Chunk, mut each: impl FnMut(u64, &Cols<'_>, usize)) {
        let inside = chunk.min_day >= self.first_day && chunk.max_day <= self.last_day;
        let days = self.timed || !inside;
        let fill = match self.needs(chunk) {
            Whose::Nobody => Parts::filler::<0>(self.products, days),
            Whose::Partner => Parts::filler::<1>(self.products, days),
            Whose::Placed => Parts::filler::<2>(self.products, days),
            Whose::Region => Parts::filler::<3>(self.products, days),
        };
        let cols = Cols::of(chunk);
        let mut keys = [0u64; BLOCK];
        let mut start = 0;
        while start < cols.partner.len() {
            let end = (start + BLOCK).min(cols.partner.len());
            let keys = &mut keys[..end - start];
            fill(self, &cols, start, keys);
            for (i, &key) in (start..end).zip(keys.iter()) {
                each(key, &cols, i);
            }
            start = end;
        }
    }

    /// What of the partner a key needs for the rows of `chunk`: nothing,
    /// its part, the part with its own region's (a chunk whose rows name
    /// no region, as sell-in's), or either by the row's region.
    fn needs(&self, chunk: &Chunk) -> Whose {
        if !self.regions {
            if self.partners {
                Whose::Partner
            } else {
                Whose::Nobody
            }
        } else if every(&chunk.region, |r| r == NONE) {
            Whose::Placed
        } else {
            Whose::Region
        }
    }

    fn filler<const WHOSE: u8>(products: bool, days: bool) -> Fill {
        match (products, days) {
            (false, false) => Parts::fill::<WHOSE, false, false>,
            (false, true) => Parts::fill::<WHOSE, false, true>,
            (true, false) => Parts::fill::<WHOSE, true, false>,
            (true, true) => Parts::fill::<WHOSE, true, true>,
        }
    }

    /// The keys of the rows from `start` on, one per slot of `keys`.
    /// `WHOSE` is a [`Whose`] as a number: a loop per shape, so each reads
    /// only the columns and tables it needs.
    fn fill<const WHOSE: u8, const PRODUCTS: bool, const DAYS: bool>(
        &self,
        cols: &Cols<'_>,
        start: usize,
        keys: &mut [u64],
    ) {
        let end = start + keys.len();
        let rows = cols.partner[start..end]
            .iter()
            .zip(&cols.product[start..end])
            .zip(&cols.region[start..end])
            .zip(&cols.day[start..end]);
        for (key, (((&partner, &product), &region), &day)) in keys.iter_mut().zip(rows) {
            let mut k = match WHOSE {
                0 => 0,
                1 => self.partner.get(partner as usize).copied().unwrap_or(OUT),
                2 => self.placed.get(partner as usize).copied().unwrap_or(OUT),
                _ => self.whose(partner, region),
            };
            if PRODUCTS {
                k = join(k, self.what(product));
            }
            if DAYS {
                k = join(k, self.when(day));
            }
            *key = k;
        }
    }

    /// These parts with the products `keep` refuses dropped (`NONE`
    /// stands for the rows without a product).
    fn keeping_products(&self, keep: impl Fn(u32) -> bool) -> Parts {
        let mut parts = self.clone();
        parts.products = true;
        for (slot, part) in parts.product.iter_mut().enumerate() {
            if !keep((slot as u32).wrapping_sub(1)) {
                *part = OUT;
            }
        }
        parts
    }

    /// These parts with the partners `keep` refuses dropped.
    fn keeping_partners(&self, keep: impl Fn(usize) -> bool) -> Parts {
        let mut parts = self.clone();
        parts.partners = true;
        for (ix, (own, placed)) in parts.partner.iter_mut().zip(&mut parts.placed).enumerate() {
            if !keep(ix) {
                *own = OUT;
                *placed = OUT;
            }
        }
        parts.either = either(&parts.partner, &parts.placed);
        parts.few = few(&parts);
        parts
    }
}

impl Plan<'_> {
    pub fn partner_passes(&self, partner: u32) -> bool {
        self.partner_ok
            .as_ref()
            .is_none_or(|ok| ok.get(partner as usize).copied().unwrap_or(false))
    }

    pub fn row_passes(&self, chunk: &Chunk, i: usize) -> bool {
        let day = chunk.day[i];
        if day < self.first_day || day > self.last_day {
            return false;
        }
        self.passes_but_time(chunk, i)
    }

    pub fn passes_but_time(&self, chunk: &Chunk, i: usize) -> bool {
        self.parts
            .place(chunk.partner[i], chunk.product[i], chunk.region[i])
            != OUT
    }

    /// The key of a (partner, product) pair, for balances: placed by the
    /// partner's region, in no month.
    fn pair_key(&self, partner: u32, product: u32) -> u64 {
        let region = self
            .dims
            .partners
            .get(partner as usize)
            .map_or(NONE, |p| p.region);
        self.key_of(partner, product, region, None)
    }

    /// The group key of a fact: each split's code of the fact's partner,
    /// product, region or month (`None`: every time split left "none").
    fn key_of(&self, partner: u32, product: u32, region: u32, month: Option<i32>) -> u64 {
        let mut key = 0u64;
        for split in &self.splits {
            let ix = match split.source {
                Source::Partner => partner,
                Source::Product => product,
                Source::Region => region,
                Source::Month => month.map_or(NONE, |m| (m - self.first_month) as u32),
            };
            let code = if ix == NONE {
                NONE
            } else {
                split.table.get(ix as usize).copied().unwrap_or(NONE)
            };
            key = key * split.radix + code.wrapping_add(1) as u64;
        }
        key
    }

    fn decode(&self, mut key: u64) -> Vec<u32> {
        let mut codes = vec![NONE; self.splits.len()];
        for (slot, split) in self.splits.iter().enumerate().rev() {
            codes[slot] = ((key % split.radix) as u32).wrapping_sub(1);
            key /= split.radix;
        }
        codes
    }
}

/// Whether `test` holds for every value of a column, a block at a time:
/// a test without an early exit inside a block is done many values to an
/// instruction, where `Iterator::all` would go one by one.
fn every<T: Copy>(column: &[T], test: impl Fn(T) -> bool) -> bool {
    column
        .chunks(64)
        .all(|block| block.iter().fold(true, |all, &x| all & test(x)))
}

/// See [`Parts::few`].
fn few(parts: &Parts) -> bool {
    let rare = |part: &[u64]| part.iter().filter(|&&p| p != OUT).count() * FEW < part.len();
    rare(&parts.placed) && (rare(&parts.partner) || rare(&parts.region))
}

/// See [`Parts::either`].
fn either(partner: &[u64], placed: &[u64]) -> Vec<u64> {
    partner
        .iter()
        .zip(placed)
        .flat_map(|(own, placed)| [*own, *placed])
        .collect()
}

/// Compiles the splits and masks into [`Parts`] for the days
/// `first_day..=last_day`.
#[allow(clippy::too_many_arguments)]
fn parts(
    dims: &Dims,
    splits: &[Split],
    partner_ok: Option<&[bool]>,
    product_ok: Option<&[bool]>,
    region_ok: Option<&[bool]>,
    first_day: i32,
    last_day: i32,
    first_month: i32,
) -> Parts {
    // The weight of a split: the product of the radices after it, as the
    // fold in `Plan::key_of` multiplies them in.
    let mut weights = vec![1u64; splits.len()];
    for s in (0..splits.len().saturating_sub(1)).rev() {
        weights[s] = weights[s + 1].wrapping_mul(splits[s + 1].radix);
    }
    let part_of = |source: Source, ix: usize| -> u64 {
        splits
            .iter()
            .zip(&weights)
            .filter(|(split, _)| split.source == source)
            .fold(0u64, |sum, (split, weight)| {
                let code = split.table.get(ix).copied().unwrap_or(NONE);
                sum.wrapping_add((code.wrapping_add(1) as u64).wrapping_mul(*weight))
            })
    };
    let kept = |ok: Option<&[bool]>, ix: usize| ok.is_none_or(|ok| ok[ix]);
    // Slot 0, a row without a region, is 0: such a row takes the part of
    // its partner's region from `placed`.
    let mut region = Vec::with_capacity(dims.regions.len() + 1);
    region.push(0);
    region.extend((0..dims.regions.len()).map(|r| {
        if kept(region_ok, r) {
            part_of(Source::Region, r)
        } else {
            OUT
        }
    }));
    let no_region = if region_ok.is_some() { OUT } else { 0 };
    let partner: Vec<u64> = (0..dims.partners.len())
        .map(|p| {
            let passes = partner_ok.is_none_or(|ok| ok.get(p).copied().unwrap_or(false));
            if passes {
                part_of(Source::Partner, p)
            } else {
                OUT
            }
        })
        .collect();
    let placed: Vec<u64> = partner
        .iter()
        .zip(&dims.partners)
        .map(|(own, p)| {
            let at = if p.region == NONE {
                no_region
            } else {
                region.get(p.region as usize + 1).copied().unwrap_or(OUT)
            };
            join(*own, at)
        })
        .collect();
    let mut product = Vec::with_capacity(dims.products.len() + 1);
    product.push(if product_ok.is_some() { OUT } else { 0 });
    product.extend((0..dims.products.len()).map(|q| {
        if kept(product_ok, q) {
            part_of(Source::Product, q)
        } else {
            OUT
        }
    }));
    let uses = |source: Source| splits.iter().any(|s| s.source == source);
    let months = MonthOfDay::new(first_day, last_day);
    // One slot past the last day stands for every day outside the period.
    let day = (first_day..=last_day)
        .map(|d| part_of(Source::Month, (months.month(d) - first_month) as usize))
        .chain([OUT])
        .collect();
    let mut parts = Parts {
        few: false,
        either: either(&partner, &placed),
        partner,
        placed,
        product,
        region,
        day,
        first_day,
        last_day,
        timed: uses(Source::Month),
        partners: partner_ok.is_some() || uses(Source::Partner),
        products: product_ok.is_some() || uses(Source::Product),
        regions: region_ok.is_some() || uses(Source::Region),
    };
    parts.few = few(&parts);
    parts
}

fn unknown(field: &'static str, code: &str) -> Invalid {
    Invalid::new(
        field,
        Problem::Conflict {
            rule: "analytics_unknown_code",
            with: code.to_owned(),
        },
    )
}

/// Keeps indexes `0..len` whose value is one of `codes`.
fn mask(
    len: usize,
    codes: &[String],
    value_of: impl Fn(usize) -> Option<u32>,
    find: impl Fn(&str) -> Option<u32>,
) -> Result<Vec<bool>, Invalid> {
    let mut wanted = HashSet::new();
    for code in codes {
        wanted.insert(find(code).ok_or_else(|| unknown("filter", code))?);
    }
    Ok((0..len)
        .map(|i| value_of(i).is_some_and(|v| wanted.contains(&v)))
        .collect())
}

fn and(into: &mut Option<Vec<bool>>, next: Vec<bool>) {
    match into {
        Some(ok) => ok.iter_mut().zip(next).for_each(|(a, b)| *a &= b),
        None => *into = Some(next),
    }
}

impl Snapshot {
    pub(crate) fn plan<'a>(&'a self, query: &Query, scope: &Scope) -> Result<Plan<'a>, Invalid> {
        let dims = &*self.dims;
        let np = dims.partners.len();
        let mut partner_ok = None;
        if let Scope::Partners(ids) = scope {
            let mut ok = vec![false; np];
            for id in ids {
                if let Some(ix) = dims.partner_of_id(*id) {
                    ok[ix as usize] = true;
                }
            }
            partner_ok = Some(ok);
        }
        let mut product_ok = None;
        let mut region_ok = None;
        for Filter { dim, codes } in &query.filters {
            let partner = |i: usize| &dims.partners[i];
            let product = |i: usize| &dims.products[i];
            match dim {
                Dim::Partner => and(
                    &mut partner_ok,
                    mask(np, codes, |i| Some(i as u32), |c| dims.partner_of_code(c))?,
                ),
                Dim::PartnerType => and(
                    &mut partner_ok,
                    mask(
                        np,
                        codes,
                        |i| Some(partner(i).partner_type),
                        |c| dims.partner_types.find(c),
                    )?,
                ),
                Dim::Grade => and(
                    &mut partner_ok,
                    mask(
                        np,
                        codes,
                        |i| Some(partner(i).grade),
                        |c| {
                            dims.grades
                                .iter()
                                .position(|g| g.code == c)
                                .map(|g| g as u32)
                        },
                    )?,
                ),
                Dim::Owner => and(
                    &mut partner_ok,
                    mask(
                        np,
                        codes,
                        |i| Some(partner(i).owner),
                        |c| {
                            dims.owners
                                .iter()
                                .position(|o| o.login == c)
                                .map(|o| o as u32)
                        },
                    )?,
                ),
                Dim::Product => and(
                    &mut product_ok,
                    mask(
                        dims.products.len(),
                        codes,
                        |i| Some(i as u32),
                        |c| dims.product_of_sku(c),
                    )?,
                ),
                Dim::ProductLine => and(
                    &mut product_ok,
                    mask(
                        dims.products.len(),
                        codes,
                        |i| Some(product(i).line),
                        |c| {
                            dims.lines
                                .iter()
                                .position(|l| l.code == c)
                                .map(|l| l as u32)
                        },
                    )?,
                ),
                Dim::Category => and(
                    &mut product_ok,
                    mask(
                        dims.products.len(),
                        codes,
                        |i| Some(product(i).category),
                        |c| dims.categories.find(c),
                    )?,
                ),
                Dim::Region | Dim::Province | Dim::City => {
                    let mut tops = Vec::new();
                    for code in codes {
                        tops.push(
                            dims.region_of_code(code)
                                .ok_or_else(|| unknown("filter", code))?,
                        );
                    }
                    let ok = (0..dims.regions.len())
                        .map(|r| tops.iter().any(|&t| dims.region_within(r as u32, t)))
                        .collect();
                    and(&mut region_ok, ok);
                }
                Dim::Year | Dim::Quarter | Dim::Month => {}
            }
        }
        let first_month = query.first;
        let months = (query.last - query.first + 1) as usize;
        let splits: Vec<Split> = query
            .by
            .iter()
            .map(|&dim| {
                let table: Vec<u32> = match dim {
                    Dim::Partner => (0..np as u32).collect(),
                    Dim::PartnerType => dims.partners.iter().map(|p| p.partner_type).collect(),
                    Dim::Grade => dims.partners.iter().map(|p| p.grade).collect(),
                    Dim::Owner => dims.partners.iter().map(|p| p.owner).collect(),
                    Dim::Product => (0..dims.products.len() as u32).collect(),
                    Dim::ProductLine => dims.products.iter().map(|p| p.line).collect(),
                    Dim::Category => dims.products.iter().map(|p| p.category).collect(),
                    Dim::Region => (0..dims.regions.len() as u32).collect(),
                    Dim::Province => dims.regions.iter().map(|r| r.province).collect(),
                    Dim::City => dims.regions.iter().map(|r| r.city).collect(),
                    Dim::Month => (0..months as u32).map(|m| first_month as u32 + m).collect(),
                    Dim::Quarter => (0..months as i32)
                        .map(|m| {
                            let (y, q) = self
                                .fiscal
                                .quarter_of(month_of_number(first_month + m).first_day());
                            (y * 4 + q as i32 - 1) as u32
                        })
                        .collect(),
                    Dim::Year => (0..months as i32)
                        .map(|m| {
                            self.fiscal
                                .year_of(month_of_number(first_month + m).first_day())
                                as u32
                        })
                        .collect(),
                };
                let radix = table
                    .iter()
                    .filter(|&&c| c != NONE)
                    .max()
                    .map_or(1, |m| *m as u64 + 2);
                Split {
                    source: dim.source(),
                    table,
                    radix: radix.max(2),
                }
            })
            .collect::<Vec<Split>>();
        // Keys are numbers in mixed radix: splits whose values multiply
        // past 64 bits (four large dimensions at once) cannot be told apart.
        if splits
            .iter()
            .try_fold(1u64, |n, s| n.checked_mul(s.radix))
            .is_none()
        {
            return Err(Invalid::new(
                "by",
                Problem::Rule {
                    rule: "analytics_too_many_groups",
                },
            ));
        }
        let first_day = day_number(month_of_number(query.first).first_day());
        let last_day = day_number(month_of_number(query.last).last_day());
        let parts = parts(
            dims,
            &splits,
            partner_ok.as_deref(),
            product_ok.as_deref(),
            region_ok.as_deref(),
            first_day,
            last_day,
            first_month,
        );
        Ok(Plan {
            dims,
            partner_ok,
            product_ok,
            region_ok,
            first_day,
            last_day,
            first_month,
            splits,
            parts,
        })
    }

    /// Answers a query for a caller whose scope is `scope`.
    pub fn query(&self, query: &Query, scope: &Scope) -> Result<Answer, Invalid> {
        let sums = self.sums(query, scope)?;
        let groups = sums.groups.len();
        let mut ordered = sums.groups;
        if let Some((measure, desc)) = query.sort {
            let slot = query
                .measures
                .iter()
                .position(|m| *m == measure)
                .unwrap_or(0);
            ordered.sort_by(|a, b| {
                let o = a.values[slot]
                    .cmp(&b.values[slot])
                    .then_with(|| a.codes.cmp(&b.codes));
                if desc { o.reverse() } else { o }
            });
        } else {
            ordered.sort_by(|a, b| a.codes.cmp(&b.codes));
        }
        if let Some(limit) = query.limit {
            ordered.truncate(limit);
        }
        let rows = ordered
            .into_iter()
            .map(|group| AnswerRow {
                keys: group
                    .codes
                    .iter()
                    .zip(&query.by)
                    .map(|(&code, &dim)| self.key(dim, code))
                    .collect(),
                values: group.values,
                compare: group.compare,
            })
            .collect();
        Ok(Answer {
            currency: self.company_currency().to_owned(),
            measures: query.measures.clone(),
            by: query.by.clone(),
            first: month_of_number(query.first),
            last: month_of_number(query.last),
            rows,
            groups,
            totals: sums.totals,
            compare_totals: sums.compare_totals,
            rates: self.rates_used(&sums.met),
        })
    }

    /// A query's groups as the indexes of their codes in the dimensions,
    /// unsorted and unlabelled: for a caller that works on indexes, where
    /// labelling every group would cost more than summing it.
    pub fn sums(&self, query: &Query, scope: &Scope) -> Result<Sums, Invalid> {
        let (rows, totals, met) = self.run(query, scope)?;
        let (compared, compare_totals) = match query.compare {
            Some(compare) => {
                let shifted = query.shifted(compare);
                let shift = query.shift(compare);
                let (rows, totals, _) = self.run(&shifted, scope)?;
                // A month of the compared period lines up with the month
                // `shift` later; quarters and years likewise.
                let lined_up = rows
                    .into_iter()
                    .map(|(mut codes, values)| {
                        for (slot, dim) in query.by.iter().enumerate() {
                            let moved = match dim {
                                Dim::Month => shift,
                                Dim::Quarter => shift / 3,
                                Dim::Year => shift / 12,
                                _ => 0,
                            };
                            if moved != 0 && codes[slot] != NONE {
                                codes[slot] = (codes[slot] as i32 + moved) as u32;
                            }
                        }
                        (codes, values)
                    })
                    .collect::<HashMap<_, _>>();
                (Some(lined_up), Some(totals))
            }
            None => (None, None),
        };
        let groups = rows
            .into_iter()
            .map(|(codes, values)| Group {
                compare: compared.as_ref().map(|c| {
                    c.get(&codes)
                        .cloned()
                        .unwrap_or_else(|| vec![Some(0); query.measures.len()])
                }),
                codes,
                values,
            })
            .collect();
        Ok(Sums {
            dims: self.dims.clone(),
            groups,
            totals,
            compare_totals,
            met,
        })
    }

    /// The groups (codes per dimension, values per measure), the totals,
    /// and the (currency, month) pairs met.
    #[allow(clippy::type_complexity)]
    fn run(
        &self,
        query: &Query,
        scope: &Scope,
    ) -> Result<
        (
            Vec<(Vec<u32>, Vec<Option<i64>>)>,
            Vec<Option<i64>>,
            BTreeSet<(u8, i32)>,
        ),
        Invalid,
    > {
        let plan = self.plan(query, scope)?;
        let n = query.measures.len();
        let mut groups: HashMap<u64, Vec<Option<i64>>> = HashMap::new();
        let mut met = BTreeSet::new();
        let mut put = |key: u64, slot: usize, value: Option<i64>| {
            let values = groups.entry(key).or_insert_with(|| vec![Some(0); n]);
            values[slot] = match (values[slot], value) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                _ => None,
            };
        };
        for (slot, &measure) in query.measures.iter().enumerate() {
            for (key, value) in self.measure(&plan, measure, &mut met) {
                put(key, slot, value);
            }
        }
        let totals = if query.by.is_empty() {
            groups
                .get(&0)
                .cloned()
                .unwrap_or_else(|| self.empty_values(query))
        } else {
            // A sum's total is the sum of its groups; a distinct count or
            // days of cover is not, and is asked again without the split.
            let mut totals = self.empty_values(query);
            for values in groups.values() {
                for (total, value) in totals.iter_mut().zip(values) {
                    if let (Some(t), Some(v)) = (total.as_mut(), value) {
                        *t = t.saturating_add(*v);
                    }
                }
            }
            let whole: Vec<Measure> = query
                .measures
                .iter()
                .copied()
                .filter(|m| !m.is_additive())
                .collect();
            if !whole.is_empty() {
                let again = Query {
                    measures: whole.clone(),
                    by: Vec::new(),
                    sort: None,
                    limit: None,
                    compare: None,
                    ..query.clone()
                };
                let found = self.run(&again, scope)?.1;
                for (m, value) in whole.iter().zip(found) {
                    if let Some(slot) = query.measures.iter().position(|x| x == m) {
                        totals[slot] = value;
                    }
                }
            }
            totals
        };
        let rows = groups
            .into_iter()
            .map(|(key, values)| (plan.decode(key), values))
            .collect();
        Ok((rows, totals, met))
    }

    fn empty_values(&self, query: &Query) -> Vec<Option<i64>> {
        query
            .measures
            .iter()
            .map(|m| (*m != Measure::DaysOfCover).then_some(0))
            .collect()
    }

    /// One measure's value per group.
    fn measure(
        &self,
        plan: &Plan<'_>,
        measure: Measure,
        met: &mut BTreeSet<(u8, i32)>,
    ) -> Vec<(u64, Option<i64>)> {
        let parts = &plan.parts;
        let (groups, seen) = match measure {
            Measure::SellInAmount => self.sum(plan, parts, Kind::SellIn, |c, i| c.amount[i]),
            Measure::SellInQty => self.sum(plan, parts, Kind::SellIn, |c, i| c.qty[i]),
            // Units that came back; an allowance (a credit note on its own,
            // no units) lowers sell-in but is not a return.
            Measure::ReturnsAmount => self.sum(plan, parts, Kind::SellIn, |c, i| {
                if c.qty[i] < 0 { -c.amount[i] } else { 0 }
            }),
            Measure::ReturnsQty => self.sum(plan, parts, Kind::SellIn, |c, i| (-c.qty[i]).max(0)),
            Measure::SellThroughAmount => {
                self.sum(plan, parts, Kind::SellThrough, |c, i| c.amount[i])
            }
            Measure::SellThroughQty => self.sum(plan, parts, Kind::SellThrough, |c, i| c.qty[i]),
            Measure::DownstreamAmount => {
                self.sum(plan, parts, Kind::DownstreamSellIn, |c, i| c.amount[i])
            }
            Measure::GrossMargin => {
                // A row whose product has no known cost has no margin: its
                // product is dropped from the parts, so its cost is there.
                let products = &plan.dims.products;
                let cost_of = |q: u32| products.get(q as usize).and_then(|p| p.cost);
                let costed = parts.keeping_products(|q| cost_of(q).is_some());
                let cost: Vec<i64> = (0..products.len() as u32)
                    .map(|q| cost_of(q).unwrap_or(0))
                    .collect();
                self.sum(plan, &costed, Kind::SellIn, |c, i| {
                    let cost = cost.get(c.product[i] as usize).copied().unwrap_or(0);
                    c.amount[i] - c.qty[i] * cost
                })
            }
            Measure::Invoiced => self.sum(plan, parts, Kind::Invoice, |c, i| c.amount[i]),
            Measure::CreditNotes => self.sum(plan, parts, Kind::CreditNote, |c, i| c.amount[i]),
            Measure::Collections => self.sum(plan, parts, Kind::Payment, |c, i| c.amount[i]),
            Measure::ActivePartners => return self.active(plan, false),
            Measure::ActiveOutlets => return self.active(plan, true),
            Measure::NewCustomerRegions => return self.new_regions(plan),
            Measure::NewPartners => return self.new_partners(plan),
            Measure::ReceivablesOutstanding => return self.outstanding(plan),
            Measure::StockOnHand => {
                return self
                    .on_hand(plan)
                    .into_iter()
                    .map(|(k, v)| (k, Some(v)))
                    .collect();
            }
            Measure::DaysOfCover => return self.days_of_cover(plan),
        };
        met.extend(seen);
        groups.into_iter().map(|(k, v)| (k, Some(v))).collect()
    }

    /// Scans the chunks of `kind` overlapping the plan's days in parallel.
    fn scan<A: Send>(
        &self,
        kind: Kind,
        first_day: i32,
        last_day: i32,
        init: impl Fn() -> A + Sync + Send,
        each: impl Fn(&mut A, &Chunk) + Sync + Send,
        merge: impl Fn(A, A) -> A + Sync + Send,
    ) -> A {
        let table: &Table = self.table(kind);
        table
            .chunks
            .par_iter()
            .filter(|c| c.overlaps(first_day, last_day))
            .fold(&init, |mut acc, chunk| {
                each(&mut acc, chunk);
                acc
            })
            .reduce(&init, merge)
    }

    /// Sums a value of each row that `parts` keeps, per group. Where the
    /// groups' keys are few enough (every split's values multiplied), each
    /// worker adds into a plain array indexed by the key rather than a
    /// hash map: the common dashboard splits (by province, channel, month,
    /// partner, product) all fit.
    #[allow(clippy::type_complexity)]
    fn sum(
        &self,
        plan: &Plan<'_>,
        parts: &Parts,
        kind: Kind,
        value: impl Fn(&Cols<'_>, usize) -> i64 + Sync,
    ) -> (Vec<(u64, i64)>, BTreeSet<(u8, i32)>) {
        let dense = plan.key_space().filter(|&k| k <= DENSE_KEYS);
        let (groups, foreign) = self.scan(
            kind,
            plan.first_day,
            plan.last_day,
            || {
                (
                    match dense {
                        Some(k) => Groups::Dense(vec![0; k + 1], vec![false; k + 1]),
                        None => Groups::Sparse(HashMap::new()),
                    },
                    false,
                )
            },
            |(groups, foreign), chunk| {
                *foreign |= !every(&chunk.currency, |c| c == 0);
                match groups {
                    // Where the scope or a filter keeps few partners, the
                    // rows kept are rare, a test for them is predicted
                    // right, and the rows dropped need not be read.
                    Groups::Dense(sums, seen) if parts.few => parts.each(chunk, |key, c, i| {
                        let k = key as usize;
                        sums[k] = sums[k].wrapping_add(value(c, i));
                        seen[k] = true;
                    }),
                    // Else the last slot takes the rows dropped: a store
                    // there costs less than a mispredicted branch.
                    Groups::Dense(sums, seen) => {
                        let dropped = sums.len() - 1;
                        parts.all(chunk, |key, c, i| {
                            let k = key.min(dropped as u64) as usize;
                            sums[k] = sums[k].wrapping_add(value(c, i));
                            seen[k] = true;
                        });
                    }
                    Groups::Sparse(map) => parts.each(chunk, |key, c, i| {
                        *map.entry(key).or_insert(0) += value(c, i);
                    }),
                }
            },
            |(a, af), (b, bf)| (a.merge(b), af || bf),
        );
        // Which (currency, month) pairs the rows in another currency fall
        // in is found by a second pass, only when the chunks held any.
        let met = if foreign {
            self.foreign_months(plan, parts, kind)
        } else {
            BTreeSet::new()
        };
        (groups.into_pairs(), met)
    }

    /// The (currency, month) pairs of the rows in another currency that
    /// pass the plan: the rates an answer names. None unless one such row
    /// is also among those `summed` keeps (a margin sums only the rows of
    /// products with a cost, yet names the rates of every row that passes).
    fn foreign_months(&self, plan: &Plan<'_>, summed: &Parts, kind: Kind) -> BTreeSet<(u8, i32)> {
        let month_of = MonthOfDay::new(plan.first_day, plan.last_day);
        let parts = &plan.parts;
        let (met, any_summed) = self.scan(
            kind,
            plan.first_day,
            plan.last_day,
            || (BTreeSet::new(), false),
            |(met, any_summed), chunk| {
                let c = Cols::of(chunk);
                // Nearly every row is in the company currency: a block of
                // them is passed over at once.
                for (block, currencies) in c.currency.chunks(64).enumerate() {
                    if every(currencies, |c| c == 0) {
                        continue;
                    }
                    for (j, &currency) in currencies.iter().enumerate() {
                        let i = block * 64 + j;
                        if currency == 0 {
                            continue;
                        }
                        let (p, q, r) = (c.partner[i], c.product[i], c.region[i]);
                        let when = parts.when(c.day[i]);
                        if join(parts.place(p, q, r), when) != OUT {
                            met.insert((currency, month_of.month(c.day[i])));
                            *any_summed |= join(summed.place(p, q, r), when) != OUT;
                        }
                    }
                }
            },
            |(mut a, af), (b, bf)| {
                a.extend(b);
                (a, af || bf)
            },
        );
        if any_summed { met } else { BTreeSet::new() }
    }

    /// Partners with sell-in or sell-through in the period; outlets are
    /// the retail ones among them.
    fn active(&self, plan: &Plan<'_>, outlets: bool) -> Vec<(u64, Option<i64>)> {
        let retail = plan.dims.partner_types.find("retailer");
        let outlet_parts;
        let parts = if outlets {
            outlet_parts = plan
                .parts
                .keeping_partners(|p| Some(plan.dims.partners[p].partner_type) == retail);
            &outlet_parts
        } else {
            &plan.parts
        };
        let mut pairs: HashSet<(u64, u32)> = HashSet::new();
        for kind in [Kind::SellIn, Kind::DownstreamSellIn, Kind::SellThrough] {
            let found = self.scan(
                kind,
                plan.first_day,
                plan.last_day,
                HashSet::new,
                |set, chunk| {
                    parts.each(chunk, |key, c, i| {
                        set.insert((key, c.partner[i]));
                    });
                },
                |mut a, b| {
                    a.extend(b);
                    a
                },
            );
            pairs.extend(found);
        }
        let mut counts: HashMap<u64, i64> = HashMap::new();
        for (key, _) in pairs {
            *counts.entry(key).or_insert(0) += 1;
        }
        counts.into_iter().map(|(k, v)| (k, Some(v))).collect()
    }

    /// End-customer regions a group's sell-through reached for the first
    /// time (over all history within the filters) inside the period.
    fn new_regions(&self, plan: &Plan<'_>) -> Vec<(u64, Option<i64>)> {
        let first_seen = self.scan(
            Kind::SellThrough,
            i32::MIN,
            plan.last_day,
            HashMap::<(u64, u32), i32>::new,
            |seen, chunk| {
                let c = Cols::of(chunk);
                for i in 0..c.region.len() {
                    let (region, day) = (c.region[i], c.day[i]);
                    if region == NONE || day > plan.last_day {
                        continue;
                    }
                    let key = plan.key_without_time(&c, i);
                    if key == OUT {
                        continue;
                    }
                    seen.entry((key, region))
                        .and_modify(|d| *d = (*d).min(day))
                        .or_insert(day);
                }
            },
            |mut a, b| {
                for (k, d) in b {
                    a.entry(k).and_modify(|x| *x = (*x).min(d)).or_insert(d);
                }
                a
            },
        );
        let month_of = MonthOfDay::new(plan.first_day, plan.last_day);
        let mut counts: HashMap<u64, i64> = HashMap::new();
        for ((key, _), day) in first_seen {
            if day >= plan.first_day {
                *counts
                    .entry(plan.with_time(key, month_of.month(day)))
                    .or_insert(0) += 1;
            }
        }
        counts.into_iter().map(|(k, v)| (k, Some(v))).collect()
    }

    /// Partners signed up (created) in the period, placed in the month they
    /// were created and in their own region.
    fn new_partners(&self, plan: &Plan<'_>) -> Vec<(u64, Option<i64>)> {
        let mut counts: HashMap<u64, i64> = HashMap::new();
        for (ix, partner) in plan.dims.partners.iter().enumerate() {
            let day = day_number(partner.created_on);
            if day < plan.first_day || day > plan.last_day || !plan.partner_passes(ix as u32) {
                continue;
            }
            if let Some(ok) = &plan.region_ok
                && (partner.region == NONE || !ok[partner.region as usize])
            {
                continue;
            }
            if plan.product_ok.is_some() {
                continue;
            }
            let key = plan.pair_key(ix as u32, NONE);
            let month = month_number(Month::of(partner.created_on));
            *counts.entry(plan.with_time(key, month)).or_insert(0) += 1;
        }
        counts.into_iter().map(|(k, v)| (k, Some(v))).collect()
    }

    /// Invoiced minus credited minus received, up to the period's last day.
    fn outstanding(&self, plan: &Plan<'_>) -> Vec<(u64, Option<i64>)> {
        let mut groups: HashMap<u64, i64> = HashMap::new();
        for (kind, sign) in [
            (Kind::Invoice, 1),
            (Kind::CreditNote, -1),
            (Kind::Payment, -1),
        ] {
            let part = self.scan(
                kind,
                i32::MIN,
                plan.last_day,
                HashMap::<u64, i64>::new,
                |groups, chunk| {
                    let c = Cols::of(chunk);
                    for i in 0..c.day.len() {
                        let key = plan.key_without_time(&c, i);
                        if c.day[i] <= plan.last_day && key != OUT {
                            *groups.entry(key).or_insert(0) += sign * c.amount[i];
                        }
                    }
                },
                merge_sums,
            );
            for (k, v) in part {
                *groups.entry(k).or_insert(0) += v;
            }
        }
        groups.into_iter().map(|(k, v)| (k, Some(v))).collect()
    }

    /// Per (partner, product): the day and quantity of the last count on or
    /// before the period's last day.
    fn latest_counts(&self, plan: &Plan<'_>) -> FxHashMap<(u32, u32), (i32, i64)> {
        let last = plan.last_day;
        self.scan(
            Kind::StockCount,
            i32::MIN,
            last,
            FxHashMap::default,
            |latest, chunk| {
                for i in 0..chunk.len() {
                    if chunk.day[i] <= last && plan.passes_but_time(chunk, i) {
                        let e = latest
                            .entry((chunk.partner[i], chunk.product[i]))
                            .or_insert((i32::MIN, 0));
                        if chunk.day[i] >= e.0 {
                            *e = (chunk.day[i], chunk.qty[i]);
                        }
                    }
                }
            },
            |mut a, b| {
                for (k, (d, q)) in b {
                    let e = a.entry(k).or_insert((i32::MIN, 0));
                    if d >= e.0 {
                        *e = (d, q);
                    }
                }
                a
            },
        )
    }

    /// What moves a holding: sell-in and downstream sell-in come in,
    /// sell-through goes out.
    const MOVES: [(Kind, i64); 3] = [
        (Kind::SellIn, 1),
        (Kind::DownstreamSellIn, 1),
        (Kind::SellThrough, -1),
    ];

    /// Per (partner, product): the last count on or before the period's
    /// last day, plus what came in and minus what went out after it.
    /// Without a count, everything received minus everything sold. By pair.
    ///
    /// Holdings are as many as the pairs ever traded (tens of millions on
    /// a large channel), so the movements are gathered as (pair, quantity)
    /// in one vector, sorted on the rayon pool and summed in one pass: 16
    /// bytes a line, where a hash map per worker cost several times that.
    fn pairs_on_hand(&self, plan: &Plan<'_>) -> Vec<(u64, i64)> {
        let last = plan.last_day;
        let counts = self.latest_counts(plan);
        let mut moves: Vec<(u64, i64)> = counts
            .iter()
            .map(|(&(partner, product), &(_, qty))| (pair(partner, product), qty))
            .collect();
        for (kind, sign) in Self::MOVES {
            let counts = &counts;
            let found: Vec<(u64, i64)> = self
                .table(kind)
                .chunks
                .par_iter()
                .filter(|c| c.overlaps(i32::MIN, last))
                .flat_map_iter(|chunk| {
                    (0..chunk.len()).filter_map(move |i| {
                        let (partner, product) = (chunk.partner[i], chunk.product[i]);
                        let after = counts
                            .get(&(partner, product))
                            .map_or(i32::MIN, |(d, _)| *d);
                        let day = chunk.day[i];
                        (day > after && day <= last && plan.passes_but_time(chunk, i))
                            .then(|| (pair(partner, product), sign * chunk.qty[i]))
                    })
                })
                .collect();
            moves.extend(found);
        }
        moves.par_sort_unstable_by_key(|m| m.0);
        // Summed in place: the sorted movements become the holdings.
        let mut held = 0;
        for i in 0..moves.len() {
            if held > 0 && moves[held - 1].0 == moves[i].0 {
                moves[held - 1].1 += moves[i].1;
            } else {
                moves[held] = moves[i];
                held += 1;
            }
        }
        moves.truncate(held);
        moves.shrink_to_fit();
        moves
    }

    /// On hand per group. A group's holding is the sum of its pairs' (last
    /// count + the movements after it), so each count and each later
    /// movement is added straight into its group: no vector of every pair
    /// to sort, as [`Self::pairs_on_hand`] needs for the holdings' list.
    fn on_hand(&self, plan: &Plan<'_>) -> FxHashMap<u64, i64> {
        let last = plan.last_day;
        let counts = self.latest_counts(plan);
        let mut groups: FxHashMap<u64, i64> = FxHashMap::default();
        for (&(partner, product), &(_, qty)) in &counts {
            *groups.entry(plan.pair_key(partner, product)).or_insert(0) += qty;
        }
        for (kind, sign) in Self::MOVES {
            let counts = &counts;
            let moved = self.scan(
                kind,
                i32::MIN,
                last,
                FxHashMap::<u64, i64>::default,
                |groups, chunk| {
                    for i in 0..chunk.len() {
                        let (partner, product) = (chunk.partner[i], chunk.product[i]);
                        let day = chunk.day[i];
                        if day <= last
                            && day > counts.get(&(partner, product)).map_or(i32::MIN, |c| c.0)
                            && plan.passes_but_time(chunk, i)
                        {
                            *groups.entry(plan.pair_key(partner, product)).or_insert(0) +=
                                sign * chunk.qty[i];
                        }
                    }
                },
                add_into,
            );
            groups = add_into(groups, moved);
        }
        groups
    }

    /// Units sold through per group in the window of
    /// `inventory::WINDOW_DAYS` days ending on the plan's last day.
    fn sold_in_window(&self, plan: &Plan<'_>) -> FxHashMap<u64, i64> {
        let from = plan.last_day - (WINDOW_DAYS as i32 - 1);
        self.scan(
            Kind::SellThrough,
            from,
            plan.last_day,
            FxHashMap::<u64, i64>::default,
            |sold, chunk| {
                for i in 0..chunk.len() {
                    let day = chunk.day[i];
                    if day >= from && day <= plan.last_day && plan.passes_but_time(chunk, i) {
                        *sold
                            .entry(plan.pair_key(chunk.partner[i], chunk.product[i]))
                            .or_insert(0) += chunk.qty[i];
                    }
                }
            },
            add_into,
        )
    }

    /// On hand against the window's sales, per group, by the inventory
    /// pages' rule (`inventory::cover`); `None` where nothing sold.
    fn days_of_cover(&self, plan: &Plan<'_>) -> Vec<(u64, Option<i64>)> {
        let sold = self.sold_in_window(plan);
        self.on_hand(plan)
            .into_iter()
            .map(|(key, qty)| {
                let days = match cover(qty, sold.get(&key).copied().unwrap_or(0)) {
                    Cover::Days(days) => Some(days),
                    Cover::Empty => Some(0),
                    Cover::NoSales => None,
                };
                (key, days)
            })
            .collect()
    }

    /// Every partner × product holding on `as_of` under the query's scope
    /// and filters, by the inventory pages' rules: on hand, sold in the
    /// window, and the last day within `recent_days` (today included) whose
    /// sales were more than its returns ([`Holdings`]).
    ///
    /// Like the holdings, recent sales are gathered as one vector of
    /// (pair, day, quantity) and sorted, so a channel with tens of millions
    /// of holdings costs bytes per line and no map per holding.
    pub fn stock_holdings(
        &self,
        query: &Query,
        scope: &Scope,
        as_of: chrono::NaiveDate,
        recent_days: u32,
    ) -> Result<Holdings, Invalid> {
        let mut plan = self.plan(query, scope)?;
        plan.last_day = day_number(as_of);
        let last = plan.last_day;
        let window_from = last - (WINDOW_DAYS as i32 - 1);
        let recent_from = last - (recent_days as i32 - 1);
        let from = window_from.min(recent_from);
        let plan = &plan;
        let mut sales: Vec<(u64, i32, i64)> = self
            .table(Kind::SellThrough)
            .chunks
            .par_iter()
            .filter(|c| c.overlaps(from, last))
            .flat_map_iter(|chunk| {
                (0..chunk.len()).filter_map(move |i| {
                    let day = chunk.day[i];
                    (day >= from && day <= last && plan.passes_but_time(chunk, i))
                        .then(|| (pair(chunk.partner[i], chunk.product[i]), day, chunk.qty[i]))
                })
            })
            .collect();
        sales.par_sort_unstable_by_key(|s| (s.0, s.1));
        Ok(Holdings {
            dims: self.dims.clone(),
            on_hand: self.pairs_on_hand(plan),
            sales,
            window_from,
            recent_from,
        })
    }

    /// How many partner × product holdings are overstocked and how many
    /// are out of stock on `as_of`, under the query's scope and filters, by
    /// the inventory pages' rules.
    pub fn stock_flags(
        &self,
        query: &Query,
        scope: &Scope,
        as_of: chrono::NaiveDate,
        overstock_days: u32,
    ) -> Result<(u64, u64), Invalid> {
        let (mut overstock, mut stock_outs) = (0, 0);
        for p in self.stock_holdings(query, scope, as_of, 1)?.positions() {
            overstock += u64::from(is_overstock(
                cover(p.on_hand, p.sold_in_window),
                overstock_days,
            ));
            stock_outs += u64::from(is_stock_out(p.on_hand, p.sold_in_window));
        }
        Ok((overstock, stock_outs))
    }

    /// A code of a dimension with its names, for a filter shown to a
    /// person; `None` for a code the dimension does not hold.
    pub fn label(&self, dim: Dim, code: &str) -> Option<Key> {
        let dims = &*self.dims;
        let position = |found: Option<usize>| found.map(|i| i as u32);
        let index = match dim {
            Dim::Partner => dims.partner_of_code(code),
            Dim::PartnerType => dims.partner_types.find(code),
            Dim::Grade => position(dims.grades.iter().position(|g| g.code == code)),
            Dim::Owner => position(dims.owners.iter().position(|o| o.login == code)),
            Dim::Product => dims.product_of_sku(code),
            Dim::ProductLine => position(dims.lines.iter().position(|l| l.code == code)),
            Dim::Category => dims.categories.find(code),
            Dim::Region | Dim::Province | Dim::City => dims.region_of_code(code),
            Dim::Year | Dim::Quarter | Dim::Month => None,
        }?;
        Some(self.key(dim, index))
    }

    fn key(&self, dim: Dim, code: u32) -> Key {
        let dims = &*self.dims;
        let none = || Key {
            code: String::new(),
            name_zh: String::new(),
            name_en: String::new(),
        };
        if code == NONE {
            return none();
        }
        let same = |text: &str| Key {
            code: text.to_owned(),
            name_zh: text.to_owned(),
            name_en: text.to_owned(),
        };
        let c = code as usize;
        match dim {
            Dim::Partner => dims.partners.get(c).map_or_else(none, |p| Key {
                code: p.code.clone(),
                name_zh: p.name.clone(),
                name_en: p.name.clone(),
            }),
            Dim::PartnerType => dims
                .partner_types
                .values
                .get(c)
                .map_or_else(none, |t| same(t)),
            Dim::Grade => dims.grades.get(c).map_or_else(none, |g| Key {
                code: g.code.clone(),
                name_zh: g.name_zh.clone(),
                name_en: g.name_en.clone(),
            }),
            Dim::Owner => dims.owners.get(c).map_or_else(none, |o| Key {
                code: o.login.clone(),
                name_zh: o.name.clone(),
                name_en: o.name.clone(),
            }),
            Dim::Product => dims.products.get(c).map_or_else(none, |p| Key {
                code: p.sku.clone(),
                name_zh: p.name_zh.clone(),
                name_en: p.name_en.clone(),
            }),
            Dim::ProductLine => dims.lines.get(c).map_or_else(none, |l| Key {
                code: l.code.clone(),
                name_zh: l.name_zh.clone(),
                name_en: l.name_en.clone(),
            }),
            Dim::Category => dims.categories.values.get(c).map_or_else(none, |t| same(t)),
            Dim::Region | Dim::Province | Dim::City => {
                dims.regions.get(c).map_or_else(none, |r| Key {
                    code: r.code.clone(),
                    name_zh: r.name_zh.clone(),
                    name_en: r.name_en.clone(),
                })
            }
            Dim::Month => same(&month_of_number(code as i32).to_string()),
            Dim::Quarter => {
                let n = code as i32;
                same(&format!("{}-Q{}", n.div_euclid(4), n.rem_euclid(4) + 1))
            }
            Dim::Year => same(&code.to_string()),
        }
    }
}

/// The most groups summed into a plain array (16 MB of sums per worker).
const DENSE_KEYS: usize = 1 << 21;

/// Sums per group key: an array indexed by the key (its last slot
/// gathering the rows dropped), or a map.
enum Groups {
    Dense(Vec<i64>, Vec<bool>),
    Sparse(HashMap<u64, i64>),
}

impl Groups {
    fn merge(self, other: Groups) -> Groups {
        match (self, other) {
            (Groups::Dense(mut a, mut aseen), Groups::Dense(b, bseen)) => {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                aseen.iter_mut().zip(bseen).for_each(|(x, y)| *x |= y);
                Groups::Dense(a, aseen)
            }
            (Groups::Sparse(a), Groups::Sparse(b)) => Groups::Sparse(merge_sums(a, b)),
            (a, b) => {
                let mut map: HashMap<u64, i64> = HashMap::new();
                for (k, v) in a.into_pairs().into_iter().chain(b.into_pairs()) {
                    *map.entry(k).or_insert(0) += v;
                }
                Groups::Sparse(map)
            }
        }
    }

    fn into_pairs(self) -> Vec<(u64, i64)> {
        match self {
            Groups::Dense(mut sums, mut seen) => {
                sums.pop();
                seen.pop();
                sums.into_iter()
                    .zip(seen)
                    .enumerate()
                    .filter(|(_, (_, seen))| *seen)
                    .map(|(k, (v, _))| (k as u64, v))
                    .collect()
            }
            Groups::Sparse(map) => map.into_iter().collect(),
        }
    }
}

fn merge_sums(mut a: HashMap<u64, i64>, b: HashMap<u64, i64>) -> HashMap<u64, i64> {
    for (k, v) in b {
        *a.entry(k).or_insert(0) += v;
    }
    a
}

impl Plan<'_> {
    /// The key with every time dimension left as "none", for measures
    /// that place a group in time afterwards (first sightings) or not at
    /// all (balances); `OUT` for a row the scope or a filter drops.
    fn key_without_time(&self, c: &Cols<'_>, i: usize) -> u64 {
        self.parts.place(c.partner[i], c.product[i], c.region[i])
    }

    /// How many distinct keys the splits can make (`None` past `u64`).
    fn key_space(&self) -> Option<usize> {
        self.splits
            .iter()
            .try_fold(1u64, |n, s| n.checked_mul(s.radix))
            .and_then(|n| usize::try_from(n).ok())
    }

    /// A key from [`Plan::key_without_time`] placed in a month.
    fn with_time(&self, key: u64, month: i32) -> u64 {
        let mut codes = self.decode(key);
        for (slot, split) in self.splits.iter().enumerate() {
            if split.source == Source::Month {
                codes[slot] = split
                    .table
                    .get((month - self.first_month) as usize)
                    .copied()
                    .unwrap_or(NONE);
            }
        }
        codes
            .iter()
            .zip(&self.splits)
            .fold(0u64, |key, (code, split)| {
                key * split.radix + code.wrapping_add(1) as u64
            })
    }
}

/// The month number of each day in a range, looked up rather than worked
/// out per row.
struct MonthOfDay {
    first_day: i32,
    months: Vec<i32>,
}

impl MonthOfDay {
    fn new(first_day: i32, last_day: i32) -> Self {
        let months = (first_day..=last_day.max(first_day))
            .map(|d| month_number(Month::of(date_of(d))))
            .collect();
        Self { first_day, months }
    }

    fn month(&self, day: i32) -> i32 {
        self.months
            .get((day - self.first_day) as usize)
            .copied()
            .unwrap_or_else(|| month_number(Month::of(date_of(day))))
    }
}
