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

string_enum! {
    /// Where a partner stands in the relationship, from first contact to the end.
    PartnerStatus, "status" {
        Prospect => "prospect",
        Screening => "screening",
        Negotiating => "negotiating",
        Active => "active",
        Suspended => "suspended",
        Terminated => "terminated",
    }
}

impl PartnerStatus {
    /// The statuses a partner may move to from this one. Recruitment moves
    /// forward or one step back; a signed partner can be suspended and
    /// reinstated; termination is final (a returning partner is signed anew
    /// under a new code, so the old history stays intact).
    pub fn next(self) -> &'static [PartnerStatus] {
        use PartnerStatus::*;
        match self {
            Prospect => &[Screening, Terminated],
            Screening => &[Negotiating, Prospect, Terminated],
            Negotiating => &[Active, Screening, Terminated],
            Active => &[Suspended, Terminated],
            Suspended => &[Active, Terminated],
            Terminated => &[],
        }
    }

    pub fn can_become(self, to: PartnerStatus) -> bool {
        self.next().contains(&to)
    }

    /// A partner enters the system either as a prospect to be recruited or
    /// as a partner already signed outside Qudao.
    pub fn is_initial(self) -> bool {
        matches!(self, PartnerStatus::Prospect | PartnerStatus::Active)
    }
}

/// Why a status changed: 1–500 characters, required for every change so the
/// history answers "who, when and why".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Reason(String);

impl Reason {
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        let value = value.trim();
        check_length("reason", value, 1, 500)?;
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

crate::code::code_type!(
    /// A partner's stable human code, e.g. `P00012`: 1–32 of `A-Z 0-9 - _`,
    /// stored upper-case because Excel users type codes in any case.
    PartnerCode,
    Upper,
    32
);

impl PartnerCode {
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        Self::parse_as("code", value)
    }

    /// The n-th generated code: `P00001`, `P00002`, …
    pub fn numbered(n: u32) -> Self {
        Self(format!("P{n:05}"))
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

/// A postal address, free text up to 300 characters (Chinese addresses do not
/// split into the street/city fields of Western forms).
pub fn parse_address(value: &str) -> Result<Option<String>, Invalid> {
    optional_text("address", value, 300)
}

fn optional_text(field: &'static str, value: &str, max: usize) -> Result<Option<String>, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    check_length(field, value, 1, max)?;
    Ok(Some(value.to_owned()))
}

/// A person at a partner the channel team deals with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    /// What they do for the partner (owner, purchasing, finance …); free text
    /// because every partner organises differently.
    pub role: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub birthday: Option<chrono::NaiveDate>,
}

impl Contact {
    /// Parses a contact from text fields, reporting every bad field. A
    /// contact needs a way to reach them: a phone or an email.
    pub fn parse(
        name: &str,
        role: &str,
        phone: &str,
        email: &str,
        birthday: &str,
        today: chrono::NaiveDate,
    ) -> Result<Self, Vec<Invalid>> {
        let mut errors = Vec::new();
        let mut keep = |result: Result<Option<String>, Invalid>| {
            result.unwrap_or_else(|invalid| {
                errors.push(invalid);
                None
            })
        };
        let name = keep(
            check_length("contact_name", name.trim(), 1, 100)
                .map(|()| Some(name.trim().to_owned())),
        );
        let role = keep(
            check_length("contact_role", role.trim(), 1, 50).map(|()| Some(role.trim().to_owned())),
        );
        let phone = keep(parse_phone(phone));
        let email = keep(parse_email(email));
        let birthday = match birthday.trim() {
            "" => None,
            text => match crate::dates::parse_date("birthday", text) {
                Ok(day) if day > today => {
                    errors.push(Invalid::new(
                        "birthday",
                        Problem::Rule {
                            rule: "birthday_in_past",
                        },
                    ));
                    None
                }
                Ok(day) => Some(day),
                Err(invalid) => {
                    errors.push(invalid);
                    None
                }
            },
        };
        if phone.is_none()
            && email.is_none()
            && !errors.iter().any(|e| matches!(e.field, "phone" | "email"))
        {
            errors.push(Invalid::new(
                "phone",
                Problem::Rule {
                    rule: "contact_reachable",
                },
            ));
        }
        match (name, role, errors.is_empty()) {
            (Some(name), Some(role), true) => Ok(Self {
                name,
                role,
                phone,
                email,
                birthday,
            }),
            _ => Err(errors),
        }
    }
}

/// Phone numbers as people write them: digits with `+ - ( )` and spaces,
/// 5–30 characters (landlines with extensions, mobiles, foreign numbers).
fn parse_phone(value: &str) -> Result<Option<String>, Invalid> {
    let Some(value) = optional_text("phone", value, 30)? else {
        return Ok(None);
    };
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if !value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | ' '))
    {
        return Err(Invalid::new(
            "phone",
            Problem::BadCharacters {
                allowed: "0-9 + - ( ) space",
            },
        ));
    }
    if digits < 5 {
        return Err(Invalid::new("phone", Problem::TooShort { min: 5 }));
    }
    Ok(Some(value))
}

/// An email address: something@domain.tld, no spaces. Deliverability is the
/// mail server's business; this only catches typing slips.
fn parse_email(value: &str) -> Result<Option<String>, Invalid> {
    let Some(value) = optional_text("email", value, 254)? else {
        return Ok(None);
    };
    let well_formed = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
    }) && !value.contains(char::is_whitespace);
    if well_formed {
        Ok(Some(value))
    } else {
        Err(Invalid::new(
            "email",
            Problem::Format {
                expected: "name@example.com",
            },
        ))
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
                    Problem::Limit {
                        rule: "partner_max_depth",
                        max: MAX_DEPTH as usize,
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
    fn status_transitions() {
        use PartnerStatus::*;
        assert!(Prospect.can_become(Screening));
        assert!(Negotiating.can_become(Active));
        assert!(Active.can_become(Suspended) && Suspended.can_become(Active));
        assert!(
            !Prospect.can_become(Active),
            "a prospect is screened and negotiated first"
        );
        assert!(!Active.can_become(Prospect));
        assert!(Terminated.next().is_empty());
        assert!(Prospect.is_initial() && Active.is_initial() && !Suspended.is_initial());
        assert!(Reason::parse("  ").is_err());
        assert!(Reason::parse(&"x".repeat(501)).is_err());
    }

    proptest! {
        #[test]
        fn every_status_can_end_and_none_returns_from_the_end(path in proptest::collection::vec(0usize..6, 0..20)) {
            // Walk the lifecycle choosing any allowed step; it never leaves the
            // table, termination is always one step away until it happens,
            // and nothing follows it.
            let mut status = PartnerStatus::Prospect;
            for choice in path {
                if status == PartnerStatus::Terminated {
                    prop_assert!(status.next().is_empty());
                    break;
                }
                prop_assert!(status.can_become(PartnerStatus::Terminated));
                let next = status.next();
                status = next[choice % next.len()];
            }
        }
    }

    #[test]
    fn contacts_need_a_way_to_reach_them() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let ok =
            Contact::parse("王伟", "采购", "+86 138-0000-0000", "", "1980-02-03", today).unwrap();
        assert_eq!(ok.phone.as_deref(), Some("+86 138-0000-0000"));
        let fields = |errors: Vec<Invalid>| errors.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(
            fields(Contact::parse("王伟", "采购", "", "", "", today).unwrap_err()),
            ["phone"]
        );
        assert_eq!(
            fields(Contact::parse("", "", "12", "a@b", "2030-01-01", today).unwrap_err()),
            ["contact_name", "contact_role", "phone", "email", "birthday"]
        );
        assert!(Contact::parse("Li", "finance", "", "li@example.cn", "", today).is_ok());
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
