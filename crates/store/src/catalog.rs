//! Product lines, products and the channels a line is sold through. The
//! catalog is the brand's own data, not partner-owned, so it needs no scope;
//! who may change it is decided in `app`.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::error::read;
use crate::write::WriteTx;
use crate::{StoreError, now};
use qudao_domain::catalog::{CatalogStatus, ProductLine, Sku};
use qudao_domain::money::{Currency, Money};

pub mod product_line {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "product_lines")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub code: String,
        pub name_zh: String,
        pub name_en: String,
        pub status: String,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod product {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "products")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub sku: String,
        pub name_zh: String,
        pub name_en: String,
        pub product_line_id: i64,
        pub category: String,
        pub unit: String,
        pub currency: String,
        pub list_price: i64,
        pub cost: Option<i64>,
        pub launch_date: Option<Date>,
        pub serial_tracked: bool,
        pub status: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod channel {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "product_line_channels")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub product_line_id: i64,
        pub partner_type: String,
        pub grade_id: Option<i64>,
        pub created_by: String,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

impl product_line::Model {
    pub fn code(&self) -> Result<ProductLine, StoreError> {
        read("product_lines", self.id, "code", &self.code, |v| {
            ProductLine::parse("product_line", v)
        })
    }

    pub fn status(&self) -> Result<CatalogStatus, StoreError> {
        read(
            "product_lines",
            self.id,
            "status",
            &self.status,
            CatalogStatus::parse,
        )
    }
}

impl product::Model {
    pub fn sku(&self) -> Result<Sku, StoreError> {
        read("products", self.id, "sku", &self.sku, |v| {
            Sku::parse_as("sku", v)
        })
    }

    pub fn status(&self) -> Result<CatalogStatus, StoreError> {
        read(
            "products",
            self.id,
            "status",
            &self.status,
            CatalogStatus::parse,
        )
    }

    pub fn currency(&self) -> Result<Currency, StoreError> {
        read(
            "products",
            self.id,
            "currency",
            &self.currency,
            Currency::parse,
        )
    }

    pub fn list_price(&self) -> Result<Money, StoreError> {
        Ok(Money::from_minor(self.list_price, self.currency()?))
    }

    /// The cost in the list price's currency, where it is known.
    pub fn cost(&self) -> Result<Option<Money>, StoreError> {
        let currency = self.currency()?;
        Ok(self.cost.map(|minor| Money::from_minor(minor, currency)))
    }
}

pub async fn lines(db: &impl ConnectionTrait) -> Result<Vec<product_line::Model>, StoreError> {
    Ok(product_line::Entity::find()
        .order_by_asc(product_line::Column::Code)
        .all(db)
        .await?)
}

pub async fn line_by_code(
    db: &impl ConnectionTrait,
    code: &ProductLine,
) -> Result<Option<product_line::Model>, StoreError> {
    Ok(product_line::Entity::find()
        .filter(product_line::Column::Code.eq(code.as_str()))
        .one(db)
        .await?)
}

pub struct NewLine<'a> {
    pub code: &'a ProductLine,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub status: CatalogStatus,
}

pub async fn insert_line(
    db: &WriteTx,
    new: NewLine<'_>,
) -> Result<product_line::Model, StoreError> {
    Ok(product_line::ActiveModel {
        code: Set(new.code.as_str().to_owned()),
        name_zh: Set(new.name_zh.to_owned()),
        name_en: Set(new.name_en.to_owned()),
        status: Set(new.status.as_str().to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn product_by_sku(
    db: &impl ConnectionTrait,
    sku: &Sku,
) -> Result<Option<product::Model>, StoreError> {
    Ok(product::Entity::find()
        .filter(product::Column::Sku.eq(sku.as_str()))
        .one(db)
        .await?)
}

/// Every product by its sku, for the bulk paths that check a file's rows
/// in memory.
pub async fn products_by_sku(
    db: &impl ConnectionTrait,
) -> Result<HashMap<String, product::Model>, StoreError> {
    Ok(product::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.sku.clone(), p))
        .collect())
}

pub struct NewProduct<'a> {
    pub sku: &'a Sku,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub product_line_id: i64,
    pub category: &'a str,
    pub unit: &'a str,
    pub list_price: Money,
    pub cost: Option<Money>,
    pub launch_date: Option<chrono::NaiveDate>,
    pub serial_tracked: bool,
    pub status: CatalogStatus,
}

pub async fn insert_product(
    db: &WriteTx,
    new: NewProduct<'_>,
) -> Result<product::Model, StoreError> {
    let at = now();
    Ok(product::ActiveModel {
        sku: Set(new.sku.as_str().to_owned()),
        name_zh: Set(new.name_zh.to_owned()),
        name_en: Set(new.name_en.to_owned()),
        product_line_id: Set(new.product_line_id),
        category: Set(new.category.to_owned()),
        unit: Set(new.unit.to_owned()),
        currency: Set(new.list_price.currency().as_str().to_owned()),
        list_price: Set(new.list_price.minor()),
        cost: Set(new.cost.map(Money::minor)),
        launch_date: Set(new.launch_date),
        serial_tracked: Set(new.serial_tracked),
        status: Set(new.status.as_str().to_owned()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The channel rules of every line, by line id (lines without rules are
/// absent: open to every channel).
pub async fn channel_rules(
    db: &impl ConnectionTrait,
) -> Result<HashMap<i64, Vec<channel::Model>>, StoreError> {
    let mut by_line: HashMap<i64, Vec<channel::Model>> = HashMap::new();
    for rule in channel::Entity::find()
        .order_by_asc(channel::Column::Id)
        .all(db)
        .await?
    {
        by_line.entry(rule.product_line_id).or_default().push(rule);
    }
    Ok(by_line)
}

/// Products whose sku or either name holds `text` (all when empty), by
/// sku, at most `limit`: a picker's choices.
pub async fn search_products(
    db: &impl ConnectionTrait,
    text: Option<&str>,
    limit: u64,
) -> Result<Vec<product::Model>, StoreError> {
    use sea_orm::{Condition, QuerySelect};
    let mut select = product::Entity::find();
    if let Some(text) = text {
        let pattern = format!("%{}%", text.replace(['%', '_'], ""));
        select = select.filter(
            Condition::any()
                .add(product::Column::Sku.like(pattern.to_uppercase()))
                .add(product::Column::NameZh.like(pattern.clone()))
                .add(product::Column::NameEn.like(pattern)),
        );
    }
    Ok(select
        .order_by_asc(product::Column::Sku)
        .limit(limit)
        .all(db)
        .await?)
}
