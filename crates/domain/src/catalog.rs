//! The catalog: product lines, products, and which channels may buy a line.

use chrono::NaiveDate;

use crate::error::{Invalid, check_length, string_enum};
use crate::grades::GradeCode;
use crate::partners::PartnerType;
pub use crate::territories::ProductLine;

crate::code::code_type!(
    /// A product's stock-keeping unit, e.g. `TEA-LJ-250G`: 1–40 of
    /// `A-Z 0-9 - _`, stored upper-case.
    Sku,
    Upper,
    40
);

string_enum! {
    /// Whether a product line or a product can still be ordered.
    /// Discontinued records stay, because facts refer to them.
    CatalogStatus, "status" {
        Active => "active",
        Discontinued => "discontinued",
    }
}

/// A product's category as people name it (绿茶, Floor lamps): 1–60 characters.
pub fn parse_category(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    check_length("category", value, 1, 60)?;
    Ok(value.to_owned())
}

/// The unit a product is sold in (箱, 瓶, pcs): 1–16 characters.
pub fn parse_unit(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    check_length("unit", value, 1, 16)?;
    Ok(value.to_owned())
}

/// A product's or product line's name in one language: 1–200 characters.
pub fn parse_name(field: &'static str, value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    check_length(field, value, 1, 200)?;
    Ok(value.to_owned())
}

/// A product counts as new for `new_days` days from its launch, the launch
/// day included; a product without a launch date is never new.
pub fn is_new(launch: Option<NaiveDate>, today: NaiveDate, new_days: u32) -> bool {
    launch
        .is_some_and(|launch| launch <= today && (today - launch).num_days() < i64::from(new_days))
}

/// One channel a product line is sold through: a partner type, optionally
/// only its partners of one grade.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelRule {
    pub partner_type: PartnerType,
    pub grade: Option<GradeCode>,
}

/// Whether a partner of this type and grade may buy a line with these
/// rules. A line without rules is open to every channel; once a line names
/// its channels, only those may buy it (the anti-diversion practice of
/// giving each channel its own models).
pub fn channel_allows(
    rules: &[ChannelRule],
    partner_type: PartnerType,
    grade: Option<&GradeCode>,
) -> bool {
    rules.is_empty()
        || rules.iter().any(|rule| {
            rule.partner_type == partner_type
                && rule
                    .grade
                    .as_ref()
                    .is_none_or(|wanted| Some(wanted) == grade)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn skus_fold_case_and_refuse_other_characters() {
        assert_eq!(
            Sku::parse_as("sku", " tea-lj-250g ").unwrap().as_str(),
            "TEA-LJ-250G"
        );
        assert!(Sku::parse_as("sku", "茶-1").is_err());
        assert!(Sku::parse_as("sku", &"A".repeat(41)).is_err());
        assert!(Sku::parse_as("sku", "  ").is_err());
    }

    #[test]
    fn new_products_count_from_launch_day() {
        let launch = Some(day("2026-11-01"));
        assert!(is_new(launch, day("2026-11-01"), 90));
        assert!(is_new(launch, day("2027-01-29"), 90));
        assert!(!is_new(launch, day("2027-01-30"), 90));
        assert!(!is_new(launch, day("2026-10-31"), 90), "not launched yet");
        assert!(!is_new(None, day("2026-11-01"), 90));
    }

    #[test]
    fn category_and_unit_are_trimmed_and_bounded() {
        assert_eq!(parse_category(" 绿茶 ").unwrap(), "绿茶");
        assert!(parse_category("").is_err());
        assert!(parse_unit(&"箱".repeat(17)).is_err());
    }

    fn grade(code: &str) -> GradeCode {
        GradeCode::parse_as("grade", code).unwrap()
    }

    #[test]
    fn a_line_with_rules_admits_only_its_channels() {
        let rules = [
            ChannelRule {
                partner_type: PartnerType::Distributor,
                grade: None,
            },
            ChannelRule {
                partner_type: PartnerType::Retailer,
                grade: Some(grade("gold")),
            },
        ];
        assert!(channel_allows(&rules, PartnerType::Distributor, None));
        assert!(channel_allows(
            &rules,
            PartnerType::Distributor,
            Some(&grade("silver"))
        ));
        assert!(channel_allows(
            &rules,
            PartnerType::Retailer,
            Some(&grade("gold"))
        ));
        assert!(!channel_allows(
            &rules,
            PartnerType::Retailer,
            Some(&grade("silver"))
        ));
        assert!(!channel_allows(&rules, PartnerType::Retailer, None));
        assert!(!channel_allows(&rules, PartnerType::Ecommerce, None));
        assert!(
            channel_allows(&[], PartnerType::Ecommerce, None),
            "open line"
        );
    }

    proptest! {
        #[test]
        fn adding_a_rule_never_takes_a_channel_away(
            first in 0..PartnerType::ALL.len(),
            second in 0..PartnerType::ALL.len(),
            asked in 0..PartnerType::ALL.len(),
            graded in any::<bool>(),
        ) {
            let rule = |i: usize| ChannelRule {
                partner_type: PartnerType::ALL[i],
                grade: graded.then(|| grade("gold")),
            };
            let one = [rule(first)];
            let two = [rule(first), rule(second)];
            let asked = PartnerType::ALL[asked];
            let gold = grade("gold");
            if channel_allows(&one, asked, Some(&gold)) {
                prop_assert!(channel_allows(&two, asked, Some(&gold)));
            }
        }
    }
}
