//! A developer's aid, not a benchmark: times the engine's scans on a
//! synthetic snapshot (by default 10M sell-in and 10M sell-through lines,
//! 10k partners, 100k products, 24 months) for the twelve query shapes of
//! `bench/analytics_queries.txt`, median of 5 warm runs each (with the CPU
//! time they took, which other work on the cores does not inflate), and prints a
//! digest of every answer so a change to the scan loop can be checked to
//! answer the same. The benchmark of record, peer beside peer, is
//! `bench/analytics.py`.
//!
//! `cargo run --release -p qudao-engine --example scan [-- ROWS_PER_KIND [QUERY [RUNS]]]`

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::time::Instant;

use chrono::{Days, NaiveDate};
use qudao_domain::periods::{FiscalCalendar, Month};
use qudao_engine::{
    DimsInput, FactInput, Kind, Named, PartnerInput, ProductInput, Query, QueryText, RateInput,
    RegionInput, Scope, Snapshot,
};
use rust_decimal::Decimal;

const PARTNERS: i64 = 10_000;
const PRODUCTS: i64 = 100_000;
const PROVINCES: i64 = 31;
const CITIES_PER_PROVINCE: i64 = 10;
const COUNTIES_PER_CITY: i64 = 6;
const LINES: i64 = 20;
const BATCH: usize = 1 << 20;

/// splitmix64: the data only has to look random and be the same each run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: i64) -> i64 {
        (self.next() % n as u64) as i64
    }
}

fn county_id(province: i64, city: i64, county: i64) -> i64 {
    100_000 + province * 1_000 + city * 10 + county
}

fn dims(rng: &mut Rng) -> DimsInput {
    let mut regions = vec![RegionInput {
        id: 1,
        code: "CN".into(),
        name_zh: "中国".into(),
        name_en: "China".into(),
        level: "country".into(),
        parent_id: None,
    }];
    let region = |id: i64, code: String, level: &str, parent: i64| RegionInput {
        id,
        name_zh: code.clone(),
        name_en: code.clone(),
        code,
        level: level.into(),
        parent_id: Some(parent),
    };
    for p in 0..PROVINCES {
        let province = 10 + p;
        regions.push(region(province, format!("{}0000", 11 + p), "province", 1));
        for c in 0..CITIES_PER_PROVINCE {
            let city = 1_000 + p * 100 + c;
            regions.push(region(
                city,
                format!("{}{:02}00", 11 + p, c + 1),
                "city",
                province,
            ));
            for k in 0..COUNTIES_PER_CITY {
                regions.push(region(
                    county_id(p, c, k),
                    format!("{}{:02}{:02}", 11 + p, c + 1, k + 1),
                    "county",
                    city,
                ));
            }
        }
    }
    let types = [
        "distributor",
        "wholesaler",
        "retailer",
        "retailer",
        "key_account",
    ];
    let partners = (0..PARTNERS)
        .map(|i| PartnerInput {
            id: i + 1,
            code: format!("P{i:05}"),
            name: format!("partner {i}"),
            partner_type: types[rng.below(types.len() as i64) as usize].into(),
            grade: None,
            region_id: Some(county_id(
                rng.below(PROVINCES),
                rng.below(CITIES_PER_PROVINCE),
                rng.below(COUNTIES_PER_CITY),
            )),
            owner_id: None,
            parent_id: None,
            created_on: NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date")
                + Days::new(rng.below(1_000) as u64),
        })
        .collect();
    let products = (0..PRODUCTS)
        .map(|i| ProductInput {
            id: i + 1,
            sku: format!("SKU{i:06}"),
            name_zh: format!("产品 {i}"),
            name_en: format!("product {i}"),
            line: format!("L{:02}", i % LINES),
            category: format!("C{}", i % 7),
            cost: (i % 10 != 0).then_some(100 + i % 900),
        })
        .collect();
    let lines = (0..LINES)
        .map(|l| Named {
            code: format!("L{l:02}"),
            name_zh: format!("线 {l}"),
            name_en: format!("line {l}"),
        })
        .collect();
    DimsInput {
        partners,
        products,
        regions,
        lines,
        ..DimsInput::default()
    }
}

fn facts(rng: &mut Rng, next_id: &mut i64, n: usize, customer_region: bool) -> Vec<FactInput> {
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date");
    (0..n)
        .map(|_| {
            *next_id += 1;
            let qty = if rng.below(50) == 0 {
                -1 - rng.below(5)
            } else {
                1 + rng.below(20)
            };
            let region_id = (customer_region && rng.below(10) != 0).then(|| {
                county_id(
                    rng.below(PROVINCES),
                    rng.below(CITIES_PER_PROVINCE),
                    rng.below(COUNTIES_PER_CITY),
                )
            });
            FactInput {
                id: *next_id,
                partner_id: 1 + rng.below(PARTNERS),
                product_id: Some(1 + rng.below(PRODUCTS)),
                region_id,
                date: start + Days::new(rng.below(730) as u64),
                qty,
                amount_minor: qty * (500 + rng.below(10_000)),
                currency: if rng.below(1_000) == 0 { "USD" } else { "CNY" }.into(),
            }
        })
        .collect()
}

fn snapshot(rows: usize) -> Snapshot {
    let mut rng = Rng(10);
    let rates: Vec<RateInput> = (1..=12)
        .flat_map(|m| {
            [2025, 2026].map(|y| RateInput {
                currency: "USD".into(),
                month: Month::new(y, m).expect("a month"),
                rate: Decimal::new(71_234, 4),
            })
        })
        .collect();
    let dims = qudao_engine::Dims::build(&dims(&mut rng), None);
    let mut snapshot = Snapshot::empty("CNY", FiscalCalendar::new(1).expect("January"))
        .published(Some(dims), Some(&rates), &[])
        .expect("dimensions");
    let mut next_id = 0;
    for (kind, customer_region) in [(Kind::SellIn, false), (Kind::SellThrough, true)] {
        let mut left = rows;
        while left > 0 {
            let n = left.min(BATCH);
            let batch = facts(&mut rng, &mut next_id, n, customer_region);
            snapshot = snapshot
                .published(None, None, &[(kind, batch)])
                .expect("facts");
            left -= n;
        }
    }
    snapshot
}

/// One line of `bench/analytics_queries.txt`, placeholders filled in.
fn parse(line: &str) -> QueryText {
    let mut text = QueryText::default();
    for pair in line.split('&') {
        let (name, value) = pair.split_once('=').expect("name=value");
        let list = || value.split(',').map(str::to_owned).collect::<Vec<_>>();
        match name {
            "measures" => text.measures = list(),
            "by" => text.by = list(),
            "period" => text.period = Some(value.into()),
            "from" => text.from = Some(value.into()),
            "to" => text.to = Some(value.into()),
            "compare" => text.compare = Some(value.into()),
            "sort" => text.sort = Some(value.into()),
            "limit" => text.limit = Some(value.parse().expect("a limit")),
            dim => text.filters.push((dim.to_owned(), list())),
        }
    }
    text
}

/// CPU time of every thread of this process so far (Linux), so a figure
/// taken while other builds share the cores still says what a scan costs.
fn cpu_ms() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    let ns: u64 = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    ns as f64 / 1e6
}

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .map_or(10_000_000, |n| n.parse().expect("rows per kind"));
    let only: Option<usize> = std::env::args()
        .nth(2)
        .map(|n| n.parse().expect("a query's number"));
    let runs: usize = std::env::args()
        .nth(3)
        .map_or(5, |n| n.parse().expect("runs per query"));
    let built = Instant::now();
    let snapshot = snapshot(rows);
    eprintln!(
        "{rows} sell-in + {rows} sell-through lines built in {:.1} s",
        built.elapsed().as_secs_f64()
    );
    let queries = include_str!("../../../bench/analytics_queries.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            l.replace("{year}", "2026")
                .replace("{prev}", "2025")
                .replace("{province}", "110000")
                .replace("{city}", "110100")
                .replace("{partner}", "P00042")
        });
    let mut log_sum = 0.0;
    let mut count = 0;
    for (n, line) in queries.enumerate() {
        if only.is_some_and(|only| only != n + 1) {
            continue;
        }
        let query = Query::parse(&parse(&line), snapshot.fiscal).expect("a query");
        let answer = snapshot.query(&query, &Scope::All).expect("an answer");
        let mut digest = DefaultHasher::new();
        format!("{answer:?}").hash(&mut digest);
        let cpu = cpu_ms();
        let mut times: Vec<f64> = (0..runs)
            .map(|_| {
                let t = Instant::now();
                let again = snapshot.query(&query, &Scope::All).expect("an answer");
                let ms = t.elapsed().as_secs_f64() * 1e3;
                assert_eq!(again, answer);
                ms
            })
            .collect();
        let cpu = (cpu_ms() - cpu) / runs as f64;
        times.sort_by(f64::total_cmp);
        let median = times[runs / 2];
        log_sum += median.ln();
        count += 1;
        println!(
            "{:>2} {:>8.1} ms  cpu {:>7.1} ms  groups {:>6}  digest {:016x}  {line}",
            n + 1,
            median,
            cpu,
            answer.groups,
            digest.finish()
        );
    }
    println!(
        "geometric mean {:.2} ms",
        (log_sum / f64::from(count)).exp()
    );
}
