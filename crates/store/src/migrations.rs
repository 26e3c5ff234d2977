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
    Migration {
        version: 5,
        name: "agreement versions",
        statements: v5_agreements,
    },
    Migration {
        version: 6,
        name: "grades and onboarding",
        statements: v6_grades_onboarding,
    },
    Migration {
        version: 7,
        name: "partner record: home region, address, credit limit, contacts",
        statements: v7_partner_record,
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

/// The index `ix_<table>_<column>`, the one naming every version uses.
fn index(backend: DatabaseBackend, table: &'static str, column: &'static str) -> Statement {
    backend.build(
        Index::create()
            .name(format!("ix_{table}_{column}"))
            .table(table)
            .col(column),
    )
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
    vec![
        backend.build(&status),
        backend.build(&history),
        index(backend, "partner_status_history", "partner_id"),
        index(backend, "partners", "status"),
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
    statements.extend(["parent_id", "path"].map(|column| index(backend, "regions", column)));
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
    statements.extend(
        ["partner_id", "region_id", "product_line"]
            .map(|column| index(backend, "authorizations", column)),
    );
    statements
}

fn v5_agreements(backend: DatabaseBackend) -> Vec<Statement> {
    // One row per version; the agreement is the partner's set of versions.
    let versions = Table::create()
        .table("agreement_versions")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("version").integer().not_null())
        .col(ColumnDef::new("status").string_len(16).not_null())
        .col(ColumnDef::new("valid_from").date().not_null())
        .col(ColumnDef::new("valid_to").date().not_null())
        .col(ColumnDef::new("price_list_code").string_len(32).null())
        .col(ColumnDef::new("rebate_programs").string_len(700).not_null())
        .col(ColumnDef::new("target_minor").big_integer().null())
        .col(ColumnDef::new("target_currency").string_len(3).null())
        .col(ColumnDef::new("after_sales_duties").text().not_null())
        .col(ColumnDef::new("payment_net_days").integer().not_null())
        .col(ColumnDef::new("payment_terms").string_len(500).not_null())
        .col(ColumnDef::new("training_duties").text().not_null())
        .col(ColumnDef::new("signed_on").date().null())
        .col(ColumnDef::new("note").string_len(500).not_null())
        .col(ColumnDef::new("superseded_from").date().null())
        .col(ColumnDef::new("superseded_by").integer().null())
        .col(ColumnDef::new("terminated_from").date().null())
        .col(ColumnDef::new("termination_reason").string_len(500).null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .col(ColumnDef::new("activated_by").string_len(64).null())
        .col(
            ColumnDef::new("activated_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .foreign_key(
            ForeignKey::create()
                .from("agreement_versions", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let by_partner = Index::create()
        .name("ux_agreement_versions_partner_version")
        .table("agreement_versions")
        .col("partner_id")
        .col("version")
        .unique()
        .to_owned();
    let mut statements = vec![backend.build(&versions), backend.build(&by_partner)];
    statements
        .extend(["valid_to", "status"].map(|column| index(backend, "agreement_versions", column)));
    statements
}

fn v6_grades_onboarding(backend: DatabaseBackend) -> Vec<Statement> {
    use qudao_domain::grades::DEFAULT_GRADES;
    use qudao_domain::onboarding::DEFAULT_CRITERIA;
    let grades = Table::create()
        .table("grades")
        .col(id())
        .col(
            ColumnDef::new("code")
                .string_len(32)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("name").string_len(100).not_null())
        .col(ColumnDef::new("name_en").string_len(100).null())
        .col(ColumnDef::new("rank").integer().not_null().unique_key())
        .col(ColumnDef::new("benefits").text().not_null())
        // Scores as decimal text (`75`, `82.5`): exact on both databases.
        .col(ColumnDef::new("promote_threshold").string_len(16).null())
        .col(ColumnDef::new("demote_threshold").string_len(16).null())
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .to_owned();
    // Both databases accept a nullable column with a reference added to an
    // existing table in this one form (SQLite cannot add a constraint later).
    let partner_grade = Statement::from_string(
        backend,
        "ALTER TABLE partners ADD COLUMN grade_id BIGINT NULL REFERENCES grades (id)",
    );
    let history = Table::create()
        .table("partner_grade_history")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("from_grade_id").big_integer().null())
        .col(ColumnDef::new("to_grade_id").big_integer().not_null())
        .col(ColumnDef::new("reason").string_len(500).not_null())
        .col(ColumnDef::new("changed_by").string_len(64).not_null())
        .col(instant("changed_at"))
        .foreign_key(
            ForeignKey::create()
                .from("partner_grade_history", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("partner_grade_history", "from_grade_id")
                .to("grades", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("partner_grade_history", "to_grade_id")
                .to("grades", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let criteria = Table::create()
        .table("onboarding_criteria")
        .col(id())
        .col(
            ColumnDef::new("code")
                .string_len(32)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("name").string_len(100).not_null())
        .col(ColumnDef::new("name_en").string_len(100).null())
        .col(ColumnDef::new("weight").string_len(16).not_null())
        .col(ColumnDef::new("active").boolean().not_null().default(true))
        .col(ColumnDef::new("position").integer().not_null())
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .to_owned();
    let evaluations = Table::create()
        .table("onboarding_evaluations")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("total").string_len(16).not_null())
        .col(ColumnDef::new("comment").text().not_null())
        .col(ColumnDef::new("evaluated_by").string_len(64).not_null())
        .col(instant("evaluated_at"))
        .foreign_key(
            ForeignKey::create()
                .from("onboarding_evaluations", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    // Each score keeps the criterion's code, name and weight as they were,
    // so a later change of weights never rewrites a past total.
    let scores = Table::create()
        .table("onboarding_evaluation_scores")
        .col(id())
        .col(ColumnDef::new("evaluation_id").big_integer().not_null())
        .col(ColumnDef::new("criterion_id").big_integer().not_null())
        .col(ColumnDef::new("criterion_code").string_len(32).not_null())
        .col(ColumnDef::new("criterion_name").string_len(100).not_null())
        .col(ColumnDef::new("weight").string_len(16).not_null())
        .col(ColumnDef::new("score").string_len(16).not_null())
        .foreign_key(
            ForeignKey::create()
                .from("onboarding_evaluation_scores", "evaluation_id")
                .to("onboarding_evaluations", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("onboarding_evaluation_scores", "criterion_id")
                .to("onboarding_criteria", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let mut statements = vec![
        backend.build(&grades),
        partner_grade,
        backend.build(&history),
        backend.build(&criteria),
        backend.build(&evaluations),
        backend.build(&scores),
    ];
    statements.extend(
        [
            ("partners", "grade_id"),
            ("partner_grade_history", "partner_id"),
            ("onboarding_evaluations", "partner_id"),
            ("onboarding_evaluation_scores", "evaluation_id"),
        ]
        .map(|(table, column)| index(backend, table, column)),
    );
    let now = crate::now();
    let mut seed_grades = Query::insert()
        .into_table("grades")
        .columns([
            "code",
            "name",
            "name_en",
            "rank",
            "benefits",
            "promote_threshold",
            "demote_threshold",
            "created_at",
            "updated_at",
        ])
        .to_owned();
    for g in DEFAULT_GRADES {
        seed_grades.values_panic([
            g.code.into(),
            g.name.into(),
            g.name_en.into(),
            g.rank.into(),
            g.benefits.into(),
            g.promote.map(str::to_owned).into(),
            g.demote.map(str::to_owned).into(),
            now.into(),
            now.into(),
        ]);
    }
    let mut seed_criteria = Query::insert()
        .into_table("onboarding_criteria")
        .columns([
            "code",
            "name",
            "name_en",
            "weight",
            "active",
            "position",
            "created_at",
            "updated_at",
        ])
        .to_owned();
    for (position, (code, name, name_en, weight)) in (1i32..).zip(DEFAULT_CRITERIA) {
        seed_criteria.values_panic([
            (*code).into(),
            (*name).into(),
            (*name_en).into(),
            (*weight).into(),
            true.into(),
            (position * 10).into(),
            now.into(),
            now.into(),
        ]);
    }
    statements.push(backend.build(&seed_grades));
    statements.push(backend.build(&seed_criteria));
    statements
}

fn v7_partner_record(backend: DatabaseBackend) -> Vec<Statement> {
    // Each added column is its own ALTER: SQLite takes one column per statement.
    let add = |column: ColumnDef| {
        backend.build(
            &Table::alter()
                .table("partners")
                .add_column(column)
                .to_owned(),
        )
    };
    let mut statements = vec![
        add(ColumnDef::new("region_id").big_integer().null().to_owned()),
        add(ColumnDef::new("address").string_len(300).null().to_owned()),
        // Money as integer minor units of `currency` (DESIGN.md §4).
        add(ColumnDef::new("credit_limit")
            .big_integer()
            .null()
            .to_owned()),
        add(ColumnDef::new("currency")
            .string_len(3)
            .not_null()
            .default("CNY")
            .to_owned()),
    ];
    let contacts = Table::create()
        .table("partner_contacts")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("name").string_len(100).not_null())
        .col(ColumnDef::new("role").string_len(50).not_null())
        .col(ColumnDef::new("phone").string_len(30).null())
        .col(ColumnDef::new("email").string_len(254).null())
        .col(ColumnDef::new("birthday").date().null())
        .col(instant("created_at"))
        .foreign_key(
            ForeignKey::create()
                .from("partner_contacts", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned();
    statements.push(backend.build(&contacts));
    statements.extend(
        [
            ("partner_contacts", "partner_id"),
            ("partners", "region_id"),
        ]
        .map(|(table, column)| index(backend, table, column)),
    );
    statements
}
