//! Stories of a partner admin's team, on both backends.

#![allow(clippy::wildcard_imports)]

use qudao_app::team::TeamMemberInput;
use qudao_domain::admin::Role;

use super::*;

on_both_backends!(
    a_partner_admin_runs_its_own_staff_accounts,
    a_partner_admin_reaches_no_other_account,
);

/// PA with its downstream PB; boss is PA's partner admin, clerk PA's staff,
/// b-clerk PB's staff and b-boss PB's partner admin.
async fn organisation(app: &Qudao) -> Caller {
    for (code, parent) in [("PA", None), ("PB", Some("PA"))] {
        app.create_partner(&system(), &partner(code, "distributor", parent, None))
            .await
            .unwrap();
    }
    for (login, role, partner) in [
        ("boss", "partner_admin", Some("PA")),
        ("clerk", "partner_user", Some("PA")),
        ("b-clerk", "partner_user", Some("PB")),
        ("b-boss", "partner_admin", Some("PB")),
        ("rep", "sales_rep", None),
    ] {
        app.create_user(&system(), &user(login, role, partner))
            .await
            .unwrap();
    }
    app.caller_by_login("boss").await.unwrap()
}

fn member(login: &str) -> TeamMemberInput {
    TeamMemberInput {
        login: login.to_owned(),
        display_name: format!("{login} 员工"),
    }
}

async fn a_partner_admin_runs_its_own_staff_accounts(db: TestDb) {
    let app = db.app().await;
    let boss = organisation(&app).await;
    let team: Vec<String> = app
        .list_team(&boss)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.login)
        .collect();
    assert_eq!(team, ["boss", "clerk"]);

    let created = app
        .create_team_member(&boss, &member("New.Clerk"))
        .await
        .unwrap();
    assert_eq!(created.user.login, "new.clerk");
    assert_eq!(created.user.role, Role::PartnerUser);
    assert_eq!(created.user.partner_code.as_deref(), Some("PA"));
    let (caller, _) = app
        .login("new.clerk", &created.password, &Origin::default())
        .await
        .expect("the generated password signs in");
    assert_eq!(caller.partner_id, boss.partner_id);
    assert!(matches!(
        app.create_team_member(&boss, &member("clerk")).await,
        Err(AppError::Duplicate { field: "login" })
    ));
    assert!(matches!(
        app.create_team_member(&boss, &member("x")).await,
        Err(AppError::Invalid(_))
    ));

    // Disabling ends its API tokens; a session ends at its next request.
    let token = app.create_token(&caller, "shop").await.unwrap();
    let (_, stamp) = app
        .login("new.clerk", &created.password, &Origin::default())
        .await
        .unwrap();
    app.set_team_member_status(&boss, "new.clerk", UserStatus::Disabled)
        .await
        .unwrap();
    assert!(matches!(
        app.token_caller(&token.secret).await,
        Err(AppError::Unauthenticated)
    ));
    assert!(matches!(
        app.session_caller(stamp).await,
        Err(AppError::Unauthenticated)
    ));
    app.set_team_member_status(&boss, "new.clerk", UserStatus::Active)
        .await
        .unwrap();

    let reset = app
        .reset_team_member_password(&boss, "new.clerk")
        .await
        .unwrap();
    assert_ne!(reset.password, created.password);
    assert!(matches!(
        app.login("new.clerk", &created.password, &Origin::default())
            .await,
        Err(AppError::BadCredentials)
    ));
    app.login("new.clerk", &reset.password, &Origin::default())
        .await
        .unwrap();

    let audit = app
        .list_audit(
            &system(),
            &qudao_app::audit::Filter {
                entity_key: Some("new.clerk".into()),
                actor_login: Some("boss".into()),
                ..Default::default()
            },
            PageRequest::export(),
        )
        .await
        .unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["reset_password", "enable", "disable", "create"]);
}

async fn a_partner_admin_reaches_no_other_account(db: TestDb) {
    let app = db.app().await;
    let boss = organisation(&app).await;
    // Downstream staff, a fellow partner admin, internal staff, unknown.
    for login in ["b-clerk", "b-boss", "boss", "rep", "nobody"] {
        assert!(
            matches!(
                app.set_team_member_status(&boss, login, UserStatus::Disabled)
                    .await,
                Err(AppError::NotFound(_))
            ),
            "{login}"
        );
        assert!(
            matches!(
                app.reset_team_member_password(&boss, login).await,
                Err(AppError::NotFound(_))
            ),
            "{login}"
        );
    }
    for other in ["clerk", "rep"] {
        let caller = app.caller_by_login(other).await.unwrap();
        assert!(matches!(
            app.list_team(&caller).await,
            Err(AppError::Forbidden)
        ));
        assert!(matches!(
            app.create_team_member(&caller, &member("sneaky")).await,
            Err(AppError::Forbidden)
        ));
        assert!(matches!(
            app.set_team_member_status(&caller, "clerk", UserStatus::Disabled)
                .await,
            Err(AppError::Forbidden)
        ));
    }
    // A partner admin cannot use the admin's user management either.
    assert!(matches!(
        app.create_user(&boss, &user("boss2", "partner_admin", Some("PA")))
            .await,
        Err(AppError::Forbidden)
    ));
    let still: Vec<UserStatus> = app
        .list_team(&boss)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.status)
        .collect();
    assert_eq!(still, [UserStatus::Active, UserStatus::Active]);
}
