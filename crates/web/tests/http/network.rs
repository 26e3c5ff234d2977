#![allow(clippy::wildcard_imports)]

use super::*;

#[tokio::test]
async fn a_manager_evaluates_a_prospect_grades_a_partner_and_moves_a_card() -> Res {
    let env = Env::new("onboarding").await?;
    let prospect = PartnerInput {
        code: "N1".to_owned(),
        name: "New prospect".to_owned(),
        partner_type: "agent".to_owned(),
        parent_code: None,
        owner_login: Some("manager".to_owned()),
        status: Some("prospect".to_owned()),
        record: Default::default(),
    };
    env.app.create_partner(&env.system, &prospect).await?;
    let mut browser = env.signed_in("manager").await?;
    let page = browser.get("/partners/N1").await?.text();
    assert!(
        page.contains(r#"action="/partners/N1/evaluations""#),
        "{page}"
    );

    // Out of range and missing scores are named next to their criteria, and
    // what was typed comes back.
    let mut scores = vec![
        ("score_market_coverage", "101"),
        ("score_sales_capability", "80"),
        ("score_credit_standing", "80"),
        ("score_industry_experience", "80"),
        ("score_financial_health", "80"),
        ("comment", "strong local network"),
    ];
    let refused = browser.submit("/partners/N1/evaluations", &scores).await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(
        field_html(&html, "score_market_coverage").contains("field-error"),
        "{html}"
    );
    assert!(field_html(&html, "score_market_coverage").contains(r#"value="101""#));
    assert!(field_html(&html, "score_culture_fit").contains("field-error"));
    assert!(!field_html(&html, "score_sales_capability").contains("field-error"));
    assert!(
        browser
            .get("/api/v1/partners/N1/evaluations")
            .await?
            .json()?
            .as_array()
            .is_some_and(Vec::is_empty)
    );

    // (80×90 + 30×10) / 100 = 75.00
    scores[0] = ("score_market_coverage", "80");
    scores.push(("score_culture_fit", "30"));
    let done = browser.submit("/partners/N1/evaluations", &scores).await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let page = browser.get("/partners/N1").await?.text();
    assert!(
        page.contains(r#"data-testid="latest-total">75.00<"#),
        "{page}"
    );
    assert!(page.contains("strong local network"));

    let board = browser.get("/partners/pipeline").await?.text();
    assert!(board.contains(r#"data-code="N1""#), "{board}");
    assert!(board.contains(r#"data-testid="card-total">75.00<"#));
    let refused = browser
        .submit(
            "/partners/pipeline/move",
            &[("code", "N1"), ("status", "screening"), ("reason", "")],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("field-error"));
    let moved = browser
        .submit(
            "/partners/pipeline/move",
            &[
                ("code", "N1"),
                ("status", "screening"),
                ("reason", "passed the first call"),
            ],
        )
        .await?;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    let pipeline = browser.get("/api/v1/onboarding/pipeline").await?.json()?;
    assert_eq!(pipeline["columns"][1]["stage"], "screening");
    assert_eq!(
        pipeline["columns"][1]["cards"][0]["code"], "N1",
        "{pipeline}"
    );
    assert_eq!(pipeline["columns"][1]["cards"][0]["latest_total"], "75.00");

    // The grade panel on the partner page: a reason is required.
    let refused = browser
        .submit("/partners/P1/grade", &[("grade", "gold"), ("reason", " ")])
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_html(&refused.text(), "grade_reason").contains("field-error"));
    let graded = browser
        .submit(
            "/partners/P1/grade",
            &[("grade", "gold"), ("reason", "top seller")],
        )
        .await?;
    assert_eq!(graded.status, StatusCode::SEE_OTHER);
    let page = browser.get("/partners/P1").await?.text();
    assert!(
        page.contains(r#"data-testid="partner-grade">Gold<"#),
        "{page}"
    );
    assert!(page.contains("top seller"));

    // Partner staff see their grade but nothing of onboarding.
    let mut padmin = env.signed_in("padmin").await?;
    let own = padmin.get("/partners/P1").await?.text();
    assert!(own.contains(r#"data-testid="partner-grade">Gold<"#));
    assert!(!own.contains("onboarding-panel") && !own.contains("/grade\""));
    assert!(
        !own.contains("/partners/pipeline"),
        "no board link in the menu"
    );
    Ok(())
}
