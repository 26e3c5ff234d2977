//! Receivables and collections (应收账款 / 回款): opening invoices, payments
//! and their allocation, the statement, ageing, the overdue list and the
//! collection rate. The rules are `qudao_domain::receivables`'.
//!
//! Finance (and admins) record; staff read the partners in their scope; a
//! partner's users read their own organisation's invoices and statement
//! (the `Receivables` narrowing: a distributor's downstream partners owe
//! the brand, not the distributor). A payment is a fact: its date must lie
//! in an open month, and the engine hears of it after the commit.
//!
//! Concurrency: every payment write locks the partner's row and then
//! [`Aggregate::Receivables`], re-reads the partner's ledger and allocates
//! against what is open at that moment, so two payments racing for one
//! invoice cannot both pay it.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use qudao_domain::dates::parse_date;
use qudao_domain::money::{Currency, Money};
use qudao_domain::receivables::{
    self as rules, Bucket, Ledger, LineKind, Overpayment, Spread, parse_number,
};
use qudao_domain::{Invalid, Problem};
use qudao_store::agreements as agreement_repo;
use qudao_store::facts::FactKind;
use qudao_store::receivables::{self as repo, NewInvoice, NewPayment, Source, payment};
use qudao_store::scope::{self as store_scope, Visible};
use qudao_store::{Aggregate, WriteTx};
use serde::{Deserialize, Serialize};

use crate::error::{AllFields, given};
use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Permission, Qudao, non_empty};

fn amount(minor: i64, currency: Currency) -> String {
    Money::from_minor(minor, currency).amount_text()
}

/// An invoice as lists show it. Amounts are plain decimals in its currency.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvoiceView {
    pub number: String,
    pub partner_code: String,
    pub partner_name: String,
    pub currency: String,
    pub amount: String,
    /// What it still owes today.
    pub open: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    /// Days past due today; negative while not yet due, none once paid.
    pub days_past_due: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AllocationView {
    pub invoice: String,
    pub amount: String,
}

/// A payment as lists show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentView {
    pub number: String,
    pub partner_code: String,
    pub partner_name: String,
    pub currency: String,
    pub amount: String,
    /// What no invoice took: kept on the partner's account.
    pub on_account: String,
    pub received_on: NaiveDate,
    pub reference: Option<String>,
    /// `entered` or `imported`.
    pub source: String,
    /// `on_account` when the person recording it chose to keep an
    /// overpayment on account.
    pub overpayment: Option<String>,
    pub allocations: Vec<AllocationView>,
}

/// A payment to record. Amounts are decimals in the payment's currency.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PaymentInput {
    /// The paying partner's code.
    pub partner: String,
    /// ISO 4217; the partner's currency when empty.
    #[serde(default)]
    pub currency: String,
    pub amount: String,
    /// `YYYY-MM-DD`.
    pub received_on: String,
    /// The bank's reference; recorded once.
    #[serde(default)]
    pub reference: String,
    /// Named invoices and amounts; when empty, the payment pays the
    /// invoices in `pay` (or all open ones) oldest due first.
    #[serde(default)]
    pub allocations: Vec<AllocationInput>,
    /// Invoice numbers to pay oldest due first (used when `allocations` is
    /// empty; empty means every open invoice).
    #[serde(default)]
    pub pay: Vec<String>,
    /// `on_account` to keep what pays no invoice on the partner's account;
    /// empty refuses such a payment.
    #[serde(default)]
    pub overpayment: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AllocationInput {
    pub invoice: String,
    pub amount: String,
}

/// An invoice from a previous system (an opening balance).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OpeningInvoiceInput {
    pub partner: String,
    pub number: String,
    /// ISO 4217; the partner's currency when empty.
    #[serde(default)]
    pub currency: String,
    pub amount: String,
    pub issued_on: String,
    /// When empty: the issue date plus the payment terms of the agreement
    /// in force on it.
    #[serde(default)]
    pub due_on: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatementLineView {
    pub date: NaiveDate,
    /// `invoice`, `credit_note` or `payment`.
    pub kind: String,
    pub number: String,
    pub due_on: Option<NaiveDate>,
    /// As written on the document (positive).
    pub amount: String,
    /// The running balance after this line.
    pub balance: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatementSection {
    pub currency: String,
    pub opening: String,
    pub invoiced: String,
    pub credited: String,
    pub paid: String,
    pub closing: String,
    pub lines: Vec<StatementLineView>,
}

/// A partner's statement of a period: per currency, the balance before
/// it, every invoice, credit note and payment in it by date, and the
/// balance after it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatementView {
    pub partner_code: String,
    pub partner_name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub sections: Vec<StatementSection>,
}

/// Open amounts of one partner and currency by days past due.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgeingRow {
    pub partner_code: String,
    pub partner_name: String,
    pub currency: String,
    pub current: String,
    pub days_1_30: String,
    pub days_31_60: String,
    pub days_61_90: String,
    pub over_90: String,
    pub total: String,
}

/// The ageing of every partner in scope on a day, with one total row per
/// currency (`partner_code` empty).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgeingView {
    pub as_of: NaiveDate,
    pub rows: Vec<AgeingRow>,
    pub totals: Vec<AgeingRow>,
}

/// An invoice past due on a day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OverdueRow {
    pub number: String,
    pub partner_code: String,
    pub partner_name: String,
    /// The partner's owner (display name), if it has one.
    pub owner: Option<String>,
    pub currency: String,
    pub open: String,
    pub due_on: NaiveDate,
    pub days_overdue: i64,
}

/// A partner's collection rate in a period, per currency.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CollectionRow {
    pub partner_code: String,
    pub partner_name: String,
    pub currency: String,
    /// Due in the period, net of credit notes against those invoices.
    pub due: String,
    /// Paid of that by the period's end.
    pub collected: String,
    /// Percent with two decimals (`87.50`); none when nothing fell due.
    pub rate: Option<String>,
}

/// A partner's account as the partner page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccountView {
    /// Balance per currency (invoices − credit notes − payments).
    pub balances: Vec<AllocationView>,
    pub ageing: Vec<AgeingRow>,
    pub open_invoices: Vec<InvoiceView>,
    /// Money kept on account, per currency, not yet allocated.
    pub on_account: Vec<AllocationView>,
}

/// What was kept on account to apply: to these invoices, these amounts,
/// or (none named) oldest due first among `pay`, or among all open ones.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AllocateInput {
    #[serde(default)]
    pub allocations: Vec<AllocationInput>,
    #[serde(default)]
    pub pay: Vec<String>,
}

/// What one allocation of money kept on account applied.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    /// The payment after it.
    pub payment: PaymentView,
    /// The invoices it paid now and how much each.
    pub lines: Vec<AllocationView>,
    /// Their sum.
    pub total: String,
}

/// A payment with money on account and the invoices it can pay.
#[derive(Debug, Clone, Serialize)]
pub struct ToAllocate {
    pub payment: PaymentView,
    /// Open invoices of its partner in its currency, oldest due first.
    pub open: Vec<InvoiceView>,
}

/// Named invoices and amounts; an amount that does not read names its
/// invoice, so a form can show the error beside it.
fn named_amounts(
    allocations: &[AllocationInput],
    currency: Currency,
) -> Result<Vec<(String, i64)>, AppError> {
    let mut named = Vec::new();
    let mut errors = Vec::new();
    for a in allocations {
        let number = parse_number("invoices", &a.invoice);
        let minor = Money::parse("invoices", &a.amount, currency).map(Money::minor);
        match (number, minor) {
            (Ok(number), Ok(minor)) => named.push((number, minor)),
            (Ok(number), Err(_)) => errors.push(Invalid::new(
                "invoices",
                Problem::Conflict {
                    rule: "allocation_amount_unreadable",
                    with: number,
                },
            )),
            (Err(e), _) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(named)
    } else {
        Err(AppError::Invalid(errors))
    }
}

fn not_found() -> AppError {
    AppError::NotFound("payment")
}

fn partner_names(partners: &[Visible]) -> HashMap<i64, (String, String)> {
    partners
        .iter()
        .map(|p| (p.id().0, (p.code().to_owned(), p.row().name.clone())))
        .collect()
}

fn ageing_row(code: &str, name: &str, currency: Currency, ageing: &rules::Ageing) -> AgeingRow {
    let text = |bucket: Bucket| amount(ageing.buckets[bucket as usize], currency);
    AgeingRow {
        partner_code: code.to_owned(),
        partner_name: name.to_owned(),
        currency: currency.as_str().to_owned(),
        current: text(Bucket::Current),
        days_1_30: text(Bucket::Days1To30),
        days_31_60: text(Bucket::Days31To60),
        days_61_90: text(Bucket::Days61To90),
        over_90: text(Bucket::Over90),
        total: amount(ageing.total(), currency),
    }
}

/// A period's two ends, checked in order.
pub fn parse_period(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate), AppError> {
    let (from, to) = (parse_date("from", from), parse_date("to", to)).all()?;
    if to < from {
        return Err(Invalid::new(
            "to",
            Problem::Rule {
                rule: "dates_in_order",
            },
        )
        .into());
    }
    Ok((from, to))
}

fn currency_or(field: &'static str, value: &str, partner: &Visible) -> Result<Currency, Invalid> {
    match non_empty(Some(value)) {
        Some(value) => Currency::parse(value).map_err(|i| Invalid::new(field, i.problem)),
        None => Currency::parse(&partner.row().currency)
            .map_err(|_| Invalid::new(field, Problem::Required)),
    }
}

fn positive(field: &'static str, value: &str, currency: Currency) -> Result<i64, Invalid> {
    let money = Money::parse(field, value, currency)?;
    if money.minor() <= 0 {
        return Err(Invalid::new(
            field,
            Problem::Rule {
                rule: "amount_positive",
            },
        ));
    }
    Ok(money.minor())
}

impl Qudao {
    /// Enters an invoice from a previous system (an opening balance). Its
    /// due date, unless given, is the issue date plus the payment terms of
    /// the agreement in force on it.
    pub async fn record_opening_invoice(
        &self,
        caller: &Caller,
        input: &OpeningInvoiceInput,
    ) -> Result<InvoiceView, AppError> {
        caller.require(Permission::ManageReceivables)?;
        let tx = self.write().await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Receivables, &input.partner)
            .await?;
        tx.lock(Aggregate::Receivables).await?;
        let open = self.open_periods(&tx).await?;
        let versions = agreement_repo::versions_of(&tx, &partner).await?;
        let dates = versions
            .iter()
            .map(|v| v.dates())
            .collect::<Result<Vec<_>, _>>()?;
        // The payment terms of the agreement in force on the issue date.
        let net_days = |issued: NaiveDate| {
            let version = qudao_domain::agreements::in_force(&dates, issued)?.version;
            let row = versions.iter().find(|v| v.version == version)?;
            u64::try_from(row.payment_net_days).ok()
        };
        let currency = currency_or("currency", &input.currency, &partner);
        let (number, currency, issued_on) = (
            parse_number("number", &input.number),
            currency,
            parse_date("issued_on", &input.issued_on),
        )
            .all()?;
        let (amount_minor, due_on, ()) = (
            positive("amount", &input.amount, currency),
            match non_empty(Some(&input.due_on)) {
                Some(due) => parse_date("due_on", due),
                None => net_days(issued_on)
                    .map(|days| issued_on + chrono::Days::new(days))
                    .ok_or_else(|| {
                        Invalid::new(
                            "due_on",
                            Problem::Rule {
                                rule: "due_needs_agreement",
                            },
                        )
                    }),
            },
            open.check("issued_on", issued_on),
        )
            .all()?;
        given(Some(due_on), |due| {
            if due < issued_on {
                Err(Invalid::new(
                    "due_on",
                    Problem::Rule {
                        rule: "due_before_issue",
                    },
                ))
            } else {
                Ok(())
            }
        })?;
        if repo::invoice_number_taken(&tx, &number).await? {
            return Err(AppError::Duplicate { field: "number" });
        }
        let row = repo::insert_invoice(
            &tx,
            &partner,
            NewInvoice {
                number: &number,
                currency,
                amount_minor,
                issued_on,
                due_on,
                shipment_id: None,
            },
            &caller.login,
        )
        .await?;
        let view = InvoiceView {
            number: row.number.clone(),
            partner_code: partner.code().to_owned(),
            partner_name: partner.row().name.clone(),
            currency: currency.as_str().to_owned(),
            amount: amount(amount_minor, currency),
            open: amount(amount_minor, currency),
            issued_on,
            due_on,
            days_past_due: Some((crate::today() - due_on).num_days()),
        };
        self.audit(
            &tx,
            caller,
            "invoice",
            &row.number,
            "create",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// Records a payment and allocates it (see [`PaymentInput`]).
    pub async fn record_payment(
        &self,
        caller: &Caller,
        input: &PaymentInput,
    ) -> Result<PaymentView, AppError> {
        caller.require(Permission::ManageReceivables)?;
        let tx = self.write().await?;
        let view = self
            .payment_in_tx(&tx, caller, input, Source::Entered)
            .await?;
        crate::commit(tx).await?;
        self.facts_committed(FactKind::Payment).await?;
        Ok(view)
    }

    /// One payment inside a caller's transaction (the form, the API and
    /// each row of a bank file): parse, lock, allocate against the ledger
    /// as it is now, write, audit.
    pub(crate) async fn payment_in_tx(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        input: &PaymentInput,
        source: Source,
    ) -> Result<PaymentView, AppError> {
        let partner = self
            .visible_for_write(tx, caller, Area::Receivables, &input.partner)
            .await?;
        tx.lock(Aggregate::Receivables).await?;
        let open = self.open_periods(tx).await?;
        let currency = currency_or("currency", &input.currency, &partner);
        let (currency, received_on, overpayment, reference) = (
            currency,
            parse_date("received_on", &input.received_on),
            Overpayment::parse_choice("overpayment", &input.overpayment),
            match non_empty(Some(&input.reference)) {
                Some(r) if r.chars().count() > rules::REFERENCE_MAX => Err(Invalid::new(
                    "reference",
                    Problem::TooLong {
                        max: rules::REFERENCE_MAX,
                    },
                )),
                r => Ok(r.map(str::to_owned)),
            },
        )
            .all()?;
        let named: Result<Vec<(String, i64)>, Vec<Invalid>> = input
            .allocations
            .iter()
            .map(|a| {
                (
                    parse_number("invoices", &a.invoice),
                    Money::parse("invoices", &a.amount, currency).map(Money::minor),
                )
                    .all()
            })
            .collect();
        let (amount_minor, named, ()) = (
            positive("amount", &input.amount, currency),
            named,
            open.check("received_on", received_on),
        )
            .all()?;
        if let Some(reference) = &reference
            && !repo::payments_with_references(tx, std::slice::from_ref(reference))
                .await?
                .is_empty()
        {
            return Err(Invalid::new(
                "reference",
                Problem::Conflict {
                    rule: "payment_reference_recorded",
                    with: reference.clone(),
                },
            )
            .into());
        }
        let spread = if !named.is_empty() {
            Spread::Named(named)
        } else if input.pay.iter().any(|n| !n.trim().is_empty()) {
            Spread::OldestFirstOf(
                input
                    .pay
                    .iter()
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty())
                    .collect(),
            )
        } else {
            Spread::OldestFirst
        };
        let ledger = repo::ledger_of(tx, &partner).await?;
        let allocation = rules::allocate(
            amount_minor,
            currency,
            &ledger.open_invoices(),
            &spread,
            overpayment,
        )?;
        let number = repo::next_payment_number(tx, received_on.year()).await?;
        let row = repo::insert_payment(
            tx,
            &partner,
            NewPayment {
                number: &number,
                currency,
                amount_minor,
                received_on,
                reference: reference.as_deref(),
                source,
                // Kept only when it mattered: a payment that paid invoices
                // in full carries no choice.
                overpayment: overpayment.filter(|_| allocation.on_account > 0),
            },
            &caller.login,
        )
        .await?;
        repo::insert_allocations(tx, &partner, &row, &allocation.lines).await?;
        let numbers: HashMap<i64, &str> = ledger
            .invoices
            .iter()
            .map(|i| (i.id, i.number.as_str()))
            .collect();
        let view = payment_view(
            &row,
            partner.code(),
            &partner.row().name,
            allocation
                .lines
                .iter()
                .map(|(id, paid)| AllocationView {
                    invoice: numbers.get(id).copied().unwrap_or_default().to_owned(),
                    amount: amount(*paid, currency),
                })
                .collect(),
            allocation.on_account,
        )?;
        self.audit(
            tx,
            caller,
            "payment",
            &row.number,
            "create",
            None,
            Some(&view),
        )
        .await?;
        Ok(view)
    }

    /// Allocates what a payment kept on account to invoices of its partner
    /// (named amounts, or oldest due first among `pay`, or all).
    pub async fn allocate_payment(
        &self,
        caller: &Caller,
        number: &str,
        allocations: &[AllocationInput],
        pay: &[String],
    ) -> Result<PaymentView, AppError> {
        Ok(self
            .apply_kept(caller, number, allocations, pay)
            .await?
            .payment)
    }

    /// The same, saying what this allocation applied (the page's message).
    pub async fn apply_kept(
        &self,
        caller: &Caller,
        number: &str,
        allocations: &[AllocationInput],
        pay: &[String],
    ) -> Result<Applied, AppError> {
        caller.require(Permission::ManageReceivables)?;
        let tx = self.write().await?;
        let found = repo::payment_in(&tx, scope_in(caller, Area::Receivables), number)
            .await?
            .ok_or_else(not_found)?;
        let partner = store_scope::partner_by_id(
            &tx,
            scope_in(caller, Area::Receivables),
            qudao_domain::partners::PartnerId(found.partner_id),
        )
        .await?
        .ok_or_else(not_found)?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Receivables, partner.code())
            .await?;
        tx.lock(Aggregate::Receivables).await?;
        let ledger = repo::ledger_of(&tx, &partner).await?;
        let payment = repo::payment_of(&tx, &partner, number)
            .await?
            .ok_or_else(not_found)?;
        let currency = payment.currency()?;
        let left = ledger
            .payments
            .iter()
            .find(|p| p.id == payment.id)
            .map_or(0, rules::PaymentEntry::unallocated);
        let named = named_amounts(allocations, currency)?;
        let pay: Vec<String> = pay
            .iter()
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .collect();
        let spread = if !named.is_empty() {
            Spread::Named(named)
        } else if !pay.is_empty() {
            Spread::OldestFirstOf(pay)
        } else {
            Spread::OldestFirst
        };
        if left <= 0 {
            return Err(Invalid::new(
                "invoices",
                Problem::Rule {
                    rule: "nothing_on_account",
                },
            )
            .into());
        }
        // What stays on account was chosen when the payment was recorded.
        let allocation = rules::allocate(
            left,
            currency,
            &ledger.open_invoices(),
            &spread,
            Some(Overpayment::OnAccount),
        )?;
        if allocation.lines.is_empty() {
            return Err(Invalid::new(
                "invoices",
                Problem::Rule {
                    rule: "nothing_to_pay",
                },
            )
            .into());
        }
        repo::insert_allocations(&tx, &partner, &payment, &allocation.lines).await?;
        let numbers: HashMap<i64, &str> = ledger
            .invoices
            .iter()
            .map(|i| (i.id, i.number.as_str()))
            .collect();
        let lines = allocation
            .lines
            .iter()
            .map(|(id, paid)| AllocationView {
                invoice: numbers.get(id).copied().unwrap_or_default().to_owned(),
                amount: amount(*paid, currency),
            })
            .collect();
        let total = amount(
            allocation.lines.iter().map(|(_, paid)| paid).sum(),
            currency,
        );
        let ledger = repo::ledger_of(&tx, &partner).await?;
        let view = self.payment_views(&ledger, &[payment], std::slice::from_ref(&partner))?;
        let view = view.into_iter().next().ok_or_else(not_found)?;
        self.audit(
            &tx,
            caller,
            "payment",
            number,
            "allocate",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(Applied {
            payment: view,
            lines,
            total,
        })
    }

    /// A payment with money kept on account and its partner's invoices
    /// open in its currency, oldest due first (the form that applies it).
    pub async fn payment_to_allocate(
        &self,
        caller: &Caller,
        number: &str,
    ) -> Result<ToAllocate, AppError> {
        caller.require(Permission::ManageReceivables)?;
        let scope = scope_in(caller, Area::Receivables);
        let payment = repo::payment_in(self.db(), scope, number)
            .await?
            .ok_or_else(not_found)?;
        let partner = store_scope::partner_by_id(
            self.db(),
            scope,
            qudao_domain::partners::PartnerId(payment.partner_id),
        )
        .await?
        .ok_or_else(not_found)?;
        let ledger = repo::ledger_of(self.db(), &partner).await?;
        let partners = std::slice::from_ref(&partner);
        let view = self
            .payment_views(&ledger, std::slice::from_ref(&payment), partners)?
            .into_iter()
            .next()
            .ok_or_else(not_found)?;
        let mut open = invoice_views(&ledger, &partner_names(partners), crate::today())?;
        open.retain(|i| i.days_past_due.is_some() && i.currency == view.currency);
        open.sort_by(|a, b| {
            (a.due_on, a.issued_on, &a.number).cmp(&(b.due_on, b.issued_on, &b.number))
        });
        Ok(ToAllocate {
            payment: view,
            open,
        })
    }

    fn payment_views(
        &self,
        ledger: &Ledger,
        rows: &[payment::Model],
        partners: &[Visible],
    ) -> Result<Vec<PaymentView>, AppError> {
        let names = partner_names(partners);
        let numbers: HashMap<i64, &str> = ledger
            .invoices
            .iter()
            .map(|i| (i.id, i.number.as_str()))
            .collect();
        rows.iter()
            .map(|row| {
                let currency = row.currency()?;
                let entry = ledger.payments.iter().find(|p| p.id == row.id);
                let allocations = entry
                    .map(|p| {
                        p.allocations
                            .iter()
                            .map(|(id, paid)| AllocationView {
                                invoice: numbers.get(id).copied().unwrap_or_default().to_owned(),
                                amount: amount(*paid, currency),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let (code, name) = names.get(&row.partner_id).cloned().unwrap_or_default();
                payment_view(
                    row,
                    &code,
                    &name,
                    allocations,
                    entry.map_or(row.amount_minor, rules::PaymentEntry::unallocated),
                )
            })
            .collect()
    }

    /// The name of a partner the caller may see receivables of (a form
    /// that has picked the payer shows it).
    pub async fn payer(&self, caller: &Caller, code: &str) -> Result<String, AppError> {
        caller.require(Permission::ViewReceivables)?;
        let partner = self
            .visible(self.db(), caller, Area::Receivables, code)
            .await?;
        Ok(partner.into_row().name)
    }

    /// Payments of the partners in scope, newest first.
    pub async fn payments(
        &self,
        caller: &Caller,
        page: u64,
        per_page: u64,
    ) -> Result<(Vec<PaymentView>, bool), AppError> {
        caller.require(Permission::ViewReceivables)?;
        let scope = scope_in(caller, Area::Receivables);
        let (rows, more) = repo::payments_page(
            self.db(),
            scope,
            page.saturating_sub(1) * per_page,
            per_page,
        )
        .await?;
        let ledger = repo::ledger_in(self.db(), scope).await?;
        let partners = store_scope::partners_in(self.db(), scope).await?;
        Ok((self.payment_views(&ledger, &rows, &partners)?, more))
    }

    /// Invoices of the partners in scope (of one partner, when given),
    /// newest first; `open_only` keeps those that still owe.
    pub async fn invoices(
        &self,
        caller: &Caller,
        partner: Option<&str>,
        open_only: bool,
    ) -> Result<Vec<InvoiceView>, AppError> {
        caller.require(Permission::ViewReceivables)?;
        let (ledger, partners) = self.ledger_for(caller, partner).await?;
        let names = partner_names(&partners);
        let today = crate::today();
        let mut views = invoice_views(&ledger, &names, today)?;
        if open_only {
            views.retain(|v| v.days_past_due.is_some());
        }
        Ok(views)
    }

    async fn ledger_for(
        &self,
        caller: &Caller,
        partner: Option<&str>,
    ) -> Result<(Ledger, Vec<Visible>), AppError> {
        match non_empty(partner) {
            Some(code) => {
                let partner = self
                    .visible(self.db(), caller, Area::Receivables, code)
                    .await?;
                Ok((repo::ledger_of(self.db(), &partner).await?, vec![partner]))
            }
            None => {
                let scope = scope_in(caller, Area::Receivables);
                Ok((
                    repo::ledger_in(self.db(), scope).await?,
                    store_scope::partners_in(self.db(), scope).await?,
                ))
            }
        }
    }

    /// A partner's statement of `from..=to`.
    pub async fn statement(
        &self,
        caller: &Caller,
        partner: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<StatementView, AppError> {
        caller.require(Permission::ViewReceivables)?;
        let partner = self
            .visible(self.db(), caller, Area::Receivables, partner)
            .await?;
        let ledger = repo::ledger_of(self.db(), &partner).await?;
        let sections = ledger
            .statement(from, to)
            .into_iter()
            .map(|s| {
                let c = s.currency;
                let sum = |kind: LineKind| {
                    amount(
                        s.lines
                            .iter()
                            .filter(|r| r.line.kind == kind)
                            .map(|r| r.line.amount)
                            .sum(),
                        c,
                    )
                };
                StatementSection {
                    currency: c.as_str().to_owned(),
                    opening: amount(s.opening, c),
                    invoiced: sum(LineKind::Invoice),
                    credited: sum(LineKind::CreditNote),
                    paid: sum(LineKind::Payment),
                    closing: amount(s.closing, c),
                    lines: s
                        .lines
                        .iter()
                        .map(|r| StatementLineView {
                            date: r.line.date,
                            kind: r.line.kind.as_str().to_owned(),
                            number: r.line.number.clone(),
                            due_on: r.line.due_on,
                            amount: amount(r.line.amount, c),
                            balance: amount(r.balance, c),
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(StatementView {
            partner_code: partner.code().to_owned(),
            partner_name: partner.row().name.clone(),
            from,
            to,
            sections,
        })
    }

    /// The ageing of every partner in scope on `as_of`, largest total
    /// first, with a total per currency.
    pub async fn ageing(&self, caller: &Caller, as_of: NaiveDate) -> Result<AgeingView, AppError> {
        caller.require(Permission::ViewReceivables)?;
        let (ledger, partners) = self.ledger_for(caller, None).await?;
        let names = partner_names(&partners);
        let ageing = ledger.ageing(as_of);
        let mut totals: BTreeMap<Currency, rules::Ageing> = BTreeMap::new();
        let mut rows: Vec<(i64, AgeingRow)> = ageing
            .iter()
            .map(|((partner, currency), a)| {
                let total = totals.entry(*currency).or_default();
                *total = total.plus(a);
                let (code, name) = names.get(partner).cloned().unwrap_or_default();
                (a.total(), ageing_row(&code, &name, *currency, a))
            })
            .collect();
        rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.partner_code.cmp(&b.1.partner_code)));
        Ok(AgeingView {
            as_of,
            rows: rows.into_iter().map(|(_, r)| r).collect(),
            totals: totals
                .iter()
                .map(|(c, a)| ageing_row("", "", *c, a))
                .collect(),
        })
    }

    /// Invoices past due on `as_of`, most overdue first.
    pub async fn overdue(
        &self,
        caller: &Caller,
        as_of: NaiveDate,
    ) -> Result<Vec<OverdueRow>, AppError> {
        caller.require(Permission::ViewReceivables)?;
        let (ledger, partners) = self.ledger_for(caller, None).await?;
        let by_id: HashMap<i64, &Visible> = partners.iter().map(|p| (p.id().0, p)).collect();
        let owners: Vec<i64> = partners.iter().filter_map(|p| p.row().owner_id).collect();
        let owner_names = qudao_store::admin::display_names_by_id(self.db(), &owners).await?;
        let mut rows: Vec<OverdueRow> = ledger
            .open_items(as_of)
            .into_iter()
            .filter(|item| item.days_past_due > 0)
            .filter_map(|item| {
                let partner = by_id.get(&item.invoice.partner_id)?;
                Some(OverdueRow {
                    number: item.invoice.number.clone(),
                    partner_code: partner.code().to_owned(),
                    partner_name: partner.row().name.clone(),
                    owner: partner
                        .row()
                        .owner_id
                        .and_then(|id| owner_names.get(&id).cloned()),
                    currency: item.invoice.currency.as_str().to_owned(),
                    open: amount(item.open, item.invoice.currency),
                    due_on: item.invoice.due_on,
                    days_overdue: item.days_past_due,
                })
            })
            .collect();
        rows.sort_by(|a, b| {
            b.days_overdue
                .cmp(&a.days_overdue)
                .then(a.number.cmp(&b.number))
        });
        Ok(rows)
    }

    /// The collection rate of every partner in scope with something
    /// falling due in `from..=to`, lowest rate first.
    pub async fn collection_rates(
        &self,
        caller: &Caller,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<CollectionRow>, AppError> {
        caller.require(Permission::ViewReceivables)?;
        let (ledger, partners) = self.ledger_for(caller, None).await?;
        let names = partner_names(&partners);
        let mut rows: Vec<_> = ledger
            .collection(from, to)
            .iter()
            .map(|((partner, currency), c)| {
                let (code, name) = names.get(partner).cloned().unwrap_or_default();
                let rate = c.rate();
                (
                    rate,
                    CollectionRow {
                        partner_code: code,
                        partner_name: name,
                        currency: currency.as_str().to_owned(),
                        due: amount(c.due, *currency),
                        collected: amount(c.collected, *currency),
                        rate: c.percent(),
                    },
                )
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.partner_code.cmp(&b.1.partner_code)));
        Ok(rows.into_iter().map(|(_, r)| r).collect())
    }

    /// The partner page's account panel.
    pub async fn account_shown(
        &self,
        caller: &Caller,
        shown: &crate::Shown,
    ) -> Result<AccountView, AppError> {
        caller.require(Permission::ViewReceivables)?;
        let partner = shown.within(caller, Area::Receivables)?;
        let ledger = repo::ledger_of(self.db(), partner).await?;
        let today = crate::today();
        let names = partner_names(std::slice::from_ref(partner));
        let mut open_invoices = invoice_views(&ledger, &names, today)?;
        open_invoices.retain(|v| v.days_past_due.is_some());
        let mut kept: BTreeMap<Currency, i64> = BTreeMap::new();
        for p in &ledger.payments {
            *kept.entry(p.currency).or_insert(0) += p.unallocated();
        }
        let pairs = |map: BTreeMap<Currency, i64>| {
            map.into_iter()
                .filter(|(_, v)| *v != 0)
                .map(|(c, v)| AllocationView {
                    invoice: c.as_str().to_owned(),
                    amount: amount(v, c),
                })
                .collect()
        };
        Ok(AccountView {
            balances: pairs(ledger.balance_on(today)),
            ageing: ledger
                .ageing(today)
                .iter()
                .map(|((_, c), a)| ageing_row(partner.code(), &partner.row().name, *c, a))
                .collect(),
            open_invoices,
            on_account: pairs(kept),
        })
    }
}

fn invoice_views(
    ledger: &Ledger,
    names: &HashMap<i64, (String, String)>,
    today: NaiveDate,
) -> Result<Vec<InvoiceView>, AppError> {
    let mut views: Vec<InvoiceView> = ledger
        .invoices
        .iter()
        .map(|i| {
            let open = ledger.open_on(i, NaiveDate::MAX);
            let (code, name) = names.get(&i.partner_id).cloned().unwrap_or_default();
            InvoiceView {
                number: i.number.clone(),
                partner_code: code,
                partner_name: name,
                currency: i.currency.as_str().to_owned(),
                amount: amount(i.amount, i.currency),
                open: amount(open, i.currency),
                issued_on: i.issued_on,
                due_on: i.due_on,
                days_past_due: (open > 0).then(|| (today - i.due_on).num_days()),
            }
        })
        .collect();
    views.sort_by(|a, b| b.issued_on.cmp(&a.issued_on).then(b.number.cmp(&a.number)));
    Ok(views)
}

fn payment_view(
    row: &payment::Model,
    code: &str,
    name: &str,
    allocations: Vec<AllocationView>,
    on_account: i64,
) -> Result<PaymentView, AppError> {
    let currency = row.currency()?;
    Ok(PaymentView {
        number: row.number.clone(),
        partner_code: code.to_owned(),
        partner_name: name.to_owned(),
        currency: currency.as_str().to_owned(),
        amount: amount(row.amount_minor, currency),
        on_account: amount(on_account, currency),
        received_on: row.received_on,
        reference: row.reference.clone(),
        source: row.source.clone(),
        overpayment: row.overpayment()?.map(|o| o.as_str().to_owned()),
        allocations,
    })
}
