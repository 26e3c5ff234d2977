//! Codes: the short, stable keys people type into forms and spreadsheets
//! (partner codes, grade codes, region codes, product lines). One parser and
//! one newtype shape for all of them; each code type says only its case and
//! its maximum length.

use crate::error::{Invalid, Problem, check_length};

/// How a code is stored: record numbers upper-case (Excel users type them in
/// any case), configuration keys lower-case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Upper,
    Lower,
}

/// Trims, folds the case, and checks 1–`max` of `A-Z 0-9 - _` (or `a-z …`).
pub fn parse_code(
    field: &'static str,
    value: &str,
    case: Case,
    max: usize,
) -> Result<String, Invalid> {
    let value = match case {
        Case::Upper => value.trim().to_uppercase(),
        Case::Lower => value.trim().to_lowercase(),
    };
    check_length(field, &value, 1, max)?;
    let letter = |c: char| match case {
        Case::Upper => c.is_ascii_uppercase(),
        Case::Lower => c.is_ascii_lowercase(),
    };
    if !value
        .chars()
        .all(|c| letter(c) || c.is_ascii_digit() || matches!(c, '-' | '_'))
    {
        return Err(Invalid::new(
            field,
            Problem::BadCharacters {
                allowed: match case {
                    Case::Upper => "A-Z 0-9 - _",
                    Case::Lower => "a-z 0-9 - _",
                },
            },
        ));
    }
    Ok(value)
}

/// Declares a code newtype: `parse_as(field, value)`, `as_str`, `Display`.
macro_rules! code_type {
    ($(#[$meta:meta])* $name:ident, $case:ident, $max:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Parses what was typed into `field`.
            pub fn parse_as(
                field: &'static str,
                value: &str,
            ) -> Result<Self, $crate::error::Invalid> {
                $crate::code::parse_code(field, value, $crate::code::Case::$case, $max).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use code_type;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_fold_case_and_keep_to_their_charset() {
        assert_eq!(
            parse_code("code", " p-01_a ", Case::Upper, 32).unwrap(),
            "P-01_A"
        );
        assert_eq!(parse_code("code", "Gold", Case::Lower, 32).unwrap(), "gold");
        assert_eq!(
            parse_code("code", "上海", Case::Upper, 32)
                .unwrap_err()
                .problem,
            Problem::BadCharacters {
                allowed: "A-Z 0-9 - _"
            }
        );
        assert_eq!(
            parse_code("code", "", Case::Lower, 32).unwrap_err().problem,
            Problem::Required
        );
        assert!(parse_code("code", &"A".repeat(17), Case::Upper, 16).is_err());
    }
}
