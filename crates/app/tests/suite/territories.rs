//! Stories of territories, on both backends.

#![allow(clippy::wildcard_imports)]

use super::*;
use qudao_app::territories::{
    AuthorizationChange, AuthorizationInput, AuthorizationQuery, AuthorizationSort, RegionInput,
    RegionQuery, SelectiveLimitInput,
};

on_both_backends!(
    builtin_regions_load_once_and_nest,
    custom_regions,
    exclusive_authorizations_collide_both_ways,
    selective_limits_and_intensive,
    authorization_changes_and_ending,
    authorization_bad_input_changes_nothing,
    authorization_scope,
);

fn grant(
    partner: &str,
    region: &str,
    line: &str,
    mode: &str,
    from: &str,
    to: &str,
) -> AuthorizationInput {
    AuthorizationInput {
        partner_code: partner.into(),
        region_code: region.into(),
        product_line: line.into(),
        mode: mode.into(),
        valid_from: from.into(),
        valid_to: to.into(),
    }
}

async fn authorization_codes(app: &Qudao, caller: &Caller) -> Vec<String> {
    app.authorizations(
        caller,
        &AuthorizationQuery::default(),
        AuthorizationSort::Code,
        SortDir::Asc,
        PageRequest::export(),
    )
    .await
    .unwrap()
    .items
    .into_iter()
    .map(|a| a.code)
    .collect()
}

/// The field and message of a single invalid-field error.
fn invalid(err: &AppError) -> (String, String) {
    match err {
        AppError::Invalid(fields) if fields.len() == 1 => {
            (fields[0].field.to_owned(), fields[0].problem.to_string())
        }
        other => panic!("expected one invalid field, got {other:?}"),
    }
}

/// Regions loaded, a manager owning P1 and P2 (P2 below P1), P3 unowned.
async fn territory_world(db: &TestDb) -> (Qudao, Caller) {
    let app = db.app().await;
    assert!(app.load_builtin_regions().await.unwrap() > 3000);
    app.create_user(&system(), &user("manager", "channel_manager", None))
        .await
        .unwrap();
    for (code, parent, owner) in [
        ("P1", None, Some("manager")),
        ("P2", Some("P1"), None),
        ("P3", None, None),
        ("P4", None, Some("manager")),
    ] {
        app.create_partner(&system(), &partner(code, "distributor", parent, owner))
            .await
            .unwrap();
    }
    lines(&app, &["LIGHT", "FAN", "SEL", "OTHER", "MASS", "L"]).await;
    let manager = app.caller_by_login("manager").await.unwrap();
    (app, manager)
}

async fn builtin_regions_load_once_and_nest(db: TestDb) {
    let app = db.app().await;
    let started = std::time::Instant::now();
    let loaded = app.load_builtin_regions().await.unwrap();
    eprintln!(
        "loaded {loaded} built-in regions in {:?}",
        started.elapsed()
    );
    assert!(loaded > 3500, "{loaded}");
    assert_eq!(app.load_builtin_regions().await.unwrap(), 0, "idempotent");

    let rep = {
        app.create_user(&system(), &user("rep", "sales_rep", None))
            .await
            .unwrap();
        app.caller_by_login("rep").await.unwrap()
    };
    let shanghai = app.region(&rep, "310000").await.unwrap();
    assert_eq!(shanghai.region.name, "上海市");
    assert_eq!(shanghai.region.parent_code.as_deref(), Some("CN"));
    assert_eq!(shanghai.region.level.as_str(), "province");
    assert_eq!(
        shanghai
            .children
            .iter()
            .map(|c| c.code.as_str())
            .collect::<Vec<_>>(),
        ["310100"],
        "a municipality has one city level"
    );
    let huangpu = app.region(&rep, "310101").await.unwrap();
    assert_eq!(huangpu.region.name, "黄浦区");
    assert_eq!(
        huangpu
            .ancestors
            .iter()
            .map(|a| a.code.as_str())
            .collect::<Vec<_>>(),
        ["CN", "310000", "310100"]
    );
    assert_eq!(huangpu.ancestors[2].name, "上海市");
    let cn = app.region(&rep, "cn").await.unwrap();
    assert_eq!(
        cn.region.name_en.as_deref(),
        Some("People's Republic of China")
    );
    assert_eq!(cn.children.len(), 31);
    let de = app.region(&rep, "DE").await.unwrap();
    assert_eq!((de.region.name.as_str(), de.region.depth), ("德国", 1));

    let roots = app
        .regions(
            &rep,
            &RegionQuery::default(),
            PageRequest::new(None, Some(500)),
        )
        .await
        .unwrap();
    assert!(roots.total > 200 && roots.items.iter().all(|r| r.depth == 1));
    assert_eq!(roots.items[0].code, "CN", "China opens the list");
    let english = app
        .regions(
            &rep,
            &RegionQuery {
                english_names: true,
                ..Default::default()
            },
            PageRequest::new(None, Some(3)),
        )
        .await
        .unwrap();
    let names: Vec<_> = english.items.iter().map(|r| r.name_en.clone()).collect();
    assert_eq!(
        names[..2],
        [
            Some("People's Republic of China".to_owned()),
            Some("Afghanistan".to_owned())
        ],
        "then the countries by name in the page's language"
    );
    let found = app
        .regions(
            &rep,
            &RegionQuery {
                q: Some("浦东".into()),
                ..Default::default()
            },
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(found.items[0].code, "310115");
    assert_eq!(found.items[0].parent_code.as_deref(), Some("310100"));
    let inside_sh = app
        .regions(
            &rep,
            &RegionQuery {
                parent_code: Some("310000".into()),
                q: Some("区".into()),
                ..Default::default()
            },
            PageRequest::export(),
        )
        .await
        .unwrap();
    assert!(inside_sh.total >= 16 && inside_sh.items.iter().all(|r| r.code.starts_with("31")));
    assert!(matches!(
        app.region(&rep, "999999").await,
        Err(AppError::NotFound(_))
    ));
    assert!(app.region_id_by_code("310000").await.unwrap().is_some());
}

async fn custom_regions(db: TestDb) {
    let (app, manager) = territory_world(&db).await;
    let input = |code: &str, parent: Option<&str>| RegionInput {
        code: code.into(),
        name: "华东大区".into(),
        name_en: Some("East".into()),
        parent_code: parent.map(str::to_owned),
    };
    let east = app
        .create_region(&manager, &input("east-1", Some("CN")))
        .await
        .unwrap();
    assert_eq!(
        (east.code.as_str(), east.level.as_str(), east.builtin),
        ("EAST-1", "custom", false)
    );
    assert_eq!(east.depth, 2);
    let top = app
        .create_region(&manager, &input("MY-TOP", None))
        .await
        .unwrap();
    assert_eq!(top.depth, 1);
    let below = app
        .create_region(&system(), &input("EAST-1-A", Some("310101")))
        .await
        .unwrap();
    assert_eq!(below.depth, 5);

    assert!(matches!(
        app.create_region(&manager, &input("EAST-1", None)).await,
        Err(AppError::Duplicate { field: "code" })
    ));
    for (code, parent, field) in [
        ("123456", None, "code"),
        ("XX", None, "code"),
        ("上海", None, "code"),
        ("OK-CODE", Some("NOPE-9"), "parent_code"),
    ] {
        let err = app
            .create_region(&manager, &input(code, parent))
            .await
            .unwrap_err();
        assert_eq!(invalid(&err).0, field, "{code}");
    }
    app.create_user(&system(), &user("puser", "partner_user", Some("P2")))
        .await
        .unwrap();
    let pu = app.caller_by_login("puser").await.unwrap();
    assert!(matches!(
        app.create_region(&pu, &input("PU-1", None)).await,
        Err(AppError::Forbidden)
    ));
    // Everyone reads regions.
    let cn = app.region(&pu, "CN").await.unwrap();
    assert!(cn.children.iter().any(|c| c.code == "EAST-1"));
    // Loading the built-ins again leaves custom regions alone.
    assert_eq!(app.load_builtin_regions().await.unwrap(), 0);
    assert_eq!(
        app.region(&pu, "EAST-1").await.unwrap().region.name,
        "华东大区"
    );
}

async fn exclusive_authorizations_collide_both_ways(db: TestDb) {
    let (app, manager) = territory_world(&db).await;
    let first = app
        .create_authorization(
            &manager,
            &grant(
                "P1",
                "310000",
                "light",
                "exclusive",
                "2026-01-01",
                "2026-12-31",
            ),
        )
        .await
        .unwrap();
    assert_eq!(first.code, "AU000001");
    assert_eq!(
        (first.region_name.as_str(), first.product_line.as_str()),
        ("上海市", "LIGHT")
    );

    // Exclusive over an existing right: P4 wants all of China.
    let err = app
        .create_authorization(
            &manager,
            &grant("P4", "CN", "LIGHT", "exclusive", "2026-06-01", "2027-05-31"),
        )
        .await
        .unwrap_err();
    let (field, message) = invalid(&err);
    assert_eq!(field, "region_code");
    assert!(message.contains("authorization_exclusive"), "{message}");
    assert!(
        message.contains("AU000001 (P1 上海市 2026-01-01 – 2026-12-31)"),
        "{message}"
    );
    // Selective below someone's exclusive right in a region above.
    let err = app
        .create_authorization(
            &manager,
            &grant(
                "P4",
                "310101",
                "LIGHT",
                "selective",
                "2026-03-01",
                "2026-03-31",
            ),
        )
        .await
        .unwrap_err();
    let (field, message) = invalid(&err);
    assert_eq!(field, "region_code");
    assert!(
        message.contains("authorization_exclusive") && message.contains("AU000001"),
        "{message}"
    );
    // Intensive is blocked by an exclusive right too; the holder's own is fine.
    assert!(
        app.create_authorization(
            &manager,
            &grant(
                "P4",
                "310100",
                "LIGHT",
                "intensive",
                "2026-03-01",
                "2026-03-31"
            )
        )
        .await
        .is_err()
    );
    app.create_authorization(
        &manager,
        &grant(
            "P1",
            "310101",
            "LIGHT",
            "intensive",
            "2026-03-01",
            "2026-03-31",
        ),
    )
    .await
    .unwrap();
    // Elsewhere, another product line, or after it ends: free.
    app.create_authorization(
        &manager,
        &grant(
            "P4",
            "320000",
            "LIGHT",
            "exclusive",
            "2026-01-01",
            "2026-12-31",
        ),
    )
    .await
    .unwrap();
    app.create_authorization(
        &manager,
        &grant(
            "P4",
            "310000",
            "FAN",
            "exclusive",
            "2026-01-01",
            "2026-12-31",
        ),
    )
    .await
    .unwrap();
    app.create_authorization(
        &manager,
        &grant(
            "P4",
            "310000",
            "LIGHT",
            "exclusive",
            "2027-01-01",
            "2027-12-31",
        ),
    )
    .await
    .unwrap();
    // Duplicate for the same partner.
    let err = app
        .create_authorization(
            &manager,
            &grant(
                "P1",
                "310000",
                "LIGHT",
                "selective",
                "2026-12-31",
                "2027-01-31",
            ),
        )
        .await
        .unwrap_err();
    assert!(
        invalid(&err).1.contains("authorization_duplicate"),
        "{err:?}"
    );
    assert_eq!(authorization_codes(&app, &system()).await.len(), 5);
}

async fn selective_limits_and_intensive(db: TestDb) {
    let (app, manager) = territory_world(&db).await;
    app.create_partner(&system(), &partner("P5", "agent", None, Some("manager")))
        .await
        .unwrap();
    let limits = app.selective_limits(&manager).await.unwrap();
    assert_eq!(limits.default_max_partners, 3);
    app.set_selective_limit(
        &manager,
        &SelectiveLimitInput {
            product_line: "sel".into(),
            max_partners: "2".into(),
        },
    )
    .await
    .unwrap();
    let bad = app
        .set_selective_limit(
            &manager,
            &SelectiveLimitInput {
                product_line: "SEL".into(),
                max_partners: "0".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid(&bad).0, "max_partners");
    let year = |p: &str, line: &str, mode: &str| {
        grant(p, "440100", line, mode, "2026-01-01", "2026-12-31")
    };
    app.create_authorization(&manager, &year("P1", "SEL", "selective"))
        .await
        .unwrap();
    app.create_authorization(&manager, &year("P4", "SEL", "intensive"))
        .await
        .unwrap();
    let err = app
        .create_authorization(&manager, &year("P5", "SEL", "selective"))
        .await
        .unwrap_err();
    let (field, message) = invalid(&err);
    assert_eq!(field, "region_code");
    assert!(
        message.contains("authorization_selective_limit"),
        "{message}"
    );
    assert!(
        message.contains("AU000001") && message.contains("AU000002"),
        "{message}"
    );
    // A period when only one holds it is free.
    app.create_authorization(
        &manager,
        &grant(
            "P5",
            "440100",
            "SEL",
            "selective",
            "2027-01-01",
            "2027-03-31",
        ),
    )
    .await
    .unwrap();
    // Other lines use the global default (3), which can be set too.
    for p in ["P1", "P4", "P5"] {
        app.create_authorization(&manager, &year(p, "OTHER", "selective"))
            .await
            .unwrap();
    }
    app.set_selective_limit(
        &manager,
        &SelectiveLimitInput {
            product_line: "*".into(),
            max_partners: "4".into(),
        },
    )
    .await
    .unwrap();
    app.create_authorization(&manager, &year("P2", "OTHER", "selective"))
        .await
        .unwrap();
    assert_eq!(
        app.selective_limits(&manager)
            .await
            .unwrap()
            .default_max_partners,
        4
    );
    // Intensive has no limit.
    for p in ["P1", "P2", "P4", "P5"] {
        app.create_authorization(&manager, &year(p, "MASS", "intensive"))
            .await
            .unwrap();
    }
    app.set_selective_limit(
        &manager,
        &SelectiveLimitInput {
            product_line: "MASS".into(),
            max_partners: "1".into(),
        },
    )
    .await
    .unwrap();
    app.create_authorization(&system(), &year("P3", "MASS", "intensive"))
        .await
        .unwrap();
    app.create_user(&system(), &user("rep", "sales_rep", None))
        .await
        .unwrap();
    let rep = app.caller_by_login("rep").await.unwrap();
    assert!(matches!(
        app.selective_limits(&rep).await,
        Err(AppError::Forbidden)
    ));
}

async fn authorization_changes_and_ending(db: TestDb) {
    let (app, manager) = territory_world(&db).await;
    let a1 = app
        .create_authorization(
            &manager,
            &grant(
                "P1",
                "310000",
                "LIGHT",
                "exclusive",
                "2026-01-01",
                "2026-06-30",
            ),
        )
        .await
        .unwrap();
    let a2 = app
        .create_authorization(
            &manager,
            &grant(
                "P4",
                "310100",
                "LIGHT",
                "selective",
                "2026-07-01",
                "2026-12-31",
            ),
        )
        .await
        .unwrap();
    // Stretching P1's exclusive right into P4's period is refused, naming it.
    let stretch = AuthorizationChange {
        valid_to: Some("2026-09-30".into()),
        ..Default::default()
    };
    let err = app
        .change_authorization(&manager, &a1.code, &stretch)
        .await
        .unwrap_err();
    let (field, message) = invalid(&err);
    assert_eq!(field, "valid_to");
    assert!(
        message.contains(&a2.code) && message.contains("authorization_exclusive"),
        "{message}"
    );
    assert_eq!(
        app.authorization(&manager, &a1.code).await.unwrap(),
        a1,
        "unchanged"
    );
    // Moving P4's start earlier into P1's period: refused on valid_from.
    let err = app
        .change_authorization(
            &manager,
            &a2.code,
            &AuthorizationChange {
                valid_from: Some("2026-06-01".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(invalid(&err).0, "valid_from");
    // A change that fits is saved.
    let changed = app
        .change_authorization(
            &manager,
            &a2.code,
            &AuthorizationChange {
                valid_to: Some("2027-06-30".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.valid_to.to_string(), "2027-06-30");

    // Ending early keeps the record with its new last day, who and why.
    let no_reason = AuthorizationChange {
        end_on: Some("2026-03-31".into()),
        ..Default::default()
    };
    assert_eq!(
        invalid(
            &app.change_authorization(&manager, &a1.code, &no_reason)
                .await
                .unwrap_err()
        )
        .0,
        "reason"
    );
    let too_late = AuthorizationChange {
        end_on: Some("2026-12-31".into()),
        reason: Some("x".into()),
        ..Default::default()
    };
    assert_eq!(
        invalid(
            &app.change_authorization(&manager, &a1.code, &too_late)
                .await
                .unwrap_err()
        )
        .0,
        "end_on"
    );
    let ended = app
        .change_authorization(
            &manager,
            &a1.code,
            &AuthorizationChange {
                end_on: Some("2026-03-31".into()),
                reason: Some("contract ended".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(ended.valid_to.to_string(), "2026-03-31");
    assert_eq!(ended.ended_by.as_deref(), Some("manager"));
    assert_eq!(ended.end_reason.as_deref(), Some("contract ended"));
    assert!(ended.ended_at.is_some());
    assert_eq!(
        authorization_codes(&app, &system()).await.len(),
        2,
        "nothing deleted"
    );
    // Its territory is free from the next day; it cannot be changed again.
    app.create_authorization(
        &manager,
        &grant(
            "P4",
            "310000",
            "LIGHT",
            "exclusive",
            "2026-04-01",
            "2026-06-30",
        ),
    )
    .await
    .unwrap();
    let err = app
        .change_authorization(&manager, &a1.code, &stretch)
        .await
        .unwrap_err();
    assert!(invalid(&err).1.contains("authorization_ended"));
    let audit = app
        .list_audit(
            &system(),
            &qudao_app::audit::Filter {
                entity: Some("authorization".into()),
                ..Default::default()
            },
            PageRequest::export(),
        )
        .await
        .unwrap();
    let actions: Vec<_> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "end", "change", "create", "create"]);
}

async fn authorization_bad_input_changes_nothing(db: TestDb) {
    let (app, manager) = territory_world(&db).await;
    let cases = [
        (
            grant(
                "NOPE",
                "310000",
                "L",
                "intensive",
                "2026-01-01",
                "2026-12-31",
            ),
            "partner_code",
        ),
        (
            grant("P3", "310000", "L", "intensive", "2026-01-01", "2026-12-31"),
            "partner_code",
        ),
        (
            grant("P1", "999999", "L", "intensive", "2026-01-01", "2026-12-31"),
            "region_code",
        ),
        (
            grant("P1", "", "L", "intensive", "2026-01-01", "2026-12-31"),
            "region_code",
        ),
        (
            grant("P1", "310000", "L", "intensive", "2026-12-31", "2026-01-01"),
            "valid_to",
        ),
        (
            grant("P1", "310000", "L", "intensive", "2026-02-30", "2026-12-31"),
            "valid_from",
        ),
        (
            grant(
                "P1",
                "310000",
                "灯",
                "intensive",
                "2026-01-01",
                "2026-12-31",
            ),
            "product_line",
        ),
        (
            grant("P1", "310000", "L", "sole", "2026-01-01", "2026-12-31"),
            "mode",
        ),
    ];
    for (input, field) in &cases {
        let err = app.create_authorization(&manager, input).await.unwrap_err();
        assert_eq!(invalid(&err).0, *field, "{input:?}");
    }
    // All wrong at once: every field is named.
    let err = app
        .create_authorization(&manager, &grant("", "", "", "", "", ""))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(f) if f.len() == 6),
        "{err:?}"
    );
    // A terminated partner receives nothing new.
    app.change_partner_status(
        &system(),
        "P4",
        &qudao_app::partners::StatusInput {
            status: "terminated".into(),
            reason: "gone".into(),
        },
    )
    .await
    .unwrap();
    let err = app
        .create_authorization(
            &manager,
            &grant("P4", "310000", "L", "intensive", "2026-01-01", "2026-12-31"),
        )
        .await
        .unwrap_err();
    let (field, message) = invalid(&err);
    assert_eq!(field, "partner_code");
    assert!(message.contains("partner_terminated"));
    app.create_user(&system(), &user("rep", "sales_rep", None))
        .await
        .unwrap();
    let rep = app.caller_by_login("rep").await.unwrap();
    assert!(matches!(
        app.create_authorization(
            &rep,
            &grant("P1", "310000", "L", "intensive", "2026-01-01", "2026-12-31")
        )
        .await,
        Err(AppError::Forbidden)
    ));
    assert!(
        authorization_codes(&app, &system()).await.is_empty(),
        "nothing written"
    );
    let audit = app
        .list_audit(
            &system(),
            &qudao_app::audit::Filter {
                entity: Some("authorization".into()),
                ..Default::default()
            },
            PageRequest::export(),
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 0);
}

async fn authorization_scope(db: TestDb) {
    let (app, manager) = territory_world(&db).await;
    for (p, region) in [("P1", "310000"), ("P2", "320000"), ("P3", "330000")] {
        app.create_authorization(
            &system(),
            &grant(p, region, "L", "intensive", "2026-01-01", "2026-12-31"),
        )
        .await
        .unwrap();
    }
    for (login, role, partner) in [
        ("padmin", "partner_admin", "P1"),
        ("puser", "partner_user", "P2"),
    ] {
        app.create_user(&system(), &user(login, role, Some(partner)))
            .await
            .unwrap();
    }
    let padmin = app.caller_by_login("padmin").await.unwrap();
    let pu = app.caller_by_login("puser").await.unwrap();
    assert_eq!(authorization_codes(&app, &pu).await, ["AU000002"]);
    assert_eq!(
        authorization_codes(&app, &padmin).await,
        ["AU000001", "AU000002"]
    );
    assert_eq!(
        authorization_codes(&app, &manager).await,
        ["AU000001", "AU000002"]
    );
    assert_eq!(authorization_codes(&app, &system()).await.len(), 3);
    assert!(matches!(
        app.authorization(&pu, "AU000001").await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.authorization(&manager, "au000003").await,
        Err(AppError::NotFound(_))
    ));
    assert_eq!(
        app.authorization(&pu, "au000002")
            .await
            .unwrap()
            .partner_code,
        "P2"
    );
    // A manager cannot grant to or change a partner outside their scope.
    let err = app
        .create_authorization(
            &manager,
            &grant("P3", "110000", "L", "intensive", "2026-01-01", "2026-12-31"),
        )
        .await
        .unwrap_err();
    assert_eq!(invalid(&err).0, "partner_code");
    assert!(matches!(
        app.change_authorization(
            &manager,
            "AU000003",
            &AuthorizationChange {
                valid_to: Some("2026-06-30".into()),
                ..Default::default()
            }
        )
        .await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        app.change_authorization(
            &padmin,
            "AU000001",
            &AuthorizationChange {
                valid_to: Some("2026-06-30".into()),
                ..Default::default()
            }
        )
        .await,
        Err(AppError::Forbidden)
    ));
    // Filters: region (with what lies inside), line, mode, date, partner.
    let query = |q: AuthorizationQuery| {
        let app = app.clone();
        async move {
            app.authorizations(
                &system(),
                &q,
                AuthorizationSort::Partner,
                SortDir::Desc,
                PageRequest::export(),
            )
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|a| a.code)
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        query(AuthorizationQuery {
            region_code: Some("CN".into()),
            ..Default::default()
        })
        .await,
        ["AU000003", "AU000002", "AU000001"]
    );
    assert_eq!(
        query(AuthorizationQuery {
            region_code: Some("320000".into()),
            ..Default::default()
        })
        .await,
        ["AU000002"]
    );
    assert_eq!(
        query(AuthorizationQuery {
            region_code: Some("江苏".into()),
            ..Default::default()
        })
        .await,
        ["AU000002"],
        "a region's name finds it as its code does"
    );
    assert_eq!(
        query(AuthorizationQuery {
            region_code: Some("320100".into()),
            ..Default::default()
        })
        .await,
        Vec::<String>::new()
    );
    assert_eq!(
        query(AuthorizationQuery {
            partner_code: Some("p1".into()),
            ..Default::default()
        })
        .await,
        ["AU000001"]
    );
    assert!(
        query(AuthorizationQuery {
            on: Some("2027-01-01".parse().unwrap()),
            ..Default::default()
        })
        .await
        .is_empty()
    );
    assert_eq!(
        query(AuthorizationQuery {
            on: Some("2026-12-31".parse().unwrap()),
            product_line: Some("l".into()),
            ..Default::default()
        })
        .await
        .len(),
        3
    );
    assert!(
        query(AuthorizationQuery {
            mode: Some(qudao_domain::territories::AuthorizationMode::Exclusive),
            ..Default::default()
        })
        .await
        .is_empty()
    );
}
