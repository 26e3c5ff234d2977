//! The audit log.

use std::future::Future;
use std::pin::Pin;

use chrono::{NaiveDate, TimeZone};

use super::{ExportKind, ExportQuery, Exporter, to_xlsx};
use crate::audit::Filter;
use crate::{AppError, Caller, PageRequest, Qudao};

pub(super) const KIND: ExportKind = ExportKind(&Exporter {
    name: "audit",
    filters: &["entity", "key", "actor", "action", "from", "until"],
    run,
});

/// A calendar date typed in the display zone (UTC+8), as the UTC instant
/// it starts, `days_after` days later.
fn day_start(value: Option<String>, days_after: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    let date = NaiveDate::parse_from_str(value?.trim(), "%Y-%m-%d").ok()?;
    let zone = chrono::FixedOffset::east_opt(8 * 3600)?;
    let start = (date + chrono::Duration::days(days_after)).and_hms_opt(0, 0, 0)?;
    zone.from_local_datetime(&start)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
}

fn run<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    query: &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>> {
    Box::pin(async move {
        let filter = Filter {
            entity: query.get("entity"),
            entity_key: query.get("key"),
            actor_login: query.get("actor").map(|a| a.to_lowercase()),
            action: query.get("action"),
            exclude_actions: crate::audit::sign_ins_left_out(
                query.get("action").as_deref(),
                query.get("sign_ins").as_deref(),
            ),
            from: day_start(query.get("from"), 0),
            until: day_start(query.get("until"), 1),
        };
        let rows = app
            .list_audit(caller, &filter, PageRequest::export())
            .await?;
        to_xlsx(&rows.items)
    })
}
