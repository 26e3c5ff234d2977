//! The demo's incentive programs: five programs in force over last year
//! and this year (a retroactive distributors' rebate with a cap, a
//! marginal agents' rebate counting coffee twice, both also earning
//! points, a growth rebate that gives way to them, a tea sprint prize on
//! a fixed threshold, and the reps' commission), and, in the demo, the
//! quarter before last with its quarter targets, computed, approved by
//! finance and paid, so the runs page and the partner's statement open on
//! real figures while last quarter waits for the manager to run it (its
//! scorecards, too, still read the year's targets alone).

use chrono::Datelike;
use qudao_app::incentive_runs::RunRequest;
use qudao_app::incentives::DocumentFormat;
use qudao_app::targets::TargetInput;
use qudao_app::{AppError, Caller, Qudao};
use qudao_domain::periods::Period;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// The five programs, in force from January of `year - 1` to the end of
/// `year`.
fn programs(year: i32) -> [String; 5] {
    let from = format!("{}-01-01", year - 1);
    let to = format!("{year}-12-31");
    let head = |kind: &str, code: &str, name: &str| {
        format!(
            r#""kind": "{kind}", "code": "{code}", "name": "{name}", "version": 1, "currency": "CNY",
  "effective_from": "{from}", "effective_to": "{to}", "period": "quarter""#
        )
    };
    [
        format!(
            r#"{{ {},
  "scope": {{ "partner_types": ["distributor"] }},
  "base": {{ "measure": "sell_in_net" }},
  "mode": "retroactive",
  "brackets": [{{ "from": "0", "rate": "1%" }}, {{ "from": "80%", "rate": "2%" }}, {{ "from": "100%", "rate": "3%" }}],
  "cap": "200000.00",
  "stacking": {{ "rule": "stacks", "order": 10 }},
  "payout": {{ "form": "wallet", "max_share_per_order": "20%" }},
  "points": {{ "per": "100.00", "expire_months": 12 }} }}"#,
            head("rebate", "RB-DIST-Q", "经销商季度返利")
        ),
        format!(
            r#"{{ {},
  "scope": {{ "partner_types": ["agent"] }},
  "base": {{ "measure": "sell_in_net" }},
  "mode": "marginal",
  "brackets": [{{ "from": "0", "rate": "1%" }}, {{ "from": "90%", "rate": "2.5%" }}, {{ "from": "110%", "rate": "4%" }}],
  "multipliers": [{{ "lines": ["COFFEE"], "base_factor": "2", "points_factor": "2" }}],
  "cap": "150000.00",
  "stacking": {{ "rule": "stacks", "order": 20 }},
  "payout": {{ "form": "credit_note" }},
  "points": {{ "per": "100.00", "expire_months": 24 }} }}"#,
            head("rebate", "RB-AGENT-Q", "代理商阶梯返利")
        ),
        format!(
            r#"{{ {},
  "scope": {{ "partner_types": ["distributor", "agent", "retailer"] }},
  "base": {{ "measure": "sell_in_net" }},
  "growth": {{ "against": "same_period_last_year" }},
  "mode": "retroactive",
  "brackets": [{{ "from": "0", "rate": "0.5%" }}, {{ "from": "10%", "rate": "1%" }}, {{ "from": "30%", "rate": "2%" }}],
  "stacking": {{ "rule": "gives_way", "order": 30 }},
  "payout": {{ "form": "cash" }} }}"#,
            head("rebate", "RB-GROWTH-Q", "同比增长奖")
        ),
        format!(
            r#"{{ {},
  "scope": {{ "partner_types": ["distributor", "agent", "retailer", "ecommerce"] }},
  "base": {{ "measure": "sell_in_net", "product_lines": ["TEA"] }},
  "attainment": {{ "source": "fixed_threshold", "amount": "300000.00" }},
  "mode": "fixed_amount",
  "brackets": [{{ "from": "0", "amount": "0" }}, {{ "from": "100%", "amount": "3000.00" }}, {{ "from": "200%", "amount": "8000.00" }}],
  "stacking": {{ "rule": "stacks", "order": 40 }},
  "payout": {{ "form": "marketing_fund" }} }}"#,
            head("promotion", "PR-TEA-SPRINT", "茶饮季度冲刺奖")
        ),
        format!(
            r#"{{ {},
  "scope": {{ "reps": ["rep", "manager", "manager2"] }},
  "base": {{ "measure": "sell_in_net" }},
  "mode": "flat",
  "rate": "0.3%",
  "cap": "30000.00",
  "stacking": {{ "rule": "stacks", "order": 50 }},
  "payout": {{ "form": "cash" }} }}"#,
            head("commission", "CM-REPS-Q", "销售季度提成")
        ),
    ]
}

/// Saves and puts in force the five programs; how many.
pub async fn programs_in_force(app: &Qudao, system: &Caller) -> Result<usize, AppError> {
    let year = qudao_app::today().year();
    let documents = programs(year);
    for document in &documents {
        let check = app
            .save_program(system, document, DocumentFormat::Json)
            .await?;
        let Some(program) = check.program else {
            return Err(AppError::Internal(format!(
                "a demo program does not read: {:?}",
                check.problems
            )));
        };
        app.activate_program(system, &program.code, program.version)
            .await?;
    }
    Ok(documents.len())
}

/// The fiscal quarter before the last one that has ended.
async fn quarter_before_last(app: &Qudao) -> Result<Period, AppError> {
    let settings = app.current_settings().await?;
    let calendar = qudao_domain::periods::FiscalCalendar::new(settings.fiscal_year_start)
        .unwrap_or_else(|| qudao_domain::periods::FiscalCalendar::new(1).expect("January"));
    let (year, quarter) = calendar.quarter_of(qudao_app::today());
    Ok(if quarter <= 2 {
        Period::Quarter(year - 1, quarter + 2)
    } else {
        Period::Quarter(year, quarter - 2)
    })
}

/// What the demo's incentive run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DemoRun {
    pub quarter_targets: usize,
    pub results: usize,
    pub paid: i64,
}

/// The quarter before last: each partner that bought gets an approved quarter
/// target between 75% and 135% of what it bought (so brackets differ),
/// then every program is computed, approved by finance and paid.
pub async fn paid_run(
    app: &Qudao,
    system: &Caller,
    rng: &mut ChaCha8Rng,
) -> Result<DemoRun, AppError> {
    let quarter = quarter_before_last(app).await?;
    let bought = app
        .analytics_query(
            system,
            &qudao_app::analytics::QueryText {
                measures: vec!["sell_in_amount".to_owned()],
                by: vec!["partner".to_owned()],
                period: Some(quarter.to_string()),
                limit: Some(qudao_app::analytics::MAX_LIMIT),
                ..Default::default()
            },
        )
        .await?;
    let mut run = DemoRun::default();
    for row in &bought.rows {
        let Some(actual) = row.values.first().copied().flatten().filter(|a| *a > 0) else {
            continue;
        };
        let attainment: i64 = rng.random_range(75..=135);
        let target = (actual * 100 / attainment + 9_999) / 10_000 * 100;
        let set = app
            .set_target(
                system,
                &TargetInput {
                    period: quarter.to_string(),
                    subject_type: "partner".into(),
                    subject_code: Some(row.keys[0].code.clone()),
                    measure: "sell_in_amount".into(),
                    product_line: None,
                    value: target.to_string(),
                    version: None,
                },
            )
            .await?;
        app.approve_target(system, set.id).await?;
        run.quarter_targets += 1;
    }
    // Computed by a person, as runs are, so the page names who.
    let admin = app.caller_by_login("admin").await?;
    let computed = app
        .run_incentives(
            &admin,
            &RunRequest {
                period: quarter.to_string(),
                ..RunRequest::default()
            },
        )
        .await?;
    let id = computed
        .run
        .id
        .ok_or_else(|| AppError::Internal("the demo run was not written".into()))?;
    let finance = app.caller_by_login("finance").await?;
    app.approve_incentive_run(&finance, id).await?;
    let paid = app.pay_incentive_run(&finance, id).await?;
    run.results = computed.results.len();
    run.paid = paid.run.total;
    Ok(run)
}
