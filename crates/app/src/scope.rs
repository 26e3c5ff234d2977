//! The one scoped lookup of a partner, and the per-area narrowing rules.
//!
//! Every use case that touches a partner's own data (its record, contacts,
//! status history, grade, agreement, evaluations, rights) gets the partner
//! here, as a [`Visible`] handle: the store's functions on partner-owned
//! tables accept nothing else. Outside the caller's scope a partner does not
//! exist (`NotFound`), exactly like an unknown code.

use qudao_domain::partners::PartnerCode;
use qudao_domain::scope::DataScope;
use qudao_store::scope::{self as store_scope, Visible};
use qudao_store::{ConnectionTrait, WriteTx};

use crate::{AppError, Caller, Qudao};

/// The business areas whose data hangs off a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Area {
    Partners,
    Grades,
    Agreements,
    Onboarding,
    Territories,
    /// A partner's contacts, for changing them.
    Contacts,
    /// Requests to change a partner's record.
    PartnerChanges,
    /// Price lists and quotes.
    Pricing,
    /// Sell-through lines, uploads and a partner's own product codes.
    SellThrough,
    /// Invoices, payments and statements.
    Receivables,
    /// Sell-in orders and what became of them.
    Orders,
    /// Stock counts and the inventory and data-quality reads.
    Inventory,
    /// Alerts the daily job raised about partners.
    Alerts,
    /// A partner's targets and their attainment.
    Targets,
    /// A partner's scorecard results and grade proposals.
    Scorecards,
    /// A partner's incentive results, ledger and statement.
    Incentives,
    /// Penalties and manual adjustments of a partner's incentives.
    IncentiveAdjustments,
}

/// How an area narrows the caller's data scope further.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Narrowing {
    /// A partner admin sees its own organisation only, not its downstream
    /// (an agreement is between the brand and that one organisation).
    OwnOrganisationOnly,
    /// Partner roles see nothing (recruitment is internal).
    InternalOnly,
}

/// Every per-area narrowing rule. An area not listed uses the caller's data
/// scope as it is.
const NARROWING: &[(Area, Narrowing)] = &[
    (Area::Agreements, Narrowing::OwnOrganisationOnly),
    (Area::Onboarding, Narrowing::InternalOnly),
    // A partner admin keeps its own people and record up to date; its
    // downstream partners do that themselves.
    (Area::Contacts, Narrowing::OwnOrganisationOnly),
    (Area::PartnerChanges, Narrowing::OwnOrganisationOnly),
    // What the brand charges a distributor's downstream partners is
    // between the brand and them.
    (Area::Pricing, Narrowing::OwnOrganisationOnly),
    // A partner reports its own sales; its downstream report theirs.
    (Area::SellThrough, Narrowing::OwnOrganisationOnly),
    // A downstream partner owes the brand, not its distributor.
    (Area::Receivables, Narrowing::OwnOrganisationOnly),
    // A partner buys from us for itself; its downstream order on their own.
    (Area::Orders, Narrowing::OwnOrganisationOnly),
    (Area::Inventory, Narrowing::OwnOrganisationOnly),
    // Alerts are our own follow-up of partners, not shown to them.
    (Area::Alerts, Narrowing::InternalOnly),
    // A partner's boss is judged on its own organisation's targets; its
    // downstream partners' targets are the brand's with them.
    (Area::Targets, Narrowing::OwnOrganisationOnly),
    // Likewise its scorecard: a downstream partner is scored on its own.
    (Area::Scorecards, Narrowing::OwnOrganisationOnly),
    // A rebate is earned by the organisation the program names; its
    // downstream partners' rebates are the brand's with them.
    (Area::Incentives, Narrowing::OwnOrganisationOnly),
    // Adjustments are our internal entries; a partner sees them only as
    // lines of its own statement.
    (Area::IncentiveAdjustments, Narrowing::InternalOnly),
];

/// The scope a caller has in one area.
pub(crate) fn scope_in(caller: &Caller, area: Area) -> DataScope {
    let scope = caller.scope();
    NARROWING
        .iter()
        .filter(|(a, _)| *a == area)
        .fold(scope, |scope, (_, rule)| match (rule, scope) {
            (Narrowing::OwnOrganisationOnly, DataScope::PartnerTree(own)) => {
                DataScope::Partner(own)
            }
            (Narrowing::InternalOnly, _) if caller.role.is_partner_role() => DataScope::Nothing,
            (_, scope) => scope,
        })
}

fn not_found() -> AppError {
    AppError::NotFound("partner")
}

/// A partner code from a request; one that cannot exist is not found.
pub(crate) fn partner_code(code: &str) -> Result<PartnerCode, AppError> {
    PartnerCode::parse(code).map_err(|_| not_found())
}

/// A partner found once for one caller, so that the other panels of the
/// same page (agreement, grade, evaluations) need not look it up again.
/// It remembers whose scope found it: another caller's handle is refused,
/// and each area's narrowing is applied to it in memory.
#[derive(Debug, Clone)]
pub struct Shown {
    partner: Visible,
    user: qudao_domain::scope::UserId,
    scope: DataScope,
}

impl Shown {
    pub(crate) fn new(caller: &Caller, partner: Visible) -> Self {
        Self {
            partner,
            user: caller.user_id,
            scope: scope_in(caller, Area::Partners),
        }
    }

    pub fn code(&self) -> &str {
        self.partner.code()
    }

    pub fn name(&self) -> &str {
        &self.partner.row().name
    }

    pub(crate) fn row(&self) -> &qudao_store::partners::partner::Model {
        self.partner.row()
    }

    /// The partner as `area` lets the caller see it. The handle was found
    /// under the caller's partners scope; an area that narrows it to the
    /// caller's own organisation sees only that one, and an area that
    /// narrows it any other way sees nothing: no use case is given more
    /// than the lookup in that area would have found.
    pub(crate) fn within(&self, caller: &Caller, area: Area) -> Result<&Visible, AppError> {
        if self.user != caller.user_id || self.scope != scope_in(caller, Area::Partners) {
            return Err(not_found());
        }
        match scope_in(caller, area) {
            scope if scope == self.scope => Ok(&self.partner),
            DataScope::Partner(own) if own == self.partner.id() => Ok(&self.partner),
            _ => Err(not_found()),
        }
    }
}

impl Qudao {
    /// A partner the caller may see, found once for several panels.
    pub async fn shown(&self, caller: &Caller, code: &str) -> Result<Shown, AppError> {
        let partner = self
            .visible(self.db(), caller, Area::Partners, code)
            .await?;
        Ok(Shown::new(caller, partner))
    }

    /// A partner the caller may see in `area`, by code, for reading.
    pub(crate) async fn visible(
        &self,
        db: &impl ConnectionTrait,
        caller: &Caller,
        area: Area,
        code: &str,
    ) -> Result<Visible, AppError> {
        let code = partner_code(code)?;
        store_scope::partner_by_code(db, scope_in(caller, area), &code)
            .await?
            .ok_or_else(not_found)
    }

    /// The same, for a write: the partner's row stays locked until the
    /// transaction ends, so the checks the write makes on it hold at commit.
    pub(crate) async fn visible_for_write(
        &self,
        tx: &WriteTx,
        caller: &Caller,
        area: Area,
        code: &str,
    ) -> Result<Visible, AppError> {
        let code = partner_code(code)?;
        store_scope::partner_for_write(tx, scope_in(caller, area), &code)
            .await?
            .ok_or_else(not_found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: &str, partner: Option<i64>) -> Caller {
        let role = qudao_domain::admin::Role::parse(role).unwrap();
        Caller::new(7, "u".into(), "u".into(), role, partner)
    }

    #[test]
    fn agreements_narrow_a_partner_admin_to_its_own_organisation() {
        let admin = caller("partner_admin", Some(3));
        assert_eq!(
            scope_in(&admin, Area::Partners),
            DataScope::PartnerTree(qudao_domain::partners::PartnerId(3))
        );
        assert_eq!(
            scope_in(&admin, Area::Agreements),
            DataScope::Partner(qudao_domain::partners::PartnerId(3))
        );
    }

    #[test]
    fn onboarding_is_internal() {
        assert_eq!(
            scope_in(&caller("partner_user", Some(3)), Area::Onboarding),
            DataScope::Nothing
        );
        assert_eq!(
            scope_in(&caller("admin", None), Area::Onboarding),
            DataScope::All
        );
    }
}
