//! Each region's planned number of retail outlets (`outlet_plans`), the
//! denominator of outlet coverage.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};

use crate::StoreError;
use crate::write::WriteTx;
use qudao_domain::outlets::PlannedOutlets;

pub mod plan {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outlet_plans")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub region_id: i64,
        pub planned: i64,
        pub updated_by: String,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// A region's plan, read into domain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRow {
    pub region_id: i64,
    pub planned: PlannedOutlets,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

fn typed(row: plan::Model) -> Result<PlanRow, StoreError> {
    let planned = PlannedOutlets::new(row.planned).ok_or_else(|| StoreError::Unreadable {
        table: "outlet_plans",
        row: row.id,
        column: "planned",
        value: row.planned.to_string(),
    })?;
    Ok(PlanRow {
        region_id: row.region_id,
        planned,
        updated_by: row.updated_by,
        updated_at: row.updated_at,
    })
}

/// Every region's plan.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<PlanRow>, StoreError> {
    plan::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(typed)
        .collect()
}

/// The plans of these regions.
pub async fn of_regions(
    db: &impl ConnectionTrait,
    region_ids: &[i64],
) -> Result<Vec<PlanRow>, StoreError> {
    let mut rows = Vec::new();
    for chunk in region_ids.chunks(1000) {
        for row in plan::Entity::find()
            .filter(plan::Column::RegionId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            rows.push(typed(row)?);
        }
    }
    Ok(rows)
}

/// Sets a region's plan, or changes it; returns the plan it replaced.
pub async fn put(
    tx: &WriteTx,
    region_id: i64,
    planned: PlannedOutlets,
    actor: &str,
) -> Result<Option<PlannedOutlets>, StoreError> {
    let existing = plan::Entity::find()
        .filter(plan::Column::RegionId.eq(region_id))
        .lock_exclusive()
        .one(tx)
        .await?;
    let now = crate::now();
    match existing {
        Some(row) => {
            let before = typed(row.clone())?.planned;
            let mut active: plan::ActiveModel = row.into();
            active.planned = Set(planned.count());
            active.updated_by = Set(actor.to_owned());
            active.updated_at = Set(now);
            active.update(tx).await?;
            Ok(Some(before))
        }
        None => {
            plan::ActiveModel {
                region_id: Set(region_id),
                planned: Set(planned.count()),
                updated_by: Set(actor.to_owned()),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(tx)
            .await?;
            Ok(None)
        }
    }
}
