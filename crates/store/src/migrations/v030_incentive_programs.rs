use sea_orm::sea_query::{ColumnDef, Index, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

/// Incentive programs, one row per version of a code (unique), as
/// `docs/INCENTIVES.md` describes them.
///
/// - `document` is the program as JSON text, exactly as written when it was
///   written in JSON (a TOML document is kept as the same document in
///   JSON); it is read back through `Program::parse`, so a stored document
///   this program would refuse is an error, not a default. `kind`, `name`,
///   `currency` and the effective dates repeat the document's so lists and
///   the overlap rule need not parse every document.
/// - `status`: `draft` (may be replaced in place), `active` (in force) or
///   `retired` (kept for the runs that used it); `activated_by`/`_at` say
///   who put the version in force and when.
pub(super) fn v30_incentive_programs(backend: DatabaseBackend) -> Vec<Statement> {
    let programs = Table::create()
        .table("incentive_programs")
        .col(id())
        .col(ColumnDef::new("code").string_len(32).not_null())
        .col(ColumnDef::new("version").integer().not_null())
        .col(ColumnDef::new("kind").string_len(16).not_null())
        .col(ColumnDef::new("name").string_len(200).not_null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(ColumnDef::new("effective_from").date().not_null())
        .col(ColumnDef::new("effective_to").date().not_null())
        .col(ColumnDef::new("document").text().not_null())
        .col(ColumnDef::new("status").string_len(16).not_null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .col(ColumnDef::new("activated_by").string_len(64).null())
        .col(
            ColumnDef::new("activated_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .to_owned();
    let key = Index::create()
        .name("ux_incentive_programs_code_version")
        .table("incentive_programs")
        .col("code")
        .col("version")
        .unique()
        .to_owned();
    vec![
        backend.build(&programs),
        backend.build(&key),
        index(backend, "incentive_programs", "status"),
    ]
}
