#![allow(clippy::wildcard_imports)]

use super::*;

#[tokio::test]
async fn the_api_refuses_bad_input_and_changes_nothing() -> Res {
    let env = Env::new("bad_input").await?;
    let before = env.partner_count().await?;
    let mut program = env.api("admin").await?;
    let raw = |body: &str| body.as_bytes().to_vec();
    let json_type = [("content-type", "application/json")];

    let malformed = program
        .send(
            Method::POST,
            "/api/v1/partners",
            &json_type,
            raw(r#"{"code": "X1","#),
        )
        .await?;
    expect_problem(&malformed, StatusCode::BAD_REQUEST, "bad-request")?;

    let text = program
        .send(
            Method::POST,
            "/api/v1/partners",
            &[("content-type", "text/plain")],
            raw(r#"{"code":"X1"}"#),
        )
        .await?;
    let problem = expect_problem(
        &text,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )?;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("application/json"),
        "{problem}"
    );

    let huge = json!({ "code": "BIG", "name": "x".repeat(300 * 1024), "partner_type": "agent" });
    let too_large = program.post_json("/api/v1/partners", &huge, &[]).await?;
    let problem = expect_problem(&too_large, StatusCode::PAYLOAD_TOO_LARGE, "too-large")?;
    assert!(
        problem["detail"].to_string().contains("262144"),
        "{problem}"
    );
    // A route that allows more names its own limit (a cascade's 2 MiB).
    let children = json!({ "by": "amounts", "children": "x".repeat(2100 * 1024) });
    let too_large = program
        .post_json("/api/v1/targets/1/cascade", &children, &[])
        .await?;
    let problem = expect_problem(&too_large, StatusCode::PAYLOAD_TOO_LARGE, "too-large")?;
    assert!(
        problem["detail"].to_string().contains("2097152"),
        "{problem}"
    );

    // A field missing from the JSON is a shape error of the body (400), told
    // by serde; values that are there but wrong are 422 with `errors`.
    let missing = program
        .post_json("/api/v1/partners", &json!({ "code": "X1" }), &[])
        .await?;
    let problem = expect_problem(&missing, StatusCode::BAD_REQUEST, "bad-request")?;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("missing field `name`"),
        "{problem}"
    );

    let bad_code = program
        .post_json(
            "/api/v1/partners",
            &json!({ "code": "bad code!", "name": "Bad", "partner_type": "agent" }),
            &[],
        )
        .await?;
    let problem = expect_problem(&bad_code, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    assert_eq!(problem["errors"][0]["field"], json!("code"), "{problem}");
    assert_eq!(
        problem["errors"][0]["problem"],
        json!("bad_characters"),
        "{problem}"
    );

    let several = program
        .post_json(
            "/api/v1/partners",
            &json!({ "code": "", "name": " ", "partner_type": "shop" }),
            &[],
        )
        .await?;
    let problem = expect_problem(&several, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        ["code", "name", "partner_type"],
        "every field error at once: {problem}"
    );

    let duplicate = program
        .post_json(
            "/api/v1/partners",
            &json!({ "code": "p1", "name": "Again", "partner_type": "agent" }),
            &[],
        )
        .await?;
    let problem = expect_problem(&duplicate, StatusCode::CONFLICT, "duplicate")?;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("code"),
        "{problem}"
    );

    let orphan = program
        .post_json(
            "/api/v1/partners",
            &json!({ "code": "X2", "name": "Orphan", "partner_type": "retailer", "parent_code": "NOPE" }),
            &[],
        )
        .await?;
    let problem = expect_problem(&orphan, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    assert_eq!(
        problem["errors"][0]["field"],
        json!("parent_code"),
        "{problem}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("parent_code"),
        "{problem}"
    );

    let bad_user = program
        .post_json(
            "/api/v1/users",
            &json!({ "login": "x", "display_name": "X", "role": "boss", "password": "short" }),
            &[],
        )
        .await?;
    let problem = expect_problem(&bad_user, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["login", "role", "password"], "{problem}");

    let bad_sort = program.get("/api/v1/partners?sort=secret").await?;
    expect_problem(&bad_sort, StatusCode::BAD_REQUEST, "bad-request")?;
    for query in [
        "/api/v1/partners?depth=abc",
        "/api/v1/partners?partner_type=shop",
        "/api/v1/users?role=boss",
        "/api/v1/audit?page=-1",
    ] {
        let bad_query = program.get(query).await?;
        let problem = expect_problem(&bad_query, StatusCode::BAD_REQUEST, "bad-request")?;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("query"),
            "{query}: {problem}"
        );
    }

    let no_route = program.get("/api/v1/nope").await?;
    expect_problem(&no_route, StatusCode::NOT_FOUND, "not-found")?;
    let mut stranger = env.browser();
    let no_route = stranger.get("/api/v1/nope").await?;
    expect_problem(&no_route, StatusCode::NOT_FOUND, "not-found")?;

    let no_page = stranger.get("/nope").await?;
    assert_eq!(no_page.status, StatusCode::NOT_FOUND);
    assert!(
        no_page.content_type().starts_with("text/html"),
        "{}",
        no_page.content_type()
    );
    assert!(no_page.text().contains("404"), "{}", no_page.text());
    let wrong_method = program
        .send(Method::DELETE, "/api/v1/partners", &[], Vec::new())
        .await?;
    expect_problem(
        &wrong_method,
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
    )?;
    let mut manager = env.signed_in("manager").await?;
    manager.get("/partners/new").await?;
    let wrong_method = manager.submit("/account/password/nope", &[]).await?;
    assert_eq!(wrong_method.status, StatusCode::NOT_FOUND);
    let wrong_method = manager.submit("/admin/audit", &[]).await?;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong_method.content_type().starts_with("text/html"));

    let half_form = manager.submit("/partners", &[("code", "HALF")]).await?;
    assert_eq!(half_form.status, StatusCode::BAD_REQUEST);
    assert!(half_form.content_type().starts_with("text/html"));
    assert!(half_form.text().contains("name"), "{}", half_form.text());
    assert_eq!(
        env.partner_count().await?,
        before,
        "a malformed form wrote nothing"
    );

    let no_area = env.signed_in("rep").await?.get("/areas/nope").await?;
    assert_eq!(no_area.status, StatusCode::NOT_FOUND);

    let bad_token = Client {
        bearer: Some("qd_not-a-token".to_owned()),
        ..env.browser()
    }
    .get("/api/v1/me")
    .await?;
    expect_problem(&bad_token, StatusCode::UNAUTHORIZED, "unauthenticated")?;
    let mut basic = env.browser();
    let basic = basic
        .get_with("/api/v1/me", &[("authorization", "Basic YWRtaW46eA==")])
        .await?;
    expect_problem(&basic, StatusCode::UNAUTHORIZED, "unauthenticated")?;

    assert_eq!(env.partner_count().await?, before, "nothing was created");
    assert_eq!(env.user_count().await?, 7, "nothing was created");
    Ok(())
}

#[tokio::test]
async fn a_form_with_errors_comes_back_with_them_and_the_typed_values() -> Res {
    let env = Env::new("form_errors").await?;
    let before = env.partner_count().await?;
    let mut browser = env.signed_in("manager").await?;
    let form = browser.get("/partners/new").await?;
    assert_eq!(form.status, StatusCode::OK);

    let response = browser
        .submit(
            "/partners",
            &[
                ("code", "NEWCODE"),
                ("name", ""),
                ("partner_type", "distributor"),
                ("parent_code", ""),
            ],
        )
        .await?;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.content_type().starts_with("text/html"));
    let html = response.text();
    assert!(
        field_html(&html, "name").contains(r#"class="field-error""#),
        "{html}"
    );
    assert!(
        !field_html(&html, "code").contains("field-error"),
        "the code is fine"
    );
    let name_label = html.find(r#"<label for="name">"#).unwrap_or_default();
    assert!(
        html[..name_label]
            .trim_end()
            .ends_with(r#"<div class="field has-error">"#),
        "{html}"
    );
    assert!(
        html.contains(r#"name="code" value="NEWCODE""#),
        "the typed code stays: {html}"
    );
    assert!(
        html.contains(r#"<option value="distributor" selected>"#),
        "the chosen type stays"
    );
    assert_eq!(env.partner_count().await?, before);

    // A taken code is named next to the code field.
    let duplicate = browser
        .submit(
            "/partners",
            &[("code", "P1"), ("name", "Again"), ("partner_type", "agent")],
        )
        .await?;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert!(field_html(&duplicate.text(), "code").contains("field-error"));

    // And a good one goes through to the new partner's page.
    let created = browser
        .submit(
            "/partners",
            &[("code", "p9"), ("name", "Nine"), ("partner_type", "agent")],
        )
        .await?;
    assert_eq!(
        (created.status, created.location()),
        (StatusCode::SEE_OTHER, "/partners/P9")
    );
    let page = browser.get("/partners/P9").await?;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("Partner Nine (P9) created."),
        "the flash shows once"
    );
    assert!(
        !browser
            .get("/partners/P9")
            .await?
            .text()
            .contains("Partner P9 created.")
    );
    assert_eq!(env.partner_count().await?, before + 1);

    // What users type is shown as text, never as markup.
    let tricky = browser
        .submit(
            "/partners",
            &[
                ("code", "P10"),
                ("name", "<b>Bold</b> & co"),
                ("partner_type", "agent"),
            ],
        )
        .await?;
    assert_eq!(tricky.status, StatusCode::SEE_OTHER);
    let page = browser.get("/partners/P10").await?.text();
    assert!(!page.contains("<b>Bold</b>"), "{page}");
    assert!(
        page.contains("&#60;b&#62;Bold&#60;/b&#62; &#38; co")
            || page.contains("&lt;b&gt;Bold&lt;/b&gt; &amp; co"),
        "{page}"
    );
    Ok(())
}

#[tokio::test]
async fn the_openapi_document_is_stable_and_served() -> Res {
    let doc = serde_json::to_value(qudao_web::openapi())?;
    insta::assert_json_snapshot!("openapi", doc);

    let env = Env::new("openapi").await?;
    let served = env.browser().get("/api/openapi.json").await?;
    assert_eq!(served.status, StatusCode::OK);
    assert!(
        served.content_type().starts_with("application/json"),
        "{}",
        served.content_type()
    );
    assert_eq!(served.json()?, doc);
    let docs = env.browser().get("/api/docs").await?;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs.content_type().starts_with("text/html"));
    Ok(())
}

#[tokio::test]
async fn lists_export_to_xlsx_within_the_callers_scope() -> Res {
    let env = Env::new("export").await?;
    for login in ["admin", "puser"] {
        let mut browser = env.signed_in(login).await?;
        let export = browser
            .get("/partners?format=xlsx&sort=name&dir=desc")
            .await?;
        assert_eq!(export.status, StatusCode::OK, "{login}");
        assert_eq!(export.content_type(), XLSX, "{login}");
        assert!(
            export
                .header(header::CONTENT_DISPOSITION)
                .contains(&format!("filename=\"partners_{}.xlsx\"", day(0))),
            "{login}: {}",
            export.header(header::CONTENT_DISPOSITION)
        );
        assert!(export.body.starts_with(b"PK"), "{login}: a zip file");
    }
    // The export's rows come from the same scoped query as the list.
    let list = env
        .api("puser")
        .await?
        .get("/api/v1/partners?per_page=500")
        .await?
        .json()?;
    assert_eq!(list["total"], json!(1));
    assert_eq!(list["items"][0]["code"], json!("P2"));

    let mut admin = env.signed_in("admin").await?;
    for path in ["/admin/users?format=xlsx", "/admin/audit?format=xlsx"] {
        let export = admin.get(path).await?;
        assert_eq!(
            (export.status, export.content_type()),
            (StatusCode::OK, XLSX),
            "{path}"
        );
    }
    let mut rep = env.signed_in("rep").await?;
    assert_eq!(
        rep.get("/admin/users?format=xlsx").await?.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        env.browser().get("/partners?format=xlsx").await?.status,
        StatusCode::SEE_OTHER
    );
    Ok(())
}

#[tokio::test]
async fn the_language_follows_the_browser_and_the_cookie() -> Res {
    let env = Env::new("language").await?;
    let mut browser = env.browser();

    let zh = browser
        .get_with("/login", &[("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")])
        .await?;
    assert!(zh.text().contains(r#"<html lang="zh-CN">"#));
    assert!(zh.text().contains("登录"));
    let en = browser
        .get_with(
            "/login",
            &[("accept-language", "zh-CN"), ("cookie", "qudao_lang=en")],
        )
        .await?;
    assert!(en.text().contains(r#"<html lang="en">"#), "{}", en.text());
    assert!(!en.text().contains("登录"));
    let fallback = browser
        .get_with("/login", &[("accept-language", "fr-FR")])
        .await?;
    assert!(fallback.text().contains(r#"<html lang="en">"#));

    for next in [
        "//evil.example",
        "https://evil.example/",
        "/%5Cevil.example",
        "",
    ] {
        let mut stranger = env.browser();
        let switch = stranger.get(&format!("/lang/zh-CN?next={next}")).await?;
        assert_eq!(
            (switch.status, switch.location()),
            (StatusCode::SEE_OTHER, "/"),
            "next={next}"
        );
        assert!(
            switch
                .header(header::SET_COOKIE)
                .starts_with("qudao_lang=zh-CN;"),
            "next={next}"
        );
        assert_eq!(
            stranger.cookies.get("qudao_lang").map(String::as_str),
            Some("zh-CN")
        );
        // The cookie now decides the language.
        let page = stranger
            .get_with("/login", &[("accept-language", "en")])
            .await?;
        assert!(page.text().contains(r#"<html lang="zh-CN">"#));
    }
    let back = browser.get("/lang/en?next=/partners%3Fq%3Dx").await?;
    assert_eq!(
        (back.status, back.location()),
        (StatusCode::SEE_OTHER, "/partners?q=x")
    );
    assert!(
        back.header(header::SET_COOKIE)
            .starts_with("qudao_lang=en;")
    );

    // Signed-in pages and error pages speak it too.
    let mut rep = env.signed_in("rep").await?;
    rep.cookies
        .insert("qudao_lang".to_owned(), "zh-CN".to_owned());
    assert!(
        rep.get("/partners")
            .await?
            .text()
            .contains(r#"<html lang="zh-CN">"#)
    );
    let missing = rep.get("/partners/NOPE").await?;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains(r#"<html lang="zh-CN">"#));
    Ok(())
}

#[tokio::test]
async fn health_readiness_and_security_headers() -> Res {
    let env = Env::new("health").await?;
    let mut browser = env.browser();
    let health = browser.get("/healthz").await?;
    assert_eq!(
        (health.status, health.text().as_str()),
        (StatusCode::OK, "ok")
    );
    let ready = browser.get("/readyz").await?;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());

    let login = browser.get("/login").await?;
    assert!(
        login
            .header(header::CONTENT_SECURITY_POLICY)
            .contains("script-src 'self'")
    );
    assert_eq!(login.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert_eq!(login.header(header::REFERRER_POLICY), "same-origin");
    let cookie = login.header(header::SET_COOKIE);
    assert!(cookie.starts_with("qudao_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP in tests: {cookie}");

    // Signing in replaces the session id (no session fixation).
    let before = browser.cookies.get("qudao_session").cloned();
    let signed_in = browser
        .submit(
            "/login",
            &[
                ("login", "rep"),
                ("password", PASSWORD),
                ("next", "/partners"),
            ],
        )
        .await?;
    assert_eq!(
        (signed_in.status, signed_in.location()),
        (StatusCode::SEE_OTHER, "/partners")
    );
    assert_ne!(browser.cookies.get("qudao_session").cloned(), before);
    // `next` is only ever a local path.
    let mut other = env.browser();
    other.get("/login").await?;
    let offsite = other
        .submit(
            "/login",
            &[
                ("login", "rep"),
                ("password", PASSWORD),
                ("next", "//evil.example"),
            ],
        )
        .await?;
    assert_eq!(
        (offsite.status, offsite.location()),
        (StatusCode::SEE_OTHER, "/")
    );
    Ok(())
}
