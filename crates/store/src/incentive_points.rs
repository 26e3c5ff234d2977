//! Incentive points' movements (table of migration 35). They are
//! partner-owned and append-only: one partner's are reached through its
//! `Visible` (the scoped handle), and a row that does not read is an
//! error, never a default.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::scope::Visible;
use crate::scorecards::unreadable;
use crate::write::WriteTx;
use crate::{StoreError, now};
use qudao_domain::incentive_points::PointsKind;
use qudao_domain::incentives::ProgramCode;
use qudao_domain::periods::Period;

pub mod movement {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "incentive_point_movements")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub partner_id: i64,
        pub kind: String,
        pub points: i64,
        pub occurred_on: Date,
        pub expire_months: Option<i32>,
        pub run_id: Option<i64>,
        pub result_id: Option<i64>,
        pub program_code: Option<String>,
        pub period: Option<String>,
        pub reason: Option<String>,
        pub created_by: String,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

const TABLE: &str = "incentive_point_movements";

/// One movement, read back as domain types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsRow {
    pub id: i64,
    pub kind: PointsKind,
    pub points: i64,
    pub occurred_on: NaiveDate,
    pub expire_months: Option<u32>,
    pub run_id: Option<i64>,
    pub result_id: Option<i64>,
    pub program: Option<ProgramCode>,
    pub period: Option<Period>,
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl movement::Model {
    fn row(self) -> Result<PointsRow, StoreError> {
        let bad = |column: &'static str, value: &str| unreadable(TABLE, self.id, column, value);
        let kind = PointsKind::parse(&self.kind).map_err(|_| bad("kind", &self.kind))?;
        let program = self
            .program_code
            .as_deref()
            .map(|c| ProgramCode::parse_as("program_code", c).map_err(|_| bad("program_code", c)))
            .transpose()?;
        let period = self
            .period
            .as_deref()
            .map(|p| Period::parse("period", p).map_err(|_| bad("period", p)))
            .transpose()?;
        let expire_months = self
            .expire_months
            .map(|m| u32::try_from(m).map_err(|_| bad("expire_months", &m.to_string())))
            .transpose()?;
        Ok(PointsRow {
            id: self.id,
            kind,
            points: self.points,
            occurred_on: self.occurred_on,
            expire_months,
            run_id: self.run_id,
            result_id: self.result_id,
            program,
            period,
            reason: self.reason,
            created_by: self.created_by,
            created_at: self.created_at,
        })
    }
}

/// A movement to write for the partner whose handle the writer holds.
#[derive(Debug, Clone)]
pub struct NewPoints<'a> {
    pub kind: PointsKind,
    /// Signed as it goes into the balance.
    pub points: i64,
    pub occurred_on: NaiveDate,
    pub expire_months: Option<u32>,
    pub run_id: Option<i64>,
    pub result_id: Option<i64>,
    pub program: Option<&'a ProgramCode>,
    pub period: Option<Period>,
    pub reason: Option<&'a str>,
}

/// Writes one movement of `partner`.
pub async fn insert(
    tx: &WriteTx,
    partner: &Visible,
    new: &NewPoints<'_>,
    by: &str,
) -> Result<i64, StoreError> {
    let row = movement::ActiveModel {
        partner_id: Set(partner.id().0),
        kind: Set(new.kind.as_str().to_owned()),
        points: Set(new.points),
        occurred_on: Set(new.occurred_on),
        expire_months: Set(new
            .expire_months
            .map(|m| i32::try_from(m).unwrap_or(i32::MAX))),
        run_id: Set(new.run_id),
        result_id: Set(new.result_id),
        program_code: Set(new.program.map(|p| p.as_str().to_owned())),
        period: Set(new.period.map(|p| p.to_string())),
        reason: Set(new.reason.map(str::to_owned)),
        created_by: Set(by.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(row.id)
}

/// Every movement of `partner`, oldest first.
pub async fn of_partner(
    db: &impl ConnectionTrait,
    partner: &Visible,
) -> Result<Vec<PointsRow>, StoreError> {
    movement::Entity::find()
        .filter(movement::Column::PartnerId.eq(partner.id().0))
        .order_by_asc(movement::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(movement::Model::row)
        .collect()
}

/// The points already earned by `partner` for one program and period
/// (the earned movements' sum).
pub async fn earned_for(
    db: &impl ConnectionTrait,
    partner: &Visible,
    program: &ProgramCode,
    period: Period,
) -> Result<i64, StoreError> {
    Ok(movement::Entity::find()
        .select_only()
        .column(movement::Column::Points)
        .filter(movement::Column::PartnerId.eq(partner.id().0))
        .filter(movement::Column::Kind.eq(PointsKind::Earned.as_str()))
        .filter(movement::Column::ProgramCode.eq(program.as_str()))
        .filter(movement::Column::Period.eq(period.to_string()))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .sum())
}
