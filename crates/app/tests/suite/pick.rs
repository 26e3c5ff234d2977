//! Stories of the pickers and of the counts confirmations state, on both
//! backends: a picker offers only what the caller may see.

#![allow(clippy::wildcard_imports)]

use qudao_app::territories::AuthorizationInput;

use super::*;

on_both_backends!(
    pickers_offer_only_what_the_caller_may_see,
    confirmations_count_rights_in_force_and_live_tokens,
    the_order_form_offers_what_the_ordering_partner_may_buy,
);

fn codes(choices: Vec<qudao_app::pick::Choice>) -> Vec<String> {
    choices.into_iter().map(|c| c.code).collect()
}

/// D1 (owned by the manager) with R1 below it, and D2 nobody owns; staff
/// `manager`, `rep`, `admin`; `padmin` of D1 and `puser` of R1.
async fn network(app: &Qudao) {
    app.load_builtin_regions().await.unwrap();
    lines(app, &["TEA"]).await;
    for (login, role, partner) in [
        ("admin", "admin", None),
        ("manager", "channel_manager", None),
        ("rep", "sales_rep", None),
    ] {
        app.create_user(&system(), &user(login, role, partner))
            .await
            .unwrap();
    }
    for input in [
        partner("D1", "distributor", None, Some("manager")),
        partner("R1", "retailer", Some("D1"), None),
        partner("D2", "distributor", None, None),
    ] {
        app.create_partner(&system(), &input).await.unwrap();
    }
    app.create_user(&system(), &user("padmin", "partner_admin", Some("D1")))
        .await
        .unwrap();
    app.create_user(&system(), &user("puser", "partner_user", Some("R1")))
        .await
        .unwrap();
}

fn grant(partner: &str, region: &str, line: &str) -> AuthorizationInput {
    let today = qudao_app::today();
    AuthorizationInput {
        partner_code: partner.to_owned(),
        region_code: region.to_owned(),
        product_line: line.to_owned(),
        mode: "intensive".to_owned(),
        valid_from: today.to_string(),
        valid_to: (today + chrono::Duration::days(30)).to_string(),
    }
}

async fn pickers_offer_only_what_the_caller_may_see(db: TestDb) {
    let app = db.app().await;
    network(&app).await;
    let who = async |login: &str| app.caller_by_login(login).await.unwrap();

    let everyone = codes(
        app.pick_partners(&who("admin").await, "有限")
            .await
            .unwrap(),
    );
    assert_eq!(everyone, ["D1", "D2", "R1"]);
    assert_eq!(
        codes(app.pick_partners(&who("manager").await, "").await.unwrap()),
        ["D1", "R1"]
    );
    assert_eq!(
        codes(app.pick_partners(&who("padmin").await, "").await.unwrap()),
        ["D1", "R1"]
    );
    assert_eq!(
        codes(app.pick_partners(&who("puser").await, "").await.unwrap()),
        ["R1"]
    );
    assert!(
        codes(app.pick_partners(&who("puser").await, "D").await.unwrap()).is_empty(),
        "no partner outside the scope, whatever is typed"
    );
    assert!(
        app.pick_partners(&who("rep").await, "")
            .await
            .unwrap()
            .is_empty()
    );

    let staff = codes(app.pick_users(&who("manager").await, "").await.unwrap());
    assert!(staff.contains(&"rep".to_owned()) && staff.contains(&"manager".to_owned()));
    assert!(!staff.contains(&"padmin".to_owned()) && !staff.contains(&"puser".to_owned()));
    assert!(matches!(
        app.pick_users(&who("rep").await, "").await,
        Err(AppError::Forbidden)
    ));

    let pudong = app.pick_regions(&who("puser").await, "浦东").await.unwrap();
    let region = pudong.iter().find(|c| c.code == "310115").unwrap();
    assert_eq!(region.label.name, "浦东新区");
    assert_eq!(region.path.first().unwrap().name, "中国");
    assert!(region.path.iter().any(|n| n.name == "上海市"));

    app.create_authorization(&system(), &grant("D2", "330100", "TEA"))
        .await
        .unwrap();
    assert_eq!(
        codes(
            app.pick_product_lines(&who("puser").await, "产品")
                .await
                .unwrap()
        ),
        ["TEA"]
    );
}

async fn confirmations_count_rights_in_force_and_live_tokens(db: TestDb) {
    let app = db.app().await;
    network(&app).await;
    let admin = app.caller_by_login("admin").await.unwrap();
    // The partner page counts the rights its panel lists that are in force.
    let in_force = || async {
        let (_, shown) = app.partner_shown(&admin, "D1").await.unwrap();
        let today = qudao_app::today();
        app.partner_authorizations(
            &admin,
            &shown,
            qudao_app::territories::AuthorizationSort::Code,
            SortDir::Asc,
        )
        .await
        .unwrap()
        .iter()
        .filter(|right| right.in_force_on(&today))
        .count()
    };
    assert_eq!(in_force().await, 0);
    app.create_authorization(&system(), &grant("D1", "310000", "TEA"))
        .await
        .unwrap();
    assert_eq!(in_force().await, 1);

    let puser = app.caller_by_login("puser").await.unwrap();
    app.create_token(&puser, "one").await.unwrap();
    app.create_token(&puser, "two").await.unwrap();
    let logins = ["puser".to_owned(), "rep".to_owned()];
    assert_eq!(
        app.live_tokens(&admin, &logins).await.unwrap(),
        [("puser".to_owned(), 2), ("rep".to_owned(), 0)]
    );
    // A partner admin counts its own organisation's staff only.
    let padmin = app.caller_by_login("padmin").await.unwrap();
    assert!(
        app.live_tokens(&padmin, &logins).await.unwrap().is_empty(),
        "puser works for R1, not D1; rep is not theirs"
    );
    let manager = app.caller_by_login("manager").await.unwrap();
    assert!(matches!(
        app.live_tokens(&manager, &logins).await,
        Err(AppError::Forbidden)
    ));
}

async fn the_order_form_offers_what_the_ordering_partner_may_buy(db: TestDb) {
    let app = db.app().await;
    network(&app).await;
    lines(&app, &["PRO", "COFFEE"]).await;
    for (sku, line) in [("T1", "TEA"), ("PRO1", "PRO"), ("C1", "COFFEE")] {
        app.create_product(
            &system(),
            &qudao_app::catalog::ProductInput {
                sku: sku.to_owned(),
                name: format!("{sku} 产品"),
                name_en: format!("{sku} product"),
                product_line: line.to_owned(),
                category: "绿茶".to_owned(),
                unit: "盒".to_owned(),
                currency: "CNY".to_owned(),
                list_price: "10".to_owned(),
                cost: None,
                launch_date: None,
                serial_tracked: None,
                status: None,
            },
        )
        .await
        .unwrap();
    }
    // PRO is for distributors only; nobody holds a right on COFFEE.
    app.add_channel_rule(
        &system(),
        "PRO",
        &qudao_app::catalog::ChannelRuleInput {
            partner_type: "distributor".to_owned(),
            grade: None,
        },
    )
    .await
    .unwrap();
    for (partner, line) in [("D1", "TEA"), ("D1", "PRO"), ("R1", "TEA"), ("R1", "PRO")] {
        app.create_authorization(&system(), &grant(partner, "310000", line))
            .await
            .unwrap();
    }
    app.create_user(&system(), &user("money", "finance", None))
        .await
        .unwrap();
    let who = async |login: &str| app.caller_by_login(login).await.unwrap();
    let offered = async |login: &str, partner: &str| {
        codes(
            app.pick_order_products(&who(login).await, "", partner)
                .await
                .unwrap(),
        )
    };
    assert_eq!(offered("manager", "D1").await, ["PRO1", "T1"]);
    assert_eq!(
        offered("manager", "R1").await,
        ["T1"],
        "PRO is not R1's channel"
    );
    assert_eq!(
        offered("manager", "").await,
        ["C1", "PRO1", "T1"],
        "no partner picked yet"
    );
    assert!(
        offered("rep", "D1").await.is_empty(),
        "a partner outside the scope offers nothing"
    );
    // A partner orders for itself, whatever the form says.
    assert_eq!(offered("puser", "D1").await, ["T1"]);
    assert_eq!(offered("padmin", "").await, ["PRO1", "T1"]);
    assert!(matches!(
        app.pick_order_products(&who("money").await, "", "D1").await,
        Err(AppError::Forbidden)
    ));
}
