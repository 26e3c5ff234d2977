//! The channel-inventory list: one page at a time with counters over every
//! holding, filters by partner (by name or code), product line and status,
//! sort by days of cover or on hand, the same through the API, and partner
//! users held to their own rows. On SQLite and on PostgreSQL.

use super::*;

/// Six holdings, none selling (so any stock is overstock):
///
/// | partner | product | sell-in | count | on hand | difference |
/// |---------|---------|---------|-------|---------|------------|
/// | P1      | LAMP-1  | 5       | 5     | 5       | 0          |
/// | P1      | LAMP-2  | 30      |       | 30      |            |
/// | P1      | LAMP-3  |         | 2     | 2       | 2          |
/// | P1      | LAMP-4  |         | 0     | 0       | 0          |
/// | P2      | LAMP-1  | 8       | 6     | 6       | -2         |
/// | P3      | LAMP-1  | 4       |       | 4       |            |
async fn stock(env: &Env) -> Res {
    let at = "'2026-01-01T00:00:00+00:00'";
    let cast = if env.url.starts_with("postgres") {
        format!("CAST({at} AS TIMESTAMPTZ)")
    } else {
        at.to_owned()
    };
    for (sku, name) in [
        ("LAMP-1", "台灯"),
        ("LAMP-2", "吊灯"),
        ("LAMP-3", "壁灯"),
        ("LAMP-4", "落地灯"),
    ] {
        env.raw(&format!(
            "INSERT INTO products (sku, name_zh, name_en, product_line_id, category, unit, \
             currency, list_price, serial_tracked, status, created_at, updated_at) \
             SELECT '{sku}', '{name}', '{sku} lamp', id, 'c', 'pcs', 'CNY', 100, false, \
             'active', {cast}, {cast} FROM product_lines WHERE code = 'LIGHT'"
        ))
        .await?;
    }
    let sold_in = day(-10);
    let counted = day(-5);
    for (partner, sku, qty) in [
        ("P1", "LAMP-1", 5),
        ("P1", "LAMP-2", 30),
        ("P2", "LAMP-1", 8),
        ("P3", "LAMP-1", 4),
    ] {
        env.raw(&format!(
            "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
             source, created_at) \
             SELECT pa.id, pr.id, '{sold_in}', {qty}, {qty}00, 'CNY', 'import', {cast} \
             FROM partners pa, products pr WHERE pa.code = '{partner}' AND pr.sku = '{sku}'"
        ))
        .await?;
    }
    for (partner, sku, qty) in [
        ("P1", "LAMP-1", 5),
        ("P1", "LAMP-3", 2),
        ("P1", "LAMP-4", 0),
        ("P2", "LAMP-1", 6),
    ] {
        env.raw(&format!(
            "INSERT INTO stock_counts (partner_id, product_id, counted_on, qty, created_by, \
             created_at) \
             SELECT pa.id, pr.id, '{counted}', {qty}, 'seed', {cast} \
             FROM partners pa, products pr WHERE pa.code = '{partner}' AND pr.sku = '{sku}'"
        ))
        .await?;
    }
    Ok(())
}

fn holdings(view: &Value) -> Vec<String> {
    view["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    format!(
                        "{} {}",
                        r["partner_code"].as_str().unwrap_or(""),
                        r["sku"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn inventory_pages_and_filters(env: Env) -> Res {
    env.territories().await?;
    stock(&env).await?;
    let mut api = env.api("admin").await?;

    // Paged in partner and product order; the counters cover all six.
    let second = api.get("/api/v1/inventory?per_page=2&page=2").await?;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text());
    let second = second.json()?;
    assert_eq!(holdings(&second), ["P1 LAMP-3", "P1 LAMP-4"]);
    assert_eq!(
        (&second["total"], &second["page"], &second["per_page"]),
        (&json!(6), &json!(2), &json!(2))
    );
    assert_eq!(
        second["totals"],
        json!({ "holdings": 6, "on_hand": 47, "overstock": 5, "stock_outs": 0, "differences": 2 })
    );
    let partners: Vec<&str> = second["partners"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter_map(|p| p["partner_code"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(partners, ["P1"], "turnover of the page's partners");

    // Counted with a difference: the counters still count everything.
    let differ = api
        .get("/api/v1/inventory?status=difference")
        .await?
        .json()?;
    assert_eq!(holdings(&differ), ["P1 LAMP-3", "P2 LAMP-1"]);
    assert_eq!(differ["total"], json!(2));
    assert_eq!(differ["totals"]["holdings"], json!(6));
    let over = api
        .get("/api/v1/inventory?status=overstock&per_page=500")
        .await?
        .json()?;
    assert_eq!(over["total"], json!(5));
    assert!(!holdings(&over).contains(&"P1 LAMP-4".to_owned()));
    let all = api.get("/api/v1/inventory?status=all").await?.json()?;
    assert_eq!(all["total"], json!(6));

    // Most on hand first.
    let most = api
        .get("/api/v1/inventory?sort=on_hand&per_page=3")
        .await?
        .json()?;
    assert_eq!(holdings(&most), ["P1 LAMP-2", "P2 LAMP-1", "P1 LAMP-1"]);
    // Longest cover first: nothing on hand comes last.
    let cover = api
        .get("/api/v1/inventory?sort=cover&per_page=500")
        .await?
        .json()?;
    assert_eq!(
        holdings(&cover).last().map(String::as_str),
        Some("P1 LAMP-4")
    );

    // Filters that do not parse are refused, and say which.
    let bad = api.get("/api/v1/inventory?status=lots").await?;
    let problem = expect_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    assert_eq!(problem["errors"][0]["field"], json!("status"), "{problem}");
    let bad = api.get("/api/v1/inventory?sort=price").await?;
    expect_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid")?;
    let bad = api.get("/api/v1/inventory?per_page=0").await?;
    expect_problem(&bad, StatusCode::BAD_REQUEST, "bad-request")?;

    // A partner's users see their own organisation only: the distributor's
    // boss not its retailer's stock, the retailer not its distributor's.
    let mut padmin = env.api("padmin").await?;
    let own = padmin.get("/api/v1/inventory?per_page=500").await?.json()?;
    assert_eq!(own["total"], json!(4));
    assert_eq!(own["totals"]["holdings"], json!(4));
    assert!(holdings(&own).iter().all(|h| h.starts_with("P1 ")));
    let got = padmin.get("/api/v1/inventory?partner=P2").await?;
    assert_eq!(got.status, StatusCode::NOT_FOUND);
    let mut puser = env.api("puser").await?;
    let own = puser.get("/api/v1/inventory").await?.json()?;
    assert_eq!(holdings(&own), ["P2 LAMP-1"]);

    // The page: the partner filter takes a name, the status filter and the
    // sort stay in the pager's links, the counters link to the filters.
    let mut browser = env.signed_in("admin").await?;
    browser
        .cookies
        .insert("qudao_lang".to_owned(), "zh-CN".to_owned());
    let page = browser
        .get("/inventory?status=difference&sort=on_hand&per_page=1")
        .await?;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("共 2 条"), "{html}");
    assert!(
        html.contains(r#"data-testid="stock-P2-LAMP-1""#),
        "most on hand first"
    );
    assert!(
        !html.contains(r#"data-testid="stock-P1-LAMP-3""#),
        "on the next page"
    );
    assert!(
        html.contains(
            "/inventory?status=difference&#38;per_page=1&#38;sort=on_hand&#38;dir=asc&#38;page=2"
        ),
        "the next page keeps the filters: {html}"
    );
    assert!(html.contains(r#"<option value="difference" selected>盘点有差异</option>"#));
    let card = |id: &str| {
        html.split(&format!(r#"data-testid="{id}""#))
            .nth(1)
            .and_then(|rest| rest.split("</a>").next())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(card("total-holdings").contains(r#"<div class="card-value">6</div>"#));
    assert!(card("total-differences").contains(r#"<div class="card-value">2</div>"#));
    let by_name = browser.get("/inventory?partner=Partner%20P2").await?.text();
    assert!(by_name.contains(r#"data-testid="stock-P2-LAMP-1""#));
    assert!(!by_name.contains(r#"data-testid="stock-P1-LAMP-1""#));
    assert!(by_name.contains("台灯"), "products by name");
    let none = browser
        .get("/inventory?partner=P3&status=difference")
        .await?
        .text();
    assert!(none.contains("没有符合筛选条件的库存"), "{none}");
    let refused = browser.get("/inventory?status=lots").await?;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(refused.text().contains("field-error"));
    Ok(())
}

/// Data-quality scores a page at a time, the newest month first and the
/// lowest total first within it; a number of months that does not read is
/// named on the page, not taken as the default.
async fn data_quality_pages_lowest_first(env: Env) -> Res {
    env.territories().await?;
    stock(&env).await?;
    let mut api = env.api("admin").await?;
    let all = api.get("/api/v1/data-quality?per_page=500").await?.json()?;
    let scores = all["scores"].as_array().cloned().unwrap_or_default();
    assert_eq!(all["total"], json!(scores.len()));
    assert!(scores.len() >= 6, "{all}");
    let key = |s: &Value| {
        (
            std::cmp::Reverse(s["quality"]["month"].as_str().unwrap_or("").to_owned()),
            s["quality"]["total"].as_i64().unwrap_or(0),
            s["partner_code"].as_str().unwrap_or("").to_owned(),
        )
    };
    let keys: Vec<_> = scores.iter().map(key).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "newest month first, lowest total first");
    let second = api
        .get("/api/v1/data-quality?per_page=2&page=2")
        .await?
        .json()?;
    assert_eq!(second["scores"], json!(scores[2..4]));
    assert_eq!(
        (&second["page"], &second["per_page"]),
        (&json!(2), &json!(2))
    );
    assert!(
        second["missing_month"]
            .as_str()
            .is_some_and(|m| m.len() == 7)
    );

    let mut browser = env.signed_in("admin").await?;
    let page = browser.get("/inventory/quality?per_page=2").await?;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text().matches("data-testid=\"score-").count(), 2);
    let refused = browser.get("/inventory/quality?months=three").await?;
    assert_eq!(refused.status, StatusCode::OK);
    assert!(refused.text().contains("field-error"), "{}", refused.text());
    assert!(!refused.text().contains("data-testid=\"scores\""));
    Ok(())
}

#[tokio::test]
async fn data_quality_pages_lowest_first_on_sqlite() -> Res {
    data_quality_pages_lowest_first(Env::new("quality_pages").await?).await
}

#[tokio::test]
async fn data_quality_pages_lowest_first_on_postgres() -> Res {
    data_quality_pages_lowest_first(Env::postgres("quality_pages").await?).await
}

#[tokio::test]
async fn inventory_pages_and_filters_on_sqlite() -> Res {
    inventory_pages_and_filters(Env::new("inventory_pages").await?).await
}

#[tokio::test]
async fn inventory_pages_and_filters_on_postgres() -> Res {
    inventory_pages_and_filters(Env::postgres("inventory_pages").await?).await
}
