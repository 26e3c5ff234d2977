//! Penalties and manual adjustments of incentive results (see migration
//! 32 for the table). The store speaks the domain's types: a row comes back
//! as a domain `Adjustment` (whose rules it must still pass), its period as
//! a `Period`, its program as a `ProgramCode`; a row that does not read is
//! an error, never a default.
//!
//! A partner's adjustments are partner-owned data: lists go through the
//! scope (a rep's adjustments are staff data and reach whoever may list
//! adjustments at all). `of_period` is the runs' read and sees everything,
//! as a run computes for every subject.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::partners::{partner, scope_condition};
use crate::scorecards::unreadable;
use crate::write::WriteTx;
use crate::{DataScope, StoreError, now};
use qudao_domain::incentives::ProgramCode;
use qudao_domain::incentives::calc::{Adjustment, AdjustmentKind};
use qudao_domain::money::{Currency, Money};
use qudao_domain::partners::PartnerId;
use qudao_domain::periods::Period;
use qudao_domain::scope::UserId;

pub mod adjustment {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "incentive_adjustments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub partner_id: Option<i64>,
        pub user_id: Option<i64>,
        pub program_code: String,
        pub period: String,
        pub kind: String,
        pub amount: i64,
        pub currency: String,
        pub reason: String,
        pub created_by: String,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Whose result an adjustment changes: a partner's (rebates, promotions)
/// or a rep's (commissions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Partner(PartnerId),
    Rep(UserId),
}

impl Subject {
    fn ids(self) -> (Option<i64>, Option<i64>) {
        match self {
            Self::Partner(id) => (Some(id.0), None),
            Self::Rep(id) => (None, Some(id.0)),
        }
    }
}

/// One stored adjustment, read back through the domain's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdjustmentRow {
    pub id: i64,
    pub subject: Subject,
    pub program: ProgramCode,
    pub period: Period,
    pub adjustment: Adjustment,
    pub amount: Money,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

const TABLE: &str = "incentive_adjustments";

impl adjustment::Model {
    fn row(self) -> Result<AdjustmentRow, StoreError> {
        let bad = |column: &'static str, value: &str| unreadable(TABLE, self.id, column, value);
        let subject = match (self.partner_id, self.user_id) {
            (Some(p), None) => Subject::Partner(PartnerId(p)),
            (None, Some(u)) => Subject::Rep(UserId(u)),
            _ => return Err(bad("partner_id", "")),
        };
        let program = ProgramCode::parse_as("program_code", &self.program_code)
            .map_err(|_| bad("program_code", &self.program_code))?;
        let period =
            Period::parse("period", &self.period).map_err(|_| bad("period", &self.period))?;
        let kind = AdjustmentKind::parse(&self.kind).map_err(|_| bad("kind", &self.kind))?;
        let currency =
            Currency::parse(&self.currency).map_err(|_| bad("currency", &self.currency))?;
        let adjustment = Adjustment::new(kind, self.amount, &self.reason)
            .map_err(|_| bad("amount", &self.amount.to_string()))?;
        Ok(AdjustmentRow {
            id: self.id,
            subject,
            program,
            period,
            adjustment,
            amount: Money::from_minor(self.amount, currency),
            created_by: self.created_by,
            created_at: self.created_at,
        })
    }
}

/// An adjustment to write.
#[derive(Debug, Clone, Copy)]
pub struct NewAdjustment<'a> {
    pub subject: Subject,
    pub program: &'a ProgramCode,
    pub period: Period,
    pub adjustment: &'a Adjustment,
    pub currency: Currency,
}

fn same(new: &NewAdjustment<'_>) -> Condition {
    let (partner_id, user_id) = new.subject.ids();
    let mut cond = Condition::all()
        .add(adjustment::Column::ProgramCode.eq(new.program.as_str()))
        .add(adjustment::Column::Period.eq(new.period.to_string()))
        .add(adjustment::Column::Kind.eq(new.adjustment.kind().as_str()))
        .add(adjustment::Column::Amount.eq(new.adjustment.amount()))
        .add(adjustment::Column::Reason.eq(new.adjustment.reason()));
    cond = match (partner_id, user_id) {
        (Some(p), _) => cond.add(adjustment::Column::PartnerId.eq(p)),
        (_, Some(u)) => cond.add(adjustment::Column::UserId.eq(u)),
        _ => cond,
    };
    cond
}

/// Whether the same adjustment (subject, program, period, kind, amount and
/// reason) is already stored: entering it again is almost always a file
/// imported twice.
pub async fn exists(tx: &WriteTx, new: &NewAdjustment<'_>) -> Result<bool, StoreError> {
    Ok(adjustment::Entity::find()
        .filter(same(new))
        .one(tx)
        .await?
        .is_some())
}

/// Writes one adjustment.
pub async fn insert(tx: &WriteTx, new: &NewAdjustment<'_>, by: &str) -> Result<i64, StoreError> {
    let (partner_id, user_id) = new.subject.ids();
    let row = adjustment::ActiveModel {
        partner_id: Set(partner_id),
        user_id: Set(user_id),
        program_code: Set(new.program.as_str().to_owned()),
        period: Set(new.period.to_string()),
        kind: Set(new.adjustment.kind().as_str().to_owned()),
        amount: Set(new.adjustment.amount()),
        currency: Set(new.currency.as_str().to_owned()),
        reason: Set(new.adjustment.reason().to_owned()),
        created_by: Set(by.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(row.id)
}

/// What a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter<'a> {
    pub period: Option<Period>,
    pub program: Option<&'a ProgramCode>,
}

/// The adjustments `scope` reaches (a partner's when the scope sees the
/// partner, every rep's), newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: DataScope,
    filter: &Filter<'_>,
) -> Result<Vec<AdjustmentRow>, StoreError> {
    let mut query = adjustment::Entity::find();
    if scope != DataScope::All {
        let partners = Query::select()
            .expr(Expr::col((partner::Entity, partner::Column::Id)))
            .from(partner::Entity)
            .and_where(scope_condition(scope))
            .to_owned();
        query = query.filter(
            Condition::any()
                .add(adjustment::Column::PartnerId.is_null())
                .add(adjustment::Column::PartnerId.in_subquery(partners)),
        );
    }
    if let Some(period) = filter.period {
        query = query.filter(adjustment::Column::Period.eq(period.to_string()));
    }
    if let Some(program) = filter.program {
        query = query.filter(adjustment::Column::ProgramCode.eq(program.as_str()));
    }
    query
        .order_by_desc(adjustment::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(adjustment::Model::row)
        .collect()
}

/// Every adjustment of `period` (of these programs only, when given), as
/// the domain's `Adjustment`s by subject and program code, in the order
/// they were entered: what a run of the period applies after the cap.
pub async fn of_period(
    db: &impl ConnectionTrait,
    period: Period,
    programs: Option<&[ProgramCode]>,
) -> Result<HashMap<(Subject, ProgramCode), Vec<Adjustment>>, StoreError> {
    let mut query =
        adjustment::Entity::find().filter(adjustment::Column::Period.eq(period.to_string()));
    if let Some(programs) = programs {
        query = query.filter(
            adjustment::Column::ProgramCode.is_in(programs.iter().map(ProgramCode::as_str)),
        );
    }
    let mut by_key: HashMap<(Subject, ProgramCode), Vec<Adjustment>> = HashMap::new();
    for model in query.order_by_asc(adjustment::Column::Id).all(db).await? {
        let row = model.row()?;
        by_key
            .entry((row.subject, row.program))
            .or_default()
            .push(row.adjustment);
    }
    Ok(by_key)
}

/// The login and display name of the users with these ids.
pub async fn rep_names(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, (String, String)>, StoreError> {
    use crate::admin::user;
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Login)
        .column(user::Column::DisplayName)
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .into_tuple::<(i64, String, String)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, login, name)| (id, (login, name)))
        .collect())
}
