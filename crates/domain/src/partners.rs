//! Channel partners: codes, names, kinds and the distribution tree.

use crate::error::{Invalid, Problem, check_length, string_enum};

/// Database identity of a partner; never shown to users (they see the code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct PartnerId(pub i64);

string_enum! {
    /// The kind of channel partner (DESIGN.md §2).
    PartnerType, "partner_type" {
        Distributor => "distributor",
        Agent => "agent",
        Retailer => "retailer",
        Ecommerce => "ecommerce",
        CrossBorder => "cross_border",
        DirectStore => "direct_store",
    }
}

/// A partner's stable human code, e.g. `P00012`: 1–32 of `A-Z 0-9 - _`,
/// stored upper-case because Excel users type codes in any case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct PartnerCode(String);

impl PartnerCode {
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        let value = value.trim().to_uppercase();
        check_length("code", &value, 1, 32)?;
        if !value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '-' | '_'))
        {
            return Err(Invalid::new(
                "code",
                Problem::BadCharacters {
                    allowed: "A-Z 0-9 - _",
                },
            ));
        }
        Ok(Self(value))
    }

    /// The n-th generated code: `P00001`, `P00002`, …
    pub fn numbered(n: u32) -> Self {
        Self(format!("P{n:05}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PartnerCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A partner's registered name: 1–200 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct PartnerName(String);

impl PartnerName {
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        let value = value.trim();
        check_length("name", value, 1, 200)?;
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Depth 1 buys from the brand owner; each level below buys from its parent.
/// Real channels rarely go past three tiers; six leaves room without letting a
/// runaway import build a chain no report can show.
pub const MAX_DEPTH: i32 = 6;

/// Where a new partner sits in the tree, given its parent's position.
///
/// The tree is stored as a materialised path (`/12/57/`) so that "this partner
/// and everything below it" is one indexed prefix match on both databases. A
/// partner's parent must already exist, so a new partner can never close a
/// cycle; re-parenting (a later issue) must check `would_cycle`.
pub fn child_position(
    parent: Option<(&str, i32)>,
    id: PartnerId,
) -> Result<(String, i32), Invalid> {
    match parent {
        None => Ok((format!("/{}/", id.0), 1)),
        Some((parent_path, parent_depth)) => {
            let depth = parent_depth + 1;
            if depth > MAX_DEPTH {
                return Err(Invalid::new(
                    "parent_code",
                    Problem::Rule {
                        rule: "partner_max_depth",
                    },
                ));
            }
            Ok((format!("{parent_path}{}/", id.0), depth))
        }
    }
}

/// Whether making `new_parent_path` the parent of the partner at `path` would
/// put the partner below itself.
pub fn would_cycle(path: &str, new_parent_path: &str) -> bool {
    new_parent_path.starts_with(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_are_upper_cased() {
        assert_eq!(PartnerCode::parse(" p00012 ").unwrap().as_str(), "P00012");
        assert_eq!(PartnerCode::numbered(7).as_str(), "P00007");
        assert!(PartnerCode::parse("P 1").is_err());
        assert!(PartnerCode::parse("").is_err());
        assert!(PartnerCode::parse(&"A".repeat(33)).is_err());
    }

    #[test]
    fn tree_positions() {
        let (root, depth) = child_position(None, PartnerId(12)).unwrap();
        assert_eq!((root.as_str(), depth), ("/12/", 1));
        let (child, depth) = child_position(Some((&root, 1)), PartnerId(57)).unwrap();
        assert_eq!((child.as_str(), depth), ("/12/57/", 2));
        assert!(would_cycle("/12/", &child));
        assert!(!would_cycle(&child, "/12/"));
        assert!(child_position(Some(("/1/2/3/4/5/6/", MAX_DEPTH)), PartnerId(7)).is_err());
    }

    #[test]
    fn partner_types_parse() {
        assert_eq!(
            PartnerType::parse("cross_border").unwrap(),
            PartnerType::CrossBorder
        );
        assert!(PartnerType::parse("wholesaler").is_err());
    }

    proptest! {
        #[test]
        fn a_partner_is_never_its_own_ancestor(ids in proptest::collection::vec(1i64..10_000, 1..6)) {
            let mut path: Option<(String, i32)> = None;
            for id in &ids {
                let parent = path.as_ref().map(|(p, d)| (p.as_str(), *d));
                path = Some(child_position(parent, PartnerId(*id)).unwrap());
            }
            let (leaf, depth) = path.unwrap();
            prop_assert_eq!(depth as usize, ids.len());
            let root = format!("/{}/", ids[0]);
            prop_assert!(leaf.starts_with(&root));
        }
    }
}
