//! Targets (目标): setting a target for a subject and period, listing a
//! period's targets as the cascade's tree, splitting a parent into its
//! children (by amounts, percents or last year's share from the fact
//! engine), approving (which locks), amending an approved target with a
//! reason, and attainment to date. The arithmetic is `domain::targets`;
//! this module finds the subjects, keeps the scope and writes.
//!
//! Who sees what: a partner's target is partner-owned and follows the data
//! scope (a partner its own organisation's, a rep the partners it covers);
//! targets of the company, channels, regions and reps are planning figures
//! that admins, managers and finance see, and a rep sees its own.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use qudao_domain::admin::Role;
use qudao_domain::error::{Invalid, Problem};
use qudao_domain::money::{Currency, Money};
use qudao_domain::partners::PartnerType;
use qudao_domain::periods::{FiscalCalendar, Month, Period};
use qudao_domain::targets::{
    self as rules, Amendment, Attainment, Bands, NeededPerDay, SplitBy, SplitPercent, SubjectType,
    TargetMeasure, TargetStatus, TargetValue, TargetVersion,
};
use qudao_store::Aggregate;
use qudao_store::scope::Visible;
use qudao_store::targets::{
    self as repo, Internal, NewSubject, Reach, Subject, TargetFilter, TargetKey, TargetRow,
};
use qudao_store::{ConnectionTrait, WriteTx};

use crate::analytics::QueryText;
use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Permission, Qudao, non_empty};

/// A target as a person or a file gives it. The subject code is a partner
/// type word for a channel, a region code, a partner code or a rep's
/// login; empty for the company.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetInput {
    /// `2026`, `2026-Q3` or `2026-07` (years and quarters are fiscal).
    pub period: String,
    /// `company`, `channel`, `region`, `partner` or `rep`.
    pub subject_type: String,
    pub subject_code: Option<String>,
    pub measure: String,
    /// A product line code; empty for every line.
    pub product_line: Option<String>,
    /// `12345.67` for money, `120` for counts, `80` (percent) for coverage.
    pub value: String,
    /// `top_down` (the default) or `bottom_up`.
    pub version: Option<String>,
}

/// One child of a cascade: its subject and, for amounts and percents,
/// its part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CascadeChild {
    pub subject_type: String,
    pub subject_code: String,
    /// The amount (`by = amounts`) or percent (`by = percents`); unused
    /// for `last_year`.
    pub part: Option<String>,
}

/// How to split a parent target among its children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CascadeInput {
    /// `amounts`, `percents` or `last_year`.
    pub by: String,
    pub children: Vec<CascadeChild>,
    /// The subject code of the child that takes the rounding remainder
    /// (required for `percents` and `last_year`).
    pub remainder_to: Option<String>,
    /// Keep children that do not add up to the parent, as a draft with
    /// the gap reported.
    pub draft: bool,
}

/// A change of an approved target's figure, with why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AmendInput {
    pub value: String,
    pub reason: String,
}

/// A target as people and programs read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetView {
    pub id: i64,
    pub period: String,
    pub subject_type: SubjectType,
    /// The partner type word, region code, partner code or rep login;
    /// empty for the company.
    pub subject_code: String,
    /// The region's, partner's or rep's name; empty otherwise.
    pub subject_name: String,
    pub measure: TargetMeasure,
    pub product_line: Option<String>,
    /// The figure in the measure's unit (minor units for money, basis
    /// points for coverage).
    pub value: i64,
    /// The figure as files and the API write it (`12345.67`, `120`, `80.00`).
    pub value_text: String,
    pub version: TargetVersion,
    pub status: TargetStatus,
    pub parent_id: Option<i64>,
}

/// A target with the targets cascaded from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetNode {
    pub target: TargetView,
    /// What the children leave of the parent (parent − their sum) for an
    /// additive measure with children; 0 when the cascade adds up.
    pub unallocated: Option<i64>,
    pub children: Vec<TargetNode>,
}

/// What a cascade wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CascadeView {
    pub parent: TargetView,
    pub children: Vec<TargetView>,
    /// Parent − the children's sum: non-zero only for a draft.
    pub unallocated: i64,
}

/// A logged change of an approved target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AmendmentView {
    pub old_value: i64,
    pub new_value: i64,
    pub reason: String,
    /// Who amended it, by login and by name (both empty for a partner).
    pub by: String,
    pub by_name: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Actual to date against one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttainmentNode {
    pub target: TargetView,
    /// `None` where the engine has no actual for the measure yet (outlet
    /// coverage needs each region's planned outlets).
    pub attainment: Option<Attainment>,
    pub needed_per_day: Option<NeededPerDay>,
    /// As in [`TargetNode::unallocated`].
    pub unallocated: Option<i64>,
    /// A rep's actual includes shares of partners that moved between reps
    /// in the period, prorated by days (`app::owner_moves`).
    pub prorated: bool,
    pub children: Vec<AttainmentNode>,
}

/// Where a target is heading: its attainment at period end if the
/// forecast of the analytics area comes true for the months left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Projection {
    pub attainment: Attainment,
    /// What the forecast adds for each month left: for the current month,
    /// the month's forecast less what it has counted so far (never below 0).
    pub months: Vec<(Month, i64)>,
}

/// What [`Qudao::put_in_force`] did.
pub(crate) struct InForce {
    pub id: i64,
    /// The figure the target held before, if it existed.
    pub replaced: Option<TargetValue>,
    pub amended: bool,
}

/// The largest number of children one cascade writes.
pub const MAX_CHILDREN: usize = 10_000;

fn invalid(field: &'static str, problem: Problem) -> Invalid {
    Invalid::new(field, problem)
}

fn unknown(field: &'static str, code: &str) -> Invalid {
    invalid(
        field,
        Problem::Conflict {
            rule: "target_subject_unknown",
            with: code.to_owned(),
        },
    )
}

/// The engine's measure behind a target measure; `None` where the engine
/// cannot count it yet.
pub(crate) fn engine_measure(measure: TargetMeasure) -> Option<&'static str> {
    match measure {
        TargetMeasure::SellInAmount => Some("sell_in_amount"),
        TargetMeasure::SellThroughAmount => Some("sell_through_amount"),
        // Units we shipped, as sell-in is what the brand plans.
        TargetMeasure::Quantity => Some("sell_in_qty"),
        TargetMeasure::Collections => Some("collections"),
        TargetMeasure::NewPartners => Some("new_partners"),
        TargetMeasure::NewRegions => Some("new_customer_regions"),
        TargetMeasure::OutletCoverage => None,
    }
}

pub(crate) fn fiscal(start: u32) -> FiscalCalendar {
    FiscalCalendar::new(start).unwrap_or_else(|| FiscalCalendar::new(1).expect("January"))
}

pub(crate) fn year_before(period: Period) -> Period {
    match period {
        Period::Year(year) => Period::Year(year - 1),
        Period::Quarter(year, quarter) => Period::Quarter(year - 1, quarter),
        Period::Month(month) => Period::Month(
            Month::new(month.year() - 1, month.month()).expect("every month had a year before"),
        ),
    }
}

/// A subject found for a write (a partner's row locked).
enum Found {
    Company,
    Channel(PartnerType),
    Region(i64),
    Partner(Box<Visible>),
    Rep(i64),
}

impl Found {
    fn new_subject(&self) -> NewSubject<'_> {
        match self {
            Found::Company => NewSubject::Company,
            Found::Channel(t) => NewSubject::Channel(*t),
            Found::Region(id) => NewSubject::Region(*id),
            Found::Partner(v) => NewSubject::Partner(v),
            Found::Rep(id) => NewSubject::Rep(*id),
        }
    }
}

impl Qudao {
    /// What the caller reaches of the targets table.
    pub(crate) fn target_reach(caller: &Caller) -> Reach {
        let internal = match caller.role {
            role if role.is_partner_role() => Internal::Nothing,
            Role::SalesRep => Internal::OwnRep(caller.user_id.0),
            _ => Internal::All,
        };
        Reach {
            scope: scope_in(caller, Area::Targets),
            internal,
            drafts: !caller.role.is_partner_role(),
        }
    }

    /// Finds a subject by its type and code for a write; a code that names
    /// nothing (or a partner outside the caller's scope) is refused under
    /// `field`.
    async fn target_subject(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        subject_type: SubjectType,
        code: &str,
        field: &'static str,
    ) -> Result<Found, AppError> {
        let code = code.trim();
        if subject_type != SubjectType::Company && code.is_empty() {
            return Err(invalid(field, Problem::Required).into());
        }
        Ok(match subject_type {
            SubjectType::Company => Found::Company,
            SubjectType::Channel => {
                Found::Channel(PartnerType::parse(code).map_err(|_| unknown(field, code))?)
            }
            SubjectType::Region => Found::Region(
                qudao_store::territories::region_by_code(tx, code)
                    .await?
                    .ok_or_else(|| unknown(field, code))?
                    .id,
            ),
            SubjectType::Partner => {
                match self
                    .visible_for_write(tx, caller, Area::Targets, code)
                    .await
                {
                    Ok(partner) => Found::Partner(Box::new(partner)),
                    Err(AppError::NotFound(_)) => return Err(unknown(field, code).into()),
                    Err(e) => return Err(e),
                }
            }
            SubjectType::Rep => {
                let user = qudao_store::admin::find_user_by_login(tx, code)
                    .await?
                    .filter(|u| u.role().ok() == Some(Role::SalesRep))
                    .ok_or_else(|| unknown(field, code))?;
                Found::Rep(user.id)
            }
        })
    }

    /// The subjects of a cascade's children, in their order: partners
    /// found in one scoped query per five hundred codes (a cascade to every
    /// partner of a channel names thousands), the rest one by one as
    /// [`Self::target_subject`] finds them.
    async fn cascade_subjects(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        children: &[CascadeChild],
        types: &[SubjectType],
    ) -> Result<Vec<Found>, AppError> {
        let codes: Vec<String> = children
            .iter()
            .zip(types)
            .filter(|(_, t)| **t == SubjectType::Partner)
            .map(|(c, _)| c.subject_code.trim().to_owned())
            .collect();
        let mut partners: HashMap<String, Visible> =
            qudao_store::scope::partners_by_codes(tx, scope_in(caller, Area::Targets), &codes)
                .await?
                .into_iter()
                .map(|v| (v.code().to_owned(), v))
                .collect();
        let mut found = Vec::with_capacity(children.len());
        for (child, subject_type) in children.iter().zip(types) {
            let code = child.subject_code.trim();
            found.push(match subject_type {
                SubjectType::Partner if code.is_empty() => {
                    return Err(invalid("children", Problem::Required).into());
                }
                SubjectType::Partner => Found::Partner(Box::new(
                    partners
                        .remove(code)
                        .ok_or_else(|| unknown("children", code))?,
                )),
                other => {
                    self.target_subject(tx, caller, *other, code, "children")
                        .await?
                }
            });
        }
        Ok(found)
    }

    /// A product line by code, for a write; `None` for every line.
    pub(crate) async fn target_line(
        &self,
        db: &impl ConnectionTrait,
        code: Option<&str>,
    ) -> Result<Option<i64>, AppError> {
        let Some(code) = non_empty(code) else {
            return Ok(None);
        };
        let unknown_line = || {
            invalid(
                "product_line",
                Problem::Conflict {
                    rule: "target_product_line_unknown",
                    with: code.to_owned(),
                },
            )
        };
        let line = qudao_domain::catalog::ProductLine::parse("product_line", code)
            .map_err(|_| unknown_line())?;
        Ok(Some(
            qudao_store::catalog::line_by_code(db, &line)
                .await?
                .ok_or_else(unknown_line)?
                .id,
        ))
    }

    /// Sets a target: a new one is a draft; a draft's figure is replaced;
    /// an approved one changes only by [`Qudao::amend_target`].
    pub async fn set_target(
        &self,
        caller: &Caller,
        input: &TargetInput,
    ) -> Result<TargetView, AppError> {
        caller.require(Permission::ManageTargets)?;
        let currency = self.current_settings().await?.currency;
        let tx = self.write().await?;
        tx.lock(Aggregate::Targets).await?;
        let view = self.set_target_in(&tx, caller, input, currency).await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// [`Qudao::set_target`] inside a write that holds the targets' lock
    /// (one call per row of an import).
    pub(crate) async fn set_target_in(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        input: &TargetInput,
        currency: Currency,
    ) -> Result<TargetView, AppError> {
        let mut errors = Vec::new();
        let period = Period::parse("period", &input.period)
            .map_err(|e| errors.push(e))
            .ok();
        let subject_type = SubjectType::parse(&input.subject_type)
            .map_err(|e| errors.push(e))
            .ok();
        let measure = TargetMeasure::parse(&input.measure)
            .map_err(|e| errors.push(e))
            .ok();
        let value = measure.and_then(|m| {
            TargetValue::parse("value", m, &input.value, currency)
                .map_err(|e| errors.push(e))
                .ok()
        });
        let version = match non_empty(input.version.as_deref()) {
            None => Some(TargetVersion::TopDown),
            Some(v) => TargetVersion::parse(v).map_err(|e| errors.push(e)).ok(),
        };
        let (Some(period), Some(subject_type), Some(value), Some(version)) =
            (period, subject_type, value, version)
        else {
            return Err(AppError::Invalid(errors));
        };
        let code = input.subject_code.as_deref().unwrap_or("");
        let found = self
            .target_subject(tx, caller, subject_type, code, "subject_code")
            .await?;
        let line = self.target_line(tx, input.product_line.as_deref()).await?;
        let key = TargetKey {
            period,
            subject: found.new_subject().stored(),
            measure: value.measure(),
            product_line_id: line,
            version,
        };
        let before = repo::by_key_for_write(tx, &key).await?;
        let id = match &before {
            None => {
                repo::insert(tx, &key, found.new_subject(), value, None, &caller.login)
                    .await?
                    .id
            }
            Some(row) => {
                row.status.check_direct_edit()?;
                repo::update_value(tx, row.id, value, row.parent_id).await?;
                row.id
            }
        };
        let after = repo::by_id_for_write(tx, Self::target_reach(caller), id)
            .await?
            .ok_or(AppError::NotFound("target"))?;
        let view = self
            .target_views(tx, currency, vec![after])
            .await?
            .pop()
            .ok_or(AppError::NotFound("target"))?;
        self.audit(
            tx,
            caller,
            "target",
            &id.to_string(),
            "set",
            before
                .map(|b| serde_json::json!({ "value": b.value.amount() }))
                .as_ref(),
            Some(&serde_json::json!({
                "period": view.period, "subject_type": view.subject_type,
                "subject_code": view.subject_code, "measure": view.measure,
                "product_line": view.product_line, "value": view.value,
                "version": view.version,
            })),
        )
        .await?;
        Ok(view)
    }

    /// Puts `value` in force as the top-down target with `key`, in a write
    /// that holds the targets' lock: a new target is approved at once, a
    /// draft is replaced and approved, an approved target is amended with
    /// `reason` (logged) unless it holds the figure already.
    pub(crate) async fn put_in_force(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        key: &TargetKey,
        subject: NewSubject<'_>,
        value: TargetValue,
        reason: &str,
    ) -> Result<InForce, AppError> {
        let before = repo::by_key_for_write(tx, key).await?;
        let (id, amended) = match &before {
            None => {
                let row = repo::insert(tx, key, subject, value, None, &caller.login).await?;
                repo::set_status(tx, row.id, TargetStatus::Approved).await?;
                (row.id, false)
            }
            Some(row) if row.status == TargetStatus::Draft => {
                repo::update_value(tx, row.id, value, row.parent_id).await?;
                repo::set_status(tx, row.id, TargetStatus::Approved).await?;
                (row.id, false)
            }
            Some(row) if row.value == value => (row.id, false),
            Some(row) => {
                let amendment = Amendment::new(row.value, value, reason)?;
                repo::amend(tx, row.id, &amendment, &caller.login).await?;
                (row.id, true)
            }
        };
        Ok(InForce {
            id,
            replaced: before.map(|b| b.value),
            amended,
        })
    }

    /// Writes an activated agreement's annual target, in the company's
    /// currency, as its partner's sell-in target for fiscal `year`, in
    /// force at once (the agreement is signed): the one figure the
    /// agreement and the targets pages show. The caller holds the targets'
    /// lock.
    pub(crate) async fn year_target_from_agreement(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        partner: &Visible,
        year: i32,
        figure: Money,
        reason: &str,
    ) -> Result<(), AppError> {
        let value = TargetValue::new(TargetMeasure::SellInAmount, figure.minor())
            .map_err(|e| invalid("annual_target", e.problem))?;
        let subject = NewSubject::Partner(partner);
        let key = TargetKey {
            period: Period::Year(year),
            subject: subject.stored(),
            measure: TargetMeasure::SellInAmount,
            product_line_id: None,
            version: TargetVersion::TopDown,
        };
        let put = self
            .put_in_force(tx, caller, &key, subject, value, reason)
            .await?;
        if put.replaced != Some(value) {
            self.audit(
                tx,
                caller,
                "target",
                &put.id.to_string(),
                "agreement",
                put.replaced
                    .map(|v| serde_json::json!({ "value": v.amount() }))
                    .as_ref(),
                Some(&serde_json::json!({
                    "value": value.amount(), "status": "approved",
                    "amended": put.amended, "reason": reason,
                })),
            )
            .await?;
        }
        Ok(())
    }

    /// The targets of a period the caller sees, as the cascade's tree:
    /// each target under the one it was cascaded from, roots first (a
    /// target whose parent the caller does not see is a root for it).
    pub async fn targets(
        &self,
        caller: &Caller,
        period: &str,
        measure: Option<&str>,
    ) -> Result<Vec<TargetNode>, AppError> {
        caller.require(Permission::ViewTargets)?;
        let settings = self.current_settings().await?;
        let rows = self.target_rows(caller, period, measure).await?;
        let views = self
            .target_views(self.db(), settings.currency, rows)
            .await?;
        let gaps = self.unallocated(&views).await?;
        Ok(tree::<TargetNode>(
            views,
            &|view: TargetView, children: &[TargetNode]| TargetNode {
                unallocated: gaps.get(&view.id).copied(),
                target: view,
                children: children.to_vec(),
            },
        ))
    }

    /// Parent − the sum of all its children, for each of these targets
    /// of an additive measure that has children (whether or not the
    /// caller sees them all).
    async fn unallocated(&self, views: &[TargetView]) -> Result<HashMap<i64, i64>, AppError> {
        let parents: Vec<i64> = views
            .iter()
            .filter(|v| v.measure.is_additive())
            .map(|v| v.id)
            .collect();
        let sums = repo::children_sums(self.db(), &parents).await?;
        Ok(views
            .iter()
            .filter_map(|v| sums.get(&v.id).map(|sum| (v.id, v.value - sum)))
            .collect())
    }

    async fn target_rows(
        &self,
        caller: &Caller,
        period: &str,
        measure: Option<&str>,
    ) -> Result<Vec<TargetRow>, AppError> {
        let period = Period::parse("period", period)?;
        let measure = non_empty(measure).map(TargetMeasure::parse).transpose()?;
        let filter = TargetFilter {
            period: Some(period),
            measure,
            ..TargetFilter::default()
        };
        Ok(repo::list(self.db(), Self::target_reach(caller), &filter).await?)
    }

    /// Every target the caller sees, of one period or of all, in the order
    /// they were written (a parent before its children): what an export
    /// holds.
    pub async fn target_list(
        &self,
        caller: &Caller,
        period: Option<&str>,
    ) -> Result<Vec<TargetView>, AppError> {
        caller.require(Permission::ViewTargets)?;
        let settings = self.current_settings().await?;
        let filter = TargetFilter {
            period: non_empty(period)
                .map(|p| Period::parse("period", p))
                .transpose()?,
            ..TargetFilter::default()
        };
        let rows = repo::list(self.db(), Self::target_reach(caller), &filter).await?;
        self.target_views(self.db(), settings.currency, rows).await
    }

    /// One target the caller sees, with its amendments.
    pub async fn target(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<(TargetView, Vec<AmendmentView>), AppError> {
        caller.require(Permission::ViewTargets)?;
        let settings = self.current_settings().await?;
        let row = repo::by_id(self.db(), Self::target_reach(caller), id)
            .await?
            .ok_or(AppError::NotFound("target"))?;
        // Why we changed a partner's target, and who did, are our own
        // notes, not shown in the portal.
        let internal = crate::visibility::sees_internal(caller);
        let stored = repo::amendments(self.db(), row.id).await?;
        let logins = stored.iter().map(|a| a.amended_by.clone()).collect();
        let names = crate::visibility::user_names(self.db(), logins).await?;
        let amendments = stored
            .into_iter()
            .map(|a| {
                let (by, by_name) = if internal {
                    let name = names.get(&a.amended_by).cloned().unwrap_or_default();
                    (a.amended_by, name)
                } else {
                    (String::new(), String::new())
                };
                AmendmentView {
                    old_value: a.old_value,
                    new_value: a.new_value,
                    reason: if internal { a.reason } else { String::new() },
                    by,
                    by_name,
                    at: a.amended_at,
                }
            })
            .collect();
        let view = self
            .target_views(self.db(), settings.currency, vec![row])
            .await?;
        Ok((
            view.into_iter()
                .next()
                .ok_or(AppError::NotFound("target"))?,
            amendments,
        ))
    }

    /// Splits a target among children of its period, measure, line and
    /// version, so that they sum to it exactly; the rounding remainder of
    /// percents and last year's shares goes to the child named in
    /// `remainder_to`. Children are created as drafts or their draft
    /// figures replaced; an approved child is refused. A split that does
    /// not add up is refused unless `draft`.
    pub async fn cascade_target(
        &self,
        caller: &Caller,
        parent_id: i64,
        input: &CascadeInput,
    ) -> Result<CascadeView, AppError> {
        caller.require(Permission::ManageTargets)?;
        let settings = self.current_settings().await?;
        if input.children.is_empty() {
            return Err(invalid(
                "children",
                Problem::Rule {
                    rule: "cascade_no_children",
                },
            )
            .into());
        }
        if input.children.len() > MAX_CHILDREN {
            return Err(invalid(
                "children",
                Problem::Limit {
                    rule: "cascade_too_many_children",
                    max: MAX_CHILDREN,
                },
            )
            .into());
        }
        let mut types = Vec::with_capacity(input.children.len());
        for child in &input.children {
            types.push(
                SubjectType::parse(&child.subject_type)
                    .map_err(|e| invalid("children", e.problem))?,
            );
        }
        let mut seen = HashSet::with_capacity(input.children.len());
        for (child, subject_type) in input.children.iter().zip(&types) {
            if !seen.insert((*subject_type, child.subject_code.trim())) {
                return Err(invalid(
                    "children",
                    Problem::Conflict {
                        rule: "cascade_child_twice",
                        with: child.subject_code.trim().to_owned(),
                    },
                )
                .into());
            }
        }
        let reach = Self::target_reach(caller);
        // Read before the write begins: last year's facts come from the
        // engine, which does not need the write lock.
        let parent_seen = repo::by_id(self.db(), reach, parent_id)
            .await?
            .ok_or(AppError::NotFound("target"))?;
        let remainder_to = match non_empty(input.remainder_to.as_deref()) {
            None => None,
            Some(code) => Some(
                input
                    .children
                    .iter()
                    .position(|c| c.subject_code.trim() == code)
                    .ok_or_else(|| {
                        invalid(
                            "remainder_to",
                            Problem::Conflict {
                                rule: "cascade_remainder_child_unknown",
                                with: code.to_owned(),
                            },
                        )
                    })?,
            ),
        };
        let measure = parent_seen.key.measure;
        let by = match input.by.trim() {
            "amounts" => {
                let mut amounts = Vec::with_capacity(input.children.len());
                for child in &input.children {
                    let part = child.part.as_deref().unwrap_or("");
                    amounts.push(
                        TargetValue::parse("children", measure, part, settings.currency)?.amount(),
                    );
                }
                SplitBy::Amounts(amounts)
            }
            "percents" => {
                let mut percents = Vec::with_capacity(input.children.len());
                for child in &input.children {
                    percents.push(SplitPercent::parse(
                        "children",
                        child.part.as_deref().unwrap_or(""),
                    )?);
                }
                SplitBy::Percents(percents)
            }
            "last_year" => {
                let line = self.line_code(parent_seen.key.product_line_id).await?;
                let months = rules::fiscal_months(
                    year_before(parent_seen.key.period),
                    fiscal(settings.fiscal_year_start),
                );
                let range = (months[0].to_string(), months[months.len() - 1].to_string());
                let mut splits: HashMap<SubjectType, HashMap<String, i64>> = HashMap::new();
                let mut shares = Vec::with_capacity(input.children.len());
                for (child, subject_type) in input.children.iter().zip(&types) {
                    let code = child.subject_code.trim();
                    let share = match engine_filter(*subject_type, code) {
                        // Children of one kind are asked together, split by
                        // that kind (a year split to thousands of partners).
                        Some((dim, _)) if *subject_type != SubjectType::Region => {
                            if !splits.contains_key(subject_type) {
                                let split = self
                                    .engine_split(measure, &dim, line.as_deref(), range.clone())
                                    .await?;
                                splits.insert(*subject_type, split);
                            }
                            splits[subject_type].get(code).copied().unwrap_or(0)
                        }
                        filter => self
                            .engine_actual(measure, filter, line.as_deref(), range.clone())
                            .await?
                            .unwrap_or(0),
                    };
                    shares.push(share);
                }
                SplitBy::Shares(shares)
            }
            _ => {
                return Err(invalid(
                    "by",
                    Problem::NotOneOf {
                        choices: vec!["amounts", "percents", "last_year"],
                    },
                )
                .into());
            }
        };
        let needs_remainder = !matches!(by, SplitBy::Amounts(_));
        let remainder_index = match (remainder_to, needs_remainder) {
            (Some(i), _) => i,
            (None, false) => 0,
            (None, true) => return Err(invalid("remainder_to", Problem::Required).into()),
        };

        let tx = self.write().await?;
        tx.lock(Aggregate::Targets).await?;
        let parent = repo::by_id_for_write(&tx, reach, parent_id)
            .await?
            .ok_or(AppError::NotFound("target"))?;
        let split = rules::split(parent.value, &by, remainder_index, input.draft)
            .map_err(|e| shown_gap(e, measure, settings.currency))?;
        let found = self
            .cascade_subjects(&tx, caller, &input.children, &types)
            .await?;
        let named: Vec<Subject> = found.iter().map(|f| f.new_subject().stored()).collect();
        // A child that is the parent or above it would make the tree a loop.
        let above = repo::ancestors_for_write(&tx, parent.id).await?;
        if let Some(at) = named
            .iter()
            .position(|s| *s == parent.key.subject || above.contains(s))
        {
            return Err(invalid(
                "children",
                Problem::Conflict {
                    rule: "cascade_child_above",
                    with: input.children[at].subject_code.trim().to_owned(),
                },
            )
            .into());
        }
        let earlier = repo::children_for_write(&tx, parent.id).await?;
        let named_set: HashSet<Subject> = named.iter().copied().collect();
        if let Some(left_out) = earlier.iter().find(|c| !named_set.contains(&c.key.subject)) {
            let view = self
                .target_views(&tx, settings.currency, vec![left_out.clone()])
                .await?;
            let with = view
                .first()
                .map(|v| v.subject_code.clone())
                .unwrap_or_default();
            return Err(invalid(
                "children",
                Problem::Conflict {
                    rule: "cascade_child_left_out",
                    with,
                },
            )
            .into());
        }
        let existing: HashMap<Subject, TargetRow> =
            repo::by_subjects_for_write(&tx, &parent.key, &named)
                .await?
                .into_iter()
                .map(|row| (row.key.subject, row))
                .collect();
        let mut new = Vec::new();
        for ((subject, value), child) in found.iter().zip(&split.children).zip(&input.children) {
            match existing.get(&subject.new_subject().stored()) {
                None => new.push((subject.new_subject(), *value)),
                // Taking a child from another parent would leave that
                // parent's children short of it.
                Some(row) if row.parent_id.is_some_and(|p| p != parent.id) => {
                    return Err(invalid(
                        "children",
                        Problem::Conflict {
                            rule: "cascade_child_elsewhere",
                            with: child.subject_code.trim().to_owned(),
                        },
                    )
                    .into());
                }
                // A figure already in force (an agreement's annual target)
                // joins the cascade when the split gives it that figure.
                Some(row) if row.status == TargetStatus::Approved && row.value != *value => {
                    return Err(invalid(
                        "children",
                        Problem::Conflict {
                            rule: "cascade_child_locked",
                            with: child.subject_code.trim().to_owned(),
                        },
                    )
                    .into());
                }
                Some(row) if row.value == *value && row.parent_id == Some(parent.id) => {}
                Some(row) => repo::update_value(&tx, row.id, *value, Some(parent.id)).await?,
            }
        }
        repo::insert_many(&tx, &parent.key, &new, Some(parent.id), &caller.login).await?;
        let mut written: HashMap<Subject, TargetRow> = repo::children_for_write(&tx, parent.id)
            .await?
            .into_iter()
            .map(|row| (row.key.subject, row))
            .collect();
        let mut rows = Vec::with_capacity(named.len() + 1);
        rows.push(parent.clone());
        for subject in &named {
            rows.push(
                written
                    .remove(subject)
                    .ok_or(AppError::NotFound("target"))?,
            );
        }
        let mut views = self.target_views(&tx, settings.currency, rows).await?;
        let parent_view = views.remove(0);
        let view = CascadeView {
            parent: parent_view,
            children: views,
            unallocated: split.unallocated,
        };
        self.audit(
            &tx,
            caller,
            "target",
            &parent.id.to_string(),
            "cascade",
            None,
            Some(&serde_json::json!({
                "by": input.by.trim(),
                "draft": input.draft,
                "remainder_to": input.remainder_to,
                "unallocated": split.unallocated,
                "children": view.children.iter()
                    .map(|c| serde_json::json!([c.subject_type, c.subject_code, c.value]))
                    .collect::<Vec<_>>(),
            })),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// Approves a target into force, which locks it. One cascaded into
    /// children is approved only when they add up to it exactly.
    pub async fn approve_target(&self, caller: &Caller, id: i64) -> Result<TargetView, AppError> {
        caller.require(Permission::ApproveTargets)?;
        let settings = self.current_settings().await?;
        let reach = Self::target_reach(caller);
        let tx = self.write().await?;
        tx.lock(Aggregate::Targets).await?;
        let row = repo::by_id_for_write(&tx, reach, id)
            .await?
            .ok_or(AppError::NotFound("target"))?;
        if row.status == TargetStatus::Approved {
            return Err(invalid(
                "status",
                Problem::Rule {
                    rule: "target_already_approved",
                },
            )
            .into());
        }
        let children = repo::children_for_write(&tx, row.id).await?;
        if row.key.measure.is_additive() && !children.is_empty() {
            let gap = row.value.amount() - children.iter().map(|c| c.value.amount()).sum::<i64>();
            rules::check_allocated(gap)
                .map_err(|e| shown_gap(e, row.key.measure, settings.currency))?;
        }
        repo::set_status(&tx, row.id, TargetStatus::Approved).await?;
        let after = TargetRow {
            status: TargetStatus::Approved,
            ..row
        };
        let view = self
            .target_views(&tx, settings.currency, vec![after])
            .await?
            .pop()
            .ok_or(AppError::NotFound("target"))?;
        self.audit(
            &tx,
            caller,
            "target",
            &id.to_string(),
            "approve",
            Some(&serde_json::json!({ "status": "draft" })),
            Some(&serde_json::json!({ "status": "approved", "value": view.value })),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// Changes an approved target's figure, logging the old and new figure
    /// and the reason (in `target_amendments` and the audit log). A draft
    /// is changed by setting it again.
    pub async fn amend_target(
        &self,
        caller: &Caller,
        id: i64,
        input: &AmendInput,
    ) -> Result<TargetView, AppError> {
        caller.require(Permission::ApproveTargets)?;
        let settings = self.current_settings().await?;
        let reach = Self::target_reach(caller);
        let tx = self.write().await?;
        tx.lock(Aggregate::Targets).await?;
        let row = repo::by_id_for_write(&tx, reach, id)
            .await?
            .ok_or(AppError::NotFound("target"))?;
        if row.status != TargetStatus::Approved {
            return Err(invalid(
                "status",
                Problem::Rule {
                    rule: "amendment_of_draft",
                },
            )
            .into());
        }
        let new = TargetValue::parse("value", row.key.measure, &input.value, settings.currency)?;
        let amendment = Amendment::new(row.value, new, &input.reason)?;
        repo::amend(&tx, row.id, &amendment, &caller.login).await?;
        let after = TargetRow { value: new, ..row };
        let view = self
            .target_views(&tx, settings.currency, vec![after])
            .await?
            .pop()
            .ok_or(AppError::NotFound("target"))?;
        self.audit(
            &tx,
            caller,
            "target",
            &id.to_string(),
            "amend",
            Some(&serde_json::json!({ "value": amendment.old.amount() })),
            Some(&serde_json::json!({
                "value": amendment.new.amount(), "reason": amendment.reason(),
            })),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// Actual to date against every top-down target of a period the caller
    /// sees, as the cascade's tree: the actual from the fact engine over
    /// the period's months up to today's, the percent, variance and band,
    /// and what is needed per remaining day.
    pub async fn attainment(
        &self,
        caller: &Caller,
        period: &str,
        measure: Option<&str>,
    ) -> Result<Vec<AttainmentNode>, AppError> {
        caller.require(Permission::ViewTargets)?;
        let settings = self.current_settings().await?;
        let calendar = fiscal(settings.fiscal_year_start);
        let today = crate::today();
        let rows: Vec<TargetRow> = self
            .target_rows(caller, period, measure)
            .await?
            .into_iter()
            .filter(|r| r.key.version == TargetVersion::TopDown)
            .collect();
        let views = self
            .target_views(self.db(), settings.currency, rows)
            .await?;
        let (actuals, prorated) = self.actuals(&views, calendar, today).await?;
        let mut measured = Vec::with_capacity(views.len());
        for view in views {
            let period = Period::parse("period", &view.period)?;
            let actual = actuals.get(&view.id).copied().flatten();
            let days = rules::fiscal_days(period, calendar);
            let attainment = actual.map(|a| Attainment::new(view.value, a, Bands::default()));
            let needed = actual.map(|a| rules::needed_per_day(view.value, a, days, today));
            measured.push((view, attainment, needed));
        }
        let by_id: HashMap<i64, (Option<Attainment>, Option<NeededPerDay>)> =
            measured.iter().map(|(v, a, n)| (v.id, (*a, *n))).collect();
        let views: Vec<TargetView> = measured.into_iter().map(|(v, _, _)| v).collect();
        let gaps = self.unallocated(&views).await?;
        Ok(tree::<AttainmentNode>(
            views,
            &|view: TargetView, children: &[AttainmentNode]| {
                let (attainment, needed_per_day) =
                    by_id.get(&view.id).copied().unwrap_or((None, None));
                AttainmentNode {
                    unallocated: gaps.get(&view.id).copied(),
                    prorated: prorated.contains(&view.id),
                    target: view,
                    attainment,
                    needed_per_day,
                    children: children.to_vec(),
                }
            },
        ))
    }

    /// Each target's actual to date: over its period's months up to
    /// today's, `None` where the engine cannot count the measure. Targets
    /// of partners, reps and channels are answered by one engine question
    /// per measure, line, months and subject type, split by that subject
    /// (a manager's tree holds thousands of partners); a region's actual
    /// includes its sub-regions, which a split by region does not, so
    /// regions and the company are asked one by one. A rep's actual counts
    /// a partner that moved between reps in the period by the days each
    /// held it ([`Qudao::moved_credit`]); the targets so counted are
    /// returned too.
    async fn actuals(
        &self,
        views: &[TargetView],
        calendar: FiscalCalendar,
        today: chrono::NaiveDate,
    ) -> Result<(HashMap<i64, Option<i64>>, HashSet<i64>), AppError> {
        let mut prorated = HashSet::new();
        type Group = (TargetMeasure, SubjectType, Option<String>, Month, Month);
        let mut actuals = HashMap::with_capacity(views.len());
        let mut groups: HashMap<Group, Vec<&TargetView>> = HashMap::new();
        let mut coverage: HashMap<(Month, Month), Vec<&TargetView>> = HashMap::new();
        for view in views {
            let period = Period::parse("period", &view.period)?;
            let months = rules::fiscal_months(period, calendar);
            let first = months[0];
            let last = months[months.len() - 1].min(Month::of(today));
            if view.measure == TargetMeasure::OutletCoverage {
                // Coverage is a region's: its active outlets against its
                // plan (`app::outlets`); for other subjects, not counted.
                if view.subject_type == SubjectType::Region {
                    coverage.entry((first, last)).or_default().push(view);
                } else {
                    actuals.insert(view.id, None);
                }
            } else if engine_measure(view.measure).is_none() {
                actuals.insert(view.id, None);
            } else if first > last {
                // Not begun: nothing counted yet.
                actuals.insert(view.id, Some(0));
            } else {
                let group = (
                    view.measure,
                    view.subject_type,
                    view.product_line.clone(),
                    first,
                    last,
                );
                groups.entry(group).or_default().push(view);
            }
        }
        for (range, members) in coverage {
            let codes: Vec<String> = members.iter().map(|v| v.subject_code.clone()).collect();
            let found = self.coverage_of(&codes, range).await?;
            for view in members {
                // A region without a plan has no coverage to judge.
                actuals.insert(view.id, found.get(&view.subject_code).copied());
            }
        }
        for ((measure, subject_type, line, first, last), members) in groups {
            let range = (first.to_string(), last.to_string());
            let by = match subject_type {
                SubjectType::Company | SubjectType::Region => None,
                SubjectType::Channel | SubjectType::Partner | SubjectType::Rep => {
                    engine_filter(subject_type, "").map(|(dim, _)| dim)
                }
            };
            let Some(by) = by else {
                for view in members {
                    let filter = engine_filter(view.subject_type, &view.subject_code);
                    let actual = self
                        .engine_actual(measure, filter, line.as_deref(), range.clone())
                        .await?;
                    actuals.insert(view.id, actual);
                }
                continue;
            };
            let split = self
                .engine_split(measure, &by, line.as_deref(), range)
                .await?;
            let moved = if subject_type == SubjectType::Rep {
                self.moved_credit(measure, line.as_deref(), first, last)
                    .await?
            } else {
                HashMap::new()
            };
            for view in members {
                // A code the engine has not met (no fact yet) counts 0.
                let actual = split.get(&view.subject_code).copied().unwrap_or(0);
                let moved = moved.get(&view.subject_code).copied();
                if moved.is_some() {
                    prorated.insert(view.id);
                }
                actuals.insert(view.id, Some(actual + moved.unwrap_or(0)));
            }
        }
        Ok((actuals, prorated))
    }

    /// One measure over the months `range`, split by the dimension `by`:
    /// each code's number (asked as the system, as in `engine_actual`).
    async fn engine_split(
        &self,
        measure: TargetMeasure,
        by: &str,
        line: Option<&str>,
        (from, to): (String, String),
    ) -> Result<HashMap<String, i64>, AppError> {
        let Some(engine) = engine_measure(measure) else {
            return Ok(HashMap::new());
        };
        let filters = line
            .map(|line| ("product_line".to_owned(), vec![line.to_owned()]))
            .into_iter()
            .collect();
        let text = QueryText {
            measures: vec![engine.to_owned()],
            by: vec![by.to_owned()],
            from: Some(from),
            to: Some(to),
            filters,
            limit: Some(crate::analytics::MAX_LIMIT),
            ..QueryText::default()
        };
        let answer = match self
            .analytics_query(&Caller::system("targets"), &text)
            .await
        {
            Ok(answer) => answer,
            // A line the engine has not met yet has sold nothing.
            Err(AppError::Invalid(problems)) if only_unknown_codes(&problems) => {
                return Ok(HashMap::new());
            }
            Err(e) => return Err(e),
        };
        Ok(answer
            .rows
            .into_iter()
            .filter_map(|row| {
                let code = row.keys.into_iter().next()?.code;
                Some((code, row.values.first().copied().flatten().unwrap_or(0)))
            })
            .collect())
    }

    /// A target's projection to its period's end; `None` when the period
    /// is over (its attainment is final) or the engine cannot count the
    /// measure. A subject the engine has no history of is forecast to add
    /// nothing.
    pub async fn target_projection(
        &self,
        caller: &Caller,
        id: i64,
    ) -> Result<Option<Projection>, AppError> {
        caller.require(Permission::ViewTargets)?;
        let settings = self.current_settings().await?;
        let row = repo::by_id(self.db(), Self::target_reach(caller), id)
            .await?
            .ok_or(AppError::NotFound("target"))?;
        let view = self
            .target_views(self.db(), settings.currency, vec![row])
            .await?
            .pop()
            .ok_or(AppError::NotFound("target"))?;
        let Some(engine) = engine_measure(view.measure) else {
            return Ok(None);
        };
        let months = rules::fiscal_months(
            Period::parse("period", &view.period)?,
            fiscal(settings.fiscal_year_start),
        );
        let (first, last) = (months[0], months[months.len() - 1]);
        let now = Month::of(crate::today());
        if last < now {
            return Ok(None);
        }
        let filter = engine_filter(view.subject_type, &view.subject_code);
        let line = view.product_line.as_deref();
        let counted = |from: Month, to: Month| {
            let filter = filter.clone();
            async move {
                if from > to {
                    return Ok(0);
                }
                let range = (from.to_string(), to.to_string());
                Ok::<_, AppError>(
                    self.engine_actual(view.measure, filter, line, range)
                        .await?
                        .unwrap_or(0),
                )
            }
        };
        let to_date = counted(first, now.min(last)).await?;
        let this_month = if first <= now {
            counted(now, now).await?
        } else {
            0
        };
        let mut filters: Vec<(String, Vec<String>)> = filter
            .iter()
            .map(|(dim, code)| (dim.clone(), vec![code.clone()]))
            .collect();
        if let Some(line) = line {
            filters.push(("product_line".to_owned(), vec![line.to_owned()]));
        }
        let text = QueryText {
            filters,
            ..QueryText::default()
        };
        // From this month to the period's end (a period not begun is
        // forecast up to its start too, and those months left out).
        let horizon = std::iter::successors(Some(now), |m| Some(m.next()))
            .take_while(|m| *m <= last)
            .count();
        let forecast = match self
            .forecast_months(&Caller::system("targets"), engine, &text, horizon)
            .await
        {
            Ok(forecast) => forecast.next,
            Err(AppError::Invalid(problems)) if only_unknown_codes(&problems) => Vec::new(),
            Err(e) => return Err(e),
        };
        let months: Vec<(Month, i64)> = forecast
            .into_iter()
            .filter(|(m, _)| *m >= first && *m <= last)
            .map(|(m, f)| {
                let adds = if m == now { f - this_month } else { f };
                (m, adds.max(0))
            })
            .collect();
        let rest = months.iter().map(|(_, v)| v).sum();
        Ok(Some(Projection {
            attainment: Attainment::projected(view.value, to_date, rest, Bands::default()),
            months,
        }))
    }

    pub(crate) async fn line_code(&self, id: Option<i64>) -> Result<Option<String>, AppError> {
        let Some(id) = id else { return Ok(None) };
        Ok(qudao_store::catalog::lines(self.db())
            .await?
            .into_iter()
            .find(|l| l.id == id)
            .map(|l| l.code))
    }

    /// One number from the fact engine for a subject over the months
    /// `range`. Asked as the system, because a company's or
    /// a region's actual is the whole company's or region's, whoever looks
    /// at the target (the caller's right to see the target was checked).
    /// A code the engine has not met (a partner or rep without any fact
    /// yet) has an actual of 0.
    pub(crate) async fn engine_actual(
        &self,
        measure: TargetMeasure,
        filter: Option<(String, String)>,
        line: Option<&str>,
        (from, to): (String, String),
    ) -> Result<Option<i64>, AppError> {
        let Some(engine) = engine_measure(measure) else {
            return Ok(None);
        };
        let mut filters: Vec<(String, Vec<String>)> = filter
            .into_iter()
            .map(|(dim, code)| (dim, vec![code]))
            .collect();
        if let Some(line) = line {
            filters.push(("product_line".to_owned(), vec![line.to_owned()]));
        }
        let text = QueryText {
            measures: vec![engine.to_owned()],
            from: Some(from),
            to: Some(to),
            filters,
            ..QueryText::default()
        };
        match self
            .analytics_query(&Caller::system("targets"), &text)
            .await
        {
            Ok(answer) => Ok(Some(answer.totals.first().copied().flatten().unwrap_or(0))),
            Err(AppError::Invalid(problems)) if only_unknown_codes(&problems) => Ok(Some(0)),
            Err(e) => Err(e),
        }
    }

    /// Views of stored targets: subjects by their codes and names, lines
    /// by their codes.
    pub(crate) async fn target_views(
        &self,
        db: &impl ConnectionTrait,
        currency: Currency,
        rows: Vec<TargetRow>,
    ) -> Result<Vec<TargetView>, AppError> {
        let lines: HashMap<i64, String> = qudao_store::catalog::lines(db)
            .await?
            .into_iter()
            .map(|l| (l.id, l.code))
            .collect();
        let names = subject_names(db, &rows).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let (code, name) = names.get(&row.key.subject).cloned().unwrap_or_default();
                TargetView {
                    id: row.id,
                    period: row.key.period.to_string(),
                    subject_type: row.key.subject.subject_type(),
                    subject_code: code,
                    subject_name: name,
                    measure: row.key.measure,
                    product_line: row
                        .key
                        .product_line_id
                        .and_then(|id| lines.get(&id).cloned()),
                    value: row.value.amount(),
                    value_text: row.value.text(currency),
                    version: row.key.version,
                    status: row.status,
                    parent_id: row.parent_id,
                }
            })
            .collect())
    }
}

/// The code and name of every subject of `rows`, a batch per subject type
/// (a manager's tree holds thousands of partners).
async fn subject_names(
    db: &impl ConnectionTrait,
    rows: &[TargetRow],
) -> Result<HashMap<Subject, (String, String)>, AppError> {
    let mut names: HashMap<Subject, (String, String)> = HashMap::new();
    let (mut regions, mut partners, mut reps) = (Vec::new(), Vec::new(), Vec::new());
    for row in rows {
        match row.key.subject {
            Subject::Company => {
                names.insert(Subject::Company, (String::new(), String::new()));
            }
            Subject::Channel(t) => {
                names.insert(row.key.subject, (t.as_str().to_owned(), String::new()));
            }
            Subject::Region(id) => regions.push(id),
            Subject::Partner(id) => partners.push(id),
            Subject::Rep(id) => reps.push(id),
        }
    }
    for ids in [&mut regions, &mut partners, &mut reps] {
        ids.sort_unstable();
        ids.dedup();
    }
    for region in qudao_store::territories::regions_by_ids(db, &regions).await? {
        names.insert(Subject::Region(region.id), (region.code, region.name));
    }
    // The rows were read through the scope, so their partners are ones
    // the caller sees.
    let all = qudao_domain::scope::DataScope::All;
    for (id, code, name) in qudao_store::partners::names_of(db, all, &partners).await? {
        names.insert(Subject::Partner(id), (code, name));
    }
    for (id, login_name) in qudao_store::admin::logins_by_id(db, &reps).await? {
        names.insert(Subject::Rep(id), login_name);
    }
    Ok(names)
}

/// Whether the engine refused a question only for codes it has not met.
pub(crate) fn only_unknown_codes(problems: &[Invalid]) -> bool {
    problems.iter().all(|p| {
        matches!(
            p.problem,
            Problem::Conflict {
                rule: "analytics_unknown_code",
                ..
            }
        )
    })
}

/// Restates the gap of a cascade that does not add up, which the rules
/// give in the measure's unit, as people read it (`¥200,000.00`).
fn shown_gap(mut invalid: Invalid, measure: TargetMeasure, currency: Currency) -> Invalid {
    if let Problem::Conflict {
        rule: "cascade_over_allocated" | "cascade_under_allocated",
        with,
    } = &mut invalid.problem
        && let Ok(gap) = with.parse::<i64>()
    {
        *with = measure.shown(gap, currency);
    }
    invalid
}

/// The engine filter that picks a subject's facts; none for the company.
pub(crate) fn engine_filter(subject_type: SubjectType, code: &str) -> Option<(String, String)> {
    let dim = match subject_type {
        SubjectType::Company => return None,
        SubjectType::Channel => "partner_type",
        SubjectType::Region => "region",
        SubjectType::Partner => "partner",
        SubjectType::Rep => "owner",
    };
    Some((dim.to_owned(), code.to_owned()))
}

/// Builds the cascade's tree from views in id order (a parent is written
/// before its children): each node under its parent when the parent is
/// among the views, else a root.
fn tree<N: Clone>(views: Vec<TargetView>, node: &dyn Fn(TargetView, &[N]) -> N) -> Vec<N> {
    let present: HashSet<i64> = views.iter().map(|v| v.id).collect();
    let mut children: HashMap<Option<i64>, Vec<TargetView>> = HashMap::new();
    for view in views {
        let parent = view.parent_id.filter(|p| present.contains(p));
        children.entry(parent).or_default().push(view);
    }
    fn build<N: Clone>(
        parent: Option<i64>,
        children: &mut HashMap<Option<i64>, Vec<TargetView>>,
        node: &dyn Fn(TargetView, &[N]) -> N,
    ) -> Vec<N> {
        let views = children.remove(&parent).unwrap_or_default();
        views
            .into_iter()
            .map(|view| {
                let below = build(Some(view.id), children, node);
                node(view, &below)
            })
            .collect()
    }
    build(None, &mut children, node)
}
