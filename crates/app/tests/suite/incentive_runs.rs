//! Stories of incentive runs: a quarter's retroactive rebate computed from
//! the facts and targets, shown as a dry run that writes nothing, written,
//! re-run without change, approved by finance only, paid once; a late
//! return after payment computed by the next run and settled as a
//! clawback that references the first settlement; a commission's clawback
//! of what was not collected in time; the partner's own statement; and
//! every refusal writing nothing, on both backends.

#![allow(clippy::wildcard_imports)]

use chrono::{Datelike, NaiveDate};
use qudao_app::incentive_runs::{RunDetail, RunRequest};
use qudao_app::incentives::DocumentFormat;
use qudao_domain::Problem;
use qudao_domain::incentives::Step;

use super::*;

on_both_backends!(
    incentive_runs_compute_approve_pay_and_net_a_late_return,
    incentive_runs_a_rerun_shows_a_late_return_before_it_is_accepted,
    incentive_runs_refusals_write_nothing,
    incentive_runs_a_commission_credits_the_owner_its_share,
    incentive_runs_the_watchlist_names_who_is_near_the_next_bracket,
    incentive_runs_a_penalty_applies_after_the_cap_and_never_below_zero,
    incentive_runs_a_data_quality_floor_is_judged_on_the_months_due,
);

/// The distributors' quarterly rebate of the year `year`: 1% from 0, 2%
/// from 80% of target, 3% from 100%, paid into the rebate wallet.
fn rebate(year: i32) -> String {
    format!(
        r#"{{
  "kind": "rebate", "code": "RB-Q", "name": "经销商季度返利", "version": 1,
  "currency": "CNY", "effective_from": "{year}-01-01", "effective_to": "{year}-12-31",
  "period": "quarter",
  "scope": {{ "partner_types": ["distributor"] }},
  "base": {{ "measure": "sell_in_net" }},
  "mode": "retroactive",
  "brackets": [{{ "from": "0%", "rate": "1%" }}, {{ "from": "80%", "rate": "2%" }}, {{ "from": "100%", "rate": "3%" }}],
  "stacking": {{ "rule": "stacks", "order": 10 }},
  "payout": {{ "form": "wallet", "max_share_per_order": "20%" }}
}}"#
    )
}

pub(super) async fn sold(db: &TestDb, partner: &str, on: NaiveDate, qty: i64, minor: i64) {
    db.raw(&format!(
        "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
         source, created_at) SELECT p.id, g.id, '{on}', {qty}, {minor}, 'CNY', 'import', \
         '2026-01-01T00:00:00+00:00' FROM partners p, products g \
         WHERE p.code = '{partner}' AND g.sku = 'TEA-1'"
    ))
    .await;
}

/// Last year's third quarter: P1 bought ¥100,000 against a ¥100,000
/// target, P2 ¥50,000 against ¥100,000; P3 has neither.
pub(super) async fn last_years_quarter(db: &TestDb, app: &Qudao, mgr: &Caller) -> (i32, String) {
    let year = qudao_app::today().year() - 1;
    let on = NaiveDate::from_ymd_opt(year, 8, 15).unwrap();
    sold(db, "P1", on, 1000, 10_000_000).await;
    sold(db, "P2", on, 500, 5_000_000).await;
    rebate_in_force_with_targets(app, mgr, year).await;
    (year, format!("{year}-Q3"))
}

/// RB-Q in force for `year`, and ¥100,000 approved targets for P1 and P2
/// in its third quarter.
pub(super) async fn rebate_in_force_with_targets(app: &Qudao, mgr: &Caller, year: i32) {
    let period = format!("{year}-Q3");
    for code in ["P1", "P2"] {
        let set = app
            .set_target(
                mgr,
                &qudao_app::targets::TargetInput {
                    period: period.clone(),
                    subject_type: "partner".into(),
                    subject_code: Some(code.into()),
                    measure: "sell_in_amount".into(),
                    product_line: None,
                    value: "100000".into(),
                    version: None,
                },
            )
            .await
            .unwrap();
        app.approve_target(mgr, set.id).await.unwrap();
    }
    let saved = app
        .save_program(mgr, &rebate(year), DocumentFormat::Json)
        .await
        .unwrap();
    assert!(saved.ok(), "{:?}", saved.problems);
    app.activate_program(mgr, "RB-Q", 1).await.unwrap();
}

/// P1 returns ¥20,000 of `year`'s third quarter, written beside the app:
/// seen at the engine's next poll, which this waits for.
async fn late_return(db: &TestDb, year: i32) {
    sold(
        db,
        "P1",
        NaiveDate::from_ymd_opt(year, 9, 20).unwrap(),
        -200,
        -2_000_000,
    )
    .await;
    tokio::time::sleep(qudao_app::analytics::POLL + std::time::Duration::from_millis(200)).await;
}

fn request(period: &str, dry_run: bool) -> RunRequest {
    RunRequest {
        period: period.into(),
        programs: vec!["RB-Q".into()],
        dry_run,
    }
}

fn amounts(run: &RunDetail) -> Vec<(&str, i64, Option<&str>, Option<u32>)> {
    let mut rows: Vec<_> = run
        .results
        .iter()
        .map(|r| {
            (
                r.code.as_str(),
                r.payable,
                r.attainment.as_deref(),
                r.bracket,
            )
        })
        .collect();
    rows.sort();
    rows
}

/// P1's ledger as its statement lists it: kind, amount, reference.
async fn ledger(app: &Qudao) -> Vec<(String, i64, Option<i64>)> {
    app.incentive_statement(&system(), Some("P1"))
        .await
        .unwrap()
        .ledger
        .into_iter()
        .map(|l| (l.kind, l.amount, l.references))
        .collect()
}

/// A return after the run was calculated, before finance approved it: the
/// re-run first shows what it would change and writes nothing; accepted,
/// the run holds the new results.
async fn incentive_runs_a_rerun_shows_a_late_return_before_it_is_accepted(db: TestDb) {
    let app = scorecards::setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let (year, period) = last_years_quarter(&db, &app, &mgr).await;
    let run = app
        .run_incentives(&mgr, &request(&period, false))
        .await
        .unwrap();
    let id = run.run.id.unwrap();
    assert_eq!(run.run.total, 350_000);

    // ¥20,000 comes back: P1 falls from 100% (3%) to 80% (2%).
    late_return(&db, year).await;
    let shown = app.rerun_incentives(&mgr, id, false).await.unwrap();
    assert!(!shown.accepted);
    assert_eq!((shown.total_before, shown.total_after), (350_000, 210_000));
    let changed: Vec<_> = shown
        .differences
        .iter()
        .map(|d| {
            (
                d.code.as_str(),
                d.program_code.as_str(),
                d.before,
                d.after,
                d.change,
            )
        })
        .collect();
    assert_eq!(changed, [("P1", "RB-Q", 300_000, 160_000, -140_000)]);
    assert_eq!(shown.differences[0].change_shown, "-¥1,400.00");
    let kept = app.incentive_run(&mgr, id).await.unwrap();
    assert_eq!(
        amounts(&kept)[0],
        ("P1", 300_000, Some("1.000000"), Some(3))
    );

    let accepted = app.rerun_incentives(&mgr, id, true).await.unwrap();
    assert!(accepted.accepted);
    let now = app.incentive_run(&mgr, id).await.unwrap();
    assert_eq!(now.run.total, 210_000);
    assert_eq!(amounts(&now)[0], ("P1", 160_000, Some("0.800000"), Some(2)));
}

async fn incentive_runs_compute_approve_pay_and_net_a_late_return(db: TestDb) {
    let app = scorecards::setup(&db).await;
    app.create_user(&system(), &user("fin", "finance", None))
        .await
        .unwrap();
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let fin = app.caller_by_login("fin").await.unwrap();
    let (_, period) = last_years_quarter(&db, &app, &mgr).await;

    // A dry run shows the result and writes nothing.
    let dry = app
        .run_incentives(&system(), &request(&period, true))
        .await
        .unwrap();
    assert_eq!(dry.run.id, None);
    assert_eq!(
        amounts(&dry),
        [
            ("P1", 300_000, Some("1.000000"), Some(3)),
            ("P2", 50_000, Some("0.500000"), Some(1)),
        ]
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM incentive_runs").await, 0);

    let run = app
        .run_incentives(&mgr, &request(&period, false))
        .await
        .unwrap();
    let id = run.run.id.unwrap();
    assert_eq!(
        (run.run.status.as_str(), run.run.provisional),
        ("calculated", false)
    );
    assert_eq!((run.run.total, run.run.subjects), (350_000, 2));
    // The manager sees its own partners' results; P1's trace says why.
    let p1 = app.incentive_explanation(&mgr, id, "P1").await.unwrap();
    let trace = &p1.results[0].trace;
    assert!(
        trace
            .iter()
            .any(|s| matches!(s, Step::Bracket { index: 2, .. }))
    );
    assert!(matches!(
        trace.last(),
        Some(Step::Rounded {
            amount: 300_000,
            ..
        })
    ));

    // Unchanged facts: a re-run changes nothing.
    let same = app.rerun_incentives(&mgr, id, false).await.unwrap();
    assert!(same.differences.is_empty());
    assert_eq!((same.total_before, same.total_after), (350_000, 350_000));

    // Only finance approves; then it cannot be computed again.
    assert!(matches!(
        app.approve_incentive_run(&mgr, id).await,
        Err(AppError::Forbidden)
    ));
    app.approve_incentive_run(&fin, id).await.unwrap();
    assert!(app.rerun_incentives(&mgr, id, false).await.is_err());
    let paid = app.pay_incentive_run(&fin, id).await.unwrap();
    assert_eq!(paid.run.status, "paid");
    // Paying twice is refused.
    let twice = app.pay_incentive_run(&fin, id).await.unwrap_err();
    assert!(matches!(
        twice,
        AppError::Invalid(ref p) if matches!(p[0].problem, Problem::Conflict { rule: "incentive_run_already_paid", .. })
    ));
    assert_eq!(
        ledger(&app).await,
        [
            ("earned".into(), 300_000, None),
            ("settled".into(), 300_000, None)
        ]
    );

    // A late return of ¥20,000 after payment: P1 falls to 80%, 2%.
    late_return(&db, period[..4].parse().unwrap()).await;
    let next = app
        .run_incentives(&mgr, &request(&period, false))
        .await
        .unwrap();
    let next_id = next.run.id.unwrap();
    assert_eq!(
        amounts(&next)[0],
        ("P1", 160_000, Some("0.800000"), Some(2))
    );
    app.approve_incentive_run(&fin, next_id).await.unwrap();
    app.pay_incentive_run(&fin, next_id).await.unwrap();
    let entries = ledger(&app).await;
    let first_settlement = db
        .count(
            "SELECT MIN(l.id) FROM incentive_ledger l JOIN partners p ON p.id = l.partner_id \
             WHERE p.code = 'P1' AND kind = 'settled'",
        )
        .await;
    assert_eq!(
        entries[2..],
        [
            ("earned".into(), -140_000, None),
            ("settled".into(), -140_000, Some(first_settlement)),
        ]
    );

    // P1's own user reads P1's statement only: the latest result, settled.
    let puser = app.caller_by_login("puser").await.unwrap();
    let statement = app.incentive_statement(&puser, Some("P2")).await.unwrap();
    assert_eq!(statement.code, "P1");
    assert_eq!(statement.lines.len(), 1);
    let line = &statement.lines[0];
    assert_eq!(
        (
            line.run_id,
            line.result.payable,
            line.earned,
            line.settled,
            line.owed
        ),
        (next_id, 160_000, 160_000, 160_000, 0)
    );
    assert_eq!(statement.ledger.len(), 4);
    // A partner reads no run, and no other partner's result.
    assert!(matches!(
        app.incentive_runs(&puser, None).await,
        Err(AppError::Forbidden)
    ));
}

async fn incentive_runs_refusals_write_nothing(db: TestDb) {
    let app = scorecards::setup(&db).await;
    app.create_user(&system(), &user("fin", "finance", None))
        .await
        .unwrap();
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let fin = app.caller_by_login("fin").await.unwrap();
    let rep = app.caller_by_login("rep1").await.unwrap();
    let (year, period) = last_years_quarter(&db, &app, &mgr).await;
    let problem = |e: AppError| match e {
        AppError::Invalid(p) => p[0].problem.clone(),
        other => panic!("expected a problem, got {other:?}"),
    };

    // A rep does not run incentives.
    assert!(matches!(
        app.run_incentives(&rep, &request(&period, false)).await,
        Err(AppError::Forbidden)
    ));
    // An unknown program, a month the quarterly program is not computed
    // for, and a period that is not a period.
    let unknown = RunRequest {
        programs: vec!["NOPE".into()],
        ..request(&period, false)
    };
    assert_eq!(
        problem(app.run_incentives(&mgr, &unknown).await.unwrap_err()),
        Problem::Conflict {
            rule: "incentive_program_not_in_force",
            with: "NOPE".into()
        }
    );
    let month = request(&format!("{year}-08"), false);
    assert!(matches!(
        problem(app.run_incentives(&mgr, &month).await.unwrap_err()),
        Problem::Conflict {
            rule: "program_period_kind",
            ..
        }
    ));
    assert!(
        app.run_incentives(&mgr, &request("2026-Q5", false))
            .await
            .is_err()
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM incentive_runs").await, 0);

    // This quarter has not ended: the run is provisional, finance cannot
    // approve it, and the ledger stays empty.
    let this_year = year + 1;
    app.save_program(
        &mgr,
        &rebate(this_year).replace("RB-Q", "RB-NOW"),
        DocumentFormat::Json,
    )
    .await
    .unwrap();
    app.activate_program(&mgr, "RB-NOW", 1).await.unwrap();
    let today = qudao_app::today();
    let quarter = format!("{this_year}-Q{}", (today.month() - 1) / 3 + 1);
    sold(&db, "P1", today, 10, 100_000).await;
    let open = app
        .run_incentives(
            &mgr,
            &RunRequest {
                period: quarter,
                programs: vec!["RB-NOW".into()],
                dry_run: false,
            },
        )
        .await
        .unwrap();
    assert!(open.run.provisional);
    let id = open.run.id.unwrap();
    assert_eq!(
        problem(app.approve_incentive_run(&fin, id).await.unwrap_err()),
        Problem::Conflict {
            rule: "incentive_run_provisional",
            with: open.run.period.clone()
        }
    );
    // Paying a run not approved is refused.
    assert!(matches!(
        problem(app.pay_incentive_run(&fin, id).await.unwrap_err()),
        Problem::Conflict {
            rule: "incentive_run_not_approved",
            ..
        }
    ));
    assert_eq!(db.count("SELECT COUNT(*) FROM incentive_ledger").await, 0);
}

async fn incentive_runs_a_commission_credits_the_owner_its_share(db: TestDb) {
    let app = scorecards::setup(&db).await;
    let year = qudao_app::today().year() - 1;
    sold(
        &db,
        "R1",
        NaiveDate::from_ymd_opt(year, 8, 1).unwrap(),
        10,
        1_000_000,
    )
    .await;
    let commission = format!(
        r#"{{ "kind": "commission", "code": "CM-1", "name": "提成", "version": 1, "currency": "CNY",
  "effective_from": "{year}-01-01", "effective_to": "{year}-12-31", "period": "quarter",
  "scope": {{ "reps": ["rep1"] }}, "base": {{ "measure": "sell_in_net" }},
  "mode": "flat", "rate": "1%",
  "stacking": {{ "rule": "stacks", "order": 1 }}, "payout": {{ "form": "cash" }},
  "commission": {{ "split": [{{ "role": "owner", "share": "70%" }}, {{ "role": "support", "share": "30%" }}] }} }}"#
    );
    let saved = app
        .save_program(&system(), &commission, DocumentFormat::Json)
        .await
        .unwrap();
    assert!(saved.ok(), "{:?}", saved.problems);
    app.activate_program(&system(), "CM-1", 1).await.unwrap();
    let run = app
        .run_incentives(
            &system(),
            &RunRequest {
                period: format!("{year}-Q3"),
                programs: vec!["CM-1".into()],
                dry_run: true,
            },
        )
        .await
        .unwrap();
    // ¥10,000 sold by rep1's retailer; the owner is credited 70%: ¥70.
    let r = &run.results[0];
    assert_eq!(
        (
            r.code.as_str(),
            r.subject_type.as_str(),
            r.base,
            r.multiplied_base.as_str(),
            r.payable
        ),
        ("rep1", "rep", 1_000_000, "700000", 7_000)
    );
    assert_eq!(r.parts["owner_share"], "0.7");

    // With a 30-day clawback: the retailer's ¥10,000 invoice of 1 August
    // had ¥6,000 paid by its 30th day and the rest after it. ¥4,000 at the
    // owner's 70% comes off the base: ¥7,000 − ¥2,800 at 1% is ¥42.
    db.raw(&format!(
        "INSERT INTO invoices (number, partner_id, currency, amount_minor, issued_on, due_on, \
         created_by, created_at) SELECT 'INV-CB-1', id, 'CNY', 1000000, '{year}-08-01', \
         '{year}-08-31', 'test', '2026-01-01T00:00:00+00:00' FROM partners WHERE code = 'R1'"
    ))
    .await;
    for (number, on, amount) in [
        ("PAY-CB-1", "08-31", 600_000),
        ("PAY-CB-2", "09-01", 400_000),
    ] {
        db.raw(&format!(
            "INSERT INTO payments (number, partner_id, currency, amount_minor, received_on, source, \
             created_by, created_at) SELECT '{number}', id, 'CNY', {amount}, '{year}-{on}', \
             'manual', 'test', '2026-01-01T00:00:00+00:00' FROM partners WHERE code = 'R1'"
        ))
        .await;
        db.raw(&format!(
            "INSERT INTO payment_allocations (payment_id, invoice_id, amount_minor) \
             SELECT p.id, i.id, {amount} FROM payments p, invoices i \
             WHERE p.number = '{number}' AND i.number = 'INV-CB-1'"
        ))
        .await;
    }
    let clawed = commission
        .replace("CM-1", "CM-3")
        .replace(r#""split""#, r#""clawback_days": 30, "split""#);
    let saved = app
        .save_program(&system(), &clawed, DocumentFormat::Json)
        .await
        .unwrap();
    assert!(saved.ok(), "{:?}", saved.problems);
    app.activate_program(&system(), "CM-3", 1).await.unwrap();
    let run = app
        .run_incentives(
            &system(),
            &RunRequest {
                period: format!("{year}-Q3"),
                programs: vec!["CM-3".into()],
                dry_run: true,
            },
        )
        .await
        .unwrap();
    let r = &run.results[0];
    assert_eq!((r.code.as_str(), r.payable), ("rep1", 4_200));
    assert_eq!(
        r.trace[1],
        Step::Clawback {
            days: 30,
            uncollected: rust_decimal::Decimal::from(280_000),
            after: rust_decimal::Decimal::from(420_000),
        }
    );

    // A data-quality score is a partner's: a commission cannot ask for one.
    let floored = commission.replace("CM-1", "CM-2").replace(
        r#""mode": "flat""#,
        r#""conditions": { "min_data_quality": "60" }, "mode": "flat""#,
    );
    let refused = app
        .save_program(&system(), &floored, DocumentFormat::Json)
        .await
        .unwrap();
    assert_eq!(refused.problems.len(), 1, "{:?}", refused.problems);
    assert_eq!(refused.problems[0].path, "conditions.min_data_quality");
    assert!(matches!(
        refused.problems[0].problem,
        Problem::Rule {
            rule: "only_for_partners"
        }
    ));
}

/// A rebate with a data-quality floor, judged on last year's third
/// quarter: every month is due, and P1 and P2, who bought but never
/// reported sell-through, score 60 each month (nothing on time; mapping,
/// clean rows and consistency full). A floor of 60 pays; 60.5 pays
/// nothing, and the trace says why and on which months.
async fn incentive_runs_a_data_quality_floor_is_judged_on_the_months_due(db: TestDb) {
    let app = scorecards::setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let (year, period) = last_years_quarter(&db, &app, &mgr).await;
    let run_with = |version: u32, floor: &'static str| {
        let app = &app;
        let period = period.clone();
        async move {
            let doc = rebate(year)
                .replace(r#""version": 1"#, &format!(r#""version": {version}"#))
                .replace(
                    r#""mode": "retroactive""#,
                    &format!(r#""conditions": {{ "min_data_quality": "{floor}" }}, "mode": "retroactive""#),
                );
            let saved = app
                .save_program(&system(), &doc, DocumentFormat::Json)
                .await
                .unwrap();
            assert!(saved.ok(), "{:?}", saved.problems);
            app.activate_program(&system(), "RB-Q", version)
                .await
                .unwrap();
            app.run_incentives(&system(), &request(&period, true))
                .await
                .unwrap()
        }
    };
    let met = run_with(2, "60").await;
    assert_eq!(
        amounts(&met),
        [
            ("P1", 300_000, Some("1.000000"), Some(3)),
            ("P2", 50_000, Some("0.500000"), Some(1)),
        ]
    );
    let missed = run_with(3, "60.5").await;
    assert_eq!(
        amounts(&missed),
        [
            ("P1", 0, Some("1.000000"), Some(3)),
            ("P2", 0, Some("0.500000"), Some(1)),
        ]
    );
    let p1 = missed.results.iter().find(|r| r.code == "P1").unwrap();
    assert!(p1.trace.contains(&Step::DataQuality {
        score: Some(60.into()),
        min: "60.5".parse().unwrap(),
        met: false,
        before: "300000.00".parse().unwrap(),
    }));
    assert_eq!(
        p1.parts["quality_months"],
        serde_json::json!([
            format!("{year}-07"),
            format!("{year}-08"),
            format!("{year}-09")
        ])
    );
}

async fn incentive_runs_the_watchlist_names_who_is_near_the_next_bracket(db: TestDb) {
    let app = scorecards::setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let (_, period) = last_years_quarter(&db, &app, &mgr).await;
    // P2 stands at 50%: ¥30,000 more reaches 80% (2% on ¥80,000 = ¥1,600,
    // ¥1,100 more than now). Within 20% of its target it is not near.
    let near = app
        .incentive_watchlist(&mgr, Some(&period), None)
        .await
        .unwrap();
    assert!(near.rows.is_empty());
    let wider = app
        .incentive_watchlist(&mgr, Some(&period), Some(rust_decimal::Decimal::new(3, 1)))
        .await
        .unwrap();
    let rows: Vec<_> = wider
        .rows
        .iter()
        .map(|w| {
            (
                w.code.as_str(),
                w.next_bracket,
                w.next_from.as_str(),
                w.distance,
                w.extra_amount,
            )
        })
        .collect();
    // P1 is in the top bracket already: nothing further to reach.
    assert_eq!(rows, [("P2", 2, "0.8", 3_000_000, 110_000)]);
    // P1's own user sees only P1's, so nothing; a bad `within` is refused.
    let puser = app.caller_by_login("puser").await.unwrap();
    let own = app
        .incentive_watchlist(&puser, Some(&period), Some(rust_decimal::Decimal::ONE))
        .await
        .unwrap();
    assert!(own.rows.is_empty());
    assert!(
        app.incentive_watchlist(&mgr, Some(&period), Some(rust_decimal::Decimal::TWO))
            .await
            .is_err()
    );
}

async fn incentive_runs_a_penalty_applies_after_the_cap_and_never_below_zero(db: TestDb) {
    let app = scorecards::setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let (_, period) = last_years_quarter(&db, &app, &mgr).await;
    for (code, amount, reason) in [("P1", "-500.00", "窜货罚扣"), ("P2", "-600.00", "逾期付款")]
    {
        app.add_adjustment(
            &system(),
            &qudao_app::incentive_adjustments::AdjustmentInput {
                subject_code: code.into(),
                program_code: "RB-Q".into(),
                period: period.clone(),
                amount: amount.into(),
                kind: "penalty".into(),
                reason: reason.into(),
            },
        )
        .await
        .unwrap();
    }
    let run = app
        .run_incentives(&mgr, &request(&period, true))
        .await
        .unwrap();
    // P1: ¥3,000 − ¥500; P2: ¥500 − ¥600 is held at zero.
    assert_eq!(
        amounts(&run)
            .iter()
            .map(|(code, payable, ..)| (*code, *payable))
            .collect::<Vec<_>>(),
        [("P1", 250_000), ("P2", 0)]
    );
    let p2 = run.results.iter().find(|r| r.code == "P2").unwrap();
    assert_eq!(p2.adjustments, -60_000);
    assert!(
        p2.trace
            .iter()
            .any(|s| matches!(s, Step::Adjusted { reason, .. } if reason == "逾期付款"))
    );
    assert!(
        p2.trace
            .iter()
            .any(|s| matches!(s, Step::NotBelowZero { .. }))
    );
}
