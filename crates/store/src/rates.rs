//! Monthly exchange rates to the company currency (`exchange_rates`).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::StoreError;
use crate::error::read;
use qudao_domain::money::Currency;
use qudao_domain::periods::Month;
use qudao_domain::rates::ExchangeRate;

pub mod rate {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "exchange_rates")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub month: String,
        pub currency: String,
        pub rate: String,
        pub updated_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// A stored rate, read into domain values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateRow {
    pub month: Month,
    pub currency: Currency,
    pub rate: ExchangeRate,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

fn typed(row: rate::Model) -> Result<RateRow, StoreError> {
    let month = read("exchange_rates", row.id, "month", &row.month, |v| {
        Month::parse("month", v)
    })?;
    let currency = read(
        "exchange_rates",
        row.id,
        "currency",
        &row.currency,
        Currency::parse,
    )?;
    let rate = read("exchange_rates", row.id, "rate", &row.rate, |v| {
        ExchangeRate::parse("rate", v)
    })?;
    Ok(RateRow {
        month,
        currency,
        rate,
        updated_by: row.updated_by,
        updated_at: row.updated_at,
    })
}

/// Every rate, newest month first, currencies in code order; only the
/// months from `from` on when given.
pub async fn list(
    db: &impl ConnectionTrait,
    from: Option<Month>,
) -> Result<Vec<RateRow>, StoreError> {
    let mut query = rate::Entity::find();
    if let Some(from) = from {
        query = query.filter(rate::Column::Month.gte(from.to_string()));
    }
    query
        .order_by_desc(rate::Column::Month)
        .order_by_asc(rate::Column::Currency)
        .all(db)
        .await?
        .into_iter()
        .map(typed)
        .collect()
}

/// The rate of one currency in one month.
pub async fn find(
    db: &impl ConnectionTrait,
    month: Month,
    currency: Currency,
) -> Result<Option<RateRow>, StoreError> {
    rate::Entity::find()
        .filter(rate::Column::Month.eq(month.to_string()))
        .filter(rate::Column::Currency.eq(currency.as_str()))
        .one(db)
        .await?
        .map(typed)
        .transpose()
}

/// Whether any rate is stored at all.
pub async fn any(db: &impl ConnectionTrait) -> Result<bool, StoreError> {
    Ok(rate::Entity::find().count(db).await? > 0)
}

/// Sets the rate of a currency in a month: inserts it, or amends the one
/// there. Returns the rate it replaced.
pub async fn put(
    tx: &crate::WriteTx,
    month: Month,
    currency: Currency,
    value: ExchangeRate,
    actor: &str,
) -> Result<Option<ExchangeRate>, StoreError> {
    let now = crate::now();
    let existing = rate::Entity::find()
        .filter(rate::Column::Month.eq(month.to_string()))
        .filter(rate::Column::Currency.eq(currency.as_str()))
        .one(tx)
        .await?;
    match existing {
        Some(row) => {
            let before = typed(row.clone())?.rate;
            let mut active: rate::ActiveModel = row.into();
            active.rate = Set(value.to_string());
            active.updated_by = Set(actor.to_owned());
            active.updated_at = Set(now);
            active.update(tx).await?;
            Ok(Some(before))
        }
        None => {
            rate::ActiveModel {
                month: Set(month.to_string()),
                currency: Set(currency.as_str().to_owned()),
                rate: Set(value.to_string()),
                updated_by: Set(actor.to_owned()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(tx)
            .await?;
            Ok(None)
        }
    }
}
