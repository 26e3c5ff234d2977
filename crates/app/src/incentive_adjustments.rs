//! Penalties (罚扣) and manual adjustments (手工调整) of incentive results:
//! amounts a run of the period adds to a subject's result after the cap,
//! the result never going below zero (`domain::incentives::calc`). Each
//! carries a reason, which the subject's statement will show.
//!
//! An adjustment names a program by code and a period the program can be
//! computed for (`Program::covers`, against the active versions of the
//! code); its subject is a partner for rebates and promotions, a rep (by
//! login) for commissions. The amount is in the program's currency, read
//! with the money parser; a penalty deducts. Entering the same adjustment
//! again (subject, program, period, kind, amount and reason) is refused:
//! it is almost always a file imported twice. Adjustments are never
//! changed or withdrawn: a mistake is corrected by an opposite adjustment
//! with its own reason, so what a run read stays what it read.
//!
//! Who: admins, channel managers (partners in their scope, any rep) and
//! finance enter and list them; partner roles never reach them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use qudao_domain::admin::Role;
use qudao_domain::error::{Invalid, Problem};
use qudao_domain::incentives::program::ProgramKind;
use qudao_domain::incentives::{Adjustment, AdjustmentKind, Program, ProgramCode};
use qudao_domain::money::{Currency, Money};
use qudao_domain::partners::PartnerId;
use qudao_domain::periods::{FiscalCalendar, Period};
use qudao_domain::scope::UserId;
use qudao_store::Aggregate;
use qudao_store::incentive_adjustments::{self as repo, AdjustmentRow, NewAdjustment, Subject};
use qudao_store::incentives::ProgramStatus;
use qudao_store::paging::{Page, PageRequest};

use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Permission, Qudao};

/// An adjustment as typed in the form, the API or a file row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct AdjustmentInput {
    /// A partner's code (rebate and promotion programs) or a rep's login
    /// (commission programs).
    pub subject_code: String,
    pub program_code: String,
    /// `2026-Q3`, `2026-07` or `2026`: a period of the program's kind.
    pub period: String,
    /// In major units of the program's currency, e.g. `-1200.50`.
    pub amount: String,
    /// `penalty` or `manual`; empty is `manual`.
    #[serde(default)]
    pub kind: String,
    /// 1–200 characters; the subject's statement shows it.
    pub reason: String,
}

/// One adjustment with the names people read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AdjustmentView {
    pub id: i64,
    /// `partner` or `rep`.
    pub subject_type: &'static str,
    /// The partner's code or the rep's login.
    pub subject_code: String,
    pub subject_name: String,
    pub program_code: String,
    /// The name of the program's latest version.
    pub program_name: String,
    pub period: String,
    /// `penalty` or `manual`.
    pub kind: &'static str,
    /// In major units, exact (`-1200.50`).
    pub amount: String,
    pub amount_minor: i64,
    pub currency: String,
    pub reason: String,
    pub created_by: String,
    /// The display name of `created_by` (its login when the user is gone).
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
}

/// What a list shows: one period, one program, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdjustmentFilter {
    pub period: Option<String>,
    pub program: Option<String>,
}

fn conflict(field: &'static str, rule: &'static str, with: &str) -> Invalid {
    Invalid::new(
        field,
        Problem::Conflict {
            rule,
            with: with.to_owned(),
        },
    )
}

fn fiscal_calendar(start: u32) -> Result<FiscalCalendar, AppError> {
    FiscalCalendar::new(start)
        .ok_or_else(|| AppError::Internal(format!("fiscal year start {start} is not a month")))
}

impl Qudao {
    /// Enters one adjustment; any problem refuses it whole, each at its
    /// field, and nothing is written.
    pub async fn add_adjustment(
        &self,
        caller: &Caller,
        input: &AdjustmentInput,
    ) -> Result<AdjustmentView, AppError> {
        caller.require(Permission::AdjustIncentives)?;
        let tx = self.write().await?;
        tx.lock(Aggregate::Incentives).await?;
        let id = self.put_adjustment(&tx, caller, input).await?;
        let view = self
            .adjustment_views(&tx, caller, &AdjustmentFilter::default())
            .await?
            .into_iter()
            .find(|v| v.id == id)
            .ok_or(AppError::NotFound("adjustment"))?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// Checks and writes one adjustment inside the caller's transaction
    /// (the form's and every import row's), with its audit entry. Every
    /// problem is reported at once, at its field.
    pub(crate) async fn put_adjustment(
        &self,
        tx: &qudao_store::WriteTx,
        caller: &Caller,
        input: &AdjustmentInput,
    ) -> Result<i64, AppError> {
        let mut errors: Vec<Invalid> = Vec::new();
        let period = Period::parse("period", &input.period)
            .map_err(|e| errors.push(e))
            .ok();
        let kind = match input.kind.trim() {
            "" => Some(AdjustmentKind::Manual),
            kind => AdjustmentKind::parse(kind).map_err(|e| errors.push(e)).ok(),
        };
        let program = match ProgramCode::parse_as("program_code", &input.program_code) {
            Ok(code) => match self.program_for(tx, &code, period).await? {
                Ok(program) => Some(program),
                Err(problem) => {
                    errors.push(problem);
                    None
                }
            },
            Err(e) => {
                errors.push(e);
                None
            }
        };
        // Without a program the amount is still read (as yuan) so that a
        // badly written one is reported with the rest.
        let currency = program.as_ref().map_or(Currency::CNY, |p| p.currency);
        let amount = Money::parse("amount", &input.amount, currency)
            .map_err(|e| errors.push(e))
            .ok();
        let subject = match &program {
            Some(program) => self
                .adjusted_subject(tx, caller, program.kind, &input.subject_code)
                .await?
                .map_err(|e| errors.push(e))
                .ok(),
            None => None,
        };
        let adjustment = match (kind, amount) {
            (Some(kind), Some(amount)) => Adjustment::new(kind, amount.minor(), &input.reason)
                .map_err(|e| errors.push(e))
                .ok(),
            _ => None,
        };
        let (Some(period), Some(program), Some(subject), Some(adjustment)) =
            (period, program, subject, adjustment)
        else {
            return Err(AppError::Invalid(errors));
        };
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let new = NewAdjustment {
            subject,
            program: &program.code,
            period,
            adjustment: &adjustment,
            currency: program.currency,
        };
        if repo::exists(tx, &new).await? {
            return Err(AppError::Invalid(vec![conflict(
                "reason",
                "adjustment_exists",
                &format!("{period} {}", program.code),
            )]));
        }
        let id = repo::insert(tx, &new, &caller.login).await?;
        #[derive(Serialize)]
        struct Entered<'a> {
            subject: &'a str,
            program: &'a str,
            period: String,
            kind: &'static str,
            amount: i64,
            reason: &'a str,
        }
        self.audit(
            tx,
            caller,
            "incentive_adjustment",
            &id.to_string(),
            "create",
            None,
            Some(&Entered {
                subject: input.subject_code.trim(),
                program: program.code.as_str(),
                period: period.to_string(),
                kind: adjustment.kind().as_str(),
                amount: adjustment.amount(),
                reason: adjustment.reason(),
            }),
        )
        .await?;
        Ok(id)
    }

    /// The active version of `code` that can be computed for `period`
    /// (any active one when the period did not read); the problem when
    /// there is none.
    async fn program_for(
        &self,
        tx: &qudao_store::WriteTx,
        code: &ProgramCode,
        period: Option<Period>,
    ) -> Result<Result<Program, Invalid>, AppError> {
        let active: Vec<Program> = qudao_store::incentives::versions(tx, code.as_str())
            .await?
            .into_iter()
            .filter(|r| r.status == ProgramStatus::Active)
            .map(|r| r.program)
            .collect();
        let Some(latest) = active.first() else {
            return Ok(Err(conflict(
                "program_code",
                "adjustment_program_not_active",
                code.as_str(),
            )));
        };
        let Some(period) = period else {
            return Ok(Ok(latest.clone()));
        };
        let fiscal = fiscal_calendar(self.current_settings().await?.fiscal_year_start)?;
        let mut first_problem = None;
        for program in &active {
            match program.covers(period, fiscal) {
                Ok(()) => return Ok(Ok(program.clone())),
                Err(problem) => {
                    first_problem.get_or_insert(problem);
                }
            }
        }
        Ok(Err(first_problem.unwrap_or_else(|| {
            Invalid::new("period", Problem::Required)
        })))
    }

    /// The partner (in the caller's scope) or the rep an adjustment of a
    /// program of `kind` is for.
    async fn adjusted_subject(
        &self,
        tx: &qudao_store::WriteTx,
        caller: &Caller,
        kind: ProgramKind,
        code: &str,
    ) -> Result<Result<Subject, Invalid>, AppError> {
        let code = code.trim();
        if code.is_empty() {
            return Ok(Err(Invalid::new("subject_code", Problem::Required)));
        }
        if kind == ProgramKind::Commission {
            return Ok(
                match qudao_store::admin::find_user_by_login(tx, code).await? {
                    Some(u) if u.role == Role::SalesRep.as_str() => Ok(Subject::Rep(UserId(u.id))),
                    _ => Err(conflict("subject_code", "adjustment_rep_unknown", code)),
                },
            );
        }
        match self
            .visible(tx, caller, Area::IncentiveAdjustments, code)
            .await
        {
            Ok(partner) => Ok(Ok(Subject::Partner(partner.id()))),
            Err(AppError::NotFound(_)) => Ok(Err(conflict(
                "subject_code",
                "adjustment_partner_unknown",
                code,
            ))),
            Err(e) => Err(e),
        }
    }

    /// The adjustments the caller may see, newest first.
    pub async fn adjustments(
        &self,
        caller: &Caller,
        filter: &AdjustmentFilter,
        page: PageRequest,
    ) -> Result<Page<AdjustmentView>, AppError> {
        caller.require(Permission::AdjustIncentives)?;
        let views = self.adjustment_views(self.db(), caller, filter).await?;
        Ok(Page::slice(views, page))
    }

    async fn adjustment_views(
        &self,
        db: &impl qudao_store::ConnectionTrait,
        caller: &Caller,
        filter: &AdjustmentFilter,
    ) -> Result<Vec<AdjustmentView>, AppError> {
        let period = crate::non_empty(filter.period.as_deref())
            .map(|p| Period::parse("period", p))
            .transpose()?;
        let program = crate::non_empty(filter.program.as_deref())
            .map(|p| ProgramCode::parse_as("program", p))
            .transpose()?;
        let scope = scope_in(caller, Area::IncentiveAdjustments);
        let rows = repo::list(
            db,
            scope,
            &repo::Filter {
                period,
                program: program.as_ref(),
            },
        )
        .await?;
        let partner_ids: Vec<i64> = rows
            .iter()
            .filter_map(|r| match r.subject {
                Subject::Partner(PartnerId(id)) => Some(id),
                Subject::Rep(_) => None,
            })
            .collect();
        let rep_ids: Vec<i64> = rows
            .iter()
            .filter_map(|r| match r.subject {
                Subject::Rep(UserId(id)) => Some(id),
                Subject::Partner(_) => None,
            })
            .collect();
        let partners: HashMap<i64, (String, String)> =
            qudao_store::partners::names_of(db, scope, &partner_ids)
                .await?
                .into_iter()
                .map(|(id, code, name)| (id, (code, name)))
                .collect();
        let reps = repo::rep_names(db, &rep_ids).await?;
        let logins: Vec<String> = rows
            .iter()
            .map(|r| r.created_by.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let people: HashMap<String, String> = qudao_store::admin::display_names(db, &logins)
            .await?
            .into_iter()
            .collect();
        let mut program_names: HashMap<String, String> = HashMap::new();
        for row in qudao_store::incentives::all_versions(db).await? {
            // Latest version first: the first name seen is the current one.
            program_names
                .entry(row.program.code.as_str().to_owned())
                .or_insert(row.program.name);
        }
        rows.into_iter()
            .map(|row| {
                let (subject_type, names) = match row.subject {
                    Subject::Partner(PartnerId(id)) => ("partner", partners.get(&id)),
                    Subject::Rep(UserId(id)) => ("rep", reps.get(&id)),
                };
                let (subject_code, subject_name) = names.cloned().ok_or_else(|| {
                    AppError::Internal(format!("adjustment {} names no subject", row.id))
                })?;
                Ok(view(
                    row,
                    subject_type,
                    subject_code,
                    subject_name,
                    &program_names,
                    &people,
                ))
            })
            .collect()
    }
}

fn view(
    row: AdjustmentRow,
    subject_type: &'static str,
    subject_code: String,
    subject_name: String,
    program_names: &HashMap<String, String>,
    people: &HashMap<String, String>,
) -> AdjustmentView {
    let program_code = row.program.as_str().to_owned();
    AdjustmentView {
        id: row.id,
        subject_type,
        subject_code,
        subject_name,
        program_name: program_names
            .get(&program_code)
            .cloned()
            .unwrap_or_else(|| program_code.clone()),
        program_code,
        period: row.period.to_string(),
        kind: row.adjustment.kind().as_str(),
        amount: row.amount.amount_text(),
        amount_minor: row.amount.minor(),
        currency: row.amount.currency().as_str().to_owned(),
        reason: row.adjustment.reason().to_owned(),
        created_by_name: people
            .get(&row.created_by)
            .unwrap_or(&row.created_by)
            .clone(),
        created_by: row.created_by,
        created_at: row.created_at,
    }
}
