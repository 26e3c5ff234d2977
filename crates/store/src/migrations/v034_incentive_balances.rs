use sea_orm::sea_query::{
    ColumnDef, ForeignKey, ForeignKeyAction, ForeignKeyCreateStatement, Table,
};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

fn fk(from: &'static str, column: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, column)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// Payout balances (`docs/INCENTIVES.md`, "Balances").
///
/// - `incentive_balance_movements`: append-only movements of a partner's
///   `wallet`, `goods` and `marketing_fund` balances; a balance is the sum
///   of its movements. `kind` is `earned` (a settlement: `ledger_entry_id`
///   and `program_code` say which), `spent` (on an order, `order_id`, or
///   for a `reason`), `reversed` (an order cancelled or rejected returns
///   what it spent) or `adjusted` (staff, with a `reason`). `amount` is
///   signed, minor units of `currency`.
/// - `order_wallet_requests`: what a draft order asks of the rebate wallet
///   (`amount` NULL: the most allowed when it is submitted), one row per
///   order; the spending itself is a movement.
pub(super) fn v34_incentive_balances(backend: DatabaseBackend) -> Vec<Statement> {
    const MOVES: &str = "incentive_balance_movements";
    let movements = Table::create()
        .table(MOVES)
        .col(id())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("form").string_len(16).not_null())
        .col(ColumnDef::new("kind").string_len(16).not_null())
        .col(ColumnDef::new("amount").big_integer().not_null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(ColumnDef::new("ledger_entry_id").big_integer().null())
        .col(ColumnDef::new("program_code").string_len(32).null())
        .col(ColumnDef::new("order_id").big_integer().null())
        .col(ColumnDef::new("reason").string_len(200).null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .foreign_key(&mut fk(MOVES, "partner_id", "partners"))
        .foreign_key(&mut fk(MOVES, "ledger_entry_id", "incentive_ledger"))
        .foreign_key(&mut fk(MOVES, "order_id", "orders"))
        .to_owned();
    let requests = Table::create()
        .table("order_wallet_requests")
        .col(id())
        .col(
            ColumnDef::new("order_id")
                .big_integer()
                .not_null()
                .unique_key(),
        )
        .col(ColumnDef::new("amount").big_integer().null())
        .col(instant("updated_at"))
        .foreign_key(&mut fk("order_wallet_requests", "order_id", "orders"))
        .to_owned();
    vec![
        backend.build(&movements),
        index(backend, MOVES, "partner_id"),
        index(backend, MOVES, "order_id"),
        backend.build(&requests),
    ]
}
