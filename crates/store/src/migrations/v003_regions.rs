use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

pub(super) fn v3_regions(backend: DatabaseBackend) -> Vec<Statement> {
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
