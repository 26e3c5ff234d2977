//! The benchmark's facts: sell-in and sell-through lines over the last 24
//! months for every partner holding a right, written as the importers' CSV
//! files and then loaded by those importers (streamed, checked row by row,
//! written through the bulk path). The peers (DuckDB, sqlite3, psql) load
//! the very same files, so every comparison is on the same data, and every
//! line Qudao holds passed the rules a real one does: partner, product,
//! channel, and a right on the line on the line's day.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Days, NaiveDate};
use qudao_app::catalog::{ProductQuery, ProductSort};
use qudao_app::imports::{ImportKind, ImportOptions};
use qudao_app::territories::AuthorizationQuery;
use qudao_app::{AppError, Caller, PageRequest, Qudao, SortDir};
use qudao_domain::catalog::CatalogStatus;
use qudao_domain::money::{Currency, Money};
use qudao_domain::periods::Month;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Lines of each kind the benchmark asks for (DESIGN.md §7).
pub const LINES: u64 = 10_000_000;
/// Months of history, the current one included.
const MONTHS: u32 = 24;

/// What the bench facts step wrote and how long each part took.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BenchFacts {
    pub sellin: usize,
    pub sellthrough: usize,
    pub csv_dir: PathBuf,
    pub generate_secs: f64,
    pub sellin_secs: f64,
    pub sellthrough_secs: f64,
}

/// A right a line may be written under: the partner, its currency, the
/// region its customers are in, the products of the line and the days.
struct Holding {
    partner: String,
    currency: Currency,
    region: String,
    products: usize,
    from: NaiveDate,
    days: u64,
}

/// Writes `lines` sell-in and `lines` sell-through lines as CSV into `dir`
/// and imports both files.
pub(crate) async fn load(
    app: &Qudao,
    system: &Caller,
    rng: &mut ChaCha8Rng,
    lines: u64,
    dir: &Path,
) -> Result<BenchFacts, AppError> {
    let started = Instant::now();
    let today = qudao_app::today();
    let first = (1..MONTHS)
        .fold(Month::of(today), |m, _| m.previous())
        .first_day();
    let open_lines: Vec<String> = app
        .product_lines(system)
        .await?
        .into_iter()
        .filter(|l| l.channels.is_empty())
        .map(|l| l.code)
        .collect();
    // Per open product line: its products' skus and list prices.
    let mut catalog: Vec<(String, Vec<(String, i64)>)> =
        open_lines.iter().map(|l| (l.clone(), Vec::new())).collect();
    for p in app
        .products(
            system,
            &ProductQuery::default(),
            ProductSort::default(),
            SortDir::Asc,
            PageRequest::export(),
        )
        .await?
        .items
    {
        if p.status != CatalogStatus::Active || p.serial_tracked || p.currency != "CNY" {
            continue;
        }
        let Some((_, products)) = catalog.iter_mut().find(|(l, _)| *l == p.product_line) else {
            continue;
        };
        let price = Money::parse("price", &p.list_price, Currency::CNY).map_or(0, Money::minor);
        if price > 0 {
            products.push((p.sku, price));
        }
    }
    // The list view carries no currency; a partner's record does.
    let mut currencies: std::collections::HashMap<String, Currency> = Default::default();
    for p in app
        .list_partners(
            system,
            &Default::default(),
            Default::default(),
            SortDir::Asc,
            PageRequest::export(),
        )
        .await?
        .items
    {
        let detail = app.partner(system, &p.code).await?;
        if let Ok(currency) = Currency::parse(&detail.currency) {
            currencies.insert(p.code, currency);
        }
    }
    let mut holdings: Vec<(usize, Holding)> = Vec::new();
    for right in app
        .authorizations(
            system,
            &AuthorizationQuery::default(),
            Default::default(),
            SortDir::Asc,
            PageRequest::export(),
        )
        .await?
        .items
    {
        let from = right.valid_from.max(first);
        let to = right.valid_to.min(today);
        let Some(line) = catalog
            .iter()
            .position(|(l, p)| *l == right.product_line && !p.is_empty())
        else {
            continue;
        };
        let Some(currency) = currencies.get(&right.partner_code).copied() else {
            continue;
        };
        if right.ended_at.is_some() || from > to || !matches!(currency.as_str(), "CNY" | "USD") {
            continue;
        }
        holdings.push((
            line,
            Holding {
                partner: right.partner_code,
                currency,
                region: right.region_code,
                products: catalog[line].1.len(),
                from,
                days: u64::try_from((to - from).num_days()).unwrap_or(0) + 1,
            },
        ));
    }
    if holdings.is_empty() {
        return Err(AppError::Internal(
            "the bench network holds no right to write facts under".to_owned(),
        ));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| AppError::Internal(format!("cannot create {}: {e}", dir.display())))?;
    let sellin_path = dir.join("sell-in.csv");
    let sellthrough_path = dir.join("sell-through.csv");
    write_csv(&sellin_path, |out| {
        writeln!(out, "date,partner_code,sku,qty,amount,currency,document_no")?;
        for n in 0..lines {
            let (line, h) = &holdings[rng.random_range(0..holdings.len())];
            let (sku, price) = &catalog[*line].1[rng.random_range(0..h.products)];
            let day = h.from + Days::new(rng.random_range(0..h.days));
            let qty: i64 = rng.random_range(1..=20) * 6;
            let amount = minor_text(price * 75 / 100 * qty, h.currency);
            writeln!(
                out,
                "{day},{},{sku},{qty},{amount},{},SO-B{n:08}",
                h.partner, h.currency
            )?;
        }
        Ok(())
    })?;
    write_csv(&sellthrough_path, |out| {
        writeln!(
            out,
            "partner_code,date,sku,qty,amount,customer_region,document_no"
        )?;
        for n in 0..lines {
            let (line, h) = &holdings[rng.random_range(0..holdings.len())];
            let (sku, price) = &catalog[*line].1[rng.random_range(0..h.products)];
            let day = h.from + Days::new(rng.random_range(0..h.days));
            let qty: i64 = rng.random_range(1..=12);
            let amount = minor_text(price * qty, h.currency);
            writeln!(
                out,
                "{},{day},{sku},{qty},{amount},{},XS-B{n:08}",
                h.partner, h.region
            )?;
        }
        Ok(())
    })?;
    let mut facts = BenchFacts {
        csv_dir: dir.to_path_buf(),
        generate_secs: started.elapsed().as_secs_f64(),
        ..BenchFacts::default()
    };
    let started = Instant::now();
    facts.sellin = import(app, system, "sell-in", &sellin_path).await?;
    facts.sellin_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    facts.sellthrough = import(app, system, "sell-through", &sellthrough_path).await?;
    facts.sellthrough_secs = started.elapsed().as_secs_f64();
    Ok(facts)
}

/// Yuan minor units in the line's currency (dollars at 7.20), as text.
fn minor_text(cny_minor: i64, currency: Currency) -> String {
    let minor = if currency == Currency::CNY {
        cny_minor
    } else {
        cny_minor * 100 / 720
    };
    Money::from_minor(minor, currency).amount_text()
}

fn write_csv(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), AppError> {
    let fail =
        |e: std::io::Error| AppError::Internal(format!("cannot write {}: {e}", path.display()));
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).map_err(fail)?);
    body(&mut out).map_err(fail)?;
    out.flush().map_err(fail)
}

async fn import(app: &Qudao, system: &Caller, kind: &str, path: &Path) -> Result<usize, AppError> {
    let kind = ImportKind::parse(kind)
        .ok_or_else(|| AppError::Internal(format!("no importer named {kind}")))?;
    let report = app
        .import_file(system, kind, path, ImportOptions::default())
        .await?;
    match report.errors.first() {
        None => Ok(report.created),
        Some(error) => Err(AppError::Internal(format!(
            "the bench's {} was refused ({} problems), row {:?}: {}",
            path.display(),
            report.errors.len(),
            error.row,
            error.message
        ))),
    }
}
