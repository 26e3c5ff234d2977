//! Stories of price lists and quotes, on both backends.

#![allow(clippy::wildcard_imports)]

use qudao_app::grades::GradeChangeInput;
use qudao_app::pricing::{
    CopyInput, ListFilter, PriceBreakView, PriceItemInput, PriceListInput, QuoteQuery,
};
use qudao_domain::Problem;

use super::*;

on_both_backends!(
    pricing_the_most_specific_list_in_force_prices_the_line,
    pricing_refusals_name_the_field_and_write_nothing,
    pricing_partners_see_only_the_lists_that_target_them,
    pricing_concurrent_overlapping_activations_leave_one,
);

fn day(offset: i64) -> chrono::NaiveDate {
    qudao_app::today() + chrono::Duration::days(offset)
}

/// Two products in one line, written as the catalog would hold them.
async fn catalog(db: &TestDb) {
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
    for (sku, name) in [("TEA-1", "龙井 250 克"), ("TEA-2", "碧螺春 250 克")] {
        db.raw(&format!(
            "INSERT INTO products (sku, name_zh, name_en, product_line_id, category, unit, \
             currency, list_price, status, serial_tracked, created_at, updated_at) \
             SELECT '{sku}', '{name}', '{sku} tea', id, '绿茶', '盒', 'CNY', 15000, 'active', \
             false, {now}, {now} FROM product_lines WHERE code = 'TEA'"
        ))
        .await;
    }
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
        valid_from: day(from).to_string(),
        valid_to: day(to).to_string(),
        items: None,
    }
}

fn item(sku: &str, price: &str) -> PriceItemInput {
    PriceItemInput {
        sku: sku.into(),
        price: price.into(),
        ..Default::default()
    }
}

fn ask(partner: &str, sku: &str, qty: u32, offset: i64) -> QuoteQuery {
    QuoteQuery {
        partner: partner.into(),
        sku: sku.into(),
        qty: qty.to_string(),
        date: day(offset).to_string(),
    }
}

/// A list created with its items and activated.
async fn active(app: &Qudao, caller: &Caller, input: PriceListInput, items: Vec<PriceItemInput>) {
    let code = input.code.clone();
    app.create_price_list(
        caller,
        &PriceListInput {
            items: Some(items),
            ..input
        },
    )
    .await
    .unwrap();
    app.activate_price_list(caller, &code).await.unwrap();
}

async fn setup(db: &TestDb) -> (Qudao, Caller) {
    let app = db.app().await;
    catalog(db).await;
    app.create_user(&system(), &user("manager", "channel_manager", None))
        .await
        .unwrap();
    let manager = app.caller_by_login("manager").await.unwrap();
    for (code, kind) in [
        ("P1", "distributor"),
        ("P2", "distributor"),
        ("R1", "retailer"),
    ] {
        app.create_partner(&system(), &partner(code, kind, None, Some("manager")))
            .await
            .unwrap();
    }
    (app, manager)
}

fn invalid(err: AppError) -> Vec<(&'static str, Problem)> {
    match err {
        AppError::Invalid(list) => list.into_iter().map(|i| (i.field, i.problem)).collect(),
        other => panic!("expected a field error, got {other:?}"),
    }
}

fn rule_of(err: AppError) -> (&'static str, &'static str) {
    match invalid(err).remove(0) {
        (field, Problem::Rule { rule } | Problem::Conflict { rule, .. }) => (field, rule),
        other => panic!("{other:?}"),
    }
}

async fn pricing_the_most_specific_list_in_force_prices_the_line(db: TestDb) {
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
    let mut tea1 = item("TEA-1", "100.00");
    tea1.breaks = vec![
        PriceBreakView {
            from_qty: 10,
            price: "95.00".into(),
        },
        PriceBreakView {
            from_qty: 50,
            price: "90".into(),
        },
    ];
    active(
        &app,
        &manager,
        head("DIST-A", "partner_type", "distributor", "unified", -30, 30),
        vec![tea1, item("TEA-2", "80")],
    )
    .await;
    active(
        &app,
        &manager,
        head("DIST-B", "partner_type", "distributor", "unified", 31, 400),
        vec![item("TEA-1", "110"), item("TEA-2", "85")],
    )
    .await;
    let mut flexible = item("TEA-1", "92");
    flexible.min = Some("88".into());
    flexible.max = Some("96".into());
    active(
        &app,
        &manager,
        head("GOLD", "grade", "gold", "flexible", -30, 400),
        vec![flexible],
    )
    .await;
    active(
        &app,
        &manager,
        head("OWN-P1", "partner", "P1", "unified", -30, 400),
        vec![item("TEA-1", "70")],
    )
    .await;

    // P2: no grade, no own list: the type's list, by the day and quantity.
    let q = app
        .quote(&manager, &ask("P2", "TEA-1", 1, 0))
        .await
        .unwrap();
    assert_eq!(
        (q.list.as_str(), q.why.as_str(), q.unit_price.as_str()),
        ("DIST-A", "type_list", "100.00")
    );
    let q = app
        .quote(&manager, &ask("P2", "TEA-1", 12, 0))
        .await
        .unwrap();
    assert_eq!((q.unit_price.as_str(), q.break_from), ("95.00", Some(10)));
    let q = app
        .quote(&manager, &ask("P2", "TEA-1", 50, 0))
        .await
        .unwrap();
    assert_eq!(q.unit_price, "90.00");
    let q = app
        .quote(&manager, &ask("P2", "TEA-1", 1, 31))
        .await
        .unwrap();
    assert_eq!(
        (q.list.as_str(), q.unit_price.as_str()),
        ("DIST-B", "110.00"),
        "the next version from its first day"
    );
    assert_eq!(
        rule_of(
            app.quote(&manager, &ask("P2", "TEA-1", 1, 401))
                .await
                .unwrap_err()
        ),
        ("sku", "price_none_in_force")
    );
    // P1 is gold: the grade's flexible list, with its band.
    let q = app
        .quote(&manager, &ask("P1", "TEA-1", 1, 0))
        .await
        .unwrap();
    assert_eq!((q.list.as_str(), q.why.as_str()), ("GOLD", "grade_list"));
    assert_eq!(
        (q.min.as_deref(), q.max.as_deref(), q.overridable),
        (Some("88.00"), Some("96.00"), true)
    );
    // TEA-2 is not on the grade's list: the type's list prices it.
    let q = app
        .quote(&manager, &ask("P1", "TEA-2", 1, 0))
        .await
        .unwrap();
    assert_eq!(q.list, "DIST-A");
    // P1's own list counts once its agreement names it, and only while that
    // agreement is in force.
    let draft = app
        .create_agreement_draft(
            &manager,
            "P1",
            &qudao_app::agreements::AgreementInput {
                valid_from: day(-10).to_string(),
                valid_to: day(100).to_string(),
                price_list_code: "own-p1".into(),
                currency: "CNY".into(),
                payment_net_days: "30".into(),
                signed_on: day(-10).to_string(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    app.activate_agreement(&manager, "P1", draft.version)
        .await
        .unwrap();
    let q = app
        .quote(&manager, &ask("P1", "TEA-1", 1, 0))
        .await
        .unwrap();
    assert_eq!(
        (q.list.as_str(), q.why.as_str(), q.unit_price.as_str()),
        ("OWN-P1", "partner_list", "70.00")
    );
    let q = app
        .quote(&manager, &ask("P1", "TEA-1", 1, 101))
        .await
        .unwrap();
    assert_eq!(q.list, "GOLD", "after the agreement ends");
    // A past day replays with the list in force then.
    let q = app
        .quote(&manager, &ask("P2", "TEA-1", 1, -30))
        .await
        .unwrap();
    assert_eq!(q.list, "DIST-A");
}

async fn pricing_refusals_name_the_field_and_write_nothing(db: TestDb) {
    let (app, manager) = setup(&db).await;
    let lists = || db.count("SELECT COUNT(*) FROM price_lists");
    let items = || db.count("SELECT COUNT(*) FROM price_list_items");
    // A bad head: every field named at once.
    let mut bad = head("bad code!", "region", "", "cheap", 10, 0);
    bad.name = " ".into();
    let fields: Vec<_> = invalid(app.create_price_list(&manager, &bad).await.unwrap_err())
        .into_iter()
        .map(|(field, _)| field)
        .collect();
    assert_eq!(fields, ["code", "name", "applies_to", "mode", "valid_to"]);
    assert_eq!(lists().await, 0);
    // A flexible price outside its band, a break that raises the price, an
    // unknown product: refused, and the list is not written either.
    let mut outside = item("TEA-1", "120");
    outside.min = Some("80".into());
    outside.max = Some("110".into());
    let err = app
        .create_price_list(
            &manager,
            &PriceListInput {
                items: Some(vec![outside]),
                ..head("FLEX", "partner_type", "distributor", "flexible", 0, 30)
            },
        )
        .await
        .unwrap_err();
    assert_eq!(rule_of(err), ("price", "price_within_band"));
    assert_eq!((lists().await, items().await), (0, 0));
    app.create_price_list(
        &manager,
        &head("FLEX", "partner_type", "distributor", "flexible", 0, 30),
    )
    .await
    .unwrap();
    let mut raising = item("TEA-1", "100");
    raising.min = Some("80".into());
    raising.max = Some("130".into());
    raising.breaks = vec![PriceBreakView {
        from_qty: 10,
        price: "105".into(),
    }];
    let err = app
        .set_price_item(&manager, "FLEX", &raising)
        .await
        .unwrap_err();
    assert_eq!(rule_of(err), ("break_price", "price_break_never_raises"));
    let err = app
        .set_price_item(&manager, "FLEX", &item("NOPE-1", "10"))
        .await
        .unwrap_err();
    assert_eq!(rule_of(err), ("sku", "price_product_unknown"));
    assert_eq!(items().await, 0);
    // An empty draft does not activate.
    let err = app.activate_price_list(&manager, "FLEX").await.unwrap_err();
    assert_eq!(rule_of(err), ("items", "price_list_has_items"));
    // Overlap with an active list of the same target and currency.
    active(
        &app,
        &manager,
        head("DIST-A", "partner_type", "distributor", "unified", 0, 100),
        vec![item("TEA-1", "100")],
    )
    .await;
    let mut fine = item("TEA-1", "100");
    fine.min = Some("90".into());
    fine.max = Some("110".into());
    app.set_price_item(&manager, "FLEX", &fine).await.unwrap();
    let err = app.activate_price_list(&manager, "FLEX").await.unwrap_err();
    match invalid(err).remove(0) {
        ("valid_from", Problem::Conflict { rule, with }) => {
            assert_eq!(rule, "price_list_overlap");
            assert!(with.starts_with("DIST-A"), "{with}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        db.count("SELECT COUNT(*) FROM price_lists WHERE status = 'draft'")
            .await,
        1,
        "still a draft"
    );
    // An active list is not edited; a copy with new dates is the new version.
    let err = app
        .set_price_item(&manager, "DIST-A", &item("TEA-1", "1"))
        .await
        .unwrap_err();
    assert_eq!(rule_of(err), ("status", "price_list_not_draft"));
    let copy = app
        .copy_price_list(
            &manager,
            "DIST-A",
            &CopyInput {
                code: "DIST-B".into(),
                valid_from: day(101).to_string(),
                valid_to: day(200).to_string(),
            },
        )
        .await
        .unwrap();
    assert_eq!((copy.list.status.as_str(), copy.items.len()), ("draft", 1));
    app.activate_price_list(&manager, "DIST-B").await.unwrap();
    app.retire_price_list(&manager, "DIST-A").await.unwrap();
    assert_eq!(
        rule_of(app.retire_price_list(&manager, "DIST-A").await.unwrap_err()),
        ("status", "price_list_not_active")
    );
    // Override rule through the quote: unified lists allow none.
    let q = app
        .quote(&manager, &ask("P1", "TEA-1", 1, 150))
        .await
        .unwrap();
    assert!(!q.overridable);
    // A sales rep reads but does not manage.
    app.create_user(&system(), &user("rep", "sales_rep", None))
        .await
        .unwrap();
    let rep = app.caller_by_login("rep").await.unwrap();
    assert!(matches!(
        app.create_price_list(
            &rep,
            &head("REP", "partner_type", "retailer", "unified", 0, 1)
        )
        .await,
        Err(AppError::Forbidden)
    ));
}

async fn pricing_partners_see_only_the_lists_that_target_them(db: TestDb) {
    let (app, manager) = setup(&db).await;
    for (code, kind, target) in [
        ("DIST", "partner_type", "distributor"),
        ("RETAIL", "partner_type", "retailer"),
        ("OWN-P1", "partner", "P1"),
        ("OWN-P2", "partner", "P2"),
    ] {
        active(
            &app,
            &manager,
            head(code, kind, target, "unified", 0, 30),
            vec![item("TEA-1", "100")],
        )
        .await;
    }
    app.create_price_list(
        &manager,
        &head("DRAFT", "partner_type", "distributor", "unified", 40, 60),
    )
    .await
    .unwrap();
    app.create_user(&system(), &user("p1admin", "partner_admin", Some("P1")))
        .await
        .unwrap();
    let p1 = app.caller_by_login("p1admin").await.unwrap();
    let seen: Vec<String> = app
        .price_lists(&p1, &ListFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.code)
        .collect();
    assert_eq!(seen.len(), 2);
    assert!(seen.contains(&"DIST".to_owned()) && seen.contains(&"OWN-P1".to_owned()));
    assert_eq!(app.price_list(&p1, "OWN-P1").await.unwrap().items.len(), 1);
    for hidden in ["OWN-P2", "RETAIL", "DRAFT", "NOPE"] {
        assert!(
            matches!(
                app.price_list(&p1, hidden).await,
                Err(AppError::NotFound(_))
            ),
            "{hidden}"
        );
    }
    // A partner's boss keeps its own downstream lists; ours are not there
    // for it to write.
    assert!(matches!(
        app.activate_price_list(&p1, "DRAFT").await,
        Err(AppError::NotFound(_))
    ));
    // Its own quote, not another partner's.
    assert_eq!(
        app.quote(&p1, &ask("P1", "TEA-1", 1, 0))
            .await
            .unwrap()
            .list,
        "DIST"
    );
    assert_eq!(
        rule_of(app.quote(&p1, &ask("P2", "TEA-1", 1, 0)).await.unwrap_err()),
        ("partner", "price_partner_unknown")
    );
    // Staff see every list; a filter narrows them.
    let all = app
        .price_lists(&manager, &ListFilter::default())
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    let own = all.iter().find(|l| l.code == "OWN-P2").unwrap();
    assert_eq!(
        (own.target.as_str(), own.target_name.as_str()),
        ("P2", "P2 有限公司")
    );
    let drafts = app
        .price_lists(
            &manager,
            &ListFilter {
                status: Some(qudao_domain::pricing::PriceListStatus::Draft),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(drafts.len(), 1);
}

async fn pricing_concurrent_overlapping_activations_leave_one(db: TestDb) {
    let (app, manager) = setup(&db).await;
    for round in 0..10 {
        let (a, b) = (format!("A{round}"), format!("B{round}"));
        for code in [&a, &b] {
            app.create_price_list(
                &manager,
                &PriceListInput {
                    items: Some(vec![item("TEA-1", "100")]),
                    ..head(
                        code,
                        "partner_type",
                        "agent",
                        "unified",
                        round * 10,
                        round * 10 + 5,
                    )
                },
            )
            .await
            .unwrap();
        }
        let other = db.app().await;
        let (first, second) = (app.clone(), manager.clone());
        let (x, y) = tokio::join!(
            tokio::spawn(async move { first.activate_price_list(&second, &a).await }),
            {
                let m = manager.clone();
                tokio::spawn(async move { other.activate_price_list(&m, &b).await })
            }
        );
        let wins = [x.unwrap(), y.unwrap()]
            .into_iter()
            .map(|r| match r {
                Ok(_) => 1,
                Err(AppError::Invalid(_)) => 0,
                Err(other) => panic!("{other:?}"),
            })
            .sum::<usize>();
        assert_eq!(wins, 1, "round {round}");
    }
    assert_eq!(
        db.count("SELECT COUNT(*) FROM price_lists WHERE status = 'active'")
            .await,
        10
    );
}
