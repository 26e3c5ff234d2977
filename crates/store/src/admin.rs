//! Accounts and API tokens.

use sea_orm::ExprTrait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::StoreError;
use crate::paging::{Page, PageRequest, SortDir, fetch};

pub mod user {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub login: String,
        pub display_name: String,
        pub role: String,
        pub partner_id: Option<i64>,
        pub password_hash: String,
        pub status: String,
        pub failed_logins: i32,
        pub locked_until: Option<DateTimeUtc>,
        pub password_changed_at: DateTimeUtc,
        pub last_login_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

// The typed boundary (see `partners`): an unknown role or status is an error
// naming the row, never a default.
impl user::Model {
    pub fn role(&self) -> Result<qudao_domain::admin::Role, StoreError> {
        crate::error::read(
            "users",
            self.id,
            "role",
            &self.role,
            qudao_domain::admin::Role::parse,
        )
    }

    pub fn status(&self) -> Result<qudao_domain::admin::UserStatus, StoreError> {
        crate::error::read(
            "users",
            self.id,
            "status",
            &self.status,
            qudao_domain::admin::UserStatus::parse,
        )
    }
}

pub mod api_token {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_tokens")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub name: String,
        #[sea_orm(unique)]
        pub token_hash: String,
        pub prefix: String,
        pub created_at: DateTimeUtc,
        pub last_used_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub struct NewUser<'a> {
    pub login: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub partner_id: Option<i64>,
    pub password_hash: String,
}

pub async fn insert_user(db: &crate::WriteTx, new: NewUser<'_>) -> Result<user::Model, StoreError> {
    let now = crate::now();
    let row = user::ActiveModel {
        login: Set(new.login.to_owned()),
        display_name: Set(new.display_name.to_owned()),
        role: Set(new.role.to_owned()),
        partner_id: Set(new.partner_id),
        password_hash: Set(new.password_hash),
        status: Set("active".to_owned()),
        failed_logins: Set(0),
        locked_until: Set(None),
        password_changed_at: Set(now),
        last_login_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

pub async fn find_user(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<user::Model>, StoreError> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

pub async fn find_user_by_login(
    db: &impl ConnectionTrait,
    login: &str,
) -> Result<Option<user::Model>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Login.eq(login))
        .one(db)
        .await?)
}

/// Display names of the given logins, in one query, for showing who did
/// something by name rather than by login.
pub async fn display_names(
    db: &impl ConnectionTrait,
    logins: &[String],
) -> Result<Vec<(String, String)>, StoreError> {
    if logins.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Login)
        .column(user::Column::DisplayName)
        .filter(user::Column::Login.is_in(logins.iter().map(String::as_str)))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?)
}

/// Display names of the given user ids, in one query (a partner's owner).
pub async fn display_names_by_id(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, StoreError> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::DisplayName)
        .filter(user::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Logins and display names of the given user ids, in one query per
/// thousand ids (a list of rep targets).
pub async fn logins_by_id(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, (String, String)>, StoreError> {
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        let rows = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::Login)
            .column(user::Column::DisplayName)
            .filter(user::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple::<(i64, String, String)>()
            .all(db)
            .await?;
        found.extend(
            rows.into_iter()
                .map(|(id, login, name)| (id, (login, name))),
        );
    }
    Ok(found)
}

/// A user for a write: the row stays locked (`FOR UPDATE` on PostgreSQL)
/// until the transaction ends, so counters such as failed logins add up
/// under concurrent requests.
pub async fn find_user_for_write(
    tx: &crate::WriteTx,
    login: &str,
) -> Result<Option<user::Model>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Login.eq(login))
        .lock_exclusive()
        .one(tx)
        .await?)
}

/// The changes a use case can make to an account.
#[derive(Debug, Default)]
pub struct UserChange {
    pub status: Option<&'static str>,
    pub password_hash: Option<String>,
    pub failed_logins: Option<i32>,
    pub locked_until: Option<Option<chrono::DateTime<chrono::Utc>>>,
    pub last_login_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn update_user(
    db: &crate::WriteTx,
    row: user::Model,
    change: UserChange,
) -> Result<user::Model, StoreError> {
    let now = crate::now();
    let mut active: user::ActiveModel = row.into();
    if let Some(status) = change.status {
        active.status = Set(status.to_owned());
        active.updated_at = Set(now);
    }
    if let Some(hash) = change.password_hash {
        active.password_hash = Set(hash);
        active.password_changed_at = Set(now);
        active.updated_at = Set(now);
    }
    if let Some(failed) = change.failed_logins {
        active.failed_logins = Set(failed);
    }
    if let Some(locked_until) = change.locked_until {
        active.locked_until = Set(locked_until);
    }
    if let Some(at) = change.last_login_at {
        active.last_login_at = Set(Some(at));
    }
    Ok(active.update(db).await?)
}

pub async fn count_users(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    use sea_orm::PaginatorTrait;
    Ok(user::Entity::find().count(db).await?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserSort {
    #[default]
    Login,
    DisplayName,
    Role,
    Status,
    LastLoginAt,
}

crate::paging::sort_keys!(UserSort {
    Login => "login",
    DisplayName => "display_name",
    Role => "role",
    Status => "status",
    LastLoginAt => "last_login_at",
});

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub text: Option<String>,
    pub role: Option<String>,
    pub status: Option<String>,
    pub partner_id: Option<i64>,
}

pub async fn list_users(
    db: &impl ConnectionTrait,
    filter: &UserFilter,
    sort: UserSort,
    dir: SortDir,
    page: PageRequest,
) -> Result<Page<user::Model>, StoreError> {
    let mut select = user::Entity::find();
    if let Some(text) = &filter.text {
        let pattern = crate::partners::like_pattern(text);
        select = select.filter(
            Expr::col(user::Column::Login)
                .like(pattern.clone())
                .or(Expr::col(user::Column::DisplayName).like(pattern)),
        );
    }
    if let Some(role) = &filter.role {
        select = select.filter(user::Column::Role.eq(role.as_str()));
    }
    if let Some(status) = &filter.status {
        select = select.filter(user::Column::Status.eq(status.as_str()));
    }
    if let Some(partner_id) = filter.partner_id {
        select = select.filter(user::Column::PartnerId.eq(partner_id));
    }
    let column = match sort {
        UserSort::Login => user::Column::Login,
        UserSort::DisplayName => user::Column::DisplayName,
        UserSort::Role => user::Column::Role,
        UserSort::Status => user::Column::Status,
        UserSort::LastLoginAt => user::Column::LastLoginAt,
    };
    let select = select
        .order_by(column, dir.order())
        .order_by_asc(user::Column::Id);
    fetch(db, select, page).await
}

pub async fn insert_token(
    db: &crate::WriteTx,
    user_id: i64,
    name: &str,
    token_hash: String,
    prefix: String,
) -> Result<api_token::Model, StoreError> {
    let row = api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.to_owned()),
        token_hash: Set(token_hash),
        prefix: Set(prefix),
        created_at: Set(crate::now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

/// A live (not revoked) token by its hash.
/// The user behind a live (unrevoked) token, in one query.
pub async fn find_live_token_user(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<user::Model>, StoreError> {
    Ok(user::Entity::find()
        .filter(
            user::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(api_token::Column::UserId)
                    .from(api_token::Entity)
                    .and_where(api_token::Column::TokenHash.eq(token_hash))
                    .and_where(api_token::Column::RevokedAt.is_null())
                    .to_owned(),
            ),
        )
        .one(db)
        .await?)
}

/// Records that a token was just used.
pub async fn touch_token(db: &crate::WriteTx, token_hash: &str) -> Result<(), StoreError> {
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(crate::now()))
        .filter(api_token::Column::TokenHash.eq(token_hash))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn list_tokens(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<api_token::Model>, StoreError> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .all(db)
        .await?)
}

pub async fn find_token(
    db: &impl ConnectionTrait,
    user_id: i64,
    id: i64,
) -> Result<Option<api_token::Model>, StoreError> {
    Ok(api_token::Entity::find_by_id(id)
        .filter(api_token::Column::UserId.eq(user_id))
        .one(db)
        .await?)
}

pub async fn revoke_token(db: &crate::WriteTx, id: i64) -> Result<(), StoreError> {
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(crate::now()))
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes every token of a user, e.g. when the account is disabled.
pub async fn revoke_tokens_of(db: &crate::WriteTx, user_id: i64) -> Result<(), StoreError> {
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(crate::now()))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Active staff accounts (no partner) whose login or name holds `text`,
/// by name: what a user picker offers.
pub async fn staff_matching(
    db: &impl ConnectionTrait,
    text: &str,
    limit: u64,
) -> Result<Vec<user::Model>, StoreError> {
    let pattern = crate::partners::like_pattern(text);
    Ok(user::Entity::find()
        .filter(user::Column::PartnerId.is_null())
        .filter(user::Column::Status.eq("active"))
        .filter(
            Expr::col(user::Column::Login)
                .like(pattern.clone())
                .or(Expr::col(user::Column::DisplayName).like(pattern)),
        )
        .order_by_asc(user::Column::DisplayName)
        .order_by_asc(user::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// How many live (unrevoked) tokens each of these users holds; users with
/// none are absent.
pub async fn live_token_counts(
    db: &impl ConnectionTrait,
    user_ids: &[i64],
) -> Result<Vec<(i64, i64)>, StoreError> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(api_token::Entity::find()
        .select_only()
        .column(api_token::Column::UserId)
        .column_as(api_token::Column::Id.count(), "live")
        .filter(api_token::Column::UserId.is_in(user_ids.iter().copied()))
        .filter(api_token::Column::RevokedAt.is_null())
        .group_by(api_token::Column::UserId)
        .into_tuple::<(i64, i64)>()
        .all(db)
        .await?)
}
