//! Stories of the order-time preview, on both backends: a draft order
//! that takes its partner into the next bracket, one that does not, one
//! whose product counts double, and a partner asking about another
//! partner's order (not found).

#![allow(clippy::wildcard_imports)]

use chrono::Datelike;
use qudao_app::incentive_preview::{OrderIncentivePreview, ProgramMove};
use qudao_app::incentives::DocumentFormat;

use super::orders::{line, order};
use super::*;

on_both_backends!(
    incentive_preview_an_order_that_crosses_a_bracket,
    incentive_preview_an_order_within_its_bracket_names_the_next,
    incentive_preview_a_multiplied_product_counts_more,
    incentive_preview_another_partners_order_is_not_found,
);

/// This year's quarterly rebate of the distributors: 1% from 0, 2% from
/// 80% of target, 3% from 100%; TEA-POT counts `pot_factor`× toward it.
fn rebate(year: i32, pot_factor: &str) -> String {
    format!(
        r#"{{
  "kind": "rebate", "code": "RB-NOW", "name": "本季返利", "version": 1,
  "currency": "CNY", "effective_from": "{year}-01-01", "effective_to": "{year}-12-31",
  "period": "quarter",
  "scope": {{ "partner_types": ["distributor"] }},
  "base": {{ "measure": "sell_in_net", "product_lines": ["TEA"] }},
  "mode": "retroactive",
  "brackets": [{{ "from": "0%", "rate": "1%" }}, {{ "from": "80%", "rate": "2%" }}, {{ "from": "100%", "rate": "3%" }}],
  "multipliers": [{{ "skus": ["TEA-POT"], "base_factor": "{pot_factor}" }}],
  "stacking": {{ "rule": "stacks", "order": 10 }},
  "payout": {{ "form": "wallet" }}
}}"#
    )
}

/// The orders world, with P1 having bought ¥70,000 of TEA-1 this quarter
/// against a ¥100,000 target for the TEA line (70%, the 1% bracket: ¥700).
async fn setup(db: &TestDb, pot_factor: &str) -> (Qudao, Caller, Caller) {
    let (app, manager, buyer) = orders::setup(db).await;
    let today = qudao_app::today();
    db.raw(&format!(
        "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
         source, created_at) SELECT p.id, g.id, '{today}', 700, 7000000, 'CNY', 'import', \
         '2026-01-01T00:00:00+00:00' FROM partners p, products g \
         WHERE p.code = 'P1' AND g.sku = 'TEA-1'"
    ))
    .await;
    let quarter = (today.month0() / 3) + 1;
    let set = app
        .set_target(
            &manager,
            &qudao_app::targets::TargetInput {
                period: format!("{}-Q{quarter}", today.year()),
                subject_type: "partner".into(),
                subject_code: Some("P1".into()),
                measure: "sell_in_amount".into(),
                product_line: Some("TEA".into()),
                value: "100000".into(),
                version: None,
            },
        )
        .await
        .unwrap();
    app.approve_target(&manager, set.id).await.unwrap();
    let saved = app
        .save_program(
            &manager,
            &rebate(today.year(), pot_factor),
            DocumentFormat::Json,
        )
        .await
        .unwrap();
    assert!(saved.ok(), "{:?}", saved.problems);
    app.activate_program(&manager, "RB-NOW", 1).await.unwrap();
    (app, manager, buyer)
}

fn only(preview: &OrderIncentivePreview) -> &ProgramMove {
    assert_eq!(preview.programs.len(), 1, "{:?}", preview.programs);
    &preview.programs[0]
}

async fn incentive_preview_an_order_that_crosses_a_bracket(db: TestDb) {
    let (app, manager, buyer) = setup(&db, "2").await;
    let draft = app
        .create_order(&buyer, &order("", vec![line("TEA-1", 150)]))
        .await
        .unwrap();
    let preview = app.incentive_preview(&buyer, &draft.number).await.unwrap();
    let p = only(&preview);
    // ¥15,000 more: 85%, the 2% bracket on ¥85,000 = ¥1,700, ¥1,000 more;
    // then ¥15,000 more reaches 3%.
    assert_eq!(
        (p.program_code.as_str(), p.contribution, p.counted.as_str()),
        ("RB-NOW", 1_500_000, "1500000")
    );
    assert_eq!(
        (
            p.attainment_before.as_deref(),
            p.attainment_after.as_deref()
        ),
        (Some("0.700000"), Some("0.850000"))
    );
    assert_eq!((p.bracket_before, p.bracket_after), (Some(1), Some(2)));
    assert_eq!(p.rate_after.as_deref(), Some("0.02"));
    assert_eq!(
        (p.amount_before, p.amount_after, p.difference),
        (70_000, 170_000, 100_000)
    );
    assert_eq!(
        (p.next_bracket, p.next_distance, p.next_rate.as_deref()),
        (Some(3), Some(1_500_000), Some("0.03"))
    );
    // Staff see the same for the order; a submitted one still previews.
    app.submit_order(&buyer, &draft.number).await.unwrap();
    let staff = app
        .incentive_preview(&manager, &draft.number)
        .await
        .unwrap();
    assert_eq!(staff.programs, preview.programs);
    assert_eq!(staff.partner_name, preview.partner_name);
}

async fn incentive_preview_an_order_within_its_bracket_names_the_next(db: TestDb) {
    let (app, _, buyer) = setup(&db, "2").await;
    let draft = app
        .create_order(&buyer, &order("", vec![line("TEA-1", 20)]))
        .await
        .unwrap();
    let p = only(&app.incentive_preview(&buyer, &draft.number).await.unwrap()).clone();
    // ¥2,000 more: 72%, still 1% (¥720, ¥20 more); ¥8,000 more reaches 2%.
    assert_eq!((p.bracket_before, p.bracket_after), (Some(1), Some(1)));
    assert_eq!(
        (p.amount_before, p.amount_after, p.difference),
        (70_000, 72_000, 2_000)
    );
    assert_eq!(
        (p.next_bracket, p.next_distance, p.next_rate.as_deref()),
        (Some(2), Some(800_000), Some("0.02"))
    );
}

async fn incentive_preview_a_multiplied_product_counts_more(db: TestDb) {
    let (app, _, buyer) = setup(&db, "2").await;
    // ¥5,000 of TEA-POT counts ¥10,000 (80%: 2% on ¥80,000 = ¥1,600)
    // and ¥1,000 of TEA-1 as itself: ¥81,000 in all, ¥1,620.
    let draft = app
        .create_order(
            &buyer,
            &order("", vec![line("TEA-POT", 10), line("TEA-1", 10)]),
        )
        .await
        .unwrap();
    let p = only(&app.incentive_preview(&buyer, &draft.number).await.unwrap()).clone();
    assert_eq!((p.contribution, p.counted.as_str()), (600_000, "1100000"));
    assert_eq!(p.attainment_after.as_deref(), Some("0.810000"));
    assert_eq!((p.bracket_after, p.amount_after), (Some(2), 162_000));
}

async fn incentive_preview_another_partners_order_is_not_found(db: TestDb) {
    let (app, manager, buyer) = setup(&db, "2").await;
    let theirs = app
        .create_order(&manager, &order("P2", vec![line("TEA-1", 10)]))
        .await
        .unwrap();
    let refused = app
        .incentive_preview(&buyer, &theirs.number)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, AppError::NotFound("order")),
        "{refused:?}"
    );
    // P2 has no target: staff see the order counted, with no attainment
    // and so no bracket and nothing earned.
    let p = only(
        &app.incentive_preview(&manager, &theirs.number)
            .await
            .unwrap(),
    )
    .clone();
    assert_eq!(
        (
            p.contribution,
            p.attainment_after,
            p.bracket_after,
            p.difference
        ),
        (100_000, None, None, 0)
    );
}
