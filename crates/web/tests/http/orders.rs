//! Order checks name what they refuse: the product line by its name in the
//! page's language, on the order page, in a refused submission's summary
//! and in the API (which keeps the line's code in a field of its own).

use qudao_app::orders::{LineInput, OrderInput};

use super::*;

const NOT_AUTHORIZED_ZH: &str = "该合作伙伴在此日期没有该产品线（专业线）的授权";

async fn order_checks_name_the_product_line(env: Env) -> Res {
    env.territories().await?;
    env.catalog().await?;
    // P1 may buy PRO (a distributor) but holds no right on it.
    let padmin = env.app.caller_by_login("padmin").await?;
    let draft = env
        .app
        .create_order(
            &padmin,
            &OrderInput {
                partner: "P1".into(),
                lines: vec![LineInput {
                    sku: "PRO-1".into(),
                    qty: "2".into(),
                    ..LineInput::default()
                }],
                ..OrderInput::default()
            },
        )
        .await?;
    let path = format!("/orders/{}", draft.number);

    let mut api = env.api("padmin").await?;
    let order = api.get(&format!("/api/v1{path}")).await?.json()?;
    let check = order["checks"]
        .as_array()
        .and_then(|checks| {
            checks
                .iter()
                .find(|c| c["rule"] == json!("product_not_authorized"))
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(check["with"], json!("专业线"), "{order}");
    assert_eq!(check["with_en"], json!("Professional"));
    assert_eq!(check["product_line"], json!("PRO"));
    let refused = api
        .post_json(&format!("/api/v1{path}/submit"), &json!({}), &[])
        .await?;
    let problem = expect_problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("(#1 Professional)"), "{detail}");
    assert!(!detail.contains("PRO)"), "{detail}");

    let mut browser = env.signed_in("padmin").await?;
    browser
        .cookies
        .insert("qudao_lang".to_owned(), "zh-CN".to_owned());
    let page = browser.get(&path).await?.text();
    assert!(
        testid(&page, "line-check").contains(NOT_AUTHORIZED_ZH),
        "{page}"
    );
    assert!(!page.contains("（PRO）"), "no bare code");
    let refused = browser.submit(&format!("{path}/submit"), &[]).await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    let summary = html
        .split(r#"data-testid="error-summary""#)
        .nth(1)
        .and_then(|rest| rest.split(r#"data-testid="checks""#).next())
        .unwrap_or_default();
    assert!(
        summary.contains(&format!("#1 {NOT_AUTHORIZED_ZH}")),
        "{summary}"
    );
    browser
        .cookies
        .insert("qudao_lang".to_owned(), "en".to_owned());
    let page = browser.get(&path).await?.text();
    assert!(
        testid(&page, "line-check").contains("line (Professional) on this date"),
        "{page}"
    );
    Ok(())
}

#[tokio::test]
async fn order_checks_name_the_product_line_on_sqlite() -> Res {
    order_checks_name_the_product_line(Env::new("order_checks").await?).await
}

#[tokio::test]
async fn order_checks_name_the_product_line_on_postgres() -> Res {
    order_checks_name_the_product_line(Env::postgres("order_checks").await?).await
}
