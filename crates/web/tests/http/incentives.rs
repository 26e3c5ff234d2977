//! The incentive program pages end to end, in Chinese: the editor's check
//! lists a bad bracket under the editor at its path and saves nothing; the
//! fixed document is saved as a draft; the list shows the name with its
//! code, the kind and status in words; the version reads in words with the
//! region and partner by name and the bracket table as sentences; the
//! activation's confirmation names what it retires; the API lists it and
//! refuses a partner. On SQLite and on PostgreSQL.

use super::scorecards::{ZH, near};
use super::*;

fn rebate(version: u32, third_from: &str) -> String {
    format!(
        r#"{{
  "kind": "rebate", "code": "RB-WEB", "name": "华东季度返利", "version": {version},
  "currency": "CNY", "effective_from": "2026-01-01", "effective_to": "2026-12-31",
  "period": "quarter",
  "scope": {{ "regions": ["310000"], "partners": ["P1"], "grades": ["gold"] }},
  "base": {{ "measure": "sell_in_net", "product_lines": ["LIGHT"] }},
  "mode": "retroactive",
  "brackets": [
    {{ "from": "0%", "rate": "1%" }}, {{ "from": "80%", "rate": "2%" }}, {{ "from": "{third_from}", "rate": "3%" }}
  ],
  "cap": "50000.00",
  "stacking": {{ "rule": "stacks", "order": 10 }},
  "payout": {{ "form": "wallet", "max_share_per_order": "20%" }}
}}"#
    )
}

async fn incentive_pages_edit_list_show_and_activate(env: Env) -> Res {
    env.app.load_builtin_regions().await?;
    let mut manager = env.signed_in("manager").await?;
    manager.get("/lang/zh-CN?next=/").await?;
    let blank = manager.get("/incentives/new").await?.text();
    assert!(blank.contains("RB-DIST-2026"), "{blank}");

    let bad = rebate(1, "80%");
    let checked = manager
        .submit(
            "/incentives",
            &[("document", &bad), ("format", "json"), ("action", "check")],
        )
        .await?;
    assert_eq!(checked.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = checked.text();
    assert!(
        near(&html, "program-problem").contains("<code>brackets[2].from</code>"),
        "{html}"
    );
    assert!(
        near(&html, "program-problem").contains("与上一档重叠"),
        "{html}"
    );
    let refused = manager
        .submit(
            "/incentives",
            &[("document", &bad), ("format", "json"), ("action", "save")],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let none = env
        .app
        .programs(&env.system, &Default::default(), PageRequest::export())
        .await?;
    assert_eq!(none.total, 0);

    let good = rebate(1, "100%");
    let checked = manager
        .submit(
            "/incentives",
            &[("document", &good), ("format", "json"), ("action", "check")],
        )
        .await?;
    assert_eq!(checked.status, StatusCode::OK);
    assert!(near(&checked.text(), "program-valid").contains("华东季度返利"));
    let saved = manager
        .submit(
            "/incentives",
            &[("document", &good), ("format", "json"), ("action", "save")],
        )
        .await?;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    assert_eq!(saved.location(), "/incentives/RB-WEB?version=1");

    let list = manager
        .get_with("/incentives?kind=rebate", ZH)
        .await?
        .text();
    let row = near(&list, "program-row");
    assert!(
        row.contains("华东季度返利") && row.contains("RB-WEB"),
        "{list}"
    );
    assert!(list.contains("返利") && list.contains("草稿"), "{list}");
    let retired = manager
        .get_with("/incentives?status=retired", ZH)
        .await?
        .text();
    assert!(retired.contains(r#"data-testid="empty""#), "{retired}");

    let page = manager.get_with("/incentives/RB-WEB", ZH).await?.text();
    let words = near(&page, "program-words");
    assert!(page.contains("上海市"), "{page}");
    assert!(page.contains("Partner P1"), "{page}");
    assert!(page.contains("照明"), "{page}");
    assert!(words.contains("返利"), "{page}");
    assert!(page.contains("从 80% 起 → 费率 2%"), "{page}");
    assert!(page.contains("¥50,000.00"), "{page}");
    assert!(page.contains("让 v1 生效？"), "{page}");

    // Version 2 covers version 1 once it is in force: its confirmation says so.
    let activated = manager
        .submit("/incentives/RB-WEB/versions/1/activate", &[])
        .await?;
    assert_eq!(activated.status, StatusCode::SEE_OTHER);
    let second = rebate(2, "100%");
    manager
        .submit(
            "/incentives",
            &[
                ("document", &second),
                ("format", "json"),
                ("action", "save"),
            ],
        )
        .await?;
    let page = manager.get_with("/incentives/RB-WEB", ZH).await?.text();
    assert!(page.contains("让 v2 生效？v1 将被停用。"), "{page}");
    let edit = manager.get("/incentives/RB-WEB/edit").await?.text();
    assert!(edit.contains("&#34;version&#34;: 2,"), "{edit}");

    let mut api = env.api("finance").await?;
    let listed = api.get("/api/v1/incentive-programs").await?;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json()?["items"][0]["version"], 2);
    let one = api
        .get("/api/v1/incentive-programs/RB-WEB/versions/1")
        .await?
        .json()?;
    assert_eq!(one["program"]["status"], "active");
    assert_eq!(one["program"]["names"]["regions"][0]["name"], "上海市");
    let mut partner = env.api("padmin").await?;
    let refused = partner.get("/api/v1/incentive-programs").await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    Ok(())
}

#[tokio::test]
async fn incentive_pages_edit_list_show_and_activate_on_sqlite() -> Res {
    incentive_pages_edit_list_show_and_activate(Env::new("incentive_pages").await?).await
}

#[tokio::test]
async fn incentive_pages_edit_list_show_and_activate_on_postgres() -> Res {
    incentive_pages_edit_list_show_and_activate(Env::postgres("incentive_pages").await?).await
}
