//! Price lists, their items and quantity breaks. Lists for a partner type
//! or a grade are the brand's own data; a partner's own list is
//! partner-owned, so every read here takes the caller's scope and keeps
//! such lists to the partners it sees.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::catalog::product;
use crate::error::read;
use crate::partners::{partner, scope_condition};
use crate::scope::Visible;
use crate::write::WriteTx;
use crate::{DataScope, StoreError, now};
use qudao_domain::dates::DateRange;
use qudao_domain::money::Currency;
use qudao_domain::partners::PartnerType;
use qudao_domain::pricing::{AppliesKind, PriceItem, PriceListCode, PriceListStatus, PriceMode};

pub mod price_list {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "price_lists")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub code: String,
        pub name_zh: String,
        pub name_en: String,
        pub applies_to: String,
        pub partner_type: Option<String>,
        pub grade_id: Option<i64>,
        pub partner_id: Option<i64>,
        /// The distributor whose downstream list this is; none: ours.
        pub seller_id: Option<i64>,
        pub currency: String,
        pub mode: String,
        pub valid_from: Date,
        pub valid_to: Date,
        pub status: String,
        pub created_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod item {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "price_list_items")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub price_list_id: i64,
        pub product_id: i64,
        pub price: i64,
        pub min_price: Option<i64>,
        pub max_price: Option<i64>,
        /// On our items: the band a distributor's downstream price must
        /// keep to (migration 18).
        pub downstream_min: Option<i64>,
        pub downstream_max: Option<i64>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod price_break {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "price_breaks")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub item_id: i64,
        pub from_qty: i32,
        pub price: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

const TABLE: &str = "price_lists";

impl price_list::Model {
    pub fn code(&self) -> Result<PriceListCode, StoreError> {
        read(TABLE, self.id, "code", &self.code, |v| {
            PriceListCode::parse_as("code", v)
        })
    }

    pub fn status(&self) -> Result<PriceListStatus, StoreError> {
        read(
            TABLE,
            self.id,
            "status",
            &self.status,
            PriceListStatus::parse,
        )
    }

    pub fn mode(&self) -> Result<PriceMode, StoreError> {
        read(TABLE, self.id, "mode", &self.mode, PriceMode::parse)
    }

    pub fn kind(&self) -> Result<AppliesKind, StoreError> {
        read(
            TABLE,
            self.id,
            "applies_to",
            &self.applies_to,
            AppliesKind::parse,
        )
    }

    pub fn currency(&self) -> Result<Currency, StoreError> {
        read(TABLE, self.id, "currency", &self.currency, Currency::parse)
    }

    /// The target type of a type-level list.
    pub fn target_type(&self) -> Result<Option<PartnerType>, StoreError> {
        self.partner_type
            .as_deref()
            .map(|v| read(TABLE, self.id, "partner_type", v, PartnerType::parse))
            .transpose()
    }

    pub fn validity(&self) -> Result<DateRange, StoreError> {
        DateRange::new(self.valid_from, self.valid_to, "valid_to").map_err(|_| {
            StoreError::Unreadable {
                table: TABLE,
                row: self.id,
                column: "valid_to",
                value: self.valid_to.to_string(),
            }
        })
    }
}

/// An item with its product and breaks (ascending), as read.
#[derive(Debug, Clone)]
pub struct ItemRow {
    pub item: item::Model,
    pub product: product::Model,
    pub breaks: Vec<price_break::Model>,
}

/// Lists of the brand and the partners' own lists inside the scope, and
/// the downstream lists of distributors inside it.
fn in_scope(scope: DataScope) -> Condition {
    let partners_in_scope = || {
        Query::select()
            .expr(Expr::col((partner::Entity, partner::Column::Id)))
            .from(partner::Entity)
            .and_where(scope_condition(scope))
            .to_owned()
    };
    Condition::any()
        .add(
            Condition::all()
                .add(price_list::Column::SellerId.is_null())
                .add(
                    Condition::any()
                        .add(price_list::Column::PartnerId.is_null())
                        .add(price_list::Column::PartnerId.in_subquery(partners_in_scope())),
                ),
        )
        .add(price_list::Column::SellerId.in_subquery(partners_in_scope()))
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub status: Option<PriceListStatus>,
    pub kind: Option<AppliesKind>,
    /// Part of the code or either name.
    pub text: Option<String>,
}

fn filtered(filter: &ListFilter) -> Condition {
    let mut condition = Condition::all();
    if let Some(status) = filter.status {
        condition = condition.add(price_list::Column::Status.eq(status.as_str()));
    }
    if let Some(kind) = filter.kind {
        condition = condition.add(price_list::Column::AppliesTo.eq(kind.as_str()));
    }
    if let Some(text) = filter.text.as_deref() {
        let like = format!("%{}%", text.replace(['%', '_'], ""));
        condition = condition.add(
            Condition::any()
                .add(price_list::Column::Code.like(like.to_uppercase()))
                .add(price_list::Column::NameZh.like(&like))
                .add(price_list::Column::NameEn.like(&like)),
        );
    }
    condition
}

/// Staff's list: every brand list and the own lists of partners in scope,
/// newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: DataScope,
    filter: &ListFilter,
) -> Result<Vec<price_list::Model>, StoreError> {
    Ok(price_list::Entity::find()
        .filter(in_scope(scope))
        .filter(filtered(filter))
        .order_by_desc(price_list::Column::ValidFrom)
        .order_by_asc(price_list::Column::Code)
        .all(db)
        .await?)
}

/// The active lists that target this partner: its type's, its grade's and
/// its own (whether its agreement names the own list is the quote's
/// concern); ours when `seller` is none, else that distributor's.
pub async fn applicable(
    db: &impl ConnectionTrait,
    partner: &Visible,
    grade_id: Option<i64>,
    seller: Option<i64>,
    filter: &ListFilter,
) -> Result<Vec<price_list::Model>, StoreError> {
    let mut targets = Condition::any()
        .add(price_list::Column::PartnerType.eq(partner.row().partner_type.as_str()))
        .add(price_list::Column::PartnerId.eq(partner.id().0));
    if let Some(grade_id) = grade_id {
        targets = targets.add(price_list::Column::GradeId.eq(grade_id));
    }
    let seller = match seller {
        None => price_list::Column::SellerId.is_null(),
        Some(seller) => price_list::Column::SellerId.eq(seller),
    };
    Ok(price_list::Entity::find()
        .filter(targets)
        .filter(seller)
        .filter(price_list::Column::Status.eq(PriceListStatus::Active.as_str()))
        .filter(filtered(filter))
        .order_by_desc(price_list::Column::ValidFrom)
        .order_by_asc(price_list::Column::Code)
        .all(db)
        .await?)
}

/// A list by code, if the scope sees it (see `list`).
pub async fn by_code(
    db: &impl ConnectionTrait,
    scope: DataScope,
    code: &PriceListCode,
) -> Result<Option<price_list::Model>, StoreError> {
    Ok(price_list::Entity::find()
        .filter(price_list::Column::Code.eq(code.as_str()))
        .filter(in_scope(scope))
        .one(db)
        .await?)
}

/// Whether any list, in any scope, has this code: codes are unique in the
/// table, and an import checks before its insert because a failed insert
/// ends a PostgreSQL transaction.
pub async fn code_taken(
    db: &impl ConnectionTrait,
    code: &PriceListCode,
) -> Result<bool, StoreError> {
    Ok(price_list::Entity::find()
        .filter(price_list::Column::Code.eq(code.as_str()))
        .one(db)
        .await?
        .is_some())
}

/// Lists by id, whatever their target: the lists that priced order lines
/// the caller already sees.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<price_list::Model>, StoreError> {
    Ok(price_list::Entity::find()
        .filter(price_list::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// The same for a write: the row is locked until the transaction ends, so
/// its status cannot change under the write.
pub async fn for_write(
    tx: &WriteTx,
    scope: DataScope,
    code: &PriceListCode,
) -> Result<Option<price_list::Model>, StoreError> {
    Ok(price_list::Entity::find()
        .filter(price_list::Column::Code.eq(code.as_str()))
        .filter(in_scope(scope))
        .lock_exclusive()
        .one(tx)
        .await?)
}

/// Every active list of one currency and one seller (none: ours), for
/// the overlap rule.
pub async fn active_in(
    db: &impl ConnectionTrait,
    currency: Currency,
    seller: Option<i64>,
) -> Result<Vec<price_list::Model>, StoreError> {
    let seller = match seller {
        None => price_list::Column::SellerId.is_null(),
        Some(seller) => price_list::Column::SellerId.eq(seller),
    };
    Ok(price_list::Entity::find()
        .filter(seller)
        .filter(price_list::Column::Status.eq(PriceListStatus::Active.as_str()))
        .filter(price_list::Column::Currency.eq(currency.as_str()))
        .all(db)
        .await?)
}

/// The active lists in force on `day` in `currency` that target this
/// partner, with their items for these products only (an order's, read
/// in one go rather than a product at a time).
pub async fn in_force_for(
    db: &impl ConnectionTrait,
    partner: &Visible,
    grade_id: Option<i64>,
    seller: Option<i64>,
    currency: Currency,
    day: NaiveDate,
    product_ids: &[i64],
) -> Result<Vec<(price_list::Model, Vec<ItemRow>)>, StoreError> {
    let lists: Vec<_> = applicable(db, partner, grade_id, seller, &ListFilter::default())
        .await?
        .into_iter()
        .filter(|l| l.currency == currency.as_str() && l.valid_from <= day && day <= l.valid_to)
        .collect();
    let ids: Vec<i64> = lists.iter().map(|l| l.id).collect();
    let mut items = items_where(
        db,
        Condition::all()
            .add(item::Column::PriceListId.is_in(ids))
            .add(item::Column::ProductId.is_in(product_ids.iter().copied())),
    )
    .await?;
    Ok(lists
        .into_iter()
        .map(|list| {
            let mine = items
                .extract_if(.., |row| row.item.price_list_id == list.id)
                .collect();
            (list, mine)
        })
        .collect())
}

/// A list's items, by sku.
pub async fn items(
    db: &impl ConnectionTrait,
    list: &price_list::Model,
) -> Result<Vec<ItemRow>, StoreError> {
    let mut rows = items_where(
        db,
        Condition::all().add(item::Column::PriceListId.eq(list.id)),
    )
    .await?;
    rows.sort_by(|a, b| a.product.sku.cmp(&b.product.sku));
    Ok(rows)
}

async fn items_where(
    db: &impl ConnectionTrait,
    condition: Condition,
) -> Result<Vec<ItemRow>, StoreError> {
    let items = item::Entity::find().filter(condition).all(db).await?;
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let products: HashMap<i64, product::Model> = product::Entity::find()
        .filter(product::Column::Id.is_in(items.iter().map(|i| i.product_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut breaks: HashMap<i64, Vec<price_break::Model>> = HashMap::new();
    for b in price_break::Entity::find()
        .filter(price_break::Column::ItemId.is_in(items.iter().map(|i| i.id)))
        .order_by_asc(price_break::Column::FromQty)
        .all(db)
        .await?
    {
        breaks.entry(b.item_id).or_default().push(b);
    }
    items
        .into_iter()
        .map(|item| {
            let product =
                products
                    .get(&item.product_id)
                    .cloned()
                    .ok_or(StoreError::Unreadable {
                        table: "price_list_items",
                        row: item.id,
                        column: "product_id",
                        value: item.product_id.to_string(),
                    })?;
            Ok(ItemRow {
                breaks: breaks.remove(&item.id).unwrap_or_default(),
                item,
                product,
            })
        })
        .collect()
}

/// A list's head as written.
pub struct ListFields<'a> {
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub kind: AppliesKind,
    pub partner_type: Option<PartnerType>,
    pub grade_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub seller_id: Option<i64>,
    pub currency: Currency,
    pub mode: PriceMode,
    pub validity: DateRange,
}

fn set_fields(row: &mut price_list::ActiveModel, fields: &ListFields<'_>) {
    row.name_zh = Set(fields.name_zh.to_owned());
    row.name_en = Set(fields.name_en.to_owned());
    row.applies_to = Set(fields.kind.as_str().to_owned());
    row.partner_type = Set(fields.partner_type.map(|t| t.as_str().to_owned()));
    row.grade_id = Set(fields.grade_id);
    row.partner_id = Set(fields.partner_id);
    row.seller_id = Set(fields.seller_id);
    row.currency = Set(fields.currency.as_str().to_owned());
    row.mode = Set(fields.mode.as_str().to_owned());
    row.valid_from = Set(fields.validity.from());
    row.valid_to = Set(fields.validity.to());
    row.updated_at = Set(now());
}

/// Writes a new draft list.
pub async fn insert(
    tx: &WriteTx,
    code: &PriceListCode,
    fields: &ListFields<'_>,
    created_by: &str,
) -> Result<price_list::Model, StoreError> {
    let mut row = price_list::ActiveModel {
        code: Set(code.as_str().to_owned()),
        status: Set(PriceListStatus::Draft.as_str().to_owned()),
        created_by: Set(created_by.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    };
    set_fields(&mut row, fields);
    Ok(row.insert(tx).await?)
}

/// Rewrites a draft's head (only drafts are ever edited).
pub async fn update(
    tx: &WriteTx,
    list: price_list::Model,
    fields: &ListFields<'_>,
) -> Result<price_list::Model, StoreError> {
    let mut row: price_list::ActiveModel = list.into();
    set_fields(&mut row, fields);
    Ok(row.update(tx).await?)
}

pub async fn set_status(
    tx: &WriteTx,
    list: price_list::Model,
    status: PriceListStatus,
) -> Result<price_list::Model, StoreError> {
    let mut row: price_list::ActiveModel = list.into();
    row.status = Set(status.as_str().to_owned());
    row.updated_at = Set(now());
    Ok(row.update(tx).await?)
}

/// Sets one product's price on a draft, replacing what it had.
pub async fn put_item(
    tx: &WriteTx,
    list: &price_list::Model,
    product_id: i64,
    price: &PriceItem,
    downstream: Option<(i64, i64)>,
) -> Result<(), StoreError> {
    remove_item(tx, list, product_id).await?;
    let item = item::ActiveModel {
        price_list_id: Set(list.id),
        product_id: Set(product_id),
        price: Set(price.price().minor()),
        min_price: Set(price.band().map(|b| b.min().minor())),
        max_price: Set(price.band().map(|b| b.max().minor())),
        downstream_min: Set(downstream.map(|(min, _)| min)),
        downstream_max: Set(downstream.map(|(_, max)| max)),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    for b in price.breaks() {
        price_break::ActiveModel {
            item_id: Set(item.id),
            from_qty: Set(i32::try_from(b.from_qty).unwrap_or(i32::MAX)),
            price: Set(b.price.minor()),
            ..Default::default()
        }
        .insert(tx)
        .await?;
    }
    Ok(())
}

/// Takes a product off a draft; whether it was there.
pub async fn remove_item(
    tx: &WriteTx,
    list: &price_list::Model,
    product_id: i64,
) -> Result<bool, StoreError> {
    let Some(old) = item::Entity::find()
        .filter(item::Column::PriceListId.eq(list.id))
        .filter(item::Column::ProductId.eq(product_id))
        .one(tx)
        .await?
    else {
        return Ok(false);
    };
    price_break::Entity::delete_many()
        .filter(price_break::Column::ItemId.eq(old.id))
        .exec(tx)
        .await?;
    item::Entity::delete_by_id(old.id).exec(tx).await?;
    Ok(true)
}

/// A distributor's own downstream lists (every status), newest first.
pub async fn seller_lists(
    db: &impl ConnectionTrait,
    seller: &Visible,
    filter: &ListFilter,
) -> Result<Vec<price_list::Model>, StoreError> {
    Ok(price_list::Entity::find()
        .filter(price_list::Column::SellerId.eq(seller.id().0))
        .filter(filtered(filter))
        .order_by_desc(price_list::Column::ValidFrom)
        .order_by_asc(price_list::Column::Code)
        .all(db)
        .await?)
}

/// One of a distributor's own lists by code, locked when `lock` (in a
/// write).
pub async fn seller_list(
    db: &impl ConnectionTrait,
    seller: &Visible,
    code: &PriceListCode,
    lock: bool,
) -> Result<Option<price_list::Model>, StoreError> {
    let mut select = price_list::Entity::find()
        .filter(price_list::Column::SellerId.eq(seller.id().0))
        .filter(price_list::Column::Code.eq(code.as_str()));
    if lock {
        select = select.lock_exclusive();
    }
    Ok(select.one(db).await?)
}

/// One list's item of a product, without its breaks.
pub async fn item_of(
    db: &impl ConnectionTrait,
    list_id: i64,
    product_id: i64,
) -> Result<Option<item::Model>, StoreError> {
    Ok(item::Entity::find()
        .filter(item::Column::PriceListId.eq(list_id))
        .filter(item::Column::ProductId.eq(product_id))
        .one(db)
        .await?)
}
