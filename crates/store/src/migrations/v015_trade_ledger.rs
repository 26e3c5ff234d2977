use sea_orm::sea_query::{
    ColumnDef, ForeignKey, ForeignKeyAction, ForeignKeyCreateStatement, Index, Table,
    TableCreateStatement,
};
use sea_orm::{DatabaseBackend, Statement};

use super::{id, index, instant};

/// The ledger of goods and money between us and the channel: orders and
/// what became of them (shipments, returns, credit notes), invoices and
/// payments, partners' stock counts, and the sell-in fact every one of
/// them feeds. Nothing here is ever deleted: money depends on it, so every
/// reference restricts. Amounts are minor units in the row's currency.
pub(super) fn v15_trade_ledger(backend: DatabaseBackend) -> Vec<Statement> {
    // `seller_id` is the distributor a tier-2 partner orders from (二级订货);
    // none means the order is placed with us. `checks` holds the failing
    // checks of the last submission as rule keys and arguments (JSON), so
    // each reader sees them in its own language.
    let orders = table("orders")
        .col(number())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("seller_id").big_integer().null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(ColumnDef::new("status").string_len(16).not_null())
        .col(ColumnDef::new("order_date").date().not_null())
        .col(ColumnDef::new("note").string_len(500).not_null())
        .col(ColumnDef::new("checks").text().not_null().default("[]"))
        .col(ColumnDef::new("decided_by").string_len(64).null())
        .col(
            ColumnDef::new("decided_at")
                .timestamp_with_time_zone()
                .null(),
        )
        .col(ColumnDef::new("decision_reason").string_len(500).null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .col(instant("updated_at"))
        .foreign_key(&mut refers("orders", "partner_id", "partners"))
        .foreign_key(&mut refers("orders", "seller_id", "partners"))
        .to_owned();
    // The price is looked up (`list_price_minor`, from `price_list_id`);
    // `unit_price_minor` differs from it only by an override within the
    // band, which carries its reason here and its author in the audit log.
    let order_lines = table("order_lines")
        .col(ColumnDef::new("order_id").big_integer().not_null())
        .col(ColumnDef::new("line_no").integer().not_null())
        .col(ColumnDef::new("product_id").big_integer().not_null())
        .col(ColumnDef::new("qty").big_integer().not_null())
        .col(ColumnDef::new("list_price_minor").big_integer().not_null())
        .col(ColumnDef::new("price_list_id").big_integer().null())
        .col(ColumnDef::new("unit_price_minor").big_integer().not_null())
        .col(ColumnDef::new("override_reason").string_len(500).null())
        .col(ColumnDef::new("amount_minor").big_integer().not_null())
        .col(counter("qty_shipped"))
        .col(counter("qty_returned"))
        .foreign_key(&mut refers("order_lines", "order_id", "orders"))
        .foreign_key(&mut refers("order_lines", "product_id", "products"))
        .foreign_key(&mut refers("order_lines", "price_list_id", "price_lists"))
        .to_owned();
    let order_line_key = Index::create()
        .name("ux_order_lines_order_line")
        .table("order_lines")
        .col("order_id")
        .col("line_no")
        .unique()
        .to_owned();
    let shipments = table("shipments")
        .col(number())
        .col(ColumnDef::new("order_id").big_integer().not_null())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("shipped_on").date().not_null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .foreign_key(&mut refers("shipments", "order_id", "orders"))
        .foreign_key(&mut refers("shipments", "partner_id", "partners"))
        .to_owned();
    let shipment_lines = table("shipment_lines")
        .col(ColumnDef::new("shipment_id").big_integer().not_null())
        .col(ColumnDef::new("order_line_id").big_integer().not_null())
        .col(ColumnDef::new("product_id").big_integer().not_null())
        .col(ColumnDef::new("qty").big_integer().not_null())
        .col(ColumnDef::new("amount_minor").big_integer().not_null())
        .foreign_key(&mut refers("shipment_lines", "shipment_id", "shipments"))
        .foreign_key(&mut refers(
            "shipment_lines",
            "order_line_id",
            "order_lines",
        ))
        .foreign_key(&mut refers("shipment_lines", "product_id", "products"))
        .to_owned();
    // A serial number ships once per product.
    let serials = table("shipment_serials")
        .col(ColumnDef::new("shipment_line_id").big_integer().not_null())
        .col(ColumnDef::new("product_id").big_integer().not_null())
        .col(ColumnDef::new("serial_no").string_len(64).not_null())
        .foreign_key(&mut refers(
            "shipment_serials",
            "shipment_line_id",
            "shipment_lines",
        ))
        .foreign_key(&mut refers("shipment_serials", "product_id", "products"))
        .to_owned();
    let serial_key = Index::create()
        .name("ux_shipment_serials_product_serial")
        .table("shipment_serials")
        .col("product_id")
        .col("serial_no")
        .unique()
        .to_owned();
    // A return is against a shipped line. `returned_on` is in an open
    // period; a late return after close keeps the original shipment through
    // `shipment_line_id` instead of changing the closed month.
    let returns = table("returns")
        .col(number())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("order_line_id").big_integer().not_null())
        .col(ColumnDef::new("shipment_line_id").big_integer().not_null())
        .col(ColumnDef::new("product_id").big_integer().not_null())
        .col(ColumnDef::new("qty").big_integer().not_null())
        .col(ColumnDef::new("amount_minor").big_integer().not_null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(ColumnDef::new("reason").string_len(500).not_null())
        .col(ColumnDef::new("returned_on").date().not_null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .foreign_key(&mut refers("returns", "partner_id", "partners"))
        .foreign_key(&mut refers("returns", "order_line_id", "order_lines"))
        .foreign_key(&mut refers("returns", "shipment_line_id", "shipment_lines"))
        .foreign_key(&mut refers("returns", "product_id", "products"))
        .to_owned();
    // An invoice per shipment; one with no shipment is an opening balance
    // or comes from a previous system.
    let invoices = table("invoices")
        .col(number())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("shipment_id").big_integer().null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(ColumnDef::new("amount_minor").big_integer().not_null())
        .col(ColumnDef::new("issued_on").date().not_null())
        .col(ColumnDef::new("due_on").date().not_null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .foreign_key(&mut refers("invoices", "partner_id", "partners"))
        .foreign_key(&mut refers("invoices", "shipment_id", "shipments"))
        .to_owned();
    // A credit note lowers what a partner owes: for a return, against an
    // invoice, or on its own (a price correction, a goodwill credit).
    let credit_notes = table("credit_notes")
        .col(number())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("invoice_id").big_integer().null())
        .col(ColumnDef::new("return_id").big_integer().null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(ColumnDef::new("amount_minor").big_integer().not_null())
        .col(ColumnDef::new("reason").string_len(500).not_null())
        .col(ColumnDef::new("issued_on").date().not_null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .foreign_key(&mut refers("credit_notes", "partner_id", "partners"))
        .foreign_key(&mut refers("credit_notes", "invoice_id", "invoices"))
        .foreign_key(&mut refers("credit_notes", "return_id", "returns"))
        .to_owned();
    // A payment received; its allocations say which invoices it pays. What
    // is not allocated stays on the partner's account, which is only
    // allowed when the person recording it chose so (`overpayment`).
    let payments = table("payments")
        .col(number())
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(ColumnDef::new("amount_minor").big_integer().not_null())
        .col(ColumnDef::new("received_on").date().not_null())
        .col(ColumnDef::new("reference").string_len(100).null())
        .col(ColumnDef::new("source").string_len(16).not_null())
        .col(ColumnDef::new("overpayment").string_len(16).null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .foreign_key(&mut refers("payments", "partner_id", "partners"))
        .to_owned();
    let allocations = table("payment_allocations")
        .col(ColumnDef::new("payment_id").big_integer().not_null())
        .col(ColumnDef::new("invoice_id").big_integer().not_null())
        .col(ColumnDef::new("amount_minor").big_integer().not_null())
        .foreign_key(&mut refers("payment_allocations", "payment_id", "payments"))
        .foreign_key(&mut refers("payment_allocations", "invoice_id", "invoices"))
        .to_owned();
    // A partner's count of what it holds on a day; the count wins over the
    // figure derived from shipments, sell-through and returns.
    let stock_counts = table("stock_counts")
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("product_id").big_integer().not_null())
        .col(ColumnDef::new("counted_on").date().not_null())
        .col(ColumnDef::new("qty").big_integer().not_null())
        .col(ColumnDef::new("created_by").string_len(64).not_null())
        .col(instant("created_at"))
        .foreign_key(&mut refers("stock_counts", "partner_id", "partners"))
        .foreign_key(&mut refers("stock_counts", "product_id", "products"))
        .to_owned();
    // The sell-in fact, append-only: what a partner received (a shipment
    // line), gave back (a return, negative) or bought before this system
    // (an imported line, negative for a return). `seller_id` is the
    // distributor for a downstream order, none for us. `source` says which
    // of the references is set.
    let sellin = table("sellin_lines")
        .col(ColumnDef::new("partner_id").big_integer().not_null())
        .col(ColumnDef::new("seller_id").big_integer().null())
        .col(ColumnDef::new("product_id").big_integer().not_null())
        .col(ColumnDef::new("date").date().not_null())
        .col(ColumnDef::new("qty").big_integer().not_null())
        .col(ColumnDef::new("amount_minor").big_integer().not_null())
        .col(ColumnDef::new("currency").string_len(3).not_null())
        .col(ColumnDef::new("document_no").string_len(64).null())
        .col(ColumnDef::new("source").string_len(16).not_null())
        .col(ColumnDef::new("shipment_line_id").big_integer().null())
        .col(ColumnDef::new("return_id").big_integer().null())
        .col(instant("created_at"))
        .foreign_key(&mut refers("sellin_lines", "partner_id", "partners"))
        .foreign_key(&mut refers("sellin_lines", "seller_id", "partners"))
        .foreign_key(&mut refers("sellin_lines", "product_id", "products"))
        .foreign_key(&mut refers(
            "sellin_lines",
            "shipment_line_id",
            "shipment_lines",
        ))
        .foreign_key(&mut refers("sellin_lines", "return_id", "returns"))
        .to_owned();
    // Lines by partner and date first: a partner's month, the duplicate
    // check of an import, and inventory per partner and product.
    let sellin_key = Index::create()
        .name("ix_sellin_lines_key")
        .table("sellin_lines")
        .col("partner_id")
        .col("date")
        .col("product_id")
        .to_owned();
    let stock_key = Index::create()
        .name("ix_stock_counts_key")
        .table("stock_counts")
        .col("partner_id")
        .col("product_id")
        .col("counted_on")
        .to_owned();
    vec![
        backend.build(&orders),
        index(backend, "orders", "partner_id"),
        index(backend, "orders", "seller_id"),
        index(backend, "orders", "status"),
        backend.build(&order_lines),
        backend.build(&order_line_key),
        backend.build(&shipments),
        index(backend, "shipments", "order_id"),
        backend.build(&shipment_lines),
        index(backend, "shipment_lines", "shipment_id"),
        backend.build(&serials),
        backend.build(&serial_key),
        backend.build(&returns),
        index(backend, "returns", "partner_id"),
        backend.build(&invoices),
        index(backend, "invoices", "partner_id"),
        index(backend, "invoices", "due_on"),
        backend.build(&credit_notes),
        index(backend, "credit_notes", "partner_id"),
        backend.build(&payments),
        index(backend, "payments", "partner_id"),
        backend.build(&allocations),
        index(backend, "payment_allocations", "payment_id"),
        index(backend, "payment_allocations", "invoice_id"),
        backend.build(&stock_counts),
        backend.build(&stock_key),
        backend.build(&sellin),
        backend.build(&sellin_key),
    ]
}

fn table(name: &'static str) -> TableCreateStatement {
    Table::create().table(name).col(id()).to_owned()
}

/// The document number people quote (SO-…, SH-…, INV-…), unique per table.
fn number() -> ColumnDef {
    ColumnDef::new("number")
        .string_len(32)
        .not_null()
        .unique_key()
        .to_owned()
}

fn counter(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .default(0)
        .to_owned()
}

fn refers(from: &'static str, column: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, column)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}
