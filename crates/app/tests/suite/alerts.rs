//! Stories of the alert job: what it raises with its figures, that it
//! raises a cause once, acknowledgement, who sees what, and that one of
//! two claims of a day's job wins, on both backends.

#![allow(clippy::wildcard_imports)]

use qudao_app::alerts::AlertQuery;
use qudao_app::receivables::OpeningInvoiceInput;
use qudao_domain::Problem;
use qudao_domain::alerts::{AlertKind, AlertNumber};
use qudao_domain::periods::Month;

use super::*;

on_both_backends!(
    alerts_are_raised_once_with_their_figures_and_acknowledged_with_a_note,
    alerts_are_internal_and_in_the_callers_scope,
    alerts_bad_thresholds_write_nothing,
    alerts_two_claims_of_the_days_job_one_wins,
);

const AT: &str = "'2026-01-01T00:00:00+00:00'";

fn day(offset: i64) -> chrono::NaiveDate {
    qudao_app::today() + chrono::Duration::days(offset)
}

/// P1 (owner's) last bought 75 days ago and sold those 5 units 3 days ago:
/// out of stock. P2 (owner's) owes 5,000 due 40 days ago. P3 (other's)
/// last bought 80 days ago and holds the 5 units it bought, unsold:
/// overstock.
async fn setup(db: &TestDb) -> Qudao {
    let app = db.app().await;
    for (login, role, partner) in [
        ("owner", "channel_manager", None),
        ("other", "channel_manager", None),
        ("fin", "finance", None),
    ] {
        app.create_user(&system(), &user(login, role, partner))
            .await
            .unwrap();
    }
    for (code, owner) in [("P1", "owner"), ("P2", "owner"), ("P3", "other")] {
        app.create_partner(&system(), &partner(code, "distributor", None, Some(owner)))
            .await
            .unwrap();
    }
    app.create_user(&system(), &user("puser", "partner_user", Some("P1")))
        .await
        .unwrap();
    tea_product(db).await;
    for (code, days_ago) in [("P1", 75), ("P3", 80)] {
        db.raw(&format!(
            "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
             source, created_at) SELECT p.id, g.id, '{}', 5, 50000, 'CNY', 'import', {AT} \
             FROM partners p, products g WHERE p.code = '{code}' AND g.sku = 'TEA-1'",
            day(-days_ago)
        ))
        .await;
    }
    app.load_builtin_regions().await.unwrap();
    app.create_authorization(
        &system(),
        &qudao_app::territories::AuthorizationInput {
            partner_code: "P1".into(),
            region_code: "310000".into(),
            product_line: "TEA".into(),
            mode: "intensive".into(),
            valid_from: day(-400).to_string(),
            valid_to: day(400).to_string(),
        },
    )
    .await
    .unwrap();
    let sold = app
        .import(
            &system(),
            qudao_app::imports::ImportKind::parse("sell-through").unwrap(),
            "sold.csv",
            format!(
                "partner_code,date,sku,qty,amount,customer_region\nP1,{},TEA-1,5,500,310000\n",
                day(-3)
            )
            .as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert!(sold.ok(), "{:?}", sold.errors);
    let fin = app.caller_by_login("fin").await.unwrap();
    app.record_opening_invoice(
        &fin,
        &OpeningInvoiceInput {
            partner: "P2".into(),
            number: "INV-OLD-1".into(),
            currency: "CNY".into(),
            amount: "5000".into(),
            issued_on: day(-100).to_string(),
            due_on: day(-40).to_string(),
        },
    )
    .await
    .unwrap();
    app
}

fn figure(view: &qudao_app::alerts::AlertView, name: &str) -> AlertNumber {
    view.figures
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("{name} in {:?}", view.figures))
        .number
        .clone()
}

async fn all(
    app: &Qudao,
    caller: &Caller,
    status: Option<&str>,
) -> Vec<qudao_app::alerts::AlertView> {
    app.alerts(
        caller,
        &AlertQuery {
            status: status.map(str::to_owned),
            ..AlertQuery::default()
        },
        PageRequest::new(None, None),
    )
    .await
    .unwrap()
    .items
}

async fn alerts_are_raised_once_with_their_figures_and_acknowledged_with_a_note(db: TestDb) {
    let app = setup(&db).await;
    let first = app.run_alerts(&system(), &[]).await.unwrap();
    assert_eq!((first.partners, first.raised, first.known), (3, 5, 0));
    let raised = all(&app, &system(), Some("open")).await;
    let of = |code: &str, kind: AlertKind| {
        raised
            .iter()
            .find(|a| a.partner_code == code && a.kind == kind)
            .unwrap_or_else(|| panic!("{code} {kind:?} in {raised:?}"))
    };
    let dormant = of("P1", AlertKind::Dormant);
    assert_eq!(dormant.partner_name, "P1 有限公司");
    assert_eq!(dormant.cause, format!("dormant:P1:{}", day(-75)));
    assert_eq!(figure(dormant, "days"), AlertNumber::Days(75));
    assert_eq!(
        figure(dormant, "last_order_on"),
        AlertNumber::Date(day(-75))
    );
    assert_eq!(figure(dormant, "threshold_days"), AlertNumber::Days(60));
    let overdue = of("P2", AlertKind::Overdue);
    assert_eq!(overdue.cause, "overdue:P2:INV-OLD-1");
    assert_eq!(figure(overdue, "amount").to_string(), "5000.00 CNY");
    assert_eq!(figure(overdue, "oldest_days"), AlertNumber::Days(40));
    assert_eq!(figure(overdue, "invoices"), AlertNumber::Count(1));
    let overstock = of("P3", AlertKind::Overstock);
    assert_eq!(figure(overstock, "on_hand"), AlertNumber::Units(5));
    assert_eq!(figure(overstock, "sold"), AlertNumber::Units(0));
    let stock_out = of("P1", AlertKind::StockOut);
    assert_eq!(
        stock_out.cause,
        format!("stock_out:P1:{}", Month::of(day(0)))
    );
    assert_eq!(figure(stock_out, "products"), AlertNumber::Count(1));
    assert_eq!(figure(stock_out, "on_hand"), AlertNumber::Units(0));
    assert_eq!(
        figure(stock_out, "last_sold_on"),
        AlertNumber::Date(day(-3))
    );
    // A product's alert names the product, read with its names.
    assert_eq!(
        overstock
            .product
            .as_ref()
            .map(|p| (p.sku.as_str(), p.name.as_str(), p.name_en.as_str())),
        Some(("TEA-1", "龙井", "Longjing"))
    );
    assert_eq!(dormant.product, None);

    // The same facts again: nothing new, each cause stays one alert.
    let again = app.run_alerts(&system(), &[]).await.unwrap();
    assert_eq!((again.raised, again.known), (0, 5));
    assert_eq!(all(&app, &system(), None).await.len(), 5);
    // A threshold above the silence: P1 is no longer dormant this run.
    let longer = app
        .run_alerts(&system(), &["alert_dormant_days=90".to_owned()])
        .await
        .unwrap();
    assert_eq!((longer.raised, longer.known), (0, 3));

    let owner = app.caller_by_login("owner").await.unwrap();
    let id = dormant.id;
    for (note, problem) in [
        ("  ", Problem::Required),
        (&*"x".repeat(501), Problem::TooLong { max: 500 }),
    ] {
        match app.acknowledge_alert(&owner, id, note).await {
            Err(AppError::Invalid(found)) => {
                assert_eq!(found[0].field, "note");
                assert_eq!(found[0].problem, problem);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(all(&app, &owner, Some("acknowledged")).await.len(), 0);
    let done = app
        .acknowledge_alert(&owner, id, "called them, order next week")
        .await
        .unwrap();
    let ack = done.acknowledged.unwrap();
    assert_eq!(
        (ack.by.as_str(), ack.note.as_str()),
        ("owner", "called them, order next week")
    );
    match app.acknowledge_alert(&owner, id, "again").await {
        Err(AppError::Invalid(found)) => assert!(
            matches!(
                found[0].problem,
                Problem::Conflict {
                    rule: "alert_already_acknowledged",
                    ..
                }
            ),
            "{found:?}"
        ),
        other => panic!("{other:?}"),
    }
    let acknowledged = all(&app, &owner, Some("acknowledged")).await;
    assert_eq!(acknowledged.iter().map(|a| a.id).collect::<Vec<_>>(), [id]);
    assert_eq!(all(&app, &owner, Some("open")).await.len(), 2);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'acknowledge'")
            .await,
        1
    );
}

async fn alerts_are_internal_and_in_the_callers_scope(db: TestDb) {
    let app = setup(&db).await;
    app.run_alerts(&system(), &[]).await.unwrap();
    let owner = app.caller_by_login("owner").await.unwrap();
    let mut seen: Vec<String> = all(&app, &owner, None)
        .await
        .into_iter()
        .map(|a| a.partner_code)
        .collect();
    seen.sort();
    assert_eq!(seen, ["P1", "P1", "P2"]);
    let other = app.caller_by_login("other").await.unwrap();
    let theirs = all(&app, &other, None).await;
    assert_eq!(theirs.len(), 2);
    assert!(theirs.iter().all(|a| a.partner_code == "P3"));
    // Another manager's alert does not exist for this one.
    let p1 = all(&app, &owner, None)
        .await
        .into_iter()
        .find(|a| a.partner_code == "P1" && a.kind == AlertKind::Dormant)
        .unwrap();
    assert!(matches!(
        app.acknowledge_alert(&other, p1.id, "not mine").await,
        Err(AppError::NotFound("alert"))
    ));
    let filtered = app
        .alerts(
            &owner,
            &AlertQuery {
                kind: Some("overdue".into()),
                partner: Some("P2".into()),
                status: Some("all".into()),
            },
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(filtered.total, 1);
    assert!(matches!(
        app.alerts(
            &owner,
            &AlertQuery {
                partner: Some("P3".into()),
                ..AlertQuery::default()
            },
            PageRequest::new(None, None)
        )
        .await,
        Err(AppError::NotFound("partner"))
    ));

    let partner_user = app.caller_by_login("puser").await.unwrap();
    for refused in [
        app.alerts(
            &partner_user,
            &AlertQuery::default(),
            PageRequest::new(None, None),
        )
        .await
        .map(|_| ()),
        app.acknowledge_alert(&partner_user, p1.id, "mine")
            .await
            .map(|_| ()),
        app.run_alerts(&partner_user, &[]).await.map(|_| ()),
    ] {
        assert!(matches!(refused, Err(AppError::Forbidden)), "{refused:?}");
    }
}

async fn alerts_bad_thresholds_write_nothing(db: TestDb) {
    let app = setup(&db).await;
    let given = [
        "alert_dormant_days=0".to_owned(),
        "alert_nope=3".to_owned(),
        "alert_overdue_days".to_owned(),
    ];
    match app.run_alerts(&system(), &given).await {
        Err(AppError::Invalid(found)) => {
            let fields: Vec<&str> = found.iter().map(|e| e.field).collect();
            assert_eq!(
                fields,
                ["alert_threshold", "alert_dormant_days", "alert_threshold"]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(db.count("SELECT COUNT(*) FROM alerts").await, 0);
}

async fn alerts_two_claims_of_the_days_job_one_wins(db: TestDb) {
    let app = setup(&db).await;
    let other_node = db.app().await;
    let today = qudao_app::today();
    let (a, b) = tokio::join!(
        app.claim_alert_job("node-a", today),
        other_node.claim_alert_job("node-b", today)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a ^ b, "exactly one claim wins: {a} {b}");
    assert!(!app.claim_alert_job("node-a", today).await.unwrap());
    assert!(app.claim_alert_job("node-a", day(1)).await.unwrap());
    // The server's daily run: today's job is taken, so it does nothing.
    assert_eq!(app.run_daily_alerts("node-c").await.unwrap(), None);
    assert_eq!(db.count("SELECT COUNT(*) FROM alerts").await, 0);

    // A claim left unfinished past the expiry (its node died mid-run) is
    // taken over by the next try, which runs the job and finishes it; a
    // finished run is never taken over, however old.
    let age = |at: &str| format!("UPDATE jobs SET claimed_at = '{at}' WHERE run_on = '{today}'");
    db.raw(&age("2020-01-01T00:00:00+00:00")).await;
    let report = app.run_daily_alerts("node-d").await.unwrap();
    assert_eq!(report.map(|r| r.raised), Some(5));
    db.raw(&age("2020-01-01T00:00:00+00:00")).await;
    assert_eq!(app.run_daily_alerts("node-e").await.unwrap(), None);
}
