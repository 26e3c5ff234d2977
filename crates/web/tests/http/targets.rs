//! The targets API end to end: a manager sets a company target, cascades
//! it to its partners (a partner outside its scope refused by field,
//! nothing written), approves it and amends it only with a reason; a
//! partner's boss and user read only their own organisation's target. On
//! SQLite and on PostgreSQL.

use super::*;

async fn codes(client: &mut Client, path: &str) -> Res<Vec<(u64, String)>> {
    let got = client.get(path).await?;
    assert_eq!(got.status, StatusCode::OK, "{path}: {}", got.text());
    Ok(got
        .json()?
        .as_array()
        .ok_or("a list")?
        .iter()
        .map(|n| {
            (
                n["depth"].as_u64().unwrap_or(99),
                n["target"]["subject_code"]
                    .as_str()
                    .unwrap_or("?")
                    .to_owned(),
            )
        })
        .collect())
}

async fn targets_api_cascades_approves_and_amends(env: Env) -> Res {
    let mut manager = env.api("manager").await?;
    let set = manager
        .post_json(
            "/api/v1/targets",
            &json!({"period": "2026", "subject_type": "company", "measure": "sell_in_amount", "value": "300"}),
            &[],
        )
        .await?;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text());
    let id = set.json()?["id"].as_i64().ok_or("an id")?;

    // P3 is not the manager's: it does not exist for it.
    let foreign = json!({"by": "amounts", "children": [
        {"subject_type": "partner", "subject_code": "P1", "part": "200"},
        {"subject_type": "partner", "subject_code": "P3", "part": "100"},
    ]});
    let refused = manager
        .post_json(&format!("/api/v1/targets/{id}/cascade"), &foreign, &[])
        .await?;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text()
    );
    let problem = refused.json()?;
    assert_eq!(
        problem["errors"][0]["field"],
        json!("children"),
        "{problem}"
    );
    assert_eq!(
        codes(&mut manager, "/api/v1/targets?period=2026").await?,
        [(0, String::new())]
    );

    let split = json!({"by": "amounts", "children": [
        {"subject_type": "partner", "subject_code": "P1", "part": "200"},
        {"subject_type": "partner", "subject_code": "P2", "part": "100"},
    ]});
    let done = manager
        .post_json(&format!("/api/v1/targets/{id}/cascade"), &split, &[])
        .await?;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let done = done.json()?;
    assert_eq!(done["children"][0]["value"], json!(20_000));
    assert_eq!(done["children"][1]["value"], json!(10_000));
    assert_eq!(done["unallocated"], json!(0));
    let shares: Vec<i64> = (0..2)
        .map(|i| done["children"][i]["id"].as_i64().expect("a child's id"))
        .collect();
    assert_eq!(
        codes(&mut manager, "/api/v1/targets?period=2026").await?,
        [
            (0, String::new()),
            (1, "P1".to_owned()),
            (1, "P2".to_owned())
        ]
    );

    let approved = manager
        .post_json(&format!("/api/v1/targets/{id}/approve"), &json!({}), &[])
        .await?;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text());
    assert_eq!(approved.json()?["status"], json!("approved"));
    let no_reason = manager
        .post_json(
            &format!("/api/v1/targets/{id}/amend"),
            &json!({"value": "320", "reason": ""}),
            &[],
        )
        .await?;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.json()?["errors"][0]["field"], json!("reason"));
    let amended = manager
        .post_json(
            &format!("/api/v1/targets/{id}/amend"),
            &json!({"value": "320", "reason": "a new store opened"}),
            &[],
        )
        .await?;
    assert_eq!(amended.status, StatusCode::OK, "{}", amended.text());
    let detail = manager
        .get(&format!("/api/v1/targets/{id}"))
        .await?
        .json()?;
    assert_eq!(detail["target"]["value"], json!(32_000));
    assert_eq!(
        detail["amendments"][0]["reason"],
        json!("a new store opened")
    );

    // A partner's boss (P1) and user (P2) each see their own target only,
    // once it is approved: a draft is our plan.
    let mut padmin = env.api("padmin").await?;
    assert!(
        codes(&mut padmin, "/api/v1/targets?period=2026")
            .await?
            .is_empty()
    );
    for share in &shares {
        let approved = manager
            .post_json(&format!("/api/v1/targets/{share}/approve"), &json!({}), &[])
            .await?;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.text());
    }
    assert_eq!(
        codes(&mut padmin, "/api/v1/targets?period=2026").await?,
        [(0, "P1".to_owned())]
    );
    let mut puser = env.api("puser").await?;
    assert_eq!(
        codes(&mut puser, "/api/v1/targets?period=2026").await?,
        [(0, "P2".to_owned())]
    );
    assert_eq!(
        puser.get(&format!("/api/v1/targets/{id}")).await?.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        codes(&mut puser, "/api/v1/targets/attainment?period=2026").await?,
        [(0, "P2".to_owned())]
    );
    Ok(())
}

#[tokio::test]
async fn targets_api_cascades_approves_and_amends_on_sqlite() -> Res {
    targets_api_cascades_approves_and_amends(Env::new("targets_api").await?).await
}

#[tokio::test]
async fn targets_api_cascades_approves_and_amends_on_postgres() -> Res {
    targets_api_cascades_approves_and_amends(Env::postgres("targets_api").await?).await
}
