#![allow(clippy::wildcard_imports)]

use super::*;

/// Each role's home shows the sections of its work and not the others';
/// a partner's home is its portal, with a sidebar of what exists for it.
#[tokio::test]
async fn every_role_gets_its_own_home() -> Res {
    let env = Env::new("role_homes").await?;
    let sections = |html: &str| {
        [
            "portal-company",
            "pipeline-counts",
            "pending-changes",
            "without-contacts",
            "credit-limits",
            "suspended",
            "users-count",
            "recent-audit",
        ]
        .into_iter()
        .filter(|id| html.contains(&format!(r#"data-testid="{id}""#)))
        .collect::<Vec<_>>()
    };
    let mut expected: Vec<(&str, Vec<&str>)> = vec![
        (
            "admin",
            vec![
                "pipeline-counts",
                "pending-changes",
                "users-count",
                "recent-audit",
            ],
        ),
        (
            "manager",
            vec!["pipeline-counts", "pending-changes", "without-contacts"],
        ),
        ("rep", vec!["pipeline-counts", "without-contacts"]),
        ("finance", vec!["credit-limits", "suspended"]),
        ("padmin", vec!["portal-company"]),
        ("puser", vec!["portal-company"]),
    ];
    for (login, want) in expected.drain(..) {
        let mut client = env.signed_in(login).await?;
        let home = client.get("/").await?;
        assert_eq!(home.status, StatusCode::OK, "{login}");
        let html = home.text();
        assert_eq!(sections(&html), want, "{login}'s home");
        assert!(
            html.contains(r#"data-testid="user-menu""#) && html.contains(r#"href="/account""#),
            "{login} reaches My account from the header"
        );
        let partner_role = login.starts_with('p');
        assert_eq!(
            html.contains(r#"href="/areas/"#),
            !partner_role,
            "{login}: coming-soon areas only for staff"
        );
        assert_eq!(
            html.contains(r#"href="/api/docs""#),
            !partner_role,
            "{login}"
        );
    }

    // The portal is the partner's own organisation, with its account manager.
    let mut padmin = env.signed_in("padmin").await?;
    let portal = padmin.get("/").await?.text();
    assert!(testid(&portal, "portal-company").contains("Partner P1"));
    assert!(testid(&portal, "portal-account-manager").contains("User manager"));
    assert!(portal.contains(r#"data-testid="portal-edit-contacts""#));
    let mut puser = env.signed_in("puser").await?;
    let portal = puser.get("/").await?.text();
    assert!(testid(&portal, "portal-company").contains("Partner P2"));
    assert!(
        !portal.contains(r#"data-testid="portal-edit-contacts""#),
        "staff read only"
    );
    assert!(testid(&portal, "portal-account-manager").contains("No account manager"));
    Ok(())
}

/// A partner admin's address request, approved on the partner page by the
/// manager who owns it; a rejection needs a reason, shown to the partner.
#[tokio::test]
async fn an_address_request_is_decided_on_the_partner_page() -> Res {
    let env = Env::new("change_requests").await?;
    let mut padmin = env.signed_in("padmin").await?;
    // The form's page, which hands out the CSRF token.
    let page = padmin.get("/partners/P1").await?.text();
    assert!(page.contains(r#"data-testid="change-request-form""#));
    let sent = padmin
        .submit(
            "/partners/P1/changes",
            &[("field", "address"), ("value", "上海市黄浦区南京东路 1 号")],
        )
        .await?;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let again = padmin
        .submit(
            "/partners/P1/changes",
            &[("field", "address"), ("value", "别处")],
        )
        .await?;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again
            .text()
            .contains("A request for this field is still waiting for a decision."),
        "one pending request per field, said next to the form"
    );

    let mut manager = env.signed_in("manager").await?;
    let page = manager.get("/partners/P1").await?.text();
    assert!(page.contains(r#"data-testid="approve-request""#));
    let queue = manager.get("/partners/changes").await?.text();
    assert!(testid(&queue, "change-queue").contains("Partner P1"));
    let id = env.app.partner_change_requests(&env.system, "P1").await?[0].id;
    let refused = manager
        .submit(
            &format!("/partners/changes/{id}/reject"),
            &[("reason", " "), ("back", "P1")],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains(r#"class="field-error""#),
        "the reason is required, said at the request"
    );
    let approved = manager
        .submit(
            &format!("/partners/changes/{id}/approve"),
            &[("back", "P1")],
        )
        .await?;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    let p1 = env.app.partner(&env.system, "P1").await?;
    assert_eq!(p1.address.as_deref(), Some("上海市黄浦区南京东路 1 号"));
    Ok(())
}
