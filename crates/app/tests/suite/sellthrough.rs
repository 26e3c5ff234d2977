//! Stories of sell-through reports, on both backends.

#![allow(clippy::wildcard_imports)]

use super::*;
use qudao_app::facts::FactKind;
use qudao_app::imports::{ImportKind, ImportOptions, ImportReport};
use qudao_app::sellthrough::{BatchInput, LineInput, LineQuery};

on_both_backends!(
    a_clean_file_is_written_and_the_engine_is_told,
    every_rule_names_row_and_field_and_nothing_is_written,
    repeats_in_the_file_and_of_earlier_reports_are_refused,
    a_partner_reports_only_for_its_own_organisation,
    mapping_a_code_releases_the_rows_held_for_it,
    an_upload_runs_as_a_job_with_progress_and_report,
    two_uploads_of_the_same_lines_at_once_write_them_once,
    the_database_keeps_fact_lines_to_master_data_it_has,
);

fn kind() -> ImportKind {
    ImportKind::parse("sell-through").expect("registered")
}

const AT: &str = "'2026-01-01T00:00:00+00:00'";

/// Two partners with the tea line in Shanghai for 2026, a partner user of
/// the first, three products (coffee: no right), October closed.
pub(super) async fn setup(db: &TestDb) -> (Qudao, Caller) {
    let app = db.app().await;
    app.load_builtin_regions().await.unwrap();
    app.create_partner(&system(), &partner("P1", "distributor", None, None))
        .await
        .unwrap();
    app.create_partner(&system(), &partner("P2", "retailer", None, None))
        .await
        .unwrap();
    db.raw(&format!(
        "INSERT INTO product_lines (code, name_zh, name_en, status, created_at) VALUES \
         ('TEA', '茶饮', 'Tea', 'active', {AT}), ('COFFEE', '咖啡', 'Coffee', 'active', {AT})"
    ))
    .await;
    for (sku, zh, en, line) in [
        ("TEA-LJ-250G", "龙井 250克", "Longjing 250g", "TEA"),
        ("TEA-BLC-100G", "碧螺春 100克", "Biluochun 100g", "TEA"),
        ("COF-AR-1KG", "阿拉比卡 1公斤", "Arabica 1kg", "COFFEE"),
    ] {
        db.raw(&format!(
            "INSERT INTO products (sku, name_zh, name_en, product_line_id, category, unit, \
             currency, list_price, serial_tracked, status, created_at, updated_at) \
             SELECT '{sku}', '{zh}', '{en}', id, 'c', '盒', 'CNY', 10000, false, 'active', {AT}, {AT} \
             FROM product_lines WHERE code = '{line}'"
        ))
        .await;
    }
    for code in ["P1", "P2"] {
        app.create_authorization(
            &system(),
            &qudao_app::territories::AuthorizationInput {
                partner_code: code.into(),
                region_code: "310000".into(),
                product_line: "TEA".into(),
                mode: "intensive".into(),
                valid_from: "2026-01-01".into(),
                valid_to: "2026-12-31".into(),
            },
        )
        .await
        .unwrap();
    }
    db.raw(&format!(
        "INSERT INTO closed_periods (month, closed_by, closed_at) VALUES ('2026-10', 'finance', {AT})"
    ))
    .await;
    app.create_user(&system(), &user("p1.user", "partner_user", Some("P1")))
        .await
        .unwrap();
    let reporter = app.caller_by_login("p1.user").await.unwrap();
    (app, reporter)
}

async fn lines(db: &TestDb) -> i64 {
    db.count("SELECT COUNT(*) FROM sellthrough_lines").await
}

async fn import(app: &Qudao, caller: &Caller, text: &str, hold: bool) -> ImportReport {
    app.import_with(
        caller,
        kind(),
        "november.csv",
        text.as_bytes(),
        ImportOptions {
            hold_unknown: hold,
            ..ImportOptions::default()
        },
    )
    .await
    .unwrap()
}

/// (row, field, rule) of each problem.
fn problems(report: &ImportReport) -> Vec<(Option<usize>, String, String)> {
    report
        .errors
        .iter()
        .map(|e| {
            let rule = match &e.problem {
                qudao_domain::Problem::Rule { rule }
                | qudao_domain::Problem::Conflict { rule, .. }
                | qudao_domain::Problem::Limit { rule, .. } => (*rule).to_owned(),
                other => format!("{other:?}"),
            };
            (e.row, e.field.clone(), rule)
        })
        .collect()
}

async fn a_clean_file_is_written_and_the_engine_is_told(db: TestDb) {
    let (app, reporter) = setup(&db).await;
    let mut notices = app.fact_notices();
    // Chinese headers, a return, optional columns left out.
    let text = "合作伙伴编码,日期,产品编码,数量,金额,客户区域,客户名称\n\
                P1,2026-11-03,TEA-LJ-250G,12,\"1,234.50\",310000,张三\n\
                P1,2026/11/04,tea-blc-100g,-1,88,310101,\n\
                P1,2026-11-05,TEA-LJ-250G,2,200,310000,李四\n";
    let dry = app
        .import(&reporter, kind(), "november.csv", text.as_bytes(), true)
        .await
        .unwrap();
    assert!(dry.ok(), "{:?}", dry.errors);
    assert_eq!((dry.rows, dry.created), (3, 0));
    assert_eq!(lines(&db).await, 0, "a dry run writes nothing");
    assert!(!notices.has_changed().unwrap(), "nor tells the engine");

    let done = import(&app, &reporter, text, false).await;
    assert!(done.ok(), "{:?}", done.errors);
    assert_eq!(done.created, 3);
    assert_eq!(lines(&db).await, 3);
    assert!(notices.has_changed().unwrap());
    let mark = notices.borrow_and_update().get(FactKind::SellThrough);
    let facts = app.facts_after(FactKind::SellThrough, 0, 10).await.unwrap();
    assert_eq!(facts.len(), 3);
    assert_eq!(facts.last().unwrap().id, mark);
    assert!(facts.windows(2).all(|w| w[0].id < w[1].id), "in id order");
    assert_eq!(facts.iter().map(|f| f.qty).collect::<Vec<_>>(), [12, -1, 2]);
    assert_eq!(facts[0].amount_minor, 123_450);
    // The engine's load reads in batches until one comes back short.
    let mut batches = app.fact_batches(FactKind::SellThrough, 0, 2);
    let mut read = Vec::new();
    while let Some(batch) = batches.next(app.db_for_facts()).await.unwrap() {
        read.extend(batch);
    }
    assert_eq!(read, facts);
    assert_eq!(batches.position(), mark);
    let after = app
        .facts_after(FactKind::SellThrough, facts[0].id, 10)
        .await
        .unwrap();
    assert_eq!(after.len(), 2, "a catch-up reads after its position");

    let page = app
        .sellthrough_lines(
            &reporter,
            &LineQuery {
                month: Some("2026-11".into()),
                ..LineQuery::default()
            },
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.items[0].date.to_string(), "2026-11-05", "newest first");
    assert_eq!(page.items[2].amount, "1234.50");
    assert_eq!(page.items[2].product_name_zh, "龙井 250克");
    assert_eq!(page.items[1].region_name, "黄浦区");
    let upload = app
        .sellthrough_upload(&reporter, done.upload.unwrap())
        .await
        .unwrap();
    assert_eq!((upload.state.as_str(), upload.rows_written), ("done", 3));
    assert_eq!(
        db.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'sellthrough_upload'")
            .await,
        1
    );
}

async fn every_rule_names_row_and_field_and_nothing_is_written(db: TestDb) {
    let (app, _) = setup(&db).await;
    let manager_input = user("manager", "channel_manager", None);
    app.create_user(&system(), &manager_input).await.unwrap();
    let text = "partner_code,date,sku,qty,amount,customer_region,document_no\n\
                P1,2026-11-03,TEA-LJ-250G,1,10,310000,A-1\n\
                NOBODY,2026-11-03,TEA-LJ-250G,1,10,310000,\n\
                P1,2026-11-03,TEA-LJ-250G,0,10,310000,\n\
                P1,2026-11-03,TEA-LJ-250G,1,-10,310000,\n\
                P1,2026-11-03,TEA-LJ-250G,1,10,999999,\n\
                P1,2026-10-31,TEA-LJ-250G,1,10,310000,\n\
                P1,2026-11-03,TEA-LJ-25OG,1,10,310000,\n\
                P1,2026-11-03,COF-AR-1KG,1,10,310000,\n\
                P1,3 Nov,TEA-LJ-250G,1,abc,310000,\n\
                P1,2027-01-03,TEA-LJ-250G,1,10,310000,\n\
                ,,,,,,\n\
                P1,2026-11-03,TEA-LJ-250G,1,10,310000,A-2\n,,,,,,\n";
    let report = import(&app, &system(), text, false).await;
    assert_eq!(
        problems(&report),
        [
            (Some(3), "partner_code".into(), "partner_must_exist".into()),
            (Some(4), "qty".into(), "quantity_not_zero".into()),
            (Some(5), "amount".into(), "amount_not_negative".into()),
            (
                Some(6),
                "customer_region".into(),
                "region_must_exist".into()
            ),
            (Some(7), "date".into(), "period_closed".into()),
            (Some(8), "sku".into(), "unknown_product".into()),
            (Some(9), "sku".into(), "product_not_authorized".into()),
            (
                Some(10),
                "date".into(),
                "Format { expected: \"2026-12-31\" }".into()
            ),
            (
                Some(10),
                "amount".into(),
                "Format { expected: \"12345.67\" }".into()
            ),
            (Some(11), "sku".into(), "product_not_authorized".into()),
            (Some(12), "row".into(), "empty_row".into()),
        ]
    );
    let unknown = &report.errors[5];
    assert_eq!(unknown.column.as_deref(), Some("sku"));
    assert!(
        unknown.message.contains("TEA-LJ-250G"),
        "the nearest products are named: {}",
        unknown.message
    );
    assert_eq!(report.rows, 12);
    assert_eq!(report.created, 0);
    assert_eq!(lines(&db).await, 0, "one bad row: nothing written");
    assert_eq!(db.count("SELECT COUNT(*) FROM sellthrough_held").await, 0);
    let upload = app
        .sellthrough_upload(&system(), report.upload.unwrap())
        .await
        .unwrap();
    assert_eq!(upload.state, "rejected");
    // The stored report reads back with the same problems.
    assert_eq!(problems(upload.report.as_ref().unwrap()), problems(&report));

    // A wrong header names the file's problem; an unknown kind of file too.
    let bad = import(
        &app,
        &system(),
        "partner_code,date,sku,qty,amount\nP1,2026-11-03,TEA-LJ-250G,1,1\n",
        false,
    )
    .await;
    assert_eq!(
        problems(&bad),
        [(Some(1), "customer_region".into(), "missing_column".into())]
    );
    let pdf = app
        .import(&system(), kind(), "report.pdf", b"%PDF", false)
        .await
        .unwrap();
    assert_eq!(pdf.errors[0].field, "file");
    assert_eq!(lines(&db).await, 0);
}

async fn repeats_in_the_file_and_of_earlier_reports_are_refused(db: TestDb) {
    let (app, reporter) = setup(&db).await;
    let header = "partner_code,date,sku,qty,amount,customer_region,document_no\n";
    let twice = format!(
        "{header}P1,2026-11-03,TEA-LJ-250G,1,10,310000,\n\
         P1,2026-11-03,TEA-LJ-250G,1,10,310000,D-1\n\
         P1,2026-11-03,TEA-LJ-250G,1,10,310000,\n"
    );
    let report = import(&app, &reporter, &twice, false).await;
    assert_eq!(
        problems(&report),
        [(Some(4), "row".into(), "line_repeated_in_file".into())]
    );
    assert_eq!(lines(&db).await, 0);

    let first = format!(
        "{header}P1,2026-11-03,TEA-LJ-250G,1,10,310000,\n\
         P1,2026-11-03,TEA-LJ-250G,1,10,310000,D-1\n"
    );
    let done = import(&app, &reporter, &first, false).await;
    assert!(done.ok(), "{:?}", done.errors);
    // Sent again, with one new line: the repeats name the earlier upload.
    let again = format!("{first}P1,2026-11-04,TEA-LJ-250G,1,10,310000,\n");
    let report = import(&app, &reporter, &again, false).await;
    let upload = done.upload.unwrap();
    assert_eq!(
        report
            .errors
            .iter()
            .map(|e| (e.row, e.problem.clone()))
            .collect::<Vec<_>>(),
        [
            (
                Some(2),
                qudao_domain::Problem::Conflict {
                    rule: "duplicate_reported",
                    with: format!("#{upload}:2")
                }
            ),
            (
                Some(3),
                qudao_domain::Problem::Conflict {
                    rule: "duplicate_reported",
                    with: format!("#{upload}:3")
                }
            ),
        ]
    );
    assert_eq!(lines(&db).await, 2);
    // Another partner's identical line is its own.
    let other = format!("{header}P2,2026-11-03,TEA-LJ-250G,1,10,310000,\n");
    assert!(import(&app, &system(), &other, false).await.ok());
    assert_eq!(lines(&db).await, 3);
}

async fn a_partner_reports_only_for_its_own_organisation(db: TestDb) {
    let (app, reporter) = setup(&db).await;
    let header = "partner_code,date,sku,qty,amount,customer_region\n";
    let foreign = format!("{header}P2,2026-11-03,TEA-LJ-250G,1,10,310000\n");
    let report = import(&app, &reporter, &foreign, false).await;
    assert_eq!(
        problems(&report),
        [(Some(2), "partner_code".into(), "partner_must_exist".into())],
        "another partner is unknown to a partner user"
    );
    let batch = BatchInput {
        partner_code: "P2".into(),
        lines: vec![LineInput {
            date: "2026-11-03".into(),
            sku: "TEA-LJ-250G".into(),
            qty: 1,
            amount: "10".into(),
            customer_region: "310000".into(),
            customer_name: None,
            document_no: None,
            serial_no: None,
        }],
        dry_run: false,
    };
    assert!(matches!(
        app.report_sellthrough(&reporter, &batch).await,
        Err(AppError::NotFound(_))
    ));
    assert_eq!(lines(&db).await, 0);
    // Staff write P2's line; the API batch writes P1's.
    assert!(
        app.report_sellthrough(&system(), &batch)
            .await
            .unwrap()
            .ok()
    );
    let own = BatchInput {
        partner_code: "P1".into(),
        ..batch.clone()
    };
    let written = app.report_sellthrough(&reporter, &own).await.unwrap();
    assert_eq!(written.created, 1);
    let seen = app
        .sellthrough_lines(
            &reporter,
            &LineQuery::default(),
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(seen.total, 1);
    assert_eq!(seen.items[0].partner_code, "P1");
    assert!(matches!(
        app.sellthrough_lines(
            &reporter,
            &LineQuery {
                partner: Some("P2".into()),
                ..LineQuery::default()
            },
            PageRequest::new(None, None)
        )
        .await,
        Err(AppError::NotFound(_))
    ));
    // The staff upload of P2's line is not the partner's to read.
    let staff_upload = db
        .count("SELECT MIN(id) FROM sellthrough_uploads WHERE uploaded_by = 'test'")
        .await;
    assert!(matches!(
        app.sellthrough_upload(&reporter, staff_upload).await,
        Err(AppError::NotFound(_))
    ));
    assert_eq!(
        app.sellthrough_uploads(&reporter, PageRequest::new(None, None))
            .await
            .unwrap()
            .total,
        2,
        "its own two uploads"
    );
    // A partner's mapping of another partner's code: not found.
    assert!(matches!(
        app.map_product_code(&reporter, "P2", "X1", "TEA-LJ-250G")
            .await,
        Err(AppError::NotFound(_))
    ));
    // Finance reads but does not report.
    app.create_user(&system(), &user("finance", "finance", None))
        .await
        .unwrap();
    let finance = app.caller_by_login("finance").await.unwrap();
    assert!(matches!(
        app.report_sellthrough(&finance, &batch).await,
        Err(AppError::Forbidden)
    ));
    assert_eq!(
        app.sellthrough_lines(
            &finance,
            &LineQuery::default(),
            PageRequest::new(None, None)
        )
        .await
        .unwrap()
        .total,
        2
    );
}

async fn mapping_a_code_releases_the_rows_held_for_it(db: TestDb) {
    let (app, reporter) = setup(&db).await;
    let text = "partner_code,date,sku,qty,amount,customer_region\n\
                P1,2026-11-03,TEA-LJ-250G,1,10,310000\n\
                P1,2026-11-03,LJ250,2,20,310000\n\
                P1,2026-11-04,LJ250,3,30,310000\n\
                P1,2026-11-04,碧螺春/100克,1,10,310000\n";
    // Without holding, unknown codes reject the file.
    let refused = import(&app, &reporter, text, false).await;
    assert_eq!(refused.errors.len(), 3);
    assert_eq!(lines(&db).await, 0);

    let report = import(&app, &reporter, text, true).await;
    assert!(report.ok(), "{:?}", report.errors);
    assert_eq!((report.created, report.held), (1, 3));
    assert_eq!(lines(&db).await, 1);
    let upload = app
        .sellthrough_upload(&reporter, report.upload.unwrap())
        .await
        .unwrap();
    let held: Vec<_> = upload
        .held
        .iter()
        .map(|h| (h.code.as_str(), h.rows))
        .collect();
    // A partner's own code is its system's text, Chinese included.
    assert_eq!(held, [("LJ250", 2), ("碧螺春/100克", 1)]);
    assert_eq!(upload.held[0].candidates[0].sku, "TEA-LJ-250G");
    assert_eq!(
        upload.held[0].candidates[0].name_zh, "龙井 250克",
        "offered by name"
    );

    // Mapping a code writes its held rows; the other stays held.
    let notices = app.fact_notices();
    let outcome = app
        .map_product_code(&reporter, "P1", "lj250", "TEA-LJ-250G")
        .await
        .unwrap();
    assert_eq!((outcome.released, outcome.still_held.len()), (2, 0));
    assert_eq!(lines(&db).await, 3);
    assert!(notices.has_changed().unwrap());
    let upload = app
        .sellthrough_upload(&reporter, report.upload.unwrap())
        .await
        .unwrap();
    assert_eq!(upload.held.len(), 1);
    // The mapping is used by later files: LJ250 is now known.
    let later = import(
        &app,
        &reporter,
        "partner_code,date,sku,qty,amount,customer_region\nP1,2026-11-09,LJ250,5,50,310000\n",
        false,
    )
    .await;
    assert!(later.ok(), "{:?}", later.errors);
    // A code mapped to a product without a right keeps its rows held, with why.
    let outcome = app
        .map_product_code(&reporter, "P1", "碧螺春/100克", "COF-AR-1KG")
        .await
        .unwrap();
    assert_eq!(outcome.released, 0);
    assert_eq!(outcome.still_held[0].field, "sku");
    assert_eq!(lines(&db).await, 4);
    // Mapped again, to the right product: released.
    let outcome = app
        .map_product_code(&reporter, "P1", "碧螺春/100克", "TEA-BLC-100G")
        .await
        .unwrap();
    assert_eq!(outcome.released, 1);
    assert_eq!(lines(&db).await, 5);
    // An unknown sku changes nothing.
    assert!(matches!(
        app.map_product_code(&reporter, "P1", "X", "NOPE").await,
        Err(AppError::Invalid(_))
    ));
    assert_eq!(
        db.count("SELECT COUNT(*) FROM partner_product_codes").await,
        2
    );
    // The partner-by-month summary counted every line, released ones too,
    // and keeps the first line's write.
    assert_eq!(
        db.count("SELECT lines FROM sellthrough_months WHERE month = '2026-11'")
            .await,
        5
    );
    assert_eq!(
        db.count(
            "SELECT COUNT(*) FROM sellthrough_months \
             WHERE first_at = (SELECT MIN(created_at) FROM sellthrough_lines)"
        )
        .await,
        1
    );
}

async fn an_upload_runs_as_a_job_with_progress_and_report(db: TestDb) {
    let (app, reporter) = setup(&db).await;
    let mut text = String::from("partner_code,date,sku,qty,amount,customer_region\n");
    for i in 0..2_000 {
        text.push_str(&format!(
            "P1,2026-11-{:02},TEA-LJ-250G,{},10,310000\n",
            1 + i % 28,
            1 + i
        ));
    }
    let id = app
        .start_sellthrough_upload(
            &reporter,
            "big.csv",
            text.as_bytes(),
            ImportOptions::default(),
        )
        .await
        .unwrap();
    let mut view = app.sellthrough_upload(&reporter, id).await.unwrap();
    for _ in 0..200 {
        if view.finished() {
            break;
        }
        assert!(["queued", "running"].contains(&view.state.as_str()));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        view = app.sellthrough_upload(&reporter, id).await.unwrap();
    }
    assert_eq!(view.state, "done");
    assert_eq!((view.rows_total, view.rows_written), (2_000, 2_000));
    assert!(view.report.as_ref().unwrap().ok());
    assert_eq!(lines(&db).await, 2_000);

    // A rejected job keeps its report.
    let id = app
        .start_sellthrough_upload(
            &reporter,
            "bad.csv",
            b"partner_code,date,sku,qty,amount,customer_region\nP1,2026-11-01,TEA-LJ-250G,0,1,310000\n",
            ImportOptions::default(),
        )
        .await
        .unwrap();
    let mut view = app.sellthrough_upload(&reporter, id).await.unwrap();
    while !view.finished() {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        view = app.sellthrough_upload(&reporter, id).await.unwrap();
    }
    assert_eq!(view.state, "rejected");
    assert_eq!(view.report.unwrap().errors[0].field, "qty");
    assert_eq!(lines(&db).await, 2_000);
}

async fn two_uploads_of_the_same_lines_at_once_write_them_once(db: TestDb) {
    let (app, reporter) = setup(&db).await;
    let other = db.app().await;
    let text = "partner_code,date,sku,qty,amount,customer_region\n\
                P1,2026-11-03,TEA-LJ-250G,1,10,310000\n";
    for _ in 0..5 {
        let (a, b) = tokio::join!(
            import(&app, &reporter, text, false),
            import(&other, &reporter, text, false)
        );
        assert!(a.ok() != b.ok(), "{:?} {:?}", a.errors, b.errors);
        assert_eq!(lines(&db).await, 1, "exactly one of the pair wins");
        db.raw("DELETE FROM sellthrough_lines").await;
    }
}

/// The importers check every reference before they write; the database
/// still refuses a line that names nothing (SQLite: foreign keys;
/// PostgreSQL: the statement-level check of migration 20), and a product,
/// partner, region or upload a line names cannot be deleted.
async fn the_database_keeps_fact_lines_to_master_data_it_has(db: TestDb) {
    let (app, reporter) = setup(&db).await;
    let text = "partner_code,date,sku,qty,amount,customer_region\n\
                P1,2026-11-03,TEA-LJ-250G,1,10,310000\n\
                P1,2026-11-04,TEA-BLC-100G,2,20,310101\n";
    let done = import(&app, &reporter, text, false).await;
    assert!(done.ok(), "{:?}", done.errors);
    // The table's lines again, with one reference replaced by `value`.
    let copy = |column: &str, value: &str| {
        let columns = qudao_store::sellthrough::LINE_COLUMNS;
        let values: Vec<&str> = columns
            .iter()
            .map(|c| if *c == column { value } else { c })
            .collect();
        format!(
            "INSERT INTO sellthrough_lines ({}) SELECT {} FROM sellthrough_lines",
            columns.join(", "),
            values.join(", ")
        )
    };
    for (column, missing) in [
        ("partner_id", "999999"),
        ("product_id", "999999"),
        ("customer_region_id", "999999"),
        ("upload_id", "999999"),
    ] {
        let refused = db.refused(&copy(column, missing)).await;
        assert!(
            refused.to_lowercase().contains("foreign key") || refused.contains("violates"),
            "{column}: {refused}"
        );
    }
    // Lines naming what exists go in, a statement of several at once.
    db.raw(&copy("partner_id", "partner_id")).await;
    assert_eq!(lines(&db).await, 4);
    for (table, column) in [
        ("products", "product_id"),
        ("partners", "partner_id"),
        ("regions", "customer_region_id"),
        ("sellthrough_uploads", "upload_id"),
    ] {
        let refused = db
            .refused(&format!(
                "DELETE FROM {table} WHERE id = (SELECT MIN({column}) FROM sellthrough_lines)"
            ))
            .await;
        assert!(
            refused.to_lowercase().contains("foreign key") || refused.contains("violates"),
            "{table}: {refused}"
        );
    }
    assert_eq!(lines(&db).await, 4);
}
