#![allow(clippy::wildcard_imports)]

use super::*;

#[tokio::test]
async fn a_manager_moves_a_partner_through_its_lifecycle_on_the_page() -> Res {
    let env = Env::new("status").await?;
    let mut browser = env.signed_in("manager").await?;
    let page = browser.get("/partners/P2").await?;
    assert!(page.text().contains(r#"action="/partners/P2/status""#));
    let refused = browser
        .submit(
            "/partners/P2/status",
            &[("status", "suspended"), ("reason", "")],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_html(&refused.text(), "reason").contains("field-error"));
    let done = browser
        .submit(
            "/partners/P2/status",
            &[("status", "suspended"), ("reason", "overdue payments")],
        )
        .await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = browser.get("/partners/P2").await?;
    let html = page.text();
    assert!(html.contains("overdue payments"), "{html}");
    assert!(
        html.contains(r#"data-testid="partner-status">Suspended<"#),
        "{html}"
    );

    let mut staff = env.signed_in("puser").await?;
    let own = staff.get("/partners/P2").await?.text();
    assert!(
        !own.contains("/status\""),
        "partner staff get no status form"
    );
    let mut program = env.api("manager").await?;
    let back = program
        .post_json(
            "/api/v1/partners/P2/status",
            &json!({ "status": "active", "reason": "paid up" }),
            &[],
        )
        .await?;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text());
    assert_eq!(back.json()?["status"], "active");
    let detail = program.get("/api/v1/partners/P2").await?.json()?;
    assert_eq!(detail["status_history"].as_array().map(Vec::len), Some(3));
    let sorted = program.get("/api/v1/partners?sort=status&dir=desc").await?;
    assert_eq!(
        sorted.status,
        StatusCode::OK,
        "the API sorts by every column the page does"
    );
    let unknown = program.get("/api/v1/partners?sort=bogus").await?;
    let problem = expect_problem(&unknown, StatusCode::BAD_REQUEST, "bad-request")?;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("bogus"),
        "{problem}"
    );
    Ok(())
}
