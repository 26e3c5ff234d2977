//! Agreements: each partner's versioned, effective-dated agreement.
//!
//! Rules live in `qudao_domain::agreements`; this module loads a partner's
//! versions inside one transaction, asks the domain what may happen, and
//! writes it with an audit record. Who may see what: internal roles follow
//! their partner scope; both partner roles see only their own organisation's
//! agreement (a distributor does not read its downstream partners' contracts
//! with the brand owner).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use qudao_domain::agreements::{self as rules, AgreementStatus, VersionState, version_code};
use qudao_domain::dates::{DateRange, parse_date};
use qudao_domain::money::{Currency, Money};
use qudao_domain::partners::{PartnerStatus, Reason};
use qudao_domain::periods::{FiscalCalendar, Month, Period};
use qudao_domain::targets::TargetMeasure;
use qudao_domain::{Invalid, Problem};
use qudao_store::agreements::{self as repo, Terms, version};
use qudao_store::paging::{Page, PageRequest, SortDir};
use qudao_store::partners::partner;
use qudao_store::scope::Visible;
use qudao_store::targets::Subject;
use qudao_store::{Aggregate, ConnectionTrait, WriteTx};

use crate::scope::{Area, scope_in};
use serde::Serialize;

pub use qudao_store::agreements::{AgreementSort, StatusFilter};

use crate::error::{AllFields, FieldResult, given, rule};
use crate::{AppError, Caller, Permission, Qudao, non_empty, today};

/// The expiring list looks this many days ahead unless asked otherwise.
pub const EXPIRING_DAYS: u32 = 60;
/// The longest look-ahead the expiring list accepts.
pub const MAX_EXPIRING_DAYS: u32 = 730;

/// One version of a partner's agreement.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgreementVersionView {
    /// `AG-<partner code>-<version>`, e.g. `AG-P00012-3`.
    pub code: String,
    pub partner_code: String,
    pub partner_name: String,
    pub version: i32,
    /// What the version is today: draft, active, superseded, expired or terminated.
    pub status: AgreementStatus,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// The last day this version is or was in force (absent for drafts):
    /// before `valid_to` when a later version or a termination cut it short.
    pub in_force_until: Option<NaiveDate>,
    pub price_list_code: Option<String>,
    pub rebate_programs: Vec<String>,
    /// The annual target in major units, e.g. `1200000.00`: a draft's
    /// proposal, or once activated the partner's approved sell-in target
    /// for `annual_target_year`.
    pub annual_target: Option<String>,
    /// The fiscal year whose target an activated version shows.
    pub annual_target_year: Option<i32>,
    pub currency: Option<String>,
    pub after_sales_duties: String,
    pub payment_net_days: i32,
    pub payment_terms: String,
    pub training_duties: String,
    pub signed_on: Option<NaiveDate>,
    /// Why this version was written (required for amendments).
    pub note: String,
    /// The first day a later version governs instead, and its code.
    pub superseded_from: Option<NaiveDate>,
    pub superseded_by: Option<String>,
    /// The first day the terminated agreement no longer applies.
    pub terminated_from: Option<NaiveDate>,
    pub termination_reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub activated_by: Option<String>,
    pub activated_at: Option<DateTime<Utc>>,
}

impl AgreementVersionView {
    pub fn is_draft(&self) -> bool {
        self.status == AgreementStatus::Draft
    }

    /// The target for people: `¥1,200,000.00`.
    pub fn target_text(&self) -> String {
        match (&self.annual_target, &self.currency) {
            (Some(amount), Some(currency)) => Currency::parse(currency)
                .ok()
                .and_then(|c| Money::parse("annual_target", amount, c).ok())
                .map_or_else(|| format!("{amount} {currency}"), Money::formatted),
            _ => String::new(),
        }
    }

    /// The form input that would write this version again: the start of an
    /// amendment or of a draft's edit.
    pub fn to_input(&self) -> AgreementInput {
        AgreementInput {
            amends: None,
            valid_from: self.valid_from.to_string(),
            valid_to: self.valid_to.to_string(),
            price_list_code: self.price_list_code.clone().unwrap_or_default(),
            rebate_programs: self.rebate_programs.join(", "),
            annual_target: self.annual_target.clone().unwrap_or_default(),
            currency: self.currency.clone().unwrap_or_else(|| "CNY".to_owned()),
            after_sales_duties: self.after_sales_duties.clone(),
            payment_net_days: self.payment_net_days.to_string(),
            payment_terms: self.payment_terms.clone(),
            training_duties: self.training_duties.clone(),
            signed_on: self.signed_on.map(|d| d.to_string()).unwrap_or_default(),
            note: String::new(),
        }
    }
}

/// A partner's agreement: every version, and the one in force on a day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AgreementView {
    pub partner_code: String,
    pub partner_name: String,
    /// The day `in_force` answers for.
    pub as_of: NaiveDate,
    pub in_force: Option<AgreementVersionView>,
    /// Newest first.
    pub versions: Vec<AgreementVersionView>,
}

impl AgreementView {
    pub fn latest(&self) -> Option<&AgreementVersionView> {
        self.versions.first()
    }

    pub fn is_terminated(&self) -> bool {
        self.versions.iter().any(|v| v.terminated_from.is_some())
    }
}

/// The terms of a version as typed. Dates are `YYYY-MM-DD`; amounts are
/// text in major units so that no float ever touches them.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct AgreementInput {
    /// The version this one amends: required, and the latest version, once
    /// the partner has an agreement; absent for the first version.
    #[serde(default)]
    pub amends: Option<i32>,
    pub valid_from: String,
    pub valid_to: String,
    /// Code of the price list (a reference until pricing exists).
    #[serde(default)]
    pub price_list_code: String,
    /// Rebate program codes separated by commas.
    #[serde(default)]
    pub rebate_programs: String,
    /// Annual target in major units, e.g. `1200000`; empty for none.
    #[serde(default)]
    pub annual_target: String,
    /// ISO 4217 currency of the target, e.g. `CNY`.
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub after_sales_duties: String,
    /// Days after invoice that payment is due, 0–365.
    pub payment_net_days: String,
    #[serde(default)]
    pub payment_terms: String,
    #[serde(default)]
    pub training_duties: String,
    /// The day it was signed, if it has been.
    #[serde(default)]
    pub signed_on: String,
    /// Why this version is written; required for an amendment.
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct TerminateInput {
    /// The first day without an agreement, `YYYY-MM-DD`.
    pub effective_date: String,
    pub reason: String,
}

/// Filters of the agreements list.
#[derive(Debug, Clone, Default)]
pub struct AgreementFilter {
    /// Text in the partner's code or name.
    pub partner: Option<String>,
    pub status: Option<AgreementStatus>,
    pub in_force_on: Option<NaiveDate>,
}

fn status_filter(status: AgreementStatus) -> StatusFilter {
    match status {
        AgreementStatus::Draft => StatusFilter::Draft,
        AgreementStatus::Active => StatusFilter::Active,
        AgreementStatus::Superseded => StatusFilter::Superseded,
        AgreementStatus::Expired => StatusFilter::Expired,
        AgreementStatus::Terminated => StatusFilter::Terminated,
    }
}

/// The annual target a version shows, and the fiscal year it is the
/// partner's target for (none for a draft's proposal).
type ShownTarget = (Option<Money>, Option<i32>);

/// A draft's own proposal.
fn proposed(row: &version::Model) -> Result<ShownTarget, AppError> {
    Ok((row.target()?, None))
}

/// A version for people, with the annual target it shows (see
/// [`AnnualTargets`]).
fn view_of(
    row: &version::Model,
    partner: &partner::Model,
    today: NaiveDate,
    (target, annual_target_year): ShownTarget,
) -> Result<AgreementVersionView, AppError> {
    let dates = row.dates()?;
    Ok(AgreementVersionView {
        code: version_code(&partner.code, row.version),
        partner_code: partner.code.clone(),
        partner_name: partner.name.clone(),
        version: row.version,
        status: dates.status_on(today),
        valid_from: row.valid_from,
        valid_to: row.valid_to,
        in_force_until: dates.state.was_activated().then(|| dates.last_day()),
        price_list_code: row.price_list_code.clone(),
        rebate_programs: row
            .rebate_programs
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        annual_target: target.map(Money::amount_text),
        annual_target_year: target.and(annual_target_year),
        currency: target.map(|m| m.currency().to_string()),
        after_sales_duties: row.after_sales_duties.clone(),
        payment_net_days: row.payment_net_days,
        payment_terms: row.payment_terms.clone(),
        training_duties: row.training_duties.clone(),
        signed_on: row.signed_on,
        note: row.note.clone(),
        superseded_from: row.superseded_from,
        superseded_by: row.superseded_by.map(|n| version_code(&partner.code, n)),
        terminated_from: row.terminated_from,
        termination_reason: row.termination_reason.clone(),
        created_by: row.created_by.clone(),
        created_at: row.created_at,
        activated_by: row.activated_by.clone(),
        activated_at: row.activated_at,
    })
}

/// The annual targets versions show. A draft shows the figure it proposes;
/// a version that was activated shows its partner's approved sell-in
/// target for the fiscal year the version starts in, which activation wrote
/// and which only the targets area changes from then on (one figure, not a
/// copy here that would drift from it).
struct AnnualTargets {
    calendar: FiscalCalendar,
    currency: Currency,
    in_force: HashMap<(i64, i32), i64>,
}

impl AnnualTargets {
    fn of(&self, row: &version::Model) -> Result<ShownTarget, AppError> {
        if row.state()? == VersionState::Draft {
            return proposed(row);
        }
        let year = self.calendar.year_of(row.valid_from);
        let figure = self
            .in_force
            .get(&(row.partner_id, year))
            .map(|minor| Money::from_minor(*minor, self.currency));
        Ok((figure, Some(year)))
    }
}

/// Parses the terms (with their period, for the overlap rules), reporting
/// every field error at once.
fn parse_terms(
    input: &AgreementInput,
    amendment: bool,
) -> Result<(DateRange, Terms), Vec<Invalid>> {
    let term = DateRange::parse_validity(&input.valid_from, &input.valid_to);
    let price_list_code = match non_empty(Some(&input.price_list_code)) {
        None => Ok(None),
        Some(code) => rules::parse_reference("price_list_code", code).map(Some),
    };
    let target = match non_empty(Some(&input.annual_target)) {
        None => Ok(None),
        Some(amount) => Currency::parse(&input.currency)
            .and_then(|currency| Money::parse("annual_target", amount, currency))
            .and_then(|money| {
                if money.is_negative() {
                    Err(Invalid::new(
                        "annual_target",
                        Problem::Rule {
                            rule: "target_not_negative",
                        },
                    ))
                } else {
                    Ok(Some((money.minor(), money.currency().to_string())))
                }
            }),
    };
    let signed_on = match non_empty(Some(&input.signed_on)) {
        None => Ok(None),
        Some(day) => parse_date("signed_on", day).map(Some),
    };
    let note = rules::parse_text("note", &input.note, 500).and_then(|note| {
        if amendment && note.is_empty() {
            Err(Invalid::new("note", Problem::Required))
        } else {
            Ok(note)
        }
    });
    let (
        term,
        price_list_code,
        rebate_programs,
        target,
        after_sales_duties,
        payment_net_days,
        payment_terms,
        training_duties,
        signed_on,
        note,
    ) = (
        term,
        price_list_code,
        rules::parse_references("rebate_programs", &input.rebate_programs),
        target,
        rules::parse_text("after_sales_duties", &input.after_sales_duties, 2000),
        rules::parse_net_days("payment_net_days", &input.payment_net_days),
        rules::parse_text("payment_terms", &input.payment_terms, 500),
        rules::parse_text("training_duties", &input.training_duties, 2000),
        signed_on,
        note,
    )
        .all()?;
    let terms = Terms {
        valid_from: term.from(),
        valid_to: term.to(),
        price_list_code,
        rebate_programs,
        target,
        after_sales_duties,
        payment_net_days,
        payment_terms,
        training_duties,
        signed_on,
        note,
    };
    Ok((term, terms))
}

impl Qudao {
    /// A partner's agreement: every version, and the one in force on
    /// `as_of` (today when absent).
    pub async fn agreement(
        &self,
        caller: &Caller,
        partner_code: &str,
        as_of: Option<NaiveDate>,
    ) -> Result<AgreementView, AppError> {
        caller.require(Permission::ViewAgreements)?;
        let partner = self
            .visible(self.db(), caller, Area::Agreements, partner_code)
            .await?;
        self.agreement_of(caller, &partner, as_of).await
    }

    /// The same for a partner its page has already found.
    pub async fn agreement_shown(
        &self,
        caller: &Caller,
        shown: &crate::Shown,
        as_of: Option<NaiveDate>,
    ) -> Result<AgreementView, AppError> {
        caller.require(Permission::ViewAgreements)?;
        self.agreement_of(caller, shown.within(caller, Area::Agreements)?, as_of)
            .await
    }

    async fn agreement_of(
        &self,
        caller: &Caller,
        partner: &Visible,
        as_of: Option<NaiveDate>,
    ) -> Result<AgreementView, AppError> {
        let rows = repo::versions_of(self.db(), partner).await?;
        let today = today();
        let as_of = as_of.unwrap_or(today);
        let dates = rows
            .iter()
            .map(version::Model::dates)
            .collect::<Result<Vec<_>, _>>()?;
        let in_force_version = rules::in_force(&dates, as_of).map(|d| d.version);
        let targets = self.annual_targets(self.db(), &[partner.id().0]).await?;
        let mut versions = rows
            .iter()
            .map(|row| view_of(row, partner.row(), today, targets.of(row)?))
            .collect::<Result<Vec<_>, _>>()?;
        versions.reverse();
        if !crate::visibility::sees_internal(caller) {
            // The terms are the partner's as much as ours; why we wrote or
            // ended a version, and which of our staff did, are not.
            for v in &mut versions {
                v.note.clear();
                v.termination_reason = None;
                v.created_by.clear();
                v.activated_by = None;
            }
        }
        let in_force = versions
            .iter()
            .find(|v| Some(v.version) == in_force_version)
            .cloned();
        Ok(AgreementView {
            partner_code: partner.code().to_owned(),
            partner_name: partner.row().name.clone(),
            as_of,
            in_force,
            versions,
        })
    }

    /// The version in force on `as_of`; none is `NotFound`.
    pub async fn agreement_in_force(
        &self,
        caller: &Caller,
        partner_code: &str,
        as_of: Option<NaiveDate>,
    ) -> Result<AgreementVersionView, AppError> {
        self.agreement(caller, partner_code, as_of)
            .await?
            .in_force
            .ok_or(AppError::NotFound("agreement in force on that date"))
    }

    /// One version, whatever its status: old versions stay readable.
    pub async fn agreement_version(
        &self,
        caller: &Caller,
        partner_code: &str,
        number: i32,
    ) -> Result<AgreementVersionView, AppError> {
        self.agreement(caller, partner_code, None)
            .await?
            .versions
            .into_iter()
            .find(|v| v.version == number)
            .ok_or(AppError::NotFound("agreement version"))
    }

    /// Writes a new draft: the first version, or an amendment of the latest.
    pub async fn create_agreement_draft(
        &self,
        caller: &Caller,
        partner_code: &str,
        input: &AgreementInput,
    ) -> Result<AgreementVersionView, AppError> {
        caller.require(Permission::ManageAgreements)?;
        let tx = self.write().await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Agreements, partner_code)
            .await?;
        let row = self
            .create_agreement_draft_in(&tx, caller, &partner, input)
            .await?;
        let view = view_of(&row, partner.row(), today(), proposed(&row)?)?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// The core of [`Self::create_agreement_draft`] inside an open
    /// transaction, for imports that write many in one go. The caller has
    /// checked the permission and the partner's scope.
    pub(crate) async fn create_agreement_draft_in(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        partner: &Visible,
        input: &AgreementInput,
    ) -> Result<version::Model, AppError> {
        let rows = repo::versions_of(tx, partner).await?;
        let dates = rows
            .iter()
            .map(version::Model::dates)
            .collect::<Result<Vec<_>, _>>()?;
        let (number, (term, terms)) = (
            rules::check_new_draft(partner.code(), &dates, input.amends),
            parse_terms(input, !dates.is_empty()),
        )
            .all()?;
        rules::check_term(partner.code(), &dates, number, term)?;
        let row = repo::insert_draft(tx, partner, number, terms, &caller.login)
            .await
            .map_err(|e| match e {
                qudao_store::StoreError::Duplicate => AppError::Duplicate { field: "version" },
                other => other.into(),
            })?;
        let view = view_of(&row, partner.row(), today(), proposed(&row)?)?;
        self.audit(
            tx,
            caller,
            "agreement",
            &view.code,
            "create_draft",
            None,
            Some(&view),
        )
        .await?;
        Ok(row)
    }

    /// Rewrites a draft; activated versions are never edited.
    pub async fn update_agreement_draft(
        &self,
        caller: &Caller,
        partner_code: &str,
        number: i32,
        input: &AgreementInput,
    ) -> Result<AgreementVersionView, AppError> {
        caller.require(Permission::ManageAgreements)?;
        let tx = self.write().await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Agreements, partner_code)
            .await?;
        let rows = repo::versions_of(&tx, &partner).await?;
        let draft = rows
            .iter()
            .find(|r| r.version == number)
            .cloned()
            .ok_or(AppError::NotFound("agreement version"))?;
        let dates = rows
            .iter()
            .map(version::Model::dates)
            .collect::<Result<Vec<_>, _>>()?;
        let ((), terms) = (
            rule(draft.state()? == VersionState::Draft, || {
                Invalid::new(
                    "version",
                    Problem::Rule {
                        rule: "only_drafts_change",
                    },
                )
            }),
            parse_terms(input, number > 1).and_then(|(term, terms)| {
                rules::check_term(partner.code(), &dates, number, term)
                    .map(|()| terms)
                    .into_parsed()
            }),
        )
            .all()?;
        let today = today();
        let before = view_of(&draft, partner.row(), today, proposed(&draft)?)?;
        let row = repo::update_draft(&tx, draft, terms).await?;
        let after = view_of(&row, partner.row(), today, proposed(&row)?)?;
        self.audit(
            &tx,
            caller,
            "agreement",
            &after.code,
            "update_draft",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }

    /// Puts a draft in force; the version it amends is superseded from the
    /// draft's first day.
    pub async fn activate_agreement(
        &self,
        caller: &Caller,
        partner_code: &str,
        number: i32,
    ) -> Result<AgreementVersionView, AppError> {
        caller.require(Permission::ManageAgreements)?;
        let settings = self.current_settings().await?;
        let tx = self.write().await?;
        // Activation writes the partner's year target. The targets' lock
        // comes before any partner row is locked, as in every target write;
        // the other order could deadlock with a cascade.
        tx.lock(Aggregate::Targets).await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Agreements, partner_code)
            .await?;
        let rows = repo::versions_of(&tx, &partner).await?;
        let draft = rows
            .iter()
            .find(|r| r.version == number)
            .cloned()
            .ok_or(AppError::NotFound("agreement version"))?;
        if partner.row().status()? == PartnerStatus::Terminated {
            return Err(Invalid::new(
                "version",
                Problem::Rule {
                    rule: "partner_terminated",
                },
            )
            .into());
        }
        let dates = rows
            .iter()
            .map(version::Model::dates)
            .collect::<Result<Vec<_>, _>>()?;
        let plan = rules::plan_activation(partner.code(), &dates, number)?;
        let supersedes = plan.supersedes.and_then(|(old, from)| {
            rows.iter()
                .find(|r| r.version == old)
                .map(|r| (r.clone(), from))
        });
        let today = today();
        let before = view_of(&draft, partner.row(), today, proposed(&draft)?)?;
        let superseded = supersedes.as_ref().map(|(old, _)| old.version);
        let draft_target = draft.target()?;
        let row = repo::activate(&tx, draft, supersedes, &caller.login).await?;
        if let Some(figure) = draft_target {
            let year = crate::targets::fiscal(settings.fiscal_year_start).year_of(row.valid_from);
            // Targets are in the company's currency: a figure in another
            // is converted at the rate of the month the version starts in
            // (refused, naming the month, when there is none).
            let month = Month::of(row.valid_from);
            let rate = self.rate_for(month, figure.currency()).await?;
            let converted = qudao_domain::rates::convert(figure, &rate, settings.currency)
                .ok_or_else(|| AppError::Internal("conversion overflow".into()))?;
            let reason = format!("{} {}", before.code, row.note.trim());
            self.year_target_from_agreement(&tx, caller, &partner, year, converted, reason.trim())
                .await?;
        }
        let targets = self.annual_targets(&tx, &[partner.id().0]).await?;
        let after = view_of(&row, partner.row(), today, targets.of(&row)?)?;
        self.audit(
            &tx,
            caller,
            "agreement",
            &after.code,
            "activate",
            Some(&before),
            Some(&after),
        )
        .await?;
        if let Some(old) = superseded {
            // The superseded version's record gains a date, not new terms;
            // the audit line says by whom and from when.
            let key = version_code(partner.code(), old);
            let note = serde_json::json!({ "superseded_by": after.code, "superseded_from": after.valid_from });
            self.audit(
                &tx,
                caller,
                "agreement",
                &key,
                "supersede",
                None,
                Some(&note),
            )
            .await?;
        }
        crate::commit(tx).await?;
        Ok(after)
    }

    /// Ends the agreement from `effective_date` (its first day without one).
    pub async fn terminate_agreement(
        &self,
        caller: &Caller,
        partner_code: &str,
        input: &TerminateInput,
    ) -> Result<AgreementVersionView, AppError> {
        caller.require(Permission::ManageAgreements)?;
        let tx = self.write().await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Agreements, partner_code)
            .await?;
        let rows = repo::versions_of(&tx, &partner).await?;
        let dates = rows
            .iter()
            .map(version::Model::dates)
            .collect::<Result<Vec<_>, _>>()?;
        let effective = parse_date("effective_date", &input.effective_date);
        let number = given(effective.clone().ok(), |day| {
            rules::plan_termination(&dates, day)
        });
        let (effective, reason, number) =
            (effective, Reason::parse(&input.reason), number).all()?;
        let current = rows
            .iter()
            .find(|r| r.version == number)
            .cloned()
            .ok_or_else(|| AppError::Internal("planned version missing".to_owned()))?;
        let today = today();
        let targets = self.annual_targets(&tx, &[partner.id().0]).await?;
        let before = view_of(&current, partner.row(), today, targets.of(&current)?)?;
        let row = repo::terminate(&tx, current, effective, reason.as_str()).await?;
        let after = view_of(&row, partner.row(), today, targets.of(&row)?)?;
        self.audit(
            &tx,
            caller,
            "agreement",
            &after.code,
            "terminate",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }

    /// The year targets in force of these partners, for [`AnnualTargets`].
    async fn annual_targets(
        &self,
        db: &impl ConnectionTrait,
        partner_ids: &[i64],
    ) -> Result<AnnualTargets, AppError> {
        let settings = self.current_settings().await?;
        let rows =
            qudao_store::targets::partners_in_force(db, partner_ids, TargetMeasure::SellInAmount)
                .await?;
        let in_force = rows
            .into_iter()
            .filter_map(|row| match (row.key.subject, row.key.period) {
                (Subject::Partner(partner), Period::Year(year)) => {
                    Some(((partner, year), row.value.amount()))
                }
                _ => None,
            })
            .collect();
        Ok(AnnualTargets {
            calendar: crate::targets::fiscal(settings.fiscal_year_start),
            currency: settings.currency,
            in_force,
        })
    }

    /// Agreement versions in the caller's scope.
    pub async fn list_agreements(
        &self,
        caller: &Caller,
        filter: &AgreementFilter,
        sort: AgreementSort,
        dir: SortDir,
        page: PageRequest,
    ) -> Result<Page<AgreementVersionView>, AppError> {
        let filter = repo::AgreementFilter {
            partner: filter.partner.clone(),
            status: filter.status.map(status_filter),
            in_force_on: filter.in_force_on,
            expiring_by: None,
        };
        self.versions_page(caller, &filter, sort, dir, page).await
    }

    /// Active agreements whose term ends within `days` days (today
    /// included) and that no later version takes over from.
    pub async fn expiring_agreements(
        &self,
        caller: &Caller,
        days: u32,
        sort: AgreementSort,
        dir: SortDir,
        page: PageRequest,
    ) -> Result<Page<AgreementVersionView>, AppError> {
        let filter = expiring_filter(days)?;
        self.versions_page(caller, &filter, sort, dir, page).await
    }

    pub async fn count_expiring_agreements(
        &self,
        caller: &Caller,
        days: u32,
    ) -> Result<u64, AppError> {
        caller.require(Permission::ViewAgreements)?;
        let filter = expiring_filter(days)?;
        Ok(repo::count(
            self.db(),
            scope_in(caller, Area::Agreements),
            &filter,
            today(),
        )
        .await?)
    }

    async fn versions_page(
        &self,
        caller: &Caller,
        filter: &repo::AgreementFilter,
        sort: AgreementSort,
        dir: SortDir,
        page: PageRequest,
    ) -> Result<Page<AgreementVersionView>, AppError> {
        caller.require(Permission::ViewAgreements)?;
        let today = today();
        let rows = repo::list(
            self.db(),
            scope_in(caller, Area::Agreements),
            filter,
            today,
            sort,
            dir,
            page,
        )
        .await?;
        let mut ids: Vec<i64> = rows.items.iter().map(|r| r.partner_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let partners =
            repo::partners_by_id(self.db(), scope_in(caller, Area::Agreements), &ids).await?;
        let targets = self.annual_targets(self.db(), &ids).await?;
        let items = rows
            .items
            .iter()
            .filter_map(|row| {
                let partner = partners.iter().find(|p| p.id == row.partner_id)?;
                Some(
                    targets
                        .of(row)
                        .and_then(|t| view_of(row, partner, today, t)),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page {
            items,
            total: rows.total,
            page: rows.page,
            per_page: rows.per_page,
        })
    }
}

fn expiring_filter(days: u32) -> Result<repo::AgreementFilter, AppError> {
    let too_far = || {
        Invalid::new(
            "days",
            Problem::Format {
                expected: "0–730"
            },
        )
    };
    if days > MAX_EXPIRING_DAYS {
        return Err(too_far().into());
    }
    let by = today()
        .checked_add_days(chrono::Days::new(u64::from(days)))
        .ok_or_else(too_far)?;
    Ok(repo::AgreementFilter {
        expiring_by: Some(by),
        ..Default::default()
    })
}
