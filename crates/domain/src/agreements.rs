//! Agreements (合作协议): one versioned, effective-dated agreement per partner.
//!
//! A version is written as a draft, then activated; an amendment is a new
//! version copied from the latest one. Activating version N+1 that starts on
//! D does not touch version N's own terms: N is recorded as superseded from D,
//! so "what was in force on day X" always has exactly one answer, which
//! [`in_force`] computes from the versions alone.
//!
//! Whether a version has expired follows from the date, so it is derived
//! ([`VersionDates::status_on`]) rather than stored: no batch job has to run
//! at midnight for the screens to be right.

use chrono::NaiveDate;

use crate::dates::DateRange;
use crate::error::{Invalid, Problem, check_length, string_enum};

string_enum! {
    /// The stored lifecycle of a version: the part of its status that only
    /// people change. See [`AgreementStatus`] for what a version is on a day.
    VersionState, "status" {
        Draft => "draft",
        Active => "active",
        Terminated => "terminated",
    }
}

impl VersionState {
    /// A draft is activated once; an active version may be terminated;
    /// termination is final. Expiry and supersession are not transitions:
    /// they follow from dates.
    pub fn next(self) -> &'static [VersionState] {
        match self {
            VersionState::Draft => &[VersionState::Active],
            VersionState::Active => &[VersionState::Terminated],
            VersionState::Terminated => &[],
        }
    }

    pub fn can_become(self, to: VersionState) -> bool {
        self.next().contains(&to)
    }

    /// Whether the version was ever put in force (drafts never were).
    pub fn was_activated(self) -> bool {
        self != VersionState::Draft
    }
}

string_enum! {
    /// What a version is on a given day: draft → active → expired /
    /// terminated, or superseded by a later version from its start.
    AgreementStatus, "status" {
        Draft => "draft",
        Active => "active",
        Superseded => "superseded",
        Expired => "expired",
        Terminated => "terminated",
    }
}

/// The human code of a version: `AG-P00012-3` (partner code, version number).
pub fn version_code(partner_code: &str, version: i32) -> String {
    format!("AG-{partner_code}-{version}")
}

/// The dates of a version that decide when it is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionDates {
    pub version: i32,
    pub state: VersionState,
    pub term: DateRange,
    /// First day on which a later version governs instead.
    pub superseded_from: Option<NaiveDate>,
    /// First day on which the terminated agreement no longer applies.
    pub terminated_from: Option<NaiveDate>,
}

impl VersionDates {
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.state.was_activated()
            && self.term.contains(day)
            && self.superseded_from.is_none_or(|from| day < from)
            && self.terminated_from.is_none_or(|from| day < from)
    }

    /// The status shown for this version on `day`. A version terminated with
    /// a later effective date stays active until then.
    pub fn status_on(&self, day: NaiveDate) -> AgreementStatus {
        if self.state == VersionState::Draft {
            AgreementStatus::Draft
        } else if self.terminated_from.is_some_and(|from| from <= day) {
            AgreementStatus::Terminated
        } else if self.superseded_from.is_some_and(|from| from <= day) {
            AgreementStatus::Superseded
        } else if self.term.to() < day {
            AgreementStatus::Expired
        } else {
            AgreementStatus::Active
        }
    }

    /// The last day this version is (or was) in force, if ever.
    pub fn last_day(&self) -> NaiveDate {
        [self.superseded_from, self.terminated_from]
            .into_iter()
            .flatten()
            .filter_map(|from| from.pred_opt())
            .fold(self.term.to(), NaiveDate::min)
    }
}

/// The version in force on `day`, if any. Activation keeps versions from
/// overlapping, so at most one qualifies; should data ever disagree, the
/// newest wins, as the latest signed text would.
pub fn in_force(versions: &[VersionDates], day: NaiveDate) -> Option<&VersionDates> {
    versions
        .iter()
        .filter(|v| v.in_force_on(day))
        .max_by_key(|v| v.version)
}

/// The latest version of all, draft or not.
fn latest(versions: &[VersionDates]) -> Option<&VersionDates> {
    versions.iter().max_by_key(|v| v.version)
}

/// The latest version that was ever activated.
fn latest_activated(versions: &[VersionDates]) -> Option<&VersionDates> {
    versions
        .iter()
        .filter(|v| v.state.was_activated())
        .max_by_key(|v| v.version)
}

fn terminated(versions: &[VersionDates]) -> bool {
    versions.iter().any(|v| v.state == VersionState::Terminated)
}

/// Checks that a new draft may be written: the first version needs no
/// `amends`; later ones must amend the latest version, which must have been
/// activated (an open draft is edited instead) and not terminated.
/// Returns the number the new version gets.
pub fn check_new_draft(
    partner_code: &str,
    versions: &[VersionDates],
    amends: Option<i32>,
) -> Result<i32, Invalid> {
    let Some(latest) = latest(versions) else {
        return Ok(1);
    };
    let code = version_code(partner_code, latest.version);
    if terminated(versions) {
        return Err(Invalid::new(
            "amends",
            Problem::Rule {
                rule: "agreement_terminated",
            },
        ));
    }
    if amends != Some(latest.version) {
        return Err(Invalid::new(
            "amends",
            Problem::Conflict {
                rule: "amend_latest_only",
                with: code,
            },
        ));
    }
    if latest.state == VersionState::Draft {
        return Err(Invalid::new(
            "amends",
            Problem::Conflict {
                rule: "draft_pending",
                with: code,
            },
        ));
    }
    Ok(latest.version + 1)
}

/// Checks a draft's term against the version it amends: an amendment must
/// start after the amended version started, or the amended version would
/// never have been in force and history would be rewritten.
pub fn check_term(
    partner_code: &str,
    versions: &[VersionDates],
    version: i32,
    term: DateRange,
) -> Result<(), Invalid> {
    let previous = versions
        .iter()
        .filter(|v| v.state.was_activated() && v.version < version)
        .max_by_key(|v| v.version);
    match previous {
        Some(previous) if term.from() <= previous.term.from() => Err(Invalid::new(
            "valid_from",
            Problem::Conflict {
                rule: "amendment_starts_after_previous",
                with: format!(
                    "{} ({})",
                    version_code(partner_code, previous.version),
                    previous.term
                ),
            },
        )),
        _ => Ok(()),
    }
}

/// What activating a draft changes besides the draft itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activation {
    /// The version the draft supersedes and the day it takes over.
    pub supersedes: Option<(i32, NaiveDate)>,
}

/// Checks that `version` may be activated and says what it supersedes.
pub fn plan_activation(
    partner_code: &str,
    versions: &[VersionDates],
    version: i32,
) -> Result<Activation, Invalid> {
    let draft = versions
        .iter()
        .find(|v| v.version == version)
        .filter(|v| v.state.can_become(VersionState::Active))
        .ok_or(Invalid::new(
            "version",
            Problem::Rule {
                rule: "only_drafts_activate",
            },
        ))?;
    if terminated(versions) {
        return Err(Invalid::new(
            "version",
            Problem::Rule {
                rule: "agreement_terminated",
            },
        ));
    }
    if latest(versions).is_some_and(|l| l.version != version) {
        return Err(Invalid::new(
            "version",
            Problem::Rule {
                rule: "amend_latest_only",
            },
        ));
    }
    check_term(partner_code, versions, version, draft.term)?;
    Ok(Activation {
        supersedes: latest_activated(versions).map(|p| (p.version, draft.term.from())),
    })
}

/// Checks a termination effective from `effective` (the first day without an
/// agreement) and returns the version it ends: the latest activated one.
pub fn plan_termination(versions: &[VersionDates], effective: NaiveDate) -> Result<i32, Invalid> {
    if terminated(versions) {
        return Err(Invalid::new(
            "effective_date",
            Problem::Rule {
                rule: "agreement_terminated",
            },
        ));
    }
    let current = latest_activated(versions).ok_or(Invalid::new(
        "effective_date",
        Problem::Rule {
            rule: "nothing_to_terminate",
        },
    ))?;
    if effective < current.term.from() {
        return Err(Invalid::new(
            "effective_date",
            Problem::Rule {
                rule: "termination_before_start",
            },
        ));
    }
    if effective > current.term.to() {
        return Err(Invalid::new(
            "effective_date",
            Problem::Rule {
                rule: "termination_after_end",
            },
        ));
    }
    Ok(current.version)
}

/// A reference to a record another area will own (a price list, a rebate
/// program): 1–32 of `A-Z 0-9 - _`, upper-cased like every code.
pub fn parse_reference(field: &'static str, value: &str) -> Result<String, Invalid> {
    let value = value.trim().to_uppercase();
    check_length(field, &value, 1, 32)?;
    if !value
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '-' | '_'))
    {
        return Err(Invalid::new(
            field,
            Problem::BadCharacters {
                allowed: "A-Z 0-9 - _",
            },
        ));
    }
    Ok(value)
}

/// At most this many rebate programs per version.
pub const MAX_PROGRAMS: usize = 20;

/// A list of codes typed as `R1, R2` (commas, Chinese commas or spaces);
/// duplicates collapse, order is kept.
pub fn parse_references(field: &'static str, value: &str) -> Result<Vec<String>, Invalid> {
    let mut codes: Vec<String> = Vec::new();
    for part in value
        .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        let code = parse_reference(field, part)?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.len() > MAX_PROGRAMS {
        return Err(Invalid::new(field, Problem::TooLong { max: MAX_PROGRAMS }));
    }
    Ok(codes)
}

/// Free text of at most `max` characters; empty is allowed.
pub fn parse_text(field: &'static str, value: &str, max: usize) -> Result<String, Invalid> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(Invalid::new(field, Problem::TooLong { max }));
    }
    Ok(value.to_owned())
}

/// Payment terms: days after invoice, 0–365.
pub fn parse_net_days(field: &'static str, value: &str) -> Result<i32, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::new(field, Problem::Required));
    }
    value
        .parse::<i32>()
        .ok()
        .filter(|days| (0..=365).contains(days))
        .ok_or(Invalid::new(
            field,
            Problem::Format {
                expected: "0–365"
            },
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(n.unsigned_abs())
    }

    fn range(from: i64, to: i64) -> DateRange {
        DateRange::new(day(from), day(to), "valid_to").unwrap()
    }

    fn draft(version: i32, from: i64, to: i64) -> VersionDates {
        VersionDates {
            version,
            state: VersionState::Draft,
            term: range(from, to),
            superseded_from: None,
            terminated_from: None,
        }
    }

    /// Activates `version` the way the store does after `plan_activation`.
    fn activate(versions: &mut [VersionDates], version: i32) -> Result<(), Invalid> {
        let plan = plan_activation("P1", versions, version)?;
        for v in versions.iter_mut() {
            if v.version == version {
                v.state = VersionState::Active;
            }
            if let Some((old, from)) = plan.supersedes
                && v.version == old
            {
                v.superseded_from = Some(from);
            }
        }
        Ok(())
    }

    #[test]
    fn state_machine() {
        use VersionState::*;
        assert!(Draft.can_become(Active));
        assert!(Active.can_become(Terminated));
        assert!(!Draft.can_become(Terminated), "a draft was never in force");
        assert!(!Active.can_become(Draft));
        assert!(Terminated.next().is_empty());
        assert!(!Draft.was_activated() && Active.was_activated() && Terminated.was_activated());
    }

    #[test]
    fn status_follows_the_date() {
        let mut v = draft(1, 10, 20);
        assert_eq!(v.status_on(day(15)), AgreementStatus::Draft);
        v.state = VersionState::Active;
        assert_eq!(v.status_on(day(5)), AgreementStatus::Active, "scheduled");
        assert_eq!(v.status_on(day(20)), AgreementStatus::Active);
        assert_eq!(v.status_on(day(21)), AgreementStatus::Expired);
        v.superseded_from = Some(day(16));
        assert_eq!(v.status_on(day(15)), AgreementStatus::Active);
        assert_eq!(v.status_on(day(16)), AgreementStatus::Superseded);
        assert_eq!(v.last_day(), day(15));
        let mut t = draft(2, 16, 30);
        t.state = VersionState::Terminated;
        t.terminated_from = Some(day(25));
        assert_eq!(t.status_on(day(24)), AgreementStatus::Active);
        assert_eq!(t.status_on(day(25)), AgreementStatus::Terminated);
        assert!(t.in_force_on(day(24)) && !t.in_force_on(day(25)));
        assert_eq!(version_code("P00012", 3), "AG-P00012-3");
    }

    #[test]
    fn amendment_takes_over_from_its_start() {
        let mut versions = vec![draft(1, 0, 364)];
        assert_eq!(
            check_new_draft("P1", &versions, None).unwrap_err().field,
            "amends"
        );
        activate(&mut versions, 1).unwrap();
        assert_eq!(check_new_draft("P1", &versions, Some(1)), Ok(2));
        versions.push(draft(2, 120, 364));
        activate(&mut versions, 2).unwrap();
        assert_eq!(versions[0].superseded_from, Some(day(120)));
        assert_eq!(versions[0].term, range(0, 364), "own terms untouched");
        assert_eq!(in_force(&versions, day(119)).map(|v| v.version), Some(1));
        assert_eq!(in_force(&versions, day(120)).map(|v| v.version), Some(2));
        assert_eq!(in_force(&versions, day(365)), None);
    }

    #[test]
    fn bad_amendments_are_refused() {
        let mut versions = vec![draft(1, 10, 100)];
        activate(&mut versions, 1).unwrap();
        let err = check_term("P1", &versions, 2, range(10, 200)).unwrap_err();
        assert_eq!(err.field, "valid_from");
        assert!(
            matches!(&err.problem, Problem::Conflict { with, .. } if with.starts_with("AG-P1-1")),
            "{err:?}"
        );
        assert!(check_term("P1", &versions, 2, range(11, 20)).is_ok());
        assert!(matches!(
            check_new_draft("P1", &versions, Some(0))
                .unwrap_err()
                .problem,
            Problem::Conflict {
                rule: "amend_latest_only",
                ..
            }
        ));
        versions.push(draft(2, 50, 100));
        assert!(matches!(
            check_new_draft("P1", &versions, Some(2))
                .unwrap_err()
                .problem,
            Problem::Conflict {
                rule: "draft_pending",
                ..
            }
        ));
        assert!(
            plan_activation("P1", &versions, 1).is_err(),
            "already active"
        );
        assert_eq!(
            plan_termination(&versions, day(5)).unwrap_err().field,
            "effective_date"
        );
        assert!(plan_termination(&versions, day(101)).is_err());
        assert_eq!(plan_termination(&versions, day(60)), Ok(1));
        versions[0].state = VersionState::Terminated;
        versions[0].terminated_from = Some(day(60));
        assert!(plan_activation("P1", &versions, 2).is_err(), "terminated");
        assert!(plan_termination(&versions, day(70)).is_err());
        assert!(check_new_draft("P1", &versions, Some(2)).is_err());
    }

    #[test]
    fn inputs_parse() {
        assert_eq!(
            parse_references("rebate_programs", " r1, R2，r1 、x-9 ").unwrap(),
            ["R1", "R2", "X-9"]
        );
        assert!(parse_references("rebate_programs", "").unwrap().is_empty());
        assert!(parse_references("rebate_programs", "R 1!").is_err());
        let many: Vec<String> = (0..21).map(|n| format!("R{n}")).collect();
        assert!(parse_references("rebate_programs", &many.join(",")).is_err());
        assert_eq!(parse_net_days("payment_net_days", " 30 "), Ok(30));
        assert!(parse_net_days("payment_net_days", "-1").is_err());
        assert!(parse_net_days("payment_net_days", "366").is_err());
        assert!(parse_net_days("payment_net_days", "").is_err());
        assert!(parse_text("note", &"长".repeat(501), 500).is_err());
        assert_eq!(parse_text("note", " ok ", 500).unwrap(), "ok");
    }

    proptest! {
        /// A chain of amendments with rising starts: on any day the version
        /// in force is the newest that has started, unless its term is over;
        /// never two at once; the one in force shows as active.
        #[test]
        fn as_of_picks_the_newest_started_version(
            steps in proptest::collection::vec((1_i64..90, 0_i64..200), 1..8),
            probe in 0_i64..900,
            end_on in proptest::option::of(0_i64..900),
        ) {
            let mut versions = Vec::new();
            let mut start = 0;
            for (n, (gap, length)) in steps.iter().enumerate() {
                let version = i32::try_from(n).unwrap() + 1;
                let amends = (version > 1).then_some(version - 1);
                prop_assert_eq!(check_new_draft("P1", &versions, amends), Ok(version));
                versions.push(draft(version, start, start + length));
                activate(&mut versions, version).unwrap();
                start += gap;
            }
            let today = day(probe);
            let expected = versions
                .iter()
                .filter(|v| v.term.from() <= today)
                .max_by_key(|v| v.version)
                .filter(|v| v.term.contains(today))
                .map(|v| v.version);
            prop_assert_eq!(in_force(&versions, today).map(|v| v.version), expected);
            prop_assert!(versions.iter().filter(|v| v.in_force_on(today)).count() <= 1);
            for v in &versions {
                prop_assert_eq!(v.in_force_on(today), v.status_on(today) == AgreementStatus::Active && v.term.from() <= today);
            }
            // Terminating ends everything from its effective day and
            // changes nothing before it.
            if let Some(end) = end_on {
                let end = day(end);
                if let Ok(version) = plan_termination(&versions, end) {
                    let before: Vec<_> = (0..900).map(|d| in_force(&versions, day(d)).map(|v| v.version)).collect();
                    for v in &mut versions {
                        if v.version == version {
                            v.state = VersionState::Terminated;
                            v.terminated_from = Some(end);
                        }
                    }
                    for d in 0..900 {
                        let now = in_force(&versions, day(d)).map(|v| v.version);
                        if day(d) < end {
                            prop_assert_eq!(now, before[usize::try_from(d).unwrap()]);
                        } else {
                            prop_assert_eq!(now, None);
                        }
                    }
                }
            }
        }

        #[test]
        fn an_amendment_never_starts_on_or_before_what_it_amends(
            first in 0_i64..100, length in 0_i64..100, second in 0_i64..200,
        ) {
            let mut versions = vec![draft(1, first, first + length)];
            activate(&mut versions, 1).unwrap();
            versions.push(draft(2, second, second + 10));
            let activated = activate(&mut versions, 2).is_ok();
            prop_assert_eq!(activated, second > first);
        }
    }
}
