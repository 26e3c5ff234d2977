use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Index, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

pub(super) fn v8_people(backend: DatabaseBackend) -> Vec<Statement> {
    // The regions a channel manager or sales rep covers; with the partners
    // they own, these decide what they see.
    let user_regions = Table::create()
        .table("user_regions")
        .col(id())
        .col(ColumnDef::new("user_id").big_integer().not_null())
        .col(ColumnDef::new("region_id").big_integer().not_null())
        .col(instant("created_at"))
        .foreign_key(
            ForeignKey::create()
                .from("user_regions", "user_id")
                .to("users", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("user_regions", "region_id")
                .to("regions", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let unique_cover = Index::create()
        .name("ux_user_regions_user_region")
        .table("user_regions")
        .col("user_id")
        .col("region_id")
        .unique()
        .to_owned();
    // Login failure counters per client address (`login` empty) and per
    // account at an address; the account-wide counter stays on `users`.
    let throttle = Table::create()
        .table("login_throttle")
        .col(ColumnDef::new("address").string_len(64).not_null())
        .col(ColumnDef::new("login").string_len(64).not_null())
        .col(ColumnDef::new("failures").integer().not_null())
        .col(instant("window_start"))
        .col(
            ColumnDef::new("locked_until")
                .timestamp_with_time_zone()
                .null(),
        )
        .primary_key(Index::create().col("address").col("login"))
        .to_owned();
    // Each added column is its own ALTER: SQLite takes one column per statement.
    let audit_column = |column: ColumnDef| {
        backend.build(
            &Table::alter()
                .table("audit_log")
                .add_column(column)
                .to_owned(),
        )
    };
    vec![
        backend.build(&user_regions),
        backend.build(&unique_cover),
        index(backend, "user_regions", "region_id"),
        backend.build(&throttle),
        index(backend, "login_throttle", "login"),
        audit_column(
            ColumnDef::new("client_address")
                .string_len(64)
                .null()
                .to_owned(),
        ),
        audit_column(
            ColumnDef::new("user_agent")
                .string_len(300)
                .null()
                .to_owned(),
        ),
    ]
}
