//! Stories of what each role is told about a partner (docs/UI.md "What a
//! partner sees"): a parent outside the caller's scope is not "buys from
//! us", partner users never read our reasons or our staff's logins, and the
//! downstream is the whole tree.

#![allow(clippy::wildcard_imports)]

use super::*;
use qudao_app::grades::GradeChangeInput;
use qudao_app::partners::StatusInput;

on_both_backends!(
    a_parent_outside_the_scope_is_not_buying_from_us,
    partner_users_see_what_changed_but_not_why_or_who,
    the_downstream_is_the_whole_tree,
);

/// P1 (manager) ─► P2 ─► P3 (rep) ─► P4; boss works for P2.
async fn chain(app: &Qudao) {
    lines(app, &["TEA"]).await;
    for (login, role, partner_code) in [
        ("manager", "channel_manager", None),
        ("rep", "sales_rep", None),
    ] {
        app.create_user(&system(), &user(login, role, partner_code))
            .await
            .unwrap();
    }
    for (code, parent, owner) in [
        ("P1", None, Some("manager")),
        ("P2", Some("P1"), None),
        ("P3", Some("P2"), Some("rep")),
        ("P4", Some("P3"), None),
    ] {
        app.create_partner(&system(), &partner(code, "distributor", parent, owner))
            .await
            .unwrap();
    }
    app.create_user(&system(), &user("boss", "partner_admin", Some("P2")))
        .await
        .unwrap();
}

async fn a_parent_outside_the_scope_is_not_buying_from_us(db: TestDb) {
    let app = db.app().await;
    chain(&app).await;
    let manager = app.caller_by_login("manager").await.unwrap();
    let rep = app.caller_by_login("rep").await.unwrap();
    let boss = app.caller_by_login("boss").await.unwrap();

    let top = app.partner(&manager, "P1").await.unwrap().partner;
    assert_eq!((top.parent_code, top.parent_hidden), (None, false));
    let p2 = app.partner(&manager, "P2").await.unwrap().partner;
    assert_eq!(
        (
            p2.parent_code.as_deref(),
            p2.parent_name.as_deref(),
            p2.parent_hidden
        ),
        (Some("P1"), Some("P1 有限公司"), false),
        "staff who see the parent get its code and name"
    );

    let p3 = app.partner(&rep, "P3").await.unwrap().partner;
    assert_eq!(
        (
            p3.parent_code.as_deref(),
            p3.parent_name.as_deref(),
            p3.parent_hidden
        ),
        (None, None, true),
        "the rep is told P3 buys from a partner, without being told which"
    );
    let own = app.partner(&boss, "P2").await.unwrap().partner;
    assert_eq!((own.parent_code, own.parent_hidden), (None, true));

    // The list says the same as the detail page.
    let listed = app
        .list_partners(
            &rep,
            &PartnerFilter::default(),
            PartnerSort::Code,
            SortDir::Asc,
            PageRequest::new(None, None),
        )
        .await
        .unwrap()
        .items;
    let seen: Vec<_> = listed
        .iter()
        .map(|p| (p.code.as_str(), p.parent_code.as_deref(), p.parent_hidden))
        .collect();
    assert_eq!(seen, [("P3", None, true), ("P4", Some("P3"), false)]);
    assert_eq!(listed[1].parent_name.as_deref(), Some("P3 有限公司"));
}

async fn partner_users_see_what_changed_but_not_why_or_who(db: TestDb) {
    let app = db.app().await;
    chain(&app).await;
    let manager = app.caller_by_login("manager").await.unwrap();
    let boss = app.caller_by_login("boss").await.unwrap();
    app.change_partner_status(
        &manager,
        "P2",
        &StatusInput {
            status: "suspended".into(),
            reason: "逾期回款，暂停待审".into(),
        },
    )
    .await
    .unwrap();
    app.change_partner_grade(
        &manager,
        "P2",
        &GradeChangeInput {
            grade: "gold".into(),
            reason: "内部评审：进货翻倍".into(),
        },
    )
    .await
    .unwrap();

    let staff_view = app.partner(&manager, "P2").await.unwrap();
    let last = staff_view.status_history.last().unwrap();
    assert_eq!(last.reason.as_deref(), Some("逾期回款，暂停待审"));
    assert_eq!(last.changed_by.as_deref(), Some("manager"));
    assert_eq!(last.changed_by_name.as_deref(), Some("manager name"));
    let grade = app.partner_grade(&manager, "P2").await.unwrap();
    assert_eq!(
        grade.history[0].reason.as_deref(),
        Some("内部评审：进货翻倍")
    );
    assert_eq!(
        grade.history[0].changed_by_name.as_deref(),
        Some("manager name")
    );

    let portal = app.partner(&boss, "P2").await.unwrap();
    assert_eq!(portal.status_history.len(), staff_view.status_history.len());
    assert_eq!(
        portal.status_history.last().map(|c| c.to.as_str()),
        Some("suspended"),
        "the partner still sees what happened and when"
    );
    for change in &portal.status_history {
        assert_eq!(
            (&change.reason, &change.changed_by, &change.changed_by_name),
            (&None, &None, &None)
        );
    }
    assert_eq!(portal.owner_login, None);
    let grade = app.partner_grade(&boss, "P2").await.unwrap();
    assert_eq!(grade.history[0].to, "gold");
    assert_eq!(
        (&grade.history[0].reason, &grade.history[0].changed_by),
        (&None, &None)
    );
    // The partner page's own path (one lookup shared by its panels) hides
    // the same: who granted a right is ours to know.
    app.load_builtin_regions().await.unwrap();
    app.create_authorization(
        &manager,
        &qudao_app::territories::AuthorizationInput {
            partner_code: "P2".into(),
            region_code: "CN".into(),
            product_line: "TEA".into(),
            mode: "intensive".into(),
            valid_from: "2026-01-01".into(),
            valid_to: "2026-12-31".into(),
        },
    )
    .await
    .unwrap();
    let rights_of = |caller: Caller| {
        let app = app.clone();
        async move {
            let (_, shown) = app.partner_shown(&caller, "P2").await.unwrap();
            app.partner_authorizations(
                &caller,
                &shown,
                qudao_app::territories::AuthorizationSort::Code,
                SortDir::Asc,
            )
            .await
            .unwrap()
        }
    };
    assert_eq!(rights_of(manager.clone()).await[0].created_by, "manager");
    let portal_rights = rights_of(boss.clone()).await;
    assert_eq!(portal_rights.len(), 1);
    assert_eq!(portal_rights[0].created_by, "");
    let (_, shown) = app.partner_shown(&boss, "P2").await.unwrap();
    let (grade, _) = app.partner_grade_shown(&boss, &shown).await.unwrap();
    assert_eq!(grade.history[0].reason, None);

    // Nor does the JSON the API serves carry them.
    let json = serde_json::to_string(&portal).unwrap();
    assert!(
        !json.contains("逾期回款") && !json.contains("\"manager\""),
        "{json}"
    );
}

async fn the_downstream_is_the_whole_tree(db: TestDb) {
    let app = db.app().await;
    chain(&app).await;
    app.create_partner(&system(), &partner("P5", "retailer", Some("P1"), None))
        .await
        .unwrap();
    let manager = app.caller_by_login("manager").await.unwrap();
    let rep = app.caller_by_login("rep").await.unwrap();
    let tree: Vec<_> = app
        .partner(&manager, "P1")
        .await
        .unwrap()
        .children
        .into_iter()
        .map(|p| (p.code, p.depth, p.parent_code))
        .collect();
    let owned =
        |code: &str, depth: i32, parent: &str| (code.to_owned(), depth, Some(parent.to_owned()));
    assert_eq!(
        tree,
        [
            owned("P2", 2, "P1"),
            owned("P3", 3, "P2"),
            owned("P4", 4, "P3"),
            owned("P5", 2, "P1"),
        ],
        "every level, each partner followed by those that buy from it"
    );
    let below_p3: Vec<_> = app
        .partner(&rep, "P3")
        .await
        .unwrap()
        .children
        .into_iter()
        .map(|p| p.code)
        .collect();
    assert_eq!(below_p3, ["P4"]);
}
