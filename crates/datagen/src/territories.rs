//! Territory rights in all three modes. Each partner type asks for the
//! rights it would ask for in real life, most wanted first; every request is
//! checked against those already planned with the domain's own collision
//! rule, so a request the app would refuse is never sent.
//!
//! - `TEA` and `COFFEE` are sold exclusively: a province per distributor, a
//!   country per cross-border partner;
//! - `SNACK` is selective: at most the selective limit of partners per city;
//! - `BEVERAGE` is intensive: anyone may sell it anywhere (nobody holds it
//!   exclusively).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use qudao_app::territories::AuthorizationInput;
use qudao_app::today;
use qudao_app::{AppError, Caller, Qudao};
use qudao_domain::dates::DateRange;
use qudao_domain::partners::PartnerId;
use qudao_domain::territories::{AuthorizationMode, Holding, ProductLine, check_holding};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::Scale;
use crate::agreements::Term;
use crate::geo::{CHINA, CHINA_PATH, CITIES};
use crate::network::{Home, Network, PlannedPartner};

use AuthorizationMode::{Exclusive, Intensive, Selective};

/// Authorizations granted, by mode.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Granted {
    pub(crate) exclusive: usize,
    pub(crate) selective: usize,
    pub(crate) intensive: usize,
}

/// A right a partner would like: `take` of the candidates in its group are
/// granted, the first ones that fit.
struct Wish {
    region_code: &'static str,
    path: String,
    line: &'static str,
    mode: AuthorizationMode,
}

fn wish(
    region_code: &'static str,
    path: String,
    line: &'static str,
    mode: AuthorizationMode,
) -> Wish {
    Wish {
        region_code,
        path,
        line,
        mode,
    }
}

/// The partner's wishes in groups; of each group the first that fits is
/// granted.
fn wishes(rng: &mut ChaCha8Rng, partner: &PlannedPartner) -> Vec<Vec<Wish>> {
    match partner.home {
        Home::Abroad { .. } => {
            let Some(country) = partner.home.country() else {
                return Vec::new();
            };
            vec![
                vec![
                    wish(country.code, country.path(), "TEA", Exclusive),
                    wish(country.code, country.path(), "COFFEE", Exclusive),
                ],
                vec![wish(country.code, country.path(), "BEVERAGE", Intensive)],
            ]
        }
        Home::China { district, .. } => {
            let Some(city) = partner.home.city() else {
                return Vec::new();
            };
            let province = || city.province_path();
            let at_city = |line, mode| wish(city.code, city.path(), line, mode);
            let at_district = |line, mode| {
                wish(
                    city.districts[district].0,
                    city.district_path(district),
                    line,
                    mode,
                )
            };
            match (partner.kind, partner.parent.is_some()) {
                ("distributor", _) => vec![
                    vec![
                        wish(city.province_code, province(), "TEA", Exclusive),
                        wish(city.province_code, province(), "COFFEE", Exclusive),
                        at_city("COFFEE", Exclusive),
                        at_city("TEA", Exclusive),
                    ],
                    vec![wish(city.province_code, province(), "BEVERAGE", Intensive)],
                    vec![at_city("SNACK", Selective)],
                ],
                ("agent", false) => {
                    let mut groups = vec![
                        vec![at_city("SNACK", Selective)],
                        vec![at_city("BEVERAGE", Intensive)],
                    ];
                    // Agents often cover a second city of their province.
                    if let Some(other) = CITIES
                        .iter()
                        .find(|c| c.province_code == city.province_code && c.code != city.code)
                    {
                        groups.push(vec![wish(other.code, other.path(), "SNACK", Selective)]);
                    }
                    groups
                }
                ("agent", true) => vec![vec![
                    at_city("SNACK", Selective),
                    at_city("BEVERAGE", Intensive),
                ]],
                ("retailer", false) => {
                    let mut groups = vec![vec![at_city("BEVERAGE", Intensive)]];
                    if rng.random_bool(0.4) {
                        groups.push(vec![at_city("SNACK", Selective)]);
                    }
                    groups
                }
                ("ecommerce", _) => vec![
                    vec![wish(CHINA, CHINA_PATH.to_owned(), "BEVERAGE", Intensive)],
                    vec![wish(CHINA, CHINA_PATH.to_owned(), "SNACK", Intensive)],
                ],
                ("direct_store", _) => vec![
                    vec![at_district("BEVERAGE", Intensive)],
                    vec![at_district("SNACK", Intensive)],
                ],
                _ => vec![vec![at_district("BEVERAGE", Intensive)]],
            }
        }
    }
}

/// Whether a partner asks for rights at all at this scale. At bench scale
/// downstream partners do not, nor do most shops: each grant checks every
/// right of its product line, so thousands of intensive rights make the
/// load slow without making the benchmark network more real.
fn asks(rng: &mut ChaCha8Rng, scale: Scale, partner: &PlannedPartner) -> bool {
    match scale {
        Scale::Demo => true,
        Scale::Bench => {
            partner.parent.is_none()
                && (!matches!(partner.kind, "retailer" | "direct_store") || rng.random_bool(0.25))
        }
    }
}

/// Without an agreement to follow, rights run from the start of this year
/// to the end of next year.
fn default_term() -> Term {
    let today = today();
    let year = today.year();
    Term {
        from: NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today),
        to: NaiveDate::from_ymd_opt(year + 1, 12, 31).unwrap_or(today),
    }
}

/// Grants every right that fits; `terms` are the agreements' terms per
/// partner, `limits` the selective limit per product line.
pub(crate) async fn grant(
    app: &Qudao,
    caller: &Caller,
    rng: &mut ChaCha8Rng,
    network: &Network,
    scale: Scale,
    terms: &[Option<Term>],
    limit_of: impl Fn(&str) -> u32,
) -> Result<Granted, AppError> {
    let mut planned: HashMap<&'static str, Vec<Holding>> = HashMap::new();
    let mut granted = Granted::default();
    let fallback = default_term();
    for (i, partner) in network.partners.iter().enumerate() {
        if !partner.stage.is_active() || Some(i) == network.terminated || !asks(rng, scale, partner)
        {
            continue;
        }
        let term = terms.get(i).copied().flatten().unwrap_or(fallback);
        let valid = DateRange::new(term.from, term.to, "valid_to")?;
        for group in wishes(rng, partner) {
            for wish in group {
                let candidate = Holding {
                    partner: PartnerId(i64::try_from(i).unwrap_or(i64::MAX)),
                    region_path: wish.path.clone(),
                    product_line: ProductLine::parse("product_line", wish.line)?,
                    valid,
                    mode: wish.mode,
                };
                let held = planned.entry(wish.line).or_default();
                if check_holding(&candidate, held, limit_of(wish.line)).is_err() {
                    continue;
                }
                let input = AuthorizationInput {
                    partner_code: partner.code.clone(),
                    region_code: wish.region_code.to_owned(),
                    product_line: wish.line.to_owned(),
                    mode: wish.mode.as_str().to_owned(),
                    valid_from: term.from.format("%Y-%m-%d").to_string(),
                    valid_to: term.to.format("%Y-%m-%d").to_string(),
                };
                app.create_authorization(caller, &input).await?;
                held.push(candidate);
                match wish.mode {
                    Exclusive => granted.exclusive += 1,
                    Selective => granted.selective += 1,
                    Intensive => granted.intensive += 1,
                }
                break;
            }
        }
    }
    Ok(granted)
}
