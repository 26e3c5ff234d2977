//! The incentive ledger rule (DESIGN.md §7a): append-only entries per
//! subject × program × period of amounts earned (by runs) and settled (by
//! payouts). A run appends what its result adds to what was earned so
//! far; a settlement pays earned-to-date − settled-to-date. A retroactive
//! bracket reached late, a return after settlement or a late report thus
//! nets out across successive settlements of one period: the settlements
//! always add up to the last result.

use std::collections::BTreeMap;

use super::program::ProgramCode;
use crate::periods::Period;

/// Whose money, from which program, for which period.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct LedgerKey {
    pub subject: String,
    pub program: ProgramCode,
    pub period: Period,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// What a run's result added to (or took from) the amount earned.
    Earned,
    /// What a payout paid (negative: clawed back).
    Settled,
}

/// One ledger entry of one key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LedgerEntry {
    pub id: i64,
    pub kind: EntryKind,
    pub amount: i64,
    /// The original settlement a correcting one refers to.
    pub references: Option<i64>,
}

/// Earned-to-date and settled-to-date of one key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub earned: i64,
    pub settled: i64,
}

pub fn position(entries: &[LedgerEntry]) -> Position {
    entries.iter().fold(Position::default(), |mut p, entry| {
        match entry.kind {
            EntryKind::Earned => p.earned += entry.amount,
            EntryKind::Settled => p.settled += entry.amount,
        }
        p
    })
}

/// The `Earned` amount a run appends for its `result`: the change since
/// what was earned so far. `None` when the result did not change.
pub fn accrual(result: i64, entries: &[LedgerEntry]) -> Option<i64> {
    let change = result - position(entries).earned;
    (change != 0).then_some(change)
}

/// One line a settlement pays for a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SettlementLine {
    /// Earned-to-date − settled-to-date; negative is a clawback.
    pub amount: i64,
    /// The key's first settlement, when this line corrects it.
    pub references: Option<i64>,
}

/// What a settlement pays for one key; `None` when nothing is owed
/// either way.
pub fn settlement(entries: &[LedgerEntry]) -> Option<SettlementLine> {
    let p = position(entries);
    let amount = p.earned - p.settled;
    (amount != 0).then(|| SettlementLine {
        amount,
        references: entries
            .iter()
            .find(|e| e.kind == EntryKind::Settled)
            .map(|e| e.id),
    })
}

/// The settlement lines of every key that owes something.
pub fn settle_all(entries: &[(LedgerKey, LedgerEntry)]) -> BTreeMap<LedgerKey, SettlementLine> {
    let mut by_key: BTreeMap<&LedgerKey, Vec<LedgerEntry>> = BTreeMap::new();
    for (key, entry) in entries {
        by_key.entry(key).or_default().push(entry.clone());
    }
    by_key
        .into_iter()
        .filter_map(|(key, entries)| settlement(&entries).map(|line| (key.clone(), line)))
        .collect()
}
