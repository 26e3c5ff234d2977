//! Writes the planned partners with their contacts, walks the ones being
//! recruited through the pipeline with evaluations, and grades everyone
//! signed.

use std::collections::BTreeMap;

use chrono::Datelike;
use qudao_app::grades::GradeChangeInput;
use qudao_app::onboarding::EvaluationInput;
use qudao_app::partners::{ContactInput, PartnerInput, RecordInput, StatusInput};
use qudao_app::today;
use qudao_app::{AppError, Caller, Qudao};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::Scale;
use crate::names::{self, pick};
use crate::network::{Home, Network, PlannedPartner, Stage};

/// What the partner step wrote.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Written {
    pub(crate) contacts: usize,
    pub(crate) evaluations: usize,
}

const EVALUATION_COMMENTS: &[&str] = &[
    "终端网点覆盖好，资金实力一般",
    "团队专业，行业经验丰富",
    "信用记录良好，需加强线上能力",
    "仓储物流完善",
    "首次接触，资料待补充",
];

/// The steps from prospect to each stage, with the reason given for each.
fn steps(stage: Stage) -> &'static [(&'static str, &'static str)] {
    const ALL: &[(&str, &str)] = &[
        ("screening", "初次拜访完成，进入资质审核"),
        ("negotiating", "评估通过，开始商务谈判"),
        ("active", "合同签署"),
    ];
    const LOST: &[(&str, &str)] = &[
        ("screening", "初次拜访完成，进入资质审核"),
        ("terminated", "未能就价格条件达成一致，选择了竞品"),
    ];
    match stage {
        Stage::Active | Stage::Prospect => &[],
        Stage::Screening => &ALL[..1],
        Stage::Negotiating => &ALL[..2],
        Stage::Signed => ALL,
        Stage::Lost => LOST,
    }
}

fn input(partner: &PlannedPartner, parent: Option<&PlannedPartner>) -> PartnerInput {
    PartnerInput {
        code: partner.code.clone(),
        name: partner.company.name.clone(),
        partner_type: partner.kind.to_owned(),
        parent_code: parent.map(|p| p.code.clone()),
        owner_login: Some(partner.owner.to_owned()),
        status: Some(
            if partner.stage == Stage::Active {
                "active"
            } else {
                "prospect"
            }
            .to_owned(),
        ),
        record: RecordInput {
            region_code: Some(partner.home.region_code().to_owned()),
            address: Some(partner.address.clone()),
            credit_limit: partner.credit_limit.map(|limit| limit.to_string()),
            currency: Some(partner.currency.to_owned()),
        },
    }
}

/// How many contacts a partner gets: at bench scale one for each depth-1
/// partner and none below, to keep the load quick.
fn contact_count(rng: &mut ChaCha8Rng, scale: Scale, partner: &PlannedPartner) -> usize {
    match (scale, partner.parent.is_some()) {
        (Scale::Bench, true) => 0,
        (Scale::Bench, false) | (Scale::Demo, true) => 1,
        (_, false) => {
            if rng.random_bool(0.6) {
                2
            } else {
                1
            }
        }
    }
}

/// Scores on every criterion around a level that says how good a
/// candidate this is.
fn evaluation(rng: &mut ChaCha8Rng, criteria: &[String]) -> EvaluationInput {
    let level: i32 = rng.random_range(55..=90);
    let scores = criteria
        .iter()
        .map(|code| {
            let score = (level + rng.random_range(-12..=10)).clamp(0, 100);
            (code.clone(), score.to_string())
        })
        .collect::<BTreeMap<_, _>>();
    EvaluationInput {
        scores,
        comment: Some((*pick(rng, EVALUATION_COMMENTS)).to_owned()),
    }
}

/// Creates every partner (parents first), its contacts, and for those being
/// recruited their evaluations and status steps.
pub(crate) async fn create(
    app: &Qudao,
    caller: &Caller,
    rng: &mut ChaCha8Rng,
    network: &Network,
    scale: Scale,
    criteria: &[String],
) -> Result<Written, AppError> {
    let mut written = Written::default();
    for partner in &network.partners {
        let parent = partner.parent.and_then(|p| network.partners.get(p));
        app.create_partner(caller, &input(partner, parent)).await?;
        for nth in 0..contact_count(rng, scale, partner) {
            let person = match partner.home {
                Home::Abroad { .. } => partner
                    .home
                    .country()
                    .map(|country| names::foreign_person(rng, country, &partner.company.slug, nth)),
                Home::China { .. } => {
                    Some(names::person(rng, partner.kind, &partner.company.slug, nth))
                }
            };
            let Some(person) = person else { continue };
            let contact = ContactInput {
                name: person.name,
                role: person.role.to_owned(),
                phone: person.phone,
                email: person.email,
                birthday: person.birthday,
            };
            app.add_contact(caller, &partner.code, &contact).await?;
            written.contacts += 1;
        }
        if partner.stage == Stage::Active {
            continue;
        }
        // Prospects are evaluated about half of the time; every later stage
        // was evaluated before it moved on.
        if partner.stage != Stage::Prospect || rng.random_bool(0.5) {
            app.evaluate_partner(caller, &partner.code, &evaluation(rng, criteria))
                .await?;
            written.evaluations += 1;
        }
        for (status, reason) in steps(partner.stage) {
            // A second evaluation closes some negotiations.
            if *status == "active" && rng.random_bool(0.5) {
                app.evaluate_partner(caller, &partner.code, &evaluation(rng, criteria))
                    .await?;
                written.evaluations += 1;
            }
            let change = StatusInput {
                status: (*status).to_owned(),
                reason: (*reason).to_owned(),
            };
            app.change_partner_status(caller, &partner.code, &change)
                .await?;
        }
    }
    Ok(written)
}

/// The share of each grade, best first, by partner type and depth: a
/// pyramid with few at the top.
fn grade_weights(partner: &PlannedPartner) -> [u32; 4] {
    match (partner.kind, partner.parent.is_some()) {
        (_, true) => [0, 4, 26, 70],
        ("distributor", _) => [30, 40, 25, 5],
        ("ecommerce", _) => [10, 30, 40, 20],
        ("agent", _) => [6, 24, 45, 25],
        ("cross_border", _) => [0, 25, 45, 30],
        ("direct_store", _) => [0, 20, 50, 30],
        _ => [3, 17, 40, 40],
    }
}

fn weighted(rng: &mut ChaCha8Rng, weights: [u32; 4]) -> usize {
    let mut roll = rng.random_range(0..weights.iter().sum::<u32>().max(1));
    for (i, w) in weights.iter().enumerate() {
        if roll < *w {
            return i;
        }
        roll -= w;
    }
    weights.len() - 1
}

/// Grades every signed partner. `ladder` is the grade codes, best first.
/// Some partners were promoted at the last review and keep the grade they
/// had before in their history. Returns how many partners hold each grade.
pub(crate) async fn grade(
    app: &Qudao,
    caller: &Caller,
    rng: &mut ChaCha8Rng,
    network: &Network,
    ladder: &[String],
) -> Result<Vec<(String, usize)>, AppError> {
    let mut held: Vec<(String, usize)> = ladder.iter().map(|g| (g.clone(), 0)).collect();
    let Some(last) = ladder.len().checked_sub(1) else {
        return Ok(held);
    };
    let year = today().year();
    let change = |grade: &str, reason: String| GradeChangeInput {
        grade: grade.to_owned(),
        reason,
    };
    for partner in network.partners.iter().filter(|p| p.stage.is_active()) {
        let position = if partner.stage == Stage::Signed {
            last
        } else {
            weighted(rng, grade_weights(partner)).min(last)
        };
        let reason = if partner.stage == Stage::Signed {
            "新签约渠道商，从最低等级起步".to_owned()
        } else {
            format!("{}年度渠道评审", year - 1)
        };
        if position < last && partner.parent.is_none() && rng.random_bool(0.25) {
            let earlier = format!("{}年度渠道评审", year - 2);
            app.change_partner_grade(
                caller,
                &partner.code,
                &change(&ladder[position + 1], earlier),
            )
            .await?;
        }
        app.change_partner_grade(caller, &partner.code, &change(&ladder[position], reason))
            .await?;
        held[position].1 += 1;
    }
    Ok(held)
}
