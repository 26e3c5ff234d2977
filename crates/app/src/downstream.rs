//! Downstream orders (二级订货) from the distributor's side. A tier-2
//! partner orders from its parent through the same order use cases
//! (`orders`, with `seller`); the distributor's boss (`SellDownstream`)
//! reads the orders placed with its organisation, approves or rejects
//! them and ships them. A shipment writes no invoice from us: it writes
//! the tier-2 partner's sell-in from the distributor (`sellin_lines` with
//! `seller_id`, `FactKind::DownstreamSellIn`) and the distributor's
//! sell-through (`sellthrough_lines`, one upload per shipment,
//! `FactKind::SellThrough`), so channel inventory moves the goods from
//! one to the other and our own sell-in counts them once, when we shipped
//! them to the distributor. Staff read these orders and act on none.

use qudao_domain::money::Money;
use qudao_domain::orders as rules;
use qudao_domain::partners::PartnerId;
use qudao_domain::scope::DataScope;
use qudao_domain::{Invalid, Problem};
use qudao_store::Aggregate;
use qudao_store::facts::FactKind;
use qudao_store::orders::{self as repo, order};
use qudao_store::scope::{self as store_scope, Visible};
use qudao_store::sellthrough as st;
use qudao_store::{ConnectionTrait, WriteTx};

use crate::error::AllFields;
use crate::orders::{
    OrderView, ReturnInput, ShipInput, finish_plan, plan_shipment, return_target, serial_taken,
    shipped,
};
use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Permission, Qudao};

/// Which side of an order a use case acts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The partner that buys (its people, or staff in scope for orders
    /// with us).
    Buyer,
    /// The distributor a downstream order was placed with.
    Seller,
}

fn not_found() -> AppError {
    AppError::NotFound("order")
}

impl Qudao {
    /// The distributor an order names, found in a scope of that one
    /// partner: the buyer's people may not read their distributor's
    /// record, but its name on their order and its prices are theirs.
    pub(crate) async fn seller_of(
        &self,
        db: &impl ConnectionTrait,
        id: i64,
    ) -> Result<Visible, AppError> {
        store_scope::partner_by_id(db, DataScope::Partner(PartnerId(id)), PartnerId(id))
            .await?
            .ok_or_else(|| AppError::Internal(format!("order seller {id} missing")))
    }

    /// The seller a new order names: only the buyer's own people order
    /// downstream, and only from the buyer's parent.
    pub(crate) async fn seller_for(
        &self,
        db: &impl ConnectionTrait,
        caller: &Caller,
        buyer: &Visible,
        typed: &str,
    ) -> Result<i64, AppError> {
        if !caller.role.is_partner_role() {
            return Err(AppError::Forbidden);
        }
        let parent = match buyer.row().parent_id {
            Some(id) => Some(self.seller_of(db, id).await?),
            None => None,
        };
        let parent_code = parent
            .as_ref()
            .map(|p| qudao_domain::partners::PartnerCode::parse(p.code()))
            .transpose()?;
        qudao_domain::downstream::check_seller(parent_code.as_ref(), typed)?;
        parent
            .map(|p| p.id().0)
            .ok_or_else(|| AppError::Internal("checked seller without parent".into()))
    }

    /// A partner's people: their organisation's distributor (code, name),
    /// whom they may order from downstream; none at the top of the tree
    /// and for staff.
    pub async fn my_distributor(
        &self,
        caller: &Caller,
    ) -> Result<Option<(String, String)>, AppError> {
        let Some(own) = caller.partner_id.filter(|_| caller.role.is_partner_role()) else {
            return Ok(None);
        };
        let Some(own) =
            store_scope::partner_by_id(self.db(), scope_in(caller, Area::Orders), own).await?
        else {
            return Ok(None);
        };
        match own.row().parent_id {
            None => Ok(None),
            Some(id) => {
                let seller = self.seller_of(self.db(), id).await?;
                Ok(Some((seller.code().to_owned(), seller.row().name.clone())))
            }
        }
    }

    /// The caller's own organisation as a seller.
    pub(crate) async fn own_seller(
        &self,
        db: &impl ConnectionTrait,
        caller: &Caller,
    ) -> Result<Visible, AppError> {
        caller.require(Permission::SellDownstream)?;
        let own = caller.partner_id.ok_or(AppError::Forbidden)?;
        store_scope::partner_by_id(db, scope_in(caller, Area::Orders), own)
            .await?
            .ok_or(AppError::Forbidden)
    }

    /// Whether the order was placed with the caller's organisation: then
    /// the caller decides it as its seller; otherwise as for our orders
    /// (a partner's boss may not decide its own order with us: 403).
    pub(crate) async fn sells_order(
        &self,
        caller: &Caller,
        number: &str,
    ) -> Result<bool, AppError> {
        if !caller.can(Permission::SellDownstream) {
            return Ok(false);
        }
        let seller = self.own_seller(self.db(), caller).await?;
        Ok(
            qudao_store::downstream::order_sold_by(self.db(), &seller, number.trim())
                .await?
                .is_some(),
        )
    }

    /// An order placed with the caller's organisation, with its buyer
    /// (one of the caller's downstream partners).
    pub(crate) async fn sold_order(
        &self,
        db: &impl ConnectionTrait,
        caller: &Caller,
        number: &str,
    ) -> Result<(Visible, order::Model), AppError> {
        let seller = self.own_seller(db, caller).await?;
        let (order, code) = qudao_store::downstream::order_sold_by(db, &seller, number.trim())
            .await?
            .ok_or_else(not_found)?;
        let buyer = self.visible(db, caller, Area::Partners, &code).await?;
        Ok((buyer, order))
    }

    /// The same for a write: the buyer's row locked first (as the buyer's
    /// own writes do), then the order read again under it.
    pub(crate) async fn sold_order_for_write(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        number: &str,
    ) -> Result<(Visible, order::Model), AppError> {
        let seller = self.own_seller(tx, caller).await?;
        let (_, code) = qudao_store::downstream::order_sold_by(tx, &seller, number.trim())
            .await?
            .ok_or_else(not_found)?;
        let buyer = self
            .visible_for_write(tx, caller, Area::Partners, &code)
            .await?;
        let order = qudao_store::downstream::order_sold_for_write(tx, &seller, number.trim())
            .await?
            .ok_or_else(not_found)?;
        Ok((buyer, order))
    }

    /// Ships units of a downstream order placed with the caller's
    /// organisation: the shipment and its lines, the tier-2 partner's
    /// sell-in from the distributor, and the distributor's sell-through
    /// (one line per unit for serial-tracked products, carrying the
    /// serial). No invoice: what the tier-2 partner owes its distributor
    /// is not our receivable.
    pub(crate) async fn ship_sold(
        &self,
        caller: &Caller,
        number: &str,
        input: &ShipInput,
    ) -> Result<OrderView, AppError> {
        caller.require(Permission::SellDownstream)?;
        let tx = self.write().await?;
        // The sell-through duplicate rule reads every line reported, so
        // the distributor's new lines wait for (and are seen by) uploads;
        // that lock comes before any partner row, as in sell-through.
        tx.lock(Aggregate::SellThrough).await?;
        let seller = self.own_seller(&tx, caller).await?;
        let (buyer, order) = self.sold_order_for_write(&tx, caller, number).await?;
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
        let shipped_on = match input.shipped_on.trim() {
            "" => crate::today(),
            day => qudao_domain::dates::parse_date("shipped_on", day)?,
        };
        self.open_periods(&tx)
            .await?
            .check("shipped_on", shipped_on)?;
        let region = buyer.row().region_id.ok_or_else(|| {
            Invalid::new(
                "partner",
                Problem::Conflict {
                    rule: "downstream_buyer_no_region",
                    with: buyer.code().to_owned(),
                },
            )
        })?;
        let currency = order.currency()?;
        let lines = repo::lines_of(&tx, order.id).await?;
        let (planned, mut errors) = plan_shipment(&lines, input);
        for (line, _, serials) in &planned {
            let taken =
                qudao_store::downstream::serials_sold(&tx, &seller, line.product_id, serials)
                    .await?;
            errors.extend(taken.into_iter().next().map(serial_taken));
        }
        finish_plan(&planned, errors)?;
        let before = self.view_of(&tx, &buyer, order.clone()).await?;
        let shipment = repo::insert_shipment(&tx, &order, shipped_on, &caller.login).await?;
        let upload = st::insert_upload(
            &tx,
            st::NewUpload {
                uploaded_by: &caller.login,
                partner: Some(&seller),
                file_name: &shipment.number,
                dry_run: false,
                hold_unknown: false,
            },
        )
        .await?;
        let started_at = qudao_store::now();
        let mut sold = Vec::new();
        for (line, qty, serials) in &planned {
            let unit = Money::from_minor(line.unit_price_minor, currency);
            let too_large = || {
                Invalid::new(
                    "qty",
                    Problem::Rule {
                        rule: "amount_too_large",
                    },
                )
            };
            let amount = rules::line_amount(*qty, unit).ok_or_else(too_large)?;
            let row =
                repo::insert_shipment_line(&tx, &shipment, line, *qty, amount.minor(), &[]).await?;
            repo::count_on_line(&tx, line.id, *qty, 0).await?;
            repo::insert_sellin(
                &tx,
                repo::NewSellIn {
                    partner_id: buyer.id().0,
                    seller_id: Some(seller.id().0),
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
            let one = |qty: i64, amount: Money, serial: Option<String>| st::NewLine {
                partner_id: seller.id().0,
                product_id: line.product_id,
                date: shipped_on,
                qty,
                amount_minor: amount.minor(),
                currency: currency.as_str().to_owned(),
                customer_region_id: region,
                customer_name: Some(buyer.row().name.clone()),
                document_no: Some(shipment.number.clone()),
                serial_no: serial,
                upload_id: upload.id,
                upload_row: i64::from(line.line_no),
            };
            if serials.is_empty() {
                sold.push(one(*qty, amount, None));
            } else {
                for serial in serials {
                    sold.push(one(1, unit, Some(serial.clone())));
                }
            }
        }
        let written = i64::try_from(sold.len()).unwrap_or(i64::MAX);
        st::insert_lines(&tx, sold).await?;
        st::finish_upload(
            &tx,
            upload,
            st::Finished {
                state: st::state::DONE,
                rows_total: written,
                rows_written: written,
                rows_rejected: 0,
                rows_held: 0,
                report: "{}",
                started_at,
            },
        )
        .await?;
        let order = shipped(&tx, order).await?;
        let mut view = self.view_of(&tx, &buyer, order).await?;
        view.sold_by_reader = true;
        self.audit(
            &tx,
            caller,
            "order",
            &view.number,
            "ship",
            Some(&before),
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        self.facts_committed(FactKind::SellThrough).await?;
        self.facts_committed(FactKind::DownstreamSellIn).await?;
        Ok(view)
    }

    /// Records goods a tier-2 partner gives back to its distributor,
    /// against a shipped line: the return, the negative sell-in from the
    /// distributor and the distributor's sell-through return (qty below
    /// zero, the amount refunded as reported returns carry it). No credit
    /// note: the money between them is not our receivable. Serial-tracked
    /// products are refused: which serials came back is not recorded on a
    /// downstream shipment line, so the distributor's stock of serials
    /// could not be told right.
    pub(crate) async fn return_sold(
        &self,
        caller: &Caller,
        number: &str,
        input: &ReturnInput,
    ) -> Result<OrderView, AppError> {
        caller.require(Permission::SellDownstream)?;
        let tx = self.write().await?;
        tx.lock(Aggregate::SellThrough).await?;
        let seller = self.own_seller(&tx, caller).await?;
        let (buyer, order) = self.sold_order_for_write(&tx, caller, number).await?;
        let (qty, reason, returned_on) = (
            rules::parse_qty("qty", &input.qty),
            rules::parse_reason(&input.reason),
            Self::parse_day("returned_on", &input.returned_on),
        )
            .all()?;
        self.open_periods(&tx)
            .await?
            .check("returned_on", returned_on)?;
        let (_, _, line, shipment_line) =
            return_target(&tx, &order, input, qty, returned_on).await?;
        if line.serial_tracked {
            return Err(Invalid::new(
                "line_no",
                Problem::Rule {
                    rule: "downstream_return_serial_tracked",
                },
            )
            .into());
        }
        let region = buyer.row().region_id.ok_or_else(|| {
            Invalid::new(
                "partner",
                Problem::Conflict {
                    rule: "downstream_buyer_no_region",
                    with: buyer.code().to_owned(),
                },
            )
        })?;
        let before = self.view_of(&tx, &buyer, order.clone()).await?;
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
            &buyer,
            repo::NewReturn {
                line: &line,
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
        repo::insert_sellin(
            &tx,
            repo::NewSellIn {
                partner_id: buyer.id().0,
                seller_id: Some(seller.id().0),
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
        let upload = st::insert_upload(
            &tx,
            st::NewUpload {
                uploaded_by: &caller.login,
                partner: Some(&seller),
                file_name: &back.number,
                dry_run: false,
                hold_unknown: false,
            },
        )
        .await?;
        let started_at = qudao_store::now();
        st::insert_lines(
            &tx,
            vec![st::NewLine {
                partner_id: seller.id().0,
                product_id: line.product_id,
                date: returned_on,
                qty: -qty,
                amount_minor: amount.minor(),
                currency: currency.as_str().to_owned(),
                customer_region_id: region,
                customer_name: Some(buyer.row().name.clone()),
                document_no: Some(back.number.clone()),
                serial_no: None,
                upload_id: upload.id,
                upload_row: i64::from(line.line_no),
            }],
        )
        .await?;
        st::finish_upload(
            &tx,
            upload,
            st::Finished {
                state: st::state::DONE,
                rows_total: 1,
                rows_written: 1,
                rows_rejected: 0,
                rows_held: 0,
                report: "{}",
                started_at,
            },
        )
        .await?;
        let order = repo::set_status(
            &tx,
            order.clone(),
            order.status()?,
            repo::Decision::default(),
        )
        .await?;
        let mut view = self.view_of(&tx, &buyer, order).await?;
        view.sold_by_reader = true;
        self.audit(
            &tx,
            caller,
            "order",
            &view.number,
            "return",
            Some(&before),
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        self.facts_committed(FactKind::SellThrough).await?;
        self.facts_committed(FactKind::DownstreamSellIn).await?;
        Ok(view)
    }
}
