#![allow(clippy::wildcard_imports)]

use super::*;

#[tokio::test]
async fn a_manager_amends_an_agreement_through_the_form_and_both_versions_answer() -> Res {
    let env = Env::new("agreements").await?;
    let mut browser = env.signed_in("manager").await?;
    let partner = browser.get("/partners/P1").await?.text();
    assert!(
        partner.contains(r#"href="/partners/P1/agreement""#),
        "the partner page links its agreement"
    );
    let page = browser.get("/partners/P1/agreement").await?.text();
    assert!(page.contains(r#"data-testid="no-agreement""#), "{page}");

    // The first version: a draft, then activated.
    let form = browser.get("/partners/P1/agreement/new").await?;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        !form.text().contains(r#"name="amends""#),
        "a first version amends nothing"
    );
    let (start, end) = (day(-10).to_string(), day(355).to_string());
    let first = [
        ("valid_from", start.as_str()),
        ("valid_to", end.as_str()),
        ("price_list_code", "PL-2026"),
        ("rebate_programs", "R1"),
        ("annual_target", "1000000"),
        ("currency", "CNY"),
        ("payment_net_days", "30"),
        ("payment_terms", ""),
        ("after_sales_duties", "returns in 7 days"),
        ("training_duties", ""),
        ("signed_on", ""),
        ("note", ""),
    ];
    let saved = browser
        .submit("/partners/P1/agreement/versions", &first)
        .await?;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    assert_eq!(saved.location(), "/partners/P1/agreement/versions/1");
    browser.get("/partners/P1/agreement/versions/1").await?;
    let active = browser
        .submit("/partners/P1/agreement/versions/1/activate", &[])
        .await?;
    assert_eq!(active.status, StatusCode::SEE_OTHER, "{}", active.text());

    // The amendment form starts from version 1; a missing reason comes back
    // next to its field with everything typed kept.
    let form = browser.get("/partners/P1/agreement/new").await?.text();
    assert!(form.contains(r#"name="amends" value="1""#), "{form}");
    assert!(field_html(&form, "annual_target").contains("1000000.00"));
    let d = day(30).to_string();
    let mut amendment: Vec<(&str, &str)> = first.to_vec();
    amendment.retain(|(k, _)| !matches!(*k, "valid_from" | "annual_target" | "note"));
    amendment.extend([
        ("amends", "1"),
        ("valid_from", d.as_str()),
        ("annual_target", "2500000"),
    ]);
    let mut without_note = amendment.clone();
    without_note.push(("note", " "));
    let refused = browser
        .submit("/partners/P1/agreement/versions", &without_note)
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(field_html(&html, "note").contains("field-error"), "{html}");
    assert!(
        field_html(&html, "annual_target").contains("2500000"),
        "typed value kept"
    );
    amendment.push(("note", "higher target from next month"));
    let saved = browser
        .submit("/partners/P1/agreement/versions", &amendment)
        .await?;
    assert_eq!(
        saved.location(),
        "/partners/P1/agreement/versions/2",
        "{}",
        saved.text()
    );
    browser.get("/partners/P1/agreement/versions/2").await?;
    let active = browser
        .submit("/partners/P1/agreement/versions/2/activate", &[])
        .await?;
    assert_eq!(active.status, StatusCode::SEE_OTHER, "{}", active.text());

    // Both versions are listed; the picker answers across D.
    let page = browser.get("/partners/P1/agreement").await?.text();
    let history = testid(&page, "versions");
    assert!(
        history.contains("AG-P1-1") && history.contains("AG-P1-2"),
        "{page}"
    );
    let before = day(29).to_string();
    let page = browser
        .get(&format!("/partners/P1/agreement?as_of={before}"))
        .await?
        .text();
    assert!(testid(&page, "in-force").contains("AG-P1-1"), "{page}");
    let page = browser
        .get(&format!("/partners/P1/agreement?as_of={d}"))
        .await?
        .text();
    assert!(testid(&page, "in-force").contains("AG-P1-2"), "{page}");
    assert!(
        testid(&page, "annual-target").contains("¥2,500,000.00"),
        "{page}"
    );
    let page = browser
        .get("/partners/P1/agreement?as_of=not-a-day")
        .await?;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "a bad date falls back to today with an error"
    );
    assert!(page.text().contains("field-error"));
    let old = browser
        .get("/partners/P1/agreement/versions/1")
        .await?
        .text();
    assert!(
        old.contains(&d) && old.contains("AG-P1-2"),
        "version 1 says who supersedes it from when"
    );
    assert!(
        testid(&old, "annual-target").contains("¥1,000,000.00"),
        "its own terms unchanged"
    );

    // The API gives the same answers; no agreement that day is a clear 404.
    let mut api = env.api("manager").await?;
    let v = api
        .get(&format!("/api/v1/partners/P1/agreement?as_of={before}"))
        .await?
        .json()?;
    assert_eq!(
        (v["code"].clone(), v["annual_target"].clone()),
        (json!("AG-P1-1"), json!("1000000.00"))
    );
    let v = api
        .get(&format!("/api/v1/partners/P1/agreement?as_of={d}"))
        .await?
        .json()?;
    assert_eq!(v["code"], json!("AG-P1-2"));
    let none = api
        .get("/api/v1/partners/P1/agreement?as_of=2000-01-01")
        .await?;
    let problem = expect_problem(&none, StatusCode::NOT_FOUND, "not-found")?;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("agreement in force"),
        "{problem}"
    );
    let bad = api
        .get("/api/v1/partners/P1/agreement?as_of=yesterday")
        .await?;
    let problem = expect_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    assert_eq!(problem["errors"][0]["field"], json!("as_of"));
    let versions = api
        .get("/api/v1/partners/P1/agreement/versions")
        .await?
        .json()?;
    assert_eq!(versions["versions"].as_array().map(Vec::len), Some(2));
    let overlap = api
        .post_json(
            "/api/v1/partners/P1/agreement/versions",
            &json!({ "amends": 2, "valid_from": day(30).to_string(), "valid_to": day(60).to_string(), "payment_net_days": "30", "note": "x" }),
            &[],
        )
        .await?;
    let problem = expect_problem(&overlap, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    assert_eq!(
        problem["errors"][0]["field"],
        json!("valid_from"),
        "{problem}"
    );

    // Expiring: P2's agreement ends in 20 days; it shows on the list, the
    // API and the home page's card.
    env.app
        .create_agreement_draft(&env.system, "P2", &agreement_terms(-100, 20, None))
        .await?;
    env.app.activate_agreement(&env.system, "P2", 1).await?;
    let list = browser.get("/agreements/expiring").await?.text();
    assert!(
        list.contains("AG-P2-1") && !list.contains("AG-P1-"),
        "{list}"
    );
    let home = browser.get("/").await?.text();
    assert!(
        testid(&home, "expiring-agreements").contains(r#"<div class="card-value">1<"#),
        "{home}"
    );
    let expiring = api
        .get("/api/v1/agreements/expiring?days=10")
        .await?
        .json()?;
    assert_eq!(expiring["total"], json!(0));
    let expiring = api.get("/api/v1/agreements/expiring").await?.json()?;
    assert_eq!(expiring["items"][0]["code"], json!("AG-P2-1"));
    let far = api.get("/api/v1/agreements/expiring?days=5000").await?;
    expect_problem(&far, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    let all = browser
        .get("/agreements?partner=p1&sort=version&dir=desc")
        .await?
        .text();
    assert!(all.find("AG-P1-2") < all.find("AG-P1-1"), "{all}");

    // The portal: puser (P2) reads its own agreement, not P1's.
    let mut staff = env.signed_in("puser").await?;
    assert_eq!(
        staff.get("/partners/P1/agreement").await?.status,
        StatusCode::NOT_FOUND
    );
    let own = staff.get("/partners/P2/agreement").await?.text();
    assert!(
        own.contains("AG-P2-1") && !own.contains(r#"data-testid="amend""#),
        "{own}"
    );
    let portal = staff.get("/partners/P2").await?.text();
    assert!(portal.contains(r#"data-testid="partner-agreement""#));
    let staff_api = env
        .api("puser")
        .await?
        .get("/api/v1/agreements")
        .await?
        .json()?;
    assert_eq!(staff_api["total"], json!(1), "{staff_api}");

    // Terminate through the page: a date before the start is refused in place.
    browser.get("/partners/P1/agreement").await?;
    let early = day(0).to_string();
    let refused = browser
        .submit(
            "/partners/P1/agreement/terminate",
            &[("effective_date", early.as_str()), ("reason", "closing")],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_html(&refused.text(), "effective_date").contains("field-error"));
    let ended = browser
        .submit(
            "/partners/P1/agreement/terminate",
            &[("effective_date", d.as_str()), ("reason", "closing")],
        )
        .await?;
    assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.text());
    let v = api
        .get(&format!("/api/v1/partners/P1/agreement?as_of={d}"))
        .await?;
    assert_eq!(v.status, StatusCode::NOT_FOUND);
    Ok(())
}
