//! Stories of downstream orders (二级订货), on both backends: a
//! distributor keeps a list for its tier-2 partners within our band, a
//! tier-2 partner orders from it, the distributor approves and ships, and
//! channel inventory and the facts see the goods move once; siblings see
//! nothing of it, staff read it and act on none of it.

#![allow(clippy::wildcard_imports)]

use qudao_app::inventory::InventoryQuery;
use qudao_app::orders::{OrderInput, OrderQuery, ReasonInput, ReturnInput};
use qudao_app::partners::RecordInput;
use qudao_app::pricing::{ListFilter, PriceItemInput, PriceListInput};
use qudao_app::territories::AuthorizationInput;
use qudao_store::facts::FactKind;

use super::orders::{line, rules_of, setup, ship, written};
use super::*;

on_both_backends!(
    downstream_a_tier_two_orders_its_distributor_ships_and_stock_moves,
    downstream_prices_outside_our_band_are_refused_and_nothing_is_written,
    downstream_siblings_see_nothing_and_staff_only_read,
    downstream_the_distributor_takes_goods_back_and_stock_moves_back,
);

fn day(offset: i64) -> chrono::NaiveDate {
    qudao_app::today() + chrono::Duration::days(offset)
}

struct World {
    app: Qudao,
    manager: Caller,
    /// P1's own user (orders from us), P1's boss (sells downstream).
    p1_user: Caller,
    p1_boss: Caller,
    /// T1 and T2: retailers under P1.
    t1: Caller,
    t2: Caller,
}

fn item(sku: &str, price: &str) -> PriceItemInput {
    PriceItemInput {
        sku: sku.into(),
        price: price.into(),
        ..Default::default()
    }
}

/// The orders setup, plus retailers T1 and T2 under P1 (homed in 上海,
/// with rights on TEA), P1's boss, a user of each retailer, and P1's
/// draft downstream list for retailers.
async fn world(db: &TestDb) -> World {
    let (app, manager, p1_user) = setup(db).await;
    for code in ["T1", "T2"] {
        app.create_partner(
            &system(),
            &PartnerInput {
                record: RecordInput {
                    region_code: Some("310000".into()),
                    ..Default::default()
                },
                ..partner(code, "retailer", Some("P1"), Some("manager"))
            },
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
    }
    for (login, role, code) in [
        ("p1.boss", "partner_admin", "P1"),
        ("t1.user", "partner_user", "T1"),
        ("t2.user", "partner_user", "T2"),
    ] {
        app.create_user(&system(), &user(login, role, Some(code)))
            .await
            .unwrap();
    }
    let p1_boss = app.caller_by_login("p1.boss").await.unwrap();
    app.create_price_list(
        &p1_boss,
        &PriceListInput {
            code: "PL-P1-DOWN".into(),
            name: "P1 下级价格表".into(),
            applies_to: "partner_type".into(),
            target: "retailer".into(),
            currency: "CNY".into(),
            mode: "unified".into(),
            valid_from: day(-30).to_string(),
            valid_to: day(300).to_string(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    World {
        t1: app.caller_by_login("t1.user").await.unwrap(),
        t2: app.caller_by_login("t2.user").await.unwrap(),
        app,
        manager,
        p1_user,
        p1_boss,
    }
}

fn downstream_order(lines: Vec<qudao_app::orders::LineInput>) -> OrderInput {
    OrderInput {
        seller: "P1".into(),
        lines,
        ..Default::default()
    }
}

async fn on_hand(w: &World, partner: &str, sku: &str) -> i64 {
    w.app
        .inventory(
            &w.manager,
            &InventoryQuery {
                partner: Some(partner.into()),
                ..Default::default()
            },
            PageRequest::export(),
        )
        .await
        .unwrap()
        .rows
        .iter()
        .find(|r| r.sku == sku)
        .map_or(0, |r| r.on_hand)
}

async fn downstream_a_tier_two_orders_its_distributor_ships_and_stock_moves(db: TestDb) {
    let w = world(&db).await;
    let app = &w.app;
    // P1 bought ten from us.
    let from_us = app
        .create_order(&w.p1_user, &orders::order("", vec![line("TEA-1", 10)]))
        .await
        .unwrap();
    app.submit_order(&w.p1_user, &from_us.number).await.unwrap();
    app.approve_order(&w.manager, &from_us.number)
        .await
        .unwrap();
    app.ship_order(&w.manager, &from_us.number, &ship(&[(1, 10, "")]))
        .await
        .unwrap();
    // P1 prices its retailers within our band and puts the list in force.
    for (sku, price) in [("TEA-1", "130"), ("TEA-POT", "600")] {
        app.set_price_item(&w.p1_boss, "PL-P1-DOWN", &item(sku, price))
            .await
            .unwrap();
    }
    let list = app
        .activate_price_list(&w.p1_boss, "PL-P1-DOWN")
        .await
        .unwrap();
    assert_eq!(list.list.seller.as_deref(), Some("P1"));
    // The retailer reads its distributor's list among its own.
    let readable = app
        .price_lists(&w.t1, &ListFilter::default())
        .await
        .unwrap();
    assert!(readable.iter().any(|l| l.code == "PL-P1-DOWN"));

    let placed = app
        .create_order(
            &w.t1,
            &downstream_order(vec![line("TEA-1", 5), line("TEA-POT", 2)]),
        )
        .await
        .unwrap();
    assert_eq!(placed.seller.as_deref(), Some("P1"));
    assert_eq!(placed.partner, "T1");
    assert_eq!(placed.lines[0].unit_price, "130.00");
    assert_eq!(placed.lines[0].price_list.as_deref(), Some("PL-P1-DOWN"));
    assert_eq!(placed.lines[1].unit_price, "600.00");
    assert!(placed.checks.is_empty(), "{:?}", placed.checks);
    app.submit_order(&w.t1, &placed.number).await.unwrap();

    // The distributor's boss finds it among the orders placed with it.
    let incoming = app
        .orders(
            &w.p1_boss,
            &OrderQuery {
                kind: "incoming".into(),
                ..Default::default()
            },
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(incoming.items.len(), 1);
    assert_eq!(incoming.items[0].number, placed.number);
    assert_eq!(incoming.items[0].seller.as_deref(), Some("P1"));
    let approved = app.approve_order(&w.p1_boss, &placed.number).await.unwrap();
    assert_eq!(approved.status, "approved");
    assert!(approved.sold_by_reader);

    // Part of the order, with a serial per unit of the tracked product.
    let shipped = app
        .ship_order(
            &w.p1_boss,
            &placed.number,
            &ship(&[(1, 3, ""), (2, 2, "POT-A, POT-B")]),
        )
        .await
        .unwrap();
    assert_eq!(shipped.status, "partly_shipped");
    assert_eq!(shipped.shipments.len(), 1);
    assert_eq!(shipped.shipments[0].invoice, None, "no invoice from us");
    assert_eq!(shipped.shipments[0].lines[1].serials, ["POT-A", "POT-B"]);
    // The tier-2 partner sees it shipped.
    let seen = app.order(&w.t1, &placed.number).await.unwrap();
    assert_eq!(seen.status, "partly_shipped");
    assert_eq!(seen.shipments[0].lines[0].qty, 3);

    // Stock moved from the distributor to the retailer.
    assert_eq!(on_hand(&w, "P1", "TEA-1").await, 7);
    assert_eq!(on_hand(&w, "T1", "TEA-1").await, 3);
    assert_eq!(on_hand(&w, "T1", "TEA-POT").await, 2);

    // Our sell-in counts the ten we shipped, once; the downstream goods
    // are the distributor's sell-through and the retailer's sell-in from it.
    let ours = app.facts_after(FactKind::SellIn, 0, 100).await.unwrap();
    assert_eq!(ours.iter().map(|f| f.qty).sum::<i64>(), 10);
    let downstream = app
        .facts_after(FactKind::DownstreamSellIn, 0, 100)
        .await
        .unwrap();
    assert_eq!(downstream.iter().map(|f| f.qty).sum::<i64>(), 5);
    assert_eq!(
        downstream.iter().map(|f| f.amount_minor).sum::<i64>(),
        3 * 13_000 + 2 * 60_000
    );
    let sold = app
        .facts_after(FactKind::SellThrough, 0, 100)
        .await
        .unwrap();
    assert_eq!(sold.iter().map(|f| f.qty).sum::<i64>(), 5);
    assert_eq!(sold.len(), 3, "one line per serial-tracked unit");
    assert_eq!(
        app.fact_notices().borrow().get(FactKind::DownstreamSellIn),
        downstream.last().unwrap().id
    );

    // The rest completes the order.
    let done = app
        .ship_order(&w.p1_boss, &placed.number, &ship(&[(1, 2, "")]))
        .await
        .unwrap();
    assert_eq!(done.status, "completed");
    assert_eq!(on_hand(&w, "T1", "TEA-1").await, 5);

    // A serial the distributor sold through before is refused, and
    // nothing is written.
    let second = app
        .create_order(&w.t1, &downstream_order(vec![line("TEA-POT", 1)]))
        .await
        .unwrap();
    app.submit_order(&w.t1, &second.number).await.unwrap();
    app.approve_order(&w.p1_boss, &second.number).await.unwrap();
    let before = written(&db).await;
    let refused = app
        .ship_order(&w.p1_boss, &second.number, &ship(&[(1, 1, "POT-A")]))
        .await
        .unwrap_err();
    assert_eq!(rules_of(refused), [("serials", "serial_shipped_before")]);
    assert_eq!(written(&db).await, before);

    // Lists by whom an order was placed with.
    let direct = app
        .orders(
            &w.manager,
            &OrderQuery {
                kind: "direct".into(),
                ..Default::default()
            },
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert!(direct.items.iter().all(|o| o.seller.is_none()));
    let downstream_only = app
        .orders(
            &w.manager,
            &OrderQuery {
                kind: "downstream".into(),
                ..Default::default()
            },
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(downstream_only.items.len(), 2);
}

async fn downstream_prices_outside_our_band_are_refused_and_nothing_is_written(db: TestDb) {
    let w = world(&db).await;
    let app = &w.app;
    // Our band on TEA-1 for distributors is 120–150.
    let refused = app
        .set_price_item(&w.p1_boss, "PL-P1-DOWN", &item("TEA-1", "160"))
        .await
        .unwrap_err();
    assert_eq!(
        rules_of(refused),
        [("price", "price_outside_downstream_band")]
    );
    let breaks = PriceItemInput {
        breaks: vec![qudao_app::pricing::PriceBreakView {
            from_qty: 10,
            price: "110".into(),
        }],
        ..item("TEA-1", "130")
    };
    let refused = app
        .set_price_item(&w.p1_boss, "PL-P1-DOWN", &breaks)
        .await
        .unwrap_err();
    assert_eq!(
        rules_of(refused),
        [("price", "price_outside_downstream_band")]
    );
    // Only our own lists carry a downstream band.
    let own_band = PriceItemInput {
        downstream_min: Some("1".into()),
        downstream_max: Some("2".into()),
        ..item("TEA-1", "130")
    };
    let refused = app
        .set_price_item(&w.p1_boss, "PL-P1-DOWN", &own_band)
        .await
        .unwrap_err();
    assert_eq!(
        rules_of(refused),
        [("downstream_min", "price_downstream_band_ours")]
    );
    let list = app.price_list(&w.p1_boss, "PL-P1-DOWN").await.unwrap();
    assert!(list.items.is_empty(), "nothing was written");
    // A product we set no band on takes any price.
    app.set_price_item(&w.p1_boss, "PL-P1-DOWN", &item("COF-1", "999"))
        .await
        .unwrap();

    // Ordering from someone other than one's own distributor is refused.
    let before = written(&db).await;
    let wrong = OrderInput {
        seller: "P2".into(),
        ..downstream_order(vec![line("TEA-1", 1)])
    };
    let refused = app.create_order(&w.t1, &wrong).await.unwrap_err();
    assert_eq!(rules_of(refused), [("seller", "order_seller_not_parent")]);
    // P1 has no distributor above it.
    let refused = app
        .create_order(&w.p1_user, &downstream_order(vec![line("TEA-1", 1)]))
        .await
        .unwrap_err();
    assert_eq!(rules_of(refused), [("seller", "order_seller_not_parent")]);
    assert_eq!(written(&db).await, before);

    // A line the distributor's list does not price in force is named.
    let draft = app
        .create_order(&w.t1, &downstream_order(vec![line("TEA-1", 1)]))
        .await
        .unwrap();
    assert!(
        draft
            .checks
            .iter()
            .any(|c| c.rule == "price_none_in_force" && c.line == Some(1)),
        "{:?}",
        draft.checks
    );
    let refused = app.submit_order(&w.t1, &draft.number).await.unwrap_err();
    assert!(rules_of(refused).contains(&("lines", "price_none_in_force")));
}

async fn downstream_siblings_see_nothing_and_staff_only_read(db: TestDb) {
    let w = world(&db).await;
    let app = &w.app;
    app.set_price_item(&w.p1_boss, "PL-P1-DOWN", &item("TEA-1", "130"))
        .await
        .unwrap();
    app.activate_price_list(&w.p1_boss, "PL-P1-DOWN")
        .await
        .unwrap();
    let placed = app
        .create_order(&w.t1, &downstream_order(vec![line("TEA-1", 2)]))
        .await
        .unwrap();
    app.submit_order(&w.t1, &placed.number).await.unwrap();

    // A sibling retailer: not found, whatever it tries.
    assert!(matches!(
        app.order(&w.t2, &placed.number).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.cancel_order(&w.t2, &placed.number, &ReasonInput::default())
            .await,
        Err(AppError::NotFound(_))
    ));
    let theirs = app
        .orders(&w.t2, &OrderQuery::default(), PageRequest::new(None, None))
        .await
        .unwrap();
    assert!(theirs.items.is_empty());
    // The distributor's own user is no seller: it neither lists nor decides.
    assert!(matches!(
        app.orders(
            &w.p1_user,
            &OrderQuery {
                kind: "incoming".into(),
                ..Default::default()
            },
            PageRequest::new(None, None),
        )
        .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.approve_order(&w.p1_user, &placed.number).await,
        Err(AppError::Forbidden)
    ));

    // Staff read it, with its seller, and may change nothing.
    let read = app.order(&w.manager, &placed.number).await.unwrap();
    assert_eq!(read.seller.as_deref(), Some("P1"));
    assert!(!read.sold_by_reader);
    let before = written(&db).await;
    for refused in [
        app.approve_order(&w.manager, &placed.number).await,
        app.reject_order(
            &w.manager,
            &placed.number,
            &ReasonInput {
                reason: "不行".into(),
            },
        )
        .await,
        app.cancel_order(&w.manager, &placed.number, &ReasonInput::default())
            .await,
        app.ship_order(&w.manager, &placed.number, &ship(&[(1, 1, "")]))
            .await,
        app.update_order(&w.manager, &placed.number, &OrderInput::default())
            .await,
    ] {
        assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
    }
    assert!(matches!(
        app.create_order(
            &w.manager,
            &OrderInput {
                partner: "T1".into(),
                ..downstream_order(vec![line("TEA-1", 1)])
            }
        )
        .await,
        Err(AppError::Forbidden)
    ));
    // …nor its distributor's list, which they read.
    assert!(app.price_list(&w.manager, "PL-P1-DOWN").await.is_ok());
    assert!(matches!(
        app.retire_price_list(&w.manager, "PL-P1-DOWN").await,
        Err(AppError::Forbidden)
    ));
    assert_eq!(written(&db).await, before);

    // The distributor rejects it with a reason; the retailer sees why.
    app.reject_order(
        &w.p1_boss,
        &placed.number,
        &ReasonInput {
            reason: "库存不足".into(),
        },
    )
    .await
    .unwrap();
    let seen = app.order(&w.t1, &placed.number).await.unwrap();
    assert_eq!(seen.status, "rejected");
    assert_eq!(seen.decision_reason.as_deref(), Some("库存不足"));
}

async fn downstream_the_distributor_takes_goods_back_and_stock_moves_back(db: TestDb) {
    let w = world(&db).await;
    let app = &w.app;
    let from_us = app
        .create_order(&w.p1_user, &orders::order("", vec![line("TEA-1", 10)]))
        .await
        .unwrap();
    app.submit_order(&w.p1_user, &from_us.number).await.unwrap();
    app.approve_order(&w.manager, &from_us.number)
        .await
        .unwrap();
    app.ship_order(&w.manager, &from_us.number, &ship(&[(1, 10, "")]))
        .await
        .unwrap();
    app.set_price_item(&w.p1_boss, "PL-P1-DOWN", &item("TEA-1", "130"))
        .await
        .unwrap();
    app.activate_price_list(&w.p1_boss, "PL-P1-DOWN")
        .await
        .unwrap();
    let placed = app
        .create_order(&w.t1, &downstream_order(vec![line("TEA-1", 3)]))
        .await
        .unwrap();
    app.submit_order(&w.t1, &placed.number).await.unwrap();
    app.approve_order(&w.p1_boss, &placed.number).await.unwrap();
    let shipped = app
        .ship_order(&w.p1_boss, &placed.number, &ship(&[(1, 3, "")]))
        .await
        .unwrap();
    let give_back = |qty: &str, returned_on: &str| ReturnInput {
        shipment: shipped.shipments[0].number.clone(),
        line_no: 1,
        qty: qty.into(),
        reason: "包装破损".into(),
        returned_on: returned_on.into(),
    };

    // Staff and the tier-2 partner itself may not record it.
    let before = written(&db).await;
    for who in [&w.manager, &w.t1] {
        let refused = app
            .return_goods(who, &placed.number, &give_back("1", ""))
            .await
            .unwrap_err();
        assert!(matches!(refused, AppError::Forbidden), "{refused:?}");
    }
    // More than shipped, or into a closed month: refused, nothing written.
    let over = app
        .return_goods(&w.p1_boss, &placed.number, &give_back("4", ""))
        .await
        .unwrap_err();
    assert_eq!(rules_of(over), [("qty", "return_more_than_shipped")]);
    let closed = chrono::Datelike::with_day(&day(-62), 1).unwrap();
    let now = if db.url.starts_with("postgres") {
        "CURRENT_TIMESTAMP"
    } else {
        orders::AT_SQLITE
    };
    db.raw(&format!(
        "INSERT INTO closed_periods (month, closed_by, closed_at) VALUES ('{}', 'f', {now})",
        closed.format("%Y-%m")
    ))
    .await;
    let into_closed = app
        .return_goods(
            &w.p1_boss,
            &placed.number,
            &give_back("1", &closed.to_string()),
        )
        .await
        .unwrap_err();
    assert_eq!(rules_of(into_closed), [("returned_on", "period_closed")]);
    assert_eq!(written(&db).await, before);

    // The distributor's boss takes one back.
    let back = app
        .return_goods(&w.p1_boss, &placed.number, &give_back("1", ""))
        .await
        .unwrap();
    assert!(back.sold_by_reader);
    assert_eq!(back.returns.len(), 1);
    assert_eq!(back.returns[0].amount, "130.00");
    assert_eq!(back.lines[0].qty_returned, 1);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM credit_notes").await,
        0,
        "the money between them is not our receivable"
    );
    assert_eq!(
        db.count(
            "SELECT COUNT(*) FROM sellin_lines WHERE qty = -1 AND amount_minor = -13000 \
             AND seller_id IS NOT NULL AND return_id IS NOT NULL"
        )
        .await,
        1
    );
    let downstream = app
        .facts_after(FactKind::DownstreamSellIn, 0, 100)
        .await
        .unwrap();
    assert_eq!(downstream.iter().map(|f| f.qty).sum::<i64>(), 2);
    // A reported return's amount is what was refunded, never below zero.
    let sold = app
        .facts_after(FactKind::SellThrough, 0, 100)
        .await
        .unwrap();
    let returned = sold.iter().find(|f| f.qty < 0).unwrap();
    assert_eq!((returned.qty, returned.amount_minor), (-1, 13_000));
    assert_eq!(sold.iter().map(|f| f.qty).sum::<i64>(), 2);
    assert_eq!(on_hand(&w, "P1", "TEA-1").await, 8);
    assert_eq!(on_hand(&w, "T1", "TEA-1").await, 2);
}
