//! Closed months: finance closes a month, and no fact dated inside it may
//! be written or changed until it is reopened (with a reason, kept in
//! `period_events`).

use std::collections::BTreeSet;

use sea_orm::{ConnectionTrait, EntityTrait};

use crate::StoreError;
use crate::error::read;
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
