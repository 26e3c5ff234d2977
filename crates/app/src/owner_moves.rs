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
use qudao_domain::partners::Reason;
use qudao_domain::periods::{FiscalCalendar, Month};
use qudao_domain::targets::{
    self as target_rules, Amendment, TargetMeasure, TargetStatus, TargetValue, TargetVersion,
};
use qudao_domain::{Invalid, Problem};
use qudao_store::owner_moves::{self as repo, OwnerMove};
use qudao_store::scope::Visible;
use qudao_store::targets::{self as targets_repo, NewSubject, Subject, TargetKey, TargetRow};
use qudao_store::{Aggregate, ConnectionTrait, WriteTx};
use serde::Serialize;

use crate::analytics::QueryText;
use crate::scope::Area;
use crate::targets::{engine_measure, only_unknown_codes};
use crate::{AppError, Caller, Permission, Qudao, non_empty};

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

/// A rep target that a partner's move changes: the partner's own target
/// of the period, the part of it that follows the partner (its days from
/// the move), and both reps' figures before and after. Figures are in the
/// measure's unit (minor units for money).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RepTargetShift {
    pub period: String,
    pub measure: TargetMeasure,
    /// A product line's code; absent for every line.
    pub product_line: Option<String>,
    pub product_line_name: Option<String>,
    /// The partner's own top-down target of the period.
    pub partner_target: i64,
    /// What moves from the old rep's target to the new rep's.
    pub moving: i64,
    pub days_moving: i64,
    pub days_in_period: i64,
    pub from_target_id: i64,
    pub from_status: TargetStatus,
    pub from_before: i64,
    /// Absent when the old rep's target is smaller than what would leave
    /// it: nothing can move until a person sets it right.
    pub from_after: Option<i64>,
    /// Absent when the new rep has no target of the period: one is written.
    pub to_target_id: Option<i64>,
    pub to_before: Option<i64>,
    pub to_after: i64,
}

/// A partner's last change of owner and what it does to the two reps'
/// targets: to move (`shifts`), or moved already (`moved_at`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RepTargetMoves {
    pub partner_code: String,
    pub partner_name: String,
    /// The company's currency, for the money figures.
    pub currency: String,
    /// The last move's day; absent when the partner never changed owner.
    pub date: Option<NaiveDate>,
    pub from_login: Option<String>,
    pub from_name: Option<String>,
    pub to_login: Option<String>,
    pub to_name: Option<String>,
    /// When the move's rep targets were moved, by whom and why.
    pub moved_at: Option<DateTime<Utc>>,
    pub moved_by: Option<String>,
    pub moved_by_name: Option<String>,
    pub reason: Option<String>,
    /// What moving the targets changes; empty once they moved.
    pub shifts: Vec<RepTargetShift>,
}

impl RepTargetMoves {
    /// Whether the targets can move now: a move between two people, not
    /// yet applied, that changes at least one target, none of them short.
    pub fn can_move(&self) -> bool {
        self.moved_at.is_none()
            && self.from_login.is_some()
            && self.to_login.is_some()
            && !self.shifts.is_empty()
            && self.shifts.iter().all(|s| s.from_after.is_some())
    }
}

/// Why the rep targets of a partner's move are moved, as a person gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
pub struct RepTargetMoveInput {
    /// Kept with every amendment of an approved target, e.g.
    /// `改派 P00001 2026-09-15`.
    #[serde(default)]
    pub reason: String,
}

/// The last move of a history (its last row, when there is more than the
/// first) and the row before it, whose owner the move took over from.
fn last_move(history: &[repo::entry::Model]) -> Option<(&repo::entry::Model, &repo::entry::Model)> {
    match history {
        [.., before, last] => Some((last, before)),
        _ => None,
    }
}

/// The targets a move reads: the partner's own, the old rep's and the new
/// rep's, all top-down.
struct MoveTargets {
    partner: Vec<TargetRow>,
    from: Vec<TargetRow>,
    to: Vec<TargetRow>,
}

fn same_key(a: &TargetRow, b: &TargetRow) -> bool {
    a.key.period == b.key.period
        && a.key.measure == b.key.measure
        && a.key.product_line_id == b.key.product_line_id
}

/// For every target of the old rep in a period that has not ended before
/// the move, with a partner target of the same period, measure and line:
/// the part of the partner's target that follows it, and each rep's
/// figure before and after.
fn plan(
    targets: &MoveTargets,
    calendar: FiscalCalendar,
    switch: NaiveDate,
) -> Result<Vec<PlannedShift>, AppError> {
    let mut shifts = Vec::new();
    for from in &targets.from {
        if !from.key.measure.is_additive() {
            continue;
        }
        let days = target_rules::fiscal_days(from.key.period, calendar);
        if days.to() < switch {
            continue;
        }
        let Some(partner) = targets.partner.iter().find(|p| same_key(p, from)) else {
            continue;
        };
        let moving = rules::share_moving(partner.value, days, switch)?;
        if moving.amount() == 0 {
            continue;
        }
        let to = targets.to.iter().find(|t| same_key(t, from));
        let shifted = rules::shift_between_reps(from.value, to.map(|t| t.value), moving);
        shifts.push(PlannedShift {
            from: from.clone(),
            to: to.cloned(),
            partner: partner.value,
            moving,
            days_moving: (days.to() - switch.max(days.from())).num_days() + 1,
            days_in_period: target_rules::day_count(days),
            shifted,
        });
    }
    Ok(shifts)
}

/// One planned shift, with the rows it changes and the two reps' new
/// figures, or the domain's refusal of them (a preview shows it beside
/// its row).
struct PlannedShift {
    from: TargetRow,
    to: Option<TargetRow>,
    partner: TargetValue,
    moving: TargetValue,
    days_moving: i64,
    days_in_period: i64,
    shifted: Result<(TargetValue, TargetValue), Invalid>,
}

impl Qudao {
    /// A partner's last change of owner and what moving the rep targets
    /// with it changes, for a manager who approves targets.
    pub async fn rep_target_moves(
        &self,
        caller: &Caller,
        partner_code: &str,
    ) -> Result<RepTargetMoves, AppError> {
        caller.require(Permission::ApproveTargets)?;
        let partner = self
            .visible(self.db(), caller, Area::Targets, partner_code)
            .await?;
        self.rep_target_moves_of(self.db(), &partner).await
    }

    /// The same for the partner page, which holds the partner already.
    /// `None` for callers who do not approve targets and for partners
    /// that never changed owner.
    pub async fn rep_target_moves_shown(
        &self,
        caller: &Caller,
        shown: &crate::Shown,
    ) -> Result<Option<RepTargetMoves>, AppError> {
        if !caller.can(Permission::ApproveTargets) {
            return Ok(None);
        }
        let partner = shown.within(caller, Area::Targets)?;
        let moves = self.rep_target_moves_of(self.db(), partner).await?;
        Ok(moves.date.is_some().then_some(moves))
    }

    async fn rep_target_moves_of(
        &self,
        db: &impl ConnectionTrait,
        partner: &Visible,
    ) -> Result<RepTargetMoves, AppError> {
        let settings = self.current_settings().await?;
        let history = repo::of_partner(db, partner).await?;
        let mut view = RepTargetMoves {
            partner_code: partner.row().code.clone(),
            partner_name: partner.row().name.clone(),
            currency: settings.currency.as_str().to_owned(),
            date: None,
            from_login: None,
            from_name: None,
            to_login: None,
            to_name: None,
            moved_at: None,
            moved_by: None,
            moved_by_name: None,
            reason: None,
            shifts: Vec::new(),
        };
        let Some((last, before)) = last_move(&history) else {
            return Ok(view);
        };
        view.date = Some(last.from_date);
        let ids: Vec<i64> = [before.owner_id, last.owner_id]
            .into_iter()
            .flatten()
            .collect();
        let users = qudao_store::admin::logins_by_id(db, &ids).await?;
        let person = |id: Option<i64>| id.and_then(|id| users.get(&id)).cloned().unzip();
        (view.from_login, view.from_name) = person(before.owner_id);
        (view.to_login, view.to_name) = person(last.owner_id);
        if let Some(done) = repo::targets_moved(db, last.id).await? {
            view.moved_by_name =
                qudao_store::admin::display_names(db, std::slice::from_ref(&done.moved_by))
                    .await?
                    .pop()
                    .map(|(_, name)| name);
            view.moved_at = Some(done.moved_at);
            view.moved_by = Some(done.moved_by);
            view.reason = Some(done.reason);
            return Ok(view);
        }
        let (Some(from), Some(to)) = (before.owner_id, last.owner_id) else {
            return Ok(view);
        };
        let version = TargetVersion::TopDown;
        let targets = MoveTargets {
            partner: targets_repo::of_subject(db, Subject::Partner(partner.id().0), version)
                .await?,
            from: targets_repo::of_subject(db, Subject::Rep(from), version).await?,
            to: targets_repo::of_subject(db, Subject::Rep(to), version).await?,
        };
        let lines: HashMap<i64, (String, String)> = qudao_store::catalog::lines(db)
            .await?
            .into_iter()
            .map(|l| (l.id, (l.code, l.name_zh)))
            .collect();
        let calendar = crate::targets::fiscal(settings.fiscal_year_start);
        for rows in plan(&targets, calendar, last.from_date)? {
            let line = rows.from.key.product_line_id.and_then(|id| lines.get(&id));
            let after = rows.shifted.as_ref().ok().copied();
            view.shifts.push(RepTargetShift {
                period: rows.from.key.period.to_string(),
                measure: rows.from.key.measure,
                product_line: line.map(|(code, _)| code.clone()),
                product_line_name: line.map(|(_, name)| name.clone()),
                partner_target: rows.partner.amount(),
                moving: rows.moving.amount(),
                days_moving: rows.days_moving,
                days_in_period: rows.days_in_period,
                from_target_id: rows.from.id,
                from_status: rows.from.status,
                from_before: rows.from.value.amount(),
                from_after: after.map(|(old, _)| old.amount()),
                to_target_id: rows.to.as_ref().map(|t| t.id),
                to_before: rows.to.as_ref().map(|t| t.value.amount()),
                to_after: after.map_or_else(
                    || rows.to.as_ref().map_or(0, |t| t.value.amount()) + rows.moving.amount(),
                    |(_, new)| new.amount(),
                ),
            });
        }
        Ok(view)
    }

    /// Moves the rep targets with a partner's last change of owner: for
    /// each period not ended before the move, the partner's own target's
    /// share from the move day leaves the old rep's target and joins the
    /// new rep's (written as a draft beside the old one's parent, and in
    /// force when the old one was, if the new rep had none). A draft
    /// changes in place; an approved target by an amendment with
    /// `reason`. The two reps' figures add up as before, so the cascade
    /// above them still does. Once per move.
    pub async fn move_rep_targets(
        &self,
        caller: &Caller,
        partner_code: &str,
        input: &RepTargetMoveInput,
    ) -> Result<RepTargetMoves, AppError> {
        caller.require(Permission::ApproveTargets)?;
        let settings = self.current_settings().await?;
        let reason = Reason::parse(&input.reason)?;
        let tx = self.write().await?;
        tx.lock(Aggregate::Targets).await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Targets, partner_code)
            .await?;
        let history = repo::of_partner(&tx, &partner).await?;
        let (last, before) =
            last_move(&history).ok_or_else(|| rule("partner", "partner_never_moved"))?;
        if repo::targets_moved(&tx, last.id).await?.is_some() {
            return Err(rule("partner", "rep_targets_already_moved").into());
        }
        let (Some(from), Some(to)) = (before.owner_id, last.owner_id) else {
            return Err(rule("partner", "owner_move_without_rep").into());
        };
        let version = TargetVersion::TopDown;
        let targets = MoveTargets {
            partner: targets_repo::of_subject_for_write(
                &tx,
                Subject::Partner(partner.id().0),
                version,
            )
            .await?,
            from: targets_repo::of_subject_for_write(&tx, Subject::Rep(from), version).await?,
            to: targets_repo::of_subject_for_write(&tx, Subject::Rep(to), version).await?,
        };
        let calendar = crate::targets::fiscal(settings.fiscal_year_start);
        let planned = plan(&targets, calendar, last.from_date)?;
        if planned.is_empty() {
            return Err(rule("partner", "no_rep_targets_affected").into());
        }
        let mut changed = Vec::new();
        for rows in planned {
            let (old, new) = rows.shifted.clone()?;
            self.set_rep_figure(&tx, &rows.from, old, &reason, &caller.login)
                .await?;
            let to_id = match &rows.to {
                Some(row) => {
                    self.set_rep_figure(&tx, row, new, &reason, &caller.login)
                        .await?;
                    row.id
                }
                None => {
                    let key = TargetKey {
                        subject: Subject::Rep(to),
                        ..rows.from.key
                    };
                    let row = targets_repo::insert(
                        &tx,
                        &key,
                        NewSubject::Rep(to),
                        new,
                        rows.from.parent_id,
                        &caller.login,
                    )
                    .await?;
                    if rows.from.status == TargetStatus::Approved {
                        targets_repo::set_status(&tx, row.id, TargetStatus::Approved).await?;
                    }
                    row.id
                }
            };
            changed.push(serde_json::json!({
                "period": rows.from.key.period.to_string(),
                "measure": rows.from.key.measure.as_str(),
                "moving": rows.moving.amount(),
                "from_target": rows.from.id, "from_after": old.amount(),
                "to_target": to_id, "to_after": new.amount(),
            }));
        }
        repo::record_targets_moved(&tx, last, reason.as_str(), &caller.login).await?;
        self.audit(
            &tx,
            caller,
            "partner",
            &partner.row().code,
            "move_rep_targets",
            None,
            Some(&serde_json::json!({
                "date": last.from_date, "reason": reason.as_str(), "targets": changed,
            })),
        )
        .await?;
        crate::commit(tx).await?;
        self.rep_target_moves_of(self.db(), &partner).await
    }

    /// A rep target's new figure: a draft in place, an approved one by an
    /// amendment with the move's reason.
    async fn set_rep_figure(
        &self,
        tx: &WriteTx,
        row: &TargetRow,
        value: TargetValue,
        reason: &Reason,
        by: &str,
    ) -> Result<(), AppError> {
        if row.value == value {
            return Ok(());
        }
        match row.status {
            TargetStatus::Approved => {
                let amendment = Amendment::new(row.value, value, reason.as_str())?;
                targets_repo::amend(tx, row.id, &amendment, by).await?;
            }
            TargetStatus::Draft => {
                targets_repo::update_value(tx, row.id, value, row.parent_id).await?;
            }
        }
        Ok(())
    }
}

fn rule(field: &'static str, rule: &'static str) -> Invalid {
    Invalid::new(field, Problem::Rule { rule })
}
