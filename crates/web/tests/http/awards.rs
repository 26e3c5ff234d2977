//! The award pages end to end, in Chinese: a manager's award form refuses
//! a name left empty beside its field (nothing written), then saves; the
//! award runs over last year's evaluation picked from a list, the winners
//! table shows the numbers, and a second run is refused; P1's boss sees its
//! award on its scorecard page and in the API. On SQLite and on PostgreSQL.

use super::scorecards::{ZH, last_year, near};
use super::*;
use qudao_app::scorecards::{KpiInput, TemplateInput};

fn award(name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("code", "best".into()),
        ("name", name.into()),
        ("name_en", "Partner of the year".into()),
        ("measure", "total".into()),
        ("per_group", "none".into()),
        ("places", "1".into()),
        ("public", "true".into()),
    ]
}

async fn award_pages_run_and_show_winners(env: Env) -> Res {
    let period = last_year(&env).await?;
    let line = |kpi: &str, weight: &str| KpiInput {
        kpi: kpi.into(),
        rule: "linear".into(),
        weight: Some(weight.into()),
        floor: Some("0".into()),
        target: Some("100".into()),
        ..KpiInput::default()
    };
    let template = TemplateInput {
        code: String::new(),
        name: "经销商评分卡".into(),
        subject: "partner".into(),
        partner_type: Some("distributor".into()),
        kpis: vec![
            line("sell_in_attainment", "60"),
            line("collection_rate", "40"),
        ],
    };
    env.app
        .save_scorecard_template(&env.system, "dist", &template)
        .await?;
    let run = env
        .app
        .evaluate(&env.system, &period, Some("dist"))
        .await?
        .remove(0);

    let mut manager = env.signed_in("manager").await?;
    manager.get("/lang/zh-CN?next=/").await?;
    let form = manager.get("/awards/new").await?.text();
    assert!(form.contains("新建奖项"), "{form}");
    assert!(form.contains("进货目标达成率"), "{form}");
    let bad_fields = award(" ");
    let bad: Vec<(&str, &str)> = bad_fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = manager.submit("/awards", &bad).await?;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text().contains(r#"id="name-error""#),
        "{}",
        refused.text()
    );
    assert!(env.app.awards(&env.system).await?.is_empty());
    let good_fields = award("年度最佳合作伙伴");
    let good: Vec<(&str, &str)> = good_fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = manager.submit("/awards", &good).await?;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    assert_eq!(saved.location(), "/awards/best");

    // The run form picks the evaluation by name; the winners show the numbers.
    let page = manager.get("/awards/best").await?.text();
    assert!(
        page.contains(&format!(r#"<option value="{}""#, run.id)),
        "{page}"
    );
    let id = run.id.to_string();
    let ran = manager.submit("/awards/best/runs", &[("run", &id)]).await?;
    assert_eq!(ran.status, StatusCode::SEE_OTHER, "{}", ran.text());
    let winners_path = ran.location().to_owned();
    let winners = manager.get(&winners_path).await?.text();
    assert!(winners.contains("获奖名单：年度最佳合作伙伴"), "{winners}");
    assert!(
        near(&winners, "winner-row").contains("Partner P1"),
        "{winners}"
    );
    assert!(near(&winners, "total").contains("48.00"), "{winners}");
    let again = manager.submit("/awards/best/runs", &[("run", &id)]).await?;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.text().contains("该奖项已对这次评估评过奖"),
        "{}",
        again.text()
    );

    // P1's boss: its award on its scorecard page and in the API.
    let mut padmin = env.signed_in("padmin").await?;
    let mine = padmin.get_with("/scorecards/mine", ZH).await?.text();
    assert!(near(&mine, "won").contains("年度最佳合作伙伴"), "{mine}");
    assert!(
        near(&mine, "public-winner").contains("Partner P1"),
        "{mine}"
    );
    let mut api = env.api("padmin").await?;
    let own = api.get("/api/v1/scorecards/mine/awards").await?;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text());
    let body = own.json()?;
    assert_eq!(body["won"][0]["run"]["award_code"], "best");
    assert_eq!(body["won"][0]["winners"][0]["total"], "48.00");
    Ok(())
}

#[tokio::test]
async fn award_pages_run_and_show_winners_on_sqlite() -> Res {
    award_pages_run_and_show_winners(Env::new("award_pages").await?).await
}

#[tokio::test]
async fn award_pages_run_and_show_winners_on_postgres() -> Res {
    award_pages_run_and_show_winners(Env::postgres("award_pages").await?).await
}
