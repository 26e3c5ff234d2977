//! Owner moves: a partner handed from one rep or manager to another on a
//! date (issue 11). `partners.owner_id` stays the current owner; every
//! change of it also writes a row of the partner's owner history
//! (`store::owner_moves`, written by the partner writers themselves), and
//! the check here decides the row's date: today unless the caller names
//! another (`owner_from`), never before the partner's last move, never in
//! the future, never in a month finance has closed.
//!
//! A rep's attainment credit comes from the engine's `owner` dimension,
//! which counts a partner's facts wholly to its current owner. That stays
//! the fast path for partners that never moved; for the few that did, the
//! engine's counting for them is taken back and their actual in the
//! period is handed out again by the days each owner held them
//! (`domain::owner_moves::credit`).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use qudao_domain::dates::{DateRange, parse_date};
use qudao_domain::owner_moves::{self as rules, OwnerSpan};
use qudao_domain::periods::Month;
use qudao_domain::targets::TargetMeasure;
use qudao_domain::{Invalid, Problem};
use qudao_store::owner_moves::{self as repo, OwnerMove};
use qudao_store::scope::Visible;
use qudao_store::{ConnectionTrait, WriteTx};
use serde::Serialize;

use crate::analytics::QueryText;
use crate::targets::{engine_measure, only_unknown_codes};
use crate::{AppError, Caller, Qudao, non_empty};

/// One span of a partner's owner history, as staff see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OwnerSpanView {
    /// Login of the owner; absent while nobody owned the partner.
    pub owner_login: Option<String>,
    pub owner_name: Option<String>,
    /// The first day the owner held the partner; absent on the first span
    /// when a later move was dated before it (the first owner held the
    /// partner from the beginning).
    pub from: Option<NaiveDate>,
    /// Login of who made the change.
    pub changed_by: String,
    pub changed_by_name: Option<String>,
    pub changed_at: DateTime<Utc>,
}

/// The history row a change of owner writes, once checked: `None` when the
/// owner stays (a date given with it then means nothing). `from` is the
/// `owner_from` text of a form or request, today when empty.
pub(crate) async fn owner_move<'a>(
    tx: &WriteTx,
    partner: &Visible,
    owner_id: Option<i64>,
    from: Option<&str>,
    changed_by: &'a str,
) -> Result<Result<Option<OwnerMove<'a>>, Invalid>, AppError> {
    if partner.row().owner_id == owner_id {
        return Ok(Ok(None));
    }
    let today = crate::today();
    let from = match non_empty(from) {
        None => today,
        Some(raw) => match parse_date("owner_from", raw) {
            Ok(day) => day,
            Err(invalid) => return Ok(Err(invalid)),
        },
    };
    let history = repo::of_partner(tx, partner).await?;
    // The first row is the partner's creation, not a move: a move may be
    // dated before it (a partner recorded after it was already served).
    let last_move = history
        .split_first()
        .and_then(|(_, moves)| moves.last())
        .map(|e| e.from_date);
    if let Err(invalid) = rules::check_move_date("owner_from", last_move, from, today) {
        return Ok(Err(invalid));
    }
    if let Err(invalid) = crate::periods::open_periods(tx)
        .await?
        .check("owner_from", from)
    {
        return Ok(Err(invalid));
    }
    Ok(Ok(Some(OwnerMove {
        owner_id,
        from,
        changed_by,
    })))
}

/// A partner's owner history with names, for staff.
pub(crate) async fn history_views(
    db: &impl ConnectionTrait,
    partner: &Visible,
) -> Result<Vec<OwnerSpanView>, AppError> {
    let rows = repo::of_partner(db, partner).await?;
    let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.owner_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let users = qudao_store::admin::logins_by_id(db, &ids).await?;
    let actors: Vec<String> = rows.iter().map(|r| r.changed_by.clone()).collect();
    let actor_names: HashMap<String, String> = qudao_store::admin::display_names(db, &actors)
        .await?
        .into_iter()
        .collect();
    let starts_later = |i: usize| {
        i == 0
            && rows
                .iter()
                .skip(1)
                .any(|later| later.from_date < rows[0].from_date)
    };
    Ok(rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let owner = row.owner_id.and_then(|id| users.get(&id));
            OwnerSpanView {
                owner_login: owner.map(|(login, _)| login.clone()),
                owner_name: owner.map(|(_, name)| name.clone()),
                from: (!starts_later(i)).then_some(row.from_date),
                changed_by: row.changed_by.clone(),
                changed_by_name: actor_names.get(&row.changed_by).cloned(),
                changed_at: row.changed_at,
            }
        })
        .collect())
}

impl Qudao {
    /// What the reps' credit for `measure` over the months `first..=last`
    /// must change by, by rep login, for the partners that moved: the
    /// engine's counting of each moved partner to its owner taken back,
    /// and the partner's actual handed out by the days each owner held it
    /// (exactly: the parts sum to the partner's actual). A rep present
    /// here has credit from a moved partner, even where the change nets to
    /// nothing. Empty when no partner's move touches the months.
    pub(crate) async fn moved_credit(
        &self,
        measure: TargetMeasure,
        line: Option<&str>,
        first: Month,
        last: Month,
    ) -> Result<HashMap<String, i64>, AppError> {
        let Some(engine) = engine_measure(measure) else {
            return Ok(HashMap::new());
        };
        let window = DateRange::new(first.first_day(), last.last_day(), "period")?;
        let mut histories: BTreeMap<i64, Vec<OwnerSpan>> = BTreeMap::new();
        for row in repo::of_moved_partners(self.db()).await? {
            histories
                .entry(row.partner_id)
                .or_default()
                .push(row.span());
        }
        // A partner its current owner held the whole window long is
        // counted right by the engine already.
        histories.retain(|_, spans| {
            let current = spans.last().and_then(|s| s.owner);
            let held = rules::days_held(spans, window);
            !(held.len() == 1 && held[0].0 == current)
        });
        if histories.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<i64> = histories.keys().copied().collect();
        let all = qudao_domain::scope::DataScope::All;
        let codes: HashMap<String, i64> = qudao_store::partners::names_of(self.db(), all, &ids)
            .await?
            .into_iter()
            .map(|(id, code, _)| (code, id))
            .collect();
        let mut owners: Vec<i64> = histories
            .values()
            .flatten()
            .filter_map(|s| s.owner)
            .collect();
        owners.sort_unstable();
        owners.dedup();
        let logins = qudao_store::admin::logins_by_id(self.db(), &owners).await?;
        let mut delta: HashMap<String, i64> = HashMap::new();
        let mut actual: HashMap<i64, i64> = HashMap::new();
        for (owner, partner, value) in self
            .counted_by_owner(engine, line, codes.keys().cloned().collect(), (first, last))
            .await?
        {
            if !owner.is_empty() {
                *delta.entry(owner).or_insert(0) -= value;
            }
            if let Some(id) = codes.get(&partner) {
                *actual.entry(*id).or_insert(0) += value;
            }
        }
        for (id, spans) in &histories {
            let amount = actual.get(id).copied().unwrap_or(0);
            for (owner, part) in rules::credit(amount, spans, window) {
                if let Some((login, _)) = owner.and_then(|o| logins.get(&o)) {
                    *delta.entry(login.clone()).or_insert(0) += part;
                }
            }
        }
        Ok(delta)
    }

    /// The engine's counting of `measure` for the partners `codes` over the
    /// months, as `(owner login, partner code, value)`; a partner or line
    /// the engine has not met has counted nothing.
    async fn counted_by_owner(
        &self,
        engine: &str,
        line: Option<&str>,
        mut codes: Vec<String>,
        (first, last): (Month, Month),
    ) -> Result<Vec<(String, String, i64)>, AppError> {
        // The engine names one code it has not met at a time; asked again
        // without it (partners created since its dimensions were read).
        loop {
            if codes.is_empty() {
                return Ok(Vec::new());
            }
            let mut filters = vec![("partner".to_owned(), codes.clone())];
            if let Some(line) = line {
                filters.push(("product_line".to_owned(), vec![line.to_owned()]));
            }
            let text = QueryText {
                measures: vec![engine.to_owned()],
                by: vec!["owner".to_owned(), "partner".to_owned()],
                from: Some(first.to_string()),
                to: Some(last.to_string()),
                filters,
                limit: Some(crate::analytics::MAX_LIMIT),
                ..QueryText::default()
            };
            match self
                .analytics_query(&Caller::system("targets"), &text)
                .await
            {
                Ok(answer) => {
                    return Ok(answer
                        .rows
                        .into_iter()
                        .filter_map(|row| {
                            let mut keys = row.keys.into_iter();
                            let owner = keys.next()?.code;
                            let partner = keys.next()?.code;
                            Some((owner, partner, row.values.first().copied().flatten()?))
                        })
                        .collect());
                }
                Err(AppError::Invalid(problems)) if only_unknown_codes(&problems) => {
                    let before = codes.len();
                    for problem in &problems {
                        if let Problem::Conflict { with, .. } = &problem.problem {
                            codes.retain(|c| c != with);
                        }
                    }
                    if codes.len() == before {
                        // The line is unknown: nothing was sold in it.
                        return Ok(Vec::new());
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }
}
