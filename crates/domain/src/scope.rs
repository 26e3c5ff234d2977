//! Data scope: which records a caller may see. Decided once per request from
//! the caller (here, as a pure rule) and applied by every query in `store`.

use crate::admin::Role;
use crate::partners::PartnerId;

/// Database identity of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataScope {
    /// Every record (admin, finance).
    All,
    /// The partners a channel manager or sales rep covers, each with its
    /// downstream tree: those the user owns, and those whose home region lies
    /// inside a region assigned to the user (a region covers its sub-regions).
    Covered(UserId),
    /// One partner organisation and every partner below it (partner admin).
    PartnerTree(PartnerId),
    /// One partner organisation only (partner staff).
    Partner(PartnerId),
    /// Nothing at all: the safe answer for an account that is inconsistent.
    Nothing,
}

/// The scope of a caller. A partner role without a partner sees nothing
/// rather than everything.
pub fn scope_for(role: Role, user: UserId, partner: Option<PartnerId>) -> DataScope {
    match (role, partner) {
        (Role::Admin | Role::Finance, _) => DataScope::All,
        (Role::ChannelManager | Role::SalesRep, _) => DataScope::Covered(user),
        (Role::PartnerAdmin, Some(partner)) => DataScope::PartnerTree(partner),
        (Role::PartnerUser, Some(partner)) => DataScope::Partner(partner),
        (Role::PartnerAdmin | Role::PartnerUser, None) => DataScope::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_a_scope() {
        let user = UserId(3);
        let partner = Some(PartnerId(9));
        assert_eq!(scope_for(Role::Admin, user, None), DataScope::All);
        assert_eq!(scope_for(Role::Finance, user, None), DataScope::All);
        assert_eq!(
            scope_for(Role::ChannelManager, user, None),
            DataScope::Covered(user)
        );
        assert_eq!(
            scope_for(Role::SalesRep, user, None),
            DataScope::Covered(user)
        );
        assert_eq!(
            scope_for(Role::PartnerAdmin, user, partner),
            DataScope::PartnerTree(PartnerId(9))
        );
        assert_eq!(
            scope_for(Role::PartnerUser, user, partner),
            DataScope::Partner(PartnerId(9))
        );
        assert_eq!(scope_for(Role::PartnerUser, user, None), DataScope::Nothing);
    }
}
