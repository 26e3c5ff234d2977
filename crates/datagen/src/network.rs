//! The partner network as a plan: who exists, where, under whom, owned by
//! whom and how far through recruitment. Planned in memory first so the
//! later steps (grades, agreements, territory rights) can look at the whole
//! network; nothing here touches the database.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::Scale;
use crate::geo::{CITIES, COUNTRIES, City, Country};
use crate::names::{self, Company, Names};

/// Where a partner is based.
#[derive(Clone, Copy)]
pub(crate) enum Home {
    China { city: usize, district: usize },
    Abroad { country: usize },
}

impl Home {
    pub(crate) fn city(self) -> Option<&'static City> {
        match self {
            Home::China { city, .. } => CITIES.get(city),
            Home::Abroad { .. } => None,
        }
    }

    pub(crate) fn country(self) -> Option<&'static Country> {
        match self {
            Home::Abroad { country } => COUNTRIES.get(country),
            Home::China { .. } => None,
        }
    }

    /// The home region on the partner record: the city (the district is in
    /// the address).
    pub(crate) fn region_code(self) -> &'static str {
        match self {
            Home::China { city, .. } => CITIES[city].code,
            Home::Abroad { country } => COUNTRIES[country].code,
        }
    }
}

/// How far a partner has come. Partners in the pipeline are created as
/// prospects and walked forward; `Signed` ones walk all the way to active,
/// `Lost` ones were screened and then not signed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Stage {
    Active,
    Prospect,
    Screening,
    Negotiating,
    Signed,
    Lost,
}

impl Stage {
    /// Active now (signed long ago or just now).
    pub(crate) fn is_active(self) -> bool {
        matches!(self, Stage::Active | Stage::Signed)
    }
}

pub(crate) struct PlannedPartner {
    pub(crate) code: String,
    pub(crate) kind: &'static str,
    pub(crate) parent: Option<usize>,
    pub(crate) home: Home,
    pub(crate) company: Company,
    pub(crate) address: String,
    pub(crate) owner: &'static str,
    /// Major units, or none for the brand's own stores.
    pub(crate) credit_limit: Option<u64>,
    pub(crate) currency: &'static str,
    pub(crate) stage: Stage,
}

/// The whole plan, parents always before their children.
pub(crate) struct Network {
    pub(crate) partners: Vec<PlannedPartner>,
    /// The distributor whose boss signs in as `partner.admin`.
    pub(crate) portal_distributor: usize,
    /// The downstream partner whose staff signs in as `partner.user`.
    pub(crate) portal_downstream: usize,
    /// A distributor suspended for overdue receivables.
    pub(crate) suspended: Option<usize>,
    /// A retailer whose cooperation ended.
    pub(crate) terminated: Option<usize>,
}

/// How many of each, per scale.
struct Sizes {
    distributors: usize,
    downstream: usize,
    min_downstream: usize,
    /// Other depth-1 partners, by type.
    tier1: [(&'static str, usize); 5],
    /// Prospects, screening, negotiating, recently signed, recently lost.
    pipeline: [usize; 5],
}

fn sizes(scale: Scale) -> Sizes {
    match scale {
        Scale::Demo => Sizes {
            distributors: 14,
            downstream: 96,
            min_downstream: 3,
            tier1: [
                ("agent", 20),
                ("retailer", 16),
                ("direct_store", 12),
                ("ecommerce", 10),
                ("cross_border", 8),
            ],
            pipeline: [8, 6, 5, 5, 2],
        },
        Scale::Bench => Sizes {
            distributors: 600,
            downstream: 7_500,
            min_downstream: 6,
            tier1: [
                ("agent", 500),
                ("retailer", 500),
                ("direct_store", 250),
                ("ecommerce", 150),
                ("cross_border", 100),
            ],
            // 10,000 partners in all: no lost ones at this scale.
            pipeline: [100, 100, 100, 100, 0],
        },
    }
}

/// Distributors' home cities in order: the first fourteen are the demo's,
/// one per big market; larger scales go round again.
const DISTRIBUTOR_CITIES: &[&str] = &[
    "310100", "110100", "440100", "440300", "330100", "320100", "510100", "420100", "500100",
    "430100", "410100", "610100", "370100", "350200",
];

/// Types the pipeline recruits, in turn.
const RECRUITED: &[&str] = &[
    "agent",
    "retailer",
    "distributor",
    "ecommerce",
    "agent",
    "cross_border",
    "retailer",
];

struct Planner<'a> {
    rng: &'a mut ChaCha8Rng,
    names: Names,
    partners: Vec<PlannedPartner>,
    weights_total: u32,
}

impl Planner<'_> {
    fn weighted_city(&mut self) -> usize {
        let mut roll = self.rng.random_range(0..self.weights_total);
        for (i, city) in CITIES.iter().enumerate() {
            if roll < city.weight {
                return i;
            }
            roll -= city.weight;
        }
        0
    }

    /// The channel manager covering `home`.
    fn manager(home: Home, turn: usize) -> &'static str {
        match home.city() {
            Some(city) if city.in_south() => "manager2",
            Some(_) => "manager",
            None if turn.is_multiple_of(2) => "manager2",
            None => "manager",
        }
    }

    fn add(
        &mut self,
        kind: &'static str,
        parent: Option<usize>,
        home: Home,
        owner: &'static str,
        stage: Stage,
    ) -> usize {
        let (company, address, currency) = match home {
            Home::China { city, district } => {
                let city = &CITIES[city];
                let company = self.names.company(self.rng, kind, city, district);
                let address = names::address(self.rng, city, district);
                (company, address, "CNY")
            }
            Home::Abroad { country } => {
                let country = &COUNTRIES[country];
                let company = self.names.foreign_company(self.rng, country);
                let address = names::foreign_address(self.rng, country);
                (company, address, country.currency)
            }
        };
        let credit_limit = credit_limit(self.rng, kind, parent.is_some());
        let number = u32::try_from(self.partners.len() + 1).unwrap_or(u32::MAX);
        self.partners.push(PlannedPartner {
            code: qudao_domain::partners::PartnerCode::numbered(number)
                .as_str()
                .to_owned(),
            kind,
            parent,
            home,
            company,
            address,
            owner,
            credit_limit,
            currency,
            stage,
        });
        self.partners.len() - 1
    }

    fn district(&mut self, city: usize) -> usize {
        self.rng.random_range(0..CITIES[city].districts.len())
    }

    /// A city for a downstream partner: mostly its distributor's own, else
    /// another in the same province.
    fn downstream_city(&mut self, parent_city: usize) -> usize {
        let province = CITIES[parent_city].province_code;
        let neighbours: Vec<usize> = (0..CITIES.len())
            .filter(|&i| i != parent_city && CITIES[i].province_code == province)
            .collect();
        if neighbours.is_empty() || self.rng.random_bool(0.65) {
            parent_city
        } else {
            neighbours[self.rng.random_range(0..neighbours.len())]
        }
    }
}

fn credit_limit(rng: &mut ChaCha8Rng, kind: &str, downstream: bool) -> Option<u64> {
    // (smallest, largest, step) in major units.
    let (low, high, step) = match (kind, downstream) {
        ("direct_store", _) => return None,
        (_, true) => (20_000, 300_000, 10_000),
        ("distributor", _) => (1_000_000, 8_000_000, 100_000),
        ("agent", _) => (300_000, 1_500_000, 50_000),
        ("ecommerce", _) => (500_000, 3_000_000, 100_000),
        ("cross_border", _) => (50_000, 500_000, 10_000),
        _ => (50_000, 500_000, 10_000),
    };
    Some(rng.random_range(low / step..=high / step) * step)
}

/// Plans the network: distributors each followed by their downstream
/// partners, then the other depth-1 partners, then the pipeline.
pub(crate) fn plan(rng: &mut ChaCha8Rng, scale: Scale) -> Network {
    let sizes = sizes(scale);
    let mut planner = Planner {
        rng,
        names: Names::default(),
        partners: Vec::new(),
        weights_total: CITIES.iter().map(|c| c.weight).sum(),
    };
    // Spread the downstream partners: every distributor gets a few, the
    // rest land where they land.
    let mut children = vec![sizes.min_downstream; sizes.distributors];
    let extra = sizes
        .downstream
        .saturating_sub(sizes.min_downstream * sizes.distributors);
    for _ in 0..extra {
        let at = planner.rng.random_range(0..sizes.distributors);
        children[at] += 1;
    }
    let city_of = |code: &str| CITIES.iter().position(|c| c.code == code).unwrap_or(0);
    let mut distributors = Vec::with_capacity(sizes.distributors);
    for (i, &count) in children.iter().enumerate() {
        let city = if i < DISTRIBUTOR_CITIES.len() {
            city_of(DISTRIBUTOR_CITIES[i])
        } else {
            planner.weighted_city()
        };
        let home = Home::China {
            city,
            district: planner.district(city),
        };
        let owner = Planner::manager(home, i);
        let distributor = planner.add("distributor", None, home, owner, Stage::Active);
        distributors.push(distributor);
        for _ in 0..count {
            let kind = if planner.rng.random_bool(0.7) {
                "retailer"
            } else {
                "agent"
            };
            let city = planner.downstream_city(city);
            let home = Home::China {
                city,
                district: planner.district(city),
            };
            // Sales reps cover some of the shops in the distributors' trees.
            let owner = if kind == "retailer" && planner.rng.random_bool(0.3) {
                "rep"
            } else {
                owner
            };
            planner.add(kind, Some(distributor), home, owner, Stage::Active);
        }
    }
    let mut retailers = Vec::new();
    for (kind, count) in sizes.tier1 {
        for turn in 0..count {
            let home = if kind == "cross_border" {
                Home::Abroad {
                    country: turn % COUNTRIES.len(),
                }
            } else {
                let city = planner.weighted_city();
                Home::China {
                    city,
                    district: planner.district(city),
                }
            };
            let owner = match kind {
                "retailer" | "direct_store" if planner.rng.random_bool(0.5) => "rep",
                _ => Planner::manager(home, turn),
            };
            let index = planner.add(kind, None, home, owner, Stage::Active);
            if kind == "retailer" {
                retailers.push(index);
            }
        }
    }
    let stages = [
        Stage::Prospect,
        Stage::Screening,
        Stage::Negotiating,
        Stage::Signed,
        Stage::Lost,
    ];
    let mut turn = 0;
    for (stage, count) in stages.into_iter().zip(sizes.pipeline) {
        for _ in 0..count {
            let kind = RECRUITED[turn % RECRUITED.len()];
            let home = if kind == "cross_border" {
                Home::Abroad {
                    country: planner.rng.random_range(0..COUNTRIES.len()),
                }
            } else {
                let city = planner.weighted_city();
                Home::China {
                    city,
                    district: planner.district(city),
                }
            };
            let owner = Planner::manager(home, turn);
            planner.add(kind, None, home, owner, stage);
            turn += 1;
        }
    }
    let portal_distributor = distributors.first().copied().unwrap_or(0);
    Network {
        portal_downstream: portal_distributor + 1,
        portal_distributor,
        suspended: distributors.get(2).copied(),
        terminated: retailers.last().copied(),
        partners: planner.partners,
    }
}
