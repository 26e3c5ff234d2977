//! Stories of incentive points, on both backends: a program with points
//! and a 2× points factor on coffee is run, approved and paid, and each
//! partner earns the expected points; paying again is refused; a late
//! return, a new run and its settlement earn negative points; redeeming
//! more than is available is refused and writes nothing; points expire
//! `expire_months` after they were earned (read as of explicit dates);
//! another partner never sees them.

#![allow(clippy::wildcard_imports)]

use chrono::{Datelike, Days, Months, NaiveDate};
use qudao_app::incentive_points::{PointsInput, PointsView};
use qudao_app::incentive_runs::RunRequest;
use qudao_app::incentives::DocumentFormat;
use qudao_domain::Problem;

use super::*;

on_both_backends!(
    incentive_points_are_earned_netted_redeemed_and_expire,
    incentive_points_staff_input_and_who_sees_them,
);

/// A flat 1% cash rebate of `year` whose coffee earns points twice: a
/// point per ¥100, living 12 months.
fn with_points(year: i32) -> String {
    format!(
        r#"{{
  "kind": "rebate", "code": "PT", "name": "积分返利", "version": 1,
  "currency": "CNY", "effective_from": "{year}-01-01", "effective_to": "{year}-12-31",
  "period": "quarter",
  "scope": {{ "partner_types": ["distributor"] }},
  "base": {{ "measure": "sell_in_net" }},
  "mode": "flat", "rate": "1%",
  "multipliers": [{{ "skus": ["COF-1"], "points_factor": "2" }}],
  "stacking": {{ "rule": "stacks", "order": 10 }},
  "payout": {{ "form": "cash" }},
  "points": {{ "per": "100.00", "expire_months": 12 }}
}}"#
    )
}

async fn sold(db: &TestDb, partner: &str, sku: &str, on: NaiveDate, qty: i64, minor: i64) {
    db.raw(&format!(
        "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
         source, created_at) SELECT p.id, g.id, '{on}', {qty}, {minor}, 'CNY', 'import', \
         '2026-01-01T00:00:00+00:00' FROM partners p, products g \
         WHERE p.code = '{partner}' AND g.sku = '{sku}'"
    ))
    .await;
}

struct Paid {
    app: Qudao,
    manager: Caller,
    fin: Caller,
    period: String,
    run: i64,
}

/// Last year's third quarter run and paid: P1 bought ¥60,000 of tea and
/// ¥40,000 of coffee, P2 ¥50,000 of tea.
async fn paid_quarter(db: &TestDb) -> Paid {
    let (app, manager, _) = orders::setup(db).await;
    app.create_user(&system(), &user("fin", "finance", None))
        .await
        .unwrap();
    let fin = app.caller_by_login("fin").await.unwrap();
    let year = qudao_app::today().year() - 1;
    let on = NaiveDate::from_ymd_opt(year, 8, 15).unwrap();
    sold(db, "P1", "TEA-1", on, 600, 6_000_000).await;
    sold(db, "P1", "COF-1", on, 500, 4_000_000).await;
    sold(db, "P2", "TEA-1", on, 500, 5_000_000).await;
    let saved = app
        .save_program(&manager, &with_points(year), DocumentFormat::Json)
        .await
        .unwrap();
    assert!(saved.ok(), "{:?}", saved.problems);
    app.activate_program(&manager, "PT", 1).await.unwrap();
    let period = format!("{year}-Q3");
    let run = pay(&app, &manager, &fin, &period).await;
    Paid {
        app,
        manager,
        fin,
        period,
        run,
    }
}

async fn pay(app: &Qudao, manager: &Caller, fin: &Caller, period: &str) -> i64 {
    let run = app
        .run_incentives(
            manager,
            &RunRequest {
                period: period.to_owned(),
                programs: vec!["PT".into()],
                dry_run: false,
            },
        )
        .await
        .unwrap();
    let id = run.run.id.unwrap();
    app.approve_incentive_run(fin, id).await.unwrap();
    app.pay_incentive_run(fin, id).await.unwrap();
    id
}

fn kinds(view: &PointsView) -> Vec<(&str, i64)> {
    view.movements
        .iter()
        .map(|m| (m.kind.as_str(), m.points))
        .collect()
}

async fn incentive_points_are_earned_netted_redeemed_and_expire(db: TestDb) {
    let Paid {
        app,
        manager,
        fin,
        period,
        run,
    } = paid_quarter(&db).await;

    // (¥100,000 + ¥40,000 of coffee once more) / ¥100 = 1,400 points,
    // shown on the result; P2's ¥50,000 of tea, 500.
    let explained = app
        .incentive_explanation(&manager, run, "P1")
        .await
        .unwrap();
    assert_eq!(explained.results[0].points, Some(1_400));
    let p1 = app
        .incentive_points(&manager, Some("P1"), None)
        .await
        .unwrap();
    assert_eq!(
        (p1.partner_name.as_str(), p1.available),
        ("P1 有限公司", 1_400)
    );
    assert_eq!(kinds(&p1), [("earned", 1_400)]);
    let earned = &p1.movements[0];
    assert_eq!(
        (
            earned.program_name.as_deref(),
            earned.period.as_deref(),
            earned.run_id
        ),
        (Some("积分返利"), Some(period.as_str()), Some(run))
    );
    let p2 = app
        .incentive_points(&manager, Some("P2"), None)
        .await
        .unwrap();
    assert_eq!(p2.available, 500);

    // Paying again is refused and earns nothing more.
    let moves = "SELECT COUNT(*) FROM incentive_point_movements";
    assert_eq!(db.count(moves).await, 2);
    assert!(app.pay_incentive_run(&fin, run).await.is_err());
    assert_eq!(db.count(moves).await, 2);

    // A late return of ¥10,000 of coffee: 1,200 points now, so the next
    // settlement earns −200; P2's result did not change and earns nothing.
    let year = period[..4].parse().unwrap();
    let late = NaiveDate::from_ymd_opt(year, 9, 20).unwrap();
    sold(&db, "P1", "COF-1", late, -125, -1_000_000).await;
    tokio::time::sleep(qudao_app::analytics::POLL + std::time::Duration::from_millis(200)).await;
    pay(&app, &manager, &fin, &period).await;
    let p1 = app
        .incentive_points(&manager, Some("P1"), None)
        .await
        .unwrap();
    assert_eq!(kinds(&p1), [("earned", -200), ("earned", 1_400)]);
    assert_eq!(p1.available, 1_200);
    assert_eq!(db.count(moves).await, 3);

    // Redeeming more than is available is refused at the field and
    // writes nothing.
    let redeem = |points: &str| PointsInput {
        kind: "redeemed".into(),
        points: points.into(),
        reason: "兑换礼品".into(),
    };
    let err = app
        .record_points_movement(&manager, "P1", &redeem("1201"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AppError::Invalid(ref p) if p[0].field == "points"
                && p[0].problem == Problem::Conflict { rule: "points_over_available", with: "1200".into() }
        ),
        "{err:?}"
    );
    assert_eq!(db.count(moves).await, 3);
    let view = app
        .record_points_movement(&manager, "P1", &redeem("200"))
        .await
        .unwrap();
    assert_eq!(view.available, 1_000);
    assert_eq!(view.movements[0].reason.as_deref(), Some("兑换礼品"));

    // Everything was earned today in one lot living 12 months: ten days
    // before, 1,000 expire soon; on the day they are gone.
    let today = qudao_app::today();
    let expiry = today.checked_add_months(Months::new(12)).unwrap();
    let before = app
        .incentive_points(&manager, Some("P1"), Some(expiry - Days::new(10)))
        .await
        .unwrap();
    assert_eq!(before.available, 1_000);
    assert_eq!(
        (before.expiring_soon_total, before.expiring_soon[0].on),
        (1_000, expiry)
    );
    assert_eq!(before.lots[0].left, 1_000);
    let after = app
        .incentive_points(&manager, Some("P1"), Some(expiry))
        .await
        .unwrap();
    assert_eq!((after.available, after.expired_total), (0, 1_000));
    assert_eq!(after.movements[0].kind, "expired");
    assert_eq!(after.movements[0].points, -1_000);
    // Reading wrote nothing.
    assert_eq!(db.count(moves).await, 4);
}

async fn incentive_points_staff_input_and_who_sees_them(db: TestDb) {
    let Paid { app, manager, .. } = paid_quarter(&db).await;
    app.create_user(&system(), &user("p2.user", "partner_user", Some("P2")))
        .await
        .unwrap();
    app.create_user(&system(), &user("stranger", "channel_manager", None))
        .await
        .unwrap();
    let p2 = app.caller_by_login("p2.user").await.unwrap();
    let stranger = app.caller_by_login("stranger").await.unwrap();

    // Another partner reads its own points whatever it names; a manager
    // without P1 in scope does not find it; partners record nothing.
    let theirs = app.incentive_points(&p2, Some("P1"), None).await.unwrap();
    assert_eq!((theirs.partner.as_str(), theirs.available), ("P2", 500));
    assert!(matches!(
        app.incentive_points(&stranger, Some("P1"), None).await,
        Err(AppError::NotFound(_))
    ));
    let adjust = PointsInput {
        kind: "adjusted".into(),
        points: "-20".into(),
        reason: "更正".into(),
    };
    assert!(matches!(
        app.record_points_movement(&p2, "P2", &adjust).await,
        Err(AppError::Forbidden)
    ));

    // Bad input names every field and writes nothing.
    let moves = "SELECT COUNT(*) FROM incentive_point_movements";
    let before = db.count(moves).await;
    let bad = PointsInput {
        kind: "bogus".into(),
        points: "1.5".into(),
        reason: " ".into(),
    };
    let err = app
        .record_points_movement(&manager, "P1", &bad)
        .await
        .unwrap_err();
    let AppError::Invalid(problems) = err else {
        panic!("{err:?}")
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
    assert_eq!(fields, ["kind", "points", "reason"]);
    assert_eq!(db.count(moves).await, before);
    let err = app
        .record_points_movement(
            &manager,
            "P1",
            &PointsInput {
                kind: "earned".into(),
                points: "5".into(),
                reason: "x".into(),
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(ref p) if p[0].field == "kind"),
        "{err:?}"
    );

    // An adjustment may take points below what a redemption could.
    let view = app
        .record_points_movement(&manager, "P1", &adjust)
        .await
        .unwrap();
    assert_eq!(view.available, 1_380);
    assert_eq!(view.movements[0].kind, "adjusted");
}
