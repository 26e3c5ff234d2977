//! Grades (渠道等级) and each partner's grade with its history.
//!
//! The partner's current grade is `partners.grade_id`; it is read and written
//! here through a narrow entity over the same table so that the partner
//! record's own module stays about the partner.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::scope::Visible;
use crate::write::WriteTx;
use crate::{DataScope, StoreError};

pub mod grade {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "grades")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub code: String,
        pub name: String,
        pub name_en: Option<String>,
        #[sea_orm(unique)]
        pub rank: i32,
        pub benefits: String,
        pub benefits_en: Option<String>,
        pub promote_threshold: Option<String>,
        pub demote_threshold: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod grade_change {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "partner_grade_history")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub partner_id: i64,
        pub from_grade_id: Option<i64>,
        pub to_grade_id: i64,
        pub reason: String,
        pub changed_by: String,
        pub changed_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// The grade column of `partners` (and its `updated_at`), alone.
pub mod partner_grade {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "partners")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub grade_id: Option<i64>,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Every grade, best first.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<grade::Model>, StoreError> {
    Ok(grade::Entity::find()
        .order_by_desc(grade::Column::Rank)
        .all(db)
        .await?)
}

pub async fn find_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<grade::Model>, StoreError> {
    Ok(grade::Entity::find()
        .filter(grade::Column::Code.eq(code))
        .one(db)
        .await?)
}

pub async fn find_by_id(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<grade::Model>, StoreError> {
    Ok(grade::Entity::find_by_id(id).one(db).await?)
}

/// The grade holding `rank`, other than the one with id `except`.
pub async fn find_by_rank(
    db: &impl ConnectionTrait,
    rank: i32,
    except: Option<i64>,
) -> Result<Option<grade::Model>, StoreError> {
    let mut select = grade::Entity::find().filter(grade::Column::Rank.eq(rank));
    if let Some(id) = except {
        select = select.filter(grade::Column::Id.ne(id));
    }
    Ok(select.one(db).await?)
}

/// A grade's fields as written (everything but identity and instants).
pub struct GradeFields<'a> {
    pub name: &'a str,
    pub name_en: Option<&'a str>,
    pub rank: i32,
    pub benefits: &'a str,
    pub benefits_en: Option<&'a str>,
    pub promote_threshold: Option<String>,
    pub demote_threshold: Option<String>,
}

pub async fn insert(
    db: &WriteTx,
    code: &str,
    fields: GradeFields<'_>,
) -> Result<grade::Model, StoreError> {
    let now = crate::now();
    Ok(grade::ActiveModel {
        code: Set(code.to_owned()),
        name: Set(fields.name.to_owned()),
        name_en: Set(fields.name_en.map(str::to_owned)),
        rank: Set(fields.rank),
        benefits: Set(fields.benefits.to_owned()),
        benefits_en: Set(fields.benefits_en.map(str::to_owned)),
        promote_threshold: Set(fields.promote_threshold),
        demote_threshold: Set(fields.demote_threshold),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn update(
    db: &WriteTx,
    row: grade::Model,
    fields: GradeFields<'_>,
) -> Result<grade::Model, StoreError> {
    let mut active: grade::ActiveModel = row.into();
    active.name = Set(fields.name.to_owned());
    active.name_en = Set(fields.name_en.map(str::to_owned));
    active.rank = Set(fields.rank);
    active.benefits = Set(fields.benefits.to_owned());
    active.benefits_en = Set(fields.benefits_en.map(str::to_owned));
    active.promote_threshold = Set(fields.promote_threshold);
    active.demote_threshold = Set(fields.demote_threshold);
    active.updated_at = Set(crate::now());
    Ok(active.update(db).await?)
}

/// The grade id a partner holds now.
pub async fn grade_of(
    db: &impl ConnectionTrait,
    partner: &Visible,
) -> Result<Option<i64>, StoreError> {
    Ok(partner_grade::Entity::find_by_id(partner.id().0)
        .one(db)
        .await?
        .and_then(|row| row.grade_id))
}

/// Grade ids of several partners, for lists and boards.
pub async fn grades_of(
    db: &impl ConnectionTrait,
    scope: DataScope,
    partner_ids: &[i64],
) -> Result<Vec<(i64, i64)>, StoreError> {
    if partner_ids.is_empty() {
        return Ok(Vec::new());
    }
    let select = crate::scope::restrict(
        partner_grade::Entity::find(),
        scope,
        partner_grade::Column::Id,
    );
    Ok(select
        .select_only()
        .column(partner_grade::Column::Id)
        .column(partner_grade::Column::GradeId)
        .filter(partner_grade::Column::Id.is_in(partner_ids.iter().copied()))
        .filter(partner_grade::Column::GradeId.is_not_null())
        .into_tuple::<(i64, i64)>()
        .all(db)
        .await?)
}

/// Gives a partner a grade and records the change, in the caller's transaction.
pub async fn set_partner_grade(
    db: &WriteTx,
    partner: &Visible,
    from: Option<i64>,
    to: i64,
    reason: &str,
    changed_by: &str,
) -> Result<(), StoreError> {
    let now = crate::now();
    grade_change::ActiveModel {
        partner_id: Set(partner.id().0),
        from_grade_id: Set(from),
        to_grade_id: Set(to),
        reason: Set(reason.to_owned()),
        changed_by: Set(changed_by.to_owned()),
        changed_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    partner_grade::Entity::update_many()
        .col_expr(partner_grade::Column::GradeId, Expr::value(to))
        .col_expr(partner_grade::Column::UpdatedAt, Expr::value(now))
        .filter(partner_grade::Column::Id.eq(partner.id().0))
        .exec(db)
        .await?;
    Ok(())
}

/// The first grade of partners written by the bulk path (which put the
/// grade on the partner row itself): one history row each.
pub async fn record_first_grades(
    db: &WriteTx,
    grades: &[(i64, i64)],
    reason: &str,
    changed_by: &str,
) -> Result<(), StoreError> {
    let now = crate::now();
    crate::bulk::insert(
        db,
        "partner_grade_history",
        &[
            "partner_id",
            "from_grade_id",
            "to_grade_id",
            "reason",
            "changed_by",
            "changed_at",
        ],
        grades
            .iter()
            .map(|(partner, grade)| {
                vec![
                    (*partner).into(),
                    Option::<i64>::None.into(),
                    (*grade).into(),
                    reason.into(),
                    changed_by.into(),
                    now.into(),
                ]
            })
            .collect(),
    )
    .await
}

/// A partner's grade changes, oldest first.
pub async fn history(
    db: &impl ConnectionTrait,
    partner: &Visible,
) -> Result<Vec<grade_change::Model>, StoreError> {
    Ok(grade_change::Entity::find()
        .filter(grade_change::Column::PartnerId.eq(partner.id().0))
        .order_by_asc(grade_change::Column::ChangedAt)
        .order_by_asc(grade_change::Column::Id)
        .all(db)
        .await?)
}
