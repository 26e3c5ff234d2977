//! Requests by a partner to change fields of its record that a channel
//! manager owns. Partner-owned: one partner's requests through its
//! [`Visible`], the queue through [`crate::scope::restrict`].

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::error::read;
use crate::paging::{Page, PageRequest, fetch};
use crate::partners::partner;
use crate::scope::Visible;
use crate::write::WriteTx;
use crate::{DataScope, StoreError};
use qudao_domain::partner_changes::{ChangeField, RequestState};

pub mod request {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "partner_change_requests")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub partner_id: i64,
        pub field: String,
        pub old_value: Option<String>,
        pub new_value: Option<String>,
        pub state: String,
        pub requested_by: String,
        pub requested_at: DateTimeUtc,
        pub decided_by: Option<String>,
        pub decided_at: Option<DateTimeUtc>,
        pub decision_reason: String,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

impl request::Model {
    pub fn field(&self) -> Result<ChangeField, StoreError> {
        read(
            "partner_change_requests",
            self.id,
            "field",
            &self.field,
            ChangeField::parse,
        )
    }

    pub fn state(&self) -> Result<RequestState, StoreError> {
        read(
            "partner_change_requests",
            self.id,
            "state",
            &self.state,
            RequestState::parse,
        )
    }
}

pub struct NewRequest<'a> {
    pub field: ChangeField,
    pub old_value: Option<&'a str>,
    pub new_value: Option<&'a str>,
    pub requested_by: &'a str,
}

pub async fn insert(
    db: &WriteTx,
    partner: &Visible,
    new: NewRequest<'_>,
) -> Result<request::Model, StoreError> {
    Ok(request::ActiveModel {
        partner_id: Set(partner.id().0),
        field: Set(new.field.as_str().to_owned()),
        old_value: Set(new.old_value.map(str::to_owned)),
        new_value: Set(new.new_value.map(str::to_owned)),
        state: Set(RequestState::Pending.as_str().to_owned()),
        requested_by: Set(new.requested_by.to_owned()),
        requested_at: Set(crate::now()),
        decision_reason: Set(String::new()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// One partner's requests, newest first.
pub async fn of_partner(
    db: &impl ConnectionTrait,
    partner: &Visible,
) -> Result<Vec<request::Model>, StoreError> {
    Ok(request::Entity::find()
        .filter(request::Column::PartnerId.eq(partner.id().0))
        .order_by_desc(request::Column::Id)
        .all(db)
        .await?)
}

/// One request of one partner; `None` when it is another partner's.
pub async fn find(
    db: &impl ConnectionTrait,
    partner: &Visible,
    id: i64,
) -> Result<Option<request::Model>, StoreError> {
    Ok(request::Entity::find_by_id(id)
        .filter(request::Column::PartnerId.eq(partner.id().0))
        .one(db)
        .await?)
}

/// The partner a request belongs to, if the request lies inside the scope.
pub async fn partner_of(
    db: &impl ConnectionTrait,
    scope: DataScope,
    id: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(crate::scope::restrict(
        request::Entity::find_by_id(id),
        scope,
        request::Column::PartnerId,
    )
    .one(db)
    .await?
    .map(|r| r.partner_id))
}

/// The requests in one state within the scope, oldest first (a queue),
/// with the partner each belongs to.
pub async fn queue(
    db: &impl ConnectionTrait,
    scope: DataScope,
    state: RequestState,
    page: PageRequest,
) -> Result<Page<(request::Model, Option<partner::Model>)>, StoreError> {
    let select = crate::scope::restrict(request::Entity::find(), scope, request::Column::PartnerId)
        .filter(request::Column::State.eq(state.as_str()))
        .order_by_asc(request::Column::RequestedAt)
        .order_by_asc(request::Column::Id);
    let page_of = fetch(db, select, page).await?;
    let mut ids: Vec<i64> = page_of.items.iter().map(|r| r.partner_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let partners = partner::Entity::find()
        .filter(partner::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(page_of.map(|r| {
        let owner = partners.iter().find(|p| p.id == r.partner_id).cloned();
        (r, owner)
    }))
}

pub async fn count(
    db: &impl ConnectionTrait,
    scope: DataScope,
    state: RequestState,
) -> Result<u64, StoreError> {
    Ok(
        crate::scope::restrict(request::Entity::find(), scope, request::Column::PartnerId)
            .filter(request::Column::State.eq(state.as_str()))
            .count(db)
            .await?,
    )
}

/// Records the decision on a request in the caller's transaction.
pub async fn decide(
    db: &WriteTx,
    row: request::Model,
    state: RequestState,
    decided_by: &str,
    reason: &str,
) -> Result<request::Model, StoreError> {
    let mut active: request::ActiveModel = row.into();
    active.state = Set(state.as_str().to_owned());
    active.decided_by = Set(Some(decided_by.to_owned()));
    active.decided_at = Set(Some(crate::now()));
    active.decision_reason = Set(reason.to_owned());
    Ok(active.update(db).await?)
}
