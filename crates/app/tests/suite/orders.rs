//! Stories of sell-in orders, on both backends: a partner orders, we
//! approve and ship, goods come back; every refusal names its reason and
//! writes nothing; partners see only their own orders; a late return after
//! close; two submissions racing for one credit limit.

#![allow(clippy::wildcard_imports)]

use qudao_app::agreements::AgreementInput;
use qudao_app::orders::{
    CreditNoteInput, LineInput, OrderInput, OrderQuery, ReasonInput, ReturnInput, ShipInput,
    ShipLineInput,
};
use qudao_app::pricing::{PriceItemInput, PriceListInput};
use qudao_app::territories::AuthorizationInput;
use qudao_domain::Problem;
use qudao_store::facts::FactKind;

use super::*;

on_both_backends!(
    orders_a_partner_orders_we_ship_and_take_goods_back,
    orders_refusals_name_the_reason_and_write_nothing,
    orders_partners_see_and_touch_only_their_own,
    orders_a_late_return_after_close_lands_in_the_open_month,
    orders_concurrent_submissions_never_pass_the_credit_limit,
);

fn day(offset: i64) -> chrono::NaiveDate {
    qudao_app::today() + chrono::Duration::days(offset)
}

pub(super) const AT_SQLITE: &str = "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')";

/// Partners P1 and P2 (distributors, active, with agreements of 30 net
/// days and rights on TEA), a TEA line with a plain and a serial-tracked
/// product, a COFFEE line nobody holds, and a flexible distributor list
/// whose TEA items carry a band on the distributors' downstream prices.
pub(super) async fn setup(db: &TestDb) -> (Qudao, Caller, Caller) {
    let app = db.app().await;
    app.load_builtin_regions().await.unwrap();
    let now = if db.url.starts_with("postgres") {
        "CURRENT_TIMESTAMP"
    } else {
        AT_SQLITE
    };
    db.raw(&format!(
        "INSERT INTO product_lines (code, name_zh, name_en, status, created_at) VALUES \
         ('TEA', '茶饮', 'Tea', 'active', {now}), ('COFFEE', '咖啡', 'Coffee', 'active', {now})"
    ))
    .await;
    for (sku, line, serial) in [
        ("TEA-1", "TEA", "false"),
        ("TEA-POT", "TEA", "true"),
        ("COF-1", "COFFEE", "false"),
    ] {
        db.raw(&format!(
            "INSERT INTO products (sku, name_zh, name_en, product_line_id, category, unit, \
             currency, list_price, status, serial_tracked, created_at, updated_at) \
             SELECT '{sku}', '{sku} 中文', '{sku} en', id, 'c', '盒', 'CNY', 10000, 'active', \
             {serial}, {now}, {now} FROM product_lines WHERE code = '{line}'"
        ))
        .await;
    }
    app.create_user(&system(), &user("manager", "channel_manager", None))
        .await
        .unwrap();
    let manager = app.caller_by_login("manager").await.unwrap();
    for code in ["P1", "P2"] {
        app.create_partner(
            &system(),
            &partner(code, "distributor", None, Some("manager")),
        )
        .await
        .unwrap();
        app.create_authorization(
            &system(),
            &AuthorizationInput {
                partner_code: code.into(),
                region_code: "310000".into(),
                product_line: "TEA".into(),
                mode: "intensive".into(),
                valid_from: day(-400).to_string(),
                valid_to: day(400).to_string(),
            },
        )
        .await
        .unwrap();
        app.create_agreement_draft(
            &manager,
            code,
            &AgreementInput {
                valid_from: day(-400).to_string(),
                valid_to: day(400).to_string(),
                payment_net_days: "30".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        app.activate_agreement(&manager, code, 1).await.unwrap();
    }
    let item = |sku: &str, price: &str, min: &str, max: &str| PriceItemInput {
        sku: sku.into(),
        price: price.into(),
        min: Some(min.into()),
        max: Some(max.into()),
        ..Default::default()
    };
    let downstream = |item: PriceItemInput, min: &str, max: &str| PriceItemInput {
        downstream_min: Some(min.into()),
        downstream_max: Some(max.into()),
        ..item
    };
    app.create_price_list(
        &manager,
        &PriceListInput {
            code: "PL-DIST".into(),
            name: "经销商价格表".into(),
            name_en: "Distributor prices".into(),
            applies_to: "partner_type".into(),
            target: "distributor".into(),
            currency: "CNY".into(),
            mode: "flexible".into(),
            valid_from: day(-400).to_string(),
            valid_to: day(400).to_string(),
            items: Some(vec![
                downstream(item("TEA-1", "100.00", "90.00", "110.00"), "120", "150"),
                downstream(item("TEA-POT", "500.00", "450.00", "550.00"), "550", "700"),
                item("COF-1", "80.00", "70.00", "90.00"),
            ]),
        },
    )
    .await
    .unwrap();
    app.activate_price_list(&manager, "PL-DIST").await.unwrap();
    app.create_user(&system(), &user("p1.user", "partner_user", Some("P1")))
        .await
        .unwrap();
    let buyer = app.caller_by_login("p1.user").await.unwrap();
    (app, manager, buyer)
}

pub(super) fn line(sku: &str, qty: i64) -> LineInput {
    LineInput {
        sku: sku.into(),
        qty: qty.to_string(),
        ..Default::default()
    }
}

pub(super) fn order(partner: &str, lines: Vec<LineInput>) -> OrderInput {
    OrderInput {
        partner: partner.into(),
        lines,
        ..Default::default()
    }
}

pub(super) fn ship(lines: &[(i32, i64, &str)]) -> ShipInput {
    ShipInput {
        shipped_on: String::new(),
        lines: lines
            .iter()
            .map(|(no, qty, serials)| ShipLineInput {
                line_no: *no,
                qty: qty.to_string(),
                serials: (*serials).to_owned(),
            })
            .collect(),
    }
}

pub(super) fn rules_of(err: AppError) -> Vec<(&'static str, &'static str)> {
    match err {
        AppError::Invalid(list) => list
            .into_iter()
            .map(|i| {
                let rule = match i.problem {
                    Problem::Rule { rule }
                    | Problem::Conflict { rule, .. }
                    | Problem::Limit { rule, .. } => rule,
                    Problem::Required => "required",
                    other => panic!("{other:?}"),
                };
                (i.field, rule)
            })
            .collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Rows of every table an order writes, to show a refusal wrote nothing.
pub(super) async fn written(db: &TestDb) -> [i64; 8] {
    let mut counts = [0; 8];
    for (i, table) in [
        "orders",
        "order_lines",
        "shipments",
        "shipment_serials",
        "invoices",
        "returns",
        "credit_notes",
        "sellin_lines",
    ]
    .iter()
    .enumerate()
    {
        counts[i] = db.count(&format!("SELECT COUNT(*) FROM {table}")).await;
    }
    counts
}

async fn orders_a_partner_orders_we_ship_and_take_goods_back(db: TestDb) {
    let (app, manager, buyer) = setup(&db).await;
    // The partner's user orders for its own organisation (the partner it
    // types is ignored); the coffee line is refused, with its reason.
    let draft = app
        .create_order(
            &buyer,
            &order(
                "P2",
                vec![line("TEA-1", 10), line("TEA-POT", 2), line("COF-1", 1)],
            ),
        )
        .await
        .unwrap();
    assert_eq!(draft.partner, "P1");
    assert_eq!(draft.status, "draft");
    assert!(draft.number.starts_with("SO-"));
    assert_eq!(draft.lines[0].unit_price, "100.00");
    assert_eq!(draft.lines[0].amount, "1000.00");
    assert_eq!(draft.lines[0].price_list.as_deref(), Some("PL-DIST"));
    assert_eq!(draft.total, "2080.00");
    assert_eq!(draft.lines[2].checks[0].rule, "product_not_authorized");
    assert!(draft.lines[0].checks.is_empty());
    let refused = app.submit_order(&buyer, &draft.number).await.unwrap_err();
    assert_eq!(rules_of(refused), [("lines", "product_not_authorized")]);
    let kept = app.order(&buyer, &draft.number).await.unwrap();
    assert_eq!(kept.status, "draft", "a refused submission stays a draft");
    assert_eq!(kept.checks.len(), 1);

    // Without the coffee it passes; the manager approves.
    app.update_order(
        &buyer,
        &draft.number,
        &order("", vec![line("TEA-1", 10), line("TEA-POT", 2)]),
    )
    .await
    .unwrap();
    let submitted = app.submit_order(&buyer, &draft.number).await.unwrap();
    assert_eq!(submitted.status, "submitted");
    assert!(submitted.checks.is_empty());
    assert!(matches!(
        app.approve_order(&buyer, &draft.number).await,
        Err(AppError::Forbidden)
    ));
    let approved = app.approve_order(&manager, &draft.number).await.unwrap();
    assert_eq!(approved.status, "approved");
    assert_eq!(approved.decided_by.as_deref(), Some("manager"));

    // Shipped in two parts: the pot needs its serial numbers.
    let first = app
        .ship_order(
            &manager,
            &draft.number,
            &ship(&[(1, 4, ""), (2, 1, "POT-001")]),
        )
        .await
        .unwrap();
    assert_eq!(first.status, "partly_shipped");
    let shipment = &first.shipments[0];
    assert!(shipment.number.starts_with("SH-"));
    assert!(shipment.invoice.as_deref().unwrap().starts_with("INV-"));
    assert_eq!(shipment.invoice_amount.as_deref(), Some("900.00"));
    assert_eq!(shipment.invoice_due_on, Some(day(30)));
    assert_eq!(shipment.lines[1].serials, ["POT-001"]);
    let done = app
        .ship_order(
            &manager,
            &draft.number,
            &ship(&[(1, 6, ""), (2, 1, "POT-002")]),
        )
        .await
        .unwrap();
    assert_eq!(done.status, "completed");
    assert_eq!(
        db.count("SELECT CAST(SUM(qty) AS BIGINT) FROM sellin_lines WHERE source = 'shipment'")
            .await,
        12
    );

    // Three boxes of tea come back: a return, its credit note, a negative
    // fact; the partner owes the rest.
    let back = app
        .return_goods(
            &manager,
            &draft.number,
            &ReturnInput {
                shipment: done.shipments[1].number.clone(),
                line_no: 1,
                qty: "3".into(),
                reason: "包装破损".into(),
                returned_on: String::new(),
            },
        )
        .await
        .unwrap();
    assert_eq!(back.returns[0].amount, "300.00");
    assert!(
        back.returns[0]
            .credit_note
            .as_deref()
            .unwrap()
            .starts_with("CN-")
    );
    assert_eq!(back.lines[0].qty_returned, 3);
    assert_eq!(back.status, "completed");
    assert_eq!(
        db.count("SELECT CAST(SUM(amount_minor) AS BIGINT) FROM sellin_lines")
            .await,
        200_000 - 30_000
    );
    let facts = app.facts_after(FactKind::SellIn, 0, 100).await.unwrap();
    assert_eq!(facts.len(), 5);
    assert_eq!(facts[4].qty, -3);
    assert_eq!(app.fact_notices().borrow().get(FactKind::CreditNote), 1);
    assert_eq!(
        app.facts_after(FactKind::Invoice, 0, 10)
            .await
            .unwrap()
            .len(),
        2
    );

    // Finance credits part of the second invoice on its own.
    app.create_user(&system(), &user("finance", "finance", None))
        .await
        .unwrap();
    let finance = app.caller_by_login("finance").await.unwrap();
    let note = app
        .issue_credit_note(
            &finance,
            &CreditNoteInput {
                invoice: done.shipments[1].invoice.clone().unwrap(),
                amount: "100.01".into(),
                reason: "价格调整".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(note.partner, "P1");
    assert_eq!(note.amount, "100.01");
    assert_eq!(
        db.count(
            "SELECT CAST((SELECT SUM(amount_minor) FROM invoices) \
             - (SELECT SUM(amount_minor) FROM credit_notes) AS BIGINT)"
        )
        .await,
        200_000 - 30_000 - 10_001
    );
    // It lowers the invoiced goods' sell-in too, split by what each line
    // still counts (tea ¥600 − ¥300 back, the pot ¥500), to the fen: no
    // units, not a return.
    let allowed = app.facts_after(FactKind::SellIn, 5, 100).await.unwrap();
    let parts: Vec<(i64, i64)> = allowed.iter().map(|f| (f.qty, f.amount_minor)).collect();
    assert_eq!(parts, [(0, -3_750), (0, -6_251)]);
    assert!(allowed.iter().all(|f| f.date == qudao_app::today()));
    assert_eq!(
        db.count(
            "SELECT COUNT(*) FROM sellin_lines WHERE source = 'allowance' \
             AND return_id IS NULL AND shipment_line_id IS NOT NULL"
        )
        .await,
        2
    );
    assert_eq!(
        db.count("SELECT CAST(SUM(amount_minor) AS BIGINT) FROM sellin_lines")
            .await,
        200_000 - 30_000 - 10_001
    );
    assert_eq!(app.fact_notices().borrow().get(FactKind::SellIn), 7);
    // The audit keeps every step.
    assert_eq!(
        db.count("SELECT COUNT(*) FROM audit_log WHERE entity = 'order'")
            .await,
        8
    );
}

async fn orders_refusals_name_the_reason_and_write_nothing(db: TestDb) {
    let (app, manager, buyer) = setup(&db).await;
    let before = written(&db).await;
    let bad = app
        .create_order(
            &buyer,
            &order(
                "",
                vec![
                    line("NOPE-1", 1),
                    line("TEA-1", 0),
                    LineInput {
                        price: "95.00".into(),
                        override_reason: "老客户".into(),
                        ..line("TEA-1", 1)
                    },
                ],
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(
        rules_of(bad),
        [
            ("sku", "order_product_unknown"),
            ("qty", "qty_positive_whole"),
            ("price", "price_override_not_allowed"),
        ]
    );
    let outside = app
        .create_order(
            &manager,
            &order(
                "P1",
                vec![LineInput {
                    price: "80.00".into(),
                    override_reason: "促销".into(),
                    ..line("TEA-1", 1)
                }],
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(rules_of(outside), [("price", "price_outside_band")]);
    let no_reason = app
        .create_order(
            &manager,
            &order(
                "P1",
                vec![LineInput {
                    price: "95.00".into(),
                    ..line("TEA-1", 1)
                }],
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(rules_of(no_reason), [("override_reason", "required")]);
    assert_eq!(written(&db).await, before, "nothing written");

    // An override within the band by a manager is kept with its reason.
    let within = app
        .create_order(
            &manager,
            &order(
                "P1",
                vec![LineInput {
                    price: "95.00".into(),
                    override_reason: "老客户".into(),
                    ..line("TEA-1", 100)
                }],
            ),
        )
        .await
        .unwrap();
    assert_eq!(within.lines[0].unit_price, "95.00");
    assert_eq!(within.lines[0].list_price, "100.00");
    assert_eq!(within.lines[0].override_reason.as_deref(), Some("老客户"));

    // Over the credit limit: refused with the reason, kept as a draft.
    db.raw("UPDATE partners SET credit_limit = 900000 WHERE code = 'P1'")
        .await;
    let over = app.submit_order(&buyer, &within.number).await.unwrap_err();
    assert_eq!(rules_of(over), [("order", "order_over_credit_limit")]);
    let kept = app.order(&manager, &within.number).await.unwrap();
    assert_eq!(kept.status, "draft");
    assert_eq!(kept.checks[0].with, "¥9,500.00 / ¥9,000.00");
    db.raw("UPDATE partners SET credit_limit = NULL WHERE code = 'P1'")
        .await;

    // Wrong moves of the status machine.
    assert_eq!(
        rules_of(
            app.approve_order(&manager, &within.number)
                .await
                .unwrap_err()
        ),
        [("status", "order_status_not_allowed")]
    );
    app.submit_order(&buyer, &within.number).await.unwrap();
    assert_eq!(
        rules_of(
            app.reject_order(&manager, &within.number, &ReasonInput::default())
                .await
                .unwrap_err()
        ),
        [("reason", "required")]
    );
    app.approve_order(&manager, &within.number).await.unwrap();
    let before = written(&db).await;

    // Shipping more than ordered, a pot without serials, nothing at all,
    // or into a closed month: refused, nothing written.
    assert_eq!(
        rules_of(
            app.ship_order(&manager, &within.number, &ship(&[(1, 101, "")]))
                .await
                .unwrap_err()
        ),
        [("qty", "ship_more_than_ordered")]
    );
    assert_eq!(
        rules_of(
            app.ship_order(&manager, &within.number, &ship(&[]))
                .await
                .unwrap_err()
        ),
        [("lines", "ship_nothing")]
    );
    let closed = chrono::Datelike::with_day(&day(-62), 1).unwrap();
    let month = closed.format("%Y-%m").to_string();
    let now = if db.url.starts_with("postgres") {
        "CURRENT_TIMESTAMP"
    } else {
        AT_SQLITE
    };
    db.raw(&format!(
        "INSERT INTO closed_periods (month, closed_by, closed_at) VALUES ('{month}', 'f', {now})"
    ))
    .await;
    let into_closed = ShipInput {
        shipped_on: closed.to_string(),
        ..ship(&[(1, 1, "")])
    };
    assert_eq!(
        rules_of(
            app.ship_order(&manager, &within.number, &into_closed)
                .await
                .unwrap_err()
        ),
        [("shipped_on", "period_closed")]
    );
    assert_eq!(written(&db).await, before, "nothing written");

    // A pot order: serials one per unit, never twice.
    let pots = app
        .create_order(&manager, &order("P1", vec![line("TEA-POT", 2)]))
        .await
        .unwrap();
    app.submit_order(&manager, &pots.number).await.unwrap();
    app.approve_order(&manager, &pots.number).await.unwrap();
    let before = written(&db).await;
    for (serials, rule) in [("P-1", "serials_one_per_unit"), ("P-1 P-1", "serial_twice")] {
        assert_eq!(
            rules_of(
                app.ship_order(&manager, &pots.number, &ship(&[(1, 2, serials)]))
                    .await
                    .unwrap_err()
            ),
            [("serials", rule)]
        );
    }
    app.ship_order(&manager, &pots.number, &ship(&[(1, 1, "P-1")]))
        .await
        .unwrap();
    let before_again = written(&db).await;
    assert_ne!(before_again, before);
    assert_eq!(
        rules_of(
            app.ship_order(&manager, &pots.number, &ship(&[(1, 1, "P-1")]))
                .await
                .unwrap_err()
        ),
        [("serials", "serial_shipped_before")]
    );

    // Returning more than shipped, or a credit note above what is open.
    let shipped = app.order(&manager, &pots.number).await.unwrap();
    let shipment = shipped.shipments[0].number.clone();
    assert_eq!(
        rules_of(
            app.return_goods(
                &manager,
                &pots.number,
                &ReturnInput {
                    shipment: shipment.clone(),
                    line_no: 1,
                    qty: "2".into(),
                    reason: "坏了".into(),
                    returned_on: String::new(),
                },
            )
            .await
            .unwrap_err()
        ),
        [("qty", "return_more_than_shipped")]
    );
    assert_eq!(
        rules_of(
            app.return_goods(
                &manager,
                &pots.number,
                &ReturnInput {
                    shipment,
                    line_no: 1,
                    qty: "1".into(),
                    reason: " ".into(),
                    returned_on: String::new(),
                },
            )
            .await
            .unwrap_err()
        ),
        [("reason", "required")]
    );
    let over_credit = app
        .issue_credit_note(
            &system(),
            &CreditNoteInput {
                invoice: shipped.shipments[0].invoice.clone().unwrap(),
                amount: "500.01".into(),
                reason: "调整".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(rules_of(over_credit), [("amount", "credit_more_than_open")]);
    assert_eq!(written(&db).await, before_again, "nothing written");
}

async fn orders_partners_see_and_touch_only_their_own(db: TestDb) {
    let (app, manager, buyer) = setup(&db).await;
    let theirs = app
        .create_order(&manager, &order("P2", vec![line("TEA-1", 1)]))
        .await
        .unwrap();
    let mine = app
        .create_order(&buyer, &order("", vec![line("TEA-1", 1)]))
        .await
        .unwrap();
    assert!(matches!(
        app.order(&buyer, &theirs.number).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.submit_order(&buyer, &theirs.number).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.cancel_order(&buyer, &theirs.number, &ReasonInput::default())
            .await,
        Err(AppError::NotFound(_))
    ));
    let listed = app
        .orders(&buyer, &OrderQuery::default(), PageRequest::new(None, None))
        .await
        .unwrap();
    assert_eq!(
        listed
            .items
            .iter()
            .map(|o| o.number.as_str())
            .collect::<Vec<_>>(),
        [mine.number.as_str()]
    );
    let filtered = app
        .orders(
            &buyer,
            &OrderQuery {
                partner: "P2".into(),
                ..Default::default()
            },
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert!(filtered.items.is_empty());
    let all = app
        .orders(
            &manager,
            &OrderQuery::default(),
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(all.total, 2);
    // The placer cancels its own draft; a cancelled order stays.
    let cancelled = app
        .cancel_order(&buyer, &mine.number, &ReasonInput::default())
        .await
        .unwrap();
    assert_eq!(cancelled.status, "cancelled");
    assert_eq!(db.count("SELECT COUNT(*) FROM orders").await, 2);
}

async fn orders_a_late_return_after_close_lands_in_the_open_month(db: TestDb) {
    let (app, manager, _) = setup(&db).await;
    let shipped_on = chrono::Datelike::with_day(&day(-40), 1).unwrap();
    let placed = app
        .create_order(
            &manager,
            &OrderInput {
                order_date: shipped_on.to_string(),
                ..order("P1", vec![line("TEA-1", 5)])
            },
        )
        .await
        .unwrap();
    app.submit_order(&manager, &placed.number).await.unwrap();
    app.approve_order(&manager, &placed.number).await.unwrap();
    let shipped = app
        .ship_order(
            &manager,
            &placed.number,
            &ShipInput {
                shipped_on: shipped_on.to_string(),
                ..ship(&[(1, 5, "")])
            },
        )
        .await
        .unwrap();
    let month = shipped_on.format("%Y-%m").to_string();
    let now = if db.url.starts_with("postgres") {
        "CURRENT_TIMESTAMP"
    } else {
        AT_SQLITE
    };
    db.raw(&format!(
        "INSERT INTO closed_periods (month, closed_by, closed_at) VALUES ('{month}', 'f', {now})"
    ))
    .await;
    let input = |returned_on: String| ReturnInput {
        shipment: shipped.shipments[0].number.clone(),
        line_no: 1,
        qty: "2".into(),
        reason: "临期".into(),
        returned_on,
    };
    assert_eq!(
        rules_of(
            app.return_goods(&manager, &placed.number, &input(shipped_on.to_string()))
                .await
                .unwrap_err()
        ),
        [("returned_on", "period_closed")]
    );
    let back = app
        .return_goods(&manager, &placed.number, &input(String::new()))
        .await
        .unwrap();
    assert_eq!(back.returns[0].returned_on, qudao_app::today());
    assert_eq!(back.returns[0].shipment, shipped.shipments[0].number);
    // The closed month keeps its shipment; the open one gets the return,
    // which points at the original shipment line.
    assert_eq!(
        db.count(&format!(
            "SELECT COUNT(*) FROM sellin_lines s JOIN returns r ON r.id = s.return_id \
             JOIN shipment_lines sl ON sl.id = r.shipment_line_id \
             WHERE s.qty = -2 AND s.date = '{}' AND sl.qty = 5",
            qudao_app::today()
        ))
        .await,
        1
    );
    assert_eq!(
        db.count(&format!(
            "SELECT COUNT(*) FROM sellin_lines WHERE date = '{shipped_on}' AND qty = 5"
        ))
        .await,
        1
    );
}

const ROUNDS: usize = 20;

async fn orders_concurrent_submissions_never_pass_the_credit_limit(db: TestDb) {
    let (one, manager, buyer) = setup(&db).await;
    let two = db.app().await;
    // 6 × ¥100 = ¥600 each, under ¥1,000 alone, over it together.
    db.raw("UPDATE partners SET credit_limit = 100000 WHERE code = 'P1'")
        .await;
    for round in 0..ROUNDS {
        let a = one
            .create_order(&buyer, &order("", vec![line("TEA-1", 6)]))
            .await
            .unwrap();
        let b = one
            .create_order(&buyer, &order("", vec![line("TEA-1", 6)]))
            .await
            .unwrap();
        let (first, second) = (one.clone(), two.clone());
        let (caller_a, caller_b) = (buyer.clone(), buyer.clone());
        let (na, nb) = (a.number.clone(), b.number.clone());
        let (ra, rb) = tokio::join!(
            tokio::spawn(async move { first.submit_order(&caller_a, &na).await }),
            tokio::spawn(async move { second.submit_order(&caller_b, &nb).await }),
        );
        let passed: Vec<bool> = [ra.unwrap(), rb.unwrap()]
            .into_iter()
            .map(|result| match result {
                Ok(_) => true,
                Err(AppError::Invalid(found)) => {
                    assert_eq!(found[0].problem_rule(), Some("order_over_credit_limit"));
                    false
                }
                Err(other) => panic!("round {round}: {other:?}"),
            })
            .collect();
        assert_eq!(
            passed.iter().filter(|p| **p).count(),
            1,
            "round {round}: exactly one submission fits the limit"
        );
        // Free the credit for the next round.
        for number in [&a.number, &b.number] {
            let _ = one
                .cancel_order(&manager, number, &ReasonInput::default())
                .await;
        }
    }
    assert_eq!(
        db.count("SELECT COUNT(*) FROM orders WHERE status = 'submitted'")
            .await,
        0
    );
}
