//! Validation failures. Each names the field and a machine-readable problem,
//! so every edge (HTML form, problem JSON, import report) can say what and
//! where in the user's language.

use std::fmt;

/// What is wrong with one value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    Required,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    /// The value holds characters outside the allowed set, described by `allowed`.
    BadCharacters {
        allowed: &'static str,
    },
    /// The value is not one of the listed choices.
    NotOneOf {
        choices: Vec<&'static str>,
    },
    /// A rule over several fields failed; `rule` is a stable key.
    Rule {
        rule: &'static str,
    },
    /// A rule with a limit failed; `max` is the limit, so the message can
    /// state it ("at most 6 levels").
    Limit {
        rule: &'static str,
        max: usize,
    },
    /// A rule failed because of a particular existing record; `with` names it
    /// (by its codes) so the user can find what is in the way.
    Conflict {
        rule: &'static str,
        with: String,
    },
    /// The text is not in the expected shape; `expected` shows an example.
    Format {
        expected: &'static str,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Required => f.write_str("is required"),
            Self::TooShort { min } => write!(f, "must be at least {min} characters"),
            Self::TooLong { max } => write!(f, "must be at most {max} characters"),
            Self::BadCharacters { allowed } => write!(f, "may only contain {allowed}"),
            Self::NotOneOf { choices } => write!(f, "must be one of: {}", choices.join(", ")),
            Self::Rule { rule } => write!(f, "breaks the rule '{rule}'"),
            Self::Limit { rule, max } => write!(f, "breaks the rule '{rule}' (at most {max})"),
            Self::Conflict { rule, with } => write!(f, "breaks the rule '{rule}': {with}"),
            Self::Format { expected } => write!(f, "must look like {expected}"),
        }
    }
}

/// One invalid field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("{field} {problem}")]
pub struct Invalid {
    pub field: &'static str,
    #[serde(flatten)]
    pub problem: Problem,
}

impl Invalid {
    pub fn new(field: &'static str, problem: Problem) -> Self {
        Self { field, problem }
    }

    /// The rule key of a rule failure, if it is one.
    pub fn problem_rule(&self) -> Option<&'static str> {
        match self.problem {
            Problem::Rule { rule }
            | Problem::Limit { rule, .. }
            | Problem::Conflict { rule, .. } => Some(rule),
            _ => None,
        }
    }
}

/// Checks a trimmed text's length in characters (not bytes: names are often Chinese).
pub(crate) fn check_length(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), Invalid> {
    let chars = value.chars().count();
    if chars == 0 {
        return Err(Invalid::new(field, Problem::Required));
    }
    if chars < min {
        return Err(Invalid::new(field, Problem::TooShort { min }));
    }
    if chars > max {
        return Err(Invalid::new(field, Problem::TooLong { max }));
    }
    Ok(())
}

/// Declares a closed set of values stored and exchanged as snake_case strings.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(value: &str) -> Result<Self, $crate::error::Invalid> {
                match value.trim() {
                    $($text => Ok($name::$variant),)+
                    "" => Err($crate::error::Invalid::new($field, $crate::error::Problem::Required)),
                    _ => Err($crate::error::Invalid::new(
                        $field,
                        $crate::error::Problem::NotOneOf { choices: vec![$($text),+] },
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::Invalid;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Self::parse(value)
            }
        }
    };
}
pub(crate) use string_enum;
