//! A partner admin asks to change its organisation's name or address; a
//! channel manager (or admin) who has the partner in scope approves it,
//! which changes the record, or rejects it with a reason. Contacts are not
//! requested: the partner admin changes those directly (`partners`).

use chrono::{DateTime, Utc};
use qudao_domain::partner_changes::{ChangeField, RequestState, decide, requested_value};
use qudao_domain::partners::PartnerId;
use qudao_store::paging::{Page, PageRequest};
use qudao_store::partner_changes::{self as repo, NewRequest, request};
use qudao_store::scope::{self as store_scope, Visible};
use serde::{Deserialize, Serialize};

use crate::error::AllFields;
use crate::scope::{Area, scope_in};
use crate::{AppError, Caller, Permission, Qudao};

/// A change a partner admin asks for.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ChangeRequestInput {
    /// `name` or `address`.
    pub field: String,
    /// The value wanted; an empty address asks to clear it.
    #[serde(default)]
    pub value: String,
}

/// A manager's decision. A rejection needs a reason, which the partner reads.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChangeRequestView {
    pub id: i64,
    pub partner_code: String,
    pub partner_name: String,
    pub field: ChangeField,
    /// The value when the request was made.
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub state: RequestState,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was rejected (or the approver's note); empty while pending.
    pub decision_reason: String,
}

fn view_of(row: request::Model, code: &str, name: &str) -> Result<ChangeRequestView, AppError> {
    Ok(ChangeRequestView {
        field: row.field()?,
        state: row.state()?,
        id: row.id,
        partner_code: code.to_owned(),
        partner_name: name.to_owned(),
        old_value: row.old_value,
        new_value: row.new_value,
        requested_by: row.requested_by,
        requested_at: row.requested_at,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
        decision_reason: row.decision_reason,
    })
}

fn not_found() -> AppError {
    AppError::NotFound("change_request")
}

impl Qudao {
    /// Records a partner admin's request for its own organisation. A
    /// second request for a field that still has one pending is refused:
    /// the manager decides one at a time.
    pub async fn request_partner_change(
        &self,
        caller: &Caller,
        code: &str,
        input: &ChangeRequestInput,
    ) -> Result<ChangeRequestView, AppError> {
        caller.require(Permission::RequestPartnerChanges)?;
        let tx = self.write().await?;
        let partner = self
            .visible_for_write(&tx, caller, Area::PartnerChanges, code)
            .await?;
        let field = ChangeField::parse(&input.field);
        let value = match field {
            Ok(field) => requested_value(field, &input.value),
            Err(_) => Ok(None),
        };
        let (field, value) = (field, value).all()?;
        let row = partner.row();
        let old = match field {
            ChangeField::Name => Some(row.name.clone()),
            ChangeField::Address => row.address.clone(),
        };
        let open = repo::of_partner(&tx, &partner)
            .await?
            .into_iter()
            .any(|r| r.field == field.as_str() && r.state == RequestState::Pending.as_str());
        if open {
            return Err(AppError::Invalid(vec![qudao_domain::Invalid::new(
                "field",
                qudao_domain::Problem::Rule {
                    rule: "change_request_pending",
                },
            )]));
        }
        if old == value {
            return Err(AppError::Invalid(vec![qudao_domain::Invalid::new(
                "value",
                qudao_domain::Problem::Rule {
                    rule: "change_request_same_value",
                },
            )]));
        }
        let stored = repo::insert(
            &tx,
            &partner,
            NewRequest {
                field,
                old_value: old.as_deref(),
                new_value: value.as_deref(),
                requested_by: &caller.login,
            },
        )
        .await?;
        let view = view_of(stored, partner.code(), &partner.row().name)?;
        self.audit(
            &tx,
            caller,
            "partner",
            partner.code(),
            "request_change",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    /// One partner's requests, newest first: its own (partner admin) or one
    /// in scope (staff who see partners).
    pub async fn partner_change_requests(
        &self,
        caller: &Caller,
        code: &str,
    ) -> Result<Vec<ChangeRequestView>, AppError> {
        caller.require(Permission::ViewPartners)?;
        let partner = self
            .visible(self.db(), caller, Area::PartnerChanges, code)
            .await?;
        self.change_requests_of(&partner).await
    }

    /// The same for a partner its page has already found.
    pub async fn partner_change_requests_shown(
        &self,
        caller: &Caller,
        shown: &crate::Shown,
    ) -> Result<Vec<ChangeRequestView>, AppError> {
        caller.require(Permission::ViewPartners)?;
        self.change_requests_of(shown.within(caller, Area::PartnerChanges)?)
            .await
    }

    async fn change_requests_of(
        &self,
        partner: &Visible,
    ) -> Result<Vec<ChangeRequestView>, AppError> {
        repo::of_partner(self.db(), partner)
            .await?
            .into_iter()
            .map(|row| view_of(row, partner.code(), &partner.row().name))
            .collect()
    }

    /// The pending requests of the partners in the caller's scope, oldest
    /// first: the reviewers' queue.
    pub async fn change_request_queue(
        &self,
        caller: &Caller,
        page: PageRequest,
    ) -> Result<Page<ChangeRequestView>, AppError> {
        caller.require(Permission::ManagePartners)?;
        repo::queue(
            self.db(),
            scope_in(caller, Area::PartnerChanges),
            RequestState::Pending,
            page,
        )
        .await?
        .try_map(|(row, partner)| {
            let (code, name) = partner.map_or_else(Default::default, |p| (p.code, p.name));
            view_of(row, &code, &name)
        })
    }

    /// How many requests wait for the caller's decision (0 for callers who
    /// may not decide).
    pub async fn pending_change_requests(&self, caller: &Caller) -> Result<u64, AppError> {
        if !caller.can(Permission::ManagePartners) {
            return Ok(0);
        }
        Ok(repo::count(
            self.db(),
            scope_in(caller, Area::PartnerChanges),
            RequestState::Pending,
        )
        .await?)
    }

    pub async fn approve_change_request(
        &self,
        caller: &Caller,
        id: i64,
        input: &DecisionInput,
    ) -> Result<ChangeRequestView, AppError> {
        self.decide_change_request(caller, id, true, input).await
    }

    pub async fn reject_change_request(
        &self,
        caller: &Caller,
        id: i64,
        input: &DecisionInput,
    ) -> Result<ChangeRequestView, AppError> {
        self.decide_change_request(caller, id, false, input).await
    }

    /// The write skeleton of a decision: find the request in scope, lock its
    /// partner, re-read the request under that lock (a second reviewer
    /// finds it decided), check, apply, audit, commit.
    async fn decide_change_request(
        &self,
        caller: &Caller,
        id: i64,
        approve: bool,
        input: &DecisionInput,
    ) -> Result<ChangeRequestView, AppError> {
        caller.require(Permission::ManagePartners)?;
        let tx = self.write().await?;
        let scope = scope_in(caller, Area::PartnerChanges);
        let partner_id = repo::partner_of(&tx, scope, id)
            .await?
            .ok_or_else(not_found)?;
        let code = store_scope::partner_by_id(&tx, scope, PartnerId(partner_id))
            .await?
            .ok_or_else(not_found)?
            .code()
            .to_owned();
        let partner = self
            .visible_for_write(&tx, caller, Area::PartnerChanges, &code)
            .await?;
        let row = repo::find(&tx, &partner, id).await?.ok_or_else(not_found)?;
        let (state, reason) = decide(row.state()?, approve, &input.reason)?;
        let field = row.field()?;
        let value = row.new_value.clone();
        let before = view_of(row.clone(), partner.code(), &partner.row().name)?;
        let decided = repo::decide(&tx, row, state, &caller.login, &reason).await?;
        let partner = if approve {
            qudao_store::partners::set_requested_field(&tx, partner, field, value.as_deref())
                .await?
        } else {
            partner
        };
        let after = view_of(decided, partner.code(), &partner.row().name)?;
        self.audit(
            &tx,
            caller,
            "partner",
            partner.code(),
            if approve {
                "approve_change"
            } else {
                "reject_change"
            },
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }
}
