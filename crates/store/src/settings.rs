//! The company's settings, one row per setting (`settings`).

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, Set};

use crate::StoreError;
use crate::error::read;
use qudao_domain::settings::Settings;

pub mod setting {
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub value: String,
        pub updated_by: String,
        pub updated_at: DateTimeUtc,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// The settings: the defaults, overridden by every stored value. A stored
/// value its setting does not accept is `Unreadable`, never the default.
pub async fn read_settings(db: &impl ConnectionTrait) -> Result<Settings, StoreError> {
    let rows = setting::Entity::find()
        .order_by_asc(setting::Column::Key)
        .all(db)
        .await?;
    let mut settings = Settings::default();
    for (i, row) in rows.iter().enumerate() {
        read("settings", i as i64, "value", &row.value, |v| {
            settings.set(&row.key, v)
        })?;
    }
    Ok(settings)
}

/// Stores every setting (inserting those never stored before).
pub async fn save(tx: &crate::WriteTx, settings: &Settings, actor: &str) -> Result<(), StoreError> {
    let now = crate::now();
    for (key, value) in settings.stored() {
        let row = setting::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(value),
            updated_by: Set(actor.to_owned()),
            updated_at: Set(now),
        };
        if setting::Entity::find_by_id(key).one(tx).await?.is_some() {
            row.update(tx).await?;
        } else {
            row.insert(tx).await?;
        }
    }
    Ok(())
}
