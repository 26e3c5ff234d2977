//! Partners: the channel organisations and their distribution tree.
//! The partner-network issue grows this into the full partner record.

use chrono::{DateTime, Utc};
use qudao_domain::admin::{Login, Role};
use qudao_domain::partners::{
    PartnerCode, PartnerId, PartnerName, PartnerStatus, PartnerType, Reason, child_position,
};
use qudao_domain::scope::DataScope;
use qudao_domain::{Invalid, Problem};
use qudao_store::paging::{Page, PageRequest, SortDir};
use qudao_store::partners::{self as repo, partner};
use serde::Serialize;

pub use qudao_store::partners::{PartnerFilter, PartnerSort};

use crate::error::Fields;
use crate::{AppError, Caller, Permission, Qudao};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerView {
    pub code: String,
    pub name: String,
    pub partner_type: PartnerType,
    /// The partner this one buys from; absent for depth 1 or when the parent
    /// lies outside the caller's scope.
    pub parent_code: Option<String>,
    pub depth: i32,
    pub status: PartnerStatus,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerDetail {
    #[serde(flatten)]
    pub partner: PartnerView,
    /// Login of the channel manager or sales rep who owns the relationship.
    pub owner_login: Option<String>,
    /// Partners that buy from this one.
    pub children: Vec<PartnerView>,
    /// Every status the partner has had, oldest first.
    pub status_history: Vec<StatusChange>,
    /// The statuses it may move to now.
    pub next_statuses: Vec<PartnerStatus>,
}

/// One step of a partner's status history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusChange {
    /// Absent on the first line: the status it was created with.
    pub from: Option<PartnerStatus>,
    pub to: PartnerStatus,
    /// Why; empty on the first line.
    pub reason: String,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

/// A requested status change.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct StatusInput {
    pub status: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PartnerInput {
    pub code: String,
    pub name: String,
    pub partner_type: String,
    /// Code of the partner it buys from; empty for depth 1.
    #[serde(default)]
    pub parent_code: Option<String>,
    /// Login of the owning channel manager or sales rep. A channel manager
    /// who leaves it empty becomes the owner.
    #[serde(default)]
    pub owner_login: Option<String>,
    /// `active` (the default) for a partner already signed, or `prospect`
    /// for one still to be recruited.
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TypeCount {
    pub partner_type: PartnerType,
    pub partners: i64,
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

impl Qudao {
    pub async fn create_partner(
        &self,
        caller: &Caller,
        input: &PartnerInput,
    ) -> Result<PartnerView, AppError> {
        caller.require(Permission::ManagePartners)?;
        let mut fields = Fields::default();
        let code = fields.take(PartnerCode::parse(&input.code));
        let name = fields.take(PartnerName::parse(&input.name));
        let partner_type = fields.take(PartnerType::parse(&input.partner_type));
        let parent = match non_empty(input.parent_code.as_deref()) {
            None => None,
            Some(raw) => match PartnerCode::parse(raw) {
                Err(_) => {
                    fields.push(Invalid::new(
                        "parent_code",
                        Problem::Rule {
                            rule: "partner_must_exist",
                        },
                    ));
                    None
                }
                Ok(code) => {
                    let found =
                        repo::find_by_code(self.db(), caller.scope(), code.as_str()).await?;
                    if found.is_none() {
                        fields.push(Invalid::new(
                            "parent_code",
                            Problem::Rule {
                                rule: "partner_must_exist",
                            },
                        ));
                    }
                    found
                }
            },
        };
        let owner_id = match non_empty(input.owner_login.as_deref()) {
            None if caller.role == Role::ChannelManager => Some(caller.user_id.0),
            None => None,
            Some(raw) => {
                let owner = match Login::parse(raw) {
                    Ok(login) => {
                        qudao_store::admin::find_user_by_login(self.db(), login.as_str()).await?
                    }
                    Err(_) => None,
                };
                match owner {
                    Some(owner)
                        if matches!(owner.role.as_str(), "channel_manager" | "sales_rep") =>
                    {
                        Some(owner.id)
                    }
                    _ => {
                        fields.push(Invalid::new(
                            "owner_login",
                            Problem::Rule {
                                rule: "owner_must_be_internal_user",
                            },
                        ));
                        None
                    }
                }
            }
        };
        let status = match non_empty(input.status.as_deref()) {
            None => Some(PartnerStatus::Active),
            Some(raw) => match PartnerStatus::parse(raw) {
                Ok(status) if status.is_initial() => Some(status),
                Ok(_) => {
                    fields.push(Invalid::new(
                        "status",
                        Problem::Rule {
                            rule: "initial_status",
                        },
                    ));
                    None
                }
                Err(invalid) => {
                    fields.push(invalid);
                    None
                }
            },
        };
        fields.finish()?;
        let (Some(code), Some(name), Some(partner_type), Some(status)) =
            (code, name, partner_type, status)
        else {
            return Err(AppError::Internal("validated fields missing".to_owned()));
        };
        let tx = self.begin().await?;
        let parent_position = parent.as_ref().map(|p| (p.path.as_str(), p.depth));
        let row = repo::insert(
            &tx,
            repo::NewPartner {
                code: code.as_str(),
                name: name.as_str(),
                partner_type: partner_type.as_str(),
                parent: parent.as_ref(),
                owner_id,
                status: status.as_str(),
                created_by: &caller.login,
            },
            |id| child_position(parent_position, PartnerId(id)),
        )
        .await
        .map_err(|e| match e {
            qudao_store::StoreError::Duplicate => AppError::Duplicate { field: "code" },
            other => other.into(),
        })??;
        let view = view_of(&row, parent.as_ref().map(|p| p.code.clone()));
        self.audit(
            &tx,
            caller,
            "partner",
            &view.code,
            "create",
            None,
            Some(&view),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(view)
    }

    pub async fn list_partners(
        &self,
        caller: &Caller,
        filter: &PartnerFilter,
        sort: PartnerSort,
        dir: SortDir,
        page: PageRequest,
    ) -> Result<Page<PartnerView>, AppError> {
        caller.require(Permission::ViewPartners)?;
        let rows = repo::list(self.db(), caller.scope(), filter, sort, dir, page).await?;
        self.with_parent_codes(caller.scope(), rows).await
    }

    async fn with_parent_codes(
        &self,
        scope: DataScope,
        rows: Page<partner::Model>,
    ) -> Result<Page<PartnerView>, AppError> {
        let parent_ids: Vec<i64> = rows.items.iter().filter_map(|r| r.parent_id).collect();
        let codes = repo::codes_of(self.db(), scope, &parent_ids).await?;
        Ok(rows.map(|row| {
            let parent = row
                .parent_id
                .and_then(|id| codes.iter().find(|(i, _)| *i == id))
                .map(|(_, c)| c.clone());
            view_of(&row, parent)
        }))
    }

    /// One partner with the partners that buy from it. Outside the caller's
    /// scope it does not exist.
    pub async fn partner(&self, caller: &Caller, code: &str) -> Result<PartnerDetail, AppError> {
        caller.require(Permission::ViewPartners)?;
        let code = PartnerCode::parse(code).map_err(|_| AppError::NotFound("partner"))?;
        let row = repo::find_by_code(self.db(), caller.scope(), code.as_str())
            .await?
            .ok_or(AppError::NotFound("partner"))?;
        let parent_code = self.visible_parent_code(caller, &row).await?;
        let filter = PartnerFilter {
            parent_id: Some(row.id),
            ..Default::default()
        };
        let children = repo::list(
            self.db(),
            caller.scope(),
            &filter,
            PartnerSort::Code,
            SortDir::Asc,
            PageRequest::export(),
        )
        .await?
        .items
        .iter()
        .map(|child| view_of(child, Some(row.code.clone())))
        .collect();
        let owner_login = match row.owner_id {
            Some(id) if !caller.role.is_partner_role() => {
                qudao_store::admin::find_user(self.db(), id)
                    .await?
                    .map(|u| u.login)
            }
            _ => None,
        };
        let status_history = repo::status_history(self.db(), row.id)
            .await?
            .into_iter()
            .map(change_of)
            .collect();
        let view = view_of(&row, parent_code);
        let next_statuses = if caller.can(Permission::ManagePartners) {
            view.status.next().to_vec()
        } else {
            Vec::new()
        };
        Ok(PartnerDetail {
            partner: view,
            owner_login,
            children,
            status_history,
            next_statuses,
        })
    }

    /// Moves a partner along its lifecycle. Only the transitions of
    /// [`PartnerStatus::next`] are allowed, each with a reason.
    pub async fn change_partner_status(
        &self,
        caller: &Caller,
        code: &str,
        input: &StatusInput,
    ) -> Result<PartnerView, AppError> {
        caller.require(Permission::ManagePartners)?;
        let code = PartnerCode::parse(code).map_err(|_| AppError::NotFound("partner"))?;
        let row = repo::find_by_code(self.db(), caller.scope(), code.as_str())
            .await?
            .ok_or(AppError::NotFound("partner"))?;
        let mut fields = Fields::default();
        let to = fields.take(PartnerStatus::parse(&input.status));
        let reason = fields.take(Reason::parse(&input.reason));
        let from =
            PartnerStatus::parse(&row.status).map_err(|e| AppError::Internal(e.to_string()))?;
        if to.is_some_and(|to| !from.can_become(to)) {
            fields.push(Invalid::new(
                "status",
                Problem::Rule {
                    rule: "status_transition",
                },
            ));
        }
        fields.finish()?;
        let (Some(to), Some(reason)) = (to, reason) else {
            return Err(AppError::Internal("validated fields missing".to_owned()));
        };
        let parent_code = self.visible_parent_code(caller, &row).await?;
        let before = view_of(&row, parent_code.clone());
        let tx = self.begin().await?;
        let row = repo::set_status(&tx, row, to.as_str(), reason.as_str(), &caller.login).await?;
        let after = view_of(&row, parent_code);
        self.audit(
            &tx,
            caller,
            "partner",
            &after.code,
            "change_status",
            Some(&before),
            Some(&after),
        )
        .await?;
        crate::commit(tx).await?;
        Ok(after)
    }

    pub async fn partner_counts_by_type(
        &self,
        caller: &Caller,
    ) -> Result<Vec<TypeCount>, AppError> {
        caller.require(Permission::ViewPartners)?;
        Ok(repo::count_by_type(self.db(), caller.scope())
            .await?
            .into_iter()
            .filter_map(|row| {
                Some(TypeCount {
                    partner_type: PartnerType::parse(&row.partner_type).ok()?,
                    partners: row.partners,
                })
            })
            .collect())
    }
}

impl Qudao {
    /// The code of a partner's parent if the caller may see that parent.
    async fn visible_parent_code(
        &self,
        caller: &Caller,
        row: &partner::Model,
    ) -> Result<Option<String>, AppError> {
        Ok(match row.parent_id {
            Some(id) => repo::find_by_id(self.db(), caller.scope(), id)
                .await?
                .map(|p| p.code),
            None => None,
        })
    }
}

fn view_of(row: &partner::Model, parent_code: Option<String>) -> PartnerView {
    PartnerView {
        code: row.code.clone(),
        name: row.name.clone(),
        partner_type: PartnerType::parse(&row.partner_type).unwrap_or(PartnerType::Distributor),
        parent_code,
        depth: row.depth,
        status: PartnerStatus::parse(&row.status).unwrap_or(PartnerStatus::Active),
        created_at: row.created_at,
    }
}

fn change_of(row: qudao_store::partners::status_change::Model) -> StatusChange {
    let status = |s: &str| PartnerStatus::parse(s).unwrap_or(PartnerStatus::Active);
    StatusChange {
        from: row.from_status.as_deref().map(status),
        to: status(&row.to_status),
        reason: row.reason,
        changed_by: row.changed_by,
        changed_at: row.changed_at,
    }
}

impl Qudao {
    /// The code of the caller's own partner organisation, for partner users.
    pub async fn own_partner_code(&self, caller: &Caller) -> Result<Option<String>, AppError> {
        match caller.partner_id {
            Some(id) => Ok(repo::find_by_id(self.db(), caller.scope(), id.0)
                .await?
                .map(|p| p.code)),
            None => Ok(None),
        }
    }
}
