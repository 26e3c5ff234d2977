//! Month-end accruals end to end, in Chinese: the manager reads last
//! year's August accrual of a quarterly rebate with the program's name and
//! money as people read it; a month that does not read is refused at the
//! picker; the manager cannot book; finance books with the page's form,
//! the month then shows who booked it, a second booking through the API is
//! refused in words, and the journal downloads as xlsx from the page and
//! the API. On SQLite and on PostgreSQL.

use super::scorecards::{ZH, near};
use super::*;
use chrono::Datelike;
use qudao_app::incentives::DocumentFormat;
use qudao_app::targets::TargetInput;

fn rebate(year: i32) -> String {
    format!(
        r#"{{
  "kind": "rebate", "code": "RB-ACC", "name": "经销商季度返利", "version": 1,
  "currency": "CNY", "effective_from": "{year}-01-01", "effective_to": "{year}-12-31",
  "period": "quarter",
  "scope": {{ "partner_types": ["distributor"] }},
  "base": {{ "measure": "sell_in_net" }},
  "mode": "retroactive",
  "brackets": [{{ "from": "0%", "rate": "1%" }}, {{ "from": "80%", "rate": "2%" }}, {{ "from": "100%", "rate": "3%" }}],
  "stacking": {{ "rule": "stacks", "order": 10 }},
  "payout": {{ "form": "cash" }}
}}"#
    )
}

/// Last year's July: P1 bought ¥62,000 against a ¥100,000 Q3 target.
/// Returns August of last year.
async fn july(env: &Env) -> Res<String> {
    env.catalog().await?;
    let year = qudao_app::today().year() - 1;
    let at = "'2026-01-01T00:00:00+00:00'";
    let cast = if env.url.starts_with("postgres") {
        format!("CAST({at} AS TIMESTAMPTZ)")
    } else {
        at.to_owned()
    };
    env.raw(&format!(
        "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
         source, created_at) \
         SELECT pa.id, pr.id, '{year}-07-15', 100, 6200000, 'CNY', 'import', {cast} \
         FROM partners pa, products pr WHERE pa.code = 'P1' AND pr.sku = 'LGT-1'"
    ))
    .await?;
    let set = env
        .app
        .set_target(
            &env.system,
            &TargetInput {
                period: format!("{year}-Q3"),
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
        .save_program(&env.system, &rebate(year), DocumentFormat::Json)
        .await?;
    assert!(saved.ok(), "{:?}", saved.problems);
    env.app.activate_program(&env.system, "RB-ACC", 1).await?;
    Ok(format!("{year}-08"))
}

async fn accrual_pages_read_book_once_and_export(env: Env) -> Res {
    let august = july(&env).await?;
    let page = format!("/incentives/accruals?month={august}");
    let mut manager = env.signed_in("manager").await?;
    manager.get("/lang/zh-CN?next=/").await?;
    // 62 of 92 days: ¥62,000 projects to ¥92,000, 92%, 2% = ¥1,840.00 for
    // the quarter; accrued at that rate on ¥62,000 = ¥1,240.00.
    let html = manager.get_with(&page, ZH).await?.text();
    assert!(html.contains("激励预提"), "{html}");
    let row = near(&html, "accrual-row");
    assert!(row.contains("经销商季度返利"), "{html}");
    assert!(near(&html, "accrued").contains("¥1,240.00"), "{html}");
    assert!(near(&html, "projected").contains("¥1,840.00"), "{html}");
    assert!(near(&html, "estimate").contains("预估，未记账"), "{html}");
    assert!(!html.contains(r#"data-testid="book""#), "{html}");

    let bad = manager
        .get_with("/incentives/accruals?month=2026-13", ZH)
        .await?
        .text();
    assert!(near(&bad, "month-error").contains("格式"), "{bad}");

    let mut api_manager = env.api("manager").await?;
    let refused = api_manager
        .post_json(
            &format!("/api/v1/incentive-accruals/{august}/book"),
            &Value::Null,
            &[],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let mut finance = env.signed_in("finance").await?;
    finance.get("/lang/zh-CN?next=/").await?;
    let html = finance.get_with(&page, ZH).await?.text();
    assert!(near(&html, "book").contains("预提记账"), "{html}");
    assert!(html.contains("每月只能记账一次"), "{html}");
    let booked = finance
        .submit(&format!("/incentives/accruals/{august}/book"), &[])
        .await?;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.text());
    let html = finance.get_with(&page, ZH).await?.text();
    assert!(near(&html, "booked").contains("finance 记账"), "{html}");
    assert!(near(&html, "movement").contains("¥1,240.00"), "{html}");

    let journal = finance.get(&format!("{page}&format=xlsx")).await?;
    assert_eq!(journal.status, StatusCode::OK);
    assert!(journal.content_type().contains("spreadsheetml"));
    assert!(journal.body.starts_with(b"PK"));

    let mut api = env.api("finance").await?;
    let again = api
        .post_json(
            &format!("/api/v1/incentive-accruals/{august}/book"),
            &Value::Null,
            &[],
        )
        .await?;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.text()
    );
    assert!(
        again.text().contains("accrual_month_booked"),
        "{}",
        again.text()
    );
    let read = api
        .get(&format!("/api/v1/incentive-accruals?month={august}"))
        .await?
        .json()?;
    assert_eq!(read["lines"][0]["accrued_minor"], 124_000);
    assert_eq!(read["lines"][0]["kind"], "rebate");
    assert_eq!(read["booked"]["booked_by"], "finance");
    let xlsx = api
        .get(&format!(
            "/api/v1/incentive-accruals/{august}/journal?lang=zh-CN"
        ))
        .await?;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with(b"PK"));
    let mut partner = env.api("padmin").await?;
    let refused = partner.get("/api/v1/incentive-accruals").await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    Ok(())
}

#[tokio::test]
async fn accrual_pages_read_book_once_and_export_on_sqlite() -> Res {
    accrual_pages_read_book_once_and_export(Env::new("accrual_pages").await?).await
}

#[tokio::test]
async fn accrual_pages_read_book_once_and_export_on_postgres() -> Res {
    accrual_pages_read_book_once_and_export(Env::postgres("accrual_pages").await?).await
}
