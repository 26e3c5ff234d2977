//! Changes a partner asks for to fields of its record that the brand
//! owner's channel manager owns (its name, its address). The partner admin
//! requests; a channel manager or admin approves or rejects with a reason.
//! Contacts are not here: a partner admin changes those directly.

use crate::error::{Invalid, Problem, string_enum};
use crate::partners::{PartnerName, Reason, parse_address};

string_enum! {
    /// A record field a partner may ask to change. Adding one here (with its
    /// parser in [`requested_value`]) is all a new kind of request needs.
    ChangeField, "field" {
        Address => "address",
        Name => "name",
    }
}

string_enum! {
    /// Where a request stands. Only a pending request may be decided, once.
    RequestState, "state" {
        Pending => "pending",
        Approved => "approved",
        Rejected => "rejected",
    }
}

/// The value a request asks for, parsed as the field's own rule parses it
/// (a name is required; an empty address clears it).
pub fn requested_value(field: ChangeField, raw: &str) -> Result<Option<String>, Invalid> {
    let moved = |mut invalid: Invalid| {
        invalid.field = "value";
        invalid
    };
    match field {
        ChangeField::Name => PartnerName::parse(raw)
            .map(|name| Some(name.as_str().to_owned()))
            .map_err(moved),
        ChangeField::Address => parse_address(raw).map_err(moved),
    }
}

/// The decision on a pending request. A rejection needs a reason (the
/// partner reads it); an approval may carry a note.
pub fn decide(
    state: RequestState,
    approve: bool,
    reason: &str,
) -> Result<(RequestState, String), Vec<Invalid>> {
    let pending = if state == RequestState::Pending {
        Ok(())
    } else {
        Err(Invalid::new(
            "state",
            Problem::Rule {
                rule: "request_decided",
            },
        ))
    };
    let reason = if approve && reason.trim().is_empty() {
        Ok(String::new())
    } else {
        Reason::parse(reason).map(|r| r.as_str().to_owned())
    };
    let to = if approve {
        RequestState::Approved
    } else {
        RequestState::Rejected
    };
    match (pending, reason) {
        (Ok(()), Ok(reason)) => Ok((to, reason)),
        (pending, reason) => Err(pending.err().into_iter().chain(reason.err()).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_parsed_by_the_fields_rule() {
        assert_eq!(
            requested_value(ChangeField::Address, " 上海市浦东新区世纪大道 1 号 ").unwrap(),
            Some("上海市浦东新区世纪大道 1 号".to_owned())
        );
        assert_eq!(requested_value(ChangeField::Address, "  ").unwrap(), None);
        let invalid = requested_value(ChangeField::Name, " ").unwrap_err();
        assert_eq!(
            (invalid.field, invalid.problem),
            ("value", Problem::Required)
        );
        assert!(requested_value(ChangeField::Address, &"路".repeat(301)).is_err());
    }

    #[test]
    fn only_pending_requests_are_decided_and_rejections_say_why() {
        use RequestState::*;
        assert_eq!(
            decide(Pending, true, "").unwrap(),
            (Approved, String::new())
        );
        assert_eq!(
            decide(Pending, false, " 地址与营业执照不符 ").unwrap(),
            (Rejected, "地址与营业执照不符".to_owned())
        );
        let fields = |r: Result<_, Vec<Invalid>>| {
            r.unwrap_err()
                .into_iter()
                .map(|i| i.field)
                .collect::<Vec<_>>()
        };
        assert_eq!(fields(decide(Pending, false, "")), ["reason"]);
        assert_eq!(fields(decide(Approved, true, "")), ["state"]);
        assert_eq!(fields(decide(Rejected, false, "")), ["state", "reason"]);
    }
}
