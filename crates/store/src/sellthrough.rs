//! Sell-through lines (a fact: append-only), the uploads they came from,
//! partners' own product codes and the rows held for a code not mapped yet.
//! Lines are partner-owned: one partner's through [`Visible`], lists through
//! [`restrict`]. Lines are written only through `store::bulk::insert`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use qudao_domain::periods::Month;
use sea_orm::sea_query::JoinType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select, Set, Statement,
};

use crate::bulk::Cell;
use crate::catalog::product;
use crate::paging::{Page, PageRequest};
use crate::partners::partner;
use crate::scope::{Visible, restrict};
use crate::territories::{region, within};
use crate::write::WriteTx;
use crate::{DataScope, StoreError, now};

pub mod line {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sellthrough_lines")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub partner_id: i64,
        pub product_id: i64,
        pub date: Date,
        pub qty: i64,
        pub amount_minor: i64,
        pub currency: String,
        pub customer_region_id: i64,
        pub customer_name: Option<String>,
        pub document_no: Option<String>,
        pub serial_no: Option<String>,
        pub upload_id: i64,
        pub upload_row: i64,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod upload {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sellthrough_uploads")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub uploaded_by: String,
        pub partner_id: Option<i64>,
        pub file_name: String,
        pub state: String,
        pub dry_run: bool,
        pub hold_unknown: bool,
        pub rows_total: i64,
        pub rows_done: i64,
        pub rows_written: i64,
        pub rows_rejected: i64,
        pub rows_held: i64,
        pub report: String,
        pub created_at: DateTimeUtc,
        pub started_at: Option<DateTimeUtc>,
        pub finished_at: Option<DateTimeUtc>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod product_code {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "partner_product_codes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub partner_id: i64,
        pub code: String,
        pub product_id: i64,
        pub mapped_by: String,
        pub mapped_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod held {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sellthrough_held")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub upload_id: i64,
        pub upload_row: i64,
        pub partner_id: i64,
        pub product_code: String,
        pub date: Date,
        pub qty: i64,
        pub amount_minor: i64,
        pub currency: String,
        pub customer_region_id: i64,
        pub customer_name: Option<String>,
        pub document_no: Option<String>,
        pub serial_no: Option<String>,
        pub released_at: Option<DateTimeUtc>,
        pub problem: Option<String>,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// The columns a line is written with, in [`NewLine::cells`] order.
pub const LINE_COLUMNS: &[&str] = &[
    "partner_id",
    "product_id",
    "date",
    "qty",
    "amount_minor",
    "currency",
    "customer_region_id",
    "customer_name",
    "document_no",
    "serial_no",
    "upload_id",
    "upload_row",
    "created_at",
];

/// A line ready to be written: every reference resolved and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    pub partner_id: i64,
    pub product_id: i64,
    pub date: NaiveDate,
    pub qty: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub customer_region_id: i64,
    pub customer_name: Option<String>,
    pub document_no: Option<String>,
    pub serial_no: Option<String>,
    pub upload_id: i64,
    pub upload_row: i64,
}

impl NewLine {
    pub fn cells(self, at: DateTime<Utc>) -> Vec<Cell> {
        vec![
            self.partner_id.into(),
            self.product_id.into(),
            self.date.into(),
            self.qty.into(),
            self.amount_minor.into(),
            self.currency.into(),
            self.customer_region_id.into(),
            self.customer_name.into(),
            self.document_no.into(),
            self.serial_no.into(),
            self.upload_id.into(),
            self.upload_row.into(),
            at.into(),
        ]
    }
}

/// Writes a batch of lines (the bulk path) in the caller's transaction,
/// in the key index's order: a file's lines come in any order, and each
/// then landed on a random page of the index; sorted, a batch's entries go
/// in one sweep (a million lines into an indexed table in the sqlite3 CLI:
/// 1.34 s in file order, 1.11 s sorted by 20,000). The sort is stable, so
/// lines with the same key keep the file's order and ids, which the
/// duplicate check reads as "earlier".
pub async fn insert_lines(db: &WriteTx, mut lines: Vec<NewLine>) -> Result<(), StoreError> {
    lines.sort_by_key(|l| (l.partner_id, l.date, l.product_id, l.qty, l.amount_minor));
    let at = now();
    count_months(db, &lines, at).await?;
    crate::bulk::insert(
        db,
        "sellthrough_lines",
        LINE_COLUMNS,
        lines.into_iter().map(|l| l.cells(at)).collect(),
    )
    .await
}

/// Adds lines to `sellthrough_months`, the partner-by-month summary kept
/// beside the append-only lines (migration 27 says why).
async fn count_months(
    db: &WriteTx,
    lines: &[NewLine],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut months: BTreeMap<(i64, String), i64> = BTreeMap::new();
    for line in lines {
        *months
            .entry((line.partner_id, Month::of(line.date).to_string()))
            .or_default() += 1;
    }
    let backend = db.get_database_backend();
    let months: Vec<_> = months.into_iter().collect();
    for batch in months.chunks(1_000) {
        let rows = (0..batch.len())
            .map(|i| {
                let p = |k: usize| crate::param(backend, i * 4 + k);
                format!("({}, {}, {}, {})", p(1), p(2), p(3), p(4))
            })
            .collect::<Vec<_>>()
            .join(", ");
        let values = batch.iter().flat_map(|((partner_id, month), count)| {
            [
                (*partner_id).into(),
                month.clone().into(),
                (*count).into(),
                at.into(),
            ]
        });
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "INSERT INTO sellthrough_months (partner_id, month, lines, first_at) VALUES {rows} \
                 ON CONFLICT (partner_id, month) DO UPDATE SET \
                 lines = sellthrough_months.lines + excluded.lines, \
                 first_at = CASE WHEN excluded.first_at < sellthrough_months.first_at \
                 THEN excluded.first_at ELSE sellthrough_months.first_at END"
            ),
            values.collect::<Vec<sea_orm::Value>>(),
        ))
        .await?;
    }
    Ok(())
}

const HELD_COLUMNS: &[&str] = &[
    "upload_id",
    "upload_row",
    "partner_id",
    "product_code",
    "date",
    "qty",
    "amount_minor",
    "currency",
    "customer_region_id",
    "customer_name",
    "document_no",
    "serial_no",
    "created_at",
];

/// Holds lines whose product is one of the partner's own codes we do not
/// know yet (`product_id` of each is ignored; `code` says what they named).
pub async fn hold_lines(db: &WriteTx, lines: Vec<(String, NewLine)>) -> Result<(), StoreError> {
    let at = now();
    crate::bulk::insert(
        db,
        "sellthrough_held",
        HELD_COLUMNS,
        lines
            .into_iter()
            .map(|(code, l)| {
                vec![
                    l.upload_id.into(),
                    l.upload_row.into(),
                    l.partner_id.into(),
                    code.into(),
                    l.date.into(),
                    l.qty.into(),
                    l.amount_minor.into(),
                    l.currency.into(),
                    l.customer_region_id.into(),
                    l.customer_name.into(),
                    l.document_no.into(),
                    l.serial_no.into(),
                    at.into(),
                ]
            })
            .collect(),
    )
    .await
}

/// The largest line id now: lines written after this in the same write are
/// the ones the duplicate check looks at.
pub async fn last_line_id(db: &impl ConnectionTrait) -> Result<i64, StoreError> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COALESCE(MAX(id), 0) AS id FROM sellthrough_lines",
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "id"))
        .transpose()?
        .unwrap_or(0))
}

/// A line of this upload that repeats another line: its row, and the
/// upload and row of the line it repeats (the same upload: a repeat within
/// the file).
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Repeat {
    pub upload_row: i64,
    pub earlier_upload: i64,
    pub earlier_row: i64,
}

/// The lines of `upload` written after `after` that repeat an earlier line
/// (`domain::sellthrough::DuplicateKey`: partner, date, product, qty,
/// amount and document number, a missing number matching only a missing
/// one), at most `limit`, by row. Runs on the database, through the key
/// index, so a file of any size is checked without holding its keys in
/// memory.
pub async fn repeats(
    db: &WriteTx,
    upload: i64,
    after: i64,
    limit: u64,
) -> Result<Vec<Repeat>, StoreError> {
    let backend = db.get_database_backend();
    let same_document = match backend {
        sea_orm::DatabaseBackend::Postgres => "o.document_no IS NOT DISTINCT FROM n.document_no",
        _ => "o.document_no IS n.document_no",
    };
    let (p1, p2, p3) = match backend {
        sea_orm::DatabaseBackend::Postgres => ("$1", "$2", "$3"),
        _ => ("?", "?", "?"),
    };
    let sql = format!(
        "SELECT n.upload_row AS upload_row, o.upload_id AS earlier_upload, \
                MIN(o.upload_row) AS earlier_row \
         FROM sellthrough_lines n \
         JOIN sellthrough_lines o ON o.partner_id = n.partner_id AND o.date = n.date \
           AND o.product_id = n.product_id AND o.qty = n.qty \
           AND o.amount_minor = n.amount_minor AND {same_document} AND o.id < n.id \
         WHERE n.id > {p1} AND n.upload_id = {p2} \
         GROUP BY n.upload_row, o.upload_id \
         ORDER BY n.upload_row LIMIT {p3}"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    Ok(Repeat::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        [after.into(), upload.into(), limit.into()],
    ))
    .all(db)
    .await?)
}

/// The keys of a partner's lines written up to id `up_to` and dated `from`
/// to `to`: what an import screens its own lines against for the
/// duplicate rule before asking [`repeats`].
pub async fn keys_up_to(
    db: &WriteTx,
    up_to: i64,
    partner_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<crate::bulk::LineKey>, StoreError> {
    crate::bulk::keys_up_to(db, "sellthrough_lines", up_to, partner_id, from, to).await
}

/// Every region's id by its code, for the bulk path's customer regions.
pub async fn region_ids(
    db: &impl ConnectionTrait,
) -> Result<std::collections::HashMap<String, i64>, StoreError> {
    Ok(region::Entity::find()
        .select_only()
        .column(region::Column::Code)
        .column(region::Column::Id)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// A partner's right on a product line, as the authorization check reads it.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Right {
    pub partner_id: i64,
    pub product_line: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

/// The rights of these partners on any line, any region.
pub async fn rights_of(
    db: &impl ConnectionTrait,
    partner_ids: &[i64],
) -> Result<Vec<Right>, StoreError> {
    use crate::territories::authorization;
    let mut found = Vec::new();
    for chunk in partner_ids.chunks(500) {
        found.extend(
            authorization::Entity::find()
                .select_only()
                .column(authorization::Column::PartnerId)
                .column(authorization::Column::ProductLine)
                .column(authorization::Column::ValidFrom)
                .column(authorization::Column::ValidTo)
                .filter(authorization::Column::PartnerId.is_in(chunk.iter().copied()))
                .into_model::<Right>()
                .all(db)
                .await?,
        );
    }
    Ok(found)
}

/// The first line (by id) reported with this key, if any: its upload and row.
pub async fn reported(
    db: &impl ConnectionTrait,
    key: &qudao_domain::sellthrough::DuplicateKey,
) -> Result<Option<(i64, i64)>, StoreError> {
    use line::Column as L;
    let mut select = line::Entity::find()
        .select_only()
        .column(L::UploadId)
        .column(L::UploadRow)
        .filter(L::PartnerId.eq(key.partner_id))
        .filter(L::Date.eq(key.date))
        .filter(L::ProductId.eq(key.product_id))
        .filter(L::Qty.eq(key.qty))
        .filter(L::AmountMinor.eq(key.amount_minor));
    select = match &key.document_no {
        Some(number) => select.filter(L::DocumentNo.eq(number.as_str())),
        None => select.filter(L::DocumentNo.is_null()),
    };
    Ok(select
        .order_by_asc(L::Id)
        .into_tuple::<(i64, i64)>()
        .one(db)
        .await?)
}

// ---------------------------------------------------------------------------
// Uploads
// ---------------------------------------------------------------------------

/// The states of an upload, as stored.
pub mod state {
    pub const QUEUED: &str = "queued";
    pub const RUNNING: &str = "running";
    pub const DONE: &str = "done";
    pub const REJECTED: &str = "rejected";
    /// A dry run that found the file clean: nothing was written.
    pub const CHECKED: &str = "checked";
}

pub struct NewUpload<'a> {
    pub uploaded_by: &'a str,
    pub partner: Option<&'a Visible>,
    pub file_name: &'a str,
    pub dry_run: bool,
    pub hold_unknown: bool,
}

pub async fn insert_upload(db: &WriteTx, new: NewUpload<'_>) -> Result<upload::Model, StoreError> {
    Ok(upload::ActiveModel {
        uploaded_by: Set(new.uploaded_by.to_owned()),
        partner_id: Set(new.partner.map(|p| p.id().0)),
        file_name: Set(new.file_name.to_owned()),
        state: Set(state::QUEUED.to_owned()),
        dry_run: Set(new.dry_run),
        hold_unknown: Set(new.hold_unknown),
        report: Set("{}".to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// How an upload ended.
pub struct Finished<'a> {
    pub state: &'static str,
    pub rows_total: i64,
    pub rows_written: i64,
    pub rows_rejected: i64,
    pub rows_held: i64,
    pub report: &'a str,
    pub started_at: DateTime<Utc>,
}

pub async fn finish_upload(
    db: &WriteTx,
    upload: upload::Model,
    end: Finished<'_>,
) -> Result<upload::Model, StoreError> {
    let mut active: upload::ActiveModel = upload.into();
    active.state = Set(end.state.to_owned());
    active.rows_total = Set(end.rows_total);
    active.rows_done = Set(end.rows_total);
    active.rows_written = Set(end.rows_written);
    active.rows_rejected = Set(end.rows_rejected);
    active.rows_held = Set(end.rows_held);
    active.report = Set(end.report.to_owned());
    active.started_at = Set(Some(end.started_at));
    active.finished_at = Set(Some(now()));
    Ok(active.update(db).await?)
}

/// An upload, if its partner (or, for a file of several partners, its
/// uploader's organisation) is in scope. Uploads without a partner are
/// seen by whoever sees every partner, and by their uploader.
pub async fn upload_by_id(
    db: &impl ConnectionTrait,
    scope: DataScope,
    login: &str,
    id: i64,
) -> Result<Option<upload::Model>, StoreError> {
    let found = upload::Entity::find_by_id(id).one(db).await?;
    let Some(found) = found else {
        return Ok(None);
    };
    let visible = match found.partner_id {
        Some(partner_id) => {
            crate::scope::partner_by_id(db, scope, qudao_domain::partners::PartnerId(partner_id))
                .await?
                .is_some()
        }
        None => scope == DataScope::All || found.uploaded_by == login,
    };
    Ok(visible.then_some(found))
}

/// Uploads newest first: of partners in scope, and the caller's own.
pub async fn list_uploads(
    db: &impl ConnectionTrait,
    scope: DataScope,
    login: &str,
    page: PageRequest,
) -> Result<Page<upload::Model>, StoreError> {
    let mut select = upload::Entity::find();
    if scope != DataScope::All {
        let in_scope = restrict(
            partner::Entity::find()
                .select_only()
                .column(partner::Column::Id),
            scope,
            partner::Column::Id,
        );
        select = select.filter(
            sea_orm::Condition::any()
                .add(upload::Column::UploadedBy.eq(login))
                .add(
                    upload::Column::PartnerId
                        .in_subquery(sea_orm::QueryTrait::into_query(in_scope)),
                ),
        );
    }
    crate::paging::fetch(db, select.order_by_desc(upload::Column::Id), page).await
}

// ---------------------------------------------------------------------------
// Partners' product codes and held rows
// ---------------------------------------------------------------------------

/// Every code mapping of these partners: (partner id, code) → product id.
pub async fn code_mappings(
    db: &impl ConnectionTrait,
    partner_ids: &[i64],
) -> Result<Vec<product_code::Model>, StoreError> {
    let mut found = Vec::new();
    for chunk in partner_ids.chunks(500) {
        found.extend(
            product_code::Entity::find()
                .filter(product_code::Column::PartnerId.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(found)
}

/// Maps one of the partner's own codes to our product (or changes the
/// product it maps to).
pub async fn set_mapping(
    db: &WriteTx,
    partner: &Visible,
    code: &str,
    product_id: i64,
    login: &str,
) -> Result<product_code::Model, StoreError> {
    let existing = product_code::Entity::find()
        .filter(product_code::Column::PartnerId.eq(partner.id().0))
        .filter(product_code::Column::Code.eq(code))
        .one(db)
        .await?;
    Ok(match existing {
        Some(row) => {
            let mut active: product_code::ActiveModel = row.into();
            active.product_id = Set(product_id);
            active.mapped_by = Set(login.to_owned());
            active.mapped_at = Set(now());
            active.update(db).await?
        }
        None => {
            product_code::ActiveModel {
                partner_id: Set(partner.id().0),
                code: Set(code.to_owned()),
                product_id: Set(product_id),
                mapped_by: Set(login.to_owned()),
                mapped_at: Set(now()),
                ..Default::default()
            }
            .insert(db)
            .await?
        }
    })
}

/// The partner's held rows not released yet, of one code (or all codes), by
/// upload and row.
pub async fn held_rows(
    db: &impl ConnectionTrait,
    partner: &Visible,
    code: Option<&str>,
) -> Result<Vec<held::Model>, StoreError> {
    let mut select = held::Entity::find()
        .filter(held::Column::PartnerId.eq(partner.id().0))
        .filter(held::Column::ReleasedAt.is_null());
    if let Some(code) = code {
        select = select.filter(held::Column::ProductCode.eq(code));
    }
    Ok(select
        .order_by_asc(held::Column::UploadId)
        .order_by_asc(held::Column::UploadRow)
        .all(db)
        .await?)
}

/// The held rows of an upload not released yet (the upload page's list of
/// unknown codes), in scope.
pub async fn held_of_upload(
    db: &impl ConnectionTrait,
    scope: DataScope,
    upload_id: i64,
) -> Result<Vec<held::Model>, StoreError> {
    Ok(
        restrict(held::Entity::find(), scope, held::Column::PartnerId)
            .filter(held::Column::UploadId.eq(upload_id))
            .filter(held::Column::ReleasedAt.is_null())
            .order_by_asc(held::Column::UploadRow)
            .all(db)
            .await?,
    )
}

/// Marks a held row released (written as a line with its upload and row),
/// or keeps it held with why it could not be (`problem`).
pub async fn settle_held(
    db: &WriteTx,
    row: held::Model,
    problem: Option<String>,
) -> Result<(), StoreError> {
    let mut active: held::ActiveModel = row.into();
    active.released_at = Set(problem.is_none().then(now));
    active.problem = Set(problem);
    active.update(db).await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Reading lines
// ---------------------------------------------------------------------------

/// A line with the names people read instead of ids.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct LineRow {
    pub id: i64,
    pub partner_id: i64,
    pub partner_code: String,
    pub partner_name: String,
    pub sku: String,
    pub product_name_zh: String,
    pub product_name_en: String,
    pub date: NaiveDate,
    pub qty: i64,
    pub amount_minor: i64,
    pub currency: String,
    pub region_code: String,
    pub region_name: String,
    pub region_name_en: Option<String>,
    pub customer_name: Option<String>,
    pub document_no: Option<String>,
    pub serial_no: Option<String>,
    pub upload_id: i64,
}

#[derive(Debug, Clone, Default)]
pub struct LineFilter {
    pub partner_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub product_id: Option<i64>,
    /// Customers in this region or inside it (a region's path).
    pub region_path: Option<String>,
}

fn rows() -> Select<line::Entity> {
    use line::Column as L;
    line::Entity::find()
        .select_only()
        .columns([
            L::Id,
            L::PartnerId,
            L::Date,
            L::Qty,
            L::AmountMinor,
            L::Currency,
            L::CustomerName,
            L::DocumentNo,
            L::SerialNo,
            L::UploadId,
        ])
        .column_as(partner::Column::Code, "partner_code")
        .column_as(partner::Column::Name, "partner_name")
        .column_as(product::Column::Sku, "sku")
        .column_as(product::Column::NameZh, "product_name_zh")
        .column_as(product::Column::NameEn, "product_name_en")
        .column_as(region::Column::Code, "region_code")
        .column_as(region::Column::Name, "region_name")
        .column_as(region::Column::NameEn, "region_name_en")
        .join(
            JoinType::InnerJoin,
            line::Entity::belongs_to(partner::Entity)
                .from(L::PartnerId)
                .to(partner::Column::Id)
                .into(),
        )
        .join(
            JoinType::InnerJoin,
            line::Entity::belongs_to(product::Entity)
                .from(L::ProductId)
                .to(product::Column::Id)
                .into(),
        )
        .join(
            JoinType::InnerJoin,
            line::Entity::belongs_to(region::Entity)
                .from(L::CustomerRegionId)
                .to(region::Column::Id)
                .into(),
        )
}

fn filtered(mut select: Select<line::Entity>, filter: &LineFilter) -> Select<line::Entity> {
    use line::Column as L;
    if let Some(id) = filter.partner_id {
        select = select.filter(L::PartnerId.eq(id));
    }
    if let Some(from) = filter.from {
        select = select.filter(L::Date.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(L::Date.lte(to));
    }
    if let Some(id) = filter.product_id {
        select = select.filter(L::ProductId.eq(id));
    }
    if let Some(path) = &filter.region_path {
        select = select.filter(within(path));
    }
    select
}

/// A page of lines of partners in scope, newest first.
pub async fn list_lines(
    db: &impl ConnectionTrait,
    scope: DataScope,
    filter: &LineFilter,
    page: PageRequest,
) -> Result<Page<LineRow>, StoreError> {
    let select = filtered(restrict(rows(), scope, line::Column::PartnerId), filter);
    page_of(db, select, page).await
}

/// A page of one partner's lines, newest first.
pub async fn lines_of(
    db: &impl ConnectionTrait,
    partner: &Visible,
    filter: &LineFilter,
    page: PageRequest,
) -> Result<Page<LineRow>, StoreError> {
    let filter = LineFilter {
        partner_id: Some(partner.id().0),
        ..filter.clone()
    };
    page_of(db, filtered(rows(), &filter), page).await
}

async fn page_of(
    db: &impl ConnectionTrait,
    select: Select<line::Entity>,
    page: PageRequest,
) -> Result<Page<LineRow>, StoreError> {
    let paginator = select
        .order_by_desc(line::Column::Date)
        .order_by_desc(line::Column::Id)
        .into_model::<LineRow>()
        .paginate(db, page.per_page);
    let items = paginator.fetch_page(page.page - 1).await?;
    let total = match crate::paging::known_total(page, items.len()) {
        Some(total) => total,
        None => paginator.num_items().await?,
    };
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}
