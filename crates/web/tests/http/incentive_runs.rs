//! Incentive runs end to end, in Chinese: the manager's dry run shows the
//! results and writes nothing; the run is written and its results read in
//! words (name, attainment as a percent, the bracket, the rate, the
//! amount); the explanation reads the trace one sentence a step; a rep
//! cannot run and a manager cannot approve; finance's approval of a
//! provisional run is refused in words; finance approves and pays; P1's
//! boss reads its statement (earned, settled, the payout form, the trace)
//! and downloads it as xlsx, and another partner's code changes nothing.
//! On SQLite and on PostgreSQL.

use super::scorecards::{ZH, near};
use super::*;
use chrono::Datelike;
use qudao_app::incentives::DocumentFormat;
use qudao_app::targets::TargetInput;

/// The distributors' quarterly rebate over last year and this: 1% from 0,
/// 2% from 80% of target, 3% from 100%, into the rebate wallet.
fn rebate(year: i32) -> String {
    format!(
        r#"{{
  "kind": "rebate", "code": "RB-RUN", "name": "经销商季度返利", "version": 1,
  "currency": "CNY", "effective_from": "{year}-01-01", "effective_to": "{}-12-31",
  "period": "quarter",
  "scope": {{ "partner_types": ["distributor"] }},
  "base": {{ "measure": "sell_in_net" }},
  "mode": "retroactive",
  "brackets": [{{ "from": "0%", "rate": "1%" }}, {{ "from": "80%", "rate": "2%" }}, {{ "from": "100%", "rate": "3%" }}],
  "stacking": {{ "rule": "stacks", "order": 10 }},
  "payout": {{ "form": "wallet" }}
}}"#,
        year + 1
    )
}

/// Last year's third quarter: P1 bought ¥100,000 against a ¥100,000
/// target; the program is in force.
async fn last_years_quarter(env: &Env) -> Res<String> {
    env.catalog().await?;
    let year = qudao_app::today().year() - 1;
    let at = "'2026-01-01T00:00:00+00:00'";
    let cast = if env.url.starts_with("postgres") {
        format!("CAST({at} AS TIMESTAMPTZ)")
    } else {
        at.to_owned()
    };
    env.raw(&format!(
        "INSERT INTO sellin_lines (partner_id, product_id, date, qty, amount_minor, currency, \
         source, created_at) \
         SELECT pa.id, pr.id, '{year}-08-15', 1000, 10000000, 'CNY', 'import', {cast} \
         FROM partners pa, products pr WHERE pa.code = 'P1' AND pr.sku = 'LGT-1'"
    ))
    .await?;
    let period = format!("{year}-Q3");
    let set = env
        .app
        .set_target(
            &env.system,
            &TargetInput {
                period: period.clone(),
                subject_type: "partner".into(),
                subject_code: Some("P1".into()),
                measure: "sell_in_amount".into(),
                product_line: None,
                value: "100000".into(),
                version: None,
            },
        )
        .await?;
    env.app.approve_target(&env.system, set.id).await?;
    let saved = env
        .app
        .save_program(&env.system, &rebate(year), DocumentFormat::Json)
        .await?;
    assert!(saved.ok(), "{:?}", saved.problems);
    env.app.activate_program(&env.system, "RB-RUN", 1).await?;
    Ok(period)
}

async fn incentive_run_pages_compute_explain_approve_pay_and_statement(env: Env) -> Res {
    let period = last_years_quarter(&env).await?;
    let mut manager = env.signed_in("manager").await?;
    manager.get("/lang/zh-CN?next=/").await?;
    let form = manager.get_with("/incentives/runs", ZH).await?.text();
    assert!(
        form.contains(r#"value="RB-RUN" data-testid="run-program""#)
            && near(&form, "run-program").contains("经销商季度返利"),
        "{form}"
    );
    assert!(form.contains("试算（不保存）"), "{form}");

    let dry = manager
        .submit(
            "/incentives/runs",
            &[
                ("period", &period),
                ("programs", "RB-RUN"),
                ("action", "dry_run"),
            ],
        )
        .await?;
    assert_eq!(dry.status, StatusCode::OK);
    let html = dry.text();
    assert!(html.contains(r#"data-testid="dry-run-note""#), "{html}");
    assert!(near(&html, "result-row").contains("Partner P1"), "{html}");
    assert!(html.contains("¥3,000.00"), "{html}");
    assert!(env.app.incentive_runs(&env.system, None).await?.is_empty());

    let none = manager
        .submit(
            "/incentives/runs",
            &[("period", &period), ("programs", "NOPE"), ("action", "run")],
        )
        .await?;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        near(&none.text(), "programs-error").contains("方案在该期间不生效"),
        "{}",
        none.text()
    );
    assert!(env.app.incentive_runs(&env.system, None).await?.is_empty());

    let written = manager
        .submit(
            "/incentives/runs",
            &[("period", &period), ("action", "run")],
        )
        .await?;
    assert_eq!(written.status, StatusCode::SEE_OTHER, "{}", written.text());
    let at = written.location().to_owned();
    let id: i64 = at.trim_start_matches("/incentives/runs/").parse()?;
    let page = manager.get_with(&at, ZH).await?.text();
    assert!(near(&page, "run-status").contains("已计算"), "{page}");
    let row = near(&page, "result-row");
    assert!(row.contains("Partner P1") && row.contains("P1"), "{page}");
    assert!(page.contains("100%") && page.contains("第 3 档"), "{page}");
    assert!(page.contains("3%") && page.contains("¥3,000.00"), "{page}");
    assert!(page.contains("已计入"), "{page}");
    assert!(page.contains(r#"data-testid="rerun""#), "{page}");
    assert!(!page.contains(r#"data-testid="approve""#), "{page}");
    let filtered = manager
        .get_with(&format!("{at}?q=nobody"), ZH)
        .await?
        .text();
    assert!(filtered.contains("没有符合筛选条件的结果"), "{filtered}");

    let why = manager
        .get_with(&format!("{at}/results/P1"), ZH)
        .await?
        .text();
    let trace = near(&why, "trace");
    for words in [
        "进货净额 ¥100,000.00",
        "目标 ¥100,000.00，达成率 100%",
        "达到第 3 档（≥100%",
        "，费率 3%",
    ] {
        assert!(trace.contains(words), "{words}: {why}");
    }
    assert!(why.contains("¥100,000.00 × 3% = ¥3,000.00"), "{why}");
    assert!(why.contains("四舍五入为 ¥3,000.00"), "{why}");
    assert!(near(&why, "sources").contains("月份"), "{why}");

    let preview = manager.get_with(&format!("{at}/rerun"), ZH).await?.text();
    assert!(preview.contains("重新核算的结果与原结果相同"), "{preview}");

    let mut rep = env.api("rep").await?;
    let refused = rep
        .post_json(
            "/api/v1/incentive-runs",
            &serde_json::json!({ "period": period }),
            &[],
        )
        .await?;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let not_manager = manager.submit(&format!("{at}/approve"), &[]).await?;
    assert_eq!(not_manager.status, StatusCode::FORBIDDEN);

    // A run of this quarter has not ended: finance's approval is refused,
    // in words, and nothing changes.
    let this_quarter = {
        let today = qudao_app::today();
        format!("{}-Q{}", today.year(), today.month0() / 3 + 1)
    };
    let mut api = env.api("manager").await?;
    let open = api
        .post_json(
            "/api/v1/incentive-runs",
            &serde_json::json!({ "period": this_quarter, "programs": ["RB-RUN"] }),
            &[],
        )
        .await?;
    assert_eq!(open.status, StatusCode::CREATED, "{}", open.text());
    let open_id = open.json()?["run"]["id"].as_i64().ok_or("an id")?;
    assert_eq!(open.json()?["run"]["provisional"], true);
    let mut finance = env.signed_in("finance").await?;
    finance.get("/lang/zh-CN?next=/").await?;
    let open_page = finance
        .get_with(&format!("/incentives/runs/{open_id}"), ZH)
        .await?
        .text();
    assert!(open_page.contains("暂估"), "{open_page}");
    let refused = finance
        .submit(&format!("/incentives/runs/{open_id}/approve"), &[])
        .await?;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    let said = finance
        .get_with(&format!("/incentives/runs/{open_id}"), ZH)
        .await?
        .text();
    assert!(said.contains("期间尚未结束，暂估的核算不能审批"), "{said}");
    assert!(near(&said, "run-status").contains("已计算"), "{said}");

    let page = finance.get_with(&at, ZH).await?.text();
    assert!(page.contains("不能撤销"), "{page}");
    let approved = finance.submit(&format!("{at}/approve"), &[]).await?;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    let page = finance.get_with(&at, ZH).await?.text();
    assert!(near(&page, "run-status").contains("已审批"), "{page}");
    assert!(page.contains(r#"data-testid="pay""#), "{page}");
    let paid = finance.submit(&format!("{at}/pay"), &[]).await?;
    assert_eq!(paid.status, StatusCode::SEE_OTHER);
    let page = finance.get_with(&at, ZH).await?.text();
    assert!(near(&page, "run-status").contains("已发放"), "{page}");
    assert!(near(&page, "paid-by").contains("User finance"), "{page}");
    assert!(
        near(&page, "approved-by").contains("User finance"),
        "{page}"
    );
    let api_run = api.get(&format!("/api/v1/incentive-runs/{id}")).await?;
    assert_eq!(api_run.json()?["run"]["status"], "paid");

    let mut boss = env.signed_in("padmin").await?;
    boss.get("/lang/zh-CN?next=/").await?;
    let mine = boss.get_with("/my/incentives", ZH).await?.text();
    assert!(mine.contains("经销商季度返利"), "{mine}");
    assert!(near(&mine, "trace").contains("达成率 100%"), "{mine}");
    assert!(near(&mine, "earned").contains("¥3,000.00"), "{mine}");
    assert!(near(&mine, "settled").contains("¥3,000.00"), "{mine}");
    assert!(near(&mine, "owed").contains("¥0.00"), "{mine}");
    let ledger = near(&mine, "ledger");
    assert!(
        ledger.contains("已计提") || mine.contains("已计提"),
        "{mine}"
    );
    assert!(mine.contains("返利池"), "{mine}");
    let xlsx = boss.get("/my/incentives?format=xlsx").await?;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with(b"PK"));
    assert!(
        xlsx.header(header::CONTENT_DISPOSITION).contains(".xlsx"),
        "{:?}",
        xlsx.headers
    );
    let mut partner_api = env.api("padmin").await?;
    let own = partner_api
        .get("/api/v1/incentive-statement?subject=P3")
        .await?
        .json()?;
    assert_eq!(own["code"], "P1");
    assert_eq!(own["owed"], 0);
    assert_eq!(own["settled"], 300_000);
    let staff = manager
        .get_with("/partners/P1/incentives", ZH)
        .await?
        .text();
    assert!(staff.contains("Partner P1 的激励对账单"), "{staff}");
    Ok(())
}

#[tokio::test]
async fn incentive_run_pages_on_sqlite() -> Res {
    incentive_run_pages_compute_explain_approve_pay_and_statement(
        Env::new("incentive_run_pages").await?,
    )
    .await
}

#[tokio::test]
async fn incentive_run_pages_on_postgres() -> Res {
    incentive_run_pages_compute_explain_approve_pay_and_statement(
        Env::postgres("incentive_run_pages").await?,
    )
    .await
}

/// A program on a fixed threshold has no target: its row names the
/// threshold where the target would stand, as "门槛 …".
#[tokio::test]
async fn incentive_run_rows_name_a_threshold_where_a_target_would_stand() -> Res {
    let env = Env::new("incentive_run_threshold").await?;
    let period = last_years_quarter(&env).await?;
    let year = &period[..4];
    let sprint = format!(
        r#"{{
  "kind": "promotion", "code": "SPRINT", "name": "季度冲刺奖", "version": 1,
  "currency": "CNY", "effective_from": "{year}-01-01", "effective_to": "{year}-12-31",
  "period": "quarter",
  "scope": {{ "partner_types": ["distributor"] }},
  "base": {{ "measure": "sell_in_net" }},
  "attainment": {{ "source": "fixed_threshold", "amount": "50000.00" }},
  "mode": "fixed_amount",
  "brackets": [{{ "from": "0", "amount": "0" }}, {{ "from": "100%", "amount": "1000.00" }}],
  "stacking": {{ "rule": "stacks", "order": 20 }},
  "payout": {{ "form": "cash" }}
}}"#
    );
    let saved = env
        .app
        .save_program(&env.system, &sprint, DocumentFormat::Json)
        .await?;
    assert!(saved.ok(), "{:?}", saved.problems);
    env.app.activate_program(&env.system, "SPRINT", 1).await?;
    let mut manager = env.signed_in("manager").await?;
    manager.get("/lang/zh-CN?next=/").await?;
    manager.get_with("/incentives/runs", ZH).await?;
    let dry = manager
        .submit(
            "/incentives/runs",
            &[
                ("period", &period),
                ("programs", "SPRINT"),
                ("action", "dry_run"),
            ],
        )
        .await?;
    let html = dry.text();
    let row = near(&html, "result-row");
    assert!(row.contains("门槛 ¥50,000.00"), "{html}");
    assert!(html.contains("¥1,000.00"), "{html}");
    Ok(())
}

/// A multiplied part that also earns more points says both factors where
/// the result lists its sources.
#[tokio::test]
async fn incentive_result_sources_name_a_parts_points_factor() -> Res {
    let env = Env::new("incentive_points_factor").await?;
    let period = last_years_quarter(&env).await?;
    let year = &period[..4];
    let pointed = format!(
        r#"{{
  "kind": "rebate", "code": "RB-PTS", "name": "灯具积分返利", "version": 1,
  "currency": "CNY", "effective_from": "{year}-01-01", "effective_to": "{year}-12-31",
  "period": "quarter",
  "scope": {{ "partner_types": ["distributor"] }},
  "base": {{ "measure": "sell_in_net" }},
  "mode": "flat", "rate": "1%",
  "multipliers": [{{ "skus": ["LGT-1"], "base_factor": "2", "points_factor": "3" }}],
  "points": {{ "per": "100.00", "expire_months": 12 }},
  "stacking": {{ "rule": "stacks", "order": 20 }},
  "payout": {{ "form": "cash" }}
}}"#
    );
    let saved = env
        .app
        .save_program(&env.system, &pointed, DocumentFormat::Json)
        .await?;
    assert!(saved.ok(), "{:?}", saved.problems);
    env.app.activate_program(&env.system, "RB-PTS", 1).await?;
    let mut manager = env.signed_in("manager").await?;
    manager.get("/lang/zh-CN?next=/").await?;
    manager.get_with("/incentives/runs", ZH).await?;
    let written = manager
        .submit(
            "/incentives/runs",
            &[
                ("period", &period),
                ("programs", "RB-PTS"),
                ("action", "run"),
            ],
        )
        .await?;
    assert_eq!(written.status, StatusCode::SEE_OTHER, "{}", written.text());
    let why = manager
        .get_with(&format!("{}/results/P1", written.location()), ZH)
        .await?
        .text();
    assert!(
        why.contains("产品 LGT-1（LGT-1） ¥100,000.00 × 2 倍，积分 × 3 倍"),
        "{why}"
    );
    Ok(())
}

/// The runs page opens on the fiscal quarter that ended last, not the
/// calendar one: under a fiscal year whose start makes the two differ
/// today.
#[tokio::test]
async fn incentive_runs_open_on_the_last_ended_fiscal_quarter() -> Res {
    let env = Env::new("incentive_runs_fiscal").await?;
    let today = qudao_app::today();
    let last_ended = |start: u32| {
        let calendar = qudao_domain::periods::FiscalCalendar::new(start).expect("1-12");
        match calendar.quarter_of(today) {
            (year, 1) => format!("{}-Q4", year - 1),
            (year, quarter) => format!("{year}-Q{}", quarter - 1),
        }
    };
    let start = (2..=12)
        .find(|&start| last_ended(start) != last_ended(1))
        .ok_or("a start unlike January's")?;
    env.app
        .update_settings(
            &env.system,
            &qudao_app::settings::SettingsInput {
                currency: "CNY".into(),
                fiscal_year_start: start.to_string(),
                new_product_days: "90".into(),
                overstock_days: "60".into(),
            },
        )
        .await?;
    let mut manager = env.signed_in("manager").await?;
    let page = manager.get_with("/incentives/runs", ZH).await?.text();
    let chosen = format!(r#"<option value="{}" selected>"#, last_ended(start));
    assert!(page.contains(&chosen), "{chosen}: {page}");
    Ok(())
}
