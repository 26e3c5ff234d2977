//! Stories of covered regions: what a channel manager or sales rep sees, on
//! both backends.

#![allow(clippy::wildcard_imports)]

use qudao_app::coverage::CoverageInput;
use qudao_app::imports::ImportKind;
use qudao_app::partners::RecordInput;
use qudao_domain::Problem;
use qudao_domain::scope::{DataScope, UserId};
use sea_orm::ExprTrait;
use sea_orm::sea_query::{Alias, Expr, JoinType, Query};

use super::*;

on_both_backends!(
    a_manager_sees_the_regions_assigned_and_what_they_own,
    only_admins_assign_regions_and_only_to_field_staff,
    the_scope_condition_holds_when_partners_is_aliased_and_joined,
    user_regions_import_all_or_nothing,
);

fn homed(code: &str, parent: Option<&str>, owner: Option<&str>, region: &str) -> PartnerInput {
    PartnerInput {
        record: RecordInput {
            region_code: Some(region.to_owned()),
            ..Default::default()
        },
        ..partner(code, "distributor", parent, owner)
    }
}

/// SH1 in 浦东新区 (inside 上海市) with SH2 below it, homed in 南京市;
/// ZJ1 in 杭州市; OWN owned by the manager with no home region, and OWN2
/// below it.
async fn network(app: &Qudao) {
    app.load_builtin_regions().await.unwrap();
    for login in ["manager", "rep"] {
        let role = if login == "manager" {
            "channel_manager"
        } else {
            "sales_rep"
        };
        app.create_user(&system(), &user(login, role, None))
            .await
            .unwrap();
    }
    app.create_user(&system(), &user("admin", "admin", None))
        .await
        .unwrap();
    for input in [
        homed("SH1", None, None, "310115"),
        homed("SH2", Some("SH1"), None, "320100"),
        homed("ZJ1", None, None, "330100"),
        partner("OWN", "agent", None, Some("manager")),
        partner("OWN2", "retailer", Some("OWN"), None),
    ] {
        app.create_partner(&system(), &input).await.unwrap();
    }
}

async fn codes_seen(app: &Qudao, caller: &Caller) -> Vec<String> {
    let mut codes: Vec<String> = app
        .list_partners(
            caller,
            &PartnerFilter::default(),
            PartnerSort::Code,
            SortDir::Asc,
            PageRequest::export(),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.code)
        .collect();
    codes.sort();
    codes
}

async fn a_manager_sees_the_regions_assigned_and_what_they_own(db: TestDb) {
    let app = db.app().await;
    network(&app).await;
    let admin = app.caller_by_login("admin").await.unwrap();
    let manager = app.caller_by_login("manager").await.unwrap();
    assert_eq!(codes_seen(&app, &manager).await, ["OWN", "OWN2"]);
    assert!(matches!(
        app.partner(&manager, "SH1").await,
        Err(AppError::NotFound(_))
    ));

    // 上海市 covers 浦东新区, so SH1 and its downstream (homed elsewhere).
    let covered = app
        .set_user_regions(
            &admin,
            "manager",
            &CoverageInput {
                region_codes: vec!["310000".into()],
            },
        )
        .await
        .unwrap();
    assert_eq!(covered.len(), 1);
    assert_eq!(covered[0].name, "上海市");
    let manager = app.caller_by_login("manager").await.unwrap();
    assert_eq!(
        codes_seen(&app, &manager).await,
        ["OWN", "OWN2", "SH1", "SH2"]
    );
    app.partner(&manager, "SH2").await.unwrap();
    assert!(matches!(
        app.partner(&manager, "ZJ1").await,
        Err(AppError::NotFound(_))
    ));
    // The rep covers nothing and owns nothing.
    let rep = app.caller_by_login("rep").await.unwrap();
    assert!(codes_seen(&app, &rep).await.is_empty());

    // Replacing the set: 浙江省 instead of 上海市.
    app.set_user_regions(
        &admin,
        "manager",
        &CoverageInput {
            region_codes: vec!["330000".into(), "330000".into()],
        },
    )
    .await
    .unwrap();
    assert_eq!(codes_seen(&app, &manager).await, ["OWN", "OWN2", "ZJ1"]);
    app.add_user_region(&admin, "manager", "310115")
        .await
        .unwrap();
    assert_eq!(
        codes_seen(&app, &manager).await,
        ["OWN", "OWN2", "SH1", "SH2", "ZJ1"]
    );
    app.remove_user_region(&admin, "manager", "330000")
        .await
        .unwrap();
    assert!(matches!(
        app.remove_user_region(&admin, "manager", "330000").await,
        Err(AppError::NotFound(_))
    ));
    let regions = app.user_regions(&admin, "manager").await.unwrap();
    assert_eq!(
        regions.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
        ["310115"]
    );

    let audit = app
        .list_audit(
            &admin,
            &qudao_app::audit::Filter {
                entity_key: Some("manager".into()),
                ..Default::default()
            },
            PageRequest::export(),
        )
        .await
        .unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "remove_region",
            "add_region",
            "set_regions",
            "set_regions",
            "create"
        ]
    );
    // An audit record is an object of fields, as the API documents it.
    assert!(
        audit.items[2]
            .after
            .as_ref()
            .is_some_and(|after| after["regions"].is_array()),
        "{:?}",
        audit.items[2].after
    );
}

async fn only_admins_assign_regions_and_only_to_field_staff(db: TestDb) {
    let app = db.app().await;
    network(&app).await;
    app.create_partner(&system(), &partner("PX", "agent", None, None))
        .await
        .unwrap();
    app.create_user(&system(), &user("staff", "partner_user", Some("PX")))
        .await
        .unwrap();
    let admin = app.caller_by_login("admin").await.unwrap();
    let manager = app.caller_by_login("manager").await.unwrap();
    let one = |code: &str| CoverageInput {
        region_codes: vec![code.to_owned()],
    };
    assert!(matches!(
        app.set_user_regions(&manager, "manager", &one("310000"))
            .await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.user_regions(&manager, "manager").await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.add_user_region(&manager, "rep", "310000").await,
        Err(AppError::Forbidden)
    ));
    let rule = |err: AppError| match err {
        AppError::Invalid(fields) => fields
            .into_iter()
            .map(|f| (f.field, f.problem))
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    let err = app
        .set_user_regions(&admin, "staff", &one("310000"))
        .await
        .unwrap_err();
    assert_eq!(
        rule(err),
        [(
            "login",
            Problem::Rule {
                rule: "regions_only_for_field_staff"
            }
        )]
    );
    let err = app
        .set_user_regions(
            &admin,
            "manager",
            &CoverageInput {
                region_codes: vec!["310000".into(), "999999".into()],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        rule(err),
        [(
            "region_code",
            Problem::Rule {
                rule: "region_must_exist"
            }
        )]
    );
    assert!(
        app.user_regions(&admin, "manager")
            .await
            .unwrap()
            .is_empty(),
        "a refused change writes nothing"
    );
    assert!(matches!(
        app.user_regions(&admin, "nobody").await,
        Err(AppError::NotFound(_))
    ));
}

/// The scope is one SQL expression on whatever name the query gives the
/// partners table: here `p`, joined to its parent as `up`.
async fn the_scope_condition_holds_when_partners_is_aliased_and_joined(db: TestDb) {
    let app = db.app().await;
    network(&app).await;
    let admin = app.caller_by_login("admin").await.unwrap();
    app.add_user_region(&admin, "manager", "310000")
        .await
        .unwrap();
    let manager = app.caller_by_login("manager").await.unwrap();
    let conn = Database::connect(&db.url).await.unwrap();
    let count = |scope: DataScope| {
        let query = Query::select()
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .from_as(Alias::new("partners"), Alias::new("p"))
            .join_as(
                JoinType::InnerJoin,
                Alias::new("partners"),
                Alias::new("up"),
                Expr::col((Alias::new("up"), Alias::new("id")))
                    .equals((Alias::new("p"), Alias::new("parent_id"))),
            )
            .and_where(qudao_store::partners::scope_condition_on(
                Alias::new("p"),
                scope,
            ))
            .to_owned();
        let statement = conn.get_database_backend().build(&query);
        let conn = &conn;
        async move {
            let row = conn.query_one_raw(statement).await.unwrap().unwrap();
            row.try_get::<i64>("", "n").unwrap()
        }
    };
    // Partners with a parent: SH2 (under SH1, covered) and OWN2 (owned).
    assert_eq!(count(manager.scope()).await, 2);
    assert_eq!(count(DataScope::Covered(UserId(i64::MAX))).await, 0);
    assert_eq!(count(DataScope::All).await, 2);
    conn.close().await.ok();
}

async fn user_regions_import_all_or_nothing(db: TestDb) {
    let app = db.app().await;
    network(&app).await;
    let admin = app.caller_by_login("admin").await.unwrap();
    let bad = "账号,区域编码\nmanager,310000\nnobody,310000\nrep,999999\n";
    let report = app
        .import(
            &admin,
            ImportKind::parse("user_regions").unwrap(),
            "bad.csv",
            bad.as_bytes(),
            false,
        )
        .await
        .unwrap();
    let errors: Vec<(Option<usize>, Option<&str>, &str)> = report
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_deref(), e.field.as_str()))
        .collect();
    assert_eq!(
        errors,
        [
            (Some(3), Some("账号"), "login"),
            (Some(4), Some("区域编码"), "region_code"),
        ]
    );
    assert!(
        app.user_regions(&admin, "manager")
            .await
            .unwrap()
            .is_empty()
    );

    let good = "login,region_code\nmanager,310000\nmanager,330000\nrep,310000\nmanager,310000\n";
    let report = app
        .import(
            &admin,
            ImportKind::parse("user_regions").unwrap(),
            "good.csv",
            good.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    assert_eq!(report.created, 3, "the repeated pair is not added twice");
    assert_eq!(app.user_regions(&admin, "manager").await.unwrap().len(), 2);
    let manager = app.caller_by_login("manager").await.unwrap();
    assert!(matches!(
        app.import(
            &manager,
            ImportKind::parse("user_regions").unwrap(),
            "good.csv",
            good.as_bytes(),
            false
        )
        .await,
        Err(AppError::Forbidden)
    ));
}
