//! Grade codes by id, kept in memory for the reads that name a partner's
//! grade (every partner list and partner page), which would otherwise read
//! the grade table once per request.
//!
//! No write has to empty it: a grade's code is fixed when the grade is
//! created and grades are never deleted, so an entry once read stays true.
//! What it cannot know is a grade created since (on this node or another);
//! asking for an id it lacks reloads the table. Only committed data is
//! loaded (the pool, never a write transaction), so a grade whose creation
//! is rolled back never enters.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use qudao_store::ConnectionTrait;

use crate::AppError;

#[derive(Debug, Default)]
pub(crate) struct GradeCache {
    codes: RwLock<Arc<HashMap<i64, String>>>,
}

impl GradeCache {
    /// The codes of at least these grade ids (all grades, in fact), read
    /// from `pool` only when one of them is not known yet.
    pub(crate) async fn codes(
        &self,
        pool: &impl ConnectionTrait,
        ids: impl IntoIterator<Item = i64>,
    ) -> Result<Arc<HashMap<i64, String>>, AppError> {
        let known = Arc::clone(&self.codes.read().unwrap_or_else(|e| e.into_inner()));
        if ids.into_iter().all(|id| known.contains_key(&id)) {
            return Ok(known);
        }
        let fresh: Arc<HashMap<i64, String>> = Arc::new(
            qudao_store::grades::list(pool)
                .await?
                .into_iter()
                .map(|g| (g.id, g.code))
                .collect(),
        );
        *self.codes.write().unwrap_or_else(|e| e.into_inner()) = Arc::clone(&fresh);
        Ok(fresh)
    }
}
