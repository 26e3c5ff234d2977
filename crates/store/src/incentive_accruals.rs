//! Booked month-end accruals of incentive programs (see migration 33 for
//! the table). The store speaks the domain's types: a row's month comes
//! back as a `Month`, its period as a `Period`, its amounts as `Money`; a
//! row that does not read is an error, never a default.
//!
//! Accruals are the company's totals per program, no partner's data: they
//! need no scope, and the app allows finance and managers alone.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::scorecards::unreadable;
use crate::write::WriteTx;
use crate::{StoreError, now};
use qudao_domain::money::{Currency, Money};
use qudao_domain::periods::{Month, Period};

pub mod accrual {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "incentive_accruals")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub month: String,
        pub program_id: i64,
        pub period: String,
        pub accrued: i64,
        pub projected: i64,
        pub subjects: i64,
        pub last_booked: Option<i64>,
        pub movement: i64,
        pub currency: String,
        pub booked_by: String,
        pub booked_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// One booked accrual, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookedRow {
    pub month: Month,
    /// The program version's row id.
    pub program_id: i64,
    pub period: Period,
    pub accrued: Money,
    pub projected: Money,
    pub subjects: i64,
    pub last_booked: Option<Money>,
    pub movement: Money,
    pub booked_by: String,
    pub booked_at: DateTime<Utc>,
}

const TABLE: &str = "incentive_accruals";

impl accrual::Model {
    fn row(self) -> Result<BookedRow, StoreError> {
        let bad = |column: &'static str, value: &str| unreadable(TABLE, self.id, column, value);
        let month = Month::parse("month", &self.month).map_err(|_| bad("month", &self.month))?;
        let period =
            Period::parse("period", &self.period).map_err(|_| bad("period", &self.period))?;
        let currency =
            Currency::parse(&self.currency).map_err(|_| bad("currency", &self.currency))?;
        let money = |minor| Money::from_minor(minor, currency);
        Ok(BookedRow {
            month,
            program_id: self.program_id,
            period,
            accrued: money(self.accrued),
            projected: money(self.projected),
            subjects: self.subjects,
            last_booked: self.last_booked.map(money),
            movement: money(self.movement),
            booked_by: self.booked_by,
            booked_at: self.booked_at,
        })
    }
}

/// An accrual to book.
#[derive(Debug, Clone, Copy)]
pub struct NewBooking {
    pub month: Month,
    pub program_id: i64,
    pub period: Period,
    pub accrued: i64,
    pub projected: i64,
    pub subjects: i64,
    pub last_booked: Option<i64>,
    pub movement: i64,
    pub currency: Currency,
}

/// Writes one program's booked accrual of a month.
pub async fn insert(tx: &WriteTx, new: &NewBooking, by: &str) -> Result<i64, StoreError> {
    let row = accrual::ActiveModel {
        month: Set(new.month.to_string()),
        program_id: Set(new.program_id),
        period: Set(new.period.to_string()),
        accrued: Set(new.accrued),
        projected: Set(new.projected),
        subjects: Set(new.subjects),
        last_booked: Set(new.last_booked),
        movement: Set(new.movement),
        currency: Set(new.currency.as_str().to_owned()),
        booked_by: Set(by.to_owned()),
        booked_at: Set(now()),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(row.id)
}

/// The accruals booked for `month`, in the order they were booked.
pub async fn of_month(
    db: &impl ConnectionTrait,
    month: Month,
) -> Result<Vec<BookedRow>, StoreError> {
    accrual::Entity::find()
        .filter(accrual::Column::Month.eq(month.to_string()))
        .order_by_asc(accrual::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(accrual::Model::row)
        .collect()
}

/// The latest booking before `month` of each of these program versions
/// in `period`, by program id.
pub async fn last_booked_before(
    db: &impl ConnectionTrait,
    month: Month,
    keys: &[(i64, Period)],
) -> Result<std::collections::HashMap<i64, BookedRow>, StoreError> {
    let mut found = std::collections::HashMap::new();
    if keys.is_empty() {
        return Ok(found);
    }
    let rows = accrual::Entity::find()
        .filter(accrual::Column::ProgramId.is_in(keys.iter().map(|(id, _)| *id)))
        .filter(accrual::Column::Month.lt(month.to_string()))
        .order_by_asc(accrual::Column::Month)
        .all(db)
        .await?;
    for model in rows {
        let row = model.row()?;
        if keys.contains(&(row.program_id, row.period)) {
            found.insert(row.program_id, row);
        }
    }
    Ok(found)
}
