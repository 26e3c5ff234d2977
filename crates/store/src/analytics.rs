//! What the engine's dimensions are built from (partners, products,
//! regions, grades, product lines, owners), read whole, and the ids of
//! the partners a caller's scope reaches, which the engine applies to
//! every row it aggregates.
//!
//! The dimension reads are not scoped, like the fact reads beside them
//! (`facts`): the engine holds everything and scopes inside each query.

use qudao_domain::scope::DataScope;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::StoreError;
use crate::admin::user;
use crate::catalog::{product, product_line};
use crate::grades::grade;
use crate::partners::{partner, scope_condition};
use crate::territories::region;

/// Every row the dimensions are built from.
#[derive(Debug, Clone, Default)]
pub struct DimRows {
    pub partners: Vec<partner::Model>,
    pub products: Vec<product::Model>,
    pub lines: Vec<product_line::Model>,
    pub regions: Vec<region::Model>,
    pub grades: Vec<grade::Model>,
    /// Users who own partners: (id, login, display name).
    pub owners: Vec<(i64, String, String)>,
}

pub async fn dim_rows(db: &impl sea_orm::ConnectionTrait) -> Result<DimRows, StoreError> {
    Ok(DimRows {
        partners: partner::Entity::find()
            .order_by_asc(partner::Column::Id)
            .all(db)
            .await?,
        products: product::Entity::find()
            .order_by_asc(product::Column::Id)
            .all(db)
            .await?,
        lines: product_line::Entity::find()
            .order_by_asc(product_line::Column::Id)
            .all(db)
            .await?,
        regions: region::Entity::find()
            .order_by_asc(region::Column::Id)
            .all(db)
            .await?,
        grades: grade::Entity::find()
            .order_by_asc(grade::Column::Rank)
            .all(db)
            .await?,
        owners: user::Entity::find()
            .select_only()
            .columns([
                user::Column::Id,
                user::Column::Login,
                user::Column::DisplayName,
            ])
            .filter(user::Column::PartnerId.is_null())
            .order_by_asc(user::Column::Id)
            .into_tuple()
            .all(db)
            .await?,
    })
}

/// The ids of the partners `scope` reaches; `None` for every partner.
pub async fn partner_ids(
    db: &impl sea_orm::ConnectionTrait,
    scope: DataScope,
) -> Result<Option<Vec<i64>>, StoreError> {
    if scope == DataScope::All {
        return Ok(None);
    }
    Ok(Some(
        partner::Entity::find()
            .select_only()
            .column(partner::Column::Id)
            .filter(scope_condition(scope))
            .into_tuple()
            .all(db)
            .await?,
    ))
}
