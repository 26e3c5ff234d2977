//! Stories of the analytics query model as the app serves it: the caller's
//! data scope applied inside the engine, on both backends.

#![allow(clippy::wildcard_imports)]

use qudao_app::analytics::QueryText;
use qudao_app::partners::PartnerEdit;

use super::*;

on_both_backends!(analytics_a_managers_reach_follows_a_partner_moved_to_another_manager,);

const AT: &str = "'2026-01-01T00:00:00+00:00'";

/// The partners whose sell-in the caller's answer holds, by code.
async fn partners_seen(app: &Qudao, caller: &Caller, filter: Option<&str>) -> Vec<String> {
    let year = qudao_app::today().format("%Y").to_string();
    let text = QueryText {
        measures: vec!["sell_in_qty".to_owned()],
        by: vec!["partner".to_owned()],
        period: Some(year),
        filters: filter
            .map(|code| vec![("partner".to_owned(), vec![code.to_owned()])])
            .unwrap_or_default(),
        ..QueryText::default()
    };
    let mut seen: Vec<String> = app
        .analytics_query(caller, &text)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|row| row.keys[0].code.clone())
        .collect();
    seen.sort();
    seen
}

async fn analytics_a_managers_reach_follows_a_partner_moved_to_another_manager(db: TestDb) {
    let app = db.app().await;
    for login in ["owner", "other"] {
        app.create_user(&system(), &user(login, "channel_manager", None))
            .await
            .unwrap();
    }
    for (code, owner) in [("P1", "owner"), ("P2", "owner"), ("P3", "other")] {
        app.create_partner(&system(), &partner(code, "distributor", None, Some(owner)))
            .await
            .unwrap();
    }
    tea_product(&db).await;
    db.raw(&format!(
        "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
         source, created_at) SELECT p.id, g.id, '{}', 5, 50000, 'CNY', 'import', {AT} \
         FROM partners p, products g WHERE g.sku = 'TEA-1'",
        qudao_app::today()
    ))
    .await;
    // One caller for the whole story, as the caller cache keeps one
    // between a session's requests.
    let owner = app.caller_by_login("owner").await.unwrap();
    assert_eq!(partners_seen(&app, &owner, None).await, ["P1", "P2"]);

    // P2 goes to the other manager: the next question of the same caller
    // no longer reaches it, and naming it is "not found".
    let moved = PartnerEdit {
        name: "P2 有限公司".into(),
        partner_type: "distributor".into(),
        owner_login: Some("other".into()),
        ..PartnerEdit::default()
    };
    app.update_partner(&system(), "P2", &moved).await.unwrap();
    assert_eq!(partners_seen(&app, &owner, None).await, ["P1"]);
    let text = QueryText {
        measures: vec!["sell_in_qty".to_owned()],
        filters: vec![("partner".to_owned(), vec!["P2".to_owned()])],
        ..QueryText::default()
    };
    assert!(matches!(
        app.analytics_query(&owner, &text).await,
        Err(AppError::NotFound("partner"))
    ));
    let other = app.caller_by_login("other").await.unwrap();
    assert_eq!(partners_seen(&app, &other, Some("P2")).await, ["P2"]);
}
