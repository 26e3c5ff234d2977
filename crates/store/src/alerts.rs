//! Alerts raised by the daily job, and the jobs table that makes sure one
//! node runs each day's job. Alerts are partner-owned: lists go through
//! [`restrict`]; the one write after raising (acknowledging) locks its row.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, LockBehavior, LockType, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, ExprTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement, Value,
};
use serde_json::json;

use crate::error::read;
use crate::paging::{Page, PageRequest};
use crate::scope::{Visible, restrict};
use crate::write::WriteTx;
use crate::{DataScope, StoreError, now};
use qudao_domain::alerts::{Alert, AlertKind, AlertNumber};
use qudao_domain::catalog::Sku;
use qudao_domain::dates::DateRange;
use qudao_domain::money::{Currency, Money};
use qudao_domain::periods::Month;

pub mod alert {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "alerts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub partner_id: i64,
        pub kind: String,
        pub cause: String,
        pub numbers: String,
        pub raised_on: Date,
        pub raised_at: DateTimeUtc,
        pub acknowledged_at: Option<DateTimeUtc>,
        pub acknowledged_by: Option<String>,
        pub acknowledged_note: Option<String>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Who acknowledged an alert, when, and what they noted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledged {
    pub at: DateTime<Utc>,
    pub by: String,
    pub note: String,
}

/// A stored alert, read back into domain types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRow {
    pub id: i64,
    pub partner_id: i64,
    pub kind: AlertKind,
    pub cause: String,
    pub numbers: Vec<(String, AlertNumber)>,
    pub raised_on: NaiveDate,
    pub raised_at: DateTime<Utc>,
    pub acknowledged: Option<Acknowledged>,
}

impl alert::Model {
    fn row(self) -> Result<AlertRow, StoreError> {
        let kind = read("alerts", self.id, "kind", &self.kind, AlertKind::parse)?;
        let numbers = read("alerts", self.id, "numbers", &self.numbers, decode_numbers)?;
        let acknowledged = match (
            self.acknowledged_at,
            self.acknowledged_by,
            self.acknowledged_note,
        ) {
            (Some(at), Some(by), Some(note)) => Some(Acknowledged { at, by, note }),
            (None, None, None) => None,
            (at, _, _) => {
                return Err(StoreError::Unreadable {
                    table: "alerts",
                    row: self.id,
                    column: "acknowledged_at",
                    value: at.map(|a| a.to_rfc3339()).unwrap_or_default(),
                });
            }
        };
        Ok(AlertRow {
            id: self.id,
            partner_id: self.partner_id,
            kind,
            cause: self.cause,
            numbers,
            raised_on: self.raised_on,
            raised_at: self.raised_at,
            acknowledged,
        })
    }
}

/// The figures as stored: `[[name, kind, value], …]`, each value exact
/// (money as minor units and currency), so they read back unchanged.
fn encode_numbers(numbers: &[(&'static str, AlertNumber)]) -> String {
    let figures: Vec<serde_json::Value> = numbers
        .iter()
        .map(|(name, number)| match number {
            AlertNumber::Money(m) => json!([name, "money", [m.minor(), m.currency().as_str()]]),
            AlertNumber::Percent(d) => json!([name, "percent", d.to_string()]),
            AlertNumber::Multiple(d) => json!([name, "multiple", d.to_string()]),
            AlertNumber::Days(n) => json!([name, "days", n]),
            AlertNumber::Units(n) => json!([name, "units", n]),
            AlertNumber::Count(n) => json!([name, "count", n]),
            AlertNumber::Month(m) => json!([name, "month", m.to_string()]),
            AlertNumber::Date(d) => json!([name, "date", d.to_string()]),
            AlertNumber::Sku(sku) => json!([name, "sku", sku.as_str()]),
        })
        .collect();
    serde_json::Value::Array(figures).to_string()
}

fn decode_numbers(text: &str) -> Result<Vec<(String, AlertNumber)>, ()> {
    let figures: Vec<(String, String, serde_json::Value)> =
        serde_json::from_str(text).map_err(|_| ())?;
    figures
        .into_iter()
        .map(|(name, kind, value)| {
            let whole = || value.as_i64().ok_or(());
            let text = || value.as_str().ok_or(());
            let decimal = || text().and_then(|t| Decimal::from_str(t).map_err(|_| ()));
            let number = match kind.as_str() {
                "money" => {
                    let (minor, currency): (i64, String) =
                        serde_json::from_value(value.clone()).map_err(|_| ())?;
                    let currency = Currency::parse(&currency).map_err(|_| ())?;
                    AlertNumber::Money(Money::from_minor(minor, currency))
                }
                "percent" => AlertNumber::Percent(decimal()?),
                "multiple" => AlertNumber::Multiple(decimal()?),
                "days" => AlertNumber::Days(whole()?),
                "units" => AlertNumber::Units(whole()?),
                "count" => AlertNumber::Count(whole()?),
                "month" => AlertNumber::Month(Month::parse("month", text()?).map_err(|_| ())?),
                "date" => AlertNumber::Date(
                    NaiveDate::parse_from_str(text()?, "%Y-%m-%d").map_err(|_| ())?,
                ),
                "sku" => AlertNumber::Sku(Sku::parse_as("sku", text()?).map_err(|_| ())?),
                _ => return Err(()),
            };
            Ok((name, number))
        })
        .collect()
}

/// Stores the alerts whose cause is not stored yet; the others are already
/// known and left as they are (acknowledged or not). Returns how many were
/// new.
pub async fn insert_new(
    tx: &WriteTx,
    raised_on: NaiveDate,
    alerts: &[(i64, Alert)],
) -> Result<u64, StoreError> {
    let at = now();
    let mut inserted = 0;
    // Bounded batches: SQLite takes at most 32,766 bound values a statement.
    for chunk in alerts.chunks(500) {
        let mut insert = Query::insert()
            .into_table(alert::Entity)
            .columns([
                alert::Column::PartnerId,
                alert::Column::Kind,
                alert::Column::Cause,
                alert::Column::Numbers,
                alert::Column::RaisedOn,
                alert::Column::RaisedAt,
            ])
            .on_conflict(
                OnConflict::column(alert::Column::Cause)
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        for (partner_id, a) in chunk {
            insert.values_panic([
                (*partner_id).into(),
                a.kind.as_str().into(),
                a.cause.clone().into(),
                encode_numbers(&a.numbers).into(),
                raised_on.into(),
                at.into(),
            ]);
        }
        inserted += tx.execute(&insert).await?.rows_affected();
    }
    Ok(inserted)
}

/// Which alerts a list keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    pub kind: Option<AlertKind>,
    /// `Some(true)`: not yet acknowledged; `Some(false)`: acknowledged.
    pub open: Option<bool>,
    pub partner: Option<Visible>,
}

/// A page of the alerts the scope sees, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: DataScope,
    filter: &AlertFilter,
    page: PageRequest,
) -> Result<Page<AlertRow>, StoreError> {
    let mut query = restrict(alert::Entity::find(), scope, alert::Column::PartnerId);
    if let Some(kind) = filter.kind {
        query = query.filter(alert::Column::Kind.eq(kind.as_str()));
    }
    match filter.open {
        Some(true) => query = query.filter(alert::Column::AcknowledgedAt.is_null()),
        Some(false) => query = query.filter(alert::Column::AcknowledgedAt.is_not_null()),
        None => {}
    }
    if let Some(partner) = &filter.partner {
        query = query.filter(alert::Column::PartnerId.eq(partner.id().0));
    }
    let query = query
        .order_by_desc(alert::Column::RaisedOn)
        .order_by_desc(alert::Column::Id);
    let total = query.clone().count(db).await?;
    let rows = query
        .offset((page.page - 1).saturating_mul(page.per_page))
        .limit(page.per_page)
        .all(db)
        .await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(alert::Model::row)
            .collect::<Result<_, _>>()?,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// One alert the scope sees, its row locked until the transaction ends.
pub async fn alert_for_write(
    tx: &WriteTx,
    scope: DataScope,
    id: i64,
) -> Result<Option<AlertRow>, StoreError> {
    restrict(
        alert::Entity::find_by_id(id),
        scope,
        alert::Column::PartnerId,
    )
    .lock_exclusive()
    .one(tx)
    .await?
    .map(alert::Model::row)
    .transpose()
}

/// One alert the scope sees.
pub async fn alert_by_id(
    db: &impl ConnectionTrait,
    scope: DataScope,
    id: i64,
) -> Result<Option<AlertRow>, StoreError> {
    restrict(
        alert::Entity::find_by_id(id),
        scope,
        alert::Column::PartnerId,
    )
    .one(db)
    .await?
    .map(alert::Model::row)
    .transpose()
}

/// Marks an alert acknowledged.
pub async fn acknowledge(
    tx: &WriteTx,
    id: i64,
    by: &str,
    note: &str,
) -> Result<DateTime<Utc>, StoreError> {
    let at = now();
    alert::Entity::update_many()
        .col_expr(alert::Column::AcknowledgedAt, Expr::val(at))
        .col_expr(alert::Column::AcknowledgedBy, Expr::val(by))
        .col_expr(alert::Column::AcknowledgedNote, Expr::val(note))
        .filter(alert::Column::Id.eq(id))
        .exec(tx)
        .await?;
    Ok(at)
}

/// What a partner bought: the last day it received anything, and the
/// amounts bought from us in two date ranges, per currency of the lines.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Bought {
    pub partner_id: i64,
    pub currency: String,
    pub last_on: Option<NaiveDate>,
    pub recent: i64,
    pub before: i64,
}

impl Bought {
    pub fn currency(&self) -> Result<Currency, StoreError> {
        read(
            "sellin_lines",
            self.partner_id,
            "currency",
            &self.currency,
            Currency::parse,
        )
    }
}

/// Sell-in of the partners given up to the end of `recent`: per partner
/// and currency, the last day with units received (from us or from a
/// distributor: either is an order), and what was bought from us in
/// `recent` and in `before`.
pub async fn bought(
    db: &impl ConnectionTrait,
    partners: &[Visible],
    recent: DateRange,
    before: DateRange,
) -> Result<Vec<Bought>, StoreError> {
    let backend = db.get_database_backend();
    let p = |n: usize| crate::param(backend, n);
    let mut found = Vec::new();
    for chunk in partners.chunks(1000) {
        let ids = chunk
            .iter()
            .map(|v| v.id().0.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT partner_id, currency, \
                    MAX(CASE WHEN qty > 0 THEN date END) AS last_on, \
                    CAST(COALESCE(SUM(CASE WHEN seller_id IS NULL AND date >= {p1} \
                         AND date <= {p2} THEN amount_minor ELSE 0 END), 0) AS BIGINT) AS recent, \
                    CAST(COALESCE(SUM(CASE WHEN seller_id IS NULL AND date >= {p3} \
                         AND date <= {p4} THEN amount_minor ELSE 0 END), 0) AS BIGINT) AS before \
             FROM sellin_lines WHERE partner_id IN ({ids}) AND date <= {p5} \
             GROUP BY partner_id, currency ORDER BY partner_id, currency",
            p1 = p(1),
            p2 = p(2),
            p3 = p(3),
            p4 = p(4),
            p5 = p(5),
        );
        let values: Vec<Value> = vec![
            recent.from().into(),
            recent.to().into(),
            before.from().into(),
            before.to().into(),
            recent.to().into(),
        ];
        found.extend(
            Bought::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
                .all(db)
                .await?,
        );
    }
    Ok(found)
}

/// Claims the job `name` for `run_on` for `node`: true when this call
/// claimed it, false when another claim (this node's or another's) came
/// first and is finished or younger than `expired_before`. The row is made
/// if absent, then read locked: on PostgreSQL with `FOR UPDATE SKIP
/// LOCKED`, so a node whose peer is claiming it this very moment passes at
/// once instead of queueing behind it; on SQLite the write transaction
/// already makes claims one at a time.
pub async fn claim_job(
    db: &DatabaseConnection,
    name: &str,
    run_on: NaiveDate,
    node: &str,
    expired_before: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let tx = WriteTx::begin(db).await?;
    tx.execute(
        Query::insert()
            .into_table("jobs")
            .columns(["name", "run_on"])
            .values_panic([name.into(), run_on.into()])
            .on_conflict(
                OnConflict::columns(["name", "run_on"])
                    .do_nothing()
                    .to_owned(),
            ),
    )
    .await?;
    let mut select = Query::select();
    select
        .column("id")
        .from("jobs")
        .and_where(Expr::col("name").eq(name))
        .and_where(Expr::col("run_on").eq(run_on))
        .and_where(
            Expr::col("claimed_by")
                .is_null()
                .or(Expr::col("finished_at")
                    .is_null()
                    .and(Expr::col("claimed_at").lt(expired_before))),
        );
    if db.get_database_backend() == DatabaseBackend::Postgres {
        select.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let Some(row) = tx.query_one(&select).await? else {
        return Ok(false);
    };
    let id: i64 = row.try_get("", "id")?;
    tx.execute(
        Query::update()
            .table("jobs")
            .value("claimed_by", node)
            .value("claimed_at", now())
            .and_where(Expr::col("id").eq(id)),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Records that the claimed job `name` of `run_on` ran to its end.
pub async fn finish_job(
    db: &DatabaseConnection,
    name: &str,
    run_on: NaiveDate,
) -> Result<(), StoreError> {
    let tx = WriteTx::begin(db).await?;
    tx.execute(
        Query::update()
            .table("jobs")
            .value("finished_at", now())
            .and_where(Expr::col("name").eq(name))
            .and_where(Expr::col("run_on").eq(run_on)),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
