//! Target plans through the web: a partner's boss proposes its own figure
//! in the portal (another partner's is not found), a manager reads the gap
//! view, whose approve button asks first in words, and approves the
//! proposal into force (an approved figure only with a reason). On SQLite
//! and on PostgreSQL.

use super::*;

async fn gap(client: &mut Client) -> Res<Value> {
    let got = client.get("/api/v1/targets/gap?period=2026").await?;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text());
    got.json()
}

async fn plans_propose_compare_and_approve(env: Env) -> Res {
    // The portal's proposal page names the partner's own organisation.
    let mut portal = env.signed_in("padmin").await?;
    let page = portal.get("/targets/proposals").await?;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        testid(&page.text(), "own-partner").contains("Partner P1"),
        "{}",
        page.text()
    );
    let bad = portal
        .submit(
            "/targets/proposals",
            &[
                ("period", "2026"),
                ("measure", "sell_in_amount"),
                ("value", "-1"),
            ],
        )
        .await?;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(testid(&bad.text(), "error-summary").contains("negative"));
    let sent = portal
        .submit(
            "/targets/proposals",
            &[
                ("period", "2026"),
                // Posting another partner changes nothing: its own it is.
                ("partner", "P2"),
                ("measure", "sell_in_amount"),
                ("value", "1200"),
            ],
        )
        .await?;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());

    // P2 buys from P1, yet its target is P2's own business.
    let mut api = env.api("padmin").await?;
    let foreign = api
        .post_json(
            "/api/v1/targets/proposals",
            &json!({"period": "2026", "subject_type": "partner", "subject_code": "P2", "measure": "sell_in_amount", "value": "1"}),
            &[],
        )
        .await?;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text());

    let mut manager = env.api("manager").await?;
    let set = manager
        .post_json(
            "/api/v1/targets",
            &json!({"period": "2026", "subject_type": "partner", "subject_code": "P1", "measure": "sell_in_amount", "value": "1000"}),
            &[],
        )
        .await?;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    let top_id = set.json()?["id"].as_i64().ok_or("an id")?;
    let approved = manager
        .post_json(
            &format!("/api/v1/targets/{top_id}/approve"),
            &json!({}),
            &[],
        )
        .await?;
    assert_eq!(approved.status, StatusCode::OK);
    let rows = gap(&mut manager).await?;
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    assert_eq!(rows[0]["subject_code"], json!("P1"));
    assert_eq!(rows[0]["top_down"]["value"], json!(100_000));
    assert_eq!(rows[0]["bottom_up"]["value"], json!(120_000));
    assert_eq!(rows[0]["gap"], json!(20_000));
    assert_eq!(rows[0]["gap_percent"], json!("20.00"));
    let proposal = rows[0]["bottom_up"]["id"].as_i64().ok_or("an id")?;

    // A rep does not approve; the manager's page asks first, in words.
    let mut rep = env.api("rep").await?;
    let refused = rep
        .post_json(
            &format!("/api/v1/targets/proposals/{proposal}/approve"),
            &json!({}),
            &[],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let mut browser = env.signed_in("manager").await?;
    let page = browser.get("/targets/gap?period=2026").await?;
    let form = testid(&page.text(), "approve-proposal").to_owned();
    assert!(
        form.contains("Partner P1") && form.contains("¥1,200.00"),
        "{form}"
    );
    let path = format!("/targets/gap/{proposal}/approve");
    let no_reason = browser
        .submit(&path, &[("period", "2026"), ("reason", "")])
        .await?;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        testid(&no_reason.text(), "approve-error").contains("reason"),
        "{}",
        no_reason.text()
    );
    assert_eq!(
        gap(&mut manager).await?[0]["top_down"]["value"],
        json!(100_000)
    );
    let done = browser
        .submit(
            &path,
            &[("period", "2026"), ("reason", "new store in Pudong")],
        )
        .await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let rows = gap(&mut manager).await?;
    assert_eq!(rows[0]["top_down"]["value"], json!(120_000));
    assert_eq!(rows[0]["bottom_up"]["status"], json!("approved"));
    let detail = manager
        .get(&format!("/api/v1/targets/{top_id}"))
        .await?
        .json()?;
    assert_eq!(
        detail["amendments"][0]["reason"],
        json!("new store in Pudong")
    );
    // The partner reads the figure in force, not our reason.
    let mine = api
        .get(&format!("/api/v1/targets/{top_id}"))
        .await?
        .json()?;
    assert_eq!(mine["target"]["value"], json!(120_000));
    assert_eq!(mine["amendments"][0]["reason"], json!(""));

    // The rest of P1's target moves to P2 from July; P3 is not the
    // manager's to give it to. The form asks first, in words.
    let path = format!("/targets/{top_id}/reallocate");
    let page = browser.get(&path).await?;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text()
            .contains("data-confirm=\"The rest of Partner P1"),
        "{}",
        page.text()
    );
    let form = [
        ("from", "2026-07-01"),
        ("by", "percents"),
        ("receiver_1", "P3"),
        ("part_1", "100"),
        ("remainder", "1"),
        ("reason", "P1 closed its Pudong store"),
    ];
    let refused = browser.submit(&path, &form).await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(testid(&refused.text(), "receivers-error").contains("P3"));
    let mut to_p2 = form;
    to_p2[2] = ("receiver_1", "P2");
    let done = browser.submit(&path, &to_p2).await?;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let rows = gap(&mut manager).await?;
    let figures: Vec<(Value, Value)> = rows
        .as_array()
        .ok_or("a list")?
        .iter()
        .map(|r| (r["subject_code"].clone(), r["top_down"]["value"].clone()))
        .collect();
    // 181 of 365 days at 1,200.00 a year: P1 keeps 595.06, P2 takes 604.94.
    assert_eq!(
        figures,
        [(json!("P1"), json!(59_506)), (json!("P2"), json!(60_494))]
    );
    Ok(())
}

#[tokio::test]
async fn plans_propose_compare_and_approve_on_sqlite() -> Res {
    plans_propose_compare_and_approve(Env::new("target_plans").await?).await
}

#[tokio::test]
async fn plans_propose_compare_and_approve_on_postgres() -> Res {
    plans_propose_compare_and_approve(Env::postgres("target_plans").await?).await
}
