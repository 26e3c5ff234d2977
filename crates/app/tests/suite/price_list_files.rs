//! Price lists as files: the export imports into a fresh database as the
//! same lists, and a bad file names each row, column and rule and writes
//! nothing. Both backends.

#![allow(clippy::wildcard_imports)]

use qudao_app::export::{ExportKind, ExportQuery};
use qudao_app::grades::GradeChangeInput;
use qudao_app::imports::{ImportKind, ImportReport};
use qudao_app::pricing::{ListFilter, PriceBreakView, PriceItemInput, PriceListInput};
use qudao_domain::Problem;

use super::*;

on_both_backends!(
    price_list_export_imports_back_as_the_same_lists,
    price_list_import_refuses_bad_rows_and_writes_nothing,
);

/// The catalog, a channel manager and three partners, the same in every
/// database the story uses.
async fn setup(db: &TestDb) -> (Qudao, Caller) {
    let app = db.app().await;
    let now = if db.url.starts_with("postgres") {
        "CURRENT_TIMESTAMP"
    } else {
        "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')"
    };
    db.raw(&format!(
        "INSERT INTO product_lines (code, name_zh, name_en, status, created_at) \
         VALUES ('TEA', '茶饮', 'Tea', 'active', {now})"
    ))
    .await;
    for sku in ["TEA-1", "TEA-2"] {
        db.raw(&format!(
            "INSERT INTO products (sku, name_zh, name_en, product_line_id, category, unit, \
             currency, list_price, status, serial_tracked, created_at, updated_at) \
             SELECT '{sku}', '{sku} 茶', '{sku} tea', id, '绿茶', '盒', 'CNY', 15000, \
             'active', false, {now}, {now} FROM product_lines WHERE code = 'TEA'"
        ))
        .await;
    }
    app.create_user(&system(), &user("manager", "channel_manager", None))
        .await
        .unwrap();
    let manager = app.caller_by_login("manager").await.unwrap();
    for (code, kind) in [("P1", "distributor"), ("R1", "retailer")] {
        app.create_partner(&system(), &partner(code, kind, None, Some("manager")))
            .await
            .unwrap();
    }
    (app, manager)
}

fn day(offset: i64) -> String {
    (qudao_app::today() + chrono::Duration::days(offset)).to_string()
}

fn head(
    code: &str,
    applies_to: &str,
    target: &str,
    mode: &str,
    from: i64,
    to: i64,
) -> PriceListInput {
    PriceListInput {
        code: code.into(),
        name: format!("{code} 价格表"),
        name_en: format!("{code} prices"),
        applies_to: applies_to.into(),
        target: target.into(),
        currency: "CNY".into(),
        mode: mode.into(),
        valid_from: day(from),
        valid_to: day(to),
        items: None,
    }
}

fn item(
    sku: &str,
    price: &str,
    band: Option<(&str, &str)>,
    breaks: &[(u32, &str)],
) -> PriceItemInput {
    PriceItemInput {
        sku: sku.into(),
        price: price.into(),
        min: band.map(|b| b.0.to_owned()),
        max: band.map(|b| b.1.to_owned()),
        breaks: breaks
            .iter()
            .map(|(from_qty, price)| PriceBreakView {
                from_qty: *from_qty,
                price: (*price).to_owned(),
            })
            .collect(),
        ..Default::default()
    }
}

/// Every list the caller sees, with its items, as JSON (to compare whole).
async fn lists_of(app: &Qudao, caller: &Caller) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for list in app
        .price_lists(caller, &ListFilter::default())
        .await
        .unwrap()
    {
        let detail = app.price_list(caller, &list.code).await.unwrap();
        out.push(serde_json::to_value(&detail).unwrap());
    }
    out.sort_by_key(|v| v["code"].as_str().unwrap().to_owned());
    out
}

async fn import(app: &Qudao, caller: &Caller, name: &str, bytes: &[u8]) -> ImportReport {
    let kind = ImportKind::parse("price-lists").unwrap();
    app.import(caller, kind, name, bytes, false).await.unwrap()
}

async fn price_list_export_imports_back_as_the_same_lists(db: TestDb) {
    let (app, manager) = setup(&db).await;
    app.change_partner_grade(
        &manager,
        "P1",
        &GradeChangeInput {
            grade: "gold".into(),
            reason: "年度评级".into(),
        },
    )
    .await
    .unwrap();
    let lists = [
        (
            head("DIST-A", "partner_type", "distributor", "unified", -30, 30),
            vec![
                item("TEA-1", "100.00", None, &[(10, "95.00"), (50, "90.50")]),
                item("TEA-2", "80", None, &[]),
            ],
            "active",
        ),
        (
            head("GOLD", "grade", "gold", "flexible", -30, 400),
            vec![item("TEA-1", "92", Some(("88", "96.5")), &[(20, "90")])],
            "active",
        ),
        (
            head("OWN-P1", "partner", "P1", "unified", -30, 400),
            vec![item("TEA-1", "70", None, &[])],
            "draft",
        ),
        (
            head("OLD-R", "partner_type", "retailer", "unified", -400, -31),
            vec![item("TEA-2", "120", None, &[])],
            "retired",
        ),
        (
            head("EMPTY", "partner_type", "retailer", "unified", 0, 10),
            vec![],
            "draft",
        ),
    ];
    for (input, items, status) in lists {
        let code = input.code.clone();
        app.create_price_list(
            &manager,
            &PriceListInput {
                items: Some(items),
                ..input
            },
        )
        .await
        .unwrap();
        if status != "draft" {
            app.activate_price_list(&manager, &code).await.unwrap();
        }
        if status == "retired" {
            app.retire_price_list(&manager, &code).await.unwrap();
        }
    }
    let before = lists_of(&app, &manager).await;
    assert_eq!(before.len(), 5);

    let kind = ExportKind::parse("price-lists").unwrap();
    for chinese in [false, true] {
        let query = ExportQuery {
            chinese,
            ..ExportQuery::default()
        };
        let file = app.export(&manager, kind, &query).await.unwrap();
        let fresh = if db.url.starts_with("postgres") {
            TestDb::postgres().await
        } else {
            TestDb::sqlite().await
        };
        let (other, other_manager) = setup(&fresh).await;
        other
            .change_partner_grade(
                &other_manager,
                "P1",
                &GradeChangeInput {
                    grade: "gold".into(),
                    reason: "年度评级".into(),
                },
            )
            .await
            .unwrap();
        let report = import(&other, &other_manager, "lists.xlsx", &file).await;
        assert!(report.ok(), "chinese={chinese}: {:?}", report.errors);
        assert_eq!(report.created, 5);
        assert_eq!(
            lists_of(&other, &other_manager).await,
            before,
            "chinese={chinese}"
        );
        assert_eq!(
            fresh
                .count("SELECT COUNT(*) FROM audit_log WHERE entity = 'price_list' AND action = 'import'")
                .await,
            5
        );
        // The same file again: every code is taken, nothing changes.
        let again = import(&other, &other_manager, "lists.xlsx", &file).await;
        assert_eq!(again.errors.len(), 5, "{:?}", again.errors);
        assert!(again.errors.iter().all(|e| e.field == "code"));
        assert_eq!(lists_of(&other, &other_manager).await, before);
    }
}

async fn price_list_import_refuses_bad_rows_and_writes_nothing(db: TestDb) {
    let (app, manager) = setup(&db).await;
    app.create_price_list(
        &manager,
        &PriceListInput {
            items: Some(vec![item("TEA-1", "100", None, &[])]),
            ..head(
                "IN-FORCE",
                "partner_type",
                "distributor",
                "unified",
                -30,
                30,
            )
        },
    )
    .await
    .unwrap();
    app.activate_price_list(&manager, "IN-FORCE").await.unwrap();
    let count = "SELECT COUNT(*) FROM price_lists";
    let items = "SELECT COUNT(*) FROM price_list_items";

    let (from, to, later) = (day(0), day(60), day(90));
    let file = format!(
        "价格表编码,名称,伙伴类型,等级,合作伙伴编码,定价方式,生效日期,失效日期,状态,产品编码,价格,最低价,最高价,阶梯价\n\
         OVER,重叠,经销商,,,统一价,{from},{to},已启用,TEA-1,90,,,\n\
         FLEX,浮动,零售商,,,浮动价,{from},{to},已启用,TEA-1,130,100,120,\n\
         FLEX,浮动,零售商,,,浮动价,{from},{to},已启用,TEA-2,110,100,120,20=115\n\
         FLEX,浮动,零售商,,,浮动价,{from},{later},已启用,,,,,\n\
         NOONE,无对象,,,,统一价,{from},{to},草稿,TEA-1,90,,,\n\
         GHOST,未知,,,P9,统一价,{from},{to},草稿,NOPE,90,,,\n\
         BREAKS,阶梯,代理商,,,统一价,{from},{to},草稿,TEA-1,90,,,10=8;x\n"
    );
    let report = import(&app, &manager, "lists.csv", file.as_bytes()).await;
    let found: Vec<(Option<usize>, Option<&str>, &str)> = report
        .errors
        .iter()
        .map(|e| {
            (
                e.row,
                e.column.as_deref(),
                match &e.problem {
                    Problem::Rule { rule } | Problem::Conflict { rule, .. } => *rule,
                    _ => "-",
                },
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (Some(2), Some("生效日期"), "price_list_overlap"),
            (Some(3), Some("价格"), "price_within_band"),
            (Some(4), Some("阶梯价"), "price_break_never_raises"),
            (Some(5), Some("失效日期"), "price_list_head_differs"),
            (Some(6), Some("伙伴类型"), "price_target_one_column"),
            (Some(7), Some("合作伙伴编码"), "price_target_unknown"),
            (Some(8), Some("阶梯价"), "-"),
        ],
        "{:?}",
        report.errors
    );
    assert!(report.errors[0].message.contains("IN-FORCE"));
    assert_eq!((db.count(count).await, db.count(items).await), (1, 1));

    // Two lists of one file that overlap each other: the second is refused,
    // naming the first.
    let file = format!(
        "code,name,partner_type,mode,valid_from,valid_to,status,sku,price\n\
         A-1,A,retailer,unified,{from},{to},active,TEA-1,90\n\
         A-2,B,retailer,unified,{to},{later},active,TEA-1,90\n"
    );
    let report = import(&app, &manager, "lists.csv", file.as_bytes()).await;
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(
        (report.errors[0].row, report.errors[0].field.as_str()),
        (Some(3), "valid_from")
    );
    assert!(report.errors[0].message.contains("A-1"));
    assert_eq!((db.count(count).await, db.count(items).await), (1, 1));

    // A dry run of a good file writes nothing; a partner may not import.
    let good = file.replace(&format!("{to},{later}"), &format!("{later},{later}"));
    let kind = ImportKind::parse("price-lists").unwrap();
    let dry = app
        .import(&manager, kind, "l.csv", good.as_bytes(), true)
        .await
        .unwrap();
    assert!(dry.ok(), "{:?}", dry.errors);
    assert_eq!(db.count(count).await, 1);
    app.create_user(&system(), &user("boss", "partner_admin", Some("P1")))
        .await
        .unwrap();
    let boss = app.caller_by_login("boss").await.unwrap();
    assert!(matches!(
        app.import(&boss, kind, "l.csv", good.as_bytes(), false)
            .await,
        Err(AppError::Forbidden)
    ));
    let report = import(&app, &manager, "lists.csv", good.as_bytes()).await;
    assert!(report.ok(), "{:?}", report.errors);
    assert_eq!(report.created, 2);
    assert_eq!(db.count(count).await, 3);
}
