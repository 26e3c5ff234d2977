use sea_orm::sea_query::{ColumnDef, ForeignKey, ForeignKeyAction, Index, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, instant};

/// Each region's planned number of retail outlets, the denominator of
/// outlet coverage: one row per region (unique), changed in place and
/// audited.
pub(super) fn v26_outlets(backend: DatabaseBackend) -> Vec<Statement> {
    let plans = Table::create()
        .table("outlet_plans")
        .col(id())
        .col(ColumnDef::new("region_id").big_integer().not_null())
        .col(ColumnDef::new("planned").big_integer().not_null())
        .col(ColumnDef::new("updated_by").string_len(64).not_null())
        .col(instant("updated_at"))
        .foreign_key(
            ForeignKey::create()
                .from("outlet_plans", "region_id")
                .to("regions", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned();
    let one_per_region = Index::create()
        .name("ux_outlet_plans_region")
        .table("outlet_plans")
        .col("region_id")
        .unique()
        .to_owned();
    vec![backend.build(&plans), backend.build(&one_per_region)]
}
