//! The partner list, in exactly the partner import's columns.

use std::future::Future;
use std::pin::Pin;

use qudao_domain::partners::{PartnerStatus, PartnerType};

use super::{ExportKind, ExportQuery, Exporter, to_xlsx};
use crate::partners::{PartnerFilter, PartnerSort};
use crate::{AppError, Caller, Qudao};

pub(super) const KIND: ExportKind = ExportKind(&Exporter {
    name: "partners",
    zh: "合作伙伴",
    filters: &["q", "partner_type", "status", "depth", "region", "grade"],
    run,
});

fn run<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    query: &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>> {
    Box::pin(async move {
        let filter = PartnerFilter {
            text: query.get("q"),
            partner_type: query
                .get("partner_type")
                .filter(|t| PartnerType::parse(t).is_ok()),
            status: query
                .get("status")
                .filter(|s| PartnerStatus::parse(s).is_ok()),
            depth: query.get("depth").and_then(|d| d.parse().ok()),
            parent_id: None,
            region_code: query.get("region"),
            grade_code: query.get("grade"),
        };
        let sort = query.sort(PartnerSort::parse).unwrap_or_default();
        let mut rows = app
            .export_partners(caller, &filter, sort, query.dir)
            .await?;
        if query.chinese {
            // Grades are data: their Chinese word is the grade's own name.
            let names: std::collections::HashMap<String, String> =
                qudao_store::grades::list(app.db())
                    .await?
                    .into_iter()
                    .map(|g| (g.code, g.name))
                    .collect();
            for row in &mut rows {
                if let Some(name) = row.grade.as_ref().and_then(|code| names.get(code)) {
                    row.grade = Some(name.clone());
                }
            }
        }
        to_xlsx(&rows, query.chinese)
    })
}
