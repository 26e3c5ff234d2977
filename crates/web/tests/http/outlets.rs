//! Outlet coverage through the web: a manager sets a region's plan on the
//! page (a bad one is shown against its field, nothing written), reads it
//! back through the API by the region's name; the portal is refused. On
//! SQLite and on PostgreSQL.

use super::*;

async fn outlets_plan_set_on_the_page_and_read(env: Env) -> Res {
    env.app.load_builtin_regions().await?;
    let mut browser = env.signed_in("manager").await?;
    let empty = browser.get("/targets/outlets").await?;
    assert!(empty.text().contains("No region has an outlet plan yet."));
    let bad = browser
        .submit(
            "/targets/outlets",
            &[("region", "310000"), ("planned", "0")],
        )
        .await?;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    assert!(
        bad.text()
            .contains("planned outlets must be a whole number from 1 to 10000000"),
        "{}",
        bad.text()
    );
    let done = browser
        .submit(
            "/targets/outlets",
            &[("region", "310000"), ("planned", "120")],
        )
        .await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let page = browser.get("/targets/outlets?period=2026").await?;
    let row = testid(&page.text(), "outlets-310000").to_owned();
    assert!(row.contains("上海市") && row.contains("120"), "{row}");

    let mut api = env.api("manager").await?;
    let got = api.get("/api/v1/outlet-plans?period=2026").await?;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text());
    let plans = got.json()?;
    assert_eq!(plans[0]["region_name"], json!("上海市"));
    assert_eq!(
        (plans[0]["planned"].clone(), plans[0]["coverage_bp"].clone()),
        (json!(120), json!(0))
    );
    let mut portal = env.api("padmin").await?;
    let refused = portal.get("/api/v1/outlet-plans?period=2026").await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    Ok(())
}

#[tokio::test]
async fn outlets_plan_set_on_the_page_and_read_on_sqlite() -> Res {
    outlets_plan_set_on_the_page_and_read(Env::new("outlets").await?).await
}

#[tokio::test]
async fn outlets_plan_set_on_the_page_and_read_on_postgres() -> Res {
    outlets_plan_set_on_the_page_and_read(Env::postgres("outlets").await?).await
}
