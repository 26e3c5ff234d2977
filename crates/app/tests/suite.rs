//! The backend-agnostic story suite: every test runs once on SQLite and once
//! on PostgreSQL (the local server; each test makes and drops its own
//! database). `QUDAO_TEST_PG_URL` names the server's admin connection.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot set up should fail loudly"
)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use qudao_app::admin::{UserFilter, UserInput, UserSort};
use qudao_app::partners::{
    ContactInput, PartnerEdit, PartnerFilter, PartnerInput, PartnerSort, RecordInput,
};
use qudao_app::{AppError, Caller, Origin, PageRequest, Qudao, SortDir};
use qudao_domain::admin::UserStatus;
use sea_orm::{ConnectionTrait, Database};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

enum Cleanup {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

struct TestDb {
    url: String,
    cleanup: Cleanup,
}

fn unique(kind: &str) -> String {
    format!(
        "qudao_test_{kind}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

impl TestDb {
    async fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("{}.db", unique("sqlite")));
        TestDb {
            url: format!("sqlite://{}", path.display()),
            cleanup: Cleanup::Sqlite(path),
        }
    }

    async fn postgres() -> Self {
        let admin_url = std::env::var("QUDAO_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let name = unique("pg");
        let admin = Database::connect(&admin_url)
            .await
            .expect("PostgreSQL at QUDAO_TEST_PG_URL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        admin.close().await.ok();
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(base, _)| base);
        TestDb {
            url: format!("{base}/{name}"),
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }

    async fn app(&self) -> Qudao {
        Qudao::open(&self.url).await.expect("open")
    }

    async fn raw(&self, sql: &str) {
        let db = Database::connect(&self.url).await.unwrap();
        db.execute_unprepared(sql).await.unwrap();
        db.close().await.ok();
    }

    /// The error text of a statement the database must refuse.
    async fn refused(&self, sql: &str) -> String {
        let db = Database::connect(&self.url).await.unwrap();
        let refused = db.execute_unprepared(sql).await.expect_err(sql).to_string();
        db.close().await.ok();
        refused
    }

    /// The single integer a `SELECT COUNT(*) …` (or similar) answers.
    async fn count(&self, sql: &str) -> i64 {
        let db = Database::connect(&self.url).await.unwrap();
        let statement = sea_orm::Statement::from_string(db.get_database_backend(), sql);
        let row = db.query_one_raw(statement).await.unwrap().unwrap();
        let n: i64 = row.try_get_by_index(0).unwrap();
        db.close().await.ok();
        n
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; use a thread of its own.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::TestDb::sqlite().await).await }) *
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::TestDb::postgres().await).await }) *
        }
    };
}

// One file of stories per business area, each with its own list of tests.
#[path = "suite/admin.rs"]
mod admin;
#[path = "suite/agreements.rs"]
mod agreements;
#[path = "suite/alerts.rs"]
mod alerts;
#[path = "suite/analytics.rs"]
mod analytics;
#[path = "suite/awards.rs"]
mod awards;
#[path = "suite/catalog.rs"]
mod catalog;
#[path = "suite/concurrency.rs"]
mod concurrency;
#[path = "suite/coverage.rs"]
mod coverage;
#[path = "suite/downstream.rs"]
mod downstream;
#[path = "suite/files.rs"]
mod files;
#[path = "suite/finance.rs"]
mod finance;
#[path = "suite/imports.rs"]
mod imports;
#[path = "suite/incentive_accruals.rs"]
mod incentive_accruals;
#[path = "suite/incentive_adjustments.rs"]
mod incentive_adjustments;
#[path = "suite/incentive_balances.rs"]
mod incentive_balances;
#[path = "suite/incentive_bases.rs"]
mod incentive_bases;
#[path = "suite/incentive_points.rs"]
mod incentive_points;
#[path = "suite/incentive_preview.rs"]
mod incentive_preview;
#[path = "suite/incentive_runs.rs"]
mod incentive_runs;
#[path = "suite/incentive_whatif.rs"]
mod incentive_whatif;
#[path = "suite/incentives.rs"]
mod incentives;
#[path = "suite/inventory.rs"]
mod inventory;
#[path = "suite/network.rs"]
mod network;
#[path = "suite/orders.rs"]
mod orders;
#[path = "suite/outlets.rs"]
mod outlets;
#[path = "suite/owner_moves.rs"]
mod owner_moves;
#[path = "suite/partners.rs"]
mod partners;
#[path = "suite/pick.rs"]
mod pick;
#[path = "suite/portal.rs"]
mod portal;
#[path = "suite/price_list_files.rs"]
mod price_list_files;
#[path = "suite/pricing.rs"]
mod pricing;
#[path = "suite/receivables.rs"]
mod receivables;
#[path = "suite/scorecards.rs"]
mod scorecards;
#[path = "suite/sellthrough.rs"]
mod sellthrough;
#[path = "suite/target_months.rs"]
mod target_months;
#[path = "suite/target_plans.rs"]
mod target_plans;
#[path = "suite/targets.rs"]
mod targets;
#[path = "suite/team.rs"]
mod team;
#[path = "suite/territories.rs"]
mod territories;
#[path = "suite/visibility.rs"]
mod visibility;

const PASSWORD: &str = "correct-horse-battery";

fn system() -> Caller {
    Caller::system("test")
}

fn user(login: &str, role: &str, partner: Option<&str>) -> UserInput {
    UserInput {
        login: login.to_owned(),
        display_name: format!("{login} name"),
        role: role.to_owned(),
        partner_code: partner.map(str::to_owned),
        password: PASSWORD.to_owned(),
    }
}

fn partner(code: &str, kind: &str, parent: Option<&str>, owner: Option<&str>) -> PartnerInput {
    PartnerInput {
        code: code.to_owned(),
        name: format!("{code} 有限公司"),
        partner_type: kind.to_owned(),
        parent_code: parent.map(str::to_owned),
        owner_login: owner.map(str::to_owned),
        status: None,
        record: Default::default(),
    }
}

/// Product lines as records, named by their codes: grants and limits
/// refuse a line that is not one.
async fn lines(app: &Qudao, codes: &[&str]) {
    for code in codes {
        let input = qudao_app::catalog::ProductLineInput {
            code: (*code).to_owned(),
            name: format!("{code} 产品线"),
            name_en: format!("{code} line"),
            status: None,
        };
        app.create_product_line(&system(), &input).await.unwrap();
    }
}

/// The TEA line and its one product TEA-1 (龙井), written directly: the
/// stories that need facts about a product and not the catalog's rules.
async fn tea_product(db: &TestDb) {
    let at = "'2026-01-01T00:00:00+00:00'";
    db.raw(&format!(
        "INSERT INTO product_lines (code, name_zh, name_en, status, created_at) VALUES \
         ('TEA', '茶饮', 'Tea', 'active', {at})"
    ))
    .await;
    db.raw(&format!(
        "INSERT INTO products (sku, name_zh, name_en, product_line_id, category, unit, \
         currency, list_price, serial_tracked, status, created_at, updated_at) \
         SELECT 'TEA-1', '龙井', 'Longjing', id, 'c', '盒', 'CNY', 10000, false, 'active', {at}, {at} \
         FROM product_lines WHERE code = 'TEA'"
    ))
    .await;
}

async fn partner_total(app: &Qudao, caller: &Caller) -> u64 {
    app.list_partners(
        caller,
        &PartnerFilter::default(),
        PartnerSort::Code,
        SortDir::Asc,
        PageRequest::new(None, None),
    )
    .await
    .unwrap()
    .total
}
