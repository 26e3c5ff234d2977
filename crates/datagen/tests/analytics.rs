//! The engine agrees with plain SQL over the store: on the demo's facts,
//! on both backends, random queries (measures, splits, filters, periods)
//! answered by `Qudao::analytics_query` equal the same sums worked out
//! from a SQL read of the fact tables joined to their partners, products,
//! grades, lines and provinces. A partner's boss gets its own tree only,
//! and a fresh engine over the same database answers the same.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use qudao_app::analytics::QueryText;
use qudao_app::{Caller, Qudao};
use qudao_datagen::{Scale, load};
use qudao_domain::periods::{FiscalCalendar, Month, Period};
use rand::{RngExt, SeedableRng};
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::{ConnectionTrait, Database, Statement};

/// One fact line as SQL reads it, with every dimension the test splits by.
#[derive(Debug, Clone)]
struct SqlLine {
    table: &'static str,
    partner: String,
    partner_type: String,
    grade: String,
    line: String,
    province: String,
    day: String,
    qty: i64,
    amount: i64,
    currency: String,
    path: String,
}

const TABLES: &[(&str, &str, &str, &str, bool)] = &[
    // name, table, date column, which rows, has a product
    (
        "sell_in",
        "sellin_lines",
        "date",
        "f.seller_id IS NULL",
        true,
    ),
    (
        "downstream",
        "sellin_lines",
        "date",
        "f.seller_id IS NOT NULL",
        true,
    ),
    ("sell_through", "sellthrough_lines", "date", "1 = 1", true),
    ("invoice", "invoices", "issued_on", "1 = 1", false),
    ("credit_note", "credit_notes", "issued_on", "1 = 1", false),
    ("payment", "payments", "received_on", "1 = 1", false),
];

async fn sql_lines(url: &str) -> Vec<SqlLine> {
    let db = Database::connect(url).await.unwrap();
    let backend = db.get_database_backend();
    let mut out = Vec::new();
    for (name, table, date, only, product) in TABLES {
        // Sell-through is placed by its end customer's region when known.
        let region = if *table == "sellthrough_lines" {
            "COALESCE(f.customer_region_id, p.region_id)"
        } else {
            "p.region_id"
        };
        let (line_join, line_code) = if *product {
            (
                "LEFT JOIN products pr ON pr.id = f.product_id \
                 LEFT JOIN product_lines pl ON pl.id = pr.product_line_id",
                "COALESCE(pl.code, '')",
            )
        } else {
            ("", "''")
        };
        let sql = format!(
            "SELECT p.code AS partner, p.partner_type AS partner_type, \
             COALESCE(g.code, '') AS grade, {line_code} AS line, \
             COALESCE(prov.code, '') AS province, CAST(f.{date} AS TEXT) AS day, \
             f.qty AS qty, f.amount_minor AS amount, f.currency AS currency, p.path AS path \
             FROM {table} f JOIN partners p ON p.id = f.partner_id \
             LEFT JOIN grades g ON g.id = p.grade_id {line_join} \
             LEFT JOIN regions r ON r.id = {region} \
             LEFT JOIN regions prov ON (prov.level = 'province' \
               OR (prov.level = 'country' AND prov.code <> 'CN')) \
               AND r.path LIKE prov.path || '%' \
             WHERE {only}",
        );
        let sql = if *table == "invoices" || *table == "credit_notes" || *table == "payments" {
            sql.replace("f.qty AS qty", "CAST(1 AS BIGINT) AS qty")
        } else {
            sql
        };
        for row in db
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
        {
            out.push(SqlLine {
                table: name,
                partner: row.try_get("", "partner").unwrap(),
                partner_type: row.try_get("", "partner_type").unwrap(),
                grade: row.try_get("", "grade").unwrap(),
                line: row.try_get("", "line").unwrap(),
                province: row.try_get("", "province").unwrap(),
                day: row.try_get("", "day").unwrap(),
                qty: row.try_get("", "qty").unwrap(),
                amount: row.try_get("", "amount").unwrap(),
                currency: row.try_get("", "currency").unwrap(),
                path: row.try_get("", "path").unwrap(),
            });
        }
    }
    db.close().await.ok();
    out
}

async fn sql_rates(url: &str) -> HashMap<(String, String), Decimal> {
    let db = Database::connect(url).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT currency, month, rate FROM exchange_rates",
        ))
        .await
        .unwrap();
    db.close().await.ok();
    rows.iter()
        .map(|r| {
            let rate: String = r.try_get("", "rate").unwrap();
            (
                (
                    r.try_get("", "currency").unwrap(),
                    r.try_get("", "month").unwrap(),
                ),
                rate.parse().unwrap(),
            )
        })
        .collect()
}

/// A query's expected answer worked out from the SQL lines: codes per
/// split → value.
/// What SQL read, and what the expected answers are worked out with.
struct Facts {
    lines: Vec<SqlLine>,
    rates: HashMap<(String, String), Decimal>,
    fiscal: FiscalCalendar,
}

fn expected(
    facts: &Facts,
    measure: &str,
    by: &[&str],
    filter: Option<(&str, &str)>,
    months: (Month, Month),
    within: Option<&str>,
) -> BTreeMap<Vec<String>, i64> {
    let Facts {
        lines,
        rates,
        fiscal,
    } = facts;
    let fiscal = *fiscal;
    let convert = |amount: i64, currency: &str, month: &str| -> i64 {
        if currency == "CNY" {
            return amount;
        }
        rates
            .get(&(currency.to_owned(), month.to_owned()))
            .map_or(0, |rate| {
                (Decimal::from(amount) * rate)
                    .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
                    .try_into()
                    .unwrap()
            })
    };
    let tables: &[&str] = match measure {
        "sell_in_amount" | "sell_in_qty" | "returns_amount" => &["sell_in"],
        "sell_through_amount" | "sell_through_qty" => &["sell_through"],
        "downstream_amount" => &["downstream"],
        "invoiced" => &["invoice"],
        "credit_notes" => &["credit_note"],
        "collections" => &["payment"],
        "active_partners" => &["sell_in", "downstream", "sell_through"],
        other => panic!("no SQL for {other}"),
    };
    let mut sums: BTreeMap<Vec<String>, i64> = BTreeMap::new();
    let mut distinct: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    for l in lines.iter().filter(|l| tables.contains(&l.table)) {
        let date: chrono::NaiveDate = l.day[..10].parse().unwrap();
        let month = Month::of(date);
        if month < months.0 || month > months.1 {
            continue;
        }
        if let Some(top) = within
            && !l.path.starts_with(top)
        {
            continue;
        }
        if let Some((dim, code)) = filter {
            let value = match dim {
                "partner_type" => &l.partner_type,
                "province" => &l.province,
                _ => &l.line,
            };
            if value != code {
                continue;
            }
        }
        let key: Vec<String> = by
            .iter()
            .map(|d| match *d {
                "partner" => l.partner.clone(),
                "partner_type" => l.partner_type.clone(),
                "grade" => l.grade.clone(),
                "product_line" => l.line.clone(),
                "province" => l.province.clone(),
                "month" => month.to_string(),
                "quarter" => {
                    let (y, q) = fiscal.quarter_of(date);
                    format!("{y}-Q{q}")
                }
                _ => fiscal.year_of(date).to_string(),
            })
            .collect();
        let m = month.to_string();
        let signed = if l.table == "sell_through" && l.qty < 0 {
            -l.amount
        } else {
            l.amount
        };
        let value = match measure {
            "sell_in_qty" | "sell_through_qty" => l.qty,
            "returns_amount" => (-convert(signed, &l.currency, &m)).max(0),
            "active_partners" => {
                distinct.entry(key).or_default().insert(l.partner.clone());
                continue;
            }
            _ => convert(signed, &l.currency, &m),
        };
        *sums.entry(key).or_insert(0) += value;
    }
    for (key, partners) in distinct {
        sums.insert(key, partners.len() as i64);
    }
    sums
}

fn period_months(fiscal: FiscalCalendar, period: &str) -> (Month, Month) {
    let months = match Period::parse("period", period).unwrap() {
        Period::Year(y) => fiscal.year_months(y),
        Period::Quarter(y, q) => fiscal.quarter_months(y, q),
        Period::Month(m) => vec![m],
    };
    (months[0], months[months.len() - 1])
}

async fn answer(
    app: &Qudao,
    caller: &Caller,
    measure: &str,
    by: &[&str],
    filter: Option<(&str, &str)>,
    period: &str,
) -> BTreeMap<Vec<String>, i64> {
    let text = QueryText {
        measures: vec![measure.to_owned()],
        by: by.iter().map(|s| (*s).to_owned()).collect(),
        period: Some(period.to_owned()),
        filters: filter
            .map(|(d, c)| vec![(d.to_owned(), vec![c.to_owned()])])
            .unwrap_or_default(),
        ..QueryText::default()
    };
    let a = app.analytics_query(caller, &text).await.unwrap();
    a.rows
        .into_iter()
        .map(|r| {
            (
                r.keys.into_iter().map(|k| k.code).collect(),
                r.values[0].unwrap(),
            )
        })
        .collect()
}

async fn agrees_with_sql(url: String, file: &std::path::Path) {
    let open = async || {
        Qudao::open(&url)
            .await
            .unwrap()
            .keeping_engine_in(Some(file.to_owned()))
    };
    let app = open().await;
    load(&app, Scale::Demo, 2026).await.unwrap();
    let system = Caller::system("test");
    let fiscal =
        FiscalCalendar::new(app.current_settings().await.unwrap().fiscal_year_start).unwrap();
    let facts = Facts {
        lines: sql_lines(&url).await,
        rates: sql_rates(&url).await,
        fiscal,
    };
    assert!(
        facts.lines.len() > 1000,
        "the demo has facts: {}",
        facts.lines.len()
    );
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(10);
    let measures = [
        "sell_in_amount",
        "sell_in_qty",
        "returns_amount",
        "sell_through_amount",
        "sell_through_qty",
        "downstream_amount",
        "invoiced",
        "credit_notes",
        "collections",
        "active_partners",
    ];
    let dims = [
        "partner",
        "partner_type",
        "grade",
        "product_line",
        "province",
        "month",
        "quarter",
        "year",
    ];
    let periods = [
        "2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2026-03", "2026-11", "2025",
    ];
    let filters = [
        None,
        Some(("partner_type", "distributor")),
        Some(("partner_type", "retailer")),
        Some(("province", "310000")),
        Some(("province", "440000")),
        Some(("product_line", "TEA")),
    ];
    let mut answered = 0;
    for round in 0..40 {
        let measure = measures[rng.random_range(0..measures.len())];
        let mut by: Vec<&str> = Vec::new();
        for _ in 0..rng.random_range(0..=2) {
            let d = dims[rng.random_range(0..dims.len())];
            if !by.contains(&d) {
                by.push(d);
            }
        }
        let filter = filters[rng.random_range(0..filters.len())];
        let period = periods[rng.random_range(0..periods.len())];
        let got = answer(&app, &system, measure, &by, filter, period).await;
        let want = expected(
            &facts,
            measure,
            &by,
            filter,
            period_months(fiscal, period),
            None,
        );
        assert_eq!(
            got, want,
            "round {round}: {measure} by {by:?} where {filter:?} in {period}"
        );
        answered += usize::from(!got.is_empty());
    }
    assert!(
        answered >= 25,
        "most random queries find facts: {answered} of 40"
    );

    // The distributor's boss sees its own tree, nothing else.
    let boss = app.caller_by_login("partner.admin").await.unwrap();
    let top = boss_path(&url).await;
    for measure in ["sell_in_amount", "sell_through_amount", "active_partners"] {
        let got = answer(&app, &boss, measure, &["partner"], None, "2026").await;
        let want = expected(
            &facts,
            measure,
            &["partner"],
            None,
            period_months(fiscal, "2026"),
            Some(&top),
        );
        assert!(!got.is_empty(), "the boss has facts of {measure}");
        assert_eq!(got, want, "the boss's {measure}");
    }

    // A payment another process commits reaches the next answer after the
    // poll, though the same question was answered (and kept) before.
    let whole = |a: BTreeMap<Vec<String>, i64>| a.values().sum::<i64>();
    let before = whole(answer(&app, &system, "collections", &[], None, "2026").await);
    let db = Database::connect(&url).await.unwrap();
    db.execute_unprepared(
        "INSERT INTO payments (number, partner_id, currency, amount_minor, received_on, \
         source, created_by, created_at) SELECT 'T-POLL', MIN(id), 'CNY', 12345, \
         '2026-06-15', 'manual', 'test', CURRENT_TIMESTAMP FROM partners",
    )
    .await
    .unwrap();
    db.close().await.ok();
    tokio::time::sleep(qudao_app::analytics::POLL + std::time::Duration::from_millis(100)).await;
    let after = whole(answer(&app, &system, "collections", &[], None, "2026").await);
    assert_eq!(after, before + 12345);

    // The first load, from the store, wrote the projection file. A fresh
    // engine reads it back and answers the same; so does one whose file
    // is cut short, which loads from the store instead.
    app.analytics_saved().await;
    assert!(!app.analytics_loaded().await.unwrap().from_file);
    let written = std::fs::read(file).unwrap();
    for (from_file, bytes) in [(true, &written[..]), (false, &written[..written.len() / 2])] {
        std::fs::write(file, bytes).unwrap();
        let again = open().await;
        for (measure, by) in [
            ("sell_in_amount", vec!["province", "month"]),
            ("collections", vec!["partner"]),
            ("sell_through_amount", vec!["grade"]),
        ] {
            assert_eq!(
                answer(&again, &system, measure, &by, None, "2026").await,
                answer(&app, &system, measure, &by, None, "2026").await,
            );
        }
        let loaded = again.analytics_loaded().await.unwrap();
        assert_eq!(loaded.from_file, from_file);
        assert_eq!(loaded.facts, written_facts(&app).await);
        again.analytics_saved().await;
    }
    std::fs::remove_file(file).ok();
}

async fn written_facts(app: &Qudao) -> usize {
    app.analytics_counts(&Caller::system("test"))
        .await
        .unwrap()
        .values()
        .sum()
}

/// The tree path of the partner the demo's partner admin works for.
async fn boss_path(url: &str) -> String {
    let db = Database::connect(url).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT p.path AS path FROM users u JOIN partners p ON p.id = u.partner_id \
             WHERE u.login = 'partner.admin'",
        ))
        .await
        .unwrap()
        .unwrap();
    db.close().await.ok();
    row.try_get("", "path").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_agrees_with_sql_on_sqlite() {
    let path = std::env::temp_dir().join(format!(
        "qudao-analytics-{}-{}.db",
        std::process::id(),
        rand::random::<u32>()
    ));
    let file = std::path::PathBuf::from(format!("{}.engine", path.display()));
    agrees_with_sql(format!("sqlite://{}", path.display()), &file).await;
    for suffix in ["", "-wal", "-shm"] {
        std::fs::remove_file(format!("{}{suffix}", path.display())).ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_agrees_with_sql_on_postgres() {
    let admin_url = std::env::var("QUDAO_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let name = format!(
        "qudao_test_analytics_{}_{}",
        std::process::id(),
        rand::random::<u32>()
    );
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let file = std::env::temp_dir().join(format!("{name}.engine"));
    agrees_with_sql(format!("{base}/{name}"), &file).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .ok();
}
