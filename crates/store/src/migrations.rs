//! Versioned schema migrations, embedded in the binary and run at start-up.
//!
//! Each version runs in one transaction together with its row in
//! `schema_migrations`, so a failed version leaves the schema as it was. A
//! database whose newest version is unknown to this binary is refused: an
//! older program must not write into a schema it does not understand.
//! Versions are frozen once released; change the schema by adding one.

use sea_orm::ExprTrait;
use sea_orm::sea_query::{ColumnDef, Expr, ForeignKey, ForeignKeyAction, Index, Query, Table};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, TransactionTrait};

use crate::StoreError;

struct Migration {
    version: i64,
    name: &'static str,
    statements: fn(DatabaseBackend) -> Vec<Statement>,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "accounts, partners, sessions, audit log",
        statements: v1_foundation,
    },
    Migration {
        version: 2,
        name: "partner status and its history",
        statements: v2_partner_status,
    },
    Migration {
        version: 3,
        name: "regions",
        statements: v3_regions,
    },
    Migration {
        version: 4,
        name: "authorizations and selective limits",
        statements: v4_authorizations,
    },
];

/// The schema version this binary writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The newest version applied to the database (0 for an empty one).
pub async fn current_version(db: &DatabaseConnection) -> Result<i64, StoreError> {
    ensure_ledger(db).await?;
    let row = db
        .query_one(
            Query::select()
                .expr_as(Expr::col("version").max(), "version")
                .from("schema_migrations"),
        )
        .await?;
    Ok(row
        .and_then(|r| r.try_get::<Option<i64>>("", "version").ok().flatten())
        .unwrap_or(0))
}

/// Applies every pending version; returns the versions applied.
pub async fn migrate(db: &DatabaseConnection) -> Result<Vec<i64>, StoreError> {
    let current = current_version(db).await?;
    check_not_newer(current)?;
    let backend = db.get_database_backend();
    let mut applied = Vec::new();
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        let tx = db.begin().await?;
        if backend == DatabaseBackend::Postgres {
            // Several nodes may start at once; one migrates, the others wait
            // and then find the version applied.
            tx.execute_unprepared("SELECT pg_advisory_xact_lock(727170)")
                .await?;
            let done = tx
                .query_one(
                    Query::select()
                        .expr(Expr::val(1))
                        .from("schema_migrations")
                        .and_where(Expr::col("version").eq(migration.version)),
                )
                .await?;
            if done.is_some() {
                tx.commit().await?;
                continue;
            }
        }
        for statement in (migration.statements)(backend) {
            tx.execute_raw(statement).await?;
        }
        tx.execute(
            Query::insert()
                .into_table("schema_migrations")
                .columns(["version", "name", "applied_at"])
                .values_panic([
                    migration.version.into(),
                    migration.name.into(),
                    crate::now().into(),
                ]),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied migration"
        );
        applied.push(migration.version);
    }
    Ok(applied)
}

/// Refuses to serve a database that is not exactly at this binary's version.
pub async fn check_current(db: &DatabaseConnection) -> Result<(), StoreError> {
    let current = current_version(db).await?;
    check_not_newer(current)?;
    if current < latest_version() {
        return Err(StoreError::OlderSchema {
            database: current,
            binary: latest_version(),
        });
    }
    Ok(())
}

fn check_not_newer(current: i64) -> Result<(), StoreError> {
    if current > latest_version() {
        return Err(StoreError::NewerSchema {
            database: current,
            binary: latest_version(),
        });
    }
    Ok(())
}

async fn ensure_ledger(db: &DatabaseConnection) -> Result<(), StoreError> {
    db.execute(
        Table::create()
            .table("schema_migrations")
            .if_not_exists()
            .col(
                ColumnDef::new("version")
                    .big_integer()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new("name").string().not_null())
            .col(
                ColumnDef::new("applied_at")
                    .timestamp_with_time_zone()
                    .not_null(),
            ),
    )
    .await?;
    Ok(())
}

fn id() -> ColumnDef {
    ColumnDef::new("id")
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn instant(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn v1_foundation(backend: DatabaseBackend) -> Vec<Statement> {
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
    for (table, column) in [
        ("partners", "parent_id"),
        ("partners", "path"),
        ("partners", "owner_id"),
        ("users", "partner_id"),
        ("api_tokens", "user_id"),
        ("sessions", "expires_at"),
        ("audit_log", "at"),
        ("audit_log", "entity"),
        ("audit_log", "actor_id"),
    ] {
        statements.push(
            backend.build(
                Index::create()
                    .name(format!("ix_{table}_{column}"))
                    .table(table)
                    .col(column),
            ),
        );
    }
    statements
}

fn v2_partner_status(backend: DatabaseBackend) -> Vec<Statement> {
    // Partners recorded before statuses existed were all trading partners.
    let status = Table::alter()
        .table("partners")
        .add_column(
            ColumnDef::new("status")
                .string_len(16)
                .not_null()
                .default("active"),
        )
        .to_owned();
    let history = Table::create()
        .table("partner_status_history")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("from_status").string_len(16).null())
        .col(ColumnDef::new("to_status").string_len(16).not_null())
        .col(ColumnDef::new("reason").string_len(500).not_null())
        .col(ColumnDef::new("changed_by").string_len(64).not_null())
        .col(instant("changed_at"))
        .foreign_key(
            ForeignKey::create()
                .from("partner_status_history", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let by_partner = Index::create()
        .name("ix_partner_status_history_partner_id")
        .table("partner_status_history")
        .col("partner_id")
        .to_owned();
    let by_status = Index::create()
        .name("ix_partners_status")
        .table("partners")
        .col("status")
        .to_owned();
    vec![
        backend.build(&status),
        backend.build(&history),
        backend.build(&by_partner),
        backend.build(&by_status),
    ]
}

fn v3_regions(backend: DatabaseBackend) -> Vec<Statement> {
    // A tree like partners: `path` is the chain of ids (`/1/35/`), so "this
    // region and everything inside it" is one prefix match, and "everything
    // above it" is the ids in its own path.
    let regions = Table::create()
        .table("regions")
        .col(id())
        .col(
            ColumnDef::new("code")
                .string_len(16)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("name").string_len(100).not_null())
        .col(ColumnDef::new("name_en").string_len(100).null())
        .col(ColumnDef::new("level").string_len(16).not_null())
        .col(ColumnDef::new("parent_id").big_integer().null())
        .col(ColumnDef::new("depth").integer().not_null())
        .col(ColumnDef::new("path").string_len(255).not_null())
        .col(
            ColumnDef::new("builtin")
                .boolean()
                .not_null()
                .default(false),
        )
        .col(instant("created_at"))
        .foreign_key(
            ForeignKey::create()
                .from("regions", "parent_id")
                .to("regions", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let mut statements = vec![backend.build(&regions)];
    for column in ["parent_id", "path"] {
        statements.push(
            backend.build(
                Index::create()
                    .name(format!("ix_regions_{column}"))
                    .table("regions")
                    .col(column),
            ),
        );
    }
    statements
}

fn v4_authorizations(backend: DatabaseBackend) -> Vec<Statement> {
    // Validity is an inclusive range of calendar days. Ending an
    // authorization early moves `valid_to` and records who ended it and why;
    // nothing is deleted.
    let authorizations = Table::create()
        .table("authorizations")
        .col(id())
        .col(
            ColumnDef::new("code")
                .string_len(32)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("region_id").big_integer().not_null())
        .col(ColumnDef::new("product_line").string_len(32).not_null())
        .col(ColumnDef::new("mode").string_len(16).not_null())
        .col(ColumnDef::new("valid_from").date().not_null())
        .col(ColumnDef::new("valid_to").date().not_null())
        .col(ColumnDef::new("ended_at").timestamp_with_time_zone().null())
        .col(ColumnDef::new("ended_by").string_len(64).null())
        .col(ColumnDef::new("end_reason").string_len(500).null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .foreign_key(
            ForeignKey::create()
                .from("authorizations", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("authorizations", "region_id")
                .to("regions", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    // `*` is the global default; a missing row means the built-in default.
    let limits = Table::create()
        .table("selective_limits")
        .col(
            ColumnDef::new("product_line")
                .string_len(32)
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new("max_partners").integer().not_null())
        .col(ColumnDef::new("updated_by").string_len(64).not_null())
        .col(instant("updated_at"))
        .to_owned();
    let mut statements = vec![backend.build(&authorizations), backend.build(&limits)];
    for column in ["partner_id", "region_id", "product_line"] {
        statements.push(
            backend.build(
                Index::create()
                    .name(format!("ix_authorizations_{column}"))
                    .table("authorizations")
                    .col(column),
            ),
        );
    }
    statements
}
