//! The bulk path on both databases: every value comes back exactly as it
//! was given (PostgreSQL's `COPY` text format escapes tabs, line breaks and
//! backslashes; SQLite binds each cell as a parameter), an empty string stays
//! apart from NULL, the rows belong to the caller's transaction, and a
//! refused row fails the insert and leaves nothing behind.
//! `QUDAO_TEST_PG_URL` names the PostgreSQL server's admin connection.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot set up should fail loudly"
)]

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use qudao_store::bulk::{self, Cell};
use qudao_store::{ConnectionTrait, DatabaseConnection, Statement, StoreError, WriteTx};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

const TABLE: &str = "bulk_probe";
const COLUMNS: &[&str] = &["id", "label", "amount", "at", "day"];

/// A fresh database with the probe table; dropped (file or database) with
/// the value.
struct Probe {
    db: DatabaseConnection,
    cleanup: Option<(String, String)>,
    file: Option<std::path::PathBuf>,
}

impl Probe {
    async fn sqlite() -> Self {
        let file = std::env::temp_dir().join(format!("{}.db", unique()));
        let db = qudao_store::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        Self::with_table(db, None, Some(file)).await
    }

    async fn postgres() -> Self {
        let admin_url = std::env::var("QUDAO_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let name = unique();
        let admin = qudao_store::connect(&admin_url).await.unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        admin.close().await.ok();
        let base = admin_url.rsplit_once('/').unwrap().0;
        let db = qudao_store::connect(&format!("{base}/{name}"))
            .await
            .unwrap();
        Self::with_table(db, Some((admin_url, name)), None).await
    }

    async fn with_table(
        db: DatabaseConnection,
        cleanup: Option<(String, String)>,
        file: Option<std::path::PathBuf>,
    ) -> Self {
        let at = if cleanup.is_some() {
            "timestamptz"
        } else {
            "text"
        };
        db.execute_unprepared(&format!(
            "CREATE TABLE {TABLE} (id bigint PRIMARY KEY, label text, amount bigint, \
             at {at} NOT NULL, day date)"
        ))
        .await
        .unwrap();
        Self { db, cleanup, file }
    }

    async fn labels(&self) -> Vec<Option<String>> {
        self.db
            .query_all_raw(Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT label FROM {TABLE} ORDER BY id"),
            ))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<Option<String>>("", "label").unwrap())
            .collect()
    }

    async fn count(&self, db: &impl ConnectionTrait) -> i64 {
        db.query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {TABLE}"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
        if let Some((admin_url, name)) = self.cleanup.take() {
            // Drop may run inside a runtime; use a thread of its own.
            let _ = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(async {
                        if let Ok(admin) = qudao_store::connect(&admin_url).await {
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

fn unique() -> String {
    format!(
        "qudao_test_bulk_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

fn instant() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-30T08:15:42.123456+00:00")
        .unwrap()
        .with_timezone(&Utc)
}

/// Rows with ids from 1, one per label.
fn rows(labels: &[Option<String>]) -> Vec<Vec<Cell>> {
    (1_i64..)
        .zip(labels)
        .map(|(id, label)| {
            vec![
                id.into(),
                label.clone().into(),
                Some(-id * 1_000).into(),
                instant().into(),
                NaiveDate::from_ymd_opt(2026, 2, 28).into(),
            ]
        })
        .collect()
}

fn awkward() -> Vec<Option<String>> {
    [
        Some(""),
        None,
        Some("tab\there"),
        Some("line\nbreak"),
        Some("windows\r\nline"),
        Some("back\\slash"),
        Some("\\N"),
        Some("\\"),
        Some("ends with a backslash\\"),
        Some("\t\n\r\\"),
        Some("'single' \"double\" `back`"),
        Some("渠道伙伴（上海）商贸有限公司"),
        Some("mixed 中文\t和\\tabs\n"),
        Some("  spaces kept  "),
        Some("NULL"),
        Some("null"),
        Some("{\"json\": [1, 2]}"),
        Some("emoji 🚚 and é"),
    ]
    .into_iter()
    .map(|s| s.map(str::to_owned))
    .collect()
}

async fn write(probe: &Probe, labels: &[Option<String>]) -> Result<(), StoreError> {
    let tx = WriteTx::begin(&probe.db).await?;
    tx.execute_unprepared(&format!("DELETE FROM {TABLE}"))
        .await?;
    bulk::insert(&tx, TABLE, COLUMNS, rows(labels)).await?;
    tx.commit().await
}

async fn awkward_values_come_back_as_written(probe: Probe) {
    let labels = awkward();
    write(&probe, &labels).await.unwrap();
    assert_eq!(probe.labels().await, labels);
    let row = probe
        .db
        .query_one_raw(Statement::from_string(
            probe.db.get_database_backend(),
            format!("SELECT amount, at, day FROM {TABLE} WHERE id = 3"),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "amount").unwrap(), -3_000);
    assert_eq!(row.try_get::<DateTime<Utc>>("", "at").unwrap(), instant());
    assert_eq!(
        row.try_get::<NaiveDate>("", "day").unwrap(),
        NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()
    );
}

async fn the_rows_belong_to_the_callers_transaction(probe: Probe) {
    // More rows than one batch, so the insert spans several.
    let labels: Vec<Option<String>> = (0..12_001).map(|i| Some(format!("row {i}"))).collect();
    let tx = WriteTx::begin(&probe.db).await.unwrap();
    bulk::insert(&tx, TABLE, COLUMNS, rows(&labels))
        .await
        .unwrap();
    assert_eq!(
        probe.count(&tx).await,
        12_001,
        "seen inside the transaction"
    );
    assert_eq!(probe.count(&probe.db).await, 0, "not outside it");
    tx.rollback().await.unwrap();
    assert_eq!(probe.count(&probe.db).await, 0, "gone with the rollback");
    write(&probe, &labels).await.unwrap();
    assert_eq!(probe.count(&probe.db).await, 12_001);
}

async fn a_refused_row_fails_the_insert_and_writes_nothing(probe: Probe) {
    write(&probe, &[Some("kept".to_owned())]).await.unwrap();
    let tx = WriteTx::begin(&probe.db).await.unwrap();
    let mut duplicate = rows(&[Some("new".to_owned()), Some("again".to_owned())]);
    duplicate[1][0] = 1_i64.into();
    duplicate[0][0] = 5_i64.into();
    let err = bulk::insert(&tx, TABLE, COLUMNS, duplicate)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate), "{err:?}");
    tx.rollback().await.unwrap();
    assert_eq!(probe.labels().await, [Some("kept".to_owned())]);
}

async fn shared_values_reach_every_row(probe: Probe) {
    // More rows than one statement or `COPY` message holds; a shared NULL,
    // instant and date.
    let labels: Vec<Option<String>> = (0..12_001).map(|i| Some(format!("row {i}"))).collect();
    let tx = WriteTx::begin(&probe.db).await.unwrap();
    let rows = (1_i64..)
        .zip(&labels)
        .map(|(id, label)| vec![id.into(), label.clone().into()])
        .collect();
    let shared = vec![
        ("amount", Cell::Int(None)),
        ("at", instant().into()),
        ("day", NaiveDate::from_ymd_opt(2026, 2, 28).into()),
    ];
    bulk::insert_sharing(&tx, TABLE, &["id", "label"], shared, rows)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(probe.labels().await, labels);
    let same = probe
        .db
        .query_one_raw(Statement::from_string(
            probe.db.get_database_backend(),
            format!(
                "SELECT COUNT(*) AS n, COUNT(amount) AS amounts, MIN(at) AS first, \
                 MAX(at) AS last, MIN(day) AS day FROM {TABLE}"
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(same.try_get::<i64>("", "n").unwrap(), 12_001);
    assert_eq!(same.try_get::<i64>("", "amounts").unwrap(), 0);
    assert_eq!(
        same.try_get::<DateTime<Utc>>("", "first").unwrap(),
        instant()
    );
    assert_eq!(
        same.try_get::<DateTime<Utc>>("", "last").unwrap(),
        instant()
    );
    assert_eq!(
        same.try_get::<NaiveDate>("", "day").unwrap(),
        NaiveDate::from_ymd_opt(2026, 2, 28).unwrap()
    );
}

/// Any text (the database cannot store NUL), biased towards the characters
/// that the formats escape.
fn labels() -> impl Strategy<Value = Vec<Option<String>>> {
    let text = prop_oneof!["[\\\\\t\n\r a-zN'\"渠道]{0,12}", "[^\u{0}]{0,24}",];
    proptest::collection::vec(proptest::option::of(text), 1..40)
}

async fn any_text_comes_back_as_written(probe: Probe) {
    let runtime = tokio::runtime::Handle::current();
    let mut runner = TestRunner::new(Config {
        cases: 32,
        ..Config::default()
    });
    let result = tokio::task::block_in_place(|| {
        runner.run(&labels(), |labels| {
            let back = runtime.block_on(async {
                write(&probe, &labels).await.unwrap();
                probe.labels().await
            });
            prop_assert_eq!(back, labels);
            Ok(())
        })
    });
    result.unwrap();
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Probe::sqlite().await).await }) *
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::Probe::postgres().await).await }) *
        }
    };
}

on_both_backends!(
    awkward_values_come_back_as_written,
    the_rows_belong_to_the_callers_transaction,
    a_refused_row_fails_the_insert_and_writes_nothing,
    any_text_comes_back_as_written,
    shared_values_reach_every_row,
);
