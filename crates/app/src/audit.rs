//! Writing and reading the audit log.

use chrono::{DateTime, Utc};
use qudao_store::audit::{self as repo, AuditFilter};
use qudao_store::paging::{Page, PageRequest};
use serde::Serialize;

use crate::{AppError, Caller, Permission, Qudao};

pub use qudao_store::audit::AuditFilter as Filter;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditView {
    pub at: DateTime<Utc>,
    pub actor_login: String,
    /// The actor's display name, when the login belongs to a user.
    pub actor_name: Option<String>,
    pub entity: String,
    pub entity_key: String,
    pub action: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    /// The client's address; none for the command line.
    pub client_address: Option<String>,
    pub user_agent: Option<String>,
}

/// The actions of signing in (and failing to): the log's most frequent
/// lines, left out of the audit page unless asked for.
pub const SIGN_IN_ACTIONS: &[&str] = &["login", "login_failed", "login_locked"];

/// The actions a list leaves out: sign-ins, unless the filter asks for an
/// action by name or for sign-ins (`sign_ins=1`).
pub fn sign_ins_left_out(action: Option<&str>, sign_ins: Option<&str>) -> Vec<String> {
    let wanted = action.is_some_and(|a| !a.trim().is_empty()) || sign_ins == Some("1");
    if wanted {
        Vec::new()
    } else {
        SIGN_IN_ACTIONS.iter().map(|a| (*a).to_owned()).collect()
    }
}

/// One field of a record that an audited action changed.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl AuditView {
    /// Field by field, what the action changed: for an update the fields
    /// whose values differ, for a creation every field it set, for a
    /// removal every field it had. Values that are not objects (or are
    /// absent) count as one field named after the record.
    pub fn changes(&self) -> Vec<FieldChange> {
        field_changes(self.before.as_ref(), self.after.as_ref())
    }
}

pub fn field_changes(
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> Vec<FieldChange> {
    use serde_json::Value;
    let fields = |value: Option<&Value>| -> Vec<(String, Value)> {
        match value {
            Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(other) => vec![("value".to_owned(), other.clone())],
        }
    };
    let (old, new) = (fields(before), fields(after));
    let names = old.iter().chain(new.iter()).map(|(k, _)| k);
    let mut seen = std::collections::HashSet::new();
    names
        .filter(|name| seen.insert(*name))
        .filter_map(|name| {
            let find = |list: &[(String, Value)]| {
                list.iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .filter(|v| !v.is_null())
            };
            let (was, is) = (find(&old), find(&new));
            (was != is).then(|| FieldChange {
                field: name.clone(),
                before: was,
                after: is,
            })
        })
        .collect()
}

impl Qudao {
    /// Writes one audit record in the caller's transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn audit<T: Serialize>(
        &self,
        tx: &qudao_store::WriteTx,
        caller: &Caller,
        entity: &str,
        key: &str,
        action: &str,
        before: Option<&T>,
        after: Option<&T>,
    ) -> Result<(), AppError> {
        let json = |value: Option<&T>| value.and_then(|v| serde_json::to_value(v).ok());
        repo::record(
            tx,
            audit_entry(caller, entity, key, action, json(before), json(after)),
        )
        .await?;
        Ok(())
    }

    pub async fn list_audit(
        &self,
        caller: &Caller,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditView>, AppError> {
        caller.require(Permission::ViewAudit)?;
        let page = repo::list(self.db(), filter, page).await?;
        let logins = page.items.iter().map(|r| r.actor_login.clone()).collect();
        let names = crate::visibility::user_names(self.db(), logins).await?;
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        Ok(page.map(|row| AuditView {
            at: row.at,
            actor_name: names.get(&row.actor_login).cloned(),
            actor_login: row.actor_login,
            entity: row.entity,
            entity_key: row.entity_key,
            action: row.action,
            before: parse(row.before_json),
            after: parse(row.after_json),
            client_address: row.client_address,
            user_agent: row.user_agent,
        }))
    }
}

/// One audit record by the caller, with where the request came from; the
/// single write above and the bulk path's batches both build it here.
pub(crate) fn audit_entry<'a>(
    caller: &'a Caller,
    entity: &'a str,
    key: &'a str,
    action: &'a str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> repo::NewEntry<'a> {
    repo::NewEntry {
        actor_id: (!caller.is_system()).then_some(caller.user_id.0),
        actor_login: &caller.login,
        entity,
        entity_key: key,
        action,
        before,
        after,
        client_address: caller.origin.address.as_deref(),
        user_agent: caller.origin.user_agent.as_deref(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_update_shows_only_the_fields_that_changed() {
        let before = json!({"code": "P1", "status": "active", "grade": "gold", "depth": 1});
        let after = json!({"code": "P1", "status": "suspended", "grade": null, "depth": 1});
        assert_eq!(
            field_changes(Some(&before), Some(&after)),
            vec![
                FieldChange {
                    field: "grade".into(),
                    before: Some(json!("gold")),
                    after: None,
                },
                FieldChange {
                    field: "status".into(),
                    before: Some(json!("active")),
                    after: Some(json!("suspended")),
                },
            ]
        );
    }

    #[test]
    fn a_creation_shows_every_field_it_set() {
        let after = json!({"code": "P1", "parent_code": null, "name": "A"});
        let changes = field_changes(None, Some(&after));
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["code", "name"]);
        assert!(changes.iter().all(|c| c.before.is_none()));
        assert!(field_changes(None, None).is_empty());
    }
}
