//! Sell-in orders and what became of them: lines, shipments with their
//! serial numbers, invoices, returns, credit notes and the sell-in facts
//! they feed (tables of migration 15). Every table here is partner-owned:
//! one partner's documents are reached through its `Visible`, lists of
//! many through `restrict`. Nothing is deleted except the lines of an order
//! still being edited, which no money depends on yet.

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, ExprTrait, JoinType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, RelationDef, Select, Set,
};

use crate::error::read;
use crate::paging::{Page, PageRequest};
use crate::partners::partner;
use crate::receivables::{credit_note, invoice};
use crate::scope::{Visible, restrict};
use crate::write::WriteTx;
use crate::{DataScope, StoreError, now};
use qudao_domain::money::Currency;
use qudao_domain::orders::{Document, OrderCheck, OrderStatus};

macro_rules! entity {
    ($module:ident, $table:literal { $($field:ident: $ty:ty),+ $(,)? }) => {
        pub mod $module {
            use sea_orm::entity::prelude::*;

            #[sea_orm::model]
            #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
            #[sea_orm(table_name = $table)]
            pub struct Model {
                #[sea_orm(primary_key)]
                pub id: i64,
                $(pub $field: $ty,)+
            }

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

entity!(order, "orders" {
    number: String,
    partner_id: i64,
    seller_id: Option<i64>,
    currency: String,
    status: String,
    order_date: Date,
    note: String,
    checks: String,
    decided_by: Option<String>,
    decided_at: Option<DateTimeUtc>,
    decision_reason: Option<String>,
    created_by: String,
    created_at: DateTimeUtc,
    updated_at: DateTimeUtc,
});

entity!(order_line, "order_lines" {
    order_id: i64,
    line_no: i32,
    product_id: i64,
    qty: i64,
    list_price_minor: i64,
    price_list_id: Option<i64>,
    unit_price_minor: i64,
    override_reason: Option<String>,
    amount_minor: i64,
    qty_shipped: i64,
    qty_returned: i64,
});

entity!(shipment, "shipments" {
    number: String,
    order_id: i64,
    partner_id: i64,
    shipped_on: Date,
    created_by: String,
    created_at: DateTimeUtc,
});

entity!(shipment_line, "shipment_lines" {
    shipment_id: i64,
    order_line_id: i64,
    product_id: i64,
    qty: i64,
    amount_minor: i64,
});

entity!(serial, "shipment_serials" {
    shipment_line_id: i64,
    product_id: i64,
    serial_no: String,
});

entity!(sale_return, "returns" {
    number: String,
    partner_id: i64,
    order_line_id: i64,
    shipment_line_id: i64,
    product_id: i64,
    qty: i64,
    amount_minor: i64,
    currency: String,
    reason: String,
    returned_on: Date,
    created_by: String,
    created_at: DateTimeUtc,
});

entity!(sellin_line, "sellin_lines" {
    partner_id: i64,
    seller_id: Option<i64>,
    product_id: i64,
    date: Date,
    qty: i64,
    amount_minor: i64,
    currency: String,
    document_no: Option<String>,
    source: String,
    shipment_line_id: Option<i64>,
    return_id: Option<i64>,
    created_at: DateTimeUtc,
});

const ORDERS: &str = "orders";

impl order::Model {
    pub fn status(&self) -> Result<OrderStatus, StoreError> {
        read(ORDERS, self.id, "status", &self.status, OrderStatus::parse)
    }

    pub fn currency(&self) -> Result<Currency, StoreError> {
        read(ORDERS, self.id, "currency", &self.currency, Currency::parse)
    }

    /// The failing checks of the last submission.
    pub fn checks(&self) -> Result<Vec<OrderCheck>, StoreError> {
        read(ORDERS, self.id, "checks", &self.checks, |v| {
            serde_json::from_str::<Vec<OrderCheck>>(v)
        })
    }
}

/// The number a new document of `table` will carry, with its id: ids are
/// allocated first so the number is written with the row.
async fn next_number(
    tx: &WriteTx,
    table: &'static str,
    document: Document,
) -> Result<(i64, String), StoreError> {
    let id = crate::bulk::allocate_ids(tx, table, 1)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::Db(sea_orm::DbErr::Custom("no id allocated".into())))?;
    Ok((id, document.number(id)))
}

/// An order line as the use case priced it.
#[derive(Debug, Clone)]
pub struct NewLine {
    pub product_id: i64,
    pub qty: i64,
    pub list_price_minor: i64,
    pub price_list_id: Option<i64>,
    pub unit_price_minor: i64,
    pub override_reason: Option<String>,
    pub amount_minor: i64,
}

/// A new draft order of `partner`, placed with us or (`seller`) with its
/// distributor.
pub async fn insert_order(
    tx: &WriteTx,
    partner: &Visible,
    seller: Option<i64>,
    currency: Currency,
    order_date: NaiveDate,
    note: &str,
    by: &str,
) -> Result<order::Model, StoreError> {
    let (id, number) = next_number(tx, ORDERS, Document::Order).await?;
    let at = now();
    Ok(order::ActiveModel {
        id: Set(id),
        number: Set(number),
        partner_id: Set(partner.id().0),
        seller_id: Set(seller),
        currency: Set(currency.as_str().to_owned()),
        status: Set(OrderStatus::Draft.as_str().to_owned()),
        order_date: Set(order_date),
        note: Set(note.to_owned()),
        checks: Set("[]".to_owned()),
        decided_by: Set(None),
        decided_at: Set(None),
        decision_reason: Set(None),
        created_by: Set(by.to_owned()),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(tx)
    .await?)
}

/// Replaces a draft's lines (a draft's lines carry no money yet).
pub async fn replace_lines(
    tx: &WriteTx,
    order: &order::Model,
    lines: Vec<NewLine>,
) -> Result<(), StoreError> {
    order_line::Entity::delete_many()
        .filter(order_line::Column::OrderId.eq(order.id))
        .exec(tx)
        .await?;
    for (no, line) in (1..).zip(lines) {
        order_line::ActiveModel {
            order_id: Set(order.id),
            line_no: Set(no),
            product_id: Set(line.product_id),
            qty: Set(line.qty),
            list_price_minor: Set(line.list_price_minor),
            price_list_id: Set(line.price_list_id),
            unit_price_minor: Set(line.unit_price_minor),
            override_reason: Set(line.override_reason),
            amount_minor: Set(line.amount_minor),
            qty_shipped: Set(0),
            qty_returned: Set(0),
            ..Default::default()
        }
        .insert(tx)
        .await?;
    }
    Ok(())
}

/// Changes a draft's date and note.
pub async fn update_head(
    tx: &WriteTx,
    order: order::Model,
    order_date: NaiveDate,
    note: &str,
) -> Result<order::Model, StoreError> {
    let mut active: order::ActiveModel = order.into();
    active.order_date = Set(order_date);
    active.note = Set(note.to_owned());
    active.updated_at = Set(now());
    Ok(active.update(tx).await?)
}

/// What a status change records besides the status.
#[derive(Debug, Clone, Default)]
pub struct Decision<'a> {
    pub checks: Option<&'a [OrderCheck]>,
    /// Who decided and why (approve, reject, cancel).
    pub by: Option<(&'a str, Option<&'a str>)>,
}

pub async fn set_status(
    tx: &WriteTx,
    order: order::Model,
    status: OrderStatus,
    decision: Decision<'_>,
) -> Result<order::Model, StoreError> {
    let mut active: order::ActiveModel = order.into();
    let at = now();
    active.status = Set(status.as_str().to_owned());
    if let Some(checks) = decision.checks {
        active.checks = Set(serde_json::to_string(checks).unwrap_or_else(|_| "[]".to_owned()));
    }
    if let Some((by, reason)) = decision.by {
        active.decided_by = Set(Some(by.to_owned()));
        active.decided_at = Set(Some(at));
        active.decision_reason = Set(reason.map(str::to_owned));
    }
    active.updated_at = Set(at);
    Ok(active.update(tx).await?)
}

/// One of `partner`'s orders by number, locked for the write.
pub async fn order_for_write(
    tx: &WriteTx,
    partner: &Visible,
    number: &str,
) -> Result<Option<order::Model>, StoreError> {
    Ok(order::Entity::find()
        .filter(order::Column::PartnerId.eq(partner.id().0))
        .filter(order::Column::Number.eq(number))
        .lock_exclusive()
        .one(tx)
        .await?)
}

/// An order by number, if its partner is in scope, with that partner's
/// code (to find its `Visible`).
pub async fn order_in_scope(
    db: &impl ConnectionTrait,
    scope: DataScope,
    number: &str,
) -> Result<Option<(order::Model, String)>, StoreError> {
    let found = restrict(order::Entity::find(), scope, order::Column::PartnerId)
        .filter(order::Column::Number.eq(number))
        .one(db)
        .await?;
    let Some(order) = found else {
        return Ok(None);
    };
    let code = partner::Entity::find_by_id(order.partner_id)
        .one(db)
        .await?
        .map(|p| p.code);
    Ok(code.map(|code| (order, code)))
}

/// An order's lines with their products, by line number.
pub async fn lines_of(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> Result<Vec<LineRow>, StoreError> {
    use crate::catalog::product;
    Ok(order_line::Entity::find()
        .select_only()
        .columns([
            order_line::Column::Id,
            order_line::Column::LineNo,
            order_line::Column::ProductId,
            order_line::Column::Qty,
            order_line::Column::ListPriceMinor,
            order_line::Column::PriceListId,
            order_line::Column::UnitPriceMinor,
            order_line::Column::OverrideReason,
            order_line::Column::AmountMinor,
            order_line::Column::QtyShipped,
            order_line::Column::QtyReturned,
        ])
        .column_as(product::Column::Sku, "sku")
        .column_as(product::Column::NameZh, "name_zh")
        .column_as(product::Column::NameEn, "name_en")
        .column_as(product::Column::SerialTracked, "serial_tracked")
        .column_as(product::Column::ProductLineId, "product_line_id")
        .column_as(product::Column::Status, "product_status")
        .join(JoinType::InnerJoin, line_product())
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::LineNo)
        .into_model::<LineRow>()
        .all(db)
        .await?)
}

fn line_product() -> RelationDef {
    use crate::catalog::product;
    order_line::Entity::belongs_to(product::Entity)
        .from(order_line::Column::ProductId)
        .to(product::Column::Id)
        .into()
}

/// An order line with what the pages and checks need of its product.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct LineRow {
    pub id: i64,
    pub line_no: i32,
    pub product_id: i64,
    pub qty: i64,
    pub list_price_minor: i64,
    pub price_list_id: Option<i64>,
    pub unit_price_minor: i64,
    pub override_reason: Option<String>,
    pub amount_minor: i64,
    pub qty_shipped: i64,
    pub qty_returned: i64,
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
    pub serial_tracked: bool,
    pub product_line_id: i64,
    pub product_status: String,
}

/// A row of the orders list: the order, its partner and its total.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct OrderRow {
    pub id: i64,
    pub number: String,
    pub partner_code: String,
    pub partner_name: String,
    pub currency: String,
    pub status: String,
    pub order_date: NaiveDate,
    pub total_minor: i64,
    pub created_by: String,
    /// The distributor it was placed with; none: with us.
    pub seller_code: Option<String>,
    pub seller_name: Option<String>,
}

/// Filters of the orders list.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub partner_id: Option<i64>,
    /// Only orders placed with a distributor (true) or with us (false).
    pub downstream: Option<bool>,
}

fn order_rows(filter: &OrderFilter) -> Select<order::Entity> {
    let mut select = order::Entity::find()
        .select_only()
        .columns([
            order::Column::Id,
            order::Column::Number,
            order::Column::Currency,
            order::Column::Status,
            order::Column::OrderDate,
            order::Column::CreatedBy,
        ])
        .column_as(partner::Column::Code, "partner_code")
        .column_as(partner::Column::Name, "partner_name")
        .column_as(
            Expr::cust(
                "CAST(COALESCE((SELECT SUM(l.amount_minor) FROM order_lines l \
                 WHERE l.order_id = orders.id), 0) AS BIGINT)",
            ),
            "total_minor",
        )
        .column_as(
            Expr::cust("(SELECT s.code FROM partners s WHERE s.id = orders.seller_id)"),
            "seller_code",
        )
        .column_as(
            Expr::cust("(SELECT s.name FROM partners s WHERE s.id = orders.seller_id)"),
            "seller_name",
        )
        .join(
            JoinType::InnerJoin,
            order::Entity::belongs_to(partner::Entity)
                .from(order::Column::PartnerId)
                .to(partner::Column::Id)
                .into(),
        );
    if let Some(status) = filter.status {
        select = select.filter(order::Column::Status.eq(status.as_str()));
    }
    if let Some(id) = filter.partner_id {
        select = select.filter(order::Column::PartnerId.eq(id));
    }
    match filter.downstream {
        Some(true) => select = select.filter(order::Column::SellerId.is_not_null()),
        Some(false) => select = select.filter(order::Column::SellerId.is_null()),
        None => {}
    }
    select
}

/// A page of orders of partners in scope, newest first.
pub async fn list_orders(
    db: &impl ConnectionTrait,
    scope: DataScope,
    filter: &OrderFilter,
    page: PageRequest,
) -> Result<Page<OrderRow>, StoreError> {
    let select = restrict(order_rows(filter), scope, order::Column::PartnerId)
        .order_by_desc(order::Column::Id);
    page_of(db, select, page).await
}

/// A page of the orders placed with `seller` (a distributor's incoming
/// downstream orders), newest first.
pub async fn list_sold(
    db: &impl ConnectionTrait,
    seller: &Visible,
    filter: &OrderFilter,
    page: PageRequest,
) -> Result<Page<OrderRow>, StoreError> {
    let select = order_rows(filter)
        .filter(order::Column::SellerId.eq(seller.id().0))
        .order_by_desc(order::Column::Id);
    page_of(db, select, page).await
}

async fn page_of(
    db: &impl ConnectionTrait,
    select: Select<order::Entity>,
    page: PageRequest,
) -> Result<Page<OrderRow>, StoreError> {
    let paginator = select.into_model::<OrderRow>().paginate(db, page.per_page);
    let items = paginator.fetch_page(page.page - 1).await?;
    let total = match crate::paging::known_total(page, items.len()) {
        Some(total) => total,
        None => paginator.num_items().await?,
    };
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// What the partner's other orders with us still to ship are worth, in
/// one currency: orders that hold credit (submitted, approved, partly
/// shipped), unshipped units at their unit price. Orders placed with a
/// distributor are its credit, not ours. Read after the partner
/// row is locked, so two submissions of one partner see each other.
pub async fn pending_amount(
    db: &impl ConnectionTrait,
    partner: &Visible,
    currency: Currency,
    except_order: i64,
) -> Result<i64, StoreError> {
    let holding: Vec<&str> = OrderStatus::ALL
        .iter()
        .filter(|s| s.holds_credit())
        .map(|s| s.as_str())
        .collect();
    let sum = order_line::Entity::find()
        .select_only()
        .column_as(
            Expr::cust(
                "CAST(COALESCE(SUM((order_lines.qty - order_lines.qty_shipped) \
                 * order_lines.unit_price_minor), 0) AS BIGINT)",
            ),
            "sum",
        )
        .join(
            JoinType::InnerJoin,
            order_line::Entity::belongs_to(order::Entity)
                .from(order_line::Column::OrderId)
                .to(order::Column::Id)
                .into(),
        )
        .filter(order::Column::PartnerId.eq(partner.id().0))
        .filter(order::Column::SellerId.is_null())
        .filter(order::Column::Currency.eq(currency.as_str()))
        .filter(order::Column::Status.is_in(holding))
        .filter(order::Column::Id.ne(except_order))
        .into_tuple::<i64>()
        .one(db)
        .await?;
    Ok(sum.unwrap_or(0))
}

/// Adds to a line's shipped or returned counter.
pub async fn count_on_line(
    tx: &WriteTx,
    line_id: i64,
    shipped: i64,
    returned: i64,
) -> Result<(), StoreError> {
    order_line::Entity::update_many()
        .col_expr(
            order_line::Column::QtyShipped,
            Expr::col(order_line::Column::QtyShipped).add(shipped),
        )
        .col_expr(
            order_line::Column::QtyReturned,
            Expr::col(order_line::Column::QtyReturned).add(returned),
        )
        .filter(order_line::Column::Id.eq(line_id))
        .exec(tx)
        .await?;
    Ok(())
}

/// A new shipment of an order, numbered.
pub async fn insert_shipment(
    tx: &WriteTx,
    order: &order::Model,
    shipped_on: NaiveDate,
    by: &str,
) -> Result<shipment::Model, StoreError> {
    let (id, number) = next_number(tx, "shipments", Document::Shipment).await?;
    Ok(shipment::ActiveModel {
        id: Set(id),
        number: Set(number),
        order_id: Set(order.id),
        partner_id: Set(order.partner_id),
        shipped_on: Set(shipped_on),
        created_by: Set(by.to_owned()),
        created_at: Set(now()),
    }
    .insert(tx)
    .await?)
}

/// One line of a shipment with its serial numbers.
pub async fn insert_shipment_line(
    tx: &WriteTx,
    shipment: &shipment::Model,
    line: &LineRow,
    qty: i64,
    amount_minor: i64,
    serials: &[String],
) -> Result<shipment_line::Model, StoreError> {
    let row = shipment_line::ActiveModel {
        shipment_id: Set(shipment.id),
        order_line_id: Set(line.id),
        product_id: Set(line.product_id),
        qty: Set(qty),
        amount_minor: Set(amount_minor),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    for serial_no in serials {
        serial::ActiveModel {
            shipment_line_id: Set(row.id),
            product_id: Set(line.product_id),
            serial_no: Set(serial_no.clone()),
            ..Default::default()
        }
        .insert(tx)
        .await?;
    }
    Ok(row)
}

/// Which of these serial numbers of a product have shipped before.
pub async fn serials_taken(
    db: &impl ConnectionTrait,
    product_id: i64,
    serials: &[String],
) -> Result<Vec<String>, StoreError> {
    Ok(serial::Entity::find()
        .select_only()
        .column(serial::Column::SerialNo)
        .filter(serial::Column::ProductId.eq(product_id))
        .filter(serial::Column::SerialNo.is_in(serials.iter().cloned()))
        .into_tuple::<String>()
        .all(db)
        .await?)
}

/// The invoice of a shipment.
pub async fn insert_invoice(
    tx: &WriteTx,
    shipment: &shipment::Model,
    currency: Currency,
    amount_minor: i64,
    due_on: NaiveDate,
    by: &str,
) -> Result<invoice::Model, StoreError> {
    let (id, number) = next_number(tx, "invoices", Document::Invoice).await?;
    Ok(invoice::ActiveModel {
        id: Set(id),
        number: Set(number),
        partner_id: Set(shipment.partner_id),
        shipment_id: Set(Some(shipment.id)),
        currency: Set(currency.as_str().to_owned()),
        amount_minor: Set(amount_minor),
        issued_on: Set(shipment.shipped_on),
        due_on: Set(due_on),
        created_by: Set(by.to_owned()),
        created_at: Set(now()),
    }
    .insert(tx)
    .await?)
}

/// What a sell-in fact records of a shipment line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SellInEvent {
    /// The line was shipped (positive).
    Shipped,
    /// Units came back (negative): the return's id.
    Returned(i64),
    /// A credit note on its own took money off the line's goods (qty 0,
    /// amount negative); `document_no` is the note's number.
    Allowed,
}

/// A sell-in fact: a shipment line (positive), a return or an allowance
/// (negative).
#[derive(Debug, Clone)]
pub struct NewSellIn {
    pub partner_id: i64,
    /// The distributor that sold (a downstream order); none: we did.
    pub seller_id: Option<i64>,
    pub product_id: i64,
    pub date: NaiveDate,
    pub qty: i64,
    pub amount_minor: i64,
    pub currency: Currency,
    pub document_no: String,
    pub shipment_line_id: i64,
    pub event: SellInEvent,
}

pub async fn insert_sellin(tx: &WriteTx, fact: NewSellIn) -> Result<(), StoreError> {
    let (source, return_id) = match fact.event {
        SellInEvent::Shipped => ("shipment", None),
        SellInEvent::Returned(id) => ("return", Some(id)),
        SellInEvent::Allowed => ("allowance", None),
    };
    sellin_line::ActiveModel {
        partner_id: Set(fact.partner_id),
        seller_id: Set(fact.seller_id),
        product_id: Set(fact.product_id),
        date: Set(fact.date),
        qty: Set(fact.qty),
        amount_minor: Set(fact.amount_minor),
        currency: Set(fact.currency.as_str().to_owned()),
        document_no: Set(Some(fact.document_no)),
        source: Set(source.to_owned()),
        // A return's fact points at the return; the return keeps the
        // shipment line it came back from.
        shipment_line_id: Set(return_id.is_none().then_some(fact.shipment_line_id)),
        return_id: Set(return_id),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(())
}

/// A shipment's lines, each with the amount that came back of it.
pub async fn shipment_lines_with_returns(
    db: &impl ConnectionTrait,
    shipment_id: i64,
) -> Result<Vec<(shipment_line::Model, i64)>, StoreError> {
    let lines = shipment_line::Entity::find()
        .filter(shipment_line::Column::ShipmentId.eq(shipment_id))
        .order_by_asc(shipment_line::Column::Id)
        .all(db)
        .await?;
    let returns = sale_return::Entity::find()
        .filter(sale_return::Column::ShipmentLineId.is_in(lines.iter().map(|l| l.id)))
        .all(db)
        .await?;
    Ok(lines
        .into_iter()
        .map(|line| {
            let back = returns
                .iter()
                .filter(|r| r.shipment_line_id == line.id)
                .map(|r| r.amount_minor)
                .sum();
            (line, back)
        })
        .collect())
}

/// An order's shipments, oldest first, each with its invoice's number.
pub async fn shipments_of(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> Result<Vec<(shipment::Model, Option<invoice::Model>)>, StoreError> {
    let shipments = shipment::Entity::find()
        .filter(shipment::Column::OrderId.eq(order_id))
        .order_by_asc(shipment::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = shipments.iter().map(|s| s.id).collect();
    let invoices = invoice::Entity::find()
        .filter(invoice::Column::ShipmentId.is_in(ids))
        .all(db)
        .await?;
    Ok(shipments
        .into_iter()
        .map(|s| {
            let invoice = invoices
                .iter()
                .find(|i| i.shipment_id == Some(s.id))
                .cloned();
            (s, invoice)
        })
        .collect())
}

/// The lines of an order's shipments.
pub async fn shipment_lines_of(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> Result<Vec<shipment_line::Model>, StoreError> {
    Ok(shipment_line::Entity::find()
        .join(
            JoinType::InnerJoin,
            shipment_line::Entity::belongs_to(shipment::Entity)
                .from(shipment_line::Column::ShipmentId)
                .to(shipment::Column::Id)
                .into(),
        )
        .filter(shipment::Column::OrderId.eq(order_id))
        .order_by_asc(shipment_line::Column::Id)
        .all(db)
        .await?)
}

/// The serial numbers shipped on these shipment lines.
pub async fn serials_of(
    db: &impl ConnectionTrait,
    shipment_line_ids: Vec<i64>,
) -> Result<Vec<serial::Model>, StoreError> {
    Ok(serial::Entity::find()
        .filter(serial::Column::ShipmentLineId.is_in(shipment_line_ids))
        .order_by_asc(serial::Column::Id)
        .all(db)
        .await?)
}

/// The returns of an order's lines, with their credit notes.
pub async fn returns_of(
    db: &impl ConnectionTrait,
    line_ids: Vec<i64>,
) -> Result<Vec<(sale_return::Model, Option<credit_note::Model>)>, StoreError> {
    let returns = sale_return::Entity::find()
        .filter(sale_return::Column::OrderLineId.is_in(line_ids))
        .order_by_asc(sale_return::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = returns.iter().map(|r| r.id).collect();
    let notes = credit_note::Entity::find()
        .filter(credit_note::Column::ReturnId.is_in(ids))
        .all(db)
        .await?;
    Ok(returns
        .into_iter()
        .map(|r| {
            let note = notes.iter().find(|n| n.return_id == Some(r.id)).cloned();
            (r, note)
        })
        .collect())
}

/// How many units of a shipment line have come back.
pub async fn returned_of_shipment_line(
    db: &impl ConnectionTrait,
    shipment_line_id: i64,
) -> Result<i64, StoreError> {
    Ok(sale_return::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(COALESCE(SUM(qty), 0) AS BIGINT)"), "sum")
        .filter(sale_return::Column::ShipmentLineId.eq(shipment_line_id))
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0))
}

/// A return of units of a shipment line.
#[derive(Debug, Clone)]
pub struct NewReturn<'a> {
    pub line: &'a LineRow,
    pub shipment_line_id: i64,
    pub qty: i64,
    pub amount_minor: i64,
    pub currency: Currency,
    pub reason: &'a str,
    pub returned_on: NaiveDate,
}

pub async fn insert_return(
    tx: &WriteTx,
    partner: &Visible,
    new: NewReturn<'_>,
    by: &str,
) -> Result<sale_return::Model, StoreError> {
    let (id, number) = next_number(tx, "returns", Document::Return).await?;
    Ok(sale_return::ActiveModel {
        id: Set(id),
        number: Set(number),
        partner_id: Set(partner.id().0),
        order_line_id: Set(new.line.id),
        shipment_line_id: Set(new.shipment_line_id),
        product_id: Set(new.line.product_id),
        qty: Set(new.qty),
        amount_minor: Set(new.amount_minor),
        currency: Set(new.currency.as_str().to_owned()),
        reason: Set(new.reason.to_owned()),
        returned_on: Set(new.returned_on),
        created_by: Set(by.to_owned()),
        created_at: Set(now()),
    }
    .insert(tx)
    .await?)
}

/// A credit note of `partner`: for a return, against an invoice, or both.
#[derive(Debug, Clone)]
pub struct NewCreditNote<'a> {
    pub invoice_id: Option<i64>,
    pub return_id: Option<i64>,
    pub currency: Currency,
    pub amount_minor: i64,
    pub reason: &'a str,
    pub issued_on: NaiveDate,
}

pub async fn insert_credit_note(
    tx: &WriteTx,
    partner: &Visible,
    new: NewCreditNote<'_>,
    by: &str,
) -> Result<credit_note::Model, StoreError> {
    let (id, number) = next_number(tx, "credit_notes", Document::CreditNote).await?;
    Ok(credit_note::ActiveModel {
        id: Set(id),
        number: Set(number),
        partner_id: Set(partner.id().0),
        invoice_id: Set(new.invoice_id),
        return_id: Set(new.return_id),
        currency: Set(new.currency.as_str().to_owned()),
        amount_minor: Set(new.amount_minor),
        reason: Set(new.reason.to_owned()),
        issued_on: Set(new.issued_on),
        created_by: Set(by.to_owned()),
        created_at: Set(now()),
    }
    .insert(tx)
    .await?)
}

/// An invoice by number, if its partner is in scope, with the partner's
/// code.
pub async fn invoice_in_scope(
    db: &impl ConnectionTrait,
    scope: DataScope,
    number: &str,
) -> Result<Option<(invoice::Model, String)>, StoreError> {
    let found = restrict(invoice::Entity::find(), scope, invoice::Column::PartnerId)
        .filter(invoice::Column::Number.eq(number))
        .one(db)
        .await?;
    let Some(invoice) = found else {
        return Ok(None);
    };
    let code = partner::Entity::find_by_id(invoice.partner_id)
        .one(db)
        .await?
        .map(|p| p.code);
    Ok(code.map(|code| (invoice, code)))
}

/// One of `partner`'s invoices by id (read under the partner's lock).
pub async fn invoice_of(
    db: &impl ConnectionTrait,
    partner: &Visible,
    id: i64,
) -> Result<Option<invoice::Model>, StoreError> {
    Ok(invoice::Entity::find_by_id(id)
        .filter(invoice::Column::PartnerId.eq(partner.id().0))
        .one(db)
        .await?)
}
