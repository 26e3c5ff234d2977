//! Targets in the import's columns, so an export imports back.

use std::future::Future;
use std::pin::Pin;

use super::{Cell, ExportKind, ExportQuery, Exportable, Exporter, to_xlsx};
use crate::imports::targets::{MEASURES, SUBJECT_TYPES};
use crate::imports::values::word;
use crate::targets::TargetView;
use crate::{AppError, Caller, Qudao};

pub(super) const KIND: ExportKind = ExportKind(&Exporter {
    name: "targets",
    zh: "目标",
    filters: &["period"],
    run,
});

fn run<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    query: &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>> {
    Box::pin(async move {
        // A period that does not parse is ignored, as a list's filter is.
        let period = query
            .get("period")
            .filter(|p| qudao_domain::periods::Period::parse("period", p).is_ok());
        let rows = app.target_list(caller, period.as_deref()).await?;
        to_xlsx(&rows, query.chinese)
    })
}

impl Exportable for TargetView {
    const SHEET: &'static str = "targets";
    const HEADERS: &'static [(&'static str, &'static str)] = &[
        ("period", "期间"),
        ("subject_type", "对象类型"),
        ("subject_code", "对象编码"),
        ("measure", "指标"),
        ("product_line", "产品线"),
        ("value", "目标值"),
    ];
    /// The figure as text, as the import reads it back: a count and a
    /// coverage percent are not amounts.
    fn cells(&self, chinese: bool) -> Vec<Cell> {
        vec![
            Cell::text(&self.period),
            Cell::text(word(SUBJECT_TYPES, self.subject_type.as_str(), chinese)),
            Cell::text(&self.subject_code),
            Cell::text(word(MEASURES, self.measure.as_str(), chinese)),
            Cell::text(self.product_line.clone().unwrap_or_default()),
            Cell::text(&self.value_text),
        ]
    }
}
