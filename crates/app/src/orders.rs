//! Sell-in orders: a partner (or a manager for it) drafts an order whose
//! lines are priced by `quote_for`, submits it, and we approve or reject
//! it; approved orders ship in one or more shipments, each with its
//! invoice and sell-in facts; shipped lines may come back (a return, its
//! credit note and a negative fact); finance may credit an invoice on its
//! own. Rules are `domain::orders`; this module reads what they need.
//!
//! Every write locks the partner's row first (`visible_for_write`): the
//! credit check reads the partner's open invoices and its other orders
//! still to ship, and two submissions of one partner must see each other.
//! Fact writers then take the periods lock (`open_periods`), in that order.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use qudao_domain::agreements as agreement_rules;
use qudao_domain::catalog::{CatalogStatus, ChannelRule, Sku, channel_allows};
use qudao_domain::dates::parse_date;
use qudao_domain::grades::GradeCode;
use qudao_domain::money::{Currency, Money};
use qudao_domain::orders::{
    self as rules, Credit, LineFacts, OrderCheck, OrderFacts, OrderStatus, check_transition,
};
use qudao_domain::partners::{PartnerStatus, PartnerType};
use qudao_domain::periods::Month;
use qudao_domain::{Invalid, Problem};
use qudao_store::facts::FactKind;
use qudao_store::orders::{self as repo, Decision, LineRow, OrderFilter, order};
use qudao_store::scope::{self as store_scope, Visible};
use qudao_store::{ConnectionTrait, WriteTx};
use serde::{Deserialize, Serialize};

use crate::downstream::Side;
use crate::error::AllFields;
use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Page, PageRequest, Permission, Qudao, non_empty};

/// The most lines one order takes.
const MAX_LINES: usize = 200;

fn not_found() -> AppError {
    AppError::NotFound("order")
}

fn money(minor: i64, currency: Currency) -> String {
    Money::from_minor(minor, currency).amount_text()
}

/// An order as its pages and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    pub number: String,
    pub partner: String,
    pub partner_name: String,
    /// The distributor the order was placed with (二级订货); none: with
    /// us. A downstream order has no invoice from us.
    pub seller: Option<String>,
    pub seller_name: Option<String>,
    /// The reader is the distributor it was placed with: it decides and
    /// ships it (pages show the actions by this, never for staff).
    #[serde(skip)]
    pub sold_by_reader: bool,
    pub currency: String,
    /// `draft`, `submitted`, `approved`, `rejected`, `partly_shipped`,
    /// `completed` or `cancelled`.
    pub status: String,
    pub order_date: NaiveDate,
    pub note: String,
    pub total: String,
    pub total_minor: i64,
    /// The failing checks as of the last save or submission; those of a
    /// line also appear on the line.
    pub checks: Vec<CheckView>,
    /// The login of who approved or rejected it.
    pub decided_by: Option<String>,
    /// Their display name, for pages (the login when the user is gone).
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
    pub created_by: String,
    /// The display name of who created it (the login when the user is gone).
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub lines: Vec<OrderLineView>,
    pub shipments: Vec<ShipmentView>,
    pub returns: Vec<ReturnView>,
    /// The rebate wallet's deduction from the total; none for an order
    /// placed with a distributor.
    pub wallet: Option<crate::incentive_balances::OrderWalletView>,
}

/// A failing check: its rule key, the line it names, and what the message
/// names in words (a product line by its name, a product by its name
/// beside its sku), never a bare code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CheckView {
    pub rule: String,
    pub line: Option<i32>,
    /// What the message names, with Chinese names.
    pub with: String,
    /// The same with English names (the Chinese where a record has none).
    pub with_en: String,
    /// The product line's code, on a check about a product line
    /// (`product_not_authorized`).
    pub product_line: Option<String>,
}

impl CheckView {
    /// A stored check in words: the product line its code names, or the
    /// product of its line beside the sku.
    fn named(
        check: OrderCheck,
        lines: &[LineRow],
        line_names: &HashMap<String, (String, String)>,
    ) -> Self {
        let english = |zh: &str, en: &str| {
            if en.is_empty() {
                zh.to_owned()
            } else {
                en.to_owned()
            }
        };
        let product = check
            .line
            .and_then(|no| lines.iter().find(|l| l.line_no == no))
            .filter(|l| l.sku == check.with);
        let (with, with_en, product_line) = match (check.rule.as_str(), product) {
            ("product_not_authorized", _) => match line_names.get(&check.with) {
                Some((zh, en)) => (zh.clone(), english(zh, en), Some(check.with)),
                None => (check.with.clone(), check.with.clone(), Some(check.with)),
            },
            (
                "order_product_discontinued" | "product_not_for_channel" | "price_none_in_force",
                Some(line),
            ) => (
                format!("{}（{}）", line.name_zh, line.sku),
                format!("{} ({})", english(&line.name_zh, &line.name_en), line.sku),
                None,
            ),
            _ => (check.with.clone(), check.with, None),
        };
        Self {
            rule: check.rule,
            line: check.line,
            with,
            with_en,
            product_line,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderLineView {
    pub line_no: i32,
    pub sku: String,
    pub product_name: String,
    pub product_name_en: String,
    pub qty: i64,
    pub list_price: String,
    pub unit_price: String,
    pub amount: String,
    /// The price list that priced the line.
    pub price_list: Option<String>,
    pub price_list_name: Option<String>,
    pub price_list_name_en: Option<String>,
    pub override_reason: Option<String>,
    pub qty_shipped: i64,
    pub qty_returned: i64,
    pub serial_tracked: bool,
    pub checks: Vec<CheckView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShipmentView {
    pub number: String,
    pub shipped_on: NaiveDate,
    pub invoice: Option<String>,
    pub invoice_amount: Option<String>,
    pub invoice_due_on: Option<NaiveDate>,
    pub lines: Vec<ShipmentLineView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShipmentLineView {
    pub line_no: i32,
    pub sku: String,
    pub product_name: String,
    pub product_name_en: String,
    pub qty: i64,
    pub amount: String,
    /// Units of this shipment line that may still come back.
    pub returnable: i64,
    pub serials: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReturnView {
    pub number: String,
    pub shipment: String,
    pub line_no: i32,
    pub sku: String,
    pub product_name: String,
    pub product_name_en: String,
    pub qty: i64,
    pub amount: String,
    pub reason: String,
    pub returned_on: NaiveDate,
    pub credit_note: Option<String>,
}

/// A row of the orders list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderSummary {
    pub number: String,
    pub partner: String,
    pub partner_name: String,
    /// The distributor it was placed with; none: with us.
    pub seller: Option<String>,
    pub seller_name: Option<String>,
    pub status: String,
    pub order_date: NaiveDate,
    pub currency: String,
    pub total: String,
    pub total_minor: i64,
    pub created_by: String,
}

/// A new order or a draft's new content. Partner roles may leave
/// `partner` empty: their own organisation.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OrderInput {
    #[serde(default)]
    pub partner: String,
    /// A tier-2 partner's distributor (its parent's code) to order from
    /// (二级订货); empty: order from us. Only the partner's own people
    /// place such orders.
    #[serde(default)]
    pub seller: String,
    /// `YYYY-MM-DD`; today when empty.
    #[serde(default)]
    pub order_date: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub lines: Vec<LineInput>,
    /// What the rebate wallet (返利池) pays of an order with us, in major
    /// units; empty: the most allowed (the balance, within the programs'
    /// share of the order's value). Spent when the order is submitted.
    #[serde(default, deserialize_with = "crate::text::text_or_number")]
    #[schema(value_type = String, example = "200.00")]
    pub wallet: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct LineInput {
    #[serde(default)]
    pub sku: String,
    #[serde(default, deserialize_with = "crate::text::text_or_number")]
    #[schema(value_type = String, example = "12")]
    pub qty: String,
    /// Empty: the looked-up price. Otherwise an override within the band,
    /// which needs `override_reason` and the permission to override.
    #[serde(default, deserialize_with = "crate::text::text_or_number")]
    #[schema(value_type = String, example = "95.00")]
    pub price: String,
    #[serde(default)]
    pub override_reason: String,
}

/// A decision's reason (required to reject, optional to cancel).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReasonInput {
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ShipInput {
    /// `YYYY-MM-DD`; today when empty.
    #[serde(default)]
    pub shipped_on: String,
    #[serde(default)]
    pub lines: Vec<ShipLineInput>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ShipLineInput {
    pub line_no: i32,
    #[serde(default, deserialize_with = "crate::text::text_or_number")]
    #[schema(value_type = String, example = "12")]
    pub qty: String,
    /// One serial number per unit for serial-tracked products, separated
    /// by commas, spaces or new lines.
    #[serde(default)]
    pub serials: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReturnInput {
    /// The shipment the goods came with.
    #[serde(default)]
    pub shipment: String,
    pub line_no: i32,
    #[serde(default, deserialize_with = "crate::text::text_or_number")]
    #[schema(value_type = String, example = "2")]
    pub qty: String,
    #[serde(default)]
    pub reason: String,
    /// `YYYY-MM-DD`; today when empty. Must lie in an open month, even
    /// when the shipment's month is closed.
    #[serde(default)]
    pub returned_on: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CreditNoteInput {
    #[serde(default)]
    pub invoice: String,
    #[serde(default, deserialize_with = "crate::text::text_or_number")]
    #[schema(value_type = String, example = "100.00")]
    pub amount: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreditNoteView {
    pub number: String,
    pub invoice: String,
    pub partner: String,
    pub currency: String,
    pub amount: String,
    pub reason: String,
    pub issued_on: NaiveDate,
}

/// The orders list's filters as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// One status, or all when empty.
    #[serde(default)]
    pub status: String,
    /// A partner's code, or all in scope when empty.
    #[serde(default)]
    pub partner: String,
    /// `direct` (placed with us), `downstream` (placed with a
    /// distributor), `incoming` (placed with the caller's own
    /// organisation, for a distributor's boss); all in scope when empty.
    #[serde(default)]
    pub kind: String,
}

/// A line parsed and priced, before it is written.
struct PricedLine {
    new: repo::NewLine,
}

/// The rule keys a check may carry, so a refusal can name them as the
/// error type wants (`&'static str`).
fn static_rule(rule: &str) -> &'static str {
    const RULES: &[&str] = &[
        "order_partner_not_active",
        "order_no_agreement",
        "order_no_lines",
        "order_product_discontinued",
        "product_not_for_channel",
        "product_not_authorized",
        "price_none_in_force",
        "price_outside_band",
        "price_unified_no_override",
        "order_over_credit_limit",
        "price_outside_downstream_band",
    ];
    RULES
        .iter()
        .find(|known| **known == rule)
        .copied()
        .unwrap_or("order_check_failed")
}

/// The refusal of a submission or approval: every failing check, named
/// in English as API problems read (pages name the checks kept on the
/// order in their own language).
fn refusal(checks: &[CheckView]) -> AppError {
    AppError::Invalid(
        checks
            .iter()
            .map(|check| {
                Invalid::new(
                    if check.line.is_some() {
                        "lines"
                    } else {
                        "order"
                    },
                    Problem::Conflict {
                        rule: static_rule(&check.rule),
                        with: match check.line {
                            Some(line) if check.with_en.is_empty() => format!("#{line}"),
                            Some(line) => format!("#{line} {}", check.with_en),
                            None => check.with_en.clone(),
                        },
                    },
                )
            })
            .collect(),
    )
}

impl Qudao {
    /// The partner an order input names: a partner role's own
    /// organisation (whatever it typed), staff's partner in scope.
    fn order_partner_code<'a>(&self, caller: &Caller, typed: &'a str) -> Result<&'a str, AppError> {
        if caller.role.is_partner_role() {
            return Ok(typed.trim());
        }
        non_empty(Some(typed))
            .ok_or_else(|| AppError::Invalid(vec![Invalid::new("partner", Problem::Required)]))
    }

    async fn own_code(&self, caller: &Caller) -> Result<Option<String>, AppError> {
        match caller.partner_id {
            Some(id) if caller.role.is_partner_role() => {
                Ok(
                    store_scope::partner_by_id(self.db(), scope_in(caller, Area::Orders), id)
                        .await?
                        .map(|p| p.code().to_owned()),
                )
            }
            _ => Ok(None),
        }
    }

    async fn partner_of_input(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        input: &OrderInput,
    ) -> Result<Visible, AppError> {
        let code = match self.own_code(caller).await? {
            Some(own) => own,
            None => self.order_partner_code(caller, &input.partner)?.to_owned(),
        };
        self.visible_for_write(tx, caller, Area::Orders, &code)
            .await
            .map_err(|e| match e {
                AppError::NotFound(_) => Invalid::new(
                    "partner",
                    Problem::Rule {
                        rule: "partner_must_exist",
                    },
                )
                .into(),
                other => other,
            })
    }

    /// Parses and prices every line; every bad line is reported, by its
    /// number, and nothing is written.
    async fn price_lines(
        &self,
        db: &impl ConnectionTrait,
        caller: &Caller,
        partner: &Visible,
        seller: Option<i64>,
        day: NaiveDate,
        lines: &[LineInput],
    ) -> Result<Vec<PricedLine>, AppError> {
        let currency = partner.row().currency()?;
        if lines.is_empty() {
            return Err(Invalid::new("lines", Problem::Required).into());
        }
        if lines.len() > MAX_LINES {
            return Err(Invalid::new(
                "lines",
                Problem::Limit {
                    rule: "order_too_many_lines",
                    max: MAX_LINES,
                },
            )
            .into());
        }
        let mut priced = Vec::with_capacity(lines.len());
        let mut errors = Vec::new();
        let mut parsed = Vec::with_capacity(lines.len());
        for (at, line) in lines.iter().enumerate() {
            match (
                Sku::parse_as("sku", &line.sku),
                rules::parse_qty("qty", &line.qty),
            )
                .all()
            {
                Ok((sku, qty)) => parsed.push((at, line, sku, qty)),
                Err(bad) => errors.extend(bad.into_iter().map(|e| (at, e))),
            }
        }
        let skus: Vec<&Sku> = parsed.iter().map(|(_, _, sku, _)| sku).collect();
        let products = qudao_store::catalog::products_with_skus(db, &skus).await?;
        let mut found = Vec::with_capacity(parsed.len());
        for (at, line, sku, qty) in parsed {
            // A sku twice in one order is two lines of one product.
            let Some(product) = products.get(sku.as_str()).cloned() else {
                errors.push((
                    at,
                    Invalid::new(
                        "sku",
                        Problem::Conflict {
                            rule: "order_product_unknown",
                            with: sku.as_str().to_owned(),
                        },
                    ),
                ));
                continue;
            };
            found.push((at, line, sku, qty, product));
        }
        // One book prices every line: the partner's lists are read once
        // per order, not once per line.
        let product_ids: Vec<i64> = found.iter().map(|(_, _, _, _, p)| p.id).collect();
        let book = self
            .price_book(db, partner, seller, day, &product_ids)
            .await?;
        for (at, line, sku, qty, product) in found {
            let quantity = u32::try_from(qty).unwrap_or(u32::MAX);
            let quote = book.quote(&sku, quantity);
            // A line no list prices is kept at no price: the checks name it,
            // so the partner sees why it is refused instead of losing it.
            let list_price = quote
                .as_ref()
                .map_or(Money::zero(currency), |(q, _)| q.unit_price);
            let unit_price = match non_empty(Some(&line.price)) {
                None => list_price,
                Some(typed) => {
                    let price = match Money::parse("price", typed, currency) {
                        Ok(price) => price,
                        Err(e) => {
                            errors.push((at, e));
                            continue;
                        }
                    };
                    if price != list_price {
                        if !caller.can(Permission::OverrideOrderPrices) {
                            errors.push((
                                at,
                                Invalid::new(
                                    "price",
                                    Problem::Rule {
                                        rule: "price_override_not_allowed",
                                    },
                                ),
                            ));
                            continue;
                        }
                        if non_empty(Some(&line.override_reason)).is_none() {
                            errors.push((at, Invalid::new("override_reason", Problem::Required)));
                            continue;
                        }
                        if let Some((quote, _)) = &quote
                            && let Err(e) = qudao_domain::pricing::check_override(quote, price)
                        {
                            errors.push((at, e));
                            continue;
                        }
                    }
                    price
                }
            };
            let Some(amount) = rules::line_amount(qty, unit_price) else {
                errors.push((
                    at,
                    Invalid::new(
                        "qty",
                        Problem::Rule {
                            rule: "amount_too_large",
                        },
                    ),
                ));
                continue;
            };
            let override_reason = (unit_price != list_price)
                .then(|| rules::parse_reason(&line.override_reason))
                .transpose();
            let override_reason = match override_reason {
                Ok(reason) => reason,
                Err(e) => {
                    errors.push((at, Invalid::new("override_reason", e.problem)));
                    continue;
                }
            };
            priced.push(PricedLine {
                new: repo::NewLine {
                    product_id: product.id,
                    qty,
                    list_price_minor: list_price.minor(),
                    price_list_id: quote.as_ref().map(|(_, row)| row.id),
                    unit_price_minor: unit_price.minor(),
                    override_reason,
                    amount_minor: amount.minor(),
                },
            });
        }
        if errors.is_empty() {
            Ok(priced)
        } else {
            // In the order of the lines, whichever step found each problem.
            errors.sort_by_key(|(at, _)| *at);
            Err(AppError::Invalid(
                errors.into_iter().map(|(_, e)| e).collect(),
            ))
        }
    }

    pub(crate) fn parse_day(field: &'static str, typed: &str) -> Result<NaiveDate, Invalid> {
        match non_empty(Some(typed)) {
            None => Ok(crate::today()),
            Some(day) => parse_date(field, day),
        }
    }

    /// A new draft order, its lines priced from the partner's lists.
    pub async fn create_order(
        &self,
        caller: &Caller,
        input: &OrderInput,
    ) -> Result<OrderView, AppError> {
        caller.require(Permission::PlaceOrders)?;
        let tx = self.write().await?;
        let partner = self.partner_of_input(&tx, caller, input).await?;
        let seller = match non_empty(Some(&input.seller)) {
            None => None,
            Some(typed) => Some(self.seller_for(&tx, caller, &partner, typed).await?),
        };
        let (day, note) = (
            Self::parse_day("order_date", &input.order_date),
            parse_note(&input.note),
        )
            .all()?;
        let lines = self
            .price_lines(&tx, caller, &partner, seller, day, &input.lines)
            .await?;
        let order = repo::insert_order(
            &tx,
            &partner,
            seller,
            partner.row().currency()?,
            day,
            &note,
            &caller.login,
        )
        .await?;
        let value: i64 = lines.iter().map(|l| l.new.amount_minor).sum();
        repo::replace_lines(&tx, &order, lines.into_iter().map(|l| l.new).collect()).await?;
        if seller.is_none() {
            self.request_wallet(&tx, &partner, order.id, value, &input.wallet)
                .await?;
        }
        let order = self.recheck(&tx, &partner, order).await?;
        let view = self.view_of(&tx, &partner, order).await?;
        self.audit(
            &tx,
            caller,
            "order",
            &view.number,
            "create",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// A draft's (or a rejected order's) new content; a rejected order
    /// becomes a draft again.
    pub async fn update_order(
        &self,
        caller: &Caller,
        number: &str,
        input: &OrderInput,
    ) -> Result<OrderView, AppError> {
        caller.require(Permission::PlaceOrders)?;
        let tx = self.write().await?;
        let (partner, order) = self.order_for_write(&tx, caller, number).await?;
        let status = order.status()?;
        if !status.is_editable() {
            return Err(Invalid::new(
                "status",
                Problem::Conflict {
                    rule: "order_not_editable",
                    with: status.as_str().to_owned(),
                },
            )
            .into());
        }
        let before = self.view_of(&tx, &partner, order.clone()).await?;
        let (day, note) = (
            Self::parse_day("order_date", &input.order_date),
            parse_note(&input.note),
        )
            .all()?;
        let lines = self
            .price_lines(&tx, caller, &partner, order.seller_id, day, &input.lines)
            .await?;
        let order = repo::update_head(&tx, order, day, &note).await?;
        let value: i64 = lines.iter().map(|l| l.new.amount_minor).sum();
        repo::replace_lines(&tx, &order, lines.into_iter().map(|l| l.new).collect()).await?;
        if order.seller_id.is_none() {
            self.request_wallet(&tx, &partner, order.id, value, &input.wallet)
                .await?;
        }
        let order = if status == OrderStatus::Rejected {
            repo::set_status(&tx, order, OrderStatus::Draft, Decision::default()).await?
        } else {
            order
        };
        let order = self.recheck(&tx, &partner, order).await?;
        let view = self.view_of(&tx, &partner, order).await?;
        self.audit(
            &tx,
            caller,
            "order",
            &view.number,
            "update",
            Some(&before),
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// Submits a draft. Every check runs; a failing order stays a draft
    /// with its checks stored (so the partner sees them) and the
    /// submission is refused with them.
    pub async fn submit_order(&self, caller: &Caller, number: &str) -> Result<OrderView, AppError> {
        caller.require(Permission::PlaceOrders)?;
        self.decide(caller, number, OrderStatus::Submitted, None)
            .await
    }

    /// Approves a submitted order after running every check again.
    pub async fn approve_order(
        &self,
        caller: &Caller,
        number: &str,
    ) -> Result<OrderView, AppError> {
        if self.sells_order(caller, number).await? {
            return self
                .decide_on(Side::Seller, caller, number, OrderStatus::Approved, None)
                .await;
        }
        caller.require(Permission::DecideOrders)?;
        self.decide(caller, number, OrderStatus::Approved, None)
            .await
    }

    pub async fn reject_order(
        &self,
        caller: &Caller,
        number: &str,
        input: &ReasonInput,
    ) -> Result<OrderView, AppError> {
        let side = if self.sells_order(caller, number).await? {
            Side::Seller
        } else {
            caller.require(Permission::DecideOrders)?;
            Side::Buyer
        };
        let reason = rules::parse_reason(&input.reason)?;
        self.decide_on(side, caller, number, OrderStatus::Rejected, Some(reason))
            .await
    }

    /// Cancels an order nothing has shipped of: its placer while it is a
    /// draft or submitted, a decider until it ships.
    pub async fn cancel_order(
        &self,
        caller: &Caller,
        number: &str,
        input: &ReasonInput,
    ) -> Result<OrderView, AppError> {
        caller.require(Permission::PlaceOrders)?;
        let reason = non_empty(Some(&input.reason))
            .map(rules::parse_reason)
            .transpose()?;
        self.decide(caller, number, OrderStatus::Cancelled, reason)
            .await
    }

    async fn decide(
        &self,
        caller: &Caller,
        number: &str,
        to: OrderStatus,
        reason: Option<String>,
    ) -> Result<OrderView, AppError> {
        self.decide_on(Side::Buyer, caller, number, to, reason)
            .await
    }

    /// A status change, found from the buyer's side (its people, staff in
    /// scope) or from the seller's (the distributor it was placed with).
    async fn decide_on(
        &self,
        side: Side,
        caller: &Caller,
        number: &str,
        to: OrderStatus,
        reason: Option<String>,
    ) -> Result<OrderView, AppError> {
        let tx = self.write().await?;
        let (partner, order) = match side {
            Side::Buyer => self.order_for_write(&tx, caller, number).await?,
            Side::Seller => self.sold_order_for_write(&tx, caller, number).await?,
        };
        let from = order.status()?;
        check_transition(from, to)?;
        if to == OrderStatus::Cancelled
            && from == OrderStatus::Approved
            && !caller.can(Permission::DecideOrders)
        {
            return Err(AppError::Forbidden);
        }
        let before = self.view_of(&tx, &partner, order.clone()).await?;
        let order = match to {
            OrderStatus::Submitted | OrderStatus::Approved => {
                if to == OrderStatus::Approved {
                    self.open_periods(&tx)
                        .await?
                        .check("order_date", order.order_date)?;
                }
                let checks = self.order_checks(&tx, &partner, &order).await?;
                if !checks.is_empty() {
                    let order = repo::set_status(
                        &tx,
                        order,
                        from,
                        Decision {
                            checks: Some(&checks),
                            by: None,
                        },
                    )
                    .await?;
                    let after = self.view_of(&tx, &partner, order).await?;
                    self.audit(
                        &tx,
                        caller,
                        "order",
                        number,
                        "refused",
                        Some(&before),
                        Some(&after),
                    )
                    .await?;
                    crate::commit(tx).await?;
                    return Err(refusal(&after.checks));
                }
                if to == OrderStatus::Submitted && order.seller_id.is_none() {
                    let value: i64 = repo::lines_of(&tx, order.id)
                        .await?
                        .iter()
                        .map(|l| l.amount_minor)
                        .sum();
                    self.spend_wallet(&tx, caller, &partner, order.id, value)
                        .await?;
                }
                let by = (to == OrderStatus::Approved).then_some((caller.login.as_str(), None));
                repo::set_status(
                    &tx,
                    order,
                    to,
                    Decision {
                        checks: Some(&[]),
                        by,
                    },
                )
                .await?
            }
            _ => {
                self.return_wallet(&tx, caller, &partner, order.id).await?;
                repo::set_status(
                    &tx,
                    order,
                    to,
                    Decision {
                        checks: None,
                        by: Some((caller.login.as_str(), reason.as_deref())),
                    },
                )
                .await?
            }
        };
        let mut view = self.view_of(&tx, &partner, order).await?;
        view.sold_by_reader = side == Side::Seller;
        let action = match to {
            OrderStatus::Submitted => "submit",
            OrderStatus::Approved => "approve",
            OrderStatus::Rejected => "reject",
            _ => "cancel",
        };
        self.audit(
            &tx,
            caller,
            "order",
            number,
            action,
            Some(&before),
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// Ships units of an approved order: a shipment with its lines and
    /// serial numbers, its invoice (due by the agreement's terms) and the
    /// sell-in facts; the order completes when nothing is left to ship.
    pub async fn ship_order(
        &self,
        caller: &Caller,
        number: &str,
        input: &ShipInput,
    ) -> Result<OrderView, AppError> {
        if self.sells_order(caller, number).await? {
            return self.ship_sold(caller, number, input).await;
        }
        caller.require(Permission::DecideOrders)?;
        let tx = self.write().await?;
        let (partner, order) = self.order_for_write(&tx, caller, number).await?;
        let status = order.status()?;
        if !status.is_shippable() {
            return Err(Invalid::new(
                "status",
                Problem::Conflict {
                    rule: "order_not_shippable",
                    with: status.as_str().to_owned(),
                },
            )
            .into());
        }
        let shipped_on = Self::parse_day("shipped_on", &input.shipped_on)?;
        self.open_periods(&tx)
            .await?
            .check("shipped_on", shipped_on)?;
        let currency = order.currency()?;
        let lines = repo::lines_of(&tx, order.id).await?;
        let (planned, mut errors) = plan_shipment(&lines, input);
        for (line, _, serials) in &planned {
            if let Some(taken) = repo::serials_taken(&tx, line.product_id, serials)
                .await?
                .into_iter()
                .next()
            {
                errors.push(serial_taken(taken));
            }
        }
        finish_plan(&planned, errors)?;
        let before = self.view_of(&tx, &partner, order.clone()).await?;
        let net_days = self.net_days(&tx, &partner, shipped_on).await?;
        let order_value: i64 = lines.iter().map(|l| l.amount_minor).sum();
        let shipped_before: i64 = repo::shipment_lines_of(&tx, order.id)
            .await?
            .iter()
            .map(|l| l.amount_minor)
            .sum();
        let shipment = repo::insert_shipment(&tx, &order, shipped_on, &caller.login).await?;
        let mut amounts = Vec::new();
        for (line, qty, serials) in &planned {
            let unit = Money::from_minor(line.unit_price_minor, currency);
            let amount = rules::line_amount(*qty, unit).ok_or_else(|| {
                Invalid::new(
                    "qty",
                    Problem::Rule {
                        rule: "amount_too_large",
                    },
                )
            })?;
            let row =
                repo::insert_shipment_line(&tx, &shipment, line, *qty, amount.minor(), serials)
                    .await?;
            repo::count_on_line(&tx, line.id, *qty, 0).await?;
            repo::insert_sellin(
                &tx,
                repo::NewSellIn {
                    partner_id: partner.id().0,
                    seller_id: None,
                    product_id: line.product_id,
                    date: shipped_on,
                    qty: *qty,
                    amount_minor: amount.minor(),
                    currency,
                    document_no: shipment.number.clone(),
                    shipment_line_id: row.id,
                    event: repo::SellInEvent::Shipped,
                },
            )
            .await?;
            amounts.push(amount);
        }
        let total = rules::total(amounts, Money::zero(currency)).ok_or_else(|| {
            Invalid::new(
                "lines",
                Problem::Rule {
                    rule: "amount_too_large",
                },
            )
        })?;
        let invoice = repo::insert_invoice(
            &tx,
            &shipment,
            currency,
            total.minor(),
            rules::due_on(shipped_on, net_days),
            &caller.login,
        )
        .await?;
        let credited = self
            .credit_wallet_share(
                &tx,
                caller,
                &partner,
                (order.id, &order.number),
                &invoice,
                (order_value, shipped_before),
            )
            .await?;
        let order = shipped(&tx, order).await?;
        let view = self.view_of(&tx, &partner, order).await?;
        self.audit(
            &tx,
            caller,
            "order",
            number,
            "ship",
            Some(&before),
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        self.facts_committed(FactKind::SellIn).await?;
        self.facts_committed(FactKind::Invoice).await?;
        if credited {
            self.facts_committed(FactKind::CreditNote).await?;
        }
        Ok(view)
    }

    /// Takes back units of a shipment line, with a reason: a return, its
    /// credit note against the shipment's invoice, and a negative sell-in
    /// fact. The return is dated in an open month; when the shipment's
    /// month is closed it stays as it was and the return points at it.
    pub async fn return_goods(
        &self,
        caller: &Caller,
        number: &str,
        input: &ReturnInput,
    ) -> Result<OrderView, AppError> {
        if self.sells_order(caller, number).await? {
            return self.return_sold(caller, number, input).await;
        }
        caller.require(Permission::DecideOrders)?;
        let tx = self.write().await?;
        let (partner, order) = self.order_for_write(&tx, caller, number).await?;
        let (qty, reason, returned_on) = (
            rules::parse_qty("qty", &input.qty),
            rules::parse_reason(&input.reason),
            Self::parse_day("returned_on", &input.returned_on),
        )
            .all()?;
        self.open_periods(&tx)
            .await?
            .check("returned_on", returned_on)?;
        let (_, invoice, line, shipment_line) =
            return_target(&tx, &order, input, qty, returned_on).await?;
        let line = &line;
        let before = self.view_of(&tx, &partner, order.clone()).await?;
        let currency = order.currency()?;
        let amount = rules::line_amount(qty, Money::from_minor(line.unit_price_minor, currency))
            .ok_or_else(|| {
                Invalid::new(
                    "qty",
                    Problem::Rule {
                        rule: "amount_too_large",
                    },
                )
            })?;
        let back = repo::insert_return(
            &tx,
            &partner,
            repo::NewReturn {
                line,
                shipment_line_id: shipment_line.id,
                qty,
                amount_minor: amount.minor(),
                currency,
                reason: &reason,
                returned_on,
            },
            &caller.login,
        )
        .await?;
        repo::count_on_line(&tx, line.id, 0, qty).await?;
        repo::insert_credit_note(
            &tx,
            &partner,
            repo::NewCreditNote {
                invoice_id: invoice.as_ref().map(|i| i.id),
                return_id: Some(back.id),
                currency,
                amount_minor: amount.minor(),
                reason: &reason,
                issued_on: returned_on,
            },
            &caller.login,
        )
        .await?;
        repo::insert_sellin(
            &tx,
            repo::NewSellIn {
                partner_id: partner.id().0,
                seller_id: None,
                product_id: line.product_id,
                date: returned_on,
                qty: -qty,
                amount_minor: -amount.minor(),
                currency,
                document_no: back.number.clone(),
                shipment_line_id: shipment_line.id,
                event: repo::SellInEvent::Returned(back.id),
            },
        )
        .await?;
        let order =
            repo::set_status(&tx, order.clone(), order.status()?, Decision::default()).await?;
        let view = self.view_of(&tx, &partner, order).await?;
        self.audit(
            &tx,
            caller,
            "order",
            number,
            "return",
            Some(&before),
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        self.facts_committed(FactKind::SellIn).await?;
        self.facts_committed(FactKind::CreditNote).await?;
        Ok(view)
    }

    /// A credit note against an invoice on its own (a price correction, a
    /// goodwill credit): at most what is still open on the invoice.
    pub async fn issue_credit_note(
        &self,
        caller: &Caller,
        input: &CreditNoteInput,
    ) -> Result<CreditNoteView, AppError> {
        caller.require(Permission::IssueCreditNotes)?;
        let unknown = || {
            AppError::from(Invalid::new(
                "invoice",
                Problem::Rule {
                    rule: "credit_invoice_unknown",
                },
            ))
        };
        let (_, code) = repo::invoice_in_scope(
            self.db(),
            scope_in(caller, Area::Orders),
            input.invoice.trim(),
        )
        .await?
        .ok_or_else(unknown)?;
        let tx = self.write().await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Orders, &code)
            .await?;
        let (invoice, _) =
            repo::invoice_in_scope(&tx, scope_in(caller, Area::Orders), input.invoice.trim())
                .await?
                .ok_or_else(unknown)?;
        let invoice = repo::invoice_of(&tx, &partner, invoice.id)
            .await?
            .ok_or_else(unknown)?;
        let currency = Currency::parse(&invoice.currency)
            .map_err(|_| AppError::Internal(format!("invoice {} currency", invoice.id)))?;
        let (amount, reason) = (
            Money::parse("amount", &input.amount, currency),
            rules::parse_reason(&input.reason),
        )
            .all()?;
        let open = qudao_store::receivables::open_on_invoice(&tx, &invoice).await?;
        rules::check_credit_amount(amount, Money::from_minor(open, currency))?;
        let issued_on = crate::today();
        self.open_periods(&tx)
            .await?
            .check("issued_on", issued_on)?;
        let note = repo::insert_credit_note(
            &tx,
            &partner,
            repo::NewCreditNote {
                invoice_id: Some(invoice.id),
                return_id: None,
                currency,
                amount_minor: amount.minor(),
                reason: &reason,
                issued_on,
            },
            &caller.login,
        )
        .await?;
        let allowed = self
            .allow_on_goods(&tx, &partner, &invoice, &note, currency)
            .await?;
        let view = CreditNoteView {
            number: note.number,
            invoice: invoice.number,
            partner: partner.code().to_owned(),
            currency: currency.as_str().to_owned(),
            amount: amount.amount_text(),
            reason,
            issued_on,
        };
        self.audit(
            &tx,
            caller,
            "credit_note",
            &view.number,
            "issue",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        if allowed {
            self.facts_committed(FactKind::SellIn).await?;
        }
        self.facts_committed(FactKind::CreditNote).await?;
        Ok(view)
    }

    /// Lowers the sell-in of the invoiced goods by a credit note on its
    /// own (`rules::allowance_parts`), dated the day of the note, so that
    /// sell-in, margins, attainment and rebate bases are net of it. An
    /// invoice with no shipment (an opening balance) has no goods to lower.
    /// Whether facts were written.
    async fn allow_on_goods(
        &self,
        tx: &WriteTx,
        partner: &Visible,
        invoice: &qudao_store::receivables::invoice::Model,
        note: &qudao_store::receivables::credit_note::Model,
        currency: Currency,
    ) -> Result<bool, AppError> {
        let Some(shipment_id) = invoice.shipment_id else {
            return Ok(false);
        };
        let lines = repo::shipment_lines_with_returns(tx, shipment_id).await?;
        let counted: Vec<(usize, i64)> = lines
            .iter()
            .enumerate()
            .map(|(i, (line, back))| (i, line.amount_minor - back))
            .collect();
        let parts = rules::allowance_parts(note.amount_minor, &counted);
        for (i, part) in &parts {
            let (line, _) = &lines[*i];
            repo::insert_sellin(
                tx,
                repo::NewSellIn {
                    partner_id: partner.id().0,
                    seller_id: None,
                    product_id: line.product_id,
                    date: note.issued_on,
                    qty: 0,
                    amount_minor: -part,
                    currency,
                    document_no: note.number.clone(),
                    shipment_line_id: line.id,
                    event: repo::SellInEvent::Allowed,
                },
            )
            .await?;
        }
        Ok(!parts.is_empty())
    }

    /// A page of orders in scope.
    pub async fn orders(
        &self,
        caller: &Caller,
        query: &OrderQuery,
        page: PageRequest,
    ) -> Result<Page<OrderSummary>, AppError> {
        caller.require(Permission::ViewOrders)?;
        let status = non_empty(Some(&query.status))
            .map(OrderStatus::parse)
            .transpose()?;
        let partner_id = match non_empty(Some(&query.partner)) {
            None => None,
            Some(code) => match self.visible(self.db(), caller, Area::Orders, code).await {
                Ok(partner) => Some(partner.id().0),
                Err(AppError::NotFound(_)) => {
                    return Ok(Page {
                        items: Vec::new(),
                        total: 0,
                        page: page.page,
                        per_page: page.per_page,
                    });
                }
                Err(other) => return Err(other),
            },
        };
        let downstream = match query.kind.trim() {
            "" | "incoming" => None,
            "direct" => Some(false),
            "downstream" => Some(true),
            _ => {
                return Err(Invalid::new(
                    "kind",
                    Problem::Format {
                        expected: "direct, downstream, incoming",
                    },
                )
                .into());
            }
        };
        let filter = OrderFilter {
            status,
            partner_id,
            downstream,
        };
        let rows = if query.kind.trim() == "incoming" {
            let seller = self.own_seller(self.db(), caller).await?;
            repo::list_sold(self.db(), &seller, &filter, page).await?
        } else {
            repo::list_orders(self.db(), scope_in(caller, Area::Orders), &filter, page).await?
        };
        rows.try_map(|row| {
            let currency = Currency::parse(&row.currency)
                .map_err(|_| AppError::Internal(format!("order {} currency", row.id)))?;
            Ok(OrderSummary {
                total: money(row.total_minor, currency),
                number: row.number,
                partner: row.partner_code,
                partner_name: row.partner_name,
                seller: row.seller_code,
                seller_name: row.seller_name,
                status: row.status,
                order_date: row.order_date,
                currency: row.currency,
                total_minor: row.total_minor,
                created_by: row.created_by,
            })
        })
    }

    /// One order in scope, with its lines, checks, shipments and returns.
    pub async fn order(&self, caller: &Caller, number: &str) -> Result<OrderView, AppError> {
        caller.require(Permission::ViewOrders)?;
        let found =
            repo::order_in_scope(self.db(), scope_in(caller, Area::Orders), number.trim()).await?;
        if let Some((order, code)) = found {
            let partner = self.visible(self.db(), caller, Area::Orders, &code).await?;
            return self.view_of(self.db(), &partner, order).await;
        }
        if caller.can(Permission::SellDownstream) {
            let (buyer, order) = self.sold_order(self.db(), caller, number).await?;
            let mut view = self.view_of(self.db(), &buyer, order).await?;
            view.sold_by_reader = true;
            return Ok(view);
        }
        Err(not_found())
    }

    /// An order in scope for a write: its partner locked first, then the
    /// order, read again under the lock.
    async fn order_for_write(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        number: &str,
    ) -> Result<(Visible, order::Model), AppError> {
        let (_, code) = repo::order_in_scope(tx, scope_in(caller, Area::Orders), number.trim())
            .await?
            .ok_or_else(not_found)?;
        let partner = self
            .visible_for_write(tx, caller, Area::Orders, &code)
            .await?;
        let order = repo::order_for_write(tx, &partner, number.trim())
            .await?
            .ok_or_else(not_found)?;
        // Staff read orders placed with a distributor; only the buyer's
        // own people and the distributor act on them.
        if order.seller_id.is_some() && !caller.role.is_partner_role() {
            return Err(AppError::Forbidden);
        }
        Ok((partner, order))
    }

    /// Runs the checks and stores them on a draft (so its lines show why
    /// they would be refused before it is submitted).
    async fn recheck(
        &self,
        tx: &WriteTx,
        partner: &Visible,
        order: order::Model,
    ) -> Result<order::Model, AppError> {
        let checks = self.order_checks(tx, partner, &order).await?;
        let status = order.status()?;
        Ok(repo::set_status(
            tx,
            order,
            status,
            Decision {
                checks: Some(&checks),
                by: None,
            },
        )
        .await?)
    }

    /// The payment terms of the agreement in force on a day (none: due
    /// at once).
    async fn net_days(
        &self,
        db: &impl ConnectionTrait,
        partner: &Visible,
        day: NaiveDate,
    ) -> Result<i32, AppError> {
        let versions = qudao_store::agreements::versions_of(db, partner).await?;
        let dates = versions
            .iter()
            .map(|v| v.dates())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(agreement_rules::in_force(&dates, day)
            .and_then(|in_force| versions.iter().find(|v| v.version == in_force.version))
            .map_or(0, |v| v.payment_net_days))
    }

    /// Every failing pre-approval check of an order, read under the
    /// partner's lock.
    async fn order_checks(
        &self,
        db: &impl ConnectionTrait,
        partner: &Visible,
        order: &order::Model,
    ) -> Result<Vec<OrderCheck>, AppError> {
        let day = order.order_date;
        let currency = order.currency()?;
        let row = partner.row();
        let seller = match order.seller_id {
            Some(id) => Some(self.seller_of(db, id).await?),
            None => None,
        };
        let mut bands = Vec::new();
        let versions = qudao_store::agreements::versions_of(db, partner).await?;
        let dates = versions
            .iter()
            .map(|v| v.dates())
            .collect::<Result<Vec<_>, _>>()?;
        let grades = self.grade_names(db).await?;
        let grade = row
            .grade_id
            .and_then(|id| grades.get(&id))
            .and_then(|code| GradeCode::parse("grade", code).ok());
        let partner_type = row.partner_type()?;
        let channels = self.channels(db, &grades).await?;
        let line_codes: HashMap<i64, String> = qudao_store::catalog::lines(db)
            .await?
            .into_iter()
            .map(|l| (l.id, l.code))
            .collect();
        let rights = qudao_store::sellthrough::rights_of(db, &[partner.id().0]).await?;
        let mut facts = Vec::new();
        let mut total = Money::zero(currency);
        let lines = repo::lines_of(db, order.id).await?;
        let product_ids: Vec<i64> = lines.iter().map(|l| l.product_id).collect();
        let book = self
            .price_book(db, partner, order.seller_id, day, &product_ids)
            .await?;
        // A downstream line's price keeps within the band we set on the
        // seller's price of its product.
        let products = match &seller {
            Some(_) => {
                let skus = lines
                    .iter()
                    .map(|l| Sku::parse_as("sku", &l.sku))
                    .collect::<Result<Vec<_>, _>>()?;
                let skus: Vec<&Sku> = skus.iter().collect();
                qudao_store::catalog::products_with_skus(db, &skus).await?
            }
            None => HashMap::new(),
        };
        for line in lines {
            let line_code = line_codes
                .get(&line.product_line_id)
                .cloned()
                .unwrap_or_default();
            let qty = u32::try_from(line.qty).unwrap_or(u32::MAX);
            let quote = book
                .quote(&Sku::parse_as("sku", &line.sku)?, qty)
                .map(|(q, _)| q);
            let unit_price = Money::from_minor(line.unit_price_minor, currency);
            if let Some(seller) = &seller {
                let product = products.get(&line.sku).ok_or_else(not_found)?;
                let band = self.downstream_band(db, seller, product, day).await?;
                bands.extend(qudao_domain::downstream::check_line(
                    line.line_no,
                    &line.sku,
                    unit_price,
                    band,
                ));
            }
            total = total
                .checked_add(Money::from_minor(line.amount_minor, currency))
                .unwrap_or(total);
            facts.push(LineFacts {
                line_no: line.line_no,
                sku: line.sku.clone(),
                product_line: line_code.clone(),
                channel_allows: channel_allows(
                    channels
                        .get(&line.product_line_id)
                        .map_or(&[][..], Vec::as_slice),
                    partner_type,
                    grade.as_ref(),
                ),
                right_held: rights.iter().any(|r| {
                    r.product_line == line_code && r.valid_from <= day && day <= r.valid_to
                }),
                product_active: CatalogStatus::parse(&line.product_status)
                    .is_ok_and(|s| s == CatalogStatus::Active),
                quote,
                unit_price,
            });
        }
        // A downstream order is between the tier-2 partner and its
        // distributor: no agreement with us is needed, and credit is the
        // distributor's business.
        let credit = match row.credit_limit {
            Some(limit) if seller.is_none() => {
                Some(self.credit(db, partner, order, limit, total).await?)
            }
            _ => None,
        };
        let mut checks = rules::checks(&OrderFacts {
            partner_active: row.status()? == PartnerStatus::Active,
            agreement_in_force: seller.is_some()
                || agreement_rules::in_force(&dates, day).is_some(),
            lines: facts,
            credit,
        });
        checks.extend(bands);
        Ok(checks)
    }

    /// The credit position for an order, in the limit's currency (the
    /// partner's). Amounts in another currency are converted through the
    /// company currency at the order month's rates.
    async fn credit(
        &self,
        db: &impl ConnectionTrait,
        partner: &Visible,
        order: &order::Model,
        limit: i64,
        this_order: Money,
    ) -> Result<Credit, AppError> {
        let limit_currency = partner.row().currency()?;
        let order_currency = this_order.currency();
        let month = Month::of(order.order_date);
        let mut open = Money::zero(limit_currency);
        let mut pending = Money::zero(limit_currency);
        let mut currencies = vec![limit_currency];
        if order_currency != limit_currency {
            currencies.push(order_currency);
        }
        for currency in currencies {
            let owed = qudao_store::receivables::open_amount(db, partner, currency).await?;
            let held = repo::pending_amount(db, partner, currency, order.id).await?;
            open = open
                .checked_add(
                    self.converted(Money::from_minor(owed, currency), limit_currency, month)
                        .await?,
                )
                .unwrap_or(open);
            pending = pending
                .checked_add(
                    self.converted(Money::from_minor(held, currency), limit_currency, month)
                        .await?,
                )
                .unwrap_or(pending);
        }
        Ok(Credit {
            limit: Money::from_minor(limit, limit_currency),
            open,
            pending,
            this_order: self.converted(this_order, limit_currency, month).await?,
        })
    }

    async fn converted(
        &self,
        amount: Money,
        to: Currency,
        month: Month,
    ) -> Result<Money, AppError> {
        if amount.currency() == to {
            return Ok(amount);
        }
        let company = self.current_settings().await?.currency;
        let overflow = || AppError::Internal("conversion overflow".into());
        let in_company = qudao_domain::rates::convert(
            amount,
            &self.rate_for(month, amount.currency()).await?,
            company,
        )
        .ok_or_else(overflow)?;
        if to == company {
            return Ok(in_company);
        }
        let back = self.rate_for(month, to).await?;
        let value = in_company
            .to_decimal()
            .checked_div(back.as_decimal())
            .ok_or_else(overflow)?;
        Money::from_decimal(value, to).ok_or_else(overflow)
    }

    async fn grade_names(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<HashMap<i64, String>, AppError> {
        Ok(qudao_store::grades::list(db)
            .await?
            .into_iter()
            .map(|g| (g.id, g.code))
            .collect())
    }

    async fn channels(
        &self,
        db: &impl ConnectionTrait,
        grades: &HashMap<i64, String>,
    ) -> Result<HashMap<i64, Vec<ChannelRule>>, AppError> {
        let mut by_line = HashMap::new();
        for (line, rules) in qudao_store::catalog::channel_rules(db).await? {
            let rules = rules
                .into_iter()
                .map(|rule| {
                    Ok(ChannelRule {
                        partner_type: PartnerType::parse(&rule.partner_type).map_err(|_| {
                            qudao_store::StoreError::Unreadable {
                                table: "product_line_channels",
                                row: rule.id,
                                column: "partner_type",
                                value: rule.partner_type.clone(),
                            }
                        })?,
                        grade: rule
                            .grade_id
                            .and_then(|id| grades.get(&id))
                            .and_then(|code| GradeCode::parse("grade", code).ok()),
                    })
                })
                .collect::<Result<Vec<_>, qudao_store::StoreError>>()?;
            by_line.insert(line, rules);
        }
        Ok(by_line)
    }

    pub(crate) async fn view_of(
        &self,
        db: &impl ConnectionTrait,
        partner: &Visible,
        order: order::Model,
    ) -> Result<OrderView, AppError> {
        let currency = order.currency()?;
        let lines = repo::lines_of(db, order.id).await?;
        let stored = order.checks()?;
        let line_names: HashMap<String, (String, String)> = if stored.is_empty() {
            HashMap::new()
        } else {
            qudao_store::catalog::lines(db)
                .await?
                .into_iter()
                .map(|l| (l.code, (l.name_zh, l.name_en)))
                .collect()
        };
        let checks: Vec<CheckView> = stored
            .into_iter()
            .map(|check| CheckView::named(check, &lines, &line_names))
            .collect();
        let list_ids: Vec<i64> = lines.iter().filter_map(|l| l.price_list_id).collect();
        let lists: HashMap<i64, qudao_store::pricing::price_list::Model> =
            qudao_store::pricing::by_ids(db, &list_ids)
                .await?
                .into_iter()
                .map(|l| (l.id, l))
                .collect();
        let shipments = repo::shipments_of(db, order.id).await?;
        let shipment_lines = repo::shipment_lines_of(db, order.id).await?;
        let serials = repo::serials_of(db, shipment_lines.iter().map(|l| l.id).collect()).await?;
        // A distributor's shipment keeps its serials on the sell-through
        // lines it wrote, by shipment number and order line.
        let (seller, sold_serials) = match order.seller_id {
            None => (None, Vec::new()),
            Some(id) => (
                Some(self.seller_of(db, id).await?),
                qudao_store::downstream::shipped_serials(
                    db,
                    id,
                    shipments.iter().map(|(s, _)| s.number.clone()).collect(),
                )
                .await?,
            ),
        };
        let returns = repo::returns_of(db, lines.iter().map(|l| l.id).collect()).await?;
        let line_by_id: BTreeMap<i64, &LineRow> = lines.iter().map(|l| (l.id, l)).collect();
        let total = rules::total(
            lines
                .iter()
                .map(|l| Money::from_minor(l.amount_minor, currency)),
            Money::zero(currency),
        )
        .unwrap_or(Money::zero(currency));
        let shipment_views = shipments
            .iter()
            .map(|(shipment, invoice)| ShipmentView {
                number: shipment.number.clone(),
                shipped_on: shipment.shipped_on,
                invoice: invoice.as_ref().map(|i| i.number.clone()),
                invoice_amount: invoice.as_ref().map(|i| money(i.amount_minor, currency)),
                invoice_due_on: invoice.as_ref().map(|i| i.due_on),
                lines: shipment_lines
                    .iter()
                    .filter(|sl| sl.shipment_id == shipment.id)
                    .map(|sl| {
                        let line = line_by_id.get(&sl.order_line_id);
                        let returned: i64 = returns
                            .iter()
                            .filter(|(r, _)| r.shipment_line_id == sl.id)
                            .map(|(r, _)| r.qty)
                            .sum();
                        ShipmentLineView {
                            line_no: line.map_or(0, |l| l.line_no),
                            sku: line.map_or_else(String::new, |l| l.sku.clone()),
                            product_name: line.map_or_else(String::new, |l| l.name_zh.clone()),
                            product_name_en: line.map_or_else(String::new, |l| l.name_en.clone()),
                            qty: sl.qty,
                            amount: money(sl.amount_minor, currency),
                            returnable: sl.qty - returned,
                            serials: serials
                                .iter()
                                .filter(|s| s.shipment_line_id == sl.id)
                                .map(|s| s.serial_no.clone())
                                .chain(
                                    sold_serials
                                        .iter()
                                        .filter(|(doc, row, _)| {
                                            *doc == shipment.number
                                                && line
                                                    .is_some_and(|l| i64::from(l.line_no) == *row)
                                        })
                                        .map(|(_, _, serial)| serial.clone()),
                                )
                                .collect(),
                        }
                    })
                    .collect(),
            })
            .collect();
        let return_views = returns
            .iter()
            .map(|(back, note)| {
                let line = line_by_id.get(&back.order_line_id);
                let shipment = shipment_lines
                    .iter()
                    .find(|sl| sl.id == back.shipment_line_id)
                    .and_then(|sl| shipments.iter().find(|(s, _)| s.id == sl.shipment_id))
                    .map_or_else(String::new, |(s, _)| s.number.clone());
                ReturnView {
                    number: back.number.clone(),
                    shipment,
                    line_no: line.map_or(0, |l| l.line_no),
                    sku: line.map_or_else(String::new, |l| l.sku.clone()),
                    product_name: line.map_or_else(String::new, |l| l.name_zh.clone()),
                    product_name_en: line.map_or_else(String::new, |l| l.name_en.clone()),
                    qty: back.qty,
                    amount: money(back.amount_minor, currency),
                    reason: back.reason.clone(),
                    returned_on: back.returned_on,
                    credit_note: note.as_ref().map(|n| n.number.clone()),
                }
            })
            .collect();
        let line_views = lines
            .iter()
            .map(|l| {
                let list = l.price_list_id.and_then(|id| lists.get(&id));
                OrderLineView {
                    line_no: l.line_no,
                    sku: l.sku.clone(),
                    product_name: l.name_zh.clone(),
                    product_name_en: l.name_en.clone(),
                    qty: l.qty,
                    list_price: money(l.list_price_minor, currency),
                    unit_price: money(l.unit_price_minor, currency),
                    amount: money(l.amount_minor, currency),
                    price_list: list.map(|p| p.code.clone()),
                    price_list_name: list.map(|p| p.name_zh.clone()),
                    price_list_name_en: list.map(|p| p.name_en.clone()),
                    override_reason: l.override_reason.clone(),
                    qty_shipped: l.qty_shipped,
                    qty_returned: l.qty_returned,
                    serial_tracked: l.serial_tracked,
                    checks: checks
                        .iter()
                        .filter(|c| c.line == Some(l.line_no))
                        .cloned()
                        .collect(),
                }
            })
            .collect();
        let actors: Vec<String> = std::iter::once(order.created_by.clone())
            .chain(order.decided_by.clone())
            .collect();
        let names: HashMap<String, String> = qudao_store::admin::display_names(db, &actors)
            .await?
            .into_iter()
            .collect();
        let name_of = |login: &String| names.get(login).unwrap_or(login).clone();
        let wallet = self
            .order_wallet(db, partner, order.id, order.seller_id, total)
            .await?;
        Ok(OrderView {
            wallet,
            decided_by_name: order.decided_by.as_ref().map(name_of),
            created_by_name: name_of(&order.created_by),
            number: order.number,
            partner: partner.code().to_owned(),
            partner_name: partner.row().name.clone(),
            seller: seller.as_ref().map(|s| s.code().to_owned()),
            seller_name: seller.as_ref().map(|s| s.row().name.clone()),
            sold_by_reader: false,
            currency: currency.as_str().to_owned(),
            status: order.status,
            order_date: order.order_date,
            note: order.note,
            total: total.amount_text(),
            total_minor: total.minor(),
            checks,
            decided_by: order.decided_by,
            decided_at: order.decided_at,
            decision_reason: order.decision_reason,
            created_by: order.created_by,
            created_at: order.created_at,
            lines: line_views,
            shipments: shipment_views,
            returns: return_views,
        })
    }
}

/// The order in the status its shipped quantities put it in (partly
/// shipped or shipped), after a shipment's lines are written.
pub(crate) async fn shipped(tx: &WriteTx, order: order::Model) -> Result<order::Model, AppError> {
    let counts: Vec<(i64, i64)> = repo::lines_of(tx, order.id)
        .await?
        .iter()
        .map(|l| (l.qty, l.qty_shipped))
        .collect();
    Ok(repo::set_status(
        tx,
        order,
        rules::after_shipment(&counts),
        Decision::default(),
    )
    .await?)
}

/// One line of a planned shipment: the order line, the quantity shipped
/// and its serial numbers.
pub(crate) type PlannedLine<'a> = (&'a LineRow, i64, Vec<String>);

/// A shipment's lines as typed: each named line, its quantity within what
/// is left to ship and its serial numbers, and every line that is wrong.
/// Whether a serial shipped before is the caller's check (ours or a
/// distributor's).
pub(crate) fn plan_shipment<'a>(
    lines: &'a [LineRow],
    input: &ShipInput,
) -> (Vec<PlannedLine<'a>>, Vec<Invalid>) {
    let mut planned = Vec::new();
    let mut errors = Vec::new();
    for ship in input.lines.iter().filter(|l| !l.qty.trim().is_empty()) {
        let Some(line) = lines.iter().find(|l| l.line_no == ship.line_no) else {
            errors.push(Invalid::new(
                "line_no",
                Problem::Conflict {
                    rule: "order_line_unknown",
                    with: ship.line_no.to_string(),
                },
            ));
            continue;
        };
        let qty = match rules::parse_qty("qty", &ship.qty)
            .and_then(|qty| rules::check_ship_qty(line.qty, line.qty_shipped, qty).map(|()| qty))
        {
            Ok(qty) => qty,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let serials = if line.serial_tracked {
            match rules::parse_serials(&ship.serials, qty) {
                Ok(serials) => serials,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            }
        } else {
            Vec::new()
        };
        planned.push((line, qty, serials));
    }
    (planned, errors)
}

pub(crate) fn serial_taken(serial: String) -> Invalid {
    Invalid::new(
        "serials",
        Problem::Conflict {
            rule: "serial_shipped_before",
            with: serial,
        },
    )
}

/// Refuses a shipment with a wrong line, or with nothing to ship.
pub(crate) fn finish_plan<T>(planned: &[T], mut errors: Vec<Invalid>) -> Result<(), AppError> {
    if errors.is_empty() && planned.is_empty() {
        errors.push(Invalid::new(
            "lines",
            Problem::Rule {
                rule: "ship_nothing",
            },
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

fn parse_note(value: &str) -> Result<String, Invalid> {
    let value = value.trim();
    if value.chars().count() > 500 {
        return Err(Invalid::new("note", Problem::TooLong { max: 500 }));
    }
    Ok(value.to_owned())
}

/// The shipment line a return is against, checked: the shipment and the
/// line exist, the quantity is at most what is still unreturned, and the
/// goods do not come back before they left.
pub(crate) async fn return_target(
    tx: &WriteTx,
    order: &order::Model,
    input: &ReturnInput,
    qty: i64,
    returned_on: NaiveDate,
) -> Result<
    (
        repo::shipment::Model,
        Option<qudao_store::receivables::invoice::Model>,
        LineRow,
        repo::shipment_line::Model,
    ),
    AppError,
> {
    let unknown_shipment = || {
        Invalid::new(
            "shipment",
            Problem::Rule {
                rule: "return_shipment_unknown",
            },
        )
    };
    let (shipment, invoice) = repo::shipments_of(tx, order.id)
        .await?
        .into_iter()
        .find(|(s, _)| s.number == input.shipment.trim())
        .ok_or_else(unknown_shipment)?;
    let line = repo::lines_of(tx, order.id)
        .await?
        .into_iter()
        .find(|l| l.line_no == input.line_no)
        .ok_or_else(unknown_shipment)?;
    let shipment_line = repo::shipment_lines_of(tx, order.id)
        .await?
        .into_iter()
        .find(|sl| sl.shipment_id == shipment.id && sl.order_line_id == line.id)
        .ok_or_else(unknown_shipment)?;
    let returned = repo::returned_of_shipment_line(tx, shipment_line.id).await?;
    rules::check_return_qty(shipment_line.qty, returned, qty)?;
    if returned_on < shipment.shipped_on {
        return Err(Invalid::new(
            "returned_on",
            Problem::Rule {
                rule: "return_before_shipment",
            },
        )
        .into());
    }
    Ok((shipment, invoice, line, shipment_line))
}
