//! Product lines, products and the channels a line is sold through. The
//! catalog is the brand's own data, not partner-owned, so it needs no scope;
//! who may change it is decided in `app`.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait,
    FromQueryResult, JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::error::read;
use crate::paging::{Page, PageRequest, SortDir};
use crate::partners::like_pattern;
use crate::write::WriteTx;
use crate::{StoreError, now};
use qudao_domain::catalog::{CatalogStatus, ProductLine, Sku};
use qudao_domain::money::{Currency, Money};
use qudao_domain::partners::PartnerType;

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

impl channel::Model {
    pub fn partner_type(&self) -> Result<PartnerType, StoreError> {
        read(
            "product_line_channels",
            self.id,
            "partner_type",
            &self.partner_type,
            PartnerType::parse,
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

/// A line for a write: locked (`FOR UPDATE` on PostgreSQL; SQLite's write
/// transaction already holds the database) until the transaction ends.
pub async fn line_for_write(
    db: &WriteTx,
    code: &ProductLine,
) -> Result<Option<product_line::Model>, StoreError> {
    Ok(product_line::Entity::find()
        .filter(product_line::Column::Code.eq(code.as_str()))
        .lock_exclusive()
        .one(db)
        .await?)
}

/// A product for a write, locked like [`line_for_write`].
pub async fn product_for_write(
    db: &WriteTx,
    sku: &Sku,
) -> Result<Option<product::Model>, StoreError> {
    Ok(product::Entity::find()
        .filter(product::Column::Sku.eq(sku.as_str()))
        .lock_exclusive()
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

/// Changes a line's names and status; its code stays (rights name it).
pub async fn update_line(
    db: &WriteTx,
    row: product_line::Model,
    name_zh: &str,
    name_en: &str,
    status: CatalogStatus,
) -> Result<product_line::Model, StoreError> {
    let mut active: product_line::ActiveModel = row.into();
    active.name_zh = Set(name_zh.to_owned());
    active.name_en = Set(name_en.to_owned());
    active.status = Set(status.as_str().to_owned());
    Ok(active.update(db).await?)
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

/// The products of these skus, by sku, in one query (an order's lines).
pub async fn products_with_skus(
    db: &impl ConnectionTrait,
    skus: &[&Sku],
) -> Result<HashMap<String, product::Model>, StoreError> {
    if skus.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(product::Entity::find()
        .filter(product::Column::Sku.is_in(skus.iter().map(|s| s.as_str())))
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
    pub launch_date: Option<NaiveDate>,
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

/// Changes every field of a product but its sku.
pub async fn update_product(
    db: &WriteTx,
    row: product::Model,
    new: NewProduct<'_>,
) -> Result<product::Model, StoreError> {
    let mut active: product::ActiveModel = row.into();
    active.name_zh = Set(new.name_zh.to_owned());
    active.name_en = Set(new.name_en.to_owned());
    active.product_line_id = Set(new.product_line_id);
    active.category = Set(new.category.to_owned());
    active.unit = Set(new.unit.to_owned());
    active.currency = Set(new.list_price.currency().as_str().to_owned());
    active.list_price = Set(new.list_price.minor());
    active.cost = Set(new.cost.map(Money::minor));
    active.launch_date = Set(new.launch_date);
    active.serial_tracked = Set(new.serial_tracked);
    active.status = Set(new.status.as_str().to_owned());
    active.updated_at = Set(now());
    Ok(active.update(db).await?)
}

/// A product with its line's code and names, as lists and pages show it.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct ProductRow {
    pub id: i64,
    pub sku: String,
    pub name_zh: String,
    pub name_en: String,
    pub product_line_id: i64,
    pub line_code: String,
    pub line_name_zh: String,
    pub line_name_en: String,
    pub category: String,
    pub unit: String,
    pub currency: String,
    pub list_price: i64,
    pub cost: Option<i64>,
    pub launch_date: Option<NaiveDate>,
    pub serial_tracked: bool,
    pub status: String,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl ProductRow {
    pub fn status(&self) -> Result<CatalogStatus, StoreError> {
        read(
            "products",
            self.id,
            "status",
            &self.status,
            CatalogStatus::parse,
        )
    }

    pub fn list_price(&self) -> Result<Money, StoreError> {
        Ok(Money::from_minor(self.list_price, self.currency()?))
    }

    pub fn cost(&self) -> Result<Option<Money>, StoreError> {
        let currency = self.currency()?;
        Ok(self.cost.map(|minor| Money::from_minor(minor, currency)))
    }

    fn currency(&self) -> Result<Currency, StoreError> {
        read(
            "products",
            self.id,
            "currency",
            &self.currency,
            Currency::parse,
        )
    }
}

/// What a product list may be narrowed to; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    /// Only products of these lines (a partner's channel); `None` is all.
    pub line_ids: Option<Vec<i64>>,
    pub line_code: Option<String>,
    pub category: Option<String>,
    pub status: Option<CatalogStatus>,
    /// Only products launched on or after this day and not after `today`.
    pub launched_since: Option<(NaiveDate, NaiveDate)>,
    /// Part of the sku or of either name.
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProductSort {
    #[default]
    Sku,
    Name,
    Line,
    Category,
    ListPrice,
    LaunchDate,
    Status,
}

crate::paging::sort_keys!(ProductSort {
    Sku => "sku",
    Name => "name",
    Line => "line",
    Category => "category",
    ListPrice => "list_price",
    LaunchDate => "launch_date",
    Status => "status",
});

fn product_rows() -> sea_orm::Select<product::Entity> {
    use product::Column as P;
    product::Entity::find()
        .select_only()
        .columns([
            P::Id,
            P::Sku,
            P::NameZh,
            P::NameEn,
            P::ProductLineId,
            P::Category,
            P::Unit,
            P::Currency,
            P::ListPrice,
            P::Cost,
            P::LaunchDate,
            P::SerialTracked,
            P::Status,
            P::UpdatedAt,
        ])
        .column_as(product_line::Column::Code, "line_code")
        .column_as(product_line::Column::NameZh, "line_name_zh")
        .column_as(product_line::Column::NameEn, "line_name_en")
        .join(
            JoinType::InnerJoin,
            product::Entity::belongs_to(product_line::Entity)
                .from(P::ProductLineId)
                .to(product_line::Column::Id)
                .into(),
        )
}

pub async fn product_row(
    db: &impl ConnectionTrait,
    sku: &Sku,
) -> Result<Option<ProductRow>, StoreError> {
    Ok(product_rows()
        .filter(product::Column::Sku.eq(sku.as_str()))
        .into_model::<ProductRow>()
        .one(db)
        .await?)
}

pub async fn list_products(
    db: &impl ConnectionTrait,
    filter: &ProductFilter,
    sort: ProductSort,
    dir: SortDir,
    page: PageRequest,
) -> Result<Page<ProductRow>, StoreError> {
    use product::Column as P;
    let mut select = product_rows();
    if let Some(ids) = &filter.line_ids {
        select = select.filter(P::ProductLineId.is_in(ids.iter().copied()));
    }
    if let Some(code) = &filter.line_code {
        select = select.filter(product_line::Column::Code.eq(code.as_str()));
    }
    if let Some(category) = &filter.category {
        select = select.filter(P::Category.eq(category.as_str()));
    }
    if let Some(status) = filter.status {
        select = select.filter(P::Status.eq(status.as_str()));
    }
    if let Some((since, today)) = filter.launched_since {
        select = select
            .filter(P::LaunchDate.gte(since))
            .filter(P::LaunchDate.lte(today));
    }
    if let Some(text) = &filter.text {
        // Skus are stored upper-case; English names match in any case on
        // both databases (PostgreSQL's LIKE is case-sensitive).
        let words = like_pattern(text);
        select = select.filter(
            Condition::any()
                .add(P::Sku.like(like_pattern(&text.to_uppercase())))
                .add(P::NameZh.like(words.clone()))
                .add(
                    Func::lower(Expr::col((product::Entity, P::NameEn))).like(words.to_lowercase()),
                ),
        );
    }
    let order = dir.order();
    select = match sort {
        ProductSort::Sku => select.order_by(P::Sku, order),
        ProductSort::Name => select.order_by(P::NameZh, order),
        ProductSort::Line => select.order_by(product_line::Column::Code, order),
        ProductSort::Category => select.order_by(P::Category, order),
        ProductSort::ListPrice => select.order_by(P::ListPrice, order),
        ProductSort::LaunchDate => select.order_by(P::LaunchDate, order),
        ProductSort::Status => select.order_by(P::Status, order),
    };
    let paginator = select
        .order_by_asc(P::Id)
        .into_model::<ProductRow>()
        .paginate(db, page.per_page);
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

/// The distinct categories, for the list's filter.
pub async fn categories(db: &impl ConnectionTrait) -> Result<Vec<String>, StoreError> {
    Ok(product::Entity::find()
        .select_only()
        .column(product::Column::Category)
        .distinct()
        .order_by_asc(product::Column::Category)
        .into_tuple::<String>()
        .all(db)
        .await?)
}

pub async fn insert_rule(
    db: &WriteTx,
    line_id: i64,
    partner_type: &str,
    grade_id: Option<i64>,
    created_by: &str,
) -> Result<channel::Model, StoreError> {
    Ok(channel::ActiveModel {
        product_line_id: Set(line_id),
        partner_type: Set(partner_type.to_owned()),
        grade_id: Set(grade_id),
        created_by: Set(created_by.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Removes one rule of a line; false when the line has no such rule.
pub async fn delete_rule(db: &WriteTx, line_id: i64, rule_id: i64) -> Result<bool, StoreError> {
    let done = channel::Entity::delete_many()
        .filter(channel::Column::ProductLineId.eq(line_id))
        .filter(channel::Column::Id.eq(rule_id))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
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
    line_ids: Option<&[i64]>,
    limit: u64,
) -> Result<Vec<product::Model>, StoreError> {
    use sea_orm::{Condition, QuerySelect};
    let mut select = product::Entity::find();
    if let Some(ids) = line_ids {
        select = select.filter(product::Column::ProductLineId.is_in(ids.iter().copied()));
    }
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
