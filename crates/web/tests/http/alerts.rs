//! The alert pages: the home page's panel of open alerts, the list with its
//! filters (kind, status, partner by name), an alert's page with the
//! acknowledgement form (a blank or too long note and a second
//! acknowledgement refused in the reader's language, writing nothing), and
//! partner roles refused. On SQLite and on PostgreSQL.

use super::*;
use qudao_app::alerts::{AlertQuery, AlertView};
use qudao_app::receivables::OpeningInvoiceInput;

const ZH: &[(&str, &str)] = &[("accept-language", "zh-CN")];

/// P1 (the manager's) owes 5,000 due 40 days ago, last bought 75 days ago
/// and holds the 5 lamps it bought, unsold: overdue, overstock and dormant.
/// P3 (nobody's) owes 3,000 due 50 days ago: overdue, outside the
/// manager's scope.
async fn raised(env: &Env) -> Res {
    env.catalog().await?;
    for (partner, number, amount, due) in [("P1", "INV-A", "5000", 40), ("P3", "INV-C", "3000", 50)]
    {
        env.app
            .record_opening_invoice(
                &env.system,
                &OpeningInvoiceInput {
                    partner: partner.into(),
                    number: number.into(),
                    currency: "CNY".into(),
                    amount: amount.into(),
                    issued_on: day(-100).to_string(),
                    due_on: day(-due).to_string(),
                },
            )
            .await?;
    }
    let at = "'2026-01-01T00:00:00+00:00'";
    let cast = if env.url.starts_with("postgres") {
        format!("CAST({at} AS TIMESTAMPTZ)")
    } else {
        at.to_owned()
    };
    env.raw(&format!(
        "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
         source, created_at) \
         SELECT pa.id, pr.id, '{}', 5, 99500, 'CNY', 'import', {cast} \
         FROM partners pa, products pr WHERE pa.code = 'P1' AND pr.sku = 'LGT-1'",
        day(-75)
    ))
    .await?;
    let report = env.app.run_alerts(&env.system, &[]).await?;
    assert_eq!(report.raised, 4, "{report:?}");
    Ok(())
}

async fn all_alerts(env: &Env) -> Res<Vec<AlertView>> {
    let query = AlertQuery {
        status: Some("all".into()),
        ..AlertQuery::default()
    };
    Ok(env
        .app
        .alerts(&env.system, &query, PageRequest::new(None, None))
        .await?
        .items)
}

/// The alert rows of a list page.
fn rows(html: &str) -> usize {
    html.matches(r#"data-testid="alert-row""#).count()
}

async fn alert_pages_list_filter_and_show_on_home(env: Env) -> Res {
    raised(&env).await?;
    let mut manager = env.signed_in("manager").await?;

    // Home: the open alerts of the manager's partners, one sentence each,
    // the partner's name linking to its record.
    let home = manager.get_with("/", ZH).await?.text();
    let panel = &home[home
        .find(r#"data-testid="open-alerts""#)
        .ok_or("no alert panel")?..];
    let panel = &panel[..panel.find("</section>").unwrap_or(panel.len())];
    assert!(panel.contains("待处理预警"), "{panel}");
    assert!(
        panel.contains("逾期应收 ¥5,000.00（1 张发票，最久逾期 40 天；阈值 30 天）"),
        "{panel}"
    );
    assert!(
        panel.contains(r#"<a href="/partners/P1">Partner P1</a>"#),
        "{panel}"
    );
    assert!(panel.contains("已 75 天未下单"), "{panel}");
    assert!(!panel.contains("Partner P3"), "{panel}");
    assert!(panel.contains("全部预警（3）"), "{panel}");
    assert!(
        home.contains(r#"href="/alerts""#),
        "the nav links to the list"
    );

    // The list opens on the open alerts; filters by kind, status and
    // partner (typed by name) stay in the links.
    let list = manager.get("/alerts").await?;
    assert_eq!(list.status, StatusCode::OK);
    let html = list.text();
    assert_eq!(rows(&html), 3, "{html}");
    assert!(
        html.contains("¥5,000.00 overdue (1 invoices, the oldest 40 days late; threshold 30 days)"),
        "{html}"
    );
    assert!(
        html.contains(
            "Products overstocked: 1; the most units: Product LGT-1, 5 on hand, 0 sold in the last 90 days"
        ),
        "{html}"
    );
    // A stock alert names its product by name and links to the stock page
    // listing every product it counts.
    let overstock = all_alerts(&env)
        .await?
        .into_iter()
        .find(|a| a.partner_code == "P1" && a.kind.as_str() == "overstock")
        .ok_or("P1's overstock alert")?;
    let detail = manager
        .get(&format!("/alerts/{}", overstock.id))
        .await?
        .text();
    assert!(
        testid(&detail, "product").contains("Product LGT-1"),
        "{detail}"
    );
    assert!(
        detail.contains(r#"href="/inventory?status=overstock&#38;partner=P1""#),
        "{detail}"
    );
    assert!(testid(&detail, "figure-products").contains('1'), "{detail}");
    let dormant = manager.get("/alerts?kind=dormant").await?.text();
    assert_eq!(rows(&dormant), 1, "{dormant}");
    assert!(dormant.contains("No orders"), "{dormant}");
    assert!(
        dormant.contains(&format!("the last on {}", day(-75))),
        "{dormant}"
    );
    let by_name = manager
        .get("/alerts?status=all&partner=Partner%20P1&kind=overdue")
        .await?
        .text();
    assert_eq!(rows(&by_name), 1, "{by_name}");
    assert!(
        by_name.contains(r#"<option value="overdue" selected>"#),
        "{by_name}"
    );
    let acknowledged = manager.get("/alerts?status=acknowledged").await?.text();
    assert_eq!(rows(&acknowledged), 0, "{acknowledged}");
    // Someone else's partner is not found, as in the API.
    assert_eq!(
        manager.get("/alerts?partner=P3").await?.status,
        StatusCode::NOT_FOUND
    );
    let bad = manager.get("/alerts?status=later").await?.text();
    assert!(bad.contains("open, acknowledged"), "{bad}");
    assert_eq!(rows(&bad), 0);

    // Finance sees every partner's; partner roles get no panel, no link,
    // and the pages refuse them.
    let mut finance = env.signed_in("finance").await?;
    assert_eq!(rows(&finance.get("/alerts").await?.text()), 4);
    let mut padmin = env.signed_in("padmin").await?;
    let portal = padmin.get("/").await?.text();
    assert!(!portal.contains("open-alerts"), "{portal}");
    assert!(!portal.contains(r#"href="/alerts""#), "{portal}");
    assert_eq!(padmin.get("/alerts").await?.status, StatusCode::FORBIDDEN);
    let id = all_alerts(&env).await?[0].id;
    assert_eq!(
        padmin.get(&format!("/alerts/{id}")).await?.status,
        StatusCode::FORBIDDEN
    );
    Ok(())
}

async fn acknowledging_an_alert_needs_a_note_and_happens_once(env: Env) -> Res {
    raised(&env).await?;
    let overdue = all_alerts(&env)
        .await?
        .into_iter()
        .find(|a| a.partner_code == "P1" && a.kind.as_str() == "overdue")
        .ok_or("P1's overdue alert")?;
    let path = format!("/alerts/{}", overdue.id);
    let action = format!("{path}/acknowledge");
    let mut manager = env.signed_in("manager").await?;
    manager.get("/lang/zh-CN?next=/").await?;
    let page = manager.get(&path).await?.text();
    assert!(page.contains("逾期应收 ¥5,000.00"), "{page}");
    assert!(
        testid(&page, "figure-oldest_days").contains("40 天"),
        "{page}"
    );
    assert!(
        page.contains("确认处理Partner P1（P1）的这条预警？处理后不可撤销。"),
        "{page}"
    );
    let audits = || async {
        env.app
            .list_audit(
                &env.system,
                &qudao_app::audit::Filter {
                    action: Some("acknowledge".to_owned()),
                    ..Default::default()
                },
                PageRequest::export(),
            )
            .await
            .map(|page| page.total)
    };

    // A blank note and one over 500 characters: the form again with the
    // field's error in Chinese, nothing written.
    let long = "长".repeat(501);
    for (note, message) in [("   ", "必填"), (long.as_str(), "500")] {
        let refused = manager.submit(&action, &[("note", note)]).await?;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = refused.text();
        let field = field_html(&html, "note");
        assert!(field.contains("field-error"), "{field}");
        assert!(field.contains(message), "{field}");
        assert!(html.contains("处理说明"), "the summary names the field");
    }
    assert_eq!(
        env.app.alert(&env.system, overdue.id).await?.acknowledged,
        None
    );
    assert_eq!(audits().await?, 0);

    // Acknowledged: back to the alert with a flash, who and the note shown.
    let done = manager
        .submit(&action, &[("note", "已电话催款，客户承诺月底前付清")])
        .await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(done.location(), path);
    let page = manager.get(&path).await?.text();
    assert!(page.contains("已处理Partner P1（P1）的预警。"), "{page}");
    assert!(
        testid(&page, "acknowledged-by").contains("User manager"),
        "{page}"
    );
    assert!(
        testid(&page, "acknowledged-note").contains("已电话催款"),
        "{page}"
    );
    assert!(
        !page.contains(r#"id="acknowledge-form""#),
        "no form any more"
    );
    let listed = manager.get("/alerts?status=acknowledged").await?.text();
    assert_eq!(rows(&listed), 1, "{listed}");
    assert!(listed.contains("已电话催款"), "{listed}");

    // Twice: the error names who did it, and nothing changes.
    let mut admin = env.signed_in("admin").await?;
    admin.get(&path).await?;
    let again = admin.submit(&action, &[("note", "again")]).await?;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = again.text();
    assert!(
        html.contains("this alert was already acknowledged by: User manager (manager)"),
        "{html}"
    );
    let ack = env
        .app
        .alert(&env.system, overdue.id)
        .await?
        .acknowledged
        .ok_or("acknowledged")?;
    assert_eq!(
        (ack.by.as_str(), ack.note.as_str()),
        ("manager", "已电话催款，客户承诺月底前付清")
    );
    assert_eq!(audits().await?, 1);
    // Outside the caller's scope the alert is not found.
    let p3 = all_alerts(&env)
        .await?
        .into_iter()
        .find(|a| a.partner_code == "P3")
        .ok_or("P3's alert")?;
    assert_eq!(
        manager.get(&format!("/alerts/{}", p3.id)).await?.status,
        StatusCode::NOT_FOUND
    );
    Ok(())
}

#[tokio::test]
async fn alert_pages_list_filter_and_show_on_home_on_sqlite() -> Res {
    alert_pages_list_filter_and_show_on_home(Env::new("alert_pages").await?).await
}

#[tokio::test]
async fn alert_pages_list_filter_and_show_on_home_on_postgres() -> Res {
    alert_pages_list_filter_and_show_on_home(Env::postgres("alert_pages").await?).await
}

#[tokio::test]
async fn acknowledging_an_alert_needs_a_note_and_happens_once_on_sqlite() -> Res {
    acknowledging_an_alert_needs_a_note_and_happens_once(Env::new("alert_ack").await?).await
}

#[tokio::test]
async fn acknowledging_an_alert_needs_a_note_and_happens_once_on_postgres() -> Res {
    acknowledging_an_alert_needs_a_note_and_happens_once(Env::postgres("alert_ack").await?).await
}
