//! The demo's awards: five named awards over the scorecards, this year's
//! evaluation of every template, and each award run over the evaluations
//! it applies to, so the manager sees winners and the portal partner its
//! places.

use qudao_app::awards::AwardInput;
use qudao_app::imports::ImportKind;
use qudao_app::{AppError, Caller, Qudao};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::network::Network;

/// One of the demo's awards.
struct DemoAward {
    code: &'static str,
    name: &'static str,
    name_en: &'static str,
    measure: &'static str,
    per_group: &'static str,
    new_only: bool,
    places: &'static str,
    public: bool,
}

const fn award(
    code: &'static str,
    (name, name_en): (&'static str, &'static str),
    (measure, per_group): (&'static str, &'static str),
    new_only: bool,
    places: &'static str,
    public: bool,
) -> DemoAward {
    DemoAward {
        code,
        name,
        name_en,
        measure,
        per_group,
        new_only,
        places,
        public,
    }
}

const AWARDS: [DemoAward; 5] = [
    award(
        "best_partner",
        ("年度最佳合作伙伴", "Partner of the year"),
        ("total", "type"),
        false,
        "1",
        true,
    ),
    award(
        "sales_champion",
        ("销售冠军", "Sales champion"),
        ("sell_in_attainment", "none"),
        false,
        "3",
        true,
    ),
    award(
        "growth_star",
        ("成长之星", "Growth star"),
        ("sell_through_growth", "region"),
        false,
        "1",
        false,
    ),
    award(
        "service_benchmark",
        ("服务标杆", "Service benchmark"),
        ("customer_satisfaction", "none"),
        false,
        "3",
        true,
    ),
    award(
        "best_newcomer",
        ("最佳新伙伴", "Best new partner"),
        ("total", "none"),
        true,
        "1",
        false,
    ),
];

/// What was loaded: awards, award runs, winners.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Written {
    pub awards: usize,
    pub runs: usize,
    pub winners: usize,
}

pub(crate) async fn awards(app: &Qudao, system: &Caller) -> Result<usize, AppError> {
    for a in &AWARDS {
        let input = AwardInput {
            name: a.name.to_owned(),
            name_en: Some(a.name_en.to_owned()),
            measure: a.measure.to_owned(),
            per_group: a.per_group.to_owned(),
            new_only: a.new_only,
            // The newcomer must also be good, not only new.
            min_total: a.new_only.then(|| "50".to_owned()),
            places: a.places.to_owned(),
            public: a.public,
        };
        app.save_award(system, a.code, &input).await?;
    }
    Ok(AWARDS.len())
}

/// Imports this year's customer satisfaction of the partners whose
/// scorecard weighs it, evaluates every template for this year and runs
/// every award over each evaluation it applies to.
pub(crate) async fn runs(
    app: &Qudao,
    system: &Caller,
    rng: &mut ChaCha8Rng,
    network: &Network,
) -> Result<Written, AppError> {
    let year = qudao_app::today().format("%Y").to_string();
    let mut csv = String::from("period,subject_type,subject_code,kpi,value\n");
    for partner in network.partners.iter().filter(|p| p.stage.is_active()) {
        if matches!(partner.kind, "distributor" | "agent") {
            continue;
        }
        let rating: u32 = rng.random_range(60..=99);
        csv.push_str(&format!(
            "{year},partner,{},customer_satisfaction,{rating}\n",
            partner.code
        ));
    }
    let kind = ImportKind::parse("scorecard_inputs")
        .ok_or_else(|| AppError::Internal("no importer named scorecard_inputs".to_owned()))?;
    let report = app
        .import(system, kind, "satisfaction.csv", csv.as_bytes(), false)
        .await?;
    if let Some(error) = report.errors.first() {
        return Err(AppError::Internal(format!(
            "the demo's satisfaction import: {error:?}"
        )));
    }
    let evaluations = app.evaluate(system, &year, None).await?;
    let mut written = Written {
        awards: AWARDS.len(),
        ..Written::default()
    };
    for a in &AWARDS {
        for run in evaluations.iter().filter(|r| r.subject == "partner") {
            match app.run_award(system, a.code, run.id).await {
                Ok(done) => {
                    written.runs += 1;
                    written.winners += done.winners.len();
                }
                // An award over a KPI this scorecard does not weigh.
                Err(AppError::Invalid(problems))
                    if problems
                        .iter()
                        .all(|p| p.problem_rule() == Some("award_kpi_not_in_template")) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(written)
}
