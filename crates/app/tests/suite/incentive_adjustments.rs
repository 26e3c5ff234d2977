//! Stories of incentive penalties and manual adjustments: entered one by
//! one and imported (Chinese headers and words), listed with names by
//! period and program, read by the runs as domain adjustments; every bad
//! field or row refused by name with nothing written; who may enter them
//! (finance and managers; a rep and a partner are refused), on both
//! backends.

#![allow(clippy::wildcard_imports)]

use qudao_app::imports::ImportKind;
use qudao_app::incentive_adjustments::{AdjustmentFilter, AdjustmentInput};
use qudao_domain::Problem;
use qudao_domain::incentives::{AdjustmentKind, ProgramCode};
use qudao_domain::periods::Period;
use qudao_store::incentive_adjustments::{Subject, of_period};

use super::*;

on_both_backends!(
    adjustments_are_entered_listed_and_read_by_period,
    adjustments_bad_fields_are_refused_and_write_nothing,
    adjustments_import_all_or_nothing_with_row_and_column,
    adjustments_who_may_enter_them,
);

const REBATE: &str = r#"{
  "kind": "rebate", "code": "RB-Q", "name": "经销商季度返利", "version": 1,
  "currency": "CNY", "effective_from": "2026-01-01", "effective_to": "2026-12-31",
  "period": "quarter",
  "scope": { "partner_types": ["distributor"] },
  "base": { "measure": "sell_in_net" },
  "mode": "retroactive",
  "brackets": [{ "from": "0%", "rate": "1%" }, { "from": "100%", "rate": "3%" }],
  "stacking": { "rule": "stacks", "order": 10 },
  "payout": { "form": "cash" }
}"#;

const COMMISSION: &str = r#"{
  "kind": "commission", "code": "CM-M", "name": "销售提成", "version": 1,
  "currency": "CNY", "effective_from": "2026-01-01", "effective_to": "2026-12-31",
  "period": "month",
  "scope": { "teams": ["east"] },
  "base": { "measure": "collected" },
  "mode": "retroactive",
  "brackets": [{ "from": "0", "rate": "2%" }],
  "stacking": { "rule": "stacks", "order": 1 },
  "payout": { "form": "cash" },
  "commission": { "split": [{ "role": "owner", "share": "100%" }] }
}"#;

async fn setup(db: &TestDb) -> Qudao {
    let app = db.app().await;
    for (login, role) in [
        ("mgr", "channel_manager"),
        ("fin", "finance"),
        ("rep1", "sales_rep"),
    ] {
        app.create_user(&system(), &user(login, role, None))
            .await
            .unwrap();
    }
    app.create_partner(&system(), &partner("P1", "distributor", None, Some("mgr")))
        .await
        .unwrap();
    app.create_partner(&system(), &partner("P2", "distributor", None, None))
        .await
        .unwrap();
    app.create_user(&system(), &user("padmin", "partner_admin", Some("P1")))
        .await
        .unwrap();
    let admin = system();
    for (doc, code) in [(REBATE, "RB-Q"), (COMMISSION, "CM-M")] {
        let saved = app
            .save_program(&admin, doc, qudao_app::incentives::DocumentFormat::Json)
            .await
            .unwrap();
        assert!(saved.ok(), "{saved:?}");
        app.activate_program(&admin, code, 1).await.unwrap();
    }
    app
}

fn input(
    subject: &str,
    program: &str,
    period: &str,
    amount: &str,
    kind: &str,
    reason: &str,
) -> AdjustmentInput {
    AdjustmentInput {
        subject_code: subject.to_owned(),
        program_code: program.to_owned(),
        period: period.to_owned(),
        amount: amount.to_owned(),
        kind: kind.to_owned(),
        reason: reason.to_owned(),
    }
}

async fn written(db: &TestDb) -> i64 {
    db.count("SELECT COUNT(*) FROM incentive_adjustments").await
}

fn fields(err: AppError) -> Vec<(&'static str, Problem)> {
    match err {
        AppError::Invalid(fields) => fields.into_iter().map(|f| (f.field, f.problem)).collect(),
        other => panic!("expected field problems, got {other:?}"),
    }
}

async fn import(app: &Qudao, caller: &Caller, csv: &str) -> qudao_app::imports::ImportReport {
    app.import(
        caller,
        ImportKind::parse("incentive_adjustments").unwrap(),
        "adjustments.csv",
        csv.as_bytes(),
        false,
    )
    .await
    .unwrap()
}

async fn adjustments_are_entered_listed_and_read_by_period(db: TestDb) {
    let app = setup(&db).await;
    let fin = app.caller_by_login("fin").await.unwrap();
    let penalty = app
        .add_adjustment(
            &fin,
            &input("P1", "rb-q", "2026-Q3", "-1,200.50", "penalty", "窜货违规"),
        )
        .await
        .unwrap();
    assert_eq!(penalty.subject_name, "P1 有限公司");
    assert_eq!(penalty.program_name, "经销商季度返利");
    assert_eq!(
        (penalty.amount.as_str(), penalty.amount_minor),
        ("-1200.50", -120_050)
    );
    assert_eq!(penalty.kind, "penalty");
    // The kind defaults to manual; a rep is named by login.
    let manual = app
        .add_adjustment(
            &fin,
            &input("rep1", "CM-M", "2026-07", "300", "", "补发上月漏计"),
        )
        .await
        .unwrap();
    assert_eq!(
        (
            manual.kind,
            manual.subject_type,
            manual.subject_name.as_str()
        ),
        ("manual", "rep", "rep1 name")
    );
    app.add_adjustment(
        &fin,
        &input("P2", "RB-Q", "2026-Q4", "500", "manual", "补差"),
    )
    .await
    .unwrap();

    let q3 = app
        .adjustments(
            &fin,
            &AdjustmentFilter {
                period: Some("2026-Q3".into()),
                program: None,
            },
            PageRequest::export(),
        )
        .await
        .unwrap();
    assert_eq!(q3.items.len(), 1);
    let rebates = app
        .adjustments(
            &fin,
            &AdjustmentFilter {
                period: None,
                program: Some("RB-Q".into()),
            },
            PageRequest::export(),
        )
        .await
        .unwrap();
    assert_eq!(rebates.items.len(), 2);
    // A manager sees the partners in its scope and the reps', not P2.
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let seen = app
        .adjustments(&mgr, &AdjustmentFilter::default(), PageRequest::export())
        .await
        .unwrap();
    let subjects: Vec<&str> = seen.items.iter().map(|a| a.subject_code.as_str()).collect();
    assert_eq!(subjects, ["rep1", "P1"]);

    // The runs' read: domain adjustments by subject and program code.
    let conn = Database::connect(&db.url).await.unwrap();
    let period = Period::parse("period", "2026-Q3").unwrap();
    let read = of_period(&conn, period, None).await.unwrap();
    assert_eq!(read.len(), 1);
    let ((subject, code), list) = read.into_iter().next().unwrap();
    assert!(matches!(subject, Subject::Partner(_)));
    assert_eq!(code.as_str(), "RB-Q");
    assert_eq!(list[0].kind(), AdjustmentKind::Penalty);
    assert_eq!((list[0].amount(), list[0].reason()), (-120_050, "窜货违规"));
    let other = ProgramCode::parse_as("program", "CM-M").unwrap();
    let none = of_period(&conn, period, Some(&[other])).await.unwrap();
    assert!(none.is_empty());
}

async fn adjustments_bad_fields_are_refused_and_write_nothing(db: TestDb) {
    let app = setup(&db).await;
    let fin = app.caller_by_login("fin").await.unwrap();
    let refused = |i: AdjustmentInput| {
        let app = app.clone();
        let fin = fin.clone();
        async move { fields(app.add_adjustment(&fin, &i).await.unwrap_err()) }
    };
    // A penalty that adds, too many decimals, an empty reason.
    let found = refused(input("P1", "RB-Q", "2026-Q3", "100", "penalty", "x")).await;
    assert_eq!(
        found,
        [(
            "amount",
            Problem::Rule {
                rule: "penalty_deducts"
            }
        )]
    );
    let found = refused(input("P1", "RB-Q", "2026-Q3", "-1.234", "penalty", "")).await;
    assert_eq!(found[0].0, "amount");
    let found = refused(input("P1", "RB-Q", "2026-Q3", "0", "", "x")).await;
    assert_eq!(
        found,
        [(
            "amount",
            Problem::Rule {
                rule: "adjustment_not_zero"
            }
        )]
    );
    let found = refused(input("P1", "RB-Q", "2026-Q3", "-5", "penalty", " ")).await;
    assert_eq!(found[0].0, "reason");
    // A month for a quarterly program; a year outside its dates.
    let found = refused(input("P1", "RB-Q", "2026-07", "-5", "", "x")).await;
    assert!(
        matches!(
            found[..],
            [(
                "period",
                Problem::Conflict {
                    rule: "program_period_kind",
                    ..
                }
            )]
        ),
        "{found:?}"
    );
    let found = refused(input("P1", "RB-Q", "2027-Q1", "-5", "", "x")).await;
    assert!(matches!(
        found[..],
        [(
            "period",
            Problem::Conflict {
                rule: "program_not_in_effect",
                ..
            }
        )]
    ));
    // An unknown program, partner, rep and kind; a partner for a commission.
    let found = refused(input("P1", "NOPE", "2026-Q3", "-5", "fine", "x")).await;
    let named: Vec<&str> = found.iter().map(|(f, _)| *f).collect();
    assert_eq!(named, ["kind", "program_code"]);
    let found = refused(input("P9", "RB-Q", "2026-Q3", "-5", "", "x")).await;
    assert_eq!(
        found,
        [(
            "subject_code",
            Problem::Conflict {
                rule: "adjustment_partner_unknown",
                with: "P9".into()
            }
        )]
    );
    let found = refused(input("P1", "CM-M", "2026-07", "-5", "", "x")).await;
    assert_eq!(found[0].0, "subject_code");
    let found = refused(input("mgr", "CM-M", "2026-07", "-5", "", "x")).await;
    assert_eq!(found[0].0, "subject_code");
    assert_eq!(written(&db).await, 0);

    // The same adjustment twice is refused the second time.
    let same = input("P1", "RB-Q", "2026-Q3", "-5", "", "迟付");
    app.add_adjustment(&fin, &same).await.unwrap();
    let found = refused(same).await;
    assert!(matches!(
        found[..],
        [(
            "reason",
            Problem::Conflict {
                rule: "adjustment_exists",
                ..
            }
        )]
    ));
    assert_eq!(written(&db).await, 1);
}

async fn adjustments_import_all_or_nothing_with_row_and_column(db: TestDb) {
    let app = setup(&db).await;
    let fin = app.caller_by_login("fin").await.unwrap();
    let bad = "subject_code,program_code,period,amount,reason,kind\n\
               P1,RB-Q,2026-Q3,-1200.50,窜货违规,penalty\n\
               P1,RB-Q,2026-Q3,100,迟付,penalty\n\
               P1,RB-Q,2026-Q3,-1200.50,窜货违规,penalty\n\
               P9,RB-Q,2026-Q3,-5,x,\n\
               P1,RB-Q,2026-13,abc,x,\n";
    let report = import(&app, &fin, bad).await;
    let found: Vec<(Option<usize>, Option<&str>, &str)> = report
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_deref(), e.field.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (Some(3), Some("amount"), "amount"),
            (Some(4), Some("reason"), "reason"),
            (Some(5), Some("subject_code"), "subject_code"),
            (Some(6), Some("period"), "period"),
            (Some(6), Some("amount"), "amount"),
        ]
    );
    assert_eq!(written(&db).await, 0);

    // Chinese headers and words; two penalties of one partner with
    // different reasons are two adjustments.
    let good = import(
        &app,
        &fin,
        "对象编码,方案编码,期间,金额,原因,类型\n\
         P1,RB-Q,2026-Q3,-1200.50,窜货违规,罚扣\n\
         P1,RB-Q,2026-Q3,-300,迟付,罚扣\n\
         rep1,CM-M,2026-07,88.8,补发,手工调整\n",
    )
    .await;
    assert!(good.errors.is_empty(), "{:?}", good.errors);
    assert_eq!(good.created, 3);
    assert_eq!(written(&db).await, 3);
    // The same file again would count them twice: refused whole.
    let again = import(
        &app,
        &fin,
        "subject_code,program_code,period,amount,reason,kind\nP1,RB-Q,2026-Q3,-300,迟付,penalty\n",
    )
    .await;
    assert_eq!(again.errors[0].field, "reason");
    assert_eq!(written(&db).await, 3);
}

async fn adjustments_who_may_enter_them(db: TestDb) {
    let app = setup(&db).await;
    let row = input("P1", "RB-Q", "2026-Q3", "-5", "", "x");
    for login in ["rep1", "padmin"] {
        let caller = app.caller_by_login(login).await.unwrap();
        assert!(matches!(
            app.add_adjustment(&caller, &row).await,
            Err(AppError::Forbidden)
        ));
        assert!(matches!(
            app.adjustments(&caller, &AdjustmentFilter::default(), PageRequest::export())
                .await,
            Err(AppError::Forbidden)
        ));
    }
    let mgr = app.caller_by_login("mgr").await.unwrap();
    app.add_adjustment(&mgr, &row).await.unwrap();
    // P2 is outside this manager's scope: unknown to it.
    let outside = app
        .add_adjustment(&mgr, &input("P2", "RB-Q", "2026-Q3", "-5", "", "x"))
        .await
        .unwrap_err();
    assert_eq!(fields(outside)[0].0, "subject_code");
    assert_eq!(written(&db).await, 1);
}
