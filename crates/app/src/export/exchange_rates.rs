//! The exchange rates, in the import's columns, so an export imports back.

use std::future::Future;
use std::pin::Pin;

use super::{Cell, ExportKind, ExportQuery, Exportable, Exporter, to_xlsx};
use crate::rates::RateView;
use crate::{AppError, Caller, Qudao};

pub(super) const KIND: ExportKind = ExportKind(&Exporter {
    name: "exchange-rates",
    zh: "汇率",
    filters: &["from"],
    run,
});

fn run<'a>(
    app: &'a Qudao,
    caller: &'a Caller,
    query: &'a ExportQuery,
) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, AppError>> + Send + 'a>> {
    Box::pin(async move {
        // A month that does not parse is ignored, as on the page.
        let from = query
            .get("from")
            .filter(|m| qudao_domain::periods::Month::parse("from", m).is_ok());
        let rows = app.list_rates(caller, from.as_deref()).await?;
        to_xlsx(&rows, query.chinese)
    })
}

impl Exportable for RateView {
    const SHEET: &'static str = "exchange-rates";
    const HEADERS: &'static [(&'static str, &'static str)] =
        &[("month", "月份"), ("currency", "币种"), ("rate", "汇率")];
    /// The rate as text: a spreadsheet number would round eight decimals.
    fn cells(&self, _chinese: bool) -> Vec<Cell> {
        vec![
            Cell::text(&self.month),
            Cell::text(&self.currency),
            Cell::text(&self.rate),
        ]
    }
}
