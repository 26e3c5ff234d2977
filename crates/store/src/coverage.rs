//! The regions a channel manager or sales rep covers (`user_regions`).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::StoreError;
use crate::territories::region;

pub mod cover {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "user_regions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub region_id: i64,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// The regions a user covers, by code.
pub async fn regions_of(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<region::Model>, StoreError> {
    let ids: Vec<i64> = cover::Entity::find()
        .select_only()
        .column(cover::Column::RegionId)
        .filter(cover::Column::UserId.eq(user_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(region::Entity::find()
        .filter(region::Column::Id.is_in(ids))
        .order_by_asc(region::Column::Code)
        .all(db)
        .await?)
}

/// Whether the user already covers the region.
pub async fn covers(
    db: &impl ConnectionTrait,
    user_id: i64,
    region_id: i64,
) -> Result<bool, StoreError> {
    Ok(cover::Entity::find()
        .filter(cover::Column::UserId.eq(user_id))
        .filter(cover::Column::RegionId.eq(region_id))
        .one(db)
        .await?
        .is_some())
}

pub async fn add(
    db: &impl ConnectionTrait,
    user_id: i64,
    region_id: i64,
) -> Result<(), StoreError> {
    cover::ActiveModel {
        user_id: Set(user_id),
        region_id: Set(region_id),
        created_at: Set(crate::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn remove(
    db: &impl ConnectionTrait,
    user_id: i64,
    region_id: i64,
) -> Result<(), StoreError> {
    cover::Entity::delete_many()
        .filter(cover::Column::UserId.eq(user_id))
        .filter(cover::Column::RegionId.eq(region_id))
        .exec(db)
        .await?;
    Ok(())
}
