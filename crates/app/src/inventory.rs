//! Channel inventory and reporting discipline: partners' stock counts
//! (entered, uploaded, or sent by API), on hand per partner × product with
//! count against derived figure, days of cover and the overstock and
//! stock-out lists, and the monthly data-quality score with the missing
//! reports list. The rules are `domain::inventory` and `domain::quality`;
//! this module reads the flows in the caller's scope and applies them.
//!
//! Scope: `Area::Inventory`, the caller's data scope with a partner admin
//! narrowed to its own organisation (a downstream partner keeps and
//! reports its own stock).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use qudao_domain::inventory::{
    self as rules, Count, Cover, Flags, Movement, StockFilter, StockSort, WINDOW_DAYS,
    longest_cover_first, parse_count, window_start,
};
use qudao_domain::partners::PartnerStatus;
use qudao_domain::periods::Month;
use qudao_domain::quality::{self, MonthReport, Quality};
use qudao_domain::{Invalid, Problem};
use qudao_store::WriteTx;
use qudao_store::inventory::{self as repo, NewCount};
use qudao_store::scope::Visible;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Page, PageRequest, Permission, Qudao};

/// The longest stretch of months the data-quality view scores at once.
const MAX_QUALITY_MONTHS: u32 = 12;

/// A stock count as a form, an API call or a file row gives it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CountInput {
    /// The partner's code; a partner's user may leave it out (its own).
    #[serde(default)]
    pub partner_code: String,
    pub sku: String,
    /// The day counted (`2026-11-30`); not in a closed month, not later than today.
    pub counted_on: String,
    /// Units on hand, zero or more.
    pub qty: String,
}

/// A recorded count, with the figure the flows gave for that day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CountView {
    pub partner_code: String,
    pub partner_name: String,
    pub sku: String,
    pub product_name_zh: String,
    pub product_name_en: String,
    pub counted_on: NaiveDate,
    pub qty: i64,
    /// Sell-in less sell-through up to the day counted.
    pub derived: i64,
    /// The count less the derived figure.
    pub difference: i64,
    pub created_by: String,
}

/// What the inventory page and API are asked for.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InventoryQuery {
    /// A partner's code (all partners in scope when empty).
    pub partner: Option<String>,
    /// A product line's code.
    pub line: Option<String>,
    /// The day (`2026-11-30`); today when empty.
    pub as_of: Option<String>,
    /// `overstock`, `stock_out` or `difference` (counted, and the count
    /// differs from the derived figure); every holding when empty or `all`.
    pub status: Option<String>,
    /// `partner` (partner, then product; the default), `cover` (longest
    /// days of cover first) or `on_hand` (most units first).
    pub sort: Option<String>,
}

/// One partner × product on hand.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StockRow {
    pub partner_code: String,
    pub partner_name: String,
    pub sku: String,
    pub product_name_zh: String,
    pub product_name_en: String,
    /// On hand: the latest count carried forward, else derived.
    pub on_hand: i64,
    /// Sell-in less sell-through, ignoring counts.
    pub derived: i64,
    pub counted_on: Option<NaiveDate>,
    pub counted_qty: Option<i64>,
    /// The latest count less the derived figure on its day.
    pub difference: Option<i64>,
    /// Units sold through in the window.
    pub sold: i64,
    #[schema(value_type = Object)]
    pub cover: Cover,
    pub overstock: bool,
    pub stock_out: bool,
}

/// One partner's stock turnover.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerTurnover {
    pub partner_code: String,
    pub partner_name: String,
    pub on_hand: i64,
    pub sold: i64,
    /// Average stock over average daily sell-through, in days; none
    /// without sales.
    pub turnover_days: Option<i64>,
}

/// Counters over every holding the partner and line filters select,
/// whatever the status filter and the page.
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct StockTotals {
    /// Partner × product holdings.
    pub holdings: u64,
    /// Units on hand in all of them.
    pub on_hand: i64,
    pub overstock: u64,
    pub stock_outs: u64,
    /// Holdings whose latest count differs from the derived figure.
    pub differences: u64,
}

/// The inventory as of a day: one page of holdings, and counters over all.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InventoryView {
    pub as_of: NaiveDate,
    /// Days the daily sell-through rate is averaged over.
    pub window_days: u32,
    /// Cover above this many days is overstock (company setting).
    pub overstock_days: u32,
    pub totals: StockTotals,
    /// The holdings of this page, after the status filter and the sort.
    pub rows: Vec<StockRow>,
    /// Holdings the status filter keeps, over all pages.
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    /// The turnover of each partner with a holding on this page.
    pub partners: Vec<PartnerTurnover>,
}

impl InventoryView {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }
}

/// A partner's score for one month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QualityRow {
    pub partner_code: String,
    pub partner_name: String,
    #[schema(value_type = Object)]
    pub quality: Quality,
}

/// A partner in scope that has not reported the latest overdue month's
/// sell-through.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MissingReport {
    pub partner_code: String,
    pub partner_name: String,
    /// The account that owns the partner (its channel manager or rep).
    pub owner: Option<String>,
    #[schema(value_type = String)]
    pub month: Month,
    /// Days past the due day.
    pub days_late: i64,
    /// The last day it reported a sale for, if ever.
    pub last_reported: Option<NaiveDate>,
}

/// Scores by partner and month, and who has not reported.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DataQualityView {
    #[schema(value_type = Vec<String>)]
    pub months: Vec<Month>,
    /// One page of the scores: newest month first, the lowest total first
    /// within a month (who needs a word from their manager).
    pub scores: Vec<QualityRow>,
    /// Scores over all pages.
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    /// The month `missing` is about: the latest whose report is overdue.
    #[schema(value_type = String)]
    pub missing_month: Month,
    /// Every partner in scope silent for `missing_month`, silent longest
    /// first.
    pub missing: Vec<MissingReport>,
}

impl DataQualityView {
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }
}

/// What the data-quality page and API are asked for.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QualityQuery {
    /// A partner's code (all partners in scope when empty).
    pub partner: Option<String>,
    /// How many months back from last month (1–12, default 3; others are
    /// refused).
    #[param(minimum = 1, maximum = 12)]
    pub months: Option<u32>,
}

/// What counts are checked against, loaded once under the write lock.
struct CountIndexes {
    partners: HashMap<String, Visible>,
    own: Option<String>,
    products: HashMap<String, i64>,
    closed: qudao_domain::periods::OpenPeriods,
    today: NaiveDate,
}

impl CountIndexes {
    async fn load(tx: &WriteTx, caller: &Caller) -> Result<Self, AppError> {
        let closed = crate::periods::open_periods(tx).await?;
        let visible =
            qudao_store::scope::partners_in(tx, scope_in(caller, Area::Inventory)).await?;
        let own = caller
            .partner_id
            .and_then(|id| visible.iter().find(|v| v.id() == id))
            .map(|v| v.code().to_owned());
        Ok(Self {
            partners: visible
                .into_iter()
                .map(|v| (v.code().to_owned(), v))
                .collect(),
            own,
            products: qudao_store::catalog::products_by_sku(tx)
                .await?
                .into_iter()
                .map(|(sku, p)| (sku, p.id))
                .collect(),
            closed,
            today: crate::today(),
        })
    }

    fn check(&self, input: &CountInput) -> Result<NewCount, Vec<Invalid>> {
        let mut errors = Vec::new();
        let code = input.partner_code.trim().to_uppercase();
        let code = if code.is_empty() {
            self.own.clone().unwrap_or_default()
        } else {
            code
        };
        let partner = self.partners.get(&code).map(|v| v.id().0);
        if partner.is_none() {
            errors.push(Invalid::new(
                "partner_code",
                Problem::Rule {
                    rule: "partner_must_exist",
                },
            ));
        }
        let product = self
            .products
            .get(input.sku.trim().to_uppercase().as_str())
            .copied();
        if product.is_none() {
            errors.push(Invalid::new(
                "sku",
                Problem::Rule {
                    rule: "product_must_exist",
                },
            ));
        }
        let counted_on =
            qudao_domain::dates::parse_date("counted_on", &input.counted_on).and_then(|d| {
                self.closed.check("counted_on", d)?;
                if d > self.today {
                    return Err(Invalid::new(
                        "counted_on",
                        Problem::Rule {
                            rule: "count_in_future",
                        },
                    ));
                }
                Ok(d)
            });
        let qty = parse_count("qty", &input.qty);
        match (partner, product, counted_on, qty) {
            (Some(partner_id), Some(product_id), Ok(counted_on), Ok(qty)) if errors.is_empty() => {
                Ok(NewCount {
                    partner_id,
                    product_id,
                    counted_on,
                    qty,
                })
            }
            (_, _, c, q) => {
                errors.extend(c.err());
                errors.extend(q.err());
                Err(errors)
            }
        }
    }
}

/// Per-row problems of a batch of counts, with each row's number.
pub(crate) type RowProblems = Vec<(usize, Vec<Invalid>)>;

impl Qudao {
    /// Records one count: a partner for itself, staff for a partner in
    /// their scope.
    pub async fn record_stock_count(
        &self,
        caller: &Caller,
        input: &CountInput,
    ) -> Result<CountView, AppError> {
        caller.require(Permission::ReportStockCounts)?;
        let tx = self.write().await?;
        let indexes = CountIndexes::load(&tx, caller).await?;
        // A partner outside the caller's scope does not exist for it.
        let code = input.partner_code.trim().to_uppercase();
        if !code.is_empty() && !indexes.partners.contains_key(&code) {
            return Err(AppError::NotFound("partner"));
        }
        let count = indexes.check(input).map_err(AppError::Invalid)?;
        let key = format!("{}:{}", count.partner_id, count.counted_on);
        let (partner_id, product_id, counted_on) =
            (count.partner_id, count.product_id, count.counted_on);
        repo::insert_counts(&tx, vec![count.clone()], &caller.login).await?;
        self.audit(
            &tx,
            caller,
            "stock_count",
            &key,
            "record",
            None,
            Some(&serde_json::json!({
                "partner_id": partner_id, "product_id": product_id,
                "counted_on": counted_on, "qty": count.qty,
            })),
        )
        .await?;
        crate::commit(tx).await?;
        self.facts_committed(crate::facts::FactKind::StockCount)
            .await?;
        let partner = indexes
            .partners
            .values()
            .find(|v| v.id().0 == partner_id)
            .cloned()
            .ok_or(AppError::NotFound("partner"))?;
        self.count_view(&partner, product_id, counted_on)
            .await?
            .ok_or(AppError::NotFound("stock_count"))
    }

    /// Checks and writes many counts in `tx` (the import); the problems of
    /// every bad row, or how many were written.
    pub(crate) async fn write_counts(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        rows: &[(usize, CountInput)],
    ) -> Result<Result<usize, RowProblems>, AppError> {
        caller.require(Permission::ReportStockCounts)?;
        let indexes = CountIndexes::load(tx, caller).await?;
        let mut problems = Vec::new();
        let mut counts = Vec::with_capacity(rows.len());
        let mut seen: HashMap<(i64, i64, NaiveDate), usize> = HashMap::new();
        for (row, input) in rows {
            match indexes.check(input) {
                Ok(count) => {
                    let key = (count.partner_id, count.product_id, count.counted_on);
                    if let Some(first) = seen.insert(key, *row) {
                        problems.push((
                            *row,
                            vec![Invalid::new(
                                "sku",
                                Problem::Conflict {
                                    rule: "duplicate_in_file",
                                    with: first.to_string(),
                                },
                            )],
                        ));
                    }
                    counts.push(count);
                }
                Err(found) => problems.push((*row, found)),
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let written = counts.len();
        repo::insert_counts(tx, counts, &caller.login).await?;
        self.audit(
            tx,
            caller,
            "stock_count",
            "import",
            "import",
            None,
            Some(&serde_json::json!({ "rows": written })),
        )
        .await?;
        Ok(Ok(written))
    }

    /// The partners a read covers: one by code, or every one in scope.
    async fn inventory_partners(
        &self,
        caller: &Caller,
        partner: Option<&str>,
    ) -> Result<Vec<Visible>, AppError> {
        match partner.map(str::trim).filter(|v| !v.is_empty()) {
            Some(code) => Ok(vec![
                self.visible(self.db(), caller, Area::Inventory, code)
                    .await?,
            ]),
            None => Ok(qudao_store::scope::partners_in(
                self.db(),
                scope_in(caller, Area::Inventory),
            )
            .await?),
        }
    }

    /// Counts of the partners in scope (or one), newest first, each with
    /// the derived figure on its day.
    pub async fn stock_counts(
        &self,
        caller: &Caller,
        partner: Option<&str>,
    ) -> Result<Vec<CountView>, AppError> {
        caller.require(Permission::ViewInventory)?;
        let partners = self.inventory_partners(caller, partner).await?;
        let today = crate::today();
        let counts = repo::counts(self.db(), &partners, today).await?;
        let flows = repo::flows(self.db(), &partners, None, today).await?;
        let by_key = group_flows(&flows);
        Ok(counts
            .into_iter()
            .map(|c| {
                let moved = by_key
                    .get(&(c.partner_id, c.product_id))
                    .map_or(&[][..], Vec::as_slice);
                let derived = rules::on_hand(moved, &[], c.counted_on).derived;
                CountView {
                    partner_code: c.partner_code,
                    partner_name: c.partner_name,
                    sku: c.sku,
                    product_name_zh: c.product_name_zh,
                    product_name_en: c.product_name_en,
                    counted_on: c.counted_on,
                    qty: c.qty,
                    derived,
                    difference: c.qty - derived,
                    created_by: c.created_by,
                }
            })
            .collect())
    }

    async fn count_view(
        &self,
        partner: &Visible,
        product_id: i64,
        counted_on: NaiveDate,
    ) -> Result<Option<CountView>, AppError> {
        let partners = std::slice::from_ref(partner);
        let count = repo::counts(self.db(), partners, counted_on)
            .await?
            .into_iter()
            .find(|c| c.product_id == product_id && c.counted_on == counted_on);
        let Some(c) = count else { return Ok(None) };
        let flows = repo::flows(self.db(), partners, None, counted_on).await?;
        let moved: Vec<Movement> = flows
            .iter()
            .filter(|f| f.product_id == product_id)
            .map(movement)
            .collect();
        let derived = rules::on_hand(&moved, &[], counted_on).derived;
        Ok(Some(CountView {
            partner_code: c.partner_code,
            partner_name: c.partner_name,
            sku: c.sku,
            product_name_zh: c.product_name_zh,
            product_name_en: c.product_name_en,
            counted_on: c.counted_on,
            qty: c.qty,
            derived,
            difference: c.qty - derived,
            created_by: c.created_by,
        }))
    }

    /// On hand per partner × product as of a day, with days of cover, the
    /// overstock and stock-out flags and each partner's turnover: one
    /// page of the holdings the filters keep, in the order asked for.
    pub async fn inventory(
        &self,
        caller: &Caller,
        query: &InventoryQuery,
        page: PageRequest,
    ) -> Result<InventoryView, AppError> {
        caller.require(Permission::ViewInventory)?;
        let choice = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty() && *v != "all")
                .map(str::to_owned)
        };
        let filter = choice(&query.status)
            .map(|v| StockFilter::parse(&v))
            .transpose()?;
        let sort = choice(&query.sort)
            .map(|v| StockSort::parse(&v))
            .transpose()?
            .unwrap_or(StockSort::Partner);
        let as_of = match query
            .as_of
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            Some(text) => qudao_domain::dates::parse_date("as_of", text)
                .map_err(|e| AppError::Invalid(vec![e]))?,
            None => crate::today(),
        };
        let line = match query
            .line
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            Some(code) => Some(
                qudao_store::catalog::lines(self.db())
                    .await?
                    .into_iter()
                    .find(|l| l.code.eq_ignore_ascii_case(code))
                    .map(|l| l.id)
                    .ok_or_else(|| {
                        AppError::Invalid(vec![Invalid::new(
                            "line",
                            Problem::Rule {
                                rule: "product_line_must_exist",
                            },
                        )])
                    })?,
            ),
            None => None,
        };
        let partners = self
            .inventory_partners(caller, query.partner.as_deref())
            .await?;
        let overstock_days = self.current_settings().await?.overstock_days;
        let flows = repo::flows(self.db(), &partners, line, as_of).await?;
        let mut counts: HashMap<(i64, i64), Vec<Count>> = HashMap::new();
        let mut products: HashMap<i64, (String, String, String)> = HashMap::new();
        for c in repo::counts(self.db(), &partners, as_of).await? {
            counts
                .entry((c.partner_id, c.product_id))
                .or_default()
                .push(Count {
                    counted_on: c.counted_on,
                    qty: c.qty,
                });
            products.insert(c.product_id, (c.sku, c.product_name_zh, c.product_name_en));
        }
        let by_key = group_flows(&flows);
        let mut keys: Vec<(i64, i64)> = by_key.keys().copied().collect();
        if line.is_none() {
            keys.extend(counts.keys().copied());
        } else {
            keys.extend(counts.keys().copied().filter(|k| by_key.contains_key(k)));
        }
        keys.sort_unstable();
        keys.dedup();
        if keys.iter().any(|(_, p)| !products.contains_key(p)) {
            for (sku, p) in qudao_store::catalog::products_by_sku(self.db()).await? {
                products.entry(p.id).or_insert((sku, p.name_zh, p.name_en));
            }
        }
        let names: HashMap<i64, (&str, &str)> = partners
            .iter()
            .map(|v| (v.id().0, (v.code(), v.row().name.as_str())))
            .collect();
        let opening_day = window_start(as_of).pred_opt().unwrap_or(as_of);
        let mut rows = Vec::with_capacity(keys.len());
        let mut turnover: BTreeMap<i64, (i64, i64, i64)> = BTreeMap::new();
        for key in keys {
            let moved = by_key.get(&key).map_or(&[][..], Vec::as_slice);
            let counted = counts.get(&key).map_or(&[][..], Vec::as_slice);
            let held = rules::on_hand(moved, counted, as_of);
            let opening = rules::on_hand(moved, counted, opening_day).qty;
            let sold = rules::sold_in_window(moved, as_of);
            let cover = rules::cover(held.qty, sold);
            let partner = names.get(&key.0).copied().unwrap_or(("", ""));
            let product = products.get(&key.1).cloned().unwrap_or_default();
            let t = turnover.entry(key.0).or_default();
            t.0 += opening.max(0);
            t.1 += held.qty.max(0);
            t.2 += sold;
            rows.push((
                key.0,
                StockRow {
                    partner_code: partner.0.to_owned(),
                    partner_name: partner.1.to_owned(),
                    sku: product.0,
                    product_name_zh: product.1,
                    product_name_en: product.2,
                    on_hand: held.qty,
                    derived: held.derived,
                    counted_on: held.count.map(|c| c.counted_on),
                    counted_qty: held.count.map(|c| c.qty),
                    difference: held.difference,
                    sold,
                    cover,
                    overstock: rules::is_overstock(cover, overstock_days),
                    stock_out: rules::is_stock_out(held.qty, sold),
                },
            ));
        }
        let mut totals = StockTotals::default();
        for (_, r) in &rows {
            totals.holdings += 1;
            totals.on_hand += r.on_hand;
            totals.overstock += u64::from(r.overstock);
            totals.stock_outs += u64::from(r.stock_out);
            totals.differences += u64::from(r.difference.is_some_and(|d| d != 0));
        }
        if let Some(filter) = filter {
            rows.retain(|(_, r)| {
                filter.keeps(Flags {
                    overstock: r.overstock,
                    stock_out: r.stock_out,
                    difference: r.difference,
                })
            });
        }
        // Ties keep the partner-then-product order the rows are built in.
        match sort {
            StockSort::Partner => {}
            StockSort::Cover => rows.sort_by(|a, b| longest_cover_first(a.1.cover, b.1.cover)),
            StockSort::OnHand => rows.sort_by_key(|r| std::cmp::Reverse(r.1.on_hand)),
        }
        let shown = Page::slice(rows, page);
        let total = shown.total;
        let (ids, rows): (std::collections::HashSet<i64>, Vec<StockRow>) =
            shown.items.into_iter().unzip();
        let partners = turnover
            .into_iter()
            .filter(|(id, _)| ids.contains(id))
            .map(|(id, (opening, closing, sold))| {
                let partner = names.get(&id).copied().unwrap_or(("", ""));
                PartnerTurnover {
                    partner_code: partner.0.to_owned(),
                    partner_name: partner.1.to_owned(),
                    on_hand: closing,
                    sold,
                    turnover_days: rules::turnover_days(opening, closing, sold),
                }
            })
            .collect();
        Ok(InventoryView {
            as_of,
            window_days: WINDOW_DAYS,
            overstock_days,
            totals,
            rows,
            total,
            page: page.page,
            per_page: page.per_page,
            partners,
        })
    }

    /// A partner's data-quality score for a month: the use case scorecards
    /// and rebate conditions call. The caller must see the partner.
    pub async fn quality_score(
        &self,
        caller: &Caller,
        partner: &str,
        month: Month,
    ) -> Result<Quality, AppError> {
        caller.require(Permission::ViewInventory)?;
        let partner = self
            .visible(self.db(), caller, Area::Inventory, partner)
            .await?;
        let scores = self
            .scores(std::slice::from_ref(&partner), &[month])
            .await?;
        Ok(scores
            .into_iter()
            .next()
            .map(|(_, q)| q)
            .unwrap_or_else(|| quality::score(month, &MonthReport::default())))
    }

    /// Each partner's data-quality score over `months` (of a period): the
    /// mean of the totals of those already due, which are returned with it;
    /// no scores while none is due. For rebate conditions, as the system.
    pub(crate) async fn period_quality(
        &self,
        partner_ids: &std::collections::BTreeSet<i64>,
        months: &[Month],
    ) -> Result<(Vec<Month>, HashMap<i64, Decimal>), AppError> {
        let (Some(first), Some(last)) = (months.first(), months.last()) else {
            return Ok((Vec::new(), HashMap::new()));
        };
        let due = quality::due_months(*first, *last, crate::today());
        if due.is_empty() {
            return Ok((due, HashMap::new()));
        }
        let partners: Vec<Visible> =
            qudao_store::scope::partners_in(self.db(), qudao_domain::scope::DataScope::All)
                .await?
                .into_iter()
                .filter(|v| partner_ids.contains(&v.id().0))
                .collect();
        let mut totals: HashMap<i64, Vec<i64>> = HashMap::new();
        for (id, q) in self.scores(&partners, &due).await? {
            totals.entry(id).or_default().push(q.total);
        }
        let means = totals
            .into_iter()
            .filter_map(|(id, t)| quality::mean(&t).map(|m| (id, m)))
            .collect();
        Ok((due, means))
    }

    /// Scores of the partners in scope for the last months (newest first),
    /// and the partners that have not reported last month.
    pub async fn data_quality(
        &self,
        caller: &Caller,
        query: &QualityQuery,
        page: PageRequest,
    ) -> Result<DataQualityView, AppError> {
        caller.require(Permission::ViewInventory)?;
        let back = query.months.unwrap_or(3);
        if !(1..=MAX_QUALITY_MONTHS).contains(&back) {
            return Err(Invalid::new(
                "months",
                Problem::Limit {
                    rule: "quality_months",
                    max: MAX_QUALITY_MONTHS as usize,
                },
            )
            .into());
        }
        let today = crate::today();
        let last = Month::of(today).previous();
        let mut months = vec![last];
        for _ in 1..back {
            let before = months[months.len() - 1].previous();
            months.push(before);
        }
        let partners = self
            .inventory_partners(caller, query.partner.as_deref())
            .await?;
        let scores = self.scores(&partners, &months).await?;
        let names: HashMap<i64, &Visible> = partners.iter().map(|v| (v.id().0, v)).collect();
        let mut rows: Vec<QualityRow> = scores
            .iter()
            .filter_map(|(id, q)| {
                names.get(id).map(|v| QualityRow {
                    partner_code: v.code().to_owned(),
                    partner_name: v.row().name.clone(),
                    quality: *q,
                })
            })
            .collect();
        rows.sort_by(|a, b| {
            b.quality
                .month
                .cmp(&a.quality.month)
                .then(a.quality.total.cmp(&b.quality.total))
                .then(a.partner_code.cmp(&b.partner_code))
        });
        let scores = Page::slice(rows, page);
        let missing_month = quality::latest_overdue(today);
        let mut missing = self
            .missing_reports(&partners, missing_month, today)
            .await?;
        // Who owns a partner on our side is ours to know.
        if caller.role.is_partner_role() {
            for row in &mut missing {
                row.owner = None;
            }
        }
        Ok(DataQualityView {
            months,
            scores: scores.items,
            total: scores.total,
            page: scores.page,
            per_page: scores.per_page,
            missing_month,
            missing,
        })
    }

    /// Active partners with no sell-through for `month`, with their owner.
    async fn missing_reports(
        &self,
        partners: &[Visible],
        month: Month,
        today: NaiveDate,
    ) -> Result<Vec<MissingReport>, AppError> {
        // Far enough back for any report this system holds, and a date every
        // backend can bind.
        let ever = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(month.first_day());
        let reported = repo::reported_days(self.db(), partners, ever).await?;
        let mut last: HashMap<i64, NaiveDate> = HashMap::new();
        let mut in_month: std::collections::HashSet<i64> = std::collections::HashSet::new();
        for day in &reported {
            let entry = last.entry(day.partner_id).or_insert(day.date);
            *entry = (*entry).max(day.date);
            if Month::of(day.date) == month {
                in_month.insert(day.partner_id);
            }
        }
        let owners: HashMap<i64, String> = repo::owner_names(
            self.db(),
            &partners
                .iter()
                .filter_map(|v| v.row().owner_id)
                .collect::<Vec<_>>(),
        )
        .await?
        .into_iter()
        .collect();
        let mut active = Vec::with_capacity(partners.len());
        for v in partners {
            if v.row().status()? == PartnerStatus::Active && !in_month.contains(&v.id().0) {
                active.push(v);
            }
        }
        let mut missing: Vec<MissingReport> = active
            .into_iter()
            .map(|v| MissingReport {
                partner_code: v.code().to_owned(),
                partner_name: v.row().name.clone(),
                owner: v.row().owner_id.and_then(|id| owners.get(&id).cloned()),
                month,
                days_late: quality::days_overdue(month, today),
                last_reported: last.get(&v.id().0).copied(),
            })
            .collect();
        // Those silent longest first.
        missing.sort_by(|a, b| {
            a.last_reported
                .cmp(&b.last_reported)
                .then(a.partner_code.cmp(&b.partner_code))
        });
        Ok(missing)
    }

    /// Every (partner, month) score for the partners and months given.
    async fn scores(
        &self,
        partners: &[Visible],
        months: &[Month],
    ) -> Result<Vec<(i64, Quality)>, AppError> {
        let Some(first) = months.iter().min().copied() else {
            return Ok(Vec::new());
        };
        let Some(end) = months.iter().max().map(|m| m.last_day()) else {
            return Ok(Vec::new());
        };
        let from = first.first_day();
        let zone = crate::time_zone();
        let mut reports: HashMap<(i64, Month), MonthReport> = HashMap::new();
        for day in repo::reported_days(self.db(), partners, from).await? {
            let month = Month::of(day.date);
            let r = reports.entry((day.partner_id, month)).or_default();
            r.lines += day.lines;
            let written = day.first_at.with_timezone(&zone).date_naive();
            r.first_reported = Some(r.first_reported.map_or(written, |d| d.min(written)));
        }
        for day in repo::held_days(self.db(), partners, from).await? {
            reports
                .entry((day.partner_id, Month::of(day.date)))
                .or_default()
                .held += day.held;
        }
        // A rejected upload is taken for the month before the one it was
        // made in: partners report a month after it ends.
        let since = from
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or_default();
        for upload in repo::rejected_uploads(self.db(), partners, since).await? {
            let made = upload.created_at.with_timezone(&zone).date_naive();
            reports
                .entry((upload.partner_id, Month::of(made).previous()))
                .or_default()
                .rejected += upload.rows_rejected;
        }
        let flows = repo::flows(self.db(), partners, None, end).await?;
        let counts = repo::counts(self.db(), partners, end).await?;
        let by_key = group_flows(&flows);
        let mut counted: HashMap<(i64, i64), Vec<Count>> = HashMap::new();
        for c in counts {
            counted
                .entry((c.partner_id, c.product_id))
                .or_default()
                .push(Count {
                    counted_on: c.counted_on,
                    qty: c.qty,
                });
        }
        for (key, moved) in &by_key {
            let counts = counted.get(key).map_or(&[][..], Vec::as_slice);
            for month in months {
                let start = month.first_day().pred_opt().unwrap_or(month.first_day());
                let change = rules::on_hand(moved, counts, month.last_day()).qty
                    - rules::on_hand(moved, counts, start).qty;
                let (sell_in, sell_through) = moved
                    .iter()
                    .filter(|m| Month::of(m.date) == *month)
                    .fold((0, 0), |(i, t), m| (i + m.sell_in, t + m.sell_through));
                if sell_in == 0 && sell_through == 0 && change == 0 {
                    continue;
                }
                let r = reports.entry((key.0, *month)).or_default();
                r.sell_in += sell_in;
                r.sell_through += sell_through;
                r.stock_change += change;
            }
        }
        let mut out = Vec::with_capacity(partners.len() * months.len());
        for partner in partners {
            for month in months {
                let report = reports
                    .get(&(partner.id().0, *month))
                    .copied()
                    .unwrap_or_default();
                out.push((partner.id().0, quality::score(*month, &report)));
            }
        }
        Ok(out)
    }
}

fn movement(f: &repo::DayFlow) -> Movement {
    Movement {
        date: f.date,
        sell_in: f.sell_in,
        sell_through: f.sell_through,
    }
}

/// Flows by (partner, product).
fn group_flows(flows: &[repo::DayFlow]) -> HashMap<(i64, i64), Vec<Movement>> {
    let mut by_key: HashMap<(i64, i64), Vec<Movement>> = HashMap::new();
    for f in flows {
        by_key
            .entry((f.partner_id, f.product_id))
            .or_default()
            .push(movement(f));
    }
    by_key
}

/// The month a text names (`2026-10`), for the API and pages.
pub fn parse_month(text: &str) -> Result<Month, AppError> {
    Month::parse("month", text).map_err(|e| AppError::Invalid(vec![e]))
}

/// Today's month's first day less a day: the end of last month.
pub fn last_month() -> Month {
    let today = crate::today();
    Month::of(today.with_day(1).unwrap_or(today)).previous()
}

/// A sell-in line as the export shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SellInView {
    pub partner_code: String,
    pub partner_name: String,
    pub sku: String,
    pub product_name_zh: String,
    pub product_name_en: String,
    pub date: NaiveDate,
    pub qty: i64,
    /// In major units, exactly (`"1234.50"`).
    pub amount: String,
    pub currency: String,
    pub document_no: Option<String>,
    pub source: String,
}

impl Qudao {
    /// Sell-in lines of the partners in scope (or one), newest first.
    pub async fn sellin_lines(
        &self,
        caller: &Caller,
        partner: Option<&str>,
        limit: u64,
    ) -> Result<Vec<SellInView>, AppError> {
        caller.require(Permission::ViewInventory)?;
        let partners = self.inventory_partners(caller, partner).await?;
        let mut out = Vec::new();
        for row in repo::sellin_lines(self.db(), &partners, limit).await? {
            let currency = qudao_domain::money::Currency::parse(&row.currency).map_err(|_| {
                qudao_store::StoreError::Unreadable {
                    table: "sellin_lines",
                    row: row.id,
                    column: "currency",
                    value: row.currency.clone(),
                }
            })?;
            out.push(SellInView {
                amount: qudao_domain::money::Money::from_minor(row.amount_minor, currency)
                    .to_decimal()
                    .to_string(),
                partner_code: row.partner_code,
                partner_name: row.partner_name,
                sku: row.sku,
                product_name_zh: row.product_name_zh,
                product_name_en: row.product_name_en,
                date: row.date,
                qty: row.qty,
                currency: row.currency,
                document_no: row.document_no,
                source: row.source,
            });
        }
        Ok(out)
    }
}
