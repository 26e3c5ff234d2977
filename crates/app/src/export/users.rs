//! The user list.

use std::future::Future;
use std::pin::Pin;

use qudao_domain::admin::{Role, UserStatus};

use super::{ExportKind, ExportQuery, Exporter, to_xlsx};
use crate::admin::{UserFilter, UserSort};
use crate::{AppError, Caller, PageRequest, Qudao};

pub(super) const KIND: ExportKind = ExportKind(&Exporter {
    name: "users",
    zh: "用户",
    filters: &["q", "role", "status"],
    run,
});

fn run<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    query: &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>> {
    Box::pin(async move {
        let filter = UserFilter {
            text: query.get("q"),
            role: query.get("role").filter(|r| Role::parse(r).is_ok()),
            status: query.get("status").filter(|s| UserStatus::parse(s).is_ok()),
            partner_id: None,
        };
        let sort = query.sort(UserSort::parse).unwrap_or_default();
        let rows = app
            .list_users(caller, &filter, sort, query.dir, PageRequest::export())
            .await?;
        to_xlsx(&rows.items, query.chinese)
    })
}
