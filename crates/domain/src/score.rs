//! Scores on the 0–100 scale: onboarding evaluations, grade thresholds and
//! (later) scorecards all speak it, so a threshold compares with a score
//! without conversion.

use std::fmt;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{Invalid, Problem};

/// Decimal places a score keeps.
pub const SCORE_DIGITS: u32 = 2;

/// A score from 0 to 100 with at most two decimals, e.g. `85` or `72.5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Score(Decimal);

impl Score {
    pub const MIN: Score = Score(Decimal::ZERO);
    pub const MAX: Score = Score(Decimal::ONE_HUNDRED);

    /// Parses a score typed by a person. More than two decimals is refused
    /// rather than rounded, like money: what was typed is what is kept.
    pub fn parse(field: &'static str, value: &str) -> Result<Self, Invalid> {
        let value = value.trim();
        if value.is_empty() {
            return Err(Invalid::new(field, Problem::Required));
        }
        let out_of_range = || {
            Invalid::new(
                field,
                Problem::Rule {
                    rule: "score_range",
                },
            )
        };
        let unsigned = value.strip_prefix('-').unwrap_or(value);
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(fraction) {
            return Err(Invalid::new(field, Problem::Format { expected: "85.5" }));
        }
        let number: Decimal = value.parse().map_err(|_| out_of_range())?;
        if number.normalize().scale() > SCORE_DIGITS {
            return Err(Invalid::new(field, Problem::Format { expected: "85.5" }));
        }
        Self::new(number).ok_or_else(out_of_range)
    }

    /// A score from a number already checked elsewhere (stored text, a
    /// computed total); `None` outside 0–100.
    pub fn new(value: Decimal) -> Option<Self> {
        (Decimal::ZERO..=Decimal::ONE_HUNDRED)
            .contains(&value)
            .then(|| {
                Score(
                    value
                        .round_dp_with_strategy(
                            SCORE_DIGITS,
                            RoundingStrategy::MidpointAwayFromZero,
                        )
                        .normalize(),
                )
            })
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Score {
    /// Always two decimals (`85.00`), so totals line up in lists.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0;
        shown.rescale(SCORE_DIGITS);
        write!(f, "{shown}")
    }
}

impl serde::Serialize for Score {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_scores_people_type() {
        assert_eq!(Score::parse("s", " 85 ").unwrap().to_string(), "85.00");
        assert_eq!(Score::parse("s", "72.5").unwrap().to_string(), "72.50");
        assert_eq!(Score::parse("s", "0").unwrap(), Score::MIN);
        assert_eq!(Score::parse("s", "100.00").unwrap(), Score::MAX);
        let problem = |text: &str| Score::parse("s", text).unwrap_err().problem;
        assert_eq!(problem(""), Problem::Required);
        assert_eq!(
            problem("100.01"),
            Problem::Rule {
                rule: "score_range"
            }
        );
        assert_eq!(
            problem("-1"),
            Problem::Rule {
                rule: "score_range"
            }
        );
        assert_eq!(problem("1e2"), Problem::Format { expected: "85.5" });
        assert_eq!(problem("12.345"), Problem::Format { expected: "85.5" });
        assert_eq!(problem("abc"), Problem::Format { expected: "85.5" });
    }

    proptest! {
        #[test]
        fn every_hundredth_in_range_round_trips(hundredths in 0i64..=10_000) {
            let value = Decimal::new(hundredths, 2);
            let score = Score::parse("s", &value.to_string()).unwrap();
            prop_assert_eq!(score.value(), value.normalize());
            prop_assert_eq!(Score::parse("s", &score.to_string()).unwrap(), score);
        }
    }
}
