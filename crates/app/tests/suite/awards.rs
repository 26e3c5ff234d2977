//! Stories of awards: an award refused field by field with nothing
//! written, a run that picks the same winners from the stored results with
//! the numbers behind the choice, each refused run (unknown evaluation, a
//! KPI the scorecard does not weigh, a region award over the reps, a
//! second run), and what a partner sees: its own place, and only the names
//! of a public award's other winners, on both backends.

#![allow(clippy::wildcard_imports)]

use qudao_app::awards::{AwardInput, AwardRunDetail};
use qudao_app::scorecards::{KpiInput, TemplateInput};
use qudao_domain::Problem;

use super::scorecards::{distributors, last_years_facts, rule_of, setup};
use super::*;

on_both_backends!(
    awards_a_run_picks_winners_from_stored_results_with_the_numbers,
    awards_bad_input_is_refused_by_field_and_writes_nothing,
    awards_a_partner_sees_its_own_and_only_names_of_public_winners,
);

fn award(measure: &str, per_group: &str, places: &str, public: bool) -> AwardInput {
    AwardInput {
        name: "年度最佳合作伙伴".into(),
        name_en: Some("Partner of the year".into()),
        measure: measure.into(),
        per_group: per_group.into(),
        new_only: false,
        min_total: None,
        places: places.into(),
        public,
    }
}

/// A winner as a row: place, code, group, value, total.
type Row<'a> = (
    u32,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

fn table(run: &AwardRunDetail) -> Vec<Row<'_>> {
    run.winners
        .iter()
        .map(|w| {
            (
                w.place,
                w.code.as_str(),
                w.group_type.as_deref(),
                w.value.as_deref(),
                w.total.as_deref(),
            )
        })
        .collect()
}

async fn award_runs_written(db: &TestDb) -> i64 {
    db.count("SELECT COUNT(*) FROM award_runs").await
}

async fn awards_a_run_picks_winners_from_stored_results_with_the_numbers(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    app.save_scorecard_template(&mgr, "dist", &distributors())
        .await
        .unwrap();
    let period = last_years_facts(&db, &app).await;
    let run = app
        .evaluate(&mgr, &period, Some("dist"))
        .await
        .unwrap()
        .remove(0);

    // Totals: P2 60, P1 48, P3 0; two places per partner type.
    app.save_award(&mgr, "best", &award("total", "type", "2", true))
        .await
        .unwrap();
    let best = app.run_award(&mgr, "best", run.id).await.unwrap();
    assert_eq!(
        table(&best),
        [
            (1, "P2", Some("distributor"), Some("60"), Some("60.00")),
            (2, "P1", Some("distributor"), Some("48"), Some("48.00")),
        ]
    );
    assert_eq!((best.run.evaluation_run_id, best.run.winners), (run.id, 2));

    // On a KPI: its input is compared; P3 had no target, so no input, and
    // does not compete. The numbers come back as stored.
    app.save_award(
        &mgr,
        "champion",
        &award("sell_in_attainment", "none", "3", false),
    )
    .await
    .unwrap();
    let champion = app.run_award(&mgr, "champion", run.id).await.unwrap();
    assert_eq!(
        table(&champion),
        [
            (1, "P2", None, Some("120"), Some("60.00")),
            (2, "P1", None, Some("80"), Some("48.00")),
        ]
    );
    assert_eq!(
        app.award_run(&mgr, champion.run.id).await.unwrap(),
        champion
    );

    // A minimum total keeps P1 out; new partners only: all three were
    // signed this year, not in last year's period.
    let mut good = award("total", "none", "3", false);
    good.min_total = Some("50".into());
    app.save_award(&mgr, "good", &good).await.unwrap();
    let good = app.run_award(&mgr, "good", run.id).await.unwrap();
    assert_eq!(table(&good), [(1, "P2", None, Some("60"), Some("60.00"))]);
    let mut newcomer = award("total", "none", "1", false);
    newcomer.new_only = true;
    app.save_award(&mgr, "newcomer", &newcomer).await.unwrap();
    let newcomer = app.run_award(&mgr, "newcomer", run.id).await.unwrap();
    assert!(newcomer.winners.is_empty(), "{newcomer:?}");

    // The same facts evaluated again choose the same winners.
    let again = app
        .evaluate(&mgr, &period, Some("dist"))
        .await
        .unwrap()
        .remove(0);
    let replay = app.run_award(&mgr, "best", again.id).await.unwrap();
    assert_eq!(table(&replay), table(&best));
    let runs = app.award_runs(&mgr, Some("best")).await.unwrap();
    let ids: Vec<i64> = runs.iter().map(|r| r.id).collect();
    assert_eq!(ids, [replay.run.id, best.run.id]);
}

async fn awards_bad_input_is_refused_by_field_and_writes_nothing(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();

    let bad = AwardInput {
        name: " ".into(),
        name_en: None,
        measure: "popularity".into(),
        per_group: "city".into(),
        new_only: false,
        min_total: Some("120".into()),
        places: "x".into(),
        public: false,
    };
    let Err(AppError::Invalid(problems)) = app.save_award(&mgr, "bad code!", &bad).await else {
        panic!("refused");
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
    assert_eq!(
        fields,
        [
            "code",
            "name",
            "measure",
            "per_group",
            "min_total",
            "places"
        ]
    );
    assert!(matches!(
        problems[2].problem,
        Problem::NotOneOf { ref choices } if choices.contains(&"total") && choices.contains(&"sell_in_attainment")
    ));
    let err = app
        .save_award(&mgr, "best", &award("total", "none", "11", false))
        .await
        .unwrap_err();
    let AppError::Invalid(problems) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (problems[0].field, &problems[0].problem),
        (
            "places",
            &Problem::Limit {
                rule: "award_places_range",
                max: 10
            }
        )
    );
    let puser = app.caller_by_login("puser").await.unwrap();
    assert!(matches!(
        app.save_award(&puser, "best", &award("total", "none", "1", true))
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(app.awards(&mgr).await.unwrap().is_empty());
    assert_eq!(db.count("SELECT COUNT(*) FROM awards").await, 0);

    // Runs: an unknown award, an unknown evaluation, a KPI the scorecard
    // does not weigh, a region award over the reps, a second run.
    app.save_scorecard_template(&mgr, "dist", &distributors())
        .await
        .unwrap();
    let reps = TemplateInput {
        code: String::new(),
        name: "销售评分卡".into(),
        subject: "rep".into(),
        partner_type: None,
        kpis: vec![KpiInput {
            kpi: "rep_visits".into(),
            rule: "linear".into(),
            weight: Some("100".into()),
            floor: Some("0".into()),
            target: Some("20".into()),
            ..KpiInput::default()
        }],
    };
    app.save_scorecard_template(&mgr, "reps", &reps)
        .await
        .unwrap();
    let period = last_years_facts(&db, &app).await;
    let runs = app.evaluate(&mgr, &period, None).await.unwrap();
    let dist = runs.iter().find(|r| r.template_code == "dist").unwrap().id;
    let rep_run = runs.iter().find(|r| r.template_code == "reps").unwrap().id;
    app.save_award(
        &mgr,
        "service",
        &award("customer_satisfaction", "none", "1", true),
    )
    .await
    .unwrap();
    app.save_award(&mgr, "regional", &award("total", "region", "1", true))
        .await
        .unwrap();
    assert!(matches!(
        app.run_award(&mgr, "nope", dist).await,
        Err(AppError::NotFound(_))
    ));
    let err = app.run_award(&mgr, "service", 999_999).await.unwrap_err();
    assert_eq!(
        rule_of(&err),
        ("run", "award_evaluation_unknown", "999999".to_owned())
    );
    let err = app.run_award(&mgr, "service", dist).await.unwrap_err();
    assert_eq!(
        rule_of(&err),
        (
            "run",
            "award_kpi_not_in_template",
            "经销商评分卡".to_owned()
        )
    );
    let err = app.run_award(&mgr, "regional", rep_run).await.unwrap_err();
    assert_eq!(
        rule_of(&err),
        ("run", "award_reps_have_no_region", String::new())
    );
    assert!(matches!(
        app.run_award(&puser, "regional", dist).await,
        Err(AppError::Forbidden)
    ));
    assert_eq!(award_runs_written(&db).await, 0);
    let first = app.run_award(&mgr, "regional", dist).await.unwrap();
    let err = app.run_award(&mgr, "regional", dist).await.unwrap_err();
    assert_eq!(
        rule_of(&err),
        ("run", "award_already_run", format!("#{}", first.run.id))
    );
    assert_eq!(award_runs_written(&db).await, 1);
}

async fn awards_a_partner_sees_its_own_and_only_names_of_public_winners(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    app.save_scorecard_template(&mgr, "dist", &distributors())
        .await
        .unwrap();
    let period = last_years_facts(&db, &app).await;
    let run = app
        .evaluate(&mgr, &period, Some("dist"))
        .await
        .unwrap()
        .remove(0);
    // P2 first, P1 (puser's) second.
    app.save_award(&mgr, "public", &award("total", "none", "2", true))
        .await
        .unwrap();
    app.save_award(&mgr, "private", &award("total", "none", "2", false))
        .await
        .unwrap();
    app.save_award(&mgr, "top", &award("total", "none", "1", false))
        .await
        .unwrap();
    let public = app.run_award(&mgr, "public", run.id).await.unwrap();
    let private = app.run_award(&mgr, "private", run.id).await.unwrap();
    let top = app.run_award(&mgr, "top", run.id).await.unwrap();

    let puser = app.caller_by_login("puser").await.unwrap();
    // A public award: every winner's name, but only its own numbers.
    let seen = app.award_run(&puser, public.run.id).await.unwrap();
    assert_eq!(
        table(&seen),
        [
            (1, "P2", None, None, None),
            (2, "P1", None, Some("48"), Some("48.00")),
        ]
    );
    // Not public: its own place only; nothing of an award it did not win,
    // not even how many won it.
    let seen = app.award_run(&puser, private.run.id).await.unwrap();
    assert_eq!(table(&seen), [(2, "P1", None, Some("48"), Some("48.00"))]);
    assert_eq!(seen.run.winners, 1);
    let unseen = app.award_run(&puser, top.run.id).await.unwrap();
    assert!(unseen.winners.is_empty());
    assert_eq!(unseen.run.winners, 0);
    let runs = app.award_runs(&puser, None).await.unwrap();
    let listed: Vec<(&str, i32)> = runs
        .iter()
        .map(|r| (r.award_code.as_str(), r.winners))
        .collect();
    assert_eq!(listed, [("private", 1), ("public", 2)]);
    let mine = app.my_awards(&puser).await.unwrap();
    let won: Vec<(&str, Vec<(u32, &str)>)> = mine
        .won
        .iter()
        .map(|d| {
            (
                d.run.award_code.as_str(),
                d.winners
                    .iter()
                    .map(|w| (w.place, w.code.as_str()))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        won,
        [("private", vec![(2, "P1")]), ("public", vec![(2, "P1")])]
    );
    let lists: Vec<&str> = mine
        .public
        .iter()
        .map(|d| d.run.award_code.as_str())
        .collect();
    assert_eq!(lists, ["public"]);
    assert!(
        mine.public[0]
            .winners
            .iter()
            .all(|w| w.code == "P1" || w.total.is_none())
    );

    // Staff see the winners their scope reaches: the other manager covers
    // neither P1 nor P2; the system sees both with their numbers.
    let other = app.caller_by_login("other").await.unwrap();
    assert!(
        app.award_run(&other, public.run.id)
            .await
            .unwrap()
            .winners
            .is_empty()
    );
    assert_eq!(
        table(&app.award_run(&system(), public.run.id).await.unwrap()),
        table(&public)
    );
    assert!(app.my_awards(&mgr).await.unwrap().won.is_empty());
}
