//! Regions (the geographic tree) and the territory rights partners hold in them.

use crate::error::{Invalid, Problem, check_length, string_enum};

/// A region's code: a Chinese administrative division code (`310000`), an
/// ISO 3166-1 alpha-2 country code (`DE`) or a code a user made up for their
/// own unit (`EAST-1`). 1–16 of `A-Z 0-9 - _`, stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(field: &'static str, value: &str) -> Result<Self, Invalid> {
        let value = value.trim().to_uppercase();
        check_length(field, &value, 1, 16)?;
        if !value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '-' | '_'))
        {
            return Err(Invalid::new(
                field,
                Problem::BadCharacters {
                    allowed: "A-Z 0-9 - _",
                },
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RegionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
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

#[cfg(test)]
mod tests {
    use super::*;

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
