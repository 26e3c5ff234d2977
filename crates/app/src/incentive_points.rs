//! Incentive points (`docs/INCENTIVES.md`, "Points"): what a program's
//! `points` earn a partner, and what becomes of them.
//!
//! - **Paying.** `pay_incentive_run` hands its run here, inside its
//!   transaction: every partner result with points earns what it has over
//!   what was already earned for the same program and period (an `earned`
//!   movement referencing the run and the result; negative when a
//!   re-settlement after a return lowered it).
//! - **Staff** (`ManageIncentives`) redeem points (never more than are
//!   available) or adjust them, with a reason.
//! - **Reading** derives the lots, what expired and what expires soon as
//!   of a date (today unless asked): nothing about expiry is written.
//!   Partners read their own; staff those of partners in their scope.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use qudao_domain::error::Invalid;
use qudao_domain::incentive_balances::parse_reason;
use qudao_domain::incentive_points::{self as rules, Movement, PointsKind};
use qudao_domain::incentives::ProgramCode;
use qudao_domain::partners::PartnerId;
use qudao_store::incentive_points::{self as repo, NewPoints, PointsRow};
use qudao_store::incentive_runs::RunRow;
use qudao_store::incentives::ProgramRow;
use qudao_store::scope::{self as store_scope, Visible};
use qudao_store::scorecards::{ResultReach, Scored};
use qudao_store::{Aggregate, ConnectionTrait, DataScope, WriteTx};

use crate::scope::Area;
use crate::{AppError, Caller, Permission, Qudao};

/// Points of a lot that expired or will expire on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PointsExpiryView {
    pub on: NaiveDate,
    pub points: i64,
}

/// Points that came in together and expire together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PointsLotView {
    /// The movement that brought them.
    pub movement: i64,
    pub on: NaiveDate,
    /// None: they do not expire (a positive adjustment).
    pub expires_on: Option<NaiveDate>,
    pub points: i64,
    pub used: i64,
    pub expired: i64,
    /// What is still live of them.
    pub left: i64,
}

/// One line of the points ledger: a movement, or an expiry derived from
/// the lots (`kind` `expired`, no `id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PointsLineView {
    pub id: Option<i64>,
    /// `earned`, `redeemed`, `adjusted` or `expired`.
    pub kind: String,
    /// Signed.
    pub points: i64,
    pub on: NaiveDate,
    pub program_code: Option<String>,
    pub program_name: Option<String>,
    pub period: Option<String>,
    pub run_id: Option<i64>,
    pub reason: Option<String>,
    pub created_by: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

/// A partner's points as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PointsView {
    pub partner: String,
    pub partner_name: String,
    pub as_of: NaiveDate,
    /// Below 0 only after a negative movement no live lot covered.
    pub available: i64,
    /// Live points expiring within 30 days, soonest first.
    pub expiring_soon: Vec<PointsExpiryView>,
    pub expiring_soon_total: i64,
    /// Everything that expired so far.
    pub expired_total: i64,
    /// Oldest first.
    pub lots: Vec<PointsLotView>,
    /// Movements and derived expiries, newest first.
    pub movements: Vec<PointsLineView>,
}

/// A movement staff record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct PointsInput {
    /// `redeemed` (a positive number taken off) or `adjusted` (signed).
    #[serde(default)]
    pub kind: String,
    /// A whole number of points, e.g. `120`.
    #[serde(default, deserialize_with = "crate::text::text_or_number")]
    #[schema(value_type = String, example = "120")]
    pub points: String,
    /// 1–200 characters.
    #[serde(default)]
    pub reason: String,
}

fn movements(rows: &[PointsRow]) -> Vec<Movement> {
    rows.iter()
        .map(|r| Movement {
            id: r.id,
            on: r.occurred_on,
            points: r.points,
            expire_months: match r.kind {
                PointsKind::Earned => r.expire_months,
                PointsKind::Redeemed | PointsKind::Adjusted => None,
            },
        })
        .collect()
}

impl Qudao {
    /// Writes what a paid run's partner results earn in points: each
    /// result's points less what its partner already earned for the same
    /// program and period.
    pub(crate) async fn earn_points(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        run: &RunRow,
        programs: &HashMap<i64, ProgramRow>,
    ) -> Result<(), AppError> {
        let every = ResultReach {
            scope: DataScope::All,
            reps: None,
        };
        let today = crate::today();
        for row in qudao_store::incentive_runs::results(tx, every, run.id).await? {
            let (Scored::Partner(id), Some(points)) = (row.subject, row.points) else {
                continue;
            };
            let Some(program) = programs.get(&row.program_id).map(|p| &p.program) else {
                continue;
            };
            let Some(rule) = program.points else { continue };
            // The run computed every subject, whoever pays it.
            let partner = store_scope::partner_by_id(tx, DataScope::All, PartnerId(id))
                .await?
                .ok_or(AppError::NotFound("partner"))?;
            let so_far = repo::earned_for(tx, &partner, &program.code, run.period).await?;
            let Some(earned) = rules::settlement(points, so_far) else {
                continue;
            };
            repo::insert(
                tx,
                &partner,
                &NewPoints {
                    kind: PointsKind::Earned,
                    points: earned,
                    occurred_on: today,
                    expire_months: Some(rule.expire_months),
                    run_id: Some(run.id),
                    result_id: Some(row.id),
                    program: Some(&program.code),
                    period: Some(run.period),
                    reason: None,
                },
                &caller.login,
            )
            .await?;
        }
        Ok(())
    }

    /// A partner's points as of `as_of` (today when none).
    pub async fn incentive_points(
        &self,
        caller: &Caller,
        code: Option<&str>,
        as_of: Option<NaiveDate>,
    ) -> Result<PointsView, AppError> {
        let partner = self.balances_partner(self.db(), caller, code).await?;
        self.points_of(self.db(), &partner, as_of.unwrap_or_else(crate::today))
            .await
    }

    async fn points_of(
        &self,
        db: &impl ConnectionTrait,
        partner: &Visible,
        as_of: NaiveDate,
    ) -> Result<PointsView, AppError> {
        let rows = repo::of_partner(db, partner).await?;
        let position = rules::position(&movements(&rows), as_of);
        let mut names: HashMap<String, String> = HashMap::new();
        for code in rows.iter().filter_map(|r| r.program.as_ref()) {
            if !names.contains_key(code.as_str()) {
                let versions = qudao_store::incentives::versions(db, code.as_str()).await?;
                if let Some(latest) = versions.iter().max_by_key(|v| v.program.version) {
                    names.insert(code.as_str().to_owned(), latest.program.name.clone());
                }
            }
        }
        let mut lines: Vec<PointsLineView> = rows
            .into_iter()
            .filter(|r| r.occurred_on <= as_of)
            .map(|r| PointsLineView {
                id: Some(r.id),
                kind: r.kind.as_str().to_owned(),
                points: r.points,
                on: r.occurred_on,
                program_name: r
                    .program
                    .as_ref()
                    .and_then(|p| names.get(p.as_str()).cloned()),
                program_code: r.program.map(|p| p.as_str().to_owned()),
                period: r.period.map(|p| p.to_string()),
                run_id: r.run_id,
                reason: r.reason,
                created_by: Some(r.created_by),
                created_at: Some(r.created_at),
            })
            .collect();
        lines.extend(position.expired.iter().map(|e| PointsLineView {
            id: None,
            kind: "expired".to_owned(),
            points: -e.points,
            on: e.on,
            program_code: None,
            program_name: None,
            period: None,
            run_id: None,
            reason: None,
            created_by: None,
            created_at: None,
        }));
        // Newest first; on one day the expiry after the day's movements.
        lines.sort_by_key(|l| (l.on, l.id.is_none(), l.id));
        lines.reverse();
        Ok(PointsView {
            partner: partner.code().to_owned(),
            partner_name: partner.row().name.clone(),
            as_of,
            available: position.available,
            expiring_soon_total: position.expiring_soon.iter().map(|e| e.points).sum(),
            expiring_soon: position
                .expiring_soon
                .iter()
                .map(|e| PointsExpiryView {
                    on: e.on,
                    points: e.points,
                })
                .collect(),
            expired_total: position.expired.iter().map(|e| e.points).sum(),
            lots: position
                .lots
                .iter()
                .map(|l| PointsLotView {
                    movement: l.movement,
                    on: l.on,
                    expires_on: l.expires_on,
                    points: l.points,
                    used: l.used,
                    expired: l.expired,
                    left: l.left(),
                })
                .collect(),
            movements: lines,
        })
    }

    /// Staff redeem or adjust a partner's points with a reason; every
    /// problem is reported at its field and nothing is written.
    pub async fn record_points_movement(
        &self,
        caller: &Caller,
        code: &str,
        input: &PointsInput,
    ) -> Result<PointsView, AppError> {
        caller.require(Permission::ManageIncentives)?;
        let tx = self.write().await?;
        // Paying writes earned points: a redemption checks the balance
        // with no payout in between.
        tx.lock(Aggregate::Incentives).await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::Incentives, code)
            .await?;
        let today = crate::today();
        let mut errors: Vec<Invalid> = Vec::new();
        let kind = PointsKind::parse(&input.kind)
            .map_err(|e| errors.push(e))
            .ok();
        let points = rules::parse_points(&input.points)
            .map_err(|e| errors.push(e))
            .ok();
        let reason = parse_reason(&input.reason).map_err(|e| errors.push(e)).ok();
        let signed = match (kind, points) {
            (Some(kind), Some(points)) => {
                let rows = repo::of_partner(&tx, &partner).await?;
                let available = rules::position(&movements(&rows), today).available;
                rules::staff_movement(kind, points, available)
                    .map_err(|e| errors.push(e))
                    .ok()
            }
            _ => None,
        };
        let (Some(kind), Some(signed), Some(reason)) = (kind, signed, reason) else {
            return Err(AppError::Invalid(errors));
        };
        let id = repo::insert(
            &tx,
            &partner,
            &NewPoints {
                kind,
                points: signed,
                occurred_on: today,
                expire_months: None,
                run_id: None,
                result_id: None,
                program: None::<&ProgramCode>,
                period: None,
                reason: Some(&reason),
            },
            &caller.login,
        )
        .await?;
        #[derive(Serialize)]
        struct Recorded<'a> {
            partner: &'a str,
            kind: &'static str,
            points: i64,
            reason: &'a str,
        }
        self.audit(
            &tx,
            caller,
            "incentive_points_movement",
            &id.to_string(),
            "create",
            None,
            Some(&Recorded {
                partner: partner.code(),
                kind: kind.as_str(),
                points: signed,
                reason: &reason,
            }),
        )
        .await?;
        let view = self.points_of(&tx, &partner, today).await?;
        crate::commit(tx).await?;
        Ok(view)
    }
}
