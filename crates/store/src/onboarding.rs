//! Onboarding (招商): screening criteria, evaluations with the weights they
//! used, and the partners on the recruitment board.

use sea_orm::ExprTrait;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::admin::user;
use crate::paging::{Page, PageRequest, fetch};
use crate::partners::{partner, scope_condition, status_change};
use crate::scope::Visible;
use crate::write::WriteTx;
use crate::{DataScope, StoreError};

pub mod criterion {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "onboarding_criteria")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub code: String,
        pub name: String,
        pub name_en: Option<String>,
        pub weight: String,
        pub active: bool,
        pub position: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod evaluation {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "onboarding_evaluations")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub partner_id: i64,
        pub total: String,
        pub comment: String,
        pub evaluated_by: String,
        pub evaluated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod evaluation_score {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "onboarding_evaluation_scores")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub evaluation_id: i64,
        pub criterion_id: i64,
        pub criterion_code: String,
        pub criterion_name: String,
        pub weight: String,
        pub score: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// Every criterion, in the order the form shows them.
pub async fn criteria(db: &impl ConnectionTrait) -> Result<Vec<criterion::Model>, StoreError> {
    Ok(criterion::Entity::find()
        .order_by_asc(criterion::Column::Position)
        .order_by_asc(criterion::Column::Id)
        .all(db)
        .await?)
}

pub async fn find_criterion(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<criterion::Model>, StoreError> {
    Ok(criterion::Entity::find()
        .filter(criterion::Column::Code.eq(code))
        .one(db)
        .await?)
}

pub struct CriterionFields<'a> {
    pub name: &'a str,
    pub name_en: Option<&'a str>,
    pub weight: String,
    pub active: bool,
}

/// Adds a criterion after the existing ones.
pub async fn insert_criterion(
    db: &WriteTx,
    code: &str,
    fields: CriterionFields<'_>,
) -> Result<criterion::Model, StoreError> {
    let last: Option<i32> = criterion::Entity::find()
        .select_only()
        .column_as(criterion::Column::Position.max(), "position")
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten();
    let now = crate::now();
    Ok(criterion::ActiveModel {
        code: Set(code.to_owned()),
        name: Set(fields.name.to_owned()),
        name_en: Set(fields.name_en.map(str::to_owned)),
        weight: Set(fields.weight),
        active: Set(fields.active),
        position: Set(last.unwrap_or(0) + 10),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

pub async fn update_criterion(
    db: &WriteTx,
    row: criterion::Model,
    fields: CriterionFields<'_>,
) -> Result<criterion::Model, StoreError> {
    let mut active: criterion::ActiveModel = row.into();
    active.name = Set(fields.name.to_owned());
    active.name_en = Set(fields.name_en.map(str::to_owned));
    active.weight = Set(fields.weight);
    active.active = Set(fields.active);
    active.updated_at = Set(crate::now());
    Ok(active.update(db).await?)
}

/// One criterion's score as it is recorded, with the criterion as it was.
pub struct NewScore<'a> {
    pub criterion: &'a criterion::Model,
    pub score: String,
}

/// Records an evaluation and its scores in the caller's transaction.
pub async fn insert_evaluation(
    db: &WriteTx,
    partner: &Visible,
    total: &str,
    comment: &str,
    evaluated_by: &str,
    scores: &[NewScore<'_>],
) -> Result<(evaluation::Model, Vec<evaluation_score::Model>), StoreError> {
    let row = evaluation::ActiveModel {
        partner_id: Set(partner.id().0),
        total: Set(total.to_owned()),
        comment: Set(comment.to_owned()),
        evaluated_by: Set(evaluated_by.to_owned()),
        evaluated_at: Set(crate::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let mut saved = Vec::with_capacity(scores.len());
    for score in scores {
        saved.push(
            evaluation_score::ActiveModel {
                evaluation_id: Set(row.id),
                criterion_id: Set(score.criterion.id),
                criterion_code: Set(score.criterion.code.clone()),
                criterion_name: Set(score.criterion.name.clone()),
                weight: Set(score.criterion.weight.clone()),
                score: Set(score.score.clone()),
                ..Default::default()
            }
            .insert(db)
            .await?,
        );
    }
    Ok((row, saved))
}

/// A partner's evaluations with their scores, newest first.
pub async fn evaluations(
    db: &impl ConnectionTrait,
    partner: &Visible,
) -> Result<Vec<(evaluation::Model, Vec<evaluation_score::Model>)>, StoreError> {
    let rows = evaluation::Entity::find()
        .filter(evaluation::Column::PartnerId.eq(partner.id().0))
        .order_by_desc(evaluation::Column::EvaluatedAt)
        .order_by_desc(evaluation::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut scores = if ids.is_empty() {
        Vec::new()
    } else {
        evaluation_score::Entity::find()
            .filter(evaluation_score::Column::EvaluationId.is_in(ids))
            .order_by_asc(evaluation_score::Column::Id)
            .all(db)
            .await?
    };
    Ok(rows
        .into_iter()
        .map(|row| {
            let (mine, rest) = scores.drain(..).partition(|s| s.evaluation_id == row.id);
            scores = rest;
            (row, mine)
        })
        .collect())
}

/// The latest evaluation total of each of the given partners that has one.
pub async fn latest_totals(
    db: &impl ConnectionTrait,
    scope: DataScope,
    partner_ids: &[i64],
) -> Result<Vec<(i64, String)>, StoreError> {
    if partner_ids.is_empty() {
        return Ok(Vec::new());
    }
    let latest = Query::select()
        .expr(Expr::col(evaluation::Column::Id).max())
        .from(evaluation::Entity)
        .and_where(Expr::col(evaluation::Column::PartnerId).is_in(partner_ids.iter().copied()))
        .group_by_col(evaluation::Column::PartnerId)
        .to_owned();
    let select = crate::scope::restrict(
        evaluation::Entity::find(),
        scope,
        evaluation::Column::PartnerId,
    );
    Ok(select
        .select_only()
        .column(evaluation::Column::PartnerId)
        .column(evaluation::Column::Total)
        .filter(evaluation::Column::Id.in_subquery(latest))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?)
}

/// Partners in one recruitment status, within the scope, by code.
pub async fn in_status(
    db: &impl ConnectionTrait,
    scope: DataScope,
    status: &str,
    page: PageRequest,
) -> Result<Page<partner::Model>, StoreError> {
    let select = partner::Entity::find()
        .filter(scope_condition(scope))
        .filter(partner::Column::Status.eq(status))
        .order_by_asc(partner::Column::Code);
    fetch(db, select, page).await
}

/// Partners within the scope now in status `to` that moved there from one
/// of `from` at or after `since`, most recently moved first: the board's
/// `signed` (negotiating → active) and `lost` (recruitment → terminated).
pub async fn moved_since(
    db: &impl ConnectionTrait,
    scope: DataScope,
    from: &[&str],
    to: &str,
    since: chrono::DateTime<chrono::Utc>,
    page: PageRequest,
) -> Result<Page<partner::Model>, StoreError> {
    let moved = Query::select()
        .expr(Expr::col((
            status_change::Entity,
            status_change::Column::PartnerId,
        )))
        .from(status_change::Entity)
        .and_where(
            Expr::col((status_change::Entity, status_change::Column::FromStatus))
                .is_in(from.iter().copied()),
        )
        .and_where(Expr::col((status_change::Entity, status_change::Column::ToStatus)).eq(to))
        .and_where(Expr::col((status_change::Entity, status_change::Column::ChangedAt)).gte(since))
        .to_owned();
    let select = partner::Entity::find()
        .filter(scope_condition(scope))
        .filter(partner::Column::Status.eq(to))
        .filter(partner::Column::Id.in_subquery(moved))
        .order_by_desc(partner::Column::UpdatedAt)
        .order_by_asc(partner::Column::Code);
    fetch(db, select, page).await
}

/// The reason of each partner's latest change into `to`, for the cards of
/// the `lost` column. Partners outside the scope are not read.
pub async fn latest_reasons(
    db: &impl ConnectionTrait,
    scope: DataScope,
    partner_ids: &[i64],
    to: &str,
) -> Result<Vec<(i64, String)>, StoreError> {
    if partner_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = crate::scope::restrict(
        status_change::Entity::find(),
        scope,
        status_change::Column::PartnerId,
    )
    .filter(status_change::Column::PartnerId.is_in(partner_ids.iter().copied()))
    .filter(status_change::Column::ToStatus.eq(to))
    .order_by_asc(status_change::Column::Id)
    .all(db)
    .await?;
    // Later rows overwrite earlier ones: the latest reason wins.
    let mut latest = std::collections::BTreeMap::new();
    for row in rows {
        latest.insert(row.partner_id, row.reason);
    }
    Ok(latest.into_iter().collect())
}

/// Logins of the given users, for showing owners.
pub async fn logins_of(
    db: &impl ConnectionTrait,
    user_ids: &[i64],
) -> Result<Vec<(i64, String)>, StoreError> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Login)
        .filter(user::Column::Id.is_in(user_ids.iter().copied()))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?)
}
