//! The scope mechanism: the only ways to reach partner-owned data.
//!
//! - One partner: [`Visible`] is a partner row that a scoped lookup found
//!   under the caller's [`DataScope`]. Its field is private and it has no
//!   public constructor, so outside this crate a `Visible` can only come from
//!   [`partner_by_code`], [`partner_by_id`], [`partner_for_write`] or the
//!   store's own insert of a new partner. Every store function on a
//!   partner-owned child table (status history, contacts, grade history,
//!   agreement versions, evaluations, a partner's rights) takes `&Visible`
//!   instead of a bare id.
//! - Many partners: [`restrict`] adds the scope to a query on any
//!   partner-owned table by its partner-id column; every cross-partner list
//!   goes through it.
//!
//! A forged handle does not compile:
//!
//! ```compile_fail
//! use qudao_store::scope::Visible;
//! fn forge(row: qudao_store::partners::partner::Model) -> Visible {
//!     Visible { row }
//! }
//! ```

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::partners::{partner, scope_condition};
use crate::write::WriteTx;
use crate::{DataScope, StoreError};
use qudao_domain::partners::{PartnerCode, PartnerId};

/// A partner the caller's scope can see, proven by the lookup that found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visible {
    row: partner::Model,
}

impl Visible {
    /// Only the store's lookups (and its insert of a partner the caller has
    /// just written) produce one.
    pub(crate) fn found(row: partner::Model) -> Self {
        Self { row }
    }

    pub fn id(&self) -> PartnerId {
        PartnerId(self.row.id)
    }

    pub fn code(&self) -> &str {
        &self.row.code
    }

    pub fn row(&self) -> &partner::Model {
        &self.row
    }

    pub fn into_row(self) -> partner::Model {
        self.row
    }

    /// The same partner after a write of the store changed its row.
    pub(crate) fn replaced(self, row: partner::Model) -> Self {
        debug_assert_eq!(self.row.id, row.id);
        Self { row }
    }
}

/// A partner by code, if the scope sees it.
pub async fn partner_by_code(
    db: &impl ConnectionTrait,
    scope: DataScope,
    code: &PartnerCode,
) -> Result<Option<Visible>, StoreError> {
    Ok(partner::Entity::find()
        .filter(partner::Column::Code.eq(code.as_str()))
        .filter(scope_condition(scope))
        .one(db)
        .await?
        .map(Visible::found))
}

/// A partner by id, if the scope sees it.
pub async fn partner_by_id(
    db: &impl ConnectionTrait,
    scope: DataScope,
    id: PartnerId,
) -> Result<Option<Visible>, StoreError> {
    Ok(partner::Entity::find_by_id(id.0)
        .filter(scope_condition(scope))
        .one(db)
        .await?
        .map(Visible::found))
}

/// The partners with these codes that the scope sees, in bounded batches
/// (an import asks once, not once per row).
pub async fn partners_by_codes(
    db: &impl ConnectionTrait,
    scope: DataScope,
    codes: &[String],
) -> Result<Vec<Visible>, StoreError> {
    let mut found = Vec::new();
    for chunk in codes.chunks(500) {
        found.extend(
            partner::Entity::find()
                .filter(partner::Column::Code.is_in(chunk.iter().cloned()))
                .filter(scope_condition(scope))
                .all(db)
                .await?
                .into_iter()
                .map(Visible::found),
        );
    }
    Ok(found)
}

/// Every partner the scope sees, for a bulk path that meets partner codes
/// as it streams a file (a partner user's scope is its one organisation).
pub async fn partners_in(
    db: &impl ConnectionTrait,
    scope: DataScope,
) -> Result<Vec<Visible>, StoreError> {
    Ok(partner::Entity::find()
        .filter(scope_condition(scope))
        .all(db)
        .await?
        .into_iter()
        .map(Visible::found)
        .collect())
}

/// A partner by code for a write: the row is locked (`FOR UPDATE` on
/// PostgreSQL) until the transaction ends, so what the write checks about it
/// (its status, its versions, its grade) cannot change underneath.
pub async fn partner_for_write(
    tx: &WriteTx,
    scope: DataScope,
    code: &PartnerCode,
) -> Result<Option<Visible>, StoreError> {
    Ok(partner::Entity::find()
        .filter(partner::Column::Code.eq(code.as_str()))
        .filter(scope_condition(scope))
        .lock_exclusive()
        .one(tx)
        .await?
        .map(Visible::found))
}

/// Keeps a query on a partner-owned table inside the scope, through the
/// table's partner-id column.
pub fn restrict<Q: QueryFilter>(query: Q, scope: DataScope, partner_id: impl ColumnTrait) -> Q {
    match scope {
        DataScope::All => query,
        scope => query.filter(
            partner_id.in_subquery(
                Query::select()
                    .expr(Expr::col((partner::Entity, partner::Column::Id)))
                    .from(partner::Entity)
                    .and_where(scope_condition(scope))
                    .to_owned(),
            ),
        ),
    }
}
