//! Month targets (月度分解): a year or quarter target spread over its
//! months by a named seasonal profile or by last year's shape from the
//! fact engine, for one target or for every partner target cascaded from
//! it (one write, bulk inserts: a full-year split to 10,000 partners is
//! 120,000 rows), and the 12-month strip with attainment per month.
//!
//! A month target is an ordinary target of the same subject, measure,
//! line and version in one of the period's months; it is found by that
//! key and is no child in the cascade tree, so the year target can still
//! be cascaded to partners (whose months are split in turn).

use std::collections::HashMap;

use serde::Serialize;

use qudao_domain::error::{Invalid, Problem};
use qudao_domain::periods::{Month, Period};
use qudao_domain::target_months::{heaviest_month, last_year_shape};
use qudao_domain::targets::{
    self as rules, Attainment, Bands, Seasonality, SubjectType, TargetStatus,
};
use qudao_store::Aggregate;
use qudao_store::target_months::{self as repo, NewMonth};
use qudao_store::targets::{self as targets_repo, Subject, TargetRow};

use crate::analytics::QueryText;
use crate::targets::{
    TargetView, engine_filter, engine_measure, fiscal, only_unknown_codes, year_before,
};
use crate::{AppError, Caller, Permission, Qudao, non_empty};

/// How to spread a target over its months.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SplitMonthsInput {
    /// A seasonal profile's code; empty when `last_year`.
    pub profile: Option<String>,
    /// Each subject's own actuals per month a year earlier, from the engine.
    pub last_year: bool,
    /// Split every partner target cascaded (at any depth) from this one
    /// instead of this target itself.
    pub all_below: bool,
    /// The month taking the rounding remainder (`2026-12`); each subject's
    /// heaviest month of the shape when empty.
    pub remainder_to: Option<String>,
}

/// What a split wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SplitMonthsView {
    /// The target named (the root of an `all_below` split).
    pub target: TargetView,
    /// How many targets were spread over their months.
    pub targets: usize,
    /// Month targets written new, and drafts whose figure was replaced.
    pub created: usize,
    pub replaced: usize,
}

/// A seasonal profile as people read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileView {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// Each calendar month's percent in basis points, January first.
    pub basis_points: Vec<i64>,
}

/// One month of a target's strip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthCell {
    /// `2026-07`.
    pub month: String,
    pub target: Option<TargetView>,
    /// The engine's actual for the month, up to this month; `None` for a
    /// month to come or a measure the engine cannot count.
    pub actual: Option<i64>,
    pub attainment: Option<Attainment>,
}

/// A year or quarter target with its months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthStrip {
    pub target: TargetView,
    /// The period's months in order (empty for a month target).
    pub months: Vec<MonthCell>,
    /// The target − its month targets' sum, when it has any.
    pub unallocated: Option<i64>,
}

fn rule(field: &'static str, rule: &'static str) -> Invalid {
    Invalid::new(field, Problem::Rule { rule })
}

fn conflict(field: &'static str, rule: &'static str, with: String) -> Invalid {
    Invalid::new(field, Problem::Conflict { rule, with })
}

/// Subject code → last year's shape by calendar month.
type Shapes = HashMap<String, [i64; 12]>;

impl Qudao {
    /// The seasonal profiles a split can use.
    pub async fn seasonal_profiles(&self, caller: &Caller) -> Result<Vec<ProfileView>, AppError> {
        caller.require(Permission::ViewTargets)?;
        Ok(repo::profiles(self.db())
            .await?
            .into_iter()
            .map(|p| ProfileView {
                basis_points: (1..=12)
                    .map(|m| p.profile.percent(m).basis_points())
                    .collect(),
                code: p.code,
                name: p.name,
                name_en: p.name_en,
            })
            .collect())
    }

    /// Spreads a year or quarter target (or, with `all_below`, every
    /// partner target cascaded from it) over its months so that each
    /// target's months sum to it exactly. Month targets are drafts, written
    /// new or their draft figure replaced; an approved one is refused
    /// (`split_month_locked`) and nothing is written. One audit record
    /// for the whole split.
    pub async fn split_months(
        &self,
        caller: &Caller,
        id: i64,
        input: &SplitMonthsInput,
    ) -> Result<SplitMonthsView, AppError> {
        caller.require(Permission::ManageTargets)?;
        let settings = self.current_settings().await?;
        let calendar = fiscal(settings.fiscal_year_start);
        let profile = match (non_empty(input.profile.as_deref()), input.last_year) {
            (Some(_), true) => {
                return Err(rule("profile", "split_months_profile_or_last_year").into());
            }
            (None, false) => return Err(Invalid::new("profile", Problem::Required).into()),
            (None, true) => None,
            (Some(code), false) => Some(
                repo::profile_by_code(self.db(), code)
                    .await?
                    .ok_or_else(|| {
                        conflict("profile", "seasonal_profile_unknown", code.to_owned())
                    })?,
            ),
        };
        let remainder_to = non_empty(input.remainder_to.as_deref())
            .map(|m| Month::parse("remainder_to", m))
            .transpose()?;
        let reach = Self::target_reach(caller);
        let root_seen = targets_repo::by_id(self.db(), reach, id)
            .await?
            .ok_or(AppError::NotFound("target"))?;
        if matches!(root_seen.key.period, Period::Month(_)) {
            return Err(rule("target", "split_months_of_a_month").into());
        }
        if !root_seen.key.measure.is_additive() {
            return Err(rule("target", "cascade_not_additive").into());
        }
        let months = rules::fiscal_months(root_seen.key.period, calendar);
        if let Some(month) = remainder_to
            && !months.contains(&month)
        {
            return Err(conflict(
                "remainder_to",
                "split_months_remainder_outside",
                root_seen.key.period.to_string(),
            )
            .into());
        }
        // Last year's facts come from the engine, before the write begins
        // (it does not need the lock): one question for every subject.
        let shapes = if profile.is_none() {
            let sources = if input.all_below {
                repo::below(self.db(), reach, root_seen.id, SubjectType::Partner).await?
            } else {
                vec![root_seen.clone()]
            };
            let views = self
                .target_views(self.db(), settings.currency, sources)
                .await?;
            self.last_year_shapes(&root_seen, &views, calendar).await?
        } else {
            Shapes::new()
        };

        let tx = self.write().await?;
        tx.lock(Aggregate::Targets).await?;
        let root = targets_repo::by_id_for_write(&tx, reach, id)
            .await?
            .ok_or(AppError::NotFound("target"))?;
        // Every target cascaded from the root shares its period, measure,
        // line and version.
        let sources: Vec<TargetRow> = if input.all_below {
            repo::below(&tx, reach, root.id, SubjectType::Partner)
                .await?
                .into_iter()
                .filter(|r| {
                    r.key.period == root.key.period
                        && r.key.measure == root.key.measure
                        && r.key.product_line_id == root.key.product_line_id
                        && r.key.version == root.key.version
                })
                .collect()
        } else {
            vec![root.clone()]
        };
        if sources.is_empty() {
            return Err(rule("all_below", "split_months_nothing_below").into());
        }
        // A subject's code finds its shape of last year; a profile split
        // needs codes only to name a subject in an error, so it reads none
        // of its thousands of partners' names.
        let codes: HashMap<Subject, String> = if profile.is_none() {
            self.target_views(&tx, settings.currency, sources.clone())
                .await?
                .into_iter()
                .zip(&sources)
                .map(|(view, source)| (source.key.subject, view.subject_code))
                .collect()
        } else {
            HashMap::new()
        };
        let mut planned = Vec::with_capacity(sources.len() * months.len());
        for source in &sources {
            let shape = match &profile {
                Some(p) => Seasonality::Profile(p.profile.clone()),
                None => Seasonality::LastYear(
                    codes
                        .get(&source.key.subject)
                        .and_then(|code| shapes.get(code))
                        .copied()
                        .unwrap_or([0; 12]),
                ),
            };
            let split = match remainder_to
                .or_else(|| heaviest_month(source.key.period, calendar, &shape))
            {
                Some(remainder) => rules::split_into_months(
                    source.value,
                    source.key.period,
                    calendar,
                    &shape,
                    remainder,
                ),
                None => Err(rule("profile", "cascade_no_history")),
            };
            let split = match split {
                Ok(split) => split,
                Err(e) => {
                    let code = self.subject_code(&tx, &codes, source).await?;
                    return Err(match e.problem {
                        Problem::Rule {
                            rule: "cascade_no_history",
                        } => conflict("profile", "split_months_no_history", code),
                        Problem::Rule {
                            rule: "cascade_remainder_child_has_no_share",
                        } => conflict("remainder_to", "split_months_remainder_no_share", code),
                        _ => e,
                    }
                    .into());
                }
            };
            for (month, value) in split {
                planned.push(NewMonth {
                    of: source,
                    month,
                    value,
                });
            }
        }
        let subjects: Vec<_> = sources.iter().map(|s| s.key.subject).collect();
        let existing = repo::months_for_write(&tx, &root.key, &subjects, &months).await?;
        let (mut new, mut replaced) = (Vec::new(), Vec::new());
        for month in planned {
            match existing.get(&(month.of.key.subject, month.month)) {
                None => new.push(month),
                Some(row) if row.status == TargetStatus::Approved => {
                    let code = self.subject_code(&tx, &codes, month.of).await?;
                    let with = if code.is_empty() {
                        month.month.to_string()
                    } else {
                        format!("{code} {}", month.month)
                    };
                    return Err(conflict("target", "split_month_locked", with).into());
                }
                Some(row) => replaced.push((row.id, month.value)),
            }
        }
        repo::insert_months(&tx, &root.key, &new, &caller.login).await?;
        repo::update_values(&tx, &replaced).await?;
        let target = self
            .target_views(&tx, settings.currency, vec![root.clone()])
            .await?
            .pop()
            .ok_or(AppError::NotFound("target"))?;
        let view = SplitMonthsView {
            target,
            targets: sources.len(),
            created: new.len(),
            replaced: replaced.len(),
        };
        self.audit(
            &tx,
            caller,
            "target",
            &root.id.to_string(),
            "split_months",
            None,
            Some(&serde_json::json!({
                "profile": profile.as_ref().map(|p| p.code.clone()),
                "last_year": input.last_year,
                "all_below": input.all_below,
                "remainder_to": remainder_to.map(|m| m.to_string()),
                "targets": view.targets,
                "created": view.created,
                "replaced": view.replaced,
            })),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// The code of a target's subject, from `codes` when there (empty for
    /// the company).
    async fn subject_code(
        &self,
        tx: &impl qudao_store::ConnectionTrait,
        codes: &HashMap<Subject, String>,
        row: &TargetRow,
    ) -> Result<String, AppError> {
        if let Some(code) = codes.get(&row.key.subject) {
            return Ok(code.clone());
        }
        let currency = self.current_settings().await?.currency;
        Ok(self
            .target_views(tx, currency, vec![row.clone()])
            .await?
            .pop()
            .map(|v| v.subject_code)
            .unwrap_or_default())
    }

    /// Each subject's actuals per calendar month in the year before the
    /// root's period, one engine question split by subject type and month
    /// (asked month by month only when the answer would exceed the
    /// engine's row limit).
    async fn last_year_shapes(
        &self,
        root: &TargetRow,
        views: &[TargetView],
        calendar: qudao_domain::periods::FiscalCalendar,
    ) -> Result<Shapes, AppError> {
        let mut shapes = Shapes::new();
        let Some(engine) = engine_measure(root.key.measure) else {
            return Ok(shapes);
        };
        let line = self.line_code(root.key.product_line_id).await?;
        let months = rules::fiscal_months(year_before(root.key.period), calendar);
        let mut kinds: HashMap<SubjectType, Vec<&TargetView>> = HashMap::new();
        for view in views {
            kinds.entry(view.subject_type).or_default().push(view);
        }
        for (subject_type, members) in kinds {
            match subject_type {
                SubjectType::Company | SubjectType::Region => {
                    for view in members {
                        let filter = engine_filter(view.subject_type, &view.subject_code);
                        let per_month = self
                            .engine_months(engine, None, filter, line.as_deref(), &months)
                            .await?;
                        shapes.insert(
                            view.subject_code.clone(),
                            last_year_shape(per_month.into_iter().map(|((_, m), v)| (m, v))),
                        );
                    }
                }
                _ => {
                    let by = engine_filter(subject_type, "").map(|(dim, _)| dim);
                    let per_month = self
                        .engine_months(engine, by, None, line.as_deref(), &months)
                        .await?;
                    let mut by_code: HashMap<String, Vec<(Month, i64)>> = HashMap::new();
                    for ((code, month), value) in per_month {
                        by_code.entry(code).or_default().push((month, value));
                    }
                    for view in members {
                        if let Some(actuals) = by_code.remove(&view.subject_code) {
                            shapes.insert(view.subject_code.clone(), last_year_shape(actuals));
                        }
                    }
                }
            }
        }
        Ok(shapes)
    }

    /// One engine measure over `months`, by month and (when `by` is given)
    /// by that dimension: (code, month) → number; the code is empty
    /// without `by`. Asked as the system, like every target's actual.
    async fn engine_months(
        &self,
        engine: &str,
        by: Option<String>,
        filter: Option<(String, String)>,
        line: Option<&str>,
        months: &[Month],
    ) -> Result<HashMap<(String, Month), i64>, AppError> {
        let mut filters: Vec<(String, Vec<String>)> = filter
            .into_iter()
            .map(|(dim, code)| (dim, vec![code]))
            .collect();
        if let Some(line) = line {
            filters.push(("product_line".to_owned(), vec![line.to_owned()]));
        }
        let ask = |from: Month, to: Month| {
            let text = QueryText {
                measures: vec![engine.to_owned()],
                by: by.iter().cloned().chain(["month".to_owned()]).collect(),
                from: Some(from.to_string()),
                to: Some(to.to_string()),
                filters: filters.clone(),
                limit: Some(crate::analytics::MAX_LIMIT),
                ..QueryText::default()
            };
            async move {
                match self
                    .analytics_query(&Caller::system("targets"), &text)
                    .await
                {
                    Ok(answer) => Ok(Some(answer)),
                    // A code the engine has not met has sold nothing.
                    Err(AppError::Invalid(problems)) if only_unknown_codes(&problems) => Ok(None),
                    Err(e) => Err(e),
                }
            }
        };
        let mut found = HashMap::new();
        let Some((&first, &last)) = months.first().zip(months.last()) else {
            return Ok(found);
        };
        let whole = ask(first, last).await?;
        let answers = match whole {
            Some(answer) if answer.groups > answer.rows.len() => {
                let mut each = Vec::with_capacity(months.len());
                for month in months {
                    each.extend(ask(*month, *month).await?);
                }
                each
            }
            whole => whole.into_iter().collect(),
        };
        for answer in answers {
            for row in answer.rows {
                let mut keys = row.keys.into_iter();
                let code = if by.is_some() {
                    keys.next().map(|k| k.code).unwrap_or_default()
                } else {
                    String::new()
                };
                let Some(Ok(Period::Month(month))) =
                    keys.next().map(|k| Period::parse("month", &k.code))
                else {
                    continue;
                };
                let value = row.values.first().copied().flatten().unwrap_or(0);
                *found.entry((code, month)).or_insert(0) += value;
            }
        }
        Ok(found)
    }

    /// A target with its months: each month's target (if set), the
    /// engine's actual and the attainment, and what the months leave of
    /// the target.
    pub async fn target_months(&self, caller: &Caller, id: i64) -> Result<MonthStrip, AppError> {
        caller.require(Permission::ViewTargets)?;
        let settings = self.current_settings().await?;
        let calendar = fiscal(settings.fiscal_year_start);
        let reach = Self::target_reach(caller);
        let row = targets_repo::by_id(self.db(), reach, id)
            .await?
            .ok_or(AppError::NotFound("target"))?;
        let months = match row.key.period {
            Period::Month(_) => Vec::new(),
            period => rules::fiscal_months(period, calendar),
        };
        let month_rows = repo::months_of(self.db(), reach, &row.key, &months).await?;
        let mut rows = vec![row.clone()];
        rows.extend(month_rows);
        let mut views = self
            .target_views(self.db(), settings.currency, rows)
            .await?
            .into_iter();
        let target = views.next().ok_or(AppError::NotFound("target"))?;
        let by_month: HashMap<String, TargetView> = views.map(|v| (v.period.clone(), v)).collect();
        let now = Month::of(crate::today());
        let actuals = match engine_measure(target.measure) {
            Some(engine) if months.first().is_some_and(|m| *m <= now) => {
                let counted: Vec<Month> = months.iter().copied().filter(|m| *m <= now).collect();
                let line = target.product_line.as_deref();
                let filter = engine_filter(target.subject_type, &target.subject_code);
                self.engine_months(engine, None, filter, line, &counted)
                    .await?
                    .into_iter()
                    .map(|((_, m), v)| (m, v))
                    .collect()
            }
            _ => HashMap::new(),
        };
        let counts = engine_measure(target.measure).is_some();
        let cells: Vec<MonthCell> = months
            .iter()
            .map(|month| {
                let target = by_month.get(&month.to_string()).cloned();
                let actual =
                    (counts && *month <= now).then(|| actuals.get(month).copied().unwrap_or(0));
                let attainment = target
                    .as_ref()
                    .zip(actual)
                    .map(|(t, a)| Attainment::new(t.value, a, Bands::default()));
                MonthCell {
                    month: month.to_string(),
                    target,
                    actual,
                    attainment,
                }
            })
            .collect();
        let set: Vec<i64> = cells
            .iter()
            .filter_map(|c| c.target.as_ref().map(|t| t.value))
            .collect();
        let unallocated = (!set.is_empty() && target.measure.is_additive())
            .then(|| target.value - set.iter().sum::<i64>());
        Ok(MonthStrip {
            target,
            months: cells,
            unallocated,
        })
    }
}
