//! The fact interface: the one way the in-memory engine (DESIGN.md §7a)
//! reads facts. Every fact kind is read the same way, in id order after a
//! given id, in batches: the engine's load at start-up is "after 0" until
//! a batch comes back short, and its catch-up after a commit notice
//! (`app::facts`) is "after the last id I hold". Ids are the tables' own
//! primary keys, which only grow.
//!
//! Not scoped: the engine holds every fact and applies the caller's scope
//! inside its own queries, exactly as the store does. `app` never hands
//! these rows to a person.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, FromQueryResult, Statement};

use crate::StoreError;

/// A kind of fact. Orders, shipments, invoices, payments and stock counts
/// join as their areas arrive; each names its table and how its columns
/// map onto [`Fact`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FactKind {
    SellThrough,
    /// What partners received from us (shipments, imported history) and
    /// gave back (returns), from `sellin_lines` without a seller.
    SellIn,
    /// What tier-2 partners received from their distributor (二级订货),
    /// from `sellin_lines` with a seller. The same goods leaving the
    /// distributor are its sell-through, so our sell-in counts them once:
    /// when we shipped them to the distributor.
    DownstreamSellIn,
    /// What we invoiced, one fact per invoice (no product; qty 1).
    Invoice,
    /// What credit notes took back (no product; qty 1, amount positive as
    /// written on the note).
    CreditNote,
    /// Money received from partners, from `payments`, one fact per payment
    /// (no product; qty 1).
    Payment,
    /// Partners' counts of what they hold (`stock_counts`): the quantity
    /// on the day counted, no money.
    StockCount,
}

impl FactKind {
    pub const ALL: &'static [FactKind] = &[
        FactKind::SellThrough,
        FactKind::SellIn,
        FactKind::DownstreamSellIn,
        FactKind::Invoice,
        FactKind::CreditNote,
        FactKind::Payment,
        FactKind::StockCount,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::SellThrough => "sell_through",
            FactKind::SellIn => "sell_in",
            FactKind::DownstreamSellIn => "downstream_sell_in",
            FactKind::Invoice => "invoice",
            FactKind::CreditNote => "credit_note",
            FactKind::Payment => "payment",
            FactKind::StockCount => "stock_count",
        }
    }

    /// The select of one batch: the columns of [`Fact`] from this kind's table.
    fn select(self) -> &'static str {
        match self {
            FactKind::SellThrough => {
                "SELECT id, partner_id, product_id, date, qty, amount_minor, currency, \
                 customer_region_id AS region_id FROM sellthrough_lines"
            }
            // Sell-in has no customer region: the engine places it by the
            // partner's own region, a dimension it holds anyway.
            FactKind::SellIn => {
                "SELECT id, partner_id, product_id, date, qty, amount_minor, currency, \
                 CAST(NULL AS BIGINT) AS region_id FROM sellin_lines"
            }
            FactKind::DownstreamSellIn => {
                "SELECT id, partner_id, product_id, date, qty, amount_minor, currency, \
                 CAST(NULL AS BIGINT) AS region_id FROM sellin_lines"
            }
            FactKind::Invoice => {
                "SELECT id, partner_id, CAST(NULL AS BIGINT) AS product_id, issued_on AS date, \
                 CAST(1 AS BIGINT) AS qty, amount_minor, currency, \
                 CAST(NULL AS BIGINT) AS region_id FROM invoices"
            }
            FactKind::CreditNote => {
                "SELECT id, partner_id, CAST(NULL AS BIGINT) AS product_id, issued_on AS date, \
                 CAST(1 AS BIGINT) AS qty, amount_minor, currency, \
                 CAST(NULL AS BIGINT) AS region_id FROM credit_notes"
            }
            FactKind::Payment => {
                "SELECT id, partner_id, CAST(NULL AS BIGINT) AS product_id, \
                 received_on AS date, CAST(1 AS BIGINT) AS qty, amount_minor, currency, \
                 CAST(NULL AS BIGINT) AS region_id FROM payments"
            }
            FactKind::StockCount => {
                "SELECT id, partner_id, product_id, counted_on AS date, qty, \
                 CAST(0 AS BIGINT) AS amount_minor, '' AS currency, \
                 CAST(NULL AS BIGINT) AS region_id FROM stock_counts"
            }
        }
    }

    /// Which rows of the table are facts of this kind.
    fn only(self) -> &'static str {
        match self {
            FactKind::SellIn => "seller_id IS NULL",
            FactKind::DownstreamSellIn => "seller_id IS NOT NULL",
            _ => "1 = 1",
        }
    }

    fn table(self) -> &'static str {
        match self {
            FactKind::SellThrough => "sellthrough_lines",
            FactKind::SellIn | FactKind::DownstreamSellIn => "sellin_lines",
            FactKind::Invoice => "invoices",
            FactKind::CreditNote => "credit_notes",
            FactKind::Payment => "payments",
            FactKind::StockCount => "stock_counts",
        }
    }
}

/// One fact as the engine loads it: who, what, when, how many, how much,
/// where. Dimensions are ids; the engine encodes them itself. A kind with
/// no product (an invoice, a payment) or no region of its own leaves them
/// out.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Fact {
    pub id: i64,
    pub partner_id: i64,
    pub product_id: Option<i64>,
    pub date: NaiveDate,
    pub qty: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub region_id: Option<i64>,
}

/// At most `limit` facts of `kind` with an id above `after`, by id.
pub async fn after(
    db: &impl ConnectionTrait,
    kind: FactKind,
    after: i64,
    limit: u64,
) -> Result<Vec<Fact>, StoreError> {
    let backend = db.get_database_backend();
    let (p1, p2) = match backend {
        sea_orm::DatabaseBackend::Postgres => ("$1", "$2"),
        _ => ("?", "?"),
    };
    let sql = format!(
        "{} WHERE {} AND id > {p1} ORDER BY id LIMIT {p2}",
        kind.select(),
        kind.only()
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    Ok(Fact::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [after.into(), limit.into()],
    ))
    .all(db)
    .await?)
}

/// The facts of `kind` with these ids (those that exist), by id: how a
/// projection file is checked against the database it claims to mirror.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    kind: FactKind,
    ids: &[i64],
) -> Result<Vec<Fact>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let sql = format!(
        "{} WHERE {} AND id IN ({list}) ORDER BY id",
        kind.select(),
        kind.only()
    );
    Ok(
        Fact::find_by_statement(Statement::from_string(db.get_database_backend(), sql))
            .all(db)
            .await?,
    )
}

/// The highest id committed so far in `kind`'s table (0 when there is
/// none): a high-water mark, read from the primary key alone. Two kinds
/// share `sellin_lines`, so a kind's mark may be an id of the other kind;
/// a catch-up reads its own kind's facts up to it.
pub async fn last_id(db: &impl ConnectionTrait, kind: FactKind) -> Result<i64, StoreError> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COALESCE(MAX(id), 0) AS id FROM {}", kind.table()),
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "id"))
        .transpose()?
        .unwrap_or(0))
}

/// Reads every fact of a kind after a starting id, a batch at a time, so a
/// load of ten million facts holds one batch in memory.
#[derive(Debug, Clone)]
pub struct Batches {
    kind: FactKind,
    after: i64,
    size: u64,
    done: bool,
}

impl Batches {
    pub fn new(kind: FactKind, after: i64, size: u64) -> Self {
        Self {
            kind,
            after,
            size: size.max(1),
            done: false,
        }
    }

    /// The next batch, or `None` once a batch came back short (everything
    /// committed up to then has been read).
    pub async fn next(
        &mut self,
        db: &impl ConnectionTrait,
    ) -> Result<Option<Vec<Fact>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let batch = after(db, self.kind, self.after, self.size).await?;
        self.done = (batch.len() as u64) < self.size;
        match batch.last() {
            Some(last) => {
                self.after = last.id;
                Ok(Some(batch))
            }
            None => Ok(None),
        }
    }

    /// The last id read so far: where a later catch-up starts.
    pub fn position(&self) -> i64 {
        self.after
    }
}
