//! Downstream orders (二级订货) seen from the distributor that sells: the
//! orders placed with it, and the sell-through lines its shipments wrote.
//! The order tables are `orders`' (an order's `seller_id` names the
//! distributor); everything here is reached through the seller's
//! `Visible`, so a distributor reads only what was placed with it.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::StoreError;
use crate::orders::order;
use crate::partners::partner;
use crate::scope::Visible;
use crate::write::WriteTx;

/// An order placed with `seller`, by number, with its buyer's code (to
/// find the buyer's `Visible`): only a buyer that still sits under the
/// seller.
pub async fn order_sold_by(
    db: &impl ConnectionTrait,
    seller: &Visible,
    number: &str,
) -> Result<Option<(order::Model, String)>, StoreError> {
    let found = order::Entity::find()
        .filter(order::Column::SellerId.eq(seller.id().0))
        .filter(order::Column::Number.eq(number))
        .one(db)
        .await?;
    let Some(order) = found else {
        return Ok(None);
    };
    let code = partner::Entity::find_by_id(order.partner_id)
        .filter(partner::Column::ParentId.eq(seller.id().0))
        .one(db)
        .await?
        .map(|p| p.code);
    Ok(code.map(|code| (order, code)))
}

/// The same order read again under the seller's lock, for a write.
pub async fn order_sold_for_write(
    tx: &WriteTx,
    seller: &Visible,
    number: &str,
) -> Result<Option<order::Model>, StoreError> {
    Ok(order::Entity::find()
        .filter(order::Column::SellerId.eq(seller.id().0))
        .filter(order::Column::Number.eq(number))
        .lock_exclusive()
        .one(tx)
        .await?)
}

/// Which of these serial numbers of a product `seller` has sold through
/// before (a downstream shipment keeps its serials on those lines).
pub async fn serials_sold(
    db: &impl ConnectionTrait,
    seller: &Visible,
    product_id: i64,
    serials: &[String],
) -> Result<Vec<String>, StoreError> {
    use crate::sellthrough::line;
    if serials.is_empty() {
        return Ok(Vec::new());
    }
    Ok(line::Entity::find()
        .select_only()
        .column(line::Column::SerialNo)
        .filter(line::Column::PartnerId.eq(seller.id().0))
        .filter(line::Column::ProductId.eq(product_id))
        .filter(line::Column::SerialNo.is_in(serials.iter().cloned()))
        .into_tuple::<Option<String>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect())
}

/// The serial numbers a seller's shipments of one order carried: (shipment
/// number, order line number, serial), from the sell-through lines they
/// wrote (`document_no` = shipment, `upload_row` = order line).
pub async fn shipped_serials(
    db: &impl ConnectionTrait,
    seller_id: i64,
    shipments: Vec<String>,
) -> Result<Vec<(String, i64, String)>, StoreError> {
    use crate::sellthrough::line;
    if shipments.is_empty() {
        return Ok(Vec::new());
    }
    Ok(line::Entity::find()
        .select_only()
        .column(line::Column::DocumentNo)
        .column(line::Column::UploadRow)
        .column(line::Column::SerialNo)
        .filter(line::Column::PartnerId.eq(seller_id))
        .filter(line::Column::DocumentNo.is_in(shipments))
        .filter(line::Column::SerialNo.is_not_null())
        .order_by_asc(line::Column::Id)
        .into_tuple::<(Option<String>, i64, Option<String>)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(doc, row, serial)| Some((doc?, row, serial?)))
        .collect())
}
