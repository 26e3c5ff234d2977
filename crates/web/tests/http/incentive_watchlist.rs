//! The watchlist and the order-time preview, in Chinese: P1 stands at 70%
//! of this quarter's target; the manager's watchlist page and API name it
//! ¥10,000 from the 2% bracket, P1's boss reads the same words at the top of
//! its incentives page, and its draft order's page and API say how far the
//! order takes it. On SQLite and on PostgreSQL.

use super::scorecards::{ZH, near};
use super::*;
use chrono::Datelike;
use qudao_app::incentives::DocumentFormat;
use qudao_app::orders::{LineInput, OrderInput};
use qudao_app::pricing::{PriceItemInput, PriceListInput};
use qudao_app::targets::TargetInput;

/// This year's quarterly rebate of the distributors: 1% from 0, 2% from 80%
/// of target, 3% from 100%.
fn rebate(year: i32) -> String {
    format!(
        r#"{{
  "kind": "rebate", "code": "RB-W", "name": "本季经销返利", "version": 1,
  "currency": "CNY", "effective_from": "{year}-01-01", "effective_to": "{year}-12-31",
  "period": "quarter",
  "scope": {{ "partner_types": ["distributor"] }},
  "base": {{ "measure": "sell_in_net" }},
  "mode": "retroactive",
  "brackets": [{{ "from": "0%", "rate": "1%" }}, {{ "from": "80%", "rate": "2%" }}, {{ "from": "100%", "rate": "3%" }}],
  "stacking": {{ "rule": "stacks", "order": 10 }},
  "payout": {{ "form": "wallet" }}
}}"#
    )
}

/// P1 bought ¥70,000 this quarter against a ¥100,000 target.
async fn this_quarter(env: &Env) -> Res {
    env.territories().await?;
    env.catalog().await?;
    let today = qudao_app::today();
    let at = "'2026-01-01T00:00:00+00:00'";
    let cast = if env.url.starts_with("postgres") {
        format!("CAST({at} AS TIMESTAMPTZ)")
    } else {
        at.to_owned()
    };
    env.raw(&format!(
        "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
         source, created_at) \
         SELECT pa.id, pr.id, '{today}', 350, 7000000, 'CNY', 'import', {cast} \
         FROM partners pa, products pr WHERE pa.code = 'P1' AND pr.sku = 'LGT-1'"
    ))
    .await?;
    let set = env
        .app
        .set_target(
            &env.system,
            &TargetInput {
                period: format!("{}-Q{}", today.year(), today.month0() / 3 + 1),
                subject_type: "partner".into(),
                subject_code: Some("P1".into()),
                measure: "sell_in_amount".into(),
                product_line: None,
                value: "100000".into(),
                version: None,
            },
        )
        .await?;
    env.app.approve_target(&env.system, set.id).await?;
    let saved = env
        .app
        .save_program(&env.system, &rebate(today.year()), DocumentFormat::Json)
        .await?;
    assert!(saved.ok(), "{:?}", saved.problems);
    env.app.activate_program(&env.system, "RB-W", 1).await?;
    let today = qudao_app::today();
    env.app
        .create_price_list(
            &env.system,
            &PriceListInput {
                code: "PL-W".into(),
                name: "经销商价格表".into(),
                name_en: "Distributor prices".into(),
                applies_to: "partner_type".into(),
                target: "distributor".into(),
                currency: "CNY".into(),
                mode: "unified".into(),
                valid_from: (today - chrono::Duration::days(30)).to_string(),
                valid_to: (today + chrono::Duration::days(30)).to_string(),
                items: Some(vec![PriceItemInput {
                    sku: "LGT-1".into(),
                    price: "199.00".into(),
                    ..PriceItemInput::default()
                }]),
            },
        )
        .await?;
    env.app.activate_price_list(&env.system, "PL-W").await?;
    Ok(())
}

async fn watchlist_and_preview_read_in_words(env: Env) -> Res {
    this_quarter(&env).await?;
    let words = "再进货 ¥10,000.00 达到第 2 档（2%），预计多得 ¥900.00";

    let mut manager = env.signed_in("manager").await?;
    let page = manager.get_with("/incentives/watchlist", ZH).await?;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    let row = near(&html, "watch-row");
    assert!(
        row.contains("本季经销返利") && row.contains("70%"),
        "{html}"
    );
    assert!(near(&html, "watch-words").contains(words), "{html}");
    let narrow = manager
        .get_with("/incentives/watchlist?within=10%25&program=RB-W", ZH)
        .await?
        .text();
    assert!(narrow.contains(words), "{narrow}");
    let refused = manager
        .get_with("/incentives/watchlist?within=lots", ZH)
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("20%"), "{}", refused.text());

    let mut api = env.api("manager").await?;
    let list = api
        .get("/api/v1/incentive-watchlist?within=0.2")
        .await?
        .json()?;
    assert_eq!(list["rows"][0]["code"], "P1", "{list}");
    assert_eq!(list["rows"][0]["distance"], 1_000_000);
    assert_eq!(list["rows"][0]["extra_amount"], 90_000);
    let bad = api.get("/api/v1/incentive-watchlist?within=2").await?;
    expect_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;

    let mut boss = env.signed_in("padmin").await?;
    let mine = boss.get_with("/my/incentives", ZH).await?.text();
    assert!(near(&mine, "watch-panel").contains(words), "{mine}");

    // A draft of ¥19,900: 89.9%, the 2% bracket (¥1,798, ¥1,098 more).
    let padmin = env.app.caller_by_login("padmin").await?;
    let draft = env
        .app
        .create_order(
            &padmin,
            &OrderInput {
                lines: vec![LineInput {
                    sku: "LGT-1".into(),
                    qty: "100".into(),
                    ..LineInput::default()
                }],
                ..OrderInput::default()
            },
        )
        .await?;
    assert_eq!(draft.total_minor, 1_990_000);
    let path = format!("/orders/{}", draft.number);
    let page = boss.get_with(&path, ZH).await?.text();
    let panel = near(&page, "incentive-preview");
    assert!(panel.contains("本季经销返利"), "{page}");
    assert!(
        page.contains("这张订单让您达到第 2 档（2%），预计返利多 ¥1,098.00"),
        "{page}"
    );
    assert!(page.contains("达成率 70% → 89.9%"), "{page}");
    let staff = manager.get_with(&path, ZH).await?.text();
    assert!(staff.contains("预计返利多 ¥1,098.00"), "{staff}");
    assert!(!staff.contains("让您"), "{staff}");

    let mut own = env.api("padmin").await?;
    let preview = own
        .get(&format!("/api/v1{path}/incentive-preview"))
        .await?
        .json()?;
    let p = &preview["programs"][0];
    assert_eq!(p["program_code"], "RB-W", "{preview}");
    assert_eq!(
        (p["bracket_before"].clone(), p["bracket_after"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(p["difference"], 109_800);
    // P2's user cannot reach P1's order.
    let mut other = env.api("puser").await?;
    let hidden = other
        .get(&format!("/api/v1{path}/incentive-preview"))
        .await?;
    expect_problem(&hidden, StatusCode::NOT_FOUND, "not-found")?;
    Ok(())
}

#[tokio::test]
async fn incentive_watchlist_and_preview_on_sqlite() -> Res {
    watchlist_and_preview_read_in_words(Env::new("incentive_watch").await?).await
}

#[tokio::test]
async fn incentive_watchlist_and_preview_on_postgres() -> Res {
    watchlist_and_preview_read_in_words(Env::postgres("incentive_watch").await?).await
}
