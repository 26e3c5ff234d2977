//! Payout balances end to end, in Chinese: a manager's adjustment of a
//! partner's goods balance refused at its field with nothing written, then
//! recorded; the partner's boss reads it on its own page; another
//! partner's user asking the API for it gets its own balances. On SQLite
//! and on PostgreSQL.

use super::scorecards::{ZH, near};
use super::*;

async fn balance_pages_record_and_show_only_ones_own(env: Env) -> Res {
    let mut manager = env.signed_in("manager").await?;
    manager.get("/lang/zh-CN?next=/").await?;
    let statement = manager
        .get_with("/partners/P1/incentives", ZH)
        .await?
        .text();
    assert!(
        near(&statement, "balances-link").contains("返利余额"),
        "{statement}"
    );
    let page = manager
        .get_with("/partners/P1/incentives/balances", ZH)
        .await?
        .text();
    assert!(page.contains("data-confirm="), "{page}");

    let mut fields = vec![
        ("form", "goods"),
        ("kind", "adjusted"),
        ("amount", "0"),
        ("reason", "补发货补"),
    ];
    let refused = manager
        .submit("/partners/P1/incentives/balances", &fields)
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(html.contains("调整金额不能为 0"), "{html}");
    assert!(html.contains(r#"id="amount-error""#), "{html}");
    let none = env.app.incentive_balances(&env.system, Some("P1")).await?;
    assert!(none.movements.is_empty());

    fields[2] = ("amount", "500");
    let saved = manager
        .submit("/partners/P1/incentives/balances", &fields)
        .await?;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());

    let mut boss = env.signed_in("padmin").await?;
    boss.get("/lang/zh-CN?next=/").await?;
    let own = boss.get_with("/my/incentives/balances", ZH).await?.text();
    assert!(near(&own, "balance-goods").contains("¥500.00"), "{own}");
    assert!(near(&own, "kind").contains("调整"), "{own}");

    let mut other = env.api("puser").await?;
    let theirs = other
        .get("/api/v1/incentive-balances?partner=P1")
        .await?
        .json()?;
    assert_eq!(theirs["partner"], "P2");
    assert!(theirs["movements"].as_array().is_some_and(Vec::is_empty));
    Ok(())
}

#[tokio::test]
async fn balance_pages_record_and_show_only_ones_own_on_sqlite() -> Res {
    balance_pages_record_and_show_only_ones_own(Env::new("balance_pages").await?).await
}

#[tokio::test]
async fn balance_pages_record_and_show_only_ones_own_on_postgres() -> Res {
    balance_pages_record_and_show_only_ones_own(Env::postgres("balance_pages").await?).await
}
