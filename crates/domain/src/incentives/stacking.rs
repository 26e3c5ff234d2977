//! Stacking: which of the programs that apply to one subject pay, and
//! which give way.
//!
//! Programs are taken in their stated order (then by code). A program
//! that `stacks` pays alongside any other. A program that `gives_way`
//! pays only when no program before it in the order pays; otherwise it
//! gives way to the first one that does. A program that earned nothing
//! does not apply, so it makes nobody give way.

use super::program::{ProgramCode, Stacking, StackingRule};

/// A program's result for one subject, as stacking sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub program: ProgramCode,
    pub stacking: Stacking,
    /// The final amount of its calculation, minor units.
    pub amount: i64,
}

/// What stacking decided, for the run and the trace.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stacked {
    /// The programs that pay, in the stated order.
    pub applied: Vec<ProgramCode>,
    /// Each program that gave way, with the one it gave way to.
    pub gave_way: Vec<(ProgramCode, ProgramCode)>,
    /// The programs that earned nothing.
    pub earned_nothing: Vec<ProgramCode>,
}

impl Stacked {
    /// The sum the subject is paid over all the programs that apply.
    pub fn total(&self, candidates: &[Candidate]) -> i64 {
        candidates
            .iter()
            .filter(|c| self.applied.contains(&c.program))
            .map(|c| c.amount)
            .sum()
    }
}

/// Decides which programs pay for one subject.
pub fn stack(candidates: &[Candidate]) -> Stacked {
    let mut ordered: Vec<&Candidate> = candidates.iter().collect();
    ordered.sort_by(|a, b| (a.stacking.order, &a.program).cmp(&(b.stacking.order, &b.program)));
    let mut stacked = Stacked::default();
    for candidate in ordered {
        let program = candidate.program.clone();
        if candidate.amount <= 0 {
            stacked.earned_nothing.push(program);
            continue;
        }
        match (candidate.stacking.rule, stacked.applied.first()) {
            (StackingRule::GivesWay, Some(first)) => {
                let first = first.clone();
                stacked.gave_way.push((program, first));
            }
            _ => stacked.applied.push(program),
        }
    }
    stacked
}
