#![allow(clippy::wildcard_imports)]

use super::*;

#[tokio::test]
async fn authorization_form_names_the_collision() -> Res {
    let env = Env::new("territory_flow").await?;
    env.app.load_builtin_regions().await?;
    let mut manager = env.signed_in("manager").await?;

    // From P1's page: the section and its add form.
    let page = manager.get("/partners/P1").await?;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text()
            .contains(r#"action="/territories/authorizations""#)
    );
    let granted = manager
        .submit(
            "/territories/authorizations",
            &[
                ("partner_code", "P1"),
                ("return_to", "partner"),
                ("region_code", "310000"),
                ("product_line", "light"),
                ("mode", "exclusive"),
                ("valid_from", "2026-01-01"),
                ("valid_to", "2026-12-31"),
            ],
        )
        .await?;
    assert_eq!(
        (granted.status, granted.location()),
        (StatusCode::SEE_OTHER, "/partners/P1")
    );
    let page = manager.get("/partners/P1").await?;
    assert!(
        page.text().contains("Authorization AU000001 added."),
        "flash"
    );
    assert!(page.text().contains("/territories/authorizations/AU000001"));

    // P2 asks for a selective right inside 上海市: refused, naming AU000001,
    // next to the region field, with what was typed kept.
    manager.get("/partners/P2").await?;
    let refused = manager
        .submit(
            "/territories/authorizations",
            &[
                ("partner_code", "P2"),
                ("return_to", "partner"),
                ("region_code", "310115"),
                ("product_line", "LIGHT"),
                ("mode", "selective"),
                ("valid_from", "2026-06-01"),
                ("valid_to", "2027-05-31"),
            ],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(
        html.contains(
            r#"data-testid="region-error">collides with an exclusive authorization: AU000001 (P1 上海市 2026-01-01 – 2026-12-31)</div>"#
        ),
        "{html}"
    );
    assert!(html.contains(r#"value="310115""#) && html.contains(r#"value="2027-05-31""#));

    // The same through the API: problem JSON naming the field and the right.
    let mut api = env.api("manager").await?;
    let problem = api
        .post_json(
            "/api/v1/authorizations",
            &json!({ "partner_code": "P2", "region_code": "CN", "product_line": "LIGHT",
                     "mode": "exclusive", "valid_from": "2026-12-01", "valid_to": "2026-12-31" }),
            &[],
        )
        .await?;
    assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = problem.json()?;
    assert_eq!(body["errors"][0]["field"], json!("region_code"), "{body}");
    assert_eq!(
        body["errors"][0]["rule"],
        json!("authorization_exclusive"),
        "{body}"
    );
    assert!(
        body["errors"][0]["with"]
            .as_str()
            .is_some_and(|w| w.starts_with("AU000001 ")),
        "{body}"
    );

    // Who holds what where: China's page lists it, filtered by line and day.
    let cn = manager
        .get("/territories/regions/CN?product_line=LIGHT&on=2026-03-01")
        .await?;
    assert!(cn.text().contains("/territories/authorizations/AU000001"));
    let none = manager
        .get("/territories/regions/CN?product_line=LIGHT&on=2027-03-01")
        .await?;
    assert!(!none.text().contains("/territories/authorizations/AU000001"));

    // End it early from its page; it stays, ended, and the territory frees up.
    manager.get("/territories/authorizations/AU000001").await?;
    let ended = manager
        .submit(
            "/territories/authorizations/AU000001/end",
            &[("end_on", "2026-05-31"), ("reason", "contract ended")],
        )
        .await?;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);
    let page = manager.get("/territories/authorizations/AU000001").await?;
    assert!(page.text().contains("2026-01-01 – 2026-05-31"));
    assert!(page.text().contains("contract ended"));
    manager.get("/partners/P2").await?;
    let granted = manager
        .submit(
            "/territories/authorizations",
            &[
                ("partner_code", "P2"),
                ("region_code", "310115"),
                ("product_line", "LIGHT"),
                ("mode", "selective"),
                ("valid_from", "2026-06-01"),
                ("valid_to", "2027-05-31"),
            ],
        )
        .await?;
    assert_eq!(
        (granted.status, granted.location()),
        (
            StatusCode::SEE_OTHER,
            "/territories/authorizations/AU000002"
        )
    );

    // The export keeps the filter.
    let xlsx = manager
        .get("/territories/authorizations?partner=P2&format=xlsx")
        .await?;
    assert_eq!((xlsx.status, xlsx.content_type()), (StatusCode::OK, XLSX));
    Ok(())
}
