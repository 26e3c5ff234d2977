//! The catalog over HTTP: what a partner's users see (their channel's
//! products, never the cost), product line names from the records wherever
//! a line is shown, and a grant on a line that is not a record refused in
//! the page's language.

#![allow(clippy::wildcard_imports)]

use super::*;

const ZH: &[(&str, &str)] = &[("accept-language", "zh-CN")];

#[tokio::test]
async fn partner_users_see_their_channels_products_without_cost() -> Res {
    let env = Env::new("catalog_partner").await?;
    env.catalog().await?;
    // P1 is a distributor (PRO is for distributors), P2 a retailer.
    let padmin = env
        .api("padmin")
        .await?
        .get("/api/v1/products")
        .await?
        .json()?;
    let puser = env
        .api("puser")
        .await?
        .get("/api/v1/products")
        .await?
        .json()?;
    let skus = |list: &Value| -> Vec<String> {
        list["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|p| p["sku"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(skus(&padmin), ["GONE-1", "LGT-1", "PRO-1"]);
    assert_eq!(skus(&puser), ["GONE-1", "LGT-1"]);
    for list in [&padmin, &puser] {
        assert!(
            list["items"]
                .as_array()
                .is_some_and(|items| items.iter().all(|p| p["cost"].is_null())),
            "{list}"
        );
    }
    let staff = env
        .api("finance")
        .await?
        .get("/api/v1/products/LGT-1")
        .await?
        .json()?;
    assert_eq!(staff["cost"], json!("88.00"));

    // The page: no cost column, the channel's products only, in the portal's
    // navigation.
    let mut browser = env.signed_in("puser").await?;
    let page = browser.get_with("/catalog/products", ZH).await?.text();
    assert!(page.contains("LGT-1") && !page.contains("PRO-1"), "{page}");
    assert!(!page.contains("¥88.00") && !page.contains("成本"), "{page}");
    assert!(page.contains(r#"href="/catalog/products""#), "navigation");
    let export = browser.get("/catalog/products?format=xlsx").await?;
    assert_eq!(export.status, StatusCode::OK);
    let lines = browser.get("/api/v1/product-lines").await?.json()?;
    assert_eq!(lines.as_array().map(Vec::len), Some(1), "{lines}");
    Ok(())
}

#[tokio::test]
async fn product_lines_are_named_by_their_records() -> Res {
    let env = Env::new("catalog_names").await?;
    env.territories().await?;
    env.catalog().await?;
    let mut manager = env.signed_in("manager").await?;
    let rights = manager
        .get_with("/territories/authorizations", ZH)
        .await?
        .text();
    assert!(rights.contains("照明"), "{rights}");
    let products = manager.get_with("/catalog/products", ZH).await?.text();
    assert!(
        products.contains("照明") && products.contains("¥199.00") && products.contains("¥88.00"),
        "{products}"
    );
    let picked = manager
        .get_with("/pick/product-lines?q=专业", ZH)
        .await?
        .text();
    assert!(picked.contains(r#"data-value="PRO""#), "{picked}");

    // A channel rule for one grade names the grade, not its code.
    env.app
        .add_channel_rule(
            &env.system,
            "LIGHT",
            &qudao_app::catalog::ChannelRuleInput {
                partner_type: "retailer".to_owned(),
                grade: Some("gold".to_owned()),
            },
        )
        .await?;
    let lines = manager.get_with("/catalog/lines", ZH).await?.text();
    assert!(lines.contains("零售商 · 金牌"), "{lines}");

    // Renamed: every page names it anew.
    let renamed = manager
        .send_json_from_page(
            Method::PUT,
            "/api/v1/product-lines/LIGHT",
            &json!({ "name": "灯具照明", "name_en": "Lamps" }),
        )
        .await?;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text());
    let rights = manager
        .get_with("/territories/authorizations", ZH)
        .await?
        .text();
    assert!(rights.contains("灯具照明"), "{rights}");
    let english = manager
        .get("/territories/authorizations/AU000001")
        .await?
        .text();
    assert!(english.contains("Lamps"), "{english}");
    Ok(())
}

#[tokio::test]
async fn a_grant_on_a_line_that_is_no_record_is_refused_in_chinese() -> Res {
    let env = Env::new("catalog_grant").await?;
    env.app.load_builtin_regions().await?;
    let mut manager = env.signed_in("manager").await?;
    manager.get("/territories/authorizations/new").await?;
    let refused = manager
        .submit(
            "/territories/authorizations",
            &[
                ("partner_code", "P1"),
                ("region_code", "310000"),
                ("product_line", "COFFEE"),
                ("mode", "intensive"),
                ("valid_from", "2026-01-01"),
                ("valid_to", "2026-12-31"),
            ],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("no such product line"));
    manager
        .cookies
        .insert("qudao_lang".to_owned(), "zh-CN".to_owned());
    manager.get("/territories/limits").await?;
    let zh = manager
        .submit(
            "/territories/limits",
            &[("product_line", "COFFEE"), ("max_partners", "2")],
        )
        .await?;
    assert_eq!(zh.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(zh.text().contains("没有这个产品线"), "{}", zh.text());
    let rights = env
        .api("admin")
        .await?
        .get("/api/v1/authorizations")
        .await?
        .json()?;
    assert_eq!(rights["total"], json!(0));
    Ok(())
}
