use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Index, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

pub(super) fn v13_sellthrough(backend: DatabaseBackend) -> Vec<Statement> {
    // One file (or API batch) of reported lines: who sent it, for which
    // partner (none: every partner the file names), and how far it got.
    // The counters are written when the upload ends; progress while it
    // runs lives in memory (the import holds the write lock).
    let uploads = Table::create()
        .table("sellthrough_uploads")
        .col(id())
        .col(ColumnDef::new("uploaded_by").string_len(64).not_null())
        .col(ColumnDef::new("partner_id").big_integer().null())
        .col(ColumnDef::new("file_name").string_len(255).not_null())
        .col(ColumnDef::new("state").string_len(16).not_null())
        .col(
            ColumnDef::new("dry_run")
                .boolean()
                .not_null()
                .default(false),
        )
        .col(
            ColumnDef::new("hold_unknown")
                .boolean()
                .not_null()
                .default(false),
        )
        .col(
            ColumnDef::new("rows_total")
                .big_integer()
                .not_null()
                .default(0),
        )
        .col(
            ColumnDef::new("rows_done")
                .big_integer()
                .not_null()
                .default(0),
        )
        .col(
            ColumnDef::new("rows_written")
                .big_integer()
                .not_null()
                .default(0),
        )
        .col(
            ColumnDef::new("rows_rejected")
                .big_integer()
                .not_null()
                .default(0),
        )
        .col(
            ColumnDef::new("rows_held")
                .big_integer()
                .not_null()
                .default(0),
        )
        // The row report as JSON (capped), in codes and rule keys, so each
        // reader sees it in its own language.
        .col(ColumnDef::new("report").text().not_null().default("{}"))
        .col(instant("created_at"))
        .col(
            ColumnDef::new("started_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .col(
            ColumnDef::new("finished_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .foreign_key(
            ForeignKey::create()
                .from("sellthrough_uploads", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    // The fact: append-only, never updated. `upload_row` is the row of the
    // file (or the index in an API batch) it came from.
    let lines = Table::create()
        .table("sellthrough_lines")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("product_id").big_integer().not_null())
        .col(ColumnDef::new("date").date().not_null())
        .col(ColumnDef::new("qty").big_integer().not_null())
        .col(ColumnDef::new("amount_minor").big_integer().not_null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(
            ColumnDef::new("customer_region_id")
                .big_integer()
                .not_null(),
        )
        .col(ColumnDef::new("customer_name").string_len(200).null())
        .col(ColumnDef::new("document_no").string_len(64).null())
        .col(ColumnDef::new("serial_no").string_len(64).null())
        .col(ColumnDef::new("upload_id").big_integer().not_null())
        .col(ColumnDef::new("upload_row").big_integer().not_null())
        .col(instant("created_at"))
        .foreign_key(
            ForeignKey::create()
                .from("sellthrough_lines", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("sellthrough_lines", "product_id")
                .to("products", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("sellthrough_lines", "customer_region_id")
                .to("regions", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("sellthrough_lines", "upload_id")
                .to("sellthrough_uploads", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    // The duplicate check looks lines up by partner and date first (which
    // also serves a partner's lines by month), then product, qty, amount.
    let duplicate_key = Index::create()
        .name("ix_sellthrough_lines_key")
        .table("sellthrough_lines")
        .col("partner_id")
        .col("date")
        .col("product_id")
        .col("qty")
        .col("amount_minor")
        .to_owned();
    // A partner's own code for one of our products.
    let codes = Table::create()
        .table("partner_product_codes")
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("code").string_len(40).not_null())
        .col(ColumnDef::new("product_id").big_integer().not_null())
        .col(ColumnDef::new("mapped_by").string_len(64).not_null())
        .col(instant("mapped_at"))
        .foreign_key(
            ForeignKey::create()
                .from("partner_product_codes", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("partner_product_codes", "product_id")
                .to("products", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let code_key = Index::create()
        .name("ux_partner_product_codes_code")
        .table("partner_product_codes")
        .col("partner_id")
        .col("code")
        .unique()
        .to_owned();
    // Rows that named a product code the partner has not mapped yet, kept
    // as parsed (with their upload and row) until a mapping releases them
    // into lines (the line carries the same upload and row).
    let held = Table::create()
        .table("sellthrough_held")
        .col(id())
        .col(ColumnDef::new("upload_id").big_integer().not_null())
        .col(ColumnDef::new("upload_row").big_integer().not_null())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("product_code").string_len(40).not_null())
        .col(ColumnDef::new("date").date().not_null())
        .col(ColumnDef::new("qty").big_integer().not_null())
        .col(ColumnDef::new("amount_minor").big_integer().not_null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(
            ColumnDef::new("customer_region_id")
                .big_integer()
                .not_null(),
        )
        .col(ColumnDef::new("customer_name").string_len(200).null())
        .col(ColumnDef::new("document_no").string_len(64).null())
        .col(ColumnDef::new("serial_no").string_len(64).null())
        .col(
            ColumnDef::new("released_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .col(ColumnDef::new("problem").string_len(300).null())
        .col(instant("created_at"))
        .foreign_key(
            ForeignKey::create()
                .from("sellthrough_held", "upload_id")
                .to("sellthrough_uploads", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("sellthrough_held", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let held_key = Index::create()
        .name("ix_sellthrough_held_code")
        .table("sellthrough_held")
        .col("partner_id")
        .col("product_code")
        .to_owned();
    vec![
        backend.build(&uploads),
        index(backend, "sellthrough_uploads", "partner_id"),
        backend.build(&lines),
        backend.build(&duplicate_key),
        index(backend, "sellthrough_lines", "upload_id"),
        backend.build(&codes),
        backend.build(&code_key),
        backend.build(&held),
        backend.build(&held_key),
        index(backend, "sellthrough_held", "upload_id"),
    ]
}
