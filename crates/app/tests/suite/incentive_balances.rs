//! Stories of payout balances, on both backends: a paid wallet run fills
//! the partner's rebate wallet; an order uses at most the program's share
//! (spent on submission, returned on cancel, credited to its invoices as it
//! ships); asking more is refused and
//! writes nothing; a credit-note program issues a standalone credit note
//! that the partner's trade statement shows; staff record a movement with
//! a reason; another partner never sees the balances.

#![allow(clippy::wildcard_imports)]

use chrono::{Datelike, NaiveDate};
use qudao_app::incentive_balances::MovementInput;
use qudao_app::incentive_runs::RunRequest;
use qudao_app::incentives::DocumentFormat;
use qudao_app::orders::ReasonInput;
use qudao_domain::Problem;

use super::orders::{line, order};
use super::*;

on_both_backends!(
    incentive_balances_a_paid_wallet_pays_part_of_an_order,
    incentive_balances_staff_movements_and_who_sees_them,
);

/// A flat rebate of the year `year` on the distributors' sell-in, paid in
/// `form` (a wallet capped at 20% of an order).
fn flat(year: i32, code: &str, rate: &str, form: &str) -> String {
    let cap = if form == "wallet" {
        r#", "max_share_per_order": "20%""#
    } else {
        ""
    };
    format!(
        r#"{{
  "kind": "rebate", "code": "{code}", "name": "{code} 返利", "version": 1,
  "currency": "CNY", "effective_from": "{year}-01-01", "effective_to": "{year}-12-31",
  "period": "quarter",
  "scope": {{ "partner_types": ["distributor"] }},
  "base": {{ "measure": "sell_in_net" }},
  "mode": "flat", "rate": "{rate}",
  "stacking": {{ "rule": "stacks", "order": 10 }},
  "payout": {{ "form": "{form}"{cap} }}
}}"#
    )
}

async fn sold(db: &TestDb, partner: &str, on: NaiveDate, minor: i64) {
    db.raw(&format!(
        "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
         source, created_at) SELECT p.id, g.id, '{on}', 10, {minor}, 'CNY', 'import', \
         '2026-01-01T00:00:00+00:00' FROM partners p, products g \
         WHERE p.code = '{partner}' AND g.sku = 'TEA-1'"
    ))
    .await;
}

/// Last year's third quarter paid: P1 bought ¥100,000 and P2 ¥50,000;
/// 10% goes to the wallet (RB-W) and 1% comes as a credit note (RB-C).
async fn paid_quarter(db: &TestDb, app: &Qudao, manager: &Caller) {
    app.create_user(&system(), &user("fin", "finance", None))
        .await
        .unwrap();
    let fin = app.caller_by_login("fin").await.unwrap();
    let year = qudao_app::today().year() - 1;
    let on = NaiveDate::from_ymd_opt(year, 8, 15).unwrap();
    sold(db, "P1", on, 10_000_000).await;
    sold(db, "P2", on, 5_000_000).await;
    for (code, rate, form) in [("RB-W", "10%", "wallet"), ("RB-C", "1%", "credit_note")] {
        let saved = app
            .save_program(manager, &flat(year, code, rate, form), DocumentFormat::Json)
            .await
            .unwrap();
        assert!(saved.ok(), "{:?}", saved.problems);
        app.activate_program(manager, code, 1).await.unwrap();
    }
    let run = app
        .run_incentives(
            manager,
            &RunRequest {
                period: format!("{year}-Q3"),
                programs: vec!["RB-W".into(), "RB-C".into()],
                dry_run: false,
            },
        )
        .await
        .unwrap();
    let id = run.run.id.unwrap();
    app.approve_incentive_run(&fin, id).await.unwrap();
    app.pay_incentive_run(&fin, id).await.unwrap();
}

fn balance_of(view: &qudao_app::incentive_balances::BalancesView, form: &str) -> i64 {
    view.balances
        .iter()
        .find(|b| b.form == form)
        .map(|b| b.balance)
        .unwrap()
}

async fn incentive_balances_a_paid_wallet_pays_part_of_an_order(db: TestDb) {
    let (app, manager, buyer) = orders::setup(&db).await;
    paid_quarter(&db, &app, &manager).await;

    // ¥100,000 × 10% in the wallet, referencing its settlement.
    let mine = app.incentive_balances(&buyer, None).await.unwrap();
    assert_eq!(mine.partner, "P1");
    assert_eq!(balance_of(&mine, "wallet"), 1_000_000);
    assert_eq!(mine.wallet_share, "20%");
    let earned = &mine.movements[0];
    assert_eq!(
        (earned.kind.as_str(), earned.program_code.as_deref()),
        ("earned", Some("RB-W"))
    );
    assert!(earned.ledger_entry.is_some());

    // The credit-note program issued P1 a standalone credit note of
    // ¥1,000: its trade statement shows it.
    let today = qudao_app::today();
    let statement = app
        .statement(&manager, "P1", today - chrono::Duration::days(1), today)
        .await
        .unwrap();
    let credits: Vec<_> = statement.sections[0]
        .lines
        .iter()
        .filter(|l| l.kind == "credit_note")
        .map(|l| l.amount.clone())
        .collect();
    assert_eq!(credits, ["1000.00"]);

    // 10 × ¥100: the wallet may pay 20%, ¥200. Asking ¥200.01 is refused
    // at the field and writes nothing.
    let orders_before = db.count("SELECT COUNT(*) FROM orders").await;
    let mut greedy = order("", vec![line("TEA-1", 10)]);
    greedy.wallet = "200.01".into();
    let err = app.create_order(&buyer, &greedy).await.unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Invalid(ref p) if p[0].field == "wallet"
                && p[0].problem == Problem::Conflict { rule: "wallet_use_over_allowed", with: "¥200.00".into() }
        ),
        "{err:?}"
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM orders").await, orders_before);

    // Saying nothing uses the most allowed, spent on submission.
    let draft = app
        .create_order(&buyer, &order("", vec![line("TEA-1", 10)]))
        .await
        .unwrap();
    let wallet = draft.wallet.clone().unwrap();
    assert_eq!(
        (wallet.balance, wallet.allowed, wallet.used),
        (1_000_000, 20_000, 0)
    );
    let submitted = app.submit_order(&buyer, &draft.number).await.unwrap();
    let wallet = submitted.wallet.unwrap();
    assert_eq!((wallet.used, wallet.payable), (20_000, 80_000));
    let after = app.incentive_balances(&buyer, None).await.unwrap();
    assert_eq!(balance_of(&after, "wallet"), 980_000);
    assert_eq!(after.movements[0].kind, "spent");
    assert_eq!(
        after.movements[0].order.as_deref(),
        Some(draft.number.as_str())
    );

    // Cancelling returns it.
    app.cancel_order(&buyer, &draft.number, &ReasonInput::default())
        .await
        .unwrap();
    let back = app.incentive_balances(&buyer, None).await.unwrap();
    assert_eq!(balance_of(&back, "wallet"), 1_000_000);
    assert_eq!(back.movements[0].kind, "reversed");
    assert_eq!(back.movements[0].amount, 20_000);

    // A smaller amount is used as asked.
    let mut modest = order("", vec![line("TEA-1", 10)]);
    modest.wallet = "33.33".into();
    let modest = app.create_order(&buyer, &modest).await.unwrap();
    let modest = app.submit_order(&buyer, &modest.number).await.unwrap();
    assert_eq!(modest.wallet.unwrap().used, 3_333);

    // Shipped in two parts, each invoice is credited its share of the
    // wallet (¥300 of ¥1,000: ¥9.99; the rest, ¥23.34, with the last), so
    // the partner owes ¥966.67, what the order showed as payable. The
    // goods' sell-in stays ¥1,000: a rebate spent is not money off them.
    app.approve_order(&manager, &modest.number).await.unwrap();
    let credited = "SELECT CAST(COALESCE(SUM(c.amount_minor), 0) AS BIGINT) FROM credit_notes c \
                    JOIN invoices i ON i.id = c.invoice_id WHERE c.return_id IS NULL";
    let owed = "SELECT CAST((SELECT SUM(amount_minor) FROM invoices) - (SELECT \
                COALESCE(SUM(amount_minor), 0) FROM credit_notes WHERE invoice_id IS NOT NULL) \
                AS BIGINT)";
    app.ship_order(&manager, &modest.number, &orders::ship(&[(1, 3, "")]))
        .await
        .unwrap();
    assert_eq!(db.count(credited).await, 999);
    let done = app
        .ship_order(&manager, &modest.number, &orders::ship(&[(1, 7, "")]))
        .await
        .unwrap();
    assert_eq!(done.status, "completed");
    assert_eq!(db.count(credited).await, 3_333);
    assert_eq!(db.count(owed).await, 100_000 - 3_333);
    assert_eq!(
        db.count(
            "SELECT CAST(SUM(amount_minor) AS BIGINT) FROM sellin_lines WHERE source = 'shipment'"
        )
        .await,
        100_000
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM sellin_lines WHERE source = 'allowance'")
            .await,
        0
    );
}

async fn incentive_balances_staff_movements_and_who_sees_them(db: TestDb) {
    let (app, manager, buyer) = orders::setup(&db).await;
    paid_quarter(&db, &app, &manager).await;
    app.create_user(&system(), &user("p2.user", "partner_user", Some("P2")))
        .await
        .unwrap();
    app.create_user(&system(), &user("stranger", "channel_manager", None))
        .await
        .unwrap();
    let p2 = app.caller_by_login("p2.user").await.unwrap();
    let stranger = app.caller_by_login("stranger").await.unwrap();

    // Another partner reads its own balances whatever it names; a manager
    // without P1 in scope does not find it.
    assert_eq!(
        app.incentive_balances(&p2, Some("P1"))
            .await
            .unwrap()
            .partner,
        "P2"
    );
    assert!(matches!(
        app.incentive_balances(&stranger, Some("P1")).await,
        Err(AppError::NotFound(_))
    ));
    // Partners never record movements.
    let spend = MovementInput {
        form: "wallet".into(),
        kind: "spent".into(),
        amount: "100".into(),
        reason: "展会物料".into(),
    };
    assert!(matches!(
        app.record_balance_movement(&buyer, "P1", &spend).await,
        Err(AppError::Forbidden)
    ));

    // Bad input names every field and writes nothing.
    let moves = "SELECT COUNT(*) FROM incentive_balance_movements";
    let before = db.count(moves).await;
    let bad = MovementInput {
        form: "cash".into(),
        kind: "spent".into(),
        amount: "-5".into(),
        reason: " ".into(),
    };
    let err = app
        .record_balance_movement(&manager, "P1", &bad)
        .await
        .unwrap_err();
    let AppError::Invalid(problems) = err else {
        panic!("{err:?}")
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
    assert_eq!(fields, ["form", "reason", "amount"]);
    assert_eq!(db.count(moves).await, before);

    // A spend with its reason lowers the balance.
    let view = app
        .record_balance_movement(&manager, "P1", &spend)
        .await
        .unwrap();
    assert_eq!(balance_of(&view, "wallet"), 990_000);
    assert_eq!(view.movements[0].reason.as_deref(), Some("展会物料"));
    assert_eq!(view.movements[0].amount, -10_000);
}
