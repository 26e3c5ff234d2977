//! A page of the partner list in one statement: the rows, the total as an
//! uncorrelated subquery (computed once per statement), each row's parent
//! code (when the scope sees the parent) and home region code.
//!
//! Not `COUNT(*) OVER ()`: a window makes SQLite materialise and sort every
//! matching row before the limit applies, where the page alone walks the
//! sort column's index and stops after `per_page` rows.
//!
//! The same page used to be four statements (count, page, parent codes,
//! region codes); on SQLite each is a round trip to the connection's worker
//! thread, which cost more than the reads.

use sea_orm::sea_query::{Alias, Condition, Expr, JoinType, SubQueryStatement};
use sea_orm::{
    ConnectionTrait, ExprTrait, FromQueryResult, PaginatorTrait, QuerySelect, QueryTrait,
};

use super::{PartnerFilter, PartnerSort, filtered, partner, scope_condition_on};
use crate::paging::{Page, PageRequest, SortDir};
use crate::{DataScope, StoreError};

/// A listed partner with the codes a list shows for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub row: partner::Model,
    /// Absent for depth 1 or when the scope does not see the parent.
    pub parent_code: Option<String>,
    pub region_code: Option<String>,
}

const PARENT: &str = "list_parent";
const HOME: &str = "list_region";

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
    QueryTrait::query(&mut select)
        .join_as(
            JoinType::LeftJoin,
            partner::Entity,
            Alias::new(PARENT),
            Condition::all()
                .add(
                    Expr::col((Alias::new(PARENT), partner::Column::Id))
                        .equals((partner::Entity, partner::Column::ParentId)),
                )
                .add(scope_condition_on(Alias::new(PARENT), scope)),
        )
        .join_as(
            JoinType::LeftJoin,
            Alias::new("regions"),
            Alias::new(HOME),
            Expr::col((Alias::new(HOME), Alias::new("id")))
                .equals((partner::Entity, partner::Column::RegionId)),
        )
        .expr_as(
            Expr::col((Alias::new(PARENT), partner::Column::Code)),
            Alias::new("parent_code"),
        )
        .expr_as(
            Expr::col((Alias::new(HOME), Alias::new("code"))),
            Alias::new("region_code"),
        )
        .expr_as(
            Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(count))),
            Alias::new("list_total"),
        );
    let select = select
        .limit(page.per_page)
        .offset((page.page - 1) * page.per_page);
    let rows = db.query_all_raw(select.build(backend)).await?;
    let mut total = None;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        total = Some(row.try_get::<i64>("", "list_total")?);
        items.push(Listed {
            parent_code: row.try_get("", "parent_code")?,
            region_code: row.try_get("", "region_code")?,
            row: partner::Model::from_query_result(&row, "")?,
        });
    }
    let total = match total {
        Some(total) => u64::try_from(total).unwrap_or_default(),
        // A page past the end has no row to carry the count.
        None if page.page > 1 => base.count(db).await?,
        None => 0,
    };
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}
