#![allow(clippy::wildcard_imports)]

use super::*;

#[tokio::test]
async fn an_upload_is_checked_and_reported_row_by_row_on_the_page() -> Res {
    let env = Env::new("upload").await?;
    let mut manager = env.signed_in("manager").await?;
    let page = manager.get("/imports").await?;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("/imports/templates/partners.zh.xlsx"));

    let bad = "编码,名称,类型,上级编码\nN1,新伙伴,agent,NOPE\nN2,,agent,\n";
    let got = manager
        .upload(
            "/imports",
            &[("kind", "partners")],
            "bad.csv",
            bad.as_bytes(),
        )
        .await?;
    assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = got.text();
    assert!(html.contains("data-testid=\"import-errors\""), "{html}");
    assert!(html.contains("上级编码") && html.contains("名称"), "{html}");
    assert_eq!(env.partner_count().await?, 3);

    // Without the token in the action, an upload is refused as forged.
    let good = "code,name,partner_type,parent_code\nN1,New one,agent,P1\nN2,New two,retailer,N1\n";
    manager.csrf = "forged".to_owned();
    let got = manager
        .upload(
            "/imports",
            &[("kind", "partners")],
            "good.csv",
            good.as_bytes(),
        )
        .await?;
    assert_eq!(got.status, StatusCode::FORBIDDEN);
    assert_eq!(env.partner_count().await?, 3);

    manager.get("/imports").await?;
    let got = manager
        .upload(
            "/imports",
            &[("kind", "partners"), ("dry_run", "1")],
            "good.csv",
            good.as_bytes(),
        )
        .await?;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(env.partner_count().await?, 3, "a dry run writes nothing");
    let got = manager
        .upload(
            "/imports",
            &[("kind", "partners")],
            "good.csv",
            good.as_bytes(),
        )
        .await?;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text());
    assert_eq!(env.partner_count().await?, 5);

    // The API takes the file as the body and answers a rejection as a problem.
    let mut api = env.api("manager").await?;
    let got = api
        .send(
            Method::POST,
            "/api/v1/imports/partners?file_name=dup.csv",
            &[("content-type", "text/csv")],
            good.as_bytes().to_vec(),
        )
        .await?;
    let problem = expect_problem(&got, StatusCode::UNPROCESSABLE_ENTITY, "import-rejected")?;
    assert_eq!(problem["report"]["errors"][0]["row"], json!(2), "{problem}");
    assert_eq!(problem["report"]["errors"][0]["column"], json!("code"));
    Ok(())
}
