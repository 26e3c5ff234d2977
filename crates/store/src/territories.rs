//! Regions (the geographic tree) and the territory rights partners hold in
//! them. Regions are reference data every signed-in user may read;
//! authorizations are read through the partner [`DataScope`].

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult,
    JoinType, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use sea_orm::{ExprTrait, Select};

use crate::error::read;
use crate::paging::{Page, PageRequest, SortDir, fetch};
use crate::partners::{like_pattern, partner};
use crate::scope::restrict;
use crate::{DataScope, StoreError};
use qudao_domain::dates::DateRange;
use qudao_domain::territories::{AuthorizationMode, RegionLevel};

pub mod region {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "regions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub code: String,
        pub name: String,
        pub name_en: Option<String>,
        pub level: String,
        pub parent_id: Option<i64>,
        pub depth: i32,
        pub path: String,
        pub builtin: bool,
        pub created_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod authorization {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "authorizations")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub code: String,
        pub partner_id: i64,
        pub region_id: i64,
        pub product_line: String,
        pub mode: String,
        pub valid_from: chrono::NaiveDate,
        pub valid_to: chrono::NaiveDate,
        pub ended_at: Option<DateTimeUtc>,
        pub ended_by: Option<String>,
        pub end_reason: Option<String>,
        pub created_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod selective_limit {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "selective_limits")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub product_line: String,
        pub max_partners: i32,
        pub updated_by: String,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

// ---------------------------------------------------------------------------
// Regions
// ---------------------------------------------------------------------------

pub async fn region_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<region::Model>, StoreError> {
    Ok(region::Entity::find()
        .filter(region::Column::Code.eq(code))
        .one(db)
        .await?)
}

/// `(name, code, path)` of every region whose Chinese or English name is
/// one of `names`; a name may come back with several regions (两个朝阳区).
pub async fn regions_named(
    db: &impl ConnectionTrait,
    names: &[String],
) -> Result<Vec<(String, String, String)>, StoreError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let found = region::Entity::find()
        .filter(
            region::Column::Name
                .is_in(names.iter().cloned())
                .or(region::Column::NameEn.is_in(names.iter().cloned())),
        )
        .all(db)
        .await?;
    Ok(found
        .into_iter()
        .flat_map(|r| {
            let (code, path) = (r.code, r.path);
            [Some(r.name), r.name_en]
                .into_iter()
                .flatten()
                .filter(|name| names.contains(name))
                .map(move |name| (name, code.clone(), path.clone()))
        })
        .collect())
}

/// The regions with these ids, outermost (shallowest) first.
pub async fn regions_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<region::Model>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(region::Entity::find()
        .filter(region::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(region::Column::Depth)
        .all(db)
        .await?)
}

/// Which part of the tree a region list shows.
#[derive(Debug, Clone, Default)]
pub struct RegionFilter {
    /// Only the children of this region (its id and path); `None` with no
    /// text: the roots.
    pub parent: Option<(i64, String)>,
    /// Text in the code or either name, anywhere in the tree (below
    /// `parent_id` when that is set too).
    pub text: Option<String>,
    /// Sort the roots by their English names (else by their Chinese ones).
    pub english_names: bool,
}

pub async fn list_regions(
    db: &impl ConnectionTrait,
    filter: &RegionFilter,
    page: PageRequest,
) -> Result<Page<region::Model>, StoreError> {
    let mut select = region::Entity::find();
    match (&filter.text, &filter.parent) {
        (None, None) => {
            // The roots are some 250 countries: China, where the channel
            // mostly is, comes first, then the rest by name as the reader
            // reads it (provinces and below keep their code order, which is
            // how Chinese lists them).
            let name = if filter.english_names {
                "COALESCE(regions.name_en, regions.name)"
            } else {
                "regions.name"
            };
            select = select
                .filter(region::Column::ParentId.is_null())
                .order_by(
                    Expr::cust("CASE WHEN regions.code = 'CN' THEN 0 ELSE 1 END"),
                    sea_orm::Order::Asc,
                )
                .order_by(Expr::cust(name), sea_orm::Order::Asc);
        }
        (None, Some((parent, _))) => select = select.filter(region::Column::ParentId.eq(*parent)),
        (Some(text), parent) => {
            let pattern = like_pattern(text);
            select = select.filter(
                Expr::col(region::Column::Code)
                    .like(pattern.to_uppercase())
                    .or(Expr::col(region::Column::Name).like(pattern.clone()))
                    .or(Expr::col(region::Column::NameEn).like(pattern)),
            );
            if let Some((parent, path)) = parent {
                select = select
                    .filter(within(path))
                    .filter(region::Column::Id.ne(*parent));
            }
        }
    }
    let select = select
        .order_by_asc(region::Column::Depth)
        .order_by_asc(region::Column::Code);
    fetch(db, select, page).await
}

pub struct NewRegion<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub name_en: Option<&'a str>,
    pub level: &'a str,
    pub parent: Option<&'a region::Model>,
}

/// Inserts a user's own region and places it in the tree (the path needs
/// the new id); callers run this in a transaction.
pub async fn insert_region(
    db: &crate::WriteTx,
    new: NewRegion<'_>,
) -> Result<region::Model, StoreError> {
    let row = region::ActiveModel {
        code: Set(new.code.to_owned()),
        name: Set(new.name.to_owned()),
        name_en: Set(new.name_en.map(str::to_owned)),
        level: Set(new.level.to_owned()),
        parent_id: Set(new.parent.map(|p| p.id)),
        depth: Set(0),
        path: Set(String::new()),
        builtin: Set(false),
        created_at: Set(crate::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let (path, depth) =
        qudao_domain::territories::region_position(new.parent.map(|p| p.path.as_str()), row.id);
    let mut row: region::ActiveModel = row.into();
    row.path = Set(path);
    row.depth = Set(depth);
    Ok(row.update(db).await?)
}

/// One built-in region to load: its parent is named by code.
pub struct BuiltinRegion<'a> {
    pub code: &'a str,
    pub parent_code: Option<&'a str>,
    pub level: &'a str,
    pub name: &'a str,
    pub name_en: Option<&'a str>,
    pub depth: i32,
}

/// Inserts the built-in regions that are missing, in batched multi-row
/// inserts, one tree level at a time so every parent exists (and has its
/// path) before its children. Rows must come parents first. Returns how many
/// were inserted. Callers run this in a transaction.
pub async fn insert_builtin_regions(
    db: &crate::WriteTx,
    rows: &[BuiltinRegion<'_>],
) -> Result<u64, StoreError> {
    const BATCH: usize = 400;
    let mut ids = region_ids(db).await?;
    let now = crate::now();
    let mut inserted = 0;
    let max_depth = rows.iter().map(|r| r.depth).max().unwrap_or(0);
    for depth in 1..=max_depth {
        let missing: Vec<&BuiltinRegion<'_>> = rows
            .iter()
            .filter(|r| r.depth == depth && !ids.contains_key(r.code))
            .collect();
        if missing.is_empty() {
            continue;
        }
        for batch in missing.chunks(BATCH) {
            let mut insert = Query::insert()
                .into_table(region::Entity)
                .columns([
                    region::Column::Code,
                    region::Column::Name,
                    region::Column::NameEn,
                    region::Column::Level,
                    region::Column::ParentId,
                    region::Column::Depth,
                    region::Column::Path,
                    region::Column::Builtin,
                    region::Column::CreatedAt,
                ])
                .to_owned();
            for row in batch {
                let parent_id = row.parent_code.and_then(|c| ids.get(c).copied());
                insert.values_panic([
                    row.code.into(),
                    row.name.into(),
                    row.name_en.map(str::to_owned).into(),
                    row.level.into(),
                    parent_id.into(),
                    row.depth.into(),
                    "".into(),
                    true.into(),
                    now.into(),
                ]);
            }
            db.execute(&insert).await?;
            inserted += batch.len() as u64;
        }
        // Paths need the new ids: a root's is `/id/`, a child's its parent's
        // path plus its id. Parents were completed in the previous round.
        db.execute_unprepared(
            "UPDATE regions SET path = COALESCE((SELECT p.path FROM regions p \
             WHERE p.id = regions.parent_id), '/') || CAST(regions.id AS TEXT) || '/' \
             WHERE regions.path = ''",
        )
        .await?;
        ids = region_ids(db).await?;
    }
    Ok(inserted)
}

async fn region_ids(db: &impl ConnectionTrait) -> Result<HashMap<String, i64>, StoreError> {
    let rows: Vec<(String, i64)> = region::Entity::find()
        .select_only()
        .column(region::Column::Code)
        .column(region::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

pub async fn count_regions(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(region::Entity::find().count(db).await?)
}

/// The regions above the one at `path`, outermost first.
pub async fn regions_above(
    db: &impl ConnectionTrait,
    path: &str,
) -> Result<Vec<region::Model>, StoreError> {
    regions_by_ids(db, &qudao_domain::territories::ancestor_ids(path)).await
}

/// The SQL condition "the region (`regions.path`) is the one at `path` or
/// lies inside it": a prefix match on the materialised path.
pub fn within(path: &str) -> Expr {
    Expr::col((region::Entity, region::Column::Path)).like(format!("{path}%"))
}

// ---------------------------------------------------------------------------
// Authorizations
// ---------------------------------------------------------------------------

/// An authorization with the codes and names of its partner and region.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct AuthorizationRow {
    pub id: i64,
    pub code: String,
    pub partner_id: i64,
    pub partner_code: String,
    pub partner_name: String,
    pub partner_status: String,
    pub region_id: i64,
    pub region_code: String,
    pub region_name: String,
    pub region_path: String,
    pub product_line: String,
    pub mode: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
    pub ended_by: Option<String>,
    pub end_reason: Option<String>,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

// The typed boundary (see `partners`).
impl region::Model {
    pub fn level(&self) -> Result<RegionLevel, StoreError> {
        read("regions", self.id, "level", &self.level, RegionLevel::parse)
    }
}

impl AuthorizationRow {
    pub fn mode(&self) -> Result<AuthorizationMode, StoreError> {
        read(
            "authorizations",
            self.id,
            "mode",
            &self.mode,
            AuthorizationMode::parse,
        )
    }

    /// Its validity; a stored end before its start is unreadable too.
    pub fn valid(&self) -> Result<DateRange, StoreError> {
        DateRange::new(self.valid_from, self.valid_to, "valid_to").map_err(|_| {
            StoreError::Unreadable {
                table: "authorizations",
                row: self.id,
                column: "valid_to",
                value: format!("{} before {}", self.valid_to, self.valid_from),
            }
        })
    }
}

/// Authorizations joined to partner and region, limited to partners the
/// scope can see (a subquery on `partners`, so the scope's SQL is reused as is).
fn rows(scope: Option<DataScope>) -> Select<authorization::Entity> {
    use authorization::Column as A;
    let mut select = authorization::Entity::find()
        .select_only()
        .columns([
            A::Id,
            A::Code,
            A::PartnerId,
            A::RegionId,
            A::ProductLine,
            A::Mode,
            A::ValidFrom,
            A::ValidTo,
            A::EndedAt,
            A::EndedBy,
            A::EndReason,
            A::CreatedBy,
            A::CreatedAt,
        ])
        .column_as(partner::Column::Code, "partner_code")
        .column_as(partner::Column::Name, "partner_name")
        .column_as(partner::Column::Status, "partner_status")
        .column_as(region::Column::Code, "region_code")
        .column_as(region::Column::Name, "region_name")
        .column_as(region::Column::Path, "region_path")
        .join(
            JoinType::InnerJoin,
            authorization::Entity::belongs_to(partner::Entity)
                .from(A::PartnerId)
                .to(partner::Column::Id)
                .into(),
        )
        .join(
            JoinType::InnerJoin,
            authorization::Entity::belongs_to(region::Entity)
                .from(A::RegionId)
                .to(region::Column::Id)
                .into(),
        );
    if let Some(scope) = scope {
        select = restrict(select, scope, A::PartnerId);
    }
    select
}

pub async fn authorization_by_code(
    db: &impl ConnectionTrait,
    scope: DataScope,
    code: &str,
) -> Result<Option<AuthorizationRow>, StoreError> {
    Ok(rows(Some(scope))
        .filter(authorization::Column::Code.eq(code))
        .into_model::<AuthorizationRow>()
        .one(db)
        .await?)
}

#[derive(Debug, Clone, Default)]
pub struct AuthorizationFilter {
    pub partner_id: Option<i64>,
    /// Held in this region or any region inside it (a region's path).
    pub region_path: Option<String>,
    pub product_line: Option<String>,
    pub mode: Option<String>,
    /// In force on this day.
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthorizationSort {
    #[default]
    Code,
    Partner,
    Region,
    ProductLine,
    Mode,
    ValidFrom,
    ValidTo,
}

crate::paging::sort_keys!(AuthorizationSort {
    Code => "code",
    Partner => "partner",
    Region => "region",
    ProductLine => "product_line",
    Mode => "mode",
    ValidFrom => "valid_from",
    ValidTo => "valid_to",
});

pub async fn list_authorizations(
    db: &impl ConnectionTrait,
    scope: DataScope,
    filter: &AuthorizationFilter,
    sort: AuthorizationSort,
    dir: SortDir,
    page: PageRequest,
) -> Result<Page<AuthorizationRow>, StoreError> {
    use authorization::Column as A;
    let mut select = rows(Some(scope));
    if let Some(partner_id) = filter.partner_id {
        select = select.filter(A::PartnerId.eq(partner_id));
    }
    if let Some(path) = &filter.region_path {
        select = select.filter(within(path));
    }
    if let Some(line) = &filter.product_line {
        select = select.filter(A::ProductLine.eq(line.as_str()));
    }
    if let Some(mode) = &filter.mode {
        select = select.filter(A::Mode.eq(mode.as_str()));
    }
    if let Some(day) = filter.on {
        select = select
            .filter(A::ValidFrom.lte(day))
            .filter(A::ValidTo.gte(day));
    }
    let order = dir.order();
    select = match sort {
        AuthorizationSort::Code => select.order_by(A::Code, order),
        AuthorizationSort::Partner => {
            select.order_by(Expr::col((partner::Entity, partner::Column::Code)), order)
        }
        AuthorizationSort::Region => {
            select.order_by(Expr::col((region::Entity, region::Column::Code)), order)
        }
        AuthorizationSort::ProductLine => select.order_by(A::ProductLine, order),
        AuthorizationSort::Mode => select.order_by(A::Mode, order),
        AuthorizationSort::ValidFrom => select.order_by(A::ValidFrom, order),
        AuthorizationSort::ValidTo => select.order_by(A::ValidTo, order),
    };
    let paginator = select
        .order_by_asc(A::Id)
        .into_model::<AuthorizationRow>()
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

/// Every authorization, whoever holds it, that could collide with a right to
/// `product_line` in the region at `region_path` during `from..=to`: same
/// product line, overlapping dates, in the region or inside or above it.
/// Not scoped: a collision is a collision whoever's partner holds it.
pub async fn possible_collisions(
    db: &impl ConnectionTrait,
    product_line: &str,
    region_path: &str,
    from: NaiveDate,
    to: NaiveDate,
    except_id: Option<i64>,
) -> Result<Vec<AuthorizationRow>, StoreError> {
    use authorization::Column as A;
    if db.get_database_backend() == DatabaseBackend::Postgres {
        // Two concurrent grants of one product line must not both pass the
        // check: serialise them per product line until commit. SQLite
        // serialises writers already.
        db.execute(
            &Query::select()
                .expr(Expr::cust_with_values(
                    "pg_advisory_xact_lock(727172, hashtext($1))",
                    [product_line],
                ))
                .to_owned(),
        )
        .await?;
    }
    let above = qudao_domain::territories::ancestor_ids(region_path);
    let mut select = rows(None)
        .filter(A::ProductLine.eq(product_line))
        .filter(A::ValidFrom.lte(to))
        .filter(A::ValidTo.gte(from))
        .filter(
            within(region_path).or(Expr::col((region::Entity, region::Column::Id)).is_in(above)),
        );
    if let Some(id) = except_id {
        select = select.filter(A::Id.ne(id));
    }
    Ok(select
        .order_by_asc(A::Id)
        .into_model::<AuthorizationRow>()
        .all(db)
        .await?)
}

/// Every right ever granted on a product line, for an import to index in
/// memory. Like [`possible_collisions`], it holds the line's lock on
/// PostgreSQL until the transaction ends.
pub async fn line_holdings(
    db: &impl ConnectionTrait,
    product_line: &str,
) -> Result<Vec<AuthorizationRow>, StoreError> {
    use authorization::Column as A;
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute(
            &Query::select()
                .expr(Expr::cust_with_values(
                    "pg_advisory_xact_lock(727172, hashtext($1))",
                    [product_line],
                ))
                .to_owned(),
        )
        .await?;
    }
    Ok(rows(None)
        .filter(A::ProductLine.eq(product_line))
        .order_by_asc(A::Id)
        .into_model::<AuthorizationRow>()
        .all(db)
        .await?)
}

/// Writes new rights whose ids were allocated up front (so their codes are
/// known) in batches.
pub async fn insert_authorizations(
    db: &crate::write::WriteTx,
    rows: &[authorization::Model],
) -> Result<(), StoreError> {
    crate::bulk::insert(
        db,
        "authorizations",
        &[
            "id",
            "code",
            "partner_id",
            "region_id",
            "product_line",
            "mode",
            "valid_from",
            "valid_to",
            "created_by",
            "created_at",
            "updated_at",
        ],
        rows.iter()
            .map(|r| {
                vec![
                    r.id.into(),
                    r.code.as_str().into(),
                    r.partner_id.into(),
                    r.region_id.into(),
                    r.product_line.as_str().into(),
                    r.mode.as_str().into(),
                    r.valid_from.into(),
                    r.valid_to.into(),
                    r.created_by.as_str().into(),
                    r.created_at.into(),
                    r.updated_at.into(),
                ]
            })
            .collect(),
    )
    .await
}

static PLACEHOLDERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub struct NewAuthorization<'a> {
    pub partner: &'a crate::scope::Visible,
    pub region_id: i64,
    pub product_line: &'a str,
    pub mode: &'a str,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub created_by: &'a str,
}

/// Inserts an authorization and gives it its code (`AU` + the id), so codes
/// never clash under concurrent inserts. Returns the code.
pub async fn insert_authorization(
    db: &crate::WriteTx,
    new: NewAuthorization<'_>,
) -> Result<String, StoreError> {
    let now = crate::now();
    let row = authorization::ActiveModel {
        // Unique until the id is known; replaced below in the same transaction.
        code: Set(format!(
            "~{}.{}",
            now.timestamp_micros(),
            PLACEHOLDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        )),
        partner_id: Set(new.partner.id().0),
        region_id: Set(new.region_id),
        product_line: Set(new.product_line.to_owned()),
        mode: Set(new.mode.to_owned()),
        valid_from: Set(new.valid_from),
        valid_to: Set(new.valid_to),
        ended_at: Set(None),
        ended_by: Set(None),
        end_reason: Set(None),
        created_by: Set(new.created_by.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let code = qudao_domain::territories::authorization_code(row.id);
    let mut row: authorization::ActiveModel = row.into();
    row.code = Set(code.clone());
    row.update(db).await?;
    Ok(code)
}

/// What a change writes: new dates, and who ended it and why when it ends early.
pub struct AuthorizationUpdate<'a> {
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub ended: Option<(&'a str, &'a str)>,
}

pub async fn update_authorization(
    db: &crate::WriteTx,
    id: i64,
    update: AuthorizationUpdate<'_>,
) -> Result<(), StoreError> {
    let now = crate::now();
    let mut row = authorization::ActiveModel {
        id: Set(id),
        valid_from: Set(update.valid_from),
        valid_to: Set(update.valid_to),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some((by, reason)) = update.ended {
        row.ended_at = Set(Some(now));
        row.ended_by = Set(Some(by.to_owned()));
        row.end_reason = Set(Some(reason.to_owned()));
    }
    row.update(db).await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Selective limits
// ---------------------------------------------------------------------------

pub async fn selective_limits(
    db: &impl ConnectionTrait,
) -> Result<Vec<selective_limit::Model>, StoreError> {
    Ok(selective_limit::Entity::find()
        .order_by_asc(selective_limit::Column::ProductLine)
        .all(db)
        .await?)
}

/// The limit set for the product line, else the global one (`*`), if any.
pub async fn selective_limit_for(
    db: &impl ConnectionTrait,
    product_line: &str,
    any: &str,
) -> Result<Option<i32>, StoreError> {
    let rows = selective_limit::Entity::find()
        .filter(selective_limit::Column::ProductLine.is_in([product_line, any]))
        .all(db)
        .await?;
    let pick = |key: &str| {
        rows.iter()
            .find(|r| r.product_line == key)
            .map(|r| r.max_partners)
    };
    Ok(pick(product_line).or_else(|| pick(any)))
}

pub async fn set_selective_limit(
    db: &crate::WriteTx,
    product_line: &str,
    max_partners: i32,
    by: &str,
) -> Result<(), StoreError> {
    let insert = Query::insert()
        .into_table(selective_limit::Entity)
        .columns([
            selective_limit::Column::ProductLine,
            selective_limit::Column::MaxPartners,
            selective_limit::Column::UpdatedBy,
            selective_limit::Column::UpdatedAt,
        ])
        .values_panic([
            product_line.into(),
            max_partners.into(),
            by.into(),
            crate::now().into(),
        ])
        .on_conflict(
            OnConflict::column(selective_limit::Column::ProductLine)
                .update_columns([
                    selective_limit::Column::MaxPartners,
                    selective_limit::Column::UpdatedBy,
                    selective_limit::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .to_owned();
    db.execute(&insert).await?;
    Ok(())
}
