//! What partners owe us. Small on purpose: the payments area extends it
//! (ageing, statements); orders use it for the credit check.
//!
//! Open = invoices − credit notes − payment allocations, per partner and
//! currency. A credit note lowers the partner's balance whether or not it
//! names an invoice; an allocation lowers the invoice it pays. Payments
//! not allocated (an overpayment kept on account) do not count here.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::StoreError;
use crate::orders::{credit_note, invoice};
use crate::scope::Visible;
use qudao_domain::money::Currency;

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
    let placeholder = |n: usize| match backend {
        sea_orm::DatabaseBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
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
