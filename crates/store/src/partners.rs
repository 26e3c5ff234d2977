//! Partners and the distribution tree, always read through a [`DataScope`].

use sea_orm::ExprTrait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::paging::{Page, PageRequest, SortDir, fetch};
use crate::{DataScope, StoreError};

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
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
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

/// The SQL condition that keeps a query on `partners` inside a scope. The
/// tree is a materialised path, so "a partner and all below it" is a prefix
/// match on `path`.
///
/// Custom SQL marks its parameter with the backend's own placeholder, which
/// sea-query then binds in place.
pub fn scope_condition(backend: DatabaseBackend, scope: DataScope) -> Expr {
    let param = if backend == DatabaseBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    match scope {
        DataScope::All => Expr::cust("1 = 1"),
        DataScope::Nothing => Expr::cust("1 = 0"),
        DataScope::Partner(id) => Expr::col((partner::Entity, partner::Column::Id)).eq(id.0),
        DataScope::PartnerTree(id) => Expr::cust_with_values(
            format!(
                "partners.path LIKE (SELECT top.path FROM partners top WHERE top.id = {param}) || '%'"
            ),
            [id.0],
        ),
        DataScope::Owned(user) => Expr::cust_with_values(
            format!(
                "EXISTS (SELECT 1 FROM partners top WHERE top.owner_id = {param} \
                 AND partners.path LIKE top.path || '%')"
            ),
            [user.0],
        ),
    }
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
    pub partner_type: &'a str,
    pub parent: Option<&'a partner::Model>,
    pub owner_id: Option<i64>,
    pub status: &'a str,
    /// Login of whoever creates it, for the first line of its status history.
    pub created_by: &'a str,
}

/// Inserts a partner and places it in the tree. The path needs the new id, so
/// the row is written and then completed; callers run this in a transaction.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewPartner<'_>,
    position: impl FnOnce(i64) -> Result<(String, i32), qudao_domain::Invalid>,
) -> Result<Result<partner::Model, qudao_domain::Invalid>, StoreError> {
    let now = crate::now();
    let row = partner::ActiveModel {
        code: Set(new.code.to_owned()),
        name: Set(new.name.to_owned()),
        partner_type: Set(new.partner_type.to_owned()),
        parent_id: Set(new.parent.map(|p| p.id)),
        depth: Set(0),
        path: Set(String::new()),
        owner_id: Set(new.owner_id),
        status: Set(new.status.to_owned()),
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
    let mut row: partner::ActiveModel = row.into();
    row.path = Set(path);
    row.depth = Set(depth);
    Ok(Ok(row.update(db).await?))
}

pub async fn find_by_code(
    db: &impl ConnectionTrait,
    scope: DataScope,
    code: &str,
) -> Result<Option<partner::Model>, StoreError> {
    Ok(partner::Entity::find()
        .filter(partner::Column::Code.eq(code))
        .filter(scope_condition(db.get_database_backend(), scope))
        .one(db)
        .await?)
}

pub async fn find_by_id(
    db: &impl ConnectionTrait,
    scope: DataScope,
    id: i64,
) -> Result<Option<partner::Model>, StoreError> {
    Ok(partner::Entity::find_by_id(id)
        .filter(scope_condition(db.get_database_backend(), scope))
        .one(db)
        .await?)
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
    db: &impl ConnectionTrait,
    row: partner::Model,
    to: &str,
    reason: &str,
    changed_by: &str,
) -> Result<partner::Model, StoreError> {
    let now = crate::now();
    status_change::ActiveModel {
        partner_id: Set(row.id),
        from_status: Set(Some(row.status.clone())),
        to_status: Set(to.to_owned()),
        reason: Set(reason.to_owned()),
        changed_by: Set(changed_by.to_owned()),
        changed_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let mut active: partner::ActiveModel = row.into();
    active.status = Set(to.to_owned());
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

/// A partner's status history, oldest first.
pub async fn status_history(
    db: &impl ConnectionTrait,
    partner_id: i64,
) -> Result<Vec<status_change::Model>, StoreError> {
    Ok(status_change::Entity::find()
        .filter(status_change::Column::PartnerId.eq(partner_id))
        .order_by_asc(status_change::Column::ChangedAt)
        .order_by_asc(status_change::Column::Id)
        .all(db)
        .await?)
}

#[derive(Debug, Clone, Default)]
pub struct PartnerFilter {
    pub text: Option<String>,
    pub partner_type: Option<String>,
    pub status: Option<String>,
    pub depth: Option<i32>,
    pub parent_id: Option<i64>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    scope: DataScope,
    filter: &PartnerFilter,
    sort: PartnerSort,
    dir: SortDir,
    page: PageRequest,
) -> Result<Page<partner::Model>, StoreError> {
    let mut select =
        partner::Entity::find().filter(scope_condition(db.get_database_backend(), scope));
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
    let column = match sort {
        PartnerSort::Code => partner::Column::Code,
        PartnerSort::Name => partner::Column::Name,
        PartnerSort::PartnerType => partner::Column::PartnerType,
        PartnerSort::Depth => partner::Column::Depth,
        PartnerSort::Status => partner::Column::Status,
        PartnerSort::CreatedAt => partner::Column::CreatedAt,
    };
    let select = select
        .order_by(column, dir.order())
        .order_by_asc(partner::Column::Id);
    fetch(db, select, page).await
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
        .filter(scope_condition(db.get_database_backend(), scope))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?;
    Ok(rows)
}

#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct TypeCount {
    pub partner_type: String,
    pub partners: i64,
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
        .filter(scope_condition(db.get_database_backend(), scope))
        .group_by(partner::Column::PartnerType)
        .order_by_asc(partner::Column::PartnerType)
        .into_model::<TypeCount>()
        .all(db)
        .await?)
}
