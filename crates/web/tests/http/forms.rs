//! The shared form conventions (docs/UI.md): pickers within the caller's
//! scope, forms that come back in place with their errors, and
//! confirmations that state what will happen.

#![allow(clippy::wildcard_imports)]

use qudao_app::partners::RecordInput;

use super::*;

/// The codes a picker answer offers, in order.
fn offered(html: &str) -> Vec<String> {
    html.split(r#"data-value=""#)
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// A partner homed in 浦东新区 (inside 上海市) that nobody owns.
async fn shanghai_partner(env: &Env) -> Res {
    let input = PartnerInput {
        code: "SH1".to_owned(),
        name: "上海润泽贸易有限公司".to_owned(),
        partner_type: "distributor".to_owned(),
        parent_code: None,
        owner_login: None,
        status: None,
        record: RecordInput {
            region_code: Some("310115".into()),
            ..Default::default()
        },
    };
    env.app.create_partner(&env.system, &input).await?;
    Ok(())
}

#[tokio::test]
async fn the_partner_picker_offers_only_partners_in_the_callers_scope() -> Res {
    let env = Env::new("pick_partners").await?;
    env.app.load_builtin_regions().await?;
    shanghai_partner(&env).await?;

    let mut admin = env.signed_in("admin").await?;
    let all = offered(&admin.get("/pick/partners?q=").await?.text());
    assert_eq!(all, ["P1", "P2", "P3", "SH1"]);
    let by_name = offered(
        &admin
            .get("/pick/partners?q=%E6%B6%A6%E6%B3%BD")
            .await?
            .text(),
    );
    assert_eq!(
        by_name,
        ["SH1"],
        "润泽 finds the partner by its Chinese name"
    );

    // A partner user sees its own organisation only, whatever it types.
    let mut puser = env.signed_in("puser").await?;
    assert_eq!(
        offered(&puser.get("/pick/partners?q=").await?.text()),
        ["P2"]
    );
    assert!(offered(&puser.get("/pick/partners?q=P1").await?.text()).is_empty());
    assert!(offered(&puser.get("/pick/partners?q=P3").await?.text()).is_empty());

    // A partner admin: its organisation and its downstream.
    let mut padmin = env.signed_in("padmin").await?;
    assert_eq!(
        offered(&padmin.get("/pick/partners?q=P").await?.text()),
        ["P1", "P2"]
    );

    // A rep: only the partners it covers (none, then those in 上海市).
    let mut rep = env.signed_in("rep").await?;
    let none = rep.get("/pick/partners?q=").await?.text();
    assert!(offered(&none).is_empty());
    assert!(none.contains("Nothing matches"), "{none}");
    env.app
        .add_user_region(&env.system, "rep", "310000")
        .await?;
    assert_eq!(
        offered(&rep.get("/pick/partners?q=").await?.text()),
        ["SH1"]
    );
    Ok(())
}

#[tokio::test]
async fn the_region_picker_shows_the_tree_path_and_finds_names_in_both_languages() -> Res {
    let env = Env::new("pick_regions").await?;
    env.app.load_builtin_regions().await?;
    let mut manager = env.signed_in("manager").await?;
    let zh = manager
        .get_with(
            "/pick/regions?q=%E6%B5%A6%E4%B8%9C",
            &[("accept-language", "zh-CN")],
        )
        .await?
        .text();
    assert!(offered(&zh).contains(&"310115".to_owned()), "{zh}");
    assert!(zh.contains("中国 › 上海市 › "), "{zh}");
    assert!(zh.contains("浦东新区"), "{zh}");
    let en = manager.get("/pick/regions?q=Germany").await?.text();
    assert_eq!(offered(&en), ["DE"], "{en}");
    Ok(())
}

#[tokio::test]
async fn the_user_picker_offers_active_staff_to_those_who_assign_owners() -> Res {
    let env = Env::new("pick_users").await?;
    let mut manager = env.signed_in("manager").await?;
    let staff = offered(&manager.get("/pick/users?q=").await?.text());
    for login in ["admin", "manager", "rep", "finance"] {
        assert!(staff.contains(&login.to_owned()), "{staff:?}");
    }
    for login in ["padmin", "puser", "other"] {
        assert!(
            !staff.contains(&login.to_owned()),
            "no partner accounts: {staff:?}"
        );
    }
    // Finance picks a rep whose commission it adjusts; a rep picks no one.
    let mut finance = env.signed_in("finance").await?;
    assert!(offered(&finance.get("/pick/users?q=").await?.text()).contains(&"rep".to_owned()));
    let mut rep = env.signed_in("rep").await?;
    assert_eq!(
        rep.get("/pick/users?q=").await?.status,
        StatusCode::FORBIDDEN
    );
    Ok(())
}

#[tokio::test]
async fn a_grant_names_partner_region_and_product_line_by_name_without_js() -> Res {
    let env = Env::new("pick_resolve").await?;
    env.territories().await?;
    shanghai_partner(&env).await?;
    let mut manager = env.signed_in("manager").await?;
    let lines = manager.get("/pick/product-lines?q=LI").await?.text();
    assert_eq!(offered(&lines), ["LIGHT"]);

    let mut admin = env.signed_in("admin").await?;
    admin.get("/territories/authorizations/new").await?;
    let saved = admin
        .submit(
            "/territories/authorizations",
            &[
                ("partner_code", "上海润泽贸易有限公司"),
                ("region_code", "杭州市"),
                ("product_line", "LIGHT"),
                ("mode", "intensive"),
                ("valid_from", "2026-01-01"),
                ("valid_to", "2026-12-31"),
            ],
        )
        .await?;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let detail = admin.get(saved.location()).await?.text();
    assert!(
        detail.contains("SH1") && detail.contains("330100"),
        "{detail}"
    );
    Ok(())
}

#[tokio::test]
async fn a_refused_form_comes_back_with_a_summary_and_a_saved_one_redirects_htmx() -> Res {
    let env = Env::new("form_errors").await?;
    let mut admin = env.signed_in("admin").await?;
    admin.get("/partners/P2").await?;
    let refused = admin
        .submit(
            "/partners/P2/status",
            &[("status", "suspended"), ("reason", "")],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    let summary = testid(&html, "error-summary");
    assert!(summary.contains(r##"href="#reason""##), "{summary}");
    assert!(
        html.contains(
            r##"hx-post="/partners/P2/status" hx-target="this" hx-select="#status-form""##
        )
    );
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="reason-error""#));

    // Posted by htmx, a saved form answers HX-Redirect instead of 303, so
    // the next page loads as a page rather than inside the form.
    let csrf = admin.csrf.clone();
    let body = serde_urlencoded::to_string([
        ("_csrf", csrf.as_str()),
        ("status", "suspended"),
        ("reason", "overdue"),
    ])?;
    let saved = admin
        .send(
            Method::POST,
            "/partners/P2/status",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("hx-request", "true"),
                (
                    "hx-current-url",
                    "http://127.0.0.1:8080/partners/P2#status-form",
                ),
            ],
            body.into_bytes(),
        )
        .await?;
    assert_eq!(saved.status, StatusCode::OK);
    assert_eq!(
        saved.header(header::HeaderName::from_static("hx-redirect")),
        "/partners/P2"
    );
    assert!(saved.header(header::LOCATION).is_empty());
    // Back to the page it was posted from: moving there loads it again, so
    // no refresh (which would cancel that load after it took the flash).
    assert!(
        saved
            .header(header::HeaderName::from_static("hx-refresh"))
            .is_empty()
    );

    // A contact saved on the partner page goes to a fragment of that same
    // page; moving there alone would only scroll, so htmx is told to reload.
    let body = serde_urlencoded::to_string([
        ("_csrf", csrf.as_str()),
        ("name", "钱采购"),
        ("role", "采购"),
        ("phone", "021-5555-0199"),
        ("email", ""),
        ("birthday", ""),
    ])?;
    let contact = admin
        .send(
            Method::POST,
            "/partners/P2/contacts",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("hx-request", "true"),
                ("hx-current-url", "http://127.0.0.1:8080/partners/P2"),
            ],
            body.into_bytes(),
        )
        .await?;
    assert_eq!(
        contact.header(header::HeaderName::from_static("hx-redirect")),
        "/partners/P2#contacts"
    );
    assert_eq!(
        contact.header(header::HeaderName::from_static("hx-refresh")),
        "true"
    );
    Ok(())
}

#[tokio::test]
async fn confirmations_state_the_consequences_computed_on_the_server() -> Res {
    let env = Env::new("confirmations").await?;
    env.territories().await?;
    let zh = [("accept-language", "zh-CN")];
    let mut admin = env.signed_in("admin").await?;
    let page = admin.get_with("/partners/P1", &zh).await?.text();
    assert!(
        page.contains("data-confirm=\"Partner P1（P1）将被终止合作。此操作不可撤销。其 1 项有效授权保留至各自到期日。\""),
        "{page}"
    );
    assert!(page.contains(r#"data-confirm-field="status" data-confirm-value="terminated""#));

    env.app
        .create_token(&env.app.caller_by_login("rep").await?, "t")
        .await?;
    let users = admin.get_with("/admin/users", &zh).await?.text();
    assert!(
        users.contains("账号User rep（rep）将被停用并退出登录。"),
        "{users}"
    );
    assert!(users.contains("其 1 个 API 令牌将被吊销。"), "{users}");
    Ok(())
}
