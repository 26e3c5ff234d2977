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

impl Qudao {
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
