//! Stories of partners, on both backends.

#![allow(clippy::wildcard_imports)]

use super::*;

on_both_backends!(
    partner_tree_and_data_scope,
    partner_input_errors_change_nothing,
    partner_status_lifecycle,
    partner_record_contacts_and_moves,
    unreadable_stored_values_are_errors_naming_them,
    a_partner_page_shares_one_lookup_narrowed_per_area,
);

/// The partner page finds its partner once and hands the handle to the
/// other panels; each area still narrows it, and it serves no one else.
async fn a_partner_page_shares_one_lookup_narrowed_per_area(db: TestDb) {
    let app = db.app().await;
    for (code, parent) in [("P1", None), ("P2", Some("P1")), ("P3", None)] {
        app.create_partner(&system(), &partner(code, "distributor", parent, None))
            .await
            .unwrap();
    }
    app.create_user(&system(), &user("boss", "partner_admin", Some("P1")))
        .await
        .unwrap();
    let boss = app.caller_by_login("boss").await.unwrap();

    let (own, own_shown) = app.partner_shown(&boss, "P1").await.unwrap();
    assert_eq!(own.children.len(), 1);
    let agreement = app.agreement_shown(&boss, &own_shown, None).await.unwrap();
    assert_eq!(agreement.partner_code, "P1");
    let (_, downstream) = app.partner_shown(&boss, "P2").await.unwrap();
    assert!(
        matches!(
            app.agreement_shown(&boss, &downstream, None).await,
            Err(AppError::NotFound(_))
        ),
        "a partner admin sees its downstream's record but not its agreement"
    );
    let (grade, all) = app.partner_grade_shown(&boss, &downstream).await.unwrap();
    assert_eq!(grade.partner_code, "P2", "grades narrow nothing");
    assert!(all.iter().any(|g| g.code == "gold"));
    assert!(matches!(
        app.partner_shown(&boss, "P3").await,
        Err(AppError::NotFound(_))
    ));

    // Another caller cannot use the boss's handle, even one who sees more.
    assert!(matches!(
        app.agreement_shown(&system(), &own_shown, None).await,
        Err(AppError::NotFound(_))
    ));
    let (_, theirs) = app.partner_shown(&system(), "P3").await.unwrap();
    assert!(matches!(
        app.partner_grade_shown(&boss, &theirs).await,
        Err(AppError::NotFound(_))
    ));

    // A page past the end of the list still knows the total.
    let past = app
        .list_partners(
            &system(),
            &PartnerFilter::default(),
            PartnerSort::Code,
            SortDir::Asc,
            PageRequest::new(Some(9), Some(2)),
        )
        .await
        .unwrap();
    assert_eq!((past.items.len(), past.total), (0, 3));
    // The page comes back as one JSON array; it keeps the page's order.
    for (number, codes) in [(1, vec!["P3", "P2"]), (2, vec!["P1"])] {
        let page = app
            .list_partners(
                &system(),
                &PartnerFilter::default(),
                PartnerSort::Code,
                SortDir::Desc,
                PageRequest::new(Some(number), Some(2)),
            )
            .await
            .unwrap();
        assert_eq!(page.total, 3);
        assert_eq!(
            page.items
                .iter()
                .map(|p| p.code.as_str())
                .collect::<Vec<_>>(),
            codes
        );
    }
    let second = app
        .list_partners(
            &system(),
            &PartnerFilter::default(),
            PartnerSort::Code,
            SortDir::Desc,
            PageRequest::new(Some(1), Some(2)),
        )
        .await
        .unwrap();
    assert_eq!(second.items[1].parent_code.as_deref(), Some("P1"));
}

/// The tree: P1 (manager) ─► P2 ─► P4; P3 unowned; P5 (rep).
async fn partner_tree_and_data_scope(db: TestDb) {
    let app = db.app().await;
    for (login, role, partner_code) in [
        ("manager", "channel_manager", None),
        ("rep", "sales_rep", None),
        ("finance", "finance", None),
    ] {
        app.create_user(&system(), &user(login, role, partner_code))
            .await
            .unwrap();
    }
    let manager = app.caller_by_login("manager").await.unwrap();
    let p1 = app
        .create_partner(&manager, &partner("p1", "distributor", None, None))
        .await
        .unwrap();
    assert_eq!((p1.code.as_str(), p1.depth), ("P1", 1));
    let p2 = app
        .create_partner(&manager, &partner("P2", "distributor", Some("P1"), None))
        .await
        .unwrap();
    assert_eq!((p2.parent_code.as_deref(), p2.depth), (Some("P1"), 2));
    app.create_partner(&system(), &partner("P3", "ecommerce", None, None))
        .await
        .unwrap();
    app.create_partner(&system(), &partner("P4", "retailer", Some("P2"), None))
        .await
        .unwrap();
    app.create_partner(&system(), &partner("P5", "agent", None, Some("rep")))
        .await
        .unwrap();
    app.create_user(&system(), &user("boss", "partner_admin", Some("P2")))
        .await
        .unwrap();
    app.create_user(&system(), &user("staff", "partner_user", Some("P4")))
        .await
        .unwrap();

    let err = app
        .create_partner(&manager, &partner("P6", "retailer", Some("P3"), None))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(f) if f[0].field == "parent_code"),
        "a parent outside the scope does not exist: {err:?}"
    );

    let caller = |login: &'static str| {
        let app = app.clone();
        async move { app.caller_by_login(login).await.unwrap() }
    };
    let expected = [
        ("manager", 3),
        ("rep", 1),
        ("finance", 5),
        ("boss", 2),
        ("staff", 1),
    ];
    for (login, total) in expected {
        assert_eq!(
            partner_total(&app, &caller(login).await).await,
            total,
            "{login} sees {total}"
        );
    }
    assert_eq!(partner_total(&app, &system()).await, 5);

    let staff = caller("staff").await;
    for hidden in ["P1", "P2", "P3", "P5", "NOPE"] {
        assert!(
            matches!(
                app.partner(&staff, hidden).await,
                Err(AppError::NotFound(_))
            ),
            "staff must not see {hidden}"
        );
    }
    let own = app.partner(&staff, "p4").await.unwrap();
    assert_eq!(
        own.partner.parent_code, None,
        "the parent is outside the staff's scope"
    );
    assert_eq!(own.owner_login, None);

    let boss = caller("boss").await;
    let detail = app.partner(&boss, "P2").await.unwrap();
    assert_eq!(
        detail
            .children
            .iter()
            .map(|c| c.code.as_str())
            .collect::<Vec<_>>(),
        ["P4"]
    );
    assert!(matches!(
        app.partner(&boss, "P1").await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.create_partner(&boss, &partner("P9", "retailer", Some("P2"), None))
            .await,
        Err(AppError::Forbidden)
    ));

    let detail = app.partner(&manager, "P1").await.unwrap();
    assert_eq!(detail.owner_login.as_deref(), Some("manager"));
    let counts = app.partner_counts_by_type(&manager).await.unwrap();
    assert_eq!(counts.iter().map(|c| c.partners).sum::<i64>(), 3);

    let filter = PartnerFilter {
        text: Some("p".into()),
        depth: Some(2),
        ..Default::default()
    };
    let page = app
        .list_partners(
            &system(),
            &filter,
            PartnerSort::Code,
            SortDir::Desc,
            PageRequest::new(Some(1), Some(1)),
        )
        .await
        .unwrap();
    assert_eq!(
        (page.total, page.items.len(), page.items[0].code.as_str()),
        (1, 1, "P2")
    );
    let page = app
        .list_partners(
            &system(),
            &PartnerFilter::default(),
            PartnerSort::Code,
            SortDir::Desc,
            PageRequest::new(Some(2), Some(2)),
        )
        .await
        .unwrap();
    assert_eq!(
        page.items
            .iter()
            .map(|p| p.code.as_str())
            .collect::<Vec<_>>(),
        ["P3", "P2"]
    );
    assert_eq!(page.pages(), 3);
}

async fn partner_input_errors_change_nothing(db: TestDb) {
    let app = db.app().await;
    app.create_user(&system(), &user("rep", "sales_rep", None))
        .await
        .unwrap();
    app.create_partner(&system(), &partner("P1", "distributor", None, None))
        .await
        .unwrap();
    let err = app
        .create_partner(&system(), &partner("P1", "retailer", None, None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Duplicate { field: "code" }),
        "{err:?}"
    );
    let bad = PartnerInput {
        code: "bad code!".into(),
        name: "".into(),
        partner_type: "wholesaler".into(),
        parent_code: Some("NOPE".into()),
        owner_login: Some("nobody".into()),
        status: Some("terminated".into()),
        record: RecordInput {
            region_code: Some("999999".into()),
            address: None,
            credit_limit: Some("12.345".into()),
            currency: Some("XYZ".into()),
        },
    };
    let AppError::Invalid(fields) = app.create_partner(&system(), &bad).await.unwrap_err() else {
        panic!()
    };
    let names: Vec<_> = fields.iter().map(|f| f.field).collect();
    assert_eq!(
        names,
        [
            "code",
            "name",
            "partner_type",
            "parent_code",
            "owner_login",
            "status",
            "region_code",
            "currency"
        ]
    );
    let mut parent = "P1".to_owned();
    for depth in 2..=6 {
        let code = format!("D{depth}");
        app.create_partner(&system(), &partner(&code, "retailer", Some(&parent), None))
            .await
            .unwrap();
        parent = code;
    }
    let err = app
        .create_partner(&system(), &partner("D7", "retailer", Some(&parent), None))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(f) if f[0].field == "parent_code"),
        "{err:?}"
    );
    assert_eq!(
        partner_total(&app, &system()).await,
        6,
        "rejected partners were not written, not even half"
    );
}

async fn partner_status_lifecycle(db: TestDb) {
    use qudao_app::partners::StatusInput;
    use qudao_domain::partners::PartnerStatus;
    let app = db.app().await;
    app.create_user(&system(), &user("manager", "channel_manager", None))
        .await
        .unwrap();
    app.create_user(&system(), &user("rep", "sales_rep", None))
        .await
        .unwrap();
    let manager = app.caller_by_login("manager").await.unwrap();
    let prospect = PartnerInput {
        status: Some("prospect".into()),
        ..partner("P1", "agent", None, None)
    };
    assert_eq!(
        app.create_partner(&manager, &prospect)
            .await
            .unwrap()
            .status,
        PartnerStatus::Prospect
    );
    app.create_partner(&system(), &partner("P2", "agent", None, None))
        .await
        .unwrap();

    let change = |status: &str, reason: &str| StatusInput {
        status: status.into(),
        reason: reason.into(),
    };
    let err = app
        .change_partner_status(&manager, "P1", &change("active", "skip ahead"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(f) if f[0].field == "status"),
        "{err:?}"
    );
    let err = app
        .change_partner_status(&manager, "P1", &change("screening", " "))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(f) if f[0].field == "reason"),
        "{err:?}"
    );
    for (to, why) in [
        ("screening", "met at the Canton fair"),
        ("negotiating", "passed screening"),
        ("active", "contract signed"),
        ("suspended", "overdue receivables"),
    ] {
        let view = app
            .change_partner_status(&manager, "p1", &change(to, why))
            .await
            .unwrap();
        assert_eq!(view.status.as_str(), to);
    }
    let detail = app.partner(&manager, "P1").await.unwrap();
    let steps: Vec<_> = detail
        .status_history
        .iter()
        .map(|c| (c.from.map(PartnerStatus::as_str), c.to.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (None, "prospect"),
            (Some("prospect"), "screening"),
            (Some("screening"), "negotiating"),
            (Some("negotiating"), "active"),
            (Some("active"), "suspended"),
        ]
    );
    assert_eq!(
        detail.status_history[4].reason.as_deref(),
        Some("overdue receivables")
    );
    assert_eq!(
        detail.status_history[4].changed_by.as_deref(),
        Some("manager")
    );
    assert_eq!(
        detail.next_statuses,
        [PartnerStatus::Active, PartnerStatus::Terminated]
    );

    let rep = app.caller_by_login("rep").await.unwrap();
    assert!(matches!(
        app.change_partner_status(&rep, "P1", &change("active", "x"))
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(
        matches!(
            app.change_partner_status(&manager, "P2", &change("suspended", "x"))
                .await,
            Err(AppError::NotFound(_))
        ),
        "outside the manager's scope"
    );
    assert!(
        app.partner(&system(), "P2")
            .await
            .unwrap()
            .status_history
            .len()
            == 1,
        "nothing changed on P2"
    );
    app.change_partner_status(&manager, "P1", &change("terminated", "left the channel"))
        .await
        .unwrap();
    let err = app
        .change_partner_status(&manager, "P1", &change("active", "come back"))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Invalid(_)), "termination is final");
    let filter = PartnerFilter {
        status: Some("terminated".into()),
        ..Default::default()
    };
    let page = app
        .list_partners(
            &system(),
            &filter,
            PartnerSort::Status,
            SortDir::Asc,
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(
        page.items
            .iter()
            .map(|p| p.code.as_str())
            .collect::<Vec<_>>(),
        ["P1"]
    );
}

async fn partner_record_contacts_and_moves(db: TestDb) {
    let app = db.app().await;
    app.load_builtin_regions().await.unwrap();
    let record = RecordInput {
        region_code: Some("310000".into()),
        address: Some("上海市浦东新区世纪大道100号".into()),
        credit_limit: Some("1,250,000.5".into()),
        currency: Some("cny".into()),
    };
    let created = PartnerInput {
        record: record.clone(),
        ..partner("P1", "distributor", None, None)
    };
    app.create_partner(&system(), &created).await.unwrap();
    let detail = app.partner(&system(), "P1").await.unwrap();
    assert_eq!(detail.region_code.as_deref(), Some("310000"));
    assert_eq!(detail.partner.region_name.as_deref(), Some("上海市"));
    assert_eq!(detail.credit_limit.as_deref(), Some("1250000.50"));
    assert_eq!(detail.currency, "CNY");

    // Money is refused, not rounded, when it has more decimals than the currency.
    let yen = PartnerEdit {
        name: "P1 有限公司".into(),
        partner_type: "distributor".into(),
        record: RecordInput {
            credit_limit: Some("100.5".into()),
            currency: Some("JPY".into()),
            ..record.clone()
        },
        ..Default::default()
    };
    let err = app.update_partner(&system(), "P1", &yen).await.unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(f) if f[0].field == "credit_limit"),
        "{err:?}"
    );
    let negative = PartnerEdit {
        record: RecordInput {
            credit_limit: Some("-1".into()),
            ..record.clone()
        },
        ..yen.clone()
    };
    assert!(
        app.update_partner(&system(), "P1", &negative)
            .await
            .is_err()
    );
    assert_eq!(
        app.partner(&system(), "P1")
            .await
            .unwrap()
            .credit_limit
            .as_deref(),
        Some("1250000.50"),
        "refused edits changed nothing"
    );

    // Contacts: a way to reach them is required; bad fields are all named.
    let err = app
        .add_contact(
            &system(),
            "P1",
            &ContactInput {
                name: "王伟".into(),
                role: "采购经理".into(),
                email: "not-an-email".into(),
                birthday: "2999-01-01".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    let AppError::Invalid(fields) = err else {
        panic!()
    };
    let names: Vec<_> = fields.iter().map(|f| f.field).collect();
    assert_eq!(names, ["email", "birthday"]);
    let added = app
        .add_contact(
            &system(),
            "P1",
            &ContactInput {
                name: "王伟".into(),
                role: "采购经理".into(),
                phone: "138 0000 0000".into(),
                birthday: "1985-06-01".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        app.partner(&system(), "P1").await.unwrap().contacts.len(),
        1
    );

    // Moving a subtree: P3 under P2 under P1; P1 cannot go under P3 (cycle);
    // moving P2 to the top carries P3 with it.
    for (code, parent) in [("P2", "P1"), ("P3", "P2"), ("Q1", "")] {
        app.create_partner(
            &system(),
            &partner(
                code,
                "retailer",
                Some(parent).filter(|p| !p.is_empty()),
                None,
            ),
        )
        .await
        .unwrap();
    }
    let move_to = |parent: &str| PartnerEdit {
        name: "moved".into(),
        partner_type: "retailer".into(),
        parent_code: Some(parent.to_owned()),
        ..Default::default()
    };
    let err = app
        .update_partner(
            &system(),
            "P1",
            &PartnerEdit {
                partner_type: "distributor".into(),
                ..move_to("P3")
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(f) if f[0].problem == qudao_domain::Problem::Rule { rule: "partner_cycle" }),
        "{err:?}"
    );
    let p1 = app.partner(&system(), "P1").await.unwrap();
    assert_eq!(
        (
            p1.partner.depth,
            p1.partner.parent_code,
            p1.partner.partner_type.as_str()
        ),
        (1, None, "distributor"),
        "the refused move changed nothing"
    );
    app.update_partner(&system(), "P2", &move_to("Q1"))
        .await
        .unwrap();
    let p3 = app.partner(&system(), "P3").await.unwrap();
    assert_eq!(
        (p3.partner.depth, p3.partner.parent_code.as_deref()),
        (3, Some("P2"))
    );
    let q1 = app.partner(&system(), "Q1").await.unwrap();
    let below: Vec<_> = q1.children.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(below, ["P2", "P3"], "the whole moved subtree is below Q1");
    // A channel manager who owns Q1 now sees P3 through the moved subtree.
    app.create_user(&system(), &user("manager", "channel_manager", None))
        .await
        .unwrap();
    let owned = PartnerEdit {
        name: "Q1".into(),
        partner_type: "distributor".into(),
        owner_login: Some("manager".into()),
        ..Default::default()
    };
    app.update_partner(&system(), "Q1", &owned).await.unwrap();
    let manager = app.caller_by_login("manager").await.unwrap();
    assert!(app.partner(&manager, "P3").await.is_ok());
    assert!(app.partner(&manager, "P1").await.is_err());

    app.remove_contact(&system(), "P1", added.id).await.unwrap();
    assert!(app.remove_contact(&system(), "P1", added.id).await.is_err());
    assert!(
        app.partner(&system(), "P1")
            .await
            .unwrap()
            .contacts
            .is_empty()
    );
}

/// A stored value no domain type accepts is an error naming the table, the
/// row, the column and the value; it never becomes a default.
async fn unreadable_stored_values_are_errors_naming_them(db: TestDb) {
    let app = db.app().await;
    let p1 = app
        .create_partner(&system(), &partner("P1", "distributor", None, None))
        .await
        .unwrap();
    assert_eq!(p1.status.as_str(), "active");
    db.raw("UPDATE partners SET status = 'bogus' WHERE code = 'P1'")
        .await;
    let names_it = |err: AppError, table: &str, column: &str, value: &str| match err {
        AppError::Internal(detail) => {
            assert!(detail.starts_with(&format!("{table} row ")), "{detail}");
            assert!(detail.contains(&format!("{column} '{value}'")), "{detail}");
        }
        other => panic!("expected an internal error naming the value, got {other:?}"),
    };
    names_it(
        app.partner(&system(), "P1").await.unwrap_err(),
        "partners",
        "status",
        "bogus",
    );
    names_it(
        app.list_partners(
            &system(),
            &PartnerFilter::default(),
            PartnerSort::Code,
            SortDir::Asc,
            PageRequest::new(None, None),
        )
        .await
        .unwrap_err(),
        "partners",
        "status",
        "bogus",
    );
    db.raw("UPDATE partners SET status = 'active', currency = 'XYZ' WHERE code = 'P1'")
        .await;
    names_it(
        app.partner(&system(), "P1").await.unwrap_err(),
        "partners",
        "currency",
        "XYZ",
    );
    db.raw("UPDATE partners SET currency = 'CNY', partner_type = 'guild' WHERE code = 'P1'")
        .await;
    names_it(
        app.partner_counts_by_type(&system()).await.unwrap_err(),
        "partners",
        "partner_type",
        "guild",
    );
    app.create_user(&system(), &user("clerk", "finance", None))
        .await
        .unwrap();
    db.raw("UPDATE users SET role = 'emperor' WHERE login = 'clerk'")
        .await;
    names_it(
        app.list_users(
            &system(),
            &UserFilter::default(),
            UserSort::Login,
            SortDir::Asc,
            PageRequest::new(None, None),
        )
        .await
        .unwrap_err(),
        "users",
        "role",
        "emperor",
    );
}
