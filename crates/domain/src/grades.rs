//! Partner grades (渠道等级): the program levels a partner climbs, each with a
//! rank and the scores at which a partner holding it moves up or down.

use crate::error::{Invalid, Problem, check_length};
use crate::score::Score;

crate::code::code_type!(
    /// A grade's stable code, e.g. `gold`: 1–32 of `a-z 0-9 - _`, stored
    /// lower-case (it is a configuration key, not a record number).
    GradeCode,
    Lower,
    32
);

impl GradeCode {
    pub fn parse(field: &'static str, value: &str) -> Result<Self, Invalid> {
        Self::parse_as(field, value)
    }
}

/// A display name of a grade or criterion: 1–100 characters.
pub fn parse_label(field: &'static str, value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    check_length(field, value, 1, 100)?;
    Ok(value.to_owned())
}

/// An optional second-language name: empty means none.
pub fn parse_optional_label(field: &'static str, value: &str) -> Result<Option<String>, Invalid> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        parse_label(field, value).map(Some)
    }
}

/// Free text up to `max` characters, may be empty (benefits, comments).
pub fn parse_text(field: &'static str, value: &str, max: usize) -> Result<String, Invalid> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(Invalid::new(field, Problem::TooLong { max }));
    }
    Ok(value.to_owned())
}

/// A grade's place in the program: higher is better, unique among grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Rank(i32);

impl Rank {
    pub const MAX: i32 = 9999;

    pub fn parse(value: &str) -> Result<Self, Invalid> {
        let value = value.trim();
        if value.is_empty() {
            return Err(Invalid::new("rank", Problem::Required));
        }
        let number: i32 = value
            .parse()
            .map_err(|_| Invalid::new("rank", Problem::Format { expected: "30" }))?;
        Self::new(number).ok_or(Invalid::new("rank", Problem::Rule { rule: "rank_range" }))
    }

    pub fn new(value: i32) -> Option<Self> {
        (1..=Self::MAX).contains(&value).then_some(Rank(value))
    }

    pub fn value(self) -> i32 {
        self.0
    }
}

/// The scores at which a partner holding a grade is promoted (score at or
/// above `promote`) or demoted (score below `demote`). The lowest grade
/// usually has no demotion and the highest no promotion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub promote: Option<Score>,
    pub demote: Option<Score>,
}

impl Thresholds {
    /// Parses both thresholds (empty = none). A demotion threshold at or
    /// above the promotion threshold would move a partner both ways at once.
    pub fn parse(promote: &str, demote: &str) -> Result<Self, Vec<Invalid>> {
        let optional = |field, text: &str| {
            if text.trim().is_empty() {
                Ok(None)
            } else {
                Score::parse(field, text).map(Some)
            }
        };
        let promote = optional("promote_threshold", promote);
        let demote = optional("demote_threshold", demote);
        match (promote, demote) {
            (Ok(promote), Ok(demote)) => {
                let thresholds = Thresholds { promote, demote };
                thresholds.check().map(|()| thresholds).map_err(|e| vec![e])
            }
            (promote, demote) => Err(promote.err().into_iter().chain(demote.err()).collect()),
        }
    }

    fn check(self) -> Result<(), Invalid> {
        match (self.promote, self.demote) {
            (Some(promote), Some(demote)) if demote >= promote => Err(Invalid::new(
                "demote_threshold",
                Problem::Rule {
                    rule: "demote_below_promote",
                },
            )),
            _ => Ok(()),
        }
    }

    /// What a score means for a partner holding the grade with these thresholds.
    pub fn review(self, score: Score) -> GradeMove {
        if self.promote.is_some_and(|p| score >= p) {
            GradeMove::Promote
        } else if self.demote.is_some_and(|d| score < d) {
            GradeMove::Demote
        } else {
            GradeMove::Stay
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GradeMove {
    Promote,
    Stay,
    Demote,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_and_ranks_parse() {
        assert_eq!(GradeCode::parse("code", " Gold ").unwrap().as_str(), "gold");
        assert!(GradeCode::parse("code", "gold star").is_err());
        assert!(GradeCode::parse("code", "").is_err());
        assert_eq!(Rank::parse("30").unwrap().value(), 30);
        assert_eq!(
            Rank::parse("0").unwrap_err().problem,
            Problem::Rule { rule: "rank_range" }
        );
        assert!(Rank::parse("ten").is_err());
        assert!(parse_text("benefits", &"x".repeat(2001), 2000).is_err());
        assert_eq!(parse_optional_label("name_en", "  ").unwrap(), None);
    }

    #[test]
    fn demotion_stays_below_promotion() {
        assert!(Thresholds::parse("80", "60").is_ok());
        assert!(Thresholds::parse("", "60").is_ok());
        assert!(Thresholds::parse("80", "").is_ok());
        let errors = Thresholds::parse("60", "60").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "demote_threshold");
        let errors = Thresholds::parse("101", "x").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["promote_threshold", "demote_threshold"]);
    }

    proptest! {
        #[test]
        fn a_score_never_both_promotes_and_demotes(
            promote in 0i64..=10_000, demote in 0i64..=10_000, score in 0i64..=10_000,
        ) {
            let text = |h: i64| rust_decimal::Decimal::new(h, 2).to_string();
            let Ok(thresholds) = Thresholds::parse(&text(promote), &text(demote)) else {
                prop_assert!(demote >= promote);
                return Ok(());
            };
            let score = Score::parse("score", &text(score)).unwrap();
            let verdict = thresholds.review(score);
            let at_or_above = score >= thresholds.promote.unwrap();
            let below = score < thresholds.demote.unwrap();
            prop_assert!(!(at_or_above && below));
            prop_assert_eq!(verdict == GradeMove::Promote, at_or_above);
            prop_assert_eq!(verdict == GradeMove::Demote, below);
        }
    }
}
