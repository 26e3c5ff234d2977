use sea_orm::{DatabaseBackend, Statement};

use super::index;

/// Downstream orders (二级订货): a distributor's own price lists for its
/// tier-2 partners, and the band we set on what it may charge them.
///
/// - `price_lists.seller_id`: the distributor that owns a list; none means
///   the list is ours. A seller's list prices only orders placed with that
///   seller, never ours.
/// - `price_list_items.downstream_min` / `downstream_max`: on one of OUR
///   items, the band a distributor priced by this item must keep its own
///   downstream price (and every break) in. Both or neither; none means we
///   set no band.
///
/// Plain `ADD COLUMN` (nullable, with its reference) is the one form both
/// databases take without rebuilding the table.
pub(super) fn v19_downstream(backend: DatabaseBackend) -> Vec<Statement> {
    let raw = |sql: &str| Statement::from_string(backend, sql.to_owned());
    vec![
        raw("ALTER TABLE price_lists ADD COLUMN seller_id BIGINT NULL REFERENCES partners (id)"),
        index(backend, "price_lists", "seller_id"),
        raw("ALTER TABLE price_list_items ADD COLUMN downstream_min BIGINT NULL"),
        raw("ALTER TABLE price_list_items ADD COLUMN downstream_max BIGINT NULL"),
    ]
}
