//! The figures the home pages show, one set per role: a manager's partners
//! by status, a rep's partners without a contact, finance's credit limits,
//! a partner's account manager. Each is read in the caller's scope.

use qudao_domain::money::Money;
use qudao_domain::partners::PartnerStatus;
use qudao_store::paging::{Page, PageRequest};
use qudao_store::partners::{self as repo, partner};
use qudao_store::scope as store_scope;
use serde::Serialize;

use crate::{AppError, Caller, Permission, Qudao};

#[derive(Debug, Clone, Serialize)]
pub struct StatusCount {
    pub status: PartnerStatus,
    pub partners: i64,
}

/// A partner named in a home page's short list.
#[derive(Debug, Clone, Serialize)]
pub struct PartnerLine {
    pub code: String,
    pub name: String,
    pub status: PartnerStatus,
    /// Decimal text in major units of `currency`, where the list is about
    /// credit limits.
    pub credit_limit: Option<String>,
    pub currency: String,
}

fn line(row: partner::Model) -> Result<PartnerLine, AppError> {
    let currency = row.currency()?;
    Ok(PartnerLine {
        status: row.status()?,
        credit_limit: row
            .credit_limit
            .map(|minor| Money::from_minor(minor, currency).amount_text()),
        currency: currency.as_str().to_owned(),
        code: row.code,
        name: row.name,
    })
}

/// The person at the brand owner who looks after a partner.
#[derive(Debug, Clone, Serialize)]
pub struct AccountManager {
    pub name: String,
}

impl Qudao {
    /// How many partners of each status the caller's scope holds, in the
    /// lifecycle's order; statuses with none are left out.
    pub async fn partner_counts_by_status(
        &self,
        caller: &Caller,
    ) -> Result<Vec<StatusCount>, AppError> {
        caller.require(Permission::ViewPartners)?;
        let rows = repo::count_by_status(self.db(), caller.scope()).await?;
        let mut counts = rows
            .iter()
            .map(|row| {
                Ok(StatusCount {
                    status: row.status()?,
                    partners: row.partners,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        counts.sort_by_key(|c| PartnerStatus::ALL.iter().position(|s| *s == c.status));
        Ok(counts)
    }

    /// Signed partners in scope with no contact on record: someone should
    /// find out whom to call.
    pub async fn partners_without_contacts(
        &self,
        caller: &Caller,
        page: PageRequest,
    ) -> Result<Page<PartnerLine>, AppError> {
        caller.require(Permission::ViewPartners)?;
        repo::without_contacts(self.db(), caller.scope(), page)
            .await?
            .try_map(line)
    }

    /// The partners in scope with the largest credit limits.
    pub async fn largest_credit_limits(
        &self,
        caller: &Caller,
        page: PageRequest,
    ) -> Result<Page<PartnerLine>, AppError> {
        caller.require(Permission::ViewPartners)?;
        repo::largest_credit_limits(self.db(), caller.scope(), page)
            .await?
            .try_map(line)
    }

    /// Partners in scope in one status, by code.
    pub async fn partners_in_status(
        &self,
        caller: &Caller,
        status: PartnerStatus,
        page: PageRequest,
    ) -> Result<Page<PartnerLine>, AppError> {
        caller.require(Permission::ViewPartners)?;
        qudao_store::onboarding::in_status(self.db(), caller.scope(), status.as_str(), page)
            .await?
            .try_map(line)
    }

    /// For a partner user: who at the brand owner looks after its
    /// organisation (the owner of the relationship), by name.
    pub async fn account_manager(
        &self,
        caller: &Caller,
    ) -> Result<Option<AccountManager>, AppError> {
        let Some(id) = caller.partner_id else {
            return Ok(None);
        };
        let Some(own) = store_scope::partner_by_id(self.db(), caller.scope(), id).await? else {
            return Ok(None);
        };
        let Some(owner) = own.row().owner_id else {
            return Ok(None);
        };
        Ok(qudao_store::admin::find_user(self.db(), owner)
            .await?
            .map(|user| AccountManager {
                name: user.display_name,
            }))
    }
}
