//! Stories of incentive programs: a JSON and a TOML document saved as
//! drafts with their versions, a draft replaced in place, activation
//! retiring the version it covers and refusing one it overlaps in part,
//! every bad document refused at its field path with nothing written, and
//! who may read and write (finance reads, a partner is refused), on both
//! backends.

#![allow(clippy::wildcard_imports)]

use qudao_app::incentives::{DocumentFormat, ProgramCheck, ProgramFilter};
use qudao_domain::Problem;

use super::*;

on_both_backends!(
    incentives_json_and_toml_programs_are_kept_with_their_versions,
    incentives_activation_retires_what_it_covers_and_refuses_an_overlap,
    incentives_bad_documents_are_refused_by_path_and_write_nothing,
    incentives_finance_reads_and_a_partner_is_refused,
);

/// The documented retroactive rebate, with `version`, the dates and the
/// bracket table as given.
fn rebate(version: u32, from: &str, to: &str, brackets: &str) -> String {
    format!(
        r#"{{
  "kind": "rebate",
  "code": "RB-DIST-2026",
  "name": "经销商季度返利",
  "version": {version},
  "currency": "CNY",
  "effective_from": "{from}",
  "effective_to": "{to}",
  "period": "quarter",
  "scope": {{ "partner_types": ["distributor"], "grades": ["gold", "silver"], "regions": ["310000"] }},
  "base": {{ "measure": "sell_in_net" }},
  "mode": "retroactive",
  "brackets": [{brackets}],
  "stacking": {{ "rule": "stacks", "order": 10 }},
  "payout": {{ "form": "wallet", "max_share_per_order": "20%" }}
}}"#
    )
}

const BRACKETS: &str = r#"{ "from": "0%", "rate": "1%" }, { "from": "80%", "rate": "2%" }, { "from": "100%", "rate": "3%" }"#;

const TOML: &str = r#"kind = "promotion"
code = "PR-SPRINT-Q4"
name = "四季度冲刺奖"
version = 1
currency = "CNY"
effective_from = "2026-10-01"
effective_to = "2026-12-31"
period = "quarter"
mode = "fixed_amount"

[scope]
partners = ["P1"]

[base]
measure = "sell_in_net"
product_lines = ["TEA"]

[[brackets]]
from = "0"
amount = "0"

[[brackets]]
from = "100%"
amount = "5000.00"

[stacking]
rule = "stacks"
order = 5

[payout]
form = "cash"
"#;

async fn setup(db: &TestDb) -> Qudao {
    let app = db.app().await;
    for (login, role, partner) in [("mgr", "channel_manager", None), ("fin", "finance", None)] {
        app.create_user(&system(), &user(login, role, partner))
            .await
            .unwrap();
    }
    app.create_partner(&system(), &partner("P1", "distributor", None, Some("mgr")))
        .await
        .unwrap();
    app.create_user(&system(), &user("padmin", "partner_admin", Some("P1")))
        .await
        .unwrap();
    tea_product(db).await;
    app.load_builtin_regions().await.unwrap();
    app
}

async fn programs_written(db: &TestDb) -> i64 {
    db.count("SELECT COUNT(*) FROM incentive_programs").await
}

fn paths(check: &ProgramCheck) -> Vec<(&str, &Problem)> {
    check
        .problems
        .iter()
        .map(|p| (p.path.as_str(), &p.problem))
        .collect()
}

fn conflict(rule: &'static str, with: &str) -> Problem {
    Problem::Conflict {
        rule,
        with: with.into(),
    }
}

async fn incentives_json_and_toml_programs_are_kept_with_their_versions(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let json = rebate(1, "2026-01-01", "2026-12-31", BRACKETS);

    let saved = app
        .save_program(&mgr, &json, DocumentFormat::Json)
        .await
        .unwrap();
    assert!(saved.ok() && saved.saved, "{saved:?}");
    let saved = app
        .save_program(&mgr, TOML, DocumentFormat::Toml)
        .await
        .unwrap();
    assert!(saved.ok(), "{saved:?}");
    assert_eq!(programs_written(&db).await, 2);

    // The JSON reads back exactly as written; the TOML as the same document.
    let detail = app.program(&mgr, "rb-dist-2026").await.unwrap();
    assert_eq!(detail.program.document, json);
    assert_eq!(detail.program.summary.status, "draft");
    let names: Vec<_> = detail
        .program
        .names
        .regions
        .iter()
        .map(|r| r.name.as_deref())
        .collect();
    assert_eq!(names, [Some("上海市")]);
    let sprint = app.program(&mgr, "PR-SPRINT-Q4").await.unwrap();
    assert_eq!(sprint.program.summary.kind, "promotion");
    assert_eq!(
        sprint.program.names.partners[0].name.as_deref(),
        Some("P1 有限公司")
    );
    assert_eq!(
        sprint.program.names.product_lines[0].name.as_deref(),
        Some("茶饮")
    );
    let reread: serde_json::Value = serde_json::from_str(&sprint.program.document).unwrap();
    assert_eq!(reread["brackets"][1]["amount"], "5000.00");

    // Saving version 1 again replaces the draft in place; version 2 is a
    // new draft; version 4 skips a number and is refused at `version`.
    let renamed = json.replace("经销商季度返利", "经销商季度返利（修订）");
    app.save_program(&mgr, &renamed, DocumentFormat::Json)
        .await
        .unwrap();
    assert_eq!(programs_written(&db).await, 2);
    let v2 = rebate(2, "2026-01-01", "2026-12-31", BRACKETS);
    assert!(
        app.save_program(&mgr, &v2, DocumentFormat::Json)
            .await
            .unwrap()
            .saved
    );
    let v4 = rebate(4, "2026-01-01", "2026-12-31", BRACKETS);
    let refused = app
        .save_program(&mgr, &v4, DocumentFormat::Json)
        .await
        .unwrap();
    assert_eq!(
        paths(&refused),
        [("version", &conflict("program_version_next", "2, 3"))]
    );
    assert_eq!(programs_written(&db).await, 3);

    let detail = app.program(&mgr, "RB-DIST-2026").await.unwrap();
    assert_eq!(detail.program.summary.version, 2);
    let versions: Vec<_> = detail
        .versions
        .iter()
        .map(|v| (v.version, v.name.as_str()))
        .collect();
    assert_eq!(
        versions,
        [(2, "经销商季度返利"), (1, "经销商季度返利（修订）")]
    );

    // The list: the latest version per code, filtered by kind.
    let all = app
        .programs(
            &mgr,
            &ProgramFilter::default(),
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    let listed: Vec<_> = all
        .items
        .iter()
        .map(|p| (p.code.as_str(), p.version))
        .collect();
    assert_eq!(listed, [("PR-SPRINT-Q4", 1), ("RB-DIST-2026", 2)]);
    let rebates = app
        .programs(
            &mgr,
            &ProgramFilter {
                kind: Some("rebate".into()),
                status: None,
            },
            PageRequest::new(None, None),
        )
        .await
        .unwrap();
    assert_eq!(rebates.total, 1);
}

async fn incentives_activation_retires_what_it_covers_and_refuses_an_overlap(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    for doc in [
        rebate(1, "2026-01-01", "2026-12-31", BRACKETS),
        rebate(2, "2026-01-01", "2026-12-31", BRACKETS),
    ] {
        app.save_program(&mgr, &doc, DocumentFormat::Json)
            .await
            .unwrap();
    }
    let one = app.activate_program(&mgr, "RB-DIST-2026", 1).await.unwrap();
    assert_eq!(one.program.summary.status, "active");
    assert_eq!(one.program.summary.activated_by.as_deref(), Some("mgr"));

    let two = app.activate_program(&mgr, "RB-DIST-2026", 2).await.unwrap();
    let statuses: Vec<_> = two
        .versions
        .iter()
        .map(|v| (v.version, v.status.as_str()))
        .collect();
    assert_eq!(statuses, [(2, "active"), (1, "retired")]);

    // A version in force twice, or one overlapping the active one in part,
    // is refused and changes nothing.
    let again = app
        .activate_program(&mgr, "RB-DIST-2026", 2)
        .await
        .unwrap_err();
    assert!(
        matches!(&again, AppError::Invalid(f) if f[0].problem == Problem::Rule { rule: "program_not_draft" }),
        "{again:?}"
    );
    let v3 = rebate(3, "2026-07-01", "2027-06-30", BRACKETS);
    app.save_program(&mgr, &v3, DocumentFormat::Json)
        .await
        .unwrap();
    let overlap = app
        .activate_program(&mgr, "RB-DIST-2026", 3)
        .await
        .unwrap_err();
    match overlap {
        AppError::Invalid(fields) => {
            assert_eq!(fields[0].field, "effective_from");
            assert_eq!(
                fields[0].problem,
                conflict("program_dates_overlap", "v2 (2026-01-01 – 2026-12-31)")
            );
        }
        other => panic!("{other:?}"),
    }
    let detail = app.program(&mgr, "RB-DIST-2026").await.unwrap();
    let statuses: Vec<_> = detail
        .versions
        .iter()
        .map(|v| (v.version, v.status.as_str()))
        .collect();
    assert_eq!(statuses, [(3, "draft"), (2, "active"), (1, "retired")]);

    // A version for other dates stands beside the one in force.
    let v4 = rebate(4, "2027-07-01", "2027-12-31", BRACKETS);
    app.save_program(&mgr, &v4, DocumentFormat::Json)
        .await
        .unwrap();
    let four = app.activate_program(&mgr, "RB-DIST-2026", 4).await.unwrap();
    let statuses: Vec<_> = four
        .versions
        .iter()
        .map(|v| (v.version, v.status.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [(4, "active"), (3, "draft"), (2, "active"), (1, "retired")]
    );
}

/// A document, how it is written, and the problems expected at their paths.
type Case = (String, DocumentFormat, Vec<(&'static str, Problem)>);

async fn incentives_bad_documents_are_refused_by_path_and_write_nothing(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let rule = |rule: &'static str| Problem::Rule { rule };
    let cases: Vec<Case> = vec![
        (
            rebate(
                1,
                "2026-01-01",
                "2026-12-31",
                r#"{ "from": "0%", "rate": "1%" }, { "from": "80%", "rate": "2%" }, { "from": "80%", "rate": "3%" }"#,
            ),
            DocumentFormat::Json,
            vec![("brackets[2].from", rule("brackets_overlap"))],
        ),
        (
            rebate(
                1,
                "2026-01-01",
                "2026-12-31",
                r#"{ "from": "0%", "rate": "1%" }, { "from": "100%", "rate": "2%" }, { "from": "80%", "rate": "3%" }"#,
            ),
            DocumentFormat::Json,
            vec![("brackets[2].from", rule("brackets_unordered"))],
        ),
        (
            rebate(
                1,
                "2026-01-01",
                "2026-12-31",
                r#"{ "from": "0%", "rate": "-1%" }"#,
            ),
            DocumentFormat::Json,
            vec![("brackets[0].rate", rule("rate_negative"))],
        ),
        (
            rebate(1, "2026-01-01", "2026-12-31", BRACKETS).replace("sell_in_net", "profit"),
            DocumentFormat::Json,
            vec![(
                "base.measure",
                Problem::NotOneOf {
                    choices: vec!["sell_in_net", "sell_through", "quantity", "collected"],
                },
            )],
        ),
        (
            rebate(1, "2026-01-01", "2026-12-31", BRACKETS)
                .replace("\"310000\"", "\"310000\", \"999999\""),
            DocumentFormat::Json,
            vec![(
                "scope.regions[1]",
                conflict("program_unknown_region", "999999"),
            )],
        ),
        (
            rebate(1, "2026-01-01", "2026-12-31", BRACKETS).replace(
                r#"{ "measure": "sell_in_net" }"#,
                r#"{ "measure": "sell_in_net", "skus": ["TEA-1", "NOPE-SKU"] }"#,
            ),
            DocumentFormat::Json,
            vec![("base.skus[1]", conflict("program_unknown_sku", "NOPE-SKU"))],
        ),
        (
            TOML.replace("partners = [\"P1\"]", "partners = [\"P1\", \"NOPE\"]"),
            DocumentFormat::Toml,
            vec![(
                "scope.partners[1]",
                conflict("program_unknown_partner", "NOPE"),
            )],
        ),
        (
            TOML.replace("order = 5", "order = 5\nsecret = true"),
            DocumentFormat::Toml,
            vec![(
                "stacking.secret",
                Problem::NotOneOf {
                    choices: vec!["rule", "order"],
                },
            )],
        ),
    ];
    for (text, format, expected) in cases {
        let check = app.check_program(&mgr, &text, format).await.unwrap();
        let saved = app.save_program(&mgr, &text, format).await.unwrap();
        let found: Vec<(&str, Problem)> = saved
            .problems
            .iter()
            .map(|p| (p.path.as_str(), p.problem.clone()))
            .collect();
        assert_eq!(found, expected, "{text}");
        assert_eq!(check.problems, saved.problems);
        assert!(!saved.saved && saved.program.is_none());
    }
    // A document that is not JSON at all says where the reader stopped.
    let broken = app
        .save_program(&mgr, "{ \"kind\": ", DocumentFormat::Json)
        .await
        .unwrap();
    assert_eq!(broken.problems[0].path, "");
    assert!(broken.problems[0].message.contains("line 1"), "{broken:?}");
    assert_eq!(programs_written(&db).await, 0);
}

async fn incentives_finance_reads_and_a_partner_is_refused(db: TestDb) {
    let app = setup(&db).await;
    let mgr = app.caller_by_login("mgr").await.unwrap();
    let fin = app.caller_by_login("fin").await.unwrap();
    let partner = app.caller_by_login("padmin").await.unwrap();
    let json = rebate(1, "2026-01-01", "2026-12-31", BRACKETS);
    app.save_program(&mgr, &json, DocumentFormat::Json)
        .await
        .unwrap();

    assert_eq!(
        app.program(&fin, "RB-DIST-2026")
            .await
            .unwrap()
            .versions
            .len(),
        1
    );
    let json2 = rebate(2, "2026-01-01", "2026-12-31", BRACKETS);
    for refused in [
        app.save_program(&fin, &json2, DocumentFormat::Json)
            .await
            .err(),
        app.activate_program(&fin, "RB-DIST-2026", 1).await.err(),
        app.program(&partner, "RB-DIST-2026").await.err(),
        app.programs(
            &partner,
            &ProgramFilter::default(),
            PageRequest::new(None, None),
        )
        .await
        .err(),
        app.check_program(&partner, &json2, DocumentFormat::Json)
            .await
            .err(),
    ] {
        assert!(matches!(refused, Some(AppError::Forbidden)), "{refused:?}");
    }
    assert_eq!(programs_written(&db).await, 1);
    let detail = app.program(&mgr, "RB-DIST-2026").await.unwrap();
    assert_eq!(detail.program.summary.status, "draft");
}
