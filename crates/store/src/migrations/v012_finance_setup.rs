use sea_orm::sea_query::{ColumnDef, Index, Table};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

pub(super) fn v12_finance_setup(backend: DatabaseBackend) -> Vec<Statement> {
    // One row per setting; a setting never stored has its default, so a new
    // setting needs no seed.
    let settings = Table::create()
        .table("settings")
        .col(
            ColumnDef::new("key")
                .string_len(64)
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new("value").string_len(200).not_null())
        .col(ColumnDef::new("updated_by").string_len(64).not_null())
        .col(instant("updated_at"))
        .to_owned();
    // The rate is decimal text: exact, and the same on both backends.
    let rates = Table::create()
        .table("exchange_rates")
        .col(id())
        .col(ColumnDef::new("month").string_len(7).not_null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(ColumnDef::new("rate").string_len(40).not_null())
        .col(ColumnDef::new("updated_by").string_len(64).not_null())
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .to_owned();
    let rate_key = Index::create()
        .name("ux_exchange_rates_month_currency")
        .table("exchange_rates")
        .col("month")
        .col("currency")
        .unique()
        .to_owned();
    vec![
        backend.build(&settings),
        backend.build(&rates),
        backend.build(&rate_key),
        index(backend, "exchange_rates", "currency"),
    ]
}
