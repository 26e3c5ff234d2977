//! Facts for the engine (DESIGN.md §7a): THE interface the in-memory
//! engine loads from and catches up with. Two halves:
//!
//! - [`Qudao::facts_after`] reads facts of one kind after a given id, in id
//!   order, a batch at a time (`store::facts`): the load at start-up reads
//!   from 0 until a batch comes back short, a catch-up reads from the last
//!   id the engine holds.
//! - [`Qudao::fact_notices`] is a `tokio::sync::watch` of the highest
//!   committed fact id per kind, sent after each commit that wrote facts.
//!   A watch keeps only the latest value, so a slow engine never falls
//!   behind a queue: it wakes, reads from its position to the new mark,
//!   and sleeps again. Several commits between two wakes are one catch-up.
//!
//! A use case that writes facts calls [`Qudao::facts_committed`] after its
//! commit, never before (the engine must not read what may still roll back).

use std::collections::BTreeMap;

pub use qudao_store::facts::{Batches, Fact, FactKind};
use tokio::sync::watch;

use crate::{AppError, Qudao};

/// The highest committed id of each fact kind this process knows of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Committed(BTreeMap<FactKind, i64>);

impl Committed {
    /// The highest committed id of `kind` (0 before any).
    pub fn get(&self, kind: FactKind) -> i64 {
        self.0.get(&kind).copied().unwrap_or(0)
    }
}

/// The sending side, one per process (shared by the clones of [`Qudao`]).
#[derive(Debug)]
pub(crate) struct Notices(watch::Sender<Committed>);

impl Default for Notices {
    fn default() -> Self {
        Self(watch::Sender::new(Committed::default()))
    }
}

impl Qudao {
    /// Subscribes to commits of facts; the value is the highest committed
    /// id per kind.
    pub fn fact_notices(&self) -> watch::Receiver<Committed> {
        self.notices.0.subscribe()
    }

    /// Up to `limit` facts of `kind` with an id above `after`, by id.
    pub async fn facts_after(
        &self,
        kind: FactKind,
        after: i64,
        limit: u64,
    ) -> Result<Vec<Fact>, AppError> {
        Ok(qudao_store::facts::after(self.db(), kind, after, limit).await?)
    }

    /// Every fact of `kind` after `after`, in batches of `size`: call
    /// `next(app.db_for_facts())` until it answers `None`.
    pub fn fact_batches(&self, kind: FactKind, after: i64, size: u64) -> Batches {
        Batches::new(kind, after, size)
    }

    /// The connection [`Batches`] reads from.
    pub fn db_for_facts(&self) -> &qudao_store::DatabaseConnection {
        self.db()
    }

    /// Tells the engine that facts of `kind` up to the table's current
    /// highest id are committed. Called after the commit.
    pub(crate) async fn facts_committed(&self, kind: FactKind) -> Result<(), AppError> {
        let last = qudao_store::facts::last_id(self.db(), kind).await?;
        self.notices.0.send_modify(|committed| {
            let mark = committed.0.entry(kind).or_insert(0);
            *mark = (*mark).max(last);
        });
        Ok(())
    }
}
