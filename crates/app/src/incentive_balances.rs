//! Payout balances (`docs/INCENTIVES.md`, "Balances"): what paying an
//! incentive run puts at a partner's disposal, and what becomes of it.
//!
//! - **Paying.** `pay_incentive_run` hands its partner settlements here,
//!   inside its transaction: a `wallet`, `goods` or `marketing_fund`
//!   settlement is an `earned` movement referencing the ledger entry and
//!   the program (a claw-back is negative: the balance may go below zero,
//!   and pages show it so); a `credit_note` settlement issues a standalone
//!   trade credit note (no invoice, no order), which the partner's
//!   statement shows and which lowers what it owes. Cash is paid outside.
//! - **Orders.** A partner's order with us uses the rebate wallet: what it
//!   asks (the most allowed when it says nothing) is checked when it is
//!   saved and spent when it is submitted — the moment the partner commits
//!   to it and the credit check counts it — as a `spent` movement; a
//!   cancellation or rejection returns it (`reversed`). Each shipment's
//!   invoice is then credited with its share of what the wallet paid
//!   (`credit_wallet_share`), so the partner owes what the order showed
//!   as payable.
//! - **Staff** (`ManageIncentives`) record a spend or an adjustment of any
//!   balance with a reason. Partners read their own balances; staff those
//!   of partners in their scope.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use qudao_domain::error::{Invalid, Problem};
use qudao_domain::incentive_balances::{self as rules, BalanceForm, MovementKind};
use qudao_domain::incentives::ProgramCode;
use qudao_domain::incentives::program::PayoutForm;
use qudao_domain::money::{Currency, Money};
use qudao_domain::partners::PartnerId;
use qudao_store::incentive_balances::{self as repo, MovementRow, NewMovement};
use qudao_store::orders::NewCreditNote;
use qudao_store::scope::{self as store_scope, Visible};
use qudao_store::scorecards::Scored;
use qudao_store::{ConnectionTrait, DataScope, WriteTx};

use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Permission, Qudao};

/// The reason of a credit note that takes the wallet's share off an
/// invoice, before the order's number.
pub const WALLET_REASON: &str = "返利池抵扣";

/// One balance of a partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BalanceView {
    /// `wallet`, `goods` or `marketing_fund`.
    pub form: String,
    /// Minor units; negative after a claw-back larger than the balance.
    pub balance: i64,
    pub balance_shown: String,
}

/// One movement of a balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MovementView {
    pub id: i64,
    pub form: String,
    /// `earned`, `spent`, `reversed` or `adjusted`.
    pub kind: String,
    /// Signed, minor units.
    pub amount: i64,
    pub amount_shown: String,
    pub program_code: Option<String>,
    pub ledger_entry: Option<i64>,
    pub order: Option<String>,
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A partner's balances and their movements, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BalancesView {
    pub partner: String,
    pub partner_name: String,
    pub currency: String,
    pub balances: Vec<BalanceView>,
    /// The most of an order's value the wallet may pay, e.g. `20%`.
    pub wallet_share: String,
    pub movements: Vec<MovementView>,
}

/// A movement staff record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct MovementInput {
    /// `wallet`, `goods` or `marketing_fund`.
    #[serde(default)]
    pub form: String,
    /// `spent` (a positive amount taken off) or `adjusted` (signed).
    #[serde(default)]
    pub kind: String,
    /// In major units, e.g. `1200.50`.
    #[serde(default, deserialize_with = "crate::text::text_or_number")]
    #[schema(value_type = String, example = "1200.50")]
    pub amount: String,
    /// 1–200 characters.
    #[serde(default)]
    pub reason: String,
}

/// The rebate wallet as an order sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OrderWalletView {
    /// The wallet's balance now, minor units.
    pub balance: i64,
    pub balance_shown: String,
    /// The most this order may use now (balance and share cap).
    pub allowed: i64,
    pub allowed_shown: String,
    /// What the order asks (`None`: the most allowed).
    pub requested: Option<i64>,
    /// The same in major units as typed (`200.00`).
    pub requested_text: Option<String>,
    /// What the order has spent of it (after any return), minor units.
    pub used: i64,
    pub used_shown: String,
    /// The order's total less what the wallet pays.
    pub payable: i64,
    pub payable_shown: String,
}

/// A partner's settlement as the payout hands it over.
pub(crate) struct PaidSettlement<'a> {
    pub subject: Scored,
    pub program: &'a str,
    pub form: Option<PayoutForm>,
    pub currency: Currency,
    pub amount: i64,
    pub ledger_entry: i64,
}

fn balance_form(form: PayoutForm) -> Option<BalanceForm> {
    match form {
        PayoutForm::Wallet => Some(BalanceForm::Wallet),
        PayoutForm::Goods => Some(BalanceForm::Goods),
        PayoutForm::MarketingFund => Some(BalanceForm::MarketingFund),
        PayoutForm::Cash | PayoutForm::CreditNote => None,
    }
}

fn shown(minor: i64, currency: Currency) -> String {
    Money::from_minor(minor, currency).formatted()
}

fn movement_view(row: MovementRow) -> MovementView {
    MovementView {
        id: row.id,
        form: row.form.as_str().to_owned(),
        kind: row.kind.as_str().to_owned(),
        amount: row.amount.minor(),
        amount_shown: row.amount.formatted(),
        program_code: row.program.map(|p| p.as_str().to_owned()),
        ledger_entry: row.ledger_entry_id,
        order: row.order_number,
        reason: row.reason,
        created_by: row.created_by,
        created_at: row.created_at,
    }
}

impl Qudao {
    /// Writes what a payout's partner settlements put into balances: an
    /// earned movement per wallet, goods or marketing-fund settlement, a
    /// standalone credit note per positive credit-note settlement. True
    /// when a credit note was issued (the engine then takes the new fact).
    pub(crate) async fn pay_into_balances(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        settlements: &[PaidSettlement<'_>],
    ) -> Result<bool, AppError> {
        let mut credited = false;
        for s in settlements {
            let Scored::Partner(id) = s.subject else {
                continue;
            };
            let Some(form) = s.form else { continue };
            // The run paid every subject it computed, whoever pays it.
            let partner = store_scope::partner_by_id(tx, DataScope::All, PartnerId(id))
                .await?
                .ok_or(AppError::NotFound("partner"))?;
            let program = ProgramCode::parse_as("program_code", s.program)?;
            if let Some(form) = balance_form(form) {
                repo::insert(
                    tx,
                    &partner,
                    &NewMovement {
                        form,
                        kind: MovementKind::Earned,
                        amount: Money::from_minor(s.amount, s.currency),
                        ledger_entry_id: Some(s.ledger_entry),
                        program: Some(&program),
                        order_id: None,
                        reason: None,
                    },
                    &caller.login,
                )
                .await?;
            } else if form == PayoutForm::CreditNote && s.amount > 0 {
                let issued_on = crate::today();
                self.open_periods(tx).await?.check("issued_on", issued_on)?;
                let reason = format!("{} #{}", program.as_str(), s.ledger_entry);
                let note = NewCreditNote {
                    invoice_id: None,
                    return_id: None,
                    currency: s.currency,
                    amount_minor: s.amount,
                    reason: &reason,
                    issued_on,
                };
                self.issue_system_credit_note(tx, caller, &partner, None, note)
                    .await?;
                credited = true;
            }
        }
        Ok(credited)
    }

    /// The partner whose balances the caller asks for: a partner's people
    /// their own organisation (whatever they typed), staff a partner in
    /// scope.
    pub(crate) async fn balances_partner(
        &self,
        db: &impl ConnectionTrait,
        caller: &Caller,
        code: Option<&str>,
    ) -> Result<Visible, AppError> {
        if caller.role.is_partner_role() {
            let id = caller.partner_id.ok_or(AppError::Forbidden)?;
            return store_scope::partner_by_id(db, scope_in(caller, Area::Incentives), id)
                .await?
                .ok_or(AppError::NotFound("partner"));
        }
        caller.require(Permission::ViewIncentives)?;
        let code = crate::non_empty(code)
            .ok_or_else(|| AppError::Invalid(vec![Invalid::new("partner", Problem::Required)]))?;
        self.visible(db, caller, Area::Incentives, code).await
    }

    /// A partner's balances with their movements.
    pub async fn incentive_balances(
        &self,
        caller: &Caller,
        code: Option<&str>,
    ) -> Result<BalancesView, AppError> {
        let partner = self.balances_partner(self.db(), caller, code).await?;
        self.balances_of(self.db(), &partner).await
    }

    async fn balances_of(
        &self,
        db: &impl ConnectionTrait,
        partner: &Visible,
    ) -> Result<BalancesView, AppError> {
        let currency = partner.row().currency()?;
        let rows = repo::of_partner(db, partner).await?;
        let mut sums: HashMap<BalanceForm, Vec<i64>> = HashMap::new();
        for row in rows.iter().filter(|r| r.amount.currency() == currency) {
            sums.entry(row.form).or_default().push(row.amount.minor());
        }
        let balances = BalanceForm::ALL
            .iter()
            .map(|form| {
                let balance = rules::balance(sums.get(form).into_iter().flatten().copied());
                BalanceView {
                    form: form.as_str().to_owned(),
                    balance,
                    balance_shown: shown(balance, currency),
                }
            })
            .collect();
        let shares = self.wallet_shares(db, partner).await?;
        let wallet_share = shares.iter().min().map_or_else(
            || "100%".to_owned(),
            |s| crate::incentive_runs::percent_shown(*s),
        );
        Ok(BalancesView {
            partner: partner.code().to_owned(),
            partner_name: partner.row().name.clone(),
            currency: currency.as_str().to_owned(),
            balances,
            wallet_share,
            movements: rows.into_iter().rev().map(movement_view).collect(),
        })
    }

    /// Staff record a spend or an adjustment of one of a partner's
    /// balances; every problem is reported at its field and nothing is
    /// written.
    pub async fn record_balance_movement(
        &self,
        caller: &Caller,
        code: &str,
        input: &MovementInput,
    ) -> Result<BalancesView, AppError> {
        caller.require(Permission::ManageIncentives)?;
        let tx = self.write().await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Incentives, code)
            .await?;
        let currency = partner.row().currency()?;
        let mut errors = Vec::new();
        let form = BalanceForm::parse(&input.form)
            .map_err(|e| errors.push(e))
            .ok();
        let kind = MovementKind::parse(&input.kind)
            .map_err(|e| errors.push(e))
            .ok();
        let amount = Money::parse("amount", &input.amount, currency)
            .map_err(|e| errors.push(e))
            .ok();
        let reason = rules::parse_reason(&input.reason)
            .map_err(|e| errors.push(e))
            .ok();
        let signed = match (kind, amount) {
            (Some(kind), Some(amount)) => rules::staff_movement(kind, amount.minor())
                .map_err(|e| errors.push(e))
                .ok(),
            _ => None,
        };
        let (Some(form), Some(kind), Some(signed), Some(reason)) = (form, kind, signed, reason)
        else {
            return Err(AppError::Invalid(errors));
        };
        let id = repo::insert(
            &tx,
            &partner,
            &NewMovement {
                form,
                kind,
                amount: Money::from_minor(signed, currency),
                ledger_entry_id: None,
                program: None,
                order_id: None,
                reason: Some(&reason),
            },
            &caller.login,
        )
        .await?;
        #[derive(Serialize)]
        struct Recorded<'a> {
            partner: &'a str,
            form: &'static str,
            kind: &'static str,
            amount: i64,
            reason: &'a str,
        }
        self.audit(
            &tx,
            caller,
            "incentive_balance_movement",
            &id.to_string(),
            "create",
            None,
            Some(&Recorded {
                partner: partner.code(),
                form: form.as_str(),
                kind: kind.as_str(),
                amount: signed,
                reason: &reason,
            }),
        )
        .await?;
        let view = self.balances_of(&tx, &partner).await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// The `max_share_per_order` of the programs that paid into the
    /// partner's wallet (each code's latest version that sets one).
    async fn wallet_shares(
        &self,
        db: &impl ConnectionTrait,
        partner: &Visible,
    ) -> Result<Vec<Decimal>, AppError> {
        let mut shares = Vec::new();
        for code in repo::wallet_programs(db, partner).await? {
            let versions = qudao_store::incentives::versions(db, &code).await?;
            if let Some(share) = versions
                .iter()
                .find_map(|v| v.program.payout.max_share_per_order)
            {
                shares.push(share);
            }
        }
        Ok(shares)
    }

    /// The wallet's balance and the most an order of `value` may use.
    async fn wallet_allowance(
        &self,
        db: &impl ConnectionTrait,
        partner: &Visible,
        value: i64,
    ) -> Result<(i64, i64), AppError> {
        let currency = partner.row().currency()?;
        let balance =
            rules::balance(repo::amounts(db, partner, BalanceForm::Wallet, currency).await?);
        let shares = self.wallet_shares(db, partner).await?;
        Ok((balance, rules::allowed(balance, value, &shares)))
    }

    /// Checks what a saved order asks of the wallet (`typed`, empty: the
    /// most allowed) against its value and keeps it with the order.
    pub(crate) async fn request_wallet(
        &self,
        tx: &WriteTx,
        partner: &Visible,
        order_id: i64,
        value: i64,
        typed: &str,
    ) -> Result<(), AppError> {
        let currency = partner.row().currency()?;
        let requested = crate::non_empty(Some(typed))
            .map(|t| Money::parse("wallet", t, currency).map(Money::minor))
            .transpose()?;
        let (_, allowed) = self.wallet_allowance(tx, partner, value).await?;
        rules::wallet_use(requested, allowed, &shown(allowed, currency))?;
        repo::set_request(tx, order_id, requested).await?;
        Ok(())
    }

    /// Spends what a submitted order asked of the wallet, as allowed now;
    /// asking more than the wallet now allows refuses the submission.
    pub(crate) async fn spend_wallet(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        partner: &Visible,
        order_id: i64,
        value: i64,
    ) -> Result<(), AppError> {
        let currency = partner.row().currency()?;
        let requested = repo::request_of(tx, order_id).await?.flatten();
        let (_, allowed) = self.wallet_allowance(tx, partner, value).await?;
        let used = rules::wallet_use(requested, allowed, &shown(allowed, currency))?;
        if used > 0 {
            repo::insert(
                tx,
                partner,
                &NewMovement {
                    form: BalanceForm::Wallet,
                    kind: MovementKind::Spent,
                    amount: Money::from_minor(-used, currency),
                    ledger_entry_id: None,
                    program: None,
                    order_id: Some(order_id),
                    reason: None,
                },
                &caller.login,
            )
            .await?;
        }
        Ok(())
    }

    /// Returns what a cancelled or rejected order spent of the wallet.
    pub(crate) async fn return_wallet(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        partner: &Visible,
        order_id: i64,
    ) -> Result<(), AppError> {
        let currency = partner.row().currency()?;
        let spent = rules::balance(repo::order_amounts(tx, partner, order_id).await?);
        if let Some(back) = rules::reversal(spent) {
            repo::insert(
                tx,
                partner,
                &NewMovement {
                    form: BalanceForm::Wallet,
                    kind: MovementKind::Reversed,
                    amount: Money::from_minor(back, currency),
                    ledger_entry_id: None,
                    program: None,
                    order_id: Some(order_id),
                    reason: None,
                },
                &caller.login,
            )
            .await?;
        }
        Ok(())
    }

    /// Credits a shipment's invoice with its share of the wallet its order
    /// used (`rules::wallet_share`): a credit note against the invoice,
    /// dated the day of the invoice, so the partner owes what the order
    /// showed as payable. It is money the partner had earned, not money
    /// off the goods, so it is not an allowance on sell-in (a rebate does
    /// not lower the base of the next rebate). Whether a note was issued.
    pub(crate) async fn credit_wallet_share(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        partner: &Visible,
        order: (i64, &str),
        invoice: &qudao_store::receivables::invoice::Model,
        (total, before): (i64, i64),
    ) -> Result<bool, AppError> {
        let (order_id, order_number) = order;
        let used = -rules::balance(repo::order_amounts(tx, partner, order_id).await?);
        let share = rules::wallet_share(used, total, before, invoice.amount_minor);
        if share <= 0 {
            return Ok(false);
        }
        let currency = Currency::parse(&invoice.currency)
            .map_err(|_| AppError::Internal(format!("invoice {} currency", invoice.id)))?;
        let reason = format!("{WALLET_REASON} {order_number}");
        let note = NewCreditNote {
            invoice_id: Some(invoice.id),
            return_id: None,
            currency,
            amount_minor: share,
            reason: &reason,
            issued_on: invoice.issued_on,
        };
        self.issue_system_credit_note(tx, caller, partner, Some(&invoice.number), note)
            .await?;
        Ok(true)
    }

    /// A credit note the system issues to a partner (an incentive paid as
    /// one, the wallet's share of an invoice), with its audit record.
    async fn issue_system_credit_note(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        partner: &Visible,
        invoice: Option<&str>,
        note: NewCreditNote<'_>,
    ) -> Result<(), AppError> {
        let (amount, reason) = (note.amount_minor, note.reason);
        let issued =
            qudao_store::orders::insert_credit_note(tx, partner, note, &caller.login).await?;
        #[derive(Serialize)]
        struct Issued<'a> {
            partner: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            invoice: Option<&'a str>,
            amount: i64,
            reason: &'a str,
        }
        self.audit(
            tx,
            caller,
            "credit_note",
            &issued.number,
            "issue",
            None,
            Some(&Issued {
                partner: partner.code(),
                invoice,
                amount,
                reason,
            }),
        )
        .await?;
        Ok(())
    }

    /// The wallet as an order's view shows it; none for an order placed
    /// with a distributor (the wallet is the brand's).
    pub(crate) async fn order_wallet(
        &self,
        db: &impl ConnectionTrait,
        partner: &Visible,
        order_id: i64,
        seller: Option<i64>,
        total: Money,
    ) -> Result<Option<OrderWalletView>, AppError> {
        if seller.is_some() {
            return Ok(None);
        }
        let currency = total.currency();
        let (balance, allowed) = self.wallet_allowance(db, partner, total.minor()).await?;
        let used = -rules::balance(repo::order_amounts(db, partner, order_id).await?);
        let requested = repo::request_of(db, order_id).await?.flatten();
        let payable = total.minor() - used;
        Ok(Some(OrderWalletView {
            balance,
            balance_shown: shown(balance, currency),
            allowed,
            allowed_shown: shown(allowed, currency),
            requested,
            requested_text: requested.map(|r| Money::from_minor(r, currency).amount_text()),
            used,
            used_shown: shown(used, currency),
            payable,
            payable_shown: shown(payable, currency),
        }))
    }
}
