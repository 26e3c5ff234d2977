//! Downstream orders (二级订货): a tier-2 partner buys from its
//! distributor, priced by the distributor's own list, within the band we
//! set on our item that prices the product for that distributor.

use crate::money::Money;
use crate::orders::OrderCheck;
use crate::partners::PartnerCode;
use crate::pricing::{Band, PriceItem};
use crate::{Invalid, Problem};

/// A partner orders downstream only from its own distributor: the parent
/// it sits under in the partner tree.
pub fn check_seller(buyer_parent: Option<&PartnerCode>, seller: &str) -> Result<(), Invalid> {
    if buyer_parent.is_some_and(|parent| PartnerCode::parse(seller).is_ok_and(|s| s == *parent)) {
        Ok(())
    } else {
        Err(Invalid::new(
            "seller",
            Problem::Rule {
                rule: "order_seller_not_parent",
            },
        ))
    }
}

/// The band our item puts on a distributor's price for its downstream, as
/// stored (minor units in our item's currency); both ends or none.
pub fn band_of(min: Option<i64>, max: Option<i64>, like: Money) -> Option<Result<Band, Invalid>> {
    match (min, max) {
        (Some(min), Some(max)) => Some(Band::new(
            Money::from_minor(min, like.currency()),
            Money::from_minor(max, like.currency()),
        )),
        _ => None,
    }
}

fn outside(what: String) -> Invalid {
    Invalid::new(
        "price",
        Problem::Conflict {
            rule: "price_outside_downstream_band",
            with: what,
        },
    )
}

/// A distributor's item keeps its price and every break within our band
/// (no band: we set none, any price goes).
pub fn check_item(item: &PriceItem, band: Option<Band>) -> Result<(), Invalid> {
    let Some(band) = band else {
        return Ok(());
    };
    let prices = std::iter::once(item.price()).chain(item.breaks().iter().map(|b| b.price));
    for price in prices {
        if !band.contains(price) {
            return Err(outside(format!(
                "{} {} ({band})",
                item.sku().as_str(),
                price.formatted()
            )));
        }
    }
    Ok(())
}

/// The order line's check: its price within our band on the order day.
pub fn check_line(line_no: i32, sku: &str, price: Money, band: Option<Band>) -> Option<OrderCheck> {
    let band = band?;
    (!band.contains(price)).then(|| {
        OrderCheck::line(
            line_no,
            "price_outside_downstream_band",
            format!("{sku} {} ({band})", price.formatted()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Sku;
    use crate::money::Currency;
    use crate::pricing::{PriceBreak, PriceMode};
    use proptest::prelude::*;

    fn cny(minor: i64) -> Money {
        Money::from_minor(minor, Currency::CNY)
    }

    fn item(price: i64, breaks: &[(u32, i64)]) -> PriceItem {
        PriceItem::new(
            Sku::parse_as("sku", "SKU-1").unwrap(),
            cny(price),
            None,
            breaks
                .iter()
                .map(|&(from_qty, p)| PriceBreak {
                    from_qty,
                    price: cny(p),
                })
                .collect(),
            PriceMode::Unified,
            Currency::CNY,
        )
        .unwrap()
    }

    #[test]
    fn only_the_parent_sells_downstream() {
        let parent = PartnerCode::parse("P00007").unwrap();
        assert!(check_seller(Some(&parent), " p00007 ").is_ok());
        let refused = check_seller(Some(&parent), "P00008").unwrap_err();
        assert_eq!(refused.problem_rule(), Some("order_seller_not_parent"));
        assert!(check_seller(None, "P00007").is_err());
        assert!(check_seller(Some(&parent), "not a code").is_err());
    }

    #[test]
    fn a_break_outside_the_band_is_named() {
        let band = Band::new(cny(9_000), cny(12_000)).unwrap();
        assert!(check_item(&item(10_000, &[(10, 9_500)]), Some(band)).is_ok());
        let refused = check_item(&item(10_000, &[(10, 8_000)]), Some(band)).unwrap_err();
        assert_eq!(
            refused.problem_rule(),
            Some("price_outside_downstream_band")
        );
        assert!(format!("{:?}", refused.problem).contains("SKU-1"));
        assert!(check_item(&item(1, &[]), None).is_ok());
    }

    #[test]
    fn a_stored_band_needs_both_ends() {
        assert!(band_of(Some(1), None, cny(0)).is_none());
        assert!(band_of(Some(5), Some(1), cny(0)).unwrap().is_err());
        assert!(band_of(Some(1), Some(5), cny(0)).unwrap().is_ok());
    }

    proptest! {
        /// A line is refused exactly when its price leaves the band.
        #[test]
        fn a_line_passes_exactly_inside_the_band(
            min in 0i64..1_000_000, width in 0i64..1_000_000, price in 0i64..3_000_000,
        ) {
            let band = Band::new(cny(min), cny(min + width)).unwrap();
            let check = check_line(1, "SKU-1", cny(price), Some(band));
            prop_assert_eq!(check.is_none(), min <= price && price <= min + width);
            prop_assert!(check_line(1, "SKU-1", cny(price), None).is_none());
        }

        /// An item passes exactly when its price and every break do.
        #[test]
        fn an_item_passes_exactly_when_every_price_does(
            min in 1i64..10_000, width in 0i64..10_000, price in 1i64..30_000, cut in 0i64..30_000,
        ) {
            let band = Band::new(cny(min), cny(min + width)).unwrap();
            let lower = price.saturating_sub(cut).max(0);
            let item = item(price, &[(10, lower)]);
            let inside = |p: i64| min <= p && p <= min + width;
            prop_assert_eq!(check_item(&item, Some(band)).is_ok(), inside(price) && inside(lower));
        }
    }
}
