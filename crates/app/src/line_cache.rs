//! Product line names by code, kept in memory for the pages that name a
//! line wherever a right, a limit or a product shows it (the layout reads
//! them once per page), which would otherwise read the table per request.
//!
//! A line's code never changes and lines are never deleted, but its names
//! do: a rename on this node empties the cache after its commit, and other
//! nodes see it within [`TTL`], like the caller cache.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use qudao_store::ConnectionTrait;

use crate::AppError;

/// How long another node's rename may take to show here.
pub const TTL: Duration = Duration::from_secs(5);

/// Every product line's Chinese and English name, by code.
#[derive(Debug, Default)]
pub struct LineNames {
    by_code: HashMap<String, (String, String)>,
}

impl LineNames {
    /// The line's name in English (`english`) or Chinese; `None` for a code
    /// that is no line.
    pub fn name(&self, code: &str, english: bool) -> Option<&str> {
        self.by_code
            .get(code)
            .map(|(zh, en)| if english { en.as_str() } else { zh.as_str() })
    }
}

#[derive(Debug, Default)]
pub(crate) struct LineCache {
    held: RwLock<Option<(Instant, Arc<LineNames>)>>,
}

impl LineCache {
    pub(crate) async fn names(
        &self,
        pool: &impl ConnectionTrait,
    ) -> Result<Arc<LineNames>, AppError> {
        if let Some((at, names)) = &*self.held.read().unwrap_or_else(|e| e.into_inner())
            && at.elapsed() < TTL
        {
            return Ok(Arc::clone(names));
        }
        let fresh = Arc::new(LineNames {
            by_code: qudao_store::catalog::lines(pool)
                .await?
                .into_iter()
                .map(|line| (line.code, (line.name_zh, line.name_en)))
                .collect(),
        });
        *self.held.write().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), Arc::clone(&fresh)));
        Ok(fresh)
    }

    pub(crate) fn forget(&self) {
        *self.held.write().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
