//! Onboarding (招商): screening criteria with weights, the weighted total of
//! an evaluation, and the recruitment pipeline's stages.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::error::{Invalid, Problem, string_enum};
use crate::partners::PartnerStatus;
use crate::score::{SCORE_DIGITS, Score};

crate::code::code_type!(
    /// A criterion's stable code, e.g. `credit_standing`; same shape as a grade
    /// code (lower-case configuration key).
    CriterionCode,
    Lower,
    32
);

impl CriterionCode {
    pub fn parse(field: &'static str, value: &str) -> Result<Self, Invalid> {
        Self::parse_as(field, value)
    }
}

/// How much a criterion counts: more than 0, at most 1000, two decimals.
/// Only the ratios matter (the total divides by the sum of weights), so
/// users may think in percentages or in points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Weight(Decimal);

impl Weight {
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        let value = value.trim();
        if value.is_empty() {
            return Err(Invalid::new("weight", Problem::Required));
        }
        let (whole, fraction) = value.split_once('.').unwrap_or((value, "0"));
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        let format = || Invalid::new("weight", Problem::Format { expected: "20" });
        if !digits(whole) || !digits(fraction) {
            return Err(format());
        }
        let number: Decimal = value.parse().map_err(|_| format())?;
        if number.normalize().scale() > 2 {
            return Err(format());
        }
        Self::new(number).ok_or(Invalid::new(
            "weight",
            Problem::Rule {
                rule: "weight_range",
            },
        ))
    }

    pub fn new(value: Decimal) -> Option<Self> {
        (value > Decimal::ZERO && value <= Decimal::ONE_THOUSAND && value.normalize().scale() <= 2)
            .then(|| Weight(value.normalize()))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl std::fmt::Display for Weight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl serde::Serialize for Weight {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The weighted total of an evaluation: Σ(score × weight) / Σ(weight),
/// rounded half away from zero to two decimals, once, at the end. `None`
/// when there is nothing to weigh.
pub fn weighted_total(scores: &[(Score, Weight)]) -> Option<Score> {
    let weights: Decimal = scores.iter().map(|(_, w)| w.value()).sum();
    if weights.is_zero() {
        return None;
    }
    let weighted: Decimal = scores.iter().map(|(s, w)| s.value() * w.value()).sum();
    let total = (weighted / weights)
        .round_dp_with_strategy(SCORE_DIGITS, RoundingStrategy::MidpointAwayFromZero);
    Score::new(total)
}

string_enum! {
    /// A column of the recruitment board. `signed` holds partners that came
    /// through the pipeline and were signed recently; `lost` those dropped
    /// during recruitment (not signed), recently, with the reason why.
    Stage, "stage" {
        Prospect => "prospect",
        Screening => "screening",
        Negotiating => "negotiating",
        Signed => "signed",
        Lost => "lost",
    }
}

/// How long a newly signed or lost partner stays in the board's `signed`
/// or `lost` column.
pub const SIGNED_SHOWN_DAYS: i64 = 90;

impl Stage {
    /// The partner status a stage holds.
    pub fn status(self) -> PartnerStatus {
        match self {
            Stage::Prospect => PartnerStatus::Prospect,
            Stage::Screening => PartnerStatus::Screening,
            Stage::Negotiating => PartnerStatus::Negotiating,
            Stage::Signed => PartnerStatus::Active,
            // A prospect that is not signed ends its lifecycle: nothing else
            // may happen to it, and it keeps its history.
            Stage::Lost => PartnerStatus::Terminated,
        }
    }

    /// The column a card lands in when it moves to `status`.
    pub fn of(status: PartnerStatus) -> Option<Stage> {
        Stage::ALL.iter().copied().find(|s| s.status() == status)
    }
}

/// Whether a partner in this status may be evaluated: only while it is
/// being recruited. A signed partner is judged by scorecards instead.
pub fn evaluable(status: PartnerStatus) -> bool {
    matches!(
        status,
        PartnerStatus::Prospect | PartnerStatus::Screening | PartnerStatus::Negotiating
    )
}

/// Where a card may move on the board: one stage on, one stage back, or
/// out to `lost` (terminated), while the partner is being recruited. A
/// signed or lost partner has left the board's control.
pub fn board_moves(status: PartnerStatus) -> Vec<PartnerStatus> {
    if !evaluable(status) {
        return Vec::new();
    }
    status.next().to_vec()
}

/// Checks a move made on the board: the reason is required (as for every
/// status change) and the target must be one of [`board_moves`].
pub fn board_move(
    from: PartnerStatus,
    to: PartnerStatus,
    reason: &str,
) -> Result<crate::partners::Reason, Vec<Invalid>> {
    let step = if board_moves(from).contains(&to) {
        Ok(())
    } else {
        Err(Invalid::new("status", Problem::Rule { rule: "board_move" }))
    };
    let reason = crate::partners::Reason::parse(reason);
    match (step, reason) {
        (Ok(()), Ok(reason)) => Ok(reason),
        (step, reason) => Err(step.err().into_iter().chain(reason.err()).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn score(text: &str) -> Score {
        Score::parse("score", text).unwrap()
    }

    fn weight(text: &str) -> Weight {
        Weight::parse(text).unwrap()
    }

    #[test]
    fn weights_parse() {
        assert_eq!(weight("20").to_string(), "20");
        assert_eq!(weight("12.50").to_string(), "12.5");
        let problem = |text: &str| Weight::parse(text).unwrap_err().problem;
        assert_eq!(
            problem("0"),
            Problem::Rule {
                rule: "weight_range"
            }
        );
        assert_eq!(
            problem("1000.01"),
            Problem::Rule {
                rule: "weight_range"
            }
        );
        assert_eq!(problem("-3"), Problem::Format { expected: "20" });
        assert_eq!(problem("1.234"), Problem::Format { expected: "20" });
        assert_eq!(problem(""), Problem::Required);
    }

    #[test]
    fn totals_are_weighted_and_rounded_half_away_from_zero() {
        // (80×20 + 90×10) / 30 = 83.333… → 83.33
        let total = weighted_total(&[(score("80"), weight("20")), (score("90"), weight("10"))]);
        assert_eq!(total.unwrap().to_string(), "83.33");
        // (70.01 + 70.02) / 2 = 70.015 → 70.02 (half away from zero)
        let total = weighted_total(&[(score("70.01"), weight("1")), (score("70.02"), weight("1"))]);
        assert_eq!(total.unwrap().to_string(), "70.02");
        assert_eq!(weighted_total(&[]), None);
        let defaults: Vec<_> = ["20", "20", "15", "15", "20", "10"]
            .iter()
            .map(|w| (score("50"), weight(w)))
            .collect();
        assert_eq!(weighted_total(&defaults).unwrap().to_string(), "50.00");
    }

    #[test]
    fn stages_and_moves() {
        use PartnerStatus::*;
        assert!(evaluable(Prospect) && evaluable(Negotiating));
        assert!(!evaluable(Active) && !evaluable(Terminated) && !evaluable(Suspended));
        assert_eq!(board_moves(Prospect), [Screening, Terminated]);
        assert_eq!(board_moves(Screening), [Negotiating, Prospect, Terminated]);
        assert_eq!(board_moves(Negotiating), [Active, Screening, Terminated]);
        assert!(board_moves(Active).is_empty());
        assert!(board_moves(Terminated).is_empty());
        assert_eq!(Stage::Signed.status(), Active);
        assert_eq!(Stage::of(Terminated), Some(Stage::Lost));
        assert_eq!(Stage::of(Suspended), None);
    }

    #[test]
    fn board_moves_need_a_reason_and_an_allowed_step() {
        use PartnerStatus::*;
        assert_eq!(
            board_move(Screening, Prospect, " back to basics ")
                .unwrap()
                .as_str(),
            "back to basics"
        );
        let fields = |r: Result<_, Vec<Invalid>>| {
            r.unwrap_err()
                .into_iter()
                .map(|i| i.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(board_move(Prospect, Negotiating, "skip")),
            ["status"]
        );
        assert_eq!(
            fields(board_move(Negotiating, Terminated, "  ")),
            ["reason"]
        );
        assert_eq!(
            fields(board_move(Active, Suspended, "")),
            ["status", "reason"]
        );
    }

    fn any_status() -> impl Strategy<Value = PartnerStatus> {
        proptest::sample::select(PartnerStatus::ALL.to_vec())
    }

    fn scored() -> impl Strategy<Value = Vec<(Score, Weight)>> {
        scored_up_to(100_000)
    }

    /// Scores with weights of at most `max` hundredths.
    fn scored_up_to(max: i64) -> impl Strategy<Value = Vec<(Score, Weight)>> {
        proptest::collection::vec((0i64..=10_000, 1i64..=max), 1..12).prop_map(|items| {
            items
                .into_iter()
                .map(|(s, w)| {
                    (
                        Score::new(Decimal::new(s, 2)).unwrap(),
                        Weight::new(Decimal::new(w, 2)).unwrap(),
                    )
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn every_board_move_is_a_lifecycle_step_to_a_column(from in any_status(), to in any_status()) {
            let allowed = board_move(from, to, "why").is_ok();
            prop_assert_eq!(allowed, board_moves(from).contains(&to));
            if allowed {
                prop_assert!(from.can_become(to));
                prop_assert!(evaluable(from));
                prop_assert!(Stage::of(to).is_some(), "{to:?} has a column");
            }
        }

        #[test]
        fn a_card_in_recruitment_can_always_be_lost_and_moved_back(from in any_status()) {
            let moves = board_moves(from);
            prop_assert_eq!(moves.contains(&PartnerStatus::Terminated), evaluable(from));
            let back = match from {
                PartnerStatus::Screening => Some(PartnerStatus::Prospect),
                PartnerStatus::Negotiating => Some(PartnerStatus::Screening),
                _ => None,
            };
            if let Some(back) = back {
                prop_assert!(moves.contains(&back));
            }
        }

        #[test]
        fn the_total_lies_between_the_lowest_and_highest_score(items in scored()) {
            let total = weighted_total(&items).unwrap();
            let low = items.iter().map(|(s, _)| *s).min().unwrap();
            let high = items.iter().map(|(s, _)| *s).max().unwrap();
            prop_assert!(Score::MIN <= total && total <= Score::MAX);
            prop_assert!(low <= total && total <= high, "{low} ≤ {total} ≤ {high}");
        }

        #[test]
        fn equal_scores_give_that_score(s in 0i64..=10_000, weights in proptest::collection::vec(1i64..=100_000, 1..12)) {
            let s = Score::new(Decimal::new(s, 2)).unwrap();
            let items: Vec<_> = weights.iter().map(|w| (s, Weight::new(Decimal::new(*w, 2)).unwrap())).collect();
            prop_assert_eq!(weighted_total(&items), Some(s));
        }

        #[test]
        fn scaling_every_weight_changes_nothing(items in scored_up_to(10_000), factor in 1i64..=10) {
            let scaled: Vec<_> = items
                .iter()
                .map(|(s, w)| (*s, Weight::new(w.value() * Decimal::from(factor)).unwrap()))
                .collect();
            prop_assert_eq!(weighted_total(&items), weighted_total(&scaled));
        }

        #[test]
        fn order_does_not_matter(mut items in scored()) {
            let total = weighted_total(&items);
            items.reverse();
            prop_assert_eq!(weighted_total(&items), total);
        }

        #[test]
        fn raising_one_score_never_lowers_the_total(items in scored(), index in 0usize..12, up in 0i64..=10_000) {
            let index = index % items.len();
            let mut raised = items.clone();
            let higher = (raised[index].0.value() + Decimal::new(up, 2)).min(Decimal::ONE_HUNDRED);
            raised[index].0 = Score::new(higher).unwrap();
            prop_assert!(weighted_total(&raised) >= weighted_total(&items));
        }
    }
}
