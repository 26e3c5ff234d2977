#![allow(clippy::wildcard_imports)]

use super::*;

/// The generated password shown once on the team page.
fn shown_password(html: &str) -> Option<String> {
    const MARK: &str = r#"data-testid="password">"#;
    let start = html.find(MARK)? + MARK.len();
    let len = html[start..].find('<')?;
    Some(html[start..start + len].to_owned())
}

#[tokio::test]
async fn a_partner_admin_creates_a_staff_account_that_signs_in_and_disables_it() -> Res {
    let env = Env::new("team_page").await?;
    let mut padmin = env.signed_in("padmin").await?;
    let home = padmin.get("/").await?.text();
    assert!(
        home.contains(r#"href="/team""#),
        "the team is in the navigation"
    );
    let page = padmin.get("/team").await?.text();
    assert!(testid(&page, "team").contains("padmin"));

    let bad = padmin
        .submit("/team", &[("login", "x"), ("display_name", "")])
        .await?;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!bad.text().contains(r#"data-testid="password""#));

    let created = padmin
        .submit(
            "/team",
            &[("login", "shop.clerk"), ("display_name", "店员小王")],
        )
        .await?;
    assert_eq!(created.status, StatusCode::OK);
    let password = shown_password(&created.text()).ok_or("no password shown")?;
    assert_eq!(password.len(), 20);
    assert!(testid(&created.text(), "team").contains("shop.clerk"));
    let again = padmin.get("/team").await?.text();
    assert!(!again.contains(&password), "the password is shown once");

    let mut clerk = env.browser();
    let signed = clerk.sign_in("shop.clerk", &password).await?;
    assert_eq!(signed.location(), "/");
    let me = clerk.get("/api/v1/me").await?.json()?;
    assert_eq!(
        (&me["role"], &me["partner_code"]),
        (&json!("partner_user"), &json!("P1"))
    );
    assert_eq!(clerk.get("/team").await?.status, StatusCode::FORBIDDEN);

    padmin.get("/team").await?;
    let disabled = padmin
        .submit("/team/shop.clerk/status", &[("status", "disabled")])
        .await?;
    assert_eq!(disabled.location(), "/team");
    assert_eq!(
        clerk.get("/").await?.location(),
        "/login",
        "the disabled account's session has ended"
    );

    // Another organisation's account is not found, and nothing changes.
    padmin.get("/team").await?;
    let other = padmin
        .submit("/team/puser/status", &[("status", "disabled")])
        .await?;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    env.signed_in("puser").await?;
    Ok(())
}

#[tokio::test]
async fn the_team_api_creates_only_staff_of_its_own_organisation() -> Res {
    let env = Env::new("team_api").await?;
    let mut padmin = env.api("padmin").await?;
    let created = padmin
        .post_json(
            "/api/v1/team",
            &json!({ "login": "api.clerk", "display_name": "API clerk", "role": "admin", "partner_code": "P3" }),
            &[],
        )
        .await?;
    assert_eq!(created.status, StatusCode::CREATED);
    let body = created.json()?;
    assert_eq!(
        (&body["user"]["role"], &body["user"]["partner_code"]),
        (&json!("partner_user"), &json!("P1")),
        "role and organisation are not the caller's to choose"
    );
    let reset = padmin
        .post_json("/api/v1/team/api.clerk/password", &json!({}), &[])
        .await?;
    assert_eq!(reset.status, StatusCode::OK);
    let password = reset.json()?["password"]
        .as_str()
        .ok_or("no password")?
        .to_owned();
    env.browser().sign_in("api.clerk", &password).await?;
    for login in ["other", "manager", "padmin"] {
        let refused = padmin
            .post_json(
                &format!("/api/v1/team/{login}/status"),
                &json!({ "status": "disabled" }),
                &[],
            )
            .await?;
        expect_problem(&refused, StatusCode::NOT_FOUND, "not-found")?;
    }
    Ok(())
}
