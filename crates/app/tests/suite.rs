//! The backend-agnostic story suite: every test runs once on SQLite and once
//! on PostgreSQL (the local server; each test makes and drops its own
//! database). `QUDAO_TEST_PG_URL` names the server's admin connection.

#![allow(
    clippy::unwrap_used,
    reason = "a test that cannot set up should fail loudly"
)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use qudao_app::admin::{UserFilter, UserInput, UserSort};
use qudao_app::partners::{
    ContactInput, PartnerEdit, PartnerFilter, PartnerInput, PartnerSort, RecordInput,
};
use qudao_app::{AppError, Caller, PageRequest, Qudao, SortDir};
use qudao_domain::admin::UserStatus;
use sea_orm::{ConnectionTrait, Database};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

enum Cleanup {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

struct TestDb {
    url: String,
    cleanup: Cleanup,
}

fn unique(kind: &str) -> String {
    format!(
        "qudao_test_{kind}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

impl TestDb {
    async fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("{}.db", unique("sqlite")));
        TestDb {
            url: format!("sqlite://{}", path.display()),
            cleanup: Cleanup::Sqlite(path),
        }
    }

    async fn postgres() -> Self {
        let admin_url = std::env::var("QUDAO_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let name = unique("pg");
        let admin = Database::connect(&admin_url)
            .await
            .expect("PostgreSQL at QUDAO_TEST_PG_URL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        admin.close().await.ok();
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(base, _)| base);
        TestDb {
            url: format!("{base}/{name}"),
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }

    async fn app(&self) -> Qudao {
        Qudao::open(&self.url).await.expect("open")
    }

    async fn raw(&self, sql: &str) {
        let db = Database::connect(&self.url).await.unwrap();
        db.execute_unprepared(sql).await.unwrap();
        db.close().await.ok();
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; use a thread of its own.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::TestDb::sqlite().await).await }) *
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::TestDb::postgres().await).await }) *
        }
    };
}

on_both_backends!(
    migrations_are_versioned_and_newer_schemas_refused,
    accounts_validate_and_refuse_duplicates,
    login_counts_failures_locks_and_respects_status,
    tokens_authenticate_until_revoked,
    password_change_ends_other_sessions,
    partner_tree_and_data_scope,
    partner_input_errors_change_nothing,
    every_mutation_is_audited,
    sessions_expire,
    partner_status_lifecycle,
    partner_record_contacts_and_moves,
    imports_are_all_or_nothing,
    agreement_amendment_answers_as_of_any_day,
    agreement_bad_input_changes_nothing,
    agreement_scope_lists_and_expiring,
    builtin_regions_load_once_and_nest,
    custom_regions,
    exclusive_authorizations_collide_both_ways,
    selective_limits_and_intensive,
    authorization_changes_and_ending,
    authorization_bad_input_changes_nothing,
    authorization_scope,
);

// Grades and onboarding, in a file of their own.
#[path = "suite/network.rs"]
mod network;

const PASSWORD: &str = "correct-horse-battery";

fn system() -> Caller {
    Caller::system("test")
}

fn user(login: &str, role: &str, partner: Option<&str>) -> UserInput {
    UserInput {
        login: login.to_owned(),
        display_name: format!("{login} name"),
        role: role.to_owned(),
        partner_code: partner.map(str::to_owned),
        password: PASSWORD.to_owned(),
    }
}

fn partner(code: &str, kind: &str, parent: Option<&str>, owner: Option<&str>) -> PartnerInput {
    PartnerInput {
        code: code.to_owned(),
        name: format!("{code} 有限公司"),
        partner_type: kind.to_owned(),
        parent_code: parent.map(str::to_owned),
        owner_login: owner.map(str::to_owned),
        status: None,
        record: Default::default(),
    }
}

async fn partner_total(app: &Qudao, caller: &Caller) -> u64 {
    app.list_partners(
        caller,
        &PartnerFilter::default(),
        PartnerSort::Code,
        SortDir::Asc,
        PageRequest::new(None, None),
    )
    .await
    .unwrap()
    .total
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

    let (finance, _) = app.login("zhang.san", PASSWORD).await.unwrap();
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
        app.login("nobody", PASSWORD).await,
        Err(AppError::BadCredentials)
    ));
    assert!(matches!(
        app.login("", PASSWORD).await,
        Err(AppError::BadCredentials)
    ));
    for _ in 0..4 {
        assert!(matches!(
            app.login("rep", "wrong-password").await,
            Err(AppError::BadCredentials)
        ));
    }
    app.login("rep", PASSWORD)
        .await
        .expect("four failures do not lock, and success resets the count");
    for _ in 0..5 {
        assert!(matches!(
            app.login("rep", "wrong-password").await,
            Err(AppError::BadCredentials)
        ));
    }
    let err = app.login("rep", PASSWORD).await.unwrap_err();
    assert!(
        matches!(err, AppError::Locked { minutes } if (1..=15).contains(&minutes)),
        "{err:?}"
    );

    let (admin, _) = app.login("ADMIN", PASSWORD).await.unwrap();
    assert_eq!(admin.login, "admin");
    app.change_password(&admin, "rep", None, "a-brand-new-password")
        .await
        .unwrap();
    let (_, stamp) = app
        .login("rep", "a-brand-new-password")
        .await
        .expect("an admin reset unlocks");

    app.set_user_status(&admin, "rep", UserStatus::Disabled)
        .await
        .unwrap();
    assert!(matches!(
        app.login("rep", "a-brand-new-password").await,
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
    app.login("rep", "a-brand-new-password").await.unwrap();
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
    let (rep, first) = app.login("rep", PASSWORD).await.unwrap();
    let (_, second) = app.login("rep", PASSWORD).await.unwrap();
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

async fn every_mutation_is_audited(db: TestDb) {
    let app = db.app().await;
    app.create_user(&system(), &user("admin", "admin", None))
        .await
        .unwrap();
    let (admin, _) = app.login("admin", PASSWORD).await.unwrap();
    app.create_partner(&admin, &partner("P1", "distributor", None, None))
        .await
        .unwrap();
    let _ = app.login("admin", "wrong-password").await;
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
    assert_eq!(detail.status_history[4].reason, "overdue receivables");
    assert_eq!(detail.status_history[4].changed_by, "manager");
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
    assert_eq!(detail.region_name.as_deref(), Some("上海市"));
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
    assert_eq!(q1.children.len(), 1);
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

async fn imports_are_all_or_nothing(db: TestDb) {
    use qudao_app::imports::ImportKind;
    let app = db.app().await;
    app.load_builtin_regions().await.unwrap();
    app.create_user(&system(), &user("manager", "channel_manager", None))
        .await
        .unwrap();
    let manager = app.caller_by_login("manager").await.unwrap();
    // Chinese headers, GBK as Excel writes it, a child listed before its parent.
    let text = "编码,名称,类型,上级编码,区域编码,信用额度,币种\n\
                S2,深圳二级零售,retailer,S1,440300,\"1,000.50\",CNY\n\
                S1,深圳一级经销,distributor,,440300,200000,CNY\n\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let dry = app
        .import(&manager, ImportKind::Partners, "shenzhen.csv", &gbk, true)
        .await
        .unwrap();
    assert!(dry.ok(), "{:?}", dry.errors);
    assert_eq!((dry.rows, dry.created), (2, 0));
    assert_eq!(
        partner_total(&app, &system()).await,
        0,
        "a dry run writes nothing"
    );
    let done = app
        .import(&manager, ImportKind::Partners, "shenzhen.csv", &gbk, false)
        .await
        .unwrap();
    assert_eq!((done.created, done.errors.len()), (2, 0));
    let child = app.partner(&manager, "S2").await.unwrap();
    assert_eq!(child.partner.parent_code.as_deref(), Some("S1"));
    assert_eq!(child.credit_limit.as_deref(), Some("1000.50"));
    assert_eq!(child.region_name.as_deref(), Some("深圳市"));

    // The list exported to xlsx imports into an empty database as the same partners.
    let exported = app
        .export_partners(
            &manager,
            &PartnerFilter::default(),
            PartnerSort::Code,
            SortDir::Asc,
        )
        .await
        .unwrap();
    let file = qudao_app::export::to_xlsx(&exported).unwrap();
    let other = TestDb::sqlite().await;
    let copy = other.app().await;
    copy.load_builtin_regions().await.unwrap();
    copy.create_user(&system(), &user("manager", "channel_manager", None))
        .await
        .unwrap();
    let report = copy
        .import(&system(), ImportKind::Partners, "export.xlsx", &file, false)
        .await
        .unwrap();
    assert!(report.ok(), "{:?}", report.errors);
    let mut again = copy
        .export_partners(
            &system(),
            &PartnerFilter::default(),
            PartnerSort::Code,
            SortDir::Asc,
        )
        .await
        .unwrap();
    for row in &mut again {
        row.owner_login = Some("manager".into());
    }
    assert_eq!(again, exported, "export → import round-trips");

    // Every kind of bad row is reported with its row and column; nothing is written.
    let bad = "\u{feff}code,name,partner_type,parent_code,region_code,credit_limit\n\
               S1,taken,agent,,,\n\
               T1,ok,agent,NOPE,,\n\
               T2,loop a,agent,T3,,\n\
               T3,loop b,agent,T2,,\n\
               T4,bad,wholesaler,,999999,12.345\n\
               T4,again,agent,,,\n";
    let report = app
        .import(
            &manager,
            ImportKind::Partners,
            "bad.csv",
            bad.as_bytes(),
            false,
        )
        .await
        .unwrap();
    let found: Vec<(Option<usize>, Option<&str>)> = report
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            (Some(2), Some("code")),
            (Some(3), Some("parent_code")),
            (Some(6), Some("partner_type")),
            (Some(6), Some("region_code")),
            (Some(6), Some("credit_limit")),
            (Some(7), Some("code")),
        ],
        "{:#?}",
        report.errors
    );
    let cycle = "code,name,partner_type,parent_code\nT2,loop a,agent,T3\nT3,loop b,agent,T2\n";
    let report = app
        .import(
            &manager,
            ImportKind::Partners,
            "cycle.csv",
            cycle.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.errors.len(), 2, "{:?}", report.errors);
    assert!(report.errors.iter().all(|e| e.field == "parent_code"));
    assert_eq!(
        partner_total(&app, &system()).await,
        2,
        "rejected files wrote nothing"
    );

    // Contacts of partners in scope; someone else's partner does not exist.
    app.create_partner(&system(), &partner("X1", "agent", None, None))
        .await
        .unwrap();
    let contacts = "partner_code,name,role,phone,email\nS1,王伟,采购,13800000000,\nX1,李娜,财务,,li@example.cn\n";
    let report = app
        .import(
            &manager,
            ImportKind::Contacts,
            "c.csv",
            contacts.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].row, Some(3));
    assert!(
        app.partner(&manager, "S1")
            .await
            .unwrap()
            .contacts
            .is_empty()
    );
    // Grades by code; an unknown grade is named.
    let graded = "code,name,partner_type,grade\nG1,graded,agent,gold\nG2,bad grade,agent,diamond\n";
    let report = app
        .import(
            &manager,
            ImportKind::Partners,
            "g.csv",
            graded.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        report
            .errors
            .iter()
            .map(|e| (e.row, e.field.as_str()))
            .collect::<Vec<_>>(),
        [(Some(3), "grade")]
    );
    let graded = "code,name,partner_type,grade\nG1,graded,agent,gold\n";
    app.import(
        &manager,
        ImportKind::Partners,
        "g.csv",
        graded.as_bytes(),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        app.partner_grade(&manager, "G1")
            .await
            .unwrap()
            .grade
            .map(|g| g.code),
        Some("gold".to_owned())
    );

    // The list filters by grade and by region (a province holds its cities).
    let codes = |filter: PartnerFilter| {
        let app = app.clone();
        let manager = manager.clone();
        async move {
            app.list_partners(
                &manager,
                &filter,
                PartnerSort::Code,
                SortDir::Asc,
                PageRequest::export(),
            )
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|p| (p.code, p.region_code, p.grade))
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        codes(PartnerFilter {
            grade_code: Some("gold".into()),
            ..Default::default()
        })
        .await,
        [("G1".to_owned(), None, Some("gold".to_owned()))]
    );
    let guangdong = codes(PartnerFilter {
        region_code: Some("440000".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(
        guangdong
            .iter()
            .map(|(code, region, _)| (code.as_str(), region.as_deref()))
            .collect::<Vec<_>>(),
        [("S1", Some("440300")), ("S2", Some("440300"))]
    );
    assert!(
        codes(PartnerFilter {
            region_code: Some("110000".into()),
            ..Default::default()
        })
        .await
        .is_empty()
    );

    // Own regions (parents earlier in the file) and authorizations, each
    // checked against the rows above it: the second exclusive right collides.
    let regions = "编码,名称,上级区域编码\nSZ-EAST,深圳东区,440300\nSZ-EAST-1,罗湖片区,SZ-EAST\n";
    let report = app
        .import(
            &system(),
            ImportKind::Regions,
            "r.csv",
            regions.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        (report.created, report.errors.len()),
        (2, 0),
        "{:?}",
        report.errors
    );
    let rights = "partner_code,region_code,product_line,mode,valid_from,valid_to\n\
                  S1,SZ-EAST,TEA,exclusive,2026-01-01,2026-12-31\n\
                  S2,SZ-EAST-1,TEA,intensive,2026-06-01,2027-05-31\n";
    let report = app
        .import(
            &manager,
            ImportKind::Authorizations,
            "a.csv",
            rights.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.errors[0].row, Some(3));
    assert!(
        report.errors[0].message.contains("AU"),
        "{:?}",
        report.errors[0]
    );
    let rights = "partner_code,region_code,product_line,mode,valid_from,valid_to\nS1,SZ-EAST,TEA,exclusive,2026-01-01,2026-12-31\n";
    let report = app
        .import(
            &manager,
            ImportKind::Authorizations,
            "a.csv",
            rights.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.created, 1);

    let contacts = "partner_code,name,role,phone\nS1,王伟,采购,13800000000\n";
    let report = app
        .import(
            &manager,
            ImportKind::Contacts,
            "c.csv",
            contacts.as_bytes(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(report.created, 1);
    assert_eq!(app.partner(&manager, "S1").await.unwrap().contacts.len(), 1);
}

// ---------------------------------------------------------------------------
// Agreements
// ---------------------------------------------------------------------------

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
    assert_eq!(draft.target_text(), "1,200,000.00 CNY");
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
    assert_eq!(old.annual_target.as_deref(), Some("1200000.00"));
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

// ---------------------------------------------------------------------------
// Territories: regions and authorizations
// ---------------------------------------------------------------------------

use qudao_app::territories::{
    AuthorizationChange, AuthorizationInput, AuthorizationQuery, AuthorizationSort, RegionInput,
    RegionQuery, SelectiveLimitInput,
};

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
