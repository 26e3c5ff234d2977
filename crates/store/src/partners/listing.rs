//! A page of the partner list in one statement: the rows, the total as an
//! uncorrelated subquery (computed once per statement), each row's parent
//! code (when the scope sees the parent) and home region code.
//!
//! Not `COUNT(*) OVER ()`: a window makes SQLite materialise and sort every
//! matching row before the limit applies, where the page alone walks the
//! sort column's index and stops after `per_page` rows.
//!
//! The page comes back as one row, its partners a JSON array in the page's
//! order (see `crate::nested`): sqlx hands each SQLite row from the
//! connection's worker thread to the request's task as a message of its
//! own, and those 50 wake-ups cost more than the query.
//!
//! The same page used to be four statements (count, page, parent codes,
//! region codes); on SQLite each is a round trip to the connection's worker
//! thread, which cost more than the reads.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::sea_query::{Alias, Expr, SubQueryStatement};
use sea_orm::{ConnectionTrait, IdenStatic, QueryTrait};
use serde::Deserialize;

use super::{PartnerFilter, PartnerSort, filtered, join_parent_and_home, partner, sort_column};
use crate::nested;
use crate::paging::{Page, PageRequest, SortDir};
use crate::{DataScope, StoreError};

/// A listed partner with the codes a list shows for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub row: partner::Model,
    /// Absent for depth 1 or when the scope does not see the parent.
    pub parent_code: Option<String>,
    pub parent_name: Option<String>,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub region_name_en: Option<String>,
}

const PARENT: &str = "list_parent";
const HOME: &str = "list_region";
const PAGE: &str = "list_page";

/// The page's columns, as JSON keys and as the subquery names them.
const COLUMNS: &[&str] = &[
    "id",
    "code",
    "name",
    "partner_type",
    "parent_id",
    "depth",
    "path",
    "owner_id",
    "status",
    "region_id",
    "address",
    "credit_limit",
    "currency",
    "grade_id",
    "created_at",
    "updated_at",
    "parent_code",
    "parent_name",
    "region_code",
    "region_name",
    "region_name_en",
];

#[derive(Deserialize)]
struct Item {
    id: i64,
    code: String,
    name: String,
    partner_type: String,
    parent_id: Option<i64>,
    depth: i32,
    path: String,
    owner_id: Option<i64>,
    status: String,
    region_id: Option<i64>,
    address: Option<String>,
    credit_limit: Option<i64>,
    currency: String,
    grade_id: Option<i64>,
    #[serde(deserialize_with = "nested::instant")]
    created_at: DateTime<Utc>,
    #[serde(deserialize_with = "nested::instant")]
    updated_at: DateTime<Utc>,
    parent_code: Option<String>,
    parent_name: Option<String>,
    region_code: Option<String>,
    region_name: Option<String>,
    region_name_en: Option<String>,
}

impl Item {
    fn listed(self) -> Listed {
        Listed {
            row: partner::Model {
                id: self.id,
                code: self.code,
                name: self.name,
                partner_type: self.partner_type,
                parent_id: self.parent_id,
                depth: self.depth,
                path: self.path,
                owner_id: self.owner_id,
                status: self.status,
                region_id: self.region_id,
                address: self.address,
                credit_limit: self.credit_limit,
                currency: self.currency,
                grade_id: self.grade_id,
                created_at: self.created_at,
                updated_at: self.updated_at,
            },
            parent_code: self.parent_code,
            parent_name: self.parent_name,
            region_code: self.region_code,
            region_name: self.region_name,
            region_name_en: self.region_name_en,
        }
    }
}

/// One page of the partners in scope matching `filter`.
pub async fn list_page(
    db: &impl ConnectionTrait,
    scope: DataScope,
    filter: &PartnerFilter,
    sort: PartnerSort,
    dir: SortDir,
    page: PageRequest,
) -> Result<Page<Listed>, StoreError> {
    let backend = db.get_database_backend();
    let base = filtered(backend, scope, filter, sort, dir);
    let mut count = base.clone();
    let count = QueryTrait::query(&mut count)
        .clear_selects()
        .clear_order_by()
        .expr(Expr::cust("COUNT(*)"))
        .to_owned();
    let mut select = base.clone();
    join_parent_and_home(QueryTrait::query(&mut select), scope, PARENT, HOME);
    QueryTrait::query(&mut select)
        .limit(page.per_page)
        .offset((page.page - 1) * page.per_page);
    // The page's own order again, for the aggregate (a subquery's order
    // does not survive aggregation).
    let order = format!(
        "{PAGE}.{} {}, {PAGE}.id ASC",
        sort_column(sort).as_str(),
        match dir {
            SortDir::Asc => "ASC",
            SortDir::Desc => "DESC",
        }
    );
    let fields: Vec<(&str, String)> = COLUMNS
        .iter()
        .map(|c| (*c, format!("{PAGE}.{c}")))
        .collect();
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let outer = Query::select()
        .expr_as(
            Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(count))),
            Alias::new("list_total"),
        )
        .expr_as(
            nested::array(backend, &fields, &order),
            Alias::new("list_rows"),
        )
        .from_subquery(QueryTrait::into_query(select), Alias::new(PAGE))
        .to_owned();
    let row = db
        .query_one_raw(backend.build(&outer))
        .await?
        .ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotFound("list page".into())))?;
    let total = u64::try_from(row.try_get::<i64>("", "list_total")?).unwrap_or_default();
    let items = nested::read::<Item>("partner list", &row.try_get::<String>("", "list_rows")?)?
        .into_iter()
        .map(Item::listed)
        .collect();
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}
