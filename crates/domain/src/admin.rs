//! Accounts: roles, logins and the password policy.

use crate::error::{Invalid, Problem, check_length, string_enum};

string_enum! {
    /// What a user is allowed to do; see DESIGN.md §1.
    Role, "role" {
        Admin => "admin",
        ChannelManager => "channel_manager",
        SalesRep => "sales_rep",
        Finance => "finance",
        PartnerAdmin => "partner_admin",
        PartnerUser => "partner_user",
    }
}

impl Role {
    /// Partner roles belong to exactly one partner organisation; the others to none.
    pub fn is_partner_role(self) -> bool {
        matches!(self, Role::PartnerAdmin | Role::PartnerUser)
    }
}

string_enum! {
    UserStatus, "status" {
        Active => "active",
        Disabled => "disabled",
    }
}

/// A user's login name: 3–64 of `a-z 0-9 . _ -`, stored lower-case so that
/// `Admin` and `admin` are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Login(String);

impl Login {
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        let value = value.trim().to_lowercase();
        check_length("login", &value, 3, 64)?;
        if !value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return Err(Invalid::new(
                "login",
                Problem::BadCharacters {
                    allowed: "a-z 0-9 . _ -",
                },
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password that meets the policy. Length is what matters (NIST SP 800-63B):
/// at least 10 characters, at most 128 so hashing cost stays bounded, and not
/// one character repeated.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(value: &str) -> Result<Self, Invalid> {
        let chars = value.chars().count();
        if chars == 0 {
            return Err(Invalid::new("password", Problem::Required));
        }
        if chars < Self::MIN_CHARS {
            return Err(Invalid::new(
                "password",
                Problem::TooShort {
                    min: Self::MIN_CHARS,
                },
            ));
        }
        if chars > Self::MAX_CHARS {
            return Err(Invalid::new(
                "password",
                Problem::TooLong {
                    max: Self::MAX_CHARS,
                },
            ));
        }
        let mut distinct = value.chars();
        let first = distinct.next();
        if distinct.all(|c| Some(c) == first) {
            return Err(Invalid::new(
                "password",
                Problem::Rule {
                    rule: "password_not_repetitive",
                },
            ));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// A person's display name: 1–100 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(value: &str) -> Result<Self, Invalid> {
        let value = value.trim();
        check_length("display_name", value, 1, 100)?;
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How many failed logins lock an account, and for how long. Counted per
/// account in the database so that every server node enforces the same limit.
pub const LOGIN_FAILURES_BEFORE_LOCK: i32 = 5;
pub const LOGIN_LOCK_MINUTES: i64 = 15;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn login_is_lower_cased_and_trimmed() {
        assert_eq!(
            Login::parse("  Admin.Zhang ").unwrap().as_str(),
            "admin.zhang"
        );
    }

    #[test]
    fn login_rejects_bad_values() {
        assert_eq!(Login::parse("").unwrap_err().problem, Problem::Required);
        assert_eq!(
            Login::parse("ab").unwrap_err().problem,
            Problem::TooShort { min: 3 }
        );
        assert!(matches!(
            Login::parse("张三丰").unwrap_err().problem,
            Problem::BadCharacters { .. }
        ));
        assert!(Login::parse("a b c").is_err());
        assert!(Login::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn password_policy() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("aaaaaaaaaaaa").is_err());
        assert!(NewPassword::parse(&"ab".repeat(65)).is_err());
        assert!(NewPassword::parse("渠道管理系统密码很长").is_ok());
        assert_eq!(
            format!("{:?}", NewPassword::parse("qudao-demo-2026").unwrap()),
            "NewPassword(***)"
        );
    }

    #[test]
    fn roles_round_trip_and_partner_roles() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), *role);
        }
        assert!(Role::PartnerUser.is_partner_role());
        assert!(!Role::Finance.is_partner_role());
        assert!(matches!(
            Role::parse("root").unwrap_err().problem,
            Problem::NotOneOf { .. }
        ));
    }

    proptest! {
        #[test]
        fn any_parsed_login_is_canonical(raw in "\\PC{0,80}") {
            if let Ok(login) = Login::parse(&raw) {
                prop_assert_eq!(&Login::parse(login.as_str()).unwrap(), &login);
                prop_assert!(login.as_str().len() >= 3 && login.as_str().len() <= 64);
            }
        }
    }
}
