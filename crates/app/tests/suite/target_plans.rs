//! Stories of target plans: reps and partner admins propose bottom-up
//! figures, the gap view sets them beside the cascade, and a manager
//! approves a proposal into force (an amendment with a reason where the
//! cascade's figure was approved already); every refusal writes nothing.

#![allow(clippy::wildcard_imports)]

use qudao_app::partners::StatusInput;
use qudao_app::target_plans::{
    ApproveProposalInput, GapRow, ProposalInput, ReallocationInput, ReceiverInput,
};
use qudao_app::targets::{AmendInput, CascadeChild, CascadeInput, TargetInput};
use qudao_domain::Problem;
use qudao_domain::targets::{SubjectType, TargetStatus, TargetVersion};

use super::*;

on_both_backends!(
    plans_reps_and_partners_propose_and_the_gap_view_shows_both_versions,
    plans_a_proposal_for_what_the_caller_does_not_cover_is_not_found,
    plans_a_proposal_that_does_not_read_writes_nothing,
    plans_approving_a_proposal_puts_its_figure_in_force,
    plans_replacing_an_approved_figure_needs_a_reason_and_is_logged,
    plans_a_terminated_partners_rest_moves_to_named_partners,
);

/// An admin (boss), a manager, a rep covering P1 and P2, a rep covering
/// P3, P1's partner admin and P2's partner user.
async fn setup(db: &TestDb) -> Qudao {
    let app = db.app().await;
    for (login, role) in [
        ("boss", "admin"),
        ("mgr", "channel_manager"),
        ("rep1", "sales_rep"),
        ("rep2", "sales_rep"),
    ] {
        app.create_user(&system(), &user(login, role, None))
            .await
            .unwrap();
    }
    for (code, owner) in [("P1", "rep1"), ("P2", "rep1"), ("P3", "rep2")] {
        app.create_partner(&system(), &partner(code, "distributor", None, Some(owner)))
            .await
            .unwrap();
    }
    app.create_user(&system(), &user("padmin", "partner_admin", Some("P1")))
        .await
        .unwrap();
    app.create_user(&system(), &user("puser", "partner_user", Some("P2")))
        .await
        .unwrap();
    app
}

fn top_down(subject_type: &str, code: &str, value: &str) -> TargetInput {
    TargetInput {
        period: "2026".into(),
        subject_type: subject_type.into(),
        subject_code: Some(code.into()),
        measure: "sell_in_amount".into(),
        product_line: None,
        value: value.into(),
        version: None,
    }
}

fn proposal(subject_type: &str, code: &str, value: &str) -> ProposalInput {
    ProposalInput {
        period: "2026".into(),
        subject_type: subject_type.into(),
        subject_code: code.into(),
        measure: "sell_in_amount".into(),
        product_line: None,
        value: value.into(),
    }
}

fn rule_of(err: &AppError) -> (&'static str, &'static str) {
    match err {
        AppError::Invalid(problems) => match &problems[0].problem {
            Problem::Rule { rule } => (problems[0].field, *rule),
            Problem::Conflict { rule, .. } => (problems[0].field, *rule),
            Problem::Format { .. } => (problems[0].field, "format"),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

async fn gap(app: &Qudao, login: &str) -> Vec<GapRow> {
    let caller = app.caller_by_login(login).await.unwrap();
    app.target_gap(&caller, "2026", None).await.unwrap()
}

/// (code, top-down, bottom-up, gap, percent) of each node.
type Line = (
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

fn lines_of(rows: &[GapRow]) -> Vec<Line> {
    rows.iter()
        .map(|r| {
            (
                r.subject_code.clone(),
                r.gap.top_down,
                r.gap.bottom_up,
                r.gap.gap,
                r.gap.percent.map(|p| format!("{p:.2}")),
            )
        })
        .collect()
}

async fn target_count(app: &Qudao) -> usize {
    app.target_list(&system(), None).await.unwrap().len()
}

async fn plans_reps_and_partners_propose_and_the_gap_view_shows_both_versions(db: TestDb) {
    let app = setup(&db).await;
    let boss = app.caller_by_login("boss").await.unwrap();
    for (kind, code, value) in [
        ("partner", "P1", "1000.00"),
        ("partner", "P2", "2000.00"),
        ("rep", "rep1", "3000.00"),
    ] {
        app.set_target(&boss, &top_down(kind, code, value))
            .await
            .unwrap();
    }
    let rep1 = app.caller_by_login("rep1").await.unwrap();
    let own = app
        .propose_target(&rep1, &proposal("rep", "rep1", "2700.00"))
        .await
        .unwrap();
    assert_eq!(
        (own.version, own.status, own.value),
        (TargetVersion::BottomUp, TargetStatus::Draft, 270_000)
    );
    app.propose_target(&rep1, &proposal("partner", "P2", "2500.00"))
        .await
        .unwrap();
    // The partner's boss proposes its own figure from the portal.
    let padmin = app.caller_by_login("padmin").await.unwrap();
    app.propose_target(&padmin, &proposal("partner", "P1", "1100.00"))
        .await
        .unwrap();
    // A draft proposal is replaced by the next one, not duplicated.
    let again = app
        .propose_target(&padmin, &proposal("partner", "P1", "1125.50"))
        .await
        .unwrap();
    assert_eq!(again.value, 112_550);

    // Partners first, then reps; gap = bottom-up − top-down, and its
    // percent of the top-down figure.
    let all = vec![
        (
            "P1".to_owned(),
            Some(100_000),
            Some(112_550),
            Some(12_550),
            Some("12.55".to_owned()),
        ),
        (
            "P2".to_owned(),
            Some(200_000),
            Some(250_000),
            Some(50_000),
            Some("25.00".to_owned()),
        ),
        (
            "rep1".to_owned(),
            Some(300_000),
            Some(270_000),
            Some(-30_000),
            Some("-10.00".to_owned()),
        ),
    ];
    assert_eq!(lines_of(&gap(&app, "boss").await), all);
    assert_eq!(lines_of(&gap(&app, "rep1").await), all);
    assert_eq!(
        gap(&app, "rep1").await[2].subject_type,
        SubjectType::Rep,
        "the rep's own node"
    );
    // A partner sees its own node only, and our figure for it once we
    // approve it (a draft is our plan); a rep covering nothing of these
    // sees nothing.
    let proposal_only = |line: &Line| (line.0.clone(), None, line.2, None, None);
    assert_eq!(
        lines_of(&gap(&app, "padmin").await),
        [proposal_only(&all[0])]
    );
    assert_eq!(
        lines_of(&gap(&app, "puser").await),
        [proposal_only(&all[1])]
    );
    assert!(gap(&app, "rep2").await.is_empty());

    // A node with a proposal and no cascade yet shows no gap.
    let rep2 = app.caller_by_login("rep2").await.unwrap();
    app.propose_target(&rep2, &proposal("partner", "P3", "10.00"))
        .await
        .unwrap();
    assert_eq!(
        lines_of(&gap(&app, "rep2").await),
        vec![("P3".to_owned(), None, Some(1_000), None, None)]
    );
}

async fn plans_a_proposal_for_what_the_caller_does_not_cover_is_not_found(db: TestDb) {
    let app = setup(&db).await;
    let padmin = app.caller_by_login("padmin").await.unwrap();
    let rep1 = app.caller_by_login("rep1").await.unwrap();
    let refusals = [
        // Another partner does not exist for P1's admin.
        (&padmin, proposal("partner", "P2", "1.00")),
        (&padmin, proposal("partner", "NOPE", "1.00")),
        (&padmin, proposal("rep", "rep1", "1.00")),
        // A rep proposes for itself and the partners it covers only.
        (&rep1, proposal("partner", "P3", "1.00")),
        (&rep1, proposal("rep", "rep2", "1.00")),
    ];
    for (caller, input) in refusals {
        let err = app.propose_target(caller, &input).await.unwrap_err();
        assert!(matches!(err, AppError::NotFound(_)), "{input:?}: {err:?}");
    }
    // Roles that do not propose are refused whatever they name.
    for login in ["puser", "mgr", "boss"] {
        let caller = app.caller_by_login(login).await.unwrap();
        let err = app
            .propose_target(&caller, &proposal("partner", "P1", "1.00"))
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Forbidden), "{login}: {err:?}");
    }
    assert_eq!(target_count(&app).await, 0);
}

async fn plans_a_proposal_that_does_not_read_writes_nothing(db: TestDb) {
    let app = setup(&db).await;
    let rep1 = app.caller_by_login("rep1").await.unwrap();
    let coverage = ProposalInput {
        measure: "outlet_coverage".into(),
        value: "80".into(),
        ..proposal("partner", "P1", "")
    };
    let line = ProposalInput {
        product_line: Some("NOPE".into()),
        ..proposal("partner", "P1", "1.00")
    };
    let cases = [
        (
            proposal("company", "", "1.00"),
            ("subject_type", "proposal_subject_type"),
        ),
        (
            proposal("region", "310000", "1.00"),
            ("subject_type", "proposal_subject_type"),
        ),
        (coverage, ("measure", "proposal_not_additive")),
        (
            proposal("partner", "P1", "-5"),
            ("value", "target_negative"),
        ),
        (line, ("product_line", "target_product_line_unknown")),
    ];
    for (input, want) in cases {
        let err = app.propose_target(&rep1, &input).await.unwrap_err();
        assert_eq!(rule_of(&err), want, "{input:?}");
    }
    let bad_period = ProposalInput {
        period: "2026-13".into(),
        ..proposal("partner", "P1", "1.00")
    };
    let err = app.propose_target(&rep1, &bad_period).await.unwrap_err();
    assert_eq!(rule_of(&err).0, "period");
    assert_eq!(target_count(&app).await, 0);
}

async fn plans_approving_a_proposal_puts_its_figure_in_force(db: TestDb) {
    let app = setup(&db).await;
    let boss = app.caller_by_login("boss").await.unwrap();
    let rep1 = app.caller_by_login("rep1").await.unwrap();
    let cascade = app
        .set_target(&boss, &top_down("partner", "P1", "1000.00"))
        .await
        .unwrap();
    let p1 = app
        .propose_target(&rep1, &proposal("partner", "P1", "1200.00"))
        .await
        .unwrap();
    let p2 = app
        .propose_target(&rep1, &proposal("partner", "P2", "800.00"))
        .await
        .unwrap();

    // Only those who approve targets approve a proposal.
    for login in ["rep1", "padmin", "mgr"] {
        let caller = app.caller_by_login(login).await.unwrap();
        let err = app
            .approve_proposal(&caller, p1.id, &ApproveProposalInput::default())
            .await
            .unwrap_err();
        // The manager owns none of these partners: not found, not refused.
        assert!(
            matches!(err, AppError::Forbidden | AppError::NotFound(_)),
            "{login}: {err:?}"
        );
    }
    // A top-down target is approved as itself, not as a proposal.
    let err = app
        .approve_proposal(&boss, cascade.id, &ApproveProposalInput::default())
        .await
        .unwrap_err();
    assert_eq!(rule_of(&err), ("version", "proposal_not_bottom_up"));

    // A draft cascade figure gives way to the proposal, and both lock.
    let done = app
        .approve_proposal(&boss, p1.id, &ApproveProposalInput::default())
        .await
        .unwrap();
    assert_eq!(done.top_down.id, cascade.id);
    assert_eq!(
        (
            done.top_down.value,
            done.top_down.status,
            done.replaced,
            done.amended
        ),
        (120_000, TargetStatus::Approved, Some(100_000), false)
    );
    assert_eq!(done.bottom_up.status, TargetStatus::Approved);
    // A node without a cascade figure gets one from the proposal.
    let done = app
        .approve_proposal(&boss, p2.id, &ApproveProposalInput::default())
        .await
        .unwrap();
    assert_eq!(
        (done.top_down.version, done.top_down.value, done.replaced),
        (TargetVersion::TopDown, 80_000, None)
    );
    assert_eq!(done.top_down.status, TargetStatus::Approved);

    // What is in force is the top-down figure; the approved proposal is
    // locked, and is not approved twice.
    let rows = app.target_gap(&boss, "2026", None).await.unwrap();
    assert_eq!(
        lines_of(&rows),
        vec![
            (
                "P1".to_owned(),
                Some(120_000),
                Some(120_000),
                Some(0),
                Some("0.00".to_owned())
            ),
            (
                "P2".to_owned(),
                Some(80_000),
                Some(80_000),
                Some(0),
                Some("0.00".to_owned())
            ),
        ]
    );
    let err = app
        .propose_target(&rep1, &proposal("partner", "P1", "1300.00"))
        .await
        .unwrap_err();
    assert_eq!(rule_of(&err), ("value", "target_locked"));
    let err = app
        .approve_proposal(&boss, p1.id, &ApproveProposalInput::default())
        .await
        .unwrap_err();
    assert_eq!(rule_of(&err), ("status", "proposal_already_approved"));
    let unknown = app
        .approve_proposal(&boss, 999_999, &ApproveProposalInput::default())
        .await
        .unwrap_err();
    assert!(matches!(unknown, AppError::NotFound(_)));
}

async fn plans_replacing_an_approved_figure_needs_a_reason_and_is_logged(db: TestDb) {
    let app = setup(&db).await;
    let boss = app.caller_by_login("boss").await.unwrap();
    let rep1 = app.caller_by_login("rep1").await.unwrap();
    let cascade = app
        .set_target(&boss, &top_down("rep", "rep1", "3000.00"))
        .await
        .unwrap();
    app.approve_target(&boss, cascade.id).await.unwrap();
    let own = app
        .propose_target(&rep1, &proposal("rep", "rep1", "2600.00"))
        .await
        .unwrap();
    let err = app
        .approve_proposal(&boss, own.id, &ApproveProposalInput::default())
        .await
        .unwrap_err();
    assert_eq!(rule_of(&err), ("reason", "amendment_reason_required"));
    // Nothing changed: the cascade's figure and the draft proposal stand.
    let (still, amendments) = app.target(&boss, cascade.id).await.unwrap();
    assert_eq!((still.value, amendments.len()), (300_000, 0));
    assert_eq!(
        app.target(&boss, own.id).await.unwrap().0.status,
        TargetStatus::Draft
    );

    let done = app
        .approve_proposal(
            &boss,
            own.id,
            &ApproveProposalInput {
                reason: "华东区经销商调整，按销售上报".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (done.top_down.value, done.replaced, done.amended),
        (260_000, Some(300_000), true)
    );
    let (after, amendments) = app.target(&boss, cascade.id).await.unwrap();
    assert_eq!(after.value, 260_000);
    assert_eq!(
        amendments
            .iter()
            .map(|a| (a.old_value, a.new_value, a.reason.as_str(), a.by.as_str()))
            .collect::<Vec<_>>(),
        vec![(300_000, 260_000, "华东区经销商调整，按销售上报", "boss")]
    );
    // The amendment path is the same one a plain amendment takes.
    let err = app
        .amend_target(
            &boss,
            cascade.id,
            &AmendInput {
                value: "2600.00".into(),
                reason: "again".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(rule_of(&err), ("value", "amendment_changes_nothing"));
}

fn moving(from: &str, parts: &[(&str, &str)], reason: &str) -> ReallocationInput {
    ReallocationInput {
        from: from.into(),
        by: "percents".into(),
        receivers: parts
            .iter()
            .map(|(partner, part)| ReceiverInput {
                partner: (*partner).into(),
                part: (*part).into(),
            })
            .collect(),
        // The last receiver takes the remainder.
        remainder_to: parts.last().map(|(partner, _)| (*partner).into()),
        reason: reason.into(),
    }
}

async fn plans_a_terminated_partners_rest_moves_to_named_partners(db: TestDb) {
    let app = setup(&db).await;
    let boss = app.caller_by_login("boss").await.unwrap();
    app.create_partner(&system(), &partner("P4", "distributor", None, Some("rep1")))
        .await
        .unwrap();
    // 3,650 a year is 5 a day for each of two partners (2026 has 365 days).
    let company = app
        .set_target(&boss, &top_down("company", "", "3650.00"))
        .await
        .unwrap();
    let split = CascadeInput {
        by: "amounts".into(),
        children: [("P1", "1825.00"), ("P2", "1825.00")]
            .iter()
            .map(|(code, part)| CascadeChild {
                subject_type: "partner".into(),
                subject_code: (*code).into(),
                part: Some((*part).into()),
            })
            .collect(),
        remainder_to: None,
        draft: false,
    };
    let done = app.cascade_target(&boss, company.id, &split).await.unwrap();
    let (p1, p2) = (done.children[0].id, done.children[1].id);
    for id in [company.id, p1, p2] {
        app.approve_target(&boss, id).await.unwrap();
    }
    for code in ["P1", "P4"] {
        let ended = StatusInput {
            status: "terminated".into(),
            reason: "合同到期不再续约".into(),
        };
        app.change_partner_status(&boss, code, &ended)
            .await
            .unwrap();
    }

    let half = [("P2", "50"), ("P3", "50")];
    let refusals = [
        (
            moving("2026-07-01", &[("P2", "50"), ("P4", "50")], "P1 终止合作"),
            ("receivers", "reallocation_to_terminated"),
        ),
        (
            moving("2026-07-01", &half, " "),
            ("reason", "amendment_reason_required"),
        ),
        (
            moving("2027-01-01", &half, "P1 终止合作"),
            ("from", "date_outside_period"),
        ),
        (
            moving("2026-07-01", &[("P2", "50"), ("P3", "40")], "P1 终止合作"),
            ("receivers", "cascade_percent_not_100"),
        ),
        (
            moving("2026-07-01", &[("P1", "50"), ("P3", "50")], "P1 终止合作"),
            ("receivers", "reallocation_to_itself"),
        ),
        (
            moving("2026-07-01", &[("P2", "50"), ("NOPE", "50")], "P1 终止合作"),
            ("receivers", "target_subject_unknown"),
        ),
    ];
    for (input, want) in refusals {
        let err = app.reallocate_target(&boss, p1, &input).await.unwrap_err();
        assert_eq!(rule_of(&err), want, "{input:?}");
    }
    let err = app
        .reallocate_target(&boss, company.id, &moving("2026-07-01", &half, "x"))
        .await
        .unwrap_err();
    assert_eq!(rule_of(&err), ("target", "reallocation_not_partner"));
    let rep1 = app.caller_by_login("rep1").await.unwrap();
    let err = app
        .reallocate_target(&rep1, p1, &moving("2026-07-01", &half, "x"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden), "{err:?}");
    // Nothing was written by any of them.
    let (still, amendments) = app.target(&boss, p1).await.unwrap();
    assert_eq!((still.value, amendments.len()), (182_500, 0));
    assert_eq!(target_count(&app).await, 3);

    // P1 served 181 days (January to June) at 5 a day: it keeps 905.00;
    // the 920.00 left goes half to P2 and half to P3, which had none.
    let moved = app
        .reallocate_target(&boss, p1, &moving("2026-07-01", &half, "P1 终止合作"))
        .await
        .unwrap();
    assert_eq!(
        (
            moved.source.value,
            moved.moved,
            moved.days_elapsed,
            moved.days_left
        ),
        (90_500, 92_000, 181, 184)
    );
    let received: Vec<(String, i64, TargetStatus, Option<i64>)> = moved
        .receivers
        .iter()
        .map(|t| (t.subject_code.clone(), t.value, t.status, t.parent_id))
        .collect();
    assert_eq!(
        received,
        vec![
            (
                "P2".to_owned(),
                228_500,
                TargetStatus::Approved,
                Some(company.id)
            ),
            (
                "P3".to_owned(),
                46_000,
                TargetStatus::Approved,
                Some(company.id)
            ),
        ]
    );
    // The cascade above still sums exactly.
    let tree = app.targets(&boss, "2026", None).await.unwrap();
    assert_eq!(tree[0].unallocated, Some(0));
    // Each touched target's history says where the figure went or came from.
    let reasons = |amendments: Vec<qudao_app::targets::AmendmentView>| {
        amendments
            .into_iter()
            .map(|a| (a.old_value, a.new_value, a.reason))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        reasons(app.target(&boss, p1).await.unwrap().1),
        vec![(182_500, 90_500, "P1 终止合作 → P2, P3".to_owned())]
    );
    assert_eq!(
        reasons(app.target(&boss, p2).await.unwrap().1),
        vec![(182_500, 228_500, "P1 → P1 终止合作".to_owned())]
    );
    assert_eq!(
        reasons(app.target(&boss, moved.receivers[1].id).await.unwrap().1),
        vec![(0, 46_000, "P1 → P1 终止合作".to_owned())]
    );
}
