//! A sell-through import killed (SIGKILL) in the middle of writing leaves
//! no line behind: the command runs on a generated file, is killed once
//! its transaction has spilled pages to the SQLite write-ahead log, and
//! the reopened database holds no line and accepts the next import.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot set up should fail loudly"
)]

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use qudao_app::{Caller, Qudao};
use sea_orm::{ConnectionTrait, Database, Statement};

const AT: &str = "'2026-01-01T00:00:00+00:00'";

async fn count(url: &str, sql: &str) -> i64 {
    let db = Database::connect(url).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = row.try_get_by_index(0).unwrap();
    db.close().await.ok();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_import_leaves_nothing() {
    let dir = std::env::temp_dir().join(format!("qudao-kill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("kill.db");
    let url = format!("sqlite://{}", path.display());
    let app = Qudao::open(&url).await.unwrap();
    let system = Caller::system("test");
    app.load_builtin_regions().await.unwrap();
    app.create_partner(
        &system,
        &qudao_app::partners::PartnerInput {
            code: "P1".into(),
            name: "一号经销".into(),
            partner_type: "distributor".into(),
            parent_code: None,
            owner_login: None,
            status: None,
            record: Default::default(),
        },
    )
    .await
    .unwrap();
    let db = Database::connect(&url).await.unwrap();
    db.execute_unprepared(&format!(
        "INSERT INTO product_lines (code, name_zh, name_en, status, created_at) \
         VALUES ('TEA', '茶饮', 'Tea', 'active', {AT})"
    ))
    .await
    .unwrap();
    db.execute_unprepared(&format!(
        "INSERT INTO products (sku, name_zh, name_en, product_line_id, category, unit, currency, \
         list_price, serial_tracked, status, created_at, updated_at) \
         SELECT 'TEA-1', '龙井', 'Longjing', id, 'c', '盒', 'CNY', 100, false, 'active', {AT}, {AT} \
         FROM product_lines"
    ))
    .await
    .unwrap();
    db.close().await.ok();
    app.create_authorization(
        &system,
        &qudao_app::territories::AuthorizationInput {
            partner_code: "P1".into(),
            region_code: "310000".into(),
            product_line: "TEA".into(),
            mode: "intensive".into(),
            valid_from: "2026-01-01".into(),
            valid_to: "2026-12-31".into(),
        },
    )
    .await
    .unwrap();
    drop(app);

    let file = dir.join("big.csv");
    {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
        writeln!(
            out,
            "partner_code,date,sku,qty,amount,customer_region,document_no"
        )
        .unwrap();
        for i in 0..400_000 {
            writeln!(
                out,
                "P1,2026-11-{:02},TEA-1,{},{}.50,310000,D{i}",
                1 + i % 28,
                1 + i % 9,
                i % 1000
            )
            .unwrap();
        }
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_qudao"))
        .args(["--db", &url, "import", "sell-through"])
        .arg(&file)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Mid-write: the transaction's pages have started to reach the WAL.
    let wal = dir.join("kill.db-wal");
    let started = Instant::now();
    loop {
        let spilled = std::fs::metadata(&wal).map_or(0, |m| m.len()) > 4 << 20;
        if spilled {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no write began"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let app = Qudao::open(&url).await.unwrap();
    assert_eq!(
        count(&url, "SELECT COUNT(*) FROM sellthrough_lines").await,
        0
    );
    assert_eq!(
        count(&url, "SELECT COUNT(*) FROM sellthrough_held").await,
        0
    );
    // The database is whole and takes the next import.
    let report = app
        .import(
            &system,
            qudao_app::imports::ImportKind::parse("sell-through").unwrap(),
            "small.csv",
            b"partner_code,date,sku,qty,amount,customer_region\nP1,2026-11-03,TEA-1,1,1,310000\n",
            false,
        )
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    assert_eq!(
        count(&url, "SELECT COUNT(*) FROM sellthrough_lines").await,
        1
    );
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
}
