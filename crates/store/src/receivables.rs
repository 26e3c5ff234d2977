//! Invoices, credit notes, payments and their allocations: the receivables
//! ledger. All four are partner-owned facts: one partner's rows are reached
//! through its [`Visible`], many partners' through [`restrict`]. Nothing
//! here is updated or deleted; a payment's later allocation is a new row.
//!
//! Orders use [`open_amount`] for the credit check: invoices − credit notes
//! − payment allocations, per partner and currency. A credit note lowers
//! the balance whether or not it names an invoice; an allocation lowers
//! the invoice it pays. Money kept on account does not count there.

use chrono::NaiveDate;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};

use crate::error::read;
use crate::scope::{Visible, restrict};
use crate::write::WriteTx;
use crate::{DataScope, StoreError, now};
use qudao_domain::money::Currency;
use qudao_domain::receivables::{CreditEntry, InvoiceEntry, Ledger, Overpayment, PaymentEntry};

pub mod invoice {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "invoices")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub number: String,
        pub partner_id: i64,
        pub shipment_id: Option<i64>,
        pub currency: String,
        pub amount_minor: i64,
        pub issued_on: Date,
        pub due_on: Date,
        pub created_by: String,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod credit_note {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "credit_notes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub number: String,
        pub partner_id: i64,
        pub invoice_id: Option<i64>,
        pub return_id: Option<i64>,
        pub currency: String,
        pub amount_minor: i64,
        pub reason: String,
        pub issued_on: Date,
        pub created_by: String,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod payment {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "payments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub number: String,
        pub partner_id: i64,
        pub currency: String,
        pub amount_minor: i64,
        pub received_on: Date,
        pub reference: Option<String>,
        pub source: String,
        pub overpayment: Option<String>,
        pub created_by: String,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod allocation {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "payment_allocations")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub payment_id: i64,
        pub invoice_id: i64,
        pub amount_minor: i64,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

impl invoice::Model {
    pub fn entry(&self) -> Result<InvoiceEntry, StoreError> {
        Ok(InvoiceEntry {
            id: self.id,
            partner_id: self.partner_id,
            number: self.number.clone(),
            currency: read(
                "invoices",
                self.id,
                "currency",
                &self.currency,
                Currency::parse,
            )?,
            amount: self.amount_minor,
            issued_on: self.issued_on,
            due_on: self.due_on,
        })
    }
}

impl credit_note::Model {
    pub fn entry(&self) -> Result<CreditEntry, StoreError> {
        Ok(CreditEntry {
            partner_id: self.partner_id,
            number: self.number.clone(),
            invoice_id: self.invoice_id,
            currency: read(
                "credit_notes",
                self.id,
                "currency",
                &self.currency,
                Currency::parse,
            )?,
            amount: self.amount_minor,
            issued_on: self.issued_on,
        })
    }
}

impl payment::Model {
    fn entry(&self, allocations: &[allocation::Model]) -> Result<PaymentEntry, StoreError> {
        Ok(PaymentEntry {
            id: self.id,
            partner_id: self.partner_id,
            number: self.number.clone(),
            currency: self.currency()?,
            amount: self.amount_minor,
            received_on: self.received_on,
            allocations: allocations
                .iter()
                .filter(|a| a.payment_id == self.id)
                .map(|a| (a.invoice_id, a.amount_minor))
                .collect(),
        })
    }

    pub fn currency(&self) -> Result<Currency, StoreError> {
        read(
            "payments",
            self.id,
            "currency",
            &self.currency,
            Currency::parse,
        )
    }

    /// The overpayment choice made when it was recorded, if any.
    pub fn overpayment(&self) -> Result<Option<Overpayment>, StoreError> {
        self.overpayment
            .as_deref()
            .map(|v| {
                read("payments", self.id, "overpayment", v, |v| {
                    Overpayment::parse_choice("overpayment", v)?.ok_or_else(|| {
                        qudao_domain::Invalid::new("overpayment", qudao_domain::Problem::Required)
                    })
                })
            })
            .transpose()
    }
}

/// Where a payment came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Typed in a form or sent to the API.
    Entered,
    /// A row of a bank file.
    Imported,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Entered => "entered",
            Source::Imported => "imported",
        }
    }
}

/// A new invoice's fields.
#[derive(Debug, Clone)]
pub struct NewInvoice<'a> {
    pub number: &'a str,
    pub currency: Currency,
    pub amount_minor: i64,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    /// The shipment it bills; none for an opening invoice.
    pub shipment_id: Option<i64>,
}

pub async fn insert_invoice(
    tx: &WriteTx,
    partner: &Visible,
    new: NewInvoice<'_>,
    by: &str,
) -> Result<invoice::Model, StoreError> {
    Ok(invoice::ActiveModel {
        number: Set(new.number.to_owned()),
        partner_id: Set(partner.id().0),
        shipment_id: Set(new.shipment_id),
        currency: Set(new.currency.as_str().to_owned()),
        amount_minor: Set(new.amount_minor),
        issued_on: Set(new.issued_on),
        due_on: Set(new.due_on),
        created_by: Set(by.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(tx)
    .await?)
}

/// A new payment's fields.
#[derive(Debug, Clone)]
pub struct NewPayment<'a> {
    pub number: &'a str,
    pub currency: Currency,
    pub amount_minor: i64,
    pub received_on: NaiveDate,
    pub reference: Option<&'a str>,
    pub source: Source,
    pub overpayment: Option<Overpayment>,
}

pub async fn insert_payment(
    tx: &WriteTx,
    partner: &Visible,
    new: NewPayment<'_>,
    by: &str,
) -> Result<payment::Model, StoreError> {
    Ok(payment::ActiveModel {
        number: Set(new.number.to_owned()),
        partner_id: Set(partner.id().0),
        currency: Set(new.currency.as_str().to_owned()),
        amount_minor: Set(new.amount_minor),
        received_on: Set(new.received_on),
        reference: Set(new.reference.map(str::to_owned)),
        source: Set(new.source.as_str().to_owned()),
        overpayment: Set(new.overpayment.map(|o| o.as_str().to_owned())),
        created_by: Set(by.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(tx)
    .await?)
}

/// Allocates a payment of `partner` to its invoices (ids from its own
/// ledger, which [`ledger_of`] read).
pub async fn insert_allocations(
    tx: &WriteTx,
    partner: &Visible,
    payment: &payment::Model,
    lines: &[(i64, i64)],
) -> Result<(), StoreError> {
    debug_assert_eq!(payment.partner_id, partner.id().0);
    if lines.is_empty() {
        return Ok(());
    }
    allocation::Entity::insert_many(lines.iter().map(|(invoice, amount)| {
        allocation::ActiveModel {
            payment_id: Set(payment.id),
            invoice_id: Set(*invoice),
            amount_minor: Set(*amount),
            ..Default::default()
        }
    }))
    .exec(tx)
    .await?;
    Ok(())
}

/// The next number of a kind of document, `PREFIX-YYYY-000001`, counting
/// every document of the year so far. Call it under the lock that
/// serialises those documents' writers.
pub async fn next_payment_number(tx: &WriteTx, year: i32) -> Result<String, StoreError> {
    let prefix = format!("PAY-{year}-");
    let last = payment::Entity::find()
        .filter(payment::Column::Number.starts_with(&prefix))
        .order_by_desc(payment::Column::Number)
        .one(tx)
        .await?;
    let next = last
        .and_then(|p| p.number[prefix.len()..].parse::<u64>().ok())
        .unwrap_or(0)
        + 1;
    Ok(format!("{prefix}{next:06}"))
}

/// Whether an invoice with this number exists, whoever's it is (numbers
/// are unique across partners).
pub async fn invoice_number_taken(tx: &WriteTx, number: &str) -> Result<bool, StoreError> {
    Ok(invoice::Entity::find()
        .filter(invoice::Column::Number.eq(number))
        .one(tx)
        .await?
        .is_some())
}

/// The payments with these bank references, whoever's they are: a bank
/// reference is the bank's, so a second one is a file imported twice.
pub async fn payments_with_references(
    db: &impl ConnectionTrait,
    references: &[String],
) -> Result<Vec<payment::Model>, StoreError> {
    let mut found = Vec::new();
    for chunk in references.chunks(500) {
        found.extend(
            payment::Entity::find()
                .filter(payment::Column::Reference.is_in(chunk.iter().cloned()))
                .all(db)
                .await?,
        );
    }
    Ok(found)
}

/// One partner's payment by number.
pub async fn payment_of(
    db: &impl ConnectionTrait,
    partner: &Visible,
    number: &str,
) -> Result<Option<payment::Model>, StoreError> {
    Ok(payment::Entity::find()
        .filter(payment::Column::PartnerId.eq(partner.id().0))
        .filter(payment::Column::Number.eq(number))
        .one(db)
        .await?)
}

/// A payment by number inside the scope.
pub async fn payment_in(
    db: &impl ConnectionTrait,
    scope: DataScope,
    number: &str,
) -> Result<Option<payment::Model>, StoreError> {
    Ok(
        restrict(payment::Entity::find(), scope, payment::Column::PartnerId)
            .filter(payment::Column::Number.eq(number))
            .one(db)
            .await?,
    )
}

/// The whole ledger of one partner.
pub async fn ledger_of(db: &impl ConnectionTrait, partner: &Visible) -> Result<Ledger, StoreError> {
    ledger(db, Some(partner.id().0), DataScope::All).await
}

/// The ledger of every partner in the scope (ageing, overdue list,
/// collection rates).
pub async fn ledger_in(db: &impl ConnectionTrait, scope: DataScope) -> Result<Ledger, StoreError> {
    ledger(db, None, scope).await
}

async fn ledger(
    db: &impl ConnectionTrait,
    partner: Option<i64>,
    scope: DataScope,
) -> Result<Ledger, StoreError> {
    let mut invoices = restrict(invoice::Entity::find(), scope, invoice::Column::PartnerId);
    let mut credits = restrict(
        credit_note::Entity::find(),
        scope,
        credit_note::Column::PartnerId,
    );
    let mut payments = restrict(payment::Entity::find(), scope, payment::Column::PartnerId);
    let mut paying = restrict(
        payment::Entity::find()
            .select_only()
            .column(payment::Column::Id),
        scope,
        payment::Column::PartnerId,
    );
    if let Some(id) = partner {
        invoices = invoices.filter(invoice::Column::PartnerId.eq(id));
        credits = credits.filter(credit_note::Column::PartnerId.eq(id));
        payments = payments.filter(payment::Column::PartnerId.eq(id));
        paying = paying.filter(payment::Column::PartnerId.eq(id));
    }
    let invoices = invoices.order_by_asc(invoice::Column::Id).all(db).await?;
    let credits = credits
        .order_by_asc(credit_note::Column::Id)
        .all(db)
        .await?;
    let payments = payments.order_by_asc(payment::Column::Id).all(db).await?;
    let allocations = allocation::Entity::find()
        .filter(allocation::Column::PaymentId.in_subquery(paying.into_query()))
        .all(db)
        .await?;
    Ok(Ledger {
        invoices: invoices
            .iter()
            .map(invoice::Model::entry)
            .collect::<Result<_, _>>()?,
        credit_notes: credits
            .iter()
            .map(credit_note::Model::entry)
            .collect::<Result<_, _>>()?,
        payments: payments
            .iter()
            .map(|p| p.entry(&allocations))
            .collect::<Result<_, _>>()?,
    })
}

/// Payments in the scope, newest first, a page at a time, and whether
/// another page follows.
pub async fn payments_page(
    db: &impl ConnectionTrait,
    scope: DataScope,
    offset: u64,
    limit: u64,
) -> Result<(Vec<payment::Model>, bool), StoreError> {
    let mut rows = restrict(payment::Entity::find(), scope, payment::Column::PartnerId)
        .order_by_desc(payment::Column::ReceivedOn)
        .order_by_desc(payment::Column::Id)
        .offset(offset)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// A sum of `amount_minor` as a 64-bit integer on both backends
/// (PostgreSQL's `SUM(bigint)` is `numeric`).
const SUM: &str = "CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)";

/// What `partner` owes in `currency`: its invoices less its credit notes
/// and the payments allocated to those invoices.
pub async fn open_amount(
    db: &impl ConnectionTrait,
    partner: &Visible,
    currency: Currency,
) -> Result<i64, StoreError> {
    let invoiced = invoice::Entity::find()
        .select_only()
        .column_as(Expr::cust(SUM), "sum")
        .filter(invoice::Column::PartnerId.eq(partner.id().0))
        .filter(invoice::Column::Currency.eq(currency.as_str()))
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0);
    let credited = credit_note::Entity::find()
        .select_only()
        .column_as(Expr::cust(SUM), "sum")
        .filter(credit_note::Column::PartnerId.eq(partner.id().0))
        .filter(credit_note::Column::Currency.eq(currency.as_str()))
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0);
    let backend = db.get_database_backend();
    let placeholder = |n: usize| crate::param(backend, n);
    let allocated = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT CAST(COALESCE(SUM(a.amount_minor), 0) AS BIGINT) AS sum \
                 FROM payment_allocations a JOIN invoices i ON i.id = a.invoice_id \
                 WHERE i.partner_id = {} AND i.currency = {}",
                placeholder(1),
                placeholder(2)
            ),
            [partner.id().0.into(), currency.as_str().into()],
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "sum"))
        .transpose()?
        .unwrap_or(0);
    Ok(invoiced - credited - allocated)
}

/// What is still open on one invoice: its amount less the credit notes
/// against it and the payments allocated to it.
pub async fn open_on_invoice(
    db: &impl ConnectionTrait,
    invoice: &invoice::Model,
) -> Result<i64, StoreError> {
    let credited = credit_note::Entity::find()
        .select_only()
        .column_as(Expr::cust(SUM), "sum")
        .filter(credit_note::Column::InvoiceId.eq(invoice.id))
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0);
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) AS sum \
             FROM payment_allocations WHERE invoice_id = $1"
        }
        _ => {
            "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) AS sum \
             FROM payment_allocations WHERE invoice_id = ?"
        }
    };
    let allocated = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [invoice.id.into()],
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "sum"))
        .transpose()?
        .unwrap_or(0);
    Ok(invoice.amount_minor - credited - allocated)
}
