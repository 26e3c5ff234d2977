//! Agreements, and those expiring soon.

use std::future::Future;
use std::pin::Pin;

use qudao_domain::agreements::AgreementStatus;
use qudao_domain::dates::parse_date;

use super::{ExportKind, ExportQuery, Exporter, to_xlsx};
use crate::agreements::{AgreementFilter, AgreementSort, EXPIRING_DAYS, MAX_EXPIRING_DAYS};
use crate::{AppError, Caller, PageRequest, Qudao};

pub(super) const KIND: ExportKind = ExportKind(&Exporter {
    name: "agreements",
    zh: "合作协议",
    filters: &["partner", "status", "in_force_on"],
    run,
});

pub(super) const EXPIRING: ExportKind = ExportKind(&Exporter {
    name: "expiring-agreements",
    zh: "即将到期的协议",
    filters: &["days"],
    run: expiring,
});

fn run<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    query: &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>> {
    Box::pin(async move {
        let filter = AgreementFilter {
            partner: query.get("partner"),
            status: query
                .get("status")
                .and_then(|s| AgreementStatus::parse(&s).ok()),
            in_force_on: query
                .get("in_force_on")
                .and_then(|d| parse_date("in_force_on", &d).ok()),
        };
        let sort = query
            .sort(AgreementSort::parse)
            .unwrap_or(AgreementSort::Partner);
        let rows = app
            .list_agreements(caller, &filter, sort, query.dir, PageRequest::export())
            .await?;
        to_xlsx(&rows.items, query.chinese)
    })
}

fn expiring<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    query: &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>> {
    Box::pin(async move {
        let days = query
            .get("days")
            .and_then(|d| d.parse::<u32>().ok())
            .map_or(EXPIRING_DAYS, |d| d.min(MAX_EXPIRING_DAYS));
        let sort = query
            .sort(AgreementSort::parse)
            .unwrap_or(AgreementSort::ValidTo);
        let rows = app
            .expiring_agreements(caller, days, sort, query.dir, PageRequest::export())
            .await?;
        to_xlsx(&rows.items, query.chinese)
    })
}
