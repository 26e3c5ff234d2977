#![allow(clippy::wildcard_imports)]

use qudao_app::partners::RecordInput;

use super::*;

/// A partner homed in 浦东新区, inside 上海市.
async fn pudong_partner(env: &Env) -> Res {
    env.app.load_builtin_regions().await?;
    let input = PartnerInput {
        code: "SH1".to_owned(),
        name: "浦东经销商".to_owned(),
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
async fn an_admin_assigns_a_region_on_the_user_page_and_the_manager_sees_its_partners() -> Res {
    let env = Env::new("coverage_page").await?;
    pudong_partner(&env).await?;
    let mut manager = env.signed_in("manager").await?;
    assert_eq!(
        manager.get("/partners/SH1").await?.status,
        StatusCode::NOT_FOUND
    );

    let mut admin = env.signed_in("admin").await?;
    let users = admin.get("/admin/users").await?.text();
    assert!(
        users.contains(r#"href="/admin/users/manager/regions""#),
        "{users}"
    );
    assert!(!users.contains(r#"href="/admin/users/padmin/regions""#));
    admin.get("/admin/users/manager/regions").await?;
    let bad = admin
        .submit("/admin/users/manager/regions", &[("region_code", "999999")])
        .await?;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(testid(&bad.text(), "region-error").contains("no such region"));
    assert!(
        bad.text().contains(r#"value="999999""#),
        "the typed code stays"
    );

    let added = admin
        .submit("/admin/users/manager/regions", &[("region_code", "310000")])
        .await?;
    assert_eq!(added.location(), "/admin/users/manager/regions");
    let page = admin.get("/admin/users/manager/regions").await?.text();
    assert!(
        testid(&page, "covered-regions").contains("上海市"),
        "{page}"
    );

    assert_eq!(manager.get("/partners/SH1").await?.status, StatusCode::OK);
    let list = manager.get("/partners").await?.text();
    assert!(list.contains("浦东经销商"));

    let removed = admin
        .submit("/admin/users/manager/regions/310000/remove", &[])
        .await?;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        manager.get("/partners/SH1").await?.status,
        StatusCode::NOT_FOUND
    );
    Ok(())
}

#[tokio::test]
async fn the_api_sets_covered_regions_and_refuses_bad_ones_changing_nothing() -> Res {
    let env = Env::new("coverage_api").await?;
    pudong_partner(&env).await?;
    let mut admin = env.api("admin").await?;
    let set = admin
        .send_json(
            Method::PUT,
            "/api/v1/users/rep/regions",
            &json!({ "region_codes": ["310000", "330000"] }),
            &[],
        )
        .await?;
    assert_eq!(set.status, StatusCode::OK);
    let codes: Vec<Value> = set.json()?.as_array().cloned().unwrap_or_default();
    assert_eq!(codes.len(), 2);

    let bad = admin
        .send_json(
            Method::PUT,
            "/api/v1/users/rep/regions",
            &json!({ "region_codes": ["nope!"] }),
            &[],
        )
        .await?;
    let problem = expect_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    assert_eq!(problem["errors"][0]["field"], json!("region_code"));
    let staff = admin
        .send_json(
            Method::PUT,
            "/api/v1/users/puser/regions",
            &json!({ "region_codes": ["310000"] }),
            &[],
        )
        .await?;
    expect_problem(&staff, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    let missing = admin.get("/api/v1/users/nobody/regions").await?;
    expect_problem(&missing, StatusCode::NOT_FOUND, "not-found")?;
    let now = admin.get("/api/v1/users/rep/regions").await?.json()?;
    assert_eq!(now.as_array().map(Vec::len), Some(2), "{now}");

    let rep = env.api("rep").await?.get("/api/v1/partners/SH1").await?;
    assert_eq!(rep.status, StatusCode::OK);
    Ok(())
}
