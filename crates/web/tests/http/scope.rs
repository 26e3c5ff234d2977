#![allow(clippy::wildcard_imports)]

use qudao_app::partners::ContactInput;

use super::*;

/// A caller who names a partner outside its scope, or the id of another
/// partner's record under a partner it may see, reaches nothing on any
/// partner-owned table and changes nothing.
#[tokio::test]
async fn forged_codes_and_ids_reach_nothing_in_any_child_table() -> Res {
    let env = Env::new("forged").await?;
    env.territories().await?;
    let foreign = env
        .app
        .add_contact(
            &env.system,
            "P3",
            &ContactInput {
                name: "王芳".to_owned(),
                role: "purchasing".to_owned(),
                phone: "13800138000".to_owned(),
                ..Default::default()
            },
        )
        .await?;
    // The manager sees P1 and P2; P3 is someone else's.
    let mut manager = env.api("manager").await?;
    for path in [
        "/api/v1/partners/P3",
        "/api/v1/partners/P3/grade",
        "/api/v1/partners/P3/agreement",
        "/api/v1/partners/P3/agreement/versions",
        "/api/v1/partners/P3/evaluations",
        "/api/v1/authorizations/AU000003",
    ] {
        let got = manager.get(path).await?;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "GET {path}");
    }
    let writes: [(Method, &str, Value); 7] = [
        (
            Method::POST,
            "/api/v1/partners/P3/contacts",
            json!({ "name": "李雷", "role": "owner" }),
        ),
        (
            Method::POST,
            "/api/v1/partners/P3/status",
            json!({ "status": "suspended", "reason": "forged" }),
        ),
        (
            Method::POST,
            "/api/v1/partners/P3/grade",
            json!({ "grade": "gold", "reason": "forged" }),
        ),
        (
            Method::POST,
            "/api/v1/partners/P3/evaluations",
            json!({ "scores": {} }),
        ),
        (
            Method::POST,
            "/api/v1/partners/P3/agreement/versions",
            json!({ "valid_from": "2026-01-01", "valid_to": "2026-12-31", "payment_net_days": "30" }),
        ),
        (
            Method::PUT,
            "/api/v1/partners/P3",
            json!({ "name": "Forged", "partner_type": "agent" }),
        ),
        // Another partner's contact id under a partner the manager may see.
        (
            Method::DELETE,
            "/api/v1/partners/P2/contacts/FOREIGN",
            json!({}),
        ),
    ];
    for (method, path, body) in writes {
        let path = path.replace("FOREIGN", &foreign.id.to_string());
        let got = manager.send_json(method.clone(), &path, &body, &[]).await?;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    // P3's own change request: out of the manager's reach by code and by id,
    // like P3's recruitment card.
    env.app
        .create_user(&env.system, &user("p3boss", "partner_admin", Some("P3")))
        .await?;
    let p3boss = env.app.caller_by_login("p3boss").await?;
    let request = env
        .app
        .request_partner_change(
            &p3boss,
            "P3",
            &qudao_app::partner_changes::ChangeRequestInput {
                field: "address".to_owned(),
                value: "杭州市西湖区".to_owned(),
            },
        )
        .await?;
    assert_eq!(
        manager.get("/api/v1/partners/P3/changes").await?.status,
        StatusCode::NOT_FOUND
    );
    for (path, body) in [
        (
            format!("/api/v1/partner-changes/{}/approve", request.id),
            json!({}),
        ),
        (
            format!("/api/v1/partner-changes/{}/reject", request.id),
            json!({ "reason": "forged" }),
        ),
        (
            "/api/v1/onboarding/pipeline/P3/move".to_owned(),
            json!({ "status": "terminated", "reason": "forged" }),
        ),
    ] {
        let got = manager.post_json(&path, &body, &[]).await?;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    let queue = manager.get("/api/v1/partner-changes").await?.json()?;
    assert_eq!(
        queue["total"],
        json!(0),
        "P3's request is not in the manager's queue"
    );
    let still = env.app.partner_change_requests(&env.system, "P3").await?;
    assert_eq!(still[0].state.as_str(), "pending");

    // A forged partner code in a body or a filter is simply not found.
    let grant = manager
        .post_json(
            "/api/v1/authorizations",
            &json!({ "partner_code": "P3", "region_code": "330100", "product_line": "FORGED",
                     "mode": "intensive", "valid_from": "2026-01-01", "valid_to": "2026-12-31" }),
            &[],
        )
        .await?;
    let problem = expect_problem(&grant, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    assert!(
        problem.to_string().contains("partner_must_exist"),
        "{problem}"
    );
    let filtered = manager
        .get("/api/v1/authorizations?partner=P3")
        .await?
        .json()?;
    assert_eq!(filtered["total"], json!(0));
    let own = manager
        .get("/api/v1/authorizations?partner=P2")
        .await?
        .json()?;
    assert_eq!(own["total"], json!(1), "the filter itself works");

    let p3 = env.app.partner(&env.system, "P3").await?;
    assert_eq!(p3.contacts.len(), 1, "the foreign contact is still there");
    assert_eq!(p3.status_history.len(), 1, "P3's status never changed");
    assert_eq!(p3.partner.name, "Partner P3");

    // Per-area narrowing: a partner admin sees its downstream partner but
    // not that partner's agreement; partner staff never see evaluations.
    let mut padmin = env.api("padmin").await?;
    assert_eq!(
        padmin.get("/api/v1/partners/P2").await?.status,
        StatusCode::OK
    );
    assert_eq!(
        padmin.get("/api/v1/partners/P2/agreement").await?.status,
        StatusCode::NOT_FOUND
    );
    let mut puser = env.api("puser").await?;
    assert_eq!(
        puser.get("/api/v1/partners/P2/evaluations").await?.status,
        StatusCode::FORBIDDEN
    );
    Ok(())
}

/// A partner's own price list is partner-owned: outside the caller's scope
/// it does not exist, for reading, changing or copying, and a list cannot
/// be made for a partner the caller does not see.
#[tokio::test]
async fn forged_price_list_codes_reach_nothing() -> Res {
    let env = Env::new("forged-prices").await?;
    matrix::seed_pricing(&env).await?;
    let before = env.app.price_list(&env.system, "PL-P3").await?;
    let mut manager = env.api("manager").await?;
    for (method, path, body) in [
        (Method::GET, "/api/v1/price-lists/PL-P3", None),
        (
            Method::PUT,
            "/api/v1/price-lists/PL-P3",
            Some(
                json!({ "name": "forged", "applies_to": "partner", "target": "P3", "mode": "unified", "valid_from": "2030-01-01", "valid_to": "2030-12-31" }),
            ),
        ),
        (Method::POST, "/api/v1/price-lists/PL-P3/retire", None),
        (
            Method::POST,
            "/api/v1/price-lists/PL-P3/copy",
            Some(json!({ "code": "FORGED", "valid_from": "2030-01-01", "valid_to": "2030-12-31" })),
        ),
    ] {
        let got = match body {
            None if method == Method::GET => manager.get(path).await?,
            None => {
                manager
                    .send_json(method.clone(), path, &json!({}), &[])
                    .await?
            }
            Some(body) => manager.send_json(method.clone(), path, &body, &[]).await?,
        };
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    let got = manager
        .post_json(
            "/api/v1/price-lists",
            &json!({ "code": "FORGED-P3", "name": "forged", "applies_to": "partner", "target": "P3", "mode": "unified", "valid_from": "2030-01-01", "valid_to": "2030-12-31" }),
            &[],
        )
        .await?;
    assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(got.json()?["errors"][0]["field"], json!("target"));
    let mut puser = env.api("puser").await?;
    let got = puser
        .get("/api/v1/quote?partner=P3&sku=TEA-1&qty=1")
        .await?;
    assert_eq!(got.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The portal lists the lists that price the partner today, no others.
    let mut padmin = env.signed_in("padmin").await?;
    let portal = padmin.get("/").await?.text();
    assert!(portal.contains("portal-prices") && portal.contains("PL-DIST"));
    assert!(!portal.contains("PL-P3") && !portal.contains("PL-DRAFT"));
    let mut p2 = env.signed_in("puser").await?;
    let portal = p2.get("/").await?.text();
    assert!(portal.contains("portal-prices") && !portal.contains("PL-DIST"));
    let after = env.app.price_list(&env.system, "PL-P3").await?;
    assert_eq!(format!("{before:?}"), format!("{after:?}"));
    assert!(
        env.app
            .price_lists(&env.system, &Default::default())
            .await?
            .iter()
            .all(|l| !l.code.starts_with("FORGED"))
    );
    Ok(())
}

/// Orders: P1's draft is P1's. P2's user and a rep who covers nothing
/// reach it by number neither on pages nor by the API, cannot act on it,
/// and an order a partner user places names its own organisation whatever
/// partner it types. Our internal decision is not on a partner's list.
#[tokio::test]
async fn forged_order_numbers_reach_nothing() -> Res {
    use qudao_app::orders::{LineInput, OrderInput};
    let env = Env::new("forged-orders").await?;
    matrix::seed_pricing(&env).await?;
    let order = env
        .app
        .create_order(
            &env.system,
            &OrderInput {
                partner: "P1".into(),
                lines: vec![LineInput {
                    sku: "TEA-1".into(),
                    qty: "2".into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
        )
        .await?;
    let number = order.number.clone();
    for role in ["puser", "rep"] {
        let mut api = env.api(role).await?;
        let got = api.get(&format!("/api/v1/orders/{number}")).await?;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{role} reads");
        for action in ["", "/submit", "/cancel"] {
            let got = api
                .post_json(
                    &format!("/api/v1/orders/{number}{action}"),
                    &json!({ "lines": [{ "sku": "TEA-1", "qty": "1" }] }),
                    &[],
                )
                .await?;
            assert_eq!(got.status, StatusCode::NOT_FOUND, "{role} {action}");
        }
        let list = api.get("/api/v1/orders").await?.json()?;
        assert_eq!(list["total"], json!(0), "{role} lists {list}");
        let mut browser = env.signed_in(role).await?;
        let got = browser.get(&format!("/orders/{number}")).await?;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{role} page");
        assert!(!browser.get("/orders").await?.text().contains(&number));
    }
    let mut puser = env.api("puser").await?;
    let placed = puser
        .post_json(
            "/api/v1/orders",
            &json!({ "partner": "P1", "lines": [{ "sku": "TEA-1", "qty": "1" }] }),
            &[],
        )
        .await?;
    assert_eq!(placed.status, StatusCode::CREATED);
    assert_eq!(placed.json()?["partner"], json!("P2"));
    let after = env.app.order(&env.system, &number).await?;
    assert_eq!(after.status, "draft");
    assert_eq!(after.lines[0].qty, 2);
    Ok(())
}

/// Sell-through: a partner's upload, lines and held codes are its own. A
/// partner user of another organisation (and a rep who covers nothing)
/// reaches none of them by id or by code, on pages or the API, and a
/// forged mapping writes nothing.
#[tokio::test]
async fn forged_upload_ids_and_partner_codes_reach_no_sell_through() -> Res {
    let env = Env::new("forged-sellthrough").await?;
    env.territories().await?;
    env.raw(
        "INSERT INTO products (sku, name_zh, name_en, product_line_id, category, unit, currency, \
         list_price, serial_tracked, status, created_at, updated_at) \
         SELECT 'LAMP-1', '台灯', 'Desk lamp', id, 'c', 'pcs', 'CNY', 100, false, 'active', \
         '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00' FROM product_lines WHERE code = 'LIGHT'",
    )
    .await?;
    // P1's admin reports one known and one unknown (held) line.
    let mut padmin = env.api("padmin").await?;
    let batch = json!({ "partner_code": "P1", "lines": [
        { "date": "2026-11-03", "sku": "LAMP-1", "qty": 2, "amount": "20", "customer_region": "310000" }
    ]});
    let written = padmin.post_json("/api/v1/sellthrough", &batch, &[]).await?;
    assert_eq!(written.status, StatusCode::OK, "{:?}", written.json());
    let upload = written.json()?["upload"].clone();
    let held = env
        .app
        .import_with(
            &env.app.caller_by_login("padmin").await?,
            qudao_app::imports::ImportKind::parse("sell-through").expect("kind"),
            "held.csv",
            b"partner_code,date,sku,qty,amount,customer_region\nP1,2026-11-04,MY-LAMP,1,10,310000\n",
            qudao_app::imports::ImportOptions {
                hold_unknown: true,
                ..Default::default()
            },
        )
        .await?;
    assert_eq!(held.held, 1);
    let held_upload = held.upload.expect("an upload");

    for login in ["puser", "rep"] {
        let mut api = env.api(login).await?;
        for path in [
            format!("/api/v1/sellthrough/uploads/{upload}"),
            format!("/api/v1/sellthrough/uploads/{held_upload}"),
            "/api/v1/sellthrough?partner=P1".to_owned(),
        ] {
            let got = api.get(&path).await?;
            assert_eq!(got.status, StatusCode::NOT_FOUND, "{login} GET {path}");
        }
        let list = api.get("/api/v1/sellthrough").await?.json()?;
        assert_eq!(list["total"], json!(0), "{login} sees no P1 line");
        let forged = api.post_json("/api/v1/sellthrough", &batch, &[]).await?;
        assert_eq!(
            forged.status,
            StatusCode::NOT_FOUND,
            "{login} reports for P1"
        );
        let mut browser = env.signed_in(login).await?;
        let page = browser
            .get(&format!("/sellthrough/uploads/{held_upload}"))
            .await?;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{login} upload page");
        browser.get("/sellthrough/uploads").await?;
        let mapped = browser
            .submit(
                &format!("/sellthrough/uploads/{held_upload}/mappings"),
                &[
                    ("partner_code", "P1"),
                    ("code", "MY-LAMP"),
                    ("sku", "LAMP-1"),
                ],
            )
            .await?;
        assert_eq!(
            mapped.status,
            StatusCode::NOT_FOUND,
            "{login} maps P1's code"
        );
    }
    // P2's user maps under its own upload id but names P1: not found.
    let p2 = env.app.caller_by_login("puser").await?;
    assert!(matches!(
        env.app
            .map_product_code(&p2, "P1", "MY-LAMP", "LAMP-1")
            .await,
        Err(qudao_app::AppError::NotFound(_))
    ));
    let lines = padmin.get("/api/v1/sellthrough").await?.json()?;
    assert_eq!(lines["total"], json!(1), "nothing forged was written");
    let upload = padmin
        .get(&format!("/api/v1/sellthrough/uploads/{held_upload}"))
        .await?
        .json()?;
    assert_eq!(upload["held"][0]["code"], json!("MY-LAMP"), "still held");
    Ok(())
}

/// An invoice of P1 (padmin's organisation) and one of P2 (its downstream,
/// puser's) and one of P3 (outside the manager's scope): each caller
/// reaches its own partners' accounts and no one else's, by code or in a
/// list, on pages, downloads and the API.
#[tokio::test]
async fn forged_partner_codes_reach_no_receivables() -> Res {
    use qudao_app::receivables::OpeningInvoiceInput;
    let env = Env::new("forged-receivables").await?;
    env.territories().await?;
    let today = qudao_app::today();
    for (partner, number) in [("P1", "INV-P1"), ("P2", "INV-P2"), ("P3", "INV-P3")] {
        env.app
            .record_opening_invoice(
                &env.system,
                &OpeningInvoiceInput {
                    partner: partner.into(),
                    number: number.into(),
                    currency: "CNY".into(),
                    amount: "100".into(),
                    issued_on: (today - chrono::Days::new(40)).to_string(),
                    due_on: (today - chrono::Days::new(10)).to_string(),
                },
            )
            .await?;
    }
    let period = format!("from={}&to={today}", today - chrono::Days::new(60));
    // Who sees which invoice; every other partner's code answers 404.
    let seen: [(&str, &[&str], &[&str]); 4] = [
        ("padmin", &["INV-P1"], &["P2", "P3"]),
        ("puser", &["INV-P2"], &["P1", "P3"]),
        ("rep", &[], &["P1", "P2", "P3"]),
        ("manager", &["INV-P1", "INV-P2"], &["P3"]),
    ];
    for (login, own, foreign) in seen {
        let mut api = env.api(login).await?;
        let list = api.get("/api/v1/invoices").await?.json()?;
        let numbers: Vec<&str> = list
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|i| i["number"].as_str())
            .collect();
        assert_eq!(numbers.len(), own.len(), "{login} sees {numbers:?}");
        assert!(
            own.iter().all(|n| numbers.contains(n)),
            "{login} sees {numbers:?}"
        );
        let ageing = api.get("/api/v1/receivables/ageing").await?.json()?;
        assert_eq!(
            ageing["rows"].as_array().map(Vec::len),
            Some(own.len()),
            "{login} ageing"
        );
        let mut browser = env.signed_in(login).await?;
        for code in foreign {
            for path in [
                format!("/api/v1/partners/{code}/statement?{period}"),
                format!("/api/v1/invoices?partner={code}"),
            ] {
                let got = api.get(&path).await?;
                assert_eq!(got.status, StatusCode::NOT_FOUND, "{login} GET {path}");
            }
            for path in [
                format!("/receivables/statement/{code}?{period}"),
                format!("/receivables/statement/{code}?{period}&format=xlsx"),
            ] {
                let got = browser.get(&path).await?;
                assert_eq!(got.status, StatusCode::NOT_FOUND, "{login} GET {path}");
            }
        }
        let page = browser.get("/receivables").await?.text();
        for code in foreign {
            assert!(
                !page.contains(&format!("INV-{code}")),
                "{login}'s receivables page shows {code}'s invoice"
            );
        }
    }
    Ok(())
}

/// Inventory: a partner's counts, stock and scores are its own. Another
/// partner's user and a rep who covers nothing reach none of them by code,
/// and a forged count for P1 writes nothing.
#[tokio::test]
async fn forged_partner_codes_reach_no_inventory() -> Res {
    let env = Env::new("forged-inventory").await?;
    env.territories().await?;
    env.raw(
        "INSERT INTO products (sku, name_zh, name_en, product_line_id, category, unit, currency, \
         list_price, serial_tracked, status, created_at, updated_at) \
         SELECT 'LAMP-1', '台灯', 'Desk lamp', id, 'c', 'pcs', 'CNY', 100, false, 'active', \
         '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00' FROM product_lines WHERE code = 'LIGHT'",
    )
    .await?;
    let today = qudao_app::today().to_string();
    let count = json!({ "partner_code": "P1", "sku": "LAMP-1", "counted_on": today, "qty": "7" });
    let mut padmin = env.api("padmin").await?;
    let written = padmin
        .post_json("/api/v1/stock-counts", &count, &[])
        .await?;
    assert_eq!(written.status, StatusCode::OK, "{:?}", written.json());
    for login in ["puser", "rep"] {
        let mut api = env.api(login).await?;
        for path in [
            "/api/v1/stock-counts?partner=P1",
            "/api/v1/inventory?partner=P1",
            "/api/v1/data-quality?partner=P1",
        ] {
            let got = api.get(path).await?;
            assert_eq!(got.status, StatusCode::NOT_FOUND, "{login} GET {path}");
        }
        let counts = api.get("/api/v1/stock-counts").await?.json()?;
        assert_eq!(counts, json!([]), "{login} sees no P1 count");
        let stock = api.get("/api/v1/inventory").await?.json()?;
        assert!(
            stock["rows"]
                .as_array()
                .is_some_and(|rows| rows.iter().all(|r| r["partner_code"] != json!("P1"))),
            "{login} sees no P1 stock"
        );
        let forged = api.post_json("/api/v1/stock-counts", &count, &[]).await?;
        assert_eq!(
            forged.status,
            StatusCode::NOT_FOUND,
            "{login} counts for P1"
        );
        let mut browser = env.signed_in(login).await?;
        browser.get("/inventory/counts").await?;
        let page = browser
            .submit(
                "/inventory/counts",
                &[
                    ("partner_code", "P1"),
                    ("sku", "LAMP-1"),
                    ("counted_on", today.as_str()),
                    ("qty", "9"),
                ],
            )
            .await?;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{login} count page");
    }
    let counts = padmin.get("/api/v1/stock-counts").await?.json()?;
    assert_eq!(counts.as_array().map(Vec::len), Some(1), "nothing forged");
    assert_eq!(counts[0]["qty"], json!(7));
    // The partner sees its own missing month without our owner's name.
    let quality = padmin.get("/api/v1/data-quality").await?.json()?;
    assert!(
        quality["missing"]
            .as_array()
            .is_some_and(|rows| rows.iter().all(|r| r["owner"].is_null())),
        "{quality}"
    );
    Ok(())
}
