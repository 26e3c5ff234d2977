//! Stories of admin, on both backends.

#![allow(clippy::wildcard_imports)]

use super::*;

on_both_backends!(
    migrations_are_versioned_and_newer_schemas_refused,
    accounts_validate_and_refuse_duplicates,
    login_counts_failures_locks_and_respects_status,
    tokens_authenticate_until_revoked,
    password_change_ends_other_sessions,
    every_mutation_is_audited,
    sessions_expire,
    login_throttles_per_address_and_only_slows_the_account,
    audit_records_name_the_client,
);

fn from(address: &str) -> Origin {
    Origin::new(address.parse().ok(), Some("test-agent/1.0"))
}

async fn migrations_are_versioned_and_newer_schemas_refused(db: TestDb) {
    let app = db.app().await;
    let status = app.schema_status().await.unwrap();
    assert_eq!(status.database, status.binary);
    assert!(
        app.migrate().await.unwrap().is_empty(),
        "a second migrate applies nothing"
    );
    app.ready().await.unwrap();
    db.raw("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', '2030-01-01 00:00:00+00')").await;
    let err = Qudao::open(&db.url).await.unwrap_err();
    assert!(matches!(err, AppError::Schema(_)), "{err:?}");
    assert!(err.to_string().contains("999"), "{err}");
    assert!(app.ready().await.is_err());
}

async fn accounts_validate_and_refuse_duplicates(db: TestDb) {
    let app = db.app().await;
    app.create_partner(&system(), &partner("P1", "distributor", None, None))
        .await
        .unwrap();
    let created = app
        .create_user(&system(), &user("Zhang.San", "finance", None))
        .await
        .unwrap();
    assert_eq!(created.login, "zhang.san");

    let err = app
        .create_user(&system(), &user("zhang.san", "admin", None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Duplicate { field: "login" }),
        "{err:?}"
    );

    let bad = UserInput {
        login: "x".into(),
        display_name: " ".into(),
        role: "root".into(),
        partner_code: None,
        password: "short".into(),
    };
    let AppError::Invalid(fields) = app.create_user(&system(), &bad).await.unwrap_err() else {
        panic!("expected invalid")
    };
    let names: Vec<_> = fields.iter().map(|f| f.field).collect();
    assert_eq!(
        names,
        ["login", "display_name", "role", "password"],
        "every bad field is reported at once"
    );

    let err = app
        .create_user(&system(), &user("staff", "partner_user", None))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(f) if f[0].field == "partner_code"),
        "{err:?}"
    );
    let err = app
        .create_user(&system(), &user("staff", "partner_user", Some("NOPE")))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(f) if f[0].field == "partner_code"),
        "{err:?}"
    );
    let err = app
        .create_user(&system(), &user("boss", "finance", Some("P1")))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(f) if f[0].field == "partner_code"),
        "{err:?}"
    );
    app.create_user(&system(), &user("staff", "partner_user", Some("p1")))
        .await
        .unwrap();

    let users = app
        .list_users(
            &system(),
            &UserFilter::default(),
            UserSort::Login,
            SortDir::Asc,
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(users.total, 2, "failed creations wrote nothing");
    assert_eq!(users.items[0].partner_code.as_deref(), Some("P1"));

    let (finance, _) = app
        .login("zhang.san", PASSWORD, &Origin::default())
        .await
        .unwrap();
    let err = app
        .create_user(&finance, &user("other", "admin", None))
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::Forbidden));
}

async fn login_counts_failures_locks_and_respects_status(db: TestDb) {
    let app = db.app().await;
    app.create_user(&system(), &user("admin", "admin", None))
        .await
        .unwrap();
    app.create_user(&system(), &user("rep", "sales_rep", None))
        .await
        .unwrap();

    assert!(matches!(
        app.login("nobody", PASSWORD, &Origin::default()).await,
        Err(AppError::BadCredentials)
    ));
    assert!(matches!(
        app.login("", PASSWORD, &Origin::default()).await,
        Err(AppError::BadCredentials)
    ));
    for _ in 0..4 {
        assert!(matches!(
            app.login("rep", "wrong-password", &Origin::default()).await,
            Err(AppError::BadCredentials)
        ));
    }
    app.login("rep", PASSWORD, &Origin::default())
        .await
        .expect("four failures do not lock, and success resets the count");
    for _ in 0..5 {
        assert!(matches!(
            app.login("rep", "wrong-password", &Origin::default()).await,
            Err(AppError::BadCredentials)
        ));
    }
    let err = app
        .login("rep", PASSWORD, &Origin::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Locked { minutes } if (1..=15).contains(&minutes)),
        "{err:?}"
    );

    let (admin, _) = app
        .login("ADMIN", PASSWORD, &Origin::default())
        .await
        .unwrap();
    assert_eq!(admin.login, "admin");
    app.change_password(&admin, "rep", None, "a-brand-new-password")
        .await
        .unwrap();
    let (_, stamp) = app
        .login("rep", "a-brand-new-password", &Origin::default())
        .await
        .expect("an admin reset unlocks");
    // Remembered by the caller cache, which the disabling must empty.
    assert_eq!(app.session_caller(stamp).await.unwrap().login, "rep");

    app.set_user_status(&admin, "rep", UserStatus::Disabled)
        .await
        .unwrap();
    assert!(matches!(
        app.login("rep", "a-brand-new-password", &Origin::default())
            .await,
        Err(AppError::Disabled)
    ));
    assert!(
        matches!(
            app.session_caller(stamp).await,
            Err(AppError::Unauthenticated)
        ),
        "a disabled user's session ends"
    );
    let err = app
        .set_user_status(&admin, "admin", UserStatus::Disabled)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(_)),
        "admins cannot lock themselves out"
    );
    app.set_user_status(&admin, "rep", UserStatus::Active)
        .await
        .unwrap();
    app.login("rep", "a-brand-new-password", &Origin::default())
        .await
        .unwrap();
}

async fn tokens_authenticate_until_revoked(db: TestDb) {
    let app = db.app().await;
    app.create_user(&system(), &user("rep", "sales_rep", None))
        .await
        .unwrap();
    app.create_user(&system(), &user("finance", "finance", None))
        .await
        .unwrap();
    let rep = app.caller_by_login("rep").await.unwrap();
    let token = app.create_token(&rep, "integration").await.unwrap();
    assert!(token.secret.starts_with("qd_") && token.secret.len() > 60);
    assert_eq!(app.token_caller(&token.secret).await.unwrap().login, "rep");
    assert!(matches!(
        app.token_caller("qd_not-a-token").await,
        Err(AppError::Unauthenticated)
    ));
    assert!(matches!(
        app.token_caller("").await,
        Err(AppError::Unauthenticated)
    ));
    assert!(app.create_token(&rep, "  ").await.is_err());

    let finance = app.caller_by_login("finance").await.unwrap();
    assert!(
        matches!(
            app.revoke_token(&finance, token.view.id).await,
            Err(AppError::NotFound(_))
        ),
        "not someone else's token"
    );
    app.revoke_token(&rep, token.view.id).await.unwrap();
    assert!(matches!(
        app.token_caller(&token.secret).await,
        Err(AppError::Unauthenticated)
    ));
    let listed = app.list_tokens(&rep).await.unwrap();
    assert!(listed[0].revoked && listed[0].last_used_at.is_some());

    let second = app.create_token(&rep, "second").await.unwrap();
    assert_eq!(app.token_caller(&second.secret).await.unwrap().login, "rep");
    app.set_user_status(&system(), "rep", UserStatus::Disabled)
        .await
        .unwrap();
    assert!(matches!(
        app.token_caller(&second.secret).await,
        Err(AppError::Unauthenticated)
    ));
}

async fn password_change_ends_other_sessions(db: TestDb) {
    let app = db.app().await;
    app.create_user(&system(), &user("rep", "sales_rep", None))
        .await
        .unwrap();
    let (rep, first) = app
        .login("rep", PASSWORD, &Origin::default())
        .await
        .unwrap();
    let (_, second) = app
        .login("rep", PASSWORD, &Origin::default())
        .await
        .unwrap();
    assert_eq!(first, second);
    let err = app
        .change_password(
            &rep,
            "rep",
            Some("not-my-password"),
            "another-long-password",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(f) if f[0].field == "current_password"),
        "{err:?}"
    );
    let err = app
        .change_password(&rep, "admin", None, "another-long-password")
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Forbidden),
        "only admins reset others' passwords"
    );
    assert_eq!(app.session_caller(first).await.unwrap().login, "rep");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let fresh = app
        .change_password(&rep, "rep", Some(PASSWORD), "another-long-password")
        .await
        .unwrap();
    assert!(matches!(
        app.session_caller(first).await,
        Err(AppError::Unauthenticated)
    ));
    assert_eq!(app.session_caller(fresh).await.unwrap().login, "rep");
}

async fn every_mutation_is_audited(db: TestDb) {
    let app = db.app().await;
    app.create_user(&system(), &user("admin", "admin", None))
        .await
        .unwrap();
    let (admin, _) = app
        .login("admin", PASSWORD, &Origin::default())
        .await
        .unwrap();
    app.create_partner(&admin, &partner("P1", "distributor", None, None))
        .await
        .unwrap();
    let _ = app
        .login("admin", "wrong-password", &Origin::default())
        .await;
    let token = app.create_token(&admin, "ci").await.unwrap();
    app.revoke_token(&admin, token.view.id).await.unwrap();
    let log = app
        .list_audit(&admin, &Default::default(), PageRequest::new(None, None))
        .await
        .unwrap();
    let actions: Vec<_> = log
        .items
        .iter()
        .map(|e| (e.entity.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("api_token", "revoke"),
            ("api_token", "create"),
            ("user", "login_failed"),
            ("partner", "create"),
            ("user", "login"),
            ("user", "create"),
        ]
    );
    let created = &log.items[3];
    assert_eq!(created.actor_login, "admin");
    assert_eq!(created.after.as_ref().unwrap()["code"], "P1");
    assert!(
        !log.items[5]
            .after
            .as_ref()
            .unwrap()
            .to_string()
            .contains("argon2"),
        "no password hash in the log"
    );
    let filter = qudao_app::audit::Filter {
        entity: Some("partner".into()),
        ..Default::default()
    };
    assert_eq!(
        app.list_audit(&admin, &filter, PageRequest::new(None, None))
            .await
            .unwrap()
            .total,
        1
    );
    let finance = Caller::system("x");
    assert!(
        app.list_audit(&finance, &Default::default(), PageRequest::new(None, None))
            .await
            .is_ok()
    );
}

async fn sessions_expire(db: TestDb) {
    use tower_sessions::SessionStore;
    use tower_sessions::session::{Id, Record};
    let app = db.app().await;
    let store = app.session_store();
    let mut record = Record {
        id: Id::default(),
        data: [("stamp".to_owned(), serde_json::json!(1))]
            .into_iter()
            .collect(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    };
    store.create(&mut record).await.unwrap();
    assert_eq!(
        store.load(&record.id).await.unwrap().unwrap().data,
        record.data
    );
    record.expiry_date = time::OffsetDateTime::now_utc() - time::Duration::minutes(1);
    store.save(&record).await.unwrap();
    assert!(
        store.load(&record.id).await.unwrap().is_none(),
        "an expired session is gone"
    );
    assert_eq!(store.delete_expired().await.unwrap(), 1);
    store.delete(&record.id).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_and_checked_restore() {
    let db = TestDb::sqlite().await;
    let app = db.app().await;
    app.create_partner(&system(), &partner("P1", "distributor", None, None))
        .await
        .unwrap();
    let backup = TestDb::sqlite().await;
    let Cleanup::Sqlite(backup_path) = &backup.cleanup else {
        unreachable!()
    };
    app.backup_sqlite(backup_path).await.unwrap();
    assert!(
        app.backup_sqlite(backup_path).await.is_err(),
        "a backup never overwrites"
    );

    let restored = TestDb::sqlite().await;
    let target = qudao_app::restore_sqlite(backup_path, &restored.url, false)
        .await
        .unwrap();
    assert!(target.exists());
    let again = qudao_app::restore_sqlite(backup_path, &restored.url, false)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("--force"), "{again}");
    let copy = restored.app().await;
    assert_eq!(partner_total(&copy, &system()).await, 1);

    let garbage = std::env::temp_dir().join(format!("{}.db", unique("garbage")));
    std::fs::write(&garbage, b"not a database").unwrap();
    let err = qudao_app::restore_sqlite(&garbage, &restored.url, true)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a SQLite database"), "{err}");
    std::fs::remove_file(&garbage).unwrap();
    assert_eq!(
        partner_total(&restored.app().await, &system()).await,
        1,
        "a refused restore changed nothing"
    );

    let pg = TestDb::postgres().await;
    let err = pg
        .app()
        .await
        .backup_sqlite(&std::env::temp_dir().join("never.db"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("pg_dump"), "{err}");
}

/// Failures are counted per address, per account at an address, and per
/// account; see docs/ARCHITECTURE.md, Security.
async fn login_throttles_per_address_and_only_slows_the_account(db: TestDb) {
    let app = db.app().await;
    for login in ["rep", "other", "victim"] {
        app.create_user(&system(), &user(login, "sales_rep", None))
            .await
            .unwrap();
    }
    // An attacker at one address locks the account only for that address.
    for _ in 0..5 {
        assert!(matches!(
            app.login("rep", "wrong-password", &from("203.0.113.9"))
                .await,
            Err(AppError::BadCredentials)
        ));
    }
    assert!(matches!(
        app.login("rep", PASSWORD, &from("203.0.113.9")).await,
        Err(AppError::Locked { minutes: 15 })
    ));
    app.login("rep", PASSWORD, &from("198.51.100.7"))
        .await
        .expect("the owner, elsewhere, is not locked out");

    // One address guessing many accounts is shut out of all of them,
    // unknown logins counted too.
    let attacker = from("2001:db8::1");
    for n in 0..20 {
        let login = if n < 3 {
            "other".to_owned()
        } else {
            format!("nobody{n}")
        };
        let login = login.as_str();
        assert!(matches!(
            app.login(login, "wrong-password", &attacker).await,
            Err(AppError::BadCredentials)
        ));
    }
    assert!(matches!(
        app.login("other", PASSWORD, &attacker).await,
        Err(AppError::Locked { .. })
    ));
    app.login("other", PASSWORD, &from("2001:db8::2"))
        .await
        .unwrap();

    // Many addresses on one account: after ten failures in a row the
    // account slows down to one attempt per 30 seconds, and no more.
    for n in 0..10 {
        let _ = app
            .login("victim", "wrong-password", &from(&format!("192.0.2.{n}")))
            .await;
    }
    assert!(matches!(
        app.login("victim", PASSWORD, &from("192.0.2.200")).await,
        Err(AppError::Locked { minutes: 1 })
    ));
    db.raw("UPDATE users SET locked_until = NULL WHERE login = 'victim'")
        .await;
    app.login("victim", PASSWORD, &from("192.0.2.200"))
        .await
        .expect("once the pause is over, the owner signs in");

    // An administrator's reset lifts every throttle of the account.
    app.create_user(&system(), &user("admin", "admin", None))
        .await
        .unwrap();
    let admin = app.caller_by_login("admin").await.unwrap();
    for _ in 0..5 {
        let _ = app
            .login("rep", "wrong-password", &from("203.0.113.50"))
            .await;
    }
    app.change_password(&admin, "rep", None, "a-brand-new-password")
        .await
        .unwrap();
    app.login("rep", "a-brand-new-password", &from("203.0.113.50"))
        .await
        .unwrap();

    // Counters whose window is over and whose lock has ended count for
    // nothing; the next failure forgets them, so the table does not keep
    // every address that ever mistyped. A running lock is kept.
    db.raw(
        "UPDATE login_throttle SET window_start = '2020-01-01 00:00:00+00:00', \
         locked_until = NULL WHERE address <> '2001:db8::1'",
    )
    .await;
    db.raw(
        "UPDATE login_throttle SET window_start = '2020-01-01 00:00:00+00:00' \
         WHERE address = '2001:db8::1'",
    )
    .await;
    let before = db.count("SELECT COUNT(*) FROM login_throttle").await;
    let _ = app
        .login("nobody", "wrong-password", &from("203.0.113.77"))
        .await;
    let attacker_rows = db
        .count("SELECT COUNT(*) FROM login_throttle WHERE address = '2001:db8::1'")
        .await;
    assert!(attacker_rows > 0, "the attacker's lock is still running");
    assert_eq!(
        db.count("SELECT COUNT(*) FROM login_throttle").await,
        attacker_rows + 1,
        "stale counters forgotten ({before} before), the new failure counted"
    );
    assert!(matches!(
        app.login("other", PASSWORD, &attacker).await,
        Err(AppError::Locked { .. })
    ));
}

async fn audit_records_name_the_client(db: TestDb) {
    let app = db.app().await;
    app.create_user(&system(), &user("admin", "admin", None))
        .await
        .unwrap();
    let origin = Origin::new("::ffff:10.1.2.3".parse().ok(), Some(&"浏览器".repeat(200)));
    let (admin, _) = app.login("admin", PASSWORD, &origin).await.unwrap();
    app.create_partner(&admin, &partner("P1", "distributor", None, None))
        .await
        .unwrap();
    let _ = app
        .login("admin", "wrong-password", &from("192.0.2.1"))
        .await;
    app.create_partner(&system(), &partner("P2", "distributor", None, None))
        .await
        .unwrap();
    let log = app
        .list_audit(&admin, &Default::default(), PageRequest::export())
        .await
        .unwrap();
    let seen: Vec<(&str, Option<&str>, usize)> = log
        .items
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.client_address.as_deref(),
                e.user_agent.as_ref().map_or(0, |a| a.chars().count()),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("create", None, 0),
            ("login_failed", Some("192.0.2.1"), 14),
            ("create", Some("10.1.2.3"), Origin::USER_AGENT_MAX),
            ("login", Some("10.1.2.3"), Origin::USER_AGENT_MAX),
            ("create", None, 0),
        ],
        "the command line (system) records no client; an IPv4-mapped address reads as IPv4; long agents are cut"
    );
}
