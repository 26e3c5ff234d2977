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
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        Ok(page.map(|row| AuditView {
            at: row.at,
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
