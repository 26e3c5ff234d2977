//! The scorecard pages end to end, in Chinese: a manager's template form
//! shows a bad weight beside its KPI and weights not summing to 100 under
//! the table (nothing written), then saves; runs last year's evaluation
//! from the form, reads the ranking and P1's scorecard explained with how to
//! improve, approves the proposed grade change after a confirmation; P1's
//! boss reads its own scorecard on the page and in the API and gets 404 for
//! another partner's. On SQLite and on PostgreSQL.

use super::*;
use chrono::Datelike;
use qudao_app::grades::GradeChangeInput;
use qudao_app::targets::TargetInput;

pub(super) const ZH: &[(&str, &str)] = &[("accept-language", "zh-CN")];

/// Some text from the element marked `data-testid="{id}"` on, cut at a
/// character (the pages here are Chinese).
pub(super) fn near(html: &str, id: &str) -> String {
    let mark = format!(r#"data-testid="{id}""#);
    html.find(&mark)
        .map_or_else(String::new, |at| html[at..].chars().take(300).collect())
}

/// P1 (the manager's, silver) sold ¥80 of a ¥100 target last year.
pub(super) async fn last_year(env: &Env) -> Res<String> {
    env.catalog().await?;
    let year = qudao_app::today().year() - 1;
    env.app
        .change_partner_grade(
            &env.system,
            "P1",
            &GradeChangeInput {
                grade: "silver".into(),
                reason: "start".into(),
            },
        )
        .await?;
    env.app
        .set_target(
            &env.system,
            &TargetInput {
                period: year.to_string(),
                subject_type: "partner".into(),
                subject_code: Some("P1".into()),
                measure: "sell_in_amount".into(),
                product_line: None,
                value: "100".into(),
                version: None,
            },
        )
        .await?;
    let at = "'2026-01-01T00:00:00+00:00'";
    let cast = if env.url.starts_with("postgres") {
        format!("CAST({at} AS TIMESTAMPTZ)")
    } else {
        at.to_owned()
    };
    env.raw(&format!(
        "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
         source, created_at) \
         SELECT pa.id, pr.id, '{year}-06-15', 1, 8000, 'CNY', 'import', {cast} \
         FROM partners pa, products pr WHERE pa.code = 'P1' AND pr.sku = 'LGT-1'"
    ))
    .await?;
    Ok(year.to_string())
}

fn template(collection_weight: &str) -> Vec<(&'static str, String)> {
    vec![
        ("code", "dist".into()),
        ("name", "经销商评分卡".into()),
        ("subject", "partner:distributor".into()),
        ("rule.sell_in_attainment", "linear".into()),
        ("weight.sell_in_attainment", "60".into()),
        ("floor.sell_in_attainment", "0".into()),
        ("target.sell_in_attainment", "100".into()),
        ("rule.collection_rate", "linear".into()),
        ("weight.collection_rate", collection_weight.into()),
        ("floor.collection_rate", "0".into()),
        ("target.collection_rate", "100".into()),
    ]
}

async fn submit(
    client: &mut Client,
    path: &str,
    fields: &[(&'static str, String)],
) -> Res<Response> {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    client.submit(path, &fields).await
}

async fn scorecard_pages_run_explain_and_approve(env: Env) -> Res {
    let period = last_year(&env).await?;
    let mut manager = env.signed_in("manager").await?;
    manager.get("/lang/zh-CN?next=/").await?;
    let form = manager
        .get("/scorecards/templates/new?subject=partner:distributor")
        .await?
        .text();
    assert!(form.contains("为经销商新建评分卡"), "{form}");
    assert!(form.contains("进货目标达成率"), "{form}");

    let bad = submit(&mut manager, "/scorecards/templates", &template("4x")).await?;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text();
    assert!(
        html.contains(r#"id="weight.collection_rate-error""#),
        "{html}"
    );
    let short = submit(&mut manager, "/scorecards/templates", &template("30")).await?;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        near(&short.text(), "weights-error").contains("各指标权重合计须为 100，当前为 90"),
        "{}",
        short.text()
    );
    assert!(env.app.scorecard_templates(&env.system).await?.is_empty());
    let saved = submit(&mut manager, "/scorecards/templates", &template("40")).await?;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    assert_eq!(saved.location(), "/scorecards/templates/dist");

    // Run last year's evaluation from the form.
    let runs = manager.get("/scorecards").await?.text();
    assert!(
        runs.contains(&format!(r#"<option value="{period}""#)),
        "{runs}"
    );
    let ran = manager
        .submit(
            "/scorecards/runs",
            &[("period", &period), ("template", "dist")],
        )
        .await?;
    assert_eq!(ran.status, StatusCode::SEE_OTHER, "{}", ran.text());
    let run_path = ran.location().to_owned();
    let ranking = manager.get(&run_path).await?.text();
    assert!(ranking.contains("Partner P1"), "{ranking}");
    assert!(near(&ranking, "total").contains("48.00"), "{ranking}");
    // Grades by name: silver proposed down to 注册 (registered).
    assert!(near(&ranking, "proposed").contains("注册"), "{ranking}");

    let card = manager.get(&format!("{run_path}/P1")).await?.text();
    assert!(card.contains("进货目标达成率"), "{card}");
    assert!(card.contains("无数据，计 0 分"), "{card}");
    assert!(
        near(&card, "improve-option").contains("回款率：从 — 提高到 67.5，总分可达 75.00"),
        "{card}"
    );

    // The proposal, approved after a confirmation.
    let proposals = manager.get("/scorecards/proposals").await?.text();
    assert!(
        proposals.contains("确认将Partner P1（P1）的等级调整为建议等级？"),
        "{proposals}"
    );
    let id = env.app.grade_proposals(&env.system, None, None).await?[0].id;
    let approved = manager
        .submit(&format!("/scorecards/proposals/{id}/approve"), &[])
        .await?;
    assert_eq!(
        approved.status,
        StatusCode::SEE_OTHER,
        "{}",
        approved.text()
    );
    let grade = env.app.partner_grade(&env.system, "P1").await?;
    assert_eq!(grade.grade.ok_or("a grade")?.code, "registered");
    let again = manager
        .submit(&format!("/scorecards/proposals/{id}/approve"), &[])
        .await?;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);

    // P1's boss: its own scorecard, nobody else's.
    let mut padmin = env.signed_in("padmin").await?;
    assert_eq!(
        padmin.get("/scorecards").await?.location(),
        "/scorecards/mine"
    );
    let mine = padmin.get_with("/scorecards/mine", ZH).await?.text();
    assert!(near(&mine, "total").contains("48.00"), "{mine}");
    assert_eq!(
        padmin.get(&format!("{run_path}/P3")).await?.status,
        StatusCode::NOT_FOUND
    );
    let mut api = env.api("padmin").await?;
    let own = api.get("/api/v1/scorecards/mine").await?;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text());
    assert_eq!(own.json()?["result"]["code"], "P1");
    Ok(())
}

#[tokio::test]
async fn scorecard_pages_run_explain_and_approve_on_sqlite() -> Res {
    scorecard_pages_run_explain_and_approve(Env::new("scorecard_pages").await?).await
}

#[tokio::test]
async fn scorecard_pages_run_explain_and_approve_on_postgres() -> Res {
    scorecard_pages_run_explain_and_approve(Env::postgres("scorecard_pages").await?).await
}
