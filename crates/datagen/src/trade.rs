//! A year of trade for the demo network, up to today: sell-in history and
//! sell-through reports of every partner trading, quarter-end stock counts,
//! returns both ways, and the cases a channel manager looks for — one
//! partner that over-ordered for Double 11, one product that never sold,
//! one that ran out, and one partner that stopped reporting in the summer.
//! Demand follows the Chinese retail calendar: buying ahead of the Spring
//! Festival in January, the holiday dip in February and the restock in
//! March, the 618 festival in June and Double 11 in November; partners
//! order ahead of each peak. Cross-border partners trade in US dollars,
//! priced by a USD list of their own, and two of them order through the
//! order flow.
//!
//! The facts are simulated in memory, then loaded through the importers
//! (`sell-in`, `sell-through`, `stock-counts`), so every line passed the
//! checks real history does: partner, product, channel and right on the
//! day. Months up to three before the current one are then closed; the
//! current and the previous month stay open.

use std::fmt::Write as _;

use chrono::{Datelike, Days, NaiveDate};
use qudao_app::catalog::{ProductQuery, ProductSort, ProductView};
use qudao_app::imports::ImportKind;
use qudao_app::orders::{LineInput, OrderInput, ShipInput, ShipLineInput};
use qudao_app::pricing::{PriceItemInput, PriceListInput};
use qudao_app::territories::AuthorizationQuery;
use qudao_app::{AppError, Caller, PageRequest, Qudao, SortDir};
use qudao_domain::catalog::CatalogStatus;
use qudao_domain::money::{Currency, Money};
use qudao_domain::periods::Month;
use rand::RngExt;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::agreements::Term;
use crate::network::{Network, PlannedPartner, Stage};

/// Partners that trade, at most (the demo stays quick to load).
const TRADERS: usize = 200;
/// Products a partner trades, at most.
const PRODUCTS_EACH: usize = 4;
/// Months of history, the current one included.
const MONTHS: usize = 12;
/// Sell-through by calendar month, in percent of a partner's usual month:
/// stocking up before the Spring Festival, the holiday, 618, Double 11.
const SEASON: [i64; 12] = [135, 65, 90, 95, 105, 150, 90, 90, 100, 110, 175, 105];
/// Months whose peak partners order for in the month before.
const PEAKS: [u32; 2] = [6, 11];
/// Yuan per US dollar, in hundredths: the demo's rates move around it.
const CNY_PER_USD: i64 = 720;
/// The cross-border price list, its discount off list price in percent.
const XB_LIST: (&str, i64) = ("PL-TYPE-XB", 72);

#[derive(Default)]
pub(crate) struct Written {
    pub(crate) sellin: usize,
    pub(crate) sellthrough: usize,
    pub(crate) counts: usize,
    pub(crate) returns: usize,
    pub(crate) usd_orders: usize,
    pub(crate) closed: usize,
}

/// What a partner does differently from the rest.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Story {
    Usual,
    /// Stopped reporting sell-through after July, while still buying and
    /// counting its stock.
    Silent,
    /// Ordered three months' need its need for Double 11, and one product never sold.
    Overstocked,
    /// Stopped ordering one product three months ago and sold it out.
    SoldOut,
}

struct Traded<'a> {
    product: &'a ProductView,
    from: NaiveDate,
    to: NaiveDate,
    region: String,
}

struct Trader<'a> {
    partner: &'a PlannedPartner,
    currency: Currency,
    story: Story,
    /// Products with the days the partner may trade them and the region
    /// its right names, where its customers are.
    products: Vec<Traded<'a>>,
}

/// The year's facts as the importers' CSV files.
#[derive(Default)]
struct Files {
    sellin: String,
    sellthrough: String,
    counts: String,
    sellin_rows: usize,
    sellthrough_rows: usize,
    count_rows: usize,
    returns: usize,
}

pub(crate) async fn load(
    app: &Qudao,
    system: &Caller,
    rng: &mut ChaCha8Rng,
    network: &Network,
    terms: &[Option<Term>],
) -> Result<Written, AppError> {
    let today = qudao_app::today();
    let first = Month::of(today);
    let first = (1..MONTHS).fold(first, |m, _| m.previous()).first_day();
    let products: Vec<ProductView> = app
        .products(
            system,
            &ProductQuery::default(),
            ProductSort::default(),
            SortDir::Asc,
            PageRequest::export(),
        )
        .await?
        .items;
    // Lines any channel may buy: the professional lines' grade rules are
    // the order flow's to show, not history's.
    let open_lines: Vec<String> = app
        .product_lines(system)
        .await?
        .into_iter()
        .filter(|l| l.channels.is_empty())
        .map(|l| l.code)
        .collect();
    let tradeable: Vec<&ProductView> = products
        .iter()
        .filter(|p| {
            p.status == CatalogStatus::Active
                && !p.serial_tracked
                && p.currency == "CNY"
                && open_lines.contains(&p.product_line)
        })
        .collect();
    let traders = traders(app, system, rng, network, terms, &tradeable, first, today).await?;
    let files = simulate(rng, &traders, first, today);
    let mut written = Written {
        returns: files.returns,
        ..Written::default()
    };
    import(app, system, "sell-in", "demo-sellin.csv", &files.sellin).await?;
    written.sellin = files.sellin_rows;
    import(
        app,
        system,
        "sell-through",
        "demo-sellthrough.csv",
        &files.sellthrough,
    )
    .await?;
    written.sellthrough = files.sellthrough_rows;
    import(
        app,
        system,
        "stock-counts",
        "demo-counts.csv",
        &files.counts,
    )
    .await?;
    written.counts = files.count_rows;
    written.usd_orders = cross_border(app, system, rng, network, &traders, &tradeable).await?;
    // Months closed in order, oldest first, after every fact in them, by
    // the demo's finance clerk, whose name the close history then shows.
    let finance = app.caller_by_login("finance").await?;
    let mut month = Month::of(first);
    let open_from = Month::of(today).previous();
    while month < open_from {
        app.close_period(&finance, &month.to_string()).await?;
        written.closed += 1;
        month = month.next();
    }
    Ok(written)
}

/// The partners that trade, the products they trade and the days their
/// rights let them. The portal's two partners first, then active partners
/// in yuan or dollars; the first three of the manager's own partners with a
/// whole year of rights carry the stories, so the manager sees them.
#[allow(clippy::too_many_arguments)]
async fn traders<'a>(
    app: &Qudao,
    system: &Caller,
    rng: &mut ChaCha8Rng,
    network: &'a Network,
    terms: &[Option<Term>],
    tradeable: &[&'a ProductView],
    first: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<Trader<'a>>, AppError> {
    let portal = [network.portal_distributor, network.portal_downstream];
    let mut others: Vec<usize> = (0..network.partners.len())
        .filter(|i| {
            let p = &network.partners[*i];
            p.stage == Stage::Active
                && terms[*i].is_some()
                && Some(*i) != network.terminated
                && matches!(p.currency, "CNY" | "USD")
                && !portal.contains(i)
        })
        .collect();
    others.shuffle(rng);
    let mut traders = Vec::new();
    let mut stories = [Story::Silent, Story::Overstocked, Story::SoldOut].into_iter();
    let mut next_story = stories.next();
    for i in portal.into_iter().chain(others) {
        if traders.len() == TRADERS {
            break;
        }
        let partner = &network.partners[i];
        let Ok(currency) = Currency::parse(partner.currency) else {
            continue;
        };
        let rights = app
            .authorizations(
                system,
                &AuthorizationQuery {
                    partner_code: Some(partner.code.clone()),
                    ..Default::default()
                },
                Default::default(),
                SortDir::Asc,
                PageRequest::export(),
            )
            .await?
            .items;
        let mut held: Vec<Traded<'a>> = Vec::new();
        for right in rights.iter().filter(|r| r.ended_at.is_none()) {
            let from = right.valid_from.max(first);
            let to = right.valid_to.min(today);
            if from >= to {
                continue;
            }
            for product in tradeable
                .iter()
                .copied()
                .filter(|p| p.product_line == right.product_line)
            {
                let from = product.launch_date.map_or(from, |d| d.max(from));
                if from < to && !held.iter().any(|t| t.product.sku == product.sku) {
                    held.push(Traded {
                        product,
                        from,
                        to,
                        region: right.region_code.clone(),
                    });
                }
            }
        }
        held.shuffle(rng);
        // A story needs two products traded the whole year.
        let whole_year = held
            .iter()
            .filter(|t| t.from == first && t.to == today)
            .count();
        let story = match next_story {
            Some(story)
                if whole_year >= 2 && !portal.contains(&i) && partner.owner == "manager" =>
            {
                next_story = stories.next();
                held.retain(|t| t.from == first && t.to == today);
                story
            }
            _ => Story::Usual,
        };
        held.truncate(PRODUCTS_EACH);
        held.sort_by(|a, b| a.product.sku.cmp(&b.product.sku));
        if held.is_empty() {
            continue;
        }
        traders.push(Trader {
            partner,
            currency,
            story,
            products: held,
        });
    }
    Ok(traders)
}

/// Units a partner usually sells of a product in a month.
fn usual_month(rng: &mut ChaCha8Rng, partner: &PlannedPartner) -> i64 {
    let range = match partner.kind {
        "distributor" => 300..800,
        "agent" => 120..300,
        "ecommerce" => 150..400,
        "cross_border" => 60..160,
        "direct_store" => 15..40,
        _ => 20..60,
    };
    let units = rng.random_range(range);
    if partner.parent.is_some() {
        units / 2
    } else {
        units
    }
}

/// Discount off list price a partner buys at, in percent, by type.
fn buying_percent(kind: &str) -> i64 {
    match kind {
        "distributor" => 70,
        "agent" => 75,
        "retailer" => 85,
        "ecommerce" => 82,
        "cross_border" => XB_LIST.1,
        _ => 80,
    }
}

/// A yuan amount in the partner's currency (yuan or dollars), as the
/// importers read it.
fn priced(cny_minor: i64, currency: Currency) -> String {
    let minor = if currency == Currency::CNY {
        cny_minor
    } else {
        (cny_minor * 100 + CNY_PER_USD / 2) / CNY_PER_USD
    };
    Money::from_minor(minor, currency).amount_text()
}

fn list_minor(product: &ProductView) -> i64 {
    Money::parse("price", &product.list_price, Currency::CNY).map_or(0, Money::minor)
}

/// A day of `month` from `low` to `high`, no later than `last`.
fn day_in(rng: &mut ChaCha8Rng, month: Month, low: u32, high: u32, last: NaiveDate) -> NaiveDate {
    let days = month.last_day().day();
    let day = rng.random_range(low.min(days)..=high.min(days));
    month
        .first_day()
        .with_day(day)
        .unwrap_or(month.first_day())
        .min(last)
}

/// One month's events of a partner × product, in day order when applied.
enum Event {
    Buy(i64),
    Return,
    Sell(i64),
    Count,
}

/// Plays the year month by month for each partner × product: orders ahead
/// of the season, sales capped by what is on the shelf, counts at quarter
/// ends with a little shrinkage.
fn simulate(
    rng: &mut ChaCha8Rng,
    traders: &[Trader<'_>],
    first: NaiveDate,
    today: NaiveDate,
) -> Files {
    let mut files = Files::default();
    files
        .sellin
        .push_str("date,partner_code,sku,qty,amount,currency,document_no\n");
    files.counts.push_str("partner_code,sku,counted_on,qty\n");
    files
        .sellthrough
        .push_str("partner_code,date,sku,qty,amount,customer_region,customer_name,document_no\n");
    let mut document = 0;
    // The silent partner's last report is of July, for a November today.
    let silent_from = Month::of(today)
        .previous()
        .previous()
        .previous()
        .first_day();
    for trader in traders {
        let partner = trader.partner;
        let buy_percent = buying_percent(partner.kind);
        for (n, traded) in trader.products.iter().enumerate() {
            let Traded {
                product,
                from,
                to,
                region,
            } = traded;
            let usual = usual_month(rng, partner);
            let list = list_minor(product);
            let dead = trader.story == Story::Overstocked && n == 1;
            let mut stock: i64 = 0;
            let mut month = Month::of(first);
            while month.first_day() <= today {
                let next = month.next();
                let expected = |m: Month| usual * SEASON[m.first_day().month0() as usize] / 100;
                let mut events: Vec<(NaiveDate, Event)> = Vec::new();
                let ordering = !(trader.story == Story::SoldOut
                    && n == 0
                    && next.next().next() > Month::of(today));
                if ordering {
                    let mut need = expected(month) * 5 / 4 - stock;
                    if dead {
                        need = if month == Month::of(*from) { usual } else { 0 };
                    }
                    if need > 0 {
                        events.push((day_in(rng, month, 2, 8, *to), Event::Buy(round_to(need, 5))));
                    }
                    if PEAKS.contains(&next.first_day().month()) && !dead {
                        let factor = if trader.story == Story::Overstocked && n == 0 {
                            6
                        } else {
                            1
                        };
                        let ahead = expected(next) / 2 * factor;
                        events.push((
                            day_in(rng, month, 18, 24, *to),
                            Event::Buy(round_to(ahead, 5)),
                        ));
                    }
                }
                if !dead {
                    let demand = expected(month) * rng.random_range(85..=115) / 100;
                    let pieces = rng.random_range(3..=6);
                    // Spread over the whole month; the days after today are
                    // dropped below, so this month has only its days so far.
                    for piece in 0..pieces {
                        let low = 1 + piece * 28 / pieces;
                        let high = (piece + 1) * 28 / pieces;
                        events.push((
                            day_in(rng, month, low, high, month.last_day()),
                            Event::Sell(demand / i64::from(pieces)),
                        ));
                    }
                    if rng.random_range(0..15) == 0 {
                        events.push((
                            day_in(rng, month, 5, 28, month.last_day()),
                            Event::Sell(-rng.random_range(1..=3)),
                        ));
                    }
                }
                if rng.random_range(0..20) == 0 && month > Month::of(*from) {
                    events.push((day_in(rng, month, 12, 20, *to), Event::Return));
                }
                // The silent partner still counts its stock every month, so
                // its counts show goods leaving that no report accounts for.
                let silent_counts =
                    trader.story == Story::Silent && month.first_day() >= silent_from;
                if (matches!(month.first_day().month(), 3 | 6 | 9) && n % 2 == 0) || silent_counts {
                    events.push((month.last_day(), Event::Count));
                }
                events.sort_by_key(|(day, event)| (*day, matches!(event, Event::Count)));
                for (day, event) in events {
                    if day < *from || day > *to || day > today {
                        continue;
                    }
                    match event {
                        Event::Buy(qty) if qty > 0 => {
                            document += 1;
                            stock += qty;
                            let amount = priced(list * buy_percent / 100 * qty, trader.currency);
                            let _ = writeln!(
                                files.sellin,
                                "{day},{},{},{qty},{amount},{},ERP-{}-{document:05}",
                                partner.code,
                                product.sku,
                                trader.currency,
                                day.format("%Y%m")
                            );
                            files.sellin_rows += 1;
                        }
                        Event::Return if stock >= 10 => {
                            document += 1;
                            let qty = (stock / 20).max(1);
                            stock -= qty;
                            let amount = priced(-list * buy_percent / 100 * qty, trader.currency);
                            let _ = writeln!(
                                files.sellin,
                                "{day},{},{},-{qty},{amount},{},RT-{}-{document:05}",
                                partner.code,
                                product.sku,
                                trader.currency,
                                day.format("%Y%m")
                            );
                            files.sellin_rows += 1;
                            files.returns += 1;
                        }
                        Event::Sell(wanted) => {
                            let qty = wanted.min(stock);
                            let silent = trader.story == Story::Silent && day >= silent_from;
                            if qty == 0 || silent {
                                continue;
                            }
                            stock -= qty;
                            document += 1;
                            let price = list * rng.random_range(90..=100) / 100;
                            // A customer's return is told by its quantity; its
                            // amount is what was refunded, never below zero.
                            let amount = priced(price * qty.abs(), trader.currency);
                            let _ = writeln!(
                                files.sellthrough,
                                "{},{day},{},{qty},{amount},{},,XS-{document:06}",
                                partner.code, product.sku, region,
                            );
                            files.sellthrough_rows += 1;
                        }
                        Event::Count => {
                            let shrink = stock * rng.random_range(0..=2) / 100;
                            stock -= shrink;
                            let _ = writeln!(
                                files.counts,
                                "{},{},{day},{stock}",
                                partner.code, product.sku
                            );
                            files.count_rows += 1;
                        }
                        Event::Buy(_) | Event::Return => {}
                    }
                }
                month = next;
            }
        }
    }
    files
}

fn round_to(qty: i64, step: i64) -> i64 {
    (qty + step - 1) / step * step
}

async fn import(
    app: &Qudao,
    system: &Caller,
    kind: &str,
    name: &str,
    csv: &str,
) -> Result<(), AppError> {
    let kind = ImportKind::parse(kind)
        .ok_or_else(|| AppError::Internal(format!("no importer named {kind}")))?;
    let report = app
        .import(system, kind, name, csv.as_bytes(), false)
        .await?;
    match report.errors.first() {
        None => Ok(()),
        Some(error) => Err(AppError::Internal(format!(
            "the demo's {name} was refused ({} problems), row {:?}: {}",
            report.errors.len(),
            error.row,
            error.message
        ))),
    }
}

/// The cross-border price list in dollars, and two orders of dollar
/// partners taken through approval and shipment.
async fn cross_border(
    app: &Qudao,
    system: &Caller,
    rng: &mut ChaCha8Rng,
    network: &Network,
    traders: &[Trader<'_>],
    tradeable: &[&ProductView],
) -> Result<usize, AppError> {
    let today = qudao_app::today();
    let (code, percent) = XB_LIST;
    let usd = Currency::parse("USD")?;
    let items = tradeable
        .iter()
        .map(|p| {
            let cents = (list_minor(p) * percent + CNY_PER_USD / 2) / CNY_PER_USD;
            let text = |minor: i64| Money::from_minor(minor, usd).amount_text();
            PriceItemInput {
                sku: p.sku.clone(),
                price: text(cents),
                min: Some(text(cents * 92 / 100)),
                max: Some(text(cents * 108 / 100)),
                ..Default::default()
            }
        })
        .collect();
    let input = PriceListInput {
        code: code.to_owned(),
        name: "跨境 美元进货价".to_owned(),
        name_en: "Cross-border prices in USD".to_owned(),
        applies_to: "partner_type".to_owned(),
        target: "cross_border".to_owned(),
        currency: "USD".to_owned(),
        mode: "flexible".to_owned(),
        valid_from: (today - Days::new(365)).to_string(),
        valid_to: (today + Days::new(365)).to_string(),
        items: Some(items),
    };
    app.create_price_list(system, &input).await?;
    app.activate_price_list(system, code).await?;
    let mut orders = 0;
    for trader in traders.iter().filter(|t| {
        t.partner.kind == "cross_border"
            && t.currency == usd
            && network
                .suspended
                .is_none_or(|i| network.partners[i].code != t.partner.code)
    }) {
        if orders == 2 {
            break;
        }
        let lines: Vec<LineInput> = trader
            .products
            .iter()
            .filter(|t| t.from < today && today <= t.to)
            .take(2)
            .map(|t| LineInput {
                sku: t.product.sku.clone(),
                qty: (rng.random_range(4..=12) * 10).to_string(),
                ..Default::default()
            })
            .collect();
        if lines.is_empty() {
            continue;
        }
        let order = app
            .create_order(
                system,
                &OrderInput {
                    partner: trader.partner.code.clone(),
                    order_date: (today - Days::new(rng.random_range(5..15))).to_string(),
                    note: "海外仓补货".to_owned(),
                    lines,
                    ..Default::default()
                },
            )
            .await?;
        orders += 1;
        let refused = |result: Result<_, AppError>| match result {
            Ok(_) => Ok(false),
            Err(AppError::Invalid(_)) => Ok(true),
            Err(other) => Err(other),
        };
        if refused(app.submit_order(system, &order.number).await)?
            || refused(app.approve_order(system, &order.number).await)?
        {
            continue;
        }
        let lines = order
            .lines
            .iter()
            .map(|l| ShipLineInput {
                line_no: l.line_no,
                qty: l.qty.to_string(),
                serials: String::new(),
            })
            .collect();
        app.ship_order(
            system,
            &order.number,
            &ShipInput {
                shipped_on: String::new(),
                lines,
            },
        )
        .await?;
    }
    Ok(orders)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_season_peaks_at_double_11_and_dips_at_the_spring_festival() {
        let peak = SEASON.iter().max().copied();
        assert_eq!(peak, Some(SEASON[10]));
        let dip = SEASON.iter().min().copied();
        assert_eq!(dip, Some(SEASON[1]));
        assert!(
            SEASON[5] > SEASON[4] && SEASON[5] > SEASON[6],
            "618 stands out"
        );
    }
}
