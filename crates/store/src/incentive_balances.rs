//! Payout balances' movements and orders' wallet requests (tables of
//! migration 34). Movements are partner-owned and append-only: one
//! partner's are reached through its `Visible` (the scoped handle), and a
//! row that does not read is an error, never a default.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::orders::order;
use crate::scope::Visible;
use crate::scorecards::unreadable;
use crate::write::WriteTx;
use crate::{StoreError, now};
use qudao_domain::incentive_balances::{BalanceForm, MovementKind};
use qudao_domain::incentives::ProgramCode;
use qudao_domain::money::{Currency, Money};

pub mod movement {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "incentive_balance_movements")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub partner_id: i64,
        pub form: String,
        pub kind: String,
        pub amount: i64,
        pub currency: String,
        pub ledger_entry_id: Option<i64>,
        pub program_code: Option<String>,
        pub order_id: Option<i64>,
        pub reason: Option<String>,
        pub created_by: String,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod request {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "order_wallet_requests")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub order_id: i64,
        pub amount: Option<i64>,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

const TABLE: &str = "incentive_balance_movements";

/// One movement, read back as domain types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovementRow {
    pub id: i64,
    pub form: BalanceForm,
    pub kind: MovementKind,
    pub amount: Money,
    pub ledger_entry_id: Option<i64>,
    pub program: Option<ProgramCode>,
    pub order_id: Option<i64>,
    /// The order's number, when the movement is an order's.
    pub order_number: Option<String>,
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl movement::Model {
    fn row(self, order_number: Option<String>) -> Result<MovementRow, StoreError> {
        let bad = |column: &'static str, value: &str| unreadable(TABLE, self.id, column, value);
        let form = BalanceForm::parse(&self.form).map_err(|_| bad("form", &self.form))?;
        let kind = MovementKind::parse(&self.kind).map_err(|_| bad("kind", &self.kind))?;
        let currency =
            Currency::parse(&self.currency).map_err(|_| bad("currency", &self.currency))?;
        let program = self
            .program_code
            .as_deref()
            .map(|c| ProgramCode::parse_as("program_code", c).map_err(|_| bad("program_code", c)))
            .transpose()?;
        Ok(MovementRow {
            id: self.id,
            form,
            kind,
            amount: Money::from_minor(self.amount, currency),
            ledger_entry_id: self.ledger_entry_id,
            program,
            order_id: self.order_id,
            order_number,
            reason: self.reason,
            created_by: self.created_by,
            created_at: self.created_at,
        })
    }
}

/// A movement to write for the partner whose handle the writer holds.
#[derive(Debug, Clone)]
pub struct NewMovement<'a> {
    pub form: BalanceForm,
    pub kind: MovementKind,
    /// Signed as it goes into the balance.
    pub amount: Money,
    pub ledger_entry_id: Option<i64>,
    pub program: Option<&'a ProgramCode>,
    pub order_id: Option<i64>,
    pub reason: Option<&'a str>,
}

/// Writes one movement of `partner`.
pub async fn insert(
    tx: &WriteTx,
    partner: &Visible,
    new: &NewMovement<'_>,
    by: &str,
) -> Result<i64, StoreError> {
    let row = movement::ActiveModel {
        partner_id: Set(partner.id().0),
        form: Set(new.form.as_str().to_owned()),
        kind: Set(new.kind.as_str().to_owned()),
        amount: Set(new.amount.minor()),
        currency: Set(new.amount.currency().as_str().to_owned()),
        ledger_entry_id: Set(new.ledger_entry_id),
        program_code: Set(new.program.map(|p| p.as_str().to_owned())),
        order_id: Set(new.order_id),
        reason: Set(new.reason.map(str::to_owned)),
        created_by: Set(by.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(row.id)
}

/// Every movement of `partner`, oldest first, with its order's number.
pub async fn of_partner(
    db: &impl ConnectionTrait,
    partner: &Visible,
) -> Result<Vec<MovementRow>, StoreError> {
    let models = movement::Entity::find()
        .filter(movement::Column::PartnerId.eq(partner.id().0))
        .order_by_asc(movement::Column::Id)
        .all(db)
        .await?;
    let order_ids: Vec<i64> = models.iter().filter_map(|m| m.order_id).collect();
    let numbers: HashMap<i64, String> = if order_ids.is_empty() {
        HashMap::new()
    } else {
        order::Entity::find()
            .select_only()
            .column(order::Column::Id)
            .column(order::Column::Number)
            .filter(order::Column::Id.is_in(order_ids))
            .filter(order::Column::PartnerId.eq(partner.id().0))
            .into_tuple::<(i64, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    models
        .into_iter()
        .map(|m| {
            let number = m.order_id.and_then(|id| numbers.get(&id).cloned());
            m.row(number)
        })
        .collect()
}

/// The signed amounts of `partner`'s movements of one balance in one
/// currency: its balance is their sum.
pub async fn amounts(
    db: &impl ConnectionTrait,
    partner: &Visible,
    form: BalanceForm,
    currency: Currency,
) -> Result<Vec<i64>, StoreError> {
    Ok(movement::Entity::find()
        .select_only()
        .column(movement::Column::Amount)
        .filter(movement::Column::PartnerId.eq(partner.id().0))
        .filter(movement::Column::Form.eq(form.as_str()))
        .filter(movement::Column::Currency.eq(currency.as_str()))
        .into_tuple::<i64>()
        .all(db)
        .await?)
}

/// The signed amounts of the wallet movements of one of `partner`'s
/// orders (its spending and what was returned of it).
pub async fn order_amounts(
    db: &impl ConnectionTrait,
    partner: &Visible,
    order_id: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(movement::Entity::find()
        .select_only()
        .column(movement::Column::Amount)
        .filter(movement::Column::PartnerId.eq(partner.id().0))
        .filter(movement::Column::OrderId.eq(order_id))
        .filter(movement::Column::Form.eq(BalanceForm::Wallet.as_str()))
        .into_tuple::<i64>()
        .all(db)
        .await?)
}

/// The program codes that paid into `partner`'s wallet.
pub async fn wallet_programs(
    db: &impl ConnectionTrait,
    partner: &Visible,
) -> Result<Vec<String>, StoreError> {
    Ok(movement::Entity::find()
        .select_only()
        .column(movement::Column::ProgramCode)
        .distinct()
        .filter(movement::Column::PartnerId.eq(partner.id().0))
        .filter(movement::Column::Form.eq(BalanceForm::Wallet.as_str()))
        .filter(movement::Column::ProgramCode.is_not_null())
        .into_tuple::<Option<String>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect())
}

/// What one order asks of the wallet: `None` when it never said (the most
/// allowed), `Some(None)` likewise said, `Some(Some(x))` an amount.
pub async fn request_of(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> Result<Option<Option<i64>>, StoreError> {
    Ok(request::Entity::find()
        .filter(request::Column::OrderId.eq(order_id))
        .one(db)
        .await?
        .map(|r| r.amount))
}

/// Records what an order asks of the wallet, replacing what it asked.
pub async fn set_request(
    tx: &WriteTx,
    order_id: i64,
    amount: Option<i64>,
) -> Result<(), StoreError> {
    match request::Entity::find()
        .filter(request::Column::OrderId.eq(order_id))
        .one(tx)
        .await?
    {
        Some(found) => {
            let mut row: request::ActiveModel = found.into();
            row.amount = Set(amount);
            row.updated_at = Set(now());
            row.update(tx).await?;
        }
        None => {
            request::ActiveModel {
                order_id: Set(order_id),
                amount: Set(amount),
                updated_at: Set(now()),
                ..Default::default()
            }
            .insert(tx)
            .await?;
        }
    }
    Ok(())
}
