//! Channel inventory's persistence: imported sell-in lines (the bulk path
//! and their duplicate rule), partners' stock counts, and the reads that
//! inventory and the data-quality score are computed from.
//!
//! Every read takes the partners it may cover as `&[Visible]`, found by the
//! scoped lookup; their ids go into the SQL as integers, never text from a
//! request.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Statement, Value};

use crate::bulk::Cell;
use crate::scope::Visible;
use crate::{StoreError, WriteTx, now, param};

/// `partner_id IN (…)` for the partners given; `1 = 0` for none.
fn partner_ids(column: &str, partners: &[Visible]) -> String {
    if partners.is_empty() {
        return "1 = 0".to_owned();
    }
    let ids = partners
        .iter()
        .map(|p| p.id().0.to_string())
        .collect::<Vec<_>>()
        .join(",");
    format!("{column} IN ({ids})")
}

// ---------------------------------------------------------------------------
// Sell-in lines
// ---------------------------------------------------------------------------

/// An imported sell-in line (source `import`).
#[derive(Debug, Clone)]
pub struct NewSellIn {
    pub partner_id: i64,
    pub product_id: i64,
    pub date: NaiveDate,
    pub qty: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub document_no: Option<String>,
    pub import_row: i64,
}

const SELLIN_COLUMNS: &[&str] = &[
    "partner_id",
    "product_id",
    "date",
    "qty",
    "amount_minor",
    "currency",
    "document_no",
    "source",
    "import_row",
    "created_at",
];

/// Writes a batch of imported lines (the bulk path) in the caller's
/// transaction, in the key index's order, as `sellthrough::insert_lines`
/// does and for the same reason; stable, so repeats keep the file's order.
pub async fn insert_sellin(db: &WriteTx, mut lines: Vec<NewSellIn>) -> Result<(), StoreError> {
    lines.sort_by_key(|l| (l.partner_id, l.date, l.product_id));
    let at = now();
    let rows = lines
        .into_iter()
        .map(|l| {
            vec![
                l.partner_id.into(),
                l.product_id.into(),
                l.date.into(),
                l.qty.into(),
                l.amount_minor.into(),
                Cell::Text(Some(l.currency)),
                Cell::Text(l.document_no),
                Cell::Text(Some("import".to_owned())),
                l.import_row.into(),
                at.into(),
            ]
        })
        .collect();
    crate::bulk::insert(db, "sellin_lines", SELLIN_COLUMNS, rows).await
}

/// The highest sell-in line id so far (0 for none).
pub async fn last_sellin_id(db: &impl ConnectionTrait) -> Result<i64, StoreError> {
    crate::facts::last_id(db, crate::facts::FactKind::SellIn).await
}

/// An imported line that repeats another: its row, and either the row of
/// the same file it repeats or the id of an earlier line.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct SellInRepeat {
    pub import_row: i64,
    pub earlier_row: Option<i64>,
    pub earlier_id: i64,
}

/// The lines written after `after` that repeat an earlier line (same
/// partner, date, product, qty, amount and document number, a missing
/// number matching only a missing one), at most `limit`, by row. Runs on
/// the database through the key index, so memory stays bounded.
pub async fn sellin_repeats(
    db: &WriteTx,
    after: i64,
    limit: u64,
) -> Result<Vec<SellInRepeat>, StoreError> {
    let backend = db.get_database_backend();
    let same_document = match backend {
        DatabaseBackend::Postgres => "o.document_no IS NOT DISTINCT FROM n.document_no",
        _ => "o.document_no IS n.document_no",
    };
    let (p1, p2, p3) = (param(backend, 1), param(backend, 2), param(backend, 3));
    let sql = format!(
        "SELECT n.import_row AS import_row, \
                MIN(CASE WHEN o.id > {p1} THEN o.import_row END) AS earlier_row, \
                MIN(o.id) AS earlier_id \
         FROM sellin_lines n \
         JOIN sellin_lines o ON o.partner_id = n.partner_id AND o.date = n.date \
           AND o.product_id = n.product_id AND o.qty = n.qty \
           AND o.amount_minor = n.amount_minor AND {same_document} AND o.id < n.id \
         WHERE n.id > {p2} \
         GROUP BY n.import_row ORDER BY n.import_row LIMIT {p3}"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    Ok(
        SellInRepeat::find_by_statement(Statement::from_sql_and_values(
            backend,
            sql,
            [after.into(), after.into(), limit.into()],
        ))
        .all(db)
        .await?,
    )
}

/// The keys of a partner's sell-in lines written up to id `up_to` and
/// dated `from` to `to`: what an import screens its own lines against for
/// the duplicate rule before asking [`sellin_repeats`].
pub async fn sellin_keys_up_to(
    db: &WriteTx,
    up_to: i64,
    partner_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<crate::bulk::LineKey>, StoreError> {
    crate::bulk::keys_up_to(db, "sellin_lines", up_to, partner_id, from, to).await
}

/// A sell-in line as lists and exports show it.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct SellInRow {
    pub id: i64,
    pub partner_code: String,
    pub partner_name: String,
    pub sku: String,
    pub product_name_zh: String,
    pub product_name_en: String,
    pub date: NaiveDate,
    pub qty: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub document_no: Option<String>,
    pub source: String,
}

/// Sell-in lines of the partners given, newest first, at most `limit`.
pub async fn sellin_lines(
    db: &impl ConnectionTrait,
    partners: &[Visible],
    limit: u64,
) -> Result<Vec<SellInRow>, StoreError> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT l.id, pa.code AS partner_code, pa.name AS partner_name, pr.sku, \
                pr.name_zh AS product_name_zh, pr.name_en AS product_name_en, l.date, l.qty, \
                l.amount_minor, l.currency, l.document_no, l.source \
         FROM sellin_lines l JOIN partners pa ON pa.id = l.partner_id \
         JOIN products pr ON pr.id = l.product_id \
         WHERE {} ORDER BY l.date DESC, l.id DESC LIMIT {}",
        partner_ids("l.partner_id", partners),
        param(backend, 1)
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    Ok(
        SellInRow::find_by_statement(Statement::from_sql_and_values(backend, sql, [limit.into()]))
            .all(db)
            .await?,
    )
}

// ---------------------------------------------------------------------------
// Stock counts
// ---------------------------------------------------------------------------

/// A count to record.
#[derive(Debug, Clone)]
pub struct NewCount {
    pub partner_id: i64,
    pub product_id: i64,
    pub counted_on: NaiveDate,
    pub qty: i64,
}

const COUNT_COLUMNS: &[&str] = &[
    "partner_id",
    "product_id",
    "counted_on",
    "qty",
    "created_by",
    "created_at",
];

/// Writes counts (one from a form, many from a file) in the caller's
/// transaction.
pub async fn insert_counts(
    db: &WriteTx,
    counts: Vec<NewCount>,
    by: &str,
) -> Result<(), StoreError> {
    let at = now();
    let rows = counts
        .into_iter()
        .map(|c| {
            vec![
                c.partner_id.into(),
                c.product_id.into(),
                c.counted_on.into(),
                c.qty.into(),
                Cell::Text(Some(by.to_owned())),
                at.into(),
            ]
        })
        .collect();
    crate::bulk::insert(db, "stock_counts", COUNT_COLUMNS, rows).await
}

/// A stock count as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct CountRow {
    pub id: i64,
    pub partner_id: i64,
    pub partner_code: String,
    pub partner_name: String,
    pub product_id: i64,
    pub sku: String,
    pub product_name_zh: String,
    pub product_name_en: String,
    pub counted_on: NaiveDate,
    pub qty: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Counts of the partners given on or before `until`, newest first; a
/// later count of the same day wins over an earlier one (higher id).
pub async fn counts(
    db: &impl ConnectionTrait,
    partners: &[Visible],
    until: NaiveDate,
) -> Result<Vec<CountRow>, StoreError> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT c.id, c.partner_id, pa.code AS partner_code, pa.name AS partner_name, \
                c.product_id, pr.sku, pr.name_zh AS product_name_zh, \
                pr.name_en AS product_name_en, c.counted_on, c.qty, c.created_by, c.created_at \
         FROM stock_counts c JOIN partners pa ON pa.id = c.partner_id \
         JOIN products pr ON pr.id = c.product_id \
         WHERE {} AND c.counted_on <= {} ORDER BY c.counted_on DESC, c.id DESC",
        partner_ids("c.partner_id", partners),
        param(backend, 1)
    );
    Ok(
        CountRow::find_by_statement(Statement::from_sql_and_values(backend, sql, [until.into()]))
            .all(db)
            .await?,
    )
}

// ---------------------------------------------------------------------------
// Flows
// ---------------------------------------------------------------------------

/// One day's sell-in and sell-through of a product at a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromQueryResult)]
pub struct DayFlow {
    pub partner_id: i64,
    pub product_id: i64,
    pub date: NaiveDate,
    pub sell_in: i64,
    pub sell_through: i64,
}

/// Daily flows of the partners given up to `until`, by partner, product
/// and day; only products of `line` when given.
pub async fn flows(
    db: &impl ConnectionTrait,
    partners: &[Visible],
    line: Option<i64>,
    until: NaiveDate,
) -> Result<Vec<DayFlow>, StoreError> {
    let backend = db.get_database_backend();
    let within = partner_ids("partner_id", partners);
    let mut values: Vec<Value> = vec![until.into(), until.into()];
    let line_filter = match line {
        Some(line) => {
            values.push(line.into());
            format!(
                " JOIN products p ON p.id = m.product_id AND p.product_line_id = {}",
                param(backend, 3)
            )
        }
        None => String::new(),
    };
    let sql = format!(
        "SELECT m.partner_id, m.product_id, m.date, \
                CAST(SUM(m.sell_in) AS BIGINT) AS sell_in, \
                CAST(SUM(m.sell_through) AS BIGINT) AS sell_through \
         FROM (SELECT partner_id, product_id, date, qty AS sell_in, \
                      CAST(0 AS BIGINT) AS sell_through \
               FROM sellin_lines WHERE {within} AND date <= {p1} \
               UNION ALL \
               SELECT partner_id, product_id, date, CAST(0 AS BIGINT), qty \
               FROM sellthrough_lines WHERE {within} AND date <= {p2}) m{line_filter} \
         GROUP BY m.partner_id, m.product_id, m.date \
         ORDER BY m.partner_id, m.product_id, m.date",
        p1 = param(backend, 1),
        p2 = param(backend, 2),
    );
    Ok(
        DayFlow::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .all(db)
            .await?,
    )
}

// ---------------------------------------------------------------------------
// What the data-quality score reads
// ---------------------------------------------------------------------------

/// A partner's sell-through lines of one day: how many, and when the first
/// was written.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct ReportedDay {
    pub partner_id: i64,
    pub date: NaiveDate,
    pub lines: i64,
    pub first_at: DateTime<Utc>,
}

/// Per partner and day from `from`: lines reported and the first write.
pub async fn reported_days(
    db: &impl ConnectionTrait,
    partners: &[Visible],
    from: NaiveDate,
) -> Result<Vec<ReportedDay>, StoreError> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT partner_id, date, CAST(COUNT(*) AS BIGINT) AS lines, MIN(created_at) AS first_at \
         FROM sellthrough_lines WHERE {} AND date >= {} GROUP BY partner_id, date",
        partner_ids("partner_id", partners),
        param(backend, 1)
    );
    Ok(
        ReportedDay::find_by_statement(Statement::from_sql_and_values(backend, sql, [from.into()]))
            .all(db)
            .await?,
    )
}

/// Rows held for an unknown own code, per partner and day, from `from`.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct HeldDay {
    pub partner_id: i64,
    pub date: NaiveDate,
    pub held: i64,
}

pub async fn held_days(
    db: &impl ConnectionTrait,
    partners: &[Visible],
    from: NaiveDate,
) -> Result<Vec<HeldDay>, StoreError> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT partner_id, date, CAST(COUNT(*) AS BIGINT) AS held \
         FROM sellthrough_held WHERE {} AND date >= {} GROUP BY partner_id, date",
        partner_ids("partner_id", partners),
        param(backend, 1)
    );
    Ok(
        HeldDay::find_by_statement(Statement::from_sql_and_values(backend, sql, [from.into()]))
            .all(db)
            .await?,
    )
}

/// A rejected upload of one partner: when, and how many rows it refused.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Rejected {
    pub partner_id: i64,
    pub created_at: DateTime<Utc>,
    pub rows_rejected: i64,
}

pub async fn rejected_uploads(
    db: &impl ConnectionTrait,
    partners: &[Visible],
    since: DateTime<Utc>,
) -> Result<Vec<Rejected>, StoreError> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT partner_id, created_at, rows_rejected FROM sellthrough_uploads \
         WHERE {} AND state = 'rejected' AND dry_run = {} AND created_at >= {}",
        partner_ids("partner_id", partners),
        param(backend, 1),
        param(backend, 2)
    );
    Ok(Rejected::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [false.into(), since.into()],
    ))
    .all(db)
    .await?)
}

/// Display names of the users given, by id (the partners' owners).
pub async fn owner_names(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<(i64, String)>, StoreError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

    use crate::admin::user;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::DisplayName)
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?)
}
