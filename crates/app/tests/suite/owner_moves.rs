//! Stories of owner moves: a partner handed to another rep on a date in
//! the middle of a quarter, the two reps' attainment credit split by days
//! (summing to the partner's actual), the owner history with names, and
//! every refusal with nothing written, on both backends.

#![allow(clippy::wildcard_imports)]

use chrono::{Datelike, NaiveDate};
use qudao_app::owner_moves::RepTargetMoveInput;
use qudao_app::targets::{AttainmentNode, TargetInput};
use qudao_domain::Problem;

use super::*;

on_both_backends!(
    owner_moves_split_the_reps_credit_by_days,
    owner_moves_bad_dates_and_callers_change_nothing,
    rep_targets_move_with_the_partner_by_days,
    rep_target_moves_refused_change_nothing,
);

const AT: &str = "'2026-01-01T00:00:00+00:00'";

/// An admin, two sales reps, P1 (rep1's, to be moved) and P2 (rep1's,
/// never moved), and a partner user of P1.
async fn setup(db: &TestDb) -> Qudao {
    let app = db.app().await;
    for (login, role) in [
        ("boss", "admin"),
        ("rep1", "sales_rep"),
        ("rep2", "sales_rep"),
    ] {
        app.create_user(&system(), &user(login, role, None))
            .await
            .unwrap();
    }
    for code in ["P1", "P2"] {
        app.create_partner(&system(), &partner(code, "distributor", None, Some("rep1")))
            .await
            .unwrap();
    }
    app.create_user(&system(), &user("puser", "partner_user", Some("P1")))
        .await
        .unwrap();
    app
}

/// The quarter before today's (calendar quarters: the default fiscal
/// year starts in January), as its period text, first and last day.
fn last_quarter() -> (String, NaiveDate, NaiveDate) {
    let today = qudao_app::today();
    let this_start =
        NaiveDate::from_ymd_opt(today.year(), (today.month() - 1) / 3 * 3 + 1, 1).unwrap();
    let last = this_start.pred_opt().unwrap();
    let first = NaiveDate::from_ymd_opt(last.year(), (last.month() - 1) / 3 * 3 + 1, 1).unwrap();
    let period = format!("{}-Q{}", first.year(), (first.month() - 1) / 3 + 1);
    (period, first, last)
}

fn moved_to(owner: &str, from: Option<String>) -> PartnerEdit {
    PartnerEdit {
        name: "P1 有限公司".into(),
        partner_type: "distributor".into(),
        owner_login: Some(owner.into()),
        owner_from: from,
        ..PartnerEdit::default()
    }
}

/// A sell-in line written raw, as history imported long ago would be.
async fn sold(db: &TestDb, partner: &str, on: NaiveDate, minor: i64) {
    tea_product_once(db).await;
    db.raw(&format!(
        "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
         source, created_at) SELECT p.id, g.id, '{on}', 3, {minor}, 'CNY', 'import', {AT} \
         FROM partners p, products g WHERE p.code = '{partner}' AND g.sku = 'TEA-1'"
    ))
    .await;
}

async fn tea_product_once(db: &TestDb) {
    if db.count("SELECT COUNT(*) FROM products").await == 0 {
        tea_product(db).await;
    }
}

fn rule_word(problem: &Problem) -> &'static str {
    match problem {
        Problem::Rule { rule } | Problem::Conflict { rule, .. } => rule,
        Problem::Format { .. } => "format",
        _ => "other",
    }
}

/// The field and rule of each problem of a refusal.
fn refused<T: std::fmt::Debug>(result: Result<T, AppError>) -> Vec<(&'static str, &'static str)> {
    match result {
        Err(AppError::Invalid(problems)) => problems
            .iter()
            .map(|p| (p.field, rule_word(&p.problem)))
            .collect(),
        other => panic!("{other:?}"),
    }
}

fn node<'a>(tree: &'a [AttainmentNode], login: &str) -> &'a AttainmentNode {
    tree.iter()
        .find(|n| n.target.subject_code == login)
        .unwrap_or_else(|| panic!("{login}"))
}

async fn owner_moves_split_the_reps_credit_by_days(db: TestDb) {
    let app = setup(&db).await;
    let (period, first, last) = last_quarter();
    let days = (last - first).num_days() + 1;
    // A thousand fen a day, so each rep's share is whole: P1 sells the
    // quarter's worth on its first day, P2 10,000 fen.
    sold(&db, "P1", first, days * 1_000).await;
    sold(&db, "P2", first, 10_000).await;
    let boss = app.caller_by_login("boss").await.unwrap();
    for rep in ["rep1", "rep2"] {
        app.set_target(
            &boss,
            &TargetInput {
                period: period.clone(),
                subject_type: "rep".into(),
                subject_code: Some(rep.into()),
                measure: "sell_in_amount".into(),
                product_line: None,
                value: "1000".into(),
                version: None,
            },
        )
        .await
        .unwrap();
    }
    let before = app.attainment(&boss, &period, None).await.unwrap();
    let actual = |tree: &[AttainmentNode], login: &str| {
        node(tree, login).attainment.map(|a| a.actual).unwrap()
    };
    assert_eq!(actual(&before, "rep1"), days * 1_000 + 10_000);
    assert_eq!(actual(&before, "rep2"), 0);
    assert!(!node(&before, "rep1").prorated);

    // Handed to rep2 on the 15th of the quarter's second month.
    let move_on = NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 15).unwrap();
    app.update_partner(&boss, "P1", &moved_to("rep2", Some(move_on.to_string())))
        .await
        .unwrap();
    let kept = (move_on - first).num_days();
    let after = app.attainment(&boss, &period, None).await.unwrap();
    assert_eq!(actual(&after, "rep1"), kept * 1_000 + 10_000);
    assert_eq!(actual(&after, "rep2"), (days - kept) * 1_000);
    assert_eq!(
        actual(&after, "rep1") + actual(&after, "rep2"),
        days * 1_000 + 10_000,
        "the two reps' credit sums to the partners' actual"
    );
    assert!(node(&after, "rep1").prorated && node(&after, "rep2").prorated);

    // The partner page's history: both owners by name, from their days.
    let detail = app.partner(&boss, "P1").await.unwrap();
    let history: Vec<(Option<String>, Option<String>)> = detail
        .owner_history
        .iter()
        .map(|s| (s.owner_name.clone(), s.from.map(|d| d.to_string())))
        .collect();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].0.as_deref(), Some("rep1 name"));
    assert_eq!(
        history[1],
        (Some("rep2 name".into()), Some(move_on.to_string()))
    );
    assert_eq!(detail.owner_login.as_deref(), Some("rep2"));
    // A partner user sees no owner history (the owner is ours).
    let puser = app.caller_by_login("puser").await.unwrap();
    assert!(
        app.partner(&puser, "P1")
            .await
            .unwrap()
            .owner_history
            .is_empty()
    );
}

async fn owner_moves_bad_dates_and_callers_change_nothing(db: TestDb) {
    let app = setup(&db).await;
    let boss = app.caller_by_login("boss").await.unwrap();
    let today = qudao_app::today();
    let (_, first, _) = last_quarter();
    let move_on = first + chrono::Duration::days(20);
    app.update_partner(&boss, "P1", &moved_to("rep2", Some(move_on.to_string())))
        .await
        .unwrap();
    let rows = "SELECT COUNT(*) FROM owner_history h JOIN partners p ON p.id = h.partner_id \
                WHERE p.code = 'P1'";
    assert_eq!(db.count(rows).await, 2);

    // Before the last move.
    let earlier = (move_on - chrono::Duration::days(1)).to_string();
    assert_eq!(
        refused(
            app.update_partner(&boss, "P1", &moved_to("rep1", Some(earlier)))
                .await
        ),
        [("owner_from", "owner_move_before_last")]
    );
    // In the future.
    let tomorrow = (today + chrono::Duration::days(1)).to_string();
    assert_eq!(
        refused(
            app.update_partner(&boss, "P1", &moved_to("rep1", Some(tomorrow)))
                .await
        ),
        [("owner_from", "owner_move_in_future")]
    );
    // Not a date.
    assert_eq!(
        refused(
            app.update_partner(&boss, "P1", &moved_to("rep1", Some("2026-02-30".into())))
                .await
        ),
        [("owner_from", "format")]
    );
    // An unknown rep.
    assert_eq!(
        refused(
            app.update_partner(&boss, "P1", &moved_to("nobody", None))
                .await
        ),
        [("owner_login", "owner_must_be_internal_user")]
    );
    // In a month finance has closed.
    app.close_period(
        &system(),
        &qudao_domain::periods::Month::of(first).to_string(),
    )
    .await
    .unwrap();
    let closed = app.partner(&boss, "P2").await.unwrap();
    assert_eq!(closed.owner_login.as_deref(), Some("rep1"));
    let p2_move = PartnerEdit {
        name: "P2 有限公司".into(),
        ..moved_to("rep2", Some(first.to_string()))
    };
    assert_eq!(
        refused(app.update_partner(&boss, "P2", &p2_move).await),
        [("owner_from", "period_closed")]
    );
    // A partner user may not move its owner.
    let puser = app.caller_by_login("puser").await.unwrap();
    assert!(matches!(
        app.update_partner(&puser, "P1", &moved_to("rep1", None))
            .await,
        Err(AppError::Forbidden)
    ));
    assert_eq!(db.count(rows).await, 2, "nothing written");
    let p1 = app.partner(&boss, "P1").await.unwrap();
    assert_eq!(p1.owner_login.as_deref(), Some("rep2"));
    assert_eq!(
        app.partner(&boss, "P2").await.unwrap().owner_history.len(),
        1
    );
}

fn target(period: &str, subject_type: &str, code: &str, value: &str) -> TargetInput {
    TargetInput {
        period: period.into(),
        subject_type: subject_type.into(),
        subject_code: Some(code.into()),
        measure: "sell_in_amount".into(),
        product_line: None,
        value: value.into(),
        version: None,
    }
}

/// This year and this quarter (calendar, the default fiscal year), as
/// period texts with their first and last days.
fn this_year_and_quarter() -> [(String, NaiveDate, NaiveDate); 2] {
    let today = qudao_app::today();
    let year = (
        today.year().to_string(),
        NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap(),
    );
    let q = (today.month() - 1) / 3;
    let first = NaiveDate::from_ymd_opt(today.year(), q * 3 + 1, 1).unwrap();
    let next = if q == 3 {
        NaiveDate::from_ymd_opt(today.year() + 1, 1, 1).unwrap()
    } else {
        NaiveDate::from_ymd_opt(today.year(), q * 3 + 4, 1).unwrap()
    };
    let quarter = (
        format!("{}-Q{}", today.year(), q + 1),
        first,
        next.pred_opt().unwrap(),
    );
    [year, quarter]
}

/// A rep's target of a period, in fen, and its status.
async fn rep_target(db: &TestDb, login: &str, period: &str) -> Option<(i64, String)> {
    let of = format!(
        "FROM targets t JOIN users u ON u.id = t.user_id \
         WHERE u.login = '{login}' AND t.period = '{period}'"
    );
    if db.count(&format!("SELECT COUNT(*) {of}")).await == 0 {
        return None;
    }
    let value = db.count(&format!("SELECT t.value {of}")).await;
    let approved = db
        .count(&format!("SELECT COUNT(*) {of} AND t.status = 'approved'"))
        .await;
    Some((
        value,
        if approved == 1 { "approved" } else { "draft" }.into(),
    ))
}

async fn rep_targets_move_with_the_partner_by_days(db: TestDb) {
    let app = setup(&db).await;
    let boss = app.caller_by_login("boss").await.unwrap();
    let today = qudao_app::today();
    let [year, quarter] = this_year_and_quarter();
    // Ten days ago, kept inside this year.
    let move_on = (today - chrono::Duration::days(10)).max(year.1);
    // The partner's targets are a thousand fen a day, so each share is whole.
    let days = |(_, first, last): &(String, NaiveDate, NaiveDate)| (*last - *first).num_days() + 1;
    let moving = |p: &(String, NaiveDate, NaiveDate)| {
        (p.2 - move_on.max(p.1)).num_days().clamp(-1, days(p)) * 1_000 + 1_000
    };
    let rep1_year = app
        .set_target(&boss, &target(&year.0, "rep", "rep1", "1000000"))
        .await
        .unwrap();
    app.approve_target(&boss, rep1_year.id).await.unwrap();
    for p in [&year, &quarter] {
        app.set_target(
            &boss,
            &target(&p.0, "partner", "P1", &(days(p) * 10).to_string()),
        )
        .await
        .unwrap();
    }
    app.set_target(&boss, &target(&quarter.0, "rep", "rep1", "50000"))
        .await
        .unwrap();
    app.set_target(&boss, &target(&quarter.0, "rep", "rep2", "20000"))
        .await
        .unwrap();
    // Last year's targets ended before the move: they stay.
    let last_year = (today.year() - 1).to_string();
    app.set_target(&boss, &target(&last_year, "rep", "rep1", "900000"))
        .await
        .unwrap();
    app.set_target(&boss, &target(&last_year, "partner", "P1", "365"))
        .await
        .unwrap();

    app.update_partner(&boss, "P1", &moved_to("rep2", Some(move_on.to_string())))
        .await
        .unwrap();
    let preview = app.rep_target_moves(&boss, "P1").await.unwrap();
    assert_eq!(preview.date, Some(move_on));
    assert_eq!(preview.from_name.as_deref(), Some("rep1 name"));
    assert_eq!(preview.to_login.as_deref(), Some("rep2"));
    assert!(preview.can_move());
    let shifts: Vec<_> = preview
        .shifts
        .iter()
        .map(|s| {
            (
                s.period.clone(),
                s.moving,
                s.from_before,
                s.from_after,
                s.to_before,
                s.to_after,
            )
        })
        .collect();
    assert_eq!(
        shifts,
        [
            (
                year.0.clone(),
                moving(&year),
                100_000_000,
                Some(100_000_000 - moving(&year)),
                None,
                moving(&year)
            ),
            (
                quarter.0.clone(),
                moving(&quarter),
                5_000_000,
                Some(5_000_000 - moving(&quarter)),
                Some(2_000_000),
                2_000_000 + moving(&quarter)
            ),
        ]
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM target_amendments").await,
        0,
        "a preview writes nothing"
    );

    let moved = app
        .move_rep_targets(
            &boss,
            "P1",
            &RepTargetMoveInput {
                reason: "改派 P1".into(),
            },
        )
        .await
        .unwrap();
    assert!(moved.shifts.is_empty() && moved.moved_at.is_some());
    assert_eq!(moved.reason.as_deref(), Some("改派 P1"));
    assert_eq!(moved.moved_by.as_deref(), Some("boss"));
    // The approved year target by an amendment with the reason; the new
    // rep's year target written in force; the quarter drafts in place.
    assert_eq!(
        rep_target(&db, "rep1", &year.0).await,
        Some((100_000_000 - moving(&year), "approved".into()))
    );
    assert_eq!(
        rep_target(&db, "rep2", &year.0).await,
        Some((moving(&year), "approved".into()))
    );
    assert_eq!(
        db.count("SELECT COUNT(*) FROM target_amendments WHERE reason = '改派 P1'")
            .await,
        1
    );
    assert_eq!(
        rep_target(&db, "rep1", &quarter.0).await,
        Some((5_000_000 - moving(&quarter), "draft".into()))
    );
    assert_eq!(
        rep_target(&db, "rep2", &quarter.0).await,
        Some((2_000_000 + moving(&quarter), "draft".into()))
    );
    assert_eq!(
        rep_target(&db, "rep1", &last_year).await,
        Some((90_000_000, "draft".into()))
    );
    assert_eq!(
        db.count(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'partner' AND action = 'move_rep_targets'"
        )
        .await,
        1
    );
    // Once per move.
    let again = app
        .move_rep_targets(
            &boss,
            "P1",
            &RepTargetMoveInput {
                reason: "again".into(),
            },
        )
        .await;
    assert!(
        matches!(&again, Err(AppError::Invalid(p)) if rule_word(&p[0].problem) == "rep_targets_already_moved"),
        "{again:?}"
    );
    assert_eq!(
        rep_target(&db, "rep2", &quarter.0).await,
        Some((2_000_000 + moving(&quarter), "draft".into()))
    );
}

async fn rep_target_moves_refused_change_nothing(db: TestDb) {
    let app = setup(&db).await;
    let boss = app.caller_by_login("boss").await.unwrap();
    let [year, _] = this_year_and_quarter();
    let today = qudao_app::today();
    let move_on = (today - chrono::Duration::days(3)).max(year.1);
    // rep1's year target is smaller than P1's share that would leave it.
    app.set_target(&boss, &target(&year.0, "rep", "rep1", "1"))
        .await
        .unwrap();
    app.set_target(&boss, &target(&year.0, "partner", "P1", "36500"))
        .await
        .unwrap();
    let reason = RepTargetMoveInput {
        reason: "改派".into(),
    };
    // Never moved.
    assert_eq!(
        refused(app.move_rep_targets(&boss, "P1", &reason).await),
        [("partner", "partner_never_moved")]
    );
    app.update_partner(&boss, "P1", &moved_to("rep2", Some(move_on.to_string())))
        .await
        .unwrap();
    let preview = app.rep_target_moves(&boss, "P1").await.unwrap();
    assert_eq!(preview.shifts.len(), 1);
    assert_eq!(preview.shifts[0].from_after, None, "short");
    assert!(!preview.can_move());
    assert_eq!(
        refused(app.move_rep_targets(&boss, "P1", &reason).await),
        [("targets", "rep_target_below_moved")]
    );
    // No reason.
    let err = app
        .move_rep_targets(&boss, "P1", &RepTargetMoveInput { reason: " ".into() })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Invalid(p) if p[0].field == "reason"),
        "{err:?}"
    );
    // A rep and a partner user may not; an unknown partner is not found.
    for login in ["rep1", "puser"] {
        let caller = app.caller_by_login(login).await.unwrap();
        assert!(matches!(
            app.move_rep_targets(&caller, "P1", &reason).await,
            Err(AppError::Forbidden)
        ));
        assert!(matches!(
            app.rep_target_moves(&caller, "P1").await,
            Err(AppError::Forbidden)
        ));
    }
    assert!(matches!(
        app.move_rep_targets(&boss, "NOPE", &reason).await,
        Err(AppError::NotFound(_))
    ));
    // A move to nobody has no rep to move to.
    app.update_partner(
        &boss,
        "P2",
        &PartnerEdit {
            name: "P2 有限公司".into(),
            partner_type: "distributor".into(),
            owner_login: None,
            owner_from: Some(move_on.to_string()),
            ..PartnerEdit::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        refused(app.move_rep_targets(&boss, "P2", &reason).await),
        [("partner", "owner_move_without_rep")]
    );
    assert_eq!(
        rep_target(&db, "rep1", &year.0).await,
        Some((100, "draft".into()))
    );
    assert_eq!(rep_target(&db, "rep2", &year.0).await, None);
    assert_eq!(db.count("SELECT COUNT(*) FROM rep_target_moves").await, 0);
}
