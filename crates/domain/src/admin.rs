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

/// One login throttle: after `failures` failed attempts counted within
/// `window_minutes`, attempts are refused for `lock_seconds`. Counters live in
/// the database so that every server node enforces the same limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimit {
    pub failures: i32,
    pub window_minutes: i64,
    pub lock_seconds: i64,
    /// Once the limit is reached, every further failure locks again (until
    /// a success resets the count) instead of starting a fresh count.
    pub sticky: bool,
}

/// Guessing one account from one address: that address is shut out of that
/// account for 15 minutes; the owner, signing in from elsewhere, is not.
pub const ACCOUNT_AT_ADDRESS: LoginLimit = LoginLimit {
    failures: 5,
    window_minutes: 15,
    lock_seconds: 15 * 60,
    sticky: false,
};

/// One address guessing many accounts: the address is shut out of every
/// account for 15 minutes.
pub const ADDRESS: LoginLimit = LoginLimit {
    failures: 20,
    window_minutes: 15,
    lock_seconds: 15 * 60,
    sticky: false,
};

/// Many addresses guessing one account (ten failures in a row): the account
/// then only slows down to one attempt per 30 seconds rather than locking
/// for long, so that failing on purpose cannot keep its owner out for long.
pub const ACCOUNT: LoginLimit = LoginLimit {
    failures: 10,
    window_minutes: 15,
    lock_seconds: 30,
    sticky: true,
};

/// A stored counter (of `ADDRESS` or `ACCOUNT_AT_ADDRESS`) whose window
/// began before this instant and whose lock is over counts for nothing:
/// `fail` would start it afresh. Such rows can be forgotten, so the table
/// holds only the last quarter hour's addresses, not every address ever seen.
pub fn forgettable_before(now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    let longest = ADDRESS
        .window_minutes
        .max(ACCOUNT_AT_ADDRESS.window_minutes);
    now - chrono::Duration::minutes(longest)
}

/// A failure counter as stored: how many failures since `window_start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    pub failures: i32,
    pub window_start: chrono::DateTime<chrono::Utc>,
}

impl LoginLimit {
    /// The counter after one more failure at `now`, and the instant until
    /// which attempts are refused if this failure reaches the limit. A window
    /// older than `window_minutes` starts over; a lock starts the count over.
    pub fn fail(
        self,
        count: Option<FailureCount>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> (FailureCount, Option<chrono::DateTime<chrono::Utc>>) {
        let live =
            count.filter(|c| now - c.window_start < chrono::Duration::minutes(self.window_minutes));
        let failures = live.map_or(0, |c| c.failures) + 1;
        if failures >= self.failures {
            let fresh = FailureCount {
                failures: if self.sticky { failures } else { 0 },
                window_start: now,
            };
            (
                fresh,
                Some(now + chrono::Duration::seconds(self.lock_seconds)),
            )
        } else {
            let window_start = live.map_or(now, |c| c.window_start);
            (
                FailureCount {
                    failures,
                    window_start,
                },
                None,
            )
        }
    }
}

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

    #[test]
    fn a_limit_locks_at_its_count_and_a_stale_window_starts_over() {
        let start = chrono::DateTime::<chrono::Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let mut count = None;
        for n in 1..ACCOUNT_AT_ADDRESS.failures {
            let (next, lock) = ACCOUNT_AT_ADDRESS.fail(count, start);
            assert_eq!((next.failures, lock), (n, None));
            count = Some(next);
        }
        let (next, lock) = ACCOUNT_AT_ADDRESS.fail(count, start);
        assert_eq!(next.failures, 0);
        assert_eq!(lock, Some(start + chrono::Duration::minutes(15)));

        let later = start + chrono::Duration::minutes(16);
        let (next, lock) = ACCOUNT_AT_ADDRESS.fail(count, later);
        assert_eq!((next.failures, next.window_start, lock), (1, later, None));
        let (next, lock) = ACCOUNT.fail(
            Some(FailureCount {
                failures: 9,
                window_start: start,
            }),
            start,
        );
        assert_eq!(lock, Some(start + chrono::Duration::seconds(30)));
        let (_, lock) = ACCOUNT.fail(Some(next), start + chrono::Duration::seconds(31));
        assert!(lock.is_some(), "past the limit, every failure slows again");
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
