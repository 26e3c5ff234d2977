//! The penalties and manual adjustments page end to end, in Chinese: a
//! penalty that adds is refused at its field with nothing written; the
//! fixed one is listed with the partner's and the program's names, the
//! kind in words and the money as people read it; the /incentives page
//! links to it; the API enters and lists one for finance and refuses a
//! partner. On SQLite and on PostgreSQL.

use qudao_app::incentives::DocumentFormat;

use super::scorecards::{ZH, near};
use super::*;

const REBATE: &str = r#"{
  "kind": "rebate", "code": "RB-ADJ", "name": "华东季度返利", "version": 1,
  "currency": "CNY", "effective_from": "2026-01-01", "effective_to": "2026-12-31",
  "period": "quarter",
  "scope": { "partner_types": ["distributor"] },
  "base": { "measure": "sell_in_net" },
  "mode": "retroactive",
  "brackets": [{ "from": "0%", "rate": "1%" }],
  "stacking": { "rule": "stacks", "order": 10 },
  "payout": { "form": "cash" }
}"#;

async fn adjustment_pages_enter_list_and_refuse(env: Env) -> Res {
    let saved = env
        .app
        .save_program(&env.system, REBATE, DocumentFormat::Json)
        .await?;
    assert!(saved.ok(), "{saved:?}");
    env.app.activate_program(&env.system, "RB-ADJ", 1).await?;
    let mut manager = env.signed_in("manager").await?;
    manager.get("/lang/zh-CN?next=/").await?;
    let home = manager.get_with("/incentives", ZH).await?.text();
    assert!(
        near(&home, "adjustments-link").contains("罚扣与手工调整"),
        "{home}"
    );
    let form = manager
        .get_with("/incentives/adjustments", ZH)
        .await?
        .text();
    assert!(near(&form, "program").contains("华东季度返利"), "{form}");

    let mut fields = vec![
        ("partner", "P1"),
        ("rep", ""),
        ("program_code", "RB-ADJ"),
        ("period", "2026-Q3"),
        ("amount", "1200.50"),
        ("kind", "penalty"),
        ("reason", "窜货违规"),
    ];
    let refused = manager.submit("/incentives/adjustments", &fields).await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(html.contains("罚扣必须为负数"), "{html}");
    assert!(html.contains(r#"id="amount-error""#), "{html}");
    let none = env
        .app
        .adjustments(&env.system, &Default::default(), PageRequest::export())
        .await?;
    assert_eq!(none.total, 0);

    fields[4] = ("amount", "-1200.50");
    let saved = manager.submit("/incentives/adjustments", &fields).await?;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let list = manager
        .get_with("/incentives/adjustments?period=2026-Q3", ZH)
        .await?
        .text();
    let row = near(&list, "adjustment-row");
    assert!(row.contains("P1"), "{list}");
    assert!(list.contains("华东季度返利"), "{list}");
    assert!(near(&list, "kind").contains("罚扣"), "{list}");
    assert!(near(&list, "amount").contains("-¥1,200.50"), "{list}");
    let row_html = &list[list.find(r#"data-testid="adjustment-row""#).unwrap_or(0)..];
    let row_html = &row_html[..row_html.find("</tr>").unwrap_or(row_html.len())];
    assert!(
        row_html.contains("User manager"),
        "who entered it, by name: {row_html}"
    );
    // A new form offers the neutral kind first, not a deduction.
    let fresh = manager
        .get_with("/incentives/adjustments", ZH)
        .await?
        .text();
    let kinds = near(&fresh, "kind-select");
    let (Some(manual), Some(penalty)) = (kinds.find(r#""manual""#), kinds.find(r#""penalty""#))
    else {
        panic!("{kinds}");
    };
    assert!(manual < penalty, "{kinds}");

    let mut finance = env.api("finance").await?;
    let entered = finance
        .post_json(
            "/api/v1/incentive-adjustments",
            &serde_json::json!({
                "subject_code": "P3", "program_code": "RB-ADJ", "period": "2026-Q4",
                "amount": "500", "reason": "补差"
            }),
            &[],
        )
        .await?;
    assert_eq!(entered.status, StatusCode::CREATED, "{}", entered.text());
    assert_eq!(entered.json()?["kind"], "manual");
    let listed = finance.get("/api/v1/incentive-adjustments").await?.json()?;
    assert_eq!(listed["total"], 2);
    assert_eq!(listed["items"][0]["amount_minor"], 50_000);
    // The manager does not cover P3: it sees its own partner's only.
    let mine = env
        .app
        .adjustments(
            &env.app.caller_by_login("manager").await?,
            &Default::default(),
            PageRequest::export(),
        )
        .await?;
    assert_eq!(mine.total, 1);
    let mut partner = env.api("padmin").await?;
    let refused = partner.get("/api/v1/incentive-adjustments").await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    Ok(())
}

#[tokio::test]
async fn adjustment_pages_enter_list_and_refuse_on_sqlite() -> Res {
    adjustment_pages_enter_list_and_refuse(Env::new("adjustment_pages").await?).await
}

#[tokio::test]
async fn adjustment_pages_enter_list_and_refuse_on_postgres() -> Res {
    adjustment_pages_enter_list_and_refuse(Env::postgres("adjustment_pages").await?).await
}
