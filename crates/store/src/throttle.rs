//! Login failure counters per client address and per account at an address
//! (`login_throttle`). The account-wide counter lives on `users`.

use qudao_domain::admin::FailureCount;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::StoreError;

pub mod counter {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "login_throttle")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub address: String,
        /// Empty for the address as a whole.
        #[sea_orm(primary_key, auto_increment = false)]
        pub login: String,
        pub failures: i32,
        pub window_start: DateTimeUtc,
        pub locked_until: Option<DateTimeUtc>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// The counter of `address` for `login` (empty: for the address as a whole).
pub async fn find(
    db: &impl ConnectionTrait,
    address: &str,
    login: &str,
) -> Result<Option<counter::Model>, StoreError> {
    Ok(
        counter::Entity::find_by_id((address.to_owned(), login.to_owned()))
            .one(db)
            .await?,
    )
}

pub async fn save(
    db: &impl ConnectionTrait,
    address: &str,
    login: &str,
    count: FailureCount,
    locked_until: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), StoreError> {
    let row = counter::ActiveModel {
        address: Set(address.to_owned()),
        login: Set(login.to_owned()),
        failures: Set(count.failures),
        window_start: Set(count.window_start),
        locked_until: Set(locked_until),
    };
    counter::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([counter::Column::Address, counter::Column::Login])
                .update_columns([
                    counter::Column::Failures,
                    counter::Column::WindowStart,
                    counter::Column::LockedUntil,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets an account's counters: at `address` after a successful login
/// from there, at every address (`None`) after an administrator's reset.
pub async fn clear_account(
    db: &impl ConnectionTrait,
    login: &str,
    address: Option<&str>,
) -> Result<(), StoreError> {
    let mut delete = counter::Entity::delete_many().filter(counter::Column::Login.eq(login));
    if let Some(address) = address {
        delete = delete.filter(counter::Column::Address.eq(address));
    }
    delete.exec(db).await?;
    Ok(())
}

/// Deletes the counters that no longer count: window begun before
/// `window_before` and no lock still running at `now`.
pub async fn forget_stale(
    db: &impl ConnectionTrait,
    window_before: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    counter::Entity::delete_many()
        .filter(counter::Column::WindowStart.lt(window_before))
        .filter(
            Condition::any()
                .add(counter::Column::LockedUntil.is_null())
                .add(counter::Column::LockedUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(())
}
