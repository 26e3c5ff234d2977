//! Stories of outlet coverage: a region's plan, its active retail outlets
//! from the fact engine, and an `outlet_coverage` target judged by them, on
//! both backends.

#![allow(clippy::wildcard_imports)]

use qudao_app::outlets::OutletPlanInput;
use qudao_app::targets::TargetInput;
use qudao_domain::Problem;
use qudao_domain::periods::Month;

use super::*;

on_both_backends!(outlets_coverage_is_active_retailers_against_the_plan);

fn plan(region: &str, planned: &str) -> OutletPlanInput {
    OutletPlanInput {
        region: region.into(),
        planned: planned.into(),
    }
}

async fn outlets_coverage_is_active_retailers_against_the_plan(db: TestDb) {
    let app = db.app().await;
    app.load_builtin_regions().await.unwrap();
    for (login, role) in [("mgr", "channel_manager"), ("rep", "sales_rep")] {
        app.create_user(&system(), &user(login, role, None))
            .await
            .unwrap();
    }
    // Three retailers in 上海 (one in 浦东新区, below it), one elsewhere,
    // and a distributor in 上海 (not an outlet).
    for (code, kind, region) in [
        ("R1", "retailer", "310000"),
        ("R2", "retailer", "310115"),
        ("R3", "retailer", "310000"),
        ("R4", "retailer", "110000"),
        ("D1", "distributor", "310000"),
    ] {
        let mut input = partner(code, kind, None, Some("mgr"));
        input.record.region_code = Some(region.into());
        app.create_partner(&system(), &input).await.unwrap();
    }
    app.create_user(&system(), &user("puser", "partner_user", Some("R1")))
        .await
        .unwrap();
    tea_product(&db).await;
    let today = qudao_app::today();
    for code in ["R1", "R2", "R4", "D1"] {
        db.raw(&format!(
            "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
             source, created_at) SELECT p.id, g.id, '{today}', 1, 100, 'CNY', 'import', \
             '2026-01-01T00:00:00+00:00' FROM partners p, products g \
             WHERE p.code = '{code}' AND g.sku = 'TEA-1'"
        ))
        .await;
    }
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let rep = app.caller_by_login("rep").await.unwrap();
    let puser = app.caller_by_login("puser").await.unwrap();
    let month = Month::of(today).to_string();

    // Bad plans are refused by field, and nothing is written.
    let refused = |result: Result<_, AppError>| match result {
        Err(AppError::Invalid(found)) => found
            .into_iter()
            .map(|i| (i.field, i.problem))
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        refused(app.set_outlet_plan(&mgr, &plan("999999", "0")).await),
        [
            (
                "region",
                Problem::Rule {
                    rule: "region_must_exist"
                }
            ),
            (
                "planned",
                Problem::Limit {
                    rule: "planned_outlets_range",
                    max: 10_000_000
                }
            ),
        ]
    );
    assert_eq!(
        refused(app.set_outlet_plan(&mgr, &plan("310000", "3.5")).await),
        [("planned", Problem::Format { expected: "120" })]
    );
    assert!(matches!(
        app.set_outlet_plan(&rep, &plan("310000", "4")).await,
        Err(AppError::Forbidden)
    ));
    assert!(app.outlet_coverage(&mgr, &month).await.unwrap().is_empty());

    // Two of 上海's retailers bought (one in a district below it): 2 of 4.
    let set = app
        .set_outlet_plan(&mgr, &plan("310000", "4"))
        .await
        .unwrap();
    assert_eq!(
        (set.region_name.as_str(), set.planned, set.active),
        ("上海市", 4, 2)
    );
    let listed = app.outlet_coverage(&mgr, &month).await.unwrap();
    assert_eq!((listed[0].active, listed[0].coverage_bp), (2, 5_000));
    assert_eq!(listed[0].coverage_text(), "50.00%");
    // A change replaces the plan.
    app.set_outlet_plan(&mgr, &plan("310000", "3"))
        .await
        .unwrap();
    let listed = app.outlet_coverage(&rep, &month).await.unwrap();
    assert_eq!((listed[0].planned, listed[0].coverage_bp), (3, 6_666));
    assert!(matches!(
        app.outlet_coverage(&puser, &month).await,
        Err(AppError::Forbidden)
    ));

    // A region's coverage target of 80% is judged by it; one without a
    // plan has no actual.
    for region in ["310000", "110000"] {
        app.set_target(
            &mgr,
            &TargetInput {
                period: month.clone(),
                subject_type: "region".into(),
                subject_code: Some(region.into()),
                measure: "outlet_coverage".into(),
                value: "80".into(),
                ..TargetInput::default()
            },
        )
        .await
        .unwrap();
    }
    let tree = app
        .attainment(&mgr, &month, Some("outlet_coverage"))
        .await
        .unwrap();
    let node = |code: &str| {
        tree.iter()
            .find(|n| n.target.subject_code == code)
            .unwrap_or_else(|| panic!("{code}"))
    };
    let shanghai = node("310000").attainment.unwrap();
    assert_eq!((shanghai.target, shanghai.actual), (8_000, 6_666));
    assert_eq!(shanghai.percent.unwrap().normalize().to_string(), "83.32");
    assert!(node("110000").attainment.is_none());
}
