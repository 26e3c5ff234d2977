//! Downstream orders (二级订货) in the demo: the portal distributor keeps a
//! list for its tier-2 partners' type (its own buying price plus a markup
//! of 12–20 %), and the portal's tier-2 partner orders from it three
//! times: one order shipped as far as the distributor's stock allows, one
//! approved, one waiting for the distributor. Everything goes through
//! `app` as the two partners' own people, so each passed the checks.

use chrono::Days;
use qudao_app::catalog::{ProductQuery, ProductSort};
use qudao_app::inventory::InventoryQuery;
use qudao_app::orders::{LineInput, OrderInput, ShipInput, ShipLineInput};
use qudao_app::pricing::{ListFilter, PriceItemInput, PriceListInput};
use qudao_app::territories::AuthorizationQuery;
use qudao_app::{AppError, Caller, PageRequest, Qudao, SortDir};
use qudao_domain::money::{Currency, Money};
use qudao_domain::pricing::PriceListStatus;
use rand::RngExt;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::network::Network;

/// Products on the distributor's downstream list.
const ITEMS: usize = 8;

pub(crate) async fn load(
    app: &Qudao,
    system: &Caller,
    rng: &mut ChaCha8Rng,
    network: &Network,
) -> Result<(), AppError> {
    let today = qudao_app::today();
    let seller = &network.partners[network.portal_distributor];
    let buyer = &network.partners[network.portal_downstream];
    if buyer.parent != Some(network.portal_distributor) {
        return Ok(());
    }
    let boss = app.caller_by_login("partner.admin").await?;
    let staff = app.caller_by_login("partner.user").await?;
    // What the distributor pays us for each product, from our list for it.
    let ours = app
        .price_lists(
            &boss,
            &ListFilter {
                status: Some(PriceListStatus::Active),
                ..Default::default()
            },
        )
        .await?;
    let Some(ours) = ours
        .iter()
        .find(|l| l.seller.is_none() && l.applies_to == "partner_type" && l.target == seller.kind)
    else {
        return Ok(());
    };
    // Products the tier-2 partner holds a right on come first, so its
    // orders pass the authorization check.
    let rights = app
        .authorizations(
            system,
            &AuthorizationQuery {
                partner_code: Some(buyer.code.clone()),
                on: Some(today),
                ..Default::default()
            },
            Default::default(),
            SortDir::Asc,
            PageRequest::new(None, Some(50)),
        )
        .await?
        .items;
    let products = app
        .products(
            system,
            &ProductQuery::default(),
            ProductSort::default(),
            SortDir::Asc,
            PageRequest::export(),
        )
        .await?
        .items;
    let held = |sku: &str| {
        products
            .iter()
            .find(|p| p.sku == sku)
            .is_some_and(|p| rights.iter().any(|r| r.product_line == p.product_line))
    };
    let mut items = app.price_list(&boss, &ours.code).await?.items;
    items.shuffle(rng);
    items.sort_by_key(|item| !held(&item.sku));
    items.truncate(ITEMS);
    items.sort_by(|a, b| a.sku.cmp(&b.sku));
    let priced: Vec<PriceItemInput> = items
        .iter()
        .filter_map(|item| {
            let paid = Money::parse("price", &item.price, Currency::CNY).ok()?;
            let markup = rng.random_range(112..=120);
            Some(PriceItemInput {
                sku: item.sku.clone(),
                price: Money::from_minor(paid.minor() * markup / 100, Currency::CNY).amount_text(),
                ..Default::default()
            })
        })
        .collect();
    let code = format!("PL-DOWN-{}", seller.code);
    app.create_price_list(
        &boss,
        &PriceListInput {
            code: code.clone(),
            name: format!("{} 下级供货价", seller.company.name),
            name_en: format!("{} downstream prices", seller.code),
            applies_to: "partner_type".to_owned(),
            target: buyer.kind.to_owned(),
            currency: "CNY".to_owned(),
            mode: "unified".to_owned(),
            valid_from: (today - Days::new(90)).to_string(),
            valid_to: (today + Days::new(275)).to_string(),
            items: Some(priced),
        },
    )
    .await?;
    app.activate_price_list(&boss, &code).await?;

    for fate in 0..3 {
        let mut skus: Vec<&str> = items
            .iter()
            .map(|i| i.sku.as_str())
            .filter(|sku| held(sku))
            .collect();
        skus.shuffle(rng);
        let lines: Vec<LineInput> = skus
            .iter()
            .take(rng.random_range(1..=3))
            .map(|sku| LineInput {
                sku: (*sku).to_owned(),
                qty: rng.random_range(1..=4).to_string(),
                ..Default::default()
            })
            .collect();
        let input = OrderInput {
            seller: seller.code.clone(),
            order_date: (today - Days::new(rng.random_range(2..15))).to_string(),
            lines,
            ..Default::default()
        };
        let draft = app.create_order(&staff, &input).await?;
        // A line the tier-2 partner may not buy is left out, as a person
        // would, and the order placed again.
        let kept: Vec<LineInput> = input
            .lines
            .iter()
            .zip(&draft.lines)
            .filter(|(_, line)| line.checks.is_empty())
            .map(|(typed, _)| typed.clone())
            .collect();
        if kept.is_empty() {
            continue;
        }
        let order = app
            .update_order(
                &staff,
                &draft.number,
                &OrderInput {
                    lines: kept,
                    ..input.clone()
                },
            )
            .await?;
        if !order.checks.is_empty() {
            continue;
        }
        app.submit_order(&staff, &order.number).await?;
        if fate == 2 {
            continue;
        }
        let order = app.approve_order(&boss, &order.number).await?;
        if fate == 1 {
            continue;
        }
        let stock = app
            .inventory(
                &boss,
                &InventoryQuery {
                    partner: Some(seller.code.clone()),
                    ..Default::default()
                },
                PageRequest::export(),
            )
            .await?;
        let ship: Vec<ShipLineInput> = order
            .lines
            .iter()
            .filter_map(|line| {
                let held = stock
                    .rows
                    .iter()
                    .find(|r| r.sku == line.sku)
                    .map_or(0, |r| r.on_hand);
                let qty = line.qty.min(held);
                (qty > 0).then(|| ShipLineInput {
                    line_no: line.line_no,
                    qty: qty.to_string(),
                    serials: if line.serial_tracked {
                        (1..=qty)
                            .map(|n| format!("{}-{}-{n}", order.number, line.line_no))
                            .collect::<Vec<_>>()
                            .join(",")
                    } else {
                        String::new()
                    },
                })
            })
            .collect();
        if !ship.is_empty() {
            app.ship_order(
                &boss,
                &order.number,
                &ShipInput {
                    shipped_on: String::new(),
                    lines: ship,
                },
            )
            .await?;
        }
    }
    Ok(())
}
