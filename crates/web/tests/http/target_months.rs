//! Month targets through the web: the seasonal profiles, a year target
//! split into months through the API and the page (which asks first, in
//! words, and names what is wrong), and the 12-month strip. On SQLite and
//! on PostgreSQL.

use super::*;

async fn months_split_and_strip(env: Env) -> Res {
    let mut manager = env.api("manager").await?;
    let profiles = manager
        .get("/api/v1/targets/seasonal-profiles")
        .await?
        .json()?;
    let codes: Vec<Value> = profiles
        .as_array()
        .ok_or("a list")?
        .iter()
        .map(|p| p["code"].clone())
        .collect();
    assert_eq!(codes, [json!("even"), json!("spring_festival")]);
    assert_eq!(profiles[1]["basis_points"][0], json!(1400));

    let set = manager
        .post_json(
            "/api/v1/targets",
            &json!({"period": "2026", "subject_type": "company", "measure": "sell_in_amount", "value": "1200"}),
            &[],
        )
        .await?;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    let id = set.json()?["id"].as_i64().ok_or("an id")?;
    let path = format!("/api/v1/targets/{id}/months");
    let unknown = manager
        .post_json(&path, &json!({"profile": "nope"}), &[])
        .await?;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let split = manager
        .post_json(&path, &json!({"profile": "spring_festival"}), &[])
        .await?;
    assert_eq!(split.status, StatusCode::OK, "{}", split.text());
    assert_eq!(split.json()?["created"], json!(12));
    let strip = manager.get(&path).await?.json()?;
    let months = strip["months"].as_array().ok_or("months")?;
    assert_eq!(months.len(), 12);
    assert_eq!(months[0]["month"], json!("2026-01"));
    assert_eq!(months[0]["target"]["value"], json!(16_800));
    let sum: i64 = months
        .iter()
        .filter_map(|m| m["target"]["value"].as_i64())
        .sum();
    assert_eq!(sum, 120_000);
    assert_eq!(strip["unallocated"], json!(0));
    // A partner does not see the company's plan.
    let mut partner = env.api("padmin").await?;
    assert_eq!(partner.get(&path).await?.status, StatusCode::NOT_FOUND);

    // The page: reached from the target's page, the strip, and the form.
    let mut browser = env.signed_in("manager").await?;
    let target_page = browser.get(&format!("/targets/{id}")).await?;
    assert!(
        target_page.text().contains(&format!(
            r#"href="/targets/{id}/months" data-testid="to-months""#
        )),
        "{}",
        target_page.text()
    );
    let page_path = format!("/targets/{id}/months");
    let page = browser.get(&page_path).await?;
    assert_eq!(page.status, StatusCode::OK);
    assert!(testid(&page.text(), "month-value").contains("¥168.00"));
    assert!(
        page.text()
            .contains("data-confirm=\"Split the target of Whole company (or, when ticked"),
        "{}",
        page.text()
    );
    let refused = browser
        .submit(
            &page_path,
            &[("shape", "profile:nope"), ("remainder_to", "")],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        testid(&refused.text(), "profile-error").contains("nope"),
        "{}",
        refused.text()
    );
    let done = browser
        .submit(
            &page_path,
            &[("shape", "profile:even"), ("remainder_to", "2026-12")],
        )
        .await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let strip = manager.get(&path).await?.json()?;
    assert_eq!(strip["months"][0]["target"]["value"], json!(10_008));
    assert_eq!(strip["months"][11]["target"]["value"], json!(9_996));
    Ok(())
}

#[tokio::test]
async fn months_split_and_strip_on_sqlite() -> Res {
    months_split_and_strip(Env::new("target_months").await?).await
}

#[tokio::test]
async fn months_split_and_strip_on_postgres() -> Res {
    months_split_and_strip(Env::postgres("target_months").await?).await
}
