//! The audit log: one row per mutation, written in the mutation's transaction.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::StoreError;
use crate::paging::{Page, PageRequest, fetch};

pub mod entry {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub at: DateTimeUtc,
        pub actor_id: Option<i64>,
        pub actor_login: String,
        pub entity: String,
        pub entity_key: String,
        pub action: String,
        pub before_json: Option<String>,
        pub after_json: Option<String>,
        pub client_address: Option<String>,
        pub user_agent: Option<String>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub struct NewEntry<'a> {
    pub actor_id: Option<i64>,
    pub actor_login: &'a str,
    pub entity: &'a str,
    pub entity_key: &'a str,
    pub action: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// Where the request came from; none for the command line.
    pub client_address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn record(db: &crate::WriteTx, new: NewEntry<'_>) -> Result<(), StoreError> {
    entry::ActiveModel {
        at: Set(crate::now()),
        actor_id: Set(new.actor_id),
        actor_login: Set(new.actor_login.to_owned()),
        entity: Set(new.entity.to_owned()),
        entity_key: Set(new.entity_key.to_owned()),
        action: Set(new.action.to_owned()),
        before_json: Set(new.before.map(|v| v.to_string())),
        after_json: Set(new.after.map(|v| v.to_string())),
        client_address: Set(new.client_address.map(str::to_owned)),
        user_agent: Set(new.user_agent.map(str::to_owned)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Writes many audit records in batches through `bulk::insert` (an import's, one per
/// record it touched), all stamped with the same instant and each with its
/// origin, like [`record`].
pub async fn record_many(
    db: &crate::write::WriteTx,
    entries: Vec<NewEntry<'_>>,
) -> Result<(), StoreError> {
    let now = crate::now();
    crate::bulk::insert(
        db,
        "audit_log",
        &[
            "at",
            "actor_id",
            "actor_login",
            "entity",
            "entity_key",
            "action",
            "before_json",
            "after_json",
            "client_address",
            "user_agent",
        ],
        entries
            .into_iter()
            .map(|e| {
                vec![
                    now.into(),
                    e.actor_id.into(),
                    e.actor_login.into(),
                    e.entity.into(),
                    e.entity_key.into(),
                    e.action.into(),
                    e.before.map(|v| v.to_string()).into(),
                    e.after.map(|v| v.to_string()).into(),
                    e.client_address.map(str::to_owned).into(),
                    e.user_agent.map(str::to_owned).into(),
                ]
            })
            .collect(),
    )
    .await
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_key: Option<String>,
    pub actor_login: Option<String>,
    pub action: Option<String>,
    /// Actions left out, such as sign-ins that would drown the changes.
    pub exclude_actions: Vec<String>,
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
}

/// Newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<entry::Model>, StoreError> {
    let mut select = entry::Entity::find();
    if let Some(entity) = &filter.entity {
        select = select.filter(entry::Column::Entity.eq(entity.as_str()));
    }
    if let Some(key) = &filter.entity_key {
        select = select.filter(entry::Column::EntityKey.eq(key.as_str()));
    }
    if let Some(actor) = &filter.actor_login {
        select = select.filter(entry::Column::ActorLogin.eq(actor.as_str()));
    }
    if let Some(action) = &filter.action {
        select = select.filter(entry::Column::Action.eq(action.as_str()));
    }
    if !filter.exclude_actions.is_empty() {
        select = select.filter(
            entry::Column::Action.is_not_in(filter.exclude_actions.iter().map(String::as_str)),
        );
    }
    if let Some(from) = filter.from {
        select = select.filter(entry::Column::At.gte(from));
    }
    if let Some(until) = filter.until {
        select = select.filter(entry::Column::At.lt(until));
    }
    let select = select
        .order_by_desc(entry::Column::At)
        .order_by_desc(entry::Column::Id);
    fetch(db, select, page).await
}
