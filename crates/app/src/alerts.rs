//! Alerts: the daily job that looks over every partner in scope for what a
//! channel manager must act on (rules in `domain::alerts`), the list of
//! what it raised, and acknowledging one with a note. Alerts are internal:
//! partner roles see none.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use qudao_domain::alerts::{
    self as rules, AlertKind, AlertNumber, OverdueInvoice, PartnerFacts, ProductFacts, Thresholds,
};
use qudao_domain::catalog::Sku;
use qudao_domain::error::{Invalid, Problem};
use qudao_domain::money::Currency;
use qudao_domain::partners::PartnerCode;
use qudao_domain::periods::Month;
use qudao_domain::receivables::Ledger;
use qudao_domain::scope::DataScope;
use qudao_store::alerts::{self as repo, AlertFilter, AlertRow};
use qudao_store::scope::{self as store_scope, Visible};

use crate::analytics::QueryText;
use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Page, PageRequest, Permission, Qudao, non_empty};

/// The name of the daily job in the jobs table.
pub const JOB: &str = "alerts";

/// How long a claimed run of the daily job may stay unfinished before the
/// next hourly try of any node takes it over: its node died mid-run, or
/// the run failed. A run only stores alerts whose cause is new, so taking
/// over one that is in fact still going does no harm.
pub const CLAIM_EXPIRES_AFTER: chrono::TimeDelta = chrono::TimeDelta::hours(2);

/// The longest note on an acknowledgement.
pub const NOTE_MAX: usize = 500;

/// What a run of the job did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RunReport {
    pub partners: usize,
    /// Alerts whose cause was new.
    pub raised: u64,
    /// Alerts found again whose cause was already stored.
    pub known: u64,
}

/// Who acknowledged an alert, when, with what note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcknowledgedView {
    pub at: DateTime<Utc>,
    pub by: String,
    /// The display name of `by` (its login when the user is gone).
    pub by_name: String,
    pub note: String,
}

/// One figure behind an alert: its name (a message key) and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub name: String,
    pub number: AlertNumber,
}

/// The product an overstock or stock-out alert is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertProduct {
    pub sku: String,
    /// Empty when no product has the sku any more.
    pub name: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertView {
    pub id: i64,
    pub partner_code: String,
    pub partner_name: String,
    pub kind: AlertKind,
    pub cause: String,
    /// The product of an overstock or stock-out alert.
    pub product: Option<AlertProduct>,
    pub figures: Vec<Figure>,
    pub raised_on: NaiveDate,
    pub acknowledged: Option<AcknowledgedView>,
}

/// The filters of the alert list, as text from a form or a query string;
/// blank or `all` keeps everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertQuery {
    pub kind: Option<String>,
    /// `open` or `acknowledged`.
    pub status: Option<String>,
    pub partner: Option<String>,
}

/// The thresholds a run uses: the company's defaults with each `key=value`
/// given replacing one; every bad one is reported and none applied.
pub fn thresholds(base: Thresholds, given: &[String]) -> Result<Thresholds, AppError> {
    let mut pairs = Vec::with_capacity(given.len());
    let mut errors = Vec::new();
    for text in given {
        match text.split_once('=') {
            Some((key, value)) => pairs.push((key.trim(), value.trim())),
            None => errors.push(Invalid::new(
                "alert_threshold",
                Problem::Format {
                    expected: "alert_dormant_days=90",
                },
            )),
        }
    }
    match base.with(&pairs) {
        Ok(t) if errors.is_empty() => Ok(t),
        Ok(_) => Err(AppError::Invalid(errors)),
        Err(bad) => {
            errors.extend(bad);
            Err(AppError::Invalid(errors))
        }
    }
}

impl Qudao {
    /// Runs the alert rules over every partner in the caller's scope on
    /// today's facts, with the company's thresholds changed by `overrides`
    /// (`key=value`), and stores the alerts whose cause is new.
    pub async fn run_alerts(
        &self,
        caller: &Caller,
        overrides: &[String],
    ) -> Result<RunReport, AppError> {
        caller.require(Permission::RunAlerts)?;
        let settings = self.current_settings().await?;
        let t = thresholds(Thresholds::for_company(&settings), overrides)?;
        let today = crate::today();
        let scope = scope_in(caller, Area::Alerts);
        let partners = store_scope::partners_in(self.db(), scope).await?;
        let mut facts = self.partner_facts(scope, &partners, today).await?;
        let sellthrough = self.sellthrough_facts(caller, &partners, today, &t).await?;
        // Stock from the engine's holdings, sorted by partner: each
        // partner's products are built, judged and dropped in turn, so a
        // channel with millions of holdings never holds them all as facts.
        let holdings = self
            .analytics_stock_holdings(caller, today, t.stock_out_days)
            .await?;
        let held: HashMap<i64, std::ops::Range<usize>> = holdings.partners().into_iter().collect();
        let mut found = Vec::new();
        for partner in &partners {
            let id = partner.id().0;
            if let Some(mut p) = facts.remove(&id) {
                let range = held.get(&id).cloned().unwrap_or_default();
                for position in holdings.positions_in(range) {
                    p.products.push(ProductFacts {
                        sku: Sku::parse_as("sku", holdings.sku(position.product))?,
                        on_hand: position.on_hand,
                        sold_in_window: position.sold_in_window,
                        last_sold_on: position.last_sold_on,
                    });
                }
                found.extend(rules::evaluate(today, &t, &p).into_iter().map(|a| (id, a)));
            }
            if let Some(p) = sellthrough.get(&id) {
                found.extend(rules::evaluate(today, &t, p).into_iter().map(|a| (id, a)));
            }
        }
        let tx = self.write().await?;
        let raised = repo::insert_new(&tx, today, &found).await?;
        let known = found.len() as u64 - raised;
        let report = RunReport {
            partners: partners.len(),
            raised,
            known,
        };
        self.audit(
            &tx,
            caller,
            "alerts",
            &today.to_string(),
            "run",
            None,
            Some(&serde_json::json!({
                "partners": report.partners, "raised": raised, "known": known,
                "thresholds": t.stored().iter().map(|(k, v)| (k.to_string(), v.clone()))
                    .collect::<BTreeMap<_, _>>(),
            })),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(report)
    }

    /// Claims today's alert job for `node`; true when this node is the one
    /// to run it (see `qudao_store::alerts::claim_job`): nobody claimed it,
    /// or a claim went unfinished for [`CLAIM_EXPIRES_AFTER`].
    pub async fn claim_alert_job(&self, node: &str, day: NaiveDate) -> Result<bool, AppError> {
        let expired_before = Utc::now() - CLAIM_EXPIRES_AFTER;
        Ok(repo::claim_job(self.db(), JOB, day, node, expired_before).await?)
    }

    /// The daily job as a server runs it: claims today's run and, when this
    /// node got it, runs it as the system. `None` when another run of today
    /// already had it.
    pub async fn run_daily_alerts(&self, node: &str) -> Result<Option<RunReport>, AppError> {
        let today = crate::today();
        if !self.claim_alert_job(node, today).await? {
            return Ok(None);
        }
        let report = self.run_alerts(&Caller::system(node), &[]).await?;
        repo::finish_job(self.db(), JOB, today).await?;
        Ok(Some(report))
    }

    /// A page of the alerts in the caller's scope, newest first.
    pub async fn alerts(
        &self,
        caller: &Caller,
        query: &AlertQuery,
        page: PageRequest,
    ) -> Result<Page<AlertView>, AppError> {
        caller.require(Permission::ViewAlerts)?;
        fn choice(v: &Option<String>) -> Option<&str> {
            non_empty(v.as_deref()).filter(|v| *v != "all")
        }
        let kind = choice(&query.kind).map(AlertKind::parse).transpose()?;
        let open = match choice(&query.status) {
            None => None,
            Some("open") => Some(true),
            Some("acknowledged") => Some(false),
            Some(_) => {
                return Err(AppError::Invalid(vec![Invalid::new(
                    "status",
                    Problem::NotOneOf {
                        choices: vec!["open", "acknowledged"],
                    },
                )]));
            }
        };
        let partner = match choice(&query.partner) {
            Some(code) => Some(self.visible(self.db(), caller, Area::Alerts, code).await?),
            None => None,
        };
        let filter = AlertFilter {
            kind,
            open,
            partner,
        };
        let scope = scope_in(caller, Area::Alerts);
        let rows = repo::list(self.db(), scope, &filter, page).await?;
        self.alert_views(scope, rows).await
    }

    /// One alert in the caller's scope.
    pub async fn alert(&self, caller: &Caller, id: i64) -> Result<AlertView, AppError> {
        caller.require(Permission::ViewAlerts)?;
        let scope = scope_in(caller, Area::Alerts);
        self.alert_view(scope, id).await
    }

    /// Acknowledges an alert with a note saying what was done about it.
    pub async fn acknowledge_alert(
        &self,
        caller: &Caller,
        id: i64,
        note: &str,
    ) -> Result<AlertView, AppError> {
        caller.require(Permission::AcknowledgeAlerts)?;
        let note = note.trim();
        if note.is_empty() {
            return Err(Invalid::new("note", Problem::Required).into());
        }
        if note.chars().count() > NOTE_MAX {
            return Err(Invalid::new("note", Problem::TooLong { max: NOTE_MAX }).into());
        }
        let scope = scope_in(caller, Area::Alerts);
        let tx = self.write().await?;
        let before = repo::alert_for_write(&tx, scope, id)
            .await?
            .ok_or(AppError::NotFound("alert"))?;
        if let Some(done) = &before.acknowledged {
            let names = display_names(&tx, std::slice::from_ref(&done.by)).await?;
            let with = match names.get(&done.by) {
                Some(name) if *name != done.by => format!("{name} ({})", done.by),
                _ => done.by.clone(),
            };
            return Err(Invalid::new(
                "alert",
                Problem::Conflict {
                    rule: "alert_already_acknowledged",
                    with,
                },
            )
            .into());
        }
        repo::acknowledge(&tx, id, &caller.login, note).await?;
        self.audit(
            &tx,
            caller,
            "alert",
            &before.cause,
            "acknowledge",
            None,
            Some(&serde_json::json!({ "note": note })),
        )
        .await?;
        crate::commit(tx).await?;
        self.alert_view(scope, id).await
    }

    async fn alert_view(&self, scope: DataScope, id: i64) -> Result<AlertView, AppError> {
        let row = repo::alert_by_id(self.db(), scope, id)
            .await?
            .ok_or(AppError::NotFound("alert"))?;
        let mut views = self
            .alert_views(scope, Page::slice(vec![row], PageRequest::new(None, None)))
            .await?;
        views.items.pop().ok_or(AppError::NotFound("alert"))
    }

    async fn alert_views(
        &self,
        scope: DataScope,
        rows: Page<AlertRow>,
    ) -> Result<Page<AlertView>, AppError> {
        let partners: HashMap<i64, Visible> = store_scope::partners_in(self.db(), scope)
            .await?
            .into_iter()
            .map(|v| (v.id().0, v))
            .collect();
        let logins: Vec<String> = rows
            .items
            .iter()
            .filter_map(|row| row.acknowledged.as_ref().map(|a| a.by.clone()))
            .collect();
        let names = display_names(self.db(), &logins).await?;
        let skus: Vec<&Sku> = rows
            .items
            .iter()
            .filter_map(|row| product_of(&row.numbers))
            .collect();
        let products = qudao_store::catalog::products_with_skus(self.db(), &skus).await?;
        rows.try_map(|row| {
            let partner = partners
                .get(&row.partner_id)
                .ok_or(AppError::NotFound("partner"))?;
            let product = product_of(&row.numbers).map(|sku| {
                let found = products.get(sku.as_str());
                AlertProduct {
                    sku: sku.as_str().to_owned(),
                    name: found.map(|p| p.name_zh.clone()).unwrap_or_default(),
                    name_en: found.map(|p| p.name_en.clone()).unwrap_or_default(),
                }
            });
            Ok(AlertView {
                id: row.id,
                partner_code: partner.code().to_owned(),
                partner_name: partner.row().name.clone(),
                kind: row.kind,
                product,
                cause: row.cause,
                // The product is shown by its names, not among the figures.
                figures: row
                    .numbers
                    .into_iter()
                    .filter(|(_, number)| !matches!(number, AlertNumber::Sku(_)))
                    .map(|(name, number)| Figure { name, number })
                    .collect(),
                raised_on: row.raised_on,
                acknowledged: row.acknowledged.map(|a| AcknowledgedView {
                    at: a.at,
                    by_name: names.get(&a.by).cloned().unwrap_or_else(|| a.by.clone()),
                    by: a.by,
                    note: a.note,
                }),
            })
        })
    }

    /// Receivables and orders per partner, in the partner's currency.
    async fn partner_facts(
        &self,
        scope: DataScope,
        partners: &[Visible],
        today: NaiveDate,
    ) -> Result<HashMap<i64, PartnerFacts>, AppError> {
        let mut facts = HashMap::with_capacity(partners.len());
        for partner in partners {
            let code = PartnerCode::parse(partner.code())?;
            let currency = partner.row().currency()?;
            let mut p = PartnerFacts::new(code, currency);
            p.credit_limit = partner.row().credit_limit;
            facts.insert(partner.id().0, p);
        }
        // Receivables: the ledgers of the partners in scope, one pass.
        let mut ledgers: HashMap<i64, Ledger> = HashMap::new();
        let ledger = qudao_store::receivables::ledger_in(self.db(), scope).await?;
        for invoice in ledger.invoices {
            ledgers
                .entry(invoice.partner_id)
                .or_default()
                .invoices
                .push(invoice);
        }
        for credit in ledger.credit_notes {
            ledgers
                .entry(credit.partner_id)
                .or_default()
                .credit_notes
                .push(credit);
        }
        for payment in ledger.payments {
            ledgers
                .entry(payment.partner_id)
                .or_default()
                .payments
                .push(payment);
        }
        for (id, ledger) in &ledgers {
            let Some(p) = facts.get_mut(id) else { continue };
            p.balance = ledger
                .balance_on(today)
                .get(&p.currency)
                .copied()
                .unwrap_or(0);
            p.overdue = ledger
                .open_items(today)
                .into_iter()
                .filter(|item| item.days_past_due > 0 && item.invoice.currency == p.currency)
                .map(|item| OverdueInvoice {
                    number: item.invoice.number.clone(),
                    due_on: item.invoice.due_on,
                    open: item.open,
                })
                .collect();
        }
        // Orders: what each partner bought, and when it last did.
        let (week, trailing) = rules::order_windows(today);
        for bought in repo::bought(self.db(), partners, week, trailing).await? {
            let currency = bought.currency()?;
            let Some(p) = facts.get_mut(&bought.partner_id) else {
                continue;
            };
            p.last_order_on = p.last_order_on.max(bought.last_on);
            // Amounts in another currency cannot be added without a rate;
            // the order-jump rule compares the partner's own currency.
            if currency == p.currency {
                p.ordered_last_week = bought.recent;
                p.ordered_before = bought.before;
            }
        }
        Ok(facts)
    }

    /// Sell-through amount per partner and month from the fact engine, in
    /// the company currency the engine sums in. Kept apart from the other
    /// facts (which are in each partner's currency) so every amount an
    /// alert shows carries the currency it was summed in.
    async fn sellthrough_facts(
        &self,
        caller: &Caller,
        partners: &[Visible],
        today: NaiveDate,
        t: &Thresholds,
    ) -> Result<HashMap<i64, PartnerFacts>, AppError> {
        let months = rules::sellthrough_months(today, t);
        let (Some(first), Some(last)) = (months.first(), months.last()) else {
            return Ok(HashMap::new());
        };
        let text = QueryText {
            measures: vec!["sell_through_amount".to_owned()],
            by: vec!["partner".to_owned(), "month".to_owned()],
            from: Some(first.to_string()),
            to: Some(last.to_string()),
            ..QueryText::default()
        };
        let answer = self.analytics_query(caller, &text).await?;
        let currency = Currency::parse(&answer.currency)?;
        let ids: HashMap<&str, i64> = partners.iter().map(|v| (v.code(), v.id().0)).collect();
        let mut facts: HashMap<i64, PartnerFacts> = HashMap::new();
        for row in &answer.rows {
            let (Some(partner), Some(month), Some(Some(amount))) =
                (row.keys.first(), row.keys.get(1), row.values.first())
            else {
                continue;
            };
            let Some(id) = ids.get(partner.code.as_str()) else {
                continue;
            };
            let month = Month::parse("month", &month.code)?;
            let code = PartnerCode::parse(&partner.code)?;
            facts
                .entry(*id)
                .or_insert_with(|| PartnerFacts::new(code, currency))
                .sellthrough
                .insert(month, *amount);
        }
        Ok(facts)
    }
}

/// Display names by login, in one query.
async fn display_names(
    db: &impl qudao_store::ConnectionTrait,
    logins: &[String],
) -> Result<HashMap<String, String>, AppError> {
    Ok(qudao_store::admin::display_names(db, logins)
        .await?
        .into_iter()
        .collect())
}

/// The product a stock alert names among its figures.
fn product_of(numbers: &[(String, AlertNumber)]) -> Option<&Sku> {
    numbers.iter().find_map(|(_, number)| match number {
        AlertNumber::Sku(sku) => Some(sku),
        _ => None,
    })
}
