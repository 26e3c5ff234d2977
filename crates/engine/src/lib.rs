//! The in-memory columnar projection of the trade facts (DESIGN.md §3,
//! §7a). `app` loads it from the store at start-up through the fact
//! interface (`app::facts`) and publishes each committed batch of facts to
//! it; every aggregate a page, the API, the CLI or a later run reads comes
//! from here. It never writes, and the database stays the source of truth:
//! dropping the engine and loading again gives the same answers.
//!
//! Readers hold an `Arc<Snapshot>`. A publication builds the next snapshot
//! beside the current one and swaps it in at once, so a reader sees all of
//! a committed import or none of it.

mod dims;
mod exec;
mod lines;
mod query;
mod snapshot;
mod table;

use std::sync::{Arc, Mutex, RwLock};

pub use dims::{Dims, DimsInput, NONE, Named, OwnerInput, PartnerInput, ProductInput, RegionInput};
pub use exec::{Answer, AnswerRow, Key, Scope};
pub use lines::{Line, LineSort, Lines};
pub use query::{
    Compare, Dim, Filter, MAX_LIMIT, Measure, Query, QueryText, month_number, month_of_number,
};
pub use snapshot::{EncodeError, FactInput, RateInput, RateUsed, Snapshot};
pub use table::Kind;

/// The projection, shared by every request of a process.
#[derive(Debug)]
pub struct Engine {
    current: RwLock<Arc<Snapshot>>,
    /// One publication at a time, so two catch-ups never append the same
    /// facts twice.
    publishing: Mutex<()>,
}

/// What one publication brings.
#[derive(Debug, Default)]
pub struct Update {
    /// Fresh dimensions, when partners, products or regions changed or a
    /// fact names one the engine has not seen.
    pub dims: Option<DimsInput>,
    pub rates: Option<Vec<RateInput>>,
    pub facts: Vec<(Kind, Vec<FactInput>)>,
}

impl Engine {
    pub fn new(snapshot: Snapshot) -> Self {
        Self {
            current: RwLock::new(Arc::new(snapshot)),
            publishing: Mutex::new(()),
        }
    }

    /// What readers see now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Applies an update and makes it visible at once. Facts already held
    /// (an id at or below the table's last one) are skipped, so a
    /// catch-up that raced another is harmless.
    pub fn publish(&self, update: Update) -> Result<Arc<Snapshot>, EncodeError> {
        let _one = self
            .publishing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = self.snapshot();
        let dims = update
            .dims
            .as_ref()
            .map(|input| Dims::build(input, Some(&current.dims)));
        let facts: Vec<(Kind, Vec<FactInput>)> = update
            .facts
            .into_iter()
            .map(|(kind, facts)| {
                let last = current.table(kind).last_id;
                (kind, facts.into_iter().filter(|f| f.id > last).collect())
            })
            .collect();
        let next = Arc::new(current.published(dims, update.rates.as_deref(), &facts)?);
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = next.clone();
        Ok(next)
    }

    /// Where the catch-up of `kind` reads from.
    pub fn position(&self, kind: Kind) -> i64 {
        self.snapshot().table(kind).last_id
    }
}
