//! Scorecard templates: one per partner type and one for the sales reps,
//! so an evaluation can be run on the demo's year of trade at once.

use qudao_app::scorecards::{KpiInput, TemplateInput};
use qudao_app::{AppError, Caller, Qudao};
use qudao_domain::partners::PartnerType;

fn linear(kpi: &str, weight: &str, floor: &str, target: &str) -> KpiInput {
    KpiInput {
        kpi: kpi.to_owned(),
        rule: "linear".to_owned(),
        weight: Some(weight.to_owned()),
        floor: Some(floor.to_owned()),
        target: Some(target.to_owned()),
        ..KpiInput::default()
    }
}

fn bands(kpi: &str, weight: &str, steps: &str) -> KpiInput {
    KpiInput {
        kpi: kpi.to_owned(),
        rule: "bands".to_owned(),
        weight: Some(weight.to_owned()),
        bands: Some(steps.to_owned()),
        ..KpiInput::default()
    }
}

fn violations() -> KpiInput {
    KpiInput {
        kpi: "compliance_violations".to_owned(),
        rule: "deduction".to_owned(),
        points_per_violation: Some("5".to_owned()),
        ..KpiInput::default()
    }
}

/// Those who hold stock and sell on are judged on the whole chain; those
/// who sell to consumers on growth and service.
fn partner_kpis(partner_type: PartnerType) -> Vec<KpiInput> {
    match partner_type {
        PartnerType::Distributor | PartnerType::Agent => vec![
            linear("sell_in_attainment", "30", "60", "100"),
            linear("sell_through_growth", "15", "-10", "20"),
            linear("collection_rate", "20", "70", "100"),
            linear("inventory_turnover_days", "10", "90", "30"),
            bands("gross_margin", "5", "0:0; 10:60; 20:100"),
            linear("reporting_discipline", "10", "50", "100"),
            linear("product_coverage", "10", "30", "100"),
            violations(),
        ],
        _ => vec![
            linear("sell_in_attainment", "35", "60", "100"),
            linear("sell_through_growth", "20", "-10", "20"),
            linear("collection_rate", "15", "70", "100"),
            linear("reporting_discipline", "15", "50", "100"),
            linear("customer_satisfaction", "15", "60", "95"),
            violations(),
        ],
    }
}

/// Writes the templates; returns how many.
pub(crate) async fn templates(app: &Qudao, system: &Caller) -> Result<usize, AppError> {
    let mut written = 0;
    for partner_type in PartnerType::ALL {
        let input = TemplateInput {
            code: String::new(),
            name: format!("{}评分卡", partner_type_zh(*partner_type)),
            subject: "partner".to_owned(),
            partner_type: Some(partner_type.as_str().to_owned()),
            kpis: partner_kpis(*partner_type),
        };
        app.save_scorecard_template(system, partner_type.as_str(), &input)
            .await?;
        written += 1;
    }
    let reps = TemplateInput {
        code: String::new(),
        name: "销售人员评分卡".to_owned(),
        subject: "rep".to_owned(),
        partner_type: None,
        kpis: vec![
            linear("rep_target_attainment", "40", "60", "100"),
            linear("rep_partner_collection_rate", "20", "70", "100"),
            linear("rep_partner_growth", "15", "-10", "20"),
            bands("rep_new_partners", "10", "0:0; 1:60; 3:100"),
            linear("rep_visits", "15", "20", "60"),
        ],
    };
    app.save_scorecard_template(system, "reps", &reps).await?;
    Ok(written + 1)
}

fn partner_type_zh(partner_type: PartnerType) -> &'static str {
    match partner_type {
        PartnerType::Distributor => "经销商",
        PartnerType::Agent => "代理商",
        PartnerType::Retailer => "零售商",
        PartnerType::Ecommerce => "电商",
        PartnerType::CrossBorder => "跨境",
        PartnerType::DirectStore => "直营店",
    }
}
