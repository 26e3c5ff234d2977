//! Stories of scorecards: a template refused unless its weights sum to
//! 100, an evaluation run that scores partners from the fact engine and
//! imported inputs, explains every point, ranks, proposes grade moves and
//! replays identically, a manager approving (the grade changes, with
//! history naming the run) and rejecting, an open period's provisional run,
//! the reps' scorecard, the inputs import, and who sees what, on both
//! backends.

#![allow(clippy::wildcard_imports)]

use chrono::Datelike;
use qudao_app::grades::GradeChangeInput;
use qudao_app::imports::ImportKind;
use qudao_app::scorecards::{DecisionInput, KpiInput, ResultView, TemplateInput};
use qudao_app::targets::TargetInput;
use qudao_domain::Problem;

use super::*;

on_both_backends!(
    scorecards_a_run_explains_ranks_proposes_and_replays,
    scorecards_approving_changes_the_grade_once_and_rejecting_keeps_it,
    scorecards_weights_not_100_and_unknown_kpis_write_nothing,
    scorecards_import_names_row_and_column_and_writes_nothing_on_error,
    scorecards_a_partner_sees_only_its_own,
    scorecards_an_open_period_is_provisional_and_proposes_nothing,
    scorecards_reps_are_scored_on_their_target_and_visits,
    scorecards_reporting_discipline_counts_the_months_reported_by_the_due_day,
    scorecards_a_reps_target_attainment_counts_a_moved_partner_by_days,
);

const AT: &str = "'2026-01-01T00:00:00+00:00'";

/// A manager owning distributors P1 and P2, another owning P3, a rep
/// owning retailer R1, a partner user of P1, the TEA product and grades:
/// P1 silver, P2 and P3 registered.
pub(super) async fn setup(db: &TestDb) -> Qudao {
    let app = db.app().await;
    for (login, role) in [
        ("mgr", "channel_manager"),
        ("other", "channel_manager"),
        ("rep1", "sales_rep"),
    ] {
        app.create_user(&system(), &user(login, role, None))
            .await
            .unwrap();
    }
    for (code, kind, owner) in [
        ("P1", "distributor", "mgr"),
        ("P2", "distributor", "mgr"),
        ("P3", "distributor", "other"),
        ("R1", "retailer", "rep1"),
    ] {
        app.create_partner(&system(), &partner(code, kind, None, Some(owner)))
            .await
            .unwrap();
    }
    app.create_user(&system(), &user("puser", "partner_user", Some("P1")))
        .await
        .unwrap();
    for (code, grade) in [("P1", "silver"), ("P2", "registered"), ("P3", "registered")] {
        let change = GradeChangeInput {
            grade: grade.into(),
            reason: "start".into(),
        };
        // A partner may start with the grade already.
        let _ = app.change_partner_grade(&system(), code, &change).await;
    }
    tea_product(db).await;
    app
}

fn last_year() -> String {
    (qudao_app::today().year() - 1).to_string()
}

async fn sold(db: &TestDb, partner: &str, on: chrono::NaiveDate, minor: i64) {
    db.raw(&format!(
        "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
         source, created_at) SELECT p.id, g.id, '{on}', 3, {minor}, 'CNY', 'import', {AT} \
         FROM partners p, products g WHERE p.code = '{partner}' AND g.sku = 'TEA-1'"
    ))
    .await;
}

fn linear(kpi: &str, weight: &str, floor: &str, target: &str) -> KpiInput {
    KpiInput {
        kpi: kpi.into(),
        rule: "linear".into(),
        weight: Some(weight.into()),
        floor: Some(floor.into()),
        target: Some(target.into()),
        ..KpiInput::default()
    }
}

fn deduction(points: &str) -> KpiInput {
    KpiInput {
        kpi: "compliance_violations".into(),
        rule: "deduction".into(),
        points_per_violation: Some(points.into()),
        ..KpiInput::default()
    }
}

/// Sell-in attainment 60 %, collection rate 40 %, 5 points off per violation.
pub(super) fn distributors() -> TemplateInput {
    TemplateInput {
        code: String::new(),
        name: "经销商评分卡".into(),
        subject: "partner".into(),
        partner_type: Some("distributor".into()),
        kpis: vec![
            linear("sell_in_attainment", "60", "0", "100"),
            linear("collection_rate", "40", "0", "100"),
            deduction("5"),
        ],
    }
}

/// A top-down sell-in target, approved: a partner is judged by the
/// targets in force, not by drafts.
async fn target(app: &Qudao, caller: &Caller, kind: &str, code: &str, period: &str, value: &str) {
    let set = app
        .set_target(
            caller,
            &TargetInput {
                period: period.into(),
                subject_type: kind.into(),
                subject_code: Some(code.into()),
                measure: "sell_in_amount".into(),
                product_line: None,
                value: value.into(),
                version: None,
            },
        )
        .await
        .unwrap();
    app.approve_target(caller, set.id).await.unwrap();
}

async fn import(app: &Qudao, caller: &Caller, csv: &str) -> qudao_app::imports::ImportReport {
    app.import(
        caller,
        ImportKind::parse("scorecard_inputs").unwrap(),
        "inputs.csv",
        csv.as_bytes(),
        false,
    )
    .await
    .unwrap()
}

/// Last year: P1 reached 80 % of its target, P2 120 %, P3 has none and
/// two violations.
pub(super) async fn last_years_facts(db: &TestDb, app: &Qudao) -> String {
    let period = last_year();
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let other = app.caller_by_login("other").await.unwrap();
    target(app, &mgr, "partner", "P1", &period, "100").await;
    target(app, &mgr, "partner", "P2", &period, "100").await;
    let day = chrono::NaiveDate::from_ymd_opt(qudao_app::today().year() - 1, 6, 15).unwrap();
    sold(db, "P1", day, 8_000).await;
    sold(db, "P2", day, 12_000).await;
    sold(db, "P3", day, 5_000).await;
    let report = import(
        app,
        &other,
        &format!("period,subject_type,subject_code,kpi,value\n{period},partner,P3,compliance_violations,2\n"),
    )
    .await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    period
}

pub(super) fn rule_of(err: &AppError) -> (&'static str, &'static str, String) {
    match err {
        AppError::Invalid(problems) => match &problems[0].problem {
            Problem::Rule { rule } => (problems[0].field, *rule, String::new()),
            Problem::Conflict { rule, with } => (problems[0].field, *rule, with.clone()),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

fn by_code<'a>(results: &'a [ResultView], code: &str) -> &'a ResultView {
    results
        .iter()
        .find(|r| r.code == code)
        .unwrap_or_else(|| panic!("{code} in {results:?}"))
}

async fn scorecards_a_run_explains_ranks_proposes_and_replays(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    app.save_scorecard_template(&mgr, "dist", &distributors())
        .await
        .unwrap();
    let period = last_years_facts(&db, &app).await;

    let runs = app.evaluate(&mgr, &period, Some("dist")).await.unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!((run.provisional, run.subjects), (false, 3));
    let admin = system();
    let results = app.evaluation_results(&admin, run.id).await.unwrap();
    let ranking: Vec<(&str, &str, i32)> = results
        .iter()
        .map(|r| (r.code.as_str(), r.total.as_str(), r.rank_in_type))
        .collect();
    assert_eq!(
        ranking,
        [("P2", "60.00", 1), ("P1", "48.00", 2), ("P3", "0.00", 3)]
    );

    // P1 explained: 80 % of its target scores 80, worth 48 of 60 points;
    // no invoice, so no collection rate: 0, and said so.
    let p1 = by_code(&results, "P1");
    let attainment = &p1.kpis[0];
    assert_eq!(
        (
            attainment.input.as_deref(),
            attainment.score.as_deref(),
            attainment.weight.as_deref(),
            attainment.points.as_str(),
            attainment.missing_input
        ),
        (Some("80"), Some("80.00"), Some("60"), "48", false)
    );
    assert!(p1.kpis[1].missing_input);
    assert_eq!(p1.kpis[1].points, "0");
    // P3 had no target (attainment missing) and two violations: held at 0.
    let p3 = by_code(&results, "P3");
    assert!(p3.kpis[0].missing_input);
    assert_eq!(p3.kpis[2].points, "-10");

    // Proposals: P1 falls below silver's 50, P2 reaches registered's 60.
    assert_eq!(
        (p1.grade.as_deref(), p1.proposed_grade.as_deref()),
        (Some("silver"), Some("registered"))
    );
    let p2 = by_code(&results, "P2");
    assert_eq!(p2.proposed_grade.as_deref(), Some("silver"));
    assert_eq!(p3.proposed_grade, None);
    let proposals = app.grade_proposals(&mgr, Some(run.id), None).await.unwrap();
    let moves: Vec<(&str, &str, &str, &str)> = proposals
        .iter()
        .map(|p| {
            (
                p.partner_code.as_str(),
                p.from_grade.as_str(),
                p.to_grade.as_str(),
                p.movement.as_str(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [
            ("P2", "registered", "silver", "promote"),
            ("P1", "silver", "registered", "demote")
        ]
    );

    // How P1 reaches gold (silver's promotion threshold, 75): attainment
    // alone cannot (at most 60 points), collections can.
    let card = app.scorecard(&mgr, run.id, "P1").await.unwrap();
    assert_eq!(
        (card.next_grade.as_deref(), card.goal.as_deref()),
        (Some("gold"), Some("75.00"))
    );
    let how = card.how_to_improve.unwrap();
    let ways: Vec<(&str, &str, &str)> = how
        .options
        .iter()
        .map(|o| {
            (
                o.kpi.as_str(),
                o.input_needed.as_str(),
                o.total_after.as_str(),
            )
        })
        .collect();
    assert_eq!(
        (how.kind.as_str(), ways),
        ("options", vec![("collection_rate", "67.5", "75.00")])
    );

    // The same facts give the same stored results.
    let again = app.evaluate(&mgr, &period, Some("dist")).await.unwrap();
    assert_ne!(again[0].id, run.id);
    let replayed = app.evaluation_results(&admin, again[0].id).await.unwrap();
    assert_eq!(replayed, results);
}

async fn scorecards_approving_changes_the_grade_once_and_rejecting_keeps_it(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    app.save_scorecard_template(&mgr, "dist", &distributors())
        .await
        .unwrap();
    let period = last_years_facts(&db, &app).await;
    let run = app.evaluate(&mgr, &period, None).await.unwrap().remove(0);
    let proposals = app.grade_proposals(&mgr, Some(run.id), None).await.unwrap();
    let of = |code: &str| {
        proposals
            .iter()
            .find(|p| p.partner_code == code)
            .unwrap()
            .id
    };

    let approved = app
        .decide_grade_proposal(&mgr, of("P2"), true, &DecisionInput::default())
        .await
        .unwrap();
    assert_eq!(
        (approved.status.as_str(), approved.decided_by.as_deref()),
        ("approved", Some("mgr"))
    );
    let grade = app.partner_grade(&mgr, "P2").await.unwrap();
    assert_eq!(grade.grade.unwrap().code, "silver");
    let last = grade.history.last().unwrap();
    assert_eq!(
        last.reason.as_deref(),
        Some(format!("scorecard run #{} ({period}): total 60.00", run.id).as_str())
    );

    // A second decision is refused and changes nothing.
    let twice = app
        .decide_grade_proposal(&mgr, of("P2"), false, &DecisionInput::default())
        .await
        .unwrap_err();
    assert_eq!(
        rule_of(&twice),
        ("status", "grade_proposal_decided", "approved".to_owned())
    );
    assert_eq!(
        app.partner_grade(&mgr, "P2").await.unwrap().history.len(),
        grade.history.len()
    );

    let rejected = app
        .decide_grade_proposal(
            &mgr,
            of("P1"),
            false,
            &DecisionInput {
                note: Some("新品上市期".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (rejected.status.as_str(), rejected.reason.as_deref()),
        ("rejected", Some("新品上市期"))
    );
    let kept = app.partner_grade(&mgr, "P1").await.unwrap();
    assert_eq!(kept.grade.unwrap().code, "silver");

    // Another manager's scope does not reach P1's proposal; a partner
    // may not decide at all.
    let other = app.caller_by_login("other").await.unwrap();
    let pending = app
        .grade_proposals(&mgr, None, Some("proposed"))
        .await
        .unwrap();
    assert!(pending.is_empty(), "{pending:?}");
    assert!(matches!(
        app.decide_grade_proposal(&other, of("P1"), true, &DecisionInput::default())
            .await,
        Err(AppError::NotFound(_))
    ));
    let puser = app.caller_by_login("puser").await.unwrap();
    assert!(matches!(
        app.grade_proposals(&puser, None, None).await,
        Err(AppError::Forbidden)
    ));
}

async fn scorecards_weights_not_100_and_unknown_kpis_write_nothing(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let mut short = distributors();
    short.kpis[1].weight = Some("30".into());
    let err = app
        .save_scorecard_template(&mgr, "dist", &short)
        .await
        .unwrap_err();
    assert_eq!(
        rule_of(&err),
        ("weights", "scorecard_weights_not_100", "90".to_owned())
    );

    let mut unknown = distributors();
    unknown.kpis[0].kpi = "happiness".into();
    let err = app
        .save_scorecard_template(&mgr, "dist", &unknown)
        .await
        .unwrap_err();
    let AppError::Invalid(problems) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(problems[0].field, "kpi");
    assert!(matches!(problems[0].problem, Problem::NotOneOf { .. }));

    let mut rep_kpi = distributors();
    rep_kpi.kpis[0].kpi = "rep_visits".into();
    let err = app
        .save_scorecard_template(&mgr, "dist", &rep_kpi)
        .await
        .unwrap_err();
    assert_eq!(
        rule_of(&err),
        (
            "kpis",
            "scorecard_kpi_wrong_subject",
            "rep_visits".to_owned()
        )
    );

    let mut floor = distributors();
    floor.kpis[0].floor = Some("abc".into());
    floor.kpis[1].weight = None;
    let err = app
        .save_scorecard_template(&mgr, "dist", &floor)
        .await
        .unwrap_err();
    let AppError::Invalid(problems) = &err else {
        panic!("{err:?}");
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
    assert_eq!(fields, ["floor", "weight"]);

    assert!(app.scorecard_templates(&mgr).await.unwrap().is_empty());
    assert_eq!(db.count("SELECT COUNT(*) FROM scorecard_kpis").await, 0);

    // Only managers keep templates; a second template for one type is refused.
    let puser = app.caller_by_login("puser").await.unwrap();
    assert!(matches!(
        app.save_scorecard_template(&puser, "dist", &distributors())
            .await,
        Err(AppError::Forbidden)
    ));
    app.save_scorecard_template(&mgr, "dist", &distributors())
        .await
        .unwrap();
    let err = app
        .save_scorecard_template(&mgr, "dist2", &distributors())
        .await
        .unwrap_err();
    assert_eq!(
        rule_of(&err),
        ("partner_type", "scorecard_subject_taken", "dist".to_owned())
    );
    // Saving by the same code replaces the KPIs, read back exactly.
    let mut halves = distributors();
    halves.kpis[0].weight = Some("50.5".into());
    halves.kpis[1].weight = Some("49.5".into());
    let saved = app
        .save_scorecard_template(&mgr, "dist", &halves)
        .await
        .unwrap();
    let weights: Vec<Option<&str>> = saved.kpis.iter().map(|k| k.weight.as_deref()).collect();
    assert_eq!(weights, [Some("50.5"), Some("49.5"), None]);
    assert_eq!(app.scorecard_template(&mgr, "dist").await.unwrap(), saved);
}

async fn scorecards_import_names_row_and_column_and_writes_nothing_on_error(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let bad = "period,subject_type,subject_code,kpi,value\n\
               2025,partner,P1,customer_satisfaction,92.5\n\
               2025,partner,NOPE,customer_satisfaction,90\n\
               2025,partner,P1,sell_in_attainment,90\n\
               2025,partner,P2,compliance_violations,1.5\n\
               2025-13,rep,rep1,rep_visits,12\n\
               2025,partner,P1,customer_satisfaction,93\n";
    let report = import(&app, &mgr, bad).await;
    let found: Vec<(Option<usize>, Option<&str>, &str)> = report
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_deref(), e.field.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (Some(3), Some("subject_code"), "subject_code"),
            (Some(4), Some("kpi"), "kpi"),
            (Some(5), Some("value"), "value"),
            (Some(6), Some("period"), "period"),
            (Some(7), Some("kpi"), "kpi"),
        ]
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM scorecard_inputs").await, 0);

    // P3 is not in this manager's scope: unknown to it.
    let outside = import(
        &app,
        &mgr,
        "period,subject_type,subject_code,kpi,value\n2025,partner,P3,training_completion,80\n",
    )
    .await;
    assert_eq!(outside.errors[0].field, "subject_code");

    let good = import(
        &app,
        &mgr,
        "期间,对象类型,对象编码,指标,数值\n2025,合作伙伴,P1,客户满意度,92.5\n2025,销售,rep1,拜访次数,12\n",
    )
    .await;
    assert!(good.errors.is_empty(), "{:?}", good.errors);
    assert_eq!(good.created, 2);
    // Importing again replaces the figure.
    let again = import(
        &app,
        &mgr,
        "period,subject_type,subject_code,kpi,value\n2025,partner,P1,customer_satisfaction,95\n",
    )
    .await;
    assert!(again.errors.is_empty());
    assert_eq!(db.count("SELECT COUNT(*) FROM scorecard_inputs").await, 2);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM scorecard_inputs WHERE value = '95'")
            .await,
        1
    );
}

async fn scorecards_a_partner_sees_only_its_own(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    app.save_scorecard_template(&mgr, "dist", &distributors())
        .await
        .unwrap();
    let period = last_years_facts(&db, &app).await;
    let run = app.evaluate(&mgr, &period, None).await.unwrap().remove(0);

    let puser = app.caller_by_login("puser").await.unwrap();
    let own = app.evaluation_results(&puser, run.id).await.unwrap();
    let codes: Vec<&str> = own.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["P1"]);
    assert!(matches!(
        app.scorecard(&puser, run.id, "P2").await,
        Err(AppError::NotFound(_))
    ));
    let mine = app.my_scorecard(&puser).await.unwrap().unwrap();
    assert_eq!((mine.run.id, mine.result.code.as_str()), (run.id, "P1"));
    assert!(matches!(
        app.evaluate(&puser, &period, None).await,
        Err(AppError::Forbidden)
    ));

    // A manager sees the partners it covers; the rank stays the run's.
    let other = app.caller_by_login("other").await.unwrap();
    let covered = app.evaluation_results(&other, run.id).await.unwrap();
    let seen: Vec<(&str, i32)> = covered
        .iter()
        .map(|r| (r.code.as_str(), r.rank_in_type))
        .collect();
    assert_eq!(seen, [("P3", 3)]);
}

async fn scorecards_an_open_period_is_provisional_and_proposes_nothing(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    app.save_scorecard_template(&mgr, "dist", &distributors())
        .await
        .unwrap();
    let today = qudao_app::today();
    let period = today.year().to_string();
    target(&app, &mgr, "partner", "P2", &period, "100").await;
    sold(&db, "P2", today, 20_000).await;
    let run = app.evaluate(&mgr, &period, None).await.unwrap().remove(0);
    assert!(run.provisional);
    let results = app.evaluation_results(&mgr, run.id).await.unwrap();
    assert_eq!(by_code(&results, "P2").total, "60.00");
    assert!(
        app.grade_proposals(&mgr, Some(run.id), None)
            .await
            .unwrap()
            .is_empty()
    );
    let err = app.evaluate(&mgr, "2026-13", None).await.unwrap_err();
    let AppError::Invalid(problems) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(problems[0].field, "period");
    let err = app.evaluate(&mgr, &period, Some("nope")).await.unwrap_err();
    assert_eq!(
        rule_of(&err),
        ("template", "scorecard_template_unknown", "nope".to_owned())
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM evaluation_runs").await, 1);
}

async fn scorecards_reps_are_scored_on_their_target_and_visits(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let reps = TemplateInput {
        code: String::new(),
        name: "销售评分卡".into(),
        subject: "rep".into(),
        partner_type: None,
        kpis: vec![
            linear("rep_target_attainment", "50", "0", "100"),
            linear("rep_visits", "50", "0", "20"),
        ],
    };
    app.save_scorecard_template(&mgr, "reps", &reps)
        .await
        .unwrap();
    let period = last_year();
    target(&app, &mgr, "rep", "rep1", &period, "100").await;
    let day = chrono::NaiveDate::from_ymd_opt(qudao_app::today().year() - 1, 3, 1).unwrap();
    sold(&db, "R1", day, 5_000).await;
    let report = import(
        &app,
        &mgr,
        &format!("period,subject_type,subject_code,kpi,value\n{period},rep,rep1,rep_visits,10\n"),
    )
    .await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let run = app
        .evaluate(&mgr, &period, Some("reps"))
        .await
        .unwrap()
        .remove(0);
    let results = app.evaluation_results(&mgr, run.id).await.unwrap();
    let rep = by_code(&results, "rep1");
    let inputs: Vec<Option<&str>> = rep.kpis.iter().map(|k| k.input.as_deref()).collect();
    assert_eq!(inputs, [Some("50"), Some("10")]);
    assert_eq!(rep.total, "50.00");
    // A rep sees its own scorecard; a partner sees no rep's.
    let rep1 = app.caller_by_login("rep1").await.unwrap();
    assert_eq!(
        app.scorecard(&rep1, run.id, "rep1")
            .await
            .unwrap()
            .result
            .total,
        "50.00"
    );
    let puser = app.caller_by_login("puser").await.unwrap();
    assert!(
        app.evaluation_results(&puser, run.id)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn scorecards_reporting_discipline_counts_the_months_reported_by_the_due_day(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let template = TemplateInput {
        kpis: vec![linear("reporting_discipline", "100", "0", "100")],
        ..distributors()
    };
    app.save_scorecard_template(&mgr, "dist", &template)
        .await
        .unwrap();
    let year = qudao_app::today().year() - 1;
    // Last year's second quarter, each month due on the 10th of the next,
    // a day in the company's time zone (Shanghai, UTC+8). P1 reported
    // April on 5 May (on time), May on 20 June (late) and June at 23:30 on
    // 10 July (on time); P2 reported May on 11 June and June at 04:00 on
    // 11 July (20:00 on the 10th in UTC), both late; P3 never reported.
    for (partner, month, first_at) in [
        ("P1", "04", format!("{year}-05-05T08:00:00+00:00")),
        ("P1", "05", format!("{year}-06-20T08:00:00+00:00")),
        ("P1", "06", format!("{year}-07-10T15:30:00+00:00")),
        ("P2", "05", format!("{year}-06-11T08:00:00+00:00")),
        ("P2", "06", format!("{year}-07-10T20:00:00+00:00")),
    ] {
        db.raw(&format!(
            "INSERT INTO sellthrough_months (partner_id, month, lines, first_at) \
             SELECT id, '{year}-{month}', 1, '{first_at}' FROM partners WHERE code = '{partner}'"
        ))
        .await;
    }
    let runs = app
        .evaluate(&mgr, &format!("{year}-Q2"), Some("dist"))
        .await
        .unwrap();
    let results = app.evaluation_results(&system(), runs[0].id).await.unwrap();
    let discipline = |code: &str| by_code(&results, code).kpis[0].input.clone();
    assert_eq!(discipline("P1").as_deref(), Some("66.67"));
    assert_eq!(discipline("P2").as_deref(), Some("0"));
    assert_eq!(discipline("P3").as_deref(), Some("0"));
}

/// R1 moves from rep1 to rep2 on 1 July of last year: each rep's target
/// attainment counts R1's sell-in by the days it held R1, as the targets
/// page does.
async fn scorecards_a_reps_target_attainment_counts_a_moved_partner_by_days(db: TestDb) {
    let app = setup(&db).await;
    app.create_user(&system(), &user("rep2", "sales_rep", None))
        .await
        .unwrap();
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let reps = TemplateInput {
        code: String::new(),
        name: "销售评分卡".into(),
        subject: "rep".into(),
        partner_type: None,
        kpis: vec![linear("rep_target_attainment", "100", "0", "100")],
    };
    app.save_scorecard_template(&mgr, "reps", &reps)
        .await
        .unwrap();
    let period = last_year();
    for rep in ["rep1", "rep2"] {
        target(&app, &mgr, "rep", rep, &period, "100").await;
    }
    let year = qudao_app::today().year() - 1;
    let first = chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
    let move_on = chrono::NaiveDate::from_ymd_opt(year, 7, 1).unwrap();
    let days = (chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap() - first).num_days();
    // Twenty fen a day: each rep's share of the 100-yuan target is exact.
    sold(&db, "R1", first, days * 20).await;
    let moved = PartnerEdit {
        name: "R1 有限公司".into(),
        partner_type: "retailer".into(),
        owner_login: Some("rep2".into()),
        owner_from: Some(move_on.to_string()),
        ..PartnerEdit::default()
    };
    app.update_partner(&system(), "R1", &moved).await.unwrap();
    let run = app
        .evaluate(&mgr, &period, Some("reps"))
        .await
        .unwrap()
        .remove(0);
    let results = app.evaluation_results(&mgr, run.id).await.unwrap();
    let input = |code: &str| {
        let given = by_code(&results, code).kpis[0].input.clone().unwrap();
        given.parse::<rust_decimal::Decimal>().unwrap()
    };
    let kept = (move_on - first).num_days();
    // days × 20 fen ÷ 10,000 fen × 100% = days × 0.2%.
    assert_eq!(input("rep1"), rust_decimal::Decimal::new(kept * 2, 1));
    assert_eq!(
        input("rep2"),
        rust_decimal::Decimal::new((days - kept) * 2, 1)
    );
}
