//! Analytics: the engine (`qudao-engine`) fed from the store, and the one
//! query model every dashboard, the API and the CLI ask through.
//!
//! The engine is loaded on first use (or at `serve` start, see
//! [`Qudao::warm_analytics`]) through the fact interface (`facts`). Before
//! answering, a query catches the engine up:
//! - with the facts this process committed since (the commit notices);
//! - every [`POLL`], with what other processes committed (an import run
//!   from the command line, another `serve` node), read from each fact
//!   table's highest id;
//! - every [`DIMS_TTL`], with partners, products and regions as they are
//!   now (a partner moved to another owner or grade counts there from then
//!   on), and the exchange rates. A changed rate reloads everything, since
//!   facts are converted once, as they are loaded.
//!
//! A catch-up publishes all the new facts of every kind at once, so a query
//! never sees half of an import.
//!
//! Where the process was given a projection file (beside a SQLite database
//! by default, see [`Qudao::open`]), the engine starts from it when it
//! still matches the store (`qudao_engine::Stored`), and writes it again in
//! the background after a full load and after every [`SAVE_EVERY`] new
//! facts. The file is a cache: without it, or with one that no longer
//! matches, the engine loads from the store as before. The caller's scope becomes the set of
//! partner ids the store's scope condition reaches, applied by the engine
//! to every row.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use qudao_domain::periods::FiscalCalendar;
use qudao_engine::{
    DimsInput, EncodeError, Engine, FactInput, Holdings, LineSort, Named, OwnerInput, PartnerInput,
    ProductInput, Query, RateInput, RegionInput, Sample, Scope, Snapshot, Stored, Sums, Update,
};
use tokio::sync::Mutex;

pub use qudao_engine::{
    Answer, AnswerRow, Compare, Dim, Key, Kind, Line, MAX_LIMIT, Measure, QueryText, RateUsed,
};

use crate::facts::{Fact, FactKind};
use crate::{AppError, Caller, Permission, Qudao};

/// How often a query also looks for facts other processes committed.
pub const POLL: Duration = Duration::from_secs(1);
/// How long the dimensions and rates are trusted before they are read again.
pub const DIMS_TTL: Duration = Duration::from_secs(60);
/// Facts read per round trip while loading.
const BATCH: u64 = 50_000;
/// New facts held beyond those in the projection file before it is written
/// again (it is also written after every whole load from the store).
pub const SAVE_EVERY: usize = 100_000;

/// Answers kept per snapshot, at most: a dashboard asks about ten, and a
/// manager's drill-down a few more.
const ANSWERS_KEPT: usize = 512;

/// The engine and what its catch-ups need to remember.
#[derive(Debug, Default)]
pub(crate) struct Analytics {
    state: Mutex<State>,
    answers: std::sync::Mutex<Answers>,
    /// Where the projection is kept between runs, if anywhere.
    file: Option<PathBuf>,
    /// A write of the file is under way.
    saving: Arc<AtomicBool>,
}

impl Analytics {
    pub(crate) fn kept_in(file: Option<PathBuf>) -> Self {
        Self {
            file,
            ..Self::default()
        }
    }
}

/// Answers already given on the current snapshot, by scope and question.
/// An answer depends on nothing else, so it holds until the next
/// publication; twenty people opening the same dashboard compute it once
/// (the first asks, the others wait for its answer).
#[derive(Debug, Default)]
struct Answers {
    generation: u64,
    answers: Cells<Answer>,
    sums: Cells<Arc<Sums>>,
    /// The stock card's overstock and stock-out counts.
    flags: Cells<(u64, u64)>,
}

type Cells<T> = std::collections::HashMap<String, Arc<tokio::sync::OnceCell<T>>>;

impl Answers {
    fn len(&self) -> usize {
        self.answers.len() + self.sums.len() + self.flags.len()
    }

    fn clear(&mut self) {
        self.answers.clear();
        self.sums.clear();
        self.flags.clear();
    }
}

/// How the engine was last loaded whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    /// From the projection file (then caught up), or from the store.
    pub from_file: bool,
    pub facts: usize,
    pub took: Duration,
}

#[derive(Debug, Default)]
struct State {
    engine: Option<Arc<Engine>>,
    loaded: Option<Loaded>,
    /// Facts in the projection file as last written or read.
    saved: usize,
    /// Per kind, the table's high-water mark the engine has read up to.
    read_to: std::collections::BTreeMap<FactKind, i64>,
    polled: Option<Instant>,
    dims_read: Option<Instant>,
    rates: Vec<RateInput>,
}

fn engine_kind(kind: FactKind) -> Kind {
    match kind {
        FactKind::SellIn => Kind::SellIn,
        FactKind::DownstreamSellIn => Kind::DownstreamSellIn,
        FactKind::SellThrough => Kind::SellThrough,
        FactKind::Invoice => Kind::Invoice,
        FactKind::CreditNote => Kind::CreditNote,
        FactKind::Payment => Kind::Payment,
        FactKind::StockCount => Kind::StockCount,
    }
}

fn input(fact: Fact) -> FactInput {
    FactInput {
        id: fact.id,
        partner_id: fact.partner_id,
        product_id: fact.product_id,
        region_id: fact.region_id,
        date: fact.date,
        qty: fact.qty,
        amount_minor: fact.amount_minor,
        currency: fact.currency,
    }
}

impl Qudao {
    /// Loads the engine now rather than at the first dashboard: `serve`
    /// calls it at start-up.
    pub async fn warm_analytics(&self) -> Result<(), AppError> {
        self.analytics_snapshot().await.map(|_| ())
    }

    /// The engine caught up with everything committed.
    pub(crate) async fn analytics_snapshot(&self) -> Result<Arc<Snapshot>, AppError> {
        self.analytics_caught_up(false).await
    }

    /// How the engine was last loaded whole, once it has been.
    pub async fn analytics_loaded(&self) -> Option<Loaded> {
        self.analytics.state.lock().await.loaded
    }

    /// Forgets the answers kept for the current snapshot, so the next
    /// question is computed again: what `qudao analytics bench` does before
    /// every timed run, to time the engine rather than the memo.
    pub fn forget_analytics_answers(&self) {
        self.analytics
            .answers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }

    /// Waits for a write of the projection file under way, if any: a
    /// command-line run calls it before it exits.
    pub async fn analytics_saved(&self) {
        while self.analytics.saving.load(Ordering::Acquire) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `retried`: the dimensions were just read again because a fact named
    /// one the engine did not know; a second miss is an error, not a loop.
    async fn analytics_caught_up(&self, retried: bool) -> Result<Arc<Snapshot>, AppError> {
        let mut state = self.analytics.state.lock().await;
        let now = Instant::now();
        let stale_dims = state.dims_read.is_none_or(|at| now - at >= DIMS_TTL);
        // A first load reads the projection file while the dimensions are
        // read from the store: on two cores, the two take the time of one.
        let file_read = match (&state.engine, self.analytics.file.clone()) {
            (None, Some(path)) => {
                Some(tokio::task::spawn_blocking(move || read_engine_file(&path)))
            }
            _ => None,
        };
        let mut dims = None;
        if stale_dims {
            let (fresh, rates) = self.read_dims().await?;
            if state.engine.is_some() && rates != state.rates {
                state.engine = None;
            }
            state.rates = rates;
            state.dims_read = Some(now);
            dims = Some(fresh);
        }
        // A whole load publishes batch by batch: nobody reads this engine
        // until it is caught up, and no batch is held longer than needed.
        let mut whole_load = None;
        let engine = match &state.engine {
            Some(engine) => engine.clone(),
            None => {
                let settings = self.current_settings().await?;
                let fiscal = fiscal_calendar(settings.fiscal_year_start);
                let currency = settings.currency.as_str();
                let from_file = self
                    .stored_engine(file_read, currency, fiscal, &state.rates)
                    .await?;
                state.saved = from_file.as_ref().map_or(0, |s| s.counts().values().sum());
                whole_load = Some(from_file.is_some());
                let engine = Arc::new(Engine::new(
                    from_file.unwrap_or_else(|| Snapshot::empty(currency, fiscal)),
                ));
                let dims = match dims.take() {
                    Some(dims) => dims,
                    None => self.read_dims().await?.0,
                };
                publish(
                    &engine,
                    Update {
                        dims: Some(dims),
                        rates: Some(state.rates.clone()),
                        facts: Vec::new(),
                    },
                )?;
                state.engine = Some(engine.clone());
                state.read_to.clear();
                state.polled = None;
                engine
            }
        };
        if let Some(dims) = dims {
            publish(
                &engine,
                Update {
                    dims: Some(dims),
                    ..Update::default()
                },
            )?;
        }
        let poll = state.polled.is_none_or(|at| now - at >= POLL);
        let marks = self.fact_notices().borrow().clone();
        let mut behind = Vec::new();
        for &kind in FactKind::ALL {
            let read = state.read_to.get(&kind).copied().unwrap_or(0);
            let committed = if poll {
                qudao_store::facts::last_id(self.db(), kind).await?
            } else {
                marks.get(kind)
            };
            if committed > read {
                behind.push((kind, engine.position(engine_kind(kind)), committed));
            }
        }
        if poll {
            state.polled = Some(now);
        }
        if !behind.is_empty() {
            let mut facts = Vec::new();
            let mut marks = Vec::new();
            let mut published = Ok(());
            for (kind, held, committed) in behind {
                marks.push((kind, committed));
                let mut batches = self.fact_batches(kind, held, BATCH);
                let mut rows = Vec::new();
                while let Some(batch) = batches.next(self.db_for_facts()).await? {
                    let batch = batch.into_iter().map(input);
                    if whole_load.is_some() {
                        published = engine
                            .publish(Update {
                                facts: vec![(engine_kind(kind), batch.collect())],
                                ..Update::default()
                            })
                            .map(|_| ());
                        if published.is_err() {
                            break;
                        }
                    } else {
                        rows.extend(batch);
                    }
                }
                if published.is_err() {
                    break;
                }
                facts.push((engine_kind(kind), rows));
            }
            if published.is_ok() && whole_load.is_none() {
                published = engine
                    .publish(Update {
                        facts,
                        ..Update::default()
                    })
                    .map(|_| ());
            }
            match published {
                Ok(()) => state.read_to.extend(marks),
                // A fact names a partner, product or region created since
                // the dimensions were read: read them and publish again.
                Err(EncodeError::UnknownDimension { kind, id }) => {
                    if retried {
                        return Err(AppError::Internal(format!(
                            "engine: {} fact {id} names a partner, product or region \
                             the store does not list",
                            kind.as_str()
                        )));
                    }
                    state.dims_read = None;
                    drop(state);
                    return Box::pin(self.analytics_caught_up(true)).await;
                }
                Err(e) => return Err(AppError::Internal(format!("{e:?}"))),
            }
        }
        let snapshot = engine.snapshot();
        let held: usize = snapshot.counts().values().sum();
        if let Some(from_file) = whole_load {
            state.loaded = Some(Loaded {
                from_file,
                facts: held,
                took: now.elapsed(),
            });
        }
        let due = held >= state.saved + SAVE_EVERY || (whole_load == Some(false) && held > 0);
        if due && self.save_engine(snapshot.clone()) {
            state.saved = held;
        }
        Ok(snapshot)
    }

    /// The projection file's snapshot (`file_read`: its read under way), if
    /// there is a file, it reads back whole, and it still matches the
    /// store: its sample facts are in the store unchanged, and it was
    /// converted at today's rates in today's company currency and
    /// calendar. Anything else loads from the store.
    async fn stored_engine(
        &self,
        file_read: Option<tokio::task::JoinHandle<std::io::Result<Option<Stored>>>>,
        currency: &str,
        fiscal: FiscalCalendar,
        rates: &[RateInput],
    ) -> Result<Option<Snapshot>, AppError> {
        let Some(file_read) = file_read else {
            return Ok(None);
        };
        let read = file_read
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let stored = match read {
            Ok(Some(stored)) => stored,
            Ok(None) => return Ok(None),
            Err(err) => {
                tracing::warn!(error = %err, "engine file unreadable; loading from the database");
                return Ok(None);
            }
        };
        for &kind in FactKind::ALL {
            let samples = stored.samples(engine_kind(kind));
            let ids: Vec<i64> = samples.iter().map(|s| s.id).collect();
            let found = qudao_store::facts::by_ids(self.db(), kind, &ids).await?;
            let same = found.len() == samples.len()
                && found.iter().zip(&samples).all(|(f, s)| {
                    *s == Sample {
                        id: f.id,
                        partner_id: f.partner_id,
                        product_id: f.product_id,
                        date: f.date,
                        qty: f.qty,
                    }
                });
            if !same {
                tracing::warn!("engine file does not match the database; loading from it");
                return Ok(None);
            }
        }
        Ok(stored.into_snapshot(currency, fiscal, rates))
    }

    /// Writes the projection file in the background, unless there is no
    /// file or a write is already under way. Answers whether it started.
    fn save_engine(&self, snapshot: Arc<Snapshot>) -> bool {
        let Some(path) = self.analytics.file.clone() else {
            return false;
        };
        let saving = self.analytics.saving.clone();
        if saving.swap(true, Ordering::AcqRel) {
            return false;
        }
        tokio::task::spawn_blocking(move || {
            if let Err(err) = write_engine_file(&snapshot, &path) {
                tracing::warn!(error = %err, file = %path.display(), "engine file not written");
            }
            saving.store(false, Ordering::Release);
        });
        true
    }

    async fn read_dims(&self) -> Result<(DimsInput, Vec<RateInput>), AppError> {
        let rows = qudao_store::analytics::dim_rows(self.db()).await?;
        let line_code = |id: i64| {
            rows.lines
                .iter()
                .find(|l| l.id == id)
                .map(|l| l.code.clone())
                .unwrap_or_default()
        };
        let grade_code = |id: i64| {
            rows.grades
                .iter()
                .find(|g| g.id == id)
                .map(|g| g.code.clone())
        };
        let dims = DimsInput {
            partners: rows
                .partners
                .iter()
                .map(|p| PartnerInput {
                    id: p.id,
                    code: p.code.clone(),
                    name: p.name.clone(),
                    partner_type: p.partner_type.clone(),
                    grade: p.grade_id.and_then(grade_code),
                    region_id: p.region_id,
                    owner_id: p.owner_id,
                    parent_id: p.parent_id,
                    created_on: p.created_at.with_timezone(&crate::time_zone()).date_naive(),
                })
                .collect(),
            products: rows
                .products
                .iter()
                .map(|p| ProductInput {
                    id: p.id,
                    sku: p.sku.clone(),
                    name_zh: p.name_zh.clone(),
                    name_en: p.name_en.clone(),
                    line: line_code(p.product_line_id),
                    category: p.category.clone(),
                    cost: p.cost,
                })
                .collect(),
            regions: rows
                .regions
                .iter()
                .map(|r| RegionInput {
                    id: r.id,
                    code: r.code.clone(),
                    name_zh: r.name.clone(),
                    name_en: r.name_en.clone().unwrap_or_else(|| r.name.clone()),
                    level: r.level.clone(),
                    parent_id: r.parent_id,
                })
                .collect(),
            grades: rows
                .grades
                .iter()
                .map(|g| Named {
                    code: g.code.clone(),
                    name_zh: g.name.clone(),
                    name_en: g.name_en.clone().unwrap_or_else(|| g.name.clone()),
                })
                .collect(),
            lines: rows
                .lines
                .iter()
                .map(|l| Named {
                    code: l.code.clone(),
                    name_zh: l.name_zh.clone(),
                    name_en: l.name_en.clone(),
                })
                .collect(),
            owners: rows
                .owners
                .iter()
                .map(|(id, login, name)| OwnerInput {
                    id: *id,
                    login: login.clone(),
                    name: name.clone(),
                })
                .collect(),
        };
        let rates = qudao_store::rates::list(self.db(), None)
            .await?
            .into_iter()
            .map(|r| RateInput {
                currency: r.currency.as_str().to_owned(),
                month: r.month,
                rate: r.rate.as_decimal(),
            })
            .collect();
        Ok((dims, rates))
    }

    /// The partners the caller's facts come from. A partner code in the
    /// filters outside them answers "not found", as a record outside the
    /// scope does everywhere.
    async fn analytics_scope(
        &self,
        caller: &Caller,
        snapshot: &Snapshot,
        text: &QueryText,
    ) -> Result<Scope, AppError> {
        let Some(ids) = self.reached_partners(caller).await? else {
            return Ok(Scope::All);
        };
        for (dim, codes) in &text.filters {
            if dim.trim() != Dim::Partner.as_str() {
                continue;
            }
            for code in codes {
                let visible = snapshot
                    .dims
                    .partner_of_code(code.trim())
                    .map(|ix| snapshot.dims.partners[ix as usize].id)
                    .is_some_and(|id| ids.contains(&id));
                if !visible {
                    return Err(AppError::NotFound("partner"));
                }
            }
        }
        Ok(Scope::Partners(ids.to_vec()))
    }

    /// The partner ids the caller's scope reaches (`None`: every partner),
    /// read again only after a write committed on this node. Another
    /// node's write is seen once the caller cache lets the caller go
    /// (`caller_cache::TTL`), the bound already on a revoked session.
    async fn reached_partners(&self, caller: &Caller) -> Result<Option<Arc<Vec<i64>>>, AppError> {
        let commits = crate::commits();
        let known = |reach: &Option<crate::caller::Reach>| {
            reach
                .as_ref()
                .filter(|(at, _)| *at == commits)
                .map(|(_, ids)| ids.clone())
        };
        if let Some(ids) = known(&caller.reach.lock().unwrap_or_else(|e| e.into_inner())) {
            return Ok(Some(ids));
        }
        let Some(ids) = qudao_store::analytics::partner_ids(self.db(), caller.scope()).await?
        else {
            return Ok(None);
        };
        let ids = Arc::new(ids);
        *caller.reach.lock().unwrap_or_else(|e| e.into_inner()) = Some((commits, ids.clone()));
        Ok(Some(ids))
    }

    /// The first and last month of a query's period, without asking the
    /// engine.
    pub async fn analytics_months(
        &self,
        text: &QueryText,
    ) -> Result<(qudao_domain::periods::Month, qudao_domain::periods::Month), AppError> {
        let fiscal = fiscal_calendar(self.current_settings().await?.fiscal_year_start);
        let query = Query::parse(text, fiscal)?;
        Ok((
            qudao_engine::month_of_number(query.first),
            qudao_engine::month_of_number(query.last),
        ))
    }

    fn parse_query(snapshot: &Snapshot, text: &QueryText) -> Result<Query, AppError> {
        Ok(Query::parse(text, snapshot.fiscal)?)
    }

    /// The engine caught up, the caller's scope, and the filters and period
    /// of `text`: what the lines, their export and the stock flags share.
    async fn analytics_selected(
        &self,
        caller: &Caller,
        text: &QueryText,
    ) -> Result<Selected, AppError> {
        caller.require(Permission::ViewAnalytics)?;
        let snapshot = self.analytics_snapshot().await?;
        let scope = self.analytics_scope(caller, &snapshot, text).await?;
        let query = Query::selection(text, snapshot.fiscal)?;
        Ok(Selected {
            snapshot,
            scope,
            query,
        })
    }

    /// Answers a query over the facts the caller's scope reaches.
    pub async fn analytics_query(
        &self,
        caller: &Caller,
        text: &QueryText,
    ) -> Result<Answer, AppError> {
        let (snapshot, scope, query) = self.analytics_asked(caller, text).await?;
        let key = format!("{scope:?}|{query:?}");
        self.kept(
            snapshot.generation,
            |a| &mut a.answers,
            key,
            move || snapshot.query(&query, &scope),
        )
        .await
    }

    /// [`Qudao::analytics_query`]'s groups by dimension index, unlabelled
    /// and shared rather than copied: for the incentive engine, which asks
    /// for every partner by product line and derives its bases from that.
    pub(crate) async fn analytics_sums(
        &self,
        caller: &Caller,
        text: &QueryText,
    ) -> Result<Arc<Sums>, AppError> {
        let (snapshot, scope, query) = self.analytics_asked(caller, text).await?;
        let key = format!("{scope:?}|{query:?}");
        self.kept(
            snapshot.generation,
            |a| &mut a.sums,
            key,
            move || snapshot.sums(&query, &scope).map(Arc::new),
        )
        .await
    }

    /// The engine caught up, the caller's scope, and the question parsed.
    async fn analytics_asked(
        &self,
        caller: &Caller,
        text: &QueryText,
    ) -> Result<(Arc<Snapshot>, Scope, Query), AppError> {
        caller.require(Permission::ViewAnalytics)?;
        let snapshot = self.analytics_snapshot().await?;
        let scope = self.analytics_scope(caller, &snapshot, text).await?;
        let query = Self::parse_query(&snapshot, text)?;
        Ok((snapshot, scope, query))
    }

    /// What `compute` gives on the snapshot of `generation`, computed once
    /// per key (see [`Answers`]) on the blocking pool.
    async fn kept<T: Clone + Send + 'static>(
        &self,
        generation: u64,
        cells: fn(&mut Answers) -> &mut Cells<T>,
        key: String,
        compute: impl FnOnce() -> Result<T, qudao_domain::error::Invalid> + Send + 'static,
    ) -> Result<T, AppError> {
        let cell = {
            let mut answers = self
                .analytics
                .answers
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if answers.generation != generation || answers.len() >= ANSWERS_KEPT {
                answers.generation = generation;
                answers.clear();
            }
            cells(&mut answers).entry(key).or_default().clone()
        };
        let kept = cell
            .get_or_try_init(|| async move {
                tokio::task::spawn_blocking(compute)
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))?
                    .map_err(AppError::from)
            })
            .await?;
        Ok(kept.clone())
    }

    /// A page of the lines behind one measure's number, under the same
    /// scope, filters and period as the number.
    pub async fn analytics_lines(
        &self,
        caller: &Caller,
        measure: &str,
        text: &QueryText,
        sort: Option<&str>,
        page: crate::PageRequest,
    ) -> Result<crate::Page<Line>, AppError> {
        let measure = Measure::parse("measure", measure)?;
        let sort = line_sort(sort)?;
        let Selected {
            snapshot,
            scope,
            query,
        } = self.analytics_selected(caller, text).await?;
        let take = usize::try_from(page.per_page).unwrap_or(usize::MAX);
        let skip =
            usize::try_from((page.page - 1).saturating_mul(page.per_page)).unwrap_or(usize::MAX);
        tokio::task::spawn_blocking(move || {
            let lines = snapshot.lines(measure, &query, &scope, sort)?;
            Ok(crate::Page {
                items: lines.page(skip, take),
                total: lines.len() as u64,
                page: page.page,
                per_page: page.per_page,
            })
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    }

    /// The names of the codes a view is filtered by, for showing the
    /// filters: `(dimension, code, name_zh, name_en)`. A partner outside
    /// the caller's scope is left as its code (its numbers answer "not
    /// found" anyway).
    pub async fn analytics_labels(
        &self,
        caller: &Caller,
        filters: &[(String, String)],
    ) -> Result<Vec<(String, String, String, String)>, AppError> {
        caller.require(Permission::ViewAnalytics)?;
        let snapshot = self.analytics_snapshot().await?;
        let visible = qudao_store::analytics::partner_ids(self.db(), caller.scope()).await?;
        Ok(filters
            .iter()
            .map(|(dim, code)| {
                let key = Dim::parse("filter", dim)
                    .ok()
                    .and_then(|d| snapshot.label(d, code))
                    .filter(|_| {
                        dim != Dim::Partner.as_str()
                            || snapshot.dims.partner_of_code(code).is_some_and(|ix| {
                                let id = snapshot.dims.partners[ix as usize].id;
                                visible.as_ref().is_none_or(|ids| ids.contains(&id))
                            })
                    });
                match key {
                    Some(k) => (dim.clone(), code.clone(), k.name_zh, k.name_en),
                    None => (dim.clone(), code.clone(), code.clone(), code.clone()),
                }
            })
            .collect())
    }

    /// Facts the engine holds per kind (the engine's status).
    pub async fn analytics_counts(
        &self,
        caller: &Caller,
    ) -> Result<std::collections::BTreeMap<&'static str, usize>, AppError> {
        caller.require(Permission::ViewAnalytics)?;
        Ok(self.analytics_snapshot().await?.counts())
    }
}

/// What a request for lines or stock flags selects, for the caller.
struct Selected {
    snapshot: Arc<Snapshot>,
    scope: Scope,
    query: Query,
}

/// A lines sort as `date`, `-amount`…; newest first when none is given.
fn line_sort(sort: Option<&str>) -> Result<(LineSort, bool), AppError> {
    Ok(match sort.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => LineSort::parse("sort", s)?,
        None => (LineSort::Date, true),
    })
}

/// The company's fiscal calendar; a start month outside 1–12 (which the
/// settings never store) counts as January.
fn fiscal_calendar(start: u32) -> FiscalCalendar {
    FiscalCalendar::new(start)
        .unwrap_or_else(|| FiscalCalendar::new(1).expect("January starts a year"))
}

fn read_engine_file(path: &Path) -> std::io::Result<Option<Stored>> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    Stored::read_from(&mut std::io::BufReader::with_capacity(1 << 20, file)).map(Some)
}

/// Writes beside the file and renames over it, so a reader (another
/// process starting) finds the old file or the new one, never half of one.
fn write_engine_file(snapshot: &Snapshot, path: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let part = PathBuf::from(format!("{}.{}.part", path.display(), std::process::id()));
    let written = (|| {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&part)?);
        snapshot.write_to(&mut out)?;
        out.flush()?;
        out.get_ref().sync_all()
    })();
    match written.and_then(|()| std::fs::rename(&part, path)) {
        Ok(()) => Ok(()),
        Err(err) => {
            let _ = std::fs::remove_file(&part);
            Err(err)
        }
    }
}

fn publish(engine: &Engine, update: Update) -> Result<(), AppError> {
    engine
        .publish(update)
        .map(|_| ())
        .map_err(|e| AppError::Internal(format!("engine: {e:?}")))
}

/// A query from URL-style pairs, as pages, the lines endpoint and the
/// command line write it: `measures` and `by` are comma-separated lists,
/// `period`, `from`, `to`, `compare`, `sort` and `limit` as named, and any
/// dimension's name filters by a comma-separated list of codes. Names the
/// model does not know are left for the page that owns them (paging,
/// language); `limit` that is not a number is an error naming it.
pub fn text_from_pairs(pairs: &[(String, String)]) -> Result<QueryText, AppError> {
    let list = |v: &str| -> Vec<String> {
        v.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let mut text = QueryText::default();
    for (name, value) in pairs {
        let value = value.trim();
        match name.as_str() {
            "measures" => text.measures.extend(list(value)),
            "by" => text.by.extend(list(value)),
            "period" => text.period = Some(value.to_owned()),
            "from" => text.from = Some(value.to_owned()),
            "to" => text.to = Some(value.to_owned()),
            "compare" => text.compare = Some(value.to_owned()),
            "sort" => text.sort = Some(value.to_owned()),
            "limit" if !value.is_empty() => {
                text.limit = Some(value.parse().map_err(|_| {
                    qudao_domain::error::Invalid::new(
                        "limit",
                        qudao_domain::error::Problem::Format { expected: "10" },
                    )
                })?);
            }
            other => {
                if let Ok(dim) = Dim::parse("filter", other)
                    && !dim.is_time()
                {
                    let codes = list(value);
                    if !codes.is_empty() {
                        text.filters.push((dim.as_str().to_owned(), codes));
                    }
                }
            }
        }
    }
    Ok(text)
}

/// A forecast of one measure, with the history it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForecastView {
    pub measure: Measure,
    /// The months of the history, oldest first, and their values.
    pub history: Vec<(qudao_domain::periods::Month, i64)>,
    pub next: Vec<(qudao_domain::periods::Month, i64)>,
    pub forecast: qudao_domain::forecast::Forecast,
}

/// Months of history a forecast is fitted on.
pub const FORECAST_HISTORY: i32 = 24;
/// Months ahead the analytics pages, API and CLI forecast.
pub const FORECAST_HORIZON: usize = 3;

impl Qudao {
    /// The next three months of `measure` for what the filters select (a
    /// partner, a region, a channel type…), fitted on the 24 full months
    /// before the current one, with its back-test error.
    pub async fn analytics_forecast(
        &self,
        caller: &Caller,
        measure: &str,
        text: &QueryText,
    ) -> Result<ForecastView, AppError> {
        self.forecast_months(caller, measure, text, FORECAST_HORIZON)
            .await
    }

    /// [`Qudao::analytics_forecast`] over the next `horizon` months (a
    /// target's projection reaches its period's end).
    pub(crate) async fn forecast_months(
        &self,
        caller: &Caller,
        measure: &str,
        text: &QueryText,
        horizon: usize,
    ) -> Result<ForecastView, AppError> {
        let measure = Measure::parse("measure", measure)?;
        let last = qudao_engine::month_number(qudao_domain::periods::Month::of(crate::today())) - 1;
        let first = last - FORECAST_HISTORY + 1;
        let text = QueryText {
            measures: vec![measure.as_str().to_owned()],
            by: vec![Dim::Month.as_str().to_owned()],
            period: None,
            from: Some(qudao_engine::month_of_number(first).to_string()),
            to: Some(qudao_engine::month_of_number(last).to_string()),
            compare: None,
            sort: None,
            limit: None,
            ..text.clone()
        };
        let answer = self.analytics_query(caller, &text).await?;
        let by_month: std::collections::HashMap<String, i64> = answer
            .rows
            .iter()
            .map(|r| (r.keys[0].code.clone(), r.values[0].unwrap_or(0)))
            .collect();
        // History starts at the first month with any figure: months before
        // a partner existed are not zeros it sold.
        let history: Vec<_> = (first..=last)
            .map(qudao_engine::month_of_number)
            .map(|m| (m, by_month.get(&m.to_string()).copied().unwrap_or(0)))
            .skip_while(|(_, v)| *v == 0)
            .collect();
        let values: Vec<i64> = history.iter().map(|(_, v)| *v).collect();
        let forecast = qudao_domain::forecast::forecast(&values, horizon);
        let next = (1..)
            .take(horizon)
            .map(|h| qudao_engine::month_of_number(last + h))
            .zip(forecast.next.iter().copied())
            .collect();
        Ok(ForecastView {
            measure,
            history,
            next,
            forecast,
        })
    }
}

/// The words of a lines export in the reader's language: twelve column
/// headers, and each fact kind's name.
#[derive(Debug, Clone)]
pub struct LinesExport {
    pub headers: Vec<String>,
    pub kinds: Vec<(String, String)>,
    pub chinese: bool,
}

impl Qudao {
    /// Every line behind one measure's number, written to `path` as xlsx in
    /// constant memory (see `export::sheet_to_file`). Answers how many.
    pub async fn analytics_export(
        &self,
        caller: &Caller,
        measure: &str,
        text: &QueryText,
        sort: Option<&str>,
        words: LinesExport,
        path: PathBuf,
    ) -> Result<usize, AppError> {
        use crate::export::Cell;
        let measure = Measure::parse("measure", measure)?;
        let sort = line_sort(sort)?;
        let Selected {
            snapshot,
            scope,
            query,
        } = self.analytics_selected(caller, text).await?;
        let company = snapshot.company_currency().to_owned();
        tokio::task::spawn_blocking(move || {
            let lines = snapshot.lines(measure, &query, &scope, sort)?;
            let minor = |amount: i64, currency: &str| {
                qudao_domain::money::Currency::parse(currency)
                    .map(|c| qudao_domain::money::Money::from_minor(amount, c).amount_text())
                    .ok()
            };
            let kind_name = |kind: Kind| {
                words
                    .kinds
                    .iter()
                    .find(|(k, _)| k == kind.as_str())
                    .map_or_else(|| kind.as_str().to_owned(), |(_, n)| n.clone())
            };
            let name = |k: &Key| {
                if words.chinese || k.name_en.is_empty() {
                    k.name_zh.clone()
                } else {
                    k.name_en.clone()
                }
            };
            let rows = lines.iter().map(|l| {
                vec![
                    Cell::Text(kind_name(l.kind)),
                    Cell::Date(Some(l.date)),
                    Cell::Text(l.partner.code.clone()),
                    Cell::Text(name(&l.partner)),
                    Cell::Text(
                        l.product
                            .as_ref()
                            .map(|p| p.code.clone())
                            .unwrap_or_default(),
                    ),
                    Cell::Text(l.product.as_ref().map(&name).unwrap_or_default()),
                    Cell::Text(l.region.as_ref().map(&name).unwrap_or_default()),
                    Cell::Number(l.qty),
                    Cell::Money(minor(l.amount, &company)),
                    Cell::Money(minor(l.written, &l.currency)),
                    Cell::Text(l.currency.clone()),
                    Cell::Text(
                        l.rate
                            .map(|r| r.normalize().to_string())
                            .unwrap_or_default(),
                    ),
                ]
            });
            crate::export::sheet_to_file("lines", &words.headers, rows, &path)?;
            Ok(lines.len())
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    }
}

impl Qudao {
    /// Overstocked and out-of-stock holdings (partner × product) as of the
    /// period's end or today, whichever is earlier, under the filters: the
    /// inventory pages' rules, counted by the engine.
    pub async fn analytics_stock_flags(
        &self,
        caller: &Caller,
        text: &QueryText,
    ) -> Result<(u64, u64), AppError> {
        let Selected {
            snapshot,
            scope,
            query,
        } = self.analytics_selected(caller, text).await?;
        let overstock_days = self.current_settings().await?.overstock_days;
        let as_of = qudao_engine::month_of_number(query.last)
            .last_day()
            .min(crate::today());
        let key = format!("{as_of} {overstock_days}|{scope:?}|{query:?}");
        self.kept(
            snapshot.generation,
            |a| &mut a.flags,
            key,
            move || snapshot.stock_flags(&query, &scope, as_of, overstock_days),
        )
        .await
    }

    /// Every holding in the caller's scope on `as_of`, with the last day
    /// within `recent_days` that sold (`Snapshot::stock_holdings`).
    pub(crate) async fn analytics_stock_holdings(
        &self,
        caller: &Caller,
        as_of: NaiveDate,
        recent_days: u32,
    ) -> Result<Holdings, AppError> {
        let text = QueryText {
            measures: vec![Measure::StockOnHand.as_str().to_owned()],
            period: Some(qudao_domain::periods::Month::of(as_of).to_string()),
            ..QueryText::default()
        };
        let Selected {
            snapshot,
            scope,
            query,
        } = self.analytics_selected(caller, &text).await?;
        Ok(tokio::task::spawn_blocking(move || {
            snapshot.stock_holdings(&query, &scope, as_of, recent_days)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??)
    }

    /// Partners that reported sell-through in any of the three months
    /// before the latest overdue month and not in it (`quality::
    /// latest_overdue`), under the filters: who stopped reporting.
    pub async fn analytics_silent(
        &self,
        caller: &Caller,
        text: &QueryText,
    ) -> Result<(qudao_domain::periods::Month, usize), AppError> {
        let month = qudao_domain::quality::latest_overdue(crate::today());
        let reported = async |from: qudao_domain::periods::Month| {
            let text = QueryText {
                measures: vec![Measure::SellThroughQty.as_str().to_owned()],
                by: vec![Dim::Partner.as_str().to_owned()],
                period: None,
                from: Some(from.to_string()),
                to: Some(
                    if from == month {
                        month
                    } else {
                        month.previous()
                    }
                    .to_string(),
                ),
                compare: None,
                sort: None,
                limit: None,
                ..text.clone()
            };
            self.analytics_query(caller, &text).await.map(|a| {
                a.rows
                    .into_iter()
                    .map(|r| r.keys[0].code.clone())
                    .collect::<std::collections::BTreeSet<_>>()
            })
        };
        let before = reported(month.previous().previous().previous()).await?;
        let now = reported(month).await?;
        Ok((month, before.difference(&now).count()))
    }
}
