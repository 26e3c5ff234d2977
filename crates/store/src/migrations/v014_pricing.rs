use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Index, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

pub(super) fn v14_pricing(backend: DatabaseBackend) -> Vec<Statement> {
    // A list targets exactly one of a partner type, a grade or a partner:
    // `applies_to` says which, and only that target column is set. A
    // partner's own list also needs its agreement to name it by code
    // (`agreement_versions.price_list_code`, there since version 5), so the
    // partner column is where the list may apply, the agreement whether.
    let lists = Table::create()
        .table("price_lists")
        .col(id())
        .col(
            ColumnDef::new("code")
                .string_len(32)
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("name_zh").string_len(100).not_null())
        .col(ColumnDef::new("name_en").string_len(100).not_null())
        .col(ColumnDef::new("applies_to").string_len(16).not_null())
        .col(ColumnDef::new("partner_type").string_len(32).null())
        .col(ColumnDef::new("grade_id").big_integer().null())
        .col(ColumnDef::new("partner_id").big_integer().null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(ColumnDef::new("mode").string_len(16).not_null())
        .col(ColumnDef::new("valid_from").date().not_null())
        .col(ColumnDef::new("valid_to").date().not_null())
        .col(ColumnDef::new("status").string_len(16).not_null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .foreign_key(
            ForeignKey::create()
                .from("price_lists", "grade_id")
                .to("grades", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from("price_lists", "partner_id")
                .to("partners", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    // Prices in the list's currency, in minor units; the band only on
    // flexible lists.
    let items = Table::create()
        .table("price_list_items")
        .col(id())
        .col(ColumnDef::new("price_list_id").big_integer().not_null())
        .col(ColumnDef::new("product_id").big_integer().not_null())
        .col(ColumnDef::new("price").big_integer().not_null())
        .col(ColumnDef::new("min_price").big_integer().null())
        .col(ColumnDef::new("max_price").big_integer().null())
        .foreign_key(
            ForeignKey::create()
                .from("price_list_items", "price_list_id")
                .to("price_lists", "id")
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .from("price_list_items", "product_id")
                .to("products", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let item_key = Index::create()
        .name("ux_price_list_items_product")
        .table("price_list_items")
        .col("price_list_id")
        .col("product_id")
        .unique()
        .to_owned();
    let breaks = Table::create()
        .table("price_breaks")
        .col(id())
        .col(ColumnDef::new("item_id").big_integer().not_null())
        .col(ColumnDef::new("from_qty").integer().not_null())
        .col(ColumnDef::new("price").big_integer().not_null())
        .foreign_key(
            ForeignKey::create()
                .from("price_breaks", "item_id")
                .to("price_list_items", "id")
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned();
    let break_key = Index::create()
        .name("ux_price_breaks_qty")
        .table("price_breaks")
        .col("item_id")
        .col("from_qty")
        .unique()
        .to_owned();
    vec![
        backend.build(&lists),
        index(backend, "price_lists", "status"),
        index(backend, "price_lists", "partner_id"),
        backend.build(&items),
        backend.build(&item_key),
        index(backend, "price_list_items", "product_id"),
        backend.build(&breaks),
        backend.build(&break_key),
    ]
}
