//! Stories of sell-in history, stock counts and on-hand stock, on both
//! backends.

#![allow(clippy::wildcard_imports)]

use super::sellthrough::setup;
use super::*;
use qudao_app::facts::FactKind;
use qudao_app::imports::{ImportKind, ImportOptions, ImportReport};
use qudao_app::inventory::{CountInput, InventoryQuery};

on_both_backends!(
    sell_in_history_is_written_and_every_bad_row_is_named_with_nothing_written,
    a_count_wins_over_the_derived_figure_and_bad_counts_write_nothing,
);

async fn sellin(app: &Qudao, file: &str) -> ImportReport {
    app.import_with(
        &system(),
        ImportKind::parse("sell-in").expect("registered"),
        "history.csv",
        file.as_bytes(),
        ImportOptions::default(),
    )
    .await
    .unwrap()
}

async fn sellin_facts(app: &Qudao) -> usize {
    app.facts_after(FactKind::SellIn, 0, 1000)
        .await
        .unwrap()
        .len()
}

fn problems(report: &ImportReport) -> Vec<(Option<usize>, String, String)> {
    report
        .errors
        .iter()
        .map(|e| (e.row, e.field.clone(), format!("{:?}", e.problem)))
        .collect()
}

async fn sell_in_history_is_written_and_every_bad_row_is_named_with_nothing_written(db: TestDb) {
    let (app, _) = setup(&db).await;
    let good = sellin(
        &app,
        "日期,合作伙伴编码,产品编码,数量,金额,单据号\n\
         2026-11-03,P1,TEA-LJ-250G,10,1000.00,SO-1\n\
         2026-11-04,P1,TEA-LJ-250G,-2,-200,RT-1\n",
    )
    .await;
    assert!(report_ok(&good), "{:?}", good.errors);
    assert_eq!(good.created, 2);
    let facts = app.facts_after(FactKind::SellIn, 0, 10).await.unwrap();
    assert_eq!(
        facts
            .iter()
            .map(|f| (f.qty, f.amount_minor))
            .collect::<Vec<_>>(),
        [(10, 100_000), (-2, -20_000)]
    );

    let bad = sellin(
        &app,
        "date,partner_code,sku,qty,amount,currency,document_no\n\
         2026-11-05,NOPE,TEA-LJ-250G,1,10,,\n\
         2026-11-05,P1,NOPE,1,10,,\n\
         2026-11-05,P1,COF-AR-1KG,1,10,,\n\
         2026-11-05,P1,TEA-LJ-250G,0,10,,\n\
         2026-11-05,P1,TEA-LJ-250G,1,-10,,\n\
         2026-10-05,P1,TEA-LJ-250G,1,10,,\n\
         2026-11-05,P1,TEA-LJ-250G,1,10,XXX,\n",
    )
    .await;
    let found = problems(&bad);
    let has = |row: usize, field: &str, rule: &str| {
        found
            .iter()
            .any(|(r, f, p)| *r == Some(row) && f == field && p.contains(rule))
    };
    assert!(has(2, "partner_code", "partner_must_exist"), "{found:?}");
    assert!(has(3, "sku", "product_must_exist"), "{found:?}");
    assert!(
        has(4, "sku", "product_not_for_channel") || has(4, "sku", "product_not_authorized"),
        "{found:?}"
    );
    assert!(has(5, "qty", "quantity_not_zero"), "{found:?}");
    assert!(has(6, "amount", "amount_sign_matches_qty"), "{found:?}");
    assert!(has(7, "date", "period_closed"), "{found:?}");
    assert!(
        found
            .iter()
            .any(|(r, f, _)| *r == Some(8) && f == "currency"),
        "{found:?}"
    );
    assert_eq!(bad.created, 0);
    assert_eq!(sellin_facts(&app).await, 2, "nothing written");

    // A repeat in the file and a repeat of the earlier import.
    let repeated = sellin(
        &app,
        "date,partner_code,sku,qty,amount,document_no\n\
         2026-11-06,P1,TEA-BLC-100G,3,30,\n\
         2026-11-06,P1,TEA-BLC-100G,3,30,\n\
         2026-11-03,P1,TEA-LJ-250G,10,1000.00,SO-1\n",
    )
    .await;
    let found = problems(&repeated);
    assert!(
        found
            .iter()
            .any(|(r, _, p)| *r == Some(3) && p.contains("line_repeated_in_file")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(r, _, p)| *r == Some(4) && p.contains("duplicate_imported")),
        "{found:?}"
    );
    assert_eq!(sellin_facts(&app).await, 2, "nothing written");
}

fn report_ok(report: &ImportReport) -> bool {
    report.errors.is_empty()
}

async fn a_count_wins_over_the_derived_figure_and_bad_counts_write_nothing(db: TestDb) {
    let (app, reporter) = setup(&db).await;
    let history = sellin(
        &app,
        "date,partner_code,sku,qty,amount\n\
         2026-11-02,P1,TEA-LJ-250G,10,1000\n\
         2026-11-03,P1,TEA-LJ-250G,-2,-200\n",
    )
    .await;
    assert!(report_ok(&history), "{:?}", history.errors);
    // The partner's user counts for its own organisation.
    let count = app
        .record_stock_count(
            &reporter,
            &CountInput {
                partner_code: String::new(),
                sku: "tea-lj-250g".into(),
                counted_on: "2026-11-05".into(),
                qty: "5".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!((count.qty, count.derived, count.difference), (5, 8, -3));
    let stock = app
        .inventory(
            &reporter,
            &InventoryQuery {
                as_of: Some("2026-11-20".into()),
                ..InventoryQuery::default()
            },
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    let row = &stock.rows[0];
    assert_eq!((row.on_hand, row.derived, row.difference), (5, 8, Some(-3)));
    assert_eq!(stock.rows.len(), 1);

    for (input, field) in [
        (("P1", "TEA-LJ-250G", "2026-10-31", "1"), "counted_on"),
        (("P1", "TEA-LJ-250G", "2026-11-05", "-1"), "qty"),
        (("P1", "NOPE", "2026-11-05", "1"), "sku"),
        (("P1", "TEA-LJ-250G", "2099-01-01", "1"), "counted_on"),
    ] {
        let got = app
            .record_stock_count(
                &reporter,
                &CountInput {
                    partner_code: input.0.into(),
                    sku: input.1.into(),
                    counted_on: input.2.into(),
                    qty: input.3.into(),
                },
            )
            .await;
        match got {
            Err(AppError::Invalid(fields)) => {
                assert!(
                    fields.iter().any(|f| f.field == field),
                    "{input:?}: {fields:?}"
                );
            }
            other => panic!("{input:?}: {other:?}"),
        }
    }
    // P2 is not the user's organisation: it does not exist for it.
    let foreign = app
        .record_stock_count(
            &reporter,
            &CountInput {
                partner_code: "P2".into(),
                sku: "TEA-LJ-250G".into(),
                counted_on: "2026-11-05".into(),
                qty: "1".into(),
            },
        )
        .await;
    assert!(matches!(foreign, Err(AppError::NotFound(_))));
    let counts = app.stock_counts(&system(), None).await.unwrap();
    assert_eq!(counts.len(), 1, "only the good count was written");
    assert_eq!(
        app.facts_after(FactKind::StockCount, 0, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}
