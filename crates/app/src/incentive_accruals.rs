//! Month-end accruals (预提) of incentive programs: for a month, every
//! active program version in force for the period of its kind that
//! contains the month, the rebate, commission or promotion liability
//! accrued to the month's end, what it is projected at when the period
//! ends, and how it moved since the version's last booked accrual of the
//! same period (`docs/INCENTIVES.md` "## Accruals").
//!
//! Each period's programs are read once through the facts of the months up
//! to the month (`gather_through`), each subject's base projected linearly
//! by elapsed days (`domain::incentive_accruals`), the rules and stacking
//! applied to the projected inputs as a run does (`calculated`), and the
//! accrual to date is the projected amount at the rate of what was bought
//! so far. A period that ended by the month accrues its actual amount.
//!
//! Booking: finance (`ApproveIncentives`) books a month once, after it has
//! ended; the figures are stored per month × program version, and the
//! month then shows what was booked. A second booking of the same month is
//! refused (an estimate is never replaced under an entry already posted),
//! so a correction shows up as the next month's movement.
//!
//! Who reads: finance, admins and channel managers
//! (`ViewIncentiveAccruals`). Accruals are the company's totals per
//! program, never a partner's figures, so they are not scoped.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use qudao_domain::error::{Invalid, Problem};
use qudao_domain::incentive_accruals::{Elapsed, accrual, movement, period_of};
use qudao_domain::incentives::Program;
use qudao_domain::incentives::program::{PeriodKind, ProgramKind};
use qudao_domain::money::{Currency, Money};
use qudao_domain::periods::{Month, Period};
use qudao_store::Aggregate;
use qudao_store::incentive_accruals::{self as repo, BookedRow, NewBooking};
use qudao_store::incentive_runs::Stacking;
use qudao_store::incentives::{ProgramRow, ProgramStatus};

use crate::incentive_compute::{Gathered, calculated};
use crate::{AppError, Caller, Permission, Qudao};

/// One program's accrual of a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = AccrualLineView)]
pub struct AccrualLine {
    pub program_code: String,
    pub program_name: String,
    pub version: u32,
    /// `rebate`, `commission` or `promotion`.
    pub kind: ProgramKind,
    /// The program's period containing the month: `2026-Q4`, `2026`, `2026-11`.
    pub period: String,
    /// Whether the period has ended by the month's end (actual figures).
    pub ended: bool,
    pub currency: String,
    /// Accrued to the month's end, in major units, exact (`19891.30`).
    pub accrued: String,
    pub accrued_minor: i64,
    /// Projected for the whole period.
    pub projected: String,
    pub projected_minor: i64,
    /// The last booked accrual of this version and period before the month.
    pub last_booked: Option<String>,
    pub last_booked_minor: Option<i64>,
    /// Accrued − last booked (all of it when none was booked).
    pub movement: String,
    pub movement_minor: i64,
    /// Subjects with a projected amount.
    pub subjects: i64,
    #[serde(skip)]
    #[schema(ignore)]
    pub program_id: i64,
}

/// The sums of one currency's lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = AccrualTotalView)]
pub struct AccrualTotal {
    pub currency: String,
    pub accrued: String,
    pub projected: String,
    pub last_booked: String,
    pub movement: String,
}

/// Who booked a month, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = AccrualBookingView)]
pub struct Booking {
    pub booked_by: String,
    pub booked_at: DateTime<Utc>,
}

/// The accruals of one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = AccrualsView)]
pub struct Accruals {
    /// `2026-11`.
    pub month: String,
    /// The journal's date.
    pub month_end: NaiveDate,
    /// Set when the month was booked: the lines are then what was booked.
    pub booked: Option<Booking>,
    /// Whether the month has ended, so that it may be booked.
    pub ended: bool,
    pub lines: Vec<AccrualLine>,
    pub totals: Vec<AccrualTotal>,
}

fn invalid(rule: &'static str, with: String) -> AppError {
    Invalid::new("month", Problem::Conflict { rule, with }).into()
}

impl Qudao {
    /// The month an accrual is asked for: `YYYY-MM`, or the last ended
    /// month when empty.
    fn accrual_month(month: Option<&str>) -> Result<Month, AppError> {
        match crate::non_empty(month) {
            Some(text) => Ok(Month::parse("month", text)?),
            None => Ok(Month::of(crate::today()).previous()),
        }
    }

    /// The accruals of `month` (the last ended month when `None`): what was
    /// booked once booked, the estimate before.
    pub async fn incentive_accruals(
        &self,
        caller: &Caller,
        month: Option<&str>,
    ) -> Result<Accruals, AppError> {
        caller.require(Permission::ViewIncentiveAccruals)?;
        let month = Self::accrual_month(month)?;
        let booked = repo::of_month(self.db(), month).await?;
        if booked.is_empty() {
            let lines = self.estimated_accruals(month).await?;
            accruals(month, None, lines)
        } else {
            self.booked_accruals(month, booked).await
        }
    }

    /// Books the accruals of an ended month, once; returns what was booked.
    pub async fn book_incentive_accruals(
        &self,
        caller: &Caller,
        month: &str,
    ) -> Result<Accruals, AppError> {
        caller.require(Permission::ApproveIncentives)?;
        let month = Month::parse("month", month)?;
        if month >= Month::of(crate::today()) {
            return Err(invalid("accrual_month_not_ended", month.to_string()));
        }
        let tx = self.write().await?;
        tx.lock(Aggregate::Incentives).await?;
        if !repo::of_month(&tx, month).await?.is_empty() {
            return Err(invalid("accrual_month_booked", month.to_string()));
        }
        let lines = self.estimated_accruals(month).await?;
        if lines.is_empty() {
            return Err(invalid("accrual_nothing_to_book", month.to_string()));
        }
        for line in &lines {
            let currency = Currency::parse(&line.currency)?;
            let period = Period::parse("period", &line.period)?;
            repo::insert(
                &tx,
                &NewBooking {
                    month,
                    program_id: line.program_id,
                    period,
                    accrued: line.accrued_minor,
                    projected: line.projected_minor,
                    subjects: line.subjects,
                    last_booked: line.last_booked_minor,
                    movement: line.movement_minor,
                    currency,
                },
                &caller.login,
            )
            .await?;
        }
        #[derive(Serialize)]
        struct Booked<'a> {
            month: String,
            programs: Vec<(&'a str, u32, &'a str, i64, i64)>,
        }
        self.audit(
            &tx,
            caller,
            "incentive_accruals",
            &month.to_string(),
            "book",
            None,
            Some(&Booked {
                month: month.to_string(),
                programs: lines
                    .iter()
                    .map(|l| {
                        (
                            l.program_code.as_str(),
                            l.version,
                            l.period.as_str(),
                            l.accrued_minor,
                            l.movement_minor,
                        )
                    })
                    .collect(),
            }),
        )
        .await?;
        let booked = repo::of_month(&tx, month).await?;
        crate::commit(tx).await?;
        self.booked_accruals(month, booked).await
    }

    /// What a month's booking stored, with the programs' names.
    async fn booked_accruals(
        &self,
        month: Month,
        booked: Vec<BookedRow>,
    ) -> Result<Accruals, AppError> {
        let versions: HashMap<i64, ProgramRow> = qudao_store::incentives::all_versions(self.db())
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let booking = booked.first().map(|b| Booking {
            booked_by: b.booked_by.clone(),
            booked_at: b.booked_at,
        });
        let fiscal = crate::targets::fiscal(self.current_settings().await?.fiscal_year_start);
        let mut lines = Vec::with_capacity(booked.len());
        for b in booked {
            let row = versions.get(&b.program_id).ok_or_else(|| {
                AppError::Internal(format!("accrual names no program {}", b.program_id))
            })?;
            lines.push(AccrualLine {
                program_code: row.program.code.as_str().to_owned(),
                program_name: row.program.name.clone(),
                version: row.program.version,
                kind: row.program.kind,
                period: b.period.to_string(),
                ended: Elapsed::at(b.period, fiscal, month).ended(),
                currency: b.accrued.currency().as_str().to_owned(),
                accrued: b.accrued.amount_text(),
                accrued_minor: b.accrued.minor(),
                projected: b.projected.amount_text(),
                projected_minor: b.projected.minor(),
                last_booked: b.last_booked.map(Money::amount_text),
                last_booked_minor: b.last_booked.map(Money::minor),
                movement: b.movement.amount_text(),
                movement_minor: b.movement.minor(),
                subjects: b.subjects,
                program_id: b.program_id,
            });
        }
        accruals(month, booking, lines)
    }

    /// The estimate of every program in force for a period containing the
    /// month, program by program in the runs' order.
    async fn estimated_accruals(&self, month: Month) -> Result<Vec<AccrualLine>, AppError> {
        let fiscal = crate::targets::fiscal(self.current_settings().await?.fiscal_year_start);
        let active: Vec<ProgramRow> = qudao_store::incentives::all_versions(self.db())
            .await?
            .into_iter()
            .filter(|r| r.status == ProgramStatus::Active)
            .collect();
        let mut lines = Vec::new();
        for kind in PeriodKind::ALL {
            let period = period_of(*kind, fiscal, month);
            let mut rows: Vec<&ProgramRow> = active
                .iter()
                .filter(|r| r.program.period == *kind && r.program.covers(period, fiscal).is_ok())
                .collect();
            if rows.is_empty() {
                continue;
            }
            rows.sort_by(|a, b| {
                (a.program.stacking.order, &a.program.code)
                    .cmp(&(b.program.stacking.order, &b.program.code))
            });
            let programs: Vec<&Program> = rows.iter().map(|r| &r.program).collect();
            let elapsed = Elapsed::at(period, fiscal, month);
            let gathered = self.gather_through(period, &programs, Some(month)).await?;
            let sums = projected_sums(&programs, gathered, elapsed)?;
            for (ix, row) in rows.into_iter().enumerate() {
                let sum = sums.get(&ix).copied().unwrap_or_default();
                lines.push((row.id, row, period, elapsed.ended(), sum));
            }
        }
        let keys: Vec<(i64, Period)> = lines.iter().map(|(id, _, p, _, _)| (*id, *p)).collect();
        let last = repo::last_booked_before(self.db(), month, &keys).await?;
        Ok(lines
            .into_iter()
            .map(|(id, row, period, ended, sum)| {
                let currency = row.program.currency;
                let money = |minor| Money::from_minor(minor, currency);
                let last_booked = last.get(&id).map(|b| b.accrued.minor());
                let moved = movement(sum.accrued, last_booked);
                AccrualLine {
                    program_code: row.program.code.as_str().to_owned(),
                    program_name: row.program.name.clone(),
                    version: row.program.version,
                    kind: row.program.kind,
                    period: period.to_string(),
                    ended,
                    currency: currency.as_str().to_owned(),
                    accrued: money(sum.accrued).amount_text(),
                    accrued_minor: sum.accrued,
                    projected: money(sum.projected).amount_text(),
                    projected_minor: sum.projected,
                    last_booked: last_booked.map(|m| money(m).amount_text()),
                    last_booked_minor: last_booked,
                    movement: money(moved).amount_text(),
                    movement_minor: moved,
                    subjects: sum.subjects,
                    program_id: id,
                }
            })
            .collect())
    }
}

/// One program's sums over its subjects.
#[derive(Debug, Clone, Copy, Default)]
struct Sum {
    accrued: i64,
    projected: i64,
    subjects: i64,
}

/// Every read projected to the period's end, calculated and stacked as a
/// run, each applied result accrued at its rate to date; sums by program
/// index.
fn projected_sums(
    programs: &[&Program],
    mut gathered: Gathered,
    elapsed: Elapsed,
) -> Result<HashMap<usize, Sum>, AppError> {
    let mut bases = Vec::with_capacity(gathered.reads.len());
    for read in &mut gathered.reads {
        let to_date = read.inputs.base;
        read.inputs.base = elapsed.project(to_date);
        read.inputs.multiplied_base = elapsed.project_exact(read.inputs.multiplied_base);
        bases.push((to_date, read.inputs.base));
    }
    let computation = calculated(programs, gathered)?;
    let mut sums: HashMap<usize, Sum> = HashMap::new();
    for (result, (to_date, projected_base)) in computation.results.iter().zip(bases) {
        if result.stacking != Stacking::Applied || result.outcome.amount == 0 {
            continue;
        }
        let amount = result.outcome.amount;
        let sum = sums.entry(result.program).or_default();
        sum.projected += amount;
        sum.accrued += accrual(amount, to_date, projected_base, elapsed.ended());
        sum.subjects += 1;
    }
    Ok(sums)
}

fn accruals(
    month: Month,
    booked: Option<Booking>,
    lines: Vec<AccrualLine>,
) -> Result<Accruals, AppError> {
    let mut by_currency: BTreeMap<String, (i64, i64, i64, i64)> = BTreeMap::new();
    for line in &lines {
        let t = by_currency.entry(line.currency.clone()).or_default();
        t.0 += line.accrued_minor;
        t.1 += line.projected_minor;
        t.2 += line.last_booked_minor.unwrap_or(0);
        t.3 += line.movement_minor;
    }
    let totals = by_currency
        .into_iter()
        .map(|(code, (accrued, projected, last, moved))| {
            // A line's currency is a program's, written from a `Currency`.
            let currency = Currency::parse(&code)
                .map_err(|_| AppError::Internal(format!("accrual currency {code}")))?;
            let text = |minor| Money::from_minor(minor, currency).amount_text();
            Ok(AccrualTotal {
                currency: code,
                accrued: text(accrued),
                projected: text(projected),
                last_booked: text(last),
                movement: text(moved),
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Accruals {
        month: month.to_string(),
        month_end: month.last_day(),
        booked,
        ended: month < Month::of(crate::today()),
        lines,
        totals,
    })
}
