use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

pub(super) fn v1_foundation(backend: DatabaseBackend) -> Vec<Statement> {
    let partners = Table::create()
        .table("partners")
        .col(id())
        .col(
            ColumnDef::new("code")
                .string_len(32)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("name").string_len(200).not_null())
        .col(ColumnDef::new("partner_type").string_len(32).not_null())
        .col(ColumnDef::new("parent_id").big_integer().null())
        .col(ColumnDef::new("depth").integer().not_null())
        .col(ColumnDef::new("path").string_len(400).not_null())
        .col(ColumnDef::new("owner_id").big_integer().null())
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .foreign_key(
            ForeignKey::create()
                .from("partners", "parent_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("partners", "owner_id")
                .to("users", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let mut users = Table::create()
        .table("users")
        .col(id())
        .col(
            ColumnDef::new("login")
                .string_len(64)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("display_name").string_len(100).not_null())
        .col(ColumnDef::new("role").string_len(32).not_null())
        .col(ColumnDef::new("partner_id").big_integer().null())
        .col(ColumnDef::new("password_hash").string().not_null())
        .col(ColumnDef::new("status").string_len(16).not_null())
        .col(
            ColumnDef::new("failed_logins")
                .integer()
                .not_null()
                .default(0),
        )
        .col(
            ColumnDef::new("locked_until")
                .timestamp_with_time_zone()
                .null(),
        )
        .col(instant("password_changed_at"))
        .col(
            ColumnDef::new("last_login_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .to_owned();
    // Users and partners point at each other. SQLite accepts a foreign key to
    // a table created later but cannot add one afterwards; PostgreSQL is the
    // other way round.
    let mut user_partner = ForeignKey::create()
        .name("fk_users_partner_id")
        .from("users", "partner_id")
        .to("partners", "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned();
    if backend == DatabaseBackend::Sqlite {
        users.foreign_key(&mut user_partner);
    }
    let api_tokens = Table::create()
        .table("api_tokens")
        .col(id())
        .col(ColumnDef::new("user_id").big_integer().not_null())
        .col(ColumnDef::new("name").string_len(100).not_null())
        .col(
            ColumnDef::new("token_hash")
                .string_len(64)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("prefix").string_len(16).not_null())
        .col(instant("created_at"))
        .col(
            ColumnDef::new("last_used_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .col(
            ColumnDef::new("revoked_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .foreign_key(
            ForeignKey::create()
                .from("api_tokens", "user_id")
                .to("users", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let sessions = Table::create()
        .table("sessions")
        .col(ColumnDef::new("id").string_len(64).not_null().primary_key())
        .col(ColumnDef::new("data").text().not_null())
        .col(instant("expires_at"))
        .to_owned();
    let audit = Table::create()
        .table("audit_log")
        .col(id())
        .col(instant("at"))
        .col(ColumnDef::new("actor_id").big_integer().null())
        .col(ColumnDef::new("actor_login").string_len(64).not_null())
        .col(ColumnDef::new("entity").string_len(32).not_null())
        .col(ColumnDef::new("entity_key").string_len(64).not_null())
        .col(ColumnDef::new("action").string_len(32).not_null())
        .col(ColumnDef::new("before_json").text().null())
        .col(ColumnDef::new("after_json").text().null())
        .to_owned();
    let mut statements = vec![backend.build(&users), backend.build(&partners)];
    if backend != DatabaseBackend::Sqlite {
        statements.push(backend.build(&user_partner));
    }
    statements.extend([
        backend.build(&api_tokens),
        backend.build(&sessions),
        backend.build(&audit),
    ]);
    statements.extend(
        [
            ("partners", "parent_id"),
            ("partners", "path"),
            ("partners", "owner_id"),
            ("users", "partner_id"),
            ("api_tokens", "user_id"),
            ("sessions", "expires_at"),
            ("audit_log", "at"),
            ("audit_log", "entity"),
            ("audit_log", "actor_id"),
        ]
        .map(|(table, column)| index(backend, table, column)),
    );
    statements
}
