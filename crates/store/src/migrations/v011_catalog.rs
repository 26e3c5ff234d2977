use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Index, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

pub(super) fn v11_catalog(backend: DatabaseBackend) -> Vec<Statement> {
    // Product lines were plain codes on territory rights; now they are
    // records with names, and products belong to one.
    let lines = Table::create()
        .table("product_lines")
        .col(id())
        .col(
            ColumnDef::new("code")
                .string_len(32)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("name_zh").string_len(100).not_null())
        .col(ColumnDef::new("name_en").string_len(100).not_null())
        .col(ColumnDef::new("status").string_len(16).not_null())
        .col(instant("created_at"))
        .to_owned();
    let products = Table::create()
        .table("products")
        .col(id())
        .col(ColumnDef::new("sku").string_len(40).not_null().unique_key())
        .col(ColumnDef::new("name_zh").string_len(200).not_null())
        .col(ColumnDef::new("name_en").string_len(200).not_null())
        .col(ColumnDef::new("product_line_id").big_integer().not_null())
        .col(ColumnDef::new("category").string_len(60).not_null())
        .col(ColumnDef::new("unit").string_len(16).not_null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(ColumnDef::new("list_price").big_integer().not_null())
        .col(ColumnDef::new("cost").big_integer().null())
        .col(ColumnDef::new("launch_date").date().null())
        .col(
            ColumnDef::new("serial_tracked")
                .boolean()
                .not_null()
                .default(false),
        )
        .col(ColumnDef::new("status").string_len(16).not_null())
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .foreign_key(
            ForeignKey::create()
                .from("products", "product_line_id")
                .to("product_lines", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    // Which partner types (and, optionally, only which grades of them) may
    // buy a product line. A line with no rows is open to every channel.
    let channels = Table::create()
        .table("product_line_channels")
        .col(id())
        .col(ColumnDef::new("product_line_id").big_integer().not_null())
        .col(ColumnDef::new("partner_type").string_len(32).not_null())
        .col(ColumnDef::new("grade_id").big_integer().null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .foreign_key(
            ForeignKey::create()
                .from("product_line_channels", "product_line_id")
                .to("product_lines", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("product_line_channels", "grade_id")
                .to("grades", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let channel_key = Index::create()
        .name("ux_product_line_channels_rule")
        .table("product_line_channels")
        .col("product_line_id")
        .col("partner_type")
        .col("grade_id")
        .unique()
        .to_owned();
    // A closed month accepts no new or changed fact dated inside it; the
    // events keep every close and reopen with its reason.
    let closed = Table::create()
        .table("closed_periods")
        .col(
            ColumnDef::new("month")
                .string_len(7)
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new("closed_by").string_len(64).not_null())
        .col(instant("closed_at"))
        .to_owned();
    let events = Table::create()
        .table("period_events")
        .col(id())
        .col(ColumnDef::new("month").string_len(7).not_null())
        .col(ColumnDef::new("action").string_len(16).not_null())
        .col(ColumnDef::new("reason").string_len(500).not_null())
        .col(ColumnDef::new("actor").string_len(64).not_null())
        .col(instant("at"))
        .to_owned();
    vec![
        backend.build(&lines),
        seed_lines(backend),
        backend.build(&products),
        index(backend, "products", "product_line_id"),
        index(backend, "products", "status"),
        backend.build(&channels),
        backend.build(&channel_key),
        backend.build(&closed),
        backend.build(&events),
        index(backend, "period_events", "month"),
    ]
}

/// Every product line already named by a territory right or a selective
/// limit becomes a record. The demo's five lines get their names; any other
/// code is named by itself until someone renames it.
fn seed_lines(backend: DatabaseBackend) -> Statement {
    let now = match backend {
        DatabaseBackend::Postgres => "CURRENT_TIMESTAMP",
        _ => "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')",
    };
    Statement::from_string(
        backend,
        format!(
            "INSERT INTO product_lines (code, name_zh, name_en, status, created_at) \
             SELECT code, \
               CASE code WHEN 'TEA' THEN '茶饮' WHEN 'COFFEE' THEN '咖啡' \
                 WHEN 'SNACK' THEN '休闲零食' WHEN 'BEVERAGE' THEN '饮料' \
                 WHEN 'LIGHTING' THEN '照明' ELSE code END, \
               CASE code WHEN 'TEA' THEN 'Tea' WHEN 'COFFEE' THEN 'Coffee' \
                 WHEN 'SNACK' THEN 'Snacks' WHEN 'BEVERAGE' THEN 'Beverages' \
                 WHEN 'LIGHTING' THEN 'Lighting' ELSE code END, \
               'active', {now} \
             FROM (SELECT product_line AS code FROM authorizations \
                   UNION SELECT product_line FROM selective_limits WHERE product_line <> '*') AS used \
             ORDER BY 1"
        ),
    )
}
