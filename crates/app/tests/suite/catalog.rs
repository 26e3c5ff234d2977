//! Stories of the catalog, on both backends.

use super::*;
use qudao_app::catalog::{
    ChannelRuleInput, ProductInput, ProductLineInput, ProductQuery, ProductSort,
};
use qudao_app::grades::GradeChangeInput;
use qudao_app::territories::{AuthorizationInput, SelectiveLimitInput};

on_both_backends!(
    products_are_created_edited_listed_and_discontinued,
    bad_product_input_is_refused_and_writes_nothing,
    channel_rules_decide_what_partner_users_see_without_cost,
    a_grant_or_limit_needs_a_product_line_record,
    product_import_is_all_or_nothing_and_upserts,
);

fn product(sku: &str, line: &str, price: &str) -> ProductInput {
    ProductInput {
        sku: sku.to_owned(),
        name: format!("{sku} 产品"),
        name_en: format!("{sku} product"),
        product_line: line.to_owned(),
        category: "绿茶".to_owned(),
        unit: "盒".to_owned(),
        currency: "CNY".to_owned(),
        list_price: price.to_owned(),
        cost: Some("100.00".to_owned()),
        launch_date: None,
        serial_tracked: None,
        status: None,
    }
}

async fn skus(app: &Qudao, caller: &Caller, query: &ProductQuery) -> Vec<String> {
    app.products(
        caller,
        query,
        ProductSort::Sku,
        SortDir::Asc,
        PageRequest::export(),
    )
    .await
    .unwrap()
    .items
    .into_iter()
    .map(|p| p.sku)
    .collect()
}

/// The fields and messages of an invalid-input error.
fn problems(err: &AppError) -> Vec<(String, String)> {
    match err {
        AppError::Invalid(fields) => fields
            .iter()
            .map(|f| (f.field.to_owned(), f.problem.to_string()))
            .collect(),
        other => panic!("not invalid input: {other:?}"),
    }
}

async fn products_are_created_edited_listed_and_discontinued(db: TestDb) {
    let app = db.app().await;
    app.create_user(&system(), &user("manager", "channel_manager", None))
        .await
        .unwrap();
    app.create_user(&system(), &user("rep", "sales_rep", None))
        .await
        .unwrap();
    let manager = app.caller_by_login("manager").await.unwrap();
    let rep = app.caller_by_login("rep").await.unwrap();
    let line = app
        .create_product_line(
            &manager,
            &ProductLineInput {
                code: "tea".into(),
                name: "茶饮".into(),
                name_en: "Tea".into(),
                status: None,
            },
        )
        .await
        .unwrap();
    assert_eq!((line.code.as_str(), line.name.as_str()), ("TEA", "茶饮"));
    assert!(
        line.channels.is_empty(),
        "a new line is open to every channel"
    );

    let mut fresh = product("tea-lj-250g", "TEA", "268");
    fresh.launch_date = Some(qudao_app::today().to_string());
    fresh.serial_tracked = Some(true);
    let created = app.create_product(&manager, &fresh).await.unwrap();
    assert_eq!(created.sku, "TEA-LJ-250G");
    assert_eq!(created.list_price, "268.00");
    assert_eq!(created.cost.as_deref(), Some("100.00"));
    assert_eq!(created.product_line_name, "茶饮");
    assert!(created.is_new && created.serial_tracked);
    let mut old = product("TEA-OLD", "TEA", "99.5");
    old.launch_date = Some("2020-01-01".into());
    app.create_product(&manager, &old).await.unwrap();

    // The rep reads the catalog with cost, and may not change it.
    let seen = app.product(&rep, "tea-lj-250g").await.unwrap();
    assert_eq!(seen.cost.as_deref(), Some("100.00"));
    assert!(matches!(
        app.create_product(&rep, &product("X", "TEA", "1")).await,
        Err(AppError::Forbidden)
    ));
    let new_only = ProductQuery {
        new_only: true,
        ..ProductQuery::default()
    };
    assert_eq!(skus(&app, &rep, &new_only).await, ["TEA-LJ-250G"]);
    let by_name = ProductQuery {
        q: Some("old product".into()),
        ..ProductQuery::default()
    };
    assert_eq!(skus(&app, &rep, &by_name).await, ["TEA-OLD"]);
    let by_line = ProductQuery {
        product_line: Some("tea".into()),
        ..ProductQuery::default()
    };
    assert_eq!(skus(&app, &rep, &by_line).await.len(), 2);

    // Edit: the sku stays, everything else changes; the line's rename shows.
    let mut edit = product("ignored", "TEA", "288.00");
    edit.name = "西湖龙井 礼盒".into();
    edit.cost = None;
    let edited = app
        .update_product(&manager, "TEA-LJ-250G", &edit)
        .await
        .unwrap();
    assert_eq!(
        (edited.sku.as_str(), edited.list_price.as_str(), edited.cost),
        ("TEA-LJ-250G", "288.00", None)
    );
    app.update_product_line(
        &manager,
        "TEA",
        &ProductLineInput {
            name: "名茶".into(),
            name_en: "Fine tea".into(),
            ..ProductLineInput::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        app.product(&rep, "TEA-LJ-250G")
            .await
            .unwrap()
            .product_line_name,
        "名茶"
    );
    assert_eq!(
        app.line_names().await.unwrap().name("TEA", true),
        Some("Fine tea"),
        "a rename on this node shows at once"
    );

    // Discontinued: it stays, once.
    let gone = app.discontinue_product(&manager, "TEA-OLD").await.unwrap();
    assert_eq!(gone.status.as_str(), "discontinued");
    let again = app
        .discontinue_product(&manager, "TEA-OLD")
        .await
        .unwrap_err();
    assert_eq!(
        problems(&again),
        [(
            "status".to_owned(),
            "breaks the rule 'product_already_discontinued'".to_owned()
        )]
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'product'")
            .await,
        4,
        "create, create, update, discontinue"
    );
    // "New" follows the company setting: with a one-day window, a product
    // launched a week ago is no longer new.
    let mut week_old = product("TEA-WEEK", "TEA", "10");
    week_old.launch_date = Some((qudao_app::today() - chrono::Days::new(7)).to_string());
    assert!(
        app.create_product(&manager, &week_old)
            .await
            .unwrap()
            .is_new
    );
    let mut settings = app.settings(&system()).await.unwrap();
    settings.new_product_days = 1;
    app.update_settings(&system(), &settings.into())
        .await
        .unwrap();
    assert!(!app.product(&rep, "TEA-WEEK").await.unwrap().is_new);
    assert!(
        !skus(&app, &rep, &new_only)
            .await
            .iter()
            .any(|sku| sku == "TEA-WEEK")
    );
}

async fn bad_product_input_is_refused_and_writes_nothing(db: TestDb) {
    let app = db.app().await;
    lines(&app, &["TEA"]).await;
    let cases: Vec<(ProductInput, &str, &str)> = vec![
        (product("茶-1", "TEA", "1"), "sku", "may only contain"),
        (
            product("A1", "NOPE", "1"),
            "product_line",
            "product_line_must_exist",
        ),
        (product("A1", "TEA", "abc"), "list_price", ""),
        (
            product("A1", "TEA", "-5"),
            "list_price",
            "amount_not_negative",
        ),
        (
            ProductInput {
                currency: "XYZ".into(),
                ..product("A1", "TEA", "1")
            },
            "currency",
            "",
        ),
        (
            ProductInput {
                launch_date: Some("2026-02-30".into()),
                ..product("A1", "TEA", "1")
            },
            "launch_date",
            "",
        ),
        (
            ProductInput {
                status: Some("sold".into()),
                ..product("A1", "TEA", "1")
            },
            "status",
            "must be one of: active, discontinued",
        ),
        (
            ProductInput {
                unit: String::new(),
                ..product("A1", "TEA", "1")
            },
            "unit",
            "is required",
        ),
    ];
    for (input, field, message) in &cases {
        let err = app.create_product(&system(), input).await.unwrap_err();
        let found = problems(&err);
        assert_eq!(found.len(), 1, "{input:?}: {found:?}");
        assert_eq!(found[0].0, *field, "{input:?}");
        assert!(found[0].1.contains(message), "{found:?}");
    }
    // Everything wrong at once names every field.
    let err = app
        .create_product(&system(), &ProductInput::default())
        .await
        .unwrap_err();
    let fields: Vec<String> = problems(&err).into_iter().map(|(f, _)| f).collect();
    for field in [
        "sku",
        "name",
        "name_en",
        "product_line",
        "category",
        "unit",
        "list_price",
    ] {
        assert!(fields.iter().any(|f| f == field), "{field} in {fields:?}");
    }
    // A taken sku and a taken line code.
    app.create_product(&system(), &product("A1", "TEA", "1"))
        .await
        .unwrap();
    assert!(matches!(
        app.create_product(&system(), &product("a1", "TEA", "2"))
            .await,
        Err(AppError::Duplicate { field: "sku" })
    ));
    assert!(matches!(
        app.create_product_line(
            &system(),
            &ProductLineInput {
                code: "tea".into(),
                name: "x".into(),
                name_en: "x".into(),
                status: None,
            }
        )
        .await,
        Err(AppError::Duplicate { field: "code" })
    ));
    let err = app
        .create_product_line(&system(), &ProductLineInput::default())
        .await
        .unwrap_err();
    assert_eq!(problems(&err).len(), 3, "code, name and English name");
    assert_eq!(db.count("SELECT COUNT(*) FROM products").await, 1);
    assert_eq!(db.count("SELECT COUNT(*) FROM product_lines").await, 1);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'product'")
            .await,
        1
    );
}

async fn channel_rules_decide_what_partner_users_see_without_cost(db: TestDb) {
    let app = db.app().await;
    lines(&app, &["OPEN", "PRO", "LUX"]).await;
    for (sku, line) in [("O1", "OPEN"), ("P1", "PRO"), ("L1", "LUX")] {
        app.create_product(&system(), &product(sku, line, "10"))
            .await
            .unwrap();
    }
    let rule = |kind: &str, grade: Option<&str>| ChannelRuleInput {
        partner_type: kind.to_owned(),
        grade: grade.map(str::to_owned),
    };
    app.add_channel_rule(&system(), "PRO", &rule("distributor", None))
        .await
        .unwrap();
    let lux = app
        .add_channel_rule(&system(), "LUX", &rule("retailer", Some("gold")))
        .await
        .unwrap();
    assert_eq!(lux.channels[0].grade.as_deref(), Some("gold"));
    // The same rule twice, an unknown type or grade: refused, nothing added.
    for (input, field) in [
        (rule("retailer", Some("gold")), "partner_type"),
        (rule("wholesaler", None), "partner_type"),
        (rule("retailer", Some("platinum-x")), "grade"),
    ] {
        let err = app
            .add_channel_rule(&system(), "LUX", &input)
            .await
            .unwrap_err();
        assert_eq!(problems(&err)[0].0, field, "{input:?}");
    }
    assert_eq!(
        db.count("SELECT COUNT(*) FROM product_line_channels").await,
        2
    );

    for (code, kind) in [
        ("D1", "distributor"),
        ("R1", "retailer"),
        ("R2", "retailer"),
    ] {
        app.create_partner(&system(), &partner(code, kind, None, None))
            .await
            .unwrap();
    }
    app.change_partner_grade(
        &system(),
        "R1",
        &GradeChangeInput {
            grade: "gold".into(),
            reason: "年度评定".into(),
        },
    )
    .await
    .unwrap();
    for (login, code) in [("dist1", "D1"), ("retail1", "R1"), ("retail2", "R2")] {
        app.create_user(&system(), &user(login, "partner_user", Some(code)))
            .await
            .unwrap();
    }
    let all = ProductQuery::default();
    let d1 = app.caller_by_login("dist1").await.unwrap();
    let r1 = app.caller_by_login("retail1").await.unwrap();
    let r2 = app.caller_by_login("retail2").await.unwrap();
    assert_eq!(skus(&app, &d1, &all).await, ["O1", "P1"]);
    assert_eq!(skus(&app, &r1, &all).await, ["L1", "O1"], "gold retailer");
    assert_eq!(
        skus(&app, &r2, &all).await,
        ["O1"],
        "retailer without grade"
    );
    let page = app
        .products(
            &d1,
            &all,
            ProductSort::Sku,
            SortDir::Asc,
            PageRequest::export(),
        )
        .await
        .unwrap();
    assert!(page.items.iter().all(|p| p.cost.is_none()), "no cost");
    assert!(app.product(&d1, "P1").await.unwrap().cost.is_none());
    assert!(matches!(
        app.product(&d1, "L1").await,
        Err(AppError::NotFound(_))
    ));
    let lines_seen: Vec<String> = app
        .product_lines(&r2)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.code)
        .collect();
    assert_eq!(lines_seen, ["OPEN"]);
    assert!(matches!(
        app.create_product(&d1, &product("Z", "OPEN", "1")).await,
        Err(AppError::Forbidden)
    ));

    // The last rule removed opens the line again.
    let id = app.product_line(&system(), "PRO").await.unwrap().channels[0].id;
    assert!(matches!(
        app.remove_channel_rule(&system(), "LUX", id).await,
        Err(AppError::NotFound(_))
    ));
    app.remove_channel_rule(&system(), "PRO", id).await.unwrap();
    assert_eq!(skus(&app, &r2, &all).await, ["O1", "P1"]);
}

async fn a_grant_or_limit_needs_a_product_line_record(db: TestDb) {
    let app = db.app().await;
    app.load_builtin_regions().await.unwrap();
    lines(&app, &["TEA"]).await;
    app.create_partner(&system(), &partner("P1", "distributor", None, None))
        .await
        .unwrap();
    let grant = |line: &str| AuthorizationInput {
        partner_code: "P1".into(),
        region_code: "310000".into(),
        product_line: line.into(),
        mode: "intensive".into(),
        valid_from: "2026-01-01".into(),
        valid_to: "2026-12-31".into(),
    };
    let err = app
        .create_authorization(&system(), &grant("COFFEE"))
        .await
        .unwrap_err();
    assert_eq!(
        problems(&err),
        [(
            "product_line".to_owned(),
            "breaks the rule 'product_line_must_exist'".to_owned()
        )]
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM authorizations").await, 0);
    let err = app
        .set_selective_limit(
            &system(),
            &SelectiveLimitInput {
                product_line: "COFFEE".into(),
                max_partners: "2".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(problems(&err)[0].0, "product_line");
    assert_eq!(db.count("SELECT COUNT(*) FROM selective_limits").await, 0);
    // A record, by any case of its code, is granted.
    app.create_authorization(&system(), &grant("tea"))
        .await
        .unwrap();
    let file = "partner_code,region_code,product_line,mode,valid_from,valid_to\n\
                P1,310100,TEA,intensive,2026-01-01,2026-12-31\n\
                P1,310100,COFFEE,intensive,2026-01-01,2026-12-31\n";
    let kind = qudao_app::imports::ImportKind::parse("authorizations").unwrap();
    let report = app
        .import(&system(), kind, "a.csv", file.as_bytes(), false)
        .await
        .unwrap();
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(
        (report.errors[0].row, report.errors[0].field.as_str()),
        (Some(3), "product_line")
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM authorizations").await, 1);
}

async fn product_import_is_all_or_nothing_and_upserts(db: TestDb) {
    let app = db.app().await;
    lines(&app, &["TEA", "LIGHTING"]).await;
    let kind = qudao_app::imports::ImportKind::parse("products").unwrap();
    let bad = "产品编码,中文名称,英文名称,产品线,品类,单位,币种,目录价,成本,上市日期,序列号管理,状态\n\
               TEA-1,龙井,Longjing,TEA,绿茶,盒,CNY,268,150,2026-09-01,否,在售\n\
               TEA-1,龙井,Longjing,TEA,绿茶,盒,CNY,268,150,,,\n\
               LGT-1,台灯,Desk lamp,NOPE,台灯,台,CNY,299,,,是,\n";
    let report = app
        .import(&system(), kind, "p.csv", bad.as_bytes(), false)
        .await
        .unwrap();
    let found: Vec<(Option<usize>, &str)> = report
        .errors
        .iter()
        .map(|e| (e.row, e.field.as_str()))
        .collect();
    assert_eq!(found, [(Some(3), "sku"), (Some(4), "product_line")]);
    assert_eq!(db.count("SELECT COUNT(*) FROM products").await, 0);

    let good = "sku,name_zh,name_en,product_line,category,unit,currency,list_price,cost,launch_date,serial_tracked,status\n\
                TEA-1,龙井,Longjing,TEA,绿茶,盒,CNY,268,150,2026-09-01,false,active\n\
                LGT-1,台灯,Desk lamp,LIGHTING,台灯,台,CNY,299,,,true,\n";
    let report = app
        .import(&system(), kind, "p.csv", good.as_bytes(), false)
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    assert_eq!(report.created, 2);
    let lamp = app.product(&system(), "LGT-1").await.unwrap();
    assert!(lamp.serial_tracked && lamp.cost.is_none());
    assert_eq!(
        db.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'product' AND action = 'import'")
            .await,
        2
    );

    // Again, as create: the skus are taken. As upsert: one change listed.
    let changed = good.replace("LIGHTING,台灯,台,CNY,299", "LIGHTING,台灯,台,CNY,319");
    let report = app
        .import(&system(), kind, "p.csv", changed.as_bytes(), false)
        .await
        .unwrap();
    assert_eq!(report.errors.len(), 2, "{:?}", report.errors);
    let upsert = qudao_app::imports::ImportOptions {
        dry_run: false,
        mode: qudao_app::imports::ImportMode::Upsert,
        ..Default::default()
    };
    let report = app
        .import_with(&system(), kind, "p.csv", changed.as_bytes(), upsert)
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    assert_eq!((report.updated.len(), report.unchanged), (1, 1));
    assert_eq!(report.updated[0].code, "LGT-1");
    assert_eq!(report.updated[0].changes[0].field, "list_price");
    assert_eq!(
        app.product(&system(), "LGT-1").await.unwrap().list_price,
        "319.00"
    );
}
