//! Incentive points end to end, in Chinese: a manager's redemption beyond
//! what a partner has is refused at its field with nothing written, an
//! adjustment is recorded after the form's confirmation; the partner's
//! boss reads it on its own page; another partner's user asking the API
//! for it gets its own points. On SQLite and on PostgreSQL.

use super::scorecards::{ZH, near};
use super::*;

async fn points_pages_record_and_show_only_ones_own(env: Env) -> Res {
    let mut manager = env.signed_in("manager").await?;
    manager.get("/lang/zh-CN?next=/").await?;
    let statement = manager
        .get_with("/partners/P1/incentives", ZH)
        .await?
        .text();
    assert!(
        near(&statement, "points-link").contains("积分"),
        "{statement}"
    );
    let page = manager
        .get_with("/partners/P1/incentives/points", ZH)
        .await?
        .text();
    assert!(page.contains("data-confirm="), "{page}");
    assert!(page.contains("尚未累积积分"), "{page}");

    let mut fields = vec![
        ("kind", "redeemed"),
        ("points", "5"),
        ("reason", "兑换礼品"),
    ];
    let refused = manager
        .submit("/partners/P1/incentives/points", &fields)
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(html.contains("超过可用积分：最多 0"), "{html}");
    assert!(html.contains(r#"id="points-error""#), "{html}");
    let none = env
        .app
        .incentive_points(&env.system, Some("P1"), None)
        .await?;
    assert!(none.movements.is_empty());

    fields[0] = ("kind", "adjusted");
    fields[1] = ("points", "30");
    let saved = manager
        .submit("/partners/P1/incentives/points", &fields)
        .await?;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());

    let mut boss = env.signed_in("padmin").await?;
    boss.get("/lang/zh-CN?next=/").await?;
    let own = boss.get_with("/my/incentives/points", ZH).await?.text();
    assert!(near(&own, "points-available").contains("30"), "{own}");
    assert!(near(&own, "kind").contains("调整"), "{own}");
    assert!(!own.contains("record-points"), "{own}");

    let mut other = env.api("puser").await?;
    let theirs = other
        .get("/api/v1/incentive-points?partner=P1")
        .await?
        .json()?;
    assert_eq!(theirs["partner"], "P2");
    assert!(theirs["movements"].as_array().is_some_and(Vec::is_empty));
    Ok(())
}

#[tokio::test]
async fn points_pages_record_and_show_only_ones_own_on_sqlite() -> Res {
    points_pages_record_and_show_only_ones_own(Env::new("points_pages").await?).await
}

#[tokio::test]
async fn points_pages_record_and_show_only_ones_own_on_postgres() -> Res {
    points_pages_record_and_show_only_ones_own(Env::postgres("points_pages").await?).await
}
