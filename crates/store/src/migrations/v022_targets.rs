use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Index, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

/// Targets and the amendments of approved ones.
///
/// - A subject is held in typed columns, each a foreign key where the
///   subject is a record: `channel` (the partner type's word) for a
///   channel, `region_id`, `partner_id` (the column the scope mechanism
///   restricts by) or `user_id` (the sales rep); all null for the company.
///   `subject_key` repeats the subject as one text (`company`,
///   `channel:distributor`, `region:<id>`, `partner:<id>`, `rep:<id>`) and
///   `line_key` the product line (its id, 0 for every line), because a
///   unique index treats nulls as distinct: with them the index says "one
///   target per period, subject, measure, product line and version".
/// - `value` is an exact integer in the measure's unit (minor units of the
///   company currency, a count, or basis points of coverage).
/// - `parent_id` is the target this one was cascaded from.
/// - `target_amendments` logs every change to an approved target with its
///   reason; nothing there is ever updated.
pub(super) fn v22_targets(backend: DatabaseBackend) -> Vec<Statement> {
    let targets = Table::create()
        .table("targets")
        .col(id())
        .col(ColumnDef::new("period").string_len(10).not_null())
        .col(ColumnDef::new("subject_type").string_len(16).not_null())
        .col(ColumnDef::new("subject_key").string_len(64).not_null())
        .col(ColumnDef::new("channel").string_len(32).null())
        .col(ColumnDef::new("region_id").big_integer().null())
        .col(ColumnDef::new("partner_id").big_integer().null())
        .col(ColumnDef::new("user_id").big_integer().null())
        .col(ColumnDef::new("measure").string_len(32).not_null())
        .col(ColumnDef::new("product_line_id").big_integer().null())
        .col(ColumnDef::new("line_key").big_integer().not_null())
        .col(ColumnDef::new("value").big_integer().not_null())
        .col(ColumnDef::new("version").string_len(16).not_null())
        .col(ColumnDef::new("status").string_len(16).not_null())
        .col(ColumnDef::new("parent_id").big_integer().null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .foreign_key(
            ForeignKey::create()
                .from("targets", "region_id")
                .to("regions", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("targets", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("targets", "user_id")
                .to("users", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("targets", "product_line_id")
                .to("product_lines", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("targets", "parent_id")
                .to("targets", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let key = Index::create()
        .name("ux_targets_key")
        .table("targets")
        .col("period")
        .col("subject_key")
        .col("measure")
        .col("line_key")
        .col("version")
        .unique()
        .to_owned();
    let amendments = Table::create()
        .table("target_amendments")
        .col(id())
        .col(ColumnDef::new("target_id").big_integer().not_null())
        .col(ColumnDef::new("old_value").big_integer().not_null())
        .col(ColumnDef::new("new_value").big_integer().not_null())
        .col(ColumnDef::new("reason").string_len(500).not_null())
        .col(ColumnDef::new("amended_by").string_len(64).not_null())
        .col(instant("amended_at"))
        .foreign_key(
            ForeignKey::create()
                .from("target_amendments", "target_id")
                .to("targets", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    vec![
        backend.build(&targets),
        backend.build(&key),
        index(backend, "targets", "partner_id"),
        index(backend, "targets", "parent_id"),
        backend.build(&amendments),
        index(backend, "target_amendments", "target_id"),
    ]
}
