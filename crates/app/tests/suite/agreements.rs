//! Stories of agreements, on both backends.

#![allow(clippy::wildcard_imports)]

use chrono::Datelike;

use super::*;

on_both_backends!(
    agreement_amendment_answers_as_of_any_day,
    agreement_bad_input_changes_nothing,
    agreement_scope_lists_and_expiring,
    agreement_unreadable_stored_values_are_errors_naming_them,
    agreement_annual_target_is_the_partners_year_target,
);

fn day(offset: i64) -> chrono::NaiveDate {
    let today = qudao_app::today();
    if offset >= 0 {
        today + chrono::Days::new(offset.unsigned_abs())
    } else {
        today - chrono::Days::new(offset.unsigned_abs())
    }
}

fn terms(from: i64, to: i64, amends: Option<i32>) -> qudao_app::agreements::AgreementInput {
    qudao_app::agreements::AgreementInput {
        amends,
        valid_from: day(from).to_string(),
        valid_to: day(to).to_string(),
        price_list_code: "pl-2026".into(),
        rebate_programs: "R1, r2".into(),
        annual_target: "1,200,000".into(),
        currency: "CNY".into(),
        after_sales_duties: "7-day returns".into(),
        payment_net_days: "30".into(),
        payment_terms: "monthly statement".into(),
        training_duties: "two sales trainings a year".into(),
        signed_on: day(from).to_string(),
        note: if amends.is_some() {
            "price list change".into()
        } else {
            String::new()
        },
    }
}

/// Creates and activates a version, returning its number.
async fn signed(
    app: &Qudao,
    caller: &Caller,
    partner: &str,
    from: i64,
    to: i64,
    amends: Option<i32>,
) -> i32 {
    let draft = app
        .create_agreement_draft(caller, partner, &terms(from, to, amends))
        .await
        .unwrap();
    app.activate_agreement(caller, partner, draft.version)
        .await
        .unwrap()
        .version
}

fn in_force_version(
    found: Result<qudao_app::agreements::AgreementVersionView, AppError>,
) -> Option<i32> {
    match found {
        Ok(view) => Some(view.version),
        Err(AppError::NotFound(_)) => None,
        Err(other) => panic!("{other:?}"),
    }
}

async fn agreement_amendment_answers_as_of_any_day(db: TestDb) {
    use qudao_domain::agreements::AgreementStatus;
    let app = db.app().await;
    app.create_user(&system(), &user("manager", "channel_manager", None))
        .await
        .unwrap();
    let manager = app.caller_by_login("manager").await.unwrap();
    app.create_partner(&manager, &partner("P1", "distributor", None, None))
        .await
        .unwrap();

    let draft = app
        .create_agreement_draft(&manager, "p1", &terms(-100, 265, None))
        .await
        .unwrap();
    assert_eq!(
        (draft.code.as_str(), draft.status),
        ("AG-P1-1", AgreementStatus::Draft)
    );
    assert_eq!(draft.rebate_programs, ["R1", "R2"]);
    assert_eq!(draft.price_list_code.as_deref(), Some("PL-2026"));
    assert_eq!(draft.annual_target.as_deref(), Some("1200000.00"));
    assert_eq!(draft.target_text(), "¥1,200,000.00");
    assert_eq!(
        in_force_version(app.agreement_in_force(&manager, "P1", None).await),
        None,
        "a draft is not in force"
    );
    let first = app.activate_agreement(&manager, "P1", 1).await.unwrap();
    assert_eq!(first.status, AgreementStatus::Active);
    assert_eq!(first.activated_by.as_deref(), Some("manager"));
    assert_eq!(
        in_force_version(app.agreement_in_force(&manager, "P1", None).await),
        Some(1)
    );

    // The amendment starts on D = today + 30.
    let amendment = app
        .create_agreement_draft(
            &manager,
            "P1",
            &qudao_app::agreements::AgreementInput {
                annual_target: "1500000".into(),
                ..terms(30, 400, Some(1))
            },
        )
        .await
        .unwrap();
    assert_eq!(amendment.version, 2);
    assert_eq!(
        in_force_version(app.agreement_in_force(&manager, "P1", Some(day(30))).await),
        Some(1),
        "not until activated"
    );
    app.activate_agreement(&manager, "P1", 2).await.unwrap();
    for (offset, expected) in [
        (-101, None),
        (-100, Some(1)),
        (29, Some(1)),
        (30, Some(2)),
        (31, Some(2)),
        (400, Some(2)),
        (401, None),
    ] {
        assert_eq!(
            in_force_version(
                app.agreement_in_force(&manager, "P1", Some(day(offset)))
                    .await
            ),
            expected,
            "on today{offset:+}"
        );
    }
    // The old version is still there, its own terms untouched.
    let old = app.agreement_version(&manager, "P1", 1).await.unwrap();
    assert_eq!((old.valid_from, old.valid_to), (day(-100), day(265)));
    // Each version shows the year target of the fiscal year it starts in,
    // which the later version's activation amended if it starts in the same.
    let same_year = day(-100).year() == day(30).year();
    assert_eq!(
        old.annual_target.as_deref(),
        Some(if same_year {
            "1500000.00"
        } else {
            "1200000.00"
        })
    );
    assert_eq!(old.superseded_from, Some(day(30)));
    assert_eq!(old.superseded_by.as_deref(), Some("AG-P1-2"));
    assert_eq!(old.in_force_until, Some(day(29)));
    assert_eq!(old.status, AgreementStatus::Active, "in force until D-1");
    let whole = app.agreement(&manager, "P1", Some(day(45))).await.unwrap();
    assert_eq!(
        whole.versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(
        whole.in_force.as_ref().map(|v| v.annual_target.as_deref()),
        Some(Some("1500000.00"))
    );

    // Terminating ends it from the effective day; earlier days keep their answer.
    let ended = app
        .terminate_agreement(
            &manager,
            "P1",
            &qudao_app::agreements::TerminateInput {
                effective_date: day(130).to_string(),
                reason: "partner sold the business".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(ended.terminated_from, Some(day(130)));
    assert_eq!(
        ended.status,
        AgreementStatus::Active,
        "terminated from a later day"
    );
    assert_eq!(
        in_force_version(app.agreement_in_force(&manager, "P1", Some(day(129))).await),
        Some(2)
    );
    assert_eq!(
        in_force_version(app.agreement_in_force(&manager, "P1", Some(day(130))).await),
        None
    );
    assert_eq!(
        in_force_version(app.agreement_in_force(&manager, "P1", Some(day(0))).await),
        Some(1)
    );
    let err = app
        .create_agreement_draft(&manager, "P1", &terms(200, 500, Some(2)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(f) if f[0].field == "amends"),
        "{err:?}"
    );

    // A version terminated today shows as terminated; one in the past as
    // superseded or expired, without any job having run.
    app.create_partner(&manager, &partner("P2", "retailer", None, None))
        .await
        .unwrap();
    signed(&app, &manager, "P2", -400, -200, None).await;
    signed(&app, &manager, "P2", -300, -10, Some(1)).await;
    let p2 = app.agreement(&manager, "P2", None).await.unwrap();
    assert_eq!(
        p2.versions.iter().map(|v| v.status).collect::<Vec<_>>(),
        [AgreementStatus::Expired, AgreementStatus::Superseded]
    );
    assert!(p2.in_force.is_none());
    app.create_partner(&manager, &partner("P3", "agent", None, None))
        .await
        .unwrap();
    signed(&app, &manager, "P3", -10, 100, None).await;
    let ended = app
        .terminate_agreement(
            &manager,
            "P3",
            &qudao_app::agreements::TerminateInput {
                effective_date: day(0).to_string(),
                reason: "breach".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(ended.status, AgreementStatus::Terminated);

    // The list's status filter (SQL) agrees with the domain's rule.
    for status in AgreementStatus::ALL {
        let filter = qudao_app::agreements::AgreementFilter {
            status: Some(*status),
            ..Default::default()
        };
        let page = app
            .list_agreements(
                &manager,
                &filter,
                qudao_app::agreements::AgreementSort::Partner,
                SortDir::Asc,
                PageRequest::export(),
            )
            .await
            .unwrap();
        assert!(
            page.items.iter().all(|v| v.status == *status),
            "{status}: {:?}",
            page.items
        );
    }
    let all = app
        .list_agreements(
            &manager,
            &Default::default(),
            qudao_app::agreements::AgreementSort::Partner,
            SortDir::Asc,
            PageRequest::export(),
        )
        .await
        .unwrap();
    assert_eq!(
        all.items
            .iter()
            .map(|v| v.code.as_str())
            .collect::<Vec<_>>(),
        ["AG-P1-1", "AG-P1-2", "AG-P2-1", "AG-P2-2", "AG-P3-1"]
    );
    let filter = qudao_app::agreements::AgreementFilter {
        in_force_on: Some(day(45)),
        ..Default::default()
    };
    let in_force = app
        .list_agreements(
            &manager,
            &filter,
            qudao_app::agreements::AgreementSort::Partner,
            SortDir::Asc,
            PageRequest::export(),
        )
        .await
        .unwrap();
    assert_eq!(
        in_force
            .items
            .iter()
            .map(|v| v.code.as_str())
            .collect::<Vec<_>>(),
        ["AG-P1-2"]
    );

    let log = app
        .list_audit(
            &system(),
            &qudao_app::audit::Filter {
                entity: Some("agreement".into()),
                ..Default::default()
            },
            PageRequest::export(),
        )
        .await
        .unwrap();
    let mut actions: Vec<_> = log
        .items
        .iter()
        .filter(|e| e.entity_key.starts_with("AG-P1-"))
        .map(|e| (e.entity_key.as_str(), e.action.as_str()))
        .collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            ("AG-P1-1", "create_draft"),
            ("AG-P1-1", "activate"),
            ("AG-P1-2", "create_draft"),
            ("AG-P1-2", "activate"),
            ("AG-P1-1", "supersede"),
            ("AG-P1-2", "terminate"),
        ]
    );
}

async fn agreement_bad_input_changes_nothing(db: TestDb) {
    use qudao_app::agreements::{AgreementInput, TerminateInput};
    use qudao_app::partners::StatusInput;
    let app = db.app().await;
    let admin = system();
    app.create_partner(&admin, &partner("P1", "distributor", None, None))
        .await
        .unwrap();
    let snapshot = |app: Qudao| async move {
        let view = app.agreement(&system(), "P1", None).await.unwrap();
        let audit = app
            .list_audit(&system(), &Default::default(), PageRequest::export())
            .await
            .unwrap()
            .total;
        (format!("{:?}", view.versions), audit)
    };
    let fields_of = |err: AppError| match err {
        AppError::Invalid(fields) => fields.iter().map(|f| f.field).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };

    let before = snapshot(app.clone()).await;
    let out_of_order = AgreementInput {
        valid_to: day(-1).to_string(),
        ..terms(0, 10, None)
    };
    let err = app
        .create_agreement_draft(&admin, "P1", &out_of_order)
        .await
        .unwrap_err();
    assert_eq!(fields_of(err), ["valid_to"]);
    let bad_target = AgreementInput {
        annual_target: "12.345".into(),
        ..terms(0, 10, None)
    };
    assert_eq!(
        fields_of(
            app.create_agreement_draft(&admin, "P1", &bad_target)
                .await
                .unwrap_err()
        ),
        ["annual_target"]
    );
    let bad_currency = AgreementInput {
        currency: "XYZ".into(),
        ..terms(0, 10, None)
    };
    assert_eq!(
        fields_of(
            app.create_agreement_draft(&admin, "P1", &bad_currency)
                .await
                .unwrap_err()
        ),
        ["currency"]
    );
    let negative = AgreementInput {
        annual_target: "-5".into(),
        ..terms(0, 10, None)
    };
    assert_eq!(
        fields_of(
            app.create_agreement_draft(&admin, "P1", &negative)
                .await
                .unwrap_err()
        ),
        ["annual_target"]
    );
    let everything = AgreementInput {
        amends: None,
        valid_from: "2026-02-30".into(),
        valid_to: "".into(),
        price_list_code: "bad code".into(),
        rebate_programs: "R1, R!".into(),
        annual_target: "abc".into(),
        currency: "CNY".into(),
        after_sales_duties: "x".repeat(2001),
        payment_net_days: "400".into(),
        payment_terms: String::new(),
        training_duties: String::new(),
        signed_on: "yesterday".into(),
        note: String::new(),
    };
    assert_eq!(
        fields_of(
            app.create_agreement_draft(&admin, "P1", &everything)
                .await
                .unwrap_err()
        ),
        [
            "valid_from",
            "valid_to",
            "price_list_code",
            "rebate_programs",
            "annual_target",
            "after_sales_duties",
            "payment_net_days",
            "signed_on"
        ]
    );
    assert_eq!(
        snapshot(app.clone()).await,
        before,
        "refused drafts wrote nothing"
    );

    signed(&app, &admin, "P1", -10, 300, None).await;
    let before = snapshot(app.clone()).await;
    // An amendment must start after the version it amends started.
    let err = app
        .create_agreement_draft(&admin, "P1", &terms(-10, 400, Some(1)))
        .await
        .unwrap_err();
    let AppError::Invalid(fields) = err else {
        panic!()
    };
    assert_eq!(fields[0].field, "valid_from");
    assert!(
        fields[0].problem.to_string().contains("AG-P1-1"),
        "{:?}",
        fields[0]
    );
    // Only the latest version is amended, and amendments say why.
    assert_eq!(
        fields_of(
            app.create_agreement_draft(&admin, "P1", &terms(20, 400, None))
                .await
                .unwrap_err()
        ),
        ["amends", "note"]
    );
    assert_eq!(
        fields_of(
            app.create_agreement_draft(&admin, "P1", &terms(20, 400, Some(7)))
                .await
                .unwrap_err()
        ),
        ["amends"]
    );
    let silent = AgreementInput {
        note: " ".into(),
        ..terms(20, 400, Some(1))
    };
    assert_eq!(
        fields_of(
            app.create_agreement_draft(&admin, "P1", &silent)
                .await
                .unwrap_err()
        ),
        ["note"]
    );
    // An active version is neither edited nor activated again.
    assert_eq!(
        fields_of(
            app.update_agreement_draft(&admin, "P1", 1, &terms(-10, 500, None))
                .await
                .unwrap_err()
        ),
        ["version"]
    );
    assert_eq!(
        fields_of(app.activate_agreement(&admin, "P1", 1).await.unwrap_err()),
        ["version"]
    );
    // Terminations need a date inside the term and a reason.
    let terminate = |effective: String, reason: &str| TerminateInput {
        effective_date: effective,
        reason: reason.into(),
    };
    assert_eq!(
        fields_of(
            app.terminate_agreement(&admin, "P1", &terminate(day(-11).to_string(), "x"))
                .await
                .unwrap_err()
        ),
        ["effective_date"]
    );
    assert_eq!(
        fields_of(
            app.terminate_agreement(&admin, "P1", &terminate(day(301).to_string(), "x"))
                .await
                .unwrap_err()
        ),
        ["effective_date"]
    );
    assert_eq!(
        fields_of(
            app.terminate_agreement(&admin, "P1", &terminate("soon".into(), ""))
                .await
                .unwrap_err()
        ),
        ["effective_date", "reason"]
    );
    assert!(matches!(
        app.activate_agreement(&admin, "P1", 9).await,
        Err(AppError::NotFound(_))
    ));
    assert_eq!(
        snapshot(app.clone()).await,
        before,
        "refused changes wrote nothing"
    );

    // An open draft must be edited, not amended again; a terminated partner
    // gets no agreement activated.
    app.create_agreement_draft(&admin, "P1", &terms(20, 400, Some(1)))
        .await
        .unwrap();
    assert_eq!(
        fields_of(
            app.create_agreement_draft(&admin, "P1", &terms(25, 400, Some(2)))
                .await
                .unwrap_err()
        ),
        ["amends"]
    );
    let edited = app
        .update_agreement_draft(
            &admin,
            "P1",
            2,
            &AgreementInput {
                payment_net_days: "45".into(),
                ..terms(20, 400, Some(1))
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.payment_net_days, 45);
    assert_eq!(
        fields_of(
            app.update_agreement_draft(&admin, "P1", 2, &terms(-20, 400, Some(1)))
                .await
                .unwrap_err()
        ),
        ["valid_from"]
    );
    app.change_partner_status(
        &admin,
        "P1",
        &StatusInput {
            status: "terminated".into(),
            reason: "left".into(),
        },
    )
    .await
    .unwrap();
    let before = snapshot(app.clone()).await;
    assert_eq!(
        fields_of(app.activate_agreement(&admin, "P1", 2).await.unwrap_err()),
        ["version"]
    );
    assert_eq!(snapshot(app.clone()).await, before);
    assert!(matches!(
        app.agreement(&admin, "NOPE", None).await,
        Err(AppError::NotFound(_))
    ));
}

async fn agreement_scope_lists_and_expiring(db: TestDb) {
    use qudao_app::agreements::{AgreementFilter, AgreementSort};
    let app = db.app().await;
    for (login, role) in [
        ("manager", "channel_manager"),
        ("rep", "sales_rep"),
        ("finance", "finance"),
    ] {
        app.create_user(&system(), &user(login, role, None))
            .await
            .unwrap();
    }
    app.create_partner(
        &system(),
        &partner("P1", "distributor", None, Some("manager")),
    )
    .await
    .unwrap();
    app.create_partner(&system(), &partner("P2", "retailer", Some("P1"), None))
        .await
        .unwrap();
    app.create_partner(&system(), &partner("P3", "distributor", None, None))
        .await
        .unwrap();
    app.create_user(&system(), &user("padmin", "partner_admin", Some("P1")))
        .await
        .unwrap();
    app.create_user(&system(), &user("puser", "partner_user", Some("P2")))
        .await
        .unwrap();
    let manager = app.caller_by_login("manager").await.unwrap();
    // P1 ends in 20 days, P2 in 90; P3 ends in 10 but is already renewed.
    signed(&app, &manager, "P1", -300, 20, None).await;
    signed(&app, &manager, "P2", -300, 90, None).await;
    signed(&app, &system(), "P3", -300, 10, None).await;
    signed(&app, &system(), "P3", 11, 400, Some(1)).await;
    app.create_agreement_draft(&manager, "P1", &terms(21, 400, Some(1)))
        .await
        .unwrap();

    let expiring = |caller: Caller, days: u32| {
        let app = app.clone();
        async move {
            app.expiring_agreements(
                &caller,
                days,
                AgreementSort::ValidTo,
                SortDir::Asc,
                PageRequest::export(),
            )
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|v| v.code)
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        expiring(system(), 60).await,
        ["AG-P1-1"],
        "a draft successor does not count as renewed"
    );
    assert_eq!(expiring(system(), 120).await, ["AG-P1-1", "AG-P2-1"]);
    assert_eq!(
        app.count_expiring_agreements(&system(), 120).await.unwrap(),
        2
    );
    assert!(
        app.expiring_agreements(
            &system(),
            5000,
            AgreementSort::ValidTo,
            SortDir::Asc,
            PageRequest::export()
        )
        .await
        .is_err()
    );

    let caller = |login: &'static str| {
        let app = app.clone();
        async move { app.caller_by_login(login).await.unwrap() }
    };
    let list = |caller: Caller| {
        let app = app.clone();
        async move {
            app.list_agreements(
                &caller,
                &AgreementFilter::default(),
                AgreementSort::Partner,
                SortDir::Asc,
                PageRequest::export(),
            )
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|v| v.code)
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        list(caller("finance").await).await,
        ["AG-P1-1", "AG-P1-2", "AG-P2-1", "AG-P3-1", "AG-P3-2"]
    );
    assert_eq!(
        list(caller("manager").await).await,
        ["AG-P1-1", "AG-P1-2", "AG-P2-1"]
    );
    assert!(list(caller("rep").await).await.is_empty());
    assert_eq!(
        list(caller("padmin").await).await,
        ["AG-P1-1", "AG-P1-2"],
        "own organisation only"
    );
    assert_eq!(list(caller("puser").await).await, ["AG-P2-1"]);
    assert_eq!(expiring(caller("puser").await, 120).await, ["AG-P2-1"]);

    let puser = caller("puser").await;
    assert_eq!(
        app.agreement_in_force(&puser, "P2", None)
            .await
            .unwrap()
            .code,
        "AG-P2-1"
    );
    for hidden in ["P1", "P3"] {
        assert!(
            matches!(
                app.agreement(&puser, hidden, None).await,
                Err(AppError::NotFound(_))
            ),
            "{hidden}"
        );
    }
    let padmin = caller("padmin").await;
    assert!(matches!(
        app.agreement(&padmin, "P2", None).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.agreement(&manager, "P3", None).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.create_agreement_draft(&manager, "P3", &terms(500, 600, Some(2)))
            .await,
        Err(AppError::NotFound(_))
    ));
    for login in ["rep", "finance", "padmin", "puser"] {
        let who = caller(login).await;
        assert!(
            matches!(
                app.activate_agreement(&who, "P1", 2).await,
                Err(AppError::Forbidden)
            ),
            "{login}"
        );
    }
    assert!(matches!(
        app.agreement(&caller("rep").await, "P1", None).await,
        Err(AppError::NotFound(_))
    ));
    let filter = AgreementFilter {
        partner: Some("p3".into()),
        ..Default::default()
    };
    let found = app
        .list_agreements(
            &system(),
            &filter,
            AgreementSort::Version,
            SortDir::Desc,
            PageRequest::new(Some(1), Some(1)),
        )
        .await
        .unwrap();
    assert_eq!((found.total, found.items[0].code.as_str()), (2, "AG-P3-2"));
}

/// A stored state or target currency no domain type accepts is an error
/// naming the row and the value, never a fallback.
async fn agreement_unreadable_stored_values_are_errors_naming_them(db: TestDb) {
    let app = db.app().await;
    let admin = system();
    app.create_partner(&admin, &partner("P1", "distributor", None, None))
        .await
        .unwrap();
    signed(&app, &admin, "P1", -10, 300, None).await;
    // Only a draft keeps a target of its own (activation moves it into the
    // partner's year target).
    app.create_agreement_draft(&admin, "P1", &terms(30, 300, Some(1)))
        .await
        .unwrap();
    let names_it = |err: AppError, column: &str, value: &str| match err {
        AppError::Internal(detail) => {
            assert!(detail.starts_with("agreement_versions row "), "{detail}");
            assert!(detail.contains(&format!("{column} '{value}'")), "{detail}");
        }
        other => panic!("expected an internal error naming the value, got {other:?}"),
    };
    db.raw("UPDATE agreement_versions SET target_currency = 'XYZ'")
        .await;
    names_it(
        app.agreement(&admin, "P1", None).await.unwrap_err(),
        "target_currency",
        "XYZ",
    );
    db.raw("UPDATE agreement_versions SET target_currency = 'CNY', status = 'bogus'")
        .await;
    names_it(
        app.agreement(&admin, "P1", None).await.unwrap_err(),
        "status",
        "bogus",
    );
}

/// The target an agreement states becomes, on activation, the partner's
/// sell-in target for the fiscal year the version starts in; from then on
/// the agreement shows that one figure, whoever changes it.
async fn agreement_annual_target_is_the_partners_year_target(db: TestDb) {
    use qudao_app::agreements::AgreementInput;
    use qudao_app::targets::{AmendInput, CascadeChild, CascadeInput, TargetInput};
    use qudao_domain::Problem;
    use qudao_domain::targets::{SubjectType, TargetStatus};
    fn problems<T: std::fmt::Debug>(result: Result<T, AppError>) -> Vec<(&'static str, Problem)> {
        match result {
            Err(AppError::Invalid(found)) => {
                found.into_iter().map(|i| (i.field, i.problem)).collect()
            }
            other => panic!("{other:?}"),
        }
    }
    let app = db.app().await;
    app.create_user(&system(), &user("manager", "channel_manager", None))
        .await
        .unwrap();
    let manager = app.caller_by_login("manager").await.unwrap();
    app.create_partner(&manager, &partner("P1", "distributor", None, None))
        .await
        .unwrap();
    let year_of = |offset: i64| day(offset).year().to_string();
    let year_target = |app: &Qudao, year: String| {
        let app = app.clone();
        let manager = manager.clone();
        async move {
            app.target_list(&manager, Some(&year))
                .await
                .unwrap()
                .into_iter()
                .find(|t| t.subject_type == SubjectType::Partner && t.subject_code == "P1")
        }
    };

    let draft = app
        .create_agreement_draft(&manager, "P1", &terms(0, 300, None))
        .await
        .unwrap();
    assert_eq!(draft.annual_target.as_deref(), Some("1200000.00"));
    assert!(
        year_target(&app, year_of(0)).await.is_none(),
        "a draft's figure is only proposed"
    );
    let active = app.activate_agreement(&manager, "P1", 1).await.unwrap();
    assert_eq!(active.annual_target.as_deref(), Some("1200000.00"));
    let target = year_target(&app, year_of(0))
        .await
        .expect("written on activation");
    assert_eq!(
        (target.value, target.status),
        (120_000_000, TargetStatus::Approved)
    );

    // Amended on the targets side, the agreement shows the new figure.
    app.amend_target(
        &manager,
        target.id,
        &AmendInput {
            value: "1300000".into(),
            reason: "mid-year review".into(),
        },
    )
    .await
    .unwrap();
    let shown = app.agreement_in_force(&manager, "P1", None).await.unwrap();
    assert_eq!(shown.annual_target.as_deref(), Some("1300000.00"));
    assert_eq!(shown.target_text(), "¥1,300,000.00");

    // A cascade may take the partner's target in force at its figure, and
    // never changes it.
    let channel = app
        .set_target(
            &manager,
            &TargetInput {
                period: year_of(0),
                subject_type: "channel".into(),
                subject_code: Some("distributor".into()),
                measure: "sell_in_amount".into(),
                value: "1300000".into(),
                ..TargetInput::default()
            },
        )
        .await
        .unwrap();
    let to_p1 = |part: &str| CascadeInput {
        by: "amounts".into(),
        children: vec![CascadeChild {
            subject_type: "partner".into(),
            subject_code: "P1".into(),
            part: Some(part.into()),
        }],
        ..CascadeInput::default()
    };
    let set_channel = |value: &str| TargetInput {
        period: year_of(0),
        subject_type: "channel".into(),
        subject_code: Some("distributor".into()),
        measure: "sell_in_amount".into(),
        value: value.into(),
        ..TargetInput::default()
    };
    app.set_target(&manager, &set_channel("1400000"))
        .await
        .unwrap();
    let changed = app
        .cascade_target(&manager, channel.id, &to_p1("1400000"))
        .await;
    assert_eq!(
        problems(changed),
        [(
            "children",
            Problem::Conflict {
                rule: "cascade_child_locked",
                with: "P1".into()
            }
        )]
    );
    app.set_target(&manager, &set_channel("1300000"))
        .await
        .unwrap();
    let adopted = app
        .cascade_target(&manager, channel.id, &to_p1("1300000"))
        .await
        .unwrap();
    assert_eq!(adopted.children[0].id, target.id);
    assert_eq!(adopted.children[0].parent_id, Some(channel.id));

    // The next version's activation amends the target of the fiscal year
    // it starts in, naming itself as the reason.
    app.create_agreement_draft(
        &manager,
        "P1",
        &AgreementInput {
            annual_target: "1500000".into(),
            ..terms(1, 300, Some(1))
        },
    )
    .await
    .unwrap();
    app.activate_agreement(&manager, "P1", 2).await.unwrap();
    let next = year_target(&app, year_of(1)).await.unwrap();
    assert_eq!(next.value, 150_000_000);
    if year_of(1) == year_of(0) {
        let (_, amendments) = app.target(&manager, next.id).await.unwrap();
        let last = amendments.last().unwrap();
        assert_eq!((last.old_value, last.new_value), (130_000_000, 150_000_000));
        assert_eq!(last.reason, "AG-P1-2 price list change");
    }

    // A target in another currency becomes the company's at the rate of
    // the month the version starts in; without that rate, nothing moves.
    app.create_partner(&manager, &partner("P2", "cross_border", None, None))
        .await
        .unwrap();
    app.create_agreement_draft(
        &manager,
        "P2",
        &AgreementInput {
            annual_target: "100000".into(),
            currency: "USD".into(),
            ..terms(0, 300, None)
        },
    )
    .await
    .unwrap();
    let month = qudao_domain::periods::Month::of(day(0)).to_string();
    let no_rate = app.activate_agreement(&manager, "P2", 1).await;
    assert_eq!(
        problems(no_rate),
        [(
            "rate",
            Problem::Conflict {
                rule: "rate_missing",
                with: format!("{month} USD")
            }
        )]
    );
    assert!(app.agreement(&manager, "P2", None).await.unwrap().versions[0].is_draft());
    app.put_rate(
        &system(),
        &qudao_app::rates::RateInput {
            month,
            currency: "USD".into(),
            rate: "7.1".into(),
        },
    )
    .await
    .unwrap();
    let active = app.activate_agreement(&manager, "P2", 1).await.unwrap();
    assert_eq!(
        (active.annual_target.as_deref(), active.currency.as_deref()),
        (Some("710000.00"), Some("CNY"))
    );
}
