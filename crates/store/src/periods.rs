//! Closed months: finance closes a month, and no fact dated inside it may
//! be written or changed until it is reopened (with a reason, kept in
//! `period_events`).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, QuerySelect, Set};

use crate::error::read;
use crate::{StoreError, WriteTx};
use qudao_domain::periods::Month;

pub mod closed_period {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "closed_periods")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub month: String,
        pub closed_by: String,
        pub closed_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod event {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "period_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub month: String,
        pub action: String,
        pub reason: String,
        pub actor: String,
        pub at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Every closed month. Fact writes read this once per transaction (after
/// their write lock, so a close that commits first is seen) and check each
/// fact's date against it in memory.
pub async fn closed_months(db: &impl ConnectionTrait) -> Result<BTreeSet<Month>, StoreError> {
    closed_period::Entity::find()
        .all(db)
        .await?
        .iter()
        .enumerate()
        .map(|(i, row)| {
            read("closed_periods", i as i64, "month", &row.month, |v| {
                Month::parse("month", v)
            })
        })
        .collect()
}

/// The closed month for a close or reopen; `None` when it is open.
pub async fn find_closed(
    db: &impl ConnectionTrait,
    month: Month,
) -> Result<Option<closed_period::Model>, StoreError> {
    Ok(closed_period::Entity::find_by_id(month.to_string())
        .one(db)
        .await?)
}

/// Every closed month with who closed it and when, newest first.
pub async fn closed_rows(
    db: &impl ConnectionTrait,
) -> Result<Vec<(Month, closed_period::Model)>, StoreError> {
    closed_period::Entity::find()
        .order_by_desc(closed_period::Column::Month)
        .all(db)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let month = read("closed_periods", i as i64, "month", &row.month, |v| {
                Month::parse("month", v)
            })?;
            Ok((month, row))
        })
        .collect()
}

/// Closes a month and records the event, in the closing transaction.
pub async fn close(
    tx: &WriteTx,
    month: Month,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    closed_period::ActiveModel {
        month: Set(month.to_string()),
        closed_by: Set(actor.to_owned()),
        closed_at: Set(at),
    }
    .insert(tx)
    .await?;
    record(tx, month, "close", "", actor, at).await
}

/// Reopens a month and records the event with its reason.
pub async fn reopen(
    tx: &WriteTx,
    month: Month,
    reason: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    closed_period::Entity::delete_by_id(month.to_string())
        .exec(tx)
        .await?;
    record(tx, month, "reopen", reason, actor, at).await
}

async fn record(
    tx: &WriteTx,
    month: Month,
    action: &str,
    reason: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    event::ActiveModel {
        month: Set(month.to_string()),
        action: Set(action.to_owned()),
        reason: Set(reason.to_owned()),
        actor: Set(actor.to_owned()),
        at: Set(at),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(())
}

/// The latest `limit` closes and reopens, newest first.
pub async fn events(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<event::Model>, StoreError> {
    Ok(event::Entity::find()
        .order_by_desc(event::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}
