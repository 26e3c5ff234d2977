//! Stories of what-if: last year's third quarter (P1 at 100% of its
//! target, P2 at 50%) under the rebate in force (1% / 2% from 80% / 3%
//! from 100%) and under a changed bracket table, compared subject by
//! subject without writing anything; the refusals, each at its path; the
//! changed table saved as the next draft; and a fact arriving after a
//! what-if is seen by the next one, on both backends.

#![allow(clippy::wildcard_imports)]

use chrono::NaiveDate;
use qudao_app::incentive_whatif::{BracketText, WhatIfRequest, WhatIfView};
use qudao_domain::Problem;

use super::incentive_runs::{last_years_quarter, sold};
use super::*;

on_both_backends!(
    incentive_whatif_a_raised_bracket_costs_less_and_names_who_loses,
    incentive_whatif_refusals_name_where_and_write_nothing,
    incentive_whatif_a_changed_table_is_saved_as_the_next_draft,
    incentive_whatif_sees_a_fact_that_arrived_after_the_last_one,
);

fn table(rows: &[(&str, &str)]) -> Option<Vec<BracketText>> {
    Some(
        rows.iter()
            .map(|(from, rate)| BracketText {
                from: (*from).into(),
                rate: Some((*rate).into()),
                amount: None,
            })
            .collect(),
    )
}

/// The top bracket moved from 100% to 110%.
fn raised(period: &str) -> WhatIfRequest {
    WhatIfRequest {
        period: period.into(),
        brackets: table(&[("0%", "1%"), ("80%", "2%"), ("110%", "3%")]),
        ..WhatIfRequest::default()
    }
}

async fn tried(app: &Qudao, caller: &Caller, request: &WhatIfRequest) -> WhatIfView {
    app.incentive_whatif(caller, "RB-Q", request)
        .await
        .unwrap()
        .unwrap_or_else(|problems| panic!("refused: {problems:?}"))
}

/// (code, in force, tried, change, bracket in force, bracket tried).
type Row<'a> = (&'a str, i64, i64, i64, Option<u32>, Option<u32>);

fn rows(view: &WhatIfView) -> Vec<Row<'_>> {
    view.rows
        .iter()
        .map(|r| {
            (
                r.code.as_str(),
                r.in_force,
                r.amount,
                r.change,
                r.bracket_in_force,
                r.bracket,
            )
        })
        .collect()
}

async fn incentive_whatif_a_raised_bracket_costs_less_and_names_who_loses(db: TestDb) {
    let app = scorecards::setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let (_, period) = last_years_quarter(&db, &app, &mgr).await;

    let same = tried(
        &app,
        &mgr,
        &WhatIfRequest {
            period: period.clone(),
            ..WhatIfRequest::default()
        },
    )
    .await;
    assert_eq!(same.change, 0, "the version in force against itself");
    assert_eq!(same.in_force.as_ref().unwrap().total, 350_000);
    assert_eq!(same.variant.status, "active");

    let view = tried(&app, &mgr, &raised(&period)).await;
    let in_force = view.in_force.as_ref().unwrap();
    assert_eq!((in_force.version, in_force.total), (1, 350_000));
    assert_eq!(
        view.variant.total, 250_000,
        "P1 2% of ¥100,000, P2 1% of ¥50,000"
    );
    assert_eq!(view.variant.status, "unsaved");
    assert_eq!(view.change, -100_000);
    assert_eq!(view.change_shown, "-¥1,000.00");
    assert_eq!((view.gainers, view.losers, view.subjects), (0, 1, 2));
    assert_eq!(
        rows(&view),
        vec![
            ("P1", 300_000, 200_000, -100_000, Some(3), Some(2)),
            ("P2", 50_000, 50_000, 0, Some(1), Some(1)),
        ],
        "the largest change first"
    );
    assert_eq!(view.mode, "retroactive");
    assert_eq!(view.brackets[2].from, "110%");

    // Marginal on the same table pays each slice at its own rate: P1's
    // ¥80,000 at 1% and ¥20,000 at 2%.
    let marginal = tried(
        &app,
        &mgr,
        &WhatIfRequest {
            mode: Some("marginal".into()),
            ..raised(&period)
        },
    )
    .await;
    assert_eq!(
        rows(&marginal)[0],
        ("P1", 300_000, 120_000, -180_000, Some(3), Some(2))
    );

    // Nothing was written: one version, no run.
    let detail = app.program(&mgr, "RB-Q").await.unwrap();
    assert_eq!(detail.versions.len(), 1);
    assert!(app.incentive_runs(&mgr, None).await.unwrap().is_empty());
}

async fn incentive_whatif_refusals_name_where_and_write_nothing(db: TestDb) {
    let app = scorecards::setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let (year, period) = last_years_quarter(&db, &app, &mgr).await;
    let paths = |answer: Result<WhatIfView, Vec<qudao_app::incentives::ProgramProblem>>| {
        answer
            .expect_err("refused")
            .into_iter()
            .map(|p| (p.path, p.problem))
            .collect::<Vec<_>>()
    };

    let unordered = WhatIfRequest {
        brackets: table(&[("0%", "1%"), ("100%", "3%"), ("80%", "2%")]),
        ..raised(&period)
    };
    let found = paths(
        app.incentive_whatif(&mgr, "RB-Q", &unordered)
            .await
            .unwrap(),
    );
    assert!(
        found.iter().any(|(path, _)| path == "brackets[2].from"),
        "{found:?}"
    );

    let negative = WhatIfRequest {
        brackets: table(&[("0%", "-1%")]),
        ..raised(&period)
    };
    let found = paths(app.incentive_whatif(&mgr, "RB-Q", &negative).await.unwrap());
    assert!(
        found.iter().any(|(path, _)| path == "brackets[0].rate"),
        "{found:?}"
    );

    let not_a_period = WhatIfRequest {
        period: "2026-Q5".into(),
        ..raised(&period)
    };
    let found = paths(
        app.incentive_whatif(&mgr, "RB-Q", &not_a_period)
            .await
            .unwrap(),
    );
    assert_eq!(found[0].0, "period");

    let a_month = WhatIfRequest {
        period: format!("{year}-08"),
        ..raised(&period)
    };
    let found = paths(app.incentive_whatif(&mgr, "RB-Q", &a_month).await.unwrap());
    assert_eq!(
        found,
        vec![(
            "period".to_owned(),
            Problem::Conflict {
                rule: "program_period_kind",
                with: "quarter".into()
            }
        )]
    );

    let rep = app.caller_by_login("rep1").await.unwrap();
    assert!(matches!(
        app.incentive_whatif(&rep, "RB-Q", &raised(&period)).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.incentive_whatif(&mgr, "NOPE", &raised(&period)).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.save_whatif(&rep, "RB-Q", &raised(&period)).await,
        Err(AppError::Forbidden)
    ));
    let refused = app.save_whatif(&mgr, "RB-Q", &unordered).await.unwrap();
    assert!(!refused.saved && !refused.problems.is_empty());
    assert_eq!(app.program(&mgr, "RB-Q").await.unwrap().versions.len(), 1);
}

async fn incentive_whatif_a_changed_table_is_saved_as_the_next_draft(db: TestDb) {
    let app = scorecards::setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let (_, period) = last_years_quarter(&db, &app, &mgr).await;

    let saved = app
        .save_whatif(&mgr, "RB-Q", &raised(&period))
        .await
        .unwrap();
    assert!(saved.saved, "{:?}", saved.problems);
    let summary = saved.program.unwrap();
    assert_eq!((summary.version, summary.status.as_str()), (2, "draft"));

    // Saving again replaces the draft rather than adding a third version.
    let again = app
        .save_whatif(
            &mgr,
            "RB-Q",
            &WhatIfRequest {
                version: Some(2),
                brackets: table(&[("0%", "1%"), ("80%", "2%"), ("120%", "3%")]),
                ..raised(&period)
            },
        )
        .await
        .unwrap();
    assert_eq!(again.program.unwrap().version, 2);
    let detail = app.program(&mgr, "RB-Q").await.unwrap();
    assert_eq!(detail.versions.len(), 2);
    assert_eq!(detail.versions[1].status, "active", "v1 stays in force");

    // The stored draft, tried as it is, compares with v1.
    let draft = tried(
        &app,
        &mgr,
        &WhatIfRequest {
            period: period.clone(),
            version: Some(2),
            ..WhatIfRequest::default()
        },
    )
    .await;
    assert_eq!(
        (draft.variant.version, draft.variant.status.as_str()),
        (2, "draft")
    );
    assert_eq!(draft.in_force.unwrap().version, 1);
    assert_eq!(draft.brackets[2].from, "120%");
    assert_eq!(draft.change, -100_000);
}

async fn incentive_whatif_sees_a_fact_that_arrived_after_the_last_one(db: TestDb) {
    let app = scorecards::setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let (year, period) = last_years_quarter(&db, &app, &mgr).await;
    let before = tried(&app, &mgr, &raised(&period)).await;
    assert_eq!(
        rows(&before)[1],
        ("P2", 50_000, 50_000, 0, Some(1), Some(1))
    );

    // P2 buys another ¥40,000 that quarter: 90% of target, bracket 2.
    sold(
        &db,
        "P2",
        NaiveDate::from_ymd_opt(year, 9, 1).unwrap(),
        400,
        4_000_000,
    )
    .await;
    tokio::time::sleep(qudao_app::analytics::POLL + std::time::Duration::from_millis(200)).await;
    let after = tried(&app, &mgr, &raised(&period)).await;
    let p2 = after.rows.iter().find(|r| r.code == "P2").unwrap();
    assert_eq!((p2.in_force, p2.amount), (180_000, 180_000));
}
