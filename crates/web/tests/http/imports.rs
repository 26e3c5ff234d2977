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
    // Post/redirect/get: the report waits on its own page, which a refresh
    // shows again without posting the file a second time.
    assert_eq!(got.status, StatusCode::SEE_OTHER);
    assert_eq!(got.location(), "/imports/result");
    let got = manager.get("/imports/result").await?;
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
    assert_eq!(got.status, StatusCode::SEE_OTHER);
    assert_eq!(manager.get("/imports/result").await?.status, StatusCode::OK);
    assert_eq!(env.partner_count().await?, 3, "a dry run writes nothing");
    let got = manager
        .upload(
            "/imports",
            &[("kind", "partners")],
            "good.csv",
            good.as_bytes(),
        )
        .await?;
    assert_eq!(got.status, StatusCode::SEE_OTHER, "{}", got.text());
    assert_eq!(env.partner_count().await?, 5);
    let done = manager.get("/imports/result").await?.text();
    assert!(
        done.contains("href=\"/partners/N1\""),
        "links to what was imported: {done}"
    );
    let again = manager.get("/imports/result").await?;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "a refresh shows the report again"
    );
    assert_eq!(env.partner_count().await?, 5, "and imports nothing twice");

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

#[tokio::test]
async fn upload_messages_are_in_the_pages_language() -> Res {
    let env = Env::new("upload-zh").await?;
    let mut manager = env.signed_in("manager").await?;
    manager.get("/lang/zh-CN").await?;
    manager.get("/imports").await?;
    let dup = "编码,名称,类型\nD1,甲,经销商\nD1,乙,代理商\n";
    manager
        .upload(
            "/imports",
            &[("kind", "partners")],
            "dup.csv",
            dup.as_bytes(),
        )
        .await?;
    let html = manager.get("/imports/result").await?.text();
    assert!(html.contains("文件中第 2 行已出现相同编码"), "{html}");
    assert!(!html.contains("row 2"), "{html}");

    manager.get("/imports").await?;
    let partners = "编码,名称,类型,等级\nD1,甲,经销商,金牌\n";
    manager
        .upload(
            "/imports",
            &[("kind", "contacts")],
            "p.csv",
            partners.as_bytes(),
        )
        .await?;
    let html = manager.get("/imports/result").await?.text();
    assert!(
        html.contains("这些表头不是联系人文件的表头。")
            && html.contains("合作伙伴编码、姓名、职务"),
        "{html}"
    );
    Ok(())
}

#[tokio::test]
async fn pages_and_assets_answer_compressed_when_asked() -> Res {
    let env = Env::new("compress").await?;
    let mut manager = env.signed_in("manager").await?;
    for encoding in ["gzip", "br"] {
        let page = manager
            .get_with("/partners", &[("accept-encoding", encoding)])
            .await?;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.header(header::CONTENT_ENCODING),
            encoding,
            "{encoding}"
        );
    }
    let plain = manager.get("/partners").await?;
    assert_eq!(plain.header(header::CONTENT_ENCODING), "");
    // Hashed assets are compressed too and keep their immutable caching.
    let html = plain.text();
    let start = html.find("/assets/app.").ok_or("no app asset")?;
    let css = &html[start..start + html[start..].find('"').ok_or("no quote")?];
    let asset = manager.get_with(css, &[("accept-encoding", "br")]).await?;
    assert_eq!(asset.status, StatusCode::OK, "{css}");
    assert_eq!(asset.header(header::CONTENT_ENCODING), "br", "{css}");
    assert!(
        asset.header(header::CACHE_CONTROL).contains("immutable"),
        "{css}"
    );
    // The chart library is only on the page with a chart.
    assert!(!html.contains("echarts"), "no chart library on a list");
    assert!(manager.get("/").await?.text().contains("/assets/echarts."));
    Ok(())
}
