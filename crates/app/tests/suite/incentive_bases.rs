//! Stories of how a run reads each subject's base from the facts, on both
//! backends: programs alike but for their product lines, multipliers, a
//! growth comparison (with last year and with the quarter before),
//! downstream purchases and commission owners (a partner that changed
//! owner split by days), computed together, each from its own part of the
//! same facts.

#![allow(clippy::wildcard_imports)]

use chrono::{Datelike, NaiveDate};
use qudao_app::incentive_runs::{ResultView, RunRequest};
use qudao_app::incentives::DocumentFormat;

use super::*;

on_both_backends!(incentive_bases_each_program_reads_its_own_part_of_the_facts);

/// A program of `kind` in force over `year`'s quarters, paying by `rules`.
fn program(kind: &str, code: &str, year: i32, order: u32, rules: &str) -> String {
    format!(
        r#"{{
  "kind": "{kind}", "code": "{code}", "name": "{code} 方案", "version": 1,
  "currency": "CNY", "effective_from": "{year}-01-01", "effective_to": "{year}-12-31",
  "period": "quarter",
  {rules},
  "stacking": {{ "rule": "stacks", "order": {order} }},
  "payout": {{ "form": "cash" }}
}}"#
    )
}

/// One sell-in line of `minor` (negative: a return); `seller`: the
/// distributor a tier-2 partner bought from.
async fn bought(
    db: &TestDb,
    partner: &str,
    seller: Option<&str>,
    sku: &str,
    on: NaiveDate,
    minor: i64,
) {
    let seller = seller.map_or("NULL".to_owned(), |code| {
        format!("(SELECT id FROM partners WHERE code = '{code}')")
    });
    db.raw(&format!(
        "INSERT INTO sellin_lines (partner_id, seller_id, product_id, date, qty, amount_minor, \
         currency, source, created_at) SELECT p.id, {seller}, g.id, '{on}', 1, {minor}, 'CNY', \
         'import', '2026-01-01T00:00:00+00:00' FROM partners p, products g \
         WHERE p.code = '{partner}' AND g.sku = '{sku}'"
    ))
    .await;
}

fn result<'r>(results: &'r [ResultView], program: &str, code: &str) -> &'r ResultView {
    results
        .iter()
        .find(|r| r.program_code == program && r.code == code)
        .unwrap_or_else(|| {
            let all: Vec<_> = results
                .iter()
                .map(|r| (&r.program_code, &r.code, r.base))
                .collect();
            panic!("no result of {program} for {code}: {all:?}")
        })
}

async fn incentive_bases_each_program_reads_its_own_part_of_the_facts(db: TestDb) {
    let (app, manager, _) = orders::setup(&db).await;
    app.create_user(&system(), &user("rep", "sales_rep", None))
        .await
        .unwrap();
    for (code, kind, parent, owner) in [
        ("P3", "distributor", None, "manager"),
        ("R1", "retailer", Some("P1"), "rep"),
    ] {
        app.create_partner(&system(), &partner(code, kind, parent, Some(owner)))
            .await
            .unwrap();
    }
    let year = qudao_app::today().year() - 1;
    let day = |year: i32, month: u32| NaiveDate::from_ymd_opt(year, month, 15).unwrap();
    let (now, quarter_before, a_year_before) = (day(year, 8), day(year, 5), day(year - 1, 8));
    bought(&db, "P1", None, "TEA-1", now, 6_000_000).await;
    bought(&db, "P1", None, "TEA-1", now, -1_000_000).await;
    bought(&db, "P1", None, "COF-1", now, 4_000_000).await;
    bought(&db, "P1", None, "TEA-1", a_year_before, 5_000_000).await;
    bought(&db, "P1", None, "TEA-1", quarter_before, 8_000_000).await;
    bought(&db, "P2", None, "TEA-POT", now, 3_000_000).await;
    bought(&db, "P3", None, "COF-1", now, 1_000_000).await;
    bought(&db, "R1", None, "TEA-1", now, 500_000).await;
    bought(&db, "R1", Some("P1"), "TEA-1", now, 2_000_000).await;
    bought(&db, "R1", Some("P1"), "TEA-1", a_year_before, 1_000_000).await;

    let everyone = r#""scope": { "partner_types": ["distributor", "retailer"] }"#;
    let growth = r#""mode": "retroactive",
  "brackets": [{ "from": "0", "rate": "1%" }, { "from": "20%", "rate": "2%" }]"#;
    let programs = [
        program(
            "rebate",
            "TEA-ONLY",
            year,
            10,
            &format!(
                r#"{everyone}, "base": {{ "measure": "sell_in_net", "product_lines": ["TEA"] }},
  "mode": "flat", "rate": "1%""#
            ),
        ),
        program(
            "rebate",
            "MULT",
            year,
            20,
            r#""scope": { "partner_types": ["distributor"] },
  "base": { "measure": "sell_in_net" }, "mode": "flat", "rate": "1%",
  "multipliers": [{ "lines": ["TEA"], "base_factor": "2" }, { "skus": ["TEA-POT"], "base_factor": "3" }]"#,
        ),
        program(
            "rebate",
            "GROWTH-LY",
            year,
            30,
            &format!(
                r#"{everyone},
  "base": {{ "measure": "sell_in_net", "count_downstream_purchases": true }},
  "growth": {{ "against": "same_period_last_year" }}, {growth}"#
            ),
        ),
        program(
            "rebate",
            "GROWTH-PP",
            year,
            40,
            &format!(
                r#""scope": {{ "partner_types": ["distributor"] }},
  "base": {{ "measure": "sell_in_net" }},
  "growth": {{ "against": "previous_period" }}, {growth}"#
            ),
        ),
        program(
            "commission",
            "CM",
            year,
            50,
            r#""scope": { "reps": ["manager", "rep"] },
  "base": { "measure": "sell_in_net" }, "mode": "flat", "rate": "1%""#,
        ),
    ];
    for document in &programs {
        let saved = app
            .save_program(&manager, document, DocumentFormat::Json)
            .await
            .unwrap();
        assert!(saved.ok(), "{:?}", saved.problems);
        let program = saved.program.unwrap();
        app.activate_program(&manager, &program.code, program.version)
            .await
            .unwrap();
    }
    let run = app
        .run_incentives(
            &manager,
            &RunRequest {
                period: format!("{year}-Q3"),
                programs: Vec::new(),
                dry_run: true,
            },
        )
        .await
        .unwrap();
    let r = |program: &str, code: &str| result(&run.results, program, code);

    // Tea alone: P1's ¥60,000 less its ¥10,000 return; P3 bought no tea and
    // has no result; R1's own tea, not what it bought from P1.
    assert_eq!(r("TEA-ONLY", "P1").base, 5_000_000);
    assert_eq!(r("TEA-ONLY", "P2").base, 3_000_000);
    assert_eq!(r("TEA-ONLY", "R1").base, 500_000);
    assert!(
        !run.results
            .iter()
            .any(|x| x.program_code == "TEA-ONLY" && x.code == "P3")
    );

    // Tea twice, the teapot three times and not also as tea.
    let p1 = r("MULT", "P1");
    assert_eq!(
        (p1.base, p1.multiplied_base.as_str()),
        (9_000_000, "14000000")
    );
    assert_eq!(p1.amount, 140_000);
    let p2 = r("MULT", "P2");
    assert_eq!(
        (p2.base, p2.multiplied_base.as_str()),
        (3_000_000, "9000000")
    );
    assert_eq!(
        p2.parts["multiplied"],
        serde_json::json!([
            {
                "by": "sku", "code": "TEA-POT", "names": ["TEA-POT 中文", "TEA-POT en"],
                "amount": 3_000_000, "factor": "3"
            },
            { "by": "product_line", "code": "TEA", "amount": 0, "factor": "2" },
        ])
    );
    let p3 = r("MULT", "P3");
    assert_eq!(
        (p3.base, p3.multiplied_base.as_str()),
        (1_000_000, "1000000")
    );
    assert!(p3.parts.get("multiplied").is_none());

    // On the same quarter last year: P1 ¥90,000 on ¥50,000 (+80%, 2%);
    // R1 with what it bought from P1, ¥25,000 on ¥10,000 (+150%, 2%); P2
    // bought nothing then and has no ratio.
    let p1 = r("GROWTH-LY", "P1");
    assert_eq!(
        (p1.base, p1.reference, p1.amount),
        (9_000_000, Some(5_000_000), 180_000)
    );
    let r1 = r("GROWTH-LY", "R1");
    assert_eq!(
        (r1.base, r1.reference, r1.amount),
        (2_500_000, Some(1_000_000), 50_000)
    );
    assert_eq!(r1.parts["downstream"], 2_000_000);
    let p2 = r("GROWTH-LY", "P2");
    assert_eq!((p2.reference, p2.amount), (None, 0));
    // On the quarter before: ¥90,000 on ¥80,000 is +12.5%, 1%.
    let p1 = r("GROWTH-PP", "P1");
    assert_eq!(
        (p1.reference, p1.attainment.as_deref(), p1.amount),
        (Some(8_000_000), Some("0.125000"), 90_000)
    );

    // Each rep on the partners it owns: the manager P1, P2 and P3, the rep
    // R1 (its own purchases only).
    assert_eq!(r("CM", "manager").base, 13_000_000);
    assert_eq!(r("CM", "rep").base, 500_000);

    // P2 handed to the rep from 1 August: its ¥30,000 goes 31 days to the
    // manager and 61 to the rep, as their targets move (¥10,108.6956… and
    // ¥19,891.3043…: the odd fen to the larger remainder), and the clawback
    // base with it.
    app.update_partner(
        &manager,
        "P2",
        &PartnerEdit {
            name: "P2 有限公司".into(),
            partner_type: "distributor".into(),
            owner_login: Some("rep".into()),
            owner_from: Some(format!("{year}-08-01")),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let moved = app
        .run_incentives(
            &manager,
            &RunRequest {
                period: format!("{year}-Q3"),
                programs: vec!["CM".into()],
                dry_run: true,
            },
        )
        .await
        .unwrap();
    let r = |code: &str| result(&moved.results, "CM", code).base;
    assert_eq!(r("manager"), 13_000_000 - 3_000_000 + 1_010_870);
    assert_eq!(r("rep"), 500_000 + 1_989_130);
}
