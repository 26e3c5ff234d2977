//! Regions (the geographic tree) and the territory rights partners hold in them.

use crate::dates::DateRange;
use crate::error::{Invalid, Problem, check_length, string_enum};
use crate::partners::PartnerId;

crate::code::code_type!(
    /// A region's code: a Chinese administrative division code (`310000`), an
    /// ISO 3166-1 alpha-2 country code (`DE`) or a code a user made up for their
    /// own unit (`EAST-1`). 1–16 of `A-Z 0-9 - _`, stored upper-case.
    RegionCode,
    Upper,
    16
);

impl RegionCode {
    pub fn parse(field: &'static str, value: &str) -> Result<Self, Invalid> {
        Self::parse_as(field, value)
    }
}

string_enum! {
    /// What kind of unit a region is; user-made units are `custom`.
    RegionLevel, "level" {
        Country => "country",
        Province => "province",
        City => "city",
        County => "county",
        Custom => "custom",
    }
}

impl RegionCode {
    /// Whether a user may give this code to a region of their own. Codes
    /// shaped like built-in ones (all digits, as Chinese division codes are,
    /// or two letters, as ISO countries are) are kept free so that a later
    /// data release can always add its units.
    pub fn is_reserved_shape(&self) -> bool {
        let s = self.0.as_str();
        s.chars().all(|c| c.is_ascii_digit())
            || (s.len() == 2 && s.chars().all(|c| c.is_ascii_uppercase()))
    }
}

/// A region's display name: 1–100 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct RegionName(String);

impl RegionName {
    pub fn parse(field: &'static str, value: &str) -> Result<Self, Invalid> {
        let value = value.trim();
        check_length(field, value, 1, 100)?;
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a region sits in the tree, given its parent's path. Like partners,
/// the tree is a materialised path of ids (`/1/35/`): "a region and all
/// inside it" is a prefix match, "all above it" are the ids in its path.
/// Depth 1 is a root (a country, or a user's own top-level unit).
pub fn region_position(parent_path: Option<&str>, id: i64) -> (String, i32) {
    match parent_path {
        None => (format!("/{id}/"), 1),
        Some(path) => {
            let depth = i32::try_from(path.matches('/').count()).unwrap_or(i32::MAX);
            (format!("{path}{id}/"), depth)
        }
    }
}

/// The ids of the regions above the one at `path`, outermost first.
pub fn ancestor_ids(path: &str) -> Vec<i64> {
    let ids: Vec<i64> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    ids.split_last()
        .map(|(_, above)| above.to_vec())
        .unwrap_or_default()
}

/// How two regions relate, from their paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Same,
    /// The other region lies inside this one.
    Inside,
    /// The other region contains this one.
    Above,
    Apart,
}

/// How the region at `other` relates to the region at `this`.
pub fn relation(this: &str, other: &str) -> Relation {
    if this == other {
        Relation::Same
    } else if other.starts_with(this) {
        Relation::Inside
    } else if this.starts_with(other) {
        Relation::Above
    } else {
        Relation::Apart
    }
}

crate::code::code_type!(
    /// A product line, e.g. `LIGHTING` or `PL-02`: a plain code until the catalog
    /// exists. 1–32 of `A-Z 0-9 - _`, stored upper-case.
    ProductLine,
    Upper,
    32
);

impl ProductLine {
    pub fn parse(field: &'static str, value: &str) -> Result<Self, Invalid> {
        Self::parse_as(field, value)
    }
}

/// The product line key of the global selective limit.
pub const ANY_PRODUCT_LINE: &str = "*";

/// The selective limit when none is set, globally or for the product line.
pub const DEFAULT_SELECTIVE_LIMIT: u32 = 3;

/// How many partners a selective product line allows in one region: 1–999.
pub fn parse_selective_limit(field: &'static str, value: &str) -> Result<u32, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::new(field, Problem::Required));
    }
    match value.parse::<u32>() {
        Ok(n) if (1..=999).contains(&n) => Ok(n),
        _ => Err(Invalid::new(
            field,
            Problem::Rule {
                rule: "selective_limit_range",
            },
        )),
    }
}

string_enum! {
    /// How exclusive a territory right is (DESIGN.md §2).
    AuthorizationMode, "mode" {
        Exclusive => "exclusive",
        Selective => "selective",
        Intensive => "intensive",
    }
}

/// An authorization's human code, `AU000012`.
pub fn authorization_code(n: i64) -> String {
    format!("AU{n:06}")
}

/// A territory right as the collision rules see it: who, where (the
/// region's path), what, when and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub partner: PartnerId,
    pub region_path: String,
    pub product_line: ProductLine,
    pub valid: DateRange,
    pub mode: AuthorizationMode,
}

/// Why a territory right cannot be granted, and which existing ones (as
/// indexes into the list checked against) are in the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    /// `authorization_duplicate`, `authorization_exclusive` or
    /// `authorization_selective_limit` (each a `rule.*` message).
    pub rule: &'static str,
    pub with: Vec<usize>,
}

/// Checks a territory right against those already granted (which must not
/// include the candidate itself):
///
/// - the same partner may not hold two overlapping rights to the same product
///   line in the same region (`authorization_duplicate`);
/// - an exclusive right allows no other partner to hold the product line in
///   the same region or any region inside or above it during an overlapping
///   period, whichever of the two is exclusive (`authorization_exclusive`);
/// - a selective right allows at most `selective_limit` distinct partners,
///   itself included, to hold the product line in the same region on any
///   one day, whatever their modes (`authorization_selective_limit`);
/// - an intensive right has no limit of its own.
pub fn check_holding(
    candidate: &Holding,
    existing: &[Holding],
    selective_limit: u32,
) -> Result<(), Collision> {
    let relevant =
        |h: &Holding| h.product_line == candidate.product_line && h.valid.overlaps(candidate.valid);
    if let Some(i) = existing.iter().position(|h| {
        relevant(h) && h.partner == candidate.partner && h.region_path == candidate.region_path
    }) {
        return Err(Collision {
            rule: "authorization_duplicate",
            with: vec![i],
        });
    }
    if let Some(i) = existing.iter().position(|h| {
        relevant(h)
            && h.partner != candidate.partner
            && relation(&candidate.region_path, &h.region_path) != Relation::Apart
            && (candidate.mode == AuthorizationMode::Exclusive
                || h.mode == AuthorizationMode::Exclusive)
    }) {
        return Err(Collision {
            rule: "authorization_exclusive",
            with: vec![i],
        });
    }
    if candidate.mode == AuthorizationMode::Selective {
        let others: Vec<usize> = (0..existing.len())
            .filter(|&i| {
                let h = &existing[i];
                relevant(h)
                    && h.partner != candidate.partner
                    && h.region_path == candidate.region_path
            })
            .collect();
        // The busiest day inside the candidate's range starts one of the
        // overlapping ranges (or the candidate's own).
        let mut days: Vec<_> = others
            .iter()
            .map(|&i| existing[i].valid.from().max(candidate.valid.from()))
            .collect();
        days.push(candidate.valid.from());
        for day in days {
            let mut partners: Vec<(PartnerId, usize)> = others
                .iter()
                .filter(|&&i| existing[i].valid.contains(day))
                .map(|&i| (existing[i].partner, i))
                .collect();
            partners.sort_unstable();
            partners.dedup_by_key(|(p, _)| *p);
            if partners.len() >= usize::try_from(selective_limit).unwrap_or(usize::MAX) {
                return Err(Collision {
                    rule: "authorization_selective_limit",
                    with: partners.into_iter().map(|(_, i)| i).collect(),
                });
            }
        }
    }
    Ok(())
}

/// The holdings of one product line indexed by region path, so a bulk grant
/// checks each candidate against the rights in its own region, above it and
/// inside it only, however many the line holds elsewhere. Indexes returned
/// (and in [`Collision::with`]) are positions in insertion order.
#[derive(Debug, Default)]
pub struct HoldingIndex {
    holdings: Vec<Holding>,
    by_path: std::collections::BTreeMap<String, Vec<usize>>,
}

impl HoldingIndex {
    pub fn insert(&mut self, holding: Holding) -> usize {
        let at = self.holdings.len();
        self.by_path
            .entry(holding.region_path.clone())
            .or_default()
            .push(at);
        self.holdings.push(holding);
        at
    }

    /// Holdings in the region at `path`, in the regions above it and in
    /// those inside it: every one the collision rule can relate to it.
    fn near(&self, path: &str) -> Vec<usize> {
        let mut near: Vec<usize> = path
            .match_indices('/')
            .map(|(i, _)| &path[..=i])
            .filter(|above| above.len() > 1 && above.len() < path.len())
            .filter_map(|above| self.by_path.get(above))
            .flatten()
            .copied()
            .collect();
        near.extend(
            self.by_path
                .range(path.to_owned()..)
                .take_while(|(p, _)| p.starts_with(path))
                .flat_map(|(_, at)| at.iter().copied()),
        );
        near.sort_unstable();
        near
    }

    /// [`check_holding`] against the indexed holdings.
    pub fn check(&self, candidate: &Holding, selective_limit: u32) -> Result<(), Collision> {
        let near = self.near(&candidate.region_path);
        let subset: Vec<Holding> = near.iter().map(|&i| self.holdings[i].clone()).collect();
        check_holding(candidate, &subset, selective_limit).map_err(|collision| Collision {
            rule: collision.rule,
            with: collision.with.into_iter().map(|i| near[i]).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn day(n: u64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(n)
    }

    fn holding(
        partner: i64,
        path: &str,
        line: &str,
        from: u64,
        to: u64,
        mode: AuthorizationMode,
    ) -> Holding {
        Holding {
            partner: PartnerId(partner),
            region_path: path.to_owned(),
            product_line: ProductLine::parse("product_line", line).unwrap(),
            valid: DateRange::new(day(from), day(to), "valid_to").unwrap(),
            mode,
        }
    }

    use AuthorizationMode::{Exclusive, Intensive, Selective};

    #[test]
    fn positions_and_relations() {
        let (cn, depth) = region_position(None, 1);
        assert_eq!((cn.as_str(), depth), ("/1/", 1));
        let (sh, depth) = region_position(Some(&cn), 35);
        assert_eq!((sh.as_str(), depth), ("/1/35/", 2));
        let (pd, depth) = region_position(Some(&sh), 400);
        assert_eq!((pd.as_str(), depth), ("/1/35/400/", 3));
        assert_eq!(ancestor_ids(&pd), vec![1, 35]);
        assert!(ancestor_ids(&cn).is_empty());
        assert_eq!(relation(&sh, &pd), Relation::Inside);
        assert_eq!(relation(&pd, &cn), Relation::Above);
        assert_eq!(relation(&sh, &sh), Relation::Same);
        assert_eq!(
            relation("/1/35/", "/1/3/"),
            Relation::Apart,
            "ids, not digits"
        );
        assert_eq!(relation("/1/3/", "/1/35/"), Relation::Apart);
    }

    #[test]
    fn reserved_code_shapes() {
        let code = |s| RegionCode::parse("code", s).unwrap();
        assert!(code("310000").is_reserved_shape());
        assert!(code("de").is_reserved_shape());
        assert!(!code("EAST-1").is_reserved_shape());
        assert!(!code("ABC").is_reserved_shape());
    }

    #[test]
    fn product_lines_and_limits() {
        assert_eq!(
            ProductLine::parse("product_line", " pl-02 ")
                .unwrap()
                .as_str(),
            "PL-02"
        );
        assert!(ProductLine::parse("product_line", "照明").is_err());
        assert!(ProductLine::parse("product_line", &"A".repeat(33)).is_err());
        assert_eq!(parse_selective_limit("max_partners", " 5 "), Ok(5));
        assert!(parse_selective_limit("max_partners", "0").is_err());
        assert!(parse_selective_limit("max_partners", "-1").is_err());
        assert!(parse_selective_limit("max_partners", "1000").is_err());
        assert_eq!(authorization_code(12), "AU000012");
        assert_eq!(AuthorizationMode::parse("selective"), Ok(Selective));
    }

    #[test]
    fn exclusive_blocks_others_above_inside_and_same() {
        let existing = vec![
            holding(2, "/1/35/", "L", 0, 364, Intensive),
            holding(3, "/1/36/", "L", 0, 364, Intensive),
        ];
        // Exclusive over the whole country collides with partner 2 in 35.
        let err =
            check_holding(&holding(1, "/1/", "L", 100, 200, Exclusive), &existing, 3).unwrap_err();
        assert_eq!((err.rule, err.with), ("authorization_exclusive", vec![0]));
        // Another product line, or a period after, is free.
        assert!(check_holding(&holding(1, "/1/", "M", 0, 364, Exclusive), &existing, 3).is_ok());
        assert!(check_holding(&holding(1, "/1/", "L", 365, 400, Exclusive), &existing, 3).is_ok());
        // A selective right below someone's exclusive one is refused.
        let existing = vec![holding(2, "/1/", "L", 0, 364, Exclusive)];
        let err = check_holding(
            &holding(1, "/1/35/400/", "L", 10, 10, Selective),
            &existing,
            3,
        )
        .unwrap_err();
        assert_eq!((err.rule, err.with), ("authorization_exclusive", vec![0]));
        // The holder itself may add more inside its own exclusive region.
        assert!(check_holding(&holding(2, "/1/35/", "L", 0, 364, Intensive), &existing, 3).is_ok());
    }

    #[test]
    fn duplicates_selective_limits_and_intensive() {
        let existing = vec![holding(1, "/1/35/", "L", 0, 99, Intensive)];
        let err = check_holding(&holding(1, "/1/35/", "L", 99, 120, Selective), &existing, 3)
            .unwrap_err();
        assert_eq!(err.rule, "authorization_duplicate");
        assert!(
            check_holding(
                &holding(1, "/1/35/", "L", 100, 120, Selective),
                &existing,
                3
            )
            .is_ok()
        );

        let existing = vec![
            holding(2, "/1/35/", "L", 0, 99, Selective),
            holding(3, "/1/35/", "L", 50, 150, Intensive),
            holding(4, "/1/35/", "L", 120, 200, Selective),
        ];
        // Days 50–99 already have two partners: a third is the limit of 3…
        assert!(check_holding(&holding(1, "/1/35/", "L", 0, 364, Selective), &existing, 3).is_ok());
        // …but over a limit of 2.
        let err =
            check_holding(&holding(1, "/1/35/", "L", 90, 95, Selective), &existing, 2).unwrap_err();
        assert_eq!(
            (err.rule, err.with),
            ("authorization_selective_limit", vec![0, 1])
        );
        // Days 100–119 hold only partner 3.
        assert!(
            check_holding(
                &holding(1, "/1/35/", "L", 100, 119, Selective),
                &existing,
                2
            )
            .is_ok()
        );
        // Intensive has no limit.
        assert!(check_holding(&holding(1, "/1/35/", "L", 0, 364, Intensive), &existing, 1).is_ok());
    }

    /// The rules restated day by day, as plainly as possible.
    fn brute_force(c: &Holding, existing: &[Holding], limit: u32) -> Option<&'static str> {
        for d in 0..60 {
            let today = day(d);
            if !c.valid.contains(today) {
                continue;
            }
            let live: Vec<&Holding> = existing
                .iter()
                .filter(|h| h.valid.contains(today) && h.product_line == c.product_line)
                .collect();
            if live
                .iter()
                .any(|h| h.partner == c.partner && h.region_path == c.region_path)
            {
                return Some("authorization_duplicate");
            }
        }
        for d in 0..60 {
            let today = day(d);
            if !c.valid.contains(today) {
                continue;
            }
            let related = |h: &&&Holding| {
                h.region_path == c.region_path
                    || h.region_path.starts_with(&c.region_path)
                    || c.region_path.starts_with(&h.region_path)
            };
            let live: Vec<&Holding> = existing
                .iter()
                .filter(|h| h.valid.contains(today) && h.product_line == c.product_line)
                .collect();
            if live
                .iter()
                .filter(related)
                .any(|h| h.partner != c.partner && (h.mode == Exclusive || c.mode == Exclusive))
            {
                return Some("authorization_exclusive");
            }
        }
        if c.mode == Selective {
            for d in 0..60 {
                let today = day(d);
                if !c.valid.contains(today) {
                    continue;
                }
                let mut partners: Vec<i64> = existing
                    .iter()
                    .filter(|h| {
                        h.valid.contains(today)
                            && h.product_line == c.product_line
                            && h.region_path == c.region_path
                            && h.partner != c.partner
                    })
                    .map(|h| h.partner.0)
                    .collect();
                partners.sort_unstable();
                partners.dedup();
                if partners.len() + 1 > limit as usize {
                    return Some("authorization_selective_limit");
                }
            }
        }
        None
    }

    fn arb_holding() -> impl Strategy<Value = Holding> {
        let paths =
            prop::sample::select(vec!["/1/", "/1/2/", "/1/2/5/", "/1/3/", "/1/3/6/", "/7/"]);
        let modes = prop::sample::select(AuthorizationMode::ALL.to_vec());
        (
            1_i64..5,
            paths,
            prop::sample::select(vec!["L", "M"]),
            0_u64..50,
            0_u64..10,
            modes,
        )
            .prop_map(|(p, path, line, from, len, mode)| {
                holding(p, path, line, from, from + len, mode)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn collision_rules_match_a_day_by_day_check(
            existing in prop::collection::vec(arb_holding(), 0..8),
            candidate in arb_holding(),
            limit in 1_u32..4,
        ) {
            let got = check_holding(&candidate, &existing, limit);
            prop_assert_eq!(got.as_ref().err().map(|c| c.rule), brute_force(&candidate, &existing, limit));
            if let Err(collision) = got {
                // Whatever is named really is in the way.
                prop_assert!(!collision.with.is_empty());
                for i in collision.with {
                    let h = &existing[i];
                    prop_assert!(h.product_line == candidate.product_line);
                    prop_assert!(h.valid.overlaps(candidate.valid));
                    prop_assert!(relation(&candidate.region_path, &h.region_path) != Relation::Apart);
                }
            }
        }

        #[test]
        fn the_index_finds_what_the_whole_list_finds(
            existing in prop::collection::vec(arb_holding(), 0..12),
            candidate in arb_holding(),
            limit in 1_u32..4,
        ) {
            let mut index = HoldingIndex::default();
            for h in &existing {
                index.insert(h.clone());
            }
            let got = index.check(&candidate, limit);
            let want = check_holding(&candidate, &existing, limit);
            prop_assert_eq!(got.as_ref().err().map(|c| c.rule), want.as_ref().err().map(|c| c.rule));
            if let Err(collision) = got {
                for i in collision.with {
                    let h = &existing[i];
                    prop_assert!(h.valid.overlaps(candidate.valid));
                    prop_assert!(relation(&candidate.region_path, &h.region_path) != Relation::Apart);
                }
            }
        }

        #[test]
        fn granted_rights_never_leave_a_broken_state(
            wanted in prop::collection::vec(arb_holding(), 0..12),
            limit in 1_u32..4,
        ) {
            // Granting one by one whatever passes keeps every pair legal.
            let mut granted: Vec<Holding> = Vec::new();
            for h in wanted {
                if check_holding(&h, &granted, limit).is_ok() {
                    granted.push(h);
                }
            }
            for (i, a) in granted.iter().enumerate() {
                for b in &granted[i + 1..] {
                    if a.product_line != b.product_line || !a.valid.overlaps(b.valid) {
                        continue;
                    }
                    let related = relation(&a.region_path, &b.region_path) != Relation::Apart;
                    prop_assert!(!(a.partner == b.partner && a.region_path == b.region_path));
                    prop_assert!(!(related && a.partner != b.partner
                        && (a.mode == Exclusive || b.mode == Exclusive)));
                }
            }
        }
    }

    #[test]
    fn region_codes_are_upper_case_and_plain() {
        assert_eq!(
            RegionCode::parse("region_code", " de ").unwrap().as_str(),
            "DE"
        );
        assert_eq!(
            RegionCode::parse("region_code", "310000").unwrap().as_str(),
            "310000"
        );
        assert!(RegionCode::parse("region_code", "上海").is_err());
        assert_eq!(
            RegionCode::parse("region_code", "").unwrap_err().field,
            "region_code"
        );
    }
}
