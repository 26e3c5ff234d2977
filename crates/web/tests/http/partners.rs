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

/// A partner handed to another rep from a date: the edit form's date next
/// to the owner picker, a date in the future refused on its field, the
/// owner history by name on the page and in the API, a move dated before
/// the last one refused by the API, and no history for partner staff.
#[tokio::test]
async fn an_owner_change_takes_a_date_and_shows_in_the_history() -> Res {
    let env = Env::new("owner_move").await?;
    let mut browser = env.signed_in("admin").await?;
    let form = browser.get("/partners/P1/edit").await?.text();
    assert!(
        field_html(&form, "owner_from").contains(r#"type="date""#),
        "{form}"
    );
    let tomorrow = day(1).to_string();
    let refused = browser
        .submit("/partners/P1/edit", &owner_fields(&tomorrow))
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        field_html(&refused.text(), "owner_from").contains("must not be after today"),
        "{}",
        refused.text()
    );
    let three_days_ago = day(-3).to_string();
    let done = browser
        .submit("/partners/P1/edit", &owner_fields(&three_days_ago))
        .await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let page = browser.get("/partners/P1").await?.text();
    let page_history = &page[page.find(r#"data-testid="owner-history""#).unwrap_or(0)..];
    assert!(page_history.contains("User manager"), "{page_history}");
    assert!(page_history.contains("User rep"), "{page_history}");
    assert!(
        page_history.contains(&day(-3).to_string()),
        "{page_history}"
    );

    let mut program = env.api("admin").await?;
    let before_last = program
        .send_json(
            Method::PUT,
            "/api/v1/partners/P1",
            &json!({
                "name": "Partner P1",
                "partner_type": "distributor",
                "owner_login": "manager",
                "owner_from": day(-4).to_string(),
            }),
            &[],
        )
        .await?;
    let problem = expect_problem(&before_last, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    assert!(problem.to_string().contains("owner_from"), "{problem}");
    let detail = program.get("/api/v1/partners/P1").await?.json()?;
    assert_eq!(detail["owner_login"], "rep");
    let spans = detail["owner_history"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(spans.len(), 2, "{detail}");
    assert_eq!(spans[1]["from"], day(-3).to_string());
    assert_eq!(spans[1]["owner_name"], "User rep");

    let mut staff = env.signed_in("puser").await?;
    assert!(
        !staff
            .get("/partners/P2")
            .await?
            .text()
            .contains("owner-history")
    );
    Ok(())
}

/// The edit form's fields handing P1 to the rep from `from`.
fn owner_fields(from: &str) -> [(&str, &str); 5] {
    [
        ("name", "Partner P1"),
        ("partner_type", "distributor"),
        ("owner_login", "rep"),
        ("owner_from", from),
        ("currency", "CNY"),
    ]
}
