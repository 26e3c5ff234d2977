//! Each partner's owners over time (`owner_history`). A row is written
//! with every change of `partners.owner_id`, in the same transaction, by
//! the partner writers in [`crate::partners`]; nothing here changes the
//! partner itself. Partner-owned: one partner's history through its
//! [`Visible`]; the moved partners as a whole only for the system's sums
//! (attainment credit), which the caller's right to see a target covers.

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::StoreError;
use crate::partners::partner;
use crate::scope::Visible;
use crate::write::WriteTx;
use qudao_domain::owner_moves::OwnerSpan;

pub mod entry {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "owner_history")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub partner_id: i64,
        pub owner_id: Option<i64>,
        pub from_date: Date,
        pub changed_by: String,
        pub changed_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// A move whose rep targets were moved with the partner (once per move).
pub mod targets_moved {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "rep_target_moves")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub owner_history_id: i64,
        pub partner_id: i64,
        pub reason: String,
        pub moved_by: String,
        pub moved_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

impl entry::Model {
    pub fn span(&self) -> OwnerSpan {
        OwnerSpan {
            from: self.from_date,
            owner: self.owner_id,
        }
    }
}

/// A change of a partner's owner: to whom, from which day, by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerMove<'a> {
    pub owner_id: Option<i64>,
    pub from: NaiveDate,
    pub changed_by: &'a str,
}

/// Writes one row of a partner's history in the caller's transaction.
pub(crate) async fn record(
    db: &WriteTx,
    partner_id: i64,
    change: &OwnerMove<'_>,
) -> Result<entry::Model, StoreError> {
    Ok(entry::ActiveModel {
        partner_id: Set(partner_id),
        owner_id: Set(change.owner_id),
        from_date: Set(change.from),
        changed_by: Set(change.changed_by.to_owned()),
        changed_at: Set(crate::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The first row of each new partner's history, in batches: its owner
/// from the day it was created.
pub(crate) async fn record_first_many(
    db: &WriteTx,
    rows: &[partner::Model],
    created_by: &str,
) -> Result<(), StoreError> {
    crate::bulk::insert(
        db,
        "owner_history",
        &[
            "partner_id",
            "owner_id",
            "from_date",
            "changed_by",
            "changed_at",
        ],
        rows.iter()
            .map(|r| {
                vec![
                    r.id.into(),
                    r.owner_id.into(),
                    r.created_at.date_naive().into(),
                    created_by.into(),
                    r.created_at.into(),
                ]
            })
            .collect(),
    )
    .await
}

/// One partner's history in the order it was written (a move is never
/// dated before the previous move; the first row may be dated after a
/// move recorded later, see `domain::owner_moves`).
pub async fn of_partner(
    db: &impl ConnectionTrait,
    partner: &Visible,
) -> Result<Vec<entry::Model>, StoreError> {
    Ok(entry::Entity::find()
        .filter(entry::Column::PartnerId.eq(partner.id().0))
        .order_by_asc(entry::Column::Id)
        .all(db)
        .await?)
}

/// The history of every partner that has changed owner at least once
/// (that is, has more than its first row), by partner, in written order.
/// Moves are rare next to partners, so this stays small.
pub async fn of_moved_partners(db: &impl ConnectionTrait) -> Result<Vec<entry::Model>, StoreError> {
    let moved = Query::select()
        .column(entry::Column::PartnerId)
        .from(entry::Entity)
        .group_by_col(entry::Column::PartnerId)
        .and_having(Expr::col(entry::Column::Id).count().gt(1))
        .to_owned();
    Ok(entry::Entity::find()
        .filter(entry::Column::PartnerId.in_subquery(moved))
        .order_by_asc(entry::Column::PartnerId)
        .order_by_asc(entry::Column::Id)
        .all(db)
        .await?)
}

/// Whether the rep targets of this move (a row of the partner's history)
/// were moved, and by whom.
pub async fn targets_moved(
    db: &impl ConnectionTrait,
    owner_history_id: i64,
) -> Result<Option<targets_moved::Model>, StoreError> {
    Ok(targets_moved::Entity::find()
        .filter(targets_moved::Column::OwnerHistoryId.eq(owner_history_id))
        .one(db)
        .await?)
}

/// Records that a move's rep targets were moved, in the transaction that
/// moved them; a second record of the same move fails on the unique key.
pub async fn record_targets_moved(
    tx: &WriteTx,
    entry: &entry::Model,
    reason: &str,
    by: &str,
) -> Result<targets_moved::Model, StoreError> {
    Ok(targets_moved::ActiveModel {
        owner_history_id: Set(entry.id),
        partner_id: Set(entry.partner_id),
        reason: Set(reason.to_owned()),
        moved_by: Set(by.to_owned()),
        moved_at: Set(crate::now()),
        ..Default::default()
    }
    .insert(tx)
    .await?)
}
