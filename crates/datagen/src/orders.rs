//! A handful of sell-in orders in every state, priced by one flexible
//! price list per partner type (a discount off the catalog's list price,
//! with a band of 8 % either way). Orders go through `app`, so each passed
//! the checks a real one would: a line the partner may not buy is left
//! out, and an order the credit limit refuses stays a draft.

use chrono::Days;
use qudao_app::catalog::{ProductQuery, ProductSort};
use qudao_app::orders::{
    LineInput, OrderInput, ReasonInput, ReturnInput, ShipInput, ShipLineInput,
};
use qudao_app::pricing::{PriceItemInput, PriceListInput};
use qudao_app::territories::AuthorizationQuery;
use qudao_app::{AppError, Caller, PageRequest, Qudao, SortDir};
use qudao_domain::money::{Currency, Money};
use rand::RngExt;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::agreements::Term;
use crate::network::{Network, Stage};

/// Partner types priced, their lists' codes and their discount off list
/// price in percent.
const LISTS: &[(&str, &str, i64)] = &[
    ("distributor", "PL-TYPE-DIST", 70),
    ("agent", "PL-TYPE-AGENT", 75),
    ("retailer", "PL-TYPE-RETAIL", 85),
    ("ecommerce", "PL-TYPE-ECOM", 82),
    ("direct_store", "PL-TYPE-STORE", 80),
];

/// How many partners get an order, besides the portal distributor.
const ORDERING: usize = 9;

/// What became of each demo order, in turn.
#[derive(Clone, Copy)]
enum Fate {
    Draft,
    Submitted,
    Approved,
    PartlyShipped,
    Completed,
    Returned,
    Rejected,
    Cancelled,
}

const FATES: [Fate; 8] = [
    Fate::Completed,
    Fate::Returned,
    Fate::PartlyShipped,
    Fate::Approved,
    Fate::Submitted,
    Fate::Draft,
    Fate::Rejected,
    Fate::Cancelled,
];

pub(crate) struct Written {
    pub(crate) price_lists: usize,
    pub(crate) orders: usize,
}

pub(crate) async fn load(
    app: &Qudao,
    system: &Caller,
    rng: &mut ChaCha8Rng,
    network: &Network,
    terms: &[Option<Term>],
) -> Result<Written, AppError> {
    let today = qudao_app::today();
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
    for (kind, code, discount) in LISTS {
        let items = products
            .iter()
            .filter(|p| p.currency == "CNY")
            .filter_map(|p| {
                let list = Money::parse("price", &p.list_price, Currency::CNY).ok()?;
                let price = list.minor() * discount / 100;
                let text = |minor: i64| Money::from_minor(minor, Currency::CNY).amount_text();
                Some(PriceItemInput {
                    sku: p.sku.clone(),
                    price: text(price),
                    min: Some(text(price * 92 / 100)),
                    max: Some(text(price * 108 / 100)),
                    breaks: Vec::new(),
                    ..Default::default()
                })
            })
            .collect();
        let input = PriceListInput {
            code: (*code).to_owned(),
            name: format!("{} 标准进货价", kind_name(kind)),
            name_en: format!("Standard {kind} prices"),
            applies_to: "partner_type".to_owned(),
            target: (*kind).to_owned(),
            currency: "CNY".to_owned(),
            mode: "flexible".to_owned(),
            valid_from: (today - Days::new(365)).to_string(),
            valid_to: (today + Days::new(365)).to_string(),
            items: Some(items),
        };
        app.create_price_list(system, &input).await?;
        app.activate_price_list(system, code).await?;
    }
    let mut candidates: Vec<usize> = network
        .partners
        .iter()
        .enumerate()
        .filter(|(i, p)| {
            p.stage == Stage::Active
                && terms
                    .get(*i)
                    .copied()
                    .flatten()
                    .is_some_and(|t| t.from <= today - Days::new(20) && today <= t.to)
                && p.currency == "CNY"
                && Some(*i) != network.suspended
                && Some(*i) != network.terminated
                && *i != network.portal_distributor
                && LISTS.iter().any(|(kind, _, _)| *kind == p.kind)
        })
        .map(|(i, _)| i)
        .collect();
    candidates.shuffle(rng);
    let mut written = Written {
        price_lists: LISTS.len(),
        orders: 0,
    };
    let mut placed = 0;
    for i in std::iter::once(network.portal_distributor).chain(candidates) {
        if placed > ORDERING {
            break;
        }
        let partner = &network.partners[i];
        let lines = authorized_lines(app, system, rng, &partner.code, &products).await?;
        if lines.is_empty() {
            continue;
        }
        let fate = if i == network.portal_distributor {
            Fate::Submitted
        } else {
            FATES[placed % FATES.len()]
        };
        let order = app
            .create_order(
                system,
                &OrderInput {
                    partner: partner.code.clone(),
                    order_date: (today - Days::new(rng.random_range(3..20))).to_string(),
                    note: String::new(),
                    lines,
                    ..Default::default()
                },
            )
            .await?;
        placed += 1;
        written.orders += 1;
        play(app, system, &order.number, fate).await?;
    }
    Ok(written)
}

fn kind_name(kind: &str) -> &'static str {
    match kind {
        "distributor" => "经销商",
        "agent" => "代理商",
        "retailer" => "零售商",
        "ecommerce" => "电商",
        _ => "直营店",
    }
}

/// One to three lines of products on lines the partner holds a right on
/// today.
async fn authorized_lines(
    app: &Qudao,
    system: &Caller,
    rng: &mut ChaCha8Rng,
    partner: &str,
    products: &[qudao_app::catalog::ProductView],
) -> Result<Vec<LineInput>, AppError> {
    let rights = app
        .authorizations(
            system,
            &AuthorizationQuery {
                partner_code: Some(partner.to_owned()),
                on: Some(qudao_app::today()),
                ..Default::default()
            },
            Default::default(),
            SortDir::Asc,
            PageRequest::new(None, Some(50)),
        )
        .await?
        .items;
    let mut held: Vec<&qudao_app::catalog::ProductView> = products
        .iter()
        .filter(|p| p.status == qudao_domain::catalog::CatalogStatus::Active)
        .filter(|p| rights.iter().any(|r| r.product_line == p.product_line))
        .collect();
    held.shuffle(rng);
    let count = rng.random_range(1..=3);
    Ok(held
        .into_iter()
        .take(count)
        .map(|p| LineInput {
            sku: p.sku.clone(),
            qty: (rng.random_range(1..=12) * 5).to_string(),
            ..Default::default()
        })
        .collect())
}

/// Takes an order as far as its fate. A refusal (the partner's credit
/// limit, a line its channel may not buy) leaves it where it stopped.
async fn play(app: &Qudao, system: &Caller, number: &str, fate: Fate) -> Result<(), AppError> {
    let stopped = |result: Result<_, AppError>| match result {
        Ok(_) => Ok(false),
        Err(AppError::Invalid(_)) => Ok(true),
        Err(other) => Err(other),
    };
    let reason = |text: &str| ReasonInput {
        reason: text.to_owned(),
    };
    match fate {
        Fate::Draft => return Ok(()),
        Fate::Cancelled => {
            app.cancel_order(system, number, &reason("客户改单"))
                .await?;
            return Ok(());
        }
        _ => {}
    }
    if stopped(app.submit_order(system, number).await)? {
        return Ok(());
    }
    match fate {
        Fate::Submitted => return Ok(()),
        Fate::Rejected => {
            app.reject_order(system, number, &reason("本季度配额已满，请下月再订"))
                .await?;
            return Ok(());
        }
        _ => {}
    }
    if stopped(app.approve_order(system, number).await)? || matches!(fate, Fate::Approved) {
        return Ok(());
    }
    let order = app.order(system, number).await?;
    let partly = matches!(fate, Fate::PartlyShipped);
    let lines = order
        .lines
        .iter()
        .map(|l| {
            let qty = if partly { (l.qty / 2).max(1) } else { l.qty };
            ShipLineInput {
                line_no: l.line_no,
                qty: qty.to_string(),
                serials: if l.serial_tracked {
                    (1..=qty)
                        .map(|n| format!("{}-{}-{n:04}", l.sku, order.number))
                        .collect::<Vec<_>>()
                        .join(" ")
                } else {
                    String::new()
                },
            }
        })
        .collect();
    let shipped = app
        .ship_order(
            system,
            number,
            &ShipInput {
                shipped_on: String::new(),
                lines,
            },
        )
        .await?;
    if matches!(fate, Fate::Returned)
        && let (Some(shipment), Some(line)) = (shipped.shipments.first(), shipped.lines.first())
    {
        app.return_goods(
            system,
            number,
            &ReturnInput {
                shipment: shipment.number.clone(),
                line_no: line.line_no,
                qty: "1".to_owned(),
                reason: "运输途中包装破损".to_owned(),
                returned_on: String::new(),
            },
        )
        .await?;
    }
    Ok(())
}
