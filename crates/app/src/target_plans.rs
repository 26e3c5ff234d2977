//! Target plans: the bottom-up side of targets (目标上报). A sales rep
//! proposes figures for its own rep target and for the partners it covers,
//! a partner admin for its own organisation; a manager reads the gap
//! between the cascade (top-down) and the proposals (bottom-up) node by
//! node, and approves one of the two into force.
//!
//! One source of truth: what is in force is always the top-down target.
//! Approving a proposal writes its figure into the node's top-down target
//! (created, replaced while a draft, or amended with a reason when it was
//! approved already) and approves both, so attainment, the cascade's tree
//! and the exports never have to choose between two figures.

use std::collections::BTreeMap;

use serde::Serialize;

use qudao_domain::admin::Role;
use qudao_domain::dates::parse_date;
use qudao_domain::error::{Invalid, Problem};
use qudao_domain::periods::{FiscalCalendar, Period};
use qudao_domain::target_plans::VersionGap;
use qudao_domain::targets::{
    self as rules, Amendment, SplitBy, SplitPercent, SubjectType, TargetMeasure, TargetStatus,
    TargetValue, TargetVersion,
};
use qudao_store::Aggregate;
use qudao_store::scope::Visible;
use qudao_store::targets::{self as repo, NewSubject, Subject, TargetFilter, TargetKey, TargetRow};

use crate::scope::Area;
use crate::targets::TargetView;
use crate::{AppError, Caller, Permission, Qudao, non_empty};

/// A figure a rep or a partner admin proposes for one node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProposalInput {
    /// `2026`, `2026-Q3` or `2026-07`.
    pub period: String,
    /// `rep` (the caller itself) or `partner`.
    pub subject_type: String,
    /// The rep's own login, or a partner code the caller covers (a partner
    /// admin: its own organisation's).
    pub subject_code: String,
    pub measure: String,
    /// A product line code; empty for every line.
    pub product_line: Option<String>,
    /// `12345.67` for money, `120` for counts.
    pub value: String,
}

/// Why an approved top-down figure gives way to the proposal (required
/// only then: it becomes the amendment's reason).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApproveProposalInput {
    pub reason: String,
}

/// One node of a period (a partner or a rep, a measure, a line) with its
/// two versions side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GapRow {
    pub subject_type: SubjectType,
    pub subject_code: String,
    pub subject_name: String,
    pub measure: TargetMeasure,
    pub product_line: Option<String>,
    pub top_down: Option<TargetView>,
    pub bottom_up: Option<TargetView>,
    pub gap: VersionGap,
}

/// One partner that takes part of a re-allocated target, and its part (an
/// amount or a percent of what moves).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReceiverInput {
    pub partner: String,
    pub part: String,
}

/// Moving the rest of a partner's target, from a day to the period's end,
/// to named partners (when it is terminated, or on demand).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReallocationInput {
    /// The first day the partner no longer carries it: `2026-07-01`.
    pub from: String,
    /// `amounts` (summing to what moves exactly) or `percents` (to 100).
    pub by: String,
    pub receivers: Vec<ReceiverInput>,
    /// The receiver (partner code) that takes the rounding remainder of
    /// percents; the first one when empty.
    pub remainder_to: Option<String>,
    /// Why; logged on every target it touches.
    pub reason: String,
}

/// What a re-allocation wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReallocationView {
    /// The partner's target, now what it keeps for the days it served.
    pub source: TargetView,
    /// Each receiver's target after it, in the receivers' order.
    pub receivers: Vec<TargetView>,
    /// What moved (the source's figure before − after).
    pub moved: i64,
    pub days_elapsed: i64,
    pub days_left: i64,
}

/// The largest number of receivers of one re-allocation.
pub const MAX_RECEIVERS: usize = 50;

/// What approving a proposal did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProposalApproved {
    /// The node's top-down target, approved, now with the proposal's figure.
    pub top_down: TargetView,
    pub bottom_up: TargetView,
    /// The figure the top-down target had before (`None`: it had none).
    pub replaced: Option<i64>,
    /// Whether the top-down was approved already, so that the change was
    /// logged as an amendment.
    pub amended: bool,
}

impl Qudao {
    /// Proposes a bottom-up figure: written as the node's `bottom_up`
    /// draft (replaced while a draft; an approved proposal is locked). A
    /// rep proposes for itself and the partners it covers, a partner admin
    /// for its own organisation; any other partner is not found.
    pub async fn propose_target(
        &self,
        caller: &Caller,
        input: &ProposalInput,
    ) -> Result<TargetView, AppError> {
        caller.require(Permission::ProposeTargets)?;
        let currency = self.current_settings().await?.currency;
        let mut errors = Vec::new();
        let period = Period::parse("period", &input.period)
            .map_err(|e| errors.push(e))
            .ok();
        let subject_type = match SubjectType::parse(&input.subject_type) {
            Ok(t @ (SubjectType::Rep | SubjectType::Partner)) => Some(t),
            Ok(_) => {
                errors.push(Invalid::new(
                    "subject_type",
                    Problem::Rule {
                        rule: "proposal_subject_type",
                    },
                ));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        };
        let measure = TargetMeasure::parse(&input.measure)
            .map_err(|e| errors.push(e))
            .ok();
        let value = measure.and_then(|m| {
            TargetValue::parse("value", m, &input.value, currency)
                .map_err(|e| errors.push(e))
                .ok()
        });
        if measure.is_some_and(|m| !m.is_additive()) {
            // Coverage is a ratio set per region; nobody proposes it.
            errors.push(Invalid::new(
                "measure",
                Problem::Rule {
                    rule: "proposal_not_additive",
                },
            ));
        }
        let (Some(period), Some(subject_type), Some(value), true) =
            (period, subject_type, value, errors.is_empty())
        else {
            return Err(AppError::Invalid(errors));
        };
        let code = input.subject_code.trim();
        let tx = self.write().await?;
        tx.lock(Aggregate::Targets).await?;
        let partner: Option<Visible> = match subject_type {
            // Scope and the targets' narrowing decide: a partner admin
            // reaches its own organisation only, a rep the partners it
            // covers; anything else does not exist for the caller.
            SubjectType::Partner => Some(
                self.visible_for_write(&tx, caller, Area::Targets, code)
                    .await?,
            ),
            _ => {
                if caller.role != Role::SalesRep || code != caller.login {
                    return Err(AppError::NotFound("rep"));
                }
                None
            }
        };
        let subject = match &partner {
            Some(visible) => NewSubject::Partner(visible),
            None => NewSubject::Rep(caller.user_id.0),
        };
        let line = self.target_line(&tx, input.product_line.as_deref()).await?;
        let key = TargetKey {
            period,
            subject: subject.stored(),
            measure: value.measure(),
            product_line_id: line,
            version: TargetVersion::BottomUp,
        };
        let before = repo::by_key_for_write(&tx, &key).await?;
        let id = match &before {
            None => {
                repo::insert(&tx, &key, subject, value, None, &caller.login)
                    .await?
                    .id
            }
            Some(row) => {
                row.status.check_direct_edit()?;
                repo::update_value(&tx, row.id, value, None).await?;
                row.id
            }
        };
        let after = repo::by_id_for_write(&tx, Self::target_reach(caller), id)
            .await?
            .ok_or(AppError::NotFound("target"))?;
        let view = self
            .target_views(&tx, currency, vec![after])
            .await?
            .pop()
            .ok_or(AppError::NotFound("target"))?;
        self.audit(
            &tx,
            caller,
            "target",
            &id.to_string(),
            "propose",
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
        crate::commit(tx).await?;
        Ok(view)
    }

    /// The gap view of a period: every partner and rep node the caller
    /// sees with a target in either version, its top-down and bottom-up
    /// figures and the gap between them, partners first, by code.
    pub async fn target_gap(
        &self,
        caller: &Caller,
        period: &str,
        measure: Option<&str>,
    ) -> Result<Vec<GapRow>, AppError> {
        caller.require(Permission::ViewTargets)?;
        let settings = self.current_settings().await?;
        let filter = TargetFilter {
            period: Some(Period::parse("period", period)?),
            measure: non_empty(measure).map(TargetMeasure::parse).transpose()?,
            ..TargetFilter::default()
        };
        let rows: Vec<TargetRow> = repo::list(self.db(), Self::target_reach(caller), &filter)
            .await?
            .into_iter()
            .filter(|r| matches!(r.key.subject, Subject::Partner(_) | Subject::Rep(_)))
            .collect();
        let views = self
            .target_views(self.db(), settings.currency, rows)
            .await?;
        let mut nodes: BTreeMap<(u8, String, String, String), GapRow> = BTreeMap::new();
        for view in views {
            let order = u8::from(view.subject_type == SubjectType::Rep);
            let node = nodes
                .entry((
                    order,
                    view.subject_code.clone(),
                    view.measure.as_str().to_owned(),
                    view.product_line.clone().unwrap_or_default(),
                ))
                .or_insert_with(|| GapRow {
                    subject_type: view.subject_type,
                    subject_code: view.subject_code.clone(),
                    subject_name: view.subject_name.clone(),
                    measure: view.measure,
                    product_line: view.product_line.clone(),
                    top_down: None,
                    bottom_up: None,
                    gap: VersionGap::new(None, None),
                });
            match view.version {
                TargetVersion::TopDown => node.top_down = Some(view),
                TargetVersion::BottomUp => node.bottom_up = Some(view),
            }
        }
        Ok(nodes
            .into_values()
            .map(|mut row| {
                row.gap = VersionGap::new(
                    row.top_down.as_ref().map(|t| t.value),
                    row.bottom_up.as_ref().map(|b| b.value),
                );
                row
            })
            .collect())
    }

    /// Approves a proposal into force: its figure becomes the node's
    /// top-down target, approved and locked. Where the top-down target was
    /// approved already the change is an amendment and needs a reason
    /// (logged in `target_amendments`); the proposal
    /// itself is approved too, so it cannot be changed behind the figure
    /// it set. The cascade above is not re-balanced: its tree shows what
    /// the parent's children now leave unallocated.
    pub async fn approve_proposal(
        &self,
        caller: &Caller,
        id: i64,
        input: &ApproveProposalInput,
    ) -> Result<ProposalApproved, AppError> {
        caller.require(Permission::ApproveTargets)?;
        let settings = self.current_settings().await?;
        let reach = Self::target_reach(caller);
        let tx = self.write().await?;
        tx.lock(Aggregate::Targets).await?;
        let proposal = repo::by_id_for_write(&tx, reach, id)
            .await?
            .ok_or(AppError::NotFound("target"))?;
        if proposal.key.version != TargetVersion::BottomUp {
            return Err(Invalid::new(
                "version",
                Problem::Rule {
                    rule: "proposal_not_bottom_up",
                },
            )
            .into());
        }
        if proposal.status == TargetStatus::Approved {
            return Err(Invalid::new(
                "status",
                Problem::Rule {
                    rule: "proposal_already_approved",
                },
            )
            .into());
        }
        let key = TargetKey {
            version: TargetVersion::TopDown,
            ..proposal.key
        };
        // The partner is the proposal's, which the caller reaches.
        let partner = match proposal.key.subject {
            Subject::Partner(partner) => Some(
                qudao_store::scope::partner_by_id(
                    &tx,
                    crate::scope::scope_in(caller, Area::Targets),
                    qudao_domain::partners::PartnerId(partner),
                )
                .await?
                .ok_or(AppError::NotFound("target"))?,
            ),
            _ => None,
        };
        let subject = match (&partner, proposal.key.subject) {
            (Some(visible), _) => NewSubject::Partner(visible),
            (None, Subject::Rep(user)) => NewSubject::Rep(user),
            (None, _) => {
                return Err(Invalid::new(
                    "subject_type",
                    Problem::Rule {
                        rule: "proposal_subject_type",
                    },
                )
                .into());
            }
        };
        let put = self
            .put_in_force(&tx, caller, &key, subject, proposal.value, &input.reason)
            .await?;
        let (top_id, amended) = (put.id, put.amended);
        repo::set_status(&tx, proposal.id, TargetStatus::Approved).await?;
        let mut rows = Vec::with_capacity(2);
        for id in [top_id, proposal.id] {
            rows.push(
                repo::by_id_for_write(&tx, reach, id)
                    .await?
                    .ok_or(AppError::NotFound("target"))?,
            );
        }
        let mut views = self.target_views(&tx, settings.currency, rows).await?;
        let bottom_up = views.pop().ok_or(AppError::NotFound("target"))?;
        let top_down = views.pop().ok_or(AppError::NotFound("target"))?;
        let replaced = put.replaced.map(TargetValue::amount);
        self.audit(
            &tx,
            caller,
            "target",
            &top_id.to_string(),
            "approve_proposal",
            replaced.map(|v| serde_json::json!({ "value": v })).as_ref(),
            Some(&serde_json::json!({
                "value": top_down.value, "status": "approved",
                "proposal": proposal.id, "amended": amended,
                "reason": input.reason.trim(),
            })),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(ProposalApproved {
            top_down,
            bottom_up,
            replaced,
            amended,
        })
    }

    /// Re-allocates the rest of a partner's top-down target: from `from`
    /// to the period's end, prorated by days (`domain::targets::
    /// reallocate`), it moves to the named partners, which join the same
    /// parent so the cascade above still sums exactly. A terminated
    /// receiver is refused (`reallocation_to_terminated`). Every touched
    /// target that is approved is amended with the reason, which names the
    /// source on each receiver; a receiver without a target gets one, as
    /// approved as the source was, logged as an amendment from 0.
    pub async fn reallocate_target(
        &self,
        caller: &Caller,
        id: i64,
        input: &ReallocationInput,
    ) -> Result<ReallocationView, AppError> {
        caller.require(Permission::ApproveTargets)?;
        let settings = self.current_settings().await?;
        let calendar = FiscalCalendar::new(settings.fiscal_year_start)
            .or_else(|| FiscalCalendar::new(1))
            .ok_or_else(|| AppError::Internal("no fiscal calendar".into()))?;
        let mut errors = Vec::new();
        let from = parse_date("from", input.from.trim())
            .map_err(|e| errors.push(e))
            .ok();
        let reason = input.reason.trim();
        if reason.is_empty() {
            errors.push(Invalid::new(
                "reason",
                Problem::Rule {
                    rule: "amendment_reason_required",
                },
            ));
        }
        if input.receivers.is_empty() {
            errors.push(Invalid::new(
                "receivers",
                Problem::Rule {
                    rule: "cascade_no_children",
                },
            ));
        }
        if input.receivers.len() > MAX_RECEIVERS {
            errors.push(Invalid::new(
                "receivers",
                Problem::Limit {
                    rule: "reallocation_too_many_receivers",
                    max: MAX_RECEIVERS,
                },
            ));
        }
        let codes: Vec<&str> = input.receivers.iter().map(|r| r.partner.trim()).collect();
        if let Some(twice) = codes
            .iter()
            .enumerate()
            .find(|(i, code)| codes[..*i].contains(*code))
            .map(|(_, code)| *code)
        {
            errors.push(Invalid::new(
                "receivers",
                Problem::Conflict {
                    rule: "cascade_child_twice",
                    with: twice.to_owned(),
                },
            ));
        }
        let remainder_index = match non_empty(input.remainder_to.as_deref()) {
            None => Some(0),
            Some(code) => codes.iter().position(|c| *c == code).or_else(|| {
                errors.push(Invalid::new(
                    "remainder_to",
                    Problem::Conflict {
                        rule: "cascade_remainder_child_unknown",
                        with: code.to_owned(),
                    },
                ));
                None
            }),
        };
        let by = input.by.trim();
        if !matches!(by, "amounts" | "percents") {
            errors.push(Invalid::new(
                "by",
                Problem::NotOneOf {
                    choices: vec!["amounts", "percents"],
                },
            ));
        }
        let (Some(from), Some(remainder_index), true) = (from, remainder_index, errors.is_empty())
        else {
            return Err(AppError::Invalid(errors));
        };

        let reach = Self::target_reach(caller);
        let tx = self.write().await?;
        tx.lock(Aggregate::Targets).await?;
        let source = repo::by_id_for_write(&tx, reach, id)
            .await?
            .ok_or(AppError::NotFound("target"))?;
        if !matches!(source.key.subject, Subject::Partner(_))
            || source.key.version != TargetVersion::TopDown
        {
            return Err(Invalid::new(
                "target",
                Problem::Rule {
                    rule: "reallocation_not_partner",
                },
            )
            .into());
        }
        let split = match by {
            "amounts" => SplitBy::Amounts(
                input
                    .receivers
                    .iter()
                    .map(|r| {
                        TargetValue::parse(
                            "receivers",
                            source.key.measure,
                            &r.part,
                            settings.currency,
                        )
                        .map(TargetValue::amount)
                    })
                    .collect::<Result<_, _>>()?,
            ),
            _ => SplitBy::Percents(
                input
                    .receivers
                    .iter()
                    .map(|r| SplitPercent::parse("receivers", &r.part))
                    .collect::<Result<_, _>>()?,
            ),
        };
        let mut receivers = Vec::with_capacity(codes.len());
        for code in &codes {
            let visible = match self
                .visible_for_write(&tx, caller, Area::Targets, code)
                .await
            {
                Ok(visible) => visible,
                Err(AppError::NotFound(_)) => {
                    return Err(Invalid::new(
                        "receivers",
                        Problem::Conflict {
                            rule: "target_subject_unknown",
                            with: (*code).to_owned(),
                        },
                    )
                    .into());
                }
                Err(e) => return Err(e),
            };
            if Subject::Partner(visible.id().0) == source.key.subject {
                return Err(Invalid::new(
                    "receivers",
                    Problem::Conflict {
                        rule: "reallocation_to_itself",
                        with: (*code).to_owned(),
                    },
                )
                .into());
            }
            rules::check_receiver(visible.row().status()?)?;
            receivers.push(visible);
        }
        let moved = rules::reallocate(
            source.value,
            rules::fiscal_days(source.key.period, calendar),
            from,
            &split,
            remainder_index,
        )?;
        let source_view = self
            .target_views(&tx, settings.currency, vec![source.clone()])
            .await?
            .pop()
            .ok_or(AppError::NotFound("target"))?;
        let names: Vec<&str> = receivers.iter().map(Visible::code).collect();
        self.change_figure(
            &tx,
            caller,
            &source,
            moved.kept,
            &format!("{reason} → {}", names.join(", ")),
        )
        .await?;
        let mut touched = Vec::with_capacity(receivers.len());
        for (visible, gained) in receivers.iter().zip(&moved.gained) {
            let key = TargetKey {
                subject: Subject::Partner(visible.id().0),
                ..source.key
            };
            let why = format!("{} → {reason}", source_view.subject_code);
            let row = match repo::by_key_for_write(&tx, &key).await? {
                Some(row) if row.parent_id != source.parent_id => {
                    return Err(Invalid::new(
                        "receivers",
                        Problem::Conflict {
                            rule: "reallocation_receiver_elsewhere",
                            with: visible.code().to_owned(),
                        },
                    )
                    .into());
                }
                Some(row) => row,
                None => {
                    let zero = TargetValue::new(source.key.measure, 0)?;
                    let row = repo::insert(
                        &tx,
                        &key,
                        NewSubject::Partner(visible),
                        zero,
                        source.parent_id,
                        &caller.login,
                    )
                    .await?;
                    if source.status == TargetStatus::Approved {
                        repo::set_status(&tx, row.id, TargetStatus::Approved).await?;
                    }
                    TargetRow {
                        status: source.status,
                        ..row
                    }
                }
            };
            let after = TargetValue::new(
                source.key.measure,
                row.value.amount().saturating_add(gained.amount()),
            )?;
            if after != row.value {
                self.change_figure(&tx, caller, &row, after, &why).await?;
            }
            touched.push(row.id);
        }
        let mut rows = Vec::with_capacity(touched.len() + 1);
        for id in std::iter::once(source.id).chain(touched) {
            rows.push(
                repo::by_id_for_write(&tx, reach, id)
                    .await?
                    .ok_or(AppError::NotFound("target"))?,
            );
        }
        let mut views = self.target_views(&tx, settings.currency, rows).await?;
        let source_after = views.remove(0);
        self.audit(
            &tx,
            caller,
            "target",
            &source.id.to_string(),
            "reallocate",
            Some(&serde_json::json!({ "value": source.value.amount() })),
            Some(&serde_json::json!({
                "value": source_after.value, "from": from.to_string(), "reason": reason,
                "receivers": views.iter()
                    .map(|v| serde_json::json!([v.subject_code, v.value]))
                    .collect::<Vec<_>>(),
            })),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(ReallocationView {
            source: source_after,
            receivers: views,
            moved: moved.moved.amount(),
            days_elapsed: moved.days_elapsed,
            days_left: moved.days_left,
        })
    }

    /// Sets a target's figure as its status allows: a draft is replaced,
    /// an approved target amended with `reason` (logged).
    async fn change_figure(
        &self,
        tx: &qudao_store::WriteTx,
        caller: &Caller,
        row: &TargetRow,
        value: TargetValue,
        reason: &str,
    ) -> Result<(), AppError> {
        match row.status {
            TargetStatus::Draft => repo::update_value(tx, row.id, value, row.parent_id).await?,
            TargetStatus::Approved => {
                let amendment = Amendment::new(row.value, value, reason)?;
                repo::amend(tx, row.id, &amendment, &caller.login).await?;
            }
        }
        Ok(())
    }
}
