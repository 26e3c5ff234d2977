//! Stories of grades and onboarding (the partner-network issue), on both
//! backends like the rest of the suite.

use std::collections::BTreeMap;

use qudao_app::grades::{GradeChangeInput, GradeInput};
use qudao_app::onboarding::{CriterionInput, EvaluationInput};
use qudao_app::partners::{PartnerFilter, PartnerInput, PartnerSort, StatusInput};
use qudao_app::{AppError, Caller, PageRequest, Qudao, SortDir};
use qudao_domain::onboarding::Stage;
use qudao_domain::{Invalid, Problem};

use super::{TestDb, partner, system, user};

on_both_backends!(
    grades_are_configured_by_admins_with_thresholds_in_order,
    grade_changes_need_a_reason_stay_in_scope_and_keep_history,
    a_grade_created_after_partners_were_read_is_named_in_their_views,
    criteria_weights_are_configurable,
    evaluations_weigh_scores_and_keep_the_weights_they_used,
    evaluation_input_errors_name_each_criterion_and_change_nothing,
    the_pipeline_lists_partners_by_stage_within_scope,
);

fn fields(err: &AppError) -> Vec<&'static str> {
    match err {
        AppError::Invalid(list) => list.iter().map(|i| i.field).collect(),
        other => panic!("expected invalid fields, got {other:?}"),
    }
}

fn problems(err: &AppError) -> Vec<Invalid> {
    match err {
        AppError::Invalid(list) => list.clone(),
        other => panic!("expected invalid fields, got {other:?}"),
    }
}

fn grade_input(code: &str, rank: &str, promote: &str, demote: &str) -> GradeInput {
    GradeInput {
        code: code.into(),
        name: format!("{code} 级"),
        name_en: Some(code.to_uppercase()),
        rank: rank.into(),
        benefits: Some("更多返利".into()),
        benefits_en: Some("more rebate".into()),
        promote_threshold: Some(promote.into()),
        demote_threshold: Some(demote.into()),
    }
}

async fn world(app: &Qudao) -> (Caller, Caller, Caller) {
    for (login, role) in [
        ("manager", "channel_manager"),
        ("rep", "sales_rep"),
        ("finance", "finance"),
    ] {
        app.create_user(&system(), &user(login, role, None))
            .await
            .unwrap();
    }
    let manager = app.caller_by_login("manager").await.unwrap();
    let rep = app.caller_by_login("rep").await.unwrap();
    let finance = app.caller_by_login("finance").await.unwrap();
    (manager, rep, finance)
}

fn prospect(code: &str, owner: Option<&str>) -> PartnerInput {
    PartnerInput {
        status: Some("prospect".into()),
        ..partner(code, "agent", None, owner)
    }
}

fn scores(pairs: &[(&str, &str)]) -> EvaluationInput {
    EvaluationInput {
        scores: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        comment: Some("met at the fair".into()),
    }
}

const ALL_80: &[(&str, &str)] = &[
    ("market_coverage", "80"),
    ("sales_capability", "80"),
    ("credit_standing", "80"),
    ("industry_experience", "80"),
    ("financial_health", "80"),
    ("culture_fit", "80"),
];

async fn grades_are_configured_by_admins_with_thresholds_in_order(db: TestDb) {
    let app = db.app().await;
    let (manager, _, _) = world(&app).await;
    let seeded: Vec<_> = app
        .grades(&manager)
        .await
        .unwrap()
        .into_iter()
        .map(|g| (g.code, g.rank))
        .collect();
    assert_eq!(
        seeded,
        [
            ("platinum".to_owned(), 40),
            ("gold".to_owned(), 30),
            ("silver".to_owned(), 20),
            ("registered".to_owned(), 10)
        ],
        "the migration seeds the ladder, best first"
    );
    assert!(matches!(
        app.create_grade(&manager, &grade_input("diamond", "50", "", "90"))
            .await,
        Err(AppError::Forbidden)
    ));

    // Every bad field at once, and nothing written.
    let err = app
        .create_grade(
            &system(),
            &GradeInput {
                name: " ".into(),
                ..grade_input("Bad Code", "0", "101", "abc")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(&err),
        [
            "code",
            "name",
            "rank",
            "promote_threshold",
            "demote_threshold"
        ]
    );
    let err = app
        .create_grade(&system(), &grade_input("diamond", "50", "90", "90"))
        .await
        .unwrap_err();
    assert_eq!(
        problems(&err),
        [Invalid::new(
            "demote_threshold",
            Problem::Rule {
                rule: "demote_below_promote"
            }
        )]
    );
    let err = app
        .create_grade(&system(), &grade_input("diamond", "40", "", "90"))
        .await
        .unwrap_err();
    assert_eq!(
        problems(&err),
        [Invalid::new(
            "rank",
            Problem::Conflict {
                rule: "grade_rank_unique",
                with: "platinum".into()
            }
        )],
        "the rank names the grade that holds it"
    );
    assert_eq!(app.grades(&system()).await.unwrap().len(), 4);

    let diamond = app
        .create_grade(&system(), &grade_input("Diamond", "50", "", "92.5"))
        .await
        .unwrap();
    assert_eq!(diamond.code, "diamond");
    assert_eq!(diamond.demote_threshold.as_deref(), Some("92.5"));
    assert_eq!(diamond.promote_threshold, None);
    assert!(matches!(
        app.create_grade(&system(), &grade_input("diamond", "60", "", ""))
            .await,
        Err(AppError::Duplicate { field: "code" })
    ));

    // Editing keeps the code; its own rank is not a collision.
    let edited = app
        .update_grade(&system(), "gold", &grade_input("ignored", "30", "90", "70"))
        .await
        .unwrap();
    assert_eq!(
        (edited.code.as_str(), edited.promote_threshold.as_deref()),
        ("gold", Some("90"))
    );
    let err = app
        .update_grade(&system(), "gold", &grade_input("", "30", "60", "70"))
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["demote_threshold"]);
    assert_eq!(
        app.grade(&system(), "gold")
            .await
            .unwrap()
            .demote_threshold
            .as_deref(),
        Some("70"),
        "a refused edit changes nothing"
    );
    assert!(matches!(
        app.update_grade(&manager, "gold", &grade_input("", "30", "90", "70"))
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.update_grade(&system(), "nope", &grade_input("", "30", "90", "70"))
            .await,
        Err(AppError::NotFound(_))
    ));
}

async fn grade_changes_need_a_reason_stay_in_scope_and_keep_history(db: TestDb) {
    let app = db.app().await;
    let (manager, rep, finance) = world(&app).await;
    app.create_partner(&manager, &partner("P1", "distributor", None, None))
        .await
        .unwrap();
    app.create_partner(&system(), &partner("P2", "agent", None, None))
        .await
        .unwrap();
    app.create_user(&system(), &user("staff", "partner_user", Some("P1")))
        .await
        .unwrap();
    let staff = app.caller_by_login("staff").await.unwrap();
    let change = |grade: &str, reason: &str| GradeChangeInput {
        grade: grade.into(),
        reason: reason.into(),
    };
    assert!(
        app.partner_grade(&manager, "P1")
            .await
            .unwrap()
            .grade
            .is_none()
    );

    let err = app
        .change_partner_grade(&manager, "P1", &change("gold", "  "))
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["reason"]);
    let err = app
        .change_partner_grade(&manager, "P1", &change("tin", "x"))
        .await
        .unwrap_err();
    assert_eq!(
        problems(&err),
        [Invalid::new(
            "grade",
            Problem::Rule {
                rule: "grade_must_exist"
            }
        )]
    );
    assert!(
        app.partner_grade(&manager, "P1")
            .await
            .unwrap()
            .history
            .is_empty()
    );

    app.change_partner_grade(&manager, "p1", &change("silver", "first year"))
        .await
        .unwrap();
    let now = app
        .change_partner_grade(&manager, "P1", &change("GOLD", "doubled sell-in"))
        .await
        .unwrap();
    assert_eq!(now.grade.as_ref().map(|g| g.code.as_str()), Some("gold"));
    let steps: Vec<_> = now
        .history
        .iter()
        .map(|c| {
            (
                c.from.as_deref(),
                c.to.as_str(),
                c.reason.as_deref().unwrap_or_default(),
                c.changed_by.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            (None, "silver", "first year", "manager"),
            (Some("silver"), "gold", "doubled sell-in", "manager"),
        ]
    );
    let err = app
        .change_partner_grade(&manager, "P1", &change("gold", "again"))
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["grade"], "the same grade is no change");

    // Scope and role.
    assert!(matches!(
        app.change_partner_grade(&manager, "P2", &change("gold", "x"))
            .await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.change_partner_grade(&rep, "P1", &change("platinum", "x"))
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.change_partner_grade(&finance, "P1", &change("platinum", "x"))
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.partner_grade(&rep, "P1").await,
        Err(AppError::NotFound(_))
    ));
    assert!(
        app.partner_grade(&system(), "P2")
            .await
            .unwrap()
            .history
            .is_empty()
    );
    let own = app.partner_grade(&staff, "P1").await.unwrap();
    assert_eq!(
        own.history.len(),
        2,
        "a partner reads its own grade history"
    );
    assert!(matches!(
        app.partner_grade(&staff, "P2").await,
        Err(AppError::NotFound(_))
    ));

    let audit = app
        .list_audit(
            &system(),
            &qudao_app::audit::Filter {
                entity_key: Some("P1".into()),
                action: Some("change_grade".into()),
                ..Default::default()
            },
            PageRequest::export(),
        )
        .await
        .unwrap();
    assert_eq!(audit.items.len(), 2);
}

/// Partner views take grade codes from a cache; a grade made after it
/// was filled must still be named, on the page and in the list.
async fn a_grade_created_after_partners_were_read_is_named_in_their_views(db: TestDb) {
    let app = db.app().await;
    let (manager, _, _) = world(&app).await;
    app.create_partner(&manager, &partner("P1", "distributor", None, None))
        .await
        .unwrap();
    let change = |grade: &str| GradeChangeInput {
        grade: grade.into(),
        reason: "yearly review".into(),
    };
    app.change_partner_grade(&manager, "P1", &change("gold"))
        .await
        .unwrap();
    let shown = app.partner(&manager, "P1").await.unwrap().partner.grade;
    assert_eq!(shown.as_deref(), Some("gold"));
    app.create_grade(&system(), &grade_input("diamond", "50", "", ""))
        .await
        .unwrap();
    app.change_partner_grade(&manager, "P1", &change("diamond"))
        .await
        .unwrap();
    let shown = app.partner(&manager, "P1").await.unwrap().partner.grade;
    assert_eq!(shown.as_deref(), Some("diamond"));
    let listed = app
        .list_partners(
            &manager,
            &PartnerFilter::default(),
            PartnerSort::Code,
            SortDir::Asc,
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(listed.items[0].grade.as_deref(), Some("diamond"));
}

async fn criteria_weights_are_configurable(db: TestDb) {
    let app = db.app().await;
    let (manager, rep, _) = world(&app).await;
    let seeded = app.criteria(&rep).await.unwrap();
    assert_eq!(seeded.len(), 6);
    assert!(seeded.iter().all(|c| c.active));
    let input = |code: &str, weight: &str| CriterionInput {
        code: code.into(),
        name: "售后服务".into(),
        name_en: Some("After-sales service".into()),
        weight: weight.into(),
        active: None,
    };
    assert!(matches!(
        app.create_criterion(&rep, &input("after_sales", "10"))
            .await,
        Err(AppError::Forbidden)
    ));
    let err = app
        .create_criterion(&manager, &input("after sales", "0"))
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["code", "weight"]);
    let err = app
        .create_criterion(&manager, &input("after_sales", "12.345"))
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["weight"]);
    assert_eq!(app.criteria(&manager).await.unwrap().len(), 6);

    let added = app
        .create_criterion(&manager, &input("after_sales", "12.50"))
        .await
        .unwrap();
    assert_eq!((added.weight.as_str(), added.active), ("12.5", true));
    assert!(matches!(
        app.create_criterion(&manager, &input("after_sales", "5"))
            .await,
        Err(AppError::Duplicate { .. })
    ));
    let off = app
        .update_criterion(
            &manager,
            "culture_fit",
            &CriterionInput {
                active: Some(false),
                ..input("", "10")
            },
        )
        .await
        .unwrap();
    assert!(!off.active);
    let reweighed = app
        .update_criterion(&manager, "culture_fit", &input("", "5"))
        .await
        .unwrap();
    assert_eq!(
        (reweighed.weight.as_str(), reweighed.active),
        ("5", false),
        "leaving `active` out keeps it"
    );
    let codes: Vec<_> = app
        .criteria(&manager)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.code)
        .collect();
    assert_eq!(codes.last().map(String::as_str), Some("after_sales"));
}

async fn evaluations_weigh_scores_and_keep_the_weights_they_used(db: TestDb) {
    let app = db.app().await;
    let (manager, rep, finance) = world(&app).await;
    app.create_partner(&manager, &prospect("P1", None))
        .await
        .unwrap();
    // 80 on everything but culture fit (weight 10 of 100) at 30:
    // (80×90 + 30×10) / 100 = 75.
    let mut pairs = ALL_80.to_vec();
    pairs[5] = ("culture_fit", "30");
    let first = app
        .evaluate_partner(&manager, "P1", &scores(&pairs))
        .await
        .unwrap();
    assert_eq!(first.total, "75.00");
    assert_eq!(first.scores.len(), 6);
    assert_eq!(first.evaluated_by, "manager");

    // Reweigh: culture fit now counts 40 of 130. Old totals stay.
    app.update_criterion(
        &manager,
        "culture_fit",
        &CriterionInput {
            code: String::new(),
            name: "文化契合".into(),
            name_en: None,
            weight: "40".into(),
            active: None,
        },
    )
    .await
    .unwrap();
    let second = app
        .evaluate_partner(&manager, "P1", &scores(&pairs))
        .await
        .unwrap();
    // (80×90 + 30×40) / 130 = 64.615… → 64.62
    assert_eq!(second.total, "64.62");
    let history = app.evaluations(&finance, "P1").await.unwrap();
    let totals: Vec<_> = history.iter().map(|e| e.total.as_str()).collect();
    assert_eq!(
        totals,
        ["64.62", "75.00"],
        "newest first; the old total kept"
    );
    let old_weight = history[1]
        .scores
        .iter()
        .find(|s| s.criterion_code == "culture_fit")
        .map(|s| s.weight.as_str());
    assert_eq!(old_weight, Some("10"), "the snapshot keeps the old weight");

    // Deactivated criteria are not asked for.
    app.update_criterion(
        &manager,
        "culture_fit",
        &CriterionInput {
            code: String::new(),
            name: "文化契合".into(),
            name_en: None,
            weight: "40".into(),
            active: Some(false),
        },
    )
    .await
    .unwrap();
    let third = app
        .evaluate_partner(&manager, "P1", &scores(&ALL_80[..5]))
        .await
        .unwrap();
    assert_eq!((third.total.as_str(), third.scores.len()), ("80.00", 5));

    assert!(matches!(
        app.evaluate_partner(&rep, "P1", &scores(ALL_80)).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.evaluations(&rep, "P1").await,
        Err(AppError::NotFound(_)),
    ));
}

async fn evaluation_input_errors_name_each_criterion_and_change_nothing(db: TestDb) {
    let app = db.app().await;
    let (manager, _, _) = world(&app).await;
    app.create_partner(&manager, &prospect("P1", None))
        .await
        .unwrap();
    app.create_partner(&manager, &partner("P2", "agent", None, None))
        .await
        .unwrap();
    app.create_partner(&system(), &prospect("P3", None))
        .await
        .unwrap();

    let mut pairs = ALL_80.to_vec();
    pairs[0] = ("market_coverage", "101");
    pairs[1] = ("sales_capability", "-1");
    pairs[2] = ("credit_standing", "lots");
    pairs.remove(3); // industry_experience missing
    pairs.push(("charm", "50"));
    let err = app
        .evaluate_partner(&manager, "P1", &scores(&pairs))
        .await
        .unwrap_err();
    let named: Vec<_> = problems(&err)
        .into_iter()
        .map(|i| match i.problem {
            Problem::Conflict { rule, with } => (rule, with),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        named,
        [
            ("score_range", "market_coverage".to_owned()),
            ("score_range", "sales_capability".to_owned()),
            ("score_range", "credit_standing".to_owned()),
            ("score_required", "industry_experience".to_owned()),
            ("criterion_unknown", "charm".to_owned()),
        ]
    );

    // Signed or terminated partners are not evaluated.
    let err = app
        .evaluate_partner(&manager, "P2", &scores(ALL_80))
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["status"]);
    app.change_partner_status(
        &manager,
        "P1",
        &StatusInput {
            status: "terminated".into(),
            reason: "declined".into(),
        },
    )
    .await
    .unwrap();
    let err = app
        .evaluate_partner(&manager, "P1", &scores(ALL_80))
        .await
        .unwrap_err();
    assert_eq!(fields(&err), ["status"]);
    assert!(matches!(
        app.evaluate_partner(&manager, "P3", &scores(ALL_80)).await,
        Err(AppError::NotFound(_))
    ));
    for code in ["P1", "P2", "P3"] {
        assert!(
            app.evaluations(&system(), code).await.unwrap().is_empty(),
            "nothing recorded for {code}"
        );
    }
}

async fn the_pipeline_lists_partners_by_stage_within_scope(db: TestDb) {
    let app = db.app().await;
    let (manager, rep, finance) = world(&app).await;
    for code in ["A1", "A2", "A3", "A4"] {
        app.create_partner(&manager, &prospect(code, None))
            .await
            .unwrap();
    }
    app.create_partner(&system(), &prospect("B1", Some("rep")))
        .await
        .unwrap();
    // Signed before Qudao: not on the board.
    app.create_partner(&manager, &partner("OLD", "retailer", None, None))
        .await
        .unwrap();
    let step = |code: &'static str, to: &'static str| {
        let app = app.clone();
        let manager = manager.clone();
        async move {
            app.change_partner_status(
                &manager,
                code,
                &StatusInput {
                    status: to.into(),
                    reason: "board".into(),
                },
            )
            .await
            .unwrap();
        }
    };
    step("A2", "screening").await;
    step("A3", "screening").await;
    step("A3", "negotiating").await;
    step("A4", "screening").await;
    step("A4", "negotiating").await;
    step("A4", "active").await;
    app.evaluate_partner(&manager, "A2", &scores(ALL_80))
        .await
        .unwrap();

    let board = |caller: Caller| {
        let app = app.clone();
        async move {
            app.pipeline(&caller)
                .await
                .unwrap()
                .columns
                .into_iter()
                .map(|c| {
                    (
                        c.stage,
                        c.cards
                            .into_iter()
                            .map(|card| card.code)
                            .collect::<Vec<_>>(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let s = |v: &[&str]| v.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        board(manager.clone()).await,
        [
            (Stage::Prospect, s(&["A1"])),
            (Stage::Screening, s(&["A2"])),
            (Stage::Negotiating, s(&["A3"])),
            (Stage::Signed, s(&["A4"])),
            (Stage::Lost, s(&[])),
        ]
    );
    assert_eq!(
        board(rep.clone()).await,
        [
            (Stage::Prospect, s(&["B1"])),
            (Stage::Screening, s(&[])),
            (Stage::Negotiating, s(&[])),
            (Stage::Signed, s(&[])),
            (Stage::Lost, s(&[])),
        ]
    );
    assert_eq!(board(finance.clone()).await[0].1, s(&["A1", "B1"]));

    let full = app.pipeline(&manager).await.unwrap();
    let a2 = &full.columns[1].cards[0];
    assert_eq!(a2.latest_total.as_deref(), Some("80.00"));
    assert_eq!(a2.owner_login.as_deref(), Some("manager"));
    assert_eq!(
        a2.moves.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        ["negotiating", "prospect", "terminated"]
    );
    assert!(full.columns[3].cards[0].moves.is_empty());
    let seen_by_finance = app.pipeline(&finance).await.unwrap();
    assert!(
        seen_by_finance.columns[1].cards[0].moves.is_empty(),
        "finance reads the board but moves nothing"
    );

    // Signed long ago: off the board.
    db.raw(
        "UPDATE partner_status_history SET changed_at = '2020-01-01 00:00:00+00:00' \
         WHERE from_status = 'negotiating' AND to_status = 'active'",
    )
    .await;
    assert_eq!(board(finance.clone()).await[3], (Stage::Signed, s(&[])));

    app.create_user(&system(), &user("boss", "partner_admin", Some("A1")))
        .await
        .unwrap();
    let boss = app.caller_by_login("boss").await.unwrap();
    assert!(matches!(
        app.pipeline(&boss).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.criteria(&boss).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.evaluations(&boss, "A1").await,
        Err(AppError::Forbidden)
    ));
}
