//! Partners and the distribution tree, always read through a [`DataScope`].

use sea_orm::ExprTrait;
use sea_orm::sea_query::{
    Alias, BinOper, CommonTableExpression, Expr, IntoIden, JoinType, Query, SubQueryStatement,
    UnionType, WithClause,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::error::read;
use crate::paging::{Page, PageRequest, SortDir, fetch};
use crate::scope::Visible;
use crate::write::WriteTx;
use crate::{DataScope, StoreError};
use qudao_domain::money::Currency;
use qudao_domain::partners::{PartnerStatus, PartnerType};

mod detail;
mod listing;
pub use detail::{Child, Detail, detail};
pub use listing::{Listed, list_page};

/// Joins a partner's parent (only when the scope sees it, else nothing, so
/// a hidden parent is not named) and its home region under the aliases
/// given, and selects `parent_code`, `parent_name`, `region_code`,
/// `region_name` and `region_name_en`: what a partner's page and a list
/// row show beside it.
fn join_parent_and_home(
    query: &mut sea_orm::sea_query::SelectStatement,
    scope: DataScope,
    parent: &str,
    home: &str,
) {
    query
        .join_as(
            JoinType::LeftJoin,
            partner::Entity,
            Alias::new(parent),
            sea_orm::Condition::all()
                .add(
                    Expr::col((Alias::new(parent), partner::Column::Id))
                        .equals((partner::Entity, partner::Column::ParentId)),
                )
                .add(scope_condition_on(Alias::new(parent), scope)),
        )
        .join_as(
            JoinType::LeftJoin,
            Alias::new("regions"),
            Alias::new(home),
            Expr::col((Alias::new(home), Alias::new("id")))
                .equals((partner::Entity, partner::Column::RegionId)),
        );
    for (table, column, alias) in [
        (parent, "code", "parent_code"),
        (parent, "name", "parent_name"),
        (home, "code", "region_code"),
        (home, "name", "region_name"),
        (home, "name_en", "region_name_en"),
    ] {
        query.expr_as(
            Expr::col((Alias::new(table), Alias::new(column))),
            Alias::new(alias),
        );
    }
}

pub mod partner {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "partners")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub code: String,
        pub name: String,
        pub partner_type: String,
        pub parent_id: Option<i64>,
        pub depth: i32,
        pub path: String,
        pub owner_id: Option<i64>,
        pub status: String,
        pub region_id: Option<i64>,
        pub address: Option<String>,
        /// Minor units of `currency`.
        pub credit_limit: Option<i64>,
        pub currency: String,
        /// Set through `grades` (with its history), never by a partner edit.
        pub grade_id: Option<i64>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod contact {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "partner_contacts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub partner_id: i64,
        pub name: String,
        pub role: String,
        pub phone: Option<String>,
        pub email: Option<String>,
        pub birthday: Option<Date>,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod status_change {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "partner_status_history")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub partner_id: i64,
        pub from_status: Option<String>,
        pub to_status: String,
        pub reason: String,
        pub changed_by: String,
        pub changed_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

// The typed boundary: stored text becomes a domain value here, or an error
// naming the table, the row and the value. Never a default.
// A partner row read whole or in part (a page's nested children) goes
// through the same two readers.
fn partner_type_of(id: i64, text: &str) -> Result<PartnerType, StoreError> {
    read("partners", id, "partner_type", text, PartnerType::parse)
}

fn status_of(id: i64, text: &str) -> Result<PartnerStatus, StoreError> {
    read("partners", id, "status", text, PartnerStatus::parse)
}

impl partner::Model {
    pub fn partner_type(&self) -> Result<PartnerType, StoreError> {
        partner_type_of(self.id, &self.partner_type)
    }

    pub fn status(&self) -> Result<PartnerStatus, StoreError> {
        status_of(self.id, &self.status)
    }

    pub fn currency(&self) -> Result<Currency, StoreError> {
        read(
            "partners",
            self.id,
            "currency",
            &self.currency,
            Currency::parse,
        )
    }
}

impl status_change::Model {
    pub fn from_status(&self) -> Result<Option<PartnerStatus>, StoreError> {
        self.from_status
            .as_deref()
            .map(|value| {
                read(
                    "partner_status_history",
                    self.id,
                    "from_status",
                    value,
                    PartnerStatus::parse,
                )
            })
            .transpose()
    }

    pub fn to_status(&self) -> Result<PartnerStatus, StoreError> {
        read(
            "partner_status_history",
            self.id,
            "to_status",
            &self.to_status,
            PartnerStatus::parse,
        )
    }
}

/// The SQL condition that keeps a query on `partners` inside a scope.
pub fn scope_condition(scope: DataScope) -> Expr {
    scope_condition_on(partner::Entity, scope)
}

/// The scope condition on the partners table as `table` names it in the
/// query (its own name, or an alias when it is joined under another one).
///
/// "One partner and all below it" is a prefix match of `path` against that
/// partner's path; "the partners a user covers and all below them" is a walk
/// down `parent_id` from the tops (see `Covered`). The subqueries use aliases
/// of their own so that they never capture the outer table, and each starts
/// from an indexed column (`id`, `owner_id`, `user_regions.user_id`,
/// `region_id`, `parent_id`).
pub fn scope_condition_on(table: impl IntoIden, scope: DataScope) -> Expr {
    let table = table.into_iden();
    let outer = |column: partner::Column| Expr::col((table.clone(), column));
    match scope {
        DataScope::All => Expr::cust("1 = 1"),
        DataScope::Nothing => Expr::cust("1 = 0"),
        DataScope::Partner(id) => outer(partner::Column::Id).eq(id.0),
        DataScope::PartnerTree(id) => Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from_as(partner::Entity, TOP)
                .and_where(Expr::col((TOP, partner::Column::Id)).eq(id.0))
                .and_where(under(outer(partner::Column::Path)))
                .to_owned(),
        ),
        DataScope::Covered(user) => {
            // Regions inside a covered region: a region path that starts
            // with the covered region's path.
            let covered_regions = Query::select()
                .column((REGION, Alias::new("id")))
                .from_as(Alias::new("user_regions"), COVER)
                .join_as(
                    JoinType::InnerJoin,
                    Alias::new("regions"),
                    COVERED,
                    Expr::col((COVERED, Alias::new("id"))).equals((COVER, Alias::new("region_id"))),
                )
                .join_as(
                    JoinType::InnerJoin,
                    Alias::new("regions"),
                    REGION,
                    Expr::col((REGION, Alias::new("path"))).binary(
                        BinOper::Like,
                        prefix_of(Expr::col((COVERED, Alias::new("path")))),
                    ),
                )
                .and_where(Expr::col((COVER, Alias::new("user_id"))).eq(user.0))
                .to_owned();
            // Every partner below a top one, found once by walking down
            // `parent_id` (indexed) from the tops: a recursive common table
            // expression in an uncorrelated `IN`, so the set is computed once
            // per query, whatever the number of tops. The two kinds of top
            // are two selects of the union: SQLite 3.51 loses rows when an
            // `OR` of the two drives an `EXISTS`.
            let top = |condition: Expr| {
                Query::select()
                    .column((TOP, partner::Column::Id))
                    .from_as(partner::Entity, TOP)
                    .and_where(condition)
                    .to_owned()
            };
            let step = Query::select()
                .column((CHILD, partner::Column::Id))
                .from_as(partner::Entity, CHILD)
                .join(
                    JoinType::InnerJoin,
                    Alias::new(DOWN),
                    Expr::col((CHILD, partner::Column::ParentId))
                        .equals((Alias::new(DOWN), Alias::new("id"))),
                )
                .to_owned();
            let body = top(Expr::col((TOP, partner::Column::OwnerId)).eq(user.0))
                .union(
                    UnionType::Distinct,
                    top(Expr::col((TOP, partner::Column::RegionId)).in_subquery(covered_regions)),
                )
                .union(UnionType::Distinct, step)
                .to_owned();
            let down = CommonTableExpression::new()
                .query(body)
                .column(Alias::new("id"))
                .table_name(Alias::new(DOWN))
                .to_owned();
            let below = Query::select()
                .column(Alias::new("id"))
                .from(Alias::new(DOWN))
                .to_owned()
                .with(WithClause::new().recursive(true).cte(down).to_owned());
            outer(partner::Column::Id).binary(
                BinOper::In,
                Expr::SubQuery(None, Box::new(SubQueryStatement::WithStatement(below))),
            )
        }
    }
}

const TOP: &str = "scope_top";
const CHILD: &str = "scope_child";
const DOWN: &str = "scope_down";
const COVER: &str = "scope_cover";
const COVERED: &str = "scope_covered";
const REGION: &str = "scope_region";

/// `path || '%'`: the LIKE pattern of everything under a materialised path.
fn prefix_of(path: Expr) -> Expr {
    path.binary(BinOper::Custom("||"), Expr::val("%"))
}

/// The outer partner's path lies under the top partner's (or is it).
fn under(path: Expr) -> Expr {
    path.binary(
        BinOper::Like,
        prefix_of(Expr::col((TOP, partner::Column::Path))),
    )
}

/// A LIKE pattern that finds `text` anywhere, with the user's own `%` and `_`
/// taken literally.
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped: String = text
        .chars()
        .filter(|c| !matches!(c, '%' | '_' | '\\'))
        .collect();
    format!("%{escaped}%")
}

pub struct NewPartner<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub partner_type: PartnerType,
    pub parent: Option<&'a Visible>,
    pub owner_id: Option<i64>,
    pub status: PartnerStatus,
    pub record: &'a PartnerRecord,
    /// Login of whoever creates it, for the first line of its status history.
    pub created_by: &'a str,
}

/// The descriptive part of a partner record that a form or an import sets
/// as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerRecord {
    pub region_id: Option<i64>,
    pub address: Option<String>,
    pub credit_limit: Option<i64>,
    pub currency: Currency,
}

/// Inserts a partner and places it in the tree. The path needs the new id, so
/// the row is written and then completed, in the caller's write transaction.
/// The new partner is handed back as [`Visible`]: the caller has just
/// written it.
pub async fn insert(
    db: &WriteTx,
    new: NewPartner<'_>,
    position: impl FnOnce(i64) -> Result<(String, i32), qudao_domain::Invalid>,
) -> Result<Result<Visible, qudao_domain::Invalid>, StoreError> {
    let now = crate::now();
    let row = partner::ActiveModel {
        code: Set(new.code.to_owned()),
        name: Set(new.name.to_owned()),
        partner_type: Set(new.partner_type.as_str().to_owned()),
        parent_id: Set(new.parent.map(|p| p.id().0)),
        depth: Set(0),
        path: Set(String::new()),
        owner_id: Set(new.owner_id),
        status: Set(new.status.as_str().to_owned()),
        region_id: Set(new.record.region_id),
        address: Set(new.record.address.clone()),
        credit_limit: Set(new.record.credit_limit),
        currency: Set(new.record.currency.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let (path, depth) = match position(row.id) {
        Ok(position) => position,
        Err(invalid) => return Ok(Err(invalid)),
    };
    status_change::ActiveModel {
        partner_id: Set(row.id),
        from_status: Set(None),
        to_status: Set(row.status.clone()),
        reason: Set(String::new()),
        changed_by: Set(new.created_by.to_owned()),
        changed_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    crate::owner_moves::record(
        db,
        row.id,
        &crate::owner_moves::OwnerMove {
            owner_id: row.owner_id,
            from: now.date_naive(),
            changed_by: new.created_by,
        },
    )
    .await?;
    let mut row: partner::ActiveModel = row.into();
    row.path = Set(path);
    row.depth = Set(depth);
    Ok(Ok(Visible::found(row.update(db).await?)))
}

/// Writes partners already placed in the tree (their ids allocated by
/// `bulk::allocate_ids` and their paths computed from them, so each row is
/// written once, complete) and the first line of each one's status history,
/// in batches. Rows must come parents first: each batch's
/// foreign keys are checked when its statement ends.
pub async fn insert_placed(
    db: &WriteTx,
    rows: &[partner::Model],
    created_by: &str,
) -> Result<(), StoreError> {
    crate::bulk::insert(
        db,
        "partners",
        &[
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
        ],
        rows.iter()
            .map(|r| {
                vec![
                    r.id.into(),
                    r.code.as_str().into(),
                    r.name.as_str().into(),
                    r.partner_type.as_str().into(),
                    r.parent_id.into(),
                    r.depth.into(),
                    r.path.as_str().into(),
                    r.owner_id.into(),
                    r.status.as_str().into(),
                    r.region_id.into(),
                    r.address.clone().into(),
                    r.credit_limit.into(),
                    r.currency.as_str().into(),
                    r.grade_id.into(),
                    r.created_at.into(),
                    r.updated_at.into(),
                ]
            })
            .collect(),
    )
    .await?;
    crate::bulk::insert(
        db,
        "partner_status_history",
        &[
            "partner_id",
            "from_status",
            "to_status",
            "reason",
            "changed_by",
            "changed_at",
        ],
        rows.iter()
            .map(|r| {
                vec![
                    r.id.into(),
                    Option::<String>::None.into(),
                    r.status.as_str().into(),
                    "".into(),
                    created_by.into(),
                    r.created_at.into(),
                ]
            })
            .collect(),
    )
    .await?;
    crate::owner_moves::record_first_many(db, rows, created_by).await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartnerSort {
    #[default]
    Code,
    Name,
    PartnerType,
    Depth,
    Status,
    CreatedAt,
}

crate::paging::sort_keys!(PartnerSort {
    Code => "code",
    Name => "name",
    PartnerType => "partner_type",
    Depth => "depth",
    Status => "status",
    CreatedAt => "created_at",
});

/// Records a status change: the partner's status and a history row, written
/// together in the caller's transaction.
pub async fn set_status(
    db: &WriteTx,
    partner: Visible,
    to: PartnerStatus,
    reason: &str,
    changed_by: &str,
) -> Result<Visible, StoreError> {
    let now = crate::now();
    let row = partner.row().clone();
    status_change::ActiveModel {
        partner_id: Set(row.id),
        from_status: Set(Some(row.status.clone())),
        to_status: Set(to.as_str().to_owned()),
        reason: Set(reason.to_owned()),
        changed_by: Set(changed_by.to_owned()),
        changed_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let mut active: partner::ActiveModel = row.into();
    active.status = Set(to.as_str().to_owned());
    active.updated_at = Set(now);
    Ok(partner.replaced(active.update(db).await?))
}

/// A partner's status history, oldest first.
#[derive(Debug, Clone, Default)]
pub struct PartnerFilter {
    pub text: Option<String>,
    pub partner_type: Option<String>,
    pub status: Option<String>,
    pub depth: Option<i32>,
    pub parent_id: Option<i64>,
    /// Partners whose home region is this one or lies inside it.
    pub region_code: Option<String>,
    /// Partners holding this grade.
    pub grade_code: Option<String>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    scope: DataScope,
    filter: &PartnerFilter,
    sort: PartnerSort,
    dir: SortDir,
    page: PageRequest,
) -> Result<Page<partner::Model>, StoreError> {
    let select = filtered(db.get_database_backend(), scope, filter, sort, dir);
    fetch(db, select, page).await
}

/// The partners in scope matching `filter`, in order, without paging.
fn filtered(
    backend: DatabaseBackend,
    scope: DataScope,
    filter: &PartnerFilter,
    sort: PartnerSort,
    dir: SortDir,
) -> sea_orm::Select<partner::Entity> {
    let mut select = partner::Entity::find().filter(scope_condition(scope));
    if let Some(text) = &filter.text {
        let pattern = like_pattern(text);
        select = select.filter(
            Expr::col((partner::Entity, partner::Column::Code))
                .like(pattern.to_uppercase())
                .or(Expr::col((partner::Entity, partner::Column::Name)).like(pattern)),
        );
    }
    if let Some(kind) = &filter.partner_type {
        select = select.filter(partner::Column::PartnerType.eq(kind.as_str()));
    }
    if let Some(status) = &filter.status {
        select = select.filter(partner::Column::Status.eq(status.as_str()));
    }
    if let Some(depth) = filter.depth {
        select = select.filter(partner::Column::Depth.eq(depth));
    }
    if let Some(parent_id) = filter.parent_id {
        select = select.filter(partner::Column::ParentId.eq(parent_id));
    }
    let param = if backend == DatabaseBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    if let Some(region) = &filter.region_code {
        // People type a region's name (上海, Shanghai) as often as its code;
        // either finds the region and everything inside it.
        let params: Vec<String> = if param == "?" {
            vec!["?".into(); 3]
        } else {
            (1..=3).map(|n| format!("${n}")).collect()
        };
        let pattern = like_pattern(region.trim());
        select = select.filter(Expr::cust_with_values(
            format!(
                "partners.region_id IN (SELECT inside.id FROM regions inside \
                 JOIN regions r ON inside.path LIKE r.path || '%' \
                 WHERE r.code = {} OR r.name LIKE {} OR LOWER(r.name_en) LIKE {})",
                params[0], params[1], params[2]
            ),
            [
                region.trim().to_uppercase(),
                pattern.clone(),
                pattern.to_lowercase(),
            ],
        ));
    }
    if let Some(grade) = &filter.grade_code {
        select = select.filter(Expr::cust_with_values(
            format!("partners.grade_id IN (SELECT g.id FROM grades g WHERE g.code = {param})"),
            [grade.to_lowercase()],
        ));
    }
    select
        .order_by(sort_column(sort), dir.order())
        .order_by_asc(partner::Column::Id)
}

fn sort_column(sort: PartnerSort) -> partner::Column {
    match sort {
        PartnerSort::Code => partner::Column::Code,
        PartnerSort::Name => partner::Column::Name,
        PartnerSort::PartnerType => partner::Column::PartnerType,
        PartnerSort::Depth => partner::Column::Depth,
        PartnerSort::Status => partner::Column::Status,
        PartnerSort::CreatedAt => partner::Column::CreatedAt,
    }
}

/// Codes of the given partner ids that the scope can see, for showing parents.
pub async fn codes_of(
    db: &impl ConnectionTrait,
    scope: DataScope,
    ids: &[i64],
) -> Result<Vec<(i64, String)>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = partner::Entity::find()
        .select_only()
        .column(partner::Column::Id)
        .column(partner::Column::Code)
        .filter(partner::Column::Id.is_in(ids.iter().copied()))
        .filter(scope_condition(scope))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?;
    Ok(rows)
}

/// Codes and names of the given partner ids that the scope can see, for
/// showing parents (or a list's thousands of subjects) by name; a query
/// per thousand ids.
pub async fn names_of(
    db: &impl ConnectionTrait,
    scope: DataScope,
    ids: &[i64],
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        found.extend(
            partner::Entity::find()
                .select_only()
                .column(partner::Column::Id)
                .column(partner::Column::Code)
                .column(partner::Column::Name)
                .filter(partner::Column::Id.is_in(chunk.iter().copied()))
                .filter(scope_condition(scope))
                .into_tuple::<(i64, String, String)>()
                .all(db)
                .await?,
        );
    }
    Ok(found)
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct TypeCount {
    pub partner_type: String,
    pub partners: i64,
    /// The lowest id of a partner of this type, so that a type this program
    /// does not know is reported with a row to look at.
    pub first_id: i64,
}

impl TypeCount {
    pub fn partner_type(&self) -> Result<PartnerType, StoreError> {
        read(
            "partners",
            self.first_id,
            "partner_type",
            &self.partner_type,
            PartnerType::parse,
        )
    }
}

/// How many partners of each type the scope holds.
pub async fn count_by_type(
    db: &impl ConnectionTrait,
    scope: DataScope,
) -> Result<Vec<TypeCount>, StoreError> {
    Ok(partner::Entity::find()
        .select_only()
        .column(partner::Column::PartnerType)
        .column_as(
            Expr::col((partner::Entity, partner::Column::Id)).count(),
            "partners",
        )
        .column_as(
            Expr::col((partner::Entity, partner::Column::Id)).min(),
            "first_id",
        )
        .filter(scope_condition(scope))
        .group_by(partner::Column::PartnerType)
        .order_by_asc(partner::Column::PartnerType)
        .into_model::<TypeCount>()
        .all(db)
        .await?)
}

/// Changes a partner's descriptive fields in the caller's transaction, and
/// its owner when `owner` says so, with the change's row in its owner
/// history (`owner_moves`), so the two never disagree.
pub async fn update_record(
    db: &WriteTx,
    partner: Visible,
    name: &str,
    partner_type: PartnerType,
    owner: Option<&crate::owner_moves::OwnerMove<'_>>,
    record: &PartnerRecord,
) -> Result<Visible, StoreError> {
    let mut active: partner::ActiveModel = partner.row().clone().into();
    active.name = Set(name.to_owned());
    active.partner_type = Set(partner_type.as_str().to_owned());
    if let Some(change) = owner {
        active.owner_id = Set(change.owner_id);
        crate::owner_moves::record(db, partner.id().0, change).await?;
    }
    active.region_id = Set(record.region_id);
    active.address = Set(record.address.clone());
    active.credit_limit = Set(record.credit_limit);
    active.currency = Set(record.currency.as_str().to_owned());
    active.updated_at = Set(crate::now());
    Ok(partner.replaced(active.update(db).await?))
}

/// The deepest level in the subtree rooted at the partner with `path`.
pub async fn subtree_max_depth(db: &impl ConnectionTrait, path: &str) -> Result<i32, StoreError> {
    let depth = partner::Entity::find()
        .select_only()
        .column_as(Expr::col(partner::Column::Depth).max(), "depth")
        .filter(partner::Column::Path.starts_with(path))
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?;
    Ok(depth.flatten().unwrap_or(0))
}

/// Moves a partner and everything below it under a new parent (or to the
/// top): one statement rewrites the path prefix and shifts the depth of the
/// whole subtree, so the tree is never half-moved.
pub async fn move_subtree(
    db: &WriteTx,
    partner: Visible,
    new_parent: Option<&Visible>,
    new_path: &str,
    new_depth: i32,
) -> Result<Visible, StoreError> {
    let row = partner.row();
    let backend = db.get_database_backend();
    let (p1, p2, p3, p4) = if backend == DatabaseBackend::Postgres {
        ("$1", "$2", "$3", "$4")
    } else {
        ("?", "?", "?", "?")
    };
    let old_path = row.path.clone();
    let old_len = i32::try_from(old_path.chars().count()).unwrap_or(i32::MAX);
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        format!(
            "UPDATE partners SET path = {p1} || substr(path, {p2} + 1), depth = depth + {p3} \
             WHERE path LIKE {p4} || '%'"
        ),
        [
            new_path.into(),
            old_len.into(),
            (new_depth - row.depth).into(),
            old_path.into(),
        ],
    ))
    .await?;
    let mut active: partner::ActiveModel = row.clone().into();
    active.parent_id = Set(new_parent.map(|p| p.id().0));
    active.path = Set(new_path.to_owned());
    active.depth = Set(new_depth);
    active.updated_at = Set(crate::now());
    let row = active.update(db).await?;
    Ok(partner.replaced(row))
}

pub struct NewContact<'a> {
    pub name: &'a str,
    pub role: &'a str,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub birthday: Option<chrono::NaiveDate>,
}

pub async fn insert_contact(
    db: &WriteTx,
    partner: &Visible,
    new: NewContact<'_>,
) -> Result<contact::Model, StoreError> {
    Ok(contact::ActiveModel {
        partner_id: Set(partner.id().0),
        name: Set(new.name.to_owned()),
        role: Set(new.role.to_owned()),
        phone: Set(new.phone.map(str::to_owned)),
        email: Set(new.email.map(str::to_owned)),
        birthday: Set(new.birthday),
        created_at: Set(crate::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Removes one contact of one partner; false when it was not there.
pub async fn delete_contact(
    db: &WriteTx,
    partner: &Visible,
    contact_id: i64,
) -> Result<Option<contact::Model>, StoreError> {
    let found = contact::Entity::find_by_id(contact_id)
        .filter(contact::Column::PartnerId.eq(partner.id().0))
        .one(db)
        .await?;
    if let Some(found) = &found {
        contact::Entity::delete_by_id(found.id).exec(db).await?;
    }
    Ok(found)
}

/// Which of these codes are already taken, whoever's scope they are in:
/// a code is unique in the whole table.
pub async fn taken_codes(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut taken = Vec::new();
    // Bounded batches keep each statement under both databases' parameter limits.
    for chunk in codes.chunks(500) {
        taken.extend(
            partner::Entity::find()
                .select_only()
                .column(partner::Column::Code)
                .filter(partner::Column::Code.is_in(chunk.iter().cloned()))
                .into_tuple::<String>()
                .all(db)
                .await?,
        );
    }
    Ok(taken)
}

/// Sets a partner's credit limit (minor units of its currency; `None` for no
/// limit), nothing else, in the caller's transaction.
pub async fn set_credit_limit(
    db: &WriteTx,
    partner: Visible,
    credit_limit: Option<i64>,
) -> Result<Visible, StoreError> {
    let mut active: partner::ActiveModel = partner.row().clone().into();
    active.credit_limit = Set(credit_limit);
    active.updated_at = Set(crate::now());
    Ok(partner.replaced(active.update(db).await?))
}

/// Sets the one field an approved change request names.
pub async fn set_requested_field(
    db: &WriteTx,
    partner: Visible,
    field: qudao_domain::partner_changes::ChangeField,
    value: Option<&str>,
) -> Result<Visible, StoreError> {
    use qudao_domain::partner_changes::ChangeField;
    let mut active: partner::ActiveModel = partner.row().clone().into();
    match field {
        // The domain's parser refuses an empty name before it gets here.
        ChangeField::Name => active.name = Set(value.unwrap_or_default().to_owned()),
        ChangeField::Address => active.address = Set(value.map(str::to_owned)),
    }
    active.updated_at = Set(crate::now());
    Ok(partner.replaced(active.update(db).await?))
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct StatusCount {
    pub status: String,
    pub partners: i64,
    pub first_id: i64,
}

impl StatusCount {
    pub fn status(&self) -> Result<PartnerStatus, StoreError> {
        read(
            "partners",
            self.first_id,
            "status",
            &self.status,
            PartnerStatus::parse,
        )
    }
}

/// How many partners of each status the scope holds.
pub async fn count_by_status(
    db: &impl ConnectionTrait,
    scope: DataScope,
) -> Result<Vec<StatusCount>, StoreError> {
    Ok(partner::Entity::find()
        .select_only()
        .column(partner::Column::Status)
        .column_as(
            Expr::col((partner::Entity, partner::Column::Id)).count(),
            "partners",
        )
        .column_as(
            Expr::col((partner::Entity, partner::Column::Id)).min(),
            "first_id",
        )
        .filter(scope_condition(scope))
        .group_by(partner::Column::Status)
        .into_model::<StatusCount>()
        .all(db)
        .await?)
}

/// Signed partners (active or suspended) in the scope with no contact on
/// record, by code: the first `page` of them and how many there are.
pub async fn without_contacts(
    db: &impl ConnectionTrait,
    scope: DataScope,
    page: PageRequest,
) -> Result<Page<partner::Model>, StoreError> {
    let with_contacts = Query::select()
        .expr(Expr::col((contact::Entity, contact::Column::PartnerId)))
        .from(contact::Entity)
        .to_owned();
    let select = partner::Entity::find()
        .filter(scope_condition(scope))
        .filter(partner::Column::Status.is_in(["active", "suspended"]))
        .filter(partner::Column::Id.not_in_subquery(with_contacts))
        .order_by_asc(partner::Column::Code);
    fetch(db, select, page).await
}

/// The partners in the scope with the largest credit limits, largest first
/// (amounts of different currencies are not compared: the list is by
/// currency, then amount).
pub async fn largest_credit_limits(
    db: &impl ConnectionTrait,
    scope: DataScope,
    page: PageRequest,
) -> Result<Page<partner::Model>, StoreError> {
    let select = partner::Entity::find()
        .filter(scope_condition(scope))
        .filter(partner::Column::CreditLimit.is_not_null())
        .order_by_asc(partner::Column::Currency)
        .order_by_desc(partner::Column::CreditLimit)
        .order_by_asc(partner::Column::Code);
    fetch(db, select, page).await
}

/// One contact of one partner; `None` when it is another partner's.
pub async fn contact(
    db: &impl ConnectionTrait,
    partner: &Visible,
    contact_id: i64,
) -> Result<Option<contact::Model>, StoreError> {
    Ok(contact::Entity::find_by_id(contact_id)
        .filter(contact::Column::PartnerId.eq(partner.id().0))
        .one(db)
        .await?)
}

/// Replaces a contact's fields; `None` when the id is not one of this
/// partner's contacts.
pub async fn update_contact(
    db: &WriteTx,
    partner: &Visible,
    contact_id: i64,
    new: NewContact<'_>,
) -> Result<Option<(contact::Model, contact::Model)>, StoreError> {
    let Some(before) = contact(db, partner, contact_id).await? else {
        return Ok(None);
    };
    let mut active: contact::ActiveModel = before.clone().into();
    active.name = Set(new.name.to_owned());
    active.role = Set(new.role.to_owned());
    active.phone = Set(new.phone.map(str::to_owned));
    active.email = Set(new.email.map(str::to_owned));
    active.birthday = Set(new.birthday);
    Ok(Some((before, active.update(db).await?)))
}
