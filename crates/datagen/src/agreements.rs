//! Agreements: most signed depth-1 partners hold one, some amended a few
//! months ago, a handful ending within the expiring list's 60 days, and the
//! partners still negotiating have drafts. Dates are relative to today.

use chrono::{Days, Months, NaiveDate};
use qudao_app::agreements::{AgreementInput, TerminateInput};
use qudao_app::today;
use qudao_app::{AppError, Caller, Qudao};
use rand::RngExt;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::Scale;
use crate::names::pick;
use crate::network::{Network, PlannedPartner, Stage};

/// The days an agreement is in force, which its territory rights follow.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Term {
    pub(crate) from: NaiveDate,
    pub(crate) to: NaiveDate,
}

#[derive(Default)]
pub(crate) struct Signed {
    /// Per partner, the term of the agreement in force, if any.
    pub(crate) terms: Vec<Option<Term>>,
    pub(crate) active: usize,
    pub(crate) amended: usize,
    pub(crate) expiring: usize,
    pub(crate) drafts: usize,
}

const AMENDMENTS: &[&str] = &[
    "上调年度目标",
    "新增返利计划",
    "账期延长至60天",
    "合同期限延长一年",
];

fn expiring_count(scale: Scale) -> usize {
    match scale {
        Scale::Demo => 5,
        Scale::Bench => 40,
    }
}

fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn before(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_sub_days(Days::new(days)).unwrap_or(date)
}

fn after(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days)).unwrap_or(date)
}

/// The last day of a term of `years` starting on `from`.
fn term_end(from: NaiveDate, years: u32) -> NaiveDate {
    before(
        from.checked_add_months(Months::new(12 * years))
            .unwrap_or(from),
        1,
    )
}

/// The first version's terms, as a channel manager would type them. The
/// annual target ranges are about what the trade simulation (`trade.rs`)
/// has each type buy in a year, so attainment reads like a real year's.
fn first_version(rng: &mut ChaCha8Rng, partner: &PlannedPartner, term: Term) -> AgreementInput {
    let (price_list, programs, low, high, step, days): (_, &[&str], u64, u64, u64, &[u32]) =
        match partner.kind {
            "distributor" => (
                "PL-DIST-CN",
                &["RB-ANNUAL", "RB-GROWTH"],
                1_500_000,
                3_500_000,
                100_000,
                &[30, 45, 60],
            ),
            "agent" => (
                "PL-AGENT-CN",
                &["RB-ANNUAL"],
                400_000,
                1_000_000,
                50_000,
                &[30, 45],
            ),
            "ecommerce" => (
                "PL-ECOM-CN",
                &["RB-618", "RB-1111"],
                600_000,
                1_500_000,
                50_000,
                &[60],
            ),
            "cross_border" => (
                "PL-EXPORT",
                &["RB-EXPORT"],
                50_000,
                150_000,
                10_000,
                &[60, 90],
            ),
            _ => (
                "PL-RETAIL-CN",
                &["RB-DISPLAY"],
                80_000,
                200_000,
                10_000,
                &[15, 30],
            ),
        };
    let net = *pick(rng, days);
    let target = rng.random_range(low / step..=high / step) * step;
    let abroad = partner.kind == "cross_border";
    AgreementInput {
        amends: None,
        valid_from: day(term.from),
        valid_to: day(term.to),
        price_list_code: price_list.to_owned(),
        rebate_programs: programs.join(","),
        annual_target: target.to_string(),
        // Planned in the company's currency, as its year target will be;
        // a figure in another is converted at its first month's rate,
        // which the demo's rates do not reach back to for older terms.
        currency: "CNY".to_owned(),
        after_sales_duties: if abroad {
            "Handles returns and warranty claims in its market; replies within 72 hours".to_owned()
        } else {
            "负责授权区域内退换货与客诉处理，48小时内响应".to_owned()
        },
        payment_net_days: net.to_string(),
        payment_terms: if abroad {
            format!("T/T, net {net} days")
        } else {
            format!("月结{net}天，银行转账")
        },
        training_duties: "每季度参加一次新品培训".to_owned(),
        signed_on: day(before(term.from, rng.random_range(3..=20))),
        note: String::new(),
    }
}

/// The amendment of `first`: starts `from`, changes what its note says.
fn amendment(rng: &mut ChaCha8Rng, first: &AgreementInput, from: NaiveDate) -> AgreementInput {
    let note = *pick(rng, AMENDMENTS);
    let mut next = first.clone();
    next.amends = Some(1);
    next.valid_from = day(from);
    next.signed_on = day(before(from, rng.random_range(3..=15)));
    next.note = note.to_owned();
    match AMENDMENTS.iter().position(|a| *a == note) {
        Some(0) => {
            let target: u64 = first.annual_target.parse().unwrap_or(0);
            next.annual_target = (target / 100 * rng.random_range(110..=130)).to_string();
        }
        Some(1) => next.rebate_programs.push_str(",RB-Q-PROMO"),
        Some(2) => next.payment_net_days = "60".to_owned(),
        _ => {
            if let Ok(to) = NaiveDate::parse_from_str(&first.valid_to, "%Y-%m-%d") {
                next.valid_to = day(term_end(after(to, 1), 1));
            }
        }
    }
    next
}

/// Writes every agreement and returns the terms in force.
pub(crate) async fn sign(
    app: &Qudao,
    caller: &Caller,
    rng: &mut ChaCha8Rng,
    network: &Network,
    scale: Scale,
) -> Result<Signed, AppError> {
    let today = today();
    let mut signed = Signed {
        terms: vec![None; network.partners.len()],
        ..Signed::default()
    };
    let eligible: Vec<usize> = network
        .partners
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            p.parent.is_none()
                && p.kind != "direct_store"
                && p.stage == Stage::Active
                && *i != network.portal_distributor
                && Some(*i) != network.suspended
                && Some(*i) != network.terminated
        })
        .map(|(i, _)| i)
        .collect();
    let mut shuffled = eligible.clone();
    shuffled.shuffle(rng);
    let expiring: Vec<usize> = shuffled.into_iter().take(expiring_count(scale)).collect();
    for (i, partner) in network.partners.iter().enumerate() {
        if partner.parent.is_some() || partner.kind == "direct_store" {
            continue;
        }
        let portal = i == network.portal_distributor;
        match partner.stage {
            Stage::Active if portal || expiring.contains(&i) || rng.random_bool(0.85) => {
                let (term, amend_from) = if expiring.contains(&i) {
                    let to = after(today, rng.random_range(5..=55));
                    let from = after(to.checked_sub_months(Months::new(24)).unwrap_or(to), 1);
                    (Term { from, to }, None)
                } else {
                    let from = before(today, rng.random_range(200..=900));
                    let term = Term {
                        from,
                        to: term_end(from, 3),
                    };
                    let amend = portal || rng.random_bool(0.2);
                    (
                        term,
                        amend.then(|| before(today, rng.random_range(30..=150))),
                    )
                };
                let first = first_version(rng, partner, term);
                app.create_agreement_draft(caller, &partner.code, &first)
                    .await?;
                app.activate_agreement(caller, &partner.code, 1).await?;
                signed.active += 1;
                let mut in_force = term;
                if let Some(from) = amend_from {
                    let second = amendment(rng, &first, from);
                    app.create_agreement_draft(caller, &partner.code, &second)
                        .await?;
                    app.activate_agreement(caller, &partner.code, 2).await?;
                    signed.amended += 1;
                    if let Ok(to) = NaiveDate::parse_from_str(&second.valid_to, "%Y-%m-%d") {
                        in_force.to = to;
                    }
                }
                if expiring.contains(&i) {
                    signed.expiring += 1;
                }
                signed.terms[i] = Some(in_force);
            }
            Stage::Signed => {
                let from = before(today, rng.random_range(0..=20));
                let term = Term {
                    from,
                    to: term_end(from, 2),
                };
                let first = first_version(rng, partner, term);
                app.create_agreement_draft(caller, &partner.code, &first)
                    .await?;
                app.activate_agreement(caller, &partner.code, 1).await?;
                signed.active += 1;
                signed.terms[i] = Some(term);
            }
            Stage::Negotiating if rng.random_bool(0.6) => {
                let from = after(today, rng.random_range(15..=45));
                let draft = first_version(
                    rng,
                    partner,
                    Term {
                        from,
                        to: term_end(from, 2),
                    },
                );
                app.create_agreement_draft(caller, &partner.code, &draft)
                    .await?;
                signed.drafts += 1;
            }
            _ => {}
        }
    }
    Ok(signed)
}

/// Ends a partner's agreement some weeks ago, before the partner itself is
/// terminated.
pub(crate) async fn terminate(
    app: &Qudao,
    caller: &Caller,
    rng: &mut ChaCha8Rng,
    partner: &PlannedPartner,
    term: Term,
) -> Result<(), AppError> {
    let effective = before(today(), rng.random_range(10..=40)).max(after(term.from, 1));
    let input = TerminateInput {
        effective_date: day(effective),
        reason: "经营调整，双方协商终止合作".to_owned(),
    };
    app.terminate_agreement(caller, &partner.code, &input)
        .await?;
    Ok(())
}
