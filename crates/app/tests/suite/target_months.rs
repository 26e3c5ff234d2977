//! Stories of month targets: a year split by a seasonal profile and by
//! last year's shape, summing exactly; every partner target under a node
//! split in one write; the 12-month strip with attainment per month; and
//! every refusal with nothing written, on both backends.

#![allow(clippy::wildcard_imports)]

use chrono::Datelike;
use qudao_app::target_months::SplitMonthsInput;
use qudao_app::targets::{CascadeChild, CascadeInput, TargetInput};
use qudao_domain::Problem;
use qudao_domain::periods::Month;

use super::*;

on_both_backends!(
    target_months_a_year_splits_by_a_profile_and_sums_exactly,
    target_months_every_partner_under_a_node_in_one_write,
    target_months_last_years_shape_and_the_strip_come_from_the_engine,
    target_months_bad_input_is_refused_and_writes_nothing,
);

const AT: &str = "'2026-01-01T00:00:00+00:00'";

/// A manager, two distributors it owns (P1, P2) and a third partner of
/// another manager (P3).
async fn setup(db: &TestDb) -> Qudao {
    let app = db.app().await;
    for (login, role) in [("mgr", "channel_manager"), ("other", "channel_manager")] {
        app.create_user(&system(), &user(login, role, None))
            .await
            .unwrap();
    }
    for (code, owner) in [("P1", "mgr"), ("P2", "mgr"), ("P3", "other")] {
        app.create_partner(&system(), &partner(code, "distributor", None, Some(owner)))
            .await
            .unwrap();
    }
    app
}

fn target(period: &str, subject_type: &str, code: &str, value: &str) -> TargetInput {
    TargetInput {
        period: period.into(),
        subject_type: subject_type.into(),
        subject_code: Some(code.into()),
        measure: "sell_in_amount".into(),
        product_line: None,
        value: value.into(),
        version: None,
    }
}

fn by_profile(code: &str) -> SplitMonthsInput {
    SplitMonthsInput {
        profile: Some(code.into()),
        ..SplitMonthsInput::default()
    }
}

fn amounts(subject_type: &str, parts: &[(&str, &str)]) -> CascadeInput {
    CascadeInput {
        by: "amounts".into(),
        children: parts
            .iter()
            .map(|(code, part)| CascadeChild {
                subject_type: subject_type.into(),
                subject_code: (*code).into(),
                part: Some((*part).into()),
            })
            .collect(),
        remainder_to: None,
        draft: false,
    }
}

fn rule_of(err: &AppError) -> (&'static str, &'static str, String) {
    match err {
        AppError::Invalid(problems) => match &problems[0].problem {
            Problem::Rule { rule } => (problems[0].field, *rule, String::new()),
            Problem::Conflict { rule, with } => (problems[0].field, *rule, with.clone()),
            Problem::Required => (problems[0].field, "required", String::new()),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

/// Each month's figure of a target's strip (0 where none is set).
async fn month_values(app: &Qudao, caller: &Caller, id: i64) -> Vec<i64> {
    app.target_months(caller, id)
        .await
        .unwrap()
        .months
        .iter()
        .map(|m| m.target.as_ref().map_or(0, |t| t.value))
        .collect()
}

async fn target_months_a_year_splits_by_a_profile_and_sums_exactly(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let year = app
        .set_target(&mgr, &target("2026", "company", "", "1000.03"))
        .await
        .unwrap();
    let done = app
        .split_months(&mgr, year.id, &by_profile("spring_festival"))
        .await
        .unwrap();
    assert_eq!((done.targets, done.created, done.replaced), (1, 12, 0));
    let values = month_values(&app, &mgr, year.id).await;
    // 14% of 100,003 fen is 14,000.42, 5% is 5,000.15: each month the
    // floor, the 3 fen left to January, the heaviest month.
    assert_eq!(values.iter().sum::<i64>(), 100_003);
    assert_eq!(values[1], 5_000);
    assert_eq!(values[0], 100_003 - values[1..].iter().sum::<i64>());
    assert_eq!(values[0], 14_003);
    let strip = app.target_months(&mgr, year.id).await.unwrap();
    assert_eq!(strip.unallocated, Some(0));
    assert_eq!(strip.months[6].month, "2026-07");

    // Month targets are no children: the year still cascades to channels.
    app.cascade_target(
        &mgr,
        year.id,
        &amounts("channel", &[("distributor", "600.03"), ("agent", "400")]),
    )
    .await
    .unwrap();

    // Again by another profile and a stated month: the drafts replaced.
    let again = app
        .split_months(
            &mgr,
            year.id,
            &SplitMonthsInput {
                remainder_to: Some("2026-12".into()),
                ..by_profile("even")
            },
        )
        .await
        .unwrap();
    assert_eq!((again.created, again.replaced), (0, 12));
    let values = month_values(&app, &mgr, year.id).await;
    assert_eq!(values.iter().sum::<i64>(), 100_003);
    assert_eq!(values[0], 8_340);
    assert_eq!(values[11], 100_003 - values[..11].iter().sum::<i64>());

    // An approved month is not replaced, and nothing else is either.
    let march = app.target_months(&mgr, year.id).await.unwrap().months[2]
        .target
        .clone()
        .unwrap();
    app.approve_target(&mgr, march.id).await.unwrap();
    let err = app
        .split_months(&mgr, year.id, &by_profile("spring_festival"))
        .await
        .unwrap_err();
    assert_eq!(
        rule_of(&err),
        ("target", "split_month_locked", "2026-03".to_owned())
    );
    assert_eq!(month_values(&app, &mgr, year.id).await, values);
    let audits = db
        .count("SELECT COUNT(*) FROM audit_log WHERE action = 'split_months'")
        .await;
    assert_eq!(audits, 2);
}

async fn target_months_every_partner_under_a_node_in_one_write(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let year = app
        .set_target(&mgr, &target("2026", "company", "", "3000"))
        .await
        .unwrap();
    let channels = app
        .cascade_target(
            &mgr,
            year.id,
            &amounts("channel", &[("distributor", "2000"), ("agent", "1000")]),
        )
        .await
        .unwrap();
    let distributor = channels.children[0].id;
    let partners = app
        .cascade_target(
            &mgr,
            distributor,
            &amounts("partner", &[("P1", "1200.07"), ("P2", "799.93")]),
        )
        .await
        .unwrap();
    let before = db.count("SELECT COUNT(*) FROM targets").await;
    let done = app
        .split_months(
            &mgr,
            year.id,
            &SplitMonthsInput {
                all_below: true,
                ..by_profile("spring_festival")
            },
        )
        .await
        .unwrap();
    // Only the partners' targets, two levels down; the company's and the
    // channels' own months are not written.
    assert_eq!((done.targets, done.created), (2, 24));
    assert_eq!(db.count("SELECT COUNT(*) FROM targets").await, before + 24);
    for (child, value) in partners.children.iter().zip([120_007, 79_993]) {
        let values = month_values(&app, &mgr, child.id).await;
        assert_eq!(values.iter().sum::<i64>(), value);
        assert!(values.iter().all(|v| *v > 0));
    }
    assert!(
        month_values(&app, &mgr, year.id)
            .await
            .iter()
            .all(|v| *v == 0)
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM audit_log WHERE action = 'split_months'")
            .await,
        1
    );
    // The months are ordinary targets of the partner: each month's
    // target list shows them (as roots: no parent in the cascade).
    let july = app.targets(&mgr, "2026-07", None).await.unwrap();
    assert_eq!(july.len(), 2);
    assert!(july.iter().all(|n| n.target.parent_id.is_none()));

    // Another manager sees neither partner: nothing below to split.
    let other = app.caller_by_login("other").await.unwrap();
    let err = app
        .split_months(
            &other,
            year.id,
            &SplitMonthsInput {
                all_below: true,
                ..by_profile("even")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(rule_of(&err).1, "split_months_nothing_below");
}

/// A sell-in line written raw, as history imported long ago would be.
async fn sold(db: &TestDb, partner: &str, on: chrono::NaiveDate, minor: i64) {
    db.raw(&format!(
        "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
         source, created_at) SELECT p.id, g.id, '{on}', 3, {minor}, 'CNY', 'import', {AT} \
         FROM partners p, products g WHERE p.code = '{partner}' AND g.sku = 'TEA-1'"
    ))
    .await;
}

async fn target_months_last_years_shape_and_the_strip_come_from_the_engine(db: TestDb) {
    let app = setup(&db).await;
    tea_product(&db).await;
    let today = qudao_app::today();
    let last_year = today.year() - 1;
    let day = |month: u32| chrono::NaiveDate::from_ymd_opt(last_year, month, 10).unwrap();
    // P1 sold three times as much in March as in October a year ago.
    sold(&db, "P1", day(3), 30_000).await;
    sold(&db, "P1", day(10), 10_000).await;
    sold(&db, "P1", today, 25_000).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let this_year = today.year().to_string();
    let p1 = app
        .set_target(&mgr, &target(&this_year, "partner", "P1", "1000.01"))
        .await
        .unwrap();
    let done = app
        .split_months(
            &mgr,
            p1.id,
            &SplitMonthsInput {
                last_year: true,
                ..SplitMonthsInput::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(done.created, 12);
    let values = month_values(&app, &mgr, p1.id).await;
    // 3 : 1 of 100,001 fen: 75,000.75 and 25,000.25; the fen left goes to
    // March, the heaviest; the months without sales get nothing.
    assert_eq!(values[2], 75_001);
    assert_eq!(values[9], 25_000);
    assert_eq!(values.iter().sum::<i64>(), 100_001);

    // The strip: this month's actual against its target (none set: 0).
    let strip = app.target_months(&mgr, p1.id).await.unwrap();
    let now = &strip.months[today.month0() as usize];
    assert_eq!(now.month, Month::of(today).to_string());
    assert_eq!(now.actual, Some(25_000));
    assert_eq!(
        now.attainment.map(|a| a.target),
        now.target.as_ref().map(|t| t.value)
    );
    if today.month() < 12 {
        assert_eq!(strip.months[11].actual, None);
    }

    // P2 sold nothing a year ago: no shape to take, named, nothing written.
    let p2 = app
        .set_target(&mgr, &target(&this_year, "partner", "P2", "10"))
        .await
        .unwrap();
    let before = db.count("SELECT COUNT(*) FROM targets").await;
    let err = app
        .split_months(
            &mgr,
            p2.id,
            &SplitMonthsInput {
                last_year: true,
                ..SplitMonthsInput::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        rule_of(&err),
        ("profile", "split_months_no_history", "P2".to_owned())
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM targets").await, before);
}

async fn target_months_bad_input_is_refused_and_writes_nothing(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let year = app
        .set_target(&mgr, &target("2026", "company", "", "100"))
        .await
        .unwrap();
    let month = app
        .set_target(&mgr, &target("2026-07", "company", "", "10"))
        .await
        .unwrap();
    let before = db.count("SELECT COUNT(*) FROM targets").await;
    let cases: Vec<(i64, SplitMonthsInput, (&str, &str, &str))> = vec![
        (
            year.id,
            by_profile("nope"),
            ("profile", "seasonal_profile_unknown", "nope"),
        ),
        (
            year.id,
            SplitMonthsInput::default(),
            ("profile", "required", ""),
        ),
        (
            year.id,
            SplitMonthsInput {
                last_year: true,
                ..by_profile("even")
            },
            ("profile", "split_months_profile_or_last_year", ""),
        ),
        (
            month.id,
            by_profile("even"),
            ("target", "split_months_of_a_month", ""),
        ),
        (
            year.id,
            SplitMonthsInput {
                remainder_to: Some("2027-01".into()),
                ..by_profile("even")
            },
            ("remainder_to", "split_months_remainder_outside", "2026"),
        ),
        (
            year.id,
            SplitMonthsInput {
                all_below: true,
                ..by_profile("even")
            },
            ("all_below", "split_months_nothing_below", ""),
        ),
    ];
    for (id, input, (field, rule, with)) in cases {
        let err = app.split_months(&mgr, id, &input).await.unwrap_err();
        assert_eq!(rule_of(&err), (field, rule, with.to_owned()), "{input:?}");
    }
    let err = app
        .split_months(
            &mgr,
            year.id,
            &SplitMonthsInput {
                remainder_to: Some("July".into()),
                ..by_profile("even")
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(&err, AppError::Invalid(p) if p[0].field == "remainder_to"));
    // Only managers split; a target one does not see is not found.
    let puser = {
        app.create_user(&system(), &user("puser", "partner_user", Some("P1")))
            .await
            .unwrap();
        app.caller_by_login("puser").await.unwrap()
    };
    assert!(matches!(
        app.split_months(&puser, year.id, &by_profile("even")).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.target_months(&puser, year.id).await,
        Err(AppError::NotFound(_))
    ));
    assert_eq!(db.count("SELECT COUNT(*) FROM targets").await, before);
}
